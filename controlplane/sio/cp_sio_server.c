/* SPDX-License-Identifier: MIT */
/*
 * Engine.IO / Socket.IO server protocol for libwebsockets. Behaviour and
 * lifetime rules: cp_sio_server.h. Wire parsing and encoding:
 * cp_sio_parse.[ch].
 *
 * Ownership: each WebSocket gets one heap struct cp_sio_conn, created on
 * LWS_CALLBACK_ESTABLISHED and freed (timers cancelled, queue and rx buffer
 * freed) on the first of LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL /
 * LWS_CALLBACK_CLOSED; the lws per-session data holds only the pointer.
 * Module state (handlers, config) is one static struct: one server per
 * process, used from the lws service thread only.
 */
#include "cp_sio_server.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/rand.h>

#include "../cp_bucket.h"
#include "cp_addrtab.h"
#include "cp_sio_parse.h"

#define SIO_RX_CHUNK 16384        /* lws rx buffer per read */
#define SIO_RX_KEEP 65536         /* reassembly buffer kept between messages */
#define SIO_WRITE_BUDGET 32       /* frames per WRITEABLE callback */
#define SIO_CLOSE_GRACE_S 5       /* graceful close backstop */
#define SIO_ERR_BINARY "binary packets are not supported"
#define SIO_RATE_WINDOW_MS 10000  /* max_rate_violations are counted per window */

struct sio_frame {
	struct sio_frame *next;
	size_t len;              /* payload bytes after the LWS_PRE headroom */
	unsigned char buf[];     /* LWS_PRE + len */
};

struct cp_sio_conn {
	struct lws *wsi;
	struct lws_context *ctx;
	int tsi;
	char eio_sid[CP_SIO_SID_LEN + 1];
	char sio_sid[CP_SIO_SID_LEN + 1];
	bool connected;          /* "/" joined: on_disconnect still owed */
	bool closing;            /* no more input handled, no output accepted */
	bool close_after_flush;  /* close once the queue is empty */
	bool ping_outstanding;
	const char *reason;      /* first close reason, static string */
	unsigned refused;        /* refused CONNECTs */
	lws_sorted_usec_list_t sul_ping;    /* next ping due */
	lws_sorted_usec_list_t sul_pong;    /* pong deadline */
	lws_sorted_usec_list_t sul_connect; /* CONNECT deadline */
	lws_sorted_usec_list_t sul_auth;    /* authentication deadline */
	bool authed;             /* cp_sio_set_authenticated() was called */
	bool has_addr;           /* addr is counted in g_sio.addrs */
	uint8_t addr[CP_ADDR_LEN];
	struct cp_bucket bucket; /* rate limit: frames per second */
	uint32_t viol;           /* frames dropped in the current window */
	uint64_t viol_start_ms;
	struct sio_frame *q_head, *q_tail;
	uint32_t q_frames;
	size_t q_bytes;
	uint8_t *rx;             /* reassembly of a fragmented text message */
	size_t rx_len, rx_cap;
	size_t rx_msg;           /* bytes of the current message so far */
	bool rx_binary;
	void *data;
};

struct sio_pss {
	struct cp_sio_conn *c;
};

static int sio_callback(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len);

static struct {
	struct cp_sio_handlers h;
	struct cp_sio_config cfg;
	struct cp_sio_counters ctr;
	struct cp_addrtab addrs; /* allocated while connections exist */
} g_sio = {
	.cfg = {
		.ping_interval_ms = 25000,
		.ping_timeout_ms = 20000,
		.max_payload = 1000000,
		.connect_timeout_ms = 45000,
		.max_queue_frames = 1024,
		.max_queue_bytes = 16u << 20,
		.max_json_depth = CP_SIO_DEFAULT_MAX_DEPTH,
		.max_connect_attempts = 8,
		.path = "/socket.io/",
	},
};

static const struct lws_protocols g_sio_protocol = {
	.name = CP_SIO_PROTOCOL_NAME,
	.callback = sio_callback,
	.per_session_data_size = sizeof(struct sio_pss),
	.rx_buffer_size = SIO_RX_CHUNK,
};

