/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cp_log.h"

static enum cp_log_level level = CP_LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

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

void cp_log(enum cp_log_level l, const char *fmt, ...)
{
	if (l > level)
		return;
	struct timespec ts;
	struct tm tm;
	char buf[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %-5s ", buf, ts.tv_nsec / 1000000, names[l]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
