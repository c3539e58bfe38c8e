/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the signaling layer (controlplane/signal): drives the
 * whole request layer - connect, every mediasoup:* request, disconnects,
 * data-plane events, clock jumps, data-plane death and return - from a small
 * script, against a fake data plane in a real segment (dataplane/dp_shm.c,
 * no EAL) that answers HELLO/NOOP and validates every command it gets.
 *
 * Script: one operation per line, "<peer 0-3><op><rest>":
 *   c<json>   connect with this auth object (empty: no auth)
 *   d         disconnect
 *   e<name> <json>   request with ack;  n<name> <json>   without ack
 *   r<type> <k> <hex>   a data-plane event of that type for recorded
 *                       transport k, payload bytes in hex (DTLS_RECV: data)
 *   t<ms>     advance the clock and tick;  k / K   data plane dies / returns
 *             (K1: returns still holding transports of "another" control plane)
 * In the JSON, $T<k> $P<k> $C<k> $R<k> stand for the k-th transport,
 * producer, consumer and peer id seen in answers, $A<k> for a token of user
 * k (k = 4: room "r1" only, 5: pub false, 6: sub_media false, 7: expired),
 * $CAPS for the router capabilities, $FP for a valid sha-256 fingerprint.
 *
 * Invariants (abort on failure): every request with an ack is answered
 * exactly once, with a success object or {error: string, code: one of the
 * protocol's codes}; every command passes sl_cmd_validate; after all peers
 * disconnect, no room, peer, transport, producer, consumer, data-plane id or
 * placement load is left.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "../../dataplane/dp_shm.h"
#include "cp_jwt.h"
#include "cp_log.h"
#include "cp_sig_int.h"

#define SECRET "fuzz-secret-0123456789abcdef"
#define NPEERS 4
#define NIDS 16
#define WALL_MS 1700000000000ll

struct fconn {
	int idx;
	struct cp_peer *peer;
	int64_t next_ack;
	int64_t want_ack; /* id of the request in flight, -1 = none */
	int acks;         /* answers to it */
};

static struct fconn conns[NPEERS];
static struct dp_shm shm;
static char shm_name[64];
static struct cp_dp dp;
static struct cp_config cfg;
static struct cp_signal *sig;
static uint64_t now_ms = 1000;
static char tokens[8][1024];
static char ids[4][NIDS][CP_UUID_LEN + 1]; /* T P C R */
static int n_ids[4];

static void record(int kind, const char *id)
{
	if (!id || strlen(id) != CP_UUID_LEN)
		return;
	for (int i = 0; i < n_ids[kind]; i++)
		if (!strcmp(ids[kind][i], id))
			return;
	snprintf(ids[kind][n_ids[kind] % NIDS], CP_UUID_LEN + 1, "%s", id);
	n_ids[kind]++;
	if (n_ids[kind] > NIDS)
		n_ids[kind] = NIDS;
}

static int io_emit(void *c, const char *ev, json_t *data)
{
	if (!ev || !*ev)
		abort();
	return 0;
}

static int io_ack(void *c, int64_t id, json_t *resp)
{
	struct fconn *k = c;
	if (id != k->want_ack || !json_is_object(resp))
		abort();
	k->acks++;
	json_t *code = json_object_get(resp, "code");
	if (code) {
		const char *cs = json_string_value(code);
		int ok = 0;
		for (int i = 1; cs && i < CP_SIG__COUNT; i++)
			ok |= !strcmp(cs, cp_sig_code_name((enum cp_sig_code)i));
		if (!ok || !json_is_string(json_object_get(resp, "error")) || json_object_size(resp) != 2)
			abort();
		return 0;
	}
	record(0, json_string_value(json_object_get(json_object_get(resp, "transport"), "id")));
	record(1, json_string_value(json_object_get(resp, "producerId")));
	record(2, json_string_value(json_object_get(json_object_get(resp, "consumer"), "id")));
	record(3, json_string_value(json_object_get(resp, "peerId")));
	return 0;
}

static const char *io_name(void *c)
{
	return "fuzz";
}

static uint64_t io_now(void *u)
{
	return now_ms;
}

static int64_t io_wall(void *u)
{
	return WALL_MS;
}

/* ---- fake data plane ---- */

static int dp_create(void)
{
	struct dp_shm_params p;
	char err[256];
	memset(&p, 0, sizeof(p));
	p.name = shm_name;
	p.n_lcores = 2;
	p.n_slots = 64;
	p.max_transports = 16;
	p.port_base = 40000;
	p.ipv4 = 0x0100a8c0;
	p.device = "fuzz0";
	return dp_shm_create(&shm, &p, err, sizeof(err));
}

static void dp_poll(void)
{
	struct sl_msg m, r;
	if (!shm.hdr)
		return;
	struct sl_valid_ctx v = {16, 64, 2, 16 * 8};
	for (unsigned int l = 0; l < 2; l++) {
		while (rte_ring_dequeue_elem(dp_shm_cmd_ring(&shm, l), &m, SL_MSG_SIZE) == 0) {
			if (m.h.type != SL_MSG_HELLO && sl_cmd_validate(&m, &v) != SL_VALID_OK)
				abort(); /* the control plane sent a command the data plane refuses */
			if (m.h.type == SL_MSG_SEND_PACKET) {
				uint32_t idx = m.u.packet.slot;
				rte_ring_enqueue_elem(dp_shm_slot_ring(&shm), &idx, sizeof(idx));
			}
			memset(&r, 0, sizeof(r));
			r.h.seq = m.h.seq;
			r.h.transport_id = m.h.transport_id;
			if (m.h.type == SL_MSG_HELLO) {
				r.h.type = SL_MSG_HELLO_ACK;
				r.u.hello_ack.lcore_index = l;
			} else if (m.h.type == SL_MSG_NOOP) {
				r.h.type = SL_MSG_NOOP_REPLY;
				r.u.noop.lcore_index = l;
			} else if (m.h.seq) {
				r.h.type = SL_MSG_RESULT;
				r.u.result.cmd_type = m.h.type;
				/* refuse some commands to exercise the failure paths */
				r.u.result.status = (m.h.seq % 7 == 0) ? -ENOTSUP : 0;
				if (m.h.type == SL_MSG_TRANSPORT_CREATE && m.h.seq % 5 == 0)
					r.u.result.status = -EEXIST;
			} else {
				continue;
			}
			rte_ring_enqueue_elem(dp_shm_evt_ring(&shm, l), &r, SL_MSG_SIZE);
		}
	}
}

static void pump(int n)
{
	for (int i = 0; i < n; i++) {
		dp.next_try_ns = 0;
		cp_dp_tick(&dp);
		dp_poll();
		cp_signal_tick(sig);
	}
}

/* At exit: free everything (leak check) and remove the segment. */
static void fini(void)
{
	for (int i = 0; i < NPEERS; i++)
		if (conns[i].peer)
			cp_signal_disconnect(sig, conns[i].peer, "exit");
	cp_signal_free(sig);
	cp_dp_fini(&dp);
	if (shm.hdr)
		dp_shm_destroy(&shm);
}

/* libFuzzer may end without running atexit handlers: remove the segments
 * earlier runs of this harness left behind (their process is gone). */
static void remove_stale_segments(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		int pid;
		char name[300];
		if (sscanf(e->d_name, "sl-fuzzsig-%d", &pid) == 1 && pid > 0 &&
		    kill(pid, 0) != 0 && errno == ESRCH) {
			snprintf(name, sizeof(name), "/%s", e->d_name);
			shm_unlink(name);
		}
	}
	if (d)
		closedir(d);
}