void cp_sio_init(const struct cp_sio_handlers *h,
		 const struct cp_sio_config *cfg)
{
	struct cp_sio_config *d = &g_sio.cfg;

	if (h)
		g_sio.h = *h;
	if (!cfg)
		return;
#define SIO_CFG(f) do { if (cfg->f) d->f = cfg->f; } while (0)
	SIO_CFG(ping_interval_ms);
	SIO_CFG(ping_timeout_ms);
	SIO_CFG(max_payload);
	SIO_CFG(connect_timeout_ms);
	SIO_CFG(max_queue_frames);
	SIO_CFG(max_queue_bytes);
	SIO_CFG(max_json_depth);
	SIO_CFG(max_connect_attempts);
	SIO_CFG(path);
	SIO_CFG(auth_timeout_ms);
	SIO_CFG(max_connections);
	SIO_CFG(max_connections_per_ip);
	SIO_CFG(max_payload_unauth);
	SIO_CFG(max_frames_per_sec);
	SIO_CFG(max_rate_violations);
#undef SIO_CFG
	if (!d->max_payload_unauth || d->max_payload_unauth > d->max_payload)
		d->max_payload_unauth = d->max_payload;
}

const struct cp_sio_counters *cp_sio_counters(void)
{
	return &g_sio.ctr;
}

const struct lws_protocols *cp_sio_protocol(void)
{
	return &g_sio_protocol;
}

const char *cp_sio_id(const struct cp_sio_conn *c)
{
	return c->eio_sid;
}

void cp_sio_set_data(struct cp_sio_conn *c, void *p)
{
	c->data = p;
}

void *cp_sio_get_data(const struct cp_sio_conn *c)
{
	return c->data;
}

struct lws *cp_sio_wsi(const struct cp_sio_conn *c)
{
	return c->wsi;
}

