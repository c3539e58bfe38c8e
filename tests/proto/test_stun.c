/* SPDX-License-Identifier: MIT */
/*
 * STUN parsing, MESSAGE-INTEGRITY, FINGERPRINT and the Binding builders
 * (dp_stun.h), including the RFC 5769 test vectors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "dp_stun.h"
#include "proto_test.h"

static struct dp_stun_hmac *H;

static const char RFC5769_PWD[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* RFC 5769 section 2.1: Binding request, short-term credentials. */
static const char RFC5769_REQUEST[] =
	"00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
	"00 24 00 04 6e 00 01 ff"
	"80 29 00 08 93 2f f9 b1 51 26 3b 36"
	"00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
	"00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
	"80 28 00 04 e5 7a 3b cf";

/* RFC 5769 section 2.2: success response, 192.0.2.1:32853. */
static const char RFC5769_RESPONSE_V4[] =
	"01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 08 00 01 a1 47 e1 12 a6 43"
	"00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
	"80 28 00 04 c0 7d 4c 96";

/* RFC 5769 section 2.3: success response, [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const char RFC5769_RESPONSE_V6[] =
	"01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
	"00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
	"80 28 00 04 c8 fb 0b 4c";

static const uint8_t RFC_TXID[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
				     0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
static const uint8_t V6_ADDR[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
				    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};

static const uint8_t *pw(const char *s)
{
	return (const uint8_t *)s;
}

/* Parse a copy of exactly len bytes on the heap, so ASan sees over-reads. */
static enum dp_stun_status parse_exact(const uint8_t *msg, size_t len, struct dp_stun_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, msg, len);
	enum dp_stun_status st = dp_stun_parse(copy, len, m);
	free(copy);
	return st;
}

static void port_bytes(const struct sl_tuple *t, uint8_t out[2])
{
	memcpy(out, &t->remote_port, 2);
}

static void test_rfc5769_request(void)
{
	uint8_t msg[256];
	size_t len = t_hex(RFC5769_REQUEST, msg, sizeof(msg));
	struct dp_stun_msg m;

	CHECK_EQ(len, 108);
	CHECK_EQ(dp_stun_parse(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(m.method, DP_STUN_METHOD_BINDING);
	CHECK_EQ(m.cls, DP_STUN_CLASS_REQUEST);
	CHECK_EQ(m.length, 108);
	CHECK_MEM(m.txid, RFC_TXID, 12);
	CHECK(m.flags & DP_STUN_F_USERNAME);
	CHECK_EQ(m.username_len, 9);
	CHECK(m.username && memcmp(m.username, "evtj:h6vY", 9) == 0);
	CHECK(m.flags & DP_STUN_F_PRIORITY);
	CHECK_EQ(m.priority, 0x6e0001ffu);
	CHECK(m.flags & DP_STUN_F_ICE_CONTROLLED);
	CHECK(!(m.flags & DP_STUN_F_ICE_CONTROLLING));
	CHECK(!(m.flags & DP_STUN_F_USE_CANDIDATE));
	CHECK(m.tiebreaker == 0x932ff9b151263b36ull);
	CHECK_EQ(m.mi_off, 76);
	CHECK_EQ(m.fp_off, 100);
	CHECK_EQ(m.n_unknown, 0);

	CHECK_EQ(dp_stun_check_fingerprint(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw(RFC5769_PWD), strlen(RFC5769_PWD)),
		 DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw("VOkJxbRl1RmTxUk/WvJxBu"), 22),
		 DP_STUN_BAD_INTEGRITY);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw(RFC5769_PWD), 21),
		 DP_STUN_BAD_INTEGRITY);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw(""), 0), DP_STUN_BAD_INTEGRITY);

	const uint8_t *ours, *theirs;
	size_t ol, tl;
	CHECK_EQ(dp_stun_username_split(m.username, m.username_len, &ours, &ol, &theirs, &tl), 0);
	CHECK(ol == 4 && memcmp(ours, "evtj", 4) == 0);
	CHECK(tl == 4 && memcmp(theirs, "h6vY", 4) == 0);
}

