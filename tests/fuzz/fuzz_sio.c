/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the Socket.IO frame parser and the JWT verifier.
 *
 * One input is used as:
 *   1. an Engine.IO text frame (and, when it is a message, its Socket.IO
 *      packet), and directly as a Socket.IO packet;
 *   2. a JWT given to cp_jwt_verify with a fixed key and time;
 *   3. a base64url string;
 *   4. the payload JSON of a token signed with the fixed key (so the claims
 *      parser is reached), and the header JSON of another.
 * Invariants (abort() when broken):
 *   - results point inside the input; namespace starts with '/' and fits
 *     CP_SIO_NSP_MAX; ack id >= -1; JSON text ends at the end of input;
 *   - a binary frame is always refused; an Engine.IO frame re-encodes to the
 *     same bytes;
 *   - parse -> decode -> encode -> parse -> decode gives equal fields
 *     (type, namespace bytes, ack id, json_equal payload), and the specific
 *     encoders (event, ack, connect error) round-trip too;
 *   - the depth pre-scan and cp_sio_decode agree;
 *   - an accepted JWT has a sane sub and time window, re-mints to a token
 *     that verifies with equal claims, and cp_jwt_verify_signature agrees
 *     with cp_jwt_verify on the first three steps;
 *   - base64url decode -> encode reproduces the input exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cp_jwt.h"
#include "cp_sio_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_KEY ((const uint8_t *)"fuzz-key-0123456789")
#define FZ_KEY_LEN 19
#define FZ_NOW 1700000000LL
#define FZ_DEPTH 32

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int in_range(const void *p, size_t n, const uint8_t *lo,
		    const uint8_t *hi)
{
	const uint8_t *q = p;

	return q >= lo && q + n <= hi;
}

/* decode the packet that `buf` (an Engine.IO frame) holds */
static enum cp_sio_status reparse(const char *buf, size_t n,
				  struct cp_sio_packet *p, json_t **v)
{
	struct cp_eio_packet e;
	enum cp_sio_status st;

	*v = NULL;
	REQUIRE(cp_eio_parse((const uint8_t *)buf, (const uint8_t *)buf + n,
			     0, &e) == CP_SIO_OK);
	REQUIRE(e.type == CP_EIO_MESSAGE);
	st = cp_sio_parse(e.data, e.data + e.data_len, p);
	if (st != CP_SIO_OK)
		return st;
	return cp_sio_decode(p, FZ_DEPTH, v);
}

static void same_packet(const struct cp_sio_packet *a, const json_t *va,
			const char *buf, size_t n)
{
	struct cp_sio_packet b;
	json_t *vb;

	REQUIRE(reparse(buf, n, &b, &vb) == CP_SIO_OK);
	REQUIRE(b.type == a->type && b.ack_id == a->ack_id);
	REQUIRE(b.nsp_len == a->nsp_len &&
		memcmp(b.nsp, a->nsp, a->nsp_len) == 0);
	REQUIRE((!va && !vb) || (va && vb && json_equal(va, vb)));
	json_decref(vb);
}

/* encode with `len` bytes of room after a size query */
#define ENCODE_TWICE(buf, n, call_null, call_buf) do { \
	n = (call_null); \
	REQUIRE(n > 0); \
	buf = malloc((size_t)n); \
	REQUIRE(buf); \
	REQUIRE((call_buf) == n); \
} while (0)

