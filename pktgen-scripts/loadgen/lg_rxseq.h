/* SPDX-License-Identifier: MIT */
/*
 * lg_rxseq - per-stream accounting of received RTP sequence numbers: the
 * extended (wrap-counted) sequence, unique packets, duplicates (a bitmap of
 * the last LG_RXSEQ_WINDOW sequence numbers), reordering, and the gaps a
 * receiver NACKs. Pure: no clock, no I/O; the loadgen's loss figure is
 * expected() - received.
 */
#ifndef LG_RXSEQ_H
#define LG_RXSEQ_H

#include <stdbool.h>
#include <stdint.h>

#define LG_RXSEQ_WINDOW 4096u

struct lg_rxseq {
	bool init;
	uint16_t max_seq;
	uint32_t cycles;       /* 65536 x wraps of max_seq */
	uint32_t base_ext;     /* extended seq of the first packet */
	uint32_t max_ext;      /* highest extended seq */
	uint64_t received;     /* unique packets */
	uint64_t dup, reorder, too_old;
	uint64_t bits[LG_RXSEQ_WINDOW / 64];
};

enum lg_rxseq_result {
	LG_RXSEQ_NEW = 0,  /* first copy: counted */
	LG_RXSEQ_DUP,      /* seen before */
	LG_RXSEQ_OLD,      /* before the first packet or the window: ignored */
};

/*
 * Accounts one packet with 16-bit sequence seq. repair: it is a
 * retransmission (RTX), so coming late is not reordering. When the packet
 * jumps ahead, *gap_from .. *gap_to - 1 (extended) are the sequence numbers
 * skipped (to NACK); otherwise *gap_from == *gap_to.
 */
enum lg_rxseq_result lg_rxseq_update(struct lg_rxseq *s, uint16_t seq, bool repair,
				     uint32_t *gap_from, uint32_t *gap_to);

/* Packets expected so far: highest - first + 1 (0 before the first). */
static inline uint64_t lg_rxseq_expected(const struct lg_rxseq *s)
{
	return s->init ? (uint64_t)s->max_ext - s->base_ext + 1 : 0;
}

#endif /* LG_RXSEQ_H */
