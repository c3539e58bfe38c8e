/* SPDX-License-Identifier: MIT */
/*
 * dp_feedback - RTCP the SFU originates towards producers (see
 * dp_media_int.h for ownership: everything here runs on the producer
 * transport's lcore):
 *  - key-frame requests: SL_MSG_REQUEST_KEYFRAME (sent by the control plane
 *    when a consumer was resumed, or relays a consumer's PLI/FIR it got as
 *    an event) and consumers' PLI/FIR routed on the data plane (dp_media.c,
 *    the KEYFRAME handoff) become an SRTCP PLI, or FIR when the producer
 *    negotiated only FIR, from DP_SERVER_SSRC to the producer's SSRC on the
 *    transport's selected tuple; at most one per producer every
 *    DP_KF_MIN_NS. A request within the window is not lost: it is
 *    remembered (kf_pending; counted in pli_suppressed, however many
 *    coalesce) and one request is sent when the window ends (the lcore's
 *    timer, dp_feedback_kf_timer), so every request is answered within
 *    one window;
 *  - transport-wide congestion control feedback: the transport-wide
 *    sequence number and arrival time of every authenticated producer
 *    packet go to a fixed ring of the transport; every DP_TCC_FB_NS (or
 *    when the ring is full) they are sorted, de-duplicated and reported in
 *    as many RTPFB FMT 15 packets as the deltas and the size need;
 *  - receiver reports: every DP_RR_NS one RR per producer that sent media
 *    (extended highest seq, cumulative and fractional loss, jitter, LSR and
 *    DLSR from its last SR) to its transport;
 *  - sender reports to consumers (on the consumer transport's lcore): every
 *    DP_SR_NS one SR per resumed consumer, from the consumer's SSRC, with
 *    the packets and payload octets it was sent and an NTP/RTP pair taken
 *    from its producer's latest SR, advanced to now by the clock rate and
 *    put on the consumer's timestamps (the dp_seqmap offset forwarding
 *    applies), so receivers keep audio and video in sync. Consumers whose
 *    producer sent no SR yet get none.
 * No allocation on the packet path (the ring is allocated with the first
 * transport-cc producer), no logging.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dp_media_int.h"
#include "dp_rtp.h"
#include "dp_srtp.h"

#define TCC_CHUNK_MAX 256u     /* received packets per feedback packet */
#define TCC_SPAN_MAX 2048u     /* seqs covered by one feedback packet */
#define TCC_GAP_MAX 1024u      /* larger jumps from next_seq are a restart */
#define TCC_TICK_US 250
#define RTCP_BUF_MAX 1200u     /* plaintext RTCP we build */

/* Protects the plaintext RTCP at the payload position of m (len bytes) and
 * sends it on t's selected tuple. Consumes m. 0 or -1 (counted). len 0 is
 * what a builder returns when the packet does not fit (it cannot for the
 * fixed-size ones): m is freed, -1, not counted. */
static int rtcp_send(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
		     uint32_t len)
{
	struct dp_lcore *lc = md->lc;
	if (len == 0) {
		rte_pktmbuf_free(m);
		return -1;
	}
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	uint32_t cap = (uint32_t)(m->buf_len - m->data_off - DP_UDP4_HDRS);
	if (dp_srtp_protect_rtcp(t->srtp, p, &len, cap) != DP_SRTP_OK) {
		rte_pktmbuf_free(m);
		dp_tp_drop(lc, t, SL_DROP_SRTP_OTHER);
		return -1;
	}
	lc->ctr->rtcp_out++;
	t->ctr->rtcp_out++;
	dp_transport_send(md, t, &t->tuples[t->selected], m, len);
	return 0;
}

/* Why t cannot send RTCP now (a drop reason), or 0. */
static unsigned int tp_blocked(const struct dp_transport *t)
{
	if (!t->connected)
		return t->selected < 0 ? SL_DROP_NO_TUPLE : SL_DROP_ICE_DISCONNECTED;
	if (!t->srtp)
		return SL_DROP_SRTP_NO_KEYS;
	return 0;
}

/* A fresh mbuf with room for RTCP_BUF_MAX plaintext plus the SRTCP
 * trailer behind the Eth/IPv4/UDP headers, or NULL (counted). */
