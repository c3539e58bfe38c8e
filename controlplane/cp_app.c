/* SPDX-License-Identifier: MIT */
/*
 * cp_app - the control plane's seam: the data-plane channel, the Socket.IO
 * server (controlplane/sio) and the signaling layer (controlplane/signal)
 * wired together. See cp_app.h.
 *
 * Socket.IO connections carry a struct cp_peer * as their data pointer from
 * an accepted CONNECT until their disconnect. During shutdown main destroys
 * the lws context first (every socket disconnects and leaves its room, so
 * the data plane is told to drop what they owned) and calls cp_app_fini
 * afterwards; disconnects that arrive after cp_app_fini find a->sig NULL and
 * are ignored.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cp_admin.h"
#include "cp_app.h"
#include "cp_fleet.h"
#include "cp_http.h"
#include "cp_log.h"
#include "cp_signal.h"
#include "cp_sio_server.h"

static int io_emit(void *conn, const char *event, json_t *data)
{
	return cp_sio_emit(conn, event, data);
}

static int io_ack(void *conn, int64_t ack_id, json_t *resp)
{
	return cp_sio_ack(conn, ack_id, resp);
}

static void io_authed(void *conn)
{
	cp_sio_set_authenticated(conn);
}

static const char *io_name(void *conn)
{
	return cp_sio_id(conn);
}

/* The admin API removed the connection's peer: "41", then the WebSocket
 * closes; its on_disconnect comes later from lws service. */
static void io_close(void *conn)
{
	cp_sio_close(conn);
}

static int sio_on_connect(struct cp_sio_conn *c, json_t *auth, void *user)
{
	struct cp_app *a = user;
	struct cp_peer *p = NULL;
	if (!a->sig || cp_signal_connect(a->sig, c, auth, &p) != 0)
		return -1;
	cp_sio_set_data(c, p);
	return 0;
}

static void sio_on_event(struct cp_sio_conn *c, const char *name, json_t *payload,
			 int64_t ack_id, void *user)
{
	struct cp_app *a = user;
	cp_signal_event(a->sig, cp_sio_get_data(c), name, payload, ack_id);
}

static void sio_on_disconnect(struct cp_sio_conn *c, const char *reason, void *user)
{
	struct cp_app *a = user;
	struct cp_peer *p = cp_sio_get_data(c);
	cp_sio_set_data(c, NULL);
	cp_signal_disconnect(a->sig, p, reason);
}

int cp_app_init(struct cp_app *a, char *err, size_t errlen)
{
	struct cp_signal_io io = {.emit = io_emit, .ack = io_ack, .name = io_name,
				  .authed = io_authed, .close = io_close};
	cp_dp_init(&a->dp, a->cfg.shm, a->cfg.heartbeat_timeout_ms, NULL);
	a->sig = cp_signal_new(&a->cfg, &a->dp, &io, err, errlen);
	if (!a->sig)
		return -1;
	struct cp_dp_handlers h = {
		.on_event = cp_signal_dp_event,
		.on_detach = cp_signal_dp_detach,
		.on_ready = cp_signal_dp_ready,
		.user = a->sig,
	};
	a->dp.h = h;
	a->fleet = cp_fleet_new(&a->cfg, &a->dp, a->sig, err, errlen);
	if (!a->fleet && err[0])
		return -1;

	struct cp_sio_handlers sh = {
		.on_connect = sio_on_connect,
		.on_event = sio_on_event,
		.on_disconnect = sio_on_disconnect,
		.user = a,
	};
	struct cp_sio_config sc;
	memset(&sc, 0, sizeof(sc));
	sc.ping_interval_ms = (uint32_t)a->cfg.ping_interval_ms;
	sc.ping_timeout_ms = (uint32_t)a->cfg.ping_timeout_ms;
	sc.max_payload = (uint32_t)a->cfg.max_payload;
	sc.auth_timeout_ms = (uint32_t)a->cfg.auth_timeout_ms;
	sc.max_connections = (uint32_t)a->cfg.max_connections;
	sc.max_connections_per_ip = (uint32_t)a->cfg.max_connections_per_ip;
	sc.max_payload_unauth = (uint32_t)a->cfg.max_payload_unauth;
	sc.max_frames_per_sec = (uint32_t)a->cfg.max_requests_per_sec;
	sc.max_rate_violations = (uint32_t)a->cfg.max_rate_violations;
	cp_sio_init(&sh, &sc);
	return 0;
}

/* GET /socket.io/?EIO=4&transport=polling and every other plain HTTP request
 * under /socket.io/: long-polling is not served. */
static int route_polling(void *user, struct lws *wsi)
{
	return cp_sio_http_reject(wsi);
}

void cp_app_http(struct cp_app *a, struct cp_http_cfg *hc)
{
	hc->extra[0] = cp_sio_protocol();
	hc->ws_default = CP_SIO_PROTOCOL_NAME;
	cp_http_route("/socket.io/", 1, NULL, route_polling, a);
	cp_admin_http(a);
}

void cp_app_tick(struct cp_app *a)
{
	cp_signal_tick(a->sig);
	cp_fleet_tick(a->fleet);
}

/* The Socket.IO server's limits (README "Limits"). */
static void sio_metrics(struct cp_buf *b)
{
	const struct cp_sio_counters *k = cp_sio_counters();
	cp_buf_printf(b, "# HELP sluice_sio_connections WebSocket connections open.\n"
			 "# TYPE sluice_sio_connections gauge\nsluice_sio_connections %" PRIu64
			 "\n", k->open);
	cp_buf_printf(b, "# HELP sluice_sio_limit_total Connections refused or closed and "
			 "messages dropped, by limit.\n# TYPE sluice_sio_limit_total counter\n");
	const struct { const char *l; uint64_t v; } rows[] = {
		{"max_connections", k->refused_total},
		{"max_connections_per_ip", k->refused_per_ip},
		{"auth_timeout_ms", k->auth_timeouts},
		{"max_payload_unauth", k->too_large_unauth},
		{"max_payload", k->too_large},
		{"max_requests_per_sec", k->rate_dropped},
		{"max_rate_violations", k->rate_closed},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cp_buf_printf(b, "sluice_sio_limit_total{limit=\"%s\"} %" PRIu64 "\n", rows[i].l,
			      rows[i].v);
}

void cp_app_metrics(struct cp_app *a, struct cp_buf *b)
{
	cp_signal_metrics(a->sig, b);
	sio_metrics(b);
	cp_fleet_metrics(a->fleet, b);
}

void cp_app_fini(struct cp_app *a)
{
	cp_fleet_stop(a->fleet); /* the rooms' keys were released as they closed */
	cp_signal_free(a->sig);
	cp_fleet_free(a->fleet);
	a->fleet = NULL;
	a->sig = NULL;
	a->dp.h.user = NULL;
	a->dp.h.on_event = NULL;
	a->dp.h.on_detach = NULL;
	a->dp.h.on_ready = NULL;
	cp_dp_fini(&a->dp);
}
