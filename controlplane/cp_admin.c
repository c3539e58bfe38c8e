/* SPDX-License-Identifier: MIT */
/* cp_admin - see cp_admin.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "cp_admin.h"
#include "cp_admin_req.h"
#include "cp_app.h"
#include "cp_http.h"
#include "cp_jwt.h"
#include "cp_log.h"
#include "cp_signal.h"

#define REASON_MAX 128          /* ?reason= bytes */
#define DEV_NAME_MAX 64         /* /dev/token ?name= bytes */
#define DEV_TOKEN_TTL_S 3600
#define REASON_PEER "removed by the operator"
#define REASON_ROOM "room closed by the operator"

/* ---- answers ---- */

/* o (stolen) as the body; 500 when it is NULL (out of memory). */
static int answer(struct cp_buf *b, int status, json_t *o)
{
	char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!txt) {
		cp_buf_printf(b, "{\"error\":\"out of memory\",\"code\":\"INTERNAL\"}\n");
		return 500;
	}
	cp_buf_printf(b, "%s\n", txt);
	free(txt);
	return status;
}

static int fail_json(struct cp_buf *b, int status, const char *code, const char *msg)
{
	return answer(b, status, json_pack("{ssss}", "error", msg, "code", code));
}

/* The same body as a missing static file: an endpoint that is off does not
 * show it exists. */
static int not_found_plain(struct cp_buf *b)
{
	cp_buf_printf(b, "{\"error\":\"not found\"}\n");
	return 404;
}

/* A UTF-8 query argument of 1..max bytes into out (max + 1 bytes): 1 when
 * there, 0 when absent, -1 (with *why) when empty, too long, not UTF-8 or
 * holding a control character (the values go into log lines). */
