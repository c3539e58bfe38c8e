/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp_int - what the dispatcher (dp_srtp.c) and the two SRTP engines
 * (dp_srtp_libsrtp.c, dp_srtp_imb.c) share. Not for callers outside
 * dataplane/srtp/: they see only dp_srtp.h.
 *
 * Every engine's context starts with struct dp_srtp, so the dispatcher can
 * find the engine of a context without knowing its layout. A context always
 * stays with the engine that created it: dp_srtp_set_engine() only decides
 * which engine the next dp_srtp_create() uses.
 */
#ifndef DP_SRTP_INT_H
#define DP_SRTP_INT_H

#include <stdint.h>
#include <string.h>

#include "dp_srtp.h"

#define DP_SRTCP_INDEX_LEN 4u        /* E flag + 31-bit SRTCP index */
#define DP_SRTCP_E_BIT 0x80000000u   /* in the trailer word, network order */
#define DP_SRTCP_INDEX_MAX 0x7fffffffu

/* What we know of each supported profile; tags are in bytes. */
struct dp_srtp_profile_info {
	enum sl_srtp_profile profile;
	uint8_t key_len;
	uint8_t salt_len;
	uint8_t rtp_tag;
	uint8_t rtcp_tag;
	uint8_t aead; /* 1: AES-GCM (RFC 7714), 0: AES-CM + HMAC-SHA1 (RFC 3711) */
};

/* The profile's row, or NULL for one we do not support. */
const struct dp_srtp_profile_info *dp_srtp_profile_info(enum sl_srtp_profile profile);

typedef enum dp_srtp_status (*dp_srtp_one_fn)(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					      uint32_t cap);
typedef unsigned int (*dp_srtp_burst_fn)(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					 uint32_t lens[], uint32_t cap,
					 enum dp_srtp_status st[], unsigned int n);
/* dp_srtp_protect_rtp_burst_from(), n <= 64 (the dispatcher chunks). */
typedef unsigned int (*dp_srtp_burst_from_fn)(struct dp_srtp *const ctx[], uint8_t *const dst[],
					      const uint32_t hdr_lens[],
					      const uint8_t *const payload[],
					      const uint32_t plens[], uint32_t cap,
					      uint32_t out_lens[], enum dp_srtp_status st[],
					      unsigned int n);

/*
 * One engine. create() gets arguments already checked against pi (lengths,
 * pointers) and returns its context or an error; the dispatcher fills the
 * context's head. The per-packet calls get a live (not wiped) ctx of this
 * engine and do their own argument checks (dp_srtp_check_args()). The burst
 * calls get at most 64 packets and ctx[] whose non-NULL entries are all
 * live contexts of this engine (NULL entries: BAD_PARAM).
 */
struct dp_srtp_ops {
	const char *name;
	int (*global_init)(void);
	enum dp_srtp_status (*create)(struct dp_srtp **out, const struct dp_srtp_profile_info *pi,
				      const uint8_t *rx_master, const uint8_t *tx_master);
	void (*wipe)(struct dp_srtp *ctx);
	void (*destroy)(struct dp_srtp *ctx);
	dp_srtp_one_fn protect_rtp;
	dp_srtp_one_fn unprotect_rtp;
	dp_srtp_one_fn protect_rtcp;
	dp_srtp_one_fn unprotect_rtcp;
	dp_srtp_burst_fn protect_rtp_burst;
	dp_srtp_burst_fn unprotect_rtp_burst;
	dp_srtp_burst_from_fn protect_rtp_burst_from;
};

/* The head of every engine's context. */
struct dp_srtp {
	const struct dp_srtp_ops *ops;
	enum sl_srtp_profile profile; /* SL_SRTP_NONE once wiped */
	uint32_t rtp_overhead;
	uint32_t rtcp_overhead;
};

extern const struct dp_srtp_ops dp_srtp_libsrtp_ops;
extern const struct dp_srtp_ops dp_srtp_imb_ops;

/*
 * For tests only (tests/srtp/test_srtp_limits.c): moves one direction (tx
 * or rx) of an ipsec-mb context to the far end of its limits without 2^48
 * packets: the stream of SSRC ssrc (created if needed) gets SRTP window top
 * rtp_top (the top itself seen, nothing below it) and last SRTCP index sent
 * rtcp_index; the session has used its key rtp_uses times.
 * Returns 0, or -EINVAL (not an ipsec-mb context, wiped, no memory).
 */
