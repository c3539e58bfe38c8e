/* SPDX-License-Identifier: MIT */
/* sl_pid_alive (contract in include/sluice/abi.h): each process's liveness
 * check of the other; part of library sl_abi. */
#include <stdio.h>
#include <string.h>

#include "sluice/abi.h"

int sl_pid_alive(int pid)
{
	char path[64], buf[512];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')'); /* comm may contain spaces and ')' */
	if (!rp || rp[1] != ' ')
		return 0;
	return rp[2] != 'Z' && rp[2] != 'X';
}