static void roundtrip(const struct cp_sio_packet *p, const json_t *v)
{
	const char *nsp = p->nsp;
	size_t nl = p->nsp_len;
	char *buf;
	ssize_t n;

	ENCODE_TWICE(buf, n,
		     cp_sio_encode(NULL, 0, p->type, nsp, nl, p->ack_id, v),
		     cp_sio_encode(buf, (size_t)n, p->type, nsp, nl, p->ack_id,
				   v));
	same_packet(p, v, buf, (size_t)n);
	free(buf);

	if (p->type == CP_SIO_EVENT && json_array_size(v) <= 2) {
		const char *name = cp_sio_event_name(v);
		json_t *arg = json_array_get(v, 1);

		ENCODE_TWICE(buf, n,
			     cp_sio_encode_event(NULL, 0, nsp, nl, name, arg),
			     cp_sio_encode_event(buf, (size_t)n, nsp, nl, name,
						 arg));
		if (p->ack_id < 0)
			same_packet(p, v, buf, (size_t)n);
		free(buf);
	}
	if (p->type == CP_SIO_ACK && json_array_size(v) <= 1) {
		json_t *arg = json_array_get(v, 0);

		ENCODE_TWICE(buf, n,
			     cp_sio_encode_ack(NULL, 0, nsp, nl, p->ack_id, arg),
			     cp_sio_encode_ack(buf, (size_t)n, nsp, nl,
					       p->ack_id, arg));
		same_packet(p, v, buf, (size_t)n);
		free(buf);
	}
	if (p->type == CP_SIO_CONNECT_ERROR && json_is_object(v) &&
	    json_object_size(v) == 1 &&
	    json_is_string(json_object_get(v, "message"))) {
		const char *m = json_string_value(json_object_get(v, "message"));

		ENCODE_TWICE(buf, n,
			     cp_sio_encode_connect_error(NULL, 0, nsp, nl, m),
			     cp_sio_encode_connect_error(buf, (size_t)n, nsp,
							 nl, m));
		same_packet(p, v, buf, (size_t)n);
		free(buf);
	}
}

static void fuzz_sio_packet(const uint8_t *pos, const uint8_t *end)
{
	struct cp_sio_packet p;
	enum cp_sio_status st = cp_sio_parse(pos, end, &p);
	json_t *v = NULL;

	REQUIRE(st <= CP_SIO_EBINARY);
	REQUIRE(cp_sio_status_str(st) != NULL);
	if (st == CP_SIO_OK || st == CP_SIO_EBINARY) {
		REQUIRE((unsigned)p.type <= CP_SIO_BINARY_ACK);
		REQUIRE(p.nsp_len >= 1 && p.nsp_len <= CP_SIO_NSP_MAX &&
			p.nsp[0] == '/');
		REQUIRE(cp_sio_nsp_is_root(&p) ||
			in_range(p.nsp, p.nsp_len, pos, end));
		REQUIRE(p.ack_id >= -1);
		REQUIRE((st == CP_SIO_EBINARY) ==
			(p.type == CP_SIO_BINARY_EVENT ||
			 p.type == CP_SIO_BINARY_ACK));
	}
	if (st != CP_SIO_OK)
		return;
	REQUIRE(p.json + p.json_len == end);
	REQUIRE(in_range(p.json, p.json_len, pos, end));

	st = cp_sio_decode(&p, FZ_DEPTH, &v);
	REQUIRE(st <= CP_SIO_EBINARY);
	REQUIRE((st == CP_SIO_EDEPTH) ==
		(p.json_len > 0 && p.type != CP_SIO_DISCONNECT &&
		 cp_json_depth_ok(p.json, end, FZ_DEPTH) != 0));
	if (st != CP_SIO_OK) {
		REQUIRE(v == NULL);
		return;
	}
	if (p.type == CP_SIO_EVENT)
		REQUIRE(cp_sio_event_name(v) != NULL);
	roundtrip(&p, v);
	json_decref(v);
}

static void fuzz_eio(const uint8_t *data, size_t size)
{
	struct cp_eio_packet e;
	enum cp_sio_status st;
	char *buf;
	ssize_t n;

	REQUIRE(cp_eio_parse(data, data + size, 1, &e) == CP_SIO_EBINARY);
	st = cp_eio_parse(data, data + size, 0, &e);
	if (st != CP_SIO_OK) {
		REQUIRE(st == CP_SIO_ESHORT || st == CP_SIO_ETYPE);
		return;
	}
	REQUIRE(e.data == data + 1 && e.data_len == size - 1);
	ENCODE_TWICE(buf, n, cp_eio_encode(NULL, 0, e.type, e.data, e.data_len),
		     cp_eio_encode(buf, (size_t)n, e.type, e.data, e.data_len));
	REQUIRE((size_t)n == size && memcmp(buf, data, size) == 0);
	free(buf);
	if (e.type == CP_EIO_MESSAGE)
		fuzz_sio_packet(e.data, e.data + e.data_len);
}

