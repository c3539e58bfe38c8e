/* SPDX-License-Identifier: MIT */
/*
 * dp_budget - what one transport may cost the others on its lcore (issue
 * 12): the checks that run before a packet reaches an expensive or shared
 * resource (libsrtp's stream table, the packet slots, the event ring).
 * Everything here runs on the transport's owner lcore (dp_media_int.h);
 * no allocation, no logging: refusals are drop reasons.
 *
 *  - SRTCP sender SSRC. The first 8 bytes of SRTCP are in clear; bytes
 *    4..7 are the SSRC libsrtp keys its per-stream state on, and it makes
 *    a new stream for every new SSRC that authenticates. A peer holding its
 *    own keys could grow that table without bound by cycling SSRCs, so the
 *    SSRC is checked first: the producers' media and RTX SSRCs of this
 *    transport (known from PRODUCER_ADD) always pass; receivers report
 *    from SSRCs nobody signals (libwebrtc uses 1 and 0xFA17FA17 on a
 *    receive-only transport, others pick random ones), so a transport that
 *    holds consumers learns at most DP_TP_RX_SSRCS of them, each only
 *    after a packet from it authenticated. Anything else is dropped as
 *    rtcp_unknown_ssrc before unprotect.
 *
 *  - DTLS. Each DTLS datagram costs a shared packet slot and an event. At
 *    most DP_DTLS_INFLIGHT per transport wait in the event ring: the
 *    positions of the last ones (the ring's prod.tail after each enqueue;
 *    this lcore is the only producer) are compared with the ring's
 *    cons.tail, which only the control plane moves, so "in flight" is
 *    exact and needs nothing from the control plane. Once the SRTP keys
 *    arrived (the control plane sends them when the handshake is done)
 *    only alerts (content type 21: close_notify and errors) pass, plus
 *    DP_DTLS_LATE_MAX handshake/ChangeCipherSpec datagrams in the
 *    transport's life: the peer retransmits its last flight when our final
 *    flight was lost, and the control plane must answer it. The rest is
 *    dtls_after_connect.
 *
 *  - Event ring priorities. Control events (RESULT, ICE_SELECTED,
 *    ICE_DISCONNECTED, HELLO_ACK, NOOP_REPLY) may use the whole ring; DTLS
 *    leaves DP_EVT_CTRL_RESERVE slots free, key-frame requests
 *    DP_EVT_LOW_RESERVE (they are retried by the receiver, and most never
 *    become events: dp_media.c routes them on the data plane); periodic
 *    stats leave half the ring (dp_stats.c). What is refused for that is
 *    evt_shed. Commands are taken only while the ring has room for their
 *    RESULT (dp_cmd.c): back-pressure, they wait in their ring. An ICE event that finds the ring full anyway is not lost:
 *    the transport remembers it (evt_deferred) and dp_budget_timer queues
 *    it again, with the transport's state of that moment; no DTLS of that
 *    transport is queued before it (the control plane hears of the
 *    selection first).
 */
#include <errno.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_media_int.h"

#define DTLS_CT_CCS 20u
#define DTLS_CT_ALERT 21u
#define DTLS_CT_HANDSHAKE 22u

/* ------------------------------------------------------------------ */
/* SRTCP sender SSRC                                                   */
/* ------------------------------------------------------------------ */

static int rx_ssrc_known(const struct dp_transport *t, uint32_t ssrc)
{
	for (uint32_t i = 0; i < t->n_rx_ssrc; i++)
		if (t->rx_ssrc[i] == ssrc)
			return 1;
	return 0;
}

int dp_budget_rtcp_ssrc(const struct dp_media *md, const struct dp_transport *t, uint32_t ssrc)
{
	if (dp_htab_get(&md->prod_ssrc, (uint64_t)t->id << 32 | ssrc))
		return 1;
	if (rx_ssrc_known(t, ssrc))
		return 1;
	return t->n_consumers > 0 && t->n_rx_ssrc < DP_TP_RX_SSRCS;
}

void dp_budget_rtcp_learn(const struct dp_media *md, struct dp_transport *t, uint32_t ssrc)
{
	if (!t->n_consumers || t->n_rx_ssrc >= DP_TP_RX_SSRCS || rx_ssrc_known(t, ssrc) ||
	    dp_htab_get(&md->prod_ssrc, (uint64_t)t->id << 32 | ssrc))
		return;
	t->rx_ssrc[t->n_rx_ssrc++] = ssrc;
}

/* ------------------------------------------------------------------ */
/* DTLS                                                                */
/* ------------------------------------------------------------------ */

/* 1 when the event queued at ring position pos was dequeued already
 * (positions are free-running 32-bit counters; an entry more than a ring
 * size behind the producer is gone whatever the wrap says). */
static int evt_taken(const struct rte_ring *r, uint32_t pos)
{
	uint32_t tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	if (r->prod.tail - pos > r->capacity)
		return 1;
	return (int32_t)(tail - pos) >= 0;
}

static int ice_flush(struct dp_media *md, struct dp_transport *t);

