/* SPDX-License-Identifier: MIT */
/*
 * Integration test of controlplane/signal without sockets and without DPDK's
 * EAL: the data plane's own segment code (dataplane/dp_shm.c) creates a
 * segment with two lcores, cp_dp attaches to it as in production, and this
 * test plays the data plane (answers HELLO/NOOP, records commands, carries
 * DTLS datagrams through the packet slots in both directions). Socket.IO is
 * replaced by recording connections, and a cp_dtls endpoint with its own
 * certificate plays the browser.
 *
 * What it asserts:
 *  - dtls_cert/dtls_key: the loaded certificate's fingerprint is signalled;
 *    an unreadable key stops start-up with a message naming the file;
 *  - create-transport programs TRANSPORT_CREATE on the placed lcore with the
 *    answered ICE credentials and the lcore's port; room-affine placement;
 *  - a full DTLS handshake through the rings (browser = client): SRTP keys
 *    reach the data plane in SL_MSG_SRTP_KEYS and match the browser's;
 *    stats show the DTLS/ICE state;
 *  - produce / consume / resume / close-producer program PRODUCER_ADD,
 *    CONSUMER_ADD (paused), PRODUCER_FANOUT, CONSUMER_RESUME,
 *    CONSUMER_REMOVE, PRODUCER_REMOVE with matching ids and the
 *    notifications go to the other peers only; a resume and a consumer's
 *    KEYFRAME_REQUEST event send REQUEST_KEYFRAME (no RESULT wanted) to the
 *    producer's lcore, a pause or an unknown producer id do not;
 *  - a wrong fingerprint and a handshake timeout close the transport
 *    (TRANSPORT_DESTROY, consumer-closed to its owner);
 *  - the data plane going away closes every transport with notifications
 *    (peers stay joined), create-transport answers OVERLOADED until a new
 *    data plane is ready, then works again; a data plane that still holds
 *    transports (of a previous control plane) gets every id of the lcores
 *    concerned destroyed first;
 *  - per-peer figures: transport counters in the segment and STREAM_STATS
 *    events show in get-room-stats peerStats/transportList (states,
 *    bitrates, RTT, loss both ways, NACK/RTX/PLI; per producer and consumer)
 *    and as /metrics series labelled room/peer/transport/direction;
 *  - per-peer limits: a second consume of the same producer by the same
 *    peer, a consume past max_consumers_per_peer, a produce past
 *    max_producers_per_transport, an oversized appData or codec parameters
 *    are BAD_REQUEST, send nothing to the data plane and are counted in
 *    sluice_signal_limit_total (so are ROOM_FULL and the room limit);
 *    closing a consumer frees its place;
 *  - token lifetime: past the token's exp (on the injected clock) join,
 *    create-transport, connect-transport, produce and consume answer
 *    UNAUTHENTICATED while nothing is closed and existing consumers can
 *    still be paused and resumed; authenticate with an expired token or
 *    another user's is refused, with a fresh token of the same user renews;
 *  - active speaker: SL_MSG_AUDIO_LEVELS events make the room's loud producer
 *    the subject of mediasoup:active-speaker { peerId, producerId, volume }
 *    to every peer of that room only; a louder newcomer takes over after
 *    more than one interval; a closed speaker is replaced at once;
 *  - everything is freed at the end (ASan build).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "../unit/check.h"
#include "../../dataplane/dp_shm.h"
#include "cp_dtls.h"
#include "cp_jwt.h"
#include "cp_sig_int.h"
#include "cp_signal.h"

#define SECRET "core-test-secret-0123456789"
#define N_LCORES 2
#define MAX_T 64
#define LOG_MAX 4096

/* ------------------------------------------------------------------ */
/* Recording connections                                               */
/* ------------------------------------------------------------------ */

struct conn {
	char name[16];
	struct cp_peer *peer;
	json_t *events;  /* [[name, data], ...] */
	json_t *acks;    /* {"<id>": response} */
	int64_t next_ack;
	int closed;      /* io.close calls (the admin API removed its peer) */
};

static uint64_t g_now = 1000000;
static int64_t g_wall = 1700000000000ll; /* wall clock (ms since the epoch) */
static struct cp_config g_cfg;           /* the configuration g_sig borrows */

static int io_emit(void *c, const char *event, json_t *data)
{
	struct conn *k = c;
	json_array_append_new(k->events, json_pack("[sO]", event, data ? data : json_null()));
	return 0;
}

static int io_ack(void *c, int64_t id, json_t *resp)
{
	struct conn *k = c;
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_object_set(k->acks, key, resp);
	return 0;
}

static const char *io_name(void *c)
{
	return ((struct conn *)c)->name;
}

static void io_close(void *c)
{
	((struct conn *)c)->closed++;
}

static uint64_t io_now(void *u)
{
	return g_now;
}

static int64_t io_wall(void *u)
{
	return g_wall;
}

/* ------------------------------------------------------------------ */
/* The fake data plane                                                 */
/* ------------------------------------------------------------------ */

struct browser {
	struct cp_dtls *d;
	uint32_t tid;
	unsigned int lcore;
	int connected, failed;
	struct sl_msg_srtp_keys keys;
};

static struct dp_shm g_shm;
static char g_shm_name[64];
static struct cp_dp g_dp;
static struct cp_signal *g_sig;
static struct cp_dtls_cert *g_browser_cert;
static struct browser *g_browser[MAX_T];

static struct {
	uint32_t n;
	uint16_t type[LOG_MAX];
	uint32_t tid[LOG_MAX];
	uint32_t lcore[LOG_MAX];
	struct sl_msg msg[LOG_MAX];
} g_log;
static uint32_t g_keys_count;
static struct sl_msg_srtp_keys g_keys;

static void push_event(unsigned int lcore, struct sl_msg *m)
{
	int rc = rte_ring_enqueue_elem(dp_shm_evt_ring(&g_shm, lcore), m, SL_MSG_SIZE);
	CHECK_EQ(rc, 0);
}

static void b_send(void *u, const uint8_t *p, size_t n)
{
	struct browser *b = u;
	uint32_t idx;
	if (rte_ring_dequeue_elem(dp_shm_slot_ring(&g_shm), &idx, sizeof(idx)) != 0) {
		CHECK(!"no free slot");
		return;
	}
	struct sl_slot *s = sl_shm_slot(g_shm.hdr, idx);
	memcpy(s->data, p, n);
	s->len = (uint16_t)n;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_DTLS_RECV;
	m.h.transport_id = b->tid;
	m.u.packet.slot = idx;
	m.u.packet.len = (uint16_t)n;
	m.u.packet.tuple.family = 4;
	m.u.packet.tuple.remote_port = htons(50000);
	m.u.packet.tuple.local_port = htons(40000);
	inet_pton(AF_INET, "198.18.0.50", m.u.packet.tuple.remote_addr);
	push_event(b->lcore, &m);
}

static void b_connected(void *u, const struct sl_msg_srtp_keys *k)
{
	struct browser *b = u;
	b->connected = 1;
	b->keys = *k;
}

static void b_failed(void *u, const char *reason)
{
	((struct browser *)u)->failed = 1;
}

static struct browser *browser_new(uint32_t tid, unsigned int lcore)
{
	struct browser *b = calloc(1, sizeof(*b));
	struct cp_dtls_cb cb = {b_send, b_connected, b_failed, b};
	b->tid = tid;
	b->lcore = lcore;
	b->d = cp_dtls_new(g_browser_cert, &cb);
	CHECK(b->d != NULL);
	g_browser[tid] = b;
	return b;
}

static void browser_free(struct browser *b)
{
	if (!b)
		return;
	g_browser[b->tid] = NULL;
	cp_dtls_free(b->d);
	free(b);
}

static void answer(unsigned int lcore, const struct sl_msg *c)
{
	struct sl_msg r;
	memset(&r, 0, sizeof(r));
	r.h.seq = c->h.seq;
	r.h.transport_id = c->h.transport_id;
	if (c->h.type == SL_MSG_HELLO) {
		r.h.type = SL_MSG_HELLO_ACK;
		r.u.hello_ack.abi_version = SL_ABI_VERSION;
		r.u.hello_ack.lcore_index = lcore;
	} else if (c->h.type == SL_MSG_NOOP) {
		r.h.type = SL_MSG_NOOP_REPLY;
		r.u.noop = c->u.noop;
	} else if (c->h.seq) {
		r.h.type = SL_MSG_RESULT;
		r.u.result.cmd_type = c->h.type;
	} else {
		return;
	}
	push_event(lcore, &r);
}

static void dp_poll(void)
{
	struct sl_msg m;
	if (!g_shm.hdr) /* the data plane is "down" */
		return;
	for (unsigned int l = 0; l < N_LCORES; l++) {
		while (rte_ring_dequeue_elem(dp_shm_cmd_ring(&g_shm, l), &m, SL_MSG_SIZE) == 0) {
			struct sl_valid_ctx v = {MAX_T, g_shm.hdr->n_slots, N_LCORES, MAX_T * 8};
			CHECK_EQ(sl_cmd_validate(&m, &v), SL_VALID_OK);
			if (g_log.n < LOG_MAX) {
				g_log.type[g_log.n] = m.h.type;
				g_log.tid[g_log.n] = m.h.transport_id;
				g_log.lcore[g_log.n] = l;
				g_log.msg[g_log.n] = m;
				g_log.n++;
			}
			if (m.h.type == SL_MSG_SRTP_KEYS) {
				g_keys = m.u.srtp_keys;
				g_keys_count++;
			}
			if (m.h.type == SL_MSG_SEND_PACKET) {
				struct sl_slot *s = sl_shm_slot(g_shm.hdr, m.u.packet.slot);
				CHECK_EQ(s->len, m.u.packet.len);
				struct browser *b = m.h.transport_id < MAX_T ? g_browser[m.h.transport_id]
									    : NULL;
				if (b) {
					CHECK_EQ(b->lcore, l);
					cp_dtls_feed(b->d, s->data, m.u.packet.len, g_now);
				}
				uint32_t idx = m.u.packet.slot;
				rte_ring_enqueue_elem(dp_shm_slot_ring(&g_shm), &idx, sizeof(idx));
			}
			answer(l, &m);
		}
	}
	for (unsigned int t = 0; t < MAX_T; t++) {
		struct browser *b = g_browser[t];
		uint64_t due = b ? cp_dtls_next_timeout_ms(b->d) : 0;
		if (due && due <= g_now)
			cp_dtls_on_timeout(b->d, g_now);
	}
}

