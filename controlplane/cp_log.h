/* SPDX-License-Identifier: MIT */
/* cp_log - one-line logs to stderr with time and level. Every line about a
 * peer, transport or lcore names it (callers put the id in the message). */
#ifndef CP_LOG_H
#define CP_LOG_H

enum cp_log_level { CP_LOG_ERROR, CP_LOG_WARN, CP_LOG_INFO, CP_LOG_DEBUG };

void cp_log_set_level(enum cp_log_level l);
int cp_log_parse_level(const char *s, enum cp_log_level *out);
void cp_log(enum cp_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CP_ERR(...) cp_log(CP_LOG_ERROR, __VA_ARGS__)
#define CP_WARN(...) cp_log(CP_LOG_WARN, __VA_ARGS__)
#define CP_INFO(...) cp_log(CP_LOG_INFO, __VA_ARGS__)
#define CP_DBG(...) cp_log(CP_LOG_DEBUG, __VA_ARGS__)

#endif
