/* SPDX-License-Identifier: MIT */
/* pg_keys - the loadgen's key dump: see pg_keys.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_srtp.h"
#include "pg_keys.h"

/* Where in the document a check is: "transports[3].srtp", for messages. */
struct ctx {
	char *err;
	size_t errlen;
	char where[96];
};

static int fail(struct ctx *c, const char *field, const char *fmt, ...)
{
	char msg[PG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s%s%s: %s", c->where,
			 c->where[0] && field[0] ? "." : "", field, msg);
	return -1;
}

enum sl_srtp_profile pg_profile_by_name(const char *name)
{
	static const struct {
		const char *name;
		enum sl_srtp_profile p;
	} tab[] = {
		{"AES128_CM_SHA1_80", SL_SRTP_AES128_CM_SHA1_80},
		{"AES128_CM_SHA1_32", SL_SRTP_AES128_CM_SHA1_32},
		{"AEAD_AES_128_GCM", SL_SRTP_AEAD_AES_128_GCM},
		{"AEAD_AES_256_GCM", SL_SRTP_AEAD_AES_256_GCM},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(name, tab[i].name) == 0)
			return tab[i].p;
	return SL_SRTP_NONE;
}

/* ---- typed members ---- */

static json_t *member(struct ctx *c, json_t *obj, const char *field, int required)
{
	json_t *v = json_object_get(obj, field);
	if (!v && required)
		fail(c, field, "missing");
	return v;
}

/* A string member copied into out (cap bytes incl. NUL), min..cap-1 chars. */
static int get_str(struct ctx *c, json_t *obj, const char *field, char *out, size_t cap,
		   size_t min)
{
	json_t *v = member(c, obj, field, 1);
	if (!v)
		return -1;
	if (!json_is_string(v))
		return fail(c, field, "a string expected");
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n < min || n >= cap)
		return fail(c, field, "%zu characters, %zu..%zu allowed", n, min, cap - 1);
	if (memchr(s, '\0', n))
		return fail(c, field, "contains a NUL character");
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* An integer member in lo..hi; absent: *out = dflt unless required. */
static int get_int(struct ctx *c, json_t *obj, const char *field, long long lo, long long hi,
		   int required, long long dflt, long long *out)
{
	json_t *v = member(c, obj, field, required);
	if (!v) {
		*out = dflt;
		return required ? -1 : 0;
	}
	if (!json_is_integer(v))
		return fail(c, field, "an integer expected");
	long long x = json_integer_value(v);
	if (x < lo || x > hi)
		return fail(c, field, "%lld out of range %lld..%lld", x, lo, hi);
	*out = x;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A hex string of exactly n bytes into out. */
static int get_hex(struct ctx *c, json_t *obj, const char *field, uint8_t *out, size_t n,
		   const char *profile)
{
	json_t *v = member(c, obj, field, 1);
	if (!v)
		return -1;
	if (!json_is_string(v))
		return fail(c, field, "a hex string expected");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len != 2 * n)
		return fail(c, field, "%zu hex digits expected for %s, got %zu", 2 * n, profile,
			    len);
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(c, field, "not a hex digit at position %zu",
				    hi < 0 ? 2 * i : 2 * i + 1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* { "ip": "a.b.c.d", "port": n } */
static int get_addr(struct ctx *c, json_t *obj, const char *field, uint32_t *ip,
		    uint16_t *port)
{
	json_t *a = member(c, obj, field, 1);
	char s[64];
	long long p;
	if (!a)
		return -1;
	if (!json_is_object(a))
		return fail(c, field, "an object {ip, port} expected");
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof(c->where) - wl, "%s%s", wl ? "." : "", field);
	int rc = get_str(c, a, "ip", s, sizeof(s), 1);
	if (rc == 0 && inet_pton(AF_INET, s, ip) != 1)
		rc = fail(c, "ip", "\"%s\" is not an IPv4 address (the generator writes IPv4 only)",
			  s);
	if (rc == 0)
		rc = get_int(c, a, "port", 1, 65535, 1, 0, &p);
	if (rc == 0)
		*port = (uint16_t)p;
	c->where[wl] = '\0';
	return rc;
}

/* ---- objects ---- */

static int parse_ext(struct ctx *c, json_t *s, struct pg_stream *st)
{
	json_t *e = json_object_get(s, "ext");
	long long v;
	if (!e)
		return 0;
	if (!json_is_object(e))
		return fail(c, "ext", "an object expected");
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof(c->where) - wl, ".ext");
	int rc = 0;
	/* one-byte elements (RFC 8285): ids 1..14 */
	if (rc == 0 && (rc = get_int(c, e, "mid", 0, 14, 0, 0, &v)) == 0)
		st->ext_mid = (uint8_t)v;
	if (rc == 0 && (rc = get_int(c, e, "audio_level", 0, 14, 0, 0, &v)) == 0)
		st->ext_audio_level = (uint8_t)v;
	if (rc == 0 && (rc = get_int(c, e, "abs_send_time", 0, 14, 0, 0, &v)) == 0)
		st->ext_abs_send_time = (uint8_t)v;
	if (rc == 0 && (rc = get_int(c, e, "twcc", 0, 14, 0, 0, &v)) == 0)
		st->ext_twcc = (uint8_t)v;
	c->where[wl] = '\0';
	if (rc)
		return rc;
	uint8_t ids[4] = {st->ext_mid, st->ext_audio_level, st->ext_abs_send_time, st->ext_twcc};
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (ids[i] && ids[i] == ids[j])
				return fail(c, "ext", "id %u used twice", ids[i]);
	return 0;
}

