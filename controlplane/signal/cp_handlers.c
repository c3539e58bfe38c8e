/* SPDX-License-Identifier: MIT */
/*
 * cp_handlers - one function per request of protocol.md, and the dispatcher
 * that applies the common checks (request budget, authentication, payload
 * shape, joined) and answers every request exactly once:
 *   success -> the handler's object, failure -> {error, code}.
 * A request sent without an ack id is executed all the same; its answer is
 * dropped (an unknown event without ack is ignored). A peer the operator
 * removed (cp_admin_ops.c) is no longer served: its requests are dropped
 * unanswered while its socket closes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cp_log.h"
#include "cp_sig_int.h"

#define NEED_AUTH 1u
#define NEED_OBJECT 2u
#define NEED_JOIN 4u
#define NEED_FRESH 8u /* creates something: the token must not have expired */
#define CREATES (NEED_AUTH | NEED_FRESH | NEED_JOIN | NEED_OBJECT)

typedef enum cp_sig_code (*cp_handler_fn)(struct cp_signal *s, struct cp_peer *p,
					  json_t *payload, json_t **resp, char *err,
					  size_t errlen);

static json_t *success(void)
{
	return json_pack("{sb}", "success", 1);
}

/* ------------------------------------------------------------------ */
/* authenticate                                                        */
/* ------------------------------------------------------------------ */

static enum cp_sig_code h_authenticate(struct cp_signal *s, struct cp_peer *p, json_t *payload,
				       json_t **resp, char *err, size_t errlen)
{
	const char *tok;
	size_t len;
	if (json_is_string(payload)) { /* also accept the bare token */
		tok = json_string_value(payload);
		len = json_string_length(payload);
	} else if (cp_valid_string(payload, "token", CP_JWT_MAX_LEN, &tok, err, errlen) ==
		   CP_SIG_OK) {
		len = strlen(tok);
	} else {
		return CP_SIG_BAD_REQUEST;
	}
	enum cp_sig_code c = cp_peer_authenticate(s, p, tok, len, err, errlen);
	if (c != CP_SIG_OK)
		return c;
	CP_INFO_IDS(cp_peer_room_id(p), p->id, NULL,
		    "signal: socket %s (peer %s) authenticated as user %s", p->name, p->id,
		    p->claims.sub);
	*resp = json_pack("{sbss}", "success", 1, "userId", p->claims.sub);
	return CP_SIG_OK;
}

/* ------------------------------------------------------------------ */
/* join / leave                                                        */
/* ------------------------------------------------------------------ */

static json_t *existing_producers(struct cp_room *r, const struct cp_peer *self)
{
	json_t *a = json_array();
	const struct cp_link *l, *k;
	for (l = r->peers.next; a && l != &r->peers; l = l->next) {
		const struct cp_peer *o = cp_container_of(l, struct cp_peer, room_link);
		if (o == self)
			continue;
		for (k = o->producers.next; k != &o->producers; k = k->next) {
			const struct cp_producer *pr =
				cp_container_of(k, struct cp_producer, peer_link);
			json_array_append_new(
				a, json_pack("{ssssssss}", "userId", o->claims.sub, "peerId", o->id,
					     "producerId", pr->id, "kind",
					     pr->ortc.kind == SL_KIND_AUDIO ? "audio" : "video"));
		}
	}
	return a;
}

static json_t *join_answer(struct cp_signal *s, struct cp_peer *p);
static void answer(struct cp_signal *s, struct cp_peer *p, const char *name,
		   enum cp_sig_code c, json_t *resp, char *err, int64_t ack_id);

static enum cp_sig_code h_join(struct cp_signal *s, struct cp_peer *p, json_t *payload,
			       json_t **resp, char *err, size_t errlen)
{
	const char *ch;
	if (cp_valid_string(payload, "channelId", CP_VALID_CHANNEL_MAX, &ch, err, errlen))
		return CP_SIG_BAD_REQUEST;
	enum cp_sig_code c = cp_room_join(s, p, ch, 0, err, errlen);
	if (c == CP_SIG_DEFERRED)
		s->deferred = 1;
	if (c != CP_SIG_OK)
		return c;
	*resp = join_answer(s, p);
	return CP_SIG_OK;
}

