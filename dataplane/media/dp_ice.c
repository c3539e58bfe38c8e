/* SPDX-License-Identifier: MIT */
/*
 * dp_ice - ICE-lite (RFC 8445 section 2.5) on the owner lcore: Binding
 * requests are checked and answered here, the remote tuples they come from
 * become the transport's valid tuples, and a transport that hears no valid
 * request for its ICE timeout is reported disconnected.
 *
 * A request is accepted when it parses (RFC 5389), is a Binding request,
 * carries USERNAME "<our ufrag>:<theirs>", MESSAGE-INTEGRITY and
 * FINGERPRINT, the fingerprint is right, the ufrag names a transport of
 * this lcore and the integrity checks with that transport's password. Then:
 *  - the source tuple is (or becomes) a valid tuple of the transport
 *    (DP_TP_TUPLES of them; the least recently heard non-selected one
 *    makes room), with the source MAC of the frame as next hop;
 *  - it becomes the selected tuple if there is none yet or the request has
 *    USE-CANDIDATE (the controlling agent nominates), and a transport that
 *    had timed out is connected again; each such change emits
 *    SL_MSG_ICE_SELECTED;
 *  - a success response (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY,
 *    FINGERPRINT) goes back to the source from the same lcore.
 * A wrong MESSAGE-INTEGRITY is dropped (stun_auth) and answered with 401,
 * unknown comprehension-required attributes with 420 (RFC 5389 7.3.1).
 * Everything else that fails is dropped and counted without an answer.
 *
 * Disconnection: dp_ice_timer walks the transports a few at a time; one
 * whose last valid request is older than its ICE timeout emits
 * SL_MSG_ICE_DISCONNECTED once (with its selected tuple) and drops media
 * (ice_disconnected) until a valid request connects it again. A transport
 * that was never connected has no tuple to report and emits nothing.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dp_media_int.h"
#include "dp_stun.h"

/* Moves the payload so that it starts right behind room for Eth/IPv4/UDP
 * (IPv4 options or IPv6 headers in the request would otherwise leave a gap;
 * an IPv6 answer takes its longer headers from the headroom again). */
static uint8_t *payload_at_hdrs(struct rte_mbuf *m, const struct dp_udp_info *u)
{
	if (u->payload_off > DP_UDP4_HDRS)
		rte_pktmbuf_adj(m, (uint16_t)(u->payload_off - DP_UDP4_HDRS));
	return rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
}

static size_t payload_cap(const struct rte_mbuf *m)
{
	return (size_t)m->buf_len - m->data_off - DP_UDP4_HDRS;
}

/* Answers an error in place of the request (to the frame's source). */
static void reply_error(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
			const struct dp_udp_info *u, const struct dp_stun_msg *sm, uint16_t code,
			const uint8_t *key, size_t key_len)
{
	struct dp_tuple src;
	size_t len = 0;
	dp_tuple_from_udp(&src, u);
	uint8_t *p = payload_at_hdrs(m, u);
	if (dp_stun_build_error(md->hmac, p, payload_cap(m), &len, sm->txid, code, NULL,
				sm->unknown, sm->n_unknown < DP_STUN_UNKNOWN_MAX ? sm->n_unknown
										 : DP_STUN_UNKNOWN_MAX,
				key, key_len) != DP_STUN_OK) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_transport_send(md, t, &src, m, (uint32_t)len);
}

/* Index of the tuple slot for a new valid tuple: a free one, else the least
 * recently heard one that is not selected. */
static int tuple_slot(struct dp_media *md, struct dp_transport *t)
{
	int victim = -1;
	for (int i = 0; i < (int)DP_TP_TUPLES; i++) {
		if (!t->tuples[i].used)
			return i;
		if (i != t->selected &&
		    (victim < 0 || t->tuples[i].last_ns < t->tuples[victim].last_ns))
			victim = i;
	}
	struct dp_tuple *v = &t->tuples[victim];
	uint64_t key = dp_tuple_key(&md->tuples, v->family, v->addr, v->port);
	if (dp_htab_get(&md->tuples, key) == t)
		dp_htab_del(&md->tuples, key);
	memset(v, 0, sizeof(*v));
	return victim;
}

/* Makes (ip, port) a valid tuple of t; returns its index or -1. */
static int tuple_learn(struct dp_media *md, struct dp_transport *t, const struct dp_udp_info *u)
{
	int i = dp_transport_tuple_find(t, u);
	if (i < 0) {
		uint64_t key = dp_udp_key(md, u);
		struct dp_transport *other = dp_htab_get(&md->tuples, key);
		if (other && other != t) {
			/* the remote address moved to another transport of ours */
			int j = dp_transport_tuple_find(other, u);
			if (j >= 0) {
				memset(&other->tuples[j], 0, sizeof(other->tuples[j]));
				if (other->selected == j) {
					other->selected = -1;
					other->connected = 0;
				}
			}
			dp_htab_del(&md->tuples, key);
		}
		i = tuple_slot(md, t);
		/* cannot fail: reserved at transport create (DP_TP_TUPLES each) */
		if (dp_htab_put(&md->tuples, key, t) != 0)
			return -1;
		dp_tuple_from_udp(&t->tuples[i], u);
		t->tuples[i].used = 1;
	}
	memcpy(t->tuples[i].mac, u->src_mac, 6);
	t->tuples[i].last_ns = md->now_ns;
	return i;
}

