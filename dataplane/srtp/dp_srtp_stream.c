/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp_stream.c - per-SSRC index estimation, replay windows and the
 * stream table (contract in dp_srtp_stream.h).
 */
#define _GNU_SOURCE /* explicit_bzero */
#include "dp_srtp_stream.h"

#include <stdlib.h>
#include <string.h>

#define SEQ_HALF 32768
#define SEQ_RANGE 65536

const struct dp_srtp_stream dp_srtp_stream_fresh;

int32_t dp_srtp_rtp_estimate(const struct dp_srtp_rtp_win *win, uint16_t seq, uint64_t *idx)
{
	uint32_t roc = (uint32_t)(win->top >> 16);
	int32_t top_seq = (int32_t)(uint16_t)win->top;
	int32_t s = seq;
	int32_t delta = s - top_seq;

	if (win->top <= SEQ_HALF) { /* too early to tell ROC 0 from ROC -1 */
		*idx = seq;
		return (int32_t)((int64_t)seq - (int64_t)win->top);
	}
	if (top_seq < SEQ_HALF) {
		if (delta > SEQ_HALF) { /* late packet from before the wrap */
			roc--;
			delta -= SEQ_RANGE;
		}
	} else if (top_seq - SEQ_HALF > s) { /* the sender wrapped */
		roc++;
		delta += SEQ_RANGE;
	}
	*idx = (uint64_t)roc << 16 | seq;
	return delta;
}

static int bit_get(const uint64_t *w, uint32_t k)
{
	return (int)(w[k / 64] >> (k % 64) & 1);
}

static void bit_set(uint64_t *w, uint32_t k)
{
	w[k / 64] |= 1ull << (k % 64);
}

enum dp_srtp_status dp_srtp_rtp_check(const struct dp_srtp_rtp_win *win, int32_t delta)
{
	if (delta > 0)
		return DP_SRTP_OK;
	if ((uint32_t)-(int64_t)delta >= DP_SRTP_REPLAY_WINDOW)
		return DP_SRTP_REPLAY; /* older than the window */
	return bit_get(win->seen, (uint32_t)-delta) ? DP_SRTP_REPLAY : DP_SRTP_OK;
}

/* seen[] of n words moves up by s bits (bit k -> k + s), zeros come in. */
static void shift_up(uint64_t *w, unsigned int n, uint32_t s)
{
	uint32_t words = s / 64, bits = s % 64;

	if (s >= n * 64u) {
		memset(w, 0, n * sizeof(*w));
		return;
	}
	for (unsigned int i = n; i-- > 0;) {
		uint64_t v = 0;

		if (i >= words) {
			v = w[i - words] << bits;
			if (bits && i > words)
				v |= w[i - words - 1] >> (64 - bits);
		}
		w[i] = v;
	}
}

/* seen[] of n words moves down by s bits (bit k -> k - s). */
static void shift_down(uint64_t *w, unsigned int n, uint32_t s)
{
	uint32_t words = s / 64, bits = s % 64;

	if (s >= n * 64u) {
		memset(w, 0, n * sizeof(*w));
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v = 0;

		if (i + words < n) {
			v = w[i + words] >> bits;
			if (bits && i + words + 1 < n)
				v |= w[i + words + 1] << (64 - bits);
		}
		w[i] = v;
	}
}

void dp_srtp_rtp_add(struct dp_srtp_rtp_win *win, int32_t delta, uint64_t idx)
{
	if (delta > 0) {
		shift_up(win->seen, DP_SRTP_WIN_WORDS, (uint32_t)delta);
		win->seen[0] |= 1;
		win->top = idx;
	} else {
		bit_set(win->seen, (uint32_t)-delta);
	}
}

enum dp_srtp_status dp_srtp_rtcp_check(const struct dp_srtp_rtcp_win *win, uint32_t index)
{
	if (index >= win->start + DP_SRTP_RTCP_WINDOW)
		return DP_SRTP_OK;
	if (index < win->start)
		return DP_SRTP_REPLAY;
	return bit_get(win->seen, index - win->start) ? DP_SRTP_REPLAY : DP_SRTP_OK;
}

void dp_srtp_rtcp_add(struct dp_srtp_rtcp_win *win, uint32_t index)
{
	uint32_t d;

	if (index < win->start)
		return;
	d = index - win->start;
	if (d < DP_SRTP_RTCP_WINDOW) {
		bit_set(win->seen, d);
		return;
	}
	d -= DP_SRTP_RTCP_WINDOW - 1;
	shift_down(win->seen, DP_SRTP_RTCP_WINDOW / 64u, d);
	bit_set(win->seen, DP_SRTP_RTCP_WINDOW - 1);
	win->start += d;
}

static uint32_t bucket_of(uint32_t ssrc)
{
	return (ssrc * 2654435761u) >> 24; /* 256 buckets */
}

_Static_assert(DP_SRTP_STREAM_BUCKETS == 256, "bucket_of() makes 8 bits");

struct dp_srtp_stream *dp_srtp_stream_find(const struct dp_srtp_stream_table *t, uint32_t ssrc)
{
	struct dp_srtp_stream *s = t->bucket[bucket_of(ssrc)];

	while (s && s->ssrc != ssrc)
		s = s->next;
	return s;
}

struct dp_srtp_stream *dp_srtp_stream_get(struct dp_srtp_stream_table *t, uint32_t ssrc)
{
	struct dp_srtp_stream *s = dp_srtp_stream_find(t, ssrc);
	uint32_t b = bucket_of(ssrc);

	if (s)
		return s;
	if (t->count >= DP_SRTP_MAX_STREAMS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ssrc = ssrc;
	s->next = t->bucket[b];
	t->bucket[b] = s;
	t->count++;
	return s;
}

void dp_srtp_stream_table_clear(struct dp_srtp_stream_table *t)
{
	for (unsigned int b = 0; b < DP_SRTP_STREAM_BUCKETS; b++) {
		struct dp_srtp_stream *s = t->bucket[b];

		while (s) {
			struct dp_srtp_stream *next = s->next;

			explicit_bzero(s, sizeof(*s));
			free(s);
			s = next;
		}
		t->bucket[b] = NULL;
	}
	t->count = 0;
}
