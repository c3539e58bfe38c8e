/* SPDX-License-Identifier: MIT */
/*
 * No drift between the planes (issue 12 item 5), controlplane/signal
 * against a fake data plane that keeps real object tables per lcore
 * (transports, producers, consumers: create/destroy as the data plane
 * does, -EEXIST / -ENOENT included) and answers SL_MSG_LIST_OBJECTS pages
 * like dataplane/media does. The segment is the data plane's own
 * (dataplane/dp_shm.c); cp_dp attaches to it as in production.
 *
 * What it asserts:
 *  - a CONSUMER_ADD the data plane refuses after consume was answered
 *    closes the consumer: consumer-closed to its peer, gone from the
 *    control plane, counted in sluice_dp_create_refused_total; the same
 *    for PRODUCER_ADD (producer-closed to the room, the owner too) and for
 *    TRANSPORT_CREATE (the transport is gone: produce on it is NOT_FOUND);
 *  - a RESULT that never comes is counted lost after 5 s (injected clock),
 *    one that is skipped (a later answer came first) at once; either starts
 *    a reconciliation round, which finds nothing to remove when the data
 *    plane did apply the command;
 *  - a CONSUMER_ADD lost on the way (no effect, no answer): its lost answer
 *    starts a round that closes the consumer (consumer-closed);
 *  - a reconciliation round removes an orphan on each side: a transport the
 *    control plane does not know is destroyed on its lcore; a consumer the
 *    data plane lost is closed with consumer-closed; both in
 *    sluice_reconcile_orphans_total{side};
 *  - teardown when the command ring and the backlog are full is queued for
 *    a retry (nothing dropped, new work on that lcore refused meanwhile) and
 *    reaches the data plane once it drains: its tables end empty.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "../unit/check.h"
#include "../../dataplane/dp_shm.h"
#include "cp_jwt.h"
#include "cp_sig_int.h"
#include "cp_signal.h"

#define SECRET "drift-test-secret-0123456789"
#define N_LCORES 2
#define MAX_T 64
#define MAX_IDS (MAX_T * 8)

/* ------------------------------------------------------------------ */
/* Recording connections                                               */
/* ------------------------------------------------------------------ */

struct conn {
	char name[16];
	struct cp_peer *peer;
	json_t *events;
	json_t *acks;
	int64_t next_ack;
};

static uint64_t g_now = 1000000;
static struct cp_config g_cfg;

