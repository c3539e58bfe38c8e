/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp_stream - per-SSRC SRTP state of the ipsec-mb engine: packet index
 * estimation (RFC 3711 3.3.1 and appendix A), the SRTP replay window
 * (DP_SRTP_REPLAY_WINDOW packets), the SRTCP replay window (128 packets)
 * and the SRTCP send index, plus the table of streams of one session.
 * Pure C: no crypto, no globals, unit-testable alone.
 *
 * The rules are those of libsrtp 2.5 (the reference engine), so that both
 * engines accept and refuse exactly the same packets:
 *  - estimate: while the highest index seen is <= 2^15 the ROC is taken as
 *    0 (a stream that starts near 65535 must not guess ROC = -1); after
 *    that, the ROC of the candidate nearest to the highest index;
 *  - SRTP window: the highest index and the 1023 below it; an index above
 *    the highest is new; a stream starts at index 0 with nothing seen;
 *  - SRTCP window: [start, start + 128), start advances so the highest
 *    index seen is the window's last; the first SRTCP index sent is 1.
 *
 * Ownership: a table belongs to one session (one direction of one
 * struct dp_srtp), so to one thread. Streams are allocated on first use
 * (tx: first protect; rx: only after the first packet authenticated) and
 * freed, and wiped, with the table. The table holds at most
 * DP_SRTP_MAX_STREAMS streams (bounded memory per transport).
 */
#ifndef DP_SRTP_STREAM_H
#define DP_SRTP_STREAM_H

#include <stdint.h>

#include "dp_srtp.h"

#define DP_SRTP_MAX_STREAMS 4096u
#define DP_SRTP_RTCP_WINDOW 128u
#define DP_SRTP_STREAM_BUCKETS 256u

#define DP_SRTP_WIN_WORDS (DP_SRTP_REPLAY_WINDOW / 64u)
_Static_assert(DP_SRTP_REPLAY_WINDOW % 64u == 0, "window in whole 64-bit words");

/* SRTP window: bit k of seen[] set = index (top - k) was accepted. */
struct dp_srtp_rtp_win {
	uint64_t top; /* highest index accepted (ROC << 16 | SEQ); 0 at start */
	uint64_t seen[DP_SRTP_WIN_WORDS];
};

/* SRTCP window: bit k set = index (start + k) was accepted. */
struct dp_srtp_rtcp_win {
	uint32_t start;
	uint64_t seen[DP_SRTP_RTCP_WINDOW / 64u];
};

struct dp_srtp_stream {
	struct dp_srtp_stream *next; /* hash chain */
	uint32_t ssrc;               /* network order, as in the packet */
	uint32_t rtcp_tx_index;      /* last SRTCP index sent (tx) */
	struct dp_srtp_rtp_win rtp;
	struct dp_srtp_rtcp_win rtcp;
};

struct dp_srtp_stream_table {
	struct dp_srtp_stream *bucket[DP_SRTP_STREAM_BUCKETS];
	uint32_t count;
};

/*
 * Estimates the index of sequence number seq against win: *idx gets the
 * index, the return value is idx - win->top (> 0: ahead of the window).
 */
int32_t dp_srtp_rtp_estimate(const struct dp_srtp_rtp_win *win, uint16_t seq, uint64_t *idx);

/* DP_SRTP_OK when delta (from the estimate) may be accepted, else REPLAY. */
enum dp_srtp_status dp_srtp_rtp_check(const struct dp_srtp_rtp_win *win, int32_t delta);

/* Records an accepted index (delta from the estimate, already checked). */
void dp_srtp_rtp_add(struct dp_srtp_rtp_win *win, int32_t delta, uint64_t idx);

enum dp_srtp_status dp_srtp_rtcp_check(const struct dp_srtp_rtcp_win *win, uint32_t index);
void dp_srtp_rtcp_add(struct dp_srtp_rtcp_win *win, uint32_t index);

/* A fresh stream's state, as a stream that does not exist yet. */
extern const struct dp_srtp_stream dp_srtp_stream_fresh;

struct dp_srtp_stream *dp_srtp_stream_find(const struct dp_srtp_stream_table *t, uint32_t ssrc);

/* Finds or adds the stream of ssrc; NULL when full or out of memory. */
struct dp_srtp_stream *dp_srtp_stream_get(struct dp_srtp_stream_table *t, uint32_t ssrc);

/* Frees (and zeroes) every stream; the table is empty and reusable after. */
void dp_srtp_stream_table_clear(struct dp_srtp_stream_table *t);

#endif /* DP_SRTP_STREAM_H */
