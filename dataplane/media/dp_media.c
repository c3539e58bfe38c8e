/* SPDX-License-Identifier: MIT */
/*
 * dp_media - glue of the media path (contract in dataplane/dp_media.h):
 * per-lcore set-up, command dispatch, the input path up to the protocol
 * handlers (port owner -> handoff, RFC 7983 demux, tuple lookup), DTLS
 * relay to the control plane, SRTCP input and the timer. The budgets
 * checked on the way (SRTCP sender SSRC, DTLS in flight, event priorities)
 * are dp_budget.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_bytes.h"
#include "dp_demux.h"
#include "dp_media.h"
#include "dp_media_int.h"
#include "dp_nack.h"
#include "dp_rtcp.h"
#include "dp_shm.h"
#include "dp_srtp.h"
#include "dp_stun.h"

/* ------------------------------------------------------------------ */
/* Set-up and teardown (main thread, workers not running)             */
/* ------------------------------------------------------------------ */

static uint64_t seed64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = 0;
	return v ^ dp_now_ns() ^ (uint64_t)(uintptr_t)&v;
}

static void clock_rebase(struct dp_media *md, uint64_t now_ns)
{
	md->tsc_base = rte_get_tsc_cycles();
	md->ns_base = now_ns;
	md->now_ns = now_ns;
}

static void media_free(struct dp_media *md)
{
	if (!md)
		return;
	for (uint32_t i = md->n_local; i > 0; i--)
		dp_transport_destroy(md, md->local[i - 1]);
	/* consumers of transports that are gone cannot remain; fans may */
	struct dp_htab_ent *e;
	uint32_t pos = 0;
	while ((e = dp_htab_next(&md->fans, &pos)) != NULL) {
		dp_nack_fan_free(e->val);
		free(e->val);
	}
	dp_htab_fini(&md->tuples);
	dp_htab_fini(&md->ufrags);
	dp_htab_fini(&md->prod_ssrc);
	dp_htab_fini(&md->prod_id);
	dp_htab_fini(&md->cons_id);
	dp_htab_fini(&md->cons_ssrc);
	dp_htab_fini(&md->fans);
	dp_stun_hmac_free(md->hmac);
	if (md->n_stash)
		rte_pktmbuf_free_bulk(md->stash, md->n_stash);
	free(md->tp);
	free(md->local);
	free(md);
}

static int media_new(struct dp_lcore *lc, unsigned int n, struct dp_media **out)
{
	struct dp_media *md = aligned_alloc(64, (sizeof(*md) + 63) & ~(size_t)63);
	*out = NULL;
	if (!md)
		return -ENOMEM;
	memset(md, 0, sizeof(*md));
	md->lc = lc;
	md->n_lcores = n;
	md->max_transports = lc->shm->max_transports;
	md->port_base = lc->shm->port_base;
	md->port = (uint16_t)(md->port_base + lc->index);
	md->tp = calloc(md->max_transports, sizeof(*md->tp));
	md->local = calloc(md->max_transports, sizeof(*md->local));
	md->hmac = dp_stun_hmac_new();
	int rc = (!md->tp || !md->local || !md->hmac) ? -ENOMEM : 0;
	if (!rc)
		rc = dp_htab_init(&md->tuples, 64, seed64()) ?:
		     dp_htab_init(&md->ufrags, 16, seed64()) ?:
		     dp_htab_init(&md->prod_ssrc, 16, seed64()) ?:
		     dp_htab_init(&md->prod_id, 16, seed64()) ?:
		     dp_htab_init(&md->cons_id, 16, seed64()) ?:
		     dp_htab_init(&md->cons_ssrc, 16, seed64()) ?:
		     dp_htab_init(&md->fans, 16, seed64());
	if (rc) {
		media_free(md);
		return rc;
	}
	uint64_t hz = rte_get_tsc_hz();
	md->ns_per_tsc_q32 = hz ? (uint64_t)(((unsigned __int128)1000000000u << 32) / hz) : 0;
	clock_rebase(md, dp_now_ns());
	*out = md;
	return 0;
}

