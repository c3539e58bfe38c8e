/* SPDX-License-Identifier: MIT */
/*
 * cp_http - the control plane's HTTP server on libwebsockets: dynamic routes
 * (/healthz, /metrics, ...), static files of the demo page, and the extra
 * WebSocket protocols (Socket.IO) that other modules contribute.
 * Single-threaded: all callbacks run on the lws event loop.
 */
#ifndef CP_HTTP_H
#define CP_HTTP_H

#include <stddef.h>

#include "cp_buf.h"

struct lws;
struct lws_context;
struct lws_protocols;

/* A dynamic route: fills body, sets *ctype, returns the HTTP status. */
typedef int (*cp_http_fn)(void *user, const char *query, struct cp_buf *body,
			  const char **ctype);
/* A raw route: answers on its own through wsi (returns the lws callback's
 * return value); for handlers that need to write their own response. */
typedef int (*cp_http_raw_fn)(void *user, struct lws *wsi);

struct cp_http_cfg {
	const char *listen;   /* address */
	int port;
	const char *static_dir; /* may be NULL or "" */
	/* extra protocols after "http" (ws upgrades bind to ws_default by name) */
	const struct lws_protocols *extra[4];
	const char *ws_default; /* protocol name for ws upgrades with no subprotocol */
	int timeout_ms;       /* http_timeout_ms: a connection that sends no complete
			       * request (headers, body) or idles in keep-alive this
			       * long is closed (lws timeout_secs / keepalive_timeout,
			       * rounded up to whole seconds); 0 = lws defaults */
};

/* Registers a route for an exact path or, when prefix is set, a path prefix. */
int cp_http_route(const char *path, int prefix, cp_http_fn fn, cp_http_raw_fn raw, void *user);

/* Creates the lws context. Returns NULL with err naming the fix (busy port,
 * missing privileges, bad address). */
struct lws_context *cp_http_start(const struct cp_http_cfg *cfg, char *err, size_t errlen);

#endif
