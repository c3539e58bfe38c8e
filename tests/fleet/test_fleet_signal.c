/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the signaling layer's fleet hooks (cp_signal.h, "fleet
 * side") with a fake directory and recording connections, no data plane and
 * no Redis: a join for an unknown room is deferred to the directory and
 * answered by cp_signal_join_done (served here, REDIRECT with the url, or
 * OVERLOADED); a directory that cannot be asked answers OVERLOADED at once;
 * a room that exists here never asks; a peer that disconnects while its join
 * waits is forgotten; closing a room tells the directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../unit/check.h"
#include "cp_jwt.h"
#include "cp_signal.h"

#define SECRET "fleet-signal-test-secret-0123456789"

struct conn {
	char name[16];
	struct cp_peer *peer;
	json_t *acks; /* {"<id>": response} */
	int n_events;
};

static struct cp_signal *g_sig;

/* the fake directory */
static int g_fail;          /* resolve answers -ENOTCONN */
static int g_resolves;
static char g_last_channel[160], g_last_peer[80];
static int g_closed;
static char g_closed_channel[160];

static int io_emit(void *c, const char *event, json_t *data)
{
	((struct conn *)c)->n_events++;
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

static int fake_resolve(void *user, const char *channel, const char *peer_id, char *msg,
			size_t msglen)
{
	g_resolves++;
	snprintf(g_last_channel, sizeof(g_last_channel), "%s", channel);
	snprintf(g_last_peer, sizeof(g_last_peer), "%s", peer_id);
	if (g_fail) {
		snprintf(msg, msglen, "directory down (test)");
		return -ENOTCONN;
	}
	return 0;
}

static void fake_closed(void *user, const char *channel)
{
	g_closed++;
	snprintf(g_closed_channel, sizeof(g_closed_channel), "%s", channel);
}

static struct conn *conn_new(const char *name, const char *sub, const char *room)
{
	struct conn *c = calloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->acks = json_object();
	struct cp_jwt_claims cl;
	memset(&cl, 0, sizeof(cl));
	snprintf(cl.sub, sizeof(cl.sub), "%s", sub);
	cl.exp = 4000000000ll;
	cl.pub = cl.sub_media = true;
	if (room) {
		cl.has_room = true;
		snprintf(cl.room, sizeof(cl.room), "%s", room);
	}
	char tok[1024];
	CHECK(cp_jwt_mint(tok, sizeof(tok), (const uint8_t *)SECRET, strlen(SECRET), &cl) > 0);
	json_t *auth = json_pack("{ss}", "token", tok);
	CHECK_EQ(cp_signal_connect(g_sig, c, auth, &c->peer), 0);
	json_decref(auth);
	return c;
}

static void conn_free(struct conn *c)
{
	cp_signal_disconnect(g_sig, c->peer, "test");
	json_decref(c->acks);
	free(c);
}

static json_t *ack_of(struct conn *c, int64_t id)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)id);
	return json_object_get(c->acks, key);
}

static void join(struct conn *c, const char *room, int64_t id)
{
	json_t *p = json_pack("{ss}", "channelId", room);
	cp_signal_event(g_sig, c->peer, "mediasoup:join", p, id);
	json_decref(p);
}

static const char *code_of(json_t *a)
{
	return json_string_value(json_object_get(a, "code"));
}

