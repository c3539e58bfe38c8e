/* SPDX-License-Identifier: MIT */
/* cp_log - see cp_log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp_log.h"

#define ESC_MSG_MAX (6 * CP_LOG_MSG_MAX + 1) /* every byte a \u00XX */
#define ESC_ID_MAX 512
#define COMPONENT_MAX 32
#define LINE_MAX_BYTES 16384 /* > ESC_MSG_MAX + 4 * ESC_ID_MAX + keys */

static enum cp_log_level level = CP_LOG_INFO;
static enum cp_log_format format = CP_LOG_TEXT;
static const char *const names[] = {"error", "warn", "info", "debug"};
static const char *const formats[] = {"text", "json"};

void cp_log_set_level(enum cp_log_level l)
{
	level = l;
}

int cp_log_parse_level(const char *s, enum cp_log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum cp_log_level)i;
			return 0;
		}
	return -1;
}

void cp_log_set_format(enum cp_log_format f)
{
	format = f;
}

int cp_log_parse_format(const char *s, enum cp_log_format *out)
{
	for (int i = 0; i < 2; i++)
		if (!strcmp(s, formats[i])) {
			*out = (enum cp_log_format)i;
			return 0;
		}
	return -1;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	else
		return 0; /* continuation byte, overlong lead (c0, c1) or > U+10FFFF */
	if (b == 0xe0)
		lo = 0xa0; /* overlong */
	else if (b == 0xed)
		hi = 0x9f; /* surrogates */
	else if (b == 0xf0)
		lo = 0x90; /* overlong */
	else if (b == 0xf4)
		hi = 0x8f; /* > U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0; /* also stops at the NUL of a cut sequence */
	return n;
}

size_t cp_log_json_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;
	while (*s) {
		char tmp[8];
		const char *out = tmp;
		size_t len = utf8_len(s), adv = len;
		if (len == 0) {
			out = "\xef\xbf\xbd"; /* U+FFFD */
			len = 3;
			adv = 1;
		} else if (*s == '"' || *s == '\\') {
			tmp[0] = '\\', tmp[1] = (char)*s, len = 2;
		} else if (*s < 0x20) {
			const char *e = *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : *s == '\t' ? "\\t" : NULL;
			if (e) {
				out = e;
				len = 2;
			} else {
				memcpy(tmp, "\\u00", 4);
				tmp[4] = hex[*s >> 4], tmp[5] = hex[*s & 15], len = 6;
			}
		} else {
			out = (const char *)s;
		}
		if (n + len >= cap)
			break;
		memcpy(dst + n, out, len);
		n += len;
		s += adv;
	}
	dst[n] = '\0';
	return n;
}

/* The leading "component: " of msg: its length, or 0 when there is none. */
static size_t component_len(const char *msg)
{
	size_t i = 0;
	while (i < COMPONENT_MAX &&
	       ((msg[i] >= 'a' && msg[i] <= 'z') || (msg[i] >= '0' && msg[i] <= '9') ||
		msg[i] == '_' || msg[i] == '-'))
		i++;
	return i > 0 && i < COMPONENT_MAX && msg[i] == ':' && msg[i + 1] == ' ' ? i : 0;
}

/* Appends ,"key":"<escaped v>" when v is set. */
static size_t put_id(char *dst, size_t cap, size_t n, const char *key, const char *v)
{
	char esc[ESC_ID_MAX];
	if (!v || n >= cap)
		return n;
	cp_log_json_escape(esc, sizeof(esc), v);
	int w = snprintf(dst + n, cap - n, ",\"%s\":\"%s\"", key, esc);
	return w < 0 ? n : n + (size_t)w;
}

size_t cp_log_format_line(char *dst, size_t cap, enum cp_log_format f, const char *ts,
			  enum cp_log_level l, const char *room, const char *peer,
			  const char *transport, const char *msg)
{
	int w;
	if (f == CP_LOG_TEXT) {
		w = snprintf(dst, cap, "%s %-5s %s", ts, names[l], msg);
		return w < 0 ? 0 : (size_t)w >= cap ? cap - 1 : (size_t)w;
	}
	char comp[COMPONENT_MAX] = "controlplane";
	size_t cl = component_len(msg);
	if (cl) {
		memcpy(comp, msg, cl);
		comp[cl] = '\0';
		msg += cl + 2;
	}
	static _Thread_local char esc[ESC_MSG_MAX]; /* off the stack */
	cp_log_json_escape(esc, sizeof(esc), msg);
	w = snprintf(dst, cap, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"%s\",\"msg\":\"%s\"",
		     ts, names[l], comp, esc);
	size_t n = w < 0 ? 0 : (size_t)w;
	n = put_id(dst, cap, n, "room", room);
	n = put_id(dst, cap, n, "peer", peer);
	n = put_id(dst, cap, n, "transport", transport);
	if (n + 1 < cap) {
		dst[n++] = '}';
		dst[n] = '\0';
	}
	return n >= cap ? cap - 1 : n;
}

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to report it */
		p += w;
		n -= (size_t)w;
	}
}

static void vlog(enum cp_log_level l, const char *room, const char *peer, const char *transport,
		 const char *fmt, va_list ap)
{
	struct timespec now;
	struct tm tm;
	char ts[40], sec[32], msg[CP_LOG_MSG_MAX];
	static _Thread_local char line[LINE_MAX_BYTES];
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%03ldZ", sec, now.tv_nsec / 1000000);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = cp_log_format_line(line, sizeof(line) - 1, format, ts, l, room, peer,
				      transport, msg);
	line[n++] = '\n';
	write_all(line, n);
}

void cp_log(enum cp_log_level l, const char *fmt, ...)
{
	if (l > level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(l, NULL, NULL, NULL, fmt, ap);
	va_end(ap);
}

void cp_log_ids(enum cp_log_level l, const char *room, const char *peer, const char *transport,
		const char *fmt, ...)
{
	if (l > level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(l, room, peer, transport, fmt, ap);
	va_end(ap);
}
