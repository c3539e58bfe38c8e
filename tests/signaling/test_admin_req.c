/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the admin API's pure parts (controlplane/cp_admin_req.c):
 * request line -> operation and id (404 / 405 with Allow / 400), the
 * Authorization header against the admin token, query arguments; and the
 * admin_token configuration checks (controlplane/cp_config.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "cp_admin_req.h"
#include "cp_config.h"

static enum cp_admin_parse parse(const char *m, const char *p, struct cp_admin_req *r)
{
	return cp_admin_parse(m, strlen(m), p, strlen(p), r);
}

static void test_routes(void)
{
	struct cp_admin_req r;
	static const struct {
		const char *m, *p;
		enum cp_admin_op op;
		const char *id;
	} ok[] = {
		{"GET", "/admin/rooms", CP_ADMIN_ROOMS, ""},
		{"GET", "/admin/rooms/", CP_ADMIN_ROOMS, ""},
		{"GET", "/admin/rooms/demo", CP_ADMIN_ROOM_GET, "demo"},
		{"GET", "/admin/rooms/a room", CP_ADMIN_ROOM_GET, "a room"},
		{"DELETE", "/admin/rooms/demo", CP_ADMIN_ROOM_CLOSE, "demo"},
		{"DELETE", "/admin/peers/0b6d4d4e-7c69-4b1c-9d7e-0e1f2a3b4c5d", CP_ADMIN_PEER_REMOVE,
		 "0b6d4d4e-7c69-4b1c-9d7e-0e1f2a3b4c5d"},
		{"POST", "/admin/producers/p1/pause", CP_ADMIN_PRODUCER_PAUSE, "p1"},
		{"POST", "/admin/producers/p1/resume", CP_ADMIN_PRODUCER_RESUME, "p1"},
		{"GET", "/admin/rooms/%41", CP_ADMIN_ROOM_GET, "%41"}, /* lws decoded already */
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		enum cp_admin_parse st = parse(ok[i].m, ok[i].p, &r);
		CHECK_EQ(st, CP_ADMIN_P_OK);
		CHECK_EQ(r.op, ok[i].op);
		CHECK(!strcmp(r.id, ok[i].id));
		if (st != CP_ADMIN_P_OK || strcmp(r.id, ok[i].id))
			fprintf(stderr, "  at %s %s\n", ok[i].m, ok[i].p);
	}
	static const struct {
		const char *m, *p;
		enum cp_admin_parse st;
		const char *allow;
	} bad[] = {
		{"POST", "/admin/rooms", CP_ADMIN_P_METHOD, "GET"},
		{"DELETE", "/admin/rooms", CP_ADMIN_P_METHOD, "GET"},
		{"PUT", "/admin/rooms/x", CP_ADMIN_P_METHOD, "GET, DELETE"},
		{"get", "/admin/rooms/x", CP_ADMIN_P_METHOD, "GET, DELETE"}, /* case matters */
		{"GET", "/admin/peers/x", CP_ADMIN_P_METHOD, "DELETE"},
		{"GET", "/admin/producers/x/pause", CP_ADMIN_P_METHOD, "POST"},
		{"DELETE", "/admin/producers/x/resume", CP_ADMIN_P_METHOD, "POST"},
		{"GET", "/admin/", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "/admin/nope", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "/admin/roomsx", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "/admin/rooms/x/", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "/admin/rooms/x/y", CP_ADMIN_P_NOT_FOUND, NULL},
		{"DELETE", "/admin/peers", CP_ADMIN_P_NOT_FOUND, NULL},
		{"POST", "/admin/producers/x", CP_ADMIN_P_NOT_FOUND, NULL},
		{"POST", "/admin/producers/x/mute", CP_ADMIN_P_NOT_FOUND, NULL},
		{"POST", "/admin/producers/x/pause/", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "/adminrooms", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "/admin", CP_ADMIN_P_NOT_FOUND, NULL},
		{"GET", "", CP_ADMIN_P_NOT_FOUND, NULL},
		{"DELETE", "/admin/peers/", CP_ADMIN_P_BAD_ID, NULL},
		{"POST", "/admin/producers//pause", CP_ADMIN_P_BAD_ID, NULL},
		{"GET", "/admin/rooms/a\x01", CP_ADMIN_P_BAD_ID, NULL},
		{"GET", "/admin/rooms/a\x7f", CP_ADMIN_P_BAD_ID, NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum cp_admin_parse st = parse(bad[i].m, bad[i].p, &r);
		CHECK_EQ(st, bad[i].st);
		CHECK(r.why != NULL);
		CHECK(bad[i].allow ? r.allow && !strcmp(r.allow, bad[i].allow) : !r.allow);
		if (st != bad[i].st)
			fprintf(stderr, "  at %s %s: %d\n", bad[i].m, bad[i].p, st);
	}
	/* id lengths: a room up to 128 bytes, a peer or producer up to 64 */
	char path[512], id[200];
	memset(id, 'r', sizeof(id));
	id[128] = '\0';
	snprintf(path, sizeof(path), "/admin/rooms/%s", id);
	CHECK_EQ(parse("DELETE", path, &r), CP_ADMIN_P_OK);
	CHECK_EQ(strlen(r.id), 128);
	id[128] = 'r';
	id[129] = '\0';
	snprintf(path, sizeof(path), "/admin/rooms/%s", id);
	CHECK_EQ(parse("GET", path, &r), CP_ADMIN_P_BAD_ID);
	id[64] = '\0';
	snprintf(path, sizeof(path), "/admin/peers/%s", id);
	CHECK_EQ(parse("DELETE", path, &r), CP_ADMIN_P_OK);
	id[64] = 'r';
	id[65] = '\0';
	snprintf(path, sizeof(path), "/admin/producers/%s/pause", id);
	CHECK_EQ(parse("POST", path, &r), CP_ADMIN_P_BAD_ID);
	/* a length, not a NUL, ends the input */
	CHECK_EQ(cp_admin_parse("GET", 3, "/admin/rooms/xyz", 14, &r), CP_ADMIN_P_OK);
	CHECK_EQ(r.op, CP_ADMIN_ROOM_GET);
	CHECK(!strcmp(r.id, "x"));
	CHECK_EQ(cp_admin_parse("GETX", 3, "/admin/rooms", 12, &r), CP_ADMIN_P_OK);
	CHECK_EQ(cp_admin_parse("GET", 3, "/admin/rooms", 6, &r), CP_ADMIN_P_NOT_FOUND);
}

static int auth(const char *want, const char *h)
{
	return cp_admin_auth_ok(want, h, h ? strlen(h) : 0);
}

static void test_auth(void)
{
	const char *t = "admintoken-0123456789";
	CHECK_EQ(auth(t, "Bearer admintoken-0123456789"), 1);
	CHECK_EQ(auth(t, "bearer admintoken-0123456789"), 1);
	CHECK_EQ(auth(t, "BEARER \t admintoken-0123456789  "), 1);
	CHECK_EQ(auth(t, "Bearer admintoken-012345678"), 0);
	CHECK_EQ(auth(t, "Bearer admintoken-01234567890"), 0);
	CHECK_EQ(auth(t, "Bearer Admintoken-0123456789"), 0);
	CHECK_EQ(auth(t, "Bearer"), 0);
	CHECK_EQ(auth(t, "Bearer "), 0);
	CHECK_EQ(auth(t, "Bearer    "), 0);
	CHECK_EQ(auth(t, "Bearerx admintoken-0123456789"), 0);
	CHECK_EQ(auth(t, "Basic YWRtaW46YWRtaW4="), 0);
	CHECK_EQ(auth(t, "admintoken-0123456789"), 0);
	CHECK_EQ(auth(t, ""), 0);
	CHECK_EQ(auth(t, NULL), 0);
	CHECK_EQ(auth(t, "Bearer admintoken 0123456789"), 0);
	CHECK_EQ(auth("", "Bearer "), 0); /* no token configured: nothing matches */
	CHECK_EQ(auth(NULL, "Bearer x"), 0);
	/* the header is read up to its length only */
	CHECK_EQ(cp_admin_auth_ok(t, "Bearer admintoken-0123456789xyz", 28), 1);
}

static void test_query(void)
{
	char v[8];
	const char *q = "room=demo&name=al ice&flag&empty=&";
	size_t n = strlen(q);
	CHECK_EQ(cp_admin_query_get(q, n, "room", v, sizeof(v)), 4);
	CHECK(!strcmp(v, "demo"));
	CHECK_EQ(cp_admin_query_get(q, n, "name", v, sizeof(v)), 6);
	CHECK(!strcmp(v, "al ice"));
	CHECK_EQ(cp_admin_query_get(q, n, "flag", v, sizeof(v)), 0);
	CHECK_EQ(cp_admin_query_get(q, n, "empty", v, sizeof(v)), 0);
	CHECK_EQ(cp_admin_query_get(q, n, "roo", v, sizeof(v)), -1);
	CHECK_EQ(cp_admin_query_get(q, n, "reason", v, sizeof(v)), -1);
	CHECK_EQ(cp_admin_query_get("name=12345678", 13, "name", v, sizeof(v)), -2);
	CHECK_EQ(cp_admin_query_get("name=1234567", 12, "name", v, sizeof(v)), 7);
	CHECK_EQ(cp_admin_query_get("", 0, "name", v, sizeof(v)), -1);
	CHECK_EQ(cp_admin_query_get("a=1&a=2", 7, "a", v, sizeof(v)), 1); /* the first */
	CHECK(!strcmp(v, "1"));
	/* the length ends the query */
	CHECK_EQ(cp_admin_query_get("x=1&name=abc", 9, "name", v, sizeof(v)), 0);
	CHECK_EQ(cp_admin_query_get("x=1&name=abc", 7, "name", v, sizeof(v)), -1);
}

/* admin_token: off when empty; 16+ printable characters; not jwt_secret;
 * admin_token_file read and trimmed. */
static void test_config(void)
{
	struct cp_config c;
	char err[512];
	unsetenv("SLUICE_ADMIN_TOKEN");
	unsetenv("SLUICE_ADMIN_TOKEN_FILE");
	cp_config_defaults(&c);
	snprintf(c.jwt_secret, sizeof(c.jwt_secret), "jwt-secret-0123456789abcdef");
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.admin_token[0], '\0');
	CHECK_EQ(cp_config_set(&c, "admin_token", "short", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "admin_token") && strstr(err, "16"));
	CHECK_EQ(cp_config_set(&c, "admin_token", "has a space in it 0123", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "printable"));
	CHECK_EQ(cp_config_set(&c, "admin_token", "jwt-secret-0123456789abcdef", "t", err,
			       sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "jwt_secret"));
	CHECK_EQ(cp_config_set(&c, "admin_token", "admintoken-0123456789", "t", err, sizeof(err)),
		 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);

	setenv("SLUICE_ADMIN_TOKEN", "from-env-0123456789abc", 1);
	cp_config_defaults(&c);
	CHECK_EQ(cp_config_load_env(&c, err, sizeof(err)), 0);
	CHECK(!strcmp(c.admin_token, "from-env-0123456789abc"));
	unsetenv("SLUICE_ADMIN_TOKEN");

	char path[] = "/tmp/sluice-admintok-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "  file-token-0123456789abcdef\n";
	CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	cp_config_defaults(&c);
	snprintf(c.jwt_secret, sizeof(c.jwt_secret), "jwt-secret-0123456789abcdef");
	CHECK_EQ(cp_config_set(&c, "admin_token_file", path, "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);
	CHECK(!strcmp(c.admin_token, "file-token-0123456789abcdef"));
	unlink(path);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1); /* the file is gone */
	CHECK(strstr(err, "admin_token_file") && strstr(err, path));
	/* dev_mode as the run script sets it */
	CHECK_EQ(cp_config_set(&c, "dev_mode", "1", "t", err, sizeof(err)), 0);
	CHECK_EQ(c.dev_mode, 1);
	CHECK_EQ(cp_config_set(&c, "dev_mode", "2", "t", err, sizeof(err)), -1);
}

int main(void)
{
	test_routes();
	test_auth();
	test_query();
	test_config();
	return check_report("test_admin_req");
}
