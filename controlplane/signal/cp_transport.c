/* SPDX-License-Identifier: MIT */
/*
 * cp_transport - WebRTC transports (mediasoup's WebRtcTransport): owner
 * lcore from placement, ICE-lite credentials and the host candidate on that
 * lcore's port, the DTLS endpoint fed from the data plane's DTLS_RECV events,
 * SRTP keys programmed on success, and closing (with the producers and
 * consumers on the transport).
 *
 * DTLS callbacks only record what happened (keys are programmed at once,
 * failures are flagged); a failed transport is closed by cp_transport_reap()
 * after the call into cp_dtls returns, never from inside a callback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cp_log.h"
#include "cp_sig_int.h"

const char *cp_transport_ice_name(enum cp_ice_state st)
{
	switch (st) {
	case CP_ICE_CONNECTED: return "completed";
	case CP_ICE_DISCONNECTED: return "disconnected";
	default: return "new";
	}
}

static void hs_track(struct cp_signal *s, struct cp_transport *t)
{
	if (t->hs_link.next == &t->hs_link)
		cp_list_add_tail(&s->handshaking, &t->hs_link);
}

/* ------------------------------------------------------------------ */
/* DTLS callbacks                                                      */
/* ------------------------------------------------------------------ */

static void dtls_send(void *user, const uint8_t *dgram, size_t len)
{
	struct cp_transport *t = user;
	struct cp_signal *s = t->peer->sig;
	uint32_t idx;
	if (!s->dp_ready || len == 0 || len > SL_SLOT_DATA)
		return;
	if (cp_dp_slot_alloc(s->dp, &idx)) {
		s->ctr.dtls_slots_exhausted++;
		CP_DBG("signal: transport %s: no free packet slot for a DTLS datagram (it will be "
		       "retransmitted)", t->id);
		return;
	}
	struct sl_slot *slot = cp_dp_slot(s->dp, idx);
	memcpy(slot->data, dgram, len);
	slot->len = (uint16_t)len;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SEND_PACKET;
	m.h.transport_id = t->tid;
	m.u.packet.slot = idx;
	m.u.packet.len = (uint16_t)len;
	if (t->has_tuple)
		m.u.packet.tuple = t->tuple;
	if (cp_sig_send(s, t->lcore, &m, "DTLS out"))
		cp_dp_slot_free(s->dp, idx);
}

static void dtls_connected(void *user, const struct sl_msg_srtp_keys *keys)
{
	struct cp_transport *t = user;
	struct cp_signal *s = t->peer->sig;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SRTP_KEYS;
	m.h.transport_id = t->tid;
	m.u.srtp_keys = *keys;
	int rc = cp_sig_send(s, t->lcore, &m, "SRTP keys");
	OPENSSL_cleanse(&m, sizeof(m));
	if (rc) {
		t->failed = 1;
		snprintf(t->fail_reason, sizeof(t->fail_reason),
			 "the SRTP keys could not be handed to the data plane (%s)",
			 rc == -ENOBUFS ? "command ring full" : strerror(-rc));
		return;
	}
	t->keys_sent = 1;
	s->ctr.dtls_connected++;
	CP_INFO_IDS(cp_peer_room_id(t->peer), t->peer->id, t->id,
		    "signal: transport %s (peer %s, tid %u, lcore %u): DTLS connected as %s, SRTP "
		    "profile %u: keys programmed and wiped", t->id, t->peer->id, t->tid, t->lcore,
		    cp_dtls_role_name(cp_dtls_role(t->dtls)), keys->profile);
}

static void dtls_failed(void *user, const char *reason)
{
	struct cp_transport *t = user;
	t->failed = 1;
	snprintf(t->fail_reason, sizeof(t->fail_reason), "%s", reason ? reason : "unknown");
}

