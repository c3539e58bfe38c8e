/* SPDX-License-Identifier: MIT */
/*
 * Transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), RTPFB FMT 15:
 *
 *   common header, sender ssrc, media ssrc,
 *   base seq (16) | status count (16) | reference time (24) | fb count (8),
 *   packet chunks (16 bits each), receive deltas (8 or 16 bits each), fill.
 *
 * Chunks: run length  0 S S L*13        (S: symbol, L: run length)
 *         1-bit vector 1 0 s*14         (0: not received, 1: small delta)
 *         2-bit vector 1 1 ss*7         (00 lost, 01 small, 10 large, 11 reserved)
 * Contracts in dp_rtcp.h.
 */
#include "dp_rtcp.h"
#include "dp_rtcp_wire.h"

#define TCC_FIXED_LEN 20   /* header, 2 ssrcs, base/count/ref/fb count */
#define TCC_RUN_MAX 8191   /* 13-bit run length */
#define TCC_VEC1_SYMS 14
#define TCC_VEC2_SYMS 7
#define TCC_TICK_US 250
#define TCC_TICKS_PER_REF 256 /* 64 ms / 250 us */

/* ---------------------------------------------------------------------- */
/* Parser                                                                  */

static int put_symbol(struct dp_rtcp_tcc_status *out, uint32_t i, uint16_t base, unsigned int sym)
{
	if (sym > DP_RTCP_TCC_LARGE)
		return DP_RTCP_ERR_MALFORMED; /* reserved symbol 3 */
	out[i].seq = (uint16_t)(base + i);
	out[i].symbol = (uint8_t)sym;
	out[i].delta = 0;
	return DP_RTCP_OK;
}

/* Decodes chunks from *pp until count symbols are known; *pp ends after the
 * last chunk used. */
static int tcc_chunks(const uint8_t **pp, const uint8_t *end, uint16_t base, uint32_t count,
		      struct dp_rtcp_tcc_status *out)
{
	const uint8_t *p = *pp;
	uint32_t i = 0;
	int st = DP_RTCP_OK;

	while (i < count) {
		if (end - p < 2)
			return DP_RTCP_ERR_MALFORMED;
		uint16_t c = dp_get_be16(p);
		p += 2;
		if (!(c & 0x8000)) {
			unsigned int sym = (c >> 13) & 0x3;
			if (sym > DP_RTCP_TCC_LARGE)
				return DP_RTCP_ERR_MALFORMED;
			for (uint32_t k = 0; k < (c & 0x1fffu) && i < count; k++)
				st = put_symbol(out, i++, base, sym);
		} else if (!(c & 0x4000)) {
			for (unsigned int k = 0; k < TCC_VEC1_SYMS && i < count; k++)
				st = put_symbol(out, i++, base, (c >> (13 - k)) & 0x1);
		} else {
			for (unsigned int k = 0; k < TCC_VEC2_SYMS && i < count && st == DP_RTCP_OK;
			     k++)
				st = put_symbol(out, i++, base, (c >> (12 - 2 * k)) & 0x3);
		}
		if (st != DP_RTCP_OK)
			return st;
	}
	*pp = p;
	return DP_RTCP_OK;
}

int dp_rtcp_parse_tcc(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_tcc *tcc,
		      struct dp_rtcp_tcc_status *out, size_t cap)
{
	if (pkt->pt != DP_RTCP_PT_RTPFB || pkt->count != DP_RTCP_FMT_TCC)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < TCC_FIXED_LEN - DP_RTCP_HDR_LEN)
		return DP_RTCP_ERR_LENGTH;

	const uint8_t *b = pkt->body;
	tcc->sender_ssrc = dp_get_be32(b);
	tcc->media_ssrc = dp_get_be32(b + 4);
	tcc->base_seq = dp_get_be16(b + 8);
	tcc->status_count = dp_get_be16(b + 10);
	tcc->ref_time = dp_rtcp_sext24(dp_get_be24(b + 12));
	tcc->fb_count = b[15];
	tcc->recv_count = 0;
	if (tcc->status_count == 0)
		return DP_RTCP_ERR_MALFORMED;
	if (out == NULL || tcc->status_count > cap)
		return DP_RTCP_ERR_OVERFLOW;

	const uint8_t *p = b + 16;
	const uint8_t *end = pkt->body + pkt->body_len;
	int st = tcc_chunks(&p, end, tcc->base_seq, tcc->status_count, out);
	if (st != DP_RTCP_OK)
		return st;

	for (uint32_t i = 0; i < tcc->status_count; i++) {
		if (out[i].symbol == DP_RTCP_TCC_SMALL) {
			if (end - p < 1)
				return DP_RTCP_ERR_MALFORMED;
			out[i].delta = p[0];
			p += 1;
		} else if (out[i].symbol == DP_RTCP_TCC_LARGE) {
			if (end - p < 2)
				return DP_RTCP_ERR_MALFORMED;
			int32_t v = dp_get_be16(p);
			out[i].delta = (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
			p += 2;
		} else {
			continue;
		}
		tcc->recv_count++;
	}
	/* Zero fill to 32 bits is tolerated when the sender did not use P. */
	if (end - p >= 4)
		return DP_RTCP_ERR_LENGTH;
	return DP_RTCP_OK;
}