int dp_media_setup(struct dp_lcore *lcs, unsigned int n, char *err, size_t errlen)
{
	if (n == 0 || n > SL_MAX_LCORES) {
		snprintf(err, errlen, "media: %u worker lcores (1..%u)", n, SL_MAX_LCORES);
		return -EINVAL;
	}
	if (dp_srtp_global_init() != 0) {
		snprintf(err, errlen, "media: libsrtp initialisation failed");
		return -EIO;
	}
	for (unsigned int i = 0; i < n; i++) {
		int rc = media_new(&lcs[i], n, &lcs[i].media);
		if (rc) {
			snprintf(err, errlen, "media: cannot allocate the state of worker %u (%s)",
				 i, strerror(-rc));
			dp_media_teardown(lcs, n);
			return rc;
		}
	}
	int rc = dp_handoff_create(lcs, n, err, errlen);
	if (rc)
		dp_media_teardown(lcs, n);
	return rc;
}

void dp_media_teardown(struct dp_lcore *lcs, unsigned int n)
{
	dp_handoff_free(lcs, n);
	for (unsigned int i = 0; i < n; i++) {
		media_free(lcs[i].media);
		lcs[i].media = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Commands                                                           */
/* ------------------------------------------------------------------ */

int dp_media_cmd(struct dp_lcore *lc, const struct sl_msg *cmd)
{
	struct dp_media *md = lc->media;
	if (!md) {
		if (cmd->h.type == SL_MSG_SEND_PACKET) { /* the slot is ours now */
			uint32_t idx = cmd->u.packet.slot;
			rte_ring_enqueue_elem(lc->slot_free, &idx, sizeof(idx));
		}
		return -ENOTSUP;
	}
	md->now_ns = dp_media_clock(md);
	switch (cmd->h.type) {
	case SL_MSG_TRANSPORT_CREATE:
		return dp_transport_create(md, cmd);
	case SL_MSG_TRANSPORT_DESTROY:
		return dp_transport_destroy(md, cmd->h.transport_id);
	case SL_MSG_SRTP_KEYS:
		return dp_transport_keys(md, cmd);
	case SL_MSG_PRODUCER_ADD:
		return dp_producer_add(md, cmd);
	case SL_MSG_PRODUCER_REMOVE:
		return dp_producer_remove(md, cmd->u.producer_remove.producer_id);
	case SL_MSG_PRODUCER_FANOUT:
		return dp_producer_fanout(md, cmd);
	case SL_MSG_CONSUMER_ADD:
		return dp_consumer_add(md, cmd);
	case SL_MSG_CONSUMER_REMOVE:
		return dp_consumer_remove(md, cmd->u.consumer_ref.consumer_id);
	case SL_MSG_CONSUMER_PAUSE:
		return dp_consumer_pause(md, cmd->u.consumer_ref.consumer_id, 1);
	case SL_MSG_CONSUMER_RESUME:
		return dp_consumer_pause(md, cmd->u.consumer_ref.consumer_id, 0);
	case SL_MSG_SEND_PACKET:
		return dp_transport_send_slot(md, cmd);
	case SL_MSG_REQUEST_KEYFRAME:
		return dp_feedback_keyframe(md, cmd->u.keyframe.producer_id);
	default:
		return -ENOTSUP;
	}
}

void dp_media_list(struct dp_lcore *lc, const struct sl_msg_list_objects *q,
		   struct sl_msg_object_list *out)
{
	const struct dp_media *md = lc->media;
	uint32_t lim = q->kind == SL_OBJ_TRANSPORT ? md->max_transports : lc->vctx.max_ids;
	uint32_t id = q->cursor, end = id;
	out->n = 0;
	if (id < lim)
		end = lim - id > SL_LIST_SCAN ? id + SL_LIST_SCAN : lim;
	for (; id < end && out->n < SL_LIST_IDS; id++) {
		const void *o = q->kind == SL_OBJ_TRANSPORT ? (const void *)md->tp[id]
				: q->kind == SL_OBJ_PRODUCER ? dp_htab_get(&md->prod_id, id)
							     : dp_htab_get(&md->cons_id, id);
		if (o)
			out->ids[out->n++] = id;
	}
	out->next = id;
	out->done = id >= lim;
}

/* ------------------------------------------------------------------ */
/* Input                                                              */
/* ------------------------------------------------------------------ */


static void drop(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
		 unsigned int reason)
{
	dp_tp_drop(md->lc, t, reason);
	rte_pktmbuf_free(m);
}

/* DTLS from a valid tuple: copied into a packet slot for the control plane. */
static void dtls_input(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
		       const struct dp_udp_info *u)
{
	struct dp_lcore *lc = md->lc;
	uint32_t idx;
	if (u->payload_len > SL_SLOT_DATA) {
		drop(md, t, m, SL_DROP_TOO_BIG);
		return;
	}
	unsigned int why = dp_budget_dtls(md, t, *rte_pktmbuf_mtod_offset(m, const uint8_t *,
									   u->payload_off));
	if (why) {
		drop(md, t, m, why);
		return;
	}
	if (rte_ring_dequeue_elem(lc->slot_free, &idx, sizeof(idx)) != 0 ||
	    idx >= lc->shm->n_slots) {
		drop(md, t, m, SL_DROP_SLOT_EXHAUSTED);
		return;
	}
	struct sl_slot *s = sl_shm_slot(lc->shm, idx);
	memcpy(s->data, rte_pktmbuf_mtod_offset(m, const uint8_t *, u->payload_off),
	       u->payload_len);
	s->len = u->payload_len;
	rte_pktmbuf_free(m);

	struct sl_msg ev;
	struct dp_tuple src;
	dp_tuple_from_udp(&src, u);
	memset(&ev, 0, sizeof(ev));
	ev.h.type = SL_MSG_DTLS_RECV;
	ev.h.transport_id = t->id;
	ev.u.packet.slot = idx;
	ev.u.packet.len = u->payload_len;
	dp_tuple_to_sl(md, &src, &ev.u.packet.tuple);
	if (dp_evt_push(lc, &ev) != 0) {
		t->ctr->drops[SL_DROP_EVT_RING_FULL]++;
		rte_ring_enqueue_elem(lc->slot_free, &idx, sizeof(idx));
		return;
	}
	dp_budget_dtls_queued(md, t);
	t->ctr->dtls_in++;
}

/* PLI / FIR from a consumer's receiver, routed on the data plane when it
 * can be: a producer on this lcore is asked directly, one on another lcore
 * that sent us its media through the KEYFRAME handoff (dp_feedback.c sends
 * the PLI there, coalescing per window). Otherwise (the producer's lcore
 * not known yet, or that ring full) SL_MSG_KEYFRAME_REQUEST goes to the
 * control plane, which relays it as SL_MSG_REQUEST_KEYFRAME, as a
 * low-priority event. Requests for one producer closer than DP_KF_FWD_NS
 * are merged here already (pli_suppressed of the consumer transport): the
 * first one's key frame serves them. */
static void keyframe_request(struct dp_media *md, struct dp_transport *t, uint32_t media_ssrc)
{
	struct dp_consumer *c = dp_htab_get(&md->cons_ssrc, (uint64_t)t->id << 32 | media_ssrc);
	if (!c)
		return;
	struct dp_fan *fan = c->fan;
	if (fan && fan->kf_fwd_ns && md->now_ns - fan->kf_fwd_ns < DP_KF_FWD_NS) {
		t->ctr->pli_suppressed++;
		return;
	}
	if (fan)
		fan->kf_fwd_ns = md->now_ns ? md->now_ns : 1;
	if (dp_htab_get(&md->prod_id, c->producer_id)) {
		dp_feedback_keyframe(md, c->producer_id);
		return;
	}
	if (fan && fan->src_lcore && fan->src_lcore - 1u != md->lc->index &&
	    dp_handoff_keyframe(md, fan->src_lcore - 1u, c->producer_id) == 0)
		return;
	struct sl_msg ev;
	memset(&ev, 0, sizeof(ev));
	ev.h.type = SL_MSG_KEYFRAME_REQUEST;
	ev.h.transport_id = t->id;
	ev.u.keyframe.producer_id = c->producer_id;
	ev.u.keyframe.consumer_id = c->id;
	dp_budget_evt_low(md, t, &ev, DP_EVT_LOW_RESERVE);
}

/* Transport-cc feedback about what we sent on t: the send-side estimate
 * (dp_bwe). Feedback too large for the scratch, or malformed, is ignored
 * (the next one is whole again). */
static void bwe_feedback(struct dp_media *md, struct dp_transport *t,
			 const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_tcc fb;
	if (!t->bwe ||
	    dp_rtcp_parse_tcc(pkt, &fb, md->tcc_fb, DP_BWE_FB_MAX) != DP_RTCP_OK)
		return;
	dp_bwe_on_feedback(t->bwe, &fb, md->tcc_fb, fb.status_count, md->now_ns);
	t->ctr->avail_out_bps = dp_bwe_estimate(t->bwe, md->now_ns);
}

static void rtcp_feedback(struct dp_media *md, struct dp_transport *t, const uint8_t *p,
			  uint32_t len)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	if (dp_rtcp_iter_init(&it, p, len) != DP_RTCP_OK) {
		dp_tp_drop(md->lc, t, SL_DROP_RTCP_MALFORMED);
		return;
	}
	while (dp_rtcp_iter_next(&it, &pkt)) {
		if (pkt.pt == DP_RTCP_PT_SR || pkt.pt == DP_RTCP_PT_RR)
			dp_stats_report(md, t, &pkt); /* blocks about our consumers */
		if (pkt.pt == DP_RTCP_PT_SR) { /* a producer's: for LSR/DLSR */
			dp_feedback_sr(md, t, &pkt);
			continue;
		}
		if (pkt.pt == DP_RTCP_PT_RTPFB && pkt.count == DP_RTCP_FMT_NACK) {
			dp_nack_input(md, t, &pkt); /* a consumer's: resend (dp_nack.c) */
			continue;
		}
		if (pkt.pt == DP_RTCP_PT_RTPFB && pkt.count == DP_RTCP_FMT_TCC) {
			bwe_feedback(md, t, &pkt); /* a consumer's receiver: bandwidth */
			continue;
		}
		if (pkt.pt != DP_RTCP_PT_PSFB)
			continue;
		if (pkt.count == DP_RTCP_FMT_AFB) {
			struct dp_rtcp_remb remb;
			if (t->bwe && dp_rtcp_parse_remb(&pkt, &remb) == DP_RTCP_OK)
				dp_bwe_on_remb(t->bwe, remb.bitrate, md->now_ns);
		} else if (pkt.count == DP_RTCP_FMT_PLI) {
			struct dp_rtcp_fb fb;
			if (dp_rtcp_parse_pli(&pkt, &fb) == DP_RTCP_OK) {
				t->ctr->pli_in++;
				keyframe_request(md, t, fb.media_ssrc);
			}
		} else if (pkt.count == DP_RTCP_FMT_FIR) {
			struct dp_rtcp_fir fir;
			if (dp_rtcp_parse_fir(&pkt, &fir) == DP_RTCP_OK)
				for (unsigned int i = 0; i < fir.count; i++)
					keyframe_request(md, t, fir.entry[i].ssrc);
		}
	}
}

/* SRTCP from a valid tuple: unprotected and counted; key-frame requests
 * become events, a producer's SR is kept for our receiver reports
 * (dp_feedback.c), consumers' NACKs are answered (dp_nack.c), their
 * transport-cc feedback and REMB feed the send-side estimate (dp_bwe). */
static void rtcp_input(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
		       const struct dp_udp_info *u)
{
	struct dp_lcore *lc = md->lc;
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, u->payload_off);
	uint32_t len = u->payload_len;
	if (!t->connected) {
		drop(md, t, m, SL_DROP_ICE_DISCONNECTED);
		return;
	}
	if (!t->srtp) {
		drop(md, t, m, SL_DROP_SRTP_NO_KEYS);
		return;
	}
	if (len < 8) {
		drop(md, t, m, SL_DROP_RTCP_MALFORMED);
		return;
	}
	/* the sender SSRC is in clear: libsrtp would make a stream for a new one */
	uint32_t ssrc = dp_get_be32(p + 4);
	if (!dp_budget_rtcp_ssrc(md, t, ssrc)) {
		drop(md, t, m, SL_DROP_RTCP_UNKNOWN_SSRC);
		return;
	}
	enum dp_srtp_status st = dp_srtp_unprotect_rtcp(t->srtp, p, &len, len);
	if (st != DP_SRTP_OK) {
		drop(md, t, m, dp_srtp_drop_reason(st));
		return;
	}
	dp_budget_rtcp_learn(md, t, ssrc); /* authenticated: maybe a receiver of ours */
	dp_forward_follow_tuple(md, t, u);
	lc->ctr->rtcp_in++;
	t->ctr->rtcp_in++;
	rtcp_feedback(md, t, p, len);
	rte_pktmbuf_free(m);
}

