/* SPDX-License-Identifier: MIT */
/*
 * cp_fleet - see cp_fleet.h.
 *
 * Every command sent carries a struct req (its kind, the time it was sent
 * and what its reply continues); reqs in flight sit in a FIFO (Redis answers
 * in order), so the oldest one's age is the command timeout. A reply (or
 * NULL, when the connection is dropped) is handed to the req's step; a join
 * step may send its next command with the same req. hiredis frees the
 * context itself after an error seen while reading; this file frees it only
 * from the tick or from cp_fleet_stop/free, never from inside a callback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "cp_fleet.h"
#include "cp_fleet_dir.h"
#include "cp_list.h"
#include "cp_log.h"
#include "cp_signal.h"

#define CONNECT_TIMEOUT_MS 1000
#define CMD_TIMEOUT_MS 1000
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 2000
#define MAX_NODES 256      /* node records kept from one listing */
#define JOIN_RETRIES 3     /* lost SET NX / takeover races before giving up */
#define PEER_ID_MAX 64

/* Keep a key if it is free or ours: KEYS[1] room, ARGV[1] id, ARGV[2] ttl. */
static const char LUA_CLAIM[] =
	"local v=redis.call('GET',KEYS[1]) if v==false or v==ARGV[1] then "
	"redis.call('SET',KEYS[1],ARGV[1],'PX',ARGV[2]) return 1 end return 0";
/* Take a room from a dead home: ARGV[1] dead id, ARGV[2] our id, ARGV[3] ttl. */
static const char LUA_TAKEOVER[] =
	"local v=redis.call('GET',KEYS[1]) if v==false or v==ARGV[1] then "
	"redis.call('SET',KEYS[1],ARGV[2],'PX',ARGV[3]) return 1 end return 0";
/* Delete a key only while it names us: ARGV[1] id. */
static const char LUA_RELEASE[] =
	"if redis.call('GET',KEYS[1])==ARGV[1] then return redis.call('DEL',KEYS[1]) end "
	"return 0";

#define FLEET_ERRORS(X)                                                         \
	X(UNREACHABLE, "unreachable")  /* connect failed or the link dropped */ \
	X(TIMEOUT, "timeout")          /* connect or command took too long */   \
	X(REPLY, "reply")              /* an error or unexpected reply */       \
	X(RECORD, "record")            /* a node record that does not parse */  \
	X(LOST_ROOM, "lost_room")      /* a room of ours names another node */

enum fleet_err {
#define FE_ENUM(e, n) FE_##e,
	FLEET_ERRORS(FE_ENUM)
#undef FE_ENUM
	FE__COUNT
};

enum req_kind {
	RQ_IGNORE,     /* reply only checked for errors (SET, SADD, AUTH, ...) */
	RQ_CLAIM,      /* a room refresh: 0 = another node has it */
	RQ_MEMBERS,    /* SMEMBERS sluice:nodes */
	RQ_RECORDS,    /* MGET of the members' records */
	RQ_J_ROOM,     /* join: GET sluice:room:<ch> */
	RQ_J_NODE,     /* join: GET sluice:node:<home> */
	RQ_J_CHECK,    /* join: GET sluice:node:<chosen> (is the chosen node alive?) */
	RQ_J_SETNX,    /* join: SET sluice:room:<ch> <chosen> NX PX ttl */
	RQ_J_TAKEOVER, /* join: LUA_TAKEOVER */
};

struct req {
	struct cp_link link; /* f->inflight */
	struct cp_fleet *f;
	enum req_kind kind;
	uint64_t sent_ms;
	int retries;
	char peer_id[PEER_ID_MAX + 1];
	char channel[160];
	char node[CP_FLEET_ID_MAX + 1];   /* the home being looked at */
	char url[CP_FLEET_URL_MAX + 1];   /* the chosen node's url */
	char (*ids)[CP_FLEET_ID_MAX + 1]; /* RQ_RECORDS: the ids asked for */
	size_t n_ids;
};