/* ---------------------------------------------------------------------- */
/* Builder                                                                 */

/* Walks the statuses base_seq, base_seq + 1, ... over the sorted input,
 * producing each one's symbol and delta. Copy it to look ahead. */
struct tcc_cursor {
	const struct dp_rtcp_tcc_arrival *a;
	size_t n;
	size_t j;       /* next input entry */
	uint16_t base;
	uint32_t pos;   /* index of the next status */
	int64_t prev;   /* ticks of the previous received packet */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && a < 0)
		q--;
	return q;
}

/* Symbol of the next status (and its delta); -1 when the delta does not fit
 * in 16 signed bits. */
static int cursor_next(struct tcc_cursor *c, int16_t *delta)
{
	uint16_t seq = (uint16_t)(c->base + c->pos);
	c->pos++;
	*delta = 0;
	if (c->j >= c->n || c->a[c->j].seq != seq)
		return DP_RTCP_TCC_NOT_RECEIVED; /* gap in the input */
	const struct dp_rtcp_tcc_arrival *e = &c->a[c->j++];
	if (e->arrival_us == DP_RTCP_TCC_LOST)
		return DP_RTCP_TCC_NOT_RECEIVED;

	int64_t t = floor_div(e->arrival_us, TCC_TICK_US);
	int64_t d = t - c->prev;
	c->prev = t;
	if (d >= 0 && d <= 255) {
		*delta = (int16_t)d;
		return DP_RTCP_TCC_SMALL;
	}
	if (d >= INT16_MIN && d <= INT16_MAX) {
		*delta = (int16_t)d;
		return DP_RTCP_TCC_LARGE;
	}
	return -1;
}

/* Checks the input order; returns the number of statuses (0: invalid) and
 * the reference time (64 ms units) from the first received packet. */
static uint32_t tcc_span(const struct dp_rtcp_tcc_arrival *a, size_t n, int64_t *ref)
{
	uint32_t span = 1;
	int have_ref = 0;

	*ref = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			uint16_t step = (uint16_t)(a[i].seq - a[i - 1].seq);
			if (step == 0 || step > 0x7fff)
				return 0;
			span += step;
			if (span > 0xffff)
				return 0;
		}
		if (!have_ref && a[i].arrival_us != DP_RTCP_TCC_LOST) {
			int64_t t = floor_div(a[i].arrival_us, TCC_TICK_US);
			*ref = floor_div(t, TCC_TICKS_PER_REF);
			have_ref = 1;
		}
	}
	return span;
}

/* Length of the run of equal symbols at the cursor, at most max; *after is
 * the cursor past the run. -1 on a delta out of range. */
static int32_t run_length(const struct tcc_cursor *cur, uint32_t max, int *sym,
			  struct tcc_cursor *after)
{
	struct tcc_cursor la = *cur;
	int16_t d;
	int s0 = cursor_next(&la, &d);
	if (s0 < 0)
		return -1;
	uint32_t r = 1;
	*after = la;
	while (r < max) {
		int s = cursor_next(&la, &d);
		if (s < 0)
			return -1;
		if (s != s0)
			break;
		r++;
		*after = la;
	}
	*sym = s0;
	return (int32_t)r;
}

/* 1 when none of the next k statuses needs a large delta, 0 if one does,
 * -1 on a delta out of range. */
