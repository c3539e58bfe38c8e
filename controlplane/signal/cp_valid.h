/* SPDX-License-Identifier: MIT */
/*
 * cp_valid - the answer codes of protocol.md and the validation of request
 * payloads (the shapes of protocol.md's request table).
 *
 * Every validator takes the request payload (a borrowed json_t, possibly
 * NULL or not an object) and returns CP_SIG_OK or CP_SIG_BAD_REQUEST with a
 * human-readable message in err naming the field. Strings returned through
 * `const char **` are borrowed from the payload. Pure: no globals, no
 * logging, no allocation.
 */
#ifndef CP_VALID_H
#define CP_VALID_H

#include <stddef.h>

#include <jansson.h>

enum cp_sig_code {
	CP_SIG_OK = 0,
	CP_SIG_UNAUTHENTICATED,
	CP_SIG_FORBIDDEN,
	CP_SIG_BAD_REQUEST,
	CP_SIG_NOT_FOUND,
	CP_SIG_NOT_JOINED,
	CP_SIG_ALREADY_JOINED,
	CP_SIG_ROOM_FULL,
	CP_SIG_OVERLOADED,
	CP_SIG_INTERNAL,
	CP_SIG_REDIRECT, /* fleet: the room's home is another node (answer carries url) */
	CP_SIG__COUNT
};

/* "UNAUTHENTICATED", ...; "OK" for CP_SIG_OK. */
const char *cp_sig_code_name(enum cp_sig_code c);

#define CP_VALID_ID_MAX 64       /* longest transportId/producerId/... accepted */
#define CP_VALID_CHANNEL_MAX 128 /* longest channelId (= longest token room) */
#define CP_VALID_FP_MAX 16       /* fingerprints looked at in dtlsParameters */

/* A required string member: 1..max bytes, no NUL inside. */
enum cp_sig_code cp_valid_string(const json_t *payload, const char *key, size_t max,
				 const char **out, char *err, size_t errlen);
/* payload must be a JSON object (the usual first check). */
enum cp_sig_code cp_valid_object(const json_t *payload, char *err, size_t errlen);

/* v serialized as compact JSON is at most max bytes; the message names
 * `what` (e.g. "appData"). Works on any JSON value; jansson's parser has
 * already bounded its depth; counting needs no output buffer. */
enum cp_sig_code cp_valid_json_size(const json_t *v, size_t max, const char *what, char *err,
				    size_t errlen);

/* {direction: "send" | "recv"} -> *is_send. */
enum cp_sig_code cp_valid_direction(const json_t *payload, int *is_send, char *err, size_t errlen);
/* "audio" -> 1 (SL_KIND_AUDIO), "video" -> 2 (SL_KIND_VIDEO). */
enum cp_sig_code cp_valid_kind(const json_t *payload, int *kind, char *err, size_t errlen);

/* The remote side of connect-transport, chosen from mediasoup's
 * DtlsParameters: role "auto" (also when absent or null), "client" or
 * "server"; the fingerprint of the strongest algorithm we support
 * (sha-512 > sha-384 > sha-256 > sha-224 > sha-1; others are skipped), whose
 * value must be hex byte pairs (':'-separated or not) of the algorithm's
 * length. */
struct cp_dtls_remote {
	const char *role;      /* "auto", "client" or "server" */
	const char *algorithm; /* borrowed */
	const char *value;     /* borrowed */
};
enum cp_sig_code cp_valid_dtls_parameters(const json_t *dtls_parameters,
					  struct cp_dtls_remote *out, char *err, size_t errlen);

/* Digest length in bytes of a fingerprint algorithm name (case-insensitive),
 * 0 when unknown. */
size_t cp_valid_fp_len(const char *algorithm);
/* 1 when value is exactly len hex byte pairs, all ':'-separated or none. */
int cp_valid_fp_value(const char *value, size_t len);

#endif
