/* SPDX-License-Identifier: MIT */
/*
 * STUN message parsing, MESSAGE-INTEGRITY / FINGERPRINT and the Binding
 * messages of an ICE-lite server (contracts in dp_stun.h).
 *
 * Wire format (RFC 5389 section 6): a 20-byte header
 *
 *     0      2        4              8                       20
 *     | type | length | magic cookie | transaction id (12)   | attributes...
 *
 * with the two top bits of type zero and length the size of the attributes
 * (a multiple of 4); then TLV attributes, each value padded to 4 bytes.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dp_bytes.h"
#include "dp_stun.h"

#define ATTR_HDR 4u
#define PAD4(n) (((n) + 3u) & ~(size_t)3u)

/* ------------------------------------------------------------------ */
/* CRC-32 (reflected, polynomial 0xedb88320, init and final xor ~0).   */
/* ------------------------------------------------------------------ */

static const uint32_t crc32_table[256] = {
	0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau,
	0x076dc419u, 0x706af48fu, 0xe963a535u, 0x9e6495a3u,
	0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
	0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u,
	0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu,
	0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
	0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu,
	0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u,
	0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
	0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu,
	0x35b5a8fau, 0x42b2986cu, 0xdbbbc9d6u, 0xacbcf940u,
	0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
	0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u,
	0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
	0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
	0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du,
	0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au,
	0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
	0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u,
	0x7f6a0dbbu, 0x086d3d2du, 0x91646c97u, 0xe6635c01u,
	0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
	0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u,
	0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau, 0xfcb9887cu,
	0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
	0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u,
	0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu,
	0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
	0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
	0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u,
	0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
	0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u,
	0x59b33d17u, 0x2eb40d81u, 0xb7bd5c3bu, 0xc0ba6cadu,
	0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
	0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u,
	0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
	0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
	0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu,
	0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u,
	0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
	0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u,
	0xd6d6a3e8u, 0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u,
	0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
	0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u,
	0xdf60efc3u, 0xa867df55u, 0x316e8eefu, 0x4669be79u,
	0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
	0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu,
	0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u,
	0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
	0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au,
	0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u,
	0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
	0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u,
	0x86d3d2d4u, 0xf1d4e242u, 0x68ddb3f8u, 0x1fda836eu,
	0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
	0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu,
	0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
	0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
	0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu,
	0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u,
	0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
	0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u,
	0xbad03605u, 0xcdd70693u, 0x54de5729u, 0x23d967bfu,
	0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
	0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

/* crc is the value returned by a previous call (0 to start). */
uint32_t dp_stun_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc32_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

/* ------------------------------------------------------------------ */
/* HMAC-SHA1 over OpenSSL's EVP_MAC, one context reused per thread.    */
/* ------------------------------------------------------------------ */

struct dp_stun_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

struct dp_stun_hmac *dp_stun_hmac_new(void)
{
	struct dp_stun_hmac *h = OPENSSL_zalloc(sizeof(*h));
	char digest[] = "SHA1";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};

	if (!h)
		return NULL;
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!h->mac)
		goto fail;
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (!h->ctx || !EVP_MAC_CTX_set_params(h->ctx, params))
		goto fail;
	return h;
fail:
	dp_stun_hmac_free(h);
	return NULL;
}

void dp_stun_hmac_free(struct dp_stun_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	OPENSSL_free(h);
}