static int all_small(struct tcc_cursor la, uint32_t k)
{
	int16_t d;
	for (uint32_t q = 0; q < k; q++) {
		int s = cursor_next(&la, &d);
		if (s < 0)
			return -1;
		if (s == DP_RTCP_TCC_LARGE)
			return 0;
	}
	return 1;
}

/* Next chunk for the statuses at cur (rem of them left); advances cur.
 * Returns the chunk, or -1 on a delta out of range. */
static int32_t next_chunk(struct tcc_cursor *cur, uint32_t rem)
{
	int16_t d;
	int sym = 0;
	struct tcc_cursor after;
	int32_t r = run_length(cur, rem < TCC_RUN_MAX ? rem : TCC_RUN_MAX, &sym, &after);
	if (r < 0)
		return -1;

	int small = 0;
	uint32_t k = rem < TCC_VEC1_SYMS ? rem : TCC_VEC1_SYMS;
	if (r < TCC_VEC1_SYMS && (uint32_t)r != rem) {
		small = all_small(*cur, k);
		if (small < 0)
			return -1;
	}
	if (r >= TCC_VEC1_SYMS || (uint32_t)r == rem || (!small && r >= TCC_VEC2_SYMS)) {
		*cur = after;
		return (int32_t)(((uint32_t)sym << 13) | (uint32_t)r);
	}

	uint32_t chunk;
	if (small) {
		chunk = 0x8000;
		for (uint32_t q = 0; q < k; q++)
			chunk |= (uint32_t)cursor_next(cur, &d) << (13 - q);
	} else {
		chunk = 0xc000;
		k = rem < TCC_VEC2_SYMS ? rem : TCC_VEC2_SYMS;
		for (uint32_t q = 0; q < k; q++) {
			int s = cursor_next(cur, &d);
			if (s < 0)
				return -1;
			chunk |= (uint32_t)s << (12 - 2 * q);
		}
	}
	return (int32_t)chunk;
}

size_t dp_rtcp_build_tcc(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
			 uint8_t fb_count, const struct dp_rtcp_tcc_arrival *a, size_t n)
{
	if (buf == NULL || a == NULL || n == 0 || cap < TCC_FIXED_LEN + 4)
		return 0;
	if (cap > DP_RTCP_MAX_LEN)
		cap = DP_RTCP_MAX_LEN;
	int64_t ref;
	uint32_t span = tcc_span(a, n, &ref);
	if (span == 0)
		return 0;

	const struct tcc_cursor start = {
		.a = a, .n = n, .j = 0, .base = a[0].seq, .pos = 0,
		.prev = ref * TCC_TICKS_PER_REF,
	};
	struct tcc_cursor cur = start;
	size_t len = TCC_FIXED_LEN;
	while (cur.pos < span) {
		int32_t chunk = next_chunk(&cur, span - cur.pos);
		if (chunk < 0 || len + 2 > cap)
			return 0;
		dp_put_be16(buf + len, (uint16_t)chunk);
		len += 2;
	}

	cur = start;
	while (cur.pos < span) {
		int16_t d;
		int s = cursor_next(&cur, &d);
		if (s == DP_RTCP_TCC_SMALL) {
			if (len + 1 > cap)
				return 0;
			buf[len++] = (uint8_t)d;
		} else if (s == DP_RTCP_TCC_LARGE) {
			if (len + 2 > cap)
				return 0;
			dp_put_be16(buf + len, (uint16_t)d);
			len += 2;
		}
	}

	size_t pad = (4 - len % 4) % 4;
	if (len + pad > cap)
		return 0;
	for (size_t q = 0; q < pad; q++)
		buf[len + q] = 0;
	if (pad)
		buf[len + pad - 1] = (uint8_t)pad; /* RFC 3550: last octet counts the padding */
	len += pad;

	dp_rtcp_wr_hdr(buf, pad != 0, DP_RTCP_FMT_TCC, DP_RTCP_PT_RTPFB, len);
	dp_put_be32(buf + 4, sender_ssrc);
	dp_put_be32(buf + 8, media_ssrc);
	dp_put_be16(buf + 12, a[0].seq);
	dp_put_be16(buf + 14, (uint16_t)span);
	dp_put_be24(buf + 16, (uint32_t)ref & 0xffffffu);
	buf[19] = fb_count;
	return len;
}