struct cp_fleet {
	const struct cp_config *cfg;
	struct cp_dp *dp;
	struct cp_signal *sig;
	struct cp_fleet_redis_addr addr;
	redisAsyncContext *ac;
	int connected;  /* onConnect said OK */
	int want_write; /* hiredis asked for POLLOUT */
	uint64_t connect_started_ms, next_connect_ms, next_refresh_ms;
	uint32_t backoff_ms;
	struct cp_link inflight;
	struct cp_fleet_node nodes[MAX_NODES]; /* other live nodes, last listing */
	size_t n_nodes;
	/* counters */
	uint64_t errors[FE__COUNT];
	uint64_t redirects, rehomed, joins_here, joins_unavailable;
};

static const char *const err_names[FE__COUNT] = {
#define FE_NAME(e, n) n,
	FLEET_ERRORS(FE_NAME)
#undef FE_NAME
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ------------------------------------------------------------------ */
/* hiredis event hooks: the tick polls; these only record what to poll  */
/* ------------------------------------------------------------------ */

static void ev_add_write(void *d)
{
	((struct cp_fleet *)d)->want_write = 1;
}

static void ev_del_write(void *d)
{
	((struct cp_fleet *)d)->want_write = 0;
}

static void ev_nop(void *d)
{
	(void)d;
}

static void ev_cleanup(void *d)
{
	((struct cp_fleet *)d)->want_write = 0;
}

/* ------------------------------------------------------------------ */
/* commands                                                            */
/* ------------------------------------------------------------------ */

static void on_reply(redisAsyncContext *ac, void *reply, void *priv);

static struct req *req_new(struct cp_fleet *f, enum req_kind kind)
{
	struct req *r = calloc(1, sizeof(*r));
	if (r) {
		r->f = f;
		r->kind = kind;
		cp_list_init(&r->link);
	}
	return r;
}

static void req_free(struct req *r)
{
	free(r->ids);
	free(r);
}

/* Sends argv with r as its continuation. 0, or -1 (not connected or
 * hiredis refused: r is NOT freed, the caller decides). */
static int send_argv(struct cp_fleet *f, struct req *r, int argc, const char **argv)
{
	if (!f->ac || !f->connected)
		return -1;
	if (redisAsyncCommandArgv(f->ac, on_reply, r, argc, argv, NULL) != REDIS_OK)
		return -1;
	r->sent_ms = now_ms();
	cp_list_add_tail(&f->inflight, &r->link);
	return 0;
}

/* A fire-and-forget command: its reply is only checked for an error. */
static void send_simple(struct cp_fleet *f, int argc, const char **argv)
{
	struct req *r = req_new(f, RQ_IGNORE);
	if (r && send_argv(f, r, argc, argv))
		req_free(r);
}

static void key_node(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "sluice:node:%s", id);
}

static void key_room(char *buf, size_t len, const char *channel)
{
	snprintf(buf, len, "sluice:room:%s", channel);
}

/* This node's record as it stands now. */
static void self_record(const struct cp_fleet *f, struct cp_fleet_node *n)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", f->cfg->node_id);
	snprintf(n->url, sizeof(n->url), "%s", f->cfg->public_url);
	if (f->cfg->announced_ip[0]) {
		snprintf(n->media, sizeof(n->media), "%s", f->cfg->announced_ip);
	} else if (f->dp->attached) {
		uint32_t a = cp_dp_ipv4(f->dp);
		inet_ntop(AF_INET, &a, n->media, sizeof(n->media));
	}
	n->capacity = (uint32_t)f->cfg->node_capacity;
	n->load = cp_signal_load(f->sig);
}

/* ------------------------------------------------------------------ */
/* registration and room refresh (every ttl / 3)                        */
/* ------------------------------------------------------------------ */