static void pump(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		g_dp.next_try_ns = 0;
		cp_dp_tick(&g_dp);
		dp_poll();
		cp_signal_tick(g_sig);
	}
}

static uint32_t log_count(uint16_t type, uint32_t from)
{
	uint32_t n = 0;
	for (uint32_t i = from; i < g_log.n; i++)
		n += g_log.type[i] == type;
	return n;
}

/* Index of the last command of a type at or after from, or -1. */
static int log_last(uint16_t type, uint32_t from)
{
	int k = -1;
	for (uint32_t i = from; i < g_log.n; i++)
		if (g_log.type[i] == type)
			k = (int)i;
	return k;
}

static int create_segment(void)
{
	struct dp_shm_params p;
	char err[256];
	memset(&p, 0, sizeof(p));
	p.name = g_shm_name;
	p.n_lcores = N_LCORES;
	p.n_slots = 256;
	p.max_transports = MAX_T;
	p.port_base = 40000;
	p.ice_timeout_ms = 5000;
	inet_pton(AF_INET, "198.18.0.9", &p.ipv4);
	inet_pton(AF_INET6, "2001:db8::9", p.ipv6); /* a dual-stack data plane (--ip6) */
	p.device = "fake0";
	int rc = dp_shm_create(&g_shm, &p, err, sizeof(err));
	if (rc)
		fprintf(stderr, "dp_shm_create: %s\n", err);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

/* A token of user sub that expires life_s seconds from g_wall (into tok). */
static void mint(char *tok, size_t cap, const char *sub, int64_t life_s)
{
	struct cp_jwt_claims cl;
	memset(&cl, 0, sizeof(cl));
	snprintf(cl.sub, sizeof(cl.sub), "%s", sub);
	cl.exp = g_wall / 1000 + life_s;
	cl.pub = cl.sub_media = true;
	CHECK(cp_jwt_mint(tok, cap, (const uint8_t *)SECRET, strlen(SECRET), &cl) > 0);
}

/* A connection authenticated in CONNECT as sub, its token valid life_s s. */
static struct conn *conn_new_life(const char *name, const char *sub, int64_t life_s)
{
	struct conn *c = calloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->events = json_array();
	c->acks = json_object();
	char tok[1024];
	mint(tok, sizeof(tok), sub, life_s);
	json_t *auth = json_pack("{ss}", "token", tok);
	CHECK_EQ(cp_signal_connect(g_sig, c, auth, &c->peer), 0);
	json_decref(auth);
	return c;
}

static struct conn *conn_new(const char *name, const char *sub)
{
	return conn_new_life(name, sub, 3600);
}

static void conn_free(struct conn *c)
{
	if (c->peer)
		cp_signal_disconnect(g_sig, c->peer, "test end");
	json_decref(c->events);
	json_decref(c->acks);
	free(c);
}

/* Sends a request and returns its answer (a new reference). */
static json_t *req(struct conn *c, const char *name, const char *payload_fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, payload_fmt);
	vsnprintf(buf, sizeof(buf), payload_fmt, ap);
	va_end(ap);
	json_error_t e;
	json_t *p = json_loads(buf, JSON_DECODE_ANY, &e);
	if (!p)
		fprintf(stderr, "bad test json: %s: %s\n", buf, e.text);
	int64_t id = c->next_ack++;
	cp_signal_event(g_sig, c->peer, name, p, id);
	json_decref(p);
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_t *r = json_incref(json_object_get(c->acks, key));
	CHECK(r != NULL);
	json_object_del(c->acks, key);
	return r ? r : json_object();
}

static const char *code_of(json_t *r)
{
	const char *c = json_string_value(json_object_get(r, "code"));
	return c ? c : "OK";
}

static int events_named(struct conn *c, const char *name)
{
	int n = 0;
	size_t i;
	json_t *e;
	json_array_foreach(c->events, i, e) n += !strcmp(json_string_value(json_array_get(e, 0)), name);
	return n;
}

/* The data of the last event `name`, borrowed, or NULL. */
static json_t *last_event(struct conn *c, const char *name)
{
	json_t *found = NULL, *e;
	size_t i;
	json_array_foreach(c->events, i, e) if (!strcmp(json_string_value(json_array_get(e, 0)), name))
		found = json_array_get(e, 1);
	return found;
}

static const char *sget(json_t *o, const char *path)
{
	/* path of object keys separated by '.', array index as digits */
	char tmp[256], *save, *tokp;
	json_t *cur = o;
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (tokp = strtok_r(tmp, ".", &save); tokp && cur; tokp = strtok_r(NULL, ".", &save))
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tokp))
					 : json_object_get(cur, tokp);
	return json_string_value(cur);
}

static json_int_t iget(json_t *o, const char *path)
{
	char tmp[256], *save, *tokp;
	json_t *cur = o;
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (tokp = strtok_r(tmp, ".", &save); tokp && cur; tokp = strtok_r(NULL, ".", &save))
		cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tokp))
					 : json_object_get(cur, tokp);
	return json_integer_value(cur);
}

/* What a path of a JSON answer (sget / iget syntax) must hold: a string
 * (WANT_S; a NULL one matches nothing) or an integer (WANT_I). */
struct want {
	const char *path;
	int is_str;
	const char *s;
	json_int_t i;
};
#define WANT_S(path, str) {(path), 1, (str), 0}
#define WANT_I(path, num) {(path), 0, NULL, (num)}

/* One CHECK per entry of w (n of them); a failure names its path. */
static void check_wants(json_t *o, const struct want *w, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const char *got = w[k].is_str ? sget(o, w[k].path) : NULL;
		int ok = w[k].is_str ? got && w[k].s && !strcmp(got, w[k].s)
				     : iget(o, w[k].path) == w[k].i;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  at %s\n", w[k].path);
	}
}

/* The transport with this id in a get-room-stats answer, borrowed. */
static json_t *stats_transport(json_t *stats, const char *id)
{
	json_t *list = json_object_get(json_object_get(stats, "stats"), "transportList"), *t;
	size_t i;
	json_array_foreach(list, i, t) if (!strcmp(sget(t, "id"), id)) return t;
	return NULL;
}

static const char *AUDIO_PARAMS =
	"{\"codecs\":[{\"mimeType\":\"audio/opus\",\"payloadType\":111,\"clockRate\":48000,"
	"\"channels\":2,\"parameters\":{\"useinbandfec\":1},\"rtcpFeedback\":[{\"type\":"
	"\"transport-cc\",\"parameter\":\"\"}]}],\"headerExtensions\":[{\"uri\":"
	"\"urn:ietf:params:rtp-hdrext:sdes:mid\",\"id\":4,\"encrypt\":false,\"parameters\":{}}],"
	"\"encodings\":[{\"ssrc\":%u}],\"rtcp\":{\"cname\":\"core\",\"reducedSize\":true},"
	"\"mid\":\"0\"}";

/* ------------------------------------------------------------------ */
/* Scenarios                                                           */
/* ------------------------------------------------------------------ */

static struct conn *A, *B;
static json_t *g_caps; /* router capabilities from join */

static void scenario_join(void)
{
	A = conn_new("sockA", "alice");
	B = conn_new("sockB", "bob");
	json_t *r = req(A, "mediasoup:join", "{\"channelId\":\"core-room\"}");
	CHECK(!strcmp(code_of(r), "OK"));
	g_caps = json_incref(json_object_get(r, "rtpCapabilities"));
	CHECK(json_is_object(g_caps));
	json_decref(r);
	r = req(B, "mediasoup:join", "{\"channelId\":\"core-room\"}");
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	CHECK_EQ(events_named(A, "mediasoup:peer-joined"), 1);
	CHECK_EQ(events_named(B, "mediasoup:peer-joined"), 0);
}

/* Creates a transport and checks what the data plane got. */
static json_t *create_transport(struct conn *c, const char *dir, uint32_t *tid, unsigned *lcore)
{
	uint32_t from = g_log.n;
	json_t *r = req(c, "mediasoup:create-transport", "{\"direction\":\"%s\"}", dir);
	CHECK(!strcmp(code_of(r), "OK"));
	pump(2);
	int k = log_last(SL_MSG_TRANSPORT_CREATE, from);
	CHECK(k >= 0);
	if (k < 0)
		return r;
	const struct sl_msg_transport_create *tc = &g_log.msg[k].u.transport_create;
	CHECK(!strcmp(tc->ice_ufrag, sget(r, "transport.iceParameters.usernameFragment")));
	CHECK(!strcmp(tc->ice_pwd, sget(r, "transport.iceParameters.password")));
	CHECK_EQ(strlen(tc->ice_ufrag), 16);
	CHECK_EQ(strlen(tc->ice_pwd), 32);
	CHECK_EQ(tc->local_port, 40000 + g_log.lcore[k]);
	CHECK_EQ(iget(r, "transport.iceCandidates.0.port"), tc->local_port);
	CHECK(!strcmp(sget(r, "transport.iceCandidates.0.ip"), "198.18.0.9"));
	/* and the IPv6 host candidate of the segment, below the IPv4 one */
	CHECK_EQ(json_array_size(json_object_get(json_object_get(r, "transport"), "iceCandidates")), 2);
	const char *ip6 = sget(r, "transport.iceCandidates.1.ip");
	const char *ad6 = sget(r, "transport.iceCandidates.1.address");
	const char *pr6 = sget(r, "transport.iceCandidates.1.protocol");
	const char *f0 = sget(r, "transport.iceCandidates.0.foundation");
	const char *f1 = sget(r, "transport.iceCandidates.1.foundation");
	CHECK(ip6 && !strcmp(ip6, "2001:db8::9"));
	CHECK(ad6 && !strcmp(ad6, "2001:db8::9"));
	CHECK(pr6 && !strcmp(pr6, "udp"));
	CHECK_EQ(iget(r, "transport.iceCandidates.1.port"), tc->local_port);
	CHECK(f0 && f1 && strcmp(f0, f1) != 0);
	CHECK(iget(r, "transport.iceCandidates.1.priority") <
	      iget(r, "transport.iceCandidates.0.priority"));
	*tid = g_log.tid[k];
	*lcore = g_log.lcore[k];
	return r;
}

static json_t *g_ta, *g_tb; /* A's send and B's recv transport answers */
static uint32_t g_tid_a, g_tid_b;
static unsigned g_lc_a, g_lc_b;

