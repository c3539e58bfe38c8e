/* SPDX-License-Identifier: MIT */
#include "lg_rxseq.h"

#include <string.h>

static bool test_set(struct lg_rxseq *s, uint32_t e)
{
	uint32_t i = e % LG_RXSEQ_WINDOW;
	uint64_t m = 1ull << (i % 64);
	bool was = s->bits[i / 64] & m;
	s->bits[i / 64] |= m;
	return was;
}

/* Forget from .. to - 1: the window slides over them. */
static void clear_range(struct lg_rxseq *s, uint32_t from, uint32_t to)
{
	if (to - from >= LG_RXSEQ_WINDOW) {
		memset(s->bits, 0, sizeof(s->bits));
		return;
	}
	for (uint32_t e = from; e != to; e++) {
		uint32_t i = e % LG_RXSEQ_WINDOW;
		s->bits[i / 64] &= ~(1ull << (i % 64));
	}
}

enum lg_rxseq_result lg_rxseq_update(struct lg_rxseq *s, uint16_t seq, bool repair,
				     uint32_t *gap_from, uint32_t *gap_to)
{
	*gap_from = *gap_to = 0;
	if (!s->init) {
		s->init = true;
		s->max_seq = seq;
		/* start one cycle up, so that a slightly older packet than the
		 * first still has a non-negative extended seq */
		s->cycles = 65536u;
		s->base_ext = s->max_ext = s->cycles + seq;
		test_set(s, s->max_ext);
		s->received = 1;
		return LG_RXSEQ_NEW;
	}
	int16_t d = (int16_t)(uint16_t)(seq - s->max_seq);
	uint32_t ext;
	if (d > 0) {
		if (seq < s->max_seq)
			s->cycles += 65536u;
		ext = s->cycles + seq;
		/* the bit of every extended seq up to ext now means that one */
		clear_range(s, s->max_ext + 1, ext + 1);
		if (ext > s->max_ext + 1) {
			*gap_from = s->max_ext + 1;
			*gap_to = ext;
		}
		s->max_seq = seq;
		s->max_ext = ext;
	} else {
		ext = s->cycles + seq;
		if (seq > s->max_seq)
			ext -= 65536u;
		if (ext < s->base_ext || s->max_ext - ext >= LG_RXSEQ_WINDOW) {
			s->too_old++;
			return LG_RXSEQ_OLD;
		}
		if (d < 0 && !repair && !(s->bits[(ext % LG_RXSEQ_WINDOW) / 64] &
					   (1ull << (ext % 64))))
			s->reorder++;
	}
	if (test_set(s, ext)) {
		s->dup++;
		return LG_RXSEQ_DUP;
	}
	s->received++;
	return LG_RXSEQ_NEW;
}
