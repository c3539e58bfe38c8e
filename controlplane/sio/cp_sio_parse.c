/* SPDX-License-Identifier: MIT */
/*
 * Engine.IO / Socket.IO packet parser and encoders. See cp_sio_parse.h for
 * the wire forms and the contracts; everything above cp_sio_decode() is pure.
 */
#include "cp_sio_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* jansson flags used for every decode and encode in this file */
#define SIO_LOAD_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
#define SIO_DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

static const char *const sio_reserved_events[] = {
	"connect", "connect_error", "disconnect", "disconnecting",
	"newListener", "removeListener",
};

const char *cp_sio_status_str(enum cp_sio_status st)
{
	switch (st) {
	case CP_SIO_OK:         return "ok";
	case CP_SIO_ESHORT:     return "short";
	case CP_SIO_ETYPE:      return "bad type";
	case CP_SIO_ENAMESPACE: return "bad namespace";
	case CP_SIO_EACKID:     return "bad ack id";
	case CP_SIO_EJSON:      return "bad json";
	case CP_SIO_EDEPTH:     return "json too deep";
	case CP_SIO_EPAYLOAD:   return "bad payload";
	case CP_SIO_EBINARY:    return "binary unsupported";
	}
	return "unknown";
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* namespace byte: printable ASCII, no space, no ',' (the terminator) */
static int nsp_byte_ok(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e && c != ',';
}

static int sid_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* ---------------------------------------------------------------- parse */

enum cp_sio_status cp_eio_parse(const uint8_t *pos, const uint8_t *end,
				int binary, struct cp_eio_packet *out)
{
	if (binary)
		return CP_SIO_EBINARY;
	if (!pos || pos >= end)
		return CP_SIO_ESHORT;
	if (*pos < '0' || *pos > '6')
		return CP_SIO_ETYPE;
	out->type = (enum cp_eio_type)(*pos - '0');
	out->data = pos + 1;
	out->data_len = (size_t)(end - pos - 1);
	return CP_SIO_OK;
}

/* "<n>-" of a binary packet; returns the cursor after '-' or NULL */
static const uint8_t *parse_attachments(const uint8_t *p, const uint8_t *end,
					uint32_t *out)
{
	uint64_t n = 0;
	const uint8_t *start = p;

	while (p < end && is_digit(*p)) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return NULL;
		p++;
	}
	if (p == start || p >= end || *p != '-' || n == 0)
		return NULL;
	*out = (uint32_t)n;
	return p + 1;
}

/* "/nsp," (comma optional at the end of input); returns the cursor or NULL */
static const uint8_t *parse_nsp(const uint8_t *p, const uint8_t *end,
				struct cp_sio_packet *out)
{
	const uint8_t *start = p;

	while (p < end && *p != ',') {
		if (!nsp_byte_ok(*p))
			return NULL;
		p++;
		if ((size_t)(p - start) > CP_SIO_NSP_MAX)
			return NULL;
	}
	out->nsp = (const char *)start;
	out->nsp_len = (size_t)(p - start);
	return p < end ? p + 1 : p;
}