static struct rte_mbuf *rtcp_mbuf(struct dp_media *md, struct dp_transport *t)
{
	struct rte_mbuf *m = dp_media_mbuf(md);
	if (!m) {
		dp_tp_drop(md->lc, t, SL_DROP_NO_MBUF);
		return NULL;
	}
	if ((size_t)m->buf_len - m->data_off < DP_UDP4_HDRS + RTCP_BUF_MAX + t->srtp_overhead) {
		rte_pktmbuf_free(m);
		dp_tp_drop(md->lc, t, SL_DROP_TOO_BIG);
		return NULL;
	}
	return m;
}

/* The three above for the other media files (dp_nack.c; dp_media_int.h). */
_Static_assert(RTCP_BUF_MAX == DP_RTCP_BUF_MAX, "one RTCP buffer size");
struct rte_mbuf *dp_feedback_rtcp_mbuf(struct dp_media *md, struct dp_transport *t)
{
	return rtcp_mbuf(md, t);
}

int dp_feedback_rtcp_send(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
			  uint32_t len)
{
	return rtcp_send(md, t, m, len);
}

unsigned int dp_tp_blocked(const struct dp_transport *t)
{
	return tp_blocked(t);
}

static void kf_pending_set(struct dp_media *md, struct dp_producer *p, int on)
{
	if (!p->kf_pending == !on)
		return;
	p->kf_pending = (uint8_t)!!on;
	if (on)
		md->kf_pending++;
	else
		md->kf_pending--;
}

void dp_feedback_kf_forget(struct dp_media *md, struct dp_producer *p)
{
	kf_pending_set(md, p, 0);
}

/* Sends the key-frame request of p now (no window check). */
static void kf_send(struct dp_media *md, struct dp_producer *p, struct dp_transport *t,
		    uint64_t now)
{
	kf_pending_set(md, p, 0);
	unsigned int why = tp_blocked(t);
	if (why) { /* not sent, so not rate-limited either: the next one may go */
		dp_tp_drop(md->lc, t, why);
		return;
	}
	struct rte_mbuf *m = rtcp_mbuf(md, t);
	if (!m)
		return;
	uint8_t *b = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	size_t len;
	if (p->fir_only) {
		struct dp_rtcp_fir_entry e = {.ssrc = p->ssrc, .seq = ++p->fir_seq};
		len = dp_rtcp_build_fir(b, RTCP_BUF_MAX, DP_SERVER_SSRC, &e, 1);
	} else {
		len = dp_rtcp_build_pli(b, RTCP_BUF_MAX, DP_SERVER_SSRC, p->ssrc);
	}
	if (rtcp_send(md, t, m, (uint32_t)len) == 0) {
		p->kf_last_ns = now ? now : 1;
		t->ctr->pli_out++;
	}
}

/* The request of one stream (a producer, or one simulcast layer). */
static int kf_one(struct dp_media *md, struct dp_producer *p)
{
	struct dp_transport *t = dp_tp_get(md, p->transport_id);
	if (!t)
		return -ENOENT;
	uint64_t now = dp_media_clock(md);
	if (p->kf_last_ns && now - p->kf_last_ns < DP_KF_MIN_NS) {
		t->ctr->pli_suppressed++; /* coalesced: one goes when the window ends */
		kf_pending_set(md, p, 1);
		return 0;
	}
	kf_send(md, p, t, now);
	return 0;
}

/* A simulcast producer: every layer is asked (dp_simulcast.c), each within
 * its own window. */
int dp_feedback_keyframe(struct dp_media *md, uint32_t producer_id)
{
	struct dp_producer *p = dp_htab_get(&md->prod_id, producer_id);
	if (!p)
		return -ENOENT;
	for (unsigned int l = 1; l < p->n_layers; l++) {
		struct dp_producer *q = dp_htab_get(&md->prod_id, dp_sim_key(producer_id, l));
		if (q)
			kf_one(md, q);
	}
	return kf_one(md, p);
}