static void scenario_dtls_ok(void)
{
	g_ta = create_transport(A, "send", &g_tid_a, &g_lc_a);
	g_tb = create_transport(B, "recv", &g_tid_b, &g_lc_b);
	CHECK_EQ(g_lc_a, g_lc_b); /* room-affine: the room fits one lcore */

	/* the browser (DTLS client) talks first; connect-transport comes later */
	struct browser *b = browser_new(g_tid_a, g_lc_a);
	const char *server_fp = sget(g_ta, "transport.dtlsParameters.fingerprints.0.value");
	CHECK_EQ(cp_dtls_set_remote(b->d, "auto", "sha-256", server_fp), 0);
	CHECK_EQ(cp_dtls_role(b->d), CP_DTLS_ROLE_CLIENT);
	pump(20);
	CHECK_EQ(g_keys_count, 0); /* no keys before the fingerprint was checked */
	json_t *r = req(A, "mediasoup:connect-transport",
			"{\"transportId\":\"%s\",\"dtlsParameters\":{\"role\":\"client\","
			"\"fingerprints\":[{\"algorithm\":\"sha-256\",\"value\":\"%s\"}]}}",
			sget(g_ta, "transport.id"), cp_dtls_cert_fingerprint(g_browser_cert));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(20);
	CHECK(b->connected);
	CHECK_EQ(g_keys_count, 1);
	size_t kl = (size_t)g_keys.key_len + g_keys.salt_len;
	CHECK(g_keys.profile == SL_SRTP_AEAD_AES_128_GCM); /* GCM preferred by both */
	CHECK_EQ(g_keys.profile, b->keys.profile);
	CHECK(!memcmp(g_keys.rx, b->keys.tx, kl)); /* what the browser writes, we read */
	CHECK(!memcmp(g_keys.tx, b->keys.rx, kl));
	/* the SRTP keys went to the transport's own lcore */
	int k = log_last(SL_MSG_SRTP_KEYS, 0);
	CHECK(k >= 0 && g_log.tid[k] == g_tid_a && g_log.lcore[k] == g_lc_a);

	/* the second connect-transport is refused */
	r = req(A, "mediasoup:connect-transport",
		"{\"transportId\":\"%s\",\"dtlsParameters\":{\"fingerprints\":[{\"algorithm\":"
		"\"sha-256\",\"value\":\"%s\"}]}}", sget(g_ta, "transport.id"),
		cp_dtls_cert_fingerprint(g_browser_cert));
	CHECK(!strcmp(code_of(r), "BAD_REQUEST"));
	json_decref(r);

	/* ICE selection reported by the data plane shows in the stats */
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_ICE_SELECTED;
	m.h.transport_id = g_tid_a;
	m.u.ice.tuple.family = 4;
	push_event(g_lc_a, &m);
	pump(2);
	r = req(A, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	json_t *st = stats_transport(r, sget(g_ta, "transport.id"));
	CHECK(st != NULL);
	CHECK(st && !strcmp(sget(st, "dtlsState"), "connected"));
	CHECK(st && !strcmp(sget(st, "iceState"), "completed"));
	CHECK(st && json_is_true(json_object_get(st, "srtpKeys")));
	CHECK_EQ(iget(r, "stats.peers"), 2);
	CHECK_EQ(iget(r, "stats.lcores.0.transports") + iget(r, "stats.lcores.1.transports"), 2);
	json_decref(r);
	browser_free(b);
}

static json_t *g_prod, *g_cons;

/* B pauses or resumes its consumer (event): answered OK, exactly one
 * command of type cmd sent, and kf key-frame requests. */
static void pause_resume(struct conn *c, const char *event, uint16_t cmd, int kf)
{
	uint32_t from = g_log.n;
	json_t *r = req(c, event, "{\"consumerId\":\"%s\"}", sget(g_cons, "consumer.id"));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(cmd, from), 1);
	CHECK_EQ(log_count(SL_MSG_REQUEST_KEYFRAME, from), kf);
}

static void scenario_media(void)
{
	uint32_t from = g_log.n;
	json_t *r = req(A, "mediasoup:produce",
			"{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":%s}",
			sget(g_ta, "transport.id"), "null");
	CHECK(!strcmp(code_of(r), "BAD_REQUEST"));
	json_decref(r);
	char params[2048];
	snprintf(params, sizeof(params), AUDIO_PARAMS, 11111111u);
	g_prod = req(A, "mediasoup:produce",
		     "{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":%s}",
		     sget(g_ta, "transport.id"), params);
	CHECK(!strcmp(code_of(g_prod), "OK"));
	pump(2);
	int k = log_last(SL_MSG_PRODUCER_ADD, from);
	CHECK(k >= 0);
	uint32_t pid = k >= 0 ? g_log.msg[k].u.producer_add.producer_id : 0;
	CHECK(k >= 0 && g_log.msg[k].u.producer_add.ssrc == 11111111u);
	CHECK(k >= 0 && g_log.tid[k] == g_tid_a && g_log.lcore[k] == g_lc_a);
	json_t *np = last_event(B, "mediasoup:new-producer");
	CHECK(np && !strcmp(sget(np, "producerId"), sget(g_prod, "producerId")));
	CHECK(np && !strcmp(sget(np, "kind"), "audio") && !strcmp(sget(np, "userId"), "alice"));
	CHECK_EQ(events_named(A, "mediasoup:new-producer"), 0);

	/* B consumes: CONSUMER_ADD paused on B's lcore, fan-out to A's lcore */
	char *caps = json_dumps(g_caps, JSON_COMPACT);
	from = g_log.n;
	g_cons = req(B, "mediasoup:consume",
		     "{\"producerPeerId\":\"%s\",\"producerId\":\"%s\",\"rtpCapabilities\":%s}",
		     sget(np, "peerId"), sget(g_prod, "producerId"), caps);
	free(caps);
	CHECK(!strcmp(code_of(g_cons), "OK"));
	CHECK(!strcmp(sget(g_cons, "consumer.rtpParameters.mid"), "0"));
	CHECK(!strcmp(sget(g_cons, "consumer.type"), "simple"));
	pump(2);
	k = log_last(SL_MSG_CONSUMER_ADD, from);
	CHECK(k >= 0);
	if (k >= 0) {
		const struct sl_msg_consumer_add *ca = &g_log.msg[k].u.consumer_add;
		CHECK_EQ(ca->paused, 1);
		CHECK_EQ(ca->producer_id, pid);
		CHECK_EQ(ca->ssrc, iget(g_cons, "consumer.rtpParameters.encodings.0.ssrc"));
		CHECK_EQ(g_log.tid[k], g_tid_b);
	}
	k = log_last(SL_MSG_PRODUCER_FANOUT, from);
	CHECK(k >= 0 && g_log.msg[k].u.producer_fanout.lcore_mask == (1ull << g_lc_b));
	CHECK(k >= 0 && g_log.lcore[k] == g_lc_a);

	from = g_log.n;
	r = req(B, "mediasoup:resume-consumer", "{\"consumerId\":\"%s\"}",
		sget(g_cons, "consumer.id"));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	r = req(A, "mediasoup:resume-consumer", "{\"consumerId\":\"%s\"}",
		sget(g_cons, "consumer.id"));
	CHECK(!strcmp(code_of(r), "NOT_FOUND")); /* not A's consumer */
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_RESUME, from), 1);
	/* the resume asks the producer's lcore for a key frame */
	uint32_t cid = 0;
	k = log_last(SL_MSG_CONSUMER_RESUME, from);
	if (k >= 0)
		cid = g_log.msg[k].u.consumer_ref.consumer_id;
	CHECK_EQ(log_count(SL_MSG_REQUEST_KEYFRAME, from), 1);
	k = log_last(SL_MSG_REQUEST_KEYFRAME, from);
	CHECK(k >= 0 && g_log.lcore[k] == g_lc_a && g_log.tid[k] == g_tid_a);
	CHECK(k >= 0 && g_log.msg[k].u.keyframe.producer_id == pid);
	CHECK(k >= 0 && g_log.msg[k].u.keyframe.consumer_id == cid);
	CHECK(k >= 0 && g_log.msg[k].h.seq == 0); /* fire and forget: no RESULT */

	/* a consumer's PLI (KEYFRAME_REQUEST event from B's lcore) is relayed
	 * to the producer's lcore; one naming an unknown producer is not */
	struct sl_msg ev;
	memset(&ev, 0, sizeof(ev));
	ev.h.type = SL_MSG_KEYFRAME_REQUEST;
	ev.h.transport_id = g_tid_b;
	ev.u.keyframe.producer_id = pid;
	ev.u.keyframe.consumer_id = cid;
	from = g_log.n;
	push_event(g_lc_b, &ev);
	ev.u.keyframe.producer_id = pid + 1;
	push_event(g_lc_b, &ev);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_REQUEST_KEYFRAME, from), 1);
	k = log_last(SL_MSG_REQUEST_KEYFRAME, from);
	CHECK(k >= 0 && g_log.lcore[k] == g_lc_a && g_log.tid[k] == g_tid_a);
	CHECK(k >= 0 && g_log.msg[k].u.keyframe.producer_id == pid);
	/* pausing asks for nothing, resuming for a key frame */
	pause_resume(B, "mediasoup:pause-consumer", SL_MSG_CONSUMER_PAUSE, 0);
	pause_resume(B, "mediasoup:resume-consumer", SL_MSG_CONSUMER_RESUME, 1);
}

/* The peerStats entry of user in a get-room-stats answer, borrowed. */
static json_t *stats_peer(json_t *r, const char *user)
{
	json_t *list = json_object_get(json_object_get(r, "stats"), "peerStats"), *p;
	size_t i;
	json_array_foreach(list, i, p) if (!strcmp(sget(p, "userId"), user)) return p;
	return NULL;
}

/* 1 when B's get-room-stats shows the producer muted and B's consumer
 * with producerPaused = muted and paused = own. */
