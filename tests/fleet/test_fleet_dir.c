/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pure parts of controlplane/fleet (cp_fleet_dir): the
 * redis_url syntax, node ids, the node record JSON both ways (including
 * hostile records) and the choice of a new room's home by load.
 */
#include <stdio.h>
#include <string.h>

#include "../unit/check.h"
#include "cp_fleet_dir.h"

static void test_url(void)
{
	struct cp_fleet_redis_addr a;
	char err[256];
	CHECK_EQ(cp_fleet_redis_url_parse("redis://127.0.0.1:6380", &a, err, sizeof(err)), 0);
	CHECK(!strcmp(a.host, "127.0.0.1"));
	CHECK_EQ(a.port, 6380);
	CHECK_EQ(a.db, 0);
	CHECK_EQ(cp_fleet_redis_url_parse("redis://localhost", &a, err, sizeof(err)), 0);
	CHECK(!strcmp(a.host, "127.0.0.1"));
	CHECK_EQ(a.port, 6379);
	CHECK_EQ(cp_fleet_redis_url_parse("redis://:s3cret@198.18.0.9:7000/2", &a, err,
					  sizeof(err)), 0);
	CHECK(!strcmp(a.password, "s3cret"));
	CHECK(!strcmp(a.host, "198.18.0.9"));
	CHECK_EQ(a.port, 7000);
	CHECK_EQ(a.db, 2);
	CHECK_EQ(cp_fleet_redis_url_parse("redis://user:pw@[::1]:6379/", &a, err, sizeof(err)),
		 0);
	CHECK(!strcmp(a.host, "::1"));
	CHECK(!strcmp(a.password, "pw"));
	CHECK_EQ(cp_fleet_redis_url_parse("unix:///run/redis.sock", &a, err, sizeof(err)), 0);
	CHECK(!strcmp(a.path, "/run/redis.sock"));
	/* refused, each with a message that says what to write */
	const char *bad[] = {"http://127.0.0.1", "redis://", "redis://redis.example:6379",
			     "redis://127.0.0.1:0", "redis://127.0.0.1:70000",
			     "redis://127.0.0.1:6379/x", "redis://127.0.0.1:63a", "unix://rel",
			     "redis://[::1", "redis://:@127.0.0.1", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(cp_fleet_redis_url_parse(bad[i], &a, err, sizeof(err)), -1);
		CHECK(strstr(err, "redis_url") && strstr(err, "redis://IP:PORT"));
	}
}

static void test_ids(void)
{
	CHECK(cp_fleet_id_valid("node-a.1_x"));
	CHECK(!cp_fleet_id_valid(""));
	CHECK(!cp_fleet_id_valid("a b"));
	CHECK(!cp_fleet_id_valid("a:b"));
	char longid[80];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK(!cp_fleet_id_valid(longid));
	longid[CP_FLEET_ID_MAX] = '\0';
	CHECK(cp_fleet_id_valid(longid));
}

