/* SPDX-License-Identifier: MIT */
/*
 * dp_rtcp - pure RTCP code for the data plane: validation and iteration of
 * compound (RFC 3550) and reduced-size (RFC 5506) RTCP, parsers of the packet
 * types an SFU reads, builders of the packets it sends, in-place rewrites of
 * relayed feedback, and NTP/RTT helpers.
 *
 * Contracts shared by every function here:
 * - No globals, no allocation, no logging, no DPDK: safe to call from any
 *   lcore on its own packets, and to fuzz alone.
 * - Parsers never read outside the sub-packet they are given (pkt->hdr ..
 *   pkt->hdr + pkt->len) and return an enum dp_rtcp_status value; on error the
 *   output struct may be partly written and must not be used.
 * - Pointers that parsers return (CNAME, NACK FCI, APP data, ...) point into
 *   the caller's packet buffer and live as long as it does.
 * - Builders write one wire-exact sub-packet into a caller buffer and return
 *   its length in bytes, or 0 when the arguments are invalid or it does not
 *   fit in cap; on 0 the buffer contents are unspecified.
 * - All multi-byte wire fields are big-endian; nothing here depends on the
 *   host byte order or on bitfield layout.
 */
#ifndef DP_RTCP_H
#define DP_RTCP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* RTCP packet types (PT). */
enum dp_rtcp_pt {
	DP_RTCP_PT_SR = 200,
	DP_RTCP_PT_RR = 201,
	DP_RTCP_PT_SDES = 202,
	DP_RTCP_PT_BYE = 203,
	DP_RTCP_PT_APP = 204,
	DP_RTCP_PT_RTPFB = 205, /* RFC 4585 transport-layer feedback */
	DP_RTCP_PT_PSFB = 206,  /* RFC 4585 payload-specific feedback */
	DP_RTCP_PT_XR = 207,
};

/* Feedback message types (FMT, the 5-bit count field of PT 205/206). */
enum dp_rtcp_fmt {
	DP_RTCP_FMT_NACK = 1,  /* RTPFB: generic NACK (RFC 4585 6.2.1) */
	DP_RTCP_FMT_TCC = 15,  /* RTPFB: transport-wide congestion control */
	DP_RTCP_FMT_PLI = 1,   /* PSFB: picture loss indication */
	DP_RTCP_FMT_FIR = 4,   /* PSFB: full intra request (RFC 5104 4.3.1) */
	DP_RTCP_FMT_AFB = 15,  /* PSFB: application layer feedback (REMB) */
};

/* Status of every parser/validator. Negative values are errors. */
enum dp_rtcp_status {
	DP_RTCP_OK = 0,
	DP_RTCP_ERR_SHORT = -1,     /* datagram ends inside a header or a declared length */
	DP_RTCP_ERR_VERSION = -2,   /* version field is not 2 */
	DP_RTCP_ERR_LENGTH = -3,    /* body too short for its type/count, or trailing bytes */
	DP_RTCP_ERR_PADDING = -4,   /* P bit not on the last sub-packet, or bad pad count */
	DP_RTCP_ERR_FIRST = -5,     /* first sub-packet neither SR/RR nor feedback */
	DP_RTCP_ERR_TYPE = -6,      /* parser given another PT/FMT (or AFB that is not REMB) */
	DP_RTCP_ERR_MALFORMED = -7, /* contents inconsistent (item overrun, bad symbol, ...) */
	DP_RTCP_ERR_OVERFLOW = -8,  /* more entries than the output can hold */
};

/* Static name of a status ("ok", "short", ...); "unknown" for others. */
const char *dp_rtcp_status_str(int status);

/* ---------------------------------------------------------------------- */
/* Sub-packets and the compound iterator                                   */

/* One sub-packet of a compound datagram. Filled by dp_rtcp_pkt_parse() or
 * dp_rtcp_iter_next(); the parsers below trust these fields, so build it with
 * those functions only. */
struct dp_rtcp_pkt {
	const uint8_t *hdr;  /* first byte of the 4-byte common header */
	size_t len;          /* whole sub-packet: (length field + 1) * 4 */
	const uint8_t *body; /* hdr + 4 */
	size_t body_len;     /* len - 4 - padding bytes */
	size_t offset;       /* hdr offset from the start of the datagram (iterator) */
	uint8_t pt;          /* packet type */
	uint8_t count;       /* RC / SC / FMT: the low 5 bits of byte 0 */
	uint8_t padding;     /* 1 when the P bit is set */
};

