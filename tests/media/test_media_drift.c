/* SPDX-License-Identifier: MIT */
/*
 * No drift between the planes against a real sluice-dataplane (issue 12
 * item 5), run by run_media_e2e.sh with one worker lcore: the control
 * plane's whole signaling layer (controlplane/signal on cp_dp) with
 * recording connections instead of Socket.IO.
 *
 * What it asserts:
 *  - N_PEERS peers (rooms of ROOM peers; each a send and a recv transport,
 *    an audio producer and a consumer of every other producer of its room)
 *    are programmed on the one lcore: its transport/producer/consumer
 *    gauges in the segment show exactly them;
 *  - a reconciliation round over them (SL_MSG_LIST_OBJECTS pages of the
 *    real data plane) finds nothing to remove on either side;
 *  - with the lcore's command ring and the control plane's backlog full of
 *    other commands, all N_PEERS disconnect at once: teardown that finds no
 *    room waits in the retry list instead of being dropped, and the
 *    gauges return to 0;
 *  - a transport created behind the control plane's back (an orphan on the
 *    data plane) is listed by the next round and destroyed: gauge 0 again,
 *    counted as sluice_reconcile_orphans_total{side="dataplane"} 1.
 *
 * Usage: test_media_drift <shm-name> <interface> (run_media_e2e.sh).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../unit/check.h"
#include "cp_jwt.h"
#include "cp_log.h"
#include "cp_sig_int.h"
#include "cp_signal.h"

#define SECRET "media-drift-secret-0123456789"
#define N_PEERS 500
#define ROOM 10
#define ITERS 20000 /* x 1 ms: 20 s upper bound per wait */

struct conn {
	char name[16];
	struct cp_peer *peer;
	json_t *acks;
	int64_t next_ack;
	char send_t[64], recv_t[64], prod[64];
};

static struct cp_config g_cfg;
static struct cp_dp g_dp;
static struct cp_signal *g_sig;
static struct conn g_c[N_PEERS];
static json_t *g_caps;

static int io_emit(void *c, const char *event, json_t *data)
{
	(void)c, (void)event, (void)data;
	return 0;
}

static int io_ack(void *c, int64_t id, json_t *resp)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_object_set(((struct conn *)c)->acks, key, resp);
	return 0;
}

static const char *io_name(void *c)
{
	return ((struct conn *)c)->name;
}

static void nap(void)
{
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
}

static void pump(int n)
{
	for (int i = 0; i < n; i++) {
		cp_dp_tick(&g_dp);
		cp_signal_tick(g_sig);
	}
}

static const volatile uint64_t *gauge(size_t off)
{
	return (const volatile uint64_t *)((const char *)&sl_shm_lcore(g_dp.shm.hdr, 0)->counters +
					   off);
}
#define G_TRANSPORTS (*gauge(offsetof(struct sl_lcore_counters, transports)))
#define G_PRODUCERS (*gauge(offsetof(struct sl_lcore_counters, producers)))
#define G_CONSUMERS (*gauge(offsetof(struct sl_lcore_counters, consumers)))

/* Pumps (1 ms naps) until the three gauges are t, p, c; 1 when they are. */
static int wait_gauges(uint64_t t, uint64_t p, uint64_t c)
{
	for (int i = 0; i < ITERS; i++) {
		pump(1);
		if (G_TRANSPORTS == t && G_PRODUCERS == p && G_CONSUMERS == c)
			return 1;
		nap();
	}
	fprintf(stderr, "gauges: transports %llu (want %llu), producers %llu (%llu), consumers "
		"%llu (%llu)\n", (unsigned long long)G_TRANSPORTS, (unsigned long long)t,
		(unsigned long long)G_PRODUCERS, (unsigned long long)p,
		(unsigned long long)G_CONSUMERS, (unsigned long long)c);
	return 0;
}

/* Pumps until no round runs any more and at least `rounds` were done. */
static int wait_round(uint64_t rounds)
{
	for (int i = 0; i < ITERS; i++) {
		pump(1);
		if (!g_sig->rec.active && g_sig->rec.rounds >= rounds)
			return 1;
		nap();
	}
	return 0;
}

static json_t *req(struct conn *c, const char *name, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_t *p = json_loads(buf, JSON_DECODE_ANY, NULL);
	int64_t id = c->next_ack++;
	cp_signal_event(g_sig, c->peer, name, p, id);
	json_decref(p);
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_t *r = json_incref(json_object_get(c->acks, key));
	json_object_del(c->acks, key);
	return r ? r : json_object();
}