static void test_record(void)
{
	struct cp_fleet_node n = {.capacity = 500, .load = 17}, m;
	char buf[CP_FLEET_RECORD_MAX + 1], err[256];
	snprintf(n.id, sizeof(n.id), "node-a");
	snprintf(n.url, sizeof(n.url), "http://198.18.0.1:3000");
	snprintf(n.media, sizeof(n.media), "198.18.0.1");
	int len = cp_fleet_node_json(&n, buf, sizeof(buf));
	CHECK(len > 0);
	CHECK(!strcmp(buf, "{\"id\":\"node-a\",\"url\":\"http://198.18.0.1:3000\",\"media\":"
			   "\"198.18.0.1\",\"capacity\":500,\"load\":17}"));
	CHECK_EQ(cp_fleet_node_parse(buf, (size_t)len, &m, err, sizeof(err)), 0);
	CHECK(!strcmp(m.id, "node-a") && !strcmp(m.url, n.url) && !strcmp(m.media, n.media));
	CHECK_EQ(m.capacity, 500);
	CHECK_EQ(m.load, 17);
	char tiny[16];
	CHECK_EQ(cp_fleet_node_json(&n, tiny, sizeof(tiny)), -1);
	/* media is optional */
	const char *ok = "{\"id\":\"b\",\"url\":\"http://x\",\"capacity\":1,\"load\":0}";
	CHECK_EQ(cp_fleet_node_parse(ok, strlen(ok), &m, err, sizeof(err)), 0);
	CHECK(m.media[0] == '\0');
	/* hostile or broken records */
	const char *bad[] = {
		"", "null", "[]", "{", "{\"id\":\"b\"}",
		"{\"id\":\"b c\",\"url\":\"http://x\",\"capacity\":1,\"load\":0}",
		"{\"id\":\"b\",\"url\":\"\",\"capacity\":1,\"load\":0}",
		"{\"id\":\"b\",\"url\":\"http://x\",\"capacity\":0,\"load\":0}",
		"{\"id\":\"b\",\"url\":\"http://x\",\"capacity\":-1,\"load\":0}",
		"{\"id\":\"b\",\"url\":\"http://x\",\"capacity\":1,\"load\":1.5}",
		"{\"id\":\"b\",\"url\":\"http://x\",\"capacity\":99999999999,\"load\":0}",
		"{\"id\":7,\"url\":\"http://x\",\"capacity\":1,\"load\":0}",
		"{\"id\":\"b\",\"id\":\"c\",\"url\":\"http://x\",\"capacity\":1,\"load\":0}",
		"{\"id\":\"b\\u0000c\",\"url\":\"http://x\",\"capacity\":1,\"load\":0}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK_EQ(cp_fleet_node_parse(bad[i], strlen(bad[i]), &m, err, sizeof(err)), -1);
		CHECK(strstr(err, "node record") != NULL);
	}
	/* a url longer than the limit */
	static char big[CP_FLEET_RECORD_MAX + 64];
	int k = snprintf(big, sizeof(big), "{\"id\":\"b\",\"url\":\"");
	memset(big + k, 'u', CP_FLEET_URL_MAX + 1);
	k += CP_FLEET_URL_MAX + 1;
	snprintf(big + k, sizeof(big) - (size_t)k, "\",\"capacity\":1,\"load\":0}");
	CHECK_EQ(cp_fleet_node_parse(big, strlen(big), &m, err, sizeof(err)), -1);
	/* longer than a record may be */
	memset(big, ' ', sizeof(big) - 1);
	CHECK_EQ(cp_fleet_node_parse(big, sizeof(big) - 1, &m, err, sizeof(err)), -1);
}

static struct cp_fleet_node node(const char *id, uint32_t cap, uint32_t load)
{
	struct cp_fleet_node n = {.capacity = cap, .load = load};
	snprintf(n.id, sizeof(n.id), "%s", id);
	snprintf(n.url, sizeof(n.url), "http://%s", id);
	return n;
}

static void test_choose(void)
{
	struct cp_fleet_node v[4] = {0};
	CHECK_EQ(cp_fleet_choose_home(v, 0, -1), -1);
	/* lowest load per capacity wins */
	v[0] = node("a", 100, 50);
	v[1] = node("b", 100, 10);
	v[2] = node("c", 100, 30);
	CHECK_EQ(cp_fleet_choose_home(v, 3, 0), 1);
	/* per capacity, not absolute: 40/1000 beats 10/100 */
	v[0] = node("a", 1000, 40);
	v[1] = node("b", 100, 10);
	CHECK_EQ(cp_fleet_choose_home(v, 2, 1), 0);
	/* a tie goes to self, whatever the order */
	v[0] = node("a", 100, 10);
	v[1] = node("b", 100, 10);
	v[2] = node("c", 100, 10);
	CHECK_EQ(cp_fleet_choose_home(v, 3, 2), 2);
	CHECK_EQ(cp_fleet_choose_home(v, 3, 1), 1);
	CHECK_EQ(cp_fleet_choose_home(v, 3, 0), 0);
	/* a tie without self: the smallest id */
	v[0] = node("z", 100, 10);
	v[1] = node("m", 100, 10);
	v[2] = node("q", 100, 10);
	CHECK_EQ(cp_fleet_choose_home(v, 3, -1), 1);
	/* full nodes are skipped, even when self */
	v[0] = node("a", 10, 10);
	v[1] = node("b", 10, 9);
	CHECK_EQ(cp_fleet_choose_home(v, 2, 0), 1);
	v[1] = node("b", 10, 12);
	CHECK_EQ(cp_fleet_choose_home(v, 2, 0), -1);
	/* capacity 0 (a record that slipped through) never wins */
	v[0] = node("a", 0, 0);
	v[1] = node("b", 5, 4);
	CHECK_EQ(cp_fleet_choose_home(v, 2, 0), 1);
	/* large numbers do not overflow the comparison */
	v[0] = node("a", 4000000000u, 3999999999u);
	v[1] = node("b", 4000000000u, 3999999998u);
	CHECK_EQ(cp_fleet_choose_home(v, 2, 0), 1);
}

int main(void)
{
	test_url();
	test_ids();
	test_record();
	test_choose();
	return check_report("test_fleet_dir");
}