/* Parses the common header of the sub-packet at buf (len bytes available,
 * may be more than the sub-packet). Checks version 2, that the declared length
 * fits in len, and when P is set that the sub-packet's last octet (the pad
 * count) is in 1 .. pkt->len - 4. Sets pkt->offset to 0. */
int dp_rtcp_pkt_parse(const uint8_t *buf, size_t len, struct dp_rtcp_pkt *pkt);

/* Iterator over a whole RTCP datagram (after SRTCP unprotect). */
struct dp_rtcp_iter {
	const uint8_t *start;
	const uint8_t *pos;
	const uint8_t *end;
	unsigned int index;   /* sub-packets returned so far */
	uint8_t reduced;      /* 1: reduced-size (RFC 5506), 0: compound */
};

/* Validates the whole datagram, then positions the iterator at its first
 * sub-packet. Rules: every sub-packet passes dp_rtcp_pkt_parse(); their
 * lengths add up to len exactly; only the last has the P bit. A datagram
 * whose first sub-packet is SR or RR is compound; one whose first sub-packet
 * is RTPFB or PSFB is reduced-size (it->reduced = 1; later sub-packets may be
 * of any type, as browsers batch feedback this way); anything else is
 * DP_RTCP_ERR_FIRST. On error the iterator yields nothing. */
int dp_rtcp_iter_init(struct dp_rtcp_iter *it, const uint8_t *buf, size_t len);

/* Next sub-packet: returns 1 and fills pkt, or 0 at the end. */
int dp_rtcp_iter_next(struct dp_rtcp_iter *it, struct dp_rtcp_pkt *pkt);

/* ---------------------------------------------------------------------- */
/* SR / RR / SDES / BYE / APP                                              */

#define DP_RTCP_MAX_RB 31 /* report blocks per SR/RR (5-bit RC) */

/* One reception report block (RFC 3550 6.4.1). */
struct dp_rtcp_rb {
	uint32_t ssrc;
	uint8_t fraction_lost;   /* fixed point, /256 */
	int32_t cumulative_lost; /* signed 24-bit on the wire; builders clamp */
	uint32_t ext_highest_seq;
	uint32_t jitter;         /* RTP timestamp units */
	uint32_t lsr;            /* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;           /* delay since last SR, 1/65536 s */
};

struct dp_rtcp_sr {
	uint32_t ssrc;
	uint64_t ntp;            /* 32.32 fixed point seconds since 1900 */
	uint32_t rtp_ts;
	uint32_t packet_count;
	uint32_t octet_count;
	unsigned int rb_count;
	struct dp_rtcp_rb rb[DP_RTCP_MAX_RB];
};

struct dp_rtcp_rr {
	uint32_t ssrc;
	unsigned int rb_count;
	struct dp_rtcp_rb rb[DP_RTCP_MAX_RB];
};

/* SR/RR: profile-specific extensions after the report blocks are ignored. */
int dp_rtcp_parse_sr(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_sr *sr);
int dp_rtcp_parse_rr(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_rr *rr);

#define DP_RTCP_SDES_END 0
#define DP_RTCP_SDES_CNAME 1

/* SDES: all SC chunks are walked and validated (items inside the body, each
 * chunk's item list ended by a null octet and filled to 32 bits, nothing
 * after the last chunk). cname/cname_len describe the CNAME item of the first
 * chunk (cname == NULL when it has none or SC is 0). */
struct dp_rtcp_sdes {
	unsigned int chunk_count;
	uint32_t ssrc;           /* SSRC/CSRC of the first chunk (0 if SC = 0) */
	const uint8_t *cname;    /* not NUL-terminated */
	uint8_t cname_len;
};
int dp_rtcp_parse_sdes(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_sdes *sdes);

struct dp_rtcp_bye {
	unsigned int count;
	uint32_t ssrc[DP_RTCP_MAX_RB];
	const uint8_t *reason;   /* NULL when absent; not NUL-terminated */
	uint8_t reason_len;
};
int dp_rtcp_parse_bye(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_bye *bye);