static int stats_muted(int muted, int own)
{
	json_t *r = req(B, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	json_t *a = stats_peer(r, "alice"), *b = stats_peer(r, "bob");
	json_t *pr = json_array_get(json_object_get(a, "producers"), 0);
	json_t *co = json_array_get(json_object_get(b, "consumers"), 0);
	int ok = pr && co && json_is_true(json_object_get(pr, "paused")) == muted &&
		 json_is_true(json_object_get(co, "producerPaused")) == muted &&
		 json_is_true(json_object_get(co, "paused")) == own;
	json_decref(r);
	return ok;
}

/* The operator mutes A's producer (cp_signal_pause_producer): the data
 * plane has no producer pause, so B's forwarding consumer gets a
 * CONSUMER_PAUSE; B hears consumer-paused, A producer-paused. B's own
 * pause/resume while muted sends nothing; the unmute resumes only what B
 * has not paused itself, with a key-frame request. Ends as it began: the
 * consumer forwarding, the producer not muted. */
static void scenario_admin_mute(void)
{
	const char *prid = sget(g_prod, "producerId"), *cid = sget(g_cons, "consumer.id");
	uint32_t n = 99, from = g_log.n;
	int bp = events_named(B, "mediasoup:consumer-paused");
	int br = events_named(B, "mediasoup:consumer-resumed");
	int ap = events_named(A, "mediasoup:producer-paused");
	int ar = events_named(A, "mediasoup:producer-resumed");
	CHECK(stats_muted(0, 0));
	CHECK_EQ(cp_signal_pause_producer(g_sig, prid, 1, &n), 0);
	CHECK_EQ(n, 1);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_PAUSE, from), 1);
	int k = log_last(SL_MSG_CONSUMER_PAUSE, from);
	CHECK(k >= 0 && g_log.tid[k] == g_tid_b && g_log.lcore[k] == g_lc_b);
	CHECK_EQ(events_named(B, "mediasoup:consumer-paused"), bp + 1);
	json_t *ev = last_event(B, "mediasoup:consumer-paused");
	CHECK(ev && !strcmp(sget(ev, "consumerId"), cid) && !strcmp(sget(ev, "producerId"), prid));
	CHECK_EQ(events_named(A, "mediasoup:producer-paused"), ap + 1);
	CHECK(!strcmp(sget(last_event(A, "mediasoup:producer-paused"), "producerId"), prid));
	CHECK(stats_muted(1, 0));
	/* again: nothing */
	from = g_log.n;
	CHECK_EQ(cp_signal_pause_producer(g_sig, prid, 1, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(events_named(B, "mediasoup:consumer-paused"), bp + 1);
	/* B's own resume and pause while muted: answered, nothing sent */
	json_t *r = req(B, "mediasoup:resume-consumer", "{\"consumerId\":\"%s\"}", cid);
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	r = req(B, "mediasoup:pause-consumer", "{\"consumerId\":\"%s\"}", cid);
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_RESUME, from) + log_count(SL_MSG_CONSUMER_PAUSE, from), 0);
	CHECK(stats_muted(1, 1));
	/* unmute: B paused it itself, so it stays paused */
	CHECK_EQ(cp_signal_pause_producer(g_sig, prid, 0, &n), 0);
	CHECK_EQ(n, 0);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_RESUME, from), 0);
	CHECK_EQ(log_count(SL_MSG_REQUEST_KEYFRAME, from), 0);
	CHECK_EQ(events_named(B, "mediasoup:consumer-resumed"), br + 1);
	CHECK_EQ(events_named(A, "mediasoup:producer-resumed"), ar + 1);
	CHECK(stats_muted(0, 1));
	pause_resume(B, "mediasoup:resume-consumer", SL_MSG_CONSUMER_RESUME, 1);
	/* mute and unmute a forwarding consumer: PAUSE, then RESUME + key frame */
	from = g_log.n;
	CHECK_EQ(cp_signal_pause_producer(g_sig, prid, 1, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(cp_signal_pause_producer(g_sig, prid, 0, &n), 0);
	CHECK_EQ(n, 1);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_PAUSE, from), 1);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_RESUME, from), 1);
	CHECK_EQ(log_count(SL_MSG_REQUEST_KEYFRAME, from), 1);
	k = log_last(SL_MSG_REQUEST_KEYFRAME, from);
	CHECK(k >= 0 && g_log.lcore[k] == g_lc_a && g_log.tid[k] == g_tid_a);
	CHECK(stats_muted(0, 0));
	CHECK_EQ(cp_signal_pause_producer(g_sig, "no-such-producer", 1, &n), -ENOENT);
}

static int metric_has(const char *text, const char *name, const char *peer, const char *tp,
		      const char *dir, const char *rest)
{
	char line[512];
	snprintf(line, sizeof(line), "\n%s{room=\"core-room\",peer=\"%s\",transport=\"%s\","
		 "direction=\"%s\"%s\n", name, peer, tp, dir, rest);
	return text && strstr(text, line) != NULL;
}

/* Per-peer figures: the data plane's transport counters (written here into
 * the segment as the lcores would) and its STREAM_STATS events show in
 * get-room-stats peerStats / transportList and in the /metrics series. */
