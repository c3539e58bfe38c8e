/* SPDX-License-Identifier: MIT */
/*
 * dp_forward - the RTP path: unprotect a producer's packet once, hand a
 * reference of the plaintext to every other lcore holding consumers of it,
 * and for each consumer of this lcore copy, rewrite, protect once and send.
 *
 * Producer side (the producer transport's lcore):
 *   SRTP from a valid tuple -> keys? -> SSRC of a known producer stream of
 *   that transport (checked in clear before unprotect, so an authenticated
 *   peer cannot make libsrtp grow per-SSRC state without bound) ->
 *   unprotect in place -> parse -> RTX unwrapped to the original (padding
 *   probes dropped) -> extension block checked once -> fan-out.
 * Fan-out: the plaintext mbuf gets one reference per other lcore of the
 *   producer's lcore mask, enqueued with a dp_handoff descriptor (producer
 *   id, where the RTP is, the producer's extension ids); the packet is
 *   read-only from then on. Local consumers are served from the same bytes.
 * Consumer side (any lcore): per consumer a fresh mbuf from this lcore's
 *   pool, the RTP copied behind room for Eth/IPv4/UDP, then SSRC, PT,
 *   sequence number and timestamp (dp_seqmap) rewritten, extension ids
 *   remapped (mid/rid/rrid and unknown elements stripped to padding),
 *   transport-wide sequence number and abs-send-time set for the consumer's
 *   transport, protected with that transport's tx context and sent to its
 *   selected tuple. The producer's latest SR timestamps travel with the
 *   packets (fan-out descriptor, then the dp_fan) for the consumers' SRs.
 * Loss recovery (dp_nack.h): a fan with a nack consumer keeps a copy of each
 * plaintext packet before the rewrite; a consumer's NACK resends it through
 * the same rewrite (write_copy), as RTX or byte-identical.
 * Every packet that does not go out is counted by reason, on the lcore and
 * on the transport it belongs to.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dp_media.h"
#include "dp_media_int.h"
#include "dp_nack.h"
#include "dp_rtp.h"
#include "dp_srtp.h"

/* One plaintext packet being fanned out. */
struct fwd_pkt {
	const uint8_t *rtp;
	uint32_t len;
	uint32_t abs24;             /* abs-send-time of now, 6.18 fixed point */
	struct dp_rtp_info ri;
	struct sl_ext_ids ext;      /* producer's extension ids */
	uint8_t layer;              /* simulcast: spatial layer (dp_simulcast.c) */
	uint8_t sim;                /* DP_SIM_PKT_* flags, 0: not simulcast */
};

/* Producer ids -> consumer ids for the elements a consumer keeps. */
static void build_ext_map(struct dp_consumer *c, const struct sl_ext_ids *from)
{
	const uint8_t pairs[][2] = {
		{from->abs_send_time, c->ext.abs_send_time},
		{from->transport_cc, c->ext.transport_cc},
		{from->audio_level, c->ext.audio_level},
		{from->video_orientation, c->ext.video_orientation},
		{from->toffset, c->ext.toffset},
	};
	/* everything else (mid, rid, rrid, unknown ids) maps to 0: stripped */
	memset(c->ext_map, 0, sizeof(c->ext_map));
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (pairs[i][0])
			c->ext_map[pairs[i][0]] = pairs[i][1];
	/* a one-byte element cannot carry an id above 14: strip those */
	for (unsigned int id = 0; id < sizeof(c->ext_map1); id++)
		c->ext_map1[id] = c->ext_map[id] <= DP_RTP_ONE_BYTE_ID_MAX ? c->ext_map[id] : 0;
	c->map_from = *from;
	c->map_valid = 1;
}

/*
 * One pass over the extension block of the copy d (checked well-formed by
 * the producer's lcore): ids remapped, elements mapped to 0 turned into
 * padding, and the values the consumer's transport owns written (its
 * transport-wide sequence number, abs-send-time tag->abs24). Like
 * dp_rtp_ext_remap() followed by the setters, in one walk because it runs
 * per consumer and packet; unlike it, an element whose new id the one-byte
 * form cannot carry is stripped alone instead of refusing the block.
 * Rewriting behind the iterator never changes what lies ahead of it.
 * fresh: the transport's next transport-wide seq is taken and recorded in
 * tag; else tag's (a byte-identical resend).
 */