unsigned int dp_budget_dtls(struct dp_media *md, struct dp_transport *t, uint8_t ctype)
{
	/* the control plane learns of the selection before its DTLS */
	if (t->ice_evt_pending && ice_flush(md, t) != 0)
		return SL_DROP_EVT_SHED;
	if (t->srtp && ctype != DTLS_CT_ALERT) {
		if ((ctype != DTLS_CT_HANDSHAKE && ctype != DTLS_CT_CCS) ||
		    t->dtls_late >= DP_DTLS_LATE_MAX)
			return SL_DROP_DTLS_AFTER_CONNECT;
	}
	uint32_t i = t->dtls_next % DP_DTLS_INFLIGHT; /* the oldest entry */
	if (t->dtls_used[i] && !evt_taken(md->lc->evt, t->dtls_pos[i]))
		return SL_DROP_DTLS_INFLIGHT;
	if (rte_ring_free_count(md->lc->evt) <= DP_EVT_CTRL_RESERVE)
		return SL_DROP_EVT_SHED;
	if (t->srtp && ctype != DTLS_CT_ALERT)
		t->dtls_late++;
	return 0;
}

void dp_budget_dtls_queued(struct dp_media *md, struct dp_transport *t)
{
	uint32_t i = t->dtls_next % DP_DTLS_INFLIGHT;
	t->dtls_pos[i] = md->lc->evt->prod.tail; /* ours: the only producer */
	t->dtls_used[i] = 1;
	t->dtls_next = (i + 1) % DP_DTLS_INFLIGHT;
}

/* ------------------------------------------------------------------ */
/* Event ring priorities                                               */
/* ------------------------------------------------------------------ */

int dp_budget_evt_low(struct dp_media *md, struct dp_transport *t, struct sl_msg *ev,
		      uint32_t reserve)
{
	if (rte_ring_free_count(md->lc->evt) <= reserve) {
		dp_tp_drop(md->lc, t, SL_DROP_EVT_SHED);
		return -ENOBUFS;
	}
	if (dp_evt_push(md->lc, ev) != 0) { /* counted per lcore by dp_evt_push */
		if (t)
			t->ctr->drops[SL_DROP_EVT_RING_FULL]++;
		return -ENOBUFS;
	}
	return 0;
}

/* The event `what` of t as of now, or -1 when it no longer applies. */
static int ice_event(const struct dp_media *md, const struct dp_transport *t, unsigned int what,
		     struct sl_msg *ev)
{
	if (t->selected < 0)
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->h.type = what == DP_ICE_EVT_SELECTED ? SL_MSG_ICE_SELECTED : SL_MSG_ICE_DISCONNECTED;
	ev->h.transport_id = t->id;
	dp_tuple_to_sl(md, &t->tuples[t->selected], &ev->u.ice.tuple);
	return 0;
}

static void ice_pending_set(struct dp_media *md, struct dp_transport *t, unsigned int what)
{
	if (!t->ice_evt_pending)
		md->ice_evt_pending++;
	t->ice_evt_pending = (uint8_t)what; /* the latest state is what counts */
	dp_tp_drop(md->lc, t, SL_DROP_EVT_DEFERRED);
}

static void ice_pending_clear(struct dp_media *md, struct dp_transport *t)
{
	if (t->ice_evt_pending) {
		t->ice_evt_pending = 0;
		md->ice_evt_pending--;
	}
}

void dp_budget_ice_event(struct dp_media *md, struct dp_transport *t, unsigned int what)
{
	struct sl_msg ev;
	if (ice_event(md, t, what, &ev) != 0) {
		ice_pending_clear(md, t);
		return;
	}
	/* an older pending one is replaced by this newer state */
	if (rte_ring_enqueue_elem(md->lc->evt, &ev, SL_MSG_SIZE) != 0) {
		ice_pending_set(md, t, what);
		return;
	}
	md->lc->ctr->evts++;
	ice_pending_clear(md, t);
}

/* Queues t's pending ICE event. 0 (queued, or nothing to queue any more)
 * or -ENOBUFS (the ring is still full). */
static int ice_flush(struct dp_media *md, struct dp_transport *t)
{
	struct sl_msg ev;
	if (ice_event(md, t, t->ice_evt_pending, &ev) == 0) {
		if (rte_ring_enqueue_elem(md->lc->evt, &ev, SL_MSG_SIZE) != 0)
			return -ENOBUFS;
		md->lc->ctr->evts++;
	}
	ice_pending_clear(md, t);
	return 0;
}

void dp_budget_forget(struct dp_media *md, struct dp_transport *t)
{
	ice_pending_clear(md, t);
}

void dp_budget_timer(struct dp_media *md, uint64_t now_ns)
{
	(void)now_ns;
	if (!md->ice_evt_pending)
		return;
	for (uint32_t i = 0; i < md->n_local && md->ice_evt_pending; i++) {
		struct dp_transport *t = md->tp[md->local[i]];
		if (t->ice_evt_pending && ice_flush(md, t) != 0)
			return; /* still full: next time */
	}
}
