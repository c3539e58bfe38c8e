/* SPDX-License-Identifier: MIT */
/*
 * cp_app - the control plane's top-level state and the seam where the
 * signaling layer (rooms, peers, transports) plugs in. Owned by main; one
 * instance; touched only from the event loop.
 */
#ifndef CP_APP_H
#define CP_APP_H

#include <stddef.h>

#include "cp_buf.h"
#include "cp_config.h"
#include "cp_dp.h"

struct lws_context;
struct cp_http_cfg;
struct cp_signal; /* signaling state (controlplane/signal); NULL after cp_app_fini */
struct cp_fleet;  /* fleet directory (controlplane/fleet); NULL without redis_url */

struct cp_app {
	struct cp_config cfg;
	struct cp_dp dp;
	struct lws_context *lws;
	struct cp_signal *sig;
	struct cp_fleet *fleet;
};

/* Sets up the data-plane channel, the signaling layer and the Socket.IO
 * server; -1 with err set (e.g. an unreadable DTLS certificate). */
int cp_app_init(struct cp_app *a, char *err, size_t errlen);
/* Adds routes and WebSocket protocols to the HTTP configuration. */
void cp_app_http(struct cp_app *a, struct cp_http_cfg *hc);
void cp_app_tick(struct cp_app *a);
void cp_app_metrics(struct cp_app *a, struct cp_buf *b);
void cp_app_fini(struct cp_app *a);

#endif