static void ext_rewrite(uint8_t *d, const struct dp_rtp_info *ri, const struct dp_consumer *c,
			struct dp_transport *ct, struct dp_fwd_tag *tag, int fresh)
{
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	const uint8_t *map = ri->ext_form == DP_RTP_EXT_ONE ? c->ext_map1 : c->ext_map;
	dp_rtp_ext_iter_init(&it, ri);
	while (dp_rtp_ext_next(&it, d, &e) == DP_RTP_OK) {
		uint8_t nid = map[e.id];
		if (nid == 0) {
			memset(d + e.hdr, 0, e.off + e.len - e.hdr);
			continue;
		}
		if (it.form == DP_RTP_EXT_ONE)
			d[e.hdr] = (uint8_t)(nid << 4 | (e.len - 1u));
		else
			d[e.hdr] = nid;
		if (nid == c->ext.transport_cc) {
			if (!fresh) {
				if (tag->has_twcc)
					dp_rtp_ext_set_twcc(d, &e, tag->twcc);
			} else if (dp_rtp_ext_set_twcc(d, &e, ct->twcc_seq) == DP_RTP_OK) {
				tag->twcc = ct->twcc_seq++;
				tag->has_twcc = 1;
			}
		} else if (nid == c->ext.abs_send_time) {
			dp_rtp_ext_set_abs_send_time(d, &e, tag->abs24);
		}
	}
}

/* Why a consumer cannot be sent to now, or 0. */
static unsigned int consumer_blocked(const struct dp_consumer *c, const struct dp_transport *ct)
{
	if (c->paused)
		return SL_DROP_CONSUMER_PAUSED;
	if (!ct->connected)
		return ct->selected < 0 ? SL_DROP_NO_TUPLE : SL_DROP_ICE_DISCONNECTED;
	if (!ct->srtp)
		return SL_DROP_SRTP_NO_KEYS;
	return 0;
}

struct rte_mbuf *dp_media_mbuf(struct dp_media *md)
{
	if (md->n_stash == 0) {
		if (rte_pktmbuf_alloc_bulk(md->lc->pool, md->stash, DP_STASH) == 0)
			md->n_stash = DP_STASH;
		else
			return rte_pktmbuf_alloc(md->lc->pool); /* nearly empty: one */
	}
	return md->stash[--md->n_stash];
}

unsigned int dp_media_stashed(const struct dp_lcore *lc)
{
	return lc->media ? lc->media->n_stash : 0;
}

/* An RTX wrapping of a copy (RFC 4588): the consumer's RTX SSRC and PT,
 * its RTX sequence number, the consumer-side seq as OSN. */
struct rtx_wrap {
	uint32_t ssrc;
	uint8_t pt;
	uint16_t seq;
};

/*
 * The per-consumer copy of f: a fresh mbuf, the RTP behind room for the
 * Eth/IPv4/UDP headers (with the 2-byte OSN after the header when rtx),
 * SSRC, PT, seq tag->seq and timestamp ts rewritten, extension block
 * remapped (see ext_rewrite for fresh and tag), protected with ct's tx
 * context and sent to its selected tuple (the caller checked
 * consumer_blocked). Returns the SRTP length sent, or 0 (dropped and
 * counted).
 */
