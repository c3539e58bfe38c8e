/* SPDX-License-Identifier: MIT */
/*
 * dp_stun.h - STUN (RFC 5389) for an ICE-lite server (RFC 8445 section 2.5).
 *
 * The data plane answers Binding requests itself: parse the request, check
 * FINGERPRINT, look the transport up by the local half of USERNAME, check
 * MESSAGE-INTEGRITY with that transport's ICE password, and write a Binding
 * success response (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT) in
 * place of the request. The request builder lets tests and the load
 * generator play the browser (the controlling agent).
 *
 * Contracts:
 *  - Everything works on caller buffers: no allocation, no globals, no
 *    logging, O(length). The one exception is the HMAC context
 *    (struct dp_stun_hmac), created once per thread at start-up and used by
 *    that thread only. It saves the algorithm fetch (a lock in OpenSSL's
 *    method store) per message; OpenSSL 3.0 itself still allocates a few
 *    small blocks inside every MAC computation (EVP_MAC_init re-creates its
 *    digest contexts), so MESSAGE-INTEGRITY checks and builds are cheap but
 *    not allocation-free. Parsing, FINGERPRINT and the rest are.
 *  - A struct dp_stun_msg describes the buffer it was parsed from: its
 *    USERNAME pointer points into that buffer and all offsets are relative to
 *    its first byte. Pass the same (msg, len) to the check/decode functions.
 *  - Keys are the ICE passwords as bytes, used as-is (short-term credentials;
 *    ICE passwords are ASCII, so SASLprep is the identity for them).
 *  - Addresses are struct sl_tuple (include/sluice/abi.h): family 4 or 6,
 *    remote_addr (IPv4 in the first 4 bytes), remote_port in NETWORK byte
 *    order. The mapped address of a response is the tuple's remote side;
 *    local_port is neither read nor written.
 */
#ifndef DP_STUN_H
#define DP_STUN_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"

#define DP_STUN_HDR_LEN 20u
#define DP_STUN_MAGIC 0x2112a442u
#define DP_STUN_TXID_LEN 12u
#define DP_STUN_MI_LEN 20u        /* HMAC-SHA1 */
#define DP_STUN_FP_XOR 0x5354554eu /* "STUN" */
#define DP_STUN_USERNAME_MAX 513u /* RFC 5389 15.3: less than 513 bytes */
#define DP_STUN_UNKNOWN_MAX 8u    /* unknown attribute types remembered */
#define DP_STUN_REASON_MAX 128u   /* longest reason phrase we write */

/* Buffer sizes that always suffice for what the builders write. */
#define DP_STUN_SUCCESS_MAX 76u /* hdr 20 + XOR-MAPPED-ADDRESS (IPv6) 24 + MI 24 + FP 8 */
#define DP_STUN_ERROR_MAX (20u + 4u + 4u + DP_STUN_REASON_MAX + 4u + \
			   2u * DP_STUN_UNKNOWN_MAX + 24u + 8u)

enum dp_stun_class {
	DP_STUN_CLASS_REQUEST = 0,
	DP_STUN_CLASS_INDICATION = 1,
	DP_STUN_CLASS_SUCCESS = 2,
	DP_STUN_CLASS_ERROR = 3,
};

#define DP_STUN_METHOD_BINDING 0x001u

/* Attribute types we know (RFC 5389 section 18.2, RFC 8445 section 16.1). */
enum dp_stun_attr {
	DP_STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	DP_STUN_ATTR_USERNAME = 0x0006,
	DP_STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	DP_STUN_ATTR_ERROR_CODE = 0x0009,
	DP_STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000a,
	DP_STUN_ATTR_REALM = 0x0014,
	DP_STUN_ATTR_NONCE = 0x0015,
	DP_STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	DP_STUN_ATTR_PRIORITY = 0x0024,
	DP_STUN_ATTR_USE_CANDIDATE = 0x0025,
	DP_STUN_ATTR_SOFTWARE = 0x8022,
	DP_STUN_ATTR_FINGERPRINT = 0x8028,
	DP_STUN_ATTR_ICE_CONTROLLED = 0x8029,
	DP_STUN_ATTR_ICE_CONTROLLING = 0x802a,
};

/*
 * Status of every function below. Parse failures are split so the data plane
 * can count them as distinct drop reasons.
 */