static void scenario_stats(void)
{
	int kp = log_last(SL_MSG_PRODUCER_ADD, 0), kc = log_last(SL_MSG_CONSUMER_ADD, 0);
	CHECK(kp >= 0 && kc >= 0);
	if (kp < 0 || kc < 0)
		return;
	uint32_t pid = g_log.msg[kp].u.producer_add.producer_id;
	uint32_t cid = g_log.msg[kc].u.consumer_add.consumer_id;
	struct sl_transport_counters *ca = sl_shm_tcounters(g_shm.hdr, g_tid_a);
	struct sl_transport_counters *cb = sl_shm_tcounters(g_shm.hdr, g_tid_b);
	ca->rx_pkts = 100;
	ca->rx_bytes = 123456;
	ca->rx_bps = 64000;
	ca->rtp_lost = 3;
	ca->nack_out = 2;
	ca->pli_out = 1;
	cb->tx_pkts = 90;
	cb->tx_bps = 48000;
	cb->rtt_us = 12500;
	cb->remote_lost = 7;
	cb->nack_in = 4;
	cb->rtx_out = 3;
	cb->rtx_miss = 1;
	cb->pli_in = 2;
	cb->pli_suppressed = 1;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_STREAM_STATS;
	m.h.transport_id = g_tid_a;
	m.u.stream_stats = (struct sl_msg_stream_stats){.producer_id = pid,
		.consumer_id = SL_INVALID_ID, .packets = 100, .bytes = 120000, .lost = 3,
		.jitter = 11, .bitrate_bps = 64000};
	push_event(g_lc_a, &m);
	m.h.transport_id = g_tid_b;
	m.u.stream_stats = (struct sl_msg_stream_stats){.producer_id = pid, .consumer_id = cid,
		.packets = 90, .bytes = 110000, .lost = 7, .jitter = 22, .rtt_us = 12500,
		.bitrate_bps = 48000};
	push_event(g_lc_b, &m);
	pump(2);

	json_t *r = req(A, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	CHECK_EQ(json_array_size(json_object_get(json_object_get(r, "stats"), "peerStats")), 2);
	json_t *pa = stats_peer(r, "alice"), *pb = stats_peer(r, "bob");
	CHECK(pa && pb);
	if (pa && pb) {
		CHECK_EQ(json_array_size(json_object_get(pa, "transports")), 1);
		const struct want wa[] = {
			WANT_S("transports.0.id", sget(g_ta, "transport.id")),
			WANT_S("transports.0.direction", "send"),
			WANT_S("transports.0.iceState", "completed"),
			WANT_S("transports.0.dtlsState", "connected"),
			WANT_I("transports.0.rxPackets", 100),
			WANT_I("transports.0.rxBytes", 123456),
			WANT_I("transports.0.rxBitrate", 64000),
			WANT_I("transports.0.packetsLost", 3),
			WANT_I("transports.0.nackOut", 2),
			WANT_I("transports.0.pliOut", 1),
		};
		check_wants(pa, wa, sizeof(wa) / sizeof(wa[0]));
		json_t *t0 = json_array_get(json_object_get(pa, "transports"), 0);
		CHECK(json_is_null(json_object_get(t0, "rttMs")));
		const struct want wpa[] = {
			WANT_S("producers.0.id", sget(g_prod, "producerId")),
			WANT_S("producers.0.kind", "audio"),
			WANT_I("producers.0.ssrc", 11111111),
			WANT_I("producers.0.bitrate", 64000),
			WANT_I("producers.0.packets", 100),
			WANT_I("producers.0.bytes", 120000),
			WANT_I("producers.0.lost", 3),
			WANT_I("producers.0.jitter", 11),
		};
		check_wants(pa, wpa, sizeof(wpa) / sizeof(wpa[0]));
		CHECK_EQ(json_array_size(json_object_get(pa, "consumers")), 0);

		const struct want wb[] = {
			WANT_S("transports.0.id", sget(g_tb, "transport.id")),
			WANT_S("transports.0.direction", "recv"),
			WANT_I("transports.0.txPackets", 90),
			WANT_I("transports.0.txBitrate", 48000),
			WANT_I("transports.0.remotePacketsLost", 7),
			WANT_I("transports.0.nackIn", 4),
			WANT_I("transports.0.rtxOut", 3),
			WANT_I("transports.0.rtxMiss", 1),
			WANT_I("transports.0.pliIn", 2),
			WANT_I("transports.0.pliSuppressed", 1),
		};
		check_wants(pb, wb, sizeof(wb) / sizeof(wb[0]));
		json_t *t1 = json_array_get(json_object_get(pb, "transports"), 0);
		CHECK(json_real_value(json_object_get(t1, "rttMs")) == 12.5);
		CHECK_EQ(json_array_size(json_object_get(pb, "producers")), 0);
		const struct want wcb[] = {
			WANT_S("consumers.0.id", sget(g_cons, "consumer.id")),
			WANT_S("consumers.0.producerId", sget(g_prod, "producerId")),
			WANT_S("consumers.0.kind", "audio"),
			WANT_I("consumers.0.bitrate", 48000),
			WANT_I("consumers.0.packets", 90),
			WANT_I("consumers.0.lost", 7),
			WANT_I("consumers.0.jitter", 22),
		};
		check_wants(pb, wcb, sizeof(wcb) / sizeof(wcb[0]));
		json_t *c0 = json_array_get(json_object_get(pb, "consumers"), 0);
		CHECK(json_real_value(json_object_get(c0, "rttMs")) == 12.5);
		/* transportList carries the same figures */
		json_t *tl = stats_transport(r, sget(g_tb, "transport.id"));
		CHECK(tl && iget(tl, "remotePacketsLost") == 7 &&
		      json_real_value(json_object_get(tl, "rttMs")) == 12.5);
	}

	struct cp_buf mb = {0};
	cp_signal_metrics(g_sig, &mb);
	const char *ida = pa ? sget(pa, "peerId") : "", *idb = pb ? sget(pb, "peerId") : "";
	const char *ta = sget(g_ta, "transport.id"), *tb = sget(g_tb, "transport.id");
	const struct {
		const char *name, *rest;
		int b; /* bob's recv transport, else alice's send transport */
	} lines[] = {
		{"sluice_transport_ice_state", ",state=\"completed\"} 1", 0},
		{"sluice_transport_dtls_state", ",state=\"connected\"} 1", 0},
		{"sluice_transport_rx_bitrate_bps", "} 64000", 0},
		{"sluice_transport_packets_lost_total", "} 3", 0},
		{"sluice_transport_nack_out_total", "} 2", 0},
		{"sluice_transport_tx_bitrate_bps", "} 48000", 1},
		{"sluice_transport_remote_packets_lost", "} 7", 1},
		{"sluice_transport_rtt_seconds", "} 0.012500", 1},
		{"sluice_transport_rtx_miss_total", "} 1", 1},
		{"sluice_transport_pli_suppressed_total", "} 1", 1},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int ok = lines[i].b ? metric_has(mb.data, lines[i].name, idb, tb, "recv", lines[i].rest)
				    : metric_has(mb.data, lines[i].name, ida, ta, "send", lines[i].rest);
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  no line %s ...%s\n", lines[i].name, lines[i].rest);
	}
	/* no RTT measured on A's transport: no series */
	char absent[256];
	snprintf(absent, sizeof(absent), "sluice_transport_rtt_seconds{room=\"core-room\",peer=\"%s\"",
		 ida);
	CHECK(mb.data && !strstr(mb.data, absent));
	CHECK(mb.data && strstr(mb.data, "# TYPE sluice_transport_packets_lost_total counter\n"));
	cp_buf_free(&mb);
	json_decref(r);
	memset(ca, 0, sizeof(*ca));
	memset(cb, 0, sizeof(*cb));
}

static void scenario_dtls_mismatch(void)
{
	/* B's recv transport: the fingerprint B signals is not the browser's */
	struct browser *b = browser_new(g_tid_b, g_lc_b);
	CHECK_EQ(cp_dtls_set_remote(b->d, "auto", "sha-256",
				    sget(g_tb, "transport.dtlsParameters.fingerprints.0.value")),
		 0);
	json_t *r = req(B, "mediasoup:connect-transport",
			"{\"transportId\":\"%s\",\"dtlsParameters\":{\"role\":\"client\","
			"\"fingerprints\":[{\"algorithm\":\"sha-256\",\"value\":\"%s\"}]}}",
			sget(g_tb, "transport.id"),
			"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:"
			"88:99:AA:BB:CC:DD:EE:FF");
	uint32_t from = g_log.n;
	int before = events_named(B, "mediasoup:consumer-closed");
	int a_before = (int)json_array_size(A->events);
	/* either refused at once (handshake already done) or closed during it */
	CHECK(!strcmp(code_of(r), "OK") || !strcmp(code_of(r), "BAD_REQUEST"));
	json_decref(r);
	pump(30);
	CHECK(!b->connected || g_keys_count == 1); /* no keys for this transport */
	CHECK_EQ(g_keys_count, 1);
	int k = log_last(SL_MSG_TRANSPORT_DESTROY, 0);
	CHECK(k >= 0 && g_log.tid[k] == g_tid_b);
	(void)from;
	/* B's consumer lived on it: B is told (the server closed it), A is not */
	CHECK_EQ(events_named(B, "mediasoup:consumer-closed"), before + 1);
	CHECK_EQ((int)json_array_size(A->events), a_before);
	r = req(B, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	CHECK(stats_transport(r, sget(g_tb, "transport.id")) == NULL);
	CHECK_EQ(iget(r, "stats.consumers"), 0);
	json_decref(r);
	browser_free(b);
}

static void scenario_dtls_timeout(void)
{
	uint32_t tid;
	unsigned lc;
	json_t *t = create_transport(B, "recv", &tid, &lc);
	/* remote role "server": we are the client and send the ClientHello */
	uint32_t from = g_log.n;
	json_t *r = req(B, "mediasoup:connect-transport",
			"{\"transportId\":\"%s\",\"dtlsParameters\":{\"role\":\"server\","
			"\"fingerprints\":[{\"algorithm\":\"sha-256\",\"value\":\"%s\"}]}}",
			sget(t, "transport.id"), cp_dtls_cert_fingerprint(g_browser_cert));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	CHECK(log_count(SL_MSG_SEND_PACKET, from) >= 1); /* the ClientHello */
	/* nobody answers: the deadline (2 s on our clock) closes it. (OpenSSL's
	 * retransmission timer runs on real time, so this logical clock cannot
	 * show retransmissions; test_dtls covers them.) */
	for (int i = 0; i < 19; i++) {
		g_now += 100;
		pump(1);
	}
	CHECK_EQ(log_count(SL_MSG_TRANSPORT_DESTROY, from), 0); /* not yet */
	for (int i = 0; i < 3; i++) {
		g_now += 100;
		pump(1);
	}
	int k = log_last(SL_MSG_TRANSPORT_DESTROY, from);
	CHECK(k >= 0 && g_log.tid[k] == tid);
	r = req(B, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	CHECK(stats_transport(r, sget(t, "transport.id")) == NULL);
	json_decref(r);
	json_decref(t);
}

static void scenario_close_producer(void)
{
	/* B gets a new recv transport and consumes A's producer again */
	uint32_t tid;
	unsigned lc;
	json_t *t = create_transport(B, "recv", &tid, &lc);
	char *caps = json_dumps(g_caps, JSON_COMPACT);
	json_t *c = req(B, "mediasoup:consume",
			"{\"producerPeerId\":\"%s\",\"producerId\":\"%s\",\"rtpCapabilities\":%s}",
			sget(last_event(B, "mediasoup:new-producer"), "peerId"),
			sget(g_prod, "producerId"), caps);
	free(caps);
	CHECK(!strcmp(code_of(c), "OK"));
	CHECK(!strcmp(sget(c, "consumer.rtpParameters.mid"), "0")); /* per transport */
	json_t *r = req(B, "mediasoup:close-producer", "{\"producerId\":\"%s\"}",
			sget(g_prod, "producerId"));
	CHECK(!strcmp(code_of(r), "NOT_FOUND")); /* only the owner closes it */
	json_decref(r);
	uint32_t from = g_log.n;
	int cc = events_named(B, "mediasoup:consumer-closed");
	int pc = events_named(B, "mediasoup:producer-closed");
	int a_events = (int)json_array_size(A->events);
	r = req(A, "mediasoup:close-producer", "{\"producerId\":\"%s\"}",
		sget(g_prod, "producerId"));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_REMOVE, from), 1);
	CHECK_EQ(log_count(SL_MSG_PRODUCER_REMOVE, from), 1);
	CHECK_EQ(events_named(B, "mediasoup:consumer-closed"), cc + 1);
	CHECK_EQ(events_named(B, "mediasoup:producer-closed"), pc + 1);
	json_t *ev = last_event(B, "mediasoup:consumer-closed");
	CHECK(ev && !strcmp(sget(ev, "consumerId"), sget(c, "consumer.id")));
	CHECK_EQ((int)json_array_size(A->events), a_events); /* the cause hears nothing */
	json_decref(c);
	json_decref(t);
}

static void scenario_dp_restart(void)
{
	/* A produces again, B consumes: then the data plane disappears */
	char params[2048], *caps = json_dumps(g_caps, JSON_COMPACT);
	snprintf(params, sizeof(params), AUDIO_PARAMS, 22222222u);
	json_t *p = req(A, "mediasoup:produce",
			"{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":%s}",
			sget(g_ta, "transport.id"), params);
	CHECK(!strcmp(code_of(p), "OK"));
	json_t *c = req(B, "mediasoup:consume",
			"{\"producerPeerId\":\"%s\",\"producerId\":\"%s\",\"rtpCapabilities\":%s}",
			sget(last_event(B, "mediasoup:new-producer"), "peerId"),
			sget(p, "producerId"), caps);
	CHECK(!strcmp(code_of(c), "OK"));
	int a_pc = events_named(A, "mediasoup:producer-closed");
	int b_pc = events_named(B, "mediasoup:producer-closed");
	int b_cc = events_named(B, "mediasoup:consumer-closed");
	pump(2);
	dp_shm_destroy(&g_shm);
	pump(2);
	CHECK(!g_dp.attached);
	CHECK_EQ(events_named(A, "mediasoup:producer-closed"), a_pc + 1); /* server-caused */
	CHECK_EQ(events_named(B, "mediasoup:producer-closed"), b_pc + 1);
	CHECK_EQ(events_named(B, "mediasoup:consumer-closed"), b_cc + 1);
	json_t *r = req(A, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	CHECK_EQ(iget(r, "stats.peers"), 2); /* peers stay joined */
	CHECK_EQ(iget(r, "stats.transports"), 0);
	json_decref(r);
	r = req(A, "mediasoup:create-transport", "{\"direction\":\"send\"}");
	CHECK(!strcmp(code_of(r), "OVERLOADED"));
	CHECK(strstr(sget(r, "error"), "data plane") != NULL);
	json_decref(r);
	/* a new data plane that still holds transports (as if a previous
	 * control plane had made them): every id of that lcore is destroyed
	 * before create-transport is served again */
	CHECK_EQ(create_segment(), 0);
	sl_shm_lcore(g_shm.hdr, 0)->counters.transports = 2;
	for (int i = 0; i < 50 && !g_dp.ready; i++) {
		g_dp.next_try_ns = 0;
		cp_dp_tick(&g_dp);
		if (!g_dp.ready)
			dp_poll();
	}
	CHECK(g_dp.ready);
	r = req(A, "mediasoup:create-transport", "{\"direction\":\"send\"}");
	CHECK(!strcmp(code_of(r), "OVERLOADED"));
	CHECK(strstr(sget(r, "error"), "cleaned up") != NULL);
	json_decref(r);
	uint32_t from = g_log.n;
	pump(3);
	uint32_t d0 = 0, d1 = 0;
	for (uint32_t i = from; i < g_log.n; i++)
		if (g_log.type[i] == SL_MSG_TRANSPORT_DESTROY) {
			d0 += g_log.lcore[i] == 0;
			d1 += g_log.lcore[i] == 1;
			CHECK_EQ(g_log.msg[i].h.seq, 0); /* no results wanted */
		}
	CHECK_EQ(d0, MAX_T); /* every id of the lcore that held transports */
	CHECK_EQ(d1, 0);
	uint32_t tid;
	unsigned lc;
	json_t *t = create_transport(A, "send", &tid, &lc);
	CHECK(!strcmp(code_of(t), "OK"));
	json_decref(t);
	json_decref(p);
	json_decref(c);
	free(caps);
}

static void scenario_leave(void)
{
	int b_left = events_named(B, "mediasoup:peer-left");
	uint32_t from = g_log.n;
	json_t *r = req(A, "mediasoup:leave", "{}");
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_TRANSPORT_DESTROY, from), 1);
	CHECK_EQ(events_named(B, "mediasoup:peer-left"), b_left + 1);
	r = req(A, "mediasoup:leave", "{}");
	CHECK(!strcmp(code_of(r), "OK")); /* not joined: still a success */
	json_decref(r);
	r = req(B, "mediasoup:leave", "{}");
	json_decref(r);
	r = req(A, "mediasoup:get-room-stats", "{\"channelId\":\"core-room\"}");
	CHECK(!strcmp(code_of(r), "NOT_FOUND")); /* the room closed */
	json_decref(r);
}