void cp_transport_reap(struct cp_signal *s, struct cp_transport *t)
{
	if (!t->failed)
		return;
	s->ctr.dtls_failed++;
	CP_ERR_IDS(cp_peer_room_id(t->peer), t->peer->id, t->id,
		   "signal: transport %s (peer %s, user %s, tid %u, lcore %u): DTLS %s: %s; closing "
		   "the transport", t->id, t->peer->id, t->peer->claims.sub, t->tid, t->lcore,
		   t->keys_sent ? "session ended" : "failed", t->fail_reason);
	cp_transport_close(s, t, NULL, 1);
}

/* ------------------------------------------------------------------ */
/* Create                                                              */
/* ------------------------------------------------------------------ */

static enum cp_sig_code check_limits(struct cp_signal *s, struct cp_peer *p, int is_send,
				     char *err, size_t errlen)
{
	uint32_t max = (uint32_t)s->cfg->max_transports_per_peer;
	if (p->n_transports >= max) {
		s->ctr.limits[CP_SIG_LIM_MAX_TRANSPORTS_PER_PEER]++;
		snprintf(err, errlen, "a peer may have at most %u transports", max);
		return CP_SIG_BAD_REQUEST;
	}
	if (max <= 2) {
		struct cp_link *l, *tmp;
		cp_list_for_each_safe(l, tmp, &p->transports)
		{
			struct cp_transport *o = cp_container_of(l, struct cp_transport, peer_link);
			if (o->is_send == is_send) {
				s->ctr.limits[CP_SIG_LIM_MAX_TRANSPORTS_PER_PEER]++;
				snprintf(err, errlen, "this peer already has a %s transport",
					 is_send ? "send" : "recv");
				return CP_SIG_BAD_REQUEST;
			}
		}
	}
	if (s->reconciling) {
		snprintf(err, errlen, "the data plane is being cleaned up after a control-plane "
				      "restart: try again shortly");
		return CP_SIG_OVERLOADED;
	}
	if (!s->dp_ready) {
		snprintf(err, errlen, "no media data plane is attached (sluice-dataplane is down "
				      "or restarting): try again shortly");
		return CP_SIG_OVERLOADED;
	}
	return CP_SIG_OK;
}

static void transport_free(struct cp_transport *t)
{
	cp_dtls_free(t->dtls);
	OPENSSL_cleanse(t->pwd, sizeof(t->pwd));
	free(t);
}

static struct cp_transport *transport_alloc(struct cp_signal *s, struct cp_peer *p, int is_send,
					    uint32_t lcore)
{
	struct cp_transport *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->peer = p;
	t->is_send = is_send;
	t->lcore = lcore;
	cp_list_init(&t->peer_link);
	cp_list_init(&t->hs_link);
	t->port = cp_dp_lcore_port(s->dp, lcore);
	t->created_ms = cp_sig_now_ms(s);
	struct cp_dtls_cb cb = {dtls_send, dtls_connected, dtls_failed, t};
	if (cp_uuid4(t->id) || cp_random_token(t->ufrag, CP_SIG_ICE_UFRAG_LEN) ||
	    cp_random_token(t->pwd, CP_SIG_ICE_PWD_LEN) || !(t->dtls = cp_dtls_new(s->cert, &cb)) ||
	    cp_dtls_set_handshake_timeout(t->dtls, (uint32_t)s->cfg->dtls_timeout_ms)) {
		transport_free(t);
		return NULL;
	}
	return t;
}

void cp_transport_create_msg(const struct cp_transport *t, struct sl_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->h.type = SL_MSG_TRANSPORT_CREATE;
	m->h.transport_id = t->tid;
	memcpy(m->u.transport_create.ice_ufrag, t->ufrag, sizeof(t->ufrag));
	memcpy(m->u.transport_create.ice_pwd, t->pwd, sizeof(t->pwd));
	m->u.transport_create.local_port = t->port;
}

static int send_create(struct cp_signal *s, struct cp_transport *t)
{
	struct sl_msg m;
	cp_transport_create_msg(t, &m);
	int rc = cp_sig_send(s, t->lcore, &m, "create-transport");
	t->create_seq = m.h.seq;
	OPENSSL_cleanse(&m, sizeof(m));
	return rc;
}