struct dp_rtcp_app {
	uint8_t subtype;
	uint32_t ssrc;
	uint8_t name[4];
	const uint8_t *data;
	size_t data_len;
};
int dp_rtcp_parse_app(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_app *app);

/* ---------------------------------------------------------------------- */
/* Feedback (RFC 4585): NACK, PLI, FIR, REMB                              */

/* Common feedback header of any PT 205/206 sub-packet. */
struct dp_rtcp_fb {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	const uint8_t *fci;      /* feedback control information */
	size_t fci_len;
};
int dp_rtcp_parse_fb(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_fb *fb);

/* PLI: PSFB FMT 1 (any FCI bytes are ignored). */
int dp_rtcp_parse_pli(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_fb *fb);

/* Generic NACK: RTPFB FMT 1 with at least one (PID, BLP) pair. The pairs are
 * not copied: read them with dp_rtcp_nack_pair(). */
struct dp_rtcp_nack {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	const uint8_t *fci;
	unsigned int pair_count;
};
int dp_rtcp_parse_nack(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_nack *nack);

/* Pair i (< pair_count): packet id and bitmask of the following 16 seqs. */
static inline void dp_rtcp_nack_pair(const struct dp_rtcp_nack *nack, unsigned int i,
				     uint16_t *pid, uint16_t *blp)
{
	const uint8_t *p = nack->fci + 4 * (size_t)i;
	*pid = (uint16_t)((p[0] << 8) | p[1]);
	*blp = (uint16_t)((p[2] << 8) | p[3]);
}

/* Expands the pairs into lost sequence numbers, in packet order (PID, then
 * the BLP bits from least significant). Writes at most cap of them to out
 * (out may be NULL when cap is 0) and returns how many the packet lists in
 * total, which may exceed cap (at most 17 per pair). */
size_t dp_rtcp_nack_lost(const struct dp_rtcp_nack *nack, uint16_t *out, size_t cap);

/* Same walk with a callback; stops early when cb returns non-zero. Returns
 * the number of seqs passed to cb. */
size_t dp_rtcp_nack_foreach(const struct dp_rtcp_nack *nack,
			    int (*cb)(uint16_t seq, void *arg), void *arg);

#define DP_RTCP_FIR_MAX 16

struct dp_rtcp_fir_entry {
	uint32_t ssrc;           /* the media sender asked for a key frame */
	uint8_t seq;             /* command sequence number */
};

/* FIR: PSFB FMT 4, at least one 8-byte entry; more than DP_RTCP_FIR_MAX
 * entries is DP_RTCP_ERR_OVERFLOW. */
struct dp_rtcp_fir {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;     /* 0 per RFC 5104 */
	unsigned int count;
	struct dp_rtcp_fir_entry entry[DP_RTCP_FIR_MAX];
};
int dp_rtcp_parse_fir(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_fir *fir);

#define DP_RTCP_REMB_MAX_SSRC 255 /* the 8-bit Num SSRC field never exceeds it */

/* REMB (draft-alvestrand-rmcat-remb): PSFB FMT 15 with "REMB". bitrate is
 * mantissa << exp in bits per second, UINT64_MAX when it does not fit. */
struct dp_rtcp_remb {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	uint8_t exp;             /* 6 bits */
	uint32_t mantissa;       /* 18 bits */
	uint64_t bitrate;
	unsigned int ssrc_count;
	uint32_t ssrc[DP_RTCP_REMB_MAX_SSRC];
};
/* Another AFB identifier is DP_RTCP_ERR_TYPE. */
int dp_rtcp_parse_remb(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_remb *remb);

/* ---------------------------------------------------------------------- */
/* Transport-wide congestion control feedback                              */
/* (draft-holmer-rmcat-transport-wide-cc-extensions-01, RTPFB FMT 15)      */

enum dp_rtcp_tcc_symbol {
	DP_RTCP_TCC_NOT_RECEIVED = 0,
	DP_RTCP_TCC_SMALL = 1,   /* received, 1-byte delta 0 .. 255 */
	DP_RTCP_TCC_LARGE = 2,   /* received, 2-byte signed delta */
};