static int io_emit(void *c, const char *event, json_t *data)
{
	struct conn *k = c;
	json_array_append_new(k->events, json_pack("[sO]", event, data ? data : json_null()));
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

static uint64_t io_now(void *u)
{
	(void)u;
	return g_now;
}

/* ------------------------------------------------------------------ */
/* The fake data plane                                                 */
/* ------------------------------------------------------------------ */

static struct dp_shm g_shm;
static char g_shm_name[64];
static struct cp_dp g_dp;
static struct cp_signal *g_sig;

struct lobj {
	uint8_t tp[MAX_T];
	uint8_t pr[MAX_IDS], co[MAX_IDS];
	uint32_t pr_t[MAX_IDS], co_t[MAX_IDS];
};
static struct lobj g_obj[N_LCORES];
static int g_hold;            /* 1: the data plane takes no command */
static uint16_t g_refuse;     /* refuse the next command of this type ... */
static int g_refuse_status;   /* ... with this status */
static uint16_t g_mute;       /* apply the next command of this type, no answer */
static uint16_t g_swallow;    /* take the next command of this type: no effect, no answer */
static uint32_t g_cmds[SL_MSG__COUNT]; /* commands taken, by type */

static void push_event(unsigned int lcore, struct sl_msg *m)
{
	CHECK_EQ(rte_ring_enqueue_elem(dp_shm_evt_ring(&g_shm, lcore), m, SL_MSG_SIZE), 0);
}

static void purge_transport(struct lobj *o, uint32_t tid)
{
	for (uint32_t i = 0; i < MAX_IDS; i++) {
		if (o->pr[i] && o->pr_t[i] == tid)
			o->pr[i] = 0;
		if (o->co[i] && o->co_t[i] == tid)
			o->co[i] = 0;
	}
}

static int apply(struct lobj *o, const struct sl_msg *m)
{
	uint32_t tid = m->h.transport_id, id;
	switch (m->h.type) {
	case SL_MSG_TRANSPORT_CREATE:
		if (o->tp[tid])
			return -EEXIST;
		o->tp[tid] = 1;
		return 0;
	case SL_MSG_TRANSPORT_DESTROY:
		if (!o->tp[tid])
			return -ENOENT;
		o->tp[tid] = 0;
		purge_transport(o, tid);
		return 0;
	case SL_MSG_PRODUCER_ADD:
		id = m->u.producer_add.producer_id;
		if (!o->tp[tid])
			return -ENOENT;
		if (o->pr[id])
			return -EEXIST;
		o->pr[id] = 1, o->pr_t[id] = tid;
		return 0;
	case SL_MSG_PRODUCER_REMOVE:
		id = m->u.producer_remove.producer_id;
		if (!o->pr[id])
			return -ENOENT;
		o->pr[id] = 0;
		return 0;
	case SL_MSG_CONSUMER_ADD:
		id = m->u.consumer_add.consumer_id;
		if (!o->tp[tid])
			return -ENOENT;
		if (o->co[id])
			return -EEXIST;
		o->co[id] = 1, o->co_t[id] = tid;
		return 0;
	case SL_MSG_CONSUMER_REMOVE:
		id = m->u.consumer_ref.consumer_id;
		if (!o->co[id])
			return -ENOENT;
		o->co[id] = 0;
		return 0;
	default:
		return 0;
	}
}

static void list_page(struct lobj *o, const struct sl_msg *c, struct sl_msg *r)
{
	const struct sl_msg_list_objects *q = &c->u.list_objects;
	struct sl_msg_object_list *p = &r->u.object_list;
	uint32_t lim = q->kind == SL_OBJ_TRANSPORT ? MAX_T : MAX_IDS, id = q->cursor;
	uint32_t end = id < lim ? (lim - id > SL_LIST_SCAN ? id + SL_LIST_SCAN : lim) : id;
	r->h.type = SL_MSG_OBJECT_LIST;
	p->kind = q->kind;
	p->cursor = q->cursor;
	for (; id < end && p->n < SL_LIST_IDS; id++) {
		int has = q->kind == SL_OBJ_TRANSPORT ? o->tp[id]
			  : q->kind == SL_OBJ_PRODUCER ? o->pr[id] : o->co[id];
		if (has)
			p->ids[p->n++] = id;
	}
	p->next = id;
	p->done = id >= lim;
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
	} else if (c->h.type == SL_MSG_LIST_OBJECTS) {
		r.h.transport_id = SL_INVALID_ID;
		list_page(&g_obj[lcore], c, &r);
	} else {
		int st = apply(&g_obj[lcore], c);
		if (g_refuse && c->h.type == g_refuse) {
			st = g_refuse_status;
			g_refuse = 0;
			/* a refused create leaves nothing behind */
			if (c->h.type == SL_MSG_TRANSPORT_CREATE)
				g_obj[lcore].tp[c->h.transport_id] = 0;
			else if (c->h.type == SL_MSG_PRODUCER_ADD)
				g_obj[lcore].pr[c->u.producer_add.producer_id] = 0;
			else if (c->h.type == SL_MSG_CONSUMER_ADD)
				g_obj[lcore].co[c->u.consumer_add.consumer_id] = 0;
		}
		if (g_mute && c->h.type == g_mute) {
			g_mute = 0;
			return;
		}
		if (!c->h.seq)
			return;
		r.h.type = SL_MSG_RESULT;
		r.u.result.cmd_type = c->h.type;
		r.u.result.status = st;
	}
	push_event(lcore, &r);
}