static void test_rfc5769_responses(void)
{
	uint8_t msg[256];
	struct dp_stun_msg m;
	struct sl_tuple t;
	uint8_t port[2];

	size_t len = t_hex(RFC5769_RESPONSE_V4, msg, sizeof(msg));
	CHECK_EQ(len, 80);
	CHECK_EQ(dp_stun_parse(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(m.cls, DP_STUN_CLASS_SUCCESS);
	CHECK_EQ(m.method, DP_STUN_METHOD_BINDING);
	CHECK_EQ(dp_stun_check_fingerprint(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw(RFC5769_PWD), strlen(RFC5769_PWD)),
		 DP_STUN_OK);
	memset(&t, 0xee, sizeof(t));
	CHECK_EQ(dp_stun_xor_mapped(msg, len, &m, &t), DP_STUN_OK);
	port_bytes(&t, port);
	CHECK_EQ(t.family, 4);
	CHECK(t.remote_addr[0] == 192 && t.remote_addr[1] == 0 && t.remote_addr[2] == 2 &&
	      t.remote_addr[3] == 1);
	CHECK_EQ(port[0] << 8 | port[1], 32853);

	len = t_hex(RFC5769_RESPONSE_V6, msg, sizeof(msg));
	CHECK_EQ(len, 92);
	CHECK_EQ(dp_stun_parse(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(m.cls, DP_STUN_CLASS_SUCCESS);
	CHECK_EQ(dp_stun_check_fingerprint(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw(RFC5769_PWD), strlen(RFC5769_PWD)),
		 DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m, pw("wrong"), 5), DP_STUN_BAD_INTEGRITY);
	CHECK_EQ(dp_stun_xor_mapped(msg, len, &m, &t), DP_STUN_OK);
	port_bytes(&t, port);
	CHECK_EQ(t.family, 6);
	CHECK_MEM(t.remote_addr, V6_ADDR, 16);
	CHECK_EQ(port[0] << 8 | port[1], 32853);
}

/* Our builder's XOR-MAPPED-ADDRESS value must equal the RFC's bytes. */
static void test_xma_bytes_match_rfc(void)
{
	uint8_t out[DP_STUN_SUCCESS_MAX], expect[32];
	size_t n = 0;
	struct sl_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.remote_addr[0] = 192;
	t.remote_addr[1] = 0;
	t.remote_addr[2] = 2;
	t.remote_addr[3] = 1;
	uint8_t p[2] = {32853 >> 8, 32853 & 0xff};
	memcpy(&t.remote_port, p, 2);
	CHECK_EQ(dp_stun_build_success(H, out, sizeof(out), &n, RFC_TXID, &t, pw("k"), 1),
		 DP_STUN_OK);
	CHECK_EQ(n, 20 + 12 + 24 + 8);
	size_t e = t_hex("00 20 00 08 00 01 a1 47 e1 12 a6 43", expect, sizeof(expect));
	CHECK_MEM(out + 20, expect, e);
	CHECK_MEM(out + 8, RFC_TXID, 12);
	CHECK(out[0] == 0x01 && out[1] == 0x01);

	t.family = 6;
	memcpy(t.remote_addr, V6_ADDR, 16);
	CHECK_EQ(dp_stun_build_success(H, out, sizeof(out), &n, RFC_TXID, &t, pw("k"), 1),
		 DP_STUN_OK);
	CHECK_EQ(n, DP_STUN_SUCCESS_MAX);
	e = t_hex("00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9",
		  expect, sizeof(expect));
	CHECK_MEM(out + 20, expect, e);
}

static size_t build_req(uint8_t *out, size_t cap, int use_candidate, int controlling)
{
	static const uint8_t txid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	struct dp_stun_request req = {
		.txid = txid,
		.username = pw("srvufrag0123456:brws"),
		.username_len = 20,
		.priority = 0x7e7f00ffu,
		.controlling = controlling,
		.tiebreaker = 0x0102030405060708ull,
		.use_candidate = use_candidate,
		.key = pw("serverpassword0123456789abcdef01"),
		.key_len = 32,
	};
	size_t n = 0;
	if (dp_stun_build_request(H, out, cap, &n, &req) != DP_STUN_OK)
		return 0;
	return n;
}

static void test_request_roundtrip(void)
{
	uint8_t msg[256];
	struct dp_stun_msg m;
	size_t len = build_req(msg, sizeof(msg), 1, 1);

	/* 20 + USERNAME 24 + PRIORITY 8 + ICE-CONTROLLING 12 + USE-CANDIDATE 4 + MI 24 + FP 8 */
	CHECK_EQ(len, 100);
	CHECK_EQ(dp_stun_parse(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(m.cls, DP_STUN_CLASS_REQUEST);
	CHECK_EQ(m.method, DP_STUN_METHOD_BINDING);
	CHECK_EQ(m.type, 0x0001);
	CHECK(m.username_len == 20 && memcmp(m.username, "srvufrag0123456:brws", 20) == 0);
	CHECK_EQ(m.priority, 0x7e7f00ffu);
	CHECK(m.flags & DP_STUN_F_ICE_CONTROLLING);
	CHECK(!(m.flags & DP_STUN_F_ICE_CONTROLLED));
	CHECK(m.flags & DP_STUN_F_USE_CANDIDATE);
	CHECK(m.tiebreaker == 0x0102030405060708ull);
	CHECK_EQ(dp_stun_check_fingerprint(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m,
					 pw("serverpassword0123456789abcdef01"), 32), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len, &m,
					 pw("serverpassword0123456789abcdef02"), 32),
		 DP_STUN_BAD_INTEGRITY);

	const uint8_t *ours;
	size_t ol;
	CHECK_EQ(dp_stun_username_split(m.username, m.username_len, &ours, &ol, NULL, NULL), 0);
	CHECK(ol == 15 && memcmp(ours, "srvufrag0123456", 15) == 0);

	len = build_req(msg, sizeof(msg), 0, 0);
	CHECK_EQ(len, 96);
	CHECK_EQ(dp_stun_parse(msg, len, &m), DP_STUN_OK);
	CHECK(m.flags & DP_STUN_F_ICE_CONTROLLED);
	CHECK(!(m.flags & DP_STUN_F_USE_CANDIDATE));
	CHECK_EQ(dp_stun_check_fingerprint(msg, len, &m), DP_STUN_OK);

	/* too small a buffer at every size: NOSPACE, never OK */
	size_t full = build_req(msg, sizeof(msg), 1, 1);
	int bad = 0;
	for (size_t cap = 0; cap < full; cap++)
		if (build_req(msg, cap, 1, 1) != 0)
			bad++;
	CHECK_EQ(bad, 0);
	CHECK_EQ(build_req(msg, full, 1, 1), full);
}

/* Every single-bit change must break FINGERPRINT, and MI where it covers it. */
static void check_flips(const uint8_t *orig, size_t len, const uint8_t *key, size_t key_len)
{
	uint8_t msg[256];
	struct dp_stun_msg m0, m;
	int bad = 0;

	CHECK_EQ(dp_stun_parse(orig, len, &m0), DP_STUN_OK);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(msg, orig, len);
			msg[i] ^= (uint8_t)(1u << bit);
			if (dp_stun_parse(msg, len, &m) != DP_STUN_OK)
				continue;
			int fp = dp_stun_check_fingerprint(msg, len, &m);
			int mi = dp_stun_check_integrity(H, msg, len, &m, key, key_len);
			if (fp == DP_STUN_OK)
				bad++;
			if (i < m0.mi_off + 24 && mi == DP_STUN_OK)
				bad++;
		}
	CHECK_EQ(bad, 0);
}

static void test_flips(void)
{
	uint8_t msg[256];
	size_t len = t_hex(RFC5769_REQUEST, msg, sizeof(msg));
	check_flips(msg, len, pw(RFC5769_PWD), strlen(RFC5769_PWD));
	len = build_req(msg, sizeof(msg), 1, 1);
	check_flips(msg, len, pw("serverpassword0123456789abcdef01"), 32);
}

static void test_truncation(void)
{
	uint8_t msg[256];
	struct dp_stun_msg m;
	const char *vectors[] = {RFC5769_REQUEST, RFC5769_RESPONSE_V4, RFC5769_RESPONSE_V6};
	int ok = 0, not_short = 0;

	for (size_t v = 0; v < 3; v++) {
		size_t len = t_hex(vectors[v], msg, sizeof(msg));
		for (size_t cut = 0; cut < len; cut++) {
			enum dp_stun_status st = parse_exact(msg, cut, &m);
			if (st == DP_STUN_OK)
				ok++;
			if (st != DP_STUN_SHORT)
				not_short++;
		}
		CHECK_EQ(parse_exact(msg, len, &m), DP_STUN_OK);
	}
	CHECK_EQ(ok, 0);
	CHECK_EQ(not_short, 0);
}

static void set_tuple(struct sl_tuple *t, int fam, const uint8_t *addr, uint16_t port)
{
	uint8_t p[2] = {(uint8_t)(port >> 8), (uint8_t)port};
	memset(t, 0, sizeof(*t));
	t->family = (uint8_t)fam;
	memcpy(t->remote_addr, addr, fam == 4 ? 4 : 16);
	memcpy(&t->remote_port, p, 2);
	t->local_port = 0x1234;
}

static void check_success_roundtrip(const struct sl_tuple *peer)
{
	uint8_t req[256];
	struct dp_stun_msg m, r;
	size_t len = build_req(req, sizeof(req), 1, 1), n = 0;
	const uint8_t *key = pw("serverpassword0123456789abcdef01");

	CHECK_EQ(dp_stun_parse(req, len, &m), DP_STUN_OK);
	/* answer in place, as the data plane does */
	CHECK_EQ(dp_stun_build_success(H, req, sizeof(req), &n, m.txid, peer, key, 32), DP_STUN_OK);
	CHECK_EQ(n, peer->family == 4 ? 64u : 76u);
	CHECK_EQ(dp_stun_parse(req, n, &r), DP_STUN_OK);
	CHECK_EQ(r.cls, DP_STUN_CLASS_SUCCESS);
	CHECK_EQ(r.method, DP_STUN_METHOD_BINDING);
	CHECK_MEM(r.txid, m.txid, 12);
	CHECK_EQ(dp_stun_check_fingerprint(req, n, &r), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, req, n, &r, key, 32), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, req, n, &r, pw("x"), 1), DP_STUN_BAD_INTEGRITY);

	struct sl_tuple got;
	memset(&got, 0xaa, sizeof(got));
	CHECK_EQ(dp_stun_xor_mapped(req, n, &r, &got), DP_STUN_OK);
	CHECK_EQ(got.family, peer->family);
	CHECK_EQ(got.remote_port, peer->remote_port);
	CHECK_MEM(got.remote_addr, peer->remote_addr, 16);

	/* too small a buffer at every size */
	int bad = 0;
	for (size_t cap = 0; cap < n; cap++) {
		size_t n2 = 0;
		if (dp_stun_build_success(H, req, cap, &n2, m.txid, peer, key, 32) != DP_STUN_NOSPACE)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void test_success_roundtrip(void)
{
	static const uint8_t v4[4] = {198, 18, 0, 7};
	struct sl_tuple t;
	set_tuple(&t, 4, v4, 54321);
	check_success_roundtrip(&t);
	set_tuple(&t, 6, V6_ADDR, 1);
	check_success_roundtrip(&t);
	set_tuple(&t, 4, v4, 65535);
	check_success_roundtrip(&t);

	size_t n;
	uint8_t out[128];
	t.family = 5;
	CHECK_EQ(dp_stun_build_success(H, out, sizeof(out), &n, RFC_TXID, &t, pw("k"), 1),
		 DP_STUN_INVALID);
}

static void test_error_responses(void)
{
	uint8_t out[DP_STUN_ERROR_MAX];
	struct dp_stun_msg m;
	size_t n = 0;

	/* 401 without MESSAGE-INTEGRITY */
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 401, NULL, NULL, 0,
				     NULL, 0), DP_STUN_OK);
	/* 20 + ERROR-CODE (4 + 4 + "Unauthorized" 12) + FP 8 */
	CHECK_EQ(n, 48);
	CHECK_EQ(dp_stun_parse(out, n, &m), DP_STUN_OK);
	CHECK_EQ(m.cls, DP_STUN_CLASS_ERROR);
	CHECK_EQ(m.type, 0x0111);
	CHECK(m.flags & DP_STUN_F_ERROR_CODE);
	CHECK_EQ(m.error_code, 401);
	CHECK(!(m.flags & DP_STUN_F_INTEGRITY));
	CHECK_EQ(dp_stun_check_fingerprint(out, n, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_integrity(H, out, n, &m, pw("k"), 1), DP_STUN_NO_INTEGRITY);
	CHECK_MEM(out + 28, "Unauthorized", 12);

	/* 420 listing unknown attributes, with MESSAGE-INTEGRITY */
	uint16_t unk[3] = {0x0031, 0x7fff, 0x0002};
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 420, NULL, unk, 3,
				     pw("pass"), 4), DP_STUN_OK);
	CHECK_EQ(dp_stun_parse(out, n, &m), DP_STUN_OK);
	CHECK_EQ(m.error_code, 420);
	CHECK_EQ(m.n_unknown, 0);
	CHECK_EQ(dp_stun_check_integrity(H, out, n, &m, pw("pass"), 4), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_fingerprint(out, n, &m), DP_STUN_OK);
	/* ERROR-CODE: 4 + 4 + 17 ("Unknown Attribute") padded to 28 -> UNKNOWN-ATTRIBUTES at 48 */
	uint8_t expect[12];
	size_t e = t_hex("00 0a 00 06 00 31 7f ff 00 02 00 00", expect, sizeof(expect));
	CHECK_MEM(out + 48, expect, e);

	/* a custom reason, and the limits */
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 487, "Role Conflict!",
				     NULL, 0, NULL, 0), DP_STUN_OK);
	CHECK_EQ(dp_stun_parse(out, n, &m), DP_STUN_OK);
	CHECK_EQ(m.error_code, 487);
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 299, NULL, NULL, 0,
				     NULL, 0), DP_STUN_INVALID);
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 400, NULL, unk,
				     DP_STUN_UNKNOWN_MAX + 1, NULL, 0), DP_STUN_INVALID);
	char longr[DP_STUN_REASON_MAX + 2];
	memset(longr, 'r', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = 0;
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 400, longr, NULL, 0,
				     NULL, 0), DP_STUN_INVALID);
	/* the largest error fits DP_STUN_ERROR_MAX exactly */
	longr[DP_STUN_REASON_MAX] = 0;
	uint16_t many[DP_STUN_UNKNOWN_MAX] = {0};
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out), &n, RFC_TXID, 420, longr, many,
				     DP_STUN_UNKNOWN_MAX, pw("k"), 1), DP_STUN_OK);
	CHECK_EQ(n, DP_STUN_ERROR_MAX);
	CHECK_EQ(dp_stun_build_error(H, out, sizeof(out) - 1, &n, RFC_TXID, 420, longr, many,
				     DP_STUN_UNKNOWN_MAX, pw("k"), 1), DP_STUN_NOSPACE);
}