static int claims_equal(const struct cp_jwt_claims *a,
			const struct cp_jwt_claims *b)
{
	return strcmp(a->sub, b->sub) == 0 && strcmp(a->room, b->room) == 0 &&
	       a->has_room == b->has_room && a->exp == b->exp &&
	       a->nbf == b->nbf && a->has_nbf == b->has_nbf &&
	       a->pub == b->pub && a->sub_media == b->sub_media;
}

static void check_jwt(const char *tok, size_t len)
{
	struct cp_jwt_claims c, c2;
	enum cp_jwt_status st, sig;
	char out[1024];
	ssize_t n;

	st = cp_jwt_verify(tok, len, FZ_KEY, FZ_KEY_LEN, FZ_NOW, &c);
	sig = cp_jwt_verify_signature(tok, len, FZ_KEY, FZ_KEY_LEN);
	REQUIRE(st <= CP_JWT_BAD_CLAIM && sig <= CP_JWT_BAD_CLAIM);
	REQUIRE(cp_jwt_status_str(st) != NULL);
	if (st == CP_JWT_BAD_ALG || st == CP_JWT_BAD_SIGNATURE)
		REQUIRE(sig == st);
	else if (st == CP_JWT_MALFORMED)
		REQUIRE(sig == CP_JWT_MALFORMED || sig == CP_JWT_OK);
	else
		REQUIRE(sig == CP_JWT_OK);
	if (st != CP_JWT_OK) {
		REQUIRE(c.sub[0] == '\0' && c.exp == 0);
		return;
	}
	REQUIRE(c.sub[0] && strlen(c.sub) <= CP_JWT_SUB_MAX);
	REQUIRE(strlen(c.room) <= CP_JWT_ROOM_MAX &&
		(c.has_room == (c.room[0] != '\0')));
	REQUIRE(FZ_NOW < c.exp && (!c.has_nbf || c.nbf <= FZ_NOW));
	n = cp_jwt_mint(out, sizeof(out), FZ_KEY, FZ_KEY_LEN, &c);
	REQUIRE(n > 0);
	REQUIRE(cp_jwt_verify(out, (size_t)n, FZ_KEY, FZ_KEY_LEN, FZ_NOW,
			      &c2) == CP_JWT_OK);
	REQUIRE(claims_equal(&c, &c2));
}

static void fuzz_jwt(const uint8_t *data, size_t size)
{
	static const char hdr[] = "{\"alg\":\"HS256\"}";
	static const char claims[] = "{\"sub\":\"u\",\"exp\":1800000000}";
	char tok[CP_JWT_MAX_LEN + 64];
	ssize_t n;

	check_jwt((const char *)data, size);
	if (!data || size > 4096)
		return;
	/* input as signed claims */
	n = cp_jwt_sign(tok, sizeof(tok), hdr, sizeof(hdr) - 1,
			(const char *)data, size, FZ_KEY, FZ_KEY_LEN);
	REQUIRE(n > 0);
	check_jwt(tok, (size_t)n);
	/* input as a signed header */
	n = cp_jwt_sign(tok, sizeof(tok), (const char *)data, size, claims,
			sizeof(claims) - 1, FZ_KEY, FZ_KEY_LEN);
	REQUIRE(n > 0);
	check_jwt(tok, (size_t)n);
}

static void fuzz_b64(const uint8_t *data, size_t size)
{
	uint8_t dec[4096];
	char enc[8192];
	ssize_t n;

	if (size > 4096)
		return;
	n = cp_b64url_decode((const char *)data, size, dec, sizeof(dec));
	if (n < 0)
		return;
	REQUIRE(cp_b64url_encode(dec, (size_t)n, enc, sizeof(enc)) ==
		(ssize_t)size);
	REQUIRE(memcmp(enc, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_eio(data, size);
	fuzz_sio_packet(data, data + size);
	fuzz_jwt(data, size);
	fuzz_b64(data, size);
	return 0;
}