static void dp_poll(void)
{
	struct sl_msg m;
	if (g_hold)
		return;
	struct sl_valid_ctx v = {MAX_T, g_shm.hdr->n_slots, N_LCORES, MAX_IDS};
	for (unsigned int l = 0; l < N_LCORES; l++) {
		struct rte_ring *evt = dp_shm_evt_ring(&g_shm, l);
		/* like dp_cmd_poll: no more commands than the event ring has room for */
		while (rte_ring_free_count(evt) > 0 &&
		       rte_ring_dequeue_elem(dp_shm_cmd_ring(&g_shm, l), &m, SL_MSG_SIZE) == 0) {
			CHECK_EQ(sl_cmd_validate(&m, &v), SL_VALID_OK);
			g_cmds[m.h.type]++;
			if (g_swallow && m.h.type == g_swallow) {
				g_swallow = 0;
				continue;
			}
			answer(l, &m);
		}
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

/* Objects the fake data plane holds on all lcores. */
static uint32_t dp_count(void)
{
	uint32_t n = 0;
	for (unsigned int l = 0; l < N_LCORES; l++) {
		for (uint32_t i = 0; i < MAX_T; i++)
			n += g_obj[l].tp[i];
		for (uint32_t i = 0; i < MAX_IDS; i++)
			n += g_obj[l].pr[i] + g_obj[l].co[i];
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static struct conn *conn_new(const char *name, const char *sub)
{
	struct conn *c = calloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->events = json_array();
	c->acks = json_object();
	struct cp_jwt_claims cl;
	memset(&cl, 0, sizeof(cl));
	snprintf(cl.sub, sizeof(cl.sub), "%s", sub);
	cl.exp = 1700000000 + 3600 * 24 * 365 * 20ll;
	cl.pub = cl.sub_media = true;
	char tok[1024];
	CHECK(cp_jwt_mint(tok, sizeof(tok), (const uint8_t *)SECRET, strlen(SECRET), &cl) > 0);
	json_t *auth = json_pack("{ss}", "token", tok);
	CHECK_EQ(cp_signal_connect(g_sig, c, auth, &c->peer), 0);
	json_decref(auth);
	return c;
}

static void conn_free(struct conn *c)
{
	if (c->peer)
		cp_signal_disconnect(g_sig, c->peer, "test end");
	json_decref(c->events);
	json_decref(c->acks);
	free(c);
}

static json_t *req(struct conn *c, const char *name, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_t *p = json_loads(buf, JSON_DECODE_ANY, NULL);
	CHECK(p != NULL);
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

static const char *sget(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);
	return json_string_value(k2 ? json_object_get(v, k2) : v);
}

/* Events `name` whose data has key = val (val NULL: any). */
static int events_with(struct conn *c, const char *name, const char *key, const char *val)
{
	int n = 0;
	size_t i;
	json_t *e;
	json_array_foreach(c->events, i, e)
	{
		if (strcmp(json_string_value(json_array_get(e, 0)), name))
			continue;
		const char *v = json_string_value(json_object_get(json_array_get(e, 1), key));
		n += !val || (v && !strcmp(v, val));
	}
	return n;
}

static int metric(const char *line)
{
	/* the whole line: "name{labels} 1" must not match a value of 10 */
	char want[256];
	snprintf(want, sizeof(want), "\n%s\n", line);
	struct cp_buf b = {0};
	cp_signal_metrics(g_sig, &b);
	int ok = b.data && strstr(b.data, want) != NULL;
	if (!ok)
		fprintf(stderr, "metric missing: %s\n", line);
	cp_buf_free(&b);
	return ok;
}

static json_t *g_caps;
static struct conn *A, *B, *C;
static char g_ta[64], g_tb[64], g_prod[64];

static void transport(struct conn *c, const char *dir, char *id_out)
{
	json_t *r = req(c, "mediasoup:create-transport", "{\"direction\":\"%s\"}", dir);
	CHECK(!strcmp(code_of(r), "OK"));
	snprintf(id_out, 64, "%s", sget(r, "transport", "id") ? sget(r, "transport", "id") : "");
	json_decref(r);
	pump(2);
}

static json_t *produce(struct conn *c, const char *tid, uint32_t ssrc)
{
	return req(c, "mediasoup:produce",
		   "{\"transportId\":\"%s\",\"kind\":\"audio\",\"rtpParameters\":{\"codecs\":[{"
		   "\"mimeType\":\"audio/opus\",\"payloadType\":111,\"clockRate\":48000,"
		   "\"channels\":2,\"parameters\":{},\"rtcpFeedback\":[]}],\"headerExtensions\":[],"
		   "\"encodings\":[{\"ssrc\":%u}],\"rtcp\":{\"cname\":\"d\"},\"mid\":\"0\"}}",
		   tid, ssrc);
}

static json_t *consume(struct conn *c, struct conn *owner, const char *pid)
{
	char *caps = json_dumps(g_caps, JSON_COMPACT);
	json_t *r = req(c, "mediasoup:consume",
			"{\"producerPeerId\":\"%s\",\"producerId\":\"%s\",\"rtpCapabilities\":%s}",
			owner->peer->id, pid, caps);
	free(caps);
	return r;
}

/* ------------------------------------------------------------------ */
/* Scenarios                                                           */
/* ------------------------------------------------------------------ */

static void scenario_setup(void)
{
	A = conn_new("sockA", "alice");
	B = conn_new("sockB", "bob");
	json_t *r = req(A, "mediasoup:join", "{\"channelId\":\"drift\"}");
	CHECK(!strcmp(code_of(r), "OK"));
	g_caps = json_incref(json_object_get(r, "rtpCapabilities"));
	json_decref(r);
	r = req(B, "mediasoup:join", "{\"channelId\":\"drift\"}");
	json_decref(r);
	transport(A, "send", g_ta);
	transport(B, "recv", g_tb);
	r = produce(A, g_ta, 1111);
	CHECK(!strcmp(code_of(r), "OK"));
	snprintf(g_prod, sizeof(g_prod), "%s", sget(r, "producerId", NULL) ? sget(r, "producerId", NULL) : "");
	json_decref(r);
	pump(2);
	CHECK_EQ(g_sig->n_transports, 2);
	CHECK_EQ(dp_count(), 3);
}

static void scenario_refused_consumer(void)
{
	g_refuse = SL_MSG_CONSUMER_ADD;
	g_refuse_status = -ENOMEM;
	json_t *r = consume(B, A, g_prod);
	CHECK(!strcmp(code_of(r), "OK")); /* answered before the data plane spoke */
	const char *cid = sget(r, "consumer", "id");
	char id[64];
	snprintf(id, sizeof(id), "%s", cid ? cid : "?");
	json_decref(r);
	CHECK_EQ(g_sig->n_consumers, 1);
	pump(3);
	CHECK_EQ(g_sig->n_consumers, 0);
	CHECK_EQ(events_with(B, "mediasoup:consumer-closed", "consumerId", id), 1);
	CHECK_EQ(events_with(A, "mediasoup:consumer-closed", NULL, NULL), 0);
	CHECK(metric("sluice_dp_create_refused_total{object=\"consumer\"} 1"));
	/* B may consume again (the per-peer duplicate check forgot it) */
	r = consume(B, A, g_prod);
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(3);
	CHECK_EQ(g_sig->n_consumers, 1);
	CHECK_EQ(dp_count(), 4);
}

static void scenario_refused_producer(void)
{
	g_refuse = SL_MSG_PRODUCER_ADD;
	g_refuse_status = -ENOSPC;
	json_t *r = produce(A, g_ta, 2222);
	CHECK(!strcmp(code_of(r), "OK"));
	char pid[64];
	snprintf(pid, sizeof(pid), "%s", sget(r, "producerId", NULL) ? sget(r, "producerId", NULL) : "?");
	json_decref(r);
	CHECK_EQ(g_sig->n_producers, 2);
	pump(3);
	CHECK_EQ(g_sig->n_producers, 1);
	CHECK_EQ(events_with(A, "mediasoup:producer-closed", "producerId", pid), 1);
	CHECK_EQ(events_with(B, "mediasoup:producer-closed", "producerId", pid), 1);
	CHECK(metric("sluice_dp_create_refused_total{object=\"producer\"} 1"));
}

static void scenario_refused_transport(void)
{
	C = conn_new("sockC", "carol");
	json_t *r = req(C, "mediasoup:join", "{\"channelId\":\"drift\"}");
	json_decref(r);
	g_refuse = SL_MSG_TRANSPORT_CREATE;
	g_refuse_status = -ENOMEM;
	char tc[64];
	uint32_t n = g_sig->n_transports;
	transport(C, "send", tc);
	pump(2);
	CHECK_EQ(g_sig->n_transports, n);
	r = produce(C, tc, 3333);
	CHECK(!strcmp(code_of(r), "NOT_FOUND"));
	json_decref(r);
	CHECK(metric("sluice_dp_create_refused_total{object=\"transport\"} 1"));
	/* the peer may create it again */
	transport(C, "send", tc);
	CHECK_EQ(g_sig->n_transports, n + 1);
}

static void scenario_lost_result(void)
{
	uint64_t lost = g_sig->track.lost, rounds = g_sig->rec.rounds;
	/* a muted PAUSE answer followed by another answer: skipped, lost at once */
	struct cp_consumer *c = NULL;
	for (uint32_t i = 0; i < g_sig->cids.cap && !c; i++)
		c = g_sig->by_cid[i];
	CHECK(c != NULL);
	if (!c)
		return;
	char cid[64];
	snprintf(cid, sizeof(cid), "%s", c->id);
	g_mute = SL_MSG_CONSUMER_RESUME;
	json_t *r = req(B, "mediasoup:resume-consumer", "{\"consumerId\":\"%s\"}", cid);
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	r = req(B, "mediasoup:pause-consumer", "{\"consumerId\":\"%s\"}", cid);
	json_decref(r);
	pump(2);
	CHECK_EQ(g_sig->track.lost, lost + 1);
	/* the round it asked for runs and finds both planes agree */
	pump(10);
	CHECK_EQ(g_sig->rec.rounds, rounds + 1);
	CHECK_EQ(g_sig->rec.orphans_dp + g_sig->rec.orphans_cp, 0);

	/* an answer that never comes: lost once 5 s passed without it */
	g_mute = SL_MSG_CONSUMER_RESUME;
	r = req(B, "mediasoup:resume-consumer", "{\"consumerId\":\"%s\"}", cid);
	json_decref(r);
	pump(3);
	CHECK_EQ(g_sig->track.lost, lost + 1);
	g_now += 4000;
	pump(2);
	CHECK_EQ(g_sig->track.lost, lost + 1);
	g_now += 1500;
	pump(2);
	CHECK_EQ(g_sig->track.lost, lost + 2);
	pump(10);
	CHECK_EQ(g_sig->rec.rounds, rounds + 2);
	CHECK_EQ(g_sig->rec.orphans_dp + g_sig->rec.orphans_cp, 0);
	CHECK_EQ(g_sig->n_consumers, 1);
	CHECK(metric("sluice_dp_answers_total{fate=\"lost\"} 2"));
	CHECK(metric("sluice_dp_answers_pending 0"));
}

static void scenario_orphans(void)
{
	/* the data plane holds a transport nobody asked for, and lost B's consumer */
	unsigned int stray_lc = 1;
	uint32_t stray = MAX_T - 3;
	g_obj[stray_lc].tp[stray] = 1;
	struct cp_consumer *c = NULL;
	for (uint32_t i = 0; i < g_sig->cids.cap && !c; i++)
		c = g_sig->by_cid[i];
	CHECK(c != NULL);
	if (!c)
		return;
	char cid[64];
	snprintf(cid, sizeof(cid), "%s", c->id);
	g_obj[c->t->lcore].co[c->cid] = 0;
	uint32_t destroys = g_cmds[SL_MSG_TRANSPORT_DESTROY];
	uint64_t rounds = g_sig->rec.rounds;
	/* the periodic round: reconcile_interval_ms later */
	g_now += (uint64_t)g_cfg.reconcile_interval_ms + 1;
	pump(10);
	CHECK_EQ(g_sig->rec.rounds, rounds + 1);
	CHECK_EQ(g_obj[stray_lc].tp[stray], 0);
	CHECK_EQ(g_cmds[SL_MSG_TRANSPORT_DESTROY], destroys + 1);
	CHECK_EQ(g_sig->n_consumers, 0);
	CHECK_EQ(events_with(B, "mediasoup:consumer-closed", "consumerId", cid), 1);
	CHECK(metric("sluice_reconcile_orphans_total{side=\"dataplane\"} 1"));
	CHECK(metric("sluice_reconcile_orphans_total{side=\"controlplane\"} 1"));
	/* and the next round finds nothing */
	g_now += (uint64_t)g_cfg.reconcile_interval_ms + 1;
	pump(10);
	CHECK_EQ(g_sig->rec.rounds, rounds + 2);
	CHECK_EQ(g_sig->rec.orphans_dp, 1);
	CHECK_EQ(g_sig->rec.orphans_cp, 1);
}

/* A CONSUMER_ADD lost on the way (never applied, never answered): the
 * lost answer starts a round, which finds the consumer missing there and
 * closes it with consumer-closed. */
static void scenario_lost_create(void)
{
	uint64_t lost = g_sig->track.lost, rounds = g_sig->rec.rounds;
	uint64_t orphans = g_sig->rec.orphans_cp;
	g_swallow = SL_MSG_CONSUMER_ADD;
	json_t *r = consume(B, A, g_prod);
	CHECK(!strcmp(code_of(r), "OK"));
	char id[64];
	snprintf(id, sizeof(id), "%s", sget(r, "consumer", "id") ? sget(r, "consumer", "id") : "?");
	json_decref(r);
	CHECK_EQ(g_sig->n_consumers, 1);
	/* lost as soon as a later answer of that lcore arrives (the fan-out's,
	 * when the producer is on the same lcore), else after 5 s */
	pump(3);
	g_now += 5001;
	pump(10);
	CHECK_EQ(g_sig->track.lost, lost + 1);
	CHECK_EQ(g_sig->rec.rounds, rounds + 1);
	CHECK_EQ(g_sig->rec.orphans_cp, orphans + 1);
	CHECK_EQ(g_sig->n_consumers, 0);
	CHECK_EQ(events_with(B, "mediasoup:consumer-closed", "consumerId", id), 1);
}

/* Fills lcore's ring and backlog with commands that want no answer. */
static void fill(unsigned int lcore)
{
	struct sl_msg m;
	unsigned int n = 0;
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_FANOUT;
		m.h.transport_id = SL_INVALID_ID;
		m.u.producer_fanout.producer_id = MAX_IDS - 1;
		if (cp_dp_send(&g_dp, lcore, &m, 0))
			break;
		n++;
	}
	CHECK(n >= CP_DP_BACKLOG_MAX);
}

static void scenario_teardown_full(void)
{
	json_t *r = consume(B, A, g_prod);
	CHECK(!strcmp(code_of(r), "OK"));
	json_decref(r);
	pump(3);
	CHECK_EQ(g_sig->n_consumers, 1);
	struct cp_transport *tb = cp_map_get(&g_sig->transports, g_tb);
	CHECK(tb != NULL);
	if (!tb)
		return;
	unsigned int lc = tb->lcore;
	g_hold = 1;
	fill(lc);
	uint64_t unsent = g_sig->ctr.dp_ring_full;
	/* B leaves: its consumer and transport are torn down on a full lcore */
	cp_signal_disconnect(g_sig, B->peer, "test: full ring");
	B->peer = NULL;
	CHECK(g_sig->rec.retried >= 2);
	CHECK_EQ(g_sig->ctr.dp_ring_full, unsent);
	CHECK(cp_rec_retry_waiting(g_sig, lc));
	CHECK_EQ(cp_sig_ring_room(g_sig, lc, 1), 0);
	CHECK(!metric("sluice_teardown_retry_waiting 0")); /* something waits */
	/* the data plane drains: everything reaches it, in order */
	g_hold = 0;
	for (int i = 0; i < 64 && (cp_rec_retry_waiting(g_sig, lc) || cp_dp_backlog(&g_dp, lc));
	     i++)
		pump(1);
	pump(3);
	CHECK(!cp_rec_retry_waiting(g_sig, lc));
	CHECK(metric("sluice_teardown_retry_waiting 0"));
	/* A's send transport and producer, C's transport: nothing of B left */
	CHECK_EQ(dp_count(), 3);
	CHECK_EQ(g_sig->n_transports, 2);
}

int main(void)
{
	snprintf(g_shm_name, sizeof(g_shm_name), "/sl-drift-%d", (int)getpid());
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
	p.device = "fake0";
	if (dp_shm_create(&g_shm, &p, err, sizeof(err))) {
		fprintf(stderr, "dp_shm_create: %s\n", err);
		return 1;
	}
	cp_config_defaults(&g_cfg);
	snprintf(g_cfg.jwt_secret, sizeof(g_cfg.jwt_secret), "%s", SECRET);
	g_cfg.max_requests_per_sec = 100000;
	struct cp_signal_io io = {.emit = io_emit, .ack = io_ack, .name = io_name, .now_ms = io_now};
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

	scenario_setup();
	scenario_refused_consumer();
	scenario_refused_producer();
	scenario_refused_transport();
	scenario_lost_result();
	scenario_orphans();
	scenario_lost_create();
	scenario_teardown_full();

	conn_free(A);
	conn_free(B);
	conn_free(C);
	pump(5);
	CHECK_EQ(dp_count(), 0);
	CHECK_EQ(g_sig->track.unmatched, 0);
	json_decref(g_caps);
	cp_signal_free(g_sig);
	cp_dp_fini(&g_dp);
	dp_shm_destroy(&g_shm);
	return check_report("test_signal_drift");
}
