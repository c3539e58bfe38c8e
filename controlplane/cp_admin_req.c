/* SPDX-License-Identifier: MIT */
/* cp_admin_req - see cp_admin_req.h. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "cp_admin_req.h"

#define PREFIX "/admin/"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* Does [p, p + n) equal the NUL-terminated s? */
static int eq(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n == k && !memcmp(p, s, k);
}

/* Copies one path segment [p, p + n) into out (max + 1 bytes,
 * NUL-terminated). 0, or -1 (empty, too long, a NUL or control character). */
static int copy_id(const char *p, size_t n, char *out, size_t max)
{
	if (n == 0 || n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

static enum cp_admin_parse fail(struct cp_admin_req *out, enum cp_admin_parse st,
				const char *why, const char *allow)
{
	out->why = why;
	out->allow = allow;
	return st;
}

/* The operation of (collection, method, action) once the id is split off.
 * action is the part after the id ("" / "pause" / "resume"). */
static enum cp_admin_parse route(struct cp_admin_req *out, const char *m, size_t ml,
				 const char *coll, size_t cl, const char *act, size_t al,
				 int has_id)
{
	if (eq(coll, cl, "rooms") && al == 0) {
		if (!has_id) {
			if (eq(m, ml, "GET"))
				return out->op = CP_ADMIN_ROOMS, CP_ADMIN_P_OK;
			return fail(out, CP_ADMIN_P_METHOD, "/admin/rooms takes GET", "GET");
		}
		if (eq(m, ml, "GET"))
			return out->op = CP_ADMIN_ROOM_GET, CP_ADMIN_P_OK;
		if (eq(m, ml, "DELETE"))
			return out->op = CP_ADMIN_ROOM_CLOSE, CP_ADMIN_P_OK;
		return fail(out, CP_ADMIN_P_METHOD, "/admin/rooms/{id} takes GET or DELETE",
			    "GET, DELETE");
	}
	if (eq(coll, cl, "peers") && has_id && al == 0) {
		if (eq(m, ml, "DELETE"))
			return out->op = CP_ADMIN_PEER_REMOVE, CP_ADMIN_P_OK;
		return fail(out, CP_ADMIN_P_METHOD, "/admin/peers/{id} takes DELETE", "DELETE");
	}
	if (eq(coll, cl, "producers") && has_id &&
	    (eq(act, al, "pause") || eq(act, al, "resume"))) {
		if (!eq(m, ml, "POST"))
			return fail(out, CP_ADMIN_P_METHOD,
				    "/admin/producers/{id}/pause and /resume take POST", "POST");
		out->op = eq(act, al, "pause") ? CP_ADMIN_PRODUCER_PAUSE : CP_ADMIN_PRODUCER_RESUME;
		return CP_ADMIN_P_OK;
	}
	return fail(out, CP_ADMIN_P_NOT_FOUND, "no such admin endpoint (see README, Admin API)",
		    NULL);
}

enum cp_admin_parse cp_admin_parse(const char *method, size_t mlen, const char *path,
				   size_t plen, struct cp_admin_req *out)
{
	memset(out, 0, sizeof(*out));
	if (plen < PREFIX_LEN || memcmp(path, PREFIX, PREFIX_LEN))
		return fail(out, CP_ADMIN_P_NOT_FOUND, "not an admin path", NULL);
	const char *p = path + PREFIX_LEN, *end = path + plen;
	const char *coll = p;
	while (p < end && *p != '/')
		p++;
	size_t cl = (size_t)(p - coll);
	if (p == end || (p + 1 == end && eq(coll, cl, "rooms"))) /* "/admin/rooms(/)" */
		return route(out, method, mlen, coll, cl, "", 0, 0);
	const char *id = ++p;
	while (p < end && *p != '/')
		p++;
	size_t il = (size_t)(p - id);
	const char *act = p < end ? p + 1 : end;
	size_t al = (size_t)(end - act);
	if (p < end && al == 0) /* a trailing slash after the id */
		return fail(out, CP_ADMIN_P_NOT_FOUND, "no such admin endpoint (see README, "
				   "Admin API)", NULL);
	enum cp_admin_parse st = route(out, method, mlen, coll, cl, act, al, 1);
	if (st != CP_ADMIN_P_OK)
		return st;
	size_t max = out->op == CP_ADMIN_ROOM_GET || out->op == CP_ADMIN_ROOM_CLOSE
			     ? CP_ADMIN_ROOM_ID_MAX
			     : CP_ADMIN_OBJ_ID_MAX;
	if (copy_id(id, il, out->id, max))
		return fail(out, CP_ADMIN_P_BAD_ID, "the id in the path is empty, too long or "
				   "holds a control character", NULL);
	return CP_ADMIN_P_OK;
}

int cp_admin_auth_ok(const char *want, const char *header, size_t hlen)
{
	static const char scheme[] = "bearer";
	const size_t sl = sizeof(scheme) - 1;
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
	if (!want || !*want || !header || hlen <= sl)
		return 0;
	for (size_t i = 0; i < sl; i++)
		if ((header[i] | 0x20) != scheme[i])
			return 0;
	size_t i = sl;
	if (header[i] != ' ' && header[i] != '\t')
		return 0;
	while (i < hlen && (header[i] == ' ' || header[i] == '\t'))
		i++;
	size_t e = hlen;
	while (e > i && (header[e - 1] == ' ' || header[e - 1] == '\t'))
		e--;
	if (e == i)
		return 0;
	SHA256((const unsigned char *)want, strlen(want), a);
	SHA256((const unsigned char *)header + i, e - i, b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

int cp_admin_query_get(const char *query, size_t qlen, const char *name, char *out,
		       size_t cap)
{
	const char *p = query, *end = query + qlen;
	size_t nl = strlen(name);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eqs = memchr(p, '=', (size_t)(e - p));
		const char *ke = eqs ? eqs : e;
		if ((size_t)(ke - p) == nl && !memcmp(p, name, nl)) {
			const char *v = eqs ? eqs + 1 : e;
			size_t vl = (size_t)(e - v);
			if (cap == 0 || vl > cap - 1)
				return -2;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return (int)vl;
		}
		p = amp ? amp + 1 : end;
	}
	return -1;
}