void dp_feedback_kf_timer(struct dp_media *md, uint64_t now_ns)
{
	struct dp_htab_ent *e;
	uint32_t pos = 0;
	if (!md->kf_pending)
		return;
	while (md->kf_pending && (e = dp_htab_next(&md->prod_id, &pos)) != NULL) {
		struct dp_producer *p = e->val;
		/* kf_last_ns came from the TSC clock: it may be a hair ahead */
		if (!p->kf_pending || (int64_t)(now_ns - p->kf_last_ns) < (int64_t)DP_KF_MIN_NS)
			continue;
		struct dp_transport *t = dp_tp_get(md, p->transport_id);
		if (t)
			kf_send(md, p, t, now_ns);
		else
			kf_pending_set(md, p, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Transport-wide congestion control                                   */
/* ------------------------------------------------------------------ */

int dp_feedback_tcc_enable(struct dp_transport *t)
{
	if (t->tcc)
		return 0;
	t->tcc = calloc(1, sizeof(*t->tcc));
	return t->tcc ? 0 : -ENOMEM;
}

/* Inserts the arrivals a[0 .. n) into out[0 .. *n_out), kept sorted by seq
 * relative to base (wrap aware), duplicates dropped (the first arrival
 * counts), arrivals before base dropped when have_base. */
static void tcc_insert(const struct dp_rtcp_tcc_arrival *a, uint32_t n, uint16_t base,
		       int have_base, struct dp_rtcp_tcc_arrival *out, uint32_t *n_out)
{
	uint32_t m = *n_out;
	for (uint32_t i = 0; i < n; i++) {
		struct dp_rtcp_tcc_arrival e = a[i];
		uint16_t key = (uint16_t)(e.seq - base);
		if (have_base && key >= 0x8000u)
			continue; /* reported (or given up) already */
		/* insertion sort: arrivals are nearly in order, so this is ~linear */
		uint32_t j = m;
		while (j > 0 && (uint16_t)(out[j - 1].seq - base) > key)
			j--;
		if (j > 0 && out[j - 1].seq == e.seq)
			continue;
		memmove(&out[j + 1], &out[j], (m - j) * sizeof(*out));
		out[j] = e;
		m++;
	}
	*n_out = m;
}

/* Where the next feedback of q starts: next_seq, or the earliest late
 * arrival (one before next_seq, reported lost already) that the history
 * still covers, so that it is reported received after all, like a
 * libwebrtc receiver does. Late ones beyond the history stay lost. */
static uint16_t tcc_base(const struct dp_tcc *q)
{
	uint16_t base = q->next_seq;
	uint16_t span = (uint16_t)(q->next_seq - q->hist_from); /* seqs the history covers */
	if (q->n_hist == 0)
		return base;
	if (span > TCC_GAP_MAX)
		span = TCC_GAP_MAX;
	for (uint32_t i = 0; i < q->n; i++) {
		uint16_t back = (uint16_t)(q->next_seq - q->a[i].seq);
		if (back != 0 && back <= span && back > (uint16_t)(q->next_seq - base))
			base = q->a[i].seq;
	}
	return base;
}

/* Remembers the received entries of a report s[0 .. n) starting at base:
 * the history keeps what came before base, then them, at most
 * DP_TCC_HIST entries (the newest). */
static void tcc_remember(struct dp_tcc *q, const struct dp_rtcp_tcc_arrival *s, uint32_t n,
			 uint16_t base)
{
	uint32_t keep = 0, recv = 0, skip = 0;
	while (keep < q->n_hist && (uint16_t)(base - q->hist[keep].seq) - 1u < 0x7fffu)
		keep++; /* hist[keep] is before base */
	for (uint32_t i = 0; i < n; i++)
		recv += s[i].arrival_us != DP_RTCP_TCC_LOST;
	if (keep == 0)
		q->hist_from = base;
	if (recv >= DP_TCC_HIST) {
		skip = recv - DP_TCC_HIST; /* the report alone fills it */
		keep = 0;
	} else if (keep + recv > DP_TCC_HIST) {
		uint32_t drop = keep + recv - DP_TCC_HIST;
		memmove(&q->hist[0], &q->hist[drop], (keep - drop) * sizeof(q->hist[0]));
		keep -= drop;
		q->hist_from = q->hist[0].seq;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (s[i].arrival_us == DP_RTCP_TCC_LOST)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		q->hist[keep++] = s[i];
	}
	q->n_hist = keep;
	if (recv >= DP_TCC_HIST) /* older received ones are gone */
		q->hist_from = q->hist[0].seq;
}

static int64_t tick(int64_t us)
{
	return us / TCC_TICK_US; /* arrival times are positive */
}

/* How many entries from a[0] one feedback packet can take. */
static size_t tcc_chunk(const struct dp_rtcp_tcc_arrival *a, size_t n)
{
	size_t k = 0, recv = 0;
	int64_t prev = 0;
	int have_prev = 0;
	for (; k < n; k++) {
		if ((uint16_t)(a[k].seq - a[0].seq) >= TCC_SPAN_MAX)
			break;
		if (a[k].arrival_us != DP_RTCP_TCC_LOST) {
			int64_t tk = tick(a[k].arrival_us);
			if (have_prev && (tk - prev > 32767 || tk - prev < -32768))
				break;
			if (recv == TCC_CHUNK_MAX)
				break;
			prev = tk;
			have_prev = 1;
			recv++;
		}
	}
	return k ? k : 1;
}

static void tcc_send(struct dp_media *md, struct dp_transport *t,
		     const struct dp_rtcp_tcc_arrival *a, size_t n)
{
	struct dp_tcc *q = t->tcc;
	struct rte_mbuf *m = rtcp_mbuf(md, t);
	if (!m)
		return;
	uint8_t *b = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	size_t len = dp_rtcp_build_tcc(b, RTCP_BUF_MAX, DP_SERVER_SSRC, q->media_ssrc,
				       q->fb_count, a, n);
	if (len == 0) { /* tcc_chunk keeps within the builder's limits */
		rte_pktmbuf_free(m);
		dp_tp_drop(md->lc, t, SL_DROP_TOO_BIG);
		return;
	}
	q->fb_count++;
	rtcp_send(md, t, m, (uint32_t)len);
}

/* Reports everything recorded on t and empties the ring. */
static void tcc_flush(struct dp_media *md, struct dp_transport *t, uint64_t now_ns)
{
	struct dp_tcc *q = t->tcc;
	struct dp_rtcp_tcc_arrival *s = md->tcc_sort + 1; /* room for a leading loss */
	uint32_t n = 0;
	q->last_fb_ns = now_ns;
	if (q->n == 0)
		return;
	unsigned int why = tp_blocked(t);
	if (why) {
		dp_tp_drop(md->lc, t, why);
		q->n = 0;
		return;
	}
	uint16_t base = q->have_next ? tcc_base(q) : q->a[0].seq;
	if (q->have_next && base != q->next_seq) /* late arrivals: re-report from base */
		tcc_insert(q->hist, q->n_hist, base, 1, s, &n);
	tcc_insert(q->a, q->n, base, q->have_next, s, &n);
	if (n == 0 && q->have_next) {
		/* all before next_seq: a restarted sender; start over */
		q->have_next = 0;
		q->n_hist = 0;
		base = q->a[0].seq;
		tcc_insert(q->a, q->n, base, 0, s, &n);
	}
	q->n = 0;
	if (n == 0)
		return;
	if (q->have_next) {
		uint16_t gap = (uint16_t)(s[0].seq - base);
		if (gap > TCC_GAP_MAX) {
			q->have_next = 0; /* a jump: no losses reported for it */
			q->n_hist = 0;
		} else if (gap > 0) {
			/* seqs since the last report missing: lost so far */
			s--;
			n++;
			s[0].seq = base;
			s[0].arrival_us = DP_RTCP_TCC_LOST;
		}
	}
	tcc_remember(q, s, n, s[0].seq); /* before the loop reuses slots */
	for (size_t i = 0; i < n;) {
		if (i > 0) {
			uint16_t gap = (uint16_t)(s[i].seq - s[i - 1].seq);
			if (gap > 1 && gap <= TCC_GAP_MAX) {
				/* the seqs between two feedback packets were not
				 * received: the next one starts with them (s[i - 1]
				 * is sent already, its slot is free) */
				i--;
				s[i].seq = (uint16_t)(s[i].seq + 1);
				s[i].arrival_us = DP_RTCP_TCC_LOST;
			}
		}
		/* k >= 2 after a loss entry: the next seq is within the span */
		size_t k = tcc_chunk(s + i, n - i);
		tcc_send(md, t, s + i, k);
		i += k;
	}
	q->next_seq = (uint16_t)(s[n - 1].seq + 1);
	q->have_next = 1;
}

void dp_feedback_tcc_record(struct dp_media *md, struct dp_transport *t,
			    const struct dp_producer *prod, const uint8_t *rtp,
			    const struct dp_rtp_info *ri)
{
	struct dp_tcc *q = t->tcc;
	struct dp_rtp_ext_elem e;
	uint16_t seq;
	if (!q || !prod->ext.transport_cc)
		return;
	if (dp_rtp_ext_find(rtp, ri, prod->ext.transport_cc, &e) != DP_RTP_OK ||
	    dp_rtp_ext_get_twcc(rtp, &e, &seq) != DP_RTP_OK)
		return;
	if (q->n == DP_TCC_RING)
		tcc_flush(md, t, md->now_ns);
	q->media_ssrc = prod->ssrc; /* the latest producer's media SSRC */
	q->a[q->n].seq = seq;
	q->a[q->n].arrival_us = (int64_t)(dp_media_clock(md) / 1000u);
	q->n++;
}

/* ------------------------------------------------------------------ */
/* Receiver reports                                                     */
/* ------------------------------------------------------------------ */

void dp_feedback_rx(struct dp_media *md, struct dp_producer *p, uint16_t seq, uint32_t ts,
		    int rtx)
{
	/* arrival in RTP units, modulo 2^32 like the timestamps */
	uint32_t arrival = (uint32_t)(((unsigned __int128)md->now_ns * p->clock_rate) /
				      1000000000u);
	int64_t transit = (int32_t)(arrival - ts);
	if (!p->rx_init) {
		p->rx_init = 1;
		p->max_seq = seq;
		p->base_seq = seq;
		p->cycles = 0;
		p->received = 1;
		p->transit = transit;
		return;
	}
	uint16_t delta = (uint16_t)(seq - p->max_seq);
	if (delta != 0 && delta < 0x8000u) { /* forward (older ones just count) */
		if (seq < p->max_seq)
			p->cycles += 65536u;
		p->max_seq = seq;
	}
	p->received++;
	if (rtx)
		return;
	int32_t d = (int32_t)((uint32_t)transit - (uint32_t)p->transit);
	p->transit = transit;
	uint32_t ad = d < 0 ? (uint32_t)0 - (uint32_t)d : (uint32_t)d;
	if (ad > 0xffffffu) /* a timestamp jump, not jitter */
		ad = 0xffffffu;
	/* J += (|D| - J) / 16, kept x 16 */
	p->jitter_q4 = p->jitter_q4 + ad - ((p->jitter_q4 + 8u) >> 4);
}

void dp_feedback_sr(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_sr sr;
	if (dp_rtcp_parse_sr(pkt, &sr) != DP_RTCP_OK)
		return;
	struct dp_producer *p = dp_htab_get(&md->prod_ssrc, (uint64_t)t->id << 32 | sr.ssrc);
	if (!p || p->ssrc != sr.ssrc)
		return;
	p->lsr = dp_rtcp_ntp_mid32(sr.ntp);
	p->lsr_ns = md->now_ns;
	p->sr.ntp = sr.ntp;
	p->sr.ns = md->now_ns;
	p->sr.rtp = sr.rtp_ts;
	p->sr.ssrc = p->ssrc;
	p->sr.valid = 1;
}

/* One RR with one report block about p, to p's transport. */
static void rr_send(struct dp_media *md, struct dp_producer *p, uint64_t now_ns)
{
	struct dp_transport *t = dp_tp_get(md, p->transport_id);
	if (!t || !p->rx_init || tp_blocked(t))
		return;
	struct dp_rtcp_rr rr;
	memset(&rr, 0, sizeof(rr));
	rr.ssrc = DP_SERVER_SSRC;
	rr.rb_count = 1;
	struct dp_rtcp_rb *rb = &rr.rb[0];
	uint32_t ext_max = p->cycles | p->max_seq;
	uint32_t expected = ext_max - p->base_seq + 1u;
	int64_t lost = (int64_t)expected - (int64_t)p->received; /* < 0 with duplicates */
	dp_stats_producer_lost(t, p, lost);
	uint32_t exp_int = expected - p->expected_prior;
	int64_t lost_int = (int64_t)exp_int - (int64_t)(p->received - p->received_prior);
	p->expected_prior = expected;
	p->received_prior = p->received;
	rb->ssrc = p->ssrc;
	if (exp_int && lost_int > 0) {
		int64_t f = (lost_int << 8) / exp_int;
		rb->fraction_lost = (uint8_t)(f > 255 ? 255 : f);
	}
	rb->cumulative_lost = (int32_t)(lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000
											: lost);
	rb->ext_highest_seq = ext_max;
	rb->jitter = p->jitter_q4 >> 4;
	if (p->lsr) {
		rb->lsr = p->lsr;
		rb->dlsr = dp_rtcp_dlsr_from_ns(now_ns - p->lsr_ns);
	}
	struct rte_mbuf *m = rtcp_mbuf(md, t);
	if (!m)
		return;
	uint8_t *b = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	rtcp_send(md, t, m, (uint32_t)dp_rtcp_build_rr(b, RTCP_BUF_MAX, &rr));
}

void dp_feedback_timer(struct dp_media *md, uint64_t now_ns)
{
	for (uint32_t i = 0; i < md->n_local; i++) {
		struct dp_transport *t = md->tp[md->local[i]];
		if (t->tcc && t->tcc->n && now_ns - t->tcc->last_fb_ns >= DP_TCC_FB_NS)
			tcc_flush(md, t, now_ns);
	}
	if (now_ns - md->rr_last_ns >= DP_RR_NS) {
		struct dp_htab_ent *e;
		uint32_t pos = 0;
		md->rr_last_ns = now_ns;
		while ((e = dp_htab_next(&md->prod_id, &pos)) != NULL)
			rr_send(md, e->val, now_ns);
	}
}

/* The SR consumer c would send at now_ns, in *sr (no report blocks). 0, or
 * -1 when it has nothing to report: paused, nothing sent yet, or no SR of
 * the producer stream its timestamps come from. */
static int consumer_sr(const struct dp_consumer *c, uint64_t now_ns, struct dp_rtcp_sr *sr)
{
	const struct dp_sr_ref *ref = dp_simulcast_sr(c); /* a simulcast layer's, or the fan's */
	if (c->paused || !c->packets || !ref->valid || !c->seq.started ||
	    c->seq.src_ssrc != ref->ssrc)
		return -1;
	/* the SR's ns comes from the producer's lcore: never let a clock a
	 * hair behind go negative */
	uint64_t el = (int64_t)(now_ns - ref->ns) > 0 ? now_ns - ref->ns : 0;
	uint64_t rtp_el = (uint64_t)((unsigned __int128)el * c->clock_rate / 1000000000u);
	memset(sr, 0, offsetof(struct dp_rtcp_sr, rb));
	sr->ssrc = c->ssrc;
	sr->ntp = ref->ntp + (uint64_t)(((unsigned __int128)el << 32) / 1000000000u);
	sr->rtp_ts = ref->rtp + (uint32_t)rtp_el + c->seq.ts_off;
	sr->packet_count = (uint32_t)c->packets;
	sr->octet_count = (uint32_t)c->octets;
	return 0;
}

/* One SR from consumer c to its transport's selected tuple. */
static void sr_send(struct dp_media *md, struct dp_consumer *c, uint64_t now_ns)
{
	struct dp_transport *t = dp_tp_get(md, c->transport_id);
	struct dp_rtcp_sr sr;
	if (!t || tp_blocked(t) || consumer_sr(c, now_ns, &sr) != 0)
		return;
	struct rte_mbuf *m = rtcp_mbuf(md, t);
	if (!m)
		return;
	uint8_t *b = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	if (rtcp_send(md, t, m, (uint32_t)dp_rtcp_build_sr(b, RTCP_BUF_MAX, &sr)) == 0)
		dp_stats_sr_sent(c, sr.ntp, now_ns); /* for the RTT from its RRs */
}

void dp_feedback_sr_timer(struct dp_media *md, uint64_t now_ns)
{
	if (now_ns - md->sr_last_ns < DP_SR_NS)
		return;
	struct dp_htab_ent *e;
	uint32_t pos = 0;
	md->sr_last_ns = now_ns;
	while ((e = dp_htab_next(&md->cons_id, &pos)) != NULL)
		sr_send(md, e->val, now_ns);
}