void dp_media_input_local(struct dp_media *md, struct rte_mbuf *m, const struct dp_udp_info *u)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, u->payload_off);
	enum dp_demux kind = dp_demux_classify(p, u->payload_len);
	struct dp_transport *t;

	if (kind == DP_DEMUX_STUN) {
		dp_ice_input(md, m, u);
		return;
	}
	t = dp_media_tuple_lookup(md, u);
	if (t) {
		t->ctr->rx_pkts++;
		t->ctr->rx_bytes += u->payload_len;
	}
	switch (kind) {
	case DP_DEMUX_DTLS:
		if (!t)
			drop(md, NULL, m, SL_DROP_DTLS_NO_TRANSPORT);
		else
			dtls_input(md, t, m, u);
		return;
	case DP_DEMUX_RTP:
		if (!t)
			drop(md, NULL, m, SL_DROP_UNKNOWN_TUPLE);
		else
			dp_forward_rtp(md, t, m, u);
		return;
	case DP_DEMUX_RTCP:
		if (!t)
			drop(md, NULL, m, SL_DROP_UNKNOWN_TUPLE);
		else
			rtcp_input(md, t, m, u);
		return;
	default:
		drop(md, t, m, SL_DROP_DEMUX_UNKNOWN);
		return;
	}
}

