/* SPDX-License-Identifier: MIT */
/*
 * cp_admin_req - the pure parts of the admin API (README "Admin API"): the
 * request line (method + path) mapped to an operation and its id, the
 * Authorization header checked against the admin token, and a query
 * argument looked up by name.
 *
 * Routes (everything else under /admin/ is CP_ADMIN_P_NOT_FOUND):
 *   GET    /admin/rooms                       CP_ADMIN_ROOMS
 *   GET    /admin/rooms/{channelId}           CP_ADMIN_ROOM_GET
 *   DELETE /admin/rooms/{channelId}           CP_ADMIN_ROOM_CLOSE
 *   DELETE /admin/peers/{peerId}              CP_ADMIN_PEER_REMOVE
 *   POST   /admin/producers/{id}/pause        CP_ADMIN_PRODUCER_PAUSE
 *   POST   /admin/producers/{id}/resume       CP_ADMIN_PRODUCER_RESUME
 * A known path with another method is CP_ADMIN_P_METHOD with `allow` set to
 * the methods it takes (for the Allow header of the 405). "/admin/rooms/" is
 * the list too.
 *
 * The path is taken as libwebsockets hands it: already percent-decoded
 * (so a client sends a channelId with spaces as %20; one holding '/' cannot
 * be addressed). An id is one path segment of 1..CP_ADMIN_ROOM_ID_MAX bytes
 * for a room (a channelId) and 1..CP_ADMIN_OBJ_ID_MAX for a peer or
 * producer, with no NUL or other control character: otherwise
 * CP_ADMIN_P_BAD_ID.
 *
 * Pure: cursor parsing over (pointer, length) that never reads past the
 * end, no globals, no logging, no allocation. cp_admin_auth_ok uses
 * OpenSSL's SHA-256 and CRYPTO_memcmp.
 */
#ifndef CP_ADMIN_REQ_H
#define CP_ADMIN_REQ_H

#include <stddef.h>

#define CP_ADMIN_ROOM_ID_MAX 128 /* = CP_VALID_CHANNEL_MAX */
#define CP_ADMIN_OBJ_ID_MAX 64   /* = CP_VALID_ID_MAX */

enum cp_admin_op {
	CP_ADMIN_ROOMS,
	CP_ADMIN_ROOM_GET,
	CP_ADMIN_ROOM_CLOSE,
	CP_ADMIN_PEER_REMOVE,
	CP_ADMIN_PRODUCER_PAUSE,
	CP_ADMIN_PRODUCER_RESUME,
};

enum cp_admin_parse {
	CP_ADMIN_P_OK = 0,
	CP_ADMIN_P_NOT_FOUND, /* 404: no such endpoint */
	CP_ADMIN_P_METHOD,    /* 405: known path, other method (allow set) */
	CP_ADMIN_P_BAD_ID,    /* 400: empty or too long id, or a control character */
};

struct cp_admin_req {
	enum cp_admin_op op;
	char id[CP_ADMIN_ROOM_ID_MAX + 1]; /* NUL-terminated; "" for ROOMS */
	const char *allow;                 /* static string, with CP_ADMIN_P_METHOD */
	const char *why;                   /* static message for every status but OK */
};

/* Parses method (mlen bytes, e.g. "DELETE") and path (plen bytes, no query)
 * into out. Neither needs a NUL. */
enum cp_admin_parse cp_admin_parse(const char *method, size_t mlen, const char *path,
				   size_t plen, struct cp_admin_req *out);

/* 1 when header (hlen bytes: the Authorization header's value) is
 * "Bearer <token>" (scheme case-insensitive, spaces or tabs between, trailing
 * spaces ignored) and <token> equals want; 0 otherwise, and always 0 for an
 * empty want. Compares SHA-256 digests with CRYPTO_memcmp, so the time taken
 * depends on neither the bytes nor the length of want. */
int cp_admin_auth_ok(const char *want, const char *header, size_t hlen);

/* Looks up name in a query of "k=v" pairs separated by '&' (as cp_http
 * hands it: already decoded, maybe with a trailing '&'). Copies the value
 * (NUL-terminated) into out. Returns its length, -1 when absent, -2 when it
 * does not fit in cap - 1 bytes. A key without '=' has the value "". */
int cp_admin_query_get(const char *query, size_t qlen, const char *name, char *out,
		       size_t cap);

#endif