struct dp_rtcp_tcc {
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
	uint16_t base_seq;
	uint16_t status_count;   /* 1 .. 65535 */
	int32_t ref_time;        /* signed 24-bit, units of 64 ms */
	uint8_t fb_count;
	unsigned int recv_count; /* statuses with a receive delta */
};

/* One decoded status: seq = base_seq + index. */
struct dp_rtcp_tcc_status {
	uint16_t seq;
	uint8_t symbol;          /* enum dp_rtcp_tcc_symbol */
	int16_t delta;           /* 250 us units from the previous received packet
				  * (the first from ref_time * 64 ms); 0 if lost */
};

/* Decodes the whole feedback into out[0 .. tcc->status_count). When
 * status_count > cap the header is filled and DP_RTCP_ERR_OVERFLOW returned
 * (a cap of 65535 never overflows). Errors: status count 0, chunks or deltas
 * past the body, reserved symbol 3, 4 or more bytes after the deltas. */
int dp_rtcp_parse_tcc(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_tcc *tcc,
		      struct dp_rtcp_tcc_status *out, size_t cap);

#define DP_RTCP_TCC_LOST INT64_MIN /* arrival_us of a packet not received */

/* Builder input: one transport-wide seq and its arrival time. */
struct dp_rtcp_tcc_arrival {
	uint16_t seq;
	int64_t arrival_us;      /* any monotonic clock, or DP_RTCP_TCC_LOST */
};

/* Builds one feedback packet covering a[0].seq .. a[n-1].seq. Seqs must be
 * strictly increasing modulo 2^16 (each step 1 .. 32767, span <= 65535);
 * seqs missing between entries are reported not received. Arrival times are
 * truncated to 250 us ticks; the reference time is the first received
 * packet's tick rounded down to 64 ms (0 when none was received), sent
 * modulo 2^24. Each delta between consecutive received
 * packets must fit a signed 16-bit tick count, else 0 is returned (split the
 * list). Chunks: run-length for runs of >= 14 equal symbols (or >= 7 when a
 * 2-bit vector would be needed), 1-bit vectors when the next 14 statuses have
 * no large delta, 2-bit vectors otherwise. Padded to 32 bits with the P bit
 * set and the pad count in the last octet (so put it last in a compound). */
size_t dp_rtcp_build_tcc(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
			 uint8_t fb_count, const struct dp_rtcp_tcc_arrival *a, size_t n);

/* ---------------------------------------------------------------------- */
/* Builders                                                                */

/* RR / SR from the same structs the parsers fill (rb_count <= 31). */
size_t dp_rtcp_build_rr(uint8_t *buf, size_t cap, const struct dp_rtcp_rr *rr);
size_t dp_rtcp_build_sr(uint8_t *buf, size_t cap, const struct dp_rtcp_sr *sr);

/* SDES with one chunk: ssrc + CNAME item (1 .. 255 bytes) + END + fill. */
size_t dp_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc,
				const uint8_t *cname, size_t cname_len);

/* BYE for 1 .. 31 ssrcs with an optional reason (reason_len <= 255). */
size_t dp_rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrc, unsigned int n,
			 const uint8_t *reason, size_t reason_len);

/* Generic NACK from n >= 1 lost seqs, ideally sorted in RTP order (wrap
 * aware). Each seq within 1 .. 16 after the current PID sets a BLP bit,
 * a repeat of the PID is skipped, anything else opens a new pair, so an
 * unsorted list still yields a correct (if longer) NACK. */
size_t dp_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
			  const uint16_t *seqs, size_t n);

size_t dp_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);

/* FIR with 1 .. DP_RTCP_FIR_MAX entries; media ssrc 0 as RFC 5104 wants. */
size_t dp_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
			 const struct dp_rtcp_fir_entry *e, unsigned int n);

/* REMB for bitrate (rounded down to 18 significant bits) and 0 .. 255 ssrcs. */
size_t dp_rtcp_build_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint64_t bitrate,
			  const uint32_t *ssrc, unsigned int n);

