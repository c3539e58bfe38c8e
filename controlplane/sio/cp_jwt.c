/* SPDX-License-Identifier: MIT */
/*
 * HS256 JWT verification and minting. See cp_jwt.h for the contract and the
 * verification order.
 */
#include "cp_jwt.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cp_sio_parse.h" /* cp_json_depth_ok */

#define JWT_MAC_LEN 32             /* SHA-256 */
#define JWT_MAC_B64_LEN 43         /* base64url of 32 bytes, no padding */
#define JWT_MAX_DEPTH 8            /* header and claims are flat objects */
#define JWT_DECODED_MAX (CP_JWT_MAX_LEN / 4 * 3 + 3)

static const char jwt_header_hs256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

const char *cp_jwt_status_str(enum cp_jwt_status st)
{
	switch (st) {
	case CP_JWT_OK:            return "ok";
	case CP_JWT_MALFORMED:     return "malformed";
	case CP_JWT_BAD_ALG:       return "bad alg";
	case CP_JWT_BAD_SIGNATURE: return "bad signature";
	case CP_JWT_EXPIRED:       return "expired";
	case CP_JWT_NOT_YET_VALID: return "not yet valid";
	case CP_JWT_MISSING_CLAIM: return "missing claim";
	case CP_JWT_BAD_CLAIM:     return "bad claim";
	}
	return "unknown";
}

/* ------------------------------------------------------------ base64url */

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static size_t b64_enc_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

ssize_t cp_b64url_decode(const char *in, size_t len, uint8_t *out,
			 size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0, need;

	if (len % 4 == 1 || len > (size_t)SSIZE_MAX)
		return -EINVAL;
	need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > cap)
		return -ENOSPC;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val((unsigned char)in[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) /* non-canonical: unused trailing bits set */
		return -EINVAL;
	return (ssize_t)o;
}

ssize_t cp_b64url_encode(const uint8_t *in, size_t len, char *out,
			 size_t cap)
{
	static const char alphabet[64] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_";
	size_t n, o = 0, i = 0;

	if (len > (size_t)SSIZE_MAX / 2)
		return -EINVAL;
	n = b64_enc_len(len);
	if (n + 1 > cap)
		return -ENOSPC;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return (ssize_t)o;
}

/* alphabet, length and canonical trailing bits, without decoding */
static int b64_shape_ok(const char *s, size_t n)
{
	int last;

	if (n % 4 == 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b64_val((unsigned char)s[i]) < 0)
			return 0;
	if (n % 4 == 0)
		return 1;
	last = b64_val((unsigned char)s[n - 1]);
	return n % 4 == 2 ? (last & 15) == 0 : (last & 3) == 0;
}

/* ---------------------------------------------------------------- verify */

struct jwt_parts {
	const char *h, *p, *s;
	size_t hl, pl, sl;
};

static enum cp_jwt_status jwt_split(const char *t, size_t len,
				    struct jwt_parts *jp)
{
	const char *d1, *d2;

	if (!t || len == 0 || len > CP_JWT_MAX_LEN)
		return CP_JWT_MALFORMED;
	d1 = memchr(t, '.', len);
	if (!d1)
		return CP_JWT_MALFORMED;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - t));
	if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - t)))
		return CP_JWT_MALFORMED;
	jp->h = t;
	jp->hl = (size_t)(d1 - t);
	jp->p = d1 + 1;
	jp->pl = (size_t)(d2 - jp->p);
	jp->s = d2 + 1;
	jp->sl = len - (size_t)(jp->s - t);
	if (!b64_shape_ok(jp->h, jp->hl) || !b64_shape_ok(jp->p, jp->pl) ||
	    !b64_shape_ok(jp->s, jp->sl))
		return CP_JWT_MALFORMED;
	return CP_JWT_OK;
}

