/* SPDX-License-Identifier: MIT */
/*
 * lg_sio.c - the loadgen's Socket.IO v4 client, as socket.io-client does it
 * with transports: ["websocket"]: one libwebsockets client connection per
 * peer to /socket.io/?EIO=4&transport=websocket, Engine.IO open -> Socket.IO
 * CONNECT with { token } -> events with acks. Server pings are answered.
 *
 * Frames are built and parsed with the control plane's own Socket.IO codec
 * (controlplane/sio/cp_sio_parse.h), which is tested against socket.io-client.
 * Output is queued per peer and written one frame per WRITEABLE callback, as
 * libwebsockets requires. Every request has a deadline (lg_sio_timeouts()).
 */
#include "lg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "cp_jwt.h"
#include "cp_sio_parse.h"

#define LG_WS_RX_MAX (4u << 20) /* a join answer of a 500-peer room fits */

static void outq_push(struct lg_outq *q, char *msg, size_t len)
{
	if (q->n == q->cap) {
		unsigned int nc = q->cap ? q->cap * 2 : 8;
		char **m = calloc(nc, sizeof(*m));
		size_t *l = calloc(nc, sizeof(*l));
		if (!m || !l) {
			free(m), free(l), free(msg);
			return;
		}
		for (unsigned int i = 0; i < q->n; i++) {
			m[i] = q->msg[(q->head + i) % q->cap];
			l[i] = q->len[(q->head + i) % q->cap];
		}
		free(q->msg), free(q->len);
		q->msg = m, q->len = l, q->cap = nc, q->head = 0;
	}
	unsigned int at = (q->head + q->n) % q->cap;
	q->msg[at] = msg;
	q->len[at] = len;
	q->n++;
}

static void outq_clear(struct lg_outq *q)
{
	for (unsigned int i = 0; i < q->n; i++)
		free(q->msg[(q->head + i) % q->cap]);
	free(q->msg), free(q->len);
	memset(q, 0, sizeof(*q));
}

/* Queues one Engine.IO text frame (LWS_PRE bytes of head room added). */
static void send_frame(struct lg_peer *p, const char *txt, size_t len)
{
	if (!p->wsi)
		return;
	char *m = malloc(LWS_PRE + len);
	if (!m)
		return;
	memcpy(m + LWS_PRE, txt, len);
	outq_push(&p->out, m, len);
	lws_callback_on_writable(p->wsi);
}

static int send_sio(struct lg_peer *p, enum cp_sio_type type, int64_t ack, const json_t *data)
{
	char small[2048];
	ssize_t n = cp_sio_encode(small, sizeof(small), type, NULL, 0, ack, data);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n <= sizeof(small)) {
		send_frame(p, small, (size_t)n);
		return 0;
	}
	char *big = malloc((size_t)n);
	if (!big)
		return -ENOMEM;
	cp_sio_encode(big, (size_t)n, type, NULL, 0, ack, data);
	send_frame(p, big, (size_t)n);
	free(big);
	return 0;
}

/* The CONNECT packet: 40{"token":"<HS256 token for this peer>"} */
static void send_connect(struct lg_peer *p)
{
	struct cp_jwt_claims c;
	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "%s", p->name);
	snprintf(c.room, sizeof(c.room), "%s-%u", lg.o.room_prefix, p->room);
	c.has_room = true;
	c.exp = (int64_t)time(NULL) + 24 * 3600;
	c.pub = true;
	c.sub_media = true;
	char tok[1024];
	if (cp_jwt_mint(tok, sizeof(tok), (const uint8_t *)lg.o.secret, lg.o.secret_len, &c) < 0) {
		lg_fail(p, "cannot mint a token");
		return;
	}
	json_t *auth = json_pack("{s:s}", "token", tok);
	send_sio(p, CP_SIO_CONNECT, -1, auth);
	json_decref(auth);
}