/* The answer of a successful join (NULL: out of memory); tells the room. */
static json_t *join_answer(struct cp_signal *s, struct cp_peer *p)
{
	json_t *resp, *ex = existing_producers(p->room, p);
	resp = json_pack("{sssOsbso}", "peerId", p->id, "rtpCapabilities", s->router_caps,
			 "e2eeEnabled", 1, "existingProducers", ex ? ex : json_array());
	json_t *n = json_pack("{ssss}", "userId", p->claims.sub, "peerId", p->id);
	if (n)
		cp_sig_notify_room(s, p->room, p, "mediasoup:peer-joined", n);
	json_decref(n);
	return resp;
}

static enum cp_sig_code h_leave(struct cp_signal *s, struct cp_peer *p, json_t *payload,
				json_t **resp, char *err, size_t errlen)
{
	if (p->join_pending) { /* a join waiting for the fleet directory: dropped */
		char why[] = "left before the join was answered";
		cp_map_del(&s->pending_joins, p->id);
		p->join_pending = 0;
		answer(s, p, "mediasoup:join", CP_SIG_NOT_JOINED, NULL, why, p->join_ack);
	}
	cp_room_leave(s, p); /* not joined: nothing to do, still a success */
	*resp = success();
	return CP_SIG_OK;
}

/* ------------------------------------------------------------------ */
/* transports                                                          */
/* ------------------------------------------------------------------ */

static enum cp_sig_code h_create_transport(struct cp_signal *s, struct cp_peer *p,
					   json_t *payload, json_t **resp, char *err,
					   size_t errlen)
{
	int is_send;
	struct cp_transport *t;
	if (cp_valid_direction(payload, &is_send, err, errlen))
		return CP_SIG_BAD_REQUEST;
	enum cp_sig_code c = cp_transport_create(s, p, is_send, &t, err, errlen);
	if (c != CP_SIG_OK)
		return c;
	json_t *tj = cp_transport_json(s, t);
	*resp = tj ? json_pack("{so}", "transport", tj) : NULL;
	return CP_SIG_OK;
}

static enum cp_sig_code h_connect_transport(struct cp_signal *s, struct cp_peer *p,
					    json_t *payload, json_t **resp, char *err,
					    size_t errlen)
{
	const char *id;
	struct cp_dtls_remote remote;
	if (cp_valid_string(payload, "transportId", CP_VALID_ID_MAX, &id, err, errlen))
		return CP_SIG_BAD_REQUEST;
	struct cp_transport *t = cp_peer_transport(p, id);
	if (!t) {
		snprintf(err, errlen, "transport not found");
		return CP_SIG_NOT_FOUND;
	}
	if (cp_valid_dtls_parameters(json_object_get(payload, "dtlsParameters"), &remote, err,
				     errlen))
		return CP_SIG_BAD_REQUEST;
	enum cp_sig_code c = cp_transport_connect(s, t, &remote, err, errlen);
	if (c != CP_SIG_OK)
		return c;
	if (t->failed) { /* the handshake had finished and the fingerprint differs */
		snprintf(err, errlen, "DTLS failed: %s", t->fail_reason);
		cp_transport_reap(s, t);
		return CP_SIG_BAD_REQUEST;
	}
	*resp = success();
	return CP_SIG_OK;
}

/* ------------------------------------------------------------------ */
/* producers and consumers                                             */
/* ------------------------------------------------------------------ */

/* The size caps of produce (README "Limits"), checked before any parsing
 * work: appData (any JSON, absent or null is fine) and the parameters of
 * each codec, both as compact JSON. */
