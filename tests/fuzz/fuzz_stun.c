/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for dp_stun: parse any input; when it parses, check the
 * parse result's invariants, run the integrity/fingerprint checks with a
 * fixed key, decode what can be decoded, then build a success response, an
 * error response and (when there is a USERNAME) a request from the parsed
 * fields, and require each to parse back to the same fields and to verify.
 * Any broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_demux.h"
#include "dp_stun.h"

#define REQUIRE(c)                  \
	do {                        \
		if (!(c))           \
			abort();    \
	} while (0)

static const uint8_t KEY[] = "fuzzpassword0123456789ab";
#define KEY_LEN (sizeof(KEY) - 1)

static struct dp_stun_hmac *hmac(void)
{
	static struct dp_stun_hmac *h;
	if (!h)
		h = dp_stun_hmac_new();
	REQUIRE(h);
	return h;
}

static void check_parsed(const uint8_t *data, size_t size, const struct dp_stun_msg *m)
{
	REQUIRE(m->length == size && size >= DP_STUN_HDR_LEN && (size & 3) == 0);
	/* RFC 5389 allows types up to 0x3fff; RFC 7983 routes only 0..3 here */
	REQUIRE(data[0] > 3 || dp_demux_classify(data, size) == DP_DEMUX_STUN);
	REQUIRE(memcmp(m->txid, data + 8, DP_STUN_TXID_LEN) == 0);
	REQUIRE(dp_stun_type(m->method, (enum dp_stun_class)m->cls) == m->type);
	if (m->flags & DP_STUN_F_USERNAME)
		REQUIRE(m->username >= data + DP_STUN_HDR_LEN + 4 &&
			m->username + m->username_len <= data + size &&
			m->username_len < DP_STUN_USERNAME_MAX);
	if (m->flags & DP_STUN_F_INTEGRITY)
		REQUIRE(m->mi_off >= DP_STUN_HDR_LEN && (m->mi_off & 3) == 0 &&
			m->mi_off + 24 <= size);
	if (m->flags & DP_STUN_F_FINGERPRINT)
		REQUIRE(m->fp_off + 8 == size);
	if ((m->flags & DP_STUN_F_INTEGRITY) && (m->flags & DP_STUN_F_FINGERPRINT))
		REQUIRE(m->mi_off < m->fp_off);
	if (m->flags & DP_STUN_F_ERROR_CODE)
		REQUIRE(m->error_code >= 300 && m->error_code <= 699);
	for (size_t i = 0; i < m->n_unknown && i < DP_STUN_UNKNOWN_MAX; i++)
		REQUIRE(m->unknown[i] < 0x8000);
}

static void check_verify(const uint8_t *data, size_t size, const struct dp_stun_msg *m)
{
	enum dp_stun_status st = dp_stun_check_fingerprint(data, size, m);
	REQUIRE(st == DP_STUN_OK || st == DP_STUN_NO_FINGERPRINT || st == DP_STUN_BAD_FINGERPRINT);
	REQUIRE((st == DP_STUN_NO_FINGERPRINT) == !(m->flags & DP_STUN_F_FINGERPRINT));
	st = dp_stun_check_integrity(hmac(), data, size, m, KEY, KEY_LEN);
	REQUIRE(st == DP_STUN_OK || st == DP_STUN_NO_INTEGRITY || st == DP_STUN_BAD_INTEGRITY);
	REQUIRE((st == DP_STUN_NO_INTEGRITY) == !(m->flags & DP_STUN_F_INTEGRITY));

	struct sl_tuple t;
	st = dp_stun_xor_mapped(data, size, m, &t);
	REQUIRE(st == ((m->flags & DP_STUN_F_XOR_MAPPED) ? DP_STUN_OK : DP_STUN_NOT_FOUND));
	if (st == DP_STUN_OK)
		REQUIRE(t.family == 4 || t.family == 6);

	if (m->flags & DP_STUN_F_USERNAME) {
		const uint8_t *o, *th;
		size_t ol, tl;
		if (dp_stun_username_split(m->username, m->username_len, &o, &ol, &th, &tl) == 0)
			REQUIRE(o == m->username && ol > 0 && tl > 0 &&
				ol + 1 + tl == m->username_len && o[ol] == ':');
	}
}

/* Success response to the parsed txid, for an address made of input bytes. */
static void roundtrip_success(const uint8_t *data, size_t size, const struct dp_stun_msg *m)
{
	uint8_t out[DP_STUN_SUCCESS_MAX];
	struct sl_tuple peer, got;
	struct dp_stun_msg r;
	size_t n = 0;

	memset(&peer, 0, sizeof(peer));
	peer.family = (data[size - 1] & 1) ? 6 : 4;
	memcpy(peer.remote_addr, data + 4, 16);
	if (peer.family == 4)
		memset(peer.remote_addr + 4, 0, 12);
	memcpy(&peer.remote_port, data + 2, 2);

	REQUIRE(dp_stun_build_success(hmac(), out, sizeof(out), &n, m->txid, &peer, KEY,
				      KEY_LEN) == DP_STUN_OK);
	REQUIRE(dp_stun_parse(out, n, &r) == DP_STUN_OK);
	REQUIRE(r.cls == DP_STUN_CLASS_SUCCESS && r.method == DP_STUN_METHOD_BINDING);
	REQUIRE(memcmp(r.txid, m->txid, DP_STUN_TXID_LEN) == 0);
	REQUIRE(dp_stun_check_fingerprint(out, n, &r) == DP_STUN_OK);
	REQUIRE(dp_stun_check_integrity(hmac(), out, n, &r, KEY, KEY_LEN) == DP_STUN_OK);
	REQUIRE(dp_stun_xor_mapped(out, n, &r, &got) == DP_STUN_OK);
	REQUIRE(got.family == peer.family && got.remote_port == peer.remote_port &&
		memcmp(got.remote_addr, peer.remote_addr, 16) == 0);
}

