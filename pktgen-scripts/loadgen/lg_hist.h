/* SPDX-License-Identifier: MIT */
/*
 * lg_hist - a log-linear histogram of unsigned values (latencies in us,
 * set-up times in ms). Values below 64 are exact; above, each power of two
 * is split into 32 buckets, so a percentile is within 1/32 (about 3%) of
 * the true value. Fixed size, no allocation: add is a few instructions.
 */
#ifndef LG_HIST_H
#define LG_HIST_H

#include <stdint.h>

#define LG_HIST_SUB 32u
#define LG_HIST_N (64u + 58u * LG_HIST_SUB)

struct lg_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t b[LG_HIST_N];
};

void lg_hist_reset(struct lg_hist *h);
void lg_hist_add(struct lg_hist *h, uint64_t v);
/* The value at quantile q (0..1): a bucket's midpoint, the exact max for
 * q == 1, 0 for an empty histogram. */
uint64_t lg_hist_quantile(const struct lg_hist *h, double q);
/* Adds every sample of src to dst. */
void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src);

#endif /* LG_HIST_H */
