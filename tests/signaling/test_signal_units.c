/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pure parts of controlplane/signal: data-plane id pools,
 * UUIDs and ICE tokens, the string map, placement, and the validation of
 * request payloads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../unit/check.h"
#include "cp_ids.h"
#include "cp_map.h"
#include "cp_placement.h"
#include "cp_valid.h"

static void test_idpool(void)
{
	struct cp_idpool p;
	uint32_t id, ids[8];
	CHECK_EQ(cp_idpool_init(&p, 4), 0);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(cp_idpool_alloc(&p, &ids[i]), 0);
		CHECK_EQ(ids[i], i); /* fresh ids in increasing order */
	}
	CHECK_EQ(cp_idpool_alloc(&p, &id), -ENOSPC);
	CHECK_EQ(cp_idpool_in_use(&p), 4);
	CHECK_EQ(cp_idpool_free(&p, 2), 0);
	CHECK_EQ(cp_idpool_free(&p, 2), -EINVAL); /* double free refused */
	CHECK_EQ(cp_idpool_free(&p, 9), -EINVAL); /* out of range */
	CHECK_EQ(cp_idpool_free(&p, 0), 0);
	/* FIFO: the id released first comes back first */
	CHECK_EQ(cp_idpool_alloc(&p, &id), 0);
	CHECK_EQ(id, 2);
	CHECK_EQ(cp_idpool_alloc(&p, &id), 0);
	CHECK_EQ(id, 0);
	CHECK_EQ(cp_idpool_alloc(&p, &id), -ENOSPC);
	cp_idpool_fini(&p);

	/* wrap-around of the free ring with interleaved alloc/free */
	CHECK_EQ(cp_idpool_init(&p, 3), 0);
	uint32_t a, b, c;
	cp_idpool_alloc(&p, &a);
	cp_idpool_alloc(&p, &b);
	for (int round = 0; round < 10; round++) {
		CHECK_EQ(cp_idpool_free(&p, a), 0);
		CHECK_EQ(cp_idpool_alloc(&p, &c), 0);
		CHECK(c != b);
		CHECK(c < 3);
		a = c;
	}
	CHECK_EQ(cp_idpool_in_use(&p), 2);
	cp_idpool_fini(&p);

	CHECK_EQ(cp_idpool_init(&p, 0), 0);
	CHECK_EQ(cp_idpool_alloc(&p, &id), -ENOSPC);
	CHECK_EQ(cp_idpool_free(&p, 0), -EINVAL);
	cp_idpool_fini(&p);
}

static void test_uuid_token(void)
{
	uint8_t r[16];
	char u[CP_UUID_LEN + 1], u2[CP_UUID_LEN + 1];
	memset(r, 0xff, sizeof(r));
	cp_uuid4_format(r, u);
	CHECK(!strcmp(u, "ffffffff-ffff-4fff-bfff-ffffffffffff"));
	memset(r, 0, sizeof(r));
	cp_uuid4_format(r, u);
	CHECK(!strcmp(u, "00000000-0000-4000-8000-000000000000"));
	CHECK(cp_uuid_shape(u));
	CHECK(!cp_uuid_shape("00000000-0000-4000-8000-00000000000"));
	CHECK(!cp_uuid_shape("00000000-0000-4000-8000-0000000000000"));
	CHECK(!cp_uuid_shape("00000000x0000-4000-8000-000000000000"));
	CHECK_EQ(cp_uuid4(u), 0);
	CHECK_EQ(cp_uuid4(u2), 0);
	CHECK(cp_uuid_shape(u));
	CHECK(u[14] == '4');
	CHECK(strchr("89ab", u[19]) != NULL);
	CHECK(strcmp(u, u2) != 0);

	char t[65];
	uint8_t rb[4] = {0, 61, 62, 255};
	cp_token_format(rb, 4, t);
	CHECK(!strcmp(t, "A9AH")); /* 255 % 62 = 7 -> 'H' */
	CHECK_EQ(cp_random_token(t, 32), 0);
	CHECK_EQ(strlen(t), 32);
	for (size_t i = 0; i < 32; i++)
		CHECK((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= '0' && t[i] <= '9'));
	CHECK_EQ(cp_random_token(t, 65), -EIO);
}