/* HMAC-SHA1(key, hdr[0..20) || rest[0..rest_len)) into out. 0 or -1. */
static int hmac_sha1(struct dp_stun_hmac *h, const uint8_t *key, size_t key_len,
		     const uint8_t *hdr, const uint8_t *rest, size_t rest_len,
		     uint8_t out[DP_STUN_MI_LEN])
{
	static const uint8_t empty_key[1];
	size_t out_len = 0;

	if (!h)
		return -1;
	/* a NULL key would mean "keep the previous key" to EVP_MAC_init */
	if (!EVP_MAC_init(h->ctx, key_len ? key : empty_key, key_len, NULL))
		return -1;
	if (!EVP_MAC_update(h->ctx, hdr, DP_STUN_HDR_LEN))
		return -1;
	if (rest_len && !EVP_MAC_update(h->ctx, rest, rest_len))
		return -1;
	if (!EVP_MAC_final(h->ctx, out, &out_len, DP_STUN_MI_LEN) || out_len != DP_STUN_MI_LEN)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

uint16_t dp_stun_type(uint16_t method, enum dp_stun_class cls)
{
	unsigned m = method & 0xfffu, c = (unsigned)cls & 3u;
	return (uint16_t)((m & 0x000fu) | (m & 0x0070u) << 1 | (m & 0x0f80u) << 2 |
			  (c & 1u) << 4 | (c & 2u) << 7);
}

/* Attribute types this parser understands (comprehension-required range). */
static int attr_known(uint16_t t)
{
	switch (t) {
	case DP_STUN_ATTR_MAPPED_ADDRESS:
	case DP_STUN_ATTR_USERNAME:
	case DP_STUN_ATTR_MESSAGE_INTEGRITY:
	case DP_STUN_ATTR_ERROR_CODE:
	case DP_STUN_ATTR_UNKNOWN_ATTRIBUTES:
	case DP_STUN_ATTR_REALM:
	case DP_STUN_ATTR_NONCE:
	case DP_STUN_ATTR_XOR_MAPPED_ADDRESS:
	case DP_STUN_ATTR_PRIORITY:
	case DP_STUN_ATTR_USE_CANDIDATE:
		return 1;
	default:
		return 0;
	}
}

/* XOR-MAPPED-ADDRESS value: 0, family (1 or 2), port, 4 or 16 address bytes. */
static int xma_ok(const uint8_t *v, size_t n)
{
	if (n == 8 && v[1] == 1)
		return 1;
	return n == 20 && v[1] == 2;
}

/* ERROR-CODE value: 21 zero bits, class 3..6, number 0..99, reason. */
static int error_code_of(const uint8_t *v, size_t n, uint16_t *code)
{
	if (n < 4)
		return -1;
	unsigned cls = v[2] & 7u, num = v[3];
	if (cls < 3 || cls > 6 || num > 99)
		return -1;
	*code = (uint16_t)(cls * 100u + num);
	return 0;
}

/*
 * Interpret one attribute that precedes MESSAGE-INTEGRITY. off is the offset
 * of the attribute header, v/n its value. Returns 0 or -1 (malformed).
 */
static int take_attr(struct dp_stun_msg *m, uint16_t t, const uint8_t *v, size_t n, size_t off)
{
	switch (t) {
	case DP_STUN_ATTR_USERNAME:
		if (n >= DP_STUN_USERNAME_MAX)
			return -1;
		if (!(m->flags & DP_STUN_F_USERNAME)) {
			m->flags |= DP_STUN_F_USERNAME;
			m->username = v;
			m->username_len = (uint16_t)n;
		}
		return 0;
	case DP_STUN_ATTR_PRIORITY:
		if (n != 4)
			return -1;
		if (!(m->flags & DP_STUN_F_PRIORITY))
			m->priority = dp_get_be32(v);
		m->flags |= DP_STUN_F_PRIORITY;
		return 0;
	case DP_STUN_ATTR_USE_CANDIDATE:
		if (n != 0)
			return -1;
		m->flags |= DP_STUN_F_USE_CANDIDATE;
		return 0;
	case DP_STUN_ATTR_ICE_CONTROLLING:
	case DP_STUN_ATTR_ICE_CONTROLLED:
		if (n != 8)
			return -1;
		if (!(m->flags & (DP_STUN_F_ICE_CONTROLLING | DP_STUN_F_ICE_CONTROLLED)))
			m->tiebreaker = dp_get_be64(v);
		m->flags |= t == DP_STUN_ATTR_ICE_CONTROLLING ? DP_STUN_F_ICE_CONTROLLING
							      : DP_STUN_F_ICE_CONTROLLED;
		return 0;
	case DP_STUN_ATTR_XOR_MAPPED_ADDRESS:
		if (!xma_ok(v, n))
			return -1;
		if (!(m->flags & DP_STUN_F_XOR_MAPPED))
			m->xma_off = (uint32_t)(off + ATTR_HDR);
		m->flags |= DP_STUN_F_XOR_MAPPED;
		return 0;
	case DP_STUN_ATTR_ERROR_CODE: {
		uint16_t code;
		if (error_code_of(v, n, &code) != 0)
			return -1;
		if (!(m->flags & DP_STUN_F_ERROR_CODE))
			m->error_code = code;
		m->flags |= DP_STUN_F_ERROR_CODE;
		return 0;
	}
	default:
		if (t < 0x8000u && !attr_known(t)) {
			if (m->n_unknown < DP_STUN_UNKNOWN_MAX)
				m->unknown[m->n_unknown] = t;
			if (m->n_unknown < 255)
				m->n_unknown++;
		}
		return 0;
	}
}

/* The header checks; on success *total is the whole message length. */
static enum dp_stun_status parse_header(const uint8_t *msg, size_t len, size_t *total)
{
	if (len < DP_STUN_HDR_LEN)
		return DP_STUN_SHORT;
	if ((msg[0] & 0xc0u) != 0 || dp_get_be32(msg + 4) != DP_STUN_MAGIC)
		return DP_STUN_NOT_STUN;
	size_t body = dp_get_be16(msg + 2);
	if (body & 3u)
		return DP_STUN_MALFORMED;
	if (len < DP_STUN_HDR_LEN + body)
		return DP_STUN_SHORT;
	if (len > DP_STUN_HDR_LEN + body)
		return DP_STUN_MALFORMED; /* trailing bytes: one message per datagram */
	*total = DP_STUN_HDR_LEN + body;
	return DP_STUN_OK;
}

enum dp_stun_status dp_stun_parse(const uint8_t *msg, size_t len, struct dp_stun_msg *m)
{
	size_t total = 0;
	enum dp_stun_status st = parse_header(msg, len, &total);
	if (st != DP_STUN_OK)
		return st;

	memset(m, 0, sizeof(*m));
	m->type = dp_get_be16(msg);
	m->method = (uint16_t)((m->type & 0x000fu) | (m->type & 0x00e0u) >> 1 |
			       (m->type & 0x3e00u) >> 2);
	m->cls = (uint8_t)((m->type >> 4 & 1u) | (m->type >> 7 & 2u));
	m->length = (uint32_t)total;
	memcpy(m->txid, msg + 8, DP_STUN_TXID_LEN);

	/* off always 4-aligned and total a multiple of 4: padding stays inside */
	for (size_t off = DP_STUN_HDR_LEN; off < total;) {
		if (m->flags & DP_STUN_F_FINGERPRINT)
			return DP_STUN_MALFORMED; /* FINGERPRINT must be last */
		if (total - off < ATTR_HDR)
			return DP_STUN_MALFORMED;
		uint16_t t = dp_get_be16(msg + off);
		size_t n = dp_get_be16(msg + off + 2);
		if (PAD4(n) > total - off - ATTR_HDR)
			return DP_STUN_MALFORMED;
		const uint8_t *v = msg + off + ATTR_HDR;

		if (t == DP_STUN_ATTR_FINGERPRINT) {
			if (n != 4)
				return DP_STUN_MALFORMED;
			m->flags |= DP_STUN_F_FINGERPRINT;
			m->fp_off = (uint32_t)off;
		} else if (m->flags & DP_STUN_F_INTEGRITY) {
			/* after MESSAGE-INTEGRITY: ignored (RFC 5389 15.4) */
		} else if (t == DP_STUN_ATTR_MESSAGE_INTEGRITY) {
			if (n != DP_STUN_MI_LEN)
				return DP_STUN_MALFORMED;
			m->flags |= DP_STUN_F_INTEGRITY;
			m->mi_off = (uint32_t)off;
		} else if (take_attr(m, t, v, n, off) != 0) {
			return DP_STUN_MALFORMED;
		}
		off += ATTR_HDR + PAD4(n);
	}
	return DP_STUN_OK;
}

/* The parse result must describe this buffer (guards against misuse). */
static int msg_matches(size_t len, const struct dp_stun_msg *m)
{
	return m->length == len && len >= DP_STUN_HDR_LEN;
}

enum dp_stun_status dp_stun_check_fingerprint(const uint8_t *msg, size_t len,
					      const struct dp_stun_msg *m)
{
	if (!(m->flags & DP_STUN_F_FINGERPRINT))
		return DP_STUN_NO_FINGERPRINT;
	size_t fp = m->fp_off;
	if (!msg_matches(len, m) || fp < DP_STUN_HDR_LEN || fp + 8u > len)
		return DP_STUN_MALFORMED;

	uint8_t hdr[DP_STUN_HDR_LEN];
	memcpy(hdr, msg, sizeof(hdr));
	dp_put_be16(hdr + 2, (uint16_t)(fp + 8u - DP_STUN_HDR_LEN));
	uint32_t crc = dp_stun_crc32(0, hdr, sizeof(hdr));
	crc = dp_stun_crc32(crc, msg + DP_STUN_HDR_LEN, fp - DP_STUN_HDR_LEN);
	if ((crc ^ DP_STUN_FP_XOR) != dp_get_be32(msg + fp + ATTR_HDR))
		return DP_STUN_BAD_FINGERPRINT;
	return DP_STUN_OK;
}

enum dp_stun_status dp_stun_check_integrity(struct dp_stun_hmac *h, const uint8_t *msg,
					    size_t len, const struct dp_stun_msg *m,
					    const uint8_t *key, size_t key_len)
{
	if (!(m->flags & DP_STUN_F_INTEGRITY))
		return DP_STUN_NO_INTEGRITY;
	size_t mi = m->mi_off;
	if (!msg_matches(len, m) || mi < DP_STUN_HDR_LEN || mi + ATTR_HDR + DP_STUN_MI_LEN > len)
		return DP_STUN_MALFORMED;

	uint8_t hdr[DP_STUN_HDR_LEN], mac[DP_STUN_MI_LEN];
	memcpy(hdr, msg, sizeof(hdr));
	dp_put_be16(hdr + 2, (uint16_t)(mi + ATTR_HDR + DP_STUN_MI_LEN - DP_STUN_HDR_LEN));
	if (hmac_sha1(h, key, key_len, hdr, msg + DP_STUN_HDR_LEN, mi - DP_STUN_HDR_LEN, mac) != 0)
		return DP_STUN_CRYPTO;
	if (CRYPTO_memcmp(mac, msg + mi + ATTR_HDR, DP_STUN_MI_LEN) != 0)
		return DP_STUN_BAD_INTEGRITY;
	return DP_STUN_OK;
}

int dp_stun_username_split(const uint8_t *user, size_t len, const uint8_t **ours,
			   size_t *ours_len, const uint8_t **theirs, size_t *theirs_len)
{
	const uint8_t *colon = user && len ? memchr(user, ':', len) : NULL;
	if (!colon)
		return -EINVAL;
	size_t a = (size_t)(colon - user), b = len - a - 1;
	if (a == 0 || b == 0)
		return -EINVAL;
	*ours = user;
	*ours_len = a;
	if (theirs) {
		*theirs = colon + 1;
		*theirs_len = b;
	}
	return 0;
}

/* xor pad of XOR-MAPPED-ADDRESS: magic cookie then transaction id. */
static void xor_pad(uint8_t pad[16], const uint8_t txid[DP_STUN_TXID_LEN])
{
	dp_put_be32(pad, DP_STUN_MAGIC);
	memcpy(pad + 4, txid, DP_STUN_TXID_LEN);
}

enum dp_stun_status dp_stun_xor_mapped(const uint8_t *msg, size_t len,
				       const struct dp_stun_msg *m, struct sl_tuple *out)
{
	if (!(m->flags & DP_STUN_F_XOR_MAPPED))
		return DP_STUN_NOT_FOUND;
	size_t off = m->xma_off;
	if (!msg_matches(len, m) || off < DP_STUN_HDR_LEN + ATTR_HDR || off + 8u > len)
		return DP_STUN_MALFORMED;
	const uint8_t *v = msg + off;
	size_t alen = v[1] == 1 ? 4 : 16;
	if (off + 4u + alen > len || (v[1] != 1 && v[1] != 2))
		return DP_STUN_MALFORMED;

	uint8_t pad[16];
	xor_pad(pad, m->txid);
	out->family = v[1] == 1 ? 4 : 6;
	uint8_t *port = (uint8_t *)&out->remote_port; /* network order in memory */
	port[0] = v[2] ^ pad[0];
	port[1] = v[3] ^ pad[1];
	memset(out->remote_addr, 0, sizeof(out->remote_addr));
	for (size_t i = 0; i < alen; i++)
		out->remote_addr[i] = v[4 + i] ^ pad[i];
	return DP_STUN_OK;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

/* An output cursor; err latches the first overflow. */
struct stun_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

static void w_start(struct stun_writer *w, uint8_t *buf, size_t cap, uint16_t type,
		    const uint8_t txid[DP_STUN_TXID_LEN])
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = cap < DP_STUN_HDR_LEN;
	if (w->err)
		return;
	/* txid may alias buf + 8 when answering in place: move, not copy */
	memmove(buf + 8, txid, DP_STUN_TXID_LEN);
	dp_put_be16(buf, type);
	dp_put_be16(buf + 2, 0);
	dp_put_be32(buf + 4, DP_STUN_MAGIC);
	w->len = DP_STUN_HDR_LEN;
}

/* Reserve an attribute of n value bytes (zero padding written); NULL if full. */
static uint8_t *w_attr(struct stun_writer *w, uint16_t type, size_t n)
{
	if (w->err || n > 0xffffu || w->cap - w->len < ATTR_HDR + PAD4(n)) {
		w->err = 1;
		return NULL;
	}
	uint8_t *a = w->buf + w->len;
	dp_put_be16(a, type);
	dp_put_be16(a + 2, (uint16_t)n);
	memset(a + ATTR_HDR + n, 0, PAD4(n) - n);
	w->len += ATTR_HDR + PAD4(n);
	dp_put_be16(w->buf + 2, (uint16_t)(w->len - DP_STUN_HDR_LEN));
	return a + ATTR_HDR;
}

static void w_bytes(struct stun_writer *w, uint16_t type, const void *v, size_t n)
{
	uint8_t *p = w_attr(w, type, n);
	if (p && n)
		memcpy(p, v, n);
}

/* MESSAGE-INTEGRITY over everything written so far. */
static enum dp_stun_status w_integrity(struct stun_writer *w, struct dp_stun_hmac *h,
				       const uint8_t *key, size_t key_len)
{
	size_t before = w->len;
	uint8_t *p = w_attr(w, DP_STUN_ATTR_MESSAGE_INTEGRITY, DP_STUN_MI_LEN);
	if (!p)
		return DP_STUN_NOSPACE;
	/* the header already counts the attribute, as 15.4 wants */
	if (hmac_sha1(h, key, key_len, w->buf, w->buf + DP_STUN_HDR_LEN,
		      before - DP_STUN_HDR_LEN, p) != 0)
		return DP_STUN_CRYPTO;
	return DP_STUN_OK;
}

static enum dp_stun_status w_fingerprint(struct stun_writer *w)
{
	size_t before = w->len;
	uint8_t *p = w_attr(w, DP_STUN_ATTR_FINGERPRINT, 4);
	if (!p)
		return DP_STUN_NOSPACE;
	dp_put_be32(p, dp_stun_crc32(0, w->buf, before) ^ DP_STUN_FP_XOR);
	return DP_STUN_OK;
}

/* MI (when key != NULL) and FINGERPRINT, then the final length. */
static enum dp_stun_status w_finish(struct stun_writer *w, struct dp_stun_hmac *h,
				    const uint8_t *key, size_t key_len, size_t *out_len)
{
	enum dp_stun_status st = DP_STUN_OK;
	if (w->err)
		return DP_STUN_NOSPACE;
	if (key)
		st = w_integrity(w, h, key, key_len);
	if (st == DP_STUN_OK)
		st = w_fingerprint(w);
	if (st == DP_STUN_OK)
		*out_len = w->len;
	return st;
}

enum dp_stun_status dp_stun_build_success(struct dp_stun_hmac *h, uint8_t *out, size_t cap,
					  size_t *out_len, const uint8_t txid[DP_STUN_TXID_LEN],
					  const struct sl_tuple *peer, const uint8_t *key,
					  size_t key_len)
{
	if (!peer || (peer->family != 4 && peer->family != 6) || !key)
		return DP_STUN_INVALID;
	struct stun_writer w;
	w_start(&w, out, cap,
		dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_SUCCESS), txid);

	size_t alen = peer->family == 4 ? 4 : 16;
	uint8_t *v = w_attr(&w, DP_STUN_ATTR_XOR_MAPPED_ADDRESS, 4 + alen);
	if (v) {
		uint8_t pad[16];
		const uint8_t *port = (const uint8_t *)&peer->remote_port;
		xor_pad(pad, out + 8); /* the txid as written */
		v[0] = 0;
		v[1] = peer->family == 4 ? 1 : 2;
		v[2] = port[0] ^ pad[0];
		v[3] = port[1] ^ pad[1];
		for (size_t i = 0; i < alen; i++)
			v[4 + i] = peer->remote_addr[i] ^ pad[i];
	}
	return w_finish(&w, h, key, key_len, out_len);
}

