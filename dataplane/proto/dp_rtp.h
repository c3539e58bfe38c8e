/* SPDX-License-Identifier: MIT */
/*
 * dp_rtp.h - RTP for forwarding: RFC 3550 header, RFC 8285 header
 * extensions, RFC 4588 retransmission, sequence-number arithmetic.
 *
 * Contracts:
 *  - Pure functions over caller buffers: no allocation, no globals, no
 *    logging, O(length). Nothing reads outside [pkt, pkt + len).
 *  - struct dp_rtp_info holds offsets into the packet it was parsed from.
 *    The in-place rewrites below never move the payload, so an info stays
 *    valid across them; dp_rtp_rtx_unwrap() updates the info it is given.
 *  - Setters that take only a packet pointer (dp_rtp_set_*) require a packet
 *    that dp_rtp_parse() accepted (at least 12 bytes).
 *
 * Fixed header (RFC 3550 5.1):
 *
 *     0        1        2        4            8            12
 *     |V=2 P X CC|M PT  | seq    | timestamp  | SSRC       | CSRC[CC] ...
 *
 * then, when X is set, an extension block: 16-bit profile, 16-bit length in
 * 32-bit words, data. RFC 8285 defines two profiles of it: one-byte elements
 * (profile 0xBEDE: 4-bit id 1..14, 4-bit length-1) and two-byte elements
 * (profile 0x100X: 8-bit id 1..255, 8-bit length). Bytes of value 0 between
 * elements are padding. Blocks of other profiles are kept but have no ids.
 */
#ifndef DP_RTP_H
#define DP_RTP_H

#include <stddef.h>
#include <stdint.h>

#include "dp_bytes.h"

#define DP_RTP_HDR_MIN 12u
#define DP_RTP_VERSION 2u
#define DP_RTP_EXT_ONE_BYTE 0xbedeu
#define DP_RTP_EXT_TWO_BYTE 0x1000u /* 0x100X: X = 4 application bits */
#define DP_RTP_EXT_TWO_BYTE_MASK 0xfff0u
#define DP_RTP_ONE_BYTE_ID_MAX 14u
#define DP_RTP_MID_MAX 16u /* what fits in a one-byte element */
#define DP_RTP_RTX_OSN_LEN 2u

enum dp_rtp_status {
	DP_RTP_OK = 0,
	DP_RTP_SHORT = 1,       /* shorter than the fixed header or CSRC list */
	DP_RTP_BAD_VERSION = 2, /* version is not 2 */
	DP_RTP_MALFORMED = 3,   /* extension block or padding past the end, bad element layout */
	DP_RTP_END = 4,         /* iterator: no more elements */
	DP_RTP_NOT_FOUND = 5,   /* no element with that id */
	DP_RTP_BAD_ID = 6,      /* a map asks for an id the element form cannot carry */
	DP_RTP_BAD_LEN = 7,     /* an element's length does not fit the value */
	DP_RTP_NOSPACE = 8,     /* output buffer too small */
};

/* Element forms of an extension block. */
enum dp_rtp_ext_form {
	DP_RTP_EXT_NONE = 0,  /* no block (X = 0) */
	DP_RTP_EXT_ONE = 1,   /* RFC 8285 one-byte, profile 0xBEDE */
	DP_RTP_EXT_TWO = 2,   /* RFC 8285 two-byte, profile 0x100X */
	DP_RTP_EXT_OTHER = 3, /* some other profile: opaque */
};

/*
 * What dp_rtp_parse() found. payload_off + payload_len + pad_len == the
 * packet length.
 */
struct dp_rtp_info {
	uint8_t cc;           /* CSRC count */
	uint8_t marker;       /* 0 or 1 */
	uint8_t pt;           /* payload type, 0..127 */
	uint8_t ext_form;     /* enum dp_rtp_ext_form */
	uint16_t seq;
	uint16_t ext_profile; /* the block's 16-bit profile field, if any */
	uint32_t ts;
	uint32_t ssrc;
	uint32_t hdr_len;     /* 12 + 4*cc (+ 4 + ext_len): where the payload starts */
	uint32_t payload_off; /* == hdr_len */
	uint32_t payload_len; /* without padding */
	uint32_t pad_len;     /* padding incl. its count byte; 0 when P = 0 */
	uint32_t ext_off;     /* offset of the 4-byte block header, 0 when none */
	uint32_t ext_len;     /* bytes of element data after the block header */
};

/*
 * Parse pkt[0..len). DP_RTP_OK, DP_RTP_SHORT (< 12 bytes, CSRCs or the block
 * header cut off), DP_RTP_BAD_VERSION, or DP_RTP_MALFORMED (block data past
 * the end; padding count 0 or longer than what follows the header). The
 * elements of the block are checked by the iterator, not here.
 */
