/* SPDX-License-Identifier: MIT */
/*
 * dp_nack.h - loss recovery of the media path (dp_nack.c), shared with
 * dp_forward.c (the rewrite) and dp_stream.c (the command side) only.
 *
 * Two independent halves, both on one lcore and without locks (see
 * dp_media_int.h for ownership):
 *
 *  - Consumers' NACKs (the consumer transport's lcore). Each dp_fan with a
 *    video consumer that negotiated nack keeps a retransmission buffer: a
 *    COPY of the last DP_RTX_SLOTS plaintext producer packets (by producer
 *    sequence number modulo DP_RTX_SLOTS), as they were before the
 *    per-consumer rewrite. Copies, not mbuf references: the rx pools are
 *    small and would run dry holding a second of video. Each such consumer
 *    also keeps a log of what it was sent (struct dp_fwd_tag, by consumer
 *    sequence number) for the rate limit and for plain resends. A generic
 *    NACK (RTPFB FMT 1) whose media SSRC is a consumer's: every seq is
 *    mapped back to the producer's (dp_seqmap_unmap), found in the buffer
 *    (same producer SSRC, younger than DP_RTX_MAX_AGE_NS) and sent again
 *    through the forwarding rewrite: as RTX (RFC 4588: the consumer's RTX
 *    SSRC/PT, its own RTX sequence numbers, the consumer-side sequence
 *    number as OSN) when the consumer has an RTX SSRC, else as the very
 *    same packet (byte-identical plaintext: the same transport-wide seq and
 *    abs-send-time as the first time, so SRTP re-protects an index only
 *    with the same bytes; see dataplane/srtp/dp_srtp.h). One seq goes to
 *    one consumer at most once per DP_RTX_MIN_GAP_NS and DP_RTX_MAX_SENDS
 *    times in all. Paused consumers get nothing.
 *
 *  - NACKs to producers (the producer transport's lcore). A producer that
 *    negotiated nack has a list of at most DP_NACK_MAX missing sequence
 *    numbers: gaps in what arrived (media or RTX-unwrapped; a jump of more
 *    than DP_NACK_JUMP resets the list), removed when the packet arrives,
 *    after DP_NACK_MAX_TRIES requests or DP_NACK_MAX_AGE_NS. Every
 *    DP_NACK_TICK_NS the timer sends one generic NACK per producer with the
 *    entries not asked for in the last DP_NACK_RETRY_NS.
 *
 * Memory: per fan with a nack consumer one struct dp_rtx_buf, DP_RTX_SLOTS
 * * (DP_RTX_PKT_MAX + 24) bytes = 512 * 1256 = 643,072 bytes (628 KiB);
 * per nack consumer one struct dp_nack_cons, 512 * 24 + 8 bytes (12 KiB);
 * per nack producer one struct dp_nack_rx, 128 * 24 + 16 bytes (3 KiB).
 * All allocated on the command path (consumer / producer add), freed with
 * their owner; the packet path never allocates.
 */
#ifndef DP_NACK_H
#define DP_NACK_H

#include <stdint.h>

#include "sluice/abi.h"

struct dp_media;
struct dp_transport;
struct dp_producer;
struct dp_consumer;
struct dp_fan;
struct dp_rtcp_pkt;
struct dp_rtp_info;

#define DP_RTX_SLOTS 512u                /* packets kept per fan; a power of two */
#define DP_RTX_PKT_MAX 1232u             /* bigger plaintext RTP is not kept */
#define DP_RTX_MAX_AGE_NS 1000000000ull  /* older packets are not resent */
#define DP_RTX_MIN_GAP_NS 100000000ull   /* one seq to one consumer at most this often */
#define DP_RTX_MAX_SENDS 8u              /* ... and at most this many times */

#define DP_NACK_MAX 128u                 /* missing seqs tracked per producer */
#define DP_NACK_JUMP 1000u               /* a larger forward step resets the list */
#define DP_NACK_MAX_TRIES 10u
#define DP_NACK_MAX_AGE_NS 1000000000ull
#define DP_NACK_RETRY_NS 100000000ull    /* ask again for a seq after this */
#define DP_NACK_TICK_NS 20000000ull      /* the NACK timer's period */

_Static_assert((DP_RTX_SLOTS & (DP_RTX_SLOTS - 1u)) == 0, "slots: a power of two");