void dp_media_udp_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_udp_info *u)
{
	struct dp_media *md = lc->media;
	if (!md) {
		dp_count_drop(lc, SL_DROP_DEMUX_UNKNOWN);
		rte_pktmbuf_free(m);
		return;
	}
	unsigned int owner = (unsigned int)(uint16_t)(ntohs(u->dst_port) - md->port_base);
	if (owner >= md->n_lcores) { /* dp_net filters the port range already */
		dp_count_drop(lc, SL_DROP_UDP_PORT);
		rte_pktmbuf_free(m);
		return;
	}
	if (owner != lc->index) {
		dp_handoff_raw(md, owner, m, u);
		return;
	}
	md->now_ns = dp_media_clock(md);
	dp_media_input_local(md, m, u);
}

void dp_media_timer(struct dp_lcore *lc, uint64_t now_ns)
{
	struct dp_media *md = lc->media;
	if (!md)
		return;
	clock_rebase(md, now_ns);
	dp_ice_timer(md, now_ns);
	dp_budget_timer(md, now_ns);
	dp_feedback_kf_timer(md, now_ns);
	dp_feedback_timer(md, now_ns);
	dp_feedback_sr_timer(md, now_ns);
	dp_nack_timer(md, now_ns);
	dp_stats_timer(md, now_ns);
	dp_level_timer(md, now_ns);
}
