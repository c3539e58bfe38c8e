/* SPDX-License-Identifier: MIT */
#include "lg_hist.h"

#include <string.h>

static unsigned int bucket(uint64_t v)
{
	if (v < 64)
		return (unsigned int)v;
	unsigned int e = 63u - (unsigned int)__builtin_clzll(v); /* 6..63 */
	unsigned int sub = (unsigned int)(v >> (e - 5)) & (LG_HIST_SUB - 1);
	return 64u + (e - 6u) * LG_HIST_SUB + sub;
}

/* Lowest value of bucket i, and its width. */
static void bucket_range(unsigned int i, uint64_t *lo, uint64_t *width)
{
	if (i < 64) {
		*lo = i;
		*width = 1;
		return;
	}
	unsigned int e = (i - 64u) / LG_HIST_SUB + 6u;
	unsigned int sub = (i - 64u) % LG_HIST_SUB;
	*width = 1ull << (e - 5);
	*lo = (1ull << e) + (uint64_t)sub * *width;
}

void lg_hist_reset(struct lg_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void lg_hist_add(struct lg_hist *h, uint64_t v)
{
	h->b[bucket(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

uint64_t lg_hist_quantile(const struct lg_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	uint64_t seen = 0;
	for (unsigned int i = 0; i < LG_HIST_N; i++) {
		seen += h->b[i];
		if (seen > rank) {
			uint64_t lo, w;
			bucket_range(i, &lo, &w);
			uint64_t mid = lo + w / 2;
			return mid > h->max ? h->max : mid;
		}
	}
	return h->max;
}

void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src)
{
	for (unsigned int i = 0; i < LG_HIST_N; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}