static lws_usec_t ms_to_us(uint32_t ms)
{
	return (lws_usec_t)ms * 1000;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cp_sio_set_authenticated(struct cp_sio_conn *c)
{
	if (!c || c->authed)
		return;
	c->authed = true;
	lws_sul_cancel(&c->sul_auth);
}

/* ----------------------------------------------------------- close paths */

/* Close from outside this wsi's own callback (timers, queue overflow). */
static void conn_kill(struct cp_sio_conn *c, const char *reason)
{
	if (!c->reason)
		c->reason = reason;
	if (c->closing && !c->close_after_flush)
		return;
	c->closing = true;
	c->close_after_flush = false;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Close from inside RECEIVE: the callback returns the -1 this returns. */
static int conn_fail(struct cp_sio_conn *c, enum lws_close_status st,
		     const char *reason)
{
	if (!c->reason)
		c->reason = reason;
	c->closing = true;
	lws_close_reason(c->wsi, st, (unsigned char *)(uintptr_t)reason,
			 strlen(reason));
	return -1;
}

/* ---------------------------------------------------------------- queue */

static void frames_free(struct sio_frame *f)
{
	while (f) {
		struct sio_frame *n = f->next;
		free(f);
		f = n;
	}
}

/* Append a frame; on overflow free it and close the connection. */
static int conn_enqueue(struct cp_sio_conn *c, struct sio_frame *f)
{
	const struct cp_sio_config *cfg = &g_sio.cfg;

	if (c->q_frames >= cfg->max_queue_frames ||
	    f->len > cfg->max_queue_bytes - c->q_bytes) {
		free(f);
		conn_kill(c, "forced close");
		return -ENOBUFS;
	}
	if (c->q_tail)
		c->q_tail->next = f;
	else
		c->q_head = f;
	c->q_tail = f;
	c->q_frames++;
	c->q_bytes += f->len;
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* Drop every frame queued after `mark` (NULL: the whole queue). */
static void queue_truncate(struct cp_sio_conn *c, struct sio_frame *mark)
{
	struct sio_frame *f = mark ? mark->next : c->q_head;

	if (mark)
		mark->next = NULL;
	else
		c->q_head = NULL;
	c->q_tail = mark;
	for (struct sio_frame *g = f; g; g = g->next) {
		c->q_frames--;
		c->q_bytes -= g->len;
	}
	frames_free(f);
}

/* What to encode into one outbound frame. */
enum sio_out_kind {
	SIO_OUT_OPEN,
	SIO_OUT_EIO,
	SIO_OUT_CONNECT_OK,
	SIO_OUT_CONNECT_ERROR,
	SIO_OUT_EVENT,
	SIO_OUT_ACK,
};

struct sio_out {
	enum sio_out_kind kind;
	const char *nsp;        /* NULL: "/" */
	size_t nsp_len;
	const char *str;        /* sid, message or event name */
	const json_t *data;
	int64_t ack_id;
	enum cp_eio_type eio;
	const uint8_t *bytes;   /* SIO_OUT_EIO data */
	size_t bytes_len;
};

static ssize_t out_encode(const struct cp_sio_conn *c, const struct sio_out *o,
			  char *buf, size_t cap)
{
	const struct cp_sio_config *cfg = &g_sio.cfg;

	switch (o->kind) {
	case SIO_OUT_OPEN:
		return cp_eio_encode_open(buf, cap, c->eio_sid,
					  cfg->ping_interval_ms,
					  cfg->ping_timeout_ms, cfg->max_payload);
	case SIO_OUT_EIO:
		return cp_eio_encode(buf, cap, o->eio, o->bytes, o->bytes_len);
	case SIO_OUT_CONNECT_OK:
		return cp_sio_encode_connect_ok(buf, cap, o->nsp, o->nsp_len,
						o->str);
	case SIO_OUT_CONNECT_ERROR:
		return cp_sio_encode_connect_error(buf, cap, o->nsp,
						   o->nsp_len, o->str);
	case SIO_OUT_EVENT:
		return cp_sio_encode_event(buf, cap, o->nsp, o->nsp_len, o->str,
					   o->data);
	case SIO_OUT_ACK:
		return cp_sio_encode_ack(buf, cap, o->nsp, o->nsp_len,
					 o->ack_id, o->data);
	}
	return -EINVAL;
}

/* Encode into a new frame (NULL on error, *err set). */
static struct sio_frame *frame_build(const struct cp_sio_conn *c,
				     const struct sio_out *o, int *err)
{
	struct sio_frame *f;
	ssize_t n = out_encode(c, o, NULL, 0);

	if (n < 0) {
		*err = -EINVAL;
		return NULL;
	}
	f = malloc(sizeof(*f) + LWS_PRE + (size_t)n);
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->next = NULL;
	f->len = (size_t)n;
	if (out_encode(c, o, (char *)f->buf + LWS_PRE, (size_t)n) != n) {
		free(f);
		*err = -EINVAL;
		return NULL;
	}
	return f;
}

static int conn_send(struct cp_sio_conn *c, const struct sio_out *o)
{
	int err = 0;
	struct sio_frame *f = frame_build(c, o, &err);

	return f ? conn_enqueue(c, f) : err;
}

static int conn_send_eio(struct cp_sio_conn *c, enum cp_eio_type t,
			 const uint8_t *data, size_t len)
{
	struct sio_out o = { .kind = SIO_OUT_EIO, .eio = t, .bytes = data,
			     .bytes_len = len };

	return conn_send(c, &o);
}

/* ----------------------------------------------------------- public send */

int cp_sio_emit(struct cp_sio_conn *c, const char *event, json_t *data)
{
	struct sio_out o = { .kind = SIO_OUT_EVENT, .str = event, .data = data };

	if (!c || !event)
		return -EINVAL;
	if (!c->connected || c->closing)
		return -ENOTCONN;
	return conn_send(c, &o);
}

int cp_sio_ack(struct cp_sio_conn *c, int64_t ack_id, json_t *response)
{
	struct sio_out o = { .kind = SIO_OUT_ACK, .ack_id = ack_id,
			     .data = response };

	if (!c || ack_id < 0)
		return -EINVAL;
	if (!c->connected || c->closing)
		return -ENOTCONN;
	return conn_send(c, &o);
}

void cp_sio_close(struct cp_sio_conn *c)
{
	/* "41": DISCONNECT of "/", so the client knows it was the server */
	static const uint8_t disconnect[] = { CP_SIO_DISCONNECT + '0' };

	if (!c || c->closing)
		return;
	if (c->connected &&
	    conn_send_eio(c, CP_EIO_MESSAGE, disconnect, 1) == -ENOBUFS)
		return; /* overflow: already being killed */
	if (!c->reason)
		c->reason = "server namespace disconnect";
	c->closing = true;
	c->close_after_flush = true;
	lws_callback_on_writable(c->wsi);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, SIO_CLOSE_GRACE_S);
}

/* ---------------------------------------------------------------- timers */

static void sio_sul_pong(lws_sorted_usec_list_t *sul)
{
	struct cp_sio_conn *c = lws_container_of(sul, struct cp_sio_conn,
						 sul_pong);

	if (!c->closing)
		conn_kill(c, "ping timeout");
}

static void sio_sul_ping(lws_sorted_usec_list_t *sul)
{
	struct cp_sio_conn *c = lws_container_of(sul, struct cp_sio_conn,
						 sul_ping);

	if (c->closing)
		return;
	if (conn_send_eio(c, CP_EIO_PING, NULL, 0) != 0) {
		conn_kill(c, "transport error");
		return;
	}
	c->ping_outstanding = true;
	lws_sul_schedule(c->ctx, c->tsi, &c->sul_pong, sio_sul_pong,
			 ms_to_us(g_sio.cfg.ping_timeout_ms));
}

static void sio_sul_connect(lws_sorted_usec_list_t *sul)
{
	struct cp_sio_conn *c = lws_container_of(sul, struct cp_sio_conn,
						 sul_connect);

	if (!c->closing && !c->connected)
		conn_kill(c, "transport close");
}

static void sio_sul_auth(lws_sorted_usec_list_t *sul)
{
	struct cp_sio_conn *c = lws_container_of(sul, struct cp_sio_conn,
						 sul_auth);

	if (c->closing || c->authed)
		return;
	g_sio.ctr.auth_timeouts++;
	conn_kill(c, "auth timeout");
}

static void conn_on_pong(struct cp_sio_conn *c)
{
	if (!c->ping_outstanding)
		return; /* unsolicited: ignored */
	c->ping_outstanding = false;
	lws_sul_cancel(&c->sul_pong);
	lws_sul_schedule(c->ctx, c->tsi, &c->sul_ping, sio_sul_ping,
			 ms_to_us(g_sio.cfg.ping_interval_ms));
}

/* ------------------------------------------------------------ socket.io */

static int conn_connect(struct cp_sio_conn *c, json_t *auth)
{
	const struct cp_sio_handlers *h = &g_sio.h;
	struct sio_frame *mark = c->q_tail, *ok;
	struct sio_out o = { .kind = SIO_OUT_CONNECT_OK, .str = c->sio_sid };
	uint8_t rnd[CP_SIO_SID_LEN];
	int rc, err = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return conn_fail(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
				 "transport error");
	cp_sio_make_sid(rnd, c->sio_sid);

	c->connected = true; /* lets on_connect emit; undone on refusal */
	rc = h->on_connect ? h->on_connect(c, auth, h->user) : 0;
	if (rc != 0) {
		struct sio_out e = { .kind = SIO_OUT_CONNECT_ERROR,
				     .str = "unauthorized" };

		c->connected = false;
		queue_truncate(c, mark);
		if (c->closing)
			return 0;
		if (conn_send(c, &e) != 0)
			return 0;
		if (++c->refused >= g_sio.cfg.max_connect_attempts) {
			c->closing = true;
			c->close_after_flush = true;
			c->reason = c->reason ? c->reason : "forced close";
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
					SIO_CLOSE_GRACE_S);
		}
		return 0;
	}
	lws_sul_cancel(&c->sul_connect);
	/* 40 goes before anything on_connect queued */
	ok = frame_build(c, &o, &err);
	if (!ok) {
		conn_kill(c, "transport error");
		return 0;
	}
	if (mark) {
		ok->next = mark->next;
		mark->next = ok;
	} else {
		ok->next = c->q_head;
		c->q_head = ok;
	}
	if (c->q_tail == mark)
		c->q_tail = ok;
	c->q_frames++;
	c->q_bytes += ok->len;
	lws_callback_on_writable(c->wsi);
	return 0;
}

static void conn_ns_disconnect(struct cp_sio_conn *c, const char *reason)
{
	const struct cp_sio_handlers *h = &g_sio.h;

	if (!c->connected)
		return;
	c->connected = false;
	if (h->on_disconnect)
		h->on_disconnect(c, reason, h->user);
}

/* error event, then (BINARY_EVENT with ack id) an error ack */
static int conn_on_binary(struct cp_sio_conn *c, const struct cp_sio_packet *p)
{
	json_t *msg, *ack;

	if (!c->connected || !cp_sio_nsp_is_root(p))
		return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
				 "parse error");
	msg = json_pack("{ss}", "message", SIO_ERR_BINARY);
	if (msg)
		cp_sio_emit(c, "error", msg);
	json_decref(msg);
	if (p->type == CP_SIO_BINARY_EVENT && p->ack_id >= 0) {
		ack = json_pack("{ssss}", "error", SIO_ERR_BINARY,
				"code", "BAD_REQUEST");
		if (ack)
			cp_sio_ack(c, p->ack_id, ack);
		json_decref(ack);
	}
	return 0;
}