/* Hand-made messages: header + attributes, header length kept in step. */
struct raw {
	uint8_t b[1024];
	size_t len;
};

static void raw_start(struct raw *r, uint16_t type)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = (uint8_t)(type >> 8);
	r->b[1] = (uint8_t)type;
	r->b[4] = 0x21;
	r->b[5] = 0x12;
	r->b[6] = 0xa4;
	r->b[7] = 0x42;
	memcpy(r->b + 8, RFC_TXID, 12);
	r->len = 20;
}

static void raw_attr(struct raw *r, uint16_t type, const void *v, size_t n)
{
	r->b[r->len] = (uint8_t)(type >> 8);
	r->b[r->len + 1] = (uint8_t)type;
	r->b[r->len + 2] = (uint8_t)(n >> 8);
	r->b[r->len + 3] = (uint8_t)n;
	if (n)
		memcpy(r->b + r->len + 4, v, n);
	r->len += 4 + ((n + 3) & ~(size_t)3);
	r->b[2] = (uint8_t)((r->len - 20) >> 8);
	r->b[3] = (uint8_t)(r->len - 20);
}

static void test_parse_rejects(void)
{
	struct raw r;
	struct dp_stun_msg m;
	uint8_t zeros[32] = {0};

	raw_start(&r, 0x0001);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_OK);
	CHECK_EQ(m.flags, 0);
	CHECK_EQ(dp_stun_check_fingerprint(r.b, r.len, &m), DP_STUN_NO_FINGERPRINT);
	CHECK_EQ(dp_stun_check_integrity(H, r.b, r.len, &m, pw("k"), 1), DP_STUN_NO_INTEGRITY);
	CHECK_EQ(dp_stun_parse(r.b, 19, &m), DP_STUN_SHORT);

	r.b[0] = 0x40; /* top bits */
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_NOT_STUN);
	r.b[0] = 0x80; /* looks like RTP */
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_NOT_STUN);
	raw_start(&r, 0x0001);
	r.b[7] = 0x43; /* cookie */
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_NOT_STUN);

	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_SOFTWARE, "abcd", 4);
	r.b[3] = 6; /* length not a multiple of 4 */
	CHECK_EQ(dp_stun_parse(r.b, 26, &m), DP_STUN_MALFORMED);
	r.b[3] = 8;
	CHECK_EQ(dp_stun_parse(r.b, 32, &m), DP_STUN_MALFORMED); /* trailing bytes */
	CHECK_EQ(dp_stun_parse(r.b, 28, &m), DP_STUN_OK);
	r.b[23] = 5; /* attribute 5 (padded 8) overruns a 4-byte value area */
	CHECK_EQ(dp_stun_parse(r.b, 28, &m), DP_STUN_MALFORMED);
	r.b[23] = 0xff;
	CHECK_EQ(dp_stun_parse(r.b, 28, &m), DP_STUN_MALFORMED);

	/* a dangling partial attribute header cannot happen (multiple of 4), but
	 * an attribute whose padding runs past the end can */
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_USERNAME, "abcde", 5); /* 4 + 8 */
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_OK);
	r.b[2] = 0;
	r.b[3] = 8; /* message ends inside the padding */
	CHECK_EQ(dp_stun_parse(r.b, 28, &m), DP_STUN_MALFORMED);

	/* fixed sizes */
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_PRIORITY, zeros, 8);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_USE_CANDIDATE, zeros, 4);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_ICE_CONTROLLING, zeros, 4);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_MESSAGE_INTEGRITY, zeros, 16);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_FINGERPRINT, zeros, 8);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0101);
	uint8_t xma_bad[8] = {0, 3, 0, 0, 0, 0, 0, 0}; /* family 3 */
	raw_attr(&r, DP_STUN_ATTR_XOR_MAPPED_ADDRESS, xma_bad, 8);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0111);
	uint8_t ec_bad[4] = {0, 0, 7, 1}; /* class 7 */
	raw_attr(&r, DP_STUN_ATTR_ERROR_CODE, ec_bad, 4);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	raw_start(&r, 0x0111);
	raw_attr(&r, DP_STUN_ATTR_ERROR_CODE, ec_bad, 2); /* shorter than class+number */
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
	uint8_t big[DP_STUN_USERNAME_MAX] = {0};
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_USERNAME, big, sizeof(big));
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);

	/* FINGERPRINT must be last */
	raw_start(&r, 0x0001);
	raw_attr(&r, DP_STUN_ATTR_FINGERPRINT, zeros, 4);
	raw_attr(&r, DP_STUN_ATTR_SOFTWARE, "x", 1);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_MALFORMED);
}