int dp_srtp_imb_seek(struct dp_srtp *ctx, int tx, uint32_t ssrc, uint64_t rtp_top,
		     uint32_t rtcp_index, uint64_t rtp_uses);

/* ipsec-mb architecture in use ("avx512", "avx2", ...), "none" before/without init. */
const char *dp_srtp_imb_arch(void);

/*
 * Common argument checks. grow is what the operation adds (0 when it
 * shrinks the packet). Returns DP_SRTP_OK when the engine may go on.
 */
static inline enum dp_srtp_status dp_srtp_check_args(const uint8_t *pkt, const uint32_t *len,
						     uint32_t cap, uint32_t grow)
{
	if (!pkt || !len || *len > cap || cap > (uint32_t)INT32_MAX)
		return DP_SRTP_BAD_PARAM;
	if (grow && cap - *len < grow)
		return DP_SRTP_NO_SPACE;
	return DP_SRTP_OK;
}

/*
 * RTP header length (fixed part, CSRCs, extension), or 0 when it overruns
 * len or len < 12 (what libsrtp's srtp_validate_rtp_header() accepts).
 */
static inline uint32_t dp_srtp_rtp_hdr_len(const uint8_t *pkt, uint32_t len)
{
	uint32_t h;

	if (len < 12)
		return 0;
	h = 12 + 4u * (pkt[0] & 0x0f);
	if (pkt[0] & 0x10) {
		if (len < h + 4)
			return 0;
		h += 4 + 4u * ((uint32_t)pkt[h + 2] << 8 | pkt[h + 3]);
	}
	return h <= len ? h : 0;
}

/*
 * The checks of one packet of dp_srtp_protect_rtp_burst_from() before any
 * byte moves: dst and payload given, the header at dst complete in exactly
 * hdr_len bytes, and room for the payload and grow bytes of trailer in cap.
 */
static inline enum dp_srtp_status dp_srtp_check_from(const uint8_t *dst, uint32_t hdr_len,
						     const uint8_t *payload, uint32_t plen,
						     uint32_t cap, uint32_t grow)
{
	uint64_t need = (uint64_t)hdr_len + plen + grow;

	if (!dst || (!payload && plen) || cap > (uint32_t)INT32_MAX || hdr_len > cap ||
	    dp_srtp_rtp_hdr_len(dst, hdr_len) != hdr_len || hdr_len == 0)
		return DP_SRTP_BAD_PARAM;
	if (need > cap)
		return need - grow > cap ? DP_SRTP_BAD_PARAM : DP_SRTP_NO_SPACE;
	return DP_SRTP_OK;
}

/*
 * dp_srtp_protect_rtp_burst_from() by assembling each packet in dst (the
 * payload moved behind the header) and protecting it in place with fn.
 */
static inline unsigned int dp_srtp_burst_from_loop(dp_srtp_one_fn fn, struct dp_srtp *const ctx[],
						   uint8_t *const dst[], const uint32_t hdr_lens[],
						   const uint8_t *const payload[],
						   const uint32_t plens[], uint32_t cap,
						   uint32_t out_lens[], enum dp_srtp_status st[],
						   unsigned int n)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		st[i] = ctx[i] ? dp_srtp_check_from(dst[i], hdr_lens[i], payload[i], plens[i], cap,
						     ctx[i]->rtp_overhead)
			       : DP_SRTP_BAD_PARAM;
		if (st[i] == DP_SRTP_OK) {
			uint32_t len = hdr_lens[i] + plens[i];

			if (plens[i] && payload[i] != dst[i] + hdr_lens[i])
				memmove(dst[i] + hdr_lens[i], payload[i], plens[i]);
			st[i] = fn(ctx[i], dst[i], &len, cap);
			if (st[i] == DP_SRTP_OK)
				out_lens[i] = len;
		}
		ok += st[i] == DP_SRTP_OK;
	}
	return ok;
}

/* The per-packet loop both engines may use for a burst. */
static inline unsigned int dp_srtp_burst_loop(dp_srtp_one_fn fn, struct dp_srtp *const ctx[],
					      uint8_t *const pkts[], uint32_t lens[], uint32_t cap,
					      enum dp_srtp_status st[], unsigned int n)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		st[i] = ctx[i] ? fn(ctx[i], pkts[i], &lens[i], cap) : DP_SRTP_BAD_PARAM;
		ok += st[i] == DP_SRTP_OK;
	}
	return ok;
}

#endif /* DP_SRTP_INT_H */
