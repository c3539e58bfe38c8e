/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of dp_rtcp: constants and the common header writer
 * (byte order helpers: dp_bytes.h). Callers check bounds before calling; nothing here does.
 */
#ifndef DP_RTCP_WIRE_H
#define DP_RTCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dp_bytes.h"

#define DP_RTCP_HDR_LEN 4
#define DP_RTCP_FB_HDR_LEN 12 /* common header + sender ssrc + media ssrc */
#define DP_RTCP_RB_LEN 24
#define DP_RTCP_MAX_LEN (65536u * 4u) /* (length field + 1) * 4 */

/* Sign-extends a 24-bit two's complement value. */
static inline int32_t dp_rtcp_sext24(uint32_t v)
{
	v &= 0xffffffu;
	return (v & 0x800000u) ? (int32_t)v - 0x1000000 : (int32_t)v;
}

/* Writes the common header of a sub-packet of total_len bytes (a multiple of
 * 4, 4 .. DP_RTCP_MAX_LEN; checked by the caller). */
static inline void dp_rtcp_wr_hdr(uint8_t *p, int padding, unsigned int count, uint8_t pt,
				  size_t total_len)
{
	p[0] = (uint8_t)(0x80u | (padding ? 0x20u : 0u) | (count & 0x1fu));
	p[1] = pt;
	dp_put_be16(p + 2, (uint16_t)(total_len / 4 - 1));
}

#endif
