/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the RTCP unit tests: CHECK macros that count failures
 * (main() exits non-zero when any failed) and small packet utilities.
 */
#ifndef RTCP_TEST_H
#define RTCP_TEST_H

#include <stdint.h>
#include <stdio.h>

#include "dp_rtcp.h"

extern int rt_failures;
extern int rt_checks;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		rt_checks++;                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                 \
			rt_failures++;                                                  \
		}                                                                       \
	} while (0)

#define CHECK_EQ(a, b)                                                                  \
	do {                                                                            \
		long long va_ = (long long)(a), vb_ = (long long)(b);                   \
		rt_checks++;                                                            \
		if (va_ != vb_) {                                                       \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s (%lld) != %s (%lld)\n", \
				__FILE__, __LINE__, #a, va_, #b, vb_);                  \
			rt_failures++;                                                  \
		}                                                                       \
	} while (0)

/* Byte-exact comparison; prints the first difference. */
#define CHECK_BYTES(got, got_len, want, want_len)                                        \
	rt_check_bytes(__FILE__, __LINE__, (got), (got_len), (want), (want_len))

void rt_check_bytes(const char *file, int line, const uint8_t *got, size_t got_len,
		    const uint8_t *want, size_t want_len);

/* Validates buf as a datagram and returns its first sub-packet (0 = ok). */
int rt_first_pkt(const uint8_t *buf, size_t len, struct dp_rtcp_pkt *pkt);

/* Runs every parser on pkt (ASan catches overreads); returns the status of
 * the parser matching its PT/FMT (DP_RTCP_ERR_TYPE when none does). */
int rt_parse_any(const struct dp_rtcp_pkt *pkt);

/* Every prefix of vec (exact-size copies) and every length-field value of
 * its first sub-packet: OK only where the datagram still splits into whole
 * sub-packets; parsers run on whatever validates (ASan catches overreads). */
void rt_sweep_malformed(const uint8_t *vec, size_t len);

void test_parse_suite(void);
void test_build_suite(void);
void test_tcc_suite(void);

#endif