static int conn_on_event(struct cp_sio_conn *c, const struct cp_sio_packet *p)
{
	const struct cp_sio_handlers *h = &g_sio.h;
	json_t *arr = NULL;

	if (cp_sio_decode(p, g_sio.cfg.max_json_depth, &arr) != CP_SIO_OK)
		return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
				 "parse error");
	if (h->on_event)
		h->on_event(c, cp_sio_event_name(arr), json_array_get(arr, 1),
			    p->ack_id, h->user);
	json_decref(arr);
	return 0;
}

static int conn_on_sio(struct cp_sio_conn *c, const uint8_t *data,
		       size_t len)
{
	struct cp_sio_packet p;
	enum cp_sio_status st = cp_sio_parse(data, data + len, &p);
	json_t *auth = NULL;
	int rc;

	if (st == CP_SIO_EBINARY)
		return conn_on_binary(c, &p);
	if (st != CP_SIO_OK)
		return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
				 "parse error");
	if (p.type == CP_SIO_CONNECT && !cp_sio_nsp_is_root(&p)) {
		struct sio_out o = { .kind = SIO_OUT_CONNECT_ERROR,
				     .nsp = p.nsp, .nsp_len = p.nsp_len,
				     .str = "Invalid namespace" };
		conn_send(c, &o);
		return 0;
	}
	/* every other packet is for "/" and must match the state */
	if (!cp_sio_nsp_is_root(&p) ||
	    (p.type == CP_SIO_CONNECT) == c->connected ||
	    p.type == CP_SIO_CONNECT_ERROR)
		return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
				 "parse error");
	switch (p.type) {
	case CP_SIO_CONNECT:
		if (cp_sio_decode(&p, g_sio.cfg.max_json_depth, &auth) !=
		    CP_SIO_OK)
			return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
					 "parse error");
		rc = conn_connect(c, auth);
		json_decref(auth);
		return rc;
	case CP_SIO_DISCONNECT:
		conn_ns_disconnect(c, "client namespace disconnect");
		lws_sul_schedule(c->ctx, c->tsi, &c->sul_connect,
				 sio_sul_connect,
				 ms_to_us(g_sio.cfg.connect_timeout_ms));
		return 0;
	case CP_SIO_EVENT:
		return conn_on_event(c, &p);
	default: /* CP_SIO_ACK: this server never asks for acks */
		return 0;
	}
}