enum dp_rtp_status dp_rtp_parse(const uint8_t *pkt, size_t len, struct dp_rtp_info *ri);

/* ------------------------------------------------------------------ */
/* Header extension elements (RFC 8285)                                */
/* ------------------------------------------------------------------ */

struct dp_rtp_ext_elem {
	uint8_t id;   /* 1..14 (one-byte) or 1..255 (two-byte) */
	uint8_t len;  /* data bytes: 1..16 (one-byte) or 0..255 (two-byte) */
	uint32_t hdr; /* offset of the element's first header byte in the packet */
	uint32_t off; /* offset of its data in the packet */
};

struct dp_rtp_ext_iter {
	uint32_t pos;
	uint32_t end;
	uint8_t form;
};

/* Start at the first element of ri's block (none for DP_RTP_EXT_NONE/OTHER). */
void dp_rtp_ext_iter_init(struct dp_rtp_ext_iter *it, const struct dp_rtp_info *ri);

/*
 * Next element into *e: DP_RTP_OK, DP_RTP_END, or DP_RTP_MALFORMED when an
 * element runs past the block. Padding bytes are skipped; a one-byte id 15
 * ends the block (RFC 8285 4.2).
 */
enum dp_rtp_status dp_rtp_ext_next(struct dp_rtp_ext_iter *it, const uint8_t *pkt,
				   struct dp_rtp_ext_elem *e);

/* First element with this id: DP_RTP_OK, DP_RTP_NOT_FOUND or DP_RTP_MALFORMED. */
enum dp_rtp_status dp_rtp_ext_find(const uint8_t *pkt, const struct dp_rtp_info *ri,
				   uint8_t id, struct dp_rtp_ext_elem *e);

/*
 * Rewrite element ids in place: id -> map[id]; map[id] == 0 removes the
 * element (header and data become zero padding bytes). The payload does not
 * move. All-or-nothing: the block is checked first and DP_RTP_MALFORMED or
 * DP_RTP_BAD_ID (map gives > 14 for a one-byte element) leave the packet
 * untouched. Blocks of other profiles are left alone (DP_RTP_OK).
 */
enum dp_rtp_status dp_rtp_ext_remap(uint8_t *pkt, const struct dp_rtp_info *ri,
				    const uint8_t map[256]);

/*
 * Well-known element values. Getters and setters check the element length
 * (DP_RTP_BAD_LEN) and never change it.
 *   abs-send-time   3 bytes, 6.18 fixed-point seconds (24 bits)
 *   transport-cc    2 bytes, transport-wide sequence number
 *   ssrc-audio-level (RFC 6464) first byte: V flag (bit 7) + level 0..127 (-dBov)
 *   mid (RFC 8843)  the string itself, 1..255 bytes; set only to the same length
 */
enum dp_rtp_status dp_rtp_ext_get_abs_send_time(const uint8_t *pkt,
						const struct dp_rtp_ext_elem *e, uint32_t *v24);
enum dp_rtp_status dp_rtp_ext_set_abs_send_time(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
						uint32_t v24);
enum dp_rtp_status dp_rtp_ext_get_twcc(const uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				       uint16_t *seq);
enum dp_rtp_status dp_rtp_ext_set_twcc(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				       uint16_t seq);
enum dp_rtp_status dp_rtp_ext_get_audio_level(const uint8_t *pkt,
					      const struct dp_rtp_ext_elem *e, int *voice,
					      uint8_t *level);
enum dp_rtp_status dp_rtp_ext_set_audio_level(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
					      int voice, uint8_t level);
enum dp_rtp_status dp_rtp_ext_get_mid(const uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				      const uint8_t **mid, size_t *mid_len);
enum dp_rtp_status dp_rtp_ext_set_mid(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				      const uint8_t *mid, size_t mid_len);

/* ------------------------------------------------------------------ */
/* In-place header rewrites for forwarding                             */
/* ------------------------------------------------------------------ */

/* Inline: they run per packet and per consumer. pkt holds >= 12 bytes. */
static inline void dp_rtp_set_ssrc(uint8_t *pkt, uint32_t ssrc)
{
	dp_put_be32(pkt + 8, ssrc);
}

/* pt 0..127 (higher bits ignored); the marker bit is kept. */
static inline void dp_rtp_set_pt(uint8_t *pkt, uint8_t pt)
{
	pkt[1] = (uint8_t)((pkt[1] & 0x80u) | (pt & 0x7fu));
}

static inline void dp_rtp_set_seq(uint8_t *pkt, uint16_t seq)
{
	dp_put_be16(pkt + 2, seq);
}

