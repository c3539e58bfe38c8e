/* SPDX-License-Identifier: MIT */
/* cp_buf - a growable byte buffer for building HTTP bodies. Owns its memory;
 * on allocation failure it latches oom and further appends do nothing. */
#ifndef CP_BUF_H
#define CP_BUF_H

#include <stddef.h>

struct cp_buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
};

void cp_buf_printf(struct cp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cp_buf_append(struct cp_buf *b, const void *p, size_t n);
void cp_buf_free(struct cp_buf *b);

#endif
