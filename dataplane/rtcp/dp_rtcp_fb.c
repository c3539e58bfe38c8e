/* SPDX-License-Identifier: MIT */
/*
 * RFC 4585 / RFC 5104 feedback: generic NACK, PLI, FIR and REMB parsers and
 * builders, and the in-place SSRC rewrites an SFU applies when it relays
 * feedback. Contracts in dp_rtcp.h.
 */
#include <string.h>

#include "dp_rtcp.h"
#include "dp_rtcp_wire.h"

#define FIR_ENTRY_LEN 8
#define REMB_FIXED_LEN 20 /* header, 2 ssrcs, "REMB", num/exp/mantissa */

static int is_fb(uint8_t pt)
{
	return pt == DP_RTCP_PT_RTPFB || pt == DP_RTCP_PT_PSFB;
}

/* ---------------------------------------------------------------------- */
/* Parsers                                                                 */

int dp_rtcp_parse_fb(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_fb *fb)
{
	if (!is_fb(pkt->pt))
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < 8)
		return DP_RTCP_ERR_LENGTH;
	fb->sender_ssrc = dp_get_be32(pkt->body);
	fb->media_ssrc = dp_get_be32(pkt->body + 4);
	fb->fci = pkt->body + 8;
	fb->fci_len = pkt->body_len - 8;
	return DP_RTCP_OK;
}

int dp_rtcp_parse_pli(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_fb *fb)
{
	if (pkt->pt != DP_RTCP_PT_PSFB || pkt->count != DP_RTCP_FMT_PLI)
		return DP_RTCP_ERR_TYPE;
	return dp_rtcp_parse_fb(pkt, fb);
}

int dp_rtcp_parse_nack(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_nack *nack)
{
	if (pkt->pt != DP_RTCP_PT_RTPFB || pkt->count != DP_RTCP_FMT_NACK)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < 12) /* RFC 4585 6.2.1: at least one pair */
		return DP_RTCP_ERR_LENGTH;
	nack->sender_ssrc = dp_get_be32(pkt->body);
	nack->media_ssrc = dp_get_be32(pkt->body + 4);
	nack->fci = pkt->body + 8;
	nack->pair_count = (unsigned int)((pkt->body_len - 8) / 4);
	return DP_RTCP_OK;
}

size_t dp_rtcp_nack_lost(const struct dp_rtcp_nack *nack, uint16_t *out, size_t cap)
{
	size_t total = 0;
	for (unsigned int i = 0; i < nack->pair_count; i++) {
		uint16_t pid, blp;
		dp_rtcp_nack_pair(nack, i, &pid, &blp);
		if (total < cap)
			out[total] = pid;
		total++;
		for (unsigned int b = 0; b < 16; b++) {
			if (!(blp & (1u << b)))
				continue;
			if (total < cap)
				out[total] = (uint16_t)(pid + b + 1);
			total++;
		}
	}
	return total;
}

size_t dp_rtcp_nack_foreach(const struct dp_rtcp_nack *nack,
			    int (*cb)(uint16_t seq, void *arg), void *arg)
{
	size_t done = 0;
	for (unsigned int i = 0; i < nack->pair_count; i++) {
		uint16_t pid, blp;
		dp_rtcp_nack_pair(nack, i, &pid, &blp);
		done++;
		if (cb(pid, arg) != 0)
			return done;
		for (unsigned int b = 0; b < 16; b++) {
			if (!(blp & (1u << b)))
				continue;
			done++;
			if (cb((uint16_t)(pid + b + 1), arg) != 0)
				return done;
		}
	}
	return done;
}

int dp_rtcp_parse_fir(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_fir *fir)
{
	if (pkt->pt != DP_RTCP_PT_PSFB || pkt->count != DP_RTCP_FMT_FIR)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < 8 + FIR_ENTRY_LEN)
		return DP_RTCP_ERR_LENGTH;
	size_t n = (pkt->body_len - 8) / FIR_ENTRY_LEN;
	if (n > DP_RTCP_FIR_MAX)
		return DP_RTCP_ERR_OVERFLOW;

	fir->sender_ssrc = dp_get_be32(pkt->body);
	fir->media_ssrc = dp_get_be32(pkt->body + 4);
	fir->count = (unsigned int)n;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = pkt->body + 8 + i * FIR_ENTRY_LEN;
		fir->entry[i].ssrc = dp_get_be32(e);
		fir->entry[i].seq = e[4];
	}
	return DP_RTCP_OK;
}

