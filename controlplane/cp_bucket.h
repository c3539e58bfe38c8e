/* SPDX-License-Identifier: MIT */
/*
 * cp_bucket - one token bucket, shared by the socket layer's per-frame limit
 * (sio) and the signaling layer's per-peer request limit (signal).
 *
 * Counts in milli-tokens so that a rate per second refills exactly per
 * millisecond: `rate` tokens per second, at most `rate` tokens stored (one
 * second of burst). The caller owns the struct and its clock; no state else.
 */
#ifndef CP_BUCKET_H
#define CP_BUCKET_H

#include <stdint.h>

struct cp_bucket {
	uint64_t milli;   /* milli-tokens available */
	uint64_t last_ms; /* when last refilled */
};

/* A full bucket for `rate` tokens per second at time now_ms. */
static inline void cp_bucket_init(struct cp_bucket *b, uint64_t rate, uint64_t now_ms)
{
	b->milli = rate * 1000u;
	b->last_ms = now_ms;
}

/* Refills for the time since the last call, then takes one token: 1 taken,
 * 0 over the limit. rate 0 is not a limit the caller should pass here. */
static inline int cp_bucket_take(struct cp_bucket *b, uint64_t rate, uint64_t now_ms)
{
	uint64_t cap = rate * 1000u;

	if (now_ms > b->last_ms) {
		uint64_t add = (now_ms - b->last_ms) * rate; /* ms * tokens/s = milli-tokens */
		b->milli = add >= cap - b->milli ? cap : b->milli + add;
		b->last_ms = now_ms;
	}
	if (b->milli < 1000u)
		return 0;
	b->milli -= 1000u;
	return 1;
}

#endif /* CP_BUCKET_H */
