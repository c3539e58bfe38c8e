/* SPDX-License-Identifier: MIT */
/*
 * cp_signal - creation and teardown of the signaling state, the socket entry
 * points, and the glue to the data plane (commands out, events in, attach
 * and detach). See cp_signal.h and cp_sig_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cp_log.h"
#include "cp_sig_int.h"

/* ------------------------------------------------------------------ */
/* Clocks and output                                                   */
/* ------------------------------------------------------------------ */

uint64_t cp_sig_now_ms(const struct cp_signal *s)
{
	if (s->io.now_ms)
		return s->io.now_ms(s->io.user);
	return cp_now_ns() / 1000000ull;
}

int64_t cp_sig_wall_ms(const struct cp_signal *s)
{
	if (s->io.wall_ms)
		return s->io.wall_ms(s->io.user);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cp_sig_emit(struct cp_signal *s, struct cp_peer *p, const char *event, json_t *data)
{
	if (!s->io.emit || !p->conn || p->removed)
		return;
	int rc = s->io.emit(p->conn, event, data);
	if (rc)
		CP_DBG("signal: peer %s (%s): %s not sent: %s", p->id, p->name, event,
		       strerror(-rc));
}

void cp_sig_notify_room(struct cp_signal *s, struct cp_room *r, const struct cp_peer *except,
			const char *event, json_t *data)
{
	struct cp_link *l, *tmp;
	cp_list_for_each_safe(l, tmp, &r->peers)
	{
		struct cp_peer *p = cp_container_of(l, struct cp_peer, room_link);
		if (p != except)
			cp_sig_emit(s, p, event, data);
	}
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

int cp_sig_ring_room(struct cp_signal *s, uint32_t lcore, unsigned int n)
{
	if (!s->dp_ready || !s->dp->attached || lcore >= cp_dp_n_lcores(s->dp))
		return 0;
	/* teardown waiting for a retry goes first: no new work meanwhile */
	if (cp_rec_retry_waiting(s, lcore))
		return 0;
	return cp_dp_room(s->dp, lcore, n);
}

int cp_sig_send(struct cp_signal *s, uint32_t lcore, struct sl_msg *m, const char *what)
{
	if (!s->dp_ready)
		return -ENOTCONN;
	/* fire and forget: DTLS out, and key-frame requests (a producer that
	 * left meanwhile is no error worth a RESULT) */
	int want = m->h.type != SL_MSG_SEND_PACKET && m->h.type != SL_MSG_REQUEST_KEYFRAME;
	int teardown = cp_rec_is_teardown(m->h.type);
	if (teardown && cp_rec_retry_waiting(s, lcore))
		return cp_rec_retry_push(s, lcore, m); /* behind the others: in order */
	int rc = cp_dp_send(s->dp, lcore, m, want);
	if (rc == 0) {
		if (want)
			cp_track_add(&s->track, lcore, m, cp_sig_now_ms(s));
		return 0;
	}
	if (rc == -ENOBUFS && teardown && cp_rec_retry_push(s, lcore, m) == 0) {
		CP_DBG("signal: %s: %s to lcore %u (transport id %u) queued for a retry", what,
		       sl_msg_name(m->h.type), lcore, m->h.transport_id);
		return 0;
	}
	s->ctr.dp_ring_full++;
	CP_WARN("signal: %s: %s to lcore %u not sent (transport id %u): %s", what,
		sl_msg_name(m->h.type), lcore, m->h.transport_id,
		rc == -ENOBUFS ? "command ring full" : strerror(-rc));
	return rc;
}

/* ------------------------------------------------------------------ */
/* Data-plane events                                                   */
/* ------------------------------------------------------------------ */

static void on_result(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m)
{
	struct cp_track_ent e;
	int tracked = m->h.seq && cp_track_answer(&s->track, lcore, m->h.seq, &e, cp_rec_lost, s);
	int st = m->u.result.status;
	if (st == 0)
		return;
	/* a teardown of what is not there (any more): what we wanted */
	if (st == -ENOENT && cp_rec_is_teardown(m->u.result.cmd_type))
		return;
	struct cp_transport *t = m->h.transport_id < s->tids.cap ? s->by_tid[m->h.transport_id]
								 : NULL;
	if (t && t->lcore == lcore && m->u.result.cmd_type == SL_MSG_TRANSPORT_CREATE &&
	    st == -EEXIST && !t->create_retried && t->create_seq == m->h.seq) {
		/* a stale transport of a previous control plane holds the id:
		 * destroy it and create ours again (same FIFO ring: in order) */
		struct sl_msg d, c;
		memset(&d, 0, sizeof(d));
		d.h.type = SL_MSG_TRANSPORT_DESTROY;
		d.h.transport_id = t->tid;
		cp_transport_create_msg(t, &c);
		t->create_retried = 1;
		CP_WARN("signal: transport %s (tid %u, lcore %u): id held by a stale data-plane "
			"transport: replacing it", t->id, t->tid, lcore);
		if (cp_sig_ring_room(s, lcore, 2)) {
			cp_sig_send(s, lcore, &d, "stale transport");
			cp_sig_send(s, lcore, &c, "stale transport");
			t->create_seq = c.h.seq;
		}
		OPENSSL_cleanse(&c, sizeof(c));
		return;
	}
	s->ctr.dp_cmd_failed++;
	if (t && t->lcore == lcore)
		t->dp_errors++;
	CP_WARN("signal: lcore %u refused %s for transport %s (tid %u): %s", lcore,
		sl_msg_name(m->u.result.cmd_type), t ? t->id : "-", m->h.transport_id,
		strerror(-st));
	cp_rec_refused(s, lcore, m, tracked ? &e : NULL);
}

void cp_signal_dp_event(void *user, unsigned int lcore, const struct sl_msg *m)
{
	struct cp_signal *s = user;
	switch (m->h.type) {
	case SL_MSG_RESULT:
		if (s->dp_ready)
			on_result(s, lcore, m);
		break;
	case SL_MSG_ICE_SELECTED:
	case SL_MSG_ICE_DISCONNECTED:
	case SL_MSG_DTLS_RECV:
		cp_transport_dp_event(s, lcore, m);
		break;
	case SL_MSG_STREAM_STATS:
		cp_media_stats_event(s, m);
		break;
	case SL_MSG_KEYFRAME_REQUEST:
		CP_DBG("signal: lcore %u: key frame request for producer id %u", lcore,
		       m->u.keyframe.producer_id);
		cp_media_keyframe_event(s, m);
		break;
	case SL_MSG_AUDIO_LEVELS:
		cp_audio_levels_event(s, m);
		break;
	case SL_MSG_OBJECT_LIST:
		if (s->dp_ready) {
			struct cp_track_ent e;
			cp_track_answer(&s->track, lcore, m->h.seq, &e, cp_rec_lost, s);
			cp_rec_list_event(s, lcore, m);
		}
		break;
	default:
		break;
	}
}

/* Closes every transport of every peer: their data-plane state is gone.
 * Peers stay joined; everyone is told about the producers and consumers. */
static void close_all_transports(struct cp_signal *s, int dp_alive)
{
	struct cp_link *l, *tmp;
	cp_list_for_each_safe(l, tmp, &s->peers)
	{
		struct cp_peer *p = cp_container_of(l, struct cp_peer, all_link);
		while (!cp_list_empty(&p->transports))
			cp_transport_close(s,
					   cp_container_of(p->transports.next, struct cp_transport,
							   peer_link),
					   NULL, dp_alive);
	}
}

static void pools_free(struct cp_signal *s)
{
	cp_idpool_fini(&s->tids);
	cp_idpool_fini(&s->pids);
	cp_idpool_fini(&s->cids);
	free(s->by_tid);
	free(s->by_pid);
	free(s->by_cid);
	s->by_tid = NULL;
	s->by_pid = NULL;
	s->by_cid = NULL;
}

void cp_signal_dp_detach(void *user)
{
	struct cp_signal *s = user;
	if (!s->dp_ready && !s->reconciling)
		return;
	uint32_t n = s->n_transports;
	close_all_transports(s, 0);
	s->dp_ready = 0;
	s->reconciling = 0;
	cp_rec_reset(s);
	pools_free(s);
	cp_placement_reset(&s->place, 0);
	CP_WARN("signal: the data plane went away: %u transports closed (their peers stay "
		"joined and were told); create-transport is refused until it is back", n);
}

void cp_signal_dp_ready(void *user)
{
	struct cp_signal *s = user;
	const struct sl_valid_ctx *v = &s->dp->vctx;
	if (s->dp_ready)
		cp_signal_dp_detach(s);
	if (cp_idpool_init(&s->tids, v->max_transports) || cp_idpool_init(&s->pids, v->max_ids) ||
	    cp_idpool_init(&s->cids, v->max_ids) ||
	    !(s->by_tid = calloc(v->max_transports ? v->max_transports : 1, sizeof(void *))) ||
	    !(s->by_pid = calloc(v->max_ids ? v->max_ids : 1, sizeof(void *))) ||
	    !(s->by_cid = calloc(v->max_ids ? v->max_ids : 1, sizeof(void *)))) {
		pools_free(s);
		CP_ERR("signal: out of memory for %u transports: transports stay refused",
		       v->max_transports);
		return;
	}
	cp_placement_reset(&s->place, v->n_lcores);
	cp_rec_reset(s);
	uint64_t stale = 0;
	for (uint32_t i = 0; i < v->n_lcores; i++)
		stale += cp_dp_lcore_counters(s->dp, i)->transports;
	if (stale) {
		/* a previous control plane left transports behind: their ids would
		 * collide with ours, so every id is destroyed first (sweep) */
		s->reconciling = 1;
		memset(s->sweep_next, 0, sizeof(s->sweep_next));
		CP_WARN("signal: the data plane holds %llu transports of a previous control plane: "
			"destroying them before taking transports", (unsigned long long)stale);
		return;
	}
	s->dp_ready = 1;
	CP_INFO("signal: data plane ready: %u lcores (placing on %u, policy %s, room affinity "
		"up to %u transports), %u transport ids", v->n_lcores,
		cp_placement_usable(&s->place), cp_placement_policy_name(s->place.policy),
		s->place.affinity_max, v->max_transports);
}

#define SWEEP_RESERVE 64u /* command-ring entries the sweep leaves free */

/* One tick of the sweep: TRANSPORT_DESTROY (no result wanted) for every id
 * on every lcore that still owns transports, bounded by ring room. The
 * rings are FIFO, so a later TRANSPORT_CREATE of the same id on the same
 * lcore always comes after its destroy. */
static void sweep(struct cp_signal *s)
{
	uint32_t n = cp_dp_n_lcores(s->dp), max = cp_dp_max_transports(s->dp);
	int done = 1;
	for (uint32_t i = 0; i < n; i++) {
		if (cp_dp_lcore_counters(s->dp, i)->transports == 0)
			s->sweep_next[i] = max; /* nothing (left) to destroy */
		struct cp_dp_lcore_info li;
		while (s->sweep_next[i] < max && cp_dp_lcore_info(s->dp, i, &li) == 0 &&
		       li.cmd_free > SWEEP_RESERVE) {
			struct sl_msg m;
			memset(&m, 0, sizeof(m));
			m.h.type = SL_MSG_TRANSPORT_DESTROY;
			m.h.transport_id = s->sweep_next[i];
			if (cp_dp_send(s->dp, i, &m, 0))
				break;
			s->sweep_next[i]++;
		}
		done &= s->sweep_next[i] >= max;
	}
	if (!done)
		return;
	s->reconciling = 0;
	s->dp_ready = 1;
	CP_INFO("signal: data plane ready after removing the previous control plane's "
		"transports: %u lcores, policy %s", n,
		cp_placement_policy_name(s->place.policy));
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */
/* ------------------------------------------------------------------ */

int cp_signal_connect(struct cp_signal *s, void *conn, json_t *auth, struct cp_peer **out)
{
	struct cp_peer *p = cp_peer_new(s, conn);
	char err[CP_SIG_ERR_MAX];
	*out = NULL;
	if (!p)
		return -ENOMEM;
	json_t *tok = json_is_object(auth) ? json_object_get(auth, "token") : NULL;
	if (tok && !json_is_null(tok)) {
		if (!json_is_string(tok) ||
		    cp_peer_authenticate(s, p, json_string_value(tok), json_string_length(tok),
					 err, sizeof(err)) != CP_SIG_OK) {
			CP_INFO("signal: socket %s refused: %s", p->name,
				json_is_string(tok) ? err : "auth.token is not a string");
			cp_peer_free(s, p);
			return -EACCES;
		}
	}
	*out = p;
	CP_INFO_IDS(NULL, p->id, NULL, "signal: socket %s connected as peer %s (%s%s)", p->name,
		    p->id, p->authed ? "user " : "not authenticated yet",
		    p->authed ? p->claims.sub : "");
	return 0;
}

void cp_signal_event(struct cp_signal *s, struct cp_peer *p, const char *name, json_t *payload,
		     int64_t ack_id)
{
	if (s && p)
		cp_handlers_dispatch(s, p, name, payload, ack_id);
}

void cp_signal_disconnect(struct cp_signal *s, struct cp_peer *p, const char *reason)
{
	if (!s || !p)
		return;
	CP_INFO_IDS(cp_peer_room_id(p), p->id, NULL, "signal: socket %s (peer %s) disconnected: %s",
		    p->name, p->id, reason);
	cp_room_leave(s, p);
	cp_peer_free(s, p);
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

static int init_placement(struct cp_signal *s, char *err, size_t errlen)
{
	enum cp_place_policy pol = CP_PLACE_AUTO;
	if (cp_placement_parse_policy(s->cfg->placement, &pol)) {
		snprintf(err, errlen, "placement must be auto or round-robin (got '%s')",
			 s->cfg->placement);
		return -1;
	}
	cp_placement_init(&s->place, pol, (uint32_t)s->cfg->num_workers,
			  (uint32_t)s->cfg->room_affinity_max);
	return 0;
}

static int load_cert(struct cp_signal *s, char *err, size_t errlen)
{
	const struct cp_config *c = s->cfg;
	if (c->dtls_cert[0]) {
		char why[256] = "";
		if (cp_dtls_cert_load(&s->cert, c->dtls_cert, c->dtls_key, why, sizeof(why))) {
			snprintf(err, errlen, "dtls_cert %s / dtls_key %s: %s", c->dtls_cert,
				 c->dtls_key, why);
			return -1;
		}
		CP_INFO("signal: DTLS certificate loaded from %s, sha-256 %s", c->dtls_cert,
			cp_dtls_cert_fingerprint(s->cert));
		return 0;
	}
	if (cp_dtls_cert_generate(&s->cert)) {
		snprintf(err, errlen, "cannot generate the DTLS certificate (OpenSSL failure)");
		return -1;
	}
	CP_INFO("signal: DTLS certificate generated (ECDSA P-256), sha-256 %s",
		cp_dtls_cert_fingerprint(s->cert));
	return 0;
}

struct cp_signal *cp_signal_new(const struct cp_config *cfg, struct cp_dp *dp,
				const struct cp_signal_io *io, char *err, size_t errlen)
{
	struct cp_signal *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->dp = dp;
	s->io = *io;
	cp_list_init(&s->peers);
	cp_list_init(&s->handshaking);
	cp_map_init(&s->rooms);
	cp_map_init(&s->transports);
	cp_map_init(&s->producers);
	cp_map_init(&s->consumers);
	cp_map_init(&s->pending_joins);
	s->rec.next_ms = UINT64_MAX;
	if (init_placement(s, err, errlen) || load_cert(s, err, errlen))
		goto fail;
	s->router_caps = cp_ortc_router_caps();
	if (!s->router_caps) {
		snprintf(err, errlen, "out of memory (router capabilities)");
		goto fail;
	}
	if (dp->ready)
		cp_signal_dp_ready(s);
	return s;
fail:
	cp_signal_free(s);
	return NULL;
}

void cp_signal_free(struct cp_signal *s)
{
	if (!s)
		return;
	/* nothing goes out to connections from here on */
	s->io.emit = NULL;
	s->io.ack = NULL;
	struct cp_link *l, *tmp;
	cp_list_for_each_safe(l, tmp, &s->peers)
	{
		struct cp_peer *p = cp_container_of(l, struct cp_peer, all_link);
		cp_room_leave(s, p);
		cp_peer_free(s, p);
	}
	cp_room_free_all(s);
	cp_rec_fini(s);
	pools_free(s);
	cp_map_fini(&s->rooms);
	cp_map_fini(&s->transports);
	cp_map_fini(&s->producers);
	cp_map_fini(&s->consumers);
	cp_map_fini(&s->pending_joins);
	json_decref(s->router_caps);
	cp_dtls_cert_free(s->cert);
	free(s);
}

void cp_signal_set_fleet(struct cp_signal *s, const struct cp_signal_fleet *f)
{
	if (f)
		s->fleet = *f;
	else
		memset(&s->fleet, 0, sizeof(s->fleet));
}

void cp_signal_tick(struct cp_signal *s)
{
	if (!s)
		return;
	if (s->reconciling && s->dp->attached)
		sweep(s);
	cp_transport_tick(s);
	cp_audio_tick(s);
	cp_rec_tick(s);
}

void cp_signal_metrics(struct cp_signal *s, struct cp_buf *b)
{
	if (s)
		cp_stats_metrics(s, b);
}