static uint32_t write_copy(struct dp_media *md, struct dp_consumer *c, struct dp_transport *ct,
			   const struct fwd_pkt *f, uint8_t pt, uint32_t ts,
			   const struct rtx_wrap *rtx, struct dp_fwd_tag *tag, int fresh)
{
	struct dp_lcore *lc = md->lc;
	struct rte_mbuf *m = dp_media_mbuf(md);
	if (!m) {
		dp_tp_drop(lc, ct, SL_DROP_NO_MBUF);
		return 0;
	}
	m->data_off += DP_RTP_DATA_OFF; /* RTP 4-byte aligned behind 42 header bytes */
	uint32_t cap = (uint32_t)(m->buf_len - m->data_off - DP_UDP4_HDRS);
	uint32_t len = f->len + (rtx ? DP_RTP_RTX_OSN_LEN : 0u);
	if (len + ct->srtp_overhead > cap) {
		rte_pktmbuf_free(m);
		dp_tp_drop(lc, ct, SL_DROP_TOO_BIG);
		return 0;
	}
	uint8_t *d = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	if (rtx) {
		uint32_t h = f->ri.payload_off;
		memcpy(d, f->rtp, h);
		d[h] = (uint8_t)(tag->seq >> 8);
		d[h + 1] = (uint8_t)tag->seq;
		memcpy(d + h + DP_RTP_RTX_OSN_LEN, f->rtp + h, f->len - h);
		dp_rtp_set_ssrc(d, rtx->ssrc);
		dp_rtp_set_pt(d, rtx->pt);
		dp_rtp_set_seq(d, rtx->seq);
	} else {
		memcpy(d, f->rtp, f->len);
		dp_rtp_set_ssrc(d, c->ssrc);
		dp_rtp_set_pt(d, pt);
		dp_rtp_set_seq(d, tag->seq);
	}
	dp_rtp_set_ts(d, ts);
	if (f->sim & DP_SIM_PKT_VP8) /* picture ids continuous across layer switches */
		dp_simulcast_vp8(c, d + f->ri.payload_off + (rtx ? DP_RTP_RTX_OSN_LEN : 0u),
				 f->ri.payload_len, f->sim);
	uint16_t twcc_before = ct->twcc_seq;
	if (f->ri.ext_form == DP_RTP_EXT_ONE || f->ri.ext_form == DP_RTP_EXT_TWO) {
		if (!c->map_valid || memcmp(&c->map_from, &f->ext, sizeof(f->ext)) != 0)
			build_ext_map(c, &f->ext);
		ext_rewrite(d, &f->ri, c, ct, tag, fresh); /* the header is where f has it */
	}
	if (dp_srtp_protect_rtp(ct->srtp, d, &len, cap) != DP_SRTP_OK) {
		rte_pktmbuf_free(m);
		dp_tp_drop(lc, ct, SL_DROP_SRTP_OTHER);
		return 0;
	}
	if (ct->bwe && ct->twcc_seq != twcc_before) /* a fresh transport-wide seq went out */
		dp_bwe_on_sent(ct->bwe, twcc_before, len + DP_UDP4_HDRS, md->now_ns);
	dp_transport_send(md, ct, &ct->tuples[ct->selected], m, len);
	return len;
}

static void forward_one(struct dp_media *md, struct dp_consumer *c, const struct fwd_pkt *f)
{
	struct dp_lcore *lc = md->lc;
	struct dp_transport *ct = md->tp[c->transport_id];
	uint16_t oseq;
	uint32_t ots;

	if (!ct) { /* cannot happen: consumers go with their transport */
		dp_count_drop(lc, SL_DROP_NO_CONSUMER);
		return;
	}
	unsigned int why = consumer_blocked(c, ct);
	/* simulcast: one layer per consumer, the others are not for it */
	if (!why && f->sim && !dp_simulcast_pick(md, c, f->layer, f->sim))
		return;
	uint8_t pt = c->pt_map[f->ri.pt];
	if (!why && pt == 0xff)
		why = SL_DROP_PT_UNMAPPED;
	if (!why && dp_seqmap_map(&c->seq, f->ri.ssrc, f->ri.seq, f->ri.ts, md->now_ns,
				  c->clock_rate, &oseq, &ots) != DP_SEQMAP_SEND)
		why = SL_DROP_RTP_STALE;
	if (why) {
		dp_tp_drop(lc, ct, why);
		return;
	}
	struct dp_fwd_tag tag = {.seq = oseq, .abs24 = f->abs24};
	uint32_t len = write_copy(md, c, ct, f, pt, ots, NULL, &tag, 1);
	if (!len)
		return;
	lc->ctr->rtp_out++;
	ct->ctr->rtp_out++;
	c->packets++;
	c->bytes += len;
	c->octets += f->ri.payload_len;
	if (c->nk)
		dp_nack_sent(c->nk, &tag);
}

static void forward_fan(struct dp_media *md, struct dp_fan *fan, struct fwd_pkt *f)
{
	if (f->sim)
		dp_simulcast_seen(fan, f->layer, md->now_ns);
	if (fan->rtx) /* a consumer may NACK it: keep a copy */
		dp_nack_keep(fan->rtx, f->rtp, f->len, &f->ri, &f->ext, md->now_ns);
	for (struct dp_consumer *c = fan->head; c; c = c->next)
		forward_one(md, c, f);
}

/* abs-send-time (6.18 fixed-point seconds, 24 bits) of the TSC now. */
static uint32_t abs_send_time_now(void)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t tsc = rte_get_tsc_cycles();
	if (hz == 0)
		return 0;
	/* (tsc / hz) seconds in 6.18: split to avoid overflow of tsc << 18 */
	uint64_t sec = tsc / hz, rem = tsc % hz;
	return (uint32_t)(((sec << 18) + (rem << 18) / hz) & 0xffffffu);
}

/* Extension block well-formed (or absent / opaque)? */
static int ext_ok(const uint8_t *p, const struct dp_rtp_info *ri)
{
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	enum dp_rtp_status st;
	if (ri->ext_form != DP_RTP_EXT_ONE && ri->ext_form != DP_RTP_EXT_TWO)
		return 1;
	dp_rtp_ext_iter_init(&it, ri);
	while ((st = dp_rtp_ext_next(&it, p, &e)) == DP_RTP_OK)
		;
	return st == DP_RTP_END;
}

