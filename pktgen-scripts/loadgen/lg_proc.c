/* SPDX-License-Identifier: MIT */
/* CPU ticks and RSS of a process from /proc (Linux proc(5)). */
#include "lg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void lg_proc_sample(pid_t pid, struct lg_proc_sample *s)
{
	char path[64], buf[1024];
	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* comm may contain spaces and ')': fields resume after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return;
	p += 2; /* now at field 3 (state) */
	unsigned long long ut = 0, st = 0;
	long rss_pages = 0;
	/* fields 3..24: state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime prio nice threads itreal
	 * starttime vsize rss */
	if (sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %*u %*u %ld",
		   &ut, &st, &rss_pages) != 3)
		return;
	s->ticks = ut + st;
	s->rss_kb = (uint64_t)rss_pages * (uint64_t)(sysconf(_SC_PAGESIZE) / 1024);
	s->ok = true;
}