static inline void dp_rtp_set_ts(uint8_t *pkt, uint32_t ts)
{
	dp_put_be32(pkt + 4, ts);
}

/* ------------------------------------------------------------------ */
/* RTX (RFC 4588 section 4)                                            */
/* ------------------------------------------------------------------ */

/*
 * Write the RTX packet of the original pkt (parsed into ri) to out[0..cap):
 * the original header (CSRCs, extension block) with rtx_ssrc, rtx_pt (marker
 * kept) and rtx_seq, then the 2-byte original sequence number, then the
 * original payload and padding. *out_len = len + 2. DP_RTP_NOSPACE if cap is
 * too small; out must not overlap pkt.
 */
enum dp_rtp_status dp_rtp_rtx_wrap(const uint8_t *pkt, size_t len, const struct dp_rtp_info *ri,
				   uint8_t *out, size_t cap, size_t *out_len,
				   uint32_t rtx_ssrc, uint8_t rtx_pt, uint16_t rtx_seq);

/*
 * Turn the RTX packet pkt (parsed into ri) back into the original in place:
 * seq from the OSN, ssrc and pt given by the caller (from the RTX SSRC/PT
 * association), payload and padding moved 2 bytes back. *new_len = len - 2
 * and ri is updated to describe the result. DP_RTP_SHORT when the payload
 * has no room for an OSN.
 */
enum dp_rtp_status dp_rtp_rtx_unwrap(uint8_t *pkt, size_t len, struct dp_rtp_info *ri,
				     uint32_t orig_ssrc, uint8_t orig_pt, size_t *new_len);

/* ------------------------------------------------------------------ */
/* Sequence numbers                                                    */
/* ------------------------------------------------------------------ */

/*
 * a - b in the 16-bit circle, in -32768..32767: positive when a is newer.
 * A distance of exactly 32768 counts as a being older (-32768).
 */
static inline int32_t dp_seq16_diff(uint16_t a, uint16_t b)
{
	uint16_t d = (uint16_t)(a - b);
	return d < 0x8000u ? (int32_t)d : (int32_t)d - 0x10000;
}

/* a older than b (wrap-aware). */
static inline int dp_seq16_lt(uint16_t a, uint16_t b)
{
	return dp_seq16_diff(a, b) < 0;
}

#define DP_RTP_SEQ_MAX_DROPOUT 3000u /* forward steps below this are loss, not a jump */
#define DP_RTP_SEQ_MAX_MISORDER 100u /* backward steps below this are reordering */

/*
 * Extended (32-bit) sequence tracking of one stream, after the idea of
 * RFC 3550 A.1 (without probation: our packets are authenticated by SRTP).
 * Extended numbers count wraps in the top 16 bits and are modulo 2^32, like
 * the "extended highest sequence number received" of a receiver report.
 */
struct dp_rtp_seq {
	uint32_t cycles;   /* wraps << 16 */
	uint32_t base;     /* extended number of the first packet */
	uint32_t received; /* packets accepted (NEW, OLD, RESYNC) */
	uint32_t bad_seq;  /* expected next seq after a big jump; > 0xffff when none */
	uint16_t max_seq;
};

enum dp_rtp_seq_result {
	DP_RTP_SEQ_NEW = 0,    /* newer than any so far (maybe after a gap or a wrap) */
	DP_RTP_SEQ_OLD = 1,    /* a reordered, late or duplicate packet */
	DP_RTP_SEQ_JUMP = 2,   /* too far from the others: not accepted, remembered */
	DP_RTP_SEQ_RESYNC = 3, /* the packet after a JUMP followed it: restart from here */
};

/* Start tracking with the first packet's seq (counts it as received). */
void dp_rtp_seq_init(struct dp_rtp_seq *s, uint16_t seq);

/*
 * Account one packet. *ext gets its extended number (for JUMP: the number it
 * would have if the stream really jumped there). RESYNC continues the
 * extended numbers forward from the old maximum, so they never go back, and
 * restarts the counts (base, received) at this packet, as A.1 does.
 */
enum dp_rtp_seq_result dp_rtp_seq_update(struct dp_rtp_seq *s, uint16_t seq, uint32_t *ext);

/* Extended highest sequence number received. */
static inline uint32_t dp_rtp_seq_ext_max(const struct dp_rtp_seq *s)
{
	return s->cycles + s->max_seq;
}

/* Packets expected since the first: ext_max - base + 1. */
static inline uint32_t dp_rtp_seq_expected(const struct dp_rtp_seq *s)
{
	return dp_rtp_seq_ext_max(s) - s->base + 1u;
}

const char *dp_rtp_status_name(enum dp_rtp_status s);

#endif /* DP_RTP_H */