static void claim_room(void *user, const char *channel)
{
	struct cp_fleet *f = user;
	char key[192], ttl[16];
	key_room(key, sizeof(key), channel);
	snprintf(ttl, sizeof(ttl), "%d", f->cfg->fleet_ttl_ms);
	struct req *r = req_new(f, RQ_CLAIM);
	if (!r)
		return;
	snprintf(r->channel, sizeof(r->channel), "%s", channel);
	const char *argv[] = {"EVAL", LUA_CLAIM, "1", key, f->cfg->node_id, ttl};
	if (send_argv(f, r, 6, argv))
		req_free(r);
}

static void refresh(struct cp_fleet *f)
{
	struct cp_fleet_node self;
	char rec[CP_FLEET_RECORD_MAX + 1], key[96], ttl[16];
	self_record(f, &self);
	if (cp_fleet_node_json(&self, rec, sizeof(rec)) < 0)
		return;
	key_node(key, sizeof(key), self.id);
	snprintf(ttl, sizeof(ttl), "%d", f->cfg->fleet_ttl_ms);
	const char *set[] = {"SET", key, rec, "PX", ttl};
	send_simple(f, 5, set);
	const char *sadd[] = {"SADD", "sluice:nodes", self.id};
	send_simple(f, 3, sadd);
	cp_signal_foreach_room(f->sig, claim_room, f);
	struct req *r = req_new(f, RQ_MEMBERS);
	const char *mem[] = {"SMEMBERS", "sluice:nodes"};
	if (r && send_argv(f, r, 2, mem))
		req_free(r);
}

static void on_members(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
		return;
	size_t n = rep->elements < MAX_NODES ? rep->elements : MAX_NODES;
	struct req *m = req_new(f, RQ_RECORDS);
	const char **argv = calloc(n + 1, sizeof(*argv));
	char(*keys)[96] = calloc(n, sizeof(*keys));
	if (!m || !argv || !keys || !(m->ids = calloc(n, sizeof(*m->ids))))
		goto out;
	argv[0] = "MGET";
	for (size_t i = 0; i < n; i++) {
		const redisReply *e = rep->element[i];
		if (e->type != REDIS_REPLY_STRING || !cp_fleet_id_valid(e->str))
			continue; /* not an id: skipped (and never read) */
		snprintf(m->ids[m->n_ids], sizeof(m->ids[0]), "%s", e->str);
		key_node(keys[m->n_ids], sizeof(keys[0]), e->str);
		argv[1 + m->n_ids] = keys[m->n_ids];
		m->n_ids++;
	}
	if (m->n_ids && send_argv(f, m, (int)m->n_ids + 1, argv) == 0)
		m = NULL;
out:
	(void)r;
	if (m)
		req_free(m);
	free(argv);
	free(keys);
}

static void on_records(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != r->n_ids)
		return;
	f->n_nodes = 0;
	for (size_t i = 0; i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		char err[128];
		if (e->type == REDIS_REPLY_NIL) { /* expired: drop it from the index */
			const char *srem[] = {"SREM", "sluice:nodes", r->ids[i]};
			send_simple(f, 3, srem);
			continue;
		}
		struct cp_fleet_node *n = &f->nodes[f->n_nodes];
		if (e->type != REDIS_REPLY_STRING ||
		    cp_fleet_node_parse(e->str, e->len, n, err, sizeof(err))) {
			f->errors[FE_RECORD]++;
			CP_DBG("fleet: node %s: record of %s ignored", f->cfg->node_id, r->ids[i]);
			continue;
		}
		if (strcmp(n->id, r->ids[i]) || !strcmp(n->id, f->cfg->node_id))
			continue; /* ourselves (added fresh at each choice) or mislabelled */
		f->n_nodes++;
	}
}

/* ------------------------------------------------------------------ */
/* joins                                                               */
/* ------------------------------------------------------------------ */

static void join_finish(struct cp_fleet *f, struct req *r, enum cp_signal_home h,
			const char *arg)
{
	if (h == CP_SIGNAL_HOME_REDIRECT)
		f->redirects++;
	else if (h == CP_SIGNAL_HOME_HERE)
		f->joins_here++;
	else
		f->joins_unavailable++;
	cp_signal_join_done(f->sig, r->peer_id, h, arg);
	req_free(r);
}