/* What one consumer was sent as consumer sequence number seq: the values
 * of the rewrite that are not derived from the producer packet. Filled by
 * the rewrite (dp_forward.c), kept per nack consumer (dp_nack.c). */
struct dp_fwd_tag {
	uint16_t seq;       /* consumer sequence number */
	uint16_t twcc;      /* transport-wide seq written (when has_twcc) */
	uint8_t has_twcc;
	uint8_t valid;      /* the slot describes seq */
	uint8_t sends;      /* resends so far */
	uint8_t pad;
	uint32_t abs24;     /* abs-send-time written (6.18 s) */
	uint64_t last_ns;   /* last resend, 0 = none */
};

/* One kept producer packet (plaintext, before the consumer rewrite). */
struct dp_rtx_pkt {
	uint32_t ssrc;          /* producer media SSRC; 0 = empty slot */
	uint16_t seq;
	uint16_t len;
	uint64_t ns;            /* when it was kept */
	struct sl_ext_ids ext;  /* the producer's extension ids for it */
	uint8_t data[DP_RTX_PKT_MAX];
};

struct dp_rtx_buf {
	struct dp_rtx_pkt p[DP_RTX_SLOTS];
};

struct dp_nack_cons {
	uint16_t rtx_seq;       /* next RTX sequence number */
	uint8_t pad[6];
	struct dp_fwd_tag sent[DP_RTX_SLOTS]; /* by consumer seq modulo DP_RTX_SLOTS */
};

/* ---- command side (dp_stream.c) ---- */

/* A consumer joins fan (not linked yet): for a video consumer with nack,
 * its send log and (first one) the fan's buffer. 0 or -ENOMEM (nothing
 * left allocated for c; a buffer the fan had stays). */
int dp_nack_consumer_add(struct dp_consumer *c, struct dp_fan *fan,
			 const struct sl_msg_consumer_add *a);
void dp_nack_consumer_free(struct dp_consumer *c);
/* Frees what the fan holds (before the fan itself is freed). */
void dp_nack_fan_free(struct dp_fan *fan);
/* A producer with nack gets its missing list. 0 or -ENOMEM. */
int dp_nack_producer_add(struct dp_producer *p, const struct sl_msg_producer_add *a);
void dp_nack_producer_free(struct dp_producer *p);

/* ---- packet side ---- */

/* Keeps a copy of a plaintext producer packet (parsed: ri) in a fan's
 * buffer b; a packet larger than DP_RTX_PKT_MAX is not kept. */
void dp_nack_keep(struct dp_rtx_buf *b, const uint8_t *rtp, uint32_t len,
		  const struct dp_rtp_info *ri, const struct sl_ext_ids *ext, uint64_t now_ns);

/* Consumer c was just sent tag->seq (first time): log it. */
static inline void dp_nack_sent(struct dp_nack_cons *nk, const struct dp_fwd_tag *tag)
{
	struct dp_fwd_tag *s = &nk->sent[tag->seq & (DP_RTX_SLOTS - 1u)];
	*s = *tag;
	s->valid = 1;
	s->sends = 0;
	s->last_ns = 0;
}

/* A NACK sub-packet (RTPFB FMT 1) received on transport t (unprotected):
 * answered for the consumer whose SSRC it names. Counts nack_in,
 * nack_seqs_in, rtx_out, rtx_miss on t. */
void dp_nack_input(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_pkt *pkt);

/* A producer packet (media, or RTX unwrapped) with seq arrived. */
void dp_nack_rx(struct dp_media *md, struct dp_producer *p, uint16_t seq);

/* Sends due NACKs to this lcore's producers. */
void dp_nack_timer(struct dp_media *md, uint64_t now_ns);

/* ---- dp_forward.c ---- */

/* Sends consumer c again the kept producer packet k as consumer seq oseq
 * (logged as *tag): as RTX when c has an RTX SSRC (new transport-wide seq
 * and abs-send-time), else byte-identical to the first time (tag's
 * values). 0 when sent, -1 when not (counted as a drop by reason). */
int dp_forward_resend(struct dp_media *md, struct dp_consumer *c, const struct dp_rtx_pkt *k,
		      const struct dp_fwd_tag *tag);

#endif
