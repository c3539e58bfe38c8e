/* SPDX-License-Identifier: MIT */
/*
 * Minimal check macros for the dataplane/proto unit tests: a failed check
 * prints where and what, and the program exits non-zero at the end.
 */
#ifndef PROTO_TEST_H
#define PROTO_TEST_H

#include <stdio.h>
#include <string.h>

static int t_failures;
static int t_checks;

#define CHECK(cond)                                                            \
	do {                                                                   \
		t_checks++;                                                    \
		if (!(cond)) {                                                 \
			t_failures++;                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		t_checks++;                                                    \
		if (a_ != b_) {                                                \
			t_failures++;                                          \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s "    \
				"(%lld vs %lld)\n", __FILE__, __LINE__, #a, #b, \
				a_, b_);                                       \
		}                                                              \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Parse a hex string with spaces/newlines into out; returns bytes written. */
static inline size_t t_hex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (unsigned char)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

static inline int t_done(const char *name)
{
	if (t_failures) {
		fprintf(stderr, "%s: %d of %d checks FAILED\n", name, t_failures, t_checks);
		return 1;
	}
	printf("%s: all %d checks passed\n", name, t_checks);
	return 0;
}

#endif /* PROTO_TEST_H */