static void join_unavailable(struct cp_fleet *f, struct req *r)
{
	join_finish(f, r, CP_SIGNAL_HOME_UNAVAILABLE,
		    "the fleet directory (Redis) is unreachable: new rooms cannot be placed "
		    "now; try again shortly (rooms already running are not affected)");
}

/* Sends r's next join command, or answers it unavailable. */
static void join_send(struct cp_fleet *f, struct req *r, enum req_kind kind, int argc,
		      const char **argv)
{
	r->kind = kind;
	if (send_argv(f, r, argc, argv))
		join_unavailable(f, r);
}

static void join_get_room(struct cp_fleet *f, struct req *r)
{
	char key[192];
	key_room(key, sizeof(key), r->channel);
	const char *argv[] = {"GET", key};
	join_send(f, r, RQ_J_ROOM, 2, argv);
}

static void join_claim(struct cp_fleet *f, struct req *r);

/* No home yet: the least loaded node (us included) becomes it. */
static void join_place(struct cp_fleet *f, struct req *r)
{
	struct cp_fleet_node cand[MAX_NODES + 1];
	memcpy(cand, f->nodes, f->n_nodes * sizeof(cand[0]));
	self_record(f, &cand[f->n_nodes]);
	int i = cp_fleet_choose_home(cand, f->n_nodes + 1, (int)f->n_nodes);
	if (i < 0) {
		join_finish(f, r, CP_SIGNAL_HOME_UNAVAILABLE,
			    "every node of the fleet is at its capacity (node_capacity peers)");
		return;
	}
	snprintf(r->node, sizeof(r->node), "%s", cand[i].id);
	snprintf(r->url, sizeof(r->url), "%s", cand[i].url);
	if (i == (int)f->n_nodes) {
		join_claim(f, r);
		return;
	}
	/* the listing may be up to ttl/3 old: is the chosen node still there? */
	char key[96];
	key_node(key, sizeof(key), r->node);
	const char *argv[] = {"GET", key};
	join_send(f, r, RQ_J_CHECK, 2, argv);
}

/* SET NX of the room's home (r->node). */
static void join_claim(struct cp_fleet *f, struct req *r)
{
	char key[192], ttl[16];
	key_room(key, sizeof(key), r->channel);
	snprintf(ttl, sizeof(ttl), "%d", f->cfg->fleet_ttl_ms);
	const char *argv[] = {"SET", key, r->node, "NX", "PX", ttl};
	join_send(f, r, RQ_J_SETNX, 6, argv);
}

static void forget_node(struct cp_fleet *f, const char *id)
{
	for (size_t i = 0; i < f->n_nodes; i++)
		if (!strcmp(f->nodes[i].id, id)) {
			f->nodes[i] = f->nodes[--f->n_nodes];
			return;
		}
}

static void on_j_check(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	struct cp_fleet_node n;
	char err[128];
	if (rep->type == REDIS_REPLY_STRING &&
	    cp_fleet_node_parse(rep->str, rep->len, &n, err, sizeof(err)) == 0 &&
	    !strcmp(n.id, r->node)) {
		snprintf(r->url, sizeof(r->url), "%s", n.url);
		join_claim(f, r);
		return;
	}
	forget_node(f, r->node); /* gone since the listing: choose again */
	if (++r->retries > JOIN_RETRIES) {
		join_finish(f, r, CP_SIGNAL_HOME_UNAVAILABLE,
			    "the fleet's nodes keep disappearing: try again");
		return;
	}
	join_place(f, r);
}

static void join_retry(struct cp_fleet *f, struct req *r)
{
	if (++r->retries > JOIN_RETRIES) {
		f->errors[FE_REPLY]++;
		join_finish(f, r, CP_SIGNAL_HOME_UNAVAILABLE,
			    "the room's home keeps changing: try again");
		return;
	}
	join_get_room(f, r);
}