static void init(void)
{
	cp_log_set_level(CP_LOG_ERROR);
	remove_stale_segments();
	snprintf(shm_name, sizeof(shm_name), "/sl-fuzzsig-%d", (int)getpid());
	if (dp_create())
		abort();
	cp_config_defaults(&cfg);
	snprintf(cfg.jwt_secret, sizeof(cfg.jwt_secret), "%s", SECRET);
	cfg.max_rooms = 3;
	cfg.max_peers_per_room = 3;
	cfg.max_transports_per_peer = 3;
	cfg.max_requests_per_sec = 50;
	cfg.dtls_timeout_ms = 1000;
	struct cp_signal_io io = {.emit = io_emit, .ack = io_ack, .name = io_name, .now_ms = io_now, .wall_ms = io_wall, .user = NULL};
	char err[256];
	cp_dp_init(&dp, shm_name, 1000, NULL);
	sig = cp_signal_new(&cfg, &dp, &io, err, sizeof(err));
	if (!sig)
		abort();
	struct cp_dp_handlers h = {cp_signal_dp_event, cp_signal_dp_detach, cp_signal_dp_ready, sig};
	dp.h = h;
	pump(3);
	for (int k = 0; k < 8; k++) {
		struct cp_jwt_claims c;
		memset(&c, 0, sizeof(c));
		snprintf(c.sub, sizeof(c.sub), "user%d", k);
		c.exp = WALL_MS / 1000 + (k == 7 ? -5 : 3600);
		c.pub = k != 5;
		c.sub_media = k != 6;
		if (k == 4) {
			c.has_room = true;
			snprintf(c.room, sizeof(c.room), "r1");
		}
		if (cp_jwt_mint(tokens[k], sizeof(tokens[k]), (const uint8_t *)SECRET,
				strlen(SECRET), &c) < 0)
			abort();
	}
	for (int i = 0; i < NPEERS; i++)
		conns[i].idx = i;
	atexit(fini);
}

