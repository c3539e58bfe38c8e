/* SPDX-License-Identifier: MIT */
/* cp_http - see cp_http.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "cp_http.h"
#include "cp_log.h"

#define MAX_ROUTES 16
#define CHUNK 16384

struct route {
	char path[64];
	int prefix;
	cp_http_fn fn;
	cp_http_raw_fn raw;
	cp_http_req_fn req;
	void *user;
};

static struct route routes[MAX_ROUTES];
static int n_routes;
static char static_dir[256];

/* Per HTTP connection. The request fields are copies of the request line
 * and headers (lws frees its header storage after LWS_CALLBACK_HTTP), kept
 * for a request route that waits for the end of a request body. */
struct pss {
	struct cp_buf body;
	size_t sent;
	const struct route *pending; /* request route to run at the body's end */
	size_t body_in;              /* request body bytes read (discarded) */
	char method[8];
	char path[512];
	char query[512];
	char auth[CP_HTTP_AUTH_MAX];
};

static int add_route(const char *path, int prefix, cp_http_fn fn, cp_http_raw_fn raw,
		     cp_http_req_fn req, void *user)
{
	if (n_routes == MAX_ROUTES || strlen(path) >= sizeof(routes[0].path))
		return -ENOSPC;
	struct route *r = &routes[n_routes++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->prefix = prefix;
	r->fn = fn;
	r->raw = raw;
	r->req = req;
	r->user = user;
	return 0;
}

int cp_http_route(const char *path, int prefix, cp_http_fn fn, cp_http_raw_fn raw, void *user)
{
	return add_route(path, prefix, fn, raw, NULL, user);
}

int cp_http_route_req(const char *path, int prefix, cp_http_req_fn fn, void *user)
{
	return add_route(path, prefix, NULL, NULL, fn, user);
}

static const struct route *find_route(const char *uri)
{
	for (int i = 0; i < n_routes; i++) {
		const struct route *r = &routes[i];
		if (r->prefix ? !strncmp(uri, r->path, strlen(r->path)) : !strcmp(uri, r->path))
			return r;
	}
	return NULL;
}

static const char *mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html"))
		return "text/html; charset=utf-8";
	if (!strcmp(dot, ".js") || !strcmp(dot, ".mjs"))
		return "text/javascript; charset=utf-8";
	if (!strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	if (!strcmp(dot, ".json"))
		return "application/json";
	if (!strcmp(dot, ".svg"))
		return "image/svg+xml";
	if (!strcmp(dot, ".png"))
		return "image/png";
	return "application/octet-stream";
}

/* Adds header tok: v unless v is NULL. 0 or 1 (no room). */
static int opt_header(struct lws *wsi, enum lws_token_indexes tok, const char *v, uint8_t **p,
		      uint8_t *end)
{
	return v && lws_add_http_header_by_token(wsi, tok, (const unsigned char *)v,
						 (int)strlen(v), p, end);
}

/* The status line and headers; extra may be NULL. */
static int send_headers_x(struct lws *wsi, int status, const char *ctype, size_t len,
			  const struct cp_http_req *extra)
{
	uint8_t buf[LWS_PRE + 1024], *start = &buf[LWS_PRE], *p = start,
				     *end = &buf[sizeof(buf) - 1];
	if (lws_add_http_common_headers(wsi, (unsigned int)status, ctype, (lws_filepos_t)len, &p,
					end))
		return 1;
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)"no-store", 8, &p, end))
		return 1;
	if (extra && (opt_header(wsi, WSI_TOKEN_HTTP_ALLOW, extra->allow, &p, end) ||
		      opt_header(wsi, WSI_TOKEN_HTTP_WWW_AUTHENTICATE, extra->www_authenticate,
				 &p, end)))
		return 1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return 1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int send_headers(struct lws *wsi, int status, const char *ctype, size_t len)
{
	return send_headers_x(wsi, status, ctype, len, NULL);
}