/* Checks that do not need a transport. 0, or the drop reason. */
static unsigned int check_request(const uint8_t *p, size_t len, struct dp_stun_msg *sm)
{
	if (dp_stun_parse(p, len, sm) != DP_STUN_OK)
		return SL_DROP_STUN_MALFORMED;
	if (sm->method != DP_STUN_METHOD_BINDING || sm->cls != DP_STUN_CLASS_REQUEST)
		return SL_DROP_STUN_NOT_REQUEST;
	const uint32_t need = DP_STUN_F_USERNAME | DP_STUN_F_INTEGRITY | DP_STUN_F_FINGERPRINT;
	if ((sm->flags & need) != need)
		return SL_DROP_STUN_MALFORMED;
	if (dp_stun_check_fingerprint(p, len, sm) != DP_STUN_OK)
		return SL_DROP_STUN_MALFORMED;
	return 0;
}

static struct dp_transport *find_user(struct dp_media *md, const struct dp_stun_msg *sm,
				      unsigned int *reason)
{
	const uint8_t *ours;
	size_t ours_len;
	if (dp_stun_username_split(sm->username, sm->username_len, &ours, &ours_len, NULL,
				   NULL) != 0) {
		*reason = SL_DROP_STUN_MALFORMED;
		return NULL;
	}
	struct dp_transport *t = NULL;
	if (ours_len < SL_ICE_UFRAG_MAX)
		t = dp_htab_get(&md->ufrags, dp_htab_hash_bytes(ours, ours_len, md->ufrags.seed));
	if (!t || t->ufrag_len != ours_len || memcmp(t->ufrag, ours, ours_len) != 0) {
		*reason = SL_DROP_STUN_UNKNOWN_USER;
		return NULL;
	}
	return t;
}

/* A valid request: learn the tuple, maybe select it, answer. Consumes m. */
static void accept_request(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
			   const struct dp_udp_info *u, const struct dp_stun_msg *sm)
{
	struct dp_lcore *lc = md->lc;
	int i = tuple_learn(md, t, u);
	if (i < 0) {
		dp_tp_drop(lc, t, SL_DROP_STUN_MALFORMED);
		rte_pktmbuf_free(m);
		return;
	}
	t->last_valid_ns = md->now_ns;
	if (t->selected < 0 || ((sm->flags & DP_STUN_F_USE_CANDIDATE) && t->selected != i) ||
	    !t->connected)
		dp_transport_select(md, t, i);

	struct sl_tuple peer;
	size_t len = 0;
	dp_tuple_to_sl(md, &t->tuples[i], &peer);
	uint8_t *p = payload_at_hdrs(m, u);
	if (dp_stun_build_success(md->hmac, p, payload_cap(m), &len, sm->txid, &peer,
				  (const uint8_t *)t->pwd, t->pwd_len) != DP_STUN_OK) {
		dp_tp_drop(lc, t, SL_DROP_STUN_MALFORMED);
		rte_pktmbuf_free(m);
		return;
	}
	lc->ctr->stun_replies++;
	dp_transport_send(md, t, &t->tuples[i], m, (uint32_t)len);
}

void dp_ice_input(struct dp_media *md, struct rte_mbuf *m, const struct dp_udp_info *u)
{
	struct dp_lcore *lc = md->lc;
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, u->payload_off);
	size_t len = u->payload_len;
	struct dp_stun_msg sm;
	unsigned int reason = check_request(p, len, &sm);
	struct dp_transport *t = NULL;

	static const uint8_t any[16];
	if (reason == 0 && (memcmp(u->src_addr, any, 16) == 0 || u->src_port == 0))
		reason = SL_DROP_STUN_MALFORMED; /* no address to answer or to send to */
	if (reason == 0)
		t = find_user(md, &sm, &reason);
	if (!t) {
		/* attribute it to a transport when the tuple is known */
		dp_tp_drop(lc, dp_media_tuple_lookup(md, u), reason);
		rte_pktmbuf_free(m);
		return;
	}
	t->ctr->rx_pkts++;
	t->ctr->rx_bytes += len;
	t->ctr->stun_in++;
	if (dp_stun_check_integrity(md->hmac, p, len, &sm, (const uint8_t *)t->pwd, t->pwd_len) !=
	    DP_STUN_OK) {
		dp_tp_drop(lc, t, SL_DROP_STUN_AUTH);
		reply_error(md, t, m, u, &sm, 401, NULL, 0); /* RFC 5389 10.1.2: no MI */
		return;
	}
	if (sm.n_unknown) {
		dp_tp_drop(lc, t, SL_DROP_STUN_MALFORMED);
		reply_error(md, t, m, u, &sm, 420, (const uint8_t *)t->pwd, t->pwd_len);
		return;
	}
	accept_request(md, t, m, u, &sm);
}

void dp_ice_timer(struct dp_media *md, uint64_t now_ns)
{
	uint32_t n = md->n_local < DP_TIMER_SCAN ? md->n_local : DP_TIMER_SCAN;
	for (uint32_t k = 0; k < n; k++) {
		if (md->timer_pos >= md->n_local)
			md->timer_pos = 0;
		struct dp_transport *t = md->tp[md->local[md->timer_pos++]];
		/* the TSC clock may run a little ahead of now_ns: compare safely */
		if (!t->connected || now_ns <= t->last_valid_ns ||
		    now_ns - t->last_valid_ns <= t->ice_timeout_ns)
			continue;
		t->connected = 0;
		dp_budget_ice_event(md, t, DP_ICE_EVT_DISCONNECTED);
	}
}