/* A message refused by the rate limit: an EVENT with an ack id is answered
 * OVERLOADED from its header alone (no JSON parsed); anything else is
 * dropped. Returns -1 when the connection must close. */
static int conn_rate_refuse(struct cp_sio_conn *c, const uint8_t *msg,
			    size_t len)
{
	const struct cp_sio_config *cfg = &g_sio.cfg;
	uint64_t now = now_ms();
	struct cp_eio_packet ep;
	struct cp_sio_packet p;
	char text[96];

	g_sio.ctr.rate_dropped++;
	if (c->viol == 0 || now - c->viol_start_ms >= SIO_RATE_WINDOW_MS) {
		c->viol = 0;
		c->viol_start_ms = now;
	}
	if (++c->viol >= cfg->max_rate_violations && cfg->max_rate_violations) {
		g_sio.ctr.rate_closed++;
		return conn_fail(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				 "rate limit");
	}
	if (!c->connected || cp_eio_parse(msg, msg + len, 0, &ep) != CP_SIO_OK ||
	    ep.type != CP_EIO_MESSAGE ||
	    cp_sio_parse(ep.data, ep.data + ep.data_len, &p) != CP_SIO_OK ||
	    p.type != CP_SIO_EVENT || p.ack_id < 0 || !cp_sio_nsp_is_root(&p))
		return 0;
	snprintf(text, sizeof(text), "too many requests: at most %u per second",
		 cfg->max_frames_per_sec);
	json_t *ack = json_pack("{ssss}", "error", text, "code", "OVERLOADED");
	if (ack)
		cp_sio_ack(c, p.ack_id, ack);
	json_decref(ack);
	return 0;
}