static void test_parse_attribute_rules(void)
{
	struct raw r;
	struct dp_stun_msg m;
	uint8_t zeros[32] = {0};
	uint8_t prio[4] = {0, 0, 0, 9}, prio2[4] = {0, 0, 0, 10};

	/* unknown comprehension-required attributes are recorded, optional ones not */
	raw_start(&r, 0x0001);
	raw_attr(&r, 0x0031, "a", 1);
	raw_attr(&r, 0xc057, "b", 1); /* GOOG-NETWORK-INFO, optional */
	raw_attr(&r, 0x7ffe, NULL, 0);
	raw_attr(&r, DP_STUN_ATTR_USERNAME, "u1:x", 4);
	raw_attr(&r, DP_STUN_ATTR_USERNAME, "u2:y", 4); /* first wins */
	raw_attr(&r, DP_STUN_ATTR_PRIORITY, prio, 4);
	raw_attr(&r, DP_STUN_ATTR_PRIORITY, prio2, 4);
	raw_attr(&r, DP_STUN_ATTR_MESSAGE_INTEGRITY, zeros, 20);
	/* after MI: ignored, even when its value would be malformed */
	raw_attr(&r, DP_STUN_ATTR_PRIORITY, zeros, 7);
	raw_attr(&r, 0x0032, NULL, 0);
	raw_attr(&r, DP_STUN_ATTR_USE_CANDIDATE, NULL, 0);
	raw_attr(&r, DP_STUN_ATTR_MESSAGE_INTEGRITY, zeros, 3);
	raw_attr(&r, DP_STUN_ATTR_FINGERPRINT, zeros, 4);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_OK);
	CHECK_EQ(m.n_unknown, 2);
	CHECK_EQ(m.unknown[0], 0x0031);
	CHECK_EQ(m.unknown[1], 0x7ffe);
	CHECK(m.username_len == 4 && memcmp(m.username, "u1:x", 4) == 0);
	CHECK_EQ(m.priority, 9);
	CHECK(!(m.flags & DP_STUN_F_USE_CANDIDATE));
	CHECK(m.flags & DP_STUN_F_INTEGRITY);
	CHECK(m.flags & DP_STUN_F_FINGERPRINT);
	CHECK_EQ(m.fp_off, r.len - 8);
	CHECK_EQ(dp_stun_check_fingerprint(r.b, r.len, &m), DP_STUN_BAD_FINGERPRINT);
	CHECK_EQ(dp_stun_check_integrity(H, r.b, r.len, &m, pw("k"), 1), DP_STUN_BAD_INTEGRITY);

	/* many unknown attributes: count saturates, list keeps the first */
	raw_start(&r, 0x0001);
	for (int i = 0; i < 20; i++)
		raw_attr(&r, (uint16_t)(0x0040 + i), NULL, 0);
	CHECK_EQ(dp_stun_parse(r.b, r.len, &m), DP_STUN_OK);
	CHECK_EQ(m.n_unknown, 20);
	CHECK_EQ(m.unknown[DP_STUN_UNKNOWN_MAX - 1], 0x0040 + DP_STUN_UNKNOWN_MAX - 1);

	/* the check functions refuse a parse result of another length */
	uint8_t msg[256];
	size_t len = t_hex(RFC5769_REQUEST, msg, sizeof(msg));
	CHECK_EQ(dp_stun_parse(msg, len, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_check_fingerprint(msg, len - 4, &m), DP_STUN_MALFORMED);
	CHECK_EQ(dp_stun_check_integrity(H, msg, len - 4, &m, pw("k"), 1), DP_STUN_MALFORMED);
}