static const char *default_reason(uint16_t code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 420: return "Unknown Attribute";
	case 487: return "Role Conflict";
	case 500: return "Server Error";
	default: return "";
	}
}

enum dp_stun_status dp_stun_build_error(struct dp_stun_hmac *h, uint8_t *out, size_t cap,
					size_t *out_len, const uint8_t txid[DP_STUN_TXID_LEN],
					uint16_t code, const char *reason,
					const uint16_t *unknown, size_t n_unknown,
					const uint8_t *key, size_t key_len)
{
	if (code < 300 || code > 699 || n_unknown > DP_STUN_UNKNOWN_MAX ||
	    (n_unknown && !unknown))
		return DP_STUN_INVALID;
	if (!reason)
		reason = default_reason(code);
	size_t rlen = strnlen(reason, DP_STUN_REASON_MAX + 1);
	if (rlen > DP_STUN_REASON_MAX)
		return DP_STUN_INVALID;

	struct stun_writer w;
	w_start(&w, out, cap, dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_ERROR), txid);
	uint8_t *v = w_attr(&w, DP_STUN_ATTR_ERROR_CODE, 4 + rlen);
	if (v) {
		v[0] = 0;
		v[1] = 0;
		v[2] = (uint8_t)(code / 100);
		v[3] = (uint8_t)(code % 100);
		memcpy(v + 4, reason, rlen);
	}
	if (n_unknown) {
		v = w_attr(&w, DP_STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n_unknown);
		for (size_t i = 0; v && i < n_unknown; i++)
			dp_put_be16(v + 2 * i, unknown[i]);
	}
	return w_finish(&w, h, key, key_len, out_len);
}