/* Serves a file below static_dir; refuses paths that climb out of it. */
static int serve_static(struct lws *wsi, const char *uri, struct pss *pss)
{
	char path[512];
	struct stat st;
	if (!static_dir[0] || strstr(uri, "..") || strchr(uri, '\\'))
		goto not_found;
	snprintf(path, sizeof(path), "%s%s%s", static_dir, uri,
		 uri[strlen(uri) - 1] == '/' ? "index.html" : "");
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		goto not_found;
	int n = lws_serve_http_file(wsi, path, mime_of(path), NULL, 0);
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
not_found:
	cp_buf_printf(&pss->body, "{\"error\":\"not found\"}\n");
	return send_headers(wsi, HTTP_STATUS_NOT_FOUND, "application/json", pss->body.len);
}

/* The request's method from the URI token lws filled ("" when none of
 * these). */
static const char *method_of(struct lws *wsi)
{
	static const struct {
		enum lws_token_indexes tok;
		const char *name;
	} m[] = {
		{WSI_TOKEN_GET_URI, "GET"},
		{WSI_TOKEN_POST_URI, "POST"},
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS) || defined(LWS_HTTP_HEADERS_ALL)
		{WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
		{WSI_TOKEN_PUT_URI, "PUT"},
		{WSI_TOKEN_PATCH_URI, "PATCH"},
		{WSI_TOKEN_DELETE_URI, "DELETE"},
#endif
		{WSI_TOKEN_HEAD_URI, "HEAD"},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (lws_hdr_total_length(wsi, m[i].tok) > 0)
			return m[i].name;
	return "";
}

/* 1 when lws reads a request body after LWS_CALLBACK_HTTP: it then writes
 * no answer before LWS_CALLBACK_HTTP_BODY_COMPLETION. That is (lws 4.1, as
 * measured with every method) a Content-Length > 0, and for POST also
 * Content-Length: 0 (what fetch() sends for a POST without a body). A
 * chunked request body is not read by lws: such a request is answered at
 * once (and its body then fails to parse as the next request). */
static int has_body(struct lws *wsi, const char *method)
{
	char cl[32];
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 0;
	return strtoull(cl, NULL, 10) > 0 || !strcmp(method, "POST");
}

/* Copies what a request route sees out of lws's header storage. */
static void copy_request(struct lws *wsi, struct pss *pss, const char *uri)
{
	snprintf(pss->method, sizeof(pss->method), "%s", method_of(wsi));
	snprintf(pss->path, sizeof(pss->path), "%s", uri);
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	if (n >= (int)sizeof(pss->auth))
		snprintf(pss->auth, sizeof(pss->auth), "\x01");
	else if (n <= 0 || lws_hdr_copy(wsi, pss->auth, sizeof(pss->auth),
					 WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
		pss->auth[0] = '\0';
}

static int run_req(struct lws *wsi, struct pss *pss, const struct route *r)
{
	struct cp_http_req req = {.method = pss->method, .path = pss->path, .query = pss->query,
				  .authorization = pss->auth};
	const char *ctype = "application/json";
	int status = r->req(r->user, &req, &pss->body, &ctype);
	explicit_bzero(pss->auth, sizeof(pss->auth)); /* the admin token */
	if (pss->body.oom)
		return -1;
	return send_headers_x(wsi, status, ctype, pss->body.len, &req);
}

static int on_http(struct lws *wsi, struct pss *pss, const char *uri)
{
	int qn = 0;
	memset(pss, 0, sizeof(*pss));
	char *query = pss->query;
	while (qn < 16 && lws_hdr_copy_fragment(wsi, query + strlen(query),
						(int)(sizeof(pss->query) - strlen(query) - 1),
						WSI_TOKEN_HTTP_URI_ARGS, qn) > 0) {
		if (strlen(query) < sizeof(pss->query) - 2)
			strcat(query, "&");
		qn++;
	}
	const struct route *r = find_route(uri);
	if (!r)
		return serve_static(wsi, uri, pss);
	if (r->raw)
		return r->raw(r->user, wsi);
	if (r->req) {
		copy_request(wsi, pss, uri);
		if (has_body(wsi, pss->method)) {
			pss->pending = r; /* answered at LWS_CALLBACK_HTTP_BODY_COMPLETION */
			return 0;
		}
		return run_req(wsi, pss, r);
	}
	const char *ctype = "text/plain; charset=utf-8";
	int status = r->fn(r->user, query, &pss->body, &ctype);
	if (pss->body.oom)
		return -1;
	return send_headers(wsi, status, ctype, pss->body.len);
}

static int on_writeable(struct lws *wsi, struct pss *pss)
{
	uint8_t buf[LWS_PRE + CHUNK];
	size_t left = pss->body.len - pss->sent;
	size_t n = left > CHUNK ? CHUNK : left;
	int final = n == left;
	if (n)
		memcpy(buf + LWS_PRE, pss->body.data + pss->sent, n);
	if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	pss->sent += n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	cp_buf_free(&pss->body);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_http(wsi, pss, (const char *)in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return pss ? on_writeable(wsi, pss) : 0;
	case LWS_CALLBACK_HTTP_BODY:
		if (!pss || !pss->pending)
			break;
		pss->body_in += len;
		return pss->body_in > CP_HTTP_BODY_MAX ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!pss || !pss->pending)
			break;
		{
			const struct route *r = pss->pending;
			pss->pending = NULL;
			return run_req(wsi, pss, r);
		}
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss) {
			cp_buf_free(&pss->body);
			explicit_bzero(pss->auth, sizeof(pss->auth));
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static struct lws_protocols protocols[6];
static struct lws_protocol_vhost_options pvo_default = {NULL, NULL, "default", ""};
static struct lws_protocol_vhost_options pvo;

/* lws reports a busy port only in its own log: check first for a clear line. */
static int check_bind(const char *addr, int port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*a6);
	} else {
		snprintf(err, errlen, "http_listen '%s' is not an IP address", addr);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int rc = fd >= 0 ? bind(fd, (struct sockaddr *)&ss, sl) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		return 0;
	if (e == EADDRINUSE)
		snprintf(err, errlen, "port %d on %s is busy: stop the other server or set "
				      "http_port (SLUICE_HTTP_PORT)", port, addr);
	else if (e == EACCES)
		snprintf(err, errlen, "no permission to listen on port %d: use a port >= 1024 "
				      "or run as root", port);
	else
		snprintf(err, errlen, "cannot listen on %s:%d: %s (set http_listen to an address "
				      "of this host)", addr, port, strerror(e));
	return -1;
}

/* libwebsockets' own error lines go through cp_log, so that they follow
 * log_format (one JSON object per line with json) instead of raw stderr. */
static void lws_log_line(int level, const char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	cp_log(level == LLL_ERR ? CP_LOG_ERROR : CP_LOG_WARN, "lws: %.*s", (int)n, line);
}

struct lws_context *cp_http_start(const struct cp_http_cfg *cfg, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	int n = 0;

	if (check_bind(cfg->listen, cfg->port, err, errlen) != 0)
		return NULL;
	snprintf(static_dir, sizeof(static_dir), "%s", cfg->static_dir ? cfg->static_dir : "");
	memset(protocols, 0, sizeof(protocols));
	protocols[n].name = "http";
	protocols[n].callback = http_cb;
	protocols[n].per_session_data_size = sizeof(struct pss);
	n++;
	for (int i = 0; i < 4 && cfg->extra[i]; i++)
		protocols[n++] = *cfg->extra[i];

	memset(&info, 0, sizeof(info));
	info.port = cfg->port;
	info.iface = cfg->listen;
	info.protocols = protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (cfg->timeout_ms > 0) {
		info.timeout_secs = (unsigned int)((cfg->timeout_ms + 999) / 1000);
		info.keepalive_timeout = (int)info.timeout_secs;
	}
	if (!strchr(cfg->listen, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (cfg->ws_default) {
		memset(&pvo, 0, sizeof(pvo));
		pvo.name = cfg->ws_default;
		pvo.options = &pvo_default;
		pvo.value = "";
		info.pvo = &pvo;
	}
	lws_set_log_level(LLL_ERR, lws_log_line);
	struct lws_context *ctx = lws_create_context(&info);
	if (!ctx)
		snprintf(err, errlen, "cannot start the HTTP server on %s:%d (see the lines above)",
			 cfg->listen, cfg->port);
	return ctx;
}