static void on_j_room(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	if (rep->type == REDIS_REPLY_NIL) {
		join_place(f, r);
		return;
	}
	if (rep->type != REDIS_REPLY_STRING || !cp_fleet_id_valid(rep->str)) {
		f->errors[FE_REPLY]++;
		join_unavailable(f, r);
		return;
	}
	if (!strcmp(rep->str, f->cfg->node_id)) {
		join_finish(f, r, CP_SIGNAL_HOME_HERE, NULL);
		return;
	}
	snprintf(r->node, sizeof(r->node), "%s", rep->str);
	char key[96];
	key_node(key, sizeof(key), r->node);
	const char *argv[] = {"GET", key};
	join_send(f, r, RQ_J_NODE, 2, argv);
}

static void on_j_node(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	struct cp_fleet_node n;
	char err[128];
	if (rep->type == REDIS_REPLY_STRING &&
	    cp_fleet_node_parse(rep->str, rep->len, &n, err, sizeof(err)) == 0 &&
	    !strcmp(n.id, r->node)) {
		join_finish(f, r, CP_SIGNAL_HOME_REDIRECT, n.url);
		return;
	}
	if (rep->type != REDIS_REPLY_NIL)
		f->errors[FE_RECORD]++;
	/* the home is gone (or its record is unusable): take the room */
	CP_INFO("fleet: node %s: room %s: home %s is gone, re-homing it here", f->cfg->node_id,
		r->channel, r->node);
	char key[192], ttl[16];
	key_room(key, sizeof(key), r->channel);
	snprintf(ttl, sizeof(ttl), "%d", f->cfg->fleet_ttl_ms);
	const char *argv[] = {"EVAL", LUA_TAKEOVER, "1", key, r->node, f->cfg->node_id, ttl};
	join_send(f, r, RQ_J_TAKEOVER, 7, argv);
}

static void on_j_setnx(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	if (rep->type == REDIS_REPLY_NIL) { /* another node placed it first */
		join_retry(f, r);
		return;
	}
	if (rep->type != REDIS_REPLY_STATUS) {
		f->errors[FE_REPLY]++;
		join_unavailable(f, r);
		return;
	}
	if (!strcmp(r->node, f->cfg->node_id)) {
		join_finish(f, r, CP_SIGNAL_HOME_HERE, NULL);
	} else {
		char url[sizeof(r->url)];
		memcpy(url, r->url, sizeof(url));
		CP_INFO("fleet: node %s: room %s placed on %s (least loaded)", f->cfg->node_id,
			r->channel, r->node);
		join_finish(f, r, CP_SIGNAL_HOME_REDIRECT, url);
	}
}

static void on_j_takeover(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
		f->rehomed++;
		join_finish(f, r, CP_SIGNAL_HOME_HERE, NULL);
	} else if (rep->type == REDIS_REPLY_INTEGER) {
		join_retry(f, r); /* someone else re-homed it: look again */
	} else {
		f->errors[FE_REPLY]++;
		join_unavailable(f, r);
	}
}

/* The signaling layer's resolve hook. */
static int fleet_resolve(void *user, const char *channel, const char *peer_id, char *msg,
			 size_t msglen)
{
	struct cp_fleet *f = user;
	struct req *r = NULL;
	if (f->connected && strlen(peer_id) <= PEER_ID_MAX &&
	    strlen(channel) < sizeof(r->channel))
		r = req_new(f, RQ_J_ROOM);
	if (r) {
		snprintf(r->peer_id, sizeof(r->peer_id), "%s", peer_id);
		snprintf(r->channel, sizeof(r->channel), "%s", channel);
		char key[192];
		key_room(key, sizeof(key), channel);
		const char *argv[] = {"GET", key};
		if (send_argv(f, r, 2, argv) == 0)
			return 0;
		req_free(r);
	}
	f->joins_unavailable++;
	snprintf(msg, msglen, "the fleet directory (Redis) is unreachable: this node cannot "
		 "place new rooms now; try again shortly (rooms already running are not "
		 "affected)");
	return -ENOTCONN;
}