static int parse_stream(struct ctx *c, json_t *s, struct pg_stream *st)
{
	char kind[16];
	long long v;
	if (!json_is_object(s))
		return fail(c, "", "an object expected");
	if (get_str(c, s, "kind", kind, sizeof(kind), 1))
		return -1;
	if (strcmp(kind, "audio") == 0)
		st->kind = PG_AUDIO;
	else if (strcmp(kind, "video") == 0)
		st->kind = PG_VIDEO;
	else
		return fail(c, "kind", "\"%s\": \"audio\" or \"video\" expected", kind);
	if (get_int(c, s, "ssrc", 1, 0xffffffffll, 1, 0, &v))
		return -1;
	st->ssrc = (uint32_t)v;
	if (get_int(c, s, "pt", 0, 127, 1, 0, &v))
		return -1;
	st->pt = (uint8_t)v;
	if (get_int(c, s, "clock", 1, 1000000, 1, 0, &v))
		return -1;
	st->clock = (uint32_t)v;
	if (get_int(c, s, "rtx_ssrc", 0, 0xffffffffll, 0, 0, &v))
		return -1;
	st->rtx_ssrc = (uint32_t)v;
	if (get_int(c, s, "rtx_pt", 0, 127, 0, 0, &v))
		return -1;
	st->rtx_pt = (uint8_t)v;
	if (json_object_get(s, "mid")) {
		if (get_str(c, s, "mid", st->mid, sizeof(st->mid), 1))
			return -1;
		st->mid_len = (uint8_t)strlen(st->mid);
	}
	return parse_ext(c, s, st);
}

static int parse_streams(struct ctx *c, json_t *tj, struct pg_transport *t)
{
	json_t *a = json_object_get(tj, "streams");
	if (!a)
		return 0;
	if (!json_is_array(a))
		return fail(c, "streams", "an array expected");
	if (json_array_size(a) > PG_MAX_STREAMS)
		return fail(c, "streams", "%zu streams, at most %u", json_array_size(a),
			    PG_MAX_STREAMS);
	size_t wl = strlen(c->where);
	for (size_t i = 0; i < json_array_size(a); i++) {
		snprintf(c->where + wl, sizeof(c->where) - wl, ".streams[%zu]", i);
		if (parse_stream(c, json_array_get(a, i), &t->streams[i]))
			return -1;
		for (size_t j = 0; j < i; j++) {
			const struct pg_stream *o = &t->streams[j], *n = &t->streams[i];
			if (o->ssrc == n->ssrc || (n->rtx_ssrc && o->rtx_ssrc == n->rtx_ssrc) ||
			    o->ssrc == n->rtx_ssrc || (o->rtx_ssrc && o->rtx_ssrc == n->ssrc))
				return fail(c, "ssrc", "SSRC used by streams[%zu] too", j);
		}
		t->n_streams++;
	}
	c->where[wl] = '\0';
	return 0;
}

static int parse_srtp(struct ctx *c, json_t *tj, struct pg_transport *t)
{
	json_t *s = member(c, tj, "srtp", 1);
	char name[32];
	if (!s)
		return -1;
	if (!json_is_object(s))
		return fail(c, "srtp", "an object expected");
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof(c->where) - wl, ".srtp");
	int rc = get_str(c, s, "profile", name, sizeof(name), 1);
	if (rc == 0) {
		t->profile = pg_profile_by_name(name);
		if (t->profile == SL_SRTP_NONE ||
		    dp_srtp_key_lengths(t->profile, &t->key_len, &t->salt_len) != 0)
			rc = fail(c, "profile", "\"%s\" is not a supported SRTP profile", name);
	}
	size_t n = (size_t)t->key_len + t->salt_len;
	if (rc == 0)
		rc = get_hex(c, s, "tx", t->tx, n, name);
	if (rc == 0)
		rc = get_hex(c, s, "rx", t->rx, n, name);
	c->where[wl] = '\0';
	return rc;
}