/* decimal ack id; returns the cursor or NULL on int64 overflow */
static const uint8_t *parse_ack_id(const uint8_t *p, const uint8_t *end,
				   int64_t *out)
{
	int64_t v = 0;

	while (p < end && is_digit(*p)) {
		int64_t d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	*out = v;
	return p;
}

static int type_is_binary(enum cp_sio_type t)
{
	return t == CP_SIO_BINARY_EVENT || t == CP_SIO_BINARY_ACK;
}

enum cp_sio_status cp_sio_parse(const uint8_t *pos, const uint8_t *end,
				struct cp_sio_packet *out)
{
	const uint8_t *p = pos;
	int binary;

	out->type = CP_SIO_CONNECT;
	out->nsp = "/";
	out->nsp_len = 1;
	out->ack_id = -1;
	out->attachments = 0;
	out->json = NULL;
	out->json_len = 0;

	if (!pos || pos >= end)
		return CP_SIO_ESHORT;
	if (*p < '0' || *p > '6')
		return CP_SIO_ETYPE;
	out->type = (enum cp_sio_type)(*p++ - '0');
	binary = type_is_binary(out->type);

	if (binary) {
		p = parse_attachments(p, end, &out->attachments);
		if (!p)
			return CP_SIO_EBINARY; /* header not parsed */
	}
	if (p < end && *p == '/') {
		p = parse_nsp(p, end, out);
		if (!p)
			return CP_SIO_ENAMESPACE;
	}
	if (p < end && is_digit(*p)) {
		p = parse_ack_id(p, end, &out->ack_id);
		if (!p)
			return CP_SIO_EACKID;
	}
	out->json = p;
	out->json_len = (size_t)(end - p);

	switch (out->type) {
	case CP_SIO_EVENT:
	case CP_SIO_BINARY_EVENT:
		break;
	case CP_SIO_ACK:
	case CP_SIO_BINARY_ACK:
		if (out->ack_id < 0)
			return CP_SIO_EACKID;
		break;
	default:
		if (out->ack_id >= 0)
			return CP_SIO_EACKID;
		break;
	}
	if (binary)
		return CP_SIO_EBINARY;
	if ((out->type == CP_SIO_EVENT || out->type == CP_SIO_ACK) &&
	    out->json_len == 0)
		return CP_SIO_EPAYLOAD;
	if (out->type == CP_SIO_DISCONNECT && out->json_len != 0)
		return CP_SIO_EPAYLOAD;
	return CP_SIO_OK;
}

int cp_sio_nsp_is_root(const struct cp_sio_packet *p)
{
	return p->nsp_len == 1 && p->nsp[0] == '/';
}

int cp_json_depth_ok(const uint8_t *pos, const uint8_t *end,
		     unsigned max_depth)
{
	unsigned depth = 0;
	int in_str = 0;

	for (; pos && pos < end; pos++) {
		uint8_t c = *pos;

		if (in_str) {
			if (c == '\\') {
				if (pos + 1 < end)
					pos++;
			} else if (c == '"') {
				in_str = 0;
			}
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return -1;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

static int event_name_reserved(const char *name)
{
	for (size_t i = 0; i < sizeof(sio_reserved_events) /
			       sizeof(sio_reserved_events[0]); i++)
		if (strcmp(name, sio_reserved_events[i]) == 0)
			return 1;
	return 0;
}

const char *cp_sio_event_name(const json_t *event_array)
{
	if (!json_is_array(event_array))
		return NULL;
	return json_string_value(json_array_get(event_array, 0));
}

static int shape_ok(enum cp_sio_type type, const json_t *v)
{
	const char *name;

	switch (type) {
	case CP_SIO_CONNECT:
		return json_is_object(v);
	case CP_SIO_CONNECT_ERROR:
		return json_is_object(v) || json_is_string(v);
	case CP_SIO_EVENT:
		name = cp_sio_event_name(v);
		return name && !event_name_reserved(name);
	case CP_SIO_ACK:
		return json_is_array(v);
	default:
		return 0;
	}
}

enum cp_sio_status cp_sio_decode(const struct cp_sio_packet *p,
				 unsigned max_depth, json_t **out)
{
	json_error_t err;
	json_t *v;

	*out = NULL;
	if (type_is_binary(p->type))
		return CP_SIO_EBINARY;
	if (p->json_len == 0)
		return (p->type == CP_SIO_EVENT || p->type == CP_SIO_ACK) ?
			CP_SIO_EPAYLOAD : CP_SIO_OK;
	if (p->type == CP_SIO_DISCONNECT)
		return CP_SIO_EPAYLOAD;
	if (cp_json_depth_ok(p->json, p->json + p->json_len, max_depth) != 0)
		return CP_SIO_EDEPTH;
	v = json_loadb((const char *)p->json, p->json_len, SIO_LOAD_FLAGS,
		       &err);
	if (!v)
		return CP_SIO_EJSON;
	if (!shape_ok(p->type, v)) {
		json_decref(v);
		return CP_SIO_EPAYLOAD;
	}
	*out = v;
	return CP_SIO_OK;
}

void cp_sio_make_sid(const uint8_t rnd[CP_SIO_SID_LEN],
		     char out[CP_SIO_SID_LEN + 1])
{
	static const char alphabet[64] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_";

	for (size_t i = 0; i < CP_SIO_SID_LEN; i++)
		out[i] = alphabet[rnd[i] & 63];
	out[CP_SIO_SID_LEN] = '\0';
}

/* ---------------------------------------------------------------- encode */

/* Bounded writer: counts every byte, stores the ones that fit. */
struct sio_wr {
	char *buf;
	size_t cap;
	size_t len;
	int err;
};

static void wr_put(struct sio_wr *w, const void *p, size_t n)
{
	if (n > SIZE_MAX / 2 - w->len) {
		w->err = 1;
		return;
	}
	if (w->len < w->cap) {
		size_t room = w->cap - w->len;
		memcpy(w->buf + w->len, p, n < room ? n : room);
	}
	w->len += n;
}

static void wr_str(struct sio_wr *w, const char *s)
{
	wr_put(w, s, strlen(s));
}

static void wr_json(struct sio_wr *w, const json_t *v)
{
	size_t room = w->len < w->cap ? w->cap - w->len : 0;
	size_t n = json_dumpb(v, room ? w->buf + w->len : NULL, room,
			      SIO_DUMP_FLAGS);

	if (n == 0) {
		w->err = 1;
		return;
	}
	if (n > SIZE_MAX / 2 - w->len) {
		w->err = 1;
		return;
	}
	w->len += n;
}

/* Length of a valid UTF-8 sequence starting at s (strict: no overlongs, no
 * surrogates, <= U+10FFFF), or 0. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] > 0x9f)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] > 0x8f)
			return 0;
		return 4;
	}
	return 0;
}

/* JSON string literal of a NUL-terminated UTF-8 string; err on bad UTF-8.
 * (A NUL terminator stops every continuation check above, so utf8_seq_len
 * never reads past the string's end.) */
static void wr_json_string(struct sio_wr *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	wr_put(w, "\"", 1);
	while (*s) {
		size_t n = utf8_seq_len(s);
		char esc[8];

		if (n == 0) {
			w->err = 1;
			return;
		}
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s;
			wr_put(w, esc, 2);
		} else if (*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			wr_put(w, esc, 6);
		} else {
			wr_put(w, s, n);
		}
		s += n;
	}
	wr_put(w, "\"", 1);
}

static int sid_ok(const char *sid)
{
	size_t n = 0;

	if (!sid)
		return 0;
	for (; sid[n]; n++)
		if (n >= 64 || !sid_char_ok(sid[n]))
			return 0;
	return n > 0;
}

/* nsp NULL means root; a given nsp must look like the parser's */
static int nsp_ok(const char *nsp, size_t len)
{
	if (!nsp)
		return 1;
	if (len < 1 || len > CP_SIO_NSP_MAX || nsp[0] != '/')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!nsp_byte_ok((uint8_t)nsp[i]))
			return 0;
	return 1;
}

static ssize_t wr_done(const struct sio_wr *w)
{
	if (w->err || w->len > (size_t)SSIZE_MAX)
		return -EINVAL;
	return (ssize_t)w->len;
}

/* "4" <type> [nsp ","] [ack] */
static int wr_sio_head(struct sio_wr *w, enum cp_sio_type type,
		       const char *nsp, size_t nsp_len, int64_t ack_id)
{
	char tmp[24];

	if (!nsp_ok(nsp, nsp_len))
		return -1;
	tmp[0] = '4';
	tmp[1] = (char)('0' + type);
	wr_put(w, tmp, 2);
	if (nsp && !(nsp_len == 1 && nsp[0] == '/')) {
		wr_put(w, nsp, nsp_len);
		wr_put(w, ",", 1);
	}
	if (ack_id >= 0) {
		int n = snprintf(tmp, sizeof(tmp), "%" PRId64, ack_id);
		wr_put(w, tmp, (size_t)n);
	}
	return 0;
}

ssize_t cp_eio_encode_open(char *buf, size_t cap, const char *sid,
			   uint32_t ping_interval_ms, uint32_t ping_timeout_ms,
			   uint32_t max_payload)
{
	struct sio_wr w = { buf, cap, 0, 0 };
	char tmp[160];
	int n;

	if (!sid_ok(sid))
		return -EINVAL;
	wr_str(&w, "0{\"sid\":\"");
	wr_str(&w, sid);
	n = snprintf(tmp, sizeof(tmp),
		     "\",\"upgrades\":[],\"pingInterval\":%" PRIu32
		     ",\"pingTimeout\":%" PRIu32 ",\"maxPayload\":%" PRIu32 "}",
		     ping_interval_ms, ping_timeout_ms, max_payload);
	wr_put(&w, tmp, (size_t)n);
	return wr_done(&w);
}

ssize_t cp_eio_encode(char *buf, size_t cap, enum cp_eio_type type,
		      const uint8_t *data, size_t len)
{
	struct sio_wr w = { buf, cap, 0, 0 };
	char t = (char)('0' + type);

	if ((unsigned)type > CP_EIO_NOOP || (len && !data))
		return -EINVAL;
	wr_put(&w, &t, 1);
	if (len)
		wr_put(&w, data, len);
	return wr_done(&w);
}

ssize_t cp_sio_encode(char *buf, size_t cap, enum cp_sio_type type,
		      const char *nsp, size_t nsp_len, int64_t ack_id,
		      const json_t *data)
{
	struct sio_wr w = { buf, cap, 0, 0 };

	if ((unsigned)type > CP_SIO_BINARY_ACK || type_is_binary(type))
		return -EINVAL;
	if (wr_sio_head(&w, type, nsp, nsp_len, ack_id) != 0)
		return -EINVAL;
	if (data)
		wr_json(&w, data);
	return wr_done(&w);
}

ssize_t cp_sio_encode_connect_ok(char *buf, size_t cap, const char *nsp,
				 size_t nsp_len, const char *sid)
{
	struct sio_wr w = { buf, cap, 0, 0 };

	if (!sid_ok(sid) ||
	    wr_sio_head(&w, CP_SIO_CONNECT, nsp, nsp_len, -1) != 0)
		return -EINVAL;
	wr_str(&w, "{\"sid\":\"");
	wr_str(&w, sid);
	wr_str(&w, "\"}");
	return wr_done(&w);
}

ssize_t cp_sio_encode_connect_error(char *buf, size_t cap, const char *nsp,
				    size_t nsp_len, const char *message)
{
	struct sio_wr w = { buf, cap, 0, 0 };

	if (!message ||
	    wr_sio_head(&w, CP_SIO_CONNECT_ERROR, nsp, nsp_len, -1) != 0)
		return -EINVAL;
	wr_str(&w, "{\"message\":");
	wr_json_string(&w, message);
	wr_str(&w, "}");
	return wr_done(&w);
}

ssize_t cp_sio_encode_event(char *buf, size_t cap, const char *nsp,
			    size_t nsp_len, const char *name,
			    const json_t *data)
{
	struct sio_wr w = { buf, cap, 0, 0 };

	if (!name || event_name_reserved(name) ||
	    wr_sio_head(&w, CP_SIO_EVENT, nsp, nsp_len, -1) != 0)
		return -EINVAL;
	wr_put(&w, "[", 1);
	wr_json_string(&w, name);
	if (data) {
		wr_put(&w, ",", 1);
		wr_json(&w, data);
	}
	wr_put(&w, "]", 1);
	return wr_done(&w);
}

ssize_t cp_sio_encode_ack(char *buf, size_t cap, const char *nsp,
			  size_t nsp_len, int64_t ack_id, const json_t *data)
{
	struct sio_wr w = { buf, cap, 0, 0 };

	if (ack_id < 0 ||
	    wr_sio_head(&w, CP_SIO_ACK, nsp, nsp_len, ack_id) != 0)
		return -EINVAL;
	wr_put(&w, "[", 1);
	if (data)
		wr_json(&w, data);
	wr_put(&w, "]", 1);
	return wr_done(&w);
}