/* Hands references of the plaintext to the other lcores of the mask. */
static void fanout_remote(struct dp_media *md, const struct dp_producer *p, struct rte_mbuf *m,
			  uint32_t rtp_off, uint32_t rtp_len, uint8_t sim)
{
	uint64_t mask = p->lcore_mask;
	if (!mask)
		return;
	struct dp_handoff h;
	memset(&h, 0, sizeof(h));
	h.m = m;
	h.kind = DP_HO_FANOUT;
	h.producer_id = p->id;
	h.u.fan.rtp_off = (uint16_t)rtp_off;
	h.u.fan.rtp_len = (uint16_t)rtp_len;
	h.u.fan.ext = p->ext;
	h.u.fan.sr = p->sr;
	h.layer = p->layer;
	h.sim = sim;
	/* one reference per receiving lcore, taken before any can free it */
	rte_mbuf_refcnt_update(m, (int16_t)__builtin_popcountll(mask));
	while (mask) {
		unsigned int dst = (unsigned int)__builtin_ctzll(mask);
		mask &= mask - 1;
		dp_handoff_fanout(md, dst, &h);
	}
}

/* Unprotects and parses a producer packet in place. Returns the producer,
 * or NULL after counting the drop (m not freed). */
static struct dp_producer *producer_input(struct dp_media *md, struct dp_transport *t,
					  uint8_t *p, uint32_t *len, struct dp_rtp_info *ri)
{
	struct dp_lcore *lc = md->lc;
	if (*len < DP_RTP_HDR_MIN) {
		dp_tp_drop(lc, t, SL_DROP_RTP_MALFORMED);
		return NULL;
	}
	if (!t->srtp) {
		dp_tp_drop(lc, t, SL_DROP_SRTP_NO_KEYS);
		return NULL;
	}
	uint32_t ssrc = dp_get_be32(p + 8);
	struct dp_producer *prod = dp_htab_get(&md->prod_ssrc, (uint64_t)t->id << 32 | ssrc);
	if (!prod) {
		dp_tp_drop(lc, t, SL_DROP_NO_PRODUCER);
		return NULL;
	}
	enum dp_srtp_status st = dp_srtp_unprotect_rtp(t->srtp, p, len, *len);
	if (st != DP_SRTP_OK) {
		dp_tp_drop(lc, t, dp_srtp_drop_reason(st));
		return NULL;
	}
	if (dp_rtp_parse(p, *len, ri) != DP_RTP_OK || !ext_ok(p, ri)) {
		dp_tp_drop(lc, t, SL_DROP_RTP_MALFORMED);
		return NULL;
	}
	/* every authenticated packet counts for bandwidth estimation, RTX
	 * padding probes above all */
	dp_feedback_tcc_record(md, t, prod, p, ri);
	if (ssrc == prod->rtx_ssrc) {
		size_t n;
		if (ri->payload_len == 0) { /* padding-only probe */
			dp_tp_drop(lc, t, SL_DROP_RTP_PADDING);
			return NULL;
		}
		if (dp_rtp_rtx_unwrap(p, *len, ri, prod->ssrc, prod->pt, &n) != DP_RTP_OK) {
			dp_tp_drop(lc, t, SL_DROP_RTP_MALFORMED);
			return NULL;
		}
		*len = (uint32_t)n;
	}
	dp_feedback_rx(md, prod, ri->seq, ri->ts, ssrc == prod->rtx_ssrc);
	dp_nack_rx(md, prod, ri->seq); /* a gap to NACK, or a gap filled */
	return prod;
}

void dp_forward_follow_tuple(struct dp_media *md, struct dp_transport *t,
			     const struct dp_udp_info *u)
{
	const struct dp_tuple *sel = dp_transport_dest(t);
	if (sel && dp_tuple_matches(sel, u))
		return;
	int i = dp_transport_tuple_find(t, u);
	if (i >= 0)
		dp_transport_select(md, t, i);
}

