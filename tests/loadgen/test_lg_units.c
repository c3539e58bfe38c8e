/* SPDX-License-Identifier: MIT */
/* The loadgen's pure parts: the latency histogram's quantiles and the
 * receive-sequence accounting its loss figures rest on. */
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "lg_hist.h"
#include "lg_rxseq.h"

static void test_hist(void)
{
	struct lg_hist h;
	lg_hist_reset(&h);
	CHECK_EQ(lg_hist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		lg_hist_add(&h, v);
	CHECK_EQ(h.count, 100000);
	CHECK_EQ(h.max, 100000);
	uint64_t p50 = lg_hist_quantile(&h, 0.5), p99 = lg_hist_quantile(&h, 0.99);
	/* within the documented 1/32 of the true value */
	CHECK(p50 > 50000 - 50000 / 32 && p50 < 50000 + 50000 / 32);
	CHECK(p99 > 99000 - 99000 / 32 && p99 <= 100000);
	CHECK_EQ(lg_hist_quantile(&h, 1.0), 100000);
	/* exact below 64 */
	lg_hist_reset(&h);
	for (int i = 0; i < 10; i++)
		lg_hist_add(&h, 7);
	CHECK_EQ(lg_hist_quantile(&h, 0.5), 7);
	struct lg_hist g;
	lg_hist_reset(&g);
	lg_hist_add(&g, 1u << 30);
	lg_hist_merge(&h, &g);
	CHECK_EQ(h.count, 11);
	CHECK_EQ(lg_hist_quantile(&h, 1.0), 1u << 30);
	CHECK_EQ(lg_hist_quantile(&h, 0.5), 7);
}

static enum lg_rxseq_result upd(struct lg_rxseq *s, uint16_t seq, bool repair, uint32_t *gf,
				uint32_t *gt)
{
	return lg_rxseq_update(s, seq, repair, gf, gt);
}

static void test_rxseq_basic(void)
{
	struct lg_rxseq s;
	uint32_t gf, gt;
	memset(&s, 0, sizeof(s));
	CHECK_EQ(lg_rxseq_expected(&s), 0);
	/* across the 16-bit wrap, with a gap, a late fill and a duplicate */
	CHECK_EQ(upd(&s, 65530, false, &gf, &gt), LG_RXSEQ_NEW);
	for (uint16_t q = 65531; q != 3; q++)
		CHECK_EQ(upd(&s, q, false, &gf, &gt), LG_RXSEQ_NEW);
	CHECK_EQ(lg_rxseq_expected(&s), 9); /* 65530 .. 2 */
	CHECK_EQ(upd(&s, 6, false, &gf, &gt), LG_RXSEQ_NEW); /* 3, 4, 5 missing */
	CHECK_EQ(gt - gf, 3);
	CHECK_EQ((uint16_t)gf, 3);
	CHECK_EQ(lg_rxseq_expected(&s) - s.received, 3);
	CHECK_EQ(upd(&s, 4, true, &gf, &gt), LG_RXSEQ_NEW); /* repaired by RTX */
	CHECK_EQ(gf, gt);
	CHECK_EQ(s.reorder, 0);
	CHECK_EQ(upd(&s, 3, false, &gf, &gt), LG_RXSEQ_NEW); /* just late */
	CHECK_EQ(s.reorder, 1);
	CHECK_EQ(upd(&s, 3, false, &gf, &gt), LG_RXSEQ_DUP);
	CHECK_EQ(upd(&s, 6, false, &gf, &gt), LG_RXSEQ_DUP);
	CHECK_EQ(s.dup, 2);
	CHECK_EQ(lg_rxseq_expected(&s) - s.received, 1); /* only 5 is lost */
	/* older than the first packet: not accounted */
	CHECK_EQ(upd(&s, 65500, false, &gf, &gt), LG_RXSEQ_OLD);
	CHECK_EQ(lg_rxseq_expected(&s), 13);
}

/* A model check: random loss, duplication and reordering over many wraps;
 * the accounting must match a plain set of what was delivered. */
static void test_rxseq_model(void)
{
	struct lg_rxseq s;
	memset(&s, 0, sizeof(s));
	srand(7);
	const uint32_t n = 300000;
	uint8_t *delivered = calloc(n, 1);
	uint64_t uniq = 0, dups = 0;
	uint32_t gf, gt, first = 1000;
	uint32_t held = 0;
	bool have_held = false;
	for (uint32_t i = first; i < n; i++) {
		int r = rand() % 100;
		if (r < 3)
			continue; /* lost */
		uint32_t q = i;
		if (r < 6 && !have_held) { /* hold back one packet, deliver later */
			held = i, have_held = true;
			continue;
		}
		for (int k = 0; k < (r < 8 ? 2 : 1); k++) {
			enum lg_rxseq_result res = upd(&s, (uint16_t)q, false, &gf, &gt);
			CHECK(res != LG_RXSEQ_OLD);
			if (delivered[q]) {
				CHECK_EQ(res, LG_RXSEQ_DUP);
				dups++;
			} else {
				CHECK_EQ(res, LG_RXSEQ_NEW);
				delivered[q] = 1;
				uniq++;
			}
		}
		if (have_held && i - held > 20) {
			CHECK_EQ(upd(&s, (uint16_t)held, false, &gf, &gt), LG_RXSEQ_NEW);
			delivered[held] = 1;
			uniq++;
			have_held = false;
		}
	}
	CHECK_EQ(s.received, uniq);
	CHECK_EQ(s.dup, dups);
	uint32_t last = n - 1;
	while (!delivered[last])
		last--;
	uint32_t firstd = first;
	while (!delivered[firstd])
		firstd++;
	CHECK_EQ(lg_rxseq_expected(&s), last - firstd + 1);
	free(delivered);
}

int main(void)
{
	test_hist();
	test_rxseq_basic();
	test_rxseq_model();
	return check_report("test_lg_units");
}