static enum cp_sig_code produce_sizes(struct cp_signal *s, json_t *payload, json_t *rtp,
				      char *err, size_t errlen)
{
	const json_t *app = json_object_get(payload, "appData");
	if (app && cp_valid_json_size(app, (size_t)s->cfg->max_app_data_bytes, "appData", err,
				      errlen)) {
		s->ctr.limits[CP_SIG_LIM_MAX_APP_DATA_BYTES]++;
		return CP_SIG_BAD_REQUEST;
	}
	const json_t *codecs = json_object_get(rtp, "codecs"), *codec;
	size_t i;
	json_array_foreach(codecs, i, codec) {
		const json_t *par = json_object_get(codec, "parameters");
		if (par && cp_valid_json_size(par, (size_t)s->cfg->max_codec_parameters_bytes,
					      "a codec's 'parameters'", err, errlen)) {
			s->ctr.limits[CP_SIG_LIM_MAX_CODEC_PARAMETERS_BYTES]++;
			return CP_SIG_BAD_REQUEST;
		}
	}
	return CP_SIG_OK;
}

static enum cp_sig_code h_produce(struct cp_signal *s, struct cp_peer *p, json_t *payload,
				  json_t **resp, char *err, size_t errlen)
{
	const char *id, *kind;
	int k;
	struct cp_producer *pr;
	if (!p->claims.pub) {
		snprintf(err, errlen, "the token does not allow producing media");
		return CP_SIG_FORBIDDEN;
	}
	if (cp_valid_string(payload, "transportId", CP_VALID_ID_MAX, &id, err, errlen) ||
	    cp_valid_kind(payload, &k, err, errlen))
		return CP_SIG_BAD_REQUEST;
	kind = k == SL_KIND_AUDIO ? "audio" : "video";
	json_t *rtp = json_object_get(payload, "rtpParameters");
	if (!json_is_object(rtp)) {
		snprintf(err, errlen, "'rtpParameters' must be an object");
		return CP_SIG_BAD_REQUEST;
	}
	enum cp_sig_code c = produce_sizes(s, payload, rtp, err, errlen);
	if (c != CP_SIG_OK)
		return c;
	struct cp_transport *t = cp_peer_transport(p, id);
	if (!t) {
		snprintf(err, errlen, "transport not found");
		return CP_SIG_NOT_FOUND;
	}
	c = cp_producer_create(s, p, t, kind, rtp, &pr, err, errlen);
	if (c != CP_SIG_OK)
		return c;
	*resp = json_pack("{ss}", "producerId", pr->id);
	json_t *n = json_pack("{ssssssss}", "userId", p->claims.sub, "peerId", p->id,
			      "producerId", pr->id, "kind", kind);
	if (n)
		cp_sig_notify_room(s, p->room, p, "mediasoup:new-producer", n);
	json_decref(n);
	return CP_SIG_OK;
}

/* The recv transport a consumer goes on: the one named, else the first. */
static struct cp_transport *recv_transport(struct cp_peer *p, json_t *payload, char *err,
					   size_t errlen)
{
	const char *id = json_string_value(json_object_get(payload, "transportId"));
	struct cp_link *l;
	if (id) {
		struct cp_transport *t = cp_peer_transport(p, id);
		if (!t || t->is_send)
			snprintf(err, errlen, "transportId does not name a recv transport of "
					      "this peer");
		return t && !t->is_send ? t : NULL;
	}
	for (l = p->transports.next; l != &p->transports; l = l->next) {
		struct cp_transport *t = cp_container_of(l, struct cp_transport, peer_link);
		if (!t->is_send)
			return t;
	}
	snprintf(err, errlen, "create a recv transport before consuming");
	return NULL;
}

static enum cp_sig_code h_consume(struct cp_signal *s, struct cp_peer *p, json_t *payload,
				  json_t **resp, char *err, size_t errlen)
{
	const char *ppid, *prid;
	struct cp_consumer *c;
	json_t *params;
	if (!p->claims.sub_media) {
		snprintf(err, errlen, "the token does not allow consuming media");
		return CP_SIG_FORBIDDEN;
	}
	if (cp_valid_string(payload, "producerPeerId", CP_VALID_ID_MAX, &ppid, err, errlen) ||
	    cp_valid_string(payload, "producerId", CP_VALID_ID_MAX, &prid, err, errlen))
		return CP_SIG_BAD_REQUEST;
	json_t *caps = json_object_get(payload, "rtpCapabilities");
	if (!json_is_object(caps)) {
		snprintf(err, errlen, "'rtpCapabilities' must be an object");
		return CP_SIG_BAD_REQUEST;
	}
	struct cp_producer *pr = cp_map_get(&s->producers, prid);
	if (!pr || pr->peer->room != p->room || strcmp(pr->peer->id, ppid)) {
		snprintf(err, errlen, "producer not found in this room");
		return CP_SIG_NOT_FOUND;
	}
	struct cp_transport *t = recv_transport(p, payload, err, errlen);
	if (!t)
		return CP_SIG_BAD_REQUEST;
	enum cp_sig_code code = cp_consumer_create(s, p, pr, caps, t, &c, &params, err, errlen);
	if (code != CP_SIG_OK)
		return code;
	*resp = json_pack("{s{sssssssosssbsb}}", "consumer", "id", c->id, "producerId", pr->id,
			  "kind", pr->ortc.kind == SL_KIND_AUDIO ? "audio" : "video",
			  "rtpParameters", params, "type", cp_ortc_producer_type(&pr->ortc),
			  "producerPaused", pr->paused, "e2eeEnabled", 1);
	return CP_SIG_OK;
}