static void test_map(void)
{
	struct cp_map m;
	static char keys[2000][16];
	cp_map_init(&m);
	CHECK(cp_map_get(&m, "x") == NULL);
	CHECK(cp_map_del(&m, "x") == NULL);
	for (int i = 0; i < 2000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		CHECK_EQ(cp_map_put(&m, keys[i], &keys[i]), 0);
	}
	CHECK_EQ(cp_map_put(&m, "k7", keys[0]), -EEXIST);
	CHECK_EQ(cp_map_put(&m, NULL, keys[0]), -EINVAL);
	CHECK_EQ(cp_map_put(&m, "z", NULL), -EINVAL);
	CHECK_EQ(cp_map_count(&m), 2000);
	int ok = 1;
	for (int i = 0; i < 2000; i++)
		ok &= cp_map_get(&m, keys[i]) == &keys[i];
	CHECK(ok);
	/* delete every third key; the rest must stay reachable (backward shift) */
	for (int i = 0; i < 2000; i += 3)
		CHECK(cp_map_del(&m, keys[i]) == &keys[i]);
	ok = 1;
	for (int i = 0; i < 2000; i++)
		ok &= cp_map_get(&m, keys[i]) == (i % 3 ? (void *)&keys[i] : NULL);
	CHECK(ok);
	CHECK_EQ(cp_map_count(&m), 2000 - 667);
	for (int i = 0; i < 2000; i += 3)
		CHECK_EQ(cp_map_put(&m, keys[i], &keys[i]), 0);
	ok = 1;
	for (int i = 0; i < 2000; i++)
		ok &= cp_map_get(&m, keys[i]) == &keys[i];
	CHECK(ok);
	for (int i = 0; i < 2000; i++)
		cp_map_del(&m, keys[i]);
	CHECK_EQ(cp_map_count(&m), 0);
	CHECK(cp_map_get(&m, "k1") == NULL);
	cp_map_fini(&m);
}

static void test_placement(void)
{
	struct cp_placement p;
	uint32_t room[SL_MAX_LCORES] = {0};

	/* nothing attached: no lcore */
	cp_placement_init(&p, CP_PLACE_AUTO, 0, 4);
	CHECK_EQ(cp_placement_pick(&p, room), CP_PLACE_NONE);

	/* round-robin over 3 lcores, whatever the room */
	cp_placement_init(&p, CP_PLACE_ROUND_ROBIN, 0, 4);
	cp_placement_reset(&p, 3);
	room[0] = 2;
	for (uint32_t i = 0; i < 7; i++)
		CHECK_EQ(cp_placement_pick(&p, room), i % 3);

	/* num_workers limits the lcores used */
	cp_placement_init(&p, CP_PLACE_ROUND_ROBIN, 2, 4);
	cp_placement_reset(&p, 3);
	CHECK_EQ(cp_placement_usable(&p), 2);
	for (uint32_t i = 0; i < 5; i++)
		CHECK_EQ(cp_placement_pick(&p, room), i % 2);

	/* auto: first transport of a room round-robin, then the room's lcore */
	cp_placement_init(&p, CP_PLACE_AUTO, 0, 4);
	cp_placement_reset(&p, 3);
	uint32_t ra[SL_MAX_LCORES] = {0}, rb[SL_MAX_LCORES] = {0};
	uint32_t la = cp_placement_pick(&p, ra);
	CHECK_EQ(la, 0);
	ra[la]++;
	cp_placement_add(&p, la, 1, 0, 0);
	uint32_t lb = cp_placement_pick(&p, rb);
	CHECK_EQ(lb, 1); /* another room goes to the next lcore */
	rb[lb]++;
	cp_placement_add(&p, lb, 1, 0, 0);
	for (int i = 0; i < 3; i++) { /* room a fits one lcore: 4 transports on lcore 0 */
		uint32_t l = cp_placement_pick(&p, ra);
		CHECK_EQ(l, 0);
		ra[l]++;
		cp_placement_add(&p, l, 1, 0, 0);
	}
	/* room a has 4 = affinity_max: spread to the lcores with fewest of its transports */
	uint32_t l5 = cp_placement_pick(&p, ra);
	CHECK(l5 == 1 || l5 == 2);
	ra[l5]++;
	cp_placement_add(&p, l5, 1, 0, 0);
	uint32_t l6 = cp_placement_pick(&p, ra);
	CHECK(l6 != 0 && l6 != l5); /* the remaining empty lcore */
	ra[l6]++;
	cp_placement_add(&p, l6, 1, 0, 0);
	/* now {4,1,1}: lcore 1 or 2; lcore 1 also holds room b: 2 wins on load */
	uint32_t l7 = cp_placement_pick(&p, ra);
	CHECK_EQ(l7, 2);
	CHECK_EQ(p.load[0].transports, 4);

	/* spread ties broken by global load */
	cp_placement_init(&p, CP_PLACE_AUTO, 0, 1);
	cp_placement_reset(&p, 2);
	uint32_t rc[SL_MAX_LCORES] = {1, 1};
	cp_placement_add(&p, 0, 5, 0, 0);
	cp_placement_add(&p, 1, 2, 0, 0);
	CHECK_EQ(cp_placement_pick(&p, rc), 1);

	/* affinity 0 = plain round-robin */
	cp_placement_init(&p, CP_PLACE_AUTO, 0, 0);
	cp_placement_reset(&p, 2);
	uint32_t rd[SL_MAX_LCORES] = {0};
	rd[1] = 1;
	CHECK_EQ(cp_placement_pick(&p, rd), 0);
	CHECK_EQ(cp_placement_pick(&p, rd), 1);

	/* loads never wrap below zero */
	cp_placement_add(&p, 0, -3, -1, -1);
	CHECK_EQ(p.load[0].transports, 0);
	cp_placement_add(&p, 99, 1, 1, 1); /* ignored */
	cp_placement_add(&p, 1, 0, 2, 3);
	CHECK_EQ(p.load[1].producers, 2);
	CHECK_EQ(p.load[1].consumers, 3);

	enum cp_place_policy pol;
	CHECK_EQ(cp_placement_parse_policy("round-robin", &pol), 0);
	CHECK_EQ(pol, CP_PLACE_ROUND_ROBIN);
	CHECK_EQ(cp_placement_parse_policy("auto", &pol), 0);
	CHECK_EQ(pol, CP_PLACE_AUTO);
	CHECK_EQ(cp_placement_parse_policy("random", &pol), -1);
}