static void test_types_and_helpers(void)
{
	CHECK_EQ(dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_REQUEST), 0x0001);
	CHECK_EQ(dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_INDICATION), 0x0011);
	CHECK_EQ(dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_SUCCESS), 0x0101);
	CHECK_EQ(dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_ERROR), 0x0111);
	CHECK_EQ(dp_stun_type(0x003, DP_STUN_CLASS_REQUEST), 0x0003); /* TURN Allocate */
	CHECK_EQ(dp_stun_type(0xfff, DP_STUN_CLASS_ERROR), 0x3fff);

	/* every method/class survives encode -> parse */
	int bad = 0;
	for (unsigned meth = 0; meth < 0x1000; meth++)
		for (unsigned c = 0; c < 4; c++) {
			struct raw r;
			struct dp_stun_msg m;
			raw_start(&r, dp_stun_type((uint16_t)meth, (enum dp_stun_class)c));
			if (dp_stun_parse(r.b, r.len, &m) != DP_STUN_OK || m.method != meth ||
			    m.cls != c)
				bad++;
		}
	CHECK_EQ(bad, 0);

	/* CRC-32 check value of "123456789" */
	CHECK_EQ(dp_stun_crc32(0, pw("123456789"), 9), 0xcbf43926u);
	CHECK_EQ(dp_stun_crc32(dp_stun_crc32(0, pw("1234"), 4), pw("56789"), 5), 0xcbf43926u);

	const uint8_t *o, *t;
	size_t ol, tl;
	CHECK_EQ(dp_stun_username_split(pw("abc"), 3, &o, &ol, &t, &tl), -EINVAL);
	CHECK_EQ(dp_stun_username_split(pw(":abc"), 4, &o, &ol, &t, &tl), -EINVAL);
	CHECK_EQ(dp_stun_username_split(pw("abc:"), 4, &o, &ol, &t, &tl), -EINVAL);
	CHECK_EQ(dp_stun_username_split(pw(""), 0, &o, &ol, &t, &tl), -EINVAL);
	CHECK_EQ(dp_stun_username_split(pw("a:b:c"), 5, &o, &ol, &t, &tl), 0);
	CHECK(ol == 1 && o[0] == 'a' && tl == 3 && memcmp(t, "b:c", 3) == 0);

	CHECK(strcmp(dp_stun_status_name(DP_STUN_BAD_INTEGRITY), "bad_integrity") == 0);

	/* builder arguments */
	uint8_t out[256];
	size_t n;
	struct dp_stun_request req = {.txid = RFC_TXID, .username = pw("a:b"), .username_len = 0,
				      .key = pw("k"), .key_len = 1};
	CHECK_EQ(dp_stun_build_request(H, out, sizeof(out), &n, &req), DP_STUN_INVALID);
	req.username_len = 3;
	req.key = NULL;
	CHECK_EQ(dp_stun_build_request(H, out, sizeof(out), &n, &req), DP_STUN_INVALID);
	CHECK_EQ(dp_stun_build_success(H, out, sizeof(out), &n, RFC_TXID, NULL, pw("k"), 1),
		 DP_STUN_INVALID);

	/* a request has no XOR-MAPPED-ADDRESS */
	struct dp_stun_msg m;
	struct sl_tuple tu;
	size_t len = t_hex(RFC5769_REQUEST, out, sizeof(out));
	CHECK_EQ(dp_stun_parse(out, len, &m), DP_STUN_OK);
	CHECK_EQ(dp_stun_xor_mapped(out, len, &m, &tu), DP_STUN_NOT_FOUND);
}

int main(void)
{
	H = dp_stun_hmac_new();
	if (!H) {
		fprintf(stderr, "dp_stun_hmac_new failed\n");
		return 1;
	}
	test_rfc5769_request();
	test_rfc5769_responses();
	test_xma_bytes_match_rfc();
	test_request_roundtrip();
	test_flips();
	test_truncation();
	test_success_roundtrip();
	test_error_responses();
	test_parse_rejects();
	test_parse_attribute_rules();
	test_types_and_helpers();
	dp_stun_hmac_free(H);
	return t_done("test_stun");
}