static void roundtrip_error(const struct dp_stun_msg *m)
{
	uint8_t out[DP_STUN_ERROR_MAX];
	struct dp_stun_msg r;
	size_t n = 0, nu = m->n_unknown < DP_STUN_UNKNOWN_MAX ? m->n_unknown : DP_STUN_UNKNOWN_MAX;
	uint16_t code = nu ? 420 : 400 + (m->priority % 100);
	const uint8_t *key = (m->flags & DP_STUN_F_USE_CANDIDATE) ? KEY : NULL;

	REQUIRE(dp_stun_build_error(hmac(), out, sizeof(out), &n, m->txid, code, NULL, m->unknown,
				    nu, key, KEY_LEN) == DP_STUN_OK);
	REQUIRE(dp_stun_parse(out, n, &r) == DP_STUN_OK);
	REQUIRE(r.cls == DP_STUN_CLASS_ERROR && r.error_code == code && r.n_unknown == 0);
	REQUIRE(memcmp(r.txid, m->txid, DP_STUN_TXID_LEN) == 0);
	REQUIRE(dp_stun_check_fingerprint(out, n, &r) == DP_STUN_OK);
	REQUIRE(dp_stun_check_integrity(hmac(), out, n, &r, KEY, KEY_LEN) ==
		(key ? DP_STUN_OK : DP_STUN_NO_INTEGRITY));
}

/* A request carrying the parsed USERNAME, PRIORITY, role and USE-CANDIDATE. */
static void roundtrip_request(const struct dp_stun_msg *m)
{
	uint8_t out[DP_STUN_HDR_LEN + 4 + DP_STUN_USERNAME_MAX + 3 + 8 + 12 + 4 + 24 + 8];
	struct dp_stun_msg r;
	size_t n = 0;
	int controlling = !!(m->flags & DP_STUN_F_ICE_CONTROLLING);
	struct dp_stun_request req = {
		.txid = m->txid,
		.username = m->username,
		.username_len = m->username_len,
		.priority = m->priority,
		.controlling = controlling,
		.tiebreaker = m->tiebreaker,
		.use_candidate = !!(m->flags & DP_STUN_F_USE_CANDIDATE),
		.key = KEY,
		.key_len = KEY_LEN,
	};

	if (!(m->flags & DP_STUN_F_USERNAME) || m->username_len == 0)
		return;
	REQUIRE(dp_stun_build_request(hmac(), out, sizeof(out), &n, &req) == DP_STUN_OK);
	REQUIRE(dp_stun_parse(out, n, &r) == DP_STUN_OK);
	REQUIRE(r.cls == DP_STUN_CLASS_REQUEST && r.method == DP_STUN_METHOD_BINDING);
	REQUIRE(r.username_len == m->username_len &&
		memcmp(r.username, m->username, m->username_len) == 0);
	REQUIRE(r.priority == m->priority && r.tiebreaker == m->tiebreaker);
	REQUIRE(!!(r.flags & DP_STUN_F_ICE_CONTROLLING) == controlling);
	REQUIRE(!!(r.flags & DP_STUN_F_ICE_CONTROLLED) == !controlling);
	REQUIRE(!!(r.flags & DP_STUN_F_USE_CANDIDATE) == req.use_candidate);
	REQUIRE(dp_stun_check_fingerprint(out, n, &r) == DP_STUN_OK);
	REQUIRE(dp_stun_check_integrity(hmac(), out, n, &r, KEY, KEY_LEN) == DP_STUN_OK);
	/* one byte too small never succeeds */
	REQUIRE(dp_stun_build_request(hmac(), out, n - 1, &n, &req) == DP_STUN_NOSPACE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_stun_msg m;
	enum dp_stun_status st = dp_stun_parse(data, size, &m);

	REQUIRE(st == DP_STUN_OK || st == DP_STUN_SHORT || st == DP_STUN_NOT_STUN ||
		st == DP_STUN_MALFORMED);
	if (st == DP_STUN_SHORT)
		REQUIRE(size < DP_STUN_HDR_LEN || size < DP_STUN_HDR_LEN + ((size_t)data[2] << 8 | data[3]));
	if (st != DP_STUN_OK)
		return 0;
	check_parsed(data, size, &m);
	check_verify(data, size, &m);
	roundtrip_success(data, size, &m);
	roundtrip_error(&m);
	roundtrip_request(&m);
	return 0;
}
