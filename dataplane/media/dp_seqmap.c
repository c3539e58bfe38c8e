/* SPDX-License-Identifier: MIT */
/* dp_seqmap - see dp_seqmap.h. */
#include <errno.h>
#include <string.h>

#include "dp_seqmap.h"

#define WORDS (DP_SEQMAP_WINDOW / 64u)

_Static_assert((DP_SEQMAP_WINDOW & (DP_SEQMAP_WINDOW - 1)) == 0 && DP_SEQMAP_WINDOW <= 16384,
	       "window: a power of two well inside the 16-bit circle");

static inline int32_t diff16(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)(a - b);
	return d < 0x8000u ? (int32_t)d : (int32_t)d - 0x10000;
}

static inline int bit_get(const struct dp_seqmap *s, uint16_t seq)
{
	uint32_t b = seq & (DP_SEQMAP_WINDOW - 1u);
	return (int)((s->sent[b / 64u] >> (b % 64u)) & 1u);
}

static inline void bit_set(struct dp_seqmap *s, uint16_t seq)
{
	uint32_t b = seq & (DP_SEQMAP_WINDOW - 1u);
	s->sent[b / 64u] |= 1ull << (b % 64u);
}

static inline void bit_clear(struct dp_seqmap *s, uint16_t seq)
{
	uint32_t b = seq & (DP_SEQMAP_WINDOW - 1u);
	s->sent[b / 64u] &= ~(1ull << (b % 64u));
}

void dp_seqmap_init(struct dp_seqmap *s)
{
	memset(s, 0, sizeof(*s));
}

void dp_seqmap_resync(struct dp_seqmap *s)
{
	if (s->started)
		s->need_sync = 1;
}

/* New offsets so that in_seq maps to last_seq + 1; new_clock: the source's
 * timestamps are unrelated to the previous ones (rebase by elapsed time). */
static void resync(struct dp_seqmap *s, uint32_t ssrc, uint16_t in_seq, uint32_t in_ts,
		   uint64_t now_ns, uint32_t clock_rate, int new_clock)
{
	s->seq_off = (uint16_t)(s->last_seq + 1u - in_seq);
	if (new_clock) {
		uint64_t elapsed_us = now_ns > s->last_ns ? (now_ns - s->last_ns) / 1000u : 0;
		uint64_t ticks = elapsed_us * clock_rate / 1000000u;
		if (ticks == 0)
			ticks = 1;
		s->ts_off = (uint32_t)(s->last_ts + (uint32_t)ticks - in_ts);
		s->src_ssrc = ssrc;
	}
	/* everything up to last_seq counts as sent: late packets from before
	 * the resync cannot take a number the consumer has seen */
	memset(s->sent, 0xff, sizeof(s->sent));
	s->sync_seq = (uint16_t)(s->last_seq + 1u);
	s->need_sync = 0;
	s->old_run = 0;
}

enum dp_seqmap_verdict dp_seqmap_map(struct dp_seqmap *s, uint32_t ssrc, uint16_t in_seq,
				     uint32_t in_ts, uint64_t now_ns, uint32_t clock_rate,
				     uint16_t *out_seq, uint32_t *out_ts)
{
	if (!s->started) {
		s->seq_off = 0;
		s->ts_off = 0;
		s->src_ssrc = ssrc;
		s->need_sync = 0;
		s->last_seq = (uint16_t)(in_seq - 1u); /* nothing sent: all bits clear */
		/* the whole window is of this run (late ones may still come) */
		s->sync_seq = (uint16_t)(in_seq - DP_SEQMAP_WINDOW);
		s->started = 1;
	} else if (s->need_sync || ssrc != s->src_ssrc || s->old_run >= DP_SEQMAP_RESTART) {
		resync(s, ssrc, in_seq, in_ts, now_ns, clock_rate,
		       ssrc != s->src_ssrc || s->old_run >= DP_SEQMAP_RESTART);
	}

	uint16_t out = (uint16_t)(in_seq + s->seq_off);
	uint32_t ots = in_ts + s->ts_off;
	int32_t d = diff16(out, s->last_seq);
	if (d > 0) {
		/* newer: the numbers skipped over become free slots of the window */
		if ((uint32_t)d >= DP_SEQMAP_WINDOW) {
			memset(s->sent, 0, sizeof(s->sent));
			s->sync_seq = (uint16_t)(out - DP_SEQMAP_WINDOW);
		} else {
			for (uint16_t q = (uint16_t)(s->last_seq + 1u); q != out; q++)
				bit_clear(s, q);
		}
		bit_set(s, out);
		s->last_seq = out;
		s->last_ts = ots;
		s->last_ns = now_ns;
		/* a long run: every number of the window is of this run */
		if ((uint16_t)(out - s->sync_seq) >= 2u * DP_SEQMAP_WINDOW)
			s->sync_seq = (uint16_t)(out - DP_SEQMAP_WINDOW);
	} else {
		if ((uint32_t)(-d) >= DP_SEQMAP_WINDOW) {
			if (s->old_run < DP_SEQMAP_RESTART)
				s->old_run++;
			return DP_SEQMAP_STALE;
		}
		if (bit_get(s, out))
			return DP_SEQMAP_STALE; /* a duplicate says nothing of a restart */
		bit_set(s, out);
	}
	s->old_run = 0;
	*out_seq = out;
	*out_ts = ots;
	return DP_SEQMAP_SEND;
}

int dp_seqmap_unmap(const struct dp_seqmap *s, uint16_t out_seq, uint16_t *in_seq)
{
	if (!s->started)
		return -ENOENT;
	int32_t back = diff16(s->last_seq, out_seq);
	if (back < 0 || (uint32_t)back >= DP_SEQMAP_WINDOW)
		return -ENOENT; /* not handed out yet, or beyond the window */
	/* sync_seq is at most 2 windows behind last_seq: diff16 is exact */
	if (diff16(out_seq, s->sync_seq) < 0 || !bit_get(s, out_seq))
		return -ENOENT;
	*in_seq = (uint16_t)(out_seq - s->seq_off);
	return 0;
}