/* 1 when the answer r is an error whose message contains sub. */
static int err_has(json_t *r, const char *sub)
{
	const char *e = sget(r, "error");
	return e && strstr(e, sub) != NULL;
}

/* The value of sluice_signal_limit_total{limit="<limit>"}, -1 if absent. */
static long long limit_count(const char *limit)
{
	struct cp_buf mb = {0};
	char key[128];
	long long v = -1;
	cp_signal_metrics(g_sig, &mb);
	snprintf(key, sizeof(key), "\nsluice_signal_limit_total{limit=\"%s\"} ", limit);
	const char *at = mb.data ? strstr(mb.data, key) : NULL;
	if (at)
		v = strtoll(at + strlen(key), NULL, 10);
	cp_buf_free(&mb);
	return v;
}

/* A produce of audio on transport tid_json with this ssrc; app_data and
 * codec_params are JSON texts. The answer (new reference). */
static json_t *produce_audio(struct conn *c, const char *transport_id, uint32_t ssrc,
			     const char *codec_params, const char *app_data)
{
	char params[4096];
	snprintf(params, sizeof(params),
		 "{\"codecs\":[{\"mimeType\":\"audio/opus\",\"payloadType\":111,\"clockRate\":"
		 "48000,\"channels\":2,\"parameters\":%s,\"rtcpFeedback\":[]}],"
		 "\"headerExtensions\":[],\"encodings\":[{\"ssrc\":%u}],\"rtcp\":{\"cname\":"
		 "\"lim\"},\"mid\":\"0\"}", codec_params, ssrc);
	return req(c, "mediasoup:produce",
		   "{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":%s,\"appData\":%s}",
		   transport_id, params, app_data);
}

static json_t *consume(struct conn *c, struct conn *owner, const char *producer_id)
{
	char *caps = json_dumps(g_caps, JSON_COMPACT);
	json_t *r = req(c, "mediasoup:consume",
			"{\"producerPeerId\":\"%s\",\"producerId\":\"%s\",\"rtpCapabilities\":%s}",
			owner->peer->id, producer_id, caps);
	free(caps);
	return r;
}

/* A JSON string of n 'x' characters (quotes included) in buf. */
static const char *big_string(char *buf, size_t n)
{
	buf[0] = '"';
	memset(buf + 1, 'x', n);
	buf[n + 1] = '"';
	buf[n + 2] = '\0';
	return buf;
}

/* Per-peer limits: one consumer per producer per peer, max_consumers_per_peer,
 * max_producers_per_transport, appData and codec parameters sizes. A refused
 * request programs nothing and is counted by its limit. */
static void scenario_limits(void)
{
	struct conn *C = conn_new("sockC", "carol"), *D = conn_new("sockD", "dave");
	json_t *r, *p[4], *c[3];
	char big[6000], tmp[5200];
	uint32_t tid;
	unsigned lc;
	json_decref(req(C, "mediasoup:join", "{\"channelId\":\"limits-room\"}"));
	json_decref(req(D, "mediasoup:join", "{\"channelId\":\"limits-room\"}"));
	json_t *tc = create_transport(C, "send", &tid, &lc);
	json_t *td = create_transport(D, "recv", &tid, &lc);
	const char *tcid = sget(tc, "transport.id");
	g_cfg.max_producers_per_transport = 3;
	g_cfg.max_consumers_per_peer = 2;
	pump(2);
	uint32_t from = g_log.n;

	/* appData and codec parameters over their caps (defaults 4096, 1024) */
	snprintf(big, sizeof(big), "{\"note\":%s}", big_string(tmp, 4100));
	r = produce_audio(C, tcid, 3000, "{}", big);
	CHECK(!strcmp(code_of(r), "BAD_REQUEST") && err_has(r, "appData"));
	json_decref(r);
	snprintf(big, sizeof(big), "{\"x-long\":%s}", big_string(tmp, 1100));
	r = produce_audio(C, tcid, 3000, big, "{}");
	CHECK(!strcmp(code_of(r), "BAD_REQUEST") && err_has(r, "parameters"));
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_PRODUCER_ADD, from), 0);
	/* just under the caps is fine */
	snprintf(big, sizeof(big), "{\"note\":%s}", big_string(tmp, 4000));
	p[0] = produce_audio(C, tcid, 3001, "{\"useinbandfec\":1}", big);
	CHECK(!strcmp(code_of(p[0]), "OK"));
	p[1] = produce_audio(C, tcid, 3002, "{}", "null");
	p[2] = produce_audio(C, tcid, 3003, "{}", "{}");
	CHECK(!strcmp(code_of(p[1]), "OK") && !strcmp(code_of(p[2]), "OK"));
	/* the fourth producer of the transport */
	p[3] = produce_audio(C, tcid, 3004, "{}", "{}");
	CHECK(!strcmp(code_of(p[3]), "BAD_REQUEST"));
	CHECK(err_has(p[3], "max_producers_per_transport"));
	pump(2);
	CHECK_EQ(log_count(SL_MSG_PRODUCER_ADD, from), 3);

	/* one consumer per producer per peer */
	from = g_log.n;
	c[0] = consume(D, C, sget(p[0], "producerId"));
	CHECK(!strcmp(code_of(c[0]), "OK"));
	r = consume(D, C, sget(p[0], "producerId"));
	CHECK(!strcmp(code_of(r), "BAD_REQUEST") && err_has(r, "already consumes"));
	json_decref(r);
	/* max_consumers_per_peer (2) */
	c[1] = consume(D, C, sget(p[1], "producerId"));
	CHECK(!strcmp(code_of(c[1]), "OK"));
	c[2] = consume(D, C, sget(p[2], "producerId"));
	CHECK(!strcmp(code_of(c[2]), "BAD_REQUEST"));
	CHECK(err_has(c[2], "max_consumers_per_peer"));
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_ADD, from), 2);
	/* closing a producer closes D's consumer of it: a place is free again */
	json_decref(req(C, "mediasoup:close-producer", "{\"producerId\":\"%s\"}",
			sget(p[0], "producerId")));
	json_decref(c[2]);
	c[2] = consume(D, C, sget(p[2], "producerId"));
	CHECK(!strcmp(code_of(c[2]), "OK"));
	pump(2);

	CHECK_EQ(limit_count("max_app_data_bytes"), 1);
	CHECK_EQ(limit_count("max_codec_parameters_bytes"), 1);
	CHECK_EQ(limit_count("max_producers_per_transport"), 1);
	CHECK_EQ(limit_count("one_consumer_per_producer"), 1);
	CHECK_EQ(limit_count("max_consumers_per_peer"), 1);
	CHECK_EQ(limit_count("token_exp"), 0);
	/* the room limits count in the same family */
	struct conn *G = conn_new("sockG", "gina");
	g_cfg.max_peers_per_room = 2;
	r = req(G, "mediasoup:join", "{\"channelId\":\"limits-room\"}");
	CHECK(!strcmp(code_of(r), "ROOM_FULL"));
	json_decref(r);
	g_cfg.max_rooms = 1;
	r = req(G, "mediasoup:join", "{\"channelId\":\"another-room\"}");
	CHECK(!strcmp(code_of(r), "OVERLOADED"));
	json_decref(r);
	CHECK_EQ(limit_count("max_peers_per_room"), 1);
	CHECK_EQ(limit_count("max_rooms"), 1);
	g_cfg.max_peers_per_room = 500;
	g_cfg.max_rooms = 10000;
	conn_free(G);
	g_cfg.max_producers_per_transport = 32;
	g_cfg.max_consumers_per_peer = 400;
	json_decref(req(C, "mediasoup:leave", "{}"));
	json_decref(req(D, "mediasoup:leave", "{}"));
	pump(2);
	for (int i = 0; i < 4; i++)
		json_decref(p[i]);
	for (int i = 0; i < 3; i++)
		json_decref(c[i]);
	json_decref(tc);
	json_decref(td);
	conn_free(C);
	conn_free(D);
}

/* Counts of the close commands sent since from (nothing may be closed by a
 * token's expiry). */
static uint32_t closes_since(uint32_t from)
{
	return log_count(SL_MSG_TRANSPORT_DESTROY, from) + log_count(SL_MSG_PRODUCER_REMOVE, from) +
	       log_count(SL_MSG_CONSUMER_REMOVE, from);
}

/* Token lifetime: E's token lives 60 s, F's an hour. Past E's exp nothing
 * new is created for E, nothing of E's is closed, its consumer can still be
 * paused and resumed; a fresh token of the same user renews the session. */