static struct cp_consumer *own_consumer(struct cp_signal *s, struct cp_peer *p, json_t *payload,
					enum cp_sig_code *code, char *err, size_t errlen)
{
	const char *id;
	*code = cp_valid_string(payload, "consumerId", CP_VALID_ID_MAX, &id, err, errlen);
	if (*code)
		return NULL;
	struct cp_consumer *c = cp_map_get(&s->consumers, id);
	if (!c || c->peer != p) {
		snprintf(err, errlen, "consumer not found");
		*code = CP_SIG_NOT_FOUND;
		return NULL;
	}
	return c;
}

static enum cp_sig_code set_paused(struct cp_signal *s, struct cp_peer *p, json_t *payload,
				   json_t **resp, int paused, char *err, size_t errlen)
{
	enum cp_sig_code code;
	struct cp_consumer *c = own_consumer(s, p, payload, &code, err, errlen);
	if (!c)
		return code;
	code = cp_consumer_set_paused(s, c, paused, err, errlen);
	if (code == CP_SIG_OK)
		*resp = success();
	return code;
}

static enum cp_sig_code h_resume_consumer(struct cp_signal *s, struct cp_peer *p,
					  json_t *payload, json_t **resp, char *err,
					  size_t errlen)
{
	return set_paused(s, p, payload, resp, 0, err, errlen);
}

static enum cp_sig_code h_pause_consumer(struct cp_signal *s, struct cp_peer *p, json_t *payload,
					 json_t **resp, char *err, size_t errlen)
{
	return set_paused(s, p, payload, resp, 1, err, errlen);
}