enum dp_stun_status dp_stun_build_request(struct dp_stun_hmac *h, uint8_t *out, size_t cap,
					  size_t *out_len, const struct dp_stun_request *req)
{
	if (!req || !req->txid || !req->key || !req->username || req->username_len == 0 ||
	    req->username_len >= DP_STUN_USERNAME_MAX)
		return DP_STUN_INVALID;

	struct stun_writer w;
	w_start(&w, out, cap, dp_stun_type(DP_STUN_METHOD_BINDING, DP_STUN_CLASS_REQUEST),
		req->txid);
	w_bytes(&w, DP_STUN_ATTR_USERNAME, req->username, req->username_len);
	uint8_t *v = w_attr(&w, DP_STUN_ATTR_PRIORITY, 4);
	if (v)
		dp_put_be32(v, req->priority);
	v = w_attr(&w, req->controlling ? DP_STUN_ATTR_ICE_CONTROLLING : DP_STUN_ATTR_ICE_CONTROLLED,
		   8);
	if (v)
		dp_put_be64(v, req->tiebreaker);
	if (req->use_candidate)
		w_attr(&w, DP_STUN_ATTR_USE_CANDIDATE, 0);
	return w_finish(&w, h, req->key, req->key_len, out_len);
}

const char *dp_stun_status_name(enum dp_stun_status s)
{
	switch (s) {
	case DP_STUN_OK: return "ok";
	case DP_STUN_SHORT: return "short";
	case DP_STUN_NOT_STUN: return "not_stun";
	case DP_STUN_MALFORMED: return "malformed";
	case DP_STUN_NO_INTEGRITY: return "no_integrity";
	case DP_STUN_BAD_INTEGRITY: return "bad_integrity";
	case DP_STUN_NO_FINGERPRINT: return "no_fingerprint";
	case DP_STUN_BAD_FINGERPRINT: return "bad_fingerprint";
	case DP_STUN_NOT_FOUND: return "not_found";
	case DP_STUN_NOSPACE: return "nospace";
	case DP_STUN_INVALID: return "invalid";
	case DP_STUN_CRYPTO: return "crypto";
	}
	return "?";
}
