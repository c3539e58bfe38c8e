/* SPDX-License-Identifier: MIT */
/*
 * dp_transport - transports of one lcore: create/destroy, SRTP keys, the
 * ICE-valid tuples and the selected one, and sending on it (DTLS out,
 * consumer media). See dp_media_int.h for ownership.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_media_int.h"
#include "dp_srtp.h"

void dp_tuple_to_sl(const struct dp_media *md, const struct dp_tuple *tu, struct sl_tuple *out)
{
	memset(out, 0, sizeof(*out));
	out->family = tu->family == 6 ? 6 : 4;
	out->remote_port = tu->port;
	out->local_port = htons(md->port);
	memcpy(out->remote_addr, tu->addr, out->family == 6 ? 16 : 4);
}

int dp_transport_create(struct dp_media *md, const struct sl_msg *cmd)
{
	const struct sl_msg_transport_create *c = &cmd->u.transport_create;
	uint32_t tid = cmd->h.transport_id;
	struct dp_lcore *lc = md->lc;

	if (c->local_port != md->port)
		return -EINVAL; /* lcore i serves port_base + i only */
	if (md->tp[tid])
		return -EEXIST;
	size_t ulen = strnlen(c->ice_ufrag, sizeof(c->ice_ufrag));
	size_t plen = strnlen(c->ice_pwd, sizeof(c->ice_pwd));
	if (ulen == 0 || ulen >= SL_ICE_UFRAG_MAX || plen == 0 || plen >= SL_ICE_PWD_MAX)
		return -EINVAL;
	uint64_t ukey = dp_htab_hash_bytes(c->ice_ufrag, ulen, md->ufrags.seed);
	if (dp_htab_get(&md->ufrags, ukey))
		return -EEXIST; /* same ufrag (or a 64-bit hash twin) on this lcore */
	/* tables sized now so the packet path never has to grow them */
	if (dp_htab_reserve(&md->ufrags, md->n_local + 1) ||
	    dp_htab_reserve(&md->tuples, (md->n_local + 1) * DP_TP_TUPLES))
		return -ENOMEM;
	struct dp_transport *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->id = tid;
	t->local_port = md->port;
	memcpy(t->ufrag, c->ice_ufrag, ulen);
	memcpy(t->pwd, c->ice_pwd, plen);
	t->ufrag_len = (uint8_t)ulen;
	t->pwd_len = (uint8_t)plen;
	t->ufrag_key = ukey;
	uint32_t ms = c->ice_timeout_ms ? c->ice_timeout_ms : lc->shm->ice_timeout_ms;
	if (ms < DP_ICE_TIMEOUT_MIN_MS)
		ms = DP_ICE_TIMEOUT_MIN_MS;
	t->ice_timeout_ns = (uint64_t)ms * 1000000ull;
	t->selected = -1;
	t->ctr = sl_shm_tcounters(lc->shm, tid);
	memset(t->ctr, 0, sizeof(*t->ctr));
	if (dp_htab_put(&md->ufrags, ukey, t) != 0) {
		free(t);
		return -ENOMEM;
	}
	t->local_idx = md->n_local;
	md->local[md->n_local++] = tid;
	md->tp[tid] = t;
	lc->ctr->transports++;
	return 0;
}

static void tuple_forget(struct dp_media *md, struct dp_transport *t, int i)
{
	struct dp_tuple *tu = &t->tuples[i];
	if (!tu->used)
		return;
	uint64_t key = dp_tuple_key(&md->tuples, tu->family, tu->addr, tu->port);
	if (dp_htab_get(&md->tuples, key) == t)
		dp_htab_del(&md->tuples, key);
	memset(tu, 0, sizeof(*tu));
	if (t->selected == i) {
		t->selected = -1;
		t->connected = 0;
	}
}

int dp_transport_destroy(struct dp_media *md, uint32_t tid)
{
	struct dp_transport *t = dp_tp_get(md, tid);
	if (!t)
		return -ENOENT;
	dp_stream_purge_transport(md, t);
	dp_budget_forget(md, t);
	for (int i = 0; i < (int)DP_TP_TUPLES; i++)
		tuple_forget(md, t, i);
	dp_htab_del(&md->ufrags, t->ufrag_key);
	dp_srtp_destroy(t->srtp);
	free(t->tcc);
	free(t->bwe);
	/* swap-remove from the dense list the timer walks */
	uint32_t last = md->local[--md->n_local];
	md->local[t->local_idx] = last;
	md->tp[last]->local_idx = t->local_idx;
	md->tp[tid] = NULL;
	explicit_bzero(t->pwd, sizeof(t->pwd));
	free(t);
	md->lc->ctr->transports--;
	return 0;
}