int dp_rtcp_parse_remb(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_remb *remb)
{
	if (pkt->pt != DP_RTCP_PT_PSFB || pkt->count != DP_RTCP_FMT_AFB)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < REMB_FIXED_LEN - DP_RTCP_HDR_LEN)
		return DP_RTCP_ERR_LENGTH;
	const uint8_t *b = pkt->body;
	if (memcmp(b + 8, "REMB", 4) != 0)
		return DP_RTCP_ERR_TYPE;
	unsigned int num = b[12];
	if (pkt->body_len < 16 + (size_t)num * 4)
		return DP_RTCP_ERR_LENGTH;

	remb->sender_ssrc = dp_get_be32(b);
	remb->media_ssrc = dp_get_be32(b + 4);
	remb->exp = b[13] >> 2;
	remb->mantissa = ((uint32_t)(b[13] & 0x03) << 16) | dp_get_be16(b + 14);
	if (remb->mantissa != 0 && (uint64_t)remb->mantissa > (UINT64_MAX >> remb->exp))
		remb->bitrate = UINT64_MAX;
	else
		remb->bitrate = (uint64_t)remb->mantissa << remb->exp;
	remb->ssrc_count = num;
	for (unsigned int i = 0; i < num; i++)
		remb->ssrc[i] = dp_get_be32(b + 16 + 4 * (size_t)i);
	return DP_RTCP_OK;
}

/* ---------------------------------------------------------------------- */
/* Builders                                                                */

static void wr_fb_hdr(uint8_t *buf, unsigned int fmt, uint8_t pt, size_t len,
		      uint32_t sender_ssrc, uint32_t media_ssrc)
{
	dp_rtcp_wr_hdr(buf, 0, fmt, pt, len);
	dp_put_be32(buf + 4, sender_ssrc);
	dp_put_be32(buf + 8, media_ssrc);
}

size_t dp_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
			  const uint16_t *seqs, size_t n)
{
	if (buf == NULL || seqs == NULL || n == 0 || cap < DP_RTCP_FB_HDR_LEN + 4)
		return 0;
	if (cap > DP_RTCP_MAX_LEN)
		cap = DP_RTCP_MAX_LEN;

	size_t len = DP_RTCP_FB_HDR_LEN;
	uint16_t pid = seqs[0];
	uint16_t blp = 0;
	for (size_t i = 1; i <= n; i++) {
		if (i < n) {
			uint16_t d = (uint16_t)(seqs[i] - pid);
			if (d == 0)
				continue; /* repeat of the PID */
			if (d <= 16) {
				blp |= (uint16_t)(1u << (d - 1));
				continue;
			}
		}
		/* flush the current pair; open the next one */
		if (len + 4 > cap)
			return 0;
		dp_put_be16(buf + len, pid);
		dp_put_be16(buf + len + 2, blp);
		len += 4;
		if (i < n) {
			pid = seqs[i];
			blp = 0;
		}
	}
	wr_fb_hdr(buf, DP_RTCP_FMT_NACK, DP_RTCP_PT_RTPFB, len, sender_ssrc, media_ssrc);
	return len;
}

size_t dp_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc)
{
	if (buf == NULL || cap < DP_RTCP_FB_HDR_LEN)
		return 0;
	wr_fb_hdr(buf, DP_RTCP_FMT_PLI, DP_RTCP_PT_PSFB, DP_RTCP_FB_HDR_LEN, sender_ssrc,
		  media_ssrc);
	return DP_RTCP_FB_HDR_LEN;
}

