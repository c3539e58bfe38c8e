/* SPDX-License-Identifier: MIT */
/*
 * JWT (RFC 7519) access tokens signed HS256 (RFC 7515 compact form), as
 * protocol.md requires: verification and minting with a shared secret.
 *
 * Verification order, each step with its own status:
 *   1. shape: three base64url parts (no padding, canonical), <= CP_JWT_MAX_LEN
 *      bytes                                                -> MALFORMED
 *   2. header: a JSON object whose "alg" is exactly "HS256"; "none" and every
 *      other algorithm, a missing alg, and any "crit" header are refused
 *                                                           -> BAD_ALG
 *      ("typ" is optional and, when present, must be a string; other header
 *      members such as "kid" are ignored)                   -> MALFORMED
 *   3. HMAC-SHA256 over "<header>.<payload>" compared in constant time
 *      (CRYPTO_memcmp); an empty secret never verifies     -> BAD_SIGNATURE
 *   4. payload: a JSON object (claims are read only after the signature
 *      checked out)                                         -> MALFORMED
 *   5. claims: sub (required non-empty string <= CP_JWT_SUB_MAX bytes),
 *      exp (required number), nbf (optional number), room (optional string
 *      <= CP_JWT_ROOM_MAX bytes), pub / sub_media (optional booleans, default
 *      true). JSON null counts as absent for the optional ones.
 *                              absent -> MISSING_CLAIM, wrong type -> BAD_CLAIM
 *   6. time, against the caller's `now` (seconds since the epoch, no leeway):
 *      now >= exp -> EXPIRED; now < nbf -> NOT_YET_VALID.
 * Numeric dates may be integers or reals (reals are rounded down and clamped
 * to int64).
 *
 * Pure functions except for the allocation jansson does; no globals, no
 * logging. Thread-safe.
 */
#ifndef SLUICE_CP_JWT_H
#define SLUICE_CP_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CP_JWT_MAX_LEN 8192  /* longest token accepted, bytes */
#define CP_JWT_SUB_MAX 128   /* longest sub, bytes (UTF-8) */
#define CP_JWT_ROOM_MAX 128  /* longest room, bytes (UTF-8) */

enum cp_jwt_status {
	CP_JWT_OK = 0,
	CP_JWT_MALFORMED,
	CP_JWT_BAD_ALG,
	CP_JWT_BAD_SIGNATURE,
	CP_JWT_EXPIRED,
	CP_JWT_NOT_YET_VALID,
	CP_JWT_MISSING_CLAIM,
	CP_JWT_BAD_CLAIM,
};

/* The claims Sluice uses. Strings are NUL-terminated copies. */
struct cp_jwt_claims {
	char sub[CP_JWT_SUB_MAX + 1];
	char room[CP_JWT_ROOM_MAX + 1]; /* "" unless has_room */
	bool has_room;
	int64_t exp;
	int64_t nbf;                    /* 0 unless has_nbf */
	bool has_nbf;
	bool pub;                       /* may produce */
	bool sub_media;                 /* may consume */
};

/* Short constant name of a status, for logs. Never NULL. */
const char *cp_jwt_status_str(enum cp_jwt_status st);

/*
 * Verify `token` (len bytes, need not be NUL-terminated) with the HS256 key
 * `key` and the current time `now`. On CP_JWT_OK `out` holds the claims; on
 * any other status `out` is zeroed (it may be NULL when the caller only
 * wants the status).
 */
enum cp_jwt_status cp_jwt_verify(const char *token, size_t len,
				 const uint8_t *key, size_t key_len,
				 int64_t now, struct cp_jwt_claims *out);

/*
 * Steps 1-3 only: shape, alg and signature. Returns CP_JWT_OK,
 * CP_JWT_MALFORMED, CP_JWT_BAD_ALG or CP_JWT_BAD_SIGNATURE. For tokens that
 * carry other claims than Sluice's (e.g. the RFC 7515 A.1 example).
 */
enum cp_jwt_status cp_jwt_verify_signature(const char *token, size_t len,
					   const uint8_t *key, size_t key_len);

/*
 * Sign arbitrary header and payload JSON texts (used as given, not checked)
 * into "<b64url(header)>.<b64url(payload)>.<b64url(HMAC-SHA256)>". Writes a
 * NUL-terminated token to out (cap bytes) and returns its length, -ENOSPC
 * when cap is too small, -EINVAL on an empty key or other bad arguments.
 * Meant for tests and tools (it can produce tokens verify refuses).
 */
ssize_t cp_jwt_sign(char *out, size_t cap, const char *header_json,
		    size_t header_len, const char *payload_json,
		    size_t payload_len, const uint8_t *key, size_t key_len);

/*
 * Mint a token with header {"alg":"HS256","typ":"JWT"} and the claims in `c`
 * (sub, exp, pub, sub_media always; room and nbf when has_room / has_nbf).
 * Same return contract as cp_jwt_sign; -EINVAL also for an empty sub or a
 * sub/room that is not valid UTF-8.
 */
ssize_t cp_jwt_mint(char *out, size_t cap, const uint8_t *key,
		    size_t key_len, const struct cp_jwt_claims *c);

/*
 * base64url without padding (RFC 4648 section 5). Decoding refuses '=',
 * characters outside the alphabet, a length of 4k+1 and non-zero unused
 * trailing bits (so every byte string has exactly one accepted encoding).
 * decode returns the decoded length, -EINVAL or -ENOSPC. encode writes a
 * NUL-terminated string and returns its length or -ENOSPC.
 */
ssize_t cp_b64url_decode(const char *in, size_t len, uint8_t *out,
			 size_t cap);
ssize_t cp_b64url_encode(const uint8_t *in, size_t len, char *out,
			 size_t cap);

#endif /* SLUICE_CP_JWT_H */