/* 1 when the message may be handled: takes a token from the bucket, except
 * for a CONNECT and for the pong we wait for. */
static int conn_rate_ok(struct cp_sio_conn *c, const uint8_t *msg, size_t len)
{
	uint64_t rate = g_sio.cfg.max_frames_per_sec;

	if (!rate)
		return 1;
	if (len >= 1 && msg[0] == '0' + CP_EIO_PONG && c->ping_outstanding)
		return 1;
	if (len >= 2 && msg[0] == '0' + CP_EIO_MESSAGE &&
	    msg[1] == '0' + CP_SIO_CONNECT)
		return 1;
	return cp_bucket_take(&c->bucket, rate, now_ms());
}

/* One complete text message. Returns 0, or -1 to close. */
static int conn_on_message(struct cp_sio_conn *c, const uint8_t *msg,
			   size_t len)
{
	struct cp_eio_packet ep;

	if (!conn_rate_ok(c, msg, len))
		return conn_rate_refuse(c, msg, len);
	if (cp_eio_parse(msg, msg + len, 0, &ep) != CP_SIO_OK)
		return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
				 "parse error");
	switch (ep.type) {
	case CP_EIO_MESSAGE:
		return conn_on_sio(c, ep.data, ep.data_len);
	case CP_EIO_PONG:
		conn_on_pong(c);
		return 0;
	case CP_EIO_PING: /* e.g. "2probe": answer rather than refuse */
		conn_send_eio(c, CP_EIO_PONG, ep.data, ep.data_len);
		return 0;
	case CP_EIO_NOOP:
		return 0;
	case CP_EIO_CLOSE:
		if (!c->reason)
			c->reason = "transport close";
		c->closing = true;
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	default: /* OPEN, UPGRADE: never sent by a client on this transport */
		return conn_fail(c, LWS_CLOSE_STATUS_PROTOCOL_ERR,
				 "parse error");
	}
}

/* ------------------------------------------------------------- lws glue */

