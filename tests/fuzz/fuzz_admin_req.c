/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the admin API's request parsing
 * (controlplane/cp_admin_req.c). Input: "METHOD PATH\nAUTHORIZATION\nQUERY"
 * (missing parts are empty). Must never crash or read past its input, and:
 *   - an accepted request has an id that fits its kind and holds no control
 *     character ("" for the list), a 405 names its Allow methods, and
 *     every refusal has a message;
 *   - the Authorization check accepts exactly "Bearer <the token>";
 *   - a query value found fits the buffer and is NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../controlplane/cp_admin_req.h"

#define TOKEN "fuzz-admin-token-0123456789"

static const char *cut(const char *p, const char *end, char c, const char **next)
{
	const char *q = memchr(p, c, (size_t)(end - p));
	*next = q ? q + 1 : end;
	return q ? q : end;
}

static void check_req(const char *m, size_t ml, const char *path, size_t pl)
{
	struct cp_admin_req r;
	enum cp_admin_parse st = cp_admin_parse(m, ml, path, pl, &r);
	size_t n = strnlen(r.id, sizeof(r.id));
	if (n == sizeof(r.id))
		abort();
	if (st != CP_ADMIN_P_OK) {
		if (!r.why || (st == CP_ADMIN_P_METHOD) != (r.allow != NULL))
			abort();
		return;
	}
	size_t max = r.op == CP_ADMIN_ROOM_GET || r.op == CP_ADMIN_ROOM_CLOSE
			     ? CP_ADMIN_ROOM_ID_MAX
			     : CP_ADMIN_OBJ_ID_MAX;
	if ((r.op == CP_ADMIN_ROOMS) != (n == 0) || n > max)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r.id[i] < 0x20 || r.id[i] == 0x7f || r.id[i] == '/')
			abort();
	if (pl < 7 || memcmp(path, "/admin/", 7))
		abort();
}

static void check_auth(const char *h, size_t hl)
{
	if (!cp_admin_auth_ok(TOKEN, h, hl))
		return;
	/* accepted: "bearer" (any case), blanks, the token, blanks */
	size_t i = 6;
	if (hl < 6 || strncasecmp(h, "bearer", 6))
		abort();
	while (i < hl && (h[i] == ' ' || h[i] == '\t'))
		i++;
	size_t e = hl;
	while (e > i && (h[e - 1] == ' ' || h[e - 1] == '\t'))
		e--;
	if (i == 6 || e - i != strlen(TOKEN) || memcmp(h + i, TOKEN, e - i))
		abort();
}

static void check_query(const char *q, size_t ql)
{
	static const char *const names[] = {"room", "name", "reason", ""};
	char v[16];
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		memset(v, 'X', sizeof(v));
		int n = cp_admin_query_get(q, ql, names[k], v, sizeof(v));
		if (n < -2 || n > (int)sizeof(v) - 1 || (n >= 0 && v[n] != '\0'))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *next;
	const char *m_end = cut(p, end, ' ', &next);
	const char *path = next;
	const char *path_end = cut(path, end, '\n', &next);
	const char *h = next;
	const char *h_end = cut(h, end, '\n', &next);
	check_req(p, (size_t)(m_end - p), path, (size_t)(path_end - path));
	check_auth(h, (size_t)(h_end - h));
	check_query(next, (size_t)(end - next));
	return 0;
}
