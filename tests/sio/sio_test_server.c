/* SPDX-License-Identifier: MIT */
/*
 * Test server for the Socket.IO layer (driven by tests/sio/sio.test.mjs).
 *
 *   sio_test_server PORT [PING_INTERVAL_MS PING_TIMEOUT_MS MAX_PAYLOAD
 *                         [CONNECT_TIMEOUT_MS]]
 *
 * Listens on 127.0.0.1:PORT (0: any free port) with its own lws context and
 * prints "PORT <n>" once listening. Then one line per namespace event:
 * "CONNECT <sid>", "REFUSE", "DISCONNECT <sid> <reason>". Exits 0 on
 * SIGTERM / SIGINT after destroying the context.
 *
 * Behaviour:
 * - on_connect accepts only an auth object whose "token" is "good". When
 *   auth has "welcome": true it first emits "welcome" {"sid": …} (accepted:
 *   sent right after 40; refused: discarded).
 * - on_event: "broadcast" emits "notice" {"from": sid, "payload": …} to
 *   every OTHER connected socket; "close-me" acks, then cp_sio_close();
 *   "big" emits "big" with a string of <payload> 'x' characters (<= 900000);
 *   "flood" emits <payload> events "f" {"i": n} in one go (no writes in
 *   between, so more than the queue bound overflows it);
 *   every event with an ack id is answered {"echo": payload, "event": name}.
 * - HTTP: any request under /socket.io/ (i.e. long-polling) gets
 *   cp_sio_http_reject(); everything else 404.
 *
 * It shows how to bind the Socket.IO protocol as the vhost default for
 * upgrades that carry no subprotocol: protocols[0] is the HTTP handler, the
 * Socket.IO protocol is protocols[1] and a pvo marks it "default".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "cp_sio_server.h"

#define MAX_CONNS 4096
#define BIG_MAX 900000

static struct cp_sio_conn *g_conns[MAX_CONNS];
static size_t g_nconns;
static volatile sig_atomic_t g_stop;
static struct lws_context *g_ctx;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
	if (g_ctx)
		lws_cancel_service(g_ctx);
}

static void conns_add(struct cp_sio_conn *c)
{
	if (g_nconns < MAX_CONNS)
		g_conns[g_nconns++] = c;
}

static void conns_del(struct cp_sio_conn *c)
{
	for (size_t i = 0; i < g_nconns; i++) {
		if (g_conns[i] == c) {
			g_conns[i] = g_conns[--g_nconns];
			return;
		}
	}
}

static int t_on_connect(struct cp_sio_conn *c, json_t *auth, void *user)
{
	const char *tok = json_string_value(json_object_get(auth, "token"));
	int ok = tok && strcmp(tok, "good") == 0;

	(void)user;
	if (json_is_true(json_object_get(auth, "welcome"))) {
		json_t *w = json_pack("{ss}", "sid", cp_sio_id(c));
		cp_sio_emit(c, "welcome", w);
		json_decref(w);
	}
	if (!ok) {
		printf("REFUSE\n");
		fflush(stdout);
		return -1;
	}
	conns_add(c);
	printf("CONNECT %s\n", cp_sio_id(c));
	fflush(stdout);
	return 0;
}

static void t_broadcast(struct cp_sio_conn *from, json_t *payload)
{
	json_t *n = json_pack("{ssso}", "from", cp_sio_id(from), "payload",
			      payload ? json_incref(payload) : json_null());

	for (size_t i = 0; n && i < g_nconns; i++)
		if (g_conns[i] != from)
			cp_sio_emit(g_conns[i], "notice", n);
	json_decref(n);
}

static void t_big(struct cp_sio_conn *c, json_t *payload)
{
	json_int_t n = json_integer_value(payload);
	char *s;
	json_t *v;

	if (n <= 0 || n > BIG_MAX)
		return;
	s = malloc((size_t)n + 1);
	if (!s)
		return;
	memset(s, 'x', (size_t)n);
	s[n] = '\0';
	v = json_string(s);
	cp_sio_emit(c, "big", v);
	json_decref(v);
	free(s);
}

static void t_flood(struct cp_sio_conn *c, json_t *payload)
{
	json_int_t n = json_integer_value(payload);

	for (json_int_t i = 0; i < n && i < 100000; i++) {
		json_t *v = json_pack("{sI}", "i", i);
		int rc = cp_sio_emit(c, "f", v);

		json_decref(v);
		if (rc != 0)
			break;
	}
}

static void t_on_event(struct cp_sio_conn *c, const char *name,
		       json_t *payload, int64_t ack_id, void *user)
{
	(void)user;
	if (strcmp(name, "broadcast") == 0)
		t_broadcast(c, payload);
	else if (strcmp(name, "big") == 0)
		t_big(c, payload);
	else if (strcmp(name, "flood") == 0)
		t_flood(c, payload);
	if (ack_id >= 0) {
		json_t *r = json_pack("{sOss}", "echo",
				      payload ? payload : json_null(), "event",
				      name);
		cp_sio_ack(c, ack_id, r);
		json_decref(r);
	}
	if (strcmp(name, "close-me") == 0)
		cp_sio_close(c);
}

static void t_on_disconnect(struct cp_sio_conn *c, const char *reason,
			    void *user)
{
	(void)user;
	conns_del(c);
	printf("DISCONNECT %s %s\n", cp_sio_id(c), reason);
	fflush(stdout);
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason,
		   void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_HTTP) {
		const char *uri = in;

		if (uri && strncmp(uri, "/socket.io/", 11) == 0)
			return cp_sio_http_reject(wsi);
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static long arg_num(const char *s, const char *what)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);

	if (!end || *end || v < 0) {
		fprintf(stderr, "sio_test_server: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct lws_protocol_vhost_options sio_default = {
		NULL, NULL, "default", "1"
	};
	static const struct lws_protocol_vhost_options sio_pvo = {
		NULL, &sio_default, CP_SIO_PROTOCOL_NAME, ""
	};
	struct lws_protocols protocols[3];
	struct cp_sio_handlers h = {
		.on_connect = t_on_connect,
		.on_event = t_on_event,
		.on_disconnect = t_on_disconnect,
	};
	struct cp_sio_config cfg = { 0 };
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	if (argc != 2 && argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s PORT [PING_INTERVAL_MS "
			"PING_TIMEOUT_MS MAX_PAYLOAD [CONNECT_TIMEOUT_MS]]\n",
			argv[0]);
		return 2;
	}
	if (argc >= 5) {
		cfg.ping_interval_ms = (uint32_t)arg_num(argv[2], "interval");
		cfg.ping_timeout_ms = (uint32_t)arg_num(argv[3], "timeout");
		cfg.max_payload = (uint32_t)arg_num(argv[4], "max payload");
	}
	if (argc == 6)
		cfg.connect_timeout_ms = (uint32_t)arg_num(argv[5], "connect");
	cp_sio_init(&h, &cfg);

	memset(protocols, 0, sizeof(protocols));
	protocols[0].name = "http";
	protocols[0].callback = http_cb;
	protocols[1] = *cp_sio_protocol();

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	g_ctx = lws_create_context(&info);
	if (!g_ctx) {
		fprintf(stderr, "sio_test_server: lws_create_context failed\n");
		return 1;
	}
	info.port = (int)arg_num(argv[1], "port");
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &sio_pvo;
	info.vhost_name = "sio-test";
	vh = lws_create_vhost(g_ctx, &info);
	if (!vh) {
		fprintf(stderr, "sio_test_server: cannot listen\n");
		lws_context_destroy(g_ctx);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("PORT %d\n", lws_get_vhost_listen_port(vh));
	fflush(stdout);

	while (!g_stop)
		if (lws_service(g_ctx, 0) < 0)
			break;
	lws_context_destroy(g_ctx);
	return 0;
}