/* Keeps the last parsed document alive: the result borrows its strings. */
static json_t *g_last;

static enum cp_sig_code dtls_check(const char *json, struct cp_dtls_remote *r)
{
	char err[256];
	json_decref(g_last);
	g_last = json_loads(json, 0, NULL);
	CHECK(g_last != NULL);
	enum cp_sig_code c = cp_valid_dtls_parameters(g_last, r, err, sizeof(err));
	if (c != CP_SIG_OK)
		CHECK(err[0] != '\0');
	return c;
}

#define FP256 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

static void test_valid_dtls(void)
{
	struct cp_dtls_remote r;
	CHECK_EQ(dtls_check("{\"role\":\"client\",\"fingerprints\":[{\"algorithm\":\"sha-256\","
			    "\"value\":\"" FP256 "\"}]}", &r), CP_SIG_OK);
	CHECK(!strcmp(r.role, "client"));
	CHECK(!strcmp(r.algorithm, "sha-256"));
	CHECK(!strcmp(r.value, FP256));
	/* role absent or null: auto */
	CHECK_EQ(dtls_check("{\"fingerprints\":[{\"algorithm\":\"SHA-256\",\"value\":\"" FP256
			    "\"}]}", &r), CP_SIG_OK);
	CHECK(!strcmp(r.role, "auto"));
	CHECK_EQ(dtls_check("{\"role\":null,\"fingerprints\":[{\"algorithm\":\"sha-256\","
			    "\"value\":\"" FP256 "\"}]}", &r), CP_SIG_OK);
	/* strongest supported algorithm wins, unknown ones are skipped */
	CHECK_EQ(dtls_check("{\"fingerprints\":[{\"algorithm\":\"md5\",\"value\":\"xx\"},"
			    "{\"algorithm\":\"sha-1\",\"value\":"
			    "\"0102030405060708090a0b0c0d0e0f1011121314\"},"
			    "{\"algorithm\":\"sha-256\",\"value\":\"" FP256 "\"}]}", &r),
		 CP_SIG_OK);
	CHECK(!strcmp(r.algorithm, "sha-256"));
	/* refused shapes */
	CHECK_EQ(dtls_check("[]", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{}", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":[]}", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":{}}", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":[5]}", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":[{\"algorithm\":\"sha-256\"}]}", &r),
		 CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":[{\"algorithm\":\"md5\",\"value\":\"00\"}]}", &r),
		 CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"role\":\"boss\",\"fingerprints\":[{\"algorithm\":\"sha-256\","
			    "\"value\":\"" FP256 "\"}]}", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"role\":1,\"fingerprints\":[{\"algorithm\":\"sha-256\","
			    "\"value\":\"" FP256 "\"}]}", &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":[{\"algorithm\":\"sha-256\",\"value\":\"AB:CD\"}]}",
			    &r), CP_SIG_BAD_REQUEST);
	CHECK_EQ(dtls_check("{\"fingerprints\":[{\"algorithm\":\"sha-256\",\"value\":\"ZZ:CD:EF:01:23:45:67:89:AB:CD:EF:"
			    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\"}]}", &r), CP_SIG_BAD_REQUEST);

	CHECK(cp_valid_fp_value("0a0B", 2));
	CHECK(cp_valid_fp_value("0a:0B", 2));
	CHECK(!cp_valid_fp_value("0a:0B:", 2));
	CHECK(!cp_valid_fp_value("0a0B0", 2));
	CHECK(!cp_valid_fp_value("0a:0B0", 3));
	CHECK(!cp_valid_fp_value("0a;0B", 2));
	CHECK(!cp_valid_fp_value("", 2));
	CHECK_EQ(cp_valid_fp_len("sha-512"), 64);
	CHECK_EQ(cp_valid_fp_len("sha-3"), 0);
	json_decref(g_last);
	g_last = NULL;
}