size_t dp_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
			 const struct dp_rtcp_fir_entry *e, unsigned int n)
{
	if (buf == NULL || e == NULL || n == 0 || n > DP_RTCP_FIR_MAX)
		return 0;
	size_t len = DP_RTCP_FB_HDR_LEN + (size_t)n * FIR_ENTRY_LEN;
	if (cap < len)
		return 0;
	wr_fb_hdr(buf, DP_RTCP_FMT_FIR, DP_RTCP_PT_PSFB, len, sender_ssrc, 0);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = buf + DP_RTCP_FB_HDR_LEN + (size_t)i * FIR_ENTRY_LEN;
		dp_put_be32(p, e[i].ssrc);
		p[4] = e[i].seq;
		p[5] = 0;
		p[6] = 0;
		p[7] = 0;
	}
	return len;
}

size_t dp_rtcp_build_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint64_t bitrate,
			  const uint32_t *ssrc, unsigned int n)
{
	if (buf == NULL || n > DP_RTCP_REMB_MAX_SSRC || (n > 0 && ssrc == NULL))
		return 0;
	size_t len = REMB_FIXED_LEN + (size_t)n * 4;
	if (cap < len)
		return 0;

	/* smallest exponent that leaves an 18-bit mantissa: at most 46 */
	unsigned int exp = 0;
	while ((bitrate >> exp) > 0x3ffffu)
		exp++;
	uint32_t mant = (uint32_t)(bitrate >> exp);

	wr_fb_hdr(buf, DP_RTCP_FMT_AFB, DP_RTCP_PT_PSFB, len, sender_ssrc, 0);
	memcpy(buf + 12, "REMB", 4);
	buf[16] = (uint8_t)n;
	buf[17] = (uint8_t)((exp << 2) | (mant >> 16));
	dp_put_be16(buf + 18, (uint16_t)mant);
	for (unsigned int i = 0; i < n; i++)
		dp_put_be32(buf + REMB_FIXED_LEN + 4 * (size_t)i, ssrc[i]);
	return len;
}

/* ---------------------------------------------------------------------- */
/* In-place rewrites                                                       */

int dp_rtcp_fb_rewrite(uint8_t *buf, size_t len, uint32_t sender_ssrc, uint32_t media_ssrc)
{
	struct dp_rtcp_pkt pkt;
	int st = dp_rtcp_pkt_parse(buf, len, &pkt);
	if (st != DP_RTCP_OK)
		return st;
	if (!is_fb(pkt.pt))
		return DP_RTCP_ERR_TYPE;
	if (pkt.body_len < 8)
		return DP_RTCP_ERR_LENGTH;

	dp_put_be32(buf + 4, sender_ssrc);
	if (pkt.pt == DP_RTCP_PT_PSFB && pkt.count == DP_RTCP_FMT_FIR) {
		size_t n = (pkt.body_len - 8) / FIR_ENTRY_LEN;
		for (size_t i = 0; i < n; i++)
			dp_put_be32(buf + DP_RTCP_FB_HDR_LEN + i * FIR_ENTRY_LEN, media_ssrc);
	} else {
		dp_put_be32(buf + 8, media_ssrc);
	}
	return DP_RTCP_OK;
}

int dp_rtcp_fir_rewrite_entry(uint8_t *buf, size_t len, uint32_t from_ssrc, uint32_t to_ssrc,
			      int seq)
{
	struct dp_rtcp_pkt pkt;
	int st = dp_rtcp_pkt_parse(buf, len, &pkt);
	if (st != DP_RTCP_OK)
		return st;
	if (pkt.pt != DP_RTCP_PT_PSFB || pkt.count != DP_RTCP_FMT_FIR)
		return DP_RTCP_ERR_TYPE;
	if (pkt.body_len < 8 + FIR_ENTRY_LEN)
		return DP_RTCP_ERR_LENGTH;

	int changed = 0;
	size_t n = (pkt.body_len - 8) / FIR_ENTRY_LEN;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = buf + DP_RTCP_FB_HDR_LEN + i * FIR_ENTRY_LEN;
		if (dp_get_be32(e) != from_ssrc)
			continue;
		dp_put_be32(e, to_ssrc);
		if (seq >= 0)
			e[4] = (uint8_t)seq;
		changed++;
	}
	return changed;
}