enum dp_stun_status {
	DP_STUN_OK = 0,
	DP_STUN_SHORT = 1,          /* fewer than 20 bytes, or fewer than the header's length says */
	DP_STUN_NOT_STUN = 2,       /* top two bits set or wrong magic cookie */
	DP_STUN_MALFORMED = 3,      /* bad length/alignment/attribute layout or attribute value */
	DP_STUN_NO_INTEGRITY = 4,   /* no MESSAGE-INTEGRITY to check */
	DP_STUN_BAD_INTEGRITY = 5,  /* MESSAGE-INTEGRITY does not match the key */
	DP_STUN_NO_FINGERPRINT = 6, /* no FINGERPRINT to check */
	DP_STUN_BAD_FINGERPRINT = 7,/* FINGERPRINT does not match */
	DP_STUN_NOT_FOUND = 8,      /* the asked-for attribute is absent */
	DP_STUN_NOSPACE = 9,        /* builder: the output buffer is too small */
	DP_STUN_INVALID = 10,       /* bad argument (family, code, lengths) */
	DP_STUN_CRYPTO = 11,        /* OpenSSL failed */
};

/* Flags in struct dp_stun_msg.flags: which attributes were seen. */
#define DP_STUN_F_USERNAME (1u << 0)
#define DP_STUN_F_PRIORITY (1u << 1)
#define DP_STUN_F_USE_CANDIDATE (1u << 2)
#define DP_STUN_F_ICE_CONTROLLING (1u << 3)
#define DP_STUN_F_ICE_CONTROLLED (1u << 4)
#define DP_STUN_F_INTEGRITY (1u << 5)
#define DP_STUN_F_FINGERPRINT (1u << 6)
#define DP_STUN_F_XOR_MAPPED (1u << 7)
#define DP_STUN_F_ERROR_CODE (1u << 8)

/*
 * A parsed message. Attributes after MESSAGE-INTEGRITY other than
 * FINGERPRINT are bounds-checked and otherwise ignored (RFC 5389 15.4). Of a
 * repeated attribute only the first occurrence counts (RFC 5389 15).
 */
struct dp_stun_msg {
	uint16_t type;          /* raw 14-bit message type */
	uint16_t method;        /* 12-bit method, DP_STUN_METHOD_* */
	uint8_t cls;            /* enum dp_stun_class */
	uint8_t n_unknown;      /* comprehension-required attributes not understood (saturates at 255) */
	uint16_t unknown[DP_STUN_UNKNOWN_MAX]; /* the first of them, for a 420 response */
	uint32_t length;        /* whole message incl. the 20-byte header */
	uint32_t flags;         /* DP_STUN_F_* */
	uint8_t txid[DP_STUN_TXID_LEN];
	const uint8_t *username;/* into the parsed buffer, not NUL-terminated */
	uint16_t username_len;
	uint16_t error_code;    /* ERROR-CODE as class*100+number, if F_ERROR_CODE */
	uint32_t priority;      /* if F_PRIORITY */
	uint64_t tiebreaker;    /* of ICE-CONTROLLING or ICE-CONTROLLED, whichever came first */
	uint32_t mi_off;        /* offset of the MESSAGE-INTEGRITY attribute header, if F_INTEGRITY */
	uint32_t fp_off;        /* offset of the FINGERPRINT attribute header, if F_FINGERPRINT */
	uint32_t xma_off;       /* offset of the XOR-MAPPED-ADDRESS value, if F_XOR_MAPPED */
};

/*
 * Parse msg[0..len), one whole UDP payload. On DP_STUN_OK *m is filled; on
 * any other status *m is unspecified. Checks: header (top bits zero, magic
 * cookie, length a multiple of 4 and equal to len - 20), every attribute
 * with its padding inside the message, MESSAGE-INTEGRITY of 20 bytes,
 * FINGERPRINT of 4 bytes and last, fixed sizes of PRIORITY (4),
 * USE-CANDIDATE (0), ICE-CONTROLLING/-CONTROLLED (8), USERNAME (< 513),
 * XOR-MAPPED-ADDRESS (8 for IPv4, 20 for IPv6) and ERROR-CODE (class 3..6,
 * number < 100). Unknown comprehension-required attributes (type < 0x8000)
 * before MESSAGE-INTEGRITY are recorded, not rejected: the caller answers
 * 420 for requests.
 */
enum dp_stun_status dp_stun_parse(const uint8_t *msg, size_t len, struct dp_stun_msg *m);

/* Compose / split the 14-bit message type. */
uint16_t dp_stun_type(uint16_t method, enum dp_stun_class cls);

/*
 * Check FINGERPRINT: CRC-32 (ISO-HDLC) of the message up to the attribute,
 * with the header length covering it, xor 0x5354554e (RFC 5389 15.5).
 * DP_STUN_OK, DP_STUN_NO_FINGERPRINT or DP_STUN_BAD_FINGERPRINT.
 */