static void test_valid_fields(void)
{
	char err[256];
	const char *s;
	int v;
	json_t *j = json_loads("{\"channelId\":\"room\",\"n\":5,\"e\":\"\",\"direction\":\"recv\","
			       "\"kind\":\"video\",\"long\":\"0123456789\"}", 0, NULL);
	CHECK_EQ(cp_valid_object(j, err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(cp_valid_object(json_object_get(j, "n"), err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK_EQ(cp_valid_object(NULL, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK_EQ(cp_valid_string(j, "channelId", 128, &s, err, sizeof(err)), CP_SIG_OK);
	CHECK(!strcmp(s, "room"));
	CHECK_EQ(cp_valid_string(j, "n", 128, &s, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK(strstr(err, "'n'") != NULL);
	CHECK(s == NULL);
	CHECK_EQ(cp_valid_string(j, "e", 128, &s, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK_EQ(cp_valid_string(j, "missing", 128, &s, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK(strstr(err, "missing") != NULL);
	CHECK_EQ(cp_valid_string(j, "long", 9, &s, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK_EQ(cp_valid_string(j, "long", 10, &s, err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(cp_valid_string(NULL, "x", 10, &s, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK_EQ(cp_valid_direction(j, &v, err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(v, 0);
	CHECK_EQ(cp_valid_kind(j, &v, err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(v, 2);
	json_object_set_new(j, "direction", json_string("both"));
	json_object_set_new(j, "kind", json_string("data"));
	CHECK_EQ(cp_valid_direction(j, &v, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK_EQ(cp_valid_kind(j, &v, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	/* an embedded NUL is refused */
	json_object_set_new(j, "nul", json_stringn("a\0b", 3));
	CHECK_EQ(cp_valid_string(j, "nul", 10, &s, err, sizeof(err)), CP_SIG_BAD_REQUEST);
	json_decref(j);

	CHECK(!strcmp(cp_sig_code_name(CP_SIG_ROOM_FULL), "ROOM_FULL"));
	CHECK(!strcmp(cp_sig_code_name(CP_SIG_UNAUTHENTICATED), "UNAUTHENTICATED"));
	CHECK(!strcmp(cp_sig_code_name((enum cp_sig_code)99), "INTERNAL"));
}

/* Serialized sizes (compact JSON) of appData and codec parameters. */
static void test_valid_json_size(void)
{
	char err[256];
	json_t *j = json_loads("{\"a\":1,\"b\":[true,null]}", 0, NULL); /* 23 bytes */
	CHECK_EQ(json_dumpb(j, NULL, 0, JSON_COMPACT), 23);
	CHECK_EQ(cp_valid_json_size(j, 23, "appData", err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(cp_valid_json_size(j, 22, "appData", err, sizeof(err)), CP_SIG_BAD_REQUEST);
	CHECK(strstr(err, "appData") && strstr(err, "23 bytes") && strstr(err, "at most 22"));
	json_decref(j);
	/* any JSON value, escapes counted as sent */
	j = json_string("\"\n"); /* "\"\n" = 6 bytes */
	CHECK_EQ(cp_valid_json_size(j, 6, "x", err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(cp_valid_json_size(j, 5, "x", err, sizeof(err)), CP_SIG_BAD_REQUEST);
	json_decref(j);
	j = json_integer(12345);
	CHECK_EQ(cp_valid_json_size(j, 5, "x", err, sizeof(err)), CP_SIG_OK);
	CHECK_EQ(cp_valid_json_size(j, 4, "x", NULL, 0), CP_SIG_BAD_REQUEST);
	json_decref(j);
}

int main(void)
{
	test_idpool();
	test_uuid_token();
	test_map();
	test_placement();
	test_valid_dtls();
	test_valid_fields();
	test_valid_json_size();
	return check_report("test_signal_units");
}