static void fleet_room_closed(void *user, const char *channel)
{
	struct cp_fleet *f = user;
	char key[192];
	key_room(key, sizeof(key), channel);
	const char *argv[] = {"EVAL", LUA_RELEASE, "1", key, f->cfg->node_id};
	send_simple(f, 5, argv); /* unreachable: the key expires by itself */
}

/* ------------------------------------------------------------------ */
/* replies                                                             */
/* ------------------------------------------------------------------ */

static void step(struct cp_fleet *f, struct req *r, redisReply *rep)
{
	switch (r->kind) {
	case RQ_J_ROOM: on_j_room(f, r, rep); return;
	case RQ_J_NODE: on_j_node(f, r, rep); return;
	case RQ_J_CHECK: on_j_check(f, r, rep); return;
	case RQ_J_SETNX: on_j_setnx(f, r, rep); return;
	case RQ_J_TAKEOVER: on_j_takeover(f, r, rep); return;
	case RQ_CLAIM:
		if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 0) {
			f->errors[FE_LOST_ROOM]++;
			CP_WARN("fleet: node %s: room %s is homed on another node now (the "
				"directory lost our claim); it goes on here until it closes",
				f->cfg->node_id, r->channel);
		}
		break;
	case RQ_MEMBERS: on_members(f, r, rep); break;
	case RQ_RECORDS: on_records(f, r, rep); break;
	case RQ_IGNORE: break;
	}
	req_free(r);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct req *r = priv;
	struct cp_fleet *f = r->f;
	redisReply *rep = reply;
	(void)ac;
	cp_list_del(&r->link);
	if (!rep) { /* the connection went away with r in flight */
		if (r->kind >= RQ_J_ROOM)
			join_unavailable(f, r);
		else
			req_free(r);
		return;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		f->errors[FE_REPLY]++;
		CP_WARN("fleet: node %s: Redis answered an error: %.200s", f->cfg->node_id,
			rep->str);
		if (r->kind >= RQ_J_ROOM)
			join_unavailable(f, r);
		else
			req_free(r);
		return;
	}
	step(f, r, rep);
}

/* ------------------------------------------------------------------ */
/* connection                                                          */
/* ------------------------------------------------------------------ */

static void schedule_reconnect(struct cp_fleet *f)
{
	uint64_t now = now_ms();
	f->next_connect_ms = now + f->backoff_ms;
	f->backoff_ms = f->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : f->backoff_ms * 2;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct cp_fleet *f = ac->data;
	if (status != REDIS_OK) {
		f->errors[FE_UNREACHABLE]++;
		CP_DBG("fleet: node %s: cannot connect to Redis: %s", f->cfg->node_id,
		       ac->errstr);
		f->ac = NULL; /* hiredis frees it */
		f->connected = 0;
		schedule_reconnect(f);
		return;
	}
	f->connected = 1;
	f->backoff_ms = BACKOFF_MIN_MS;
	CP_INFO("fleet: node %s: connected to Redis %s", f->cfg->node_id, f->cfg->redis_url);
	if (f->addr.password[0]) {
		const char *argv[] = {"AUTH", f->addr.password};
		send_simple(f, 2, argv);
	}
	if (f->addr.db > 0) {
		char db[16];
		snprintf(db, sizeof(db), "%d", f->addr.db);
		const char *argv[] = {"SELECT", db};
		send_simple(f, 2, argv);
	}
	refresh(f); /* register at once (a Redis restarted empty) */
	f->next_refresh_ms = now_ms() + (uint64_t)f->cfg->fleet_ttl_ms / 3;
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct cp_fleet *f = ac->data;
	if (f->ac == ac) {
		if (f->connected)
			CP_WARN("fleet: node %s: lost Redis %s (%s): running rooms go on, new "
				"rooms wait for it", f->cfg->node_id, f->cfg->redis_url,
				status == REDIS_OK ? "closed" : ac->errstr);
		if (status != REDIS_OK)
			f->errors[FE_UNREACHABLE]++;
		f->ac = NULL;
		f->connected = 0;
		schedule_reconnect(f);
	}
}