/* ---- script ---- */

/* Expands the $ placeholders of s into out (bounded). */
static void expand(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	char *caps = NULL;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		const char *rep = NULL;
		size_t skip = 0;
		if (s[i] == '$' && i + 1 < n) {
			char c = s[i + 1];
			int k = i + 2 < n && isdigit((unsigned char)s[i + 2]) ? s[i + 2] - '0' : 0;
			int has_k = i + 2 < n && isdigit((unsigned char)s[i + 2]);
			static const char kinds[] = "TPCR";
			const char *kp = strchr(kinds, c);
			if (kp && c && has_k) {
				int kind = (int)(kp - kinds);
				rep = k < n_ids[kind] ? ids[kind][k] : "00000000-0000-4000-8000-000000000000";
				skip = 3;
			} else if (c == 'A' && has_k) {
				rep = tokens[k % 8];
				skip = 3;
			} else if (c == 'F' && i + 2 < n && s[i + 2] == 'P') {
				rep = cp_dtls_cert_fingerprint(sig->cert);
				skip = 3;
			} else if (c == 'C' && i + 4 < n && !strncmp(s + i + 1, "CAPS", 4)) {
				if (!caps)
					caps = json_dumps(sig->router_caps, JSON_COMPACT);
				rep = caps;
				skip = 5;
			}
		}
		if (rep) {
			size_t l = strlen(rep);
			if (o + l >= cap)
				break;
			memcpy(out + o, rep, l);
			o += l;
			i += skip - 1;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	free(caps);
}

static void do_connect(struct fconn *c, const char *rest, size_t n)
{
	static char buf[65536];
	if (c->peer) {
		cp_signal_disconnect(sig, c->peer, "fuzz");
		c->peer = NULL;
	}
	expand(rest, n, buf, sizeof(buf));
	json_t *auth = n ? json_loads(buf, JSON_DECODE_ANY, NULL) : NULL;
	cp_signal_connect(sig, c, auth, &c->peer);
	json_decref(auth);
}

static void do_event(struct fconn *c, const char *rest, size_t n, int with_ack)
{
	static char buf[65536];
	char name[96];
	size_t i = 0;
	if (!c->peer)
		return;
	while (i < n && rest[i] != ' ' && i < sizeof(name) - 1) {
		name[i] = rest[i];
		i++;
	}
	name[i] = '\0';
	if (memchr(name, 0, i))
		return;
	expand(rest + i, n - i, buf, sizeof(buf));
	json_t *payload = json_loads(buf, JSON_DECODE_ANY, NULL);
	c->want_ack = with_ack ? c->next_ack++ : -1;
	c->acks = 0;
	cp_signal_event(sig, c->peer, name, payload, c->want_ack);
	json_decref(payload);
	if (with_ack && c->acks != 1)
		abort(); /* every request is answered exactly once */
	c->want_ack = -1;
}

static int hexval(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	h = (char)tolower((unsigned char)h);
	return h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
}

static void do_dp_event(const char *rest, size_t n)
{
	char tmp[64];
	size_t tl = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;
	memcpy(tmp, rest, tl);
	tmp[tl] = '\0';
	unsigned type = 0, k = 0;
	int used = 0;
	if (!shm.hdr || sscanf(tmp, "%u %u %n", &type, &k, &used) < 2)
		return;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = (uint16_t)type;
	struct cp_transport *t = k < (unsigned)n_ids[0] ? cp_map_get(&sig->transports, ids[0][k]) : NULL;
	m.h.transport_id = t ? t->tid : k;
	uint8_t payload[SL_SLOT_DATA];
	size_t pl = 0;
	for (size_t i = (size_t)used; i + 1 < n && pl < sizeof(payload); i += 2) {
		int a = hexval(rest[i]), b = hexval(rest[i + 1]);
		if (a < 0 || b < 0)
			break;
		payload[pl++] = (uint8_t)(a << 4 | b);
	}
	unsigned lcore = t ? t->lcore : 0;
	if (type == SL_MSG_DTLS_RECV) {
		uint32_t idx;
		if (!pl || rte_ring_dequeue_elem(dp_shm_slot_ring(&shm), &idx, sizeof(idx)))
			return;
		memcpy(sl_shm_slot(shm.hdr, idx)->data, payload, pl);
		m.u.packet.slot = idx;
		m.u.packet.len = (uint16_t)pl;
		m.u.packet.tuple.family = 4;
	} else {
		memcpy(m.u.raw, payload, pl < sizeof(m.u.raw) ? pl : sizeof(m.u.raw));
	}
	if (rte_ring_enqueue_elem(dp_shm_evt_ring(&shm, lcore), &m, SL_MSG_SIZE) != 0 &&
	    type == SL_MSG_DTLS_RECV)
		rte_ring_enqueue_elem(dp_shm_slot_ring(&shm), &m.u.packet.slot, sizeof(uint32_t));
}

static void check_empty(void)
{
	struct cp_signal *s = sig;
	if (s->n_peers || s->n_joined || s->n_transports || s->n_producers || s->n_consumers ||
	    cp_map_count(&s->rooms) || cp_map_count(&s->transports) ||
	    cp_map_count(&s->producers) || cp_map_count(&s->consumers) ||
	    !cp_list_empty(&s->peers) || !cp_list_empty(&s->handshaking))
		abort();
	if (s->dp_ready && (cp_idpool_in_use(&s->tids) || cp_idpool_in_use(&s->pids) ||
			    cp_idpool_in_use(&s->cids)))
		abort();
	for (unsigned i = 0; i < SL_MAX_LCORES; i++)
		if (s->place.load[i].transports || s->place.load[i].producers ||
		    s->place.load[i].consumers)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	if (!inited) {
		init();
		inited = 1;
	}
	memset(n_ids, 0, sizeof(n_ids));
	const char *p = (const char *)data, *end = p + size;
	int ops = 0;
	while (p < end && ops++ < 64) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le - p >= 2) {
			struct fconn *c = &conns[(unsigned char)p[0] % NPEERS];
			const char *rest = p + 2;
			size_t rn = (size_t)(le - rest);
			switch (p[1]) {
			case 'c': do_connect(c, rest, rn); break;
			case 'd':
				if (c->peer)
					cp_signal_disconnect(sig, c->peer, "fuzz");
				c->peer = NULL;
				break;
			case 'e': do_event(c, rest, rn, 1); break;
			case 'n': do_event(c, rest, rn, 0); break;
			case 'r': do_dp_event(rest, rn); break;
			case 't': now_ms += (uint64_t)strtoul(rest, NULL, 10) % 100000; break;
			case 'k':
				if (shm.hdr)
					dp_shm_destroy(&shm);
				break;
			case 'K': /* "K1": the new data plane still holds transports */
				if (!shm.hdr && dp_create())
					abort();
				if (rn && rest[0] == '1')
					sl_shm_lcore(shm.hdr, 1)->counters.transports = 1;
				break;
			default: break;
			}
			pump(2);
		}
		p = nl ? nl + 1 : end;
	}
	for (int i = 0; i < NPEERS; i++) {
		if (conns[i].peer)
			cp_signal_disconnect(sig, conns[i].peer, "end");
		conns[i].peer = NULL;
	}
	if (!shm.hdr && dp_create())
		abort();
	pump(3);
	check_empty();
	now_ms += 100000; /* rate buckets refill between inputs */
	return 0;
}