/* Compound writer: build sub-packets straight into the tail, commit each.
 *   struct dp_rtcp_compound c;
 *   dp_rtcp_compound_init(&c, buf, sizeof(buf));
 *   dp_rtcp_compound_commit(&c, dp_rtcp_build_rr(dp_rtcp_compound_tail(&c),
 *                                                dp_rtcp_compound_room(&c), &rr));
 *   dp_rtcp_compound_commit(&c, dp_rtcp_build_nack(dp_rtcp_compound_tail(&c),
 *                                                  dp_rtcp_compound_room(&c), ...));
 *   len = dp_rtcp_compound_finish(&c);
 * The first sub-packet must be SR or RR, only the last may be padded; a
 * builder failure (length 0) makes the whole compound fail. tail and room
 * only read c, so they may be evaluated in any order within one call. */
struct dp_rtcp_compound {
	uint8_t *buf;
	size_t cap;
	size_t len;
	unsigned int count;
	int status;              /* first error, sticky */
	uint8_t padded;          /* the last committed sub-packet has the P bit */
};
void dp_rtcp_compound_init(struct dp_rtcp_compound *c, uint8_t *buf, size_t cap);
/* Where the next sub-packet goes, and the bytes left there (0 after an error). */
uint8_t *dp_rtcp_compound_tail(const struct dp_rtcp_compound *c);
size_t dp_rtcp_compound_room(const struct dp_rtcp_compound *c);
/* Accepts the n bytes written at the tail as one sub-packet; returns status. */
int dp_rtcp_compound_commit(struct dp_rtcp_compound *c, size_t n);
/* Total length, or 0 when empty or any step failed. */
size_t dp_rtcp_compound_finish(const struct dp_rtcp_compound *c);

/* ---------------------------------------------------------------------- */
/* In-place rewrites for relayed feedback                                  */

/* Sets the sender SSRC and the media SSRC of one feedback sub-packet
 * (buf/len: the sub-packet, e.g. datagram + pkt.offset, pkt.len). For NACK,
 * PLI and other PT 205/206 the media SSRC is the header field; for FIR it is
 * the SSRC of every FCI entry (the header field stays 0). Returns
 * DP_RTCP_OK, DP_RTCP_ERR_TYPE (not feedback) or a header error. */
int dp_rtcp_fb_rewrite(uint8_t *buf, size_t len, uint32_t sender_ssrc, uint32_t media_ssrc);

/* FIR: entries whose SSRC is from_ssrc get to_ssrc and, when seq >= 0, that
 * command seq nr. Returns the number of entries changed, or a negative status. */
int dp_rtcp_fir_rewrite_entry(uint8_t *buf, size_t len, uint32_t from_ssrc, uint32_t to_ssrc,
			      int seq);

/* ---------------------------------------------------------------------- */
/* NTP time and round-trip time                                            */

#define DP_RTCP_NTP_UNIX_OFFSET 2208988800ULL /* seconds 1900 -> 1970 */

/* 64-bit NTP (32.32) from Unix time in nanoseconds / from a timespec
 * (CLOCK_REALTIME). The fraction is rounded down. */
uint64_t dp_rtcp_ntp_from_ns(uint64_t unix_ns);
uint64_t dp_rtcp_ntp_from_timespec(const struct timespec *ts);
/* Unix nanoseconds from 64-bit NTP (times before 1970 give 0). */
uint64_t dp_rtcp_ntp_to_ns(uint64_t ntp);

/* The middle 32 bits (16.16) used as LSR and for "now" in RTT. */
static inline uint32_t dp_rtcp_ntp_mid32(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/* A delay in ns as 1/65536 s units (DLSR), saturating at UINT32_MAX. */
uint32_t dp_rtcp_dlsr_from_ns(uint64_t delay_ns);

/* 1/65536 s units to microseconds. */
static inline uint64_t dp_rtcp_q16_to_us(uint32_t q16)
{
	return ((uint64_t)q16 * 1000000u) >> 16;
}

/* RFC 3550 6.4.1 round trip: now_mid32 - lsr - dlsr in 1/65536 s, modulo
 * 2^32. Returns 0 and *rtt, -ENODATA when lsr is 0 (no SR received yet),
 * -ERANGE when the result would be negative or above 2^31 (clock steps,
 * bogus report). */
int dp_rtcp_rtt(uint32_t now_mid32, uint32_t lsr, uint32_t dlsr, uint32_t *rtt);

#endif