static void start_connect(struct cp_fleet *f)
{
	redisAsyncContext *ac = f->addr.path[0] ? redisAsyncConnectUnix(f->addr.path)
						: redisAsyncConnect(f->addr.host, f->addr.port);
	if (!ac || ac->err) {
		f->errors[FE_UNREACHABLE]++;
		if (ac)
			redisAsyncFree(ac);
		schedule_reconnect(f);
		return;
	}
	ac->data = f;
	ac->ev.data = f;
	ac->ev.addRead = ev_nop;
	ac->ev.delRead = ev_nop;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	f->ac = ac;
	f->connected = 0;
	f->want_write = 1; /* the connect completes on POLLOUT */
	f->connect_started_ms = now_ms();
}

/* Drops the connection from the tick (not from a callback): every command
 * in flight fails (joins answer OVERLOADED). */
static void drop(struct cp_fleet *f, enum fleet_err why, const char *what)
{
	redisAsyncContext *ac = f->ac;
	f->errors[why]++;
	CP_WARN("fleet: node %s: Redis %s: %s; reconnecting", f->cfg->node_id, f->cfg->redis_url,
		what);
	f->connected = 0;
	redisAsyncFree(ac); /* callbacks run with NULL replies, on_disconnect clears f->ac */
	if (f->ac == ac)
		f->ac = NULL;
	schedule_reconnect(f);
}

static void drive_io(struct cp_fleet *f)
{
	for (int i = 0; i < 8 && f->ac; i++) {
		struct pollfd pfd = {.fd = f->ac->c.fd,
				     .events = (short)(POLLIN | (f->want_write ? POLLOUT : 0))};
		if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
			return;
		redisAsyncContext *ac = f->ac;
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP))
			redisAsyncHandleRead(ac);
		if (f->ac == ac && (pfd.revents & POLLOUT))
			redisAsyncHandleWrite(ac);
	}
}

void cp_fleet_tick(struct cp_fleet *f)
{
	if (!f)
		return;
	uint64_t now = now_ms();
	if (!f->ac && now >= f->next_connect_ms)
		start_connect(f);
	drive_io(f);
	now = now_ms();
	if (f->ac && !f->connected && now - f->connect_started_ms > CONNECT_TIMEOUT_MS) {
		drop(f, FE_TIMEOUT, "connect timed out");
		return;
	}
	if (f->ac && !cp_list_empty(&f->inflight)) {
		struct req *old = cp_container_of(f->inflight.next, struct req, link);
		if (now - old->sent_ms > CMD_TIMEOUT_MS) {
			drop(f, FE_TIMEOUT, "a command was not answered in time");
			return;
		}
	}
	if (f->connected && now >= f->next_refresh_ms) {
		f->next_refresh_ms = now + (uint64_t)f->cfg->fleet_ttl_ms / 3;
		refresh(f);
	}
}

/* ------------------------------------------------------------------ */
/* life cycle and metrics                                              */
/* ------------------------------------------------------------------ */

struct cp_fleet *cp_fleet_new(const struct cp_config *cfg, struct cp_dp *dp,
			      struct cp_signal *sig, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (!cfg->redis_url[0])
		return NULL;
	struct cp_fleet *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cp_fleet_redis_url_parse(cfg->redis_url, &f->addr, err, errlen)) {
		free(f);
		return NULL;
	}
	f->cfg = cfg;
	f->dp = dp;
	f->sig = sig;
	f->backoff_ms = BACKOFF_MIN_MS;
	cp_list_init(&f->inflight);
	struct cp_signal_fleet hooks = {.resolve = fleet_resolve,
					.room_closed = fleet_room_closed, .user = f};
	cp_signal_set_fleet(sig, &hooks);
	CP_INFO("fleet: node %s (%s, capacity %d peers, ttl %d ms) using the directory at %s",
		cfg->node_id, cfg->public_url, cfg->node_capacity, cfg->fleet_ttl_ms,
		cfg->redis_url);
	return f;
}