int lg_sio_request(struct lg_peer *p, const char *event, json_t *payload,
		   void (*cb)(struct lg_peer *, json_t *, void *), void *arg)
{
	json_t *arr = json_pack("[so]", event, payload ? payload : json_object());
	if (!arr)
		return -ENOMEM;
	if (p->n_pend == p->cap_pend) {
		unsigned int nc = p->cap_pend ? p->cap_pend * 2 : 16;
		struct lg_pending *np = realloc(p->pend, nc * sizeof(*np));
		if (!np) {
			json_decref(arr);
			return -ENOMEM;
		}
		p->pend = np, p->cap_pend = nc;
	}
	int64_t id = p->next_ack++;
	p->pend[p->n_pend++] = (struct lg_pending){
		.id = id,
		.deadline_ns = lg_now_ns() + (uint64_t)lg.o.timeout_ms * 1000000ull,
		.cb = cb,
		.arg = arg,
		.what = event,
	};
	int rc = send_sio(p, CP_SIO_EVENT, id, arr);
	json_decref(arr);
	return rc;
}

/* Calls and removes pending request i with resp (NULL: failed). */
static void pending_fire(struct lg_peer *p, unsigned int i, json_t *resp)
{
	struct lg_pending pd = p->pend[i];
	p->pend[i] = p->pend[--p->n_pend];
	pd.cb(p, resp, pd.arg);
}

void lg_sio_timeouts(struct lg_peer *p, uint64_t now)
{
	for (unsigned int i = 0; i < p->n_pend; i++) {
		if (p->pend[i].deadline_ns <= now) {
			const char *what = p->pend[i].what;
			pending_fire(p, i, NULL);
			if (p->state != LG_PEER_FAILED && p->state != LG_PEER_LEAVING &&
			    p->state != LG_PEER_GONE)
				lg_fail(p, "no answer to %s within %u ms", what, lg.o.timeout_ms);
			return; /* the array changed; the rest on the next tick */
		}
	}
}

void lg_sio_drop_pending(struct lg_peer *p)
{
	while (p->n_pend)
		pending_fire(p, p->n_pend - 1, NULL);
}

static void on_ack(struct lg_peer *p, const struct cp_sio_packet *sp)
{
	json_t *v = NULL;
	if (cp_sio_decode(sp, 64, &v) != CP_SIO_OK) {
		lg_fail(p, "malformed ACK from the server");
		return;
	}
	for (unsigned int i = 0; i < p->n_pend; i++) {
		if (p->pend[i].id == sp->ack_id) {
			pending_fire(p, i, json_array_get(v, 0));
			json_decref(v);
			return;
		}
	}
	json_decref(v); /* late answer to a request that timed out */
}

static void on_message(struct lg_peer *p, const uint8_t *d, size_t n)
{
	struct cp_eio_packet ep;
	if (cp_eio_parse(d, d + n, 0, &ep) != CP_SIO_OK) {
		lg_fail(p, "malformed Engine.IO frame from the server");
		return;
	}
	switch (ep.type) {
	case CP_EIO_OPEN:
		send_connect(p);
		return;
	case CP_EIO_PING:
		send_frame(p, "3", 1);
		return;
	case CP_EIO_CLOSE:
		lg_peer_on_closed(p, "the server closed the Engine.IO session");
		return;
	case CP_EIO_MESSAGE:
		break;
	default:
		return;
	}
	struct cp_sio_packet sp;
	if (cp_sio_parse(ep.data, ep.data + ep.data_len, &sp) != CP_SIO_OK ||
	    !cp_sio_nsp_is_root(&sp)) {
		lg_fail(p, "malformed Socket.IO packet from the server");
		return;
	}
	json_t *v = NULL;
	switch (sp.type) {
	case CP_SIO_CONNECT:
		p->sio_open = true;
		lg_peer_on_sio_open(p);
		return;
	case CP_SIO_CONNECT_ERROR:
		lg_fail(p, "connect refused: %.*s", (int)(sp.json_len > 80 ? 80 : sp.json_len),
			(const char *)sp.json);
		return;
	case CP_SIO_DISCONNECT:
		lg_peer_on_closed(p, "the server disconnected the socket");
		return;
	case CP_SIO_ACK:
		on_ack(p, &sp);
		return;
	case CP_SIO_EVENT:
		if (cp_sio_decode(&sp, 64, &v) != CP_SIO_OK) {
			lg_fail(p, "malformed event from the server");
			return;
		}
		lg_peer_on_event(p, cp_sio_event_name(v), json_array_get(v, 1));
		json_decref(v);
		return;
	default:
		lg_fail(p, "unexpected Socket.IO packet type %d", (int)sp.type);
	}
}