static void test_deferred_here(void)
{
	struct conn *a = conn_new("a", "alice", NULL);
	int before = g_resolves;
	join(a, "room-1", 1);
	CHECK_EQ(g_resolves, before + 1);
	CHECK(!strcmp(g_last_channel, "room-1"));
	CHECK(ack_of(a, 1) == NULL); /* waits for the directory */
	CHECK_EQ(cp_signal_load(g_sig), 0);
	/* a second join while the first waits */
	join(a, "room-1", 2);
	CHECK(code_of(ack_of(a, 2)) && !strcmp(code_of(ack_of(a, 2)), "ALREADY_JOINED"));
	CHECK_EQ(g_resolves, before + 1);
	/* other requests see a peer that has not joined */
	json_t *p = json_pack("{ss}", "direction", "send");
	cp_signal_event(g_sig, a->peer, "mediasoup:create-transport", p, 3);
	json_decref(p);
	CHECK(code_of(ack_of(a, 3)) && !strcmp(code_of(ack_of(a, 3)), "NOT_JOINED"));
	/* the directory says: here */
	CHECK_EQ(cp_signal_join_done(g_sig, g_last_peer, CP_SIGNAL_HOME_HERE, NULL), 0);
	json_t *r = ack_of(a, 1);
	CHECK(r && json_is_string(json_object_get(r, "peerId")) && code_of(r) == NULL);
	CHECK(json_is_array(json_object_get(r, "existingProducers")));
	CHECK_EQ(cp_signal_load(g_sig), 1);
	/* answered once: a second done finds nothing */
	CHECK_EQ(cp_signal_join_done(g_sig, g_last_peer, CP_SIGNAL_HOME_HERE, NULL), -ENOENT);

	/* the room exists here now: a second peer joins without asking */
	struct conn *b = conn_new("b", "bob", NULL);
	join(b, "room-1", 1);
	CHECK_EQ(g_resolves, before + 1);
	CHECK(ack_of(b, 1) && code_of(ack_of(b, 1)) == NULL);
	CHECK_EQ(cp_signal_load(g_sig), 2);
	CHECK(a->n_events >= 1); /* peer-joined */

	/* closing the room tells the directory (once, when the last peer leaves) */
	int closed = g_closed;
	conn_free(b);
	CHECK_EQ(g_closed, closed);
	conn_free(a);
	CHECK_EQ(g_closed, closed + 1);
	CHECK(!strcmp(g_closed_channel, "room-1"));
	CHECK_EQ(cp_signal_load(g_sig), 0);
}

static void test_redirect(void)
{
	struct conn *a = conn_new("r", "rita", NULL);
	join(a, "room-2", 7);
	CHECK(ack_of(a, 7) == NULL);
	CHECK_EQ(cp_signal_join_done(g_sig, g_last_peer, CP_SIGNAL_HOME_REDIRECT,
				     "http://198.18.0.2:3000"), 0);
	json_t *r = ack_of(a, 7);
	CHECK(r && code_of(r) && !strcmp(code_of(r), "REDIRECT"));
	CHECK(!strcmp(json_string_value(json_object_get(r, "url")), "http://198.18.0.2:3000"));
	CHECK(json_is_string(json_object_get(r, "error")));
	CHECK_EQ(json_object_size(r), 3);
	CHECK_EQ(cp_signal_load(g_sig), 0);
	/* not joined: it may ask again (e.g. after the home died) */
	join(a, "room-2", 8);
	CHECK(ack_of(a, 8) == NULL);
	CHECK_EQ(cp_signal_join_done(g_sig, g_last_peer, CP_SIGNAL_HOME_UNAVAILABLE,
				     "the fleet directory (Redis) is unreachable"), 0);
	r = ack_of(a, 8);
	CHECK(r && code_of(r) && !strcmp(code_of(r), "OVERLOADED"));
	CHECK(strstr(json_string_value(json_object_get(r, "error")), "unreachable") != NULL);
	/* leave while a join waits: the join is answered NOT_JOINED, then leave */
	join(a, "room-2", 9);
	CHECK(ack_of(a, 9) == NULL);
	char peer[80];
	snprintf(peer, sizeof(peer), "%s", g_last_peer);
	json_t *e = json_object();
	cp_signal_event(g_sig, a->peer, "mediasoup:leave", e, 10);
	json_decref(e);
	CHECK(code_of(ack_of(a, 9)) && !strcmp(code_of(ack_of(a, 9)), "NOT_JOINED"));
	CHECK(ack_of(a, 10) && json_is_true(json_object_get(ack_of(a, 10), "success")));
	CHECK_EQ(cp_signal_join_done(g_sig, peer, CP_SIGNAL_HOME_HERE, NULL), -ENOENT);
	CHECK_EQ(cp_signal_load(g_sig), 0);
	int closed = g_closed;
	conn_free(a);
	CHECK_EQ(g_closed, closed); /* no room was created */
}

