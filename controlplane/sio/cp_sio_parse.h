/* SPDX-License-Identifier: MIT */
/*
 * Engine.IO 4 / Socket.IO 5 (socket.io v4) packet parser and encoders.
 *
 * Wire forms handled here (WebSocket transport only, one packet per frame):
 *
 *   Engine.IO text frame   <type digit '0'..'6'><data>
 *                            0 open, 1 close, 2 ping, 3 pong, 4 message,
 *                            5 upgrade, 6 noop. Binary frames are refused.
 *   Socket.IO (inside '4') <type digit '0'..'6'>[<n>-][/nsp,][<ack id>][<json>]
 *                            0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK,
 *                            4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK.
 *
 * Two stages:
 *   cp_eio_parse() and cp_sio_parse() are pure: no allocation, no globals, no
 *   logging, never read past `end`. The results point into the input.
 *   cp_sio_decode() turns the JSON text of a parsed packet into a jansson
 *   value (this allocates) after a pure nesting-depth pre-scan, then checks
 *   the shape the packet type requires.
 *
 * JSON decoding choices (documented contract):
 *   - json_loadb(..., JSON_REJECT_DUPLICATES | JSON_DECODE_ANY): an object with
 *     a repeated key is refused. JSON.stringify never emits one, so real
 *     clients are unaffected, and it removes any ambiguity about which value
 *     of {"token":"a","token":"b"} is meant.
 *   - "\u0000" inside strings is refused (jansson default), so every decoded
 *     string is a valid NUL-free C string; invalid UTF-8 is refused.
 *   - Nesting deeper than the caller's max_depth is refused before jansson
 *     sees the text (CP_SIO_EDEPTH); integers that do not fit json_int_t are
 *     refused by jansson (CP_SIO_EJSON).
 *   - Trailing bytes after the JSON value are refused.
 *
 * Encoders produce whole Engine.IO text frames ("4" prefix included for
 * Socket.IO packets) and follow one contract, like snprintf without the
 * terminator: they write at most `cap` bytes to `buf` (which may be NULL
 * when cap is 0), write no NUL, and return the full length the packet needs;
 * a return greater than `cap` means the output was truncated and the call
 * must be repeated with a buffer of at least that size. A negative return is
 * -EINVAL for invalid arguments.
 */
#ifndef SLUICE_CP_SIO_PARSE_H
#define SLUICE_CP_SIO_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* Longest namespace accepted, '/' included. */
#define CP_SIO_NSP_MAX 128
/* Default JSON nesting limit for cp_sio_decode(). */
#define CP_SIO_DEFAULT_MAX_DEPTH 32
/* Length of a session id made by cp_sio_make_sid() (no NUL). */
#define CP_SIO_SID_LEN 20

enum cp_eio_type {
	CP_EIO_OPEN = 0,
	CP_EIO_CLOSE = 1,
	CP_EIO_PING = 2,
	CP_EIO_PONG = 3,
	CP_EIO_MESSAGE = 4,
	CP_EIO_UPGRADE = 5,
	CP_EIO_NOOP = 6,
};

enum cp_sio_type {
	CP_SIO_CONNECT = 0,
	CP_SIO_DISCONNECT = 1,
	CP_SIO_EVENT = 2,
	CP_SIO_ACK = 3,
	CP_SIO_CONNECT_ERROR = 4,
	CP_SIO_BINARY_EVENT = 5,
	CP_SIO_BINARY_ACK = 6,
};

/* One status enum for both layers; every error is distinct. */
enum cp_sio_status {
	CP_SIO_OK = 0,
	CP_SIO_ESHORT,     /* input ends before a required part (empty frame,
			      "4" without a Socket.IO type) */
	CP_SIO_ETYPE,      /* type character is not '0'..'6' */
	CP_SIO_ENAMESPACE, /* namespace longer than CP_SIO_NSP_MAX or with a
			      byte outside 0x21..0x7e */
	CP_SIO_EACKID,     /* ack id overflows int64, or is present on a type
			      that cannot carry one, or missing on ACK */
	CP_SIO_EJSON,      /* payload is not valid JSON (syntax, duplicate key,
			      NUL, bad UTF-8, integer overflow, trailing data) */
	CP_SIO_EDEPTH,     /* JSON nested deeper than the limit */
	CP_SIO_EPAYLOAD,   /* payload missing, present where forbidden, or of
			      the wrong shape for the packet type */
	CP_SIO_EBINARY,    /* binary frame, or BINARY_EVENT / BINARY_ACK:
			      unsupported (header fields are still filled) */
};

/* A parsed Engine.IO frame; `data` points into the input. */
struct cp_eio_packet {
	enum cp_eio_type type;
	const uint8_t *data; /* bytes after the type digit */
	size_t data_len;
};

/*
 * A parsed Socket.IO packet. Pointers refer to the input buffer (or to a
 * static "/" for the default namespace) and live as long as the input.
 */
struct cp_sio_packet {
	enum cp_sio_type type;
	const char *nsp;      /* namespace, not NUL-terminated */
	size_t nsp_len;       /* >= 1, nsp[0] == '/' */
	int64_t ack_id;       /* -1 when absent */
	uint32_t attachments; /* binary types only, else 0 */
	const uint8_t *json;  /* JSON text, json_len 0 when absent */
	size_t json_len;
};

/* Short constant name of a status, for logs. Never NULL. */
const char *cp_sio_status_str(enum cp_sio_status st);