static void scenario_token_expiry(void)
{
	struct conn *E = conn_new_life("sockE", "erin", 60), *F = conn_new("sockF", "frank");
	uint32_t tid;
	unsigned lc;
	char tok[1024];
	json_t *r;
	json_decref(req(E, "mediasoup:join", "{\"channelId\":\"exp-room\"}"));
	json_decref(req(F, "mediasoup:join", "{\"channelId\":\"exp-room\"}"));
	json_t *te = create_transport(E, "send", &tid, &lc);
	json_t *tre = create_transport(E, "recv", &tid, &lc);
	json_t *tf = create_transport(F, "send", &tid, &lc);
	json_t *pe = produce_audio(E, sget(te, "transport.id"), 4001, "{}", "{}");
	json_t *pf = produce_audio(F, sget(tf, "transport.id"), 4002, "{}", "{}");
	json_t *ce = consume(E, F, sget(pf, "producerId"));
	CHECK(!strcmp(code_of(pe), "OK") && !strcmp(code_of(pf), "OK"));
	CHECK(!strcmp(code_of(ce), "OK"));
	/* 59 s later E still creates */
	g_now += 59000;
	g_wall += 59000;
	pump(2);
	json_t *pe2 = produce_audio(E, sget(te, "transport.id"), 4003, "{}", "{}");
	CHECK(!strcmp(code_of(pe2), "OK"));

	/* past exp */
	g_now += 2000;
	g_wall += 2000;
	pump(2);
	uint32_t from = g_log.n;
	int e_events = (int)json_array_size(E->events);
	int f_events = (int)json_array_size(F->events);
	json_t *pf2 = produce_audio(F, sget(tf, "transport.id"), 4004, "{}", "{}");
	CHECK(!strcmp(code_of(pf2), "OK")); /* F's token is fine */
	const char *creating[][2] = {
		{"mediasoup:create-transport", "{\"direction\":\"send\"}"},
		{"mediasoup:join", "{\"channelId\":\"exp-room\"}"},
	};
	for (size_t i = 0; i < sizeof(creating) / sizeof(creating[0]); i++) {
		r = req(E, creating[i][0], "%s", creating[i][1]);
		CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
		CHECK(err_has(r, "expired"));
		CHECK_EQ(json_object_size(r), 2);
		json_decref(r);
	}
	r = req(E, "mediasoup:connect-transport",
		"{\"transportId\":\"%s\",\"dtlsParameters\":{\"fingerprints\":[{\"algorithm\":"
		"\"sha-256\",\"value\":\"%s\"}]}}", sget(tre, "transport.id"),
		cp_dtls_cert_fingerprint(g_browser_cert));
	CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
	json_decref(r);
	r = produce_audio(E, sget(te, "transport.id"), 4005, "{}", "{}");
	CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
	json_decref(r);
	r = consume(E, F, sget(pf2, "producerId"));
	CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
	json_decref(r);
	CHECK_EQ(limit_count("token_exp"), 5);
	/* what exists keeps working: the consumer pauses and resumes */
	r = req(E, "mediasoup:pause-consumer", "{\"consumerId\":\"%s\"}", sget(ce, "consumer.id"));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	r = req(E, "mediasoup:resume-consumer", "{\"consumerId\":\"%s\"}", sget(ce, "consumer.id"));
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_PAUSE, from), 1);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_RESUME, from), 1);
	CHECK_EQ(log_count(SL_MSG_TRANSPORT_CREATE, from), 0);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_ADD, from), 0);
	CHECK_EQ(log_count(SL_MSG_PRODUCER_ADD, from), 1); /* F's */
	CHECK_EQ(closes_since(from), 0);
	/* E heard nothing; F only about nothing of E's (no producer-closed) */
	CHECK_EQ((int)json_array_size(E->events), e_events + 1); /* F's new-producer */
	CHECK_EQ((int)json_array_size(F->events), f_events);
	r = req(F, "mediasoup:get-room-stats", "{\"channelId\":\"exp-room\"}");
	CHECK_EQ(iget(r, "stats.producers"), 4);
	CHECK_EQ(iget(r, "stats.consumers"), 1);
	CHECK_EQ(iget(r, "stats.transports"), 3);
	json_decref(r);

	/* renewal: an expired token and another user's are refused */
	mint(tok, sizeof(tok), "erin", -1);
	r = req(E, "authenticate", "{\"token\":\"%s\"}", tok);
	CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
	json_decref(r);
	mint(tok, sizeof(tok), "mallory", 3600);
	r = req(E, "authenticate", "{\"token\":\"%s\"}", tok);
	CHECK(!strcmp(code_of(r), "FORBIDDEN"));
	json_decref(r);
	r = req(E, "mediasoup:create-transport", "{\"direction\":\"send\"}");
	CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
	json_decref(r);
	/* a fresh token of erin: creating works again */
	mint(tok, sizeof(tok), "erin", 120);
	r = req(E, "authenticate", "{\"token\":\"%s\"}", tok);
	CHECK(!strcmp(code_of(r), "OK") && !strcmp(sget(r, "userId"), "erin"));
	json_decref(r);
	from = g_log.n;
	json_t *te2 = create_transport(E, "send", &tid, &lc);
	CHECK(!strcmp(code_of(te2), "OK"));
	json_t *ce2 = consume(E, F, sget(pf2, "producerId"));
	CHECK(!strcmp(code_of(ce2), "OK"));
	pump(2);
	CHECK_EQ(log_count(SL_MSG_CONSUMER_ADD, from), 1);
	/* the renewed session ends at the new exp (120 s), on the same clock */
	g_now += 121000;
	g_wall += 121000;
	r = produce_audio(E, sget(te2, "transport.id"), 4006, "{}", "{}");
	CHECK(!strcmp(code_of(r), "UNAUTHENTICATED"));
	json_decref(r);
	CHECK_EQ(limit_count("token_exp"), 7);

	json_decref(req(E, "mediasoup:leave", "{}"));
	json_decref(req(F, "mediasoup:leave", "{}"));
	pump(2);
	json_t *all[] = {te, tre, tf, pe, pf, ce, pe2, pf2, te2, ce2};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		json_decref(all[i]);
	conn_free(E);
	conn_free(F);
}

/* dtls_cert / dtls_key: the certificate is loaded from PEM files and its
 * sha-256 fingerprint is the one signalled; unreadable files stop start-up
 * with a message naming them. */
/* ------------------------------------------------------------------ */
/* Active speaker (cp_audio.c + cp_speaker.c)                          */
/* ------------------------------------------------------------------ */

/* An audio producer with the ssrc-audio-level extension (id 1) on a new
 * send transport of c. Its producerId into id_out; returns its data-plane
 * producer id (PRODUCER_ADD carries the negotiated extension id). */
static uint32_t speaker_produce(struct conn *c, uint32_t ssrc, char *id_out, size_t cap)
{
	uint32_t tid;
	unsigned lc;
	json_t *t = create_transport(c, "send", &tid, &lc);
	char params[2048];
	snprintf(params, sizeof(params),
		 "{\"codecs\":[{\"mimeType\":\"audio/opus\",\"payloadType\":111,\"clockRate\":"
		 "48000,\"channels\":2,\"parameters\":{},\"rtcpFeedback\":[]}],"
		 "\"headerExtensions\":[{\"uri\":\"urn:ietf:params:rtp-hdrext:ssrc-audio-level\","
		 "\"id\":1,\"encrypt\":false,\"parameters\":{}}],\"encodings\":[{\"ssrc\":%u}],"
		 "\"rtcp\":{\"cname\":\"spk\"},\"mid\":\"0\"}", ssrc);
	uint32_t from = g_log.n;
	json_t *r = req(c, "mediasoup:produce",
			"{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":%s}",
			sget(t, "transport.id"), params);
	CHECK(!strcmp(code_of(r), "OK"));
	snprintf(id_out, cap, "%s", sget(r, "producerId"));
	pump(2);
	int k = log_last(SL_MSG_PRODUCER_ADD, from);
	CHECK(k >= 0);
	CHECK(k >= 0 && g_log.msg[k].u.producer_add.ext.audio_level == 1);
	json_decref(r);
	json_decref(t);
	return k >= 0 ? g_log.msg[k].u.producer_add.producer_id : 0;
}

/* One report interval: 300 ms later, an SL_MSG_AUDIO_LEVELS from lcore 0
 * with 15 packets per entry at these levels (-dBov; < 0: no entry), then
 * one pump (the event is handled before the tick that decides). */
static void speaker_round(const uint32_t *pid, const int *level, unsigned int n)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_AUDIO_LEVELS;
	m.h.transport_id = SL_INVALID_ID;
	m.u.audio_levels.interval_ms = 300;
	for (unsigned int i = 0; i < n; i++) {
		if (level[i] < 0)
			continue;
		struct sl_level_entry *e = &m.u.audio_levels.e[m.u.audio_levels.n++];
		e->producer_id = pid[i];
		e->packets = 15;
		e->voice = 15;
		e->level = (uint8_t)level[i];
		e->loudest = (uint8_t)level[i];
	}
	g_now += 300;
	if (m.u.audio_levels.n)
		push_event(0, &m);
	pump(1);
}

/* The active-speaker notification names the loud producer, goes to every
 * peer of its room (the speaker too) and to nobody else, does not flap
 * (a louder newcomer takes over only after consecutive wins), and a closed
 * speaker is replaced at the next decision. */
static void scenario_speaker(void)
{
	struct conn *E = conn_new("sockE", "erin"), *F = conn_new("sockF", "frank");
	struct conn *G = conn_new("sockG", "grace");
	json_decref(req(E, "mediasoup:join", "{\"channelId\":\"speak-room\"}"));
	json_decref(req(F, "mediasoup:join", "{\"channelId\":\"speak-room\"}"));
	json_decref(req(G, "mediasoup:join", "{\"channelId\":\"quiet-room\"}"));
	char prod_e[64], prod_f[64];
	uint32_t pid[3];
	pid[0] = speaker_produce(E, 7001, prod_e, sizeof(prod_e));
	pid[1] = speaker_produce(F, 7002, prod_f, sizeof(prod_f));
	pid[2] = pid[0] + pid[1] + 100; /* no such producer: ignored */
	const char *AS = "mediasoup:active-speaker";

	/* E talks at -20 dBov, F is near silent: E at the first decision */
	int l1[3] = {20, 110, 5};
	speaker_round(pid, l1, 3);
	CHECK_EQ(events_named(E, AS), 1);
	CHECK_EQ(events_named(F, AS), 1);
	json_t *n = last_event(F, AS);
	CHECK(n && !strcmp(sget(n, "producerId"), prod_e));
	CHECK(n && !strcmp(sget(n, "peerId"), E->peer->id));
	CHECK(n && json_is_integer(json_object_get(n, "volume")) && iget(n, "volume") == -20);
	CHECK(n && json_object_size(n) == 3);
	/* steady: nothing more */
	for (int i = 0; i < 5; i++)
		speaker_round(pid, l1, 3);
	CHECK_EQ(events_named(F, AS), 1);

	/* F louder (-6) while E goes on at -30: not at once, then F */
	int l2[3] = {30, 6, -1};
	speaker_round(pid, l2, 3);
	CHECK_EQ(events_named(E, AS), 1); /* one interval does not switch */
	int rounds = 1;
	while (events_named(E, AS) == 1 && rounds < 20) {
		speaker_round(pid, l2, 3);
		rounds++;
	}
	CHECK(rounds >= 2 && rounds < 20);
	CHECK_EQ(events_named(E, AS), 2);
	CHECK_EQ(events_named(F, AS), 2);
	n = last_event(E, AS);
	CHECK(n && !strcmp(sget(n, "producerId"), prod_f));
	CHECK(n && !strcmp(sget(n, "peerId"), F->peer->id));
	CHECK(n && iget(n, "volume") < -5 && iget(n, "volume") > -30);

	/* F closes its producer: E (still talking) at the next decision */
	json_t *r = req(F, "mediasoup:close-producer", "{\"producerId\":\"%s\"}", prod_f);
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(2);
	speaker_round(pid, l2, 3); /* F's id is unknown now: ignored */
	CHECK_EQ(events_named(E, AS), 3);
	CHECK_EQ(events_named(F, AS), 3);
	n = last_event(F, AS);
	CHECK(n && !strcmp(sget(n, "producerId"), prod_e));
	CHECK(n && iget(n, "volume") == -30);
	/* another room hears nothing */
	CHECK_EQ(events_named(G, AS), 0);
	conn_free(E);
	conn_free(F);
	conn_free(G);
	pump(2);
}

