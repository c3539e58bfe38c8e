/* SPDX-License-Identifier: MIT */
/*
 * test_srtp_stream - the ipsec-mb engine's per-SSRC state alone: index
 * estimation (ROC guesses around the wrap, the early-stream rule), the
 * 1024-packet SRTP window against a model (a set of accepted indices), the
 * 128-packet SRTCP window, and the stream table's bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_srtp_stream.h"

static int failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                               \
			failures++;                                                   \
		}                                                                     \
	} while (0)

static void test_estimate(void)
{
	struct dp_srtp_rtp_win w;
	uint64_t idx;

	memset(&w, 0, sizeof(w));
	/* early stream: ROC 0 whatever the sequence number */
	CHECK(dp_srtp_rtp_estimate(&w, 65535, &idx) == 65535 && idx == 65535);
	w.top = 32768;
	CHECK(dp_srtp_rtp_estimate(&w, 0, &idx) == -32768 && idx == 0);
	/* past the wrap: 65530 then 3 is ROC 1 */
	w.top = 65530;
	CHECK(dp_srtp_rtp_estimate(&w, 3, &idx) == 9 && idx == 0x10003);
	CHECK(dp_srtp_rtp_estimate(&w, 65000, &idx) == -530 && idx == 65000);
	/* after the wrap, a late one from before it keeps ROC 0 */
	w.top = 0x10005;
	CHECK(dp_srtp_rtp_estimate(&w, 65533, &idx) == -8 && idx == 65533);
	CHECK(dp_srtp_rtp_estimate(&w, 100, &idx) == 95 && idx == 0x10064);
	/* far ahead, far behind */
	w.top = (7ull << 16) | 40000;
	CHECK(dp_srtp_rtp_estimate(&w, 7000, &idx) == 7000 - 40000 + 65536 &&
	      idx == ((8ull << 16) | 7000));
	CHECK(dp_srtp_rtp_estimate(&w, 8000, &idx) == 8000 - 40000 && idx == ((7ull << 16) | 8000));
}

/* The window against a model: accepted = top - k for bits k. */
static void test_rtp_window_model(void)
{
	static uint8_t seen[1 << 20];
	struct dp_srtp_rtp_win w;
	uint64_t top = 0;
	uint32_t x = 12345;

	memset(&w, 0, sizeof(w));
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 200000; i++) {
		int32_t step;
		uint64_t want_idx, idx;
		int32_t delta;
		int model_ok;

		x = x * 1103515245u + 12345u;
		step = (int32_t)((x >> 8) % 2200u) - 1500; /* mostly behind, some jumps */
		if ((x & 0xff) == 7)
			step = 3000;
		if ((int64_t)top + step < 0 || top + (uint64_t)(int64_t)step >= sizeof(seen))
			continue;
		want_idx = top + (uint64_t)(int64_t)step;
		delta = dp_srtp_rtp_estimate(&w, (uint16_t)want_idx, &idx);
		if (idx != want_idx)
			continue; /* estimate picked another ROC: not this test */
		model_ok = want_idx > top || (top - want_idx < DP_SRTP_REPLAY_WINDOW &&
					      !seen[want_idx]);
		CHECK((dp_srtp_rtp_check(&w, delta) == DP_SRTP_OK) == model_ok);
		if (model_ok) {
			dp_srtp_rtp_add(&w, delta, idx);
			seen[want_idx] = 1;
			if (want_idx > top)
				top = want_idx;
			CHECK(w.top == top);
		}
	}
}

static void test_rtcp_window(void)
{
	struct dp_srtp_rtcp_win w;

	memset(&w, 0, sizeof(w));
	CHECK(dp_srtp_rtcp_check(&w, 1) == DP_SRTP_OK);
	dp_srtp_rtcp_add(&w, 1);
	CHECK(dp_srtp_rtcp_check(&w, 1) == DP_SRTP_REPLAY);
	CHECK(dp_srtp_rtcp_check(&w, 0) == DP_SRTP_OK);
	dp_srtp_rtcp_add(&w, 300);
	CHECK(w.start == 300 - 127);
	CHECK(dp_srtp_rtcp_check(&w, 300) == DP_SRTP_REPLAY);
	CHECK(dp_srtp_rtcp_check(&w, 299) == DP_SRTP_OK);
	CHECK(dp_srtp_rtcp_check(&w, 173) == DP_SRTP_OK);
	CHECK(dp_srtp_rtcp_check(&w, 172) == DP_SRTP_REPLAY); /* before the window */
	dp_srtp_rtcp_add(&w, 200);
	dp_srtp_rtcp_add(&w, 301); /* shift by 1: 200 and 300 stay marked */
	CHECK(dp_srtp_rtcp_check(&w, 200) == DP_SRTP_REPLAY);
	CHECK(dp_srtp_rtcp_check(&w, 300) == DP_SRTP_REPLAY);
	CHECK(dp_srtp_rtcp_check(&w, 301) == DP_SRTP_REPLAY);
	CHECK(dp_srtp_rtcp_check(&w, 302) == DP_SRTP_OK);
	dp_srtp_rtcp_add(&w, 301 + 64); /* shift by 64: 300 moves to bit 63 - 1 */
	CHECK(dp_srtp_rtcp_check(&w, 300) == DP_SRTP_REPLAY);
	CHECK(dp_srtp_rtcp_check(&w, 299) == DP_SRTP_OK);
}

static void test_table(void)
{
	struct dp_srtp_stream_table *t = calloc(1, sizeof(*t));

	if (!t) {
		CHECK(!"calloc");
		return;
	}
	for (uint32_t i = 0; i < DP_SRTP_MAX_STREAMS; i++)
		CHECK(dp_srtp_stream_get(t, i * 2654435761u) != NULL);
	CHECK(t->count == DP_SRTP_MAX_STREAMS);
	CHECK(dp_srtp_stream_get(t, 0xdeadbee1u) == NULL); /* bound */
	CHECK(dp_srtp_stream_get(t, 5 * 2654435761u) != NULL); /* existing: found */
	CHECK(dp_srtp_stream_find(t, 5 * 2654435761u)->ssrc == 5 * 2654435761u);
	CHECK(dp_srtp_stream_find(t, 0xdeadbee1u) == NULL);
	dp_srtp_stream_table_clear(t);
	CHECK(t->count == 0 && dp_srtp_stream_find(t, 5 * 2654435761u) == NULL);
	CHECK(dp_srtp_stream_get(t, 1) != NULL);
	dp_srtp_stream_table_clear(t);
	free(t);
}

int main(void)
{
	test_estimate();
	test_rtp_window_model();
	test_rtcp_window();
	test_table();
	if (failures) {
		fprintf(stderr, "test_srtp_stream: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_srtp_stream: all checks passed\n");
	return 0;
}