int dp_transport_keys(struct dp_media *md, const struct sl_msg *cmd)
{
	struct dp_transport *t = dp_tp_get(md, cmd->h.transport_id);
	if (!t)
		return -ENOENT;
	struct dp_srtp *s = NULL;
	enum dp_srtp_status st = dp_srtp_create_from_msg(&s, &cmd->u.srtp_keys);
	if (st != DP_SRTP_OK)
		return st == DP_SRTP_BAD_PARAM ? -EINVAL : -EIO;
	/* new keys replace the old session (a DTLS renegotiation) */
	dp_srtp_destroy(t->srtp);
	t->srtp = s;
	t->srtp_overhead = dp_srtp_max_overhead(dp_srtp_profile(s));
	return 0;
}

int dp_transport_tuple_find(const struct dp_transport *t, const struct dp_udp_info *u)
{
	for (int i = 0; i < (int)DP_TP_TUPLES; i++)
		if (dp_tuple_matches(&t->tuples[i], u))
			return i;
	return -1;
}

struct dp_transport *dp_media_tuple_lookup(const struct dp_media *md,
					   const struct dp_udp_info *u)
{
	struct dp_transport *t = dp_htab_get(&md->tuples, dp_udp_key(md, u));
	/* an IPv4 key is exact; an IPv6 one is a hash: confirm it */
	if (t && u->family == 6 && dp_transport_tuple_find(t, u) < 0)
		return NULL;
	return t;
}

const struct dp_tuple *dp_transport_dest(const struct dp_transport *t)
{
	return t->selected >= 0 ? &t->tuples[t->selected] : NULL;
}

void dp_transport_select(struct dp_media *md, struct dp_transport *t, int i)
{
	t->selected = (int8_t)i;
	t->connected = 1;
	dp_budget_ice_event(md, t, DP_ICE_EVT_SELECTED); /* never lost: deferred if full */
}

void dp_transport_send(struct dp_media *md, struct dp_transport *t, const struct dp_tuple *dst,
		       struct rte_mbuf *m, uint32_t payload_len)
{
	struct dp_lcore *lc = md->lc;
	size_t len = 0;
	if (dst->family != 6) {
		uint32_t ip;
		memcpy(&ip, dst->addr, 4);
		len = dp_net_build_udp4(rte_pktmbuf_mtod(m, uint8_t *),
					(size_t)m->buf_len - m->data_off, lc->net.mac, dst->mac,
					lc->net.ipv4, ip, htons(md->port), dst->port, payload_len);
	} else if (lc->net.ipv6_on &&
		   rte_pktmbuf_headroom(m) >= DP_UDP6_HDRS - DP_UDP4_HDRS) {
		m->data_off -= DP_UDP6_HDRS - DP_UDP4_HDRS; /* the payload stays put */
		len = dp_net_build_udp6(rte_pktmbuf_mtod(m, uint8_t *),
					(size_t)m->buf_len - m->data_off, lc->net.mac, dst->mac,
					lc->net.ipv6, dst->addr, htons(md->port), dst->port,
					payload_len);
	}
	if (len == 0) {
		dp_tp_drop(lc, t, SL_DROP_TOO_BIG);
		rte_pktmbuf_free(m);
		return;
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	m->ol_flags = 0;
	t->ctr->tx_pkts++;
	t->ctr->tx_bytes += len;
	dp_lcore_tx(lc, m);
}

static void slot_free(struct dp_lcore *lc, uint32_t idx)
{
	/* the free ring holds every slot at most once: it cannot be full */
	rte_ring_enqueue_elem(lc->slot_free, &idx, sizeof(idx));
}

int dp_transport_send_slot(struct dp_media *md, const struct sl_msg *cmd)
{
	struct dp_lcore *lc = md->lc;
	const struct sl_msg_packet *p = &cmd->u.packet;
	struct dp_transport *t = dp_tp_get(md, cmd->h.transport_id);
	int rc = 0;

	if (!t) {
		rc = -ENOENT;
		goto out;
	}
	const struct dp_tuple *dst = dp_transport_dest(t);
	if (!dst) {
		dp_tp_drop(lc, t, SL_DROP_NO_TUPLE);
		rc = -ENOTCONN;
		goto out;
	}
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	if (!m) {
		dp_tp_drop(lc, t, SL_DROP_NO_MBUF);
		rc = -ENOBUFS;
		goto out;
	}
	if ((size_t)m->buf_len - m->data_off < DP_UDP4_HDRS + (size_t)p->len) {
		rte_pktmbuf_free(m);
		dp_tp_drop(lc, t, SL_DROP_TOO_BIG);
		rc = -EMSGSIZE;
		goto out;
	}
	const struct sl_slot *s = sl_shm_slot(lc->shm, p->slot);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS), s->data, p->len);
	t->ctr->dtls_out++;
	dp_transport_send(md, t, dst, m, p->len);
out:
	slot_free(lc, p->slot);
	return rc;
}