static void test_unreachable_and_gone(void)
{
	struct conn *a = conn_new("u", "uma", NULL);
	g_fail = 1;
	join(a, "room-3", 1);
	g_fail = 0;
	json_t *r = ack_of(a, 1);
	CHECK(r && code_of(r) && !strcmp(code_of(r), "OVERLOADED"));
	CHECK(!strcmp(json_string_value(json_object_get(r, "error")), "directory down (test)"));
	/* not pending: a join afterwards asks again */
	join(a, "room-3", 2);
	CHECK(ack_of(a, 2) == NULL);
	char peer[80];
	snprintf(peer, sizeof(peer), "%s", g_last_peer);
	/* the socket goes away while its join waits: the answer finds no one */
	conn_free(a);
	CHECK_EQ(cp_signal_join_done(g_sig, peer, CP_SIGNAL_HOME_HERE, NULL), -ENOENT);
	CHECK_EQ(cp_signal_join_done(g_sig, "no-such-peer", CP_SIGNAL_HOME_HERE, NULL), -ENOENT);
	CHECK_EQ(cp_signal_load(g_sig), 0);
}

static void test_forbidden_first(void)
{
	struct conn *a = conn_new("f", "fay", "room-allowed");
	int before = g_resolves;
	join(a, "room-other", 1);
	CHECK(code_of(ack_of(a, 1)) && !strcmp(code_of(ack_of(a, 1)), "FORBIDDEN"));
	CHECK_EQ(g_resolves, before); /* the directory is not asked for a refused join */
	conn_free(a);
}

static void count_room(void *user, const char *channel)
{
	(*(int *)user)++;
}

static void test_foreach(void)
{
	struct conn *a = conn_new("x", "xena", NULL), *b = conn_new("y", "yann", NULL);
	join(a, "room-x", 1);
	CHECK_EQ(cp_signal_join_done(g_sig, g_last_peer, CP_SIGNAL_HOME_HERE, NULL), 0);
	join(b, "room-y", 1);
	CHECK_EQ(cp_signal_join_done(g_sig, g_last_peer, CP_SIGNAL_HOME_HERE, NULL), 0);
	int n = 0;
	cp_signal_foreach_room(g_sig, count_room, &n);
	CHECK_EQ(n, 2);
	conn_free(a);
	conn_free(b);
	n = 0;
	cp_signal_foreach_room(g_sig, count_room, &n);
	CHECK_EQ(n, 0);
}

static void test_no_fleet(void)
{
	/* hooks removed: a lone node serves every join at once */
	cp_signal_set_fleet(g_sig, NULL);
	struct conn *a = conn_new("n", "nina", NULL);
	int before = g_resolves, closed = g_closed;
	join(a, "room-4", 1);
	CHECK(ack_of(a, 1) && code_of(ack_of(a, 1)) == NULL);
	CHECK_EQ(g_resolves, before);
	conn_free(a);
	CHECK_EQ(g_closed, closed);
}

int main(void)
{
	static struct cp_config cfg;
	static struct cp_dp dp;
	char err[256];
	cp_config_defaults(&cfg);
	snprintf(cfg.jwt_secret, sizeof(cfg.jwt_secret), "%s", SECRET);
	cfg.max_requests_per_sec = 100000;
	char shm[64];
	snprintf(shm, sizeof(shm), "/sl-fleetsig-none-%d", (int)getpid());
	cp_dp_init(&dp, shm, 1000, NULL); /* never attached: no data plane */
	struct cp_signal_io io = {.emit = io_emit, .ack = io_ack, .name = io_name};
	g_sig = cp_signal_new(&cfg, &dp, &io, err, sizeof(err));
	if (!g_sig) {
		fprintf(stderr, "cp_signal_new: %s\n", err);
		return 1;
	}
	struct cp_signal_fleet f = {.resolve = fake_resolve, .room_closed = fake_closed};
	cp_signal_set_fleet(g_sig, &f);
	test_deferred_here();
	test_redirect();
	test_unreachable_and_gone();
	test_forbidden_first();
	test_foreach();
	test_no_fleet();
	cp_signal_free(g_sig);
	cp_dp_fini(&dp);
	return check_report("test_fleet_signal");
}
