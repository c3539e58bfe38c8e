/* SPDX-License-Identifier: MIT */
/*
 * cp_log - one line per event on stderr (the journal under systemd).
 *
 * Two formats, chosen once at start-up (log_format):
 *   text  2026-01-02T03:04:05.678Z info  signal: peer p1 joined room r1
 *   json  {"ts":"2026-01-02T03:04:05.678Z","level":"info","component":"signal",
 *          "msg":"peer p1 joined room r1","room":"r1","peer":"p1"}
 *
 * The component is the message's leading "word: " (lower case, digits, '_'
 * or '-'; "controlplane" when there is none); in json it moves into its own
 * field. Every line about a room, peer or transport names it in the message;
 * cp_log_ids() also carries the ids as fields, so a log collector can select
 * on them without parsing the text (text output is the same either way).
 *
 * A line is written with one write(2), so lines of two threads never mix;
 * the message is cut at CP_LOG_MSG_MAX bytes. json output is always valid
 * JSON and valid UTF-8, whatever bytes the message held (see
 * cp_log_json_escape).
 */
#ifndef CP_LOG_H
#define CP_LOG_H

#include <stddef.h>

enum cp_log_level { CP_LOG_ERROR, CP_LOG_WARN, CP_LOG_INFO, CP_LOG_DEBUG };
enum cp_log_format { CP_LOG_TEXT, CP_LOG_JSON };

#define CP_LOG_MSG_MAX 2048 /* bytes of one formatted message */

void cp_log_set_level(enum cp_log_level l);
int cp_log_parse_level(const char *s, enum cp_log_level *out);
void cp_log_set_format(enum cp_log_format f);
/* "text" or "json". Returns 0 or -1. */
int cp_log_parse_format(const char *s, enum cp_log_format *out);

void cp_log(enum cp_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As cp_log, with the ids of what the line is about (each may be NULL). */
void cp_log_ids(enum cp_log_level l, const char *room, const char *peer, const char *transport,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Writes src as the inside of a JSON string (no quotes) into dst of cap
 * bytes, always NUL-terminated (cap >= 1). '"', '\\' and control characters
 * are escaped; bytes that are not valid UTF-8 (stray continuation bytes,
 * overlong forms, surrogates, code points above U+10FFFF, a cut sequence)
 * become U+FFFD. When dst is too small the output stops before the first
 * character that does not fit whole, so it never ends inside an escape or a
 * UTF-8 sequence. Returns the length written (excluding the NUL).
 */
size_t cp_log_json_escape(char *dst, size_t cap, const char *src);

/*
 * Formats one line, without the trailing newline, exactly as it is written
 * (ts is the time stamp text; ids may be NULL). For the tests. Returns the
 * length (the line is cut to fit cap, which must be >= 1).
 */
size_t cp_log_format_line(char *dst, size_t cap, enum cp_log_format f, const char *ts,
			  enum cp_log_level l, const char *room, const char *peer,
			  const char *transport, const char *msg);

#define CP_ERR(...) cp_log(CP_LOG_ERROR, __VA_ARGS__)
#define CP_WARN(...) cp_log(CP_LOG_WARN, __VA_ARGS__)
#define CP_INFO(...) cp_log(CP_LOG_INFO, __VA_ARGS__)
#define CP_DBG(...) cp_log(CP_LOG_DEBUG, __VA_ARGS__)
/* With ids: CP_INFO_IDS(room, peer, transport, fmt, ...). */
#define CP_ERR_IDS(r, p, t, ...) cp_log_ids(CP_LOG_ERROR, r, p, t, __VA_ARGS__)
#define CP_WARN_IDS(r, p, t, ...) cp_log_ids(CP_LOG_WARN, r, p, t, __VA_ARGS__)
#define CP_INFO_IDS(r, p, t, ...) cp_log_ids(CP_LOG_INFO, r, p, t, __VA_ARGS__)
#define CP_DBG_IDS(r, p, t, ...) cp_log_ids(CP_LOG_DEBUG, r, p, t, __VA_ARGS__)

#endif