static enum cp_sig_code h_close_producer(struct cp_signal *s, struct cp_peer *p,
					 json_t *payload, json_t **resp, char *err,
					 size_t errlen)
{
	const char *id;
	if (cp_valid_string(payload, "producerId", CP_VALID_ID_MAX, &id, err, errlen))
		return CP_SIG_BAD_REQUEST;
	struct cp_producer *pr = cp_map_get(&s->producers, id);
	if (!pr || pr->peer != p) {
		snprintf(err, errlen, "producer not found");
		return CP_SIG_NOT_FOUND;
	}
	cp_producer_close(s, pr, p, 1);
	*resp = success();
	return CP_SIG_OK;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */
/* ------------------------------------------------------------------ */

static enum cp_sig_code h_get_room_stats(struct cp_signal *s, struct cp_peer *p,
					 json_t *payload, json_t **resp, char *err,
					 size_t errlen)
{
	const char *ch;
	if (cp_valid_string(payload, "channelId", CP_VALID_CHANNEL_MAX, &ch, err, errlen))
		return CP_SIG_BAD_REQUEST;
	if (p->claims.has_room && strcmp(p->claims.room, ch)) {
		snprintf(err, errlen, "the token does not allow this room");
		return CP_SIG_FORBIDDEN;
	}
	struct cp_room *r = cp_room_find(s, ch);
	if (!r) {
		snprintf(err, errlen, "room not found");
		return CP_SIG_NOT_FOUND;
	}
	*resp = cp_stats_room(s, r);
	return CP_SIG_OK;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	cp_handler_fn fn;
	unsigned int flags;
} handlers[] = {
	{"authenticate", h_authenticate, 0},
	{"mediasoup:join", h_join, NEED_AUTH | NEED_FRESH | NEED_OBJECT},
	{"mediasoup:leave", h_leave, NEED_AUTH},
	{"mediasoup:create-transport", h_create_transport, CREATES},
	{"mediasoup:connect-transport", h_connect_transport, CREATES},
	{"mediasoup:produce", h_produce, CREATES},
	{"mediasoup:consume", h_consume, CREATES},
	{"mediasoup:resume-consumer", h_resume_consumer, NEED_AUTH | NEED_JOIN | NEED_OBJECT},
	{"mediasoup:pause-consumer", h_pause_consumer, NEED_AUTH | NEED_JOIN | NEED_OBJECT},
	{"mediasoup:close-producer", h_close_producer, NEED_AUTH | NEED_JOIN | NEED_OBJECT},
	{"mediasoup:get-room-stats", h_get_room_stats, NEED_AUTH | NEED_OBJECT},
};

static enum cp_sig_code run(struct cp_signal *s, struct cp_peer *p, const char *name,
			    json_t *payload, json_t **resp, int *known, char *err, size_t errlen)
{
	*known = 0;
	if (!cp_peer_rate_ok(s, p)) {
		snprintf(err, errlen, "too many requests: at most %d per second",
			 s->cfg->max_requests_per_sec);
		*known = 1;
		return CP_SIG_OVERLOADED;
	}
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].name, name))
			continue;
		unsigned int f = handlers[i].flags;
		*known = 1;
		if ((f & NEED_AUTH) && !p->authed) {
			snprintf(err, errlen, "not authenticated: send a token in the CONNECT auth "
					      "payload or the authenticate event");
			return CP_SIG_UNAUTHENTICATED;
		}
		if ((f & NEED_FRESH) && cp_peer_expired(s, p)) {
			s->ctr.limits[CP_SIG_LIM_TOKEN_EXPIRED]++;
			snprintf(err, errlen, "the token has expired: send authenticate {token} with a "
					      "fresh token to go on (what exists keeps working)");
			return CP_SIG_UNAUTHENTICATED;
		}
		if ((f & NEED_OBJECT) && cp_valid_object(payload, err, errlen))
			return CP_SIG_BAD_REQUEST;
		if ((f & NEED_JOIN) && !p->room) {
			snprintf(err, errlen, "not joined: join a room first");
			return CP_SIG_NOT_JOINED;
		}
		enum cp_sig_code c = handlers[i].fn(s, p, payload, resp, err, errlen);
		if (c == CP_SIG_DEFERRED)
			return c;
		if (c == CP_SIG_OK && !*resp) {
			snprintf(err, errlen, "out of memory");
			c = CP_SIG_INTERNAL;
		}
		return c;
	}
	snprintf(err, errlen, "unknown event '%.64s'", name);
	return CP_SIG_BAD_REQUEST;
}

/* Replaces every byte that is not part of a well-formed UTF-8 sequence by
 * '?' (messages quote client strings and may be cut inside a character:
 * JSON strings must be valid UTF-8). */