static void scenario_cert_files(const struct cp_signal_io *io)
{
	char cert_path[64], key_path[64], err[512];
	snprintf(cert_path, sizeof(cert_path), "/tmp/sl-sigcert-%d.pem", (int)getpid());
	snprintf(key_path, sizeof(key_path), "/tmp/sl-sigkey-%d.pem", (int)getpid());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	CHECK(key && x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"sluice-test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	CHECK(X509_sign(x, key, EVP_sha256()) > 0);
	FILE *f = fopen(cert_path, "w");
	PEM_write_X509(f, x);
	fclose(f);
	f = fopen(key_path, "w");
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	unsigned char md[32];
	unsigned int mdlen = 0;
	X509_digest(x, EVP_sha256(), md, &mdlen);
	char want[100] = "";
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%02X", i ? ":" : "",
			 md[i]);

	struct cp_config cfg;
	struct cp_dp dp;
	cp_config_defaults(&cfg);
	snprintf(cfg.jwt_secret, sizeof(cfg.jwt_secret), "%s", SECRET);
	snprintf(cfg.dtls_cert, sizeof(cfg.dtls_cert), "%s", cert_path);
	snprintf(cfg.dtls_key, sizeof(cfg.dtls_key), "%s", key_path);
	cp_dp_init(&dp, "/sl-sigcore-none", 1000, NULL);
	struct cp_signal *s = cp_signal_new(&cfg, &dp, io, err, sizeof(err));
	CHECK(s != NULL);
	if (s)
		CHECK(!strcmp(cp_dtls_cert_fingerprint(s->cert), want));
	cp_signal_free(s);
	snprintf(cfg.dtls_key, sizeof(cfg.dtls_key), "/nonexistent/key.pem");
	s = cp_signal_new(&cfg, &dp, io, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "/nonexistent/key.pem") != NULL);
	cp_signal_free(s);
	unlink(cert_path);
	unlink(key_path);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* A request whose answer must not come (the peer was removed). */
static void req_dropped(struct conn *c, const char *name)
{
	int64_t id = c->next_ack++;
	json_t *p = json_pack("{ss}", "channelId", "adm-room");
	cp_signal_event(g_sig, c->peer, name, p, id);
	json_decref(p);
	CHECK_EQ(json_object_size(c->acks), 0);
}

/* The operator removes a peer (it hears mediasoup:removed, its connection
 * is closed, the others hear producer-closed / consumer-closed / peer-left,
 * its requests go unanswered) and closes a room (every peer hears removed
 * and nothing else, all are closed, their transports destroyed). */
static void scenario_admin_remove(void)
{
	struct conn *c = conn_new("sockC", "carol"), *d = conn_new("sockD", "dave"),
		    *e = conn_new("sockE", "erin");
	struct conn *all[] = {c, d, e};
	for (int i = 0; i < 3; i++) {
		json_t *r = req(all[i], "mediasoup:join", "{\"channelId\":\"adm-room\"}");
		CHECK(!strcmp(code_of(r), "OK"));
		json_decref(r);
	}
	uint32_t tc, td;
	unsigned lc;
	json_t *t_c = create_transport(c, "send", &tc, &lc);
	json_t *t_d = create_transport(d, "recv", &td, &lc);
	json_t *pr = produce_audio(c, sget(t_c, "transport.id"), 424242u, "{}", "{}");
	CHECK(!strcmp(code_of(pr), "OK"));
	json_t *co = consume(d, c, sget(pr, "producerId"));
	CHECK(!strcmp(code_of(co), "OK"));

	json_t *rooms = cp_signal_admin_rooms(g_sig);
	json_t *room = cp_signal_admin_room(g_sig, "adm-room");
	json_t *it;
	size_t ix, seen = 0;
	json_array_foreach(json_object_get(rooms, "rooms"), ix, it)
		seen += !strcmp(sget(it, "channelId"), "adm-room") && iget(it, "peers") == 3;
	CHECK_EQ(seen, 1);
	CHECK_EQ(iget(room, "peers"), 3);
	CHECK_EQ(iget(room, "producers"), 1);
	CHECK_EQ(json_array_size(json_object_get(room, "peerStats")), 3);
	CHECK(cp_signal_admin_room(g_sig, "no-such-room") == NULL);
	json_decref(rooms);
	json_decref(room);

	char ch[160] = "?";
	uint32_t from = g_log.n;
	int c_events = (int)json_array_size(c->events);
	CHECK_EQ(cp_signal_remove_peer(g_sig, c->peer->id, "spam", ch, sizeof(ch)), 0);
	CHECK(!strcmp(ch, "adm-room"));
	CHECK_EQ(c->closed, 1);
	CHECK_EQ((int)json_array_size(c->events), c_events + 1); /* only removed */
	CHECK(!strcmp(sget(last_event(c, "mediasoup:removed"), "reason"), "spam"));
	CHECK(!strcmp(sget(last_event(d, "mediasoup:peer-left"), "peerId"), c->peer->id));
	CHECK(!strcmp(sget(last_event(e, "mediasoup:peer-left"), "peerId"), c->peer->id));
	CHECK(!strcmp(sget(last_event(e, "mediasoup:producer-closed"), "producerId"),
		      sget(pr, "producerId")));
	CHECK(!strcmp(sget(last_event(d, "mediasoup:consumer-closed"), "consumerId"),
		      sget(co, "consumer.id")));
	pump(2);
	CHECK_EQ(log_count(SL_MSG_TRANSPORT_DESTROY, from), 1);
	CHECK_EQ(log_count(SL_MSG_PRODUCER_REMOVE, from), 1);
	req_dropped(c, "mediasoup:join");
	CHECK_EQ(cp_signal_remove_peer(g_sig, c->peer->id, "again", NULL, 0), -ENOENT);
	conn_free(c); /* its disconnect arrives */

	int d_left = events_named(d, "mediasoup:peer-left");
	int e_left = events_named(e, "mediasoup:peer-left");
	from = g_log.n;
	CHECK_EQ(cp_signal_close_room(g_sig, "adm-room", "meeting over"), 2);
	CHECK_EQ(cp_signal_close_room(g_sig, "adm-room", "again"), -ENOENT);
	CHECK(cp_signal_admin_room(g_sig, "adm-room") == NULL);
	for (int i = 1; i < 3; i++) {
		CHECK_EQ(all[i]->closed, 1);
		CHECK(!strcmp(sget(last_event(all[i], "mediasoup:removed"), "reason"),
			      "meeting over"));
	}
	CHECK_EQ(events_named(d, "mediasoup:peer-left"), d_left);
	CHECK_EQ(events_named(e, "mediasoup:peer-left"), e_left);
	pump(2);
	CHECK_EQ(log_count(SL_MSG_TRANSPORT_DESTROY, from), 1); /* d's recv transport */
	req_dropped(d, "mediasoup:join");
	conn_free(d);
	conn_free(e);
	json_decref(t_c);
	json_decref(t_d);
	json_decref(pr);
	json_decref(co);

	struct cp_buf mb = {0};
	cp_signal_metrics(g_sig, &mb);
	CHECK(mb.data && strstr(mb.data, "sluice_admin_actions_total{action=\"close_room\"} 1\n"));
	CHECK(mb.data && strstr(mb.data, "sluice_admin_actions_total{action=\"remove_peer\"} 3\n"));
	CHECK(mb.data && strstr(mb.data, "sluice_admin_actions_total{action=\"pause_producer\"} 2\n"));
	cp_buf_free(&mb);
}

int main(void)
{
	snprintf(g_shm_name, sizeof(g_shm_name), "/sl-sigcore-%d", (int)getpid());
	if (create_segment() != 0)
		return 1;
	cp_config_defaults(&g_cfg);
	snprintf(g_cfg.jwt_secret, sizeof(g_cfg.jwt_secret), "%s", SECRET);
	g_cfg.dtls_timeout_ms = 2000;
	g_cfg.max_requests_per_sec = 100000;
	g_cfg.max_transports_per_peer = 4;
	CHECK_EQ(cp_dtls_cert_generate(&g_browser_cert), 0);

	struct cp_signal_io io = {.emit = io_emit, .ack = io_ack, .name = io_name, .now_ms = io_now,
				  .wall_ms = io_wall, .close = io_close};
	char err[256];
	cp_dp_init(&g_dp, g_shm_name, 1000, NULL);
	g_sig = cp_signal_new(&g_cfg, &g_dp, &io, err, sizeof(err));
	if (!g_sig) {
		fprintf(stderr, "cp_signal_new: %s\n", err);
		return 1;
	}
	struct cp_dp_handlers h = {cp_signal_dp_event, cp_signal_dp_detach, cp_signal_dp_ready,
				   g_sig};
	g_dp.h = h;
	pump(5);
	CHECK(g_dp.ready);

	scenario_cert_files(&io);
	scenario_join();
	scenario_dtls_ok();
	scenario_media();
	scenario_admin_mute();
	scenario_stats();
	scenario_dtls_mismatch();
	scenario_dtls_timeout();
	scenario_close_producer();
	scenario_dp_restart();
	scenario_leave();
	scenario_limits();
	scenario_token_expiry();
	scenario_speaker();
	scenario_admin_remove();

	struct cp_buf mb = {0};
	cp_signal_metrics(g_sig, &mb);
	CHECK(mb.data && strstr(mb.data, "sluice_dtls_handshakes_total{result=\"connected\"} 1"));
	CHECK(mb.data && strstr(mb.data, "sluice_dtls_handshakes_total{result=\"failed\"} 2"));
	CHECK(mb.data && strstr(mb.data, "sluice_rooms 0"));
	cp_buf_free(&mb);

	conn_free(A);
	conn_free(B);
	json_decref(g_ta);
	json_decref(g_tb);
	json_decref(g_prod);
	json_decref(g_cons);
	json_decref(g_caps);
	cp_signal_free(g_sig);
	cp_dp_fini(&g_dp);
	dp_shm_destroy(&g_shm);
	cp_dtls_cert_free(g_browser_cert);
	return check_report("test_signal_core");
}