/* base64url part -> JSON object (new reference) or NULL */
static json_t *jwt_part_json(const char *b64, size_t n)
{
	uint8_t buf[JWT_DECODED_MAX];
	json_error_t err;
	json_t *v;
	ssize_t m = cp_b64url_decode(b64, n, buf, sizeof(buf));

	if (m <= 0)
		return NULL;
	if (cp_json_depth_ok(buf, buf + m, JWT_MAX_DEPTH) != 0)
		return NULL;
	v = json_loadb((const char *)buf, (size_t)m, JSON_REJECT_DUPLICATES,
		       &err);
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static enum cp_jwt_status jwt_check_header(const struct jwt_parts *jp)
{
	enum cp_jwt_status st = CP_JWT_OK;
	json_t *h = jwt_part_json(jp->h, jp->hl);
	json_t *alg, *typ;

	if (!h)
		return CP_JWT_MALFORMED;
	alg = json_object_get(h, "alg");
	typ = json_object_get(h, "typ");
	if (!json_is_string(alg) || json_string_length(alg) != 5 ||
	    memcmp(json_string_value(alg), "HS256", 5) != 0 ||
	    json_object_get(h, "crit"))
		st = CP_JWT_BAD_ALG;
	else if (typ && !json_is_string(typ))
		st = CP_JWT_MALFORMED;
	json_decref(h);
	return st;
}

static enum cp_jwt_status jwt_check_mac(const char *t,
					const struct jwt_parts *jp,
					const uint8_t *key, size_t key_len)
{
	uint8_t sig[JWT_MAC_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t signed_len = jp->hl + 1 + jp->pl;

	if (!key || key_len == 0 || key_len > INT_MAX)
		return CP_JWT_BAD_SIGNATURE;
	if (jp->sl != JWT_MAC_B64_LEN ||
	    cp_b64url_decode(jp->s, jp->sl, sig, sizeof(sig)) != JWT_MAC_LEN)
		return CP_JWT_BAD_SIGNATURE;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)t,
		  signed_len, mac, &mac_len) || mac_len != JWT_MAC_LEN)
		return CP_JWT_BAD_SIGNATURE;
	if (CRYPTO_memcmp(mac, sig, JWT_MAC_LEN) != 0)
		return CP_JWT_BAD_SIGNATURE;
	return CP_JWT_OK;
}

enum cp_jwt_status cp_jwt_verify_signature(const char *token, size_t len,
					   const uint8_t *key, size_t key_len)
{
	struct jwt_parts jp;
	enum cp_jwt_status st = jwt_split(token, len, &jp);

	if (st == CP_JWT_OK)
		st = jwt_check_header(&jp);
	if (st == CP_JWT_OK)
		st = jwt_check_mac(token, &jp, key, key_len);
	return st;
}

/* absent or JSON null */
static json_t *claim_get(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_null(v) ? NULL : v;
}

static enum cp_jwt_status claim_date(json_t *o, const char *k, int required,
				     int64_t *out, bool *has)
{
	json_t *v = claim_get(o, k);

	*out = 0;
	if (has)
		*has = false;
	if (!v)
		return required ? CP_JWT_MISSING_CLAIM : CP_JWT_OK;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d >= 9223372036854775807.0) {
			*out = INT64_MAX;
		} else if (d <= -9223372036854775808.0) {
			*out = INT64_MIN;
		} else {
			int64_t t = (int64_t)d;
			if ((double)t > d)
				t--; /* round toward -inf */
			*out = t;
		}
	} else {
		return CP_JWT_BAD_CLAIM;
	}
	if (has)
		*has = true;
	return CP_JWT_OK;
}

static enum cp_jwt_status claim_str(json_t *o, const char *k, int required,
				    char *dst, size_t max, bool *has)
{
	json_t *v = claim_get(o, k);
	size_t n;

	dst[0] = '\0';
	if (has)
		*has = false;
	if (!v)
		return required ? CP_JWT_MISSING_CLAIM : CP_JWT_OK;
	if (!json_is_string(v))
		return CP_JWT_BAD_CLAIM;
	n = json_string_length(v);
	if (n == 0 || n > max)
		return CP_JWT_BAD_CLAIM;
	memcpy(dst, json_string_value(v), n);
	dst[n] = '\0';
	if (has)
		*has = true;
	return CP_JWT_OK;
}

static enum cp_jwt_status claim_bool(json_t *o, const char *k, bool *dst)
{
	json_t *v = claim_get(o, k);

	*dst = true;
	if (!v)
		return CP_JWT_OK;
	if (!json_is_boolean(v))
		return CP_JWT_BAD_CLAIM;
	*dst = json_is_true(v);
	return CP_JWT_OK;
}

static enum cp_jwt_status jwt_claims(json_t *o, struct cp_jwt_claims *c)
{
	enum cp_jwt_status st;