/* The request's answer is OK and path (key.key or key) into out. */
static int req_ok(json_t *r, const char *k1, const char *k2, char *out, size_t cap)
{
	int ok = json_object_get(r, "code") == NULL;
	json_t *v = k1 ? json_object_get(r, k1) : NULL;
	if (k2)
		v = json_object_get(v, k2);
	if (out)
		snprintf(out, cap, "%s", json_string_value(v) ? json_string_value(v) : "");
	if (!ok) {
		char *d = json_dumps(r, JSON_COMPACT);
		fprintf(stderr, "request failed: %s\n", d ? d : "?");
		free(d);
	}
	json_decref(r);
	return ok;
}

static void peer_new(int i)
{
	struct conn *c = &g_c[i];
	snprintf(c->name, sizeof(c->name), "s%d", i);
	c->acks = json_object();
	struct cp_jwt_claims cl;
	memset(&cl, 0, sizeof(cl));
	snprintf(cl.sub, sizeof(cl.sub), "user%d", i);
	cl.exp = (int64_t)time(NULL) + 3600;
	cl.pub = cl.sub_media = true;
	char tok[1024];
	CHECK(cp_jwt_mint(tok, sizeof(tok), (const uint8_t *)SECRET, strlen(SECRET), &cl) > 0);
	json_t *auth = json_pack("{ss}", "token", tok);
	CHECK_EQ(cp_signal_connect(g_sig, c, auth, &c->peer), 0);
	json_decref(auth);
	json_t *r = req(c, "mediasoup:join", "{\"channelId\":\"room%d\"}", i / ROOM);
	if (!g_caps)
		g_caps = json_incref(json_object_get(r, "rtpCapabilities"));
	CHECK(req_ok(r, NULL, NULL, NULL, 0));
	CHECK(req_ok(req(c, "mediasoup:create-transport", "{\"direction\":\"send\"}"), "transport",
		     "id", c->send_t, sizeof(c->send_t)));
	CHECK(req_ok(req(c, "mediasoup:create-transport", "{\"direction\":\"recv\"}"), "transport",
		     "id", c->recv_t, sizeof(c->recv_t)));
	CHECK(req_ok(req(c, "mediasoup:produce",
			 "{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":{\"codecs\":"
			 "[{\"mimeType\":\"audio/opus\",\"payloadType\":111,\"clockRate\":48000,"
			 "\"channels\":2,\"parameters\":{},\"rtcpFeedback\":[]}],"
			 "\"headerExtensions\":[],\"encodings\":[{\"ssrc\":%d}],\"rtcp\":{"
			 "\"cname\":\"m\"},\"mid\":\"0\"}}", c->send_t, 1000 + i),
		     "producerId", NULL, c->prod, sizeof(c->prod)));
}

/* Every peer of the room consumes every other's producer. */
static void room_consume(int first)
{
	char *caps = json_dumps(g_caps, JSON_COMPACT);
	for (int a = first; a < first + ROOM; a++)
		for (int b = first; b < first + ROOM; b++) {
			if (a == b)
				continue;
			/* a busy ring answers OVERLOADED: try again once it drains */
			int ok = 0;
			for (int k = 0; k < 1000 && !ok; k++) {
				json_t *r = req(&g_c[a], "mediasoup:consume",
						"{\"producerPeerId\":\"%s\",\"producerId\":\"%s\","
						"\"rtpCapabilities\":%s}",
						g_c[b].peer->id, g_c[b].prod, caps);
				const char *code = json_string_value(json_object_get(r, "code"));
				ok = !code;
				if (code && strcmp(code, "OVERLOADED"))
					break;
				json_decref(r);
				if (!ok) {
					pump(1);
					nap();
				}
			}
			CHECK(ok);
		}
	free(caps);
}

/* Fills lcore 0's command ring and the backlog with commands that want no
 * answer (fan-outs of an id nobody holds: refused, silently). Returns how
 * many went in. */
static unsigned int fill(void)
{
	unsigned int n = 0;
	for (unsigned int k = 0; k < 4000000; k++) {
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_FANOUT;
		m.h.transport_id = SL_INVALID_ID;
		m.u.producer_fanout.producer_id = g_dp.vctx.max_ids - 1;
		if (cp_dp_send(&g_dp, 0, &m, 0))
			break;
		n++;
	}
	return n;
}

static int metric(const char *line)
{
	struct cp_buf b = {0};
	cp_signal_metrics(g_sig, &b);
	int ok = b.data && strstr(b.data, line) != NULL;
	if (!ok)
		fprintf(stderr, "metric missing: %s\n", line);
	cp_buf_free(&b);
	return ok;
}

static void scenario_mass_disconnect(void)
{
	for (int i = 0; i < N_PEERS; i++) {
		peer_new(i);
		pump(1);
	}
	for (int r = 0; r < N_PEERS; r += ROOM)
		room_consume(r);
	const uint64_t nt = 2 * N_PEERS, np = N_PEERS, nc = (uint64_t)N_PEERS * (ROOM - 1);
	CHECK_EQ(g_sig->n_transports, nt);
	CHECK_EQ(g_sig->n_consumers, nc);
	CHECK(wait_gauges(nt, np, nc));
	printf("programmed on lcore 0: %llu transports, %llu producers, %llu consumers\n",
	       (unsigned long long)G_TRANSPORTS, (unsigned long long)G_PRODUCERS,
	       (unsigned long long)G_CONSUMERS);

	/* a round over all of them: nothing to remove */
	uint64_t rounds = g_sig->rec.rounds;
	g_sig->rec.next_ms = 0;
	CHECK(wait_round(rounds + 1));
	CHECK_EQ(g_sig->rec.orphans_dp, 0);
	CHECK_EQ(g_sig->rec.orphans_cp, 0);
	CHECK_EQ(g_sig->n_consumers, nc);

	/* everyone leaves at once, behind a full ring and backlog */
	unsigned int filled = fill();
	CHECK(filled >= CP_DP_BACKLOG_MAX);
	uint64_t unsent = g_sig->ctr.dp_ring_full;
	for (int i = 0; i < N_PEERS; i++) {
		cp_signal_disconnect(g_sig, g_c[i].peer, "test: all at once");
		g_c[i].peer = NULL;
	}
	printf("filled %u commands; teardown queued for a retry: %llu\n", filled,
	       (unsigned long long)g_sig->rec.retried);
	CHECK(g_sig->rec.retried > 0);
	CHECK_EQ(g_sig->ctr.dp_ring_full, unsent); /* no teardown was dropped */
	CHECK_EQ(g_sig->rec.retry_dropped, 0);
	CHECK(wait_gauges(0, 0, 0));
	CHECK_EQ(g_sig->n_transports, 0);
	CHECK(metric("sluice_teardown_retry_waiting 0"));
}

static void scenario_orphan(void)
{
	/* a transport the control plane never heard of, on the last id */
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_TRANSPORT_CREATE;
	m.h.transport_id = g_dp.vctx.max_transports - 1;
	snprintf(m.u.transport_create.ice_ufrag, sizeof(m.u.transport_create.ice_ufrag),
		 "orphanufrag00000");
	snprintf(m.u.transport_create.ice_pwd, sizeof(m.u.transport_create.ice_pwd),
		 "orphanpassword000000000000000000");
	m.u.transport_create.local_port = sl_shm_lcore(g_dp.shm.hdr, 0)->udp_port;
	CHECK_EQ(cp_dp_send(&g_dp, 0, &m, 0), 0);
	CHECK(wait_gauges(1, 0, 0));
	uint64_t rounds = g_sig->rec.rounds;
	g_sig->rec.next_ms = 0;
	CHECK(wait_round(rounds + 1));
	CHECK(wait_gauges(0, 0, 0));
	CHECK_EQ(g_sig->rec.orphans_dp, 1);
	CHECK(metric("sluice_reconcile_orphans_total{side=\"dataplane\"} 1"));
	CHECK(metric("sluice_reconcile_orphans_total{side=\"controlplane\"} 0"));
	CHECK(metric("sluice_dp_answers_total{fate=\"lost\"} 0"));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <shm-name> [interface]\n", argv[0]);
		return 2;
	}
	cp_config_defaults(&g_cfg);
	snprintf(g_cfg.jwt_secret, sizeof(g_cfg.jwt_secret), "%s", SECRET);
	g_cfg.max_requests_per_sec = 100000;
	g_cfg.max_connections = 100000;
	g_cfg.max_connections_per_ip = 100000;
	g_cfg.reconcile_interval_ms = 0; /* rounds when the test asks */
	cp_log_set_level(CP_LOG_WARN);
	struct cp_signal_io io = {.emit = io_emit, .ack = io_ack, .name = io_name};
	char err[256];
	cp_dp_init(&g_dp, argv[1], 5000, NULL);
	g_sig = cp_signal_new(&g_cfg, &g_dp, &io, err, sizeof(err));
	if (!g_sig) {
		fprintf(stderr, "cp_signal_new: %s\n", err);
		return 1;
	}
	struct cp_dp_handlers h = {cp_signal_dp_event, cp_signal_dp_detach, cp_signal_dp_ready,
				   g_sig};
	g_dp.h = h;
	for (int i = 0; i < ITERS && !g_sig->dp_ready; i++) {
		g_dp.next_try_ns = 0;
		pump(1);
		nap();
	}
	CHECK(g_sig->dp_ready);
	if (g_sig->dp_ready) {
		CHECK_EQ(g_dp.shm.hdr->n_lcores, 1);
		scenario_mass_disconnect();
		scenario_orphan();
	}
	for (int i = 0; i < N_PEERS; i++)
		json_decref(g_c[i].acks);
	json_decref(g_caps);
	cp_signal_free(g_sig);
	cp_dp_fini(&g_dp);
	return check_report("test_media_drift");
}
