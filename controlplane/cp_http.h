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

/* One request as a request route (cp_http_route_req) sees it. The strings
 * are copies that live for the call; every one is "" rather than NULL. A
 * request with a Content-Length body reaches the route once the body has
 * been read and discarded (no route here takes one; bodies over
 * CP_HTTP_BODY_MAX close the connection). */
struct cp_http_req {
	const char *method;        /* "GET", "POST", "DELETE", "PUT", "PATCH",
				    * "OPTIONS", "HEAD"; "" for any other */
	const char *path;          /* URI path as lws hands it (decoded), no query */
	const char *query;         /* URL arguments, decoded, each followed by '&' */
	const char *authorization; /* the Authorization header ("" when absent;
				    * longer than CP_HTTP_AUTH_MAX - 1: "\x01",
				    * which no token matches) */
	/* set by the route: extra response headers (NULL = none) */
	const char *allow;            /* Allow (for a 405) */
	const char *www_authenticate; /* WWW-Authenticate (for a 401) */
};
#define CP_HTTP_AUTH_MAX 1024
#define CP_HTTP_BODY_MAX 65536

/* A request route: fills body, sets *ctype (and req's out fields), returns
 * the HTTP status. */
typedef int (*cp_http_req_fn)(void *user, struct cp_http_req *req, struct cp_buf *body,
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
/* The same for a request route (method, path and Authorization header). */
int cp_http_route_req(const char *path, int prefix, cp_http_req_fn fn, void *user);

/* Creates the lws context. Returns NULL with err naming the fix (busy port,
 * missing privileges, bad address). */
struct lws_context *cp_http_start(const struct cp_http_cfg *cfg, char *err, size_t errlen);

#endif