static void utf8_sanitize(char *str)
{
	unsigned char *u = (unsigned char *)str;
	while (*u) {
		size_t n = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 : (*u & 0xf0) == 0xe0 ? 3
					 : (*u & 0xf8) == 0xf0 ? 4 : 0;
		size_t k = 1;
		while (n > 1 && k < n && (u[k] & 0xc0) == 0x80)
			k++;
		uint32_t cp = n == 2 ? (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f)
			      : n == 3 ? (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 |
					 (u[2] & 0x3f)
			      : n == 4 ? (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
					 (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f)
				       : 0;
		int ok = n == 1 || (n > 1 && k == n &&
				    ((n == 2 && cp >= 0x80) || (n == 3 && cp >= 0x800 &&
				     (cp < 0xd800 || cp > 0xdfff)) || (n == 4 && cp >= 0x10000 &&
				     cp <= 0x10ffff)));
		if (!ok) {
			*u++ = '?';
			continue;
		}
		u += n;
	}
}

void cp_handlers_dispatch(struct cp_signal *s, struct cp_peer *p, const char *name,
			  json_t *payload, int64_t ack_id)
{
	char err[CP_SIG_ERR_MAX] = "";
	json_t *resp = NULL;
	int known;
	const char *pid = p->id; /* handlers never free the peer */
	if (p->removed) {
		/* the operator removed it: its socket is closing */
		CP_DBG("signal: peer %s (removed): %.64s dropped", pid, name);
		return;
	}
	s->deferred = 0;
	enum cp_sig_code c = run(s, p, name, payload, &resp, &known, err, sizeof(err));
	if (c == CP_SIG_DEFERRED) { /* answered by cp_signal_join_done */
		p->join_ack = ack_id;
		s->deferred = 0;
		return;
	}
	if (!known && ack_id < 0) {
		CP_DBG("signal: peer %s: unknown event '%.64s' without ack ignored", pid, name);
		return;
	}
	answer(s, p, name, c, resp, err, ack_id);
}

/* Counts and sends the answer of one request (resp: the success object or
 * NULL; taken); failures become {error, code}. */
static void answer(struct cp_signal *s, struct cp_peer *p, const char *name,
		   enum cp_sig_code c, json_t *resp, char *err, int64_t ack_id)
{
	const char *pid = p->id;
	s->ctr.requests[c]++;
	if (c != CP_SIG_OK) {
		json_decref(resp);
		utf8_sanitize(err);
		resp = json_pack("{ssss}", "error", err, "code", cp_sig_code_name(c));
		if (!resp) /* out of memory: an answer is still owed */
			resp = json_pack("{ssss}", "error", "request failed", "code",
					 cp_sig_code_name(c));
		/* client mistakes are routine (and may come in floods): debug */
		if (c == CP_SIG_INTERNAL)
			CP_WARN_IDS(cp_peer_room_id(p), pid, NULL, "signal: peer %s (%s): %.64s -> "
				    "%s: %s", pid, p->name, name, cp_sig_code_name(c), err);
		else
			CP_DBG_IDS(cp_peer_room_id(p), pid, NULL, "signal: peer %s (%s): %.64s -> "
				   "%s: %s", pid, p->name, name, cp_sig_code_name(c), err);
	}
	if (ack_id >= 0 && s->io.ack && resp) {
		int rc = s->io.ack(p->conn, ack_id, resp);
		if (rc)
			CP_DBG("signal: peer %s: answer to %.64s not sent: %s", pid, name,
			       strerror(-rc));
	}
	json_decref(resp);
}

int cp_signal_join_done(struct cp_signal *s, const char *peer_id, enum cp_signal_home h,
			const char *arg)
{
	struct cp_peer *p = cp_map_get(&s->pending_joins, peer_id);
	if (!p)
		return -ENOENT;
	cp_map_del(&s->pending_joins, p->id);
	p->join_pending = 0;
	char err[CP_SIG_ERR_MAX] = "";
	json_t *resp = NULL;
	enum cp_sig_code c;
	if (h == CP_SIGNAL_HOME_REDIRECT) {
		CP_INFO("signal: peer %s (user %s): room %s lives on %s: REDIRECT", p->id,
			p->claims.sub, p->join_channel, arg);
		s->ctr.requests[CP_SIG_REDIRECT]++;
		resp = json_pack("{ssssss}", "error", "the room is served by another node: "
			"reconnect there with the same token", "code", "REDIRECT", "url", arg);
		if (p->join_ack >= 0 && s->io.ack && resp)
			s->io.ack(p->conn, p->join_ack, resp);
		json_decref(resp);
		return 0;
	}
	if (h == CP_SIGNAL_HOME_UNAVAILABLE) {
		snprintf(err, sizeof(err), "%s", arg);
		c = CP_SIG_OVERLOADED;
	} else {
		c = cp_room_join(s, p, p->join_channel, 1, err, sizeof(err));
		if (c == CP_SIG_OK) {
			resp = join_answer(s, p);
			if (!resp) {
				snprintf(err, sizeof(err), "out of memory");
				c = CP_SIG_INTERNAL;
			}
		}
	}
	answer(s, p, "mediasoup:join", c, resp, err, p->join_ack);
	return 0;
}