static int parse_ice(struct ctx *c, json_t *tj, struct pg_transport *t)
{
	json_t *ice = member(c, tj, "ice", 1);
	if (!ice)
		return -1;
	if (!json_is_object(ice))
		return fail(c, "ice", "an object expected");
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof(c->where) - wl, ".ice");
	/* RFC 8839 5.4: ufrag 4..256, pwd 22..256 characters; ':' would break USERNAME */
	int rc = get_str(c, ice, "local_ufrag", t->local_ufrag, PG_UFRAG_MAX, 1);
	if (rc == 0)
		rc = get_str(c, ice, "local_pwd", t->local_pwd, PG_PWD_MAX, 0);
	if (rc == 0)
		rc = get_str(c, ice, "remote_ufrag", t->remote_ufrag, PG_UFRAG_MAX, 1);
	if (rc == 0)
		rc = get_str(c, ice, "remote_pwd", t->remote_pwd, PG_PWD_MAX, 1);
	if (rc == 0 && (strchr(t->local_ufrag, ':') || strchr(t->remote_ufrag, ':')))
		rc = fail(c, strchr(t->local_ufrag, ':') ? "local_ufrag" : "remote_ufrag",
			  "contains ':'");
	if (rc == 0 && strlen(t->local_ufrag) + strlen(t->remote_ufrag) + 1 > 512)
		rc = fail(c, "remote_ufrag", "USERNAME would be longer than 512 bytes");
	c->where[wl] = '\0';
	return rc;
}

static int parse_transport(struct ctx *c, json_t *tj, struct pg_transport *t)
{
	char dir[16];
	if (!json_is_object(tj))
		return fail(c, "", "an object expected");
	json_t *peer = json_object_get(tj, "peer");
	if (peer && json_is_string(peer))
		snprintf(t->peer, sizeof(t->peer), "%s", json_string_value(peer));
	if (get_str(c, tj, "direction", dir, sizeof(dir), 1))
		return -1;
	if (strcmp(dir, "send") != 0 && strcmp(dir, "recv") != 0)
		return fail(c, "direction", "\"%s\": \"send\" or \"recv\" expected", dir);
	t->send = dir[0] == 's';
	if (get_addr(c, tj, "local", &t->local_ip, &t->local_port) ||
	    get_addr(c, tj, "remote", &t->remote_ip, &t->remote_port) || parse_ice(c, tj, t) ||
	    parse_srtp(c, tj, t))
		return -1;
	return t->send ? parse_streams(c, tj, t) : 0;
}

static int parse_root(struct ctx *c, json_t *root, struct pg_dump *d)
{
	long long ver;
	if (!json_is_object(root))
		return fail(c, "(top)", "an object expected");
	if (get_int(c, root, "version", 0, 1LL << 31, 1, 0, &ver))
		return -1;
	if (ver != PG_DUMP_VERSION)
		return fail(c, "version", "%lld is not supported (this generator reads %d)", ver,
			    PG_DUMP_VERSION);
	json_t *a = member(c, root, "transports", 1);
	if (!a)
		return -1;
	if (!json_is_array(a))
		return fail(c, "transports", "an array expected");
	size_t n = json_array_size(a);
	if (n == 0)
		return fail(c, "transports", "empty");
	if (n > PG_MAX_TRANSPORTS)
		return fail(c, "transports", "%zu transports, at most %u", n, PG_MAX_TRANSPORTS);
	d->t = calloc(n, sizeof(*d->t));
	if (!d->t)
		return fail(c, "transports", "out of memory");
	d->alloc = (unsigned int)n;
	for (size_t i = 0; i < n; i++) {
		snprintf(c->where, sizeof(c->where), "transports[%zu]", i);
		if (parse_transport(c, json_array_get(a, i), &d->t[i]))
			return -1;
		d->n++;
	}
	c->where[0] = '\0';
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (d->t[i].send && d->t[j].send && d->t[i].local_ip == d->t[j].local_ip &&
			    d->t[i].local_port == d->t[j].local_port) {
				snprintf(c->where, sizeof(c->where), "transports[%zu]", i);
				return fail(c, "local", "same address as transports[%zu]", j);
			}
	return 0;
}

int pg_keys_parse(const char *buf, size_t len, struct pg_dump *d, char *err, size_t errlen)
{
	struct ctx c = {.err = err, .errlen = errlen};
	json_error_t je;
	memset(d, 0, sizeof(*d));
	if (err && errlen)
		err[0] = '\0';
	if (len > PG_DUMP_MAX)
		return fail(&c, "(input)", "%zu bytes, at most %u", len, PG_DUMP_MAX);
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (err && errlen)
			snprintf(err, errlen, "not valid JSON: line %d column %d: %s", je.line,
				 je.column, je.text);
		return -1;
	}
	int rc = parse_root(&c, root, d);
	json_decref(root);
	if (rc)
		pg_keys_free(d);
	return rc;
}

int pg_keys_load(const char *path, struct pg_dump *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(PG_DUMP_MAX + 1);
	size_t n = buf ? fread(buf, 1, PG_DUMP_MAX + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n > PG_DUMP_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 !buf ? "out of memory" : bad ? "read error" : "larger than 16 MiB");
		free(buf);
		return -1;
	}
	char msg[PG_ERR_MAX];
	int rc = pg_keys_parse(buf, n, d, msg, sizeof(msg));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
	return rc;
}

void pg_keys_free(struct pg_dump *d)
{
	if (d->t) {
		/* the dump holds SRTP master keys: do not leave them in freed memory */
		volatile uint8_t *p = (volatile uint8_t *)d->t;
		for (size_t i = 0; i < (size_t)d->alloc * sizeof(*d->t); i++)
			p[i] = 0;
	}
	free(d->t);
	d->t = NULL;
	d->n = 0;
	d->alloc = 0;
}