	st = claim_str(o, "sub", 1, c->sub, CP_JWT_SUB_MAX, NULL);
	if (st == CP_JWT_OK)
		st = claim_date(o, "exp", 1, &c->exp, NULL);
	if (st == CP_JWT_OK)
		st = claim_date(o, "nbf", 0, &c->nbf, &c->has_nbf);
	if (st == CP_JWT_OK)
		st = claim_str(o, "room", 0, c->room, CP_JWT_ROOM_MAX,
			       &c->has_room);
	if (st == CP_JWT_OK)
		st = claim_bool(o, "pub", &c->pub);
	if (st == CP_JWT_OK)
		st = claim_bool(o, "sub_media", &c->sub_media);
	return st;
}

enum cp_jwt_status cp_jwt_verify(const char *token, size_t len,
				 const uint8_t *key, size_t key_len,
				 int64_t now, struct cp_jwt_claims *out)
{
	struct cp_jwt_claims c;
	struct jwt_parts jp;
	enum cp_jwt_status st;
	json_t *payload = NULL;

	memset(&c, 0, sizeof(c));
	st = jwt_split(token, len, &jp);
	if (st == CP_JWT_OK)
		st = jwt_check_header(&jp);
	if (st == CP_JWT_OK)
		st = jwt_check_mac(token, &jp, key, key_len);
	if (st == CP_JWT_OK) {
		payload = jwt_part_json(jp.p, jp.pl);
		st = payload ? jwt_claims(payload, &c) : CP_JWT_MALFORMED;
		json_decref(payload);
	}
	if (st == CP_JWT_OK && now >= c.exp)
		st = CP_JWT_EXPIRED;
	if (st == CP_JWT_OK && c.has_nbf && now < c.nbf)
		st = CP_JWT_NOT_YET_VALID;
	if (st != CP_JWT_OK)
		memset(&c, 0, sizeof(c));
	if (out)
		*out = c;
	return st;
}

/* ------------------------------------------------------------------ mint */

ssize_t cp_jwt_sign(char *out, size_t cap, const char *header_json,
		    size_t header_len, const char *payload_json,
		    size_t payload_len, const uint8_t *key, size_t key_len)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t hl, pl, total;
	ssize_t n;

	if (!out || !header_json || !payload_json || !key || key_len == 0 ||
	    key_len > INT_MAX || header_len > CP_JWT_MAX_LEN ||
	    payload_len > CP_JWT_MAX_LEN)
		return -EINVAL;
	hl = b64_enc_len(header_len);
	pl = b64_enc_len(payload_len);
	total = hl + 1 + pl + 1 + JWT_MAC_B64_LEN;
	if (total + 1 > cap)
		return -ENOSPC;
	n = cp_b64url_encode((const uint8_t *)header_json, header_len, out,
			     cap);
	if (n < 0)
		return n;
	out[hl] = '.';
	n = cp_b64url_encode((const uint8_t *)payload_json, payload_len,
			     out + hl + 1, cap - hl - 1);
	if (n < 0)
		return n;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)out,
		  hl + 1 + pl, mac, &mac_len) || mac_len != JWT_MAC_LEN)
		return -EINVAL;
	out[hl + 1 + pl] = '.';
	n = cp_b64url_encode(mac, JWT_MAC_LEN, out + hl + 1 + pl + 1,
			     cap - (hl + 1 + pl + 1));
	if (n < 0)
		return n;
	return (ssize_t)total;
}

ssize_t cp_jwt_mint(char *out, size_t cap, const uint8_t *key,
		    size_t key_len, const struct cp_jwt_claims *c)
{
	json_t *p = NULL;
	char *txt = NULL;
	ssize_t rc = -EINVAL;

	if (!c || !c->sub[0] || (c->has_room && !c->room[0]))
		return -EINVAL;
	p = json_object();
	if (!p)
		goto out;
	if (json_object_set_new(p, "sub", json_string(c->sub)) ||
	    json_object_set_new(p, "exp", json_integer(c->exp)) ||
	    (c->has_nbf &&
	     json_object_set_new(p, "nbf", json_integer(c->nbf))) ||
	    (c->has_room &&
	     json_object_set_new(p, "room", json_string(c->room))) ||
	    json_object_set_new(p, "pub", json_boolean(c->pub)) ||
	    json_object_set_new(p, "sub_media", json_boolean(c->sub_media)))
		goto out;
	txt = json_dumps(p, JSON_COMPACT);
	if (!txt)
		goto out;
	rc = cp_jwt_sign(out, cap, jwt_header_hs256,
			 sizeof(jwt_header_hs256) - 1, txt, strlen(txt), key,
			 key_len);
out:
	free(txt);
	json_decref(p);
	return rc;
}
