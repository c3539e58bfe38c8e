/* SPDX-License-Identifier: MIT */
/*
 * dp_seqmap - the sequence-number and timestamp rewrite of one consumer:
 * out_seq = in_seq + seq_off, out_ts = in_ts + ts_off (both modulo their
 * width), kept continuous across pause/resume and changes of the producer
 * source, and never handing out one consumer sequence number twice.
 *
 * Pure: no globals, no allocation, no clock (the caller passes now_ns).
 *
 * Policy:
 *  - A fresh consumer forwards with offsets 0: the consumer's sequence
 *    numbers and timestamps are the producer's.
 *  - dp_seqmap_resync() (on resume) or a packet from another producer SSRC
 *    recomputes seq_off so that the next packet sent is last_out_seq + 1:
 *    the consumer sees no gap for the time it was paused and sends no NACK
 *    for it.
 *  - Timestamps: on resume of the same source ts_off is KEPT. The
 *    producer's clock ran on in real time while the consumer was paused, so
 *    the consumer's timestamps advance by the paused time, exactly as basing
 *    them on elapsed time * clock rate would, without a clock on the fast
 *    path. On a source change (another SSRC: new producer stream, layer
 *    switch) the new source's clock is unrelated, so ts_off is chosen to
 *    make the first packet last_out_ts + elapsed time * clock rate (at
 *    least + 1).
 *  - A window of DP_SEQMAP_WINDOW consumer sequence numbers behind the
 *    newest remembers which were sent. A packet whose number was already
 *    sent (a duplicate, e.g. an RTX-repaired packet that also arrived), or
 *    that is older than the window, is STALE. A resync marks the whole
 *    window as sent, so a late packet from before the resync can never take
 *    a number the consumer already saw. This matters beyond correctness:
 *    SRTP must never protect one (SSRC, index) twice with different bytes
 *    (see dataplane/srtp/dp_srtp.h).
 *  - A producer that restarts its numbering on the same SSRC (a jump of
 *    more than half the 16-bit circle looks like "very old"): after
 *    DP_SEQMAP_RESTART consecutive packets older than the window the map
 *    resyncs as for a source change (seq last + 1, timestamp by elapsed
 *    time), instead of calling the rest of the stream stale forever.
 */
#ifndef DP_SEQMAP_H
#define DP_SEQMAP_H

#include <stdint.h>

#define DP_SEQMAP_WINDOW 1024u /* bits; a power of two */
#define DP_SEQMAP_RESTART 16u  /* consecutive too-old packets that mean a restart */

struct dp_seqmap {
	uint32_t src_ssrc;  /* producer SSRC the offsets belong to */
	uint32_t ts_off;
	uint32_t last_ts;   /* out timestamp of the newest packet */
	uint16_t seq_off;
	uint16_t last_seq;  /* newest out sequence number */
	uint8_t started;    /* a packet was mapped */
	uint8_t need_sync;  /* recompute the offsets at the next packet */
	uint16_t old_run;   /* consecutive packets older than the window */
	uint16_t sync_seq;  /* first out seq of the current offsets (kept within
			     * 2 windows behind last_seq) */
	uint8_t pad[2];
	uint64_t last_ns;   /* when the newest packet was mapped */
	uint64_t sent[DP_SEQMAP_WINDOW / 64]; /* bit (seq % WINDOW): sent */
};

enum dp_seqmap_verdict {
	DP_SEQMAP_SEND = 0,  /* *out_seq / *out_ts are set; the number is now taken */
	DP_SEQMAP_STALE = 1, /* duplicate or too old: do not send */
};

/* A fresh map (offsets 0, nothing sent). */
void dp_seqmap_init(struct dp_seqmap *s);

/* The next packet starts a new run at last_out_seq + 1 (call on resume). */
void dp_seqmap_resync(struct dp_seqmap *s);

/* Maps one packet of producer SSRC ssrc. clock_rate in Hz (> 0). */
enum dp_seqmap_verdict dp_seqmap_map(struct dp_seqmap *s, uint32_t ssrc, uint16_t in_seq,
				     uint32_t in_ts, uint64_t now_ns, uint32_t clock_rate,
				     uint16_t *out_seq, uint32_t *out_ts);

/* The inverse of the current run (for NACKs of the consumer): the producer
 * sequence number whose packet was sent as out_seq. 0 and *in_seq, or
 * -ENOENT when out_seq was not handed out, is older than the window, or
 * was handed out before the last resync (under other offsets: a NACK for
 * it cannot be answered). The packet's timestamp maps by the current
 * ts_off, and its source is src_ssrc. Does not change the map. */
int dp_seqmap_unmap(const struct dp_seqmap *s, uint16_t out_seq, uint16_t *in_seq);

#endif