/*
 * Parse one WebSocket message as an Engine.IO packet. `binary` is nonzero for
 * a binary WebSocket message, which is always refused (CP_SIO_EBINARY).
 * Returns CP_SIO_OK, CP_SIO_EBINARY, CP_SIO_ESHORT (empty) or CP_SIO_ETYPE.
 * `out` is written only on CP_SIO_OK.
 */
enum cp_sio_status cp_eio_parse(const uint8_t *pos, const uint8_t *end,
				int binary, struct cp_eio_packet *out);

/*
 * Parse the Socket.IO packet carried by an Engine.IO message (the bytes after
 * '4'). Structural checks only: the JSON text is located, not decoded, but
 * its presence is checked against the type (EVENT and ACK need one,
 * DISCONNECT must have none). For BINARY_EVENT / BINARY_ACK the header
 * (attachments, namespace, ack id) is parsed when well formed and
 * CP_SIO_EBINARY is returned with `out` filled, so that a server can answer
 * with an error. On any other error `out` is unspecified.
 */
enum cp_sio_status cp_sio_parse(const uint8_t *pos, const uint8_t *end,
				struct cp_sio_packet *out);

/* True when the packet's namespace is the default one, "/". */
int cp_sio_nsp_is_root(const struct cp_sio_packet *p);

/*
 * Pure pre-scan: 0 when the JSON text never nests arrays/objects deeper than
 * max_depth (strings and escapes are skipped correctly), -1 otherwise. It
 * does not validate the JSON.
 */
int cp_json_depth_ok(const uint8_t *pos, const uint8_t *end,
		     unsigned max_depth);

/*
 * Decode the JSON of a packet parsed by cp_sio_parse() and check its shape:
 *   CONNECT        object or absent       CONNECT_ERROR  object or string
 *   EVENT          array, [0] a string that is not a reserved name
 *                  ("connect", "connect_error", "disconnect", "disconnecting",
 *                  "newListener", "removeListener"); numeric names refused
 *   ACK            array                  DISCONNECT     absent
 *   binary types   CP_SIO_EBINARY
 * On CP_SIO_OK *out is a new reference the caller must json_decref(), or NULL
 * when the packet has no payload. On error *out is NULL.
 */
enum cp_sio_status cp_sio_decode(const struct cp_sio_packet *p,
				 unsigned max_depth, json_t **out);

/* Event name of a decoded EVENT array (borrowed), or NULL. */
const char *cp_sio_event_name(const json_t *event_array);

/*
 * Fill `out` with CP_SIO_SID_LEN characters of [A-Za-z0-9_-] from the given
 * random bytes (each byte's low 6 bits pick one character, so 64 equally
 * likely symbols). `rnd` must hold CP_SIO_SID_LEN bytes; `out` gets a NUL.
 */
void cp_sio_make_sid(const uint8_t rnd[CP_SIO_SID_LEN],
		     char out[CP_SIO_SID_LEN + 1]);

/* ---- encoders (see the contract at the top of this file) ---- */

/* 0{"sid":"…","upgrades":[],"pingInterval":…,"pingTimeout":…,"maxPayload":…}
 * `sid` must be 1..64 characters of [A-Za-z0-9_-]. */
ssize_t cp_eio_encode_open(char *buf, size_t cap, const char *sid,
			   uint32_t ping_interval_ms, uint32_t ping_timeout_ms,
			   uint32_t max_payload);

/* A bare Engine.IO packet: type digit followed by `len` bytes of data
 * (e.g. ping "2", pong "3probe"). `data` may be NULL when len is 0. */
ssize_t cp_eio_encode(char *buf, size_t cap, enum cp_eio_type type,
		      const uint8_t *data, size_t len);

/*
 * Generic Socket.IO packet: "4" <type> [nsp ","] [ack id] [json of data].
 * nsp may be NULL (meaning "/"); a non-root nsp must pass the same checks as
 * the parser's. ack_id < 0 means none. data may be NULL. Binary types are
 * refused (-EINVAL). The output of every valid call parses back (with
 * cp_eio_parse + cp_sio_parse + cp_sio_decode) to the same fields.
 */
ssize_t cp_sio_encode(char *buf, size_t cap, enum cp_sio_type type,
		      const char *nsp, size_t nsp_len, int64_t ack_id,
		      const json_t *data);

/* 40{"sid":"…"} (or 40/nsp,{"sid":"…"}). sid as for cp_eio_encode_open. */
ssize_t cp_sio_encode_connect_ok(char *buf, size_t cap, const char *nsp,
				 size_t nsp_len, const char *sid);

/* 44{"message":"…"} (or 44/nsp,{…}). message: NUL-terminated UTF-8. */
ssize_t cp_sio_encode_connect_error(char *buf, size_t cap, const char *nsp,
				    size_t nsp_len, const char *message);

/* 42["name",data] or 42["name"] when data is NULL. name: NUL-terminated
 * UTF-8, not a reserved event name. */
ssize_t cp_sio_encode_event(char *buf, size_t cap, const char *nsp,
			    size_t nsp_len, const char *name,
			    const json_t *data);

/* 43<id>[data] or 43<id>[] when data is NULL; ack_id >= 0. */
ssize_t cp_sio_encode_ack(char *buf, size_t cap, const char *nsp,
			  size_t nsp_len, int64_t ack_id, const json_t *data);

#endif /* SLUICE_CP_SIO_PARSE_H */