static int conn_rx_append(struct cp_sio_conn *c, const uint8_t *in,
			  size_t len)
{
	if (c->rx_len + len > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : 4096;
		uint8_t *n;

		while (cap < c->rx_len + len)
			cap *= 2;
		if (cap > g_sio.cfg.max_payload)
			cap = g_sio.cfg.max_payload;
		n = realloc(c->rx, cap);
		if (!n)
			return -1;
		c->rx = n;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	return 0;
}

static void conn_rx_reset(struct cp_sio_conn *c)
{
	c->rx_len = 0;
	c->rx_msg = 0;
	if (c->rx_cap > SIO_RX_KEEP) {
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
}

static int conn_rx(struct cp_sio_conn *c, const uint8_t *in, size_t len)
{
	struct lws *wsi = c->wsi;
	int first = lws_is_first_fragment(wsi);
	int final = lws_is_final_fragment(wsi);
	int rc = 0;

	if (first) {
		c->rx_len = 0;
		c->rx_msg = 0;
		c->rx_binary = lws_frame_is_binary(wsi) != 0;
	}
	uint32_t limit = g_sio.cfg.max_payload;

	if (!c->authed && g_sio.cfg.max_payload_unauth &&
	    g_sio.cfg.max_payload_unauth < limit)
		limit = g_sio.cfg.max_payload_unauth;

	if (len > limit - c->rx_msg) {
		if (c->authed)
			g_sio.ctr.too_large++;
		else
			g_sio.ctr.too_large_unauth++;
		return conn_fail(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
				 "transport error");
	}
	c->rx_msg += len;
	if (c->closing || c->rx_binary) { /* dropped, only counted */
		if (final)
			conn_rx_reset(c);
		return 0;
	}
	if (first && final) /* whole message in one piece: no copy */
		return conn_on_message(c, in, len);
	if (conn_rx_append(c, in, len) != 0)
		return conn_fail(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
				 "transport error");
	if (final) {
		rc = conn_on_message(c, c->rx, c->rx_len);
		conn_rx_reset(c);
	}
	return rc;
}

static int conn_writeable(struct cp_sio_conn *c)
{
	for (int budget = SIO_WRITE_BUDGET; c->q_head && budget > 0;
	     budget--) {
		struct sio_frame *f = c->q_head;
		int n;

		c->q_head = f->next;
		if (!c->q_head)
			c->q_tail = NULL;
		c->q_frames--;
		c->q_bytes -= f->len;
		n = lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
		if (n < 0 || (size_t)n < f->len) {
			free(f);
			if (!c->reason)
				c->reason = "transport error";
			return -1;
		}
		free(f);
		if (lws_send_pipe_choked(c->wsi) || lws_partial_buffered(c->wsi))
			break;
	}
	if (c->q_head || (c->close_after_flush &&
			  lws_partial_buffered(c->wsi))) {
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->close_after_flush) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	return 0;
}

/* The peer address of wsi (IPv4-mapped): 0, or -1 when it has none (then
 * the per-address cap does not apply). */
static int wsi_addr(struct lws *wsi, uint8_t addr[CP_ADDR_LEN])
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	lws_sockfd_type fd = lws_get_socket_fd(wsi);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	return cp_addr_from_sockaddr((struct sockaddr *)&ss, addr) ? -1 : 0;
}

/* 0 when one more connection from wsi fits under both caps (counted
 * refusals otherwise). With `take`, the connection is also counted. */
static int conn_admit(struct lws *wsi, bool take, uint8_t addr[CP_ADDR_LEN],
		      bool *has_addr)
{
	const struct cp_sio_config *cfg = &g_sio.cfg;

	*has_addr = wsi_addr(wsi, addr) == 0;
	if (cfg->max_connections && g_sio.ctr.open >= cfg->max_connections) {
		g_sio.ctr.refused_total++;
		return -1;
	}
	if (!*has_addr || !cfg->max_connections_per_ip) {
		*has_addr = false; /* not counted: nothing to release */
		return 0;
	}
	if (!take) {
		if (cp_addrtab_count(&g_sio.addrs, addr) <
		    cfg->max_connections_per_ip)
			return 0;
		g_sio.ctr.refused_per_ip++;
		return -1;
	}
	if (!g_sio.addrs.slot &&
	    cp_addrtab_init(&g_sio.addrs, cfg->max_connections ?
				     cfg->max_connections : 65536) != 0) {
		*has_addr = false;
		return -1;
	}
	if (cp_addrtab_acquire(&g_sio.addrs, addr,
			       cfg->max_connections_per_ip) != 0) {
		*has_addr = false;
		g_sio.ctr.refused_per_ip++;
		return -1;
	}
	return 0;
}

/* Uncounts a connection; the table goes when the last one does. */
static void conn_unadmit(struct cp_sio_conn *c)
{
	if (c->has_addr)
		cp_addrtab_release(&g_sio.addrs, c->addr);
	c->has_addr = false;
	if (g_sio.ctr.open)
		g_sio.ctr.open--;
	if (g_sio.ctr.open == 0 && g_sio.addrs.slot)
		cp_addrtab_free(&g_sio.addrs);
}

static int conn_establish(struct lws *wsi, struct sio_pss *pss)
{
	const struct cp_sio_config *cfg = &g_sio.cfg;
	struct sio_out o = { .kind = SIO_OUT_OPEN };
	uint8_t rnd[CP_SIO_SID_LEN];
	struct cp_sio_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    conn_admit(wsi, true, c->addr, &c->has_addr) != 0) {
		free(c);
		return -1;
	}
	g_sio.ctr.open++;
	c->wsi = wsi;
	c->ctx = lws_get_context(wsi);
	c->tsi = lws_get_tsi(wsi);
	cp_sio_make_sid(rnd, c->eio_sid);
	cp_bucket_init(&c->bucket, cfg->max_frames_per_sec, now_ms());
	if (conn_send(c, &o) != 0) {
		frames_free(c->q_head);
		conn_unadmit(c);
		free(c);
		return -1;
	}
	pss->c = c;
	if (cfg->auth_timeout_ms)
		lws_sul_schedule(c->ctx, c->tsi, &c->sul_auth, sio_sul_auth,
				 ms_to_us(cfg->auth_timeout_ms));
	lws_sul_schedule(c->ctx, c->tsi, &c->sul_ping, sio_sul_ping,
			 ms_to_us(cfg->ping_interval_ms));
	lws_sul_schedule(c->ctx, c->tsi, &c->sul_connect, sio_sul_connect,
			 ms_to_us(cfg->connect_timeout_ms));
	return 0;
}