enum cp_sig_code cp_transport_create(struct cp_signal *s, struct cp_peer *p, int is_send,
				     struct cp_transport **out, char *err, size_t errlen)
{
	enum cp_sig_code c = check_limits(s, p, is_send, err, errlen);
	if (c != CP_SIG_OK)
		return c;
	uint32_t lcore = cp_placement_pick(&s->place, p->room->lcore_transports);
	if (lcore == CP_PLACE_NONE || !cp_sig_ring_room(s, lcore, 1)) {
		snprintf(err, errlen, "the data plane is busy: try again shortly");
		return CP_SIG_OVERLOADED;
	}
	struct cp_transport *t = transport_alloc(s, p, is_send, lcore);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return CP_SIG_INTERNAL;
	}
	if (cp_idpool_alloc(&s->tids, &t->tid)) {
		transport_free(t);
		snprintf(err, errlen, "the data plane's transport limit is reached");
		return CP_SIG_OVERLOADED;
	}
	if (cp_map_put(&s->transports, t->id, t) || send_create(s, t)) {
		cp_map_del(&s->transports, t->id);
		cp_idpool_free(&s->tids, t->tid);
		transport_free(t);
		snprintf(err, errlen, "the data plane is busy: try again shortly");
		return CP_SIG_OVERLOADED;
	}
	s->by_tid[t->tid] = t;
	cp_list_add_tail(&p->transports, &t->peer_link);
	p->n_transports++;
	p->room->n_transports++;
	p->room->lcore_transports[lcore]++;
	cp_placement_add(&s->place, lcore, 1, 0, 0);
	s->n_transports++;
	CP_INFO_IDS(p->room->channel_id, p->id, t->id,
		    "signal: transport %s (%s, peer %s, room %s): tid %u on lcore %u, udp port %u",
		    t->id, is_send ? "send" : "recv", p->id, p->room->channel_id, t->tid, lcore,
		    t->port);
	*out = t;
	return CP_SIG_OK;
}

static json_t *host_candidate(const char *foundation, uint32_t priority, const char *ip,
			      uint16_t port)
{
	return json_pack("{sssIsssssIssss}", "foundation", foundation, "priority",
			 (json_int_t)priority, "ip", ip, "address", ip, "port", (json_int_t)port,
			 "type", "host", "protocol", "udp");
}

/* The host candidates: IPv4 (announced_ip, else the data plane's address),
 * then IPv6 when the data plane has one (its --ip6, from the segment). */
static json_t *candidates_json(struct cp_signal *s, const struct cp_transport *t)
{
	char ip[64];
	if (s->cfg->announced_ip[0]) {
		snprintf(ip, sizeof(ip), "%s", s->cfg->announced_ip);
	} else {
		uint32_t a = cp_dp_ipv4(s->dp);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
	}
	json_t *arr = json_array();
	json_array_append_new(arr, host_candidate("udpcandidate", CP_SIG_HOST_PRIORITY, ip, t->port));
	static const uint8_t none[16];
	if (s->dp->attached && memcmp(s->dp->shm.hdr->ipv6_addr, none, 16) != 0 &&
	    inet_ntop(AF_INET6, s->dp->shm.hdr->ipv6_addr, ip, sizeof(ip)))
		json_array_append_new(arr, host_candidate("udpcandidate6", CP_SIG_HOST6_PRIORITY,
							  ip, t->port));
	return arr;
}

json_t *cp_transport_json(struct cp_signal *s, const struct cp_transport *t)
{
	return json_pack("{ss s{ssssso} so s{sss[{ssss}]} so}", "id", t->id,
			 "iceParameters", "usernameFragment", t->ufrag, "password", t->pwd,
			 "iceLite", json_true(),
			 "iceCandidates", candidates_json(s, t),
			 "dtlsParameters", "role", "auto", "fingerprints", "algorithm", "sha-256",
			 "value", cp_dtls_cert_fingerprint(s->cert),
			 "e2eeEnabled", json_true());
}