void cp_fleet_stop(struct cp_fleet *f)
{
	if (!f)
		return;
	cp_signal_set_fleet(f->sig, NULL);
	if (!f->connected)
		return;
	char key[96];
	key_node(key, sizeof(key), f->cfg->node_id);
	const char *del[] = {"DEL", key};
	send_simple(f, 2, del);
	const char *srem[] = {"SREM", "sluice:nodes", f->cfg->node_id};
	send_simple(f, 3, srem);
	/* bounded: after the event loop, at most 20 x 10 ms */
	for (int i = 0; i < 20 && f->ac && !cp_list_empty(&f->inflight); i++) {
		struct pollfd pfd = {.fd = f->ac->c.fd,
				     .events = (short)(POLLIN | (f->want_write ? POLLOUT : 0))};
		if (poll(&pfd, 1, 10) < 0)
			break;
		redisAsyncContext *ac = f->ac;
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP))
			redisAsyncHandleRead(ac);
		if (f->ac == ac && (pfd.revents & POLLOUT))
			redisAsyncHandleWrite(ac);
	}
}

void cp_fleet_free(struct cp_fleet *f)
{
	if (!f)
		return;
	if (f->ac) {
		redisAsyncContext *ac = f->ac;
		f->connected = 0;
		redisAsyncFree(ac);
		f->ac = NULL;
	}
	while (!cp_list_empty(&f->inflight)) { /* defensive: hiredis answered them all */
		struct req *r = cp_container_of(f->inflight.next, struct req, link);
		cp_list_del(&r->link);
		req_free(r);
	}
	free(f);
}

void cp_fleet_metrics(const struct cp_fleet *f, struct cp_buf *b)
{
	cp_buf_printf(b, "# HELP sluice_fleet_enabled 1 when redis_url is set (README Fleet).\n"
			 "# TYPE sluice_fleet_enabled gauge\nsluice_fleet_enabled %d\n", f != NULL);
	if (!f)
		return;
	cp_buf_printf(b, "# HELP sluice_fleet_connected 1 while the Redis directory is "
			 "connected.\n# TYPE sluice_fleet_connected gauge\n"
			 "sluice_fleet_connected %d\n", f->connected);
	cp_buf_printf(b, "# HELP sluice_fleet_nodes Other live nodes in the last listing.\n"
			 "# TYPE sluice_fleet_nodes gauge\nsluice_fleet_nodes %zu\n", f->n_nodes);
	cp_buf_printf(b, "# HELP sluice_fleet_redirects_total Joins answered REDIRECT.\n"
			 "# TYPE sluice_fleet_redirects_total counter\n"
			 "sluice_fleet_redirects_total %" PRIu64 "\n", f->redirects);
	cp_buf_printf(b, "# HELP sluice_fleet_rehomed_total Rooms taken over from a dead "
			 "home.\n# TYPE sluice_fleet_rehomed_total counter\n"
			 "sluice_fleet_rehomed_total %" PRIu64 "\n", f->rehomed);
	cp_buf_printf(b, "# HELP sluice_fleet_joins_total Joins that asked the directory, by "
			 "result.\n# TYPE sluice_fleet_joins_total counter\n"
			 "sluice_fleet_joins_total{result=\"here\"} %" PRIu64 "\n"
			 "sluice_fleet_joins_total{result=\"redirect\"} %" PRIu64 "\n"
			 "sluice_fleet_joins_total{result=\"unavailable\"} %" PRIu64 "\n",
		      f->joins_here, f->redirects, f->joins_unavailable);
	cp_buf_printf(b, "# HELP sluice_fleet_directory_errors_total Directory errors, by "
			 "reason.\n# TYPE sluice_fleet_directory_errors_total counter\n");
	for (int i = 0; i < FE__COUNT; i++)
		cp_buf_printf(b, "sluice_fleet_directory_errors_total{reason=\"%s\"} %" PRIu64 "\n",
			      err_names[i], f->errors[i]);
}