static int on_receive(struct lg_peer *p, struct lws *wsi, const void *in, size_t len)
{
	if (p->rxlen + len > LG_WS_RX_MAX) {
		lg_fail(p, "WebSocket message over %u bytes", LG_WS_RX_MAX);
		return -1;
	}
	if (p->rxlen + len > p->rxcap) {
		size_t nc = (p->rxlen + len) * 2;
		char *nb = realloc(p->rxbuf, nc);
		if (!nb)
			return -1;
		p->rxbuf = nb, p->rxcap = nc;
	}
	memcpy(p->rxbuf + p->rxlen, in, len);
	p->rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (lws_frame_is_binary(wsi)) {
		p->rxlen = 0;
		lg_fail(p, "binary WebSocket frame from the server");
		return 0;
	}
	size_t n = p->rxlen;
	p->rxlen = 0;
	on_message(p, (const uint8_t *)p->rxbuf, n);
	return 0;
}

static int on_writeable(struct lg_peer *p, struct lws *wsi)
{
	if (p->closing && p->out.n == 0)
		return -1;
	if (p->out.n == 0)
		return 0;
	struct lg_outq *q = &p->out;
	char *m = q->msg[q->head];
	size_t len = q->len[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	int w = lws_write(wsi, (unsigned char *)m + LWS_PRE, len, LWS_WRITE_TEXT);
	free(m);
	if (w < (int)len)
		return -1;
	if (q->n || p->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

static int lg_ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct lg_peer *p = user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (p)
			p->ws_open = true;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return p ? on_receive(p, wsi, in, len) : -1;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return p ? on_writeable(p, wsi) : -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (p && p->wsi == wsi) {
			p->wsi = NULL;
			lg_peer_on_closed(p, in && len ? (const char *)in : "WebSocket connect failed");
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (p && p->wsi == wsi) {
			p->wsi = NULL;
			lg_peer_on_closed(p, "WebSocket closed");
		}
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols lg_protocols[] = {
	{ "lg-sio", lg_ws_cb, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int lg_sio_init(void)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = lg_protocols;
	info.gid = -1;
	info.uid = -1;
	info.timeout_secs = (lg.o.timeout_ms + 999) / 1000;
	info.connect_timeout_secs = (lg.o.timeout_ms + 999) / 1000;
	lws_set_log_level(lg.o.verbose > 1 ? (LLL_ERR | LLL_WARN | LLL_NOTICE) : LLL_ERR, NULL);
	lg.lws = lws_create_context(&info);
	return lg.lws ? 0 : -EIO;
}

void lg_sio_fini(void)
{
	if (lg.lws)
		lws_context_destroy(lg.lws);
	lg.lws = NULL;
}

int lg_sio_connect(struct lg_peer *p)
{
	struct lws_client_connect_info ci;
	char hostport[96];
	memset(&ci, 0, sizeof(ci));
	snprintf(hostport, sizeof(hostport), "%s:%d", lg.o.host, lg.o.port);
	ci.context = lg.lws;
	ci.address = lg.o.host;
	ci.port = lg.o.port;
	ci.path = "/socket.io/?EIO=4&transport=websocket";
	ci.host = hostport;
	ci.origin = hostport;
	ci.local_protocol_name = "lg-sio";
	ci.userdata = p;
	ci.pwsi = &p->wsi;
	p->ws_open = p->sio_open = p->closing = false;
	p->rxlen = 0;
	if (!lws_client_connect_via_info(&ci) && !p->wsi)
		return -ECONNREFUSED;
	return 0;
}

void lg_sio_close(struct lg_peer *p)
{
	if (p->wsi && !p->closing) {
		p->closing = true;
		send_frame(p, "41", 2); /* Socket.IO DISCONNECT */
	}
	if (!p->wsi)
		outq_clear(&p->out);
}