/* ------------------------------------------------------------------ */
/* Connect                                                             */
/* ------------------------------------------------------------------ */

enum cp_sig_code cp_transport_connect(struct cp_signal *s, struct cp_transport *t,
				      const struct cp_dtls_remote *remote, char *err,
				      size_t errlen)
{
	if (t->connect_called) {
		snprintf(err, errlen, "connect-transport was already called for this transport");
		return CP_SIG_BAD_REQUEST;
	}
	int rc = cp_dtls_set_remote(t->dtls, remote->role, remote->algorithm, remote->value);
	switch (rc) {
	case 0:
		break;
	case -EOPNOTSUPP:
	case -EBADMSG:
	case -EINVAL:
		snprintf(err, errlen, "dtlsParameters refused: %s fingerprint not usable",
			 remote->algorithm);
		return CP_SIG_BAD_REQUEST;
	case -EALREADY:
		snprintf(err, errlen, "connect-transport was already called for this transport");
		return CP_SIG_BAD_REQUEST;
	case -EPIPE:
		snprintf(err, errlen, "the transport's DTLS session has failed or closed");
		return CP_SIG_BAD_REQUEST;
	default:
		snprintf(err, errlen, "DTLS setup failed: %s", strerror(-rc));
		return CP_SIG_INTERNAL;
	}
	t->connect_called = 1;
	hs_track(s, t);
	CP_INFO("signal: transport %s (peer %s): connect: remote role %s, local role %s, "
		"DTLS %s", t->id, t->peer->id, remote->role,
		cp_dtls_role_name(cp_dtls_role(t->dtls)),
		cp_dtls_state_name(cp_dtls_state(t->dtls)));
	return CP_SIG_OK;
}

/* ------------------------------------------------------------------ */
/* Close                                                               */
/* ------------------------------------------------------------------ */

void cp_transport_close(struct cp_signal *s, struct cp_transport *t, const struct cp_peer *cause,
			int dp_alive)
{
	struct cp_peer *p = t->peer;
	struct cp_link *l, *tmp;
	dp_alive = dp_alive && s->dp_ready;
	cp_list_for_each_safe(l, tmp, &p->producers)
	{
		struct cp_producer *pr = cp_container_of(l, struct cp_producer, peer_link);
		if (pr->t == t)
			cp_producer_close(s, pr, cause, dp_alive);
	}
	cp_list_for_each_safe(l, tmp, &p->consumers)
	{
		struct cp_consumer *c = cp_container_of(l, struct cp_consumer, peer_link);
		if (c->t == t)
			cp_consumer_close(s, c, cause, dp_alive);
	}
	if (dp_alive) {
		if (!t->failed)
			cp_dtls_close(t->dtls); /* close_notify goes out before the destroy */
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_TRANSPORT_DESTROY;
		m.h.transport_id = t->tid;
		cp_sig_send(s, t->lcore, &m, "close transport");
	}
	cp_list_del(&t->peer_link);
	cp_list_del(&t->hs_link);
	cp_map_del(&s->transports, t->id);
	if (s->by_tid && t->tid < s->tids.cap && s->by_tid[t->tid] == t) {
		s->by_tid[t->tid] = NULL;
		cp_idpool_free(&s->tids, t->tid);
	}
	p->n_transports--;
	if (p->room) {
		p->room->n_transports--;
		if (p->room->lcore_transports[t->lcore])
			p->room->lcore_transports[t->lcore]--;
	}
	cp_placement_add(&s->place, t->lcore, -1, 0, 0);
	s->n_transports--;
	CP_INFO_IDS(cp_peer_room_id(p), p->id, t->id, "signal: transport %s (peer %s, tid %u) closed",
		    t->id, p->id, t->tid);
	transport_free(t);
}