enum dp_stun_status dp_stun_check_fingerprint(const uint8_t *msg, size_t len,
					      const struct dp_stun_msg *m);

/* CRC-32 as FINGERPRINT uses it: crc = dp_stun_crc32(0, p, n) chains. */
uint32_t dp_stun_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* An HMAC-SHA1 context, reused for every message: one per thread. */
struct dp_stun_hmac;

/* Start-up only (allocates). NULL on failure. */
struct dp_stun_hmac *dp_stun_hmac_new(void);
void dp_stun_hmac_free(struct dp_stun_hmac *h);

/*
 * Check MESSAGE-INTEGRITY: HMAC-SHA1 keyed with key[0..key_len) over the
 * message up to the attribute, with the header length as if the attribute
 * were the last one (RFC 5389 15.4). Compared in constant time.
 * DP_STUN_OK, DP_STUN_NO_INTEGRITY, DP_STUN_BAD_INTEGRITY or DP_STUN_CRYPTO.
 */
enum dp_stun_status dp_stun_check_integrity(struct dp_stun_hmac *h, const uint8_t *msg,
					    size_t len, const struct dp_stun_msg *m,
					    const uint8_t *key, size_t key_len);

/*
 * Split USERNAME "<ours>:<theirs>" (RFC 8445 7.2.2: the receiver's ufrag
 * first). Points ours (length ours_len) at the part before the first ':'
 * and, when theirs is not NULL, theirs (theirs_len) at the rest. 0, or
 * -EINVAL when there is no ':' or either part is empty.
 */
int dp_stun_username_split(const uint8_t *user, size_t len, const uint8_t **ours,
			   size_t *ours_len, const uint8_t **theirs, size_t *theirs_len);

/* Decode XOR-MAPPED-ADDRESS into out (family, remote_addr, remote_port). */
enum dp_stun_status dp_stun_xor_mapped(const uint8_t *msg, size_t len,
				       const struct dp_stun_msg *m, struct sl_tuple *out);

/*
 * Builders. Each writes a whole message to out[0..cap), sets *out_len and
 * returns DP_STUN_OK, or DP_STUN_NOSPACE (nothing usable written),
 * DP_STUN_INVALID or DP_STUN_CRYPTO. out may be the buffer the request was
 * parsed from as long as txid was copied out first (struct dp_stun_msg holds
 * a copy): then the response replaces the request in place.
 */

/* Binding success: XOR-MAPPED-ADDRESS of peer, MESSAGE-INTEGRITY with key, FINGERPRINT. */
enum dp_stun_status dp_stun_build_success(struct dp_stun_hmac *h, uint8_t *out, size_t cap,
					  size_t *out_len, const uint8_t txid[DP_STUN_TXID_LEN],
					  const struct sl_tuple *peer, const uint8_t *key,
					  size_t key_len);

/*
 * Binding error response: ERROR-CODE code (300..699) with reason (NULL: a
 * default phrase for 400, 401, 420, 487, 500), UNKNOWN-ATTRIBUTES when
 * n_unknown > 0 (at most DP_STUN_UNKNOWN_MAX), MESSAGE-INTEGRITY when key is
 * not NULL (RFC 5389 10.1.2: not for 400/401), FINGERPRINT always.
 */
enum dp_stun_status dp_stun_build_error(struct dp_stun_hmac *h, uint8_t *out, size_t cap,
					size_t *out_len, const uint8_t txid[DP_STUN_TXID_LEN],
					uint16_t code, const char *reason,
					const uint16_t *unknown, size_t n_unknown,
					const uint8_t *key, size_t key_len);

/* What a Binding request carries (the caller acts as the browser). */
struct dp_stun_request {
	const uint8_t *txid;      /* 12 bytes */
	const uint8_t *username;  /* "<their ufrag>:<our ufrag>", 1..512 bytes */
	size_t username_len;
	uint32_t priority;
	int controlling;          /* 1: ICE-CONTROLLING, 0: ICE-CONTROLLED */
	uint64_t tiebreaker;
	int use_candidate;        /* add USE-CANDIDATE */
	const uint8_t *key;       /* the receiver's ICE password */
	size_t key_len;
};

/* Binding request: USERNAME, PRIORITY, ICE-CONTROLL(ED|ING), [USE-CANDIDATE], MI, FINGERPRINT. */
enum dp_stun_status dp_stun_build_request(struct dp_stun_hmac *h, uint8_t *out, size_t cap,
					  size_t *out_len, const struct dp_stun_request *req);

/* Static name of a status, for logs and tests. */
const char *dp_stun_status_name(enum dp_stun_status s);

#endif /* DP_STUN_H */