static void conn_destroy(struct sio_pss *pss)
{
	struct cp_sio_conn *c = pss->c;

	if (!c)
		return;
	pss->c = NULL;
	c->closing = true;
	lws_sul_cancel(&c->sul_ping);
	lws_sul_cancel(&c->sul_pong);
	lws_sul_cancel(&c->sul_connect);
	lws_sul_cancel(&c->sul_auth);
	conn_ns_disconnect(c, c->reason ? c->reason : "transport close");
	conn_unadmit(c);
	frames_free(c->q_head);
	free(c->rx);
	free(c);
}

/* 0 when the upgrade request is ours: path, EIO=4, transport=websocket,
 * no sid */
static int sio_check_upgrade(struct lws *wsi)
{
	char buf[256], *uri = NULL;
	const char *v;
	int uri_len = 0;
	size_t plen = strlen(g_sio.cfg.path);

	if (lws_http_get_uri_and_method(wsi, &uri, &uri_len) < 0 || !uri ||
	    (size_t)uri_len != plen || memcmp(uri, g_sio.cfg.path, plen) != 0)
		return -1;
	v = lws_get_urlarg_by_name(wsi, "EIO=", buf, sizeof(buf));
	if (!v || strcmp(v, "4") != 0)
		return -1;
	v = lws_get_urlarg_by_name(wsi, "transport=", buf, sizeof(buf));
	if (!v || strcmp(v, "websocket") != 0)
		return -1;
	if (lws_get_urlarg_by_name(wsi, "sid=", buf, sizeof(buf)))
		return -1;
	return 0;
}

static int sio_callback(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len)
{
	struct sio_pss *pss = user;
	struct cp_sio_conn *c = pss ? pss->c : NULL;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		uint8_t addr[CP_ADDR_LEN];
		bool has_addr;

		if (sio_check_upgrade(wsi))
			return -1;
		return conn_admit(wsi, false, addr, &has_addr) ? -1 : 0;
	}
	case LWS_CALLBACK_ESTABLISHED:
		return pss ? conn_establish(wsi, pss) : -1;
	case LWS_CALLBACK_RECEIVE:
		return c ? conn_rx(c, in, len) : 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c ? conn_writeable(c) : 0;
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED:
		if (pss)
			conn_destroy(pss);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

int cp_sio_http_reject(struct lws *wsi)
{
	static const char body[] = "{\"code\":0,\"message\":\"Transport unknown\"}";
	const size_t blen = sizeof(body) - 1;
	unsigned char buf[LWS_PRE + 512];
	unsigned char *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(wsi, HTTP_STATUS_BAD_REQUEST,
					"application/json", blen, &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	memcpy(start, body, blen);
	if (lws_write(wsi, start, blen, LWS_WRITE_HTTP_FINAL) != (int)blen)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}