/* ------------------------------------------------------------------ */
/* Data-plane events and timers                                        */
/* ------------------------------------------------------------------ */

static void fmt_tuple(const struct sl_tuple *tp, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(tp->family == 6 ? AF_INET6 : AF_INET, tp->remote_addr, a, sizeof(a));
	snprintf(out, n, tp->family == 6 ? "[%s]:%u" : "%s:%u", a, ntohs(tp->remote_port));
}

static void on_dtls_recv(struct cp_signal *s, struct cp_transport *t, const struct sl_msg *m)
{
	uint8_t buf[SL_SLOT_DATA];
	const struct sl_msg_packet *pk = &m->u.packet;
	struct sl_slot *slot = cp_dp_slot(s->dp, pk->slot);
	size_t len = pk->len;
	if (!slot || len > SL_SLOT_DATA) {
		cp_dp_slot_free(s->dp, pk->slot);
		return;
	}
	memcpy(buf, slot->data, len);
	cp_dp_slot_free(s->dp, pk->slot);
	if (!t->has_tuple || t->ice != CP_ICE_CONNECTED) {
		t->tuple = pk->tuple;
		t->has_tuple = 1;
	}
	int rc = cp_dtls_feed(t->dtls, buf, len, cp_sig_now_ms(s));
	if (rc && rc != -EPIPE)
		CP_DBG("signal: transport %s: DTLS datagram of %zu bytes ignored: %s", t->id, len,
		       strerror(-rc));
	OPENSSL_cleanse(buf, len);
	if (cp_dtls_state(t->dtls) == CP_DTLS_CONNECTING)
		hs_track(s, t);
	cp_transport_reap(s, t);
}

void cp_transport_dp_event(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m)
{
	uint32_t tid = m->h.transport_id;
	struct cp_transport *t = s->dp_ready && tid < s->tids.cap ? s->by_tid[tid] : NULL;
	if (!t || t->lcore != lcore) {
		if (m->h.type == SL_MSG_DTLS_RECV)
			cp_dp_slot_free(s->dp, m->u.packet.slot);
		CP_DBG("signal: lcore %u: event %u for unknown transport id %u ignored", lcore,
		       m->h.type, tid);
		return;
	}
	char tu[64];
	switch (m->h.type) {
	case SL_MSG_ICE_SELECTED:
		t->ice = CP_ICE_CONNECTED;
		t->tuple = m->u.ice.tuple;
		t->has_tuple = 1;
		fmt_tuple(&t->tuple, tu, sizeof(tu));
		CP_INFO_IDS(cp_peer_room_id(t->peer), t->peer->id, t->id,
			    "signal: transport %s (peer %s): ICE selected %s", t->id, t->peer->id, tu);
		break;
	case SL_MSG_ICE_DISCONNECTED:
		t->ice = CP_ICE_DISCONNECTED;
		CP_INFO_IDS(cp_peer_room_id(t->peer), t->peer->id, t->id,
			    "signal: transport %s (peer %s): ICE disconnected", t->id, t->peer->id);
		break;
	case SL_MSG_DTLS_RECV:
		on_dtls_recv(s, t, m);
		break;
	default:
		break;
	}
}

void cp_transport_tick(struct cp_signal *s)
{
	uint64_t now = cp_sig_now_ms(s);
	struct cp_link *l, *tmp;
	cp_list_for_each_safe(l, tmp, &s->handshaking)
	{
		struct cp_transport *t = cp_container_of(l, struct cp_transport, hs_link);
		enum cp_dtls_state st = cp_dtls_state(t->dtls);
		uint64_t due = cp_dtls_next_timeout_ms(t->dtls);
		if (st != CP_DTLS_NEW && st != CP_DTLS_CONNECTING) {
			cp_list_del(&t->hs_link);
			continue;
		}
		if (due && due <= now) {
			cp_dtls_on_timeout(t->dtls, now);
			cp_transport_reap(s, t);
		}
	}
}