void dp_forward_rtp(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
		    const struct dp_udp_info *u)
{
	struct dp_lcore *lc = md->lc;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, u->payload_off);
	uint32_t len = u->payload_len;
	struct fwd_pkt f;

	if (!t->connected) {
		dp_tp_drop(lc, t, SL_DROP_ICE_DISCONNECTED);
		rte_pktmbuf_free(m);
		return;
	}
	struct dp_producer *prod = producer_input(md, t, p, &len, &f.ri);
	if (!prod) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_forward_follow_tuple(md, t, u);
	lc->ctr->rtp_in++;
	t->ctr->rtp_in++;
	prod->packets++;
	prod->bytes += len;
	if (prod->ext.audio_level) /* RFC 6464 level for the active speaker */
		dp_level_rx(prod, p, &f.ri);

	uint8_t sim = dp_simulcast_classify(prod, p, &f.ri);
	fanout_remote(md, prod, m, u->payload_off, len, sim);
	struct dp_fan *fan = dp_htab_get(&md->fans, prod->id);
	if (fan) {
		f.layer = prod->layer;
		f.sim = sim;
		fan->sr = prod->sr;
		f.rtp = p;
		f.len = len;
		f.ext = prod->ext;
		f.abs24 = abs_send_time_now();
		forward_fan(md, fan, &f);
	}
	rte_pktmbuf_free(m); /* our reference */
}

void dp_forward_fanout_in(struct dp_media *md, const struct dp_handoff *h)
{
	struct dp_lcore *lc = md->lc;
	struct dp_fan *fan = dp_htab_get(&md->fans, h->producer_id);
	struct fwd_pkt f;

	if (!fan) { /* the consumers left after the producer's lcore sent it */
		dp_count_drop(lc, SL_DROP_NO_CONSUMER);
		rte_pktmbuf_free(h->m);
		return;
	}
	f.rtp = rte_pktmbuf_mtod_offset(h->m, const uint8_t *, h->u.fan.rtp_off);
	f.len = h->u.fan.rtp_len;
	f.ext = h->u.fan.ext;
	/* parsed and checked by the producer's lcore; parse again for offsets */
	if (dp_rtp_parse(f.rtp, f.len, &f.ri) != DP_RTP_OK) {
		dp_count_drop(lc, SL_DROP_RTP_MALFORMED);
		rte_pktmbuf_free(h->m);
		return;
	}
	fan->sr = h->u.fan.sr;
	fan->src_lcore = (uint8_t)(h->src + 1u); /* where its key-frame requests go */
	f.layer = h->layer;
	f.sim = h->sim;
	f.abs24 = abs_send_time_now();
	forward_fan(md, fan, &f);
	rte_pktmbuf_free(h->m);
}

int dp_forward_resend(struct dp_media *md, struct dp_consumer *c, const struct dp_rtx_pkt *k,
		      const struct dp_fwd_tag *tag)
{
	struct dp_lcore *lc = md->lc;
	struct dp_transport *ct = dp_tp_get(md, c->transport_id);
	struct fwd_pkt f;
	if (!ct)
		return -1;
	unsigned int why = consumer_blocked(c, ct);
	if (why) {
		dp_tp_drop(lc, ct, why);
		return -1;
	}
	f.rtp = k->data;
	f.len = k->len;
	f.ext = k->ext;
	/* kept after the producer's lcore checked it: cannot fail */
	if (dp_rtp_parse(f.rtp, f.len, &f.ri) != DP_RTP_OK) {
		dp_tp_drop(lc, ct, SL_DROP_RTP_MALFORMED);
		return -1;
	}
	uint8_t pt = c->pt_map[f.ri.pt];
	if (pt == 0xff) {
		dp_tp_drop(lc, ct, SL_DROP_PT_UNMAPPED);
		return -1;
	}
	uint32_t ts = f.ri.ts + c->seq.ts_off; /* as dp_seqmap mapped it */
	/* simulcast VP8: the same picture-id rewrite as the first time */
	f.sim = c->sim.vp8 ? (uint8_t)(DP_SIM_PKT | DP_SIM_PKT_VP8 | DP_SIM_PKT_RESEND) : 0;
	f.layer = 0;
	struct dp_fwd_tag t = *tag;
	uint32_t len;
	if (c->rtx_ssrc) {
		/* a new packet on the wire: fresh transport-wide seq, send time */
		struct rtx_wrap w = {.ssrc = c->rtx_ssrc, .pt = c->rtx_pt, .seq = c->nk->rtx_seq};
		t.abs24 = abs_send_time_now();
		len = write_copy(md, c, ct, &f, pt, ts, &w, &t, 1);
		if (len)
			c->nk->rtx_seq++;
	} else {
		/* the very same bytes as the first time (see dp_srtp.h) */
		len = write_copy(md, c, ct, &f, pt, ts, NULL, &t, 0);
	}
	if (!len)
		return -1;
	ct->ctr->rtx_out++;
	return 0;
}