static int query_arg(const struct cp_http_req *req, const char *name, char *out, size_t max,
		     const char **why)
{
	int n = cp_admin_query_get(req->query, strlen(req->query), name, out, max + 1);
	if (n == -1)
		return 0;
	for (int i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			n = 0;
	json_t *probe = n > 0 ? json_string(out) : NULL; /* NULL unless valid UTF-8 */
	if (!probe) {
		*why = "an argument is empty, too long, not UTF-8 or holds a control character";
		return -1;
	}
	json_decref(probe);
	return 1;
}

/* ---- /admin/ ---- */

static int do_room_close(struct cp_app *a, const struct cp_admin_req *ar, const char *reason,
			 struct cp_buf *b)
{
	int n = cp_signal_close_room(a->sig, ar->id, reason);
	if (n < 0)
		return fail_json(b, 404, "NOT_FOUND", "no such room");
	return answer(b, 200, json_pack("{sssiss}", "closed", ar->id, "peersRemoved", n,
					"reason", reason));
}

static int do_peer_remove(struct cp_app *a, const struct cp_admin_req *ar, const char *reason,
			  struct cp_buf *b)
{
	char room[CP_ADMIN_ROOM_ID_MAX + 1];
	if (cp_signal_remove_peer(a->sig, ar->id, reason, room, sizeof(room)))
		return fail_json(b, 404, "NOT_FOUND", "no such peer");
	return answer(b, 200, json_pack("{sssoss}", "removed", ar->id, "channelId",
					room[0] ? json_string(room) : json_null(), "reason",
					reason));
}

static int do_pause(struct cp_app *a, const struct cp_admin_req *ar, struct cp_buf *b)
{
	int paused = ar->op == CP_ADMIN_PRODUCER_PAUSE;
	uint32_t n = 0;
	int rc = cp_signal_pause_producer(a->sig, ar->id, paused, &n);
	if (rc == -ENOENT)
		return fail_json(b, 404, "NOT_FOUND", "no such producer");
	if (rc)
		return fail_json(b, 503, "OVERLOADED", "the data plane is busy: try again shortly");
	return answer(b, 200, json_pack("{sssbsI}", "producerId", ar->id, "paused", paused,
					paused ? "consumersPaused" : "consumersResumed",
					(json_int_t)n));
}

static int run_admin(struct cp_app *a, const struct cp_admin_req *ar,
		     const struct cp_http_req *req, struct cp_buf *b)
{
	char reason[REASON_MAX + 1];
	const char *why = NULL;
	int has = ar->op == CP_ADMIN_ROOM_CLOSE || ar->op == CP_ADMIN_PEER_REMOVE
			  ? query_arg(req, "reason", reason, REASON_MAX, &why)
			  : 0;
	if (has < 0)
		return fail_json(b, 400, "BAD_REQUEST", "reason must be 1..128 bytes of UTF-8 "
				 "without control characters");
	switch (ar->op) {
	case CP_ADMIN_ROOMS:
		return answer(b, 200, cp_signal_admin_rooms(a->sig));
	case CP_ADMIN_ROOM_GET: {
		json_t *r = cp_signal_admin_room(a->sig, ar->id);
		if (!r)
			return fail_json(b, 404, "NOT_FOUND", "no such room");
		return answer(b, 200, json_pack("{so}", "room", r));
	}
	case CP_ADMIN_ROOM_CLOSE:
		return do_room_close(a, ar, has ? reason : REASON_ROOM, b);
	case CP_ADMIN_PEER_REMOVE:
		return do_peer_remove(a, ar, has ? reason : REASON_PEER, b);
	case CP_ADMIN_PRODUCER_PAUSE:
	case CP_ADMIN_PRODUCER_RESUME:
		return do_pause(a, ar, b);
	}
	return fail_json(b, 500, "INTERNAL", "unknown operation");
}

static int route_admin(void *user, struct cp_http_req *req, struct cp_buf *b,
		       const char **ctype)
{
	struct cp_app *a = user;
	struct cp_admin_req ar;
	*ctype = "application/json";
	if (!a->cfg.admin_token[0])
		return not_found_plain(b);
	if (!cp_admin_auth_ok(a->cfg.admin_token, req->authorization,
			      strlen(req->authorization))) {
		CP_INFO("admin: %s %.128s refused: %s admin token", req->method, req->path,
			req->authorization[0] ? "wrong" : "no");
		req->www_authenticate = "Bearer realm=\"sluice-admin\"";
		return fail_json(b, 401, "UNAUTHORIZED", "send the admin token: Authorization: "
			     "Bearer <admin_token>");
	}
	switch (cp_admin_parse(req->method, strlen(req->method), req->path, strlen(req->path),
			       &ar)) {
	case CP_ADMIN_P_OK:
		break;
	case CP_ADMIN_P_METHOD:
		req->allow = ar.allow;
		return fail_json(b, 405, "METHOD_NOT_ALLOWED", ar.why);
	case CP_ADMIN_P_BAD_ID:
		return fail_json(b, 400, "BAD_REQUEST", ar.why);
	default:
		return fail_json(b, 404, "NOT_FOUND", ar.why);
	}
	if (!a->sig)
		return fail_json(b, 503, "OVERLOADED", "the control plane is stopping");
	int st = run_admin(a, &ar, req, b);
	CP_INFO("admin: %s %.160s -> %d", req->method, req->path, st);
	return st;
}

/* ---- /dev/token ---- */

/* The claims of a dev token from ?room= and ?name=: 0, -1 for bad arguments
 * (*why says which), -2 when no randomness was had for a guest name (a
 * server fault, not the caller's). */
static int dev_claims(const struct cp_http_req *req, struct cp_jwt_claims *c, const char **why)
{
	memset(c, 0, sizeof(*c));
	c->pub = true;
	c->sub_media = true;
	int r = query_arg(req, "room", c->room, CP_ADMIN_ROOM_ID_MAX, why);
	int n = r < 0 ? 0 : query_arg(req, "name", c->sub, DEV_NAME_MAX, why);
	if (r < 0 || n < 0)
		return -1;
	c->has_room = r == 1;
	if (!n) {
		unsigned char rnd[3];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			*why = "no randomness for a guest name";
			return -2;
		}
		snprintf(c->sub, sizeof(c->sub), "guest-%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
	}
	c->exp = (int64_t)time(NULL) + DEV_TOKEN_TTL_S;
	return 0;
}

static int route_dev_token(void *user, struct cp_http_req *req, struct cp_buf *b,
			   const char **ctype)
{
	struct cp_app *a = user;
	struct cp_jwt_claims c;
	char tok[CP_JWT_MAX_LEN + 1];
	const char *why = "bad arguments";
	*ctype = "application/json";
	if (!a->cfg.dev_mode || strcmp(req->path, "/dev/token"))
		return not_found_plain(b);
	if (strcmp(req->method, "GET")) {
		req->allow = "GET";
		return fail_json(b, 405, "METHOD_NOT_ALLOWED", "/dev/token takes GET");
	}
	int dc = dev_claims(req, &c, &why);
	if (dc == -2)
		return fail_json(b, 500, "INTERNAL", why);
	if (dc)
		return fail_json(b, 400, "BAD_REQUEST", "room (1..128 bytes) and name (1..64 bytes) "
				 "must be UTF-8 without control characters; both are optional");
	if (!a->cfg.jwt_secret[0])
		return fail_json(b, 503, "INTERNAL", "no jwt_secret to sign with: set SLUICE_JWT_SECRET "
			     "or jwt_secret_file");
	ssize_t n = cp_jwt_mint(tok, sizeof(tok), (const uint8_t *)a->cfg.jwt_secret,
				strlen(a->cfg.jwt_secret), &c);
	if (n < 0)
		return fail_json(b, 400, "BAD_REQUEST", "cannot mint a token for these arguments");
	CP_INFO("dev: token minted for user %s%s%s (dev_mode)", c.sub, c.has_room ? ", room " : "",
		c.has_room ? c.room : "");
	return answer(b, 200, json_pack("{sssssosI}", "token", tok, "userId", c.sub, "room",
					c.has_room ? json_string(c.room) : json_null(), "exp",
					(json_int_t)c.exp));
}

/* 1 for an address only this host reaches. */
static int is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1");
}

void cp_admin_http(struct cp_app *a)
{
	cp_http_route_req("/admin/", 1, route_admin, a);
	cp_http_route_req("/dev/", 1, route_dev_token, a);
	if (a->cfg.admin_token[0] && !is_loopback(a->cfg.http_listen))
		CP_WARN("admin: admin API on at /admin/ on %s, without TLS: the admin token "
			"crosses the network in clear unless a TLS proxy is in front",
			a->cfg.http_listen);
	else if (a->cfg.admin_token[0])
		CP_INFO("admin: admin API on at /admin/ (Authorization: Bearer <admin_token>)");
	else
		CP_INFO("admin: admin API off (set admin_token or SLUICE_ADMIN_TOKEN to turn it on)");
	if (a->cfg.dev_mode)
		CP_WARN("dev: dev_mode is on: GET /dev/token gives a user token to anyone who can "
			"reach %s:%d; never use dev_mode in production", a->cfg.http_listen,
			a->cfg.http_port);
}
