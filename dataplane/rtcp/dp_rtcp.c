/* SPDX-License-Identifier: MIT */
/*
 * RTCP datagram validation and iteration (RFC 3550 A.2, RFC 5506), the
 * compound writer, report and session packets (SR, RR, SDES, BYE, APP:
 * parsers; SR, RR, SDES CNAME, BYE: builders) and the NTP / RTT helpers.
 * Feedback lives in dp_rtcp_fb.c, transport-cc in dp_rtcp_tcc.c.
 * Contracts in dp_rtcp.h.
 */
#include <errno.h>
#include <string.h>

#include "dp_rtcp.h"
#include "dp_rtcp_wire.h"

const char *dp_rtcp_status_str(int status)
{
	switch (status) {
	case DP_RTCP_OK:
		return "ok";
	case DP_RTCP_ERR_SHORT:
		return "short";
	case DP_RTCP_ERR_VERSION:
		return "version";
	case DP_RTCP_ERR_LENGTH:
		return "length";
	case DP_RTCP_ERR_PADDING:
		return "padding";
	case DP_RTCP_ERR_FIRST:
		return "first";
	case DP_RTCP_ERR_TYPE:
		return "type";
	case DP_RTCP_ERR_MALFORMED:
		return "malformed";
	case DP_RTCP_ERR_OVERFLOW:
		return "overflow";
	default:
		return "unknown";
	}
}

/* ---------------------------------------------------------------------- */
/* Sub-packets and the iterator                                            */

int dp_rtcp_pkt_parse(const uint8_t *buf, size_t len, struct dp_rtcp_pkt *pkt)
{
	if (buf == NULL || len < DP_RTCP_HDR_LEN)
		return DP_RTCP_ERR_SHORT;
	if ((buf[0] >> 6) != 2)
		return DP_RTCP_ERR_VERSION;

	size_t plen = ((size_t)dp_get_be16(buf + 2) + 1) * 4;
	if (plen > len)
		return DP_RTCP_ERR_SHORT;

	size_t pad = 0;
	if (buf[0] & 0x20) {
		/* RFC 3550 A.2: the pad count includes itself and stays
		 * inside the packet after its header. */
		pad = buf[plen - 1];
		if (pad == 0 || pad > plen - DP_RTCP_HDR_LEN)
			return DP_RTCP_ERR_PADDING;
	}

	pkt->hdr = buf;
	pkt->len = plen;
	pkt->body = buf + DP_RTCP_HDR_LEN;
	pkt->body_len = plen - DP_RTCP_HDR_LEN - pad;
	pkt->offset = 0;
	pkt->pt = buf[1];
	pkt->count = buf[0] & 0x1f;
	pkt->padding = pad ? 1 : 0;
	return DP_RTCP_OK;
}

int dp_rtcp_iter_init(struct dp_rtcp_iter *it, const uint8_t *buf, size_t len)
{
	it->start = buf;
	it->pos = buf;
	it->end = buf; /* yields nothing until validated */
	it->index = 0;
	it->reduced = 0;
	if (buf == NULL || len == 0)
		return DP_RTCP_ERR_SHORT;

	const uint8_t *p = buf;
	const uint8_t *end = buf + len;
	int reduced = 0;
	while (p < end) {
		struct dp_rtcp_pkt pkt;
		int st = dp_rtcp_pkt_parse(p, (size_t)(end - p), &pkt);
		if (st != DP_RTCP_OK)
			return st;
		if (pkt.padding && p + pkt.len != end)
			return DP_RTCP_ERR_PADDING;
		if (p == buf) {
			if (pkt.pt == DP_RTCP_PT_RTPFB || pkt.pt == DP_RTCP_PT_PSFB)
				reduced = 1;
			else if (pkt.pt != DP_RTCP_PT_SR && pkt.pt != DP_RTCP_PT_RR)
				return DP_RTCP_ERR_FIRST;
		}
		p += pkt.len;
	}
	it->end = end;
	it->reduced = (uint8_t)reduced;
	return DP_RTCP_OK;
}

int dp_rtcp_iter_next(struct dp_rtcp_iter *it, struct dp_rtcp_pkt *pkt)
{
	if (it->pos >= it->end)
		return 0;
	/* Already validated by dp_rtcp_iter_init(): cannot fail. */
	if (dp_rtcp_pkt_parse(it->pos, (size_t)(it->end - it->pos), pkt) != DP_RTCP_OK) {
		it->pos = it->end;
		return 0;
	}
	pkt->offset = (size_t)(it->pos - it->start);
	it->pos += pkt->len;
	it->index++;
	return 1;
}

/* ---------------------------------------------------------------------- */
/* Compound writer                                                         */

void dp_rtcp_compound_init(struct dp_rtcp_compound *c, uint8_t *buf, size_t cap)
{
	c->buf = buf;
	c->cap = buf ? cap : 0;
	c->len = 0;
	c->count = 0;
	c->status = buf ? DP_RTCP_OK : DP_RTCP_ERR_SHORT;
	c->padded = 0;
}

uint8_t *dp_rtcp_compound_tail(const struct dp_rtcp_compound *c)
{
	return c->buf ? c->buf + c->len : NULL;
}

size_t dp_rtcp_compound_room(const struct dp_rtcp_compound *c)
{
	return c->status == DP_RTCP_OK ? c->cap - c->len : 0;
}

int dp_rtcp_compound_commit(struct dp_rtcp_compound *c, size_t n)
{
	if (c->status != DP_RTCP_OK)
		return c->status;

	struct dp_rtcp_pkt pkt;
	int st;
	if (n == 0 || n > c->cap - c->len)
		st = DP_RTCP_ERR_SHORT; /* the builder did not fit */
	else if ((st = dp_rtcp_pkt_parse(c->buf + c->len, n, &pkt)) != DP_RTCP_OK)
		;
	else if (pkt.len != n)
		st = DP_RTCP_ERR_LENGTH;
	else if (c->padded)
		st = DP_RTCP_ERR_PADDING; /* padding on a sub-packet that is not last */
	else if (c->count == 0 && pkt.pt != DP_RTCP_PT_SR && pkt.pt != DP_RTCP_PT_RR)
		st = DP_RTCP_ERR_FIRST;

	if (st != DP_RTCP_OK) {
		c->status = st;
		return st;
	}
	c->len += n;
	c->count++;
	c->padded = pkt.padding;
	return DP_RTCP_OK;
}

size_t dp_rtcp_compound_finish(const struct dp_rtcp_compound *c)
{
	if (c->status != DP_RTCP_OK || c->count == 0)
		return 0;
	return c->len;
}

/* ---------------------------------------------------------------------- */
/* SR / RR                                                                 */

static void parse_rb(const uint8_t *p, struct dp_rtcp_rb *rb)
{
	rb->ssrc = dp_get_be32(p);
	rb->fraction_lost = p[4];
	rb->cumulative_lost = dp_rtcp_sext24(dp_get_be24(p + 5));
	rb->ext_highest_seq = dp_get_be32(p + 8);
	rb->jitter = dp_get_be32(p + 12);
	rb->lsr = dp_get_be32(p + 16);
	rb->dlsr = dp_get_be32(p + 20);
}

int dp_rtcp_parse_sr(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_sr *sr)
{
	if (pkt->pt != DP_RTCP_PT_SR)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < 24 + (size_t)pkt->count * DP_RTCP_RB_LEN)
		return DP_RTCP_ERR_LENGTH;

	const uint8_t *p = pkt->body;
	sr->ssrc = dp_get_be32(p);
	sr->ntp = ((uint64_t)dp_get_be32(p + 4) << 32) | dp_get_be32(p + 8);
	sr->rtp_ts = dp_get_be32(p + 12);
	sr->packet_count = dp_get_be32(p + 16);
	sr->octet_count = dp_get_be32(p + 20);
	sr->rb_count = pkt->count;
	for (unsigned int i = 0; i < pkt->count; i++)
		parse_rb(p + 24 + (size_t)i * DP_RTCP_RB_LEN, &sr->rb[i]);
	return DP_RTCP_OK;
}

int dp_rtcp_parse_rr(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_rr *rr)
{
	if (pkt->pt != DP_RTCP_PT_RR)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < 4 + (size_t)pkt->count * DP_RTCP_RB_LEN)
		return DP_RTCP_ERR_LENGTH;

	rr->ssrc = dp_get_be32(pkt->body);
	rr->rb_count = pkt->count;
	for (unsigned int i = 0; i < pkt->count; i++)
		parse_rb(pkt->body + 4 + (size_t)i * DP_RTCP_RB_LEN, &rr->rb[i]);
	return DP_RTCP_OK;
}

/* ---------------------------------------------------------------------- */
/* SDES / BYE / APP                                                        */

/* Walks one SDES chunk starting at *pp (32-bit aligned relative to the
 * body); on success *pp is past its fill. Records the first CNAME when
 * want_cname is set. */
static int sdes_chunk(const uint8_t **pp, const uint8_t *end, int want_cname,
		      struct dp_rtcp_sdes *sdes)
{
	const uint8_t *start = *pp;
	const uint8_t *p = start;

	if (end - p < 4)
		return DP_RTCP_ERR_LENGTH;
	if (want_cname)
		sdes->ssrc = dp_get_be32(p);
	p += 4;
	for (;;) {
		if (p >= end)
			return DP_RTCP_ERR_MALFORMED; /* no END item */
		uint8_t type = p[0];
		if (type == DP_RTCP_SDES_END) {
			p++;
			break;
		}
		if (end - p < 2 || (size_t)(end - p) - 2 < p[1])
			return DP_RTCP_ERR_MALFORMED;
		if (want_cname && type == DP_RTCP_SDES_CNAME && sdes->cname == NULL) {
			sdes->cname = p + 2;
			sdes->cname_len = p[1];
		}
		p += 2 + (size_t)p[1];
	}
	size_t fill = (4 - (size_t)(p - start) % 4) % 4;
	if ((size_t)(end - p) < fill)
		return DP_RTCP_ERR_MALFORMED;
	*pp = p + fill;
	return DP_RTCP_OK;
}

int dp_rtcp_parse_sdes(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_sdes *sdes)
{
	if (pkt->pt != DP_RTCP_PT_SDES)
		return DP_RTCP_ERR_TYPE;

	const uint8_t *p = pkt->body;
	const uint8_t *end = pkt->body + pkt->body_len;
	sdes->chunk_count = pkt->count;
	sdes->ssrc = 0;
	sdes->cname = NULL;
	sdes->cname_len = 0;
	for (unsigned int i = 0; i < pkt->count; i++) {
		int st = sdes_chunk(&p, end, i == 0, sdes);
		if (st != DP_RTCP_OK)
			return st;
	}
	if (p != end)
		return DP_RTCP_ERR_LENGTH;
	return DP_RTCP_OK;
}

int dp_rtcp_parse_bye(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_bye *bye)
{
	if (pkt->pt != DP_RTCP_PT_BYE)
		return DP_RTCP_ERR_TYPE;
	size_t list = (size_t)pkt->count * 4;
	if (pkt->body_len < list)
		return DP_RTCP_ERR_LENGTH;

	bye->count = pkt->count;
	for (unsigned int i = 0; i < pkt->count; i++)
		bye->ssrc[i] = dp_get_be32(pkt->body + 4 * (size_t)i);
	bye->reason = NULL;
	bye->reason_len = 0;

	size_t rest = pkt->body_len - list;
	if (rest == 0)
		return DP_RTCP_OK;
	const uint8_t *r = pkt->body + list;
	if ((size_t)r[0] + 1 > rest)
		return DP_RTCP_ERR_MALFORMED;
	if (rest - 1 - r[0] >= 4)
		return DP_RTCP_ERR_LENGTH; /* more than the fill to 32 bits */
	if (r[0] > 0) {
		bye->reason = r + 1;
		bye->reason_len = r[0];
	}
	return DP_RTCP_OK;
}

int dp_rtcp_parse_app(const struct dp_rtcp_pkt *pkt, struct dp_rtcp_app *app)
{
	if (pkt->pt != DP_RTCP_PT_APP)
		return DP_RTCP_ERR_TYPE;
	if (pkt->body_len < 8)
		return DP_RTCP_ERR_LENGTH;
	app->subtype = pkt->count;
	app->ssrc = dp_get_be32(pkt->body);
	memcpy(app->name, pkt->body + 4, 4);
	app->data = pkt->body + 8;
	app->data_len = pkt->body_len - 8;
	return DP_RTCP_OK;
}

/* ---------------------------------------------------------------------- */
/* SR / RR / SDES / BYE builders                                          */

#define CUM_LOST_MAX 0x7fffff
#define CUM_LOST_MIN (-0x800000)

static void write_rb(uint8_t *p, const struct dp_rtcp_rb *rb)
{
	int32_t lost = rb->cumulative_lost;
	if (lost > CUM_LOST_MAX)
		lost = CUM_LOST_MAX;
	if (lost < CUM_LOST_MIN)
		lost = CUM_LOST_MIN;

	dp_put_be32(p, rb->ssrc);
	p[4] = rb->fraction_lost;
	dp_put_be24(p + 5, (uint32_t)lost & 0xffffffu);
	dp_put_be32(p + 8, rb->ext_highest_seq);
	dp_put_be32(p + 12, rb->jitter);
	dp_put_be32(p + 16, rb->lsr);
	dp_put_be32(p + 20, rb->dlsr);
}

size_t dp_rtcp_build_rr(uint8_t *buf, size_t cap, const struct dp_rtcp_rr *rr)
{
	if (buf == NULL || rr == NULL || rr->rb_count > DP_RTCP_MAX_RB)
		return 0;
	size_t len = 8 + (size_t)rr->rb_count * DP_RTCP_RB_LEN;
	if (cap < len)
		return 0;
	dp_rtcp_wr_hdr(buf, 0, rr->rb_count, DP_RTCP_PT_RR, len);
	dp_put_be32(buf + 4, rr->ssrc);
	for (unsigned int i = 0; i < rr->rb_count; i++)
		write_rb(buf + 8 + (size_t)i * DP_RTCP_RB_LEN, &rr->rb[i]);
	return len;
}

size_t dp_rtcp_build_sr(uint8_t *buf, size_t cap, const struct dp_rtcp_sr *sr)
{
	if (buf == NULL || sr == NULL || sr->rb_count > DP_RTCP_MAX_RB)
		return 0;
	size_t len = 28 + (size_t)sr->rb_count * DP_RTCP_RB_LEN;
	if (cap < len)
		return 0;
	dp_rtcp_wr_hdr(buf, 0, sr->rb_count, DP_RTCP_PT_SR, len);
	dp_put_be32(buf + 4, sr->ssrc);
	dp_put_be32(buf + 8, (uint32_t)(sr->ntp >> 32));
	dp_put_be32(buf + 12, (uint32_t)sr->ntp);
	dp_put_be32(buf + 16, sr->rtp_ts);
	dp_put_be32(buf + 20, sr->packet_count);
	dp_put_be32(buf + 24, sr->octet_count);
	for (unsigned int i = 0; i < sr->rb_count; i++)
		write_rb(buf + 28 + (size_t)i * DP_RTCP_RB_LEN, &sr->rb[i]);
	return len;
}

size_t dp_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc,
				const uint8_t *cname, size_t cname_len)
{
	if (buf == NULL || cname == NULL || cname_len == 0 || cname_len > 255)
		return 0;
	/* chunk: ssrc, CNAME item, at least one null octet, filled to 32 bits */
	size_t chunk = 4 + 2 + cname_len + 1;
	chunk = (chunk + 3) & ~(size_t)3;
	size_t len = DP_RTCP_HDR_LEN + chunk;
	if (cap < len)
		return 0;
	dp_rtcp_wr_hdr(buf, 0, 1, DP_RTCP_PT_SDES, len);
	dp_put_be32(buf + 4, ssrc);
	buf[8] = DP_RTCP_SDES_CNAME;
	buf[9] = (uint8_t)cname_len;
	memcpy(buf + 10, cname, cname_len);
	memset(buf + 10 + cname_len, 0, len - 10 - cname_len);
	return len;
}

size_t dp_rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrc, unsigned int n,
			 const uint8_t *reason, size_t reason_len)
{
	if (buf == NULL || ssrc == NULL || n == 0 || n > DP_RTCP_MAX_RB || reason_len > 255 ||
	    (reason_len > 0 && reason == NULL))
		return 0;
	size_t len = DP_RTCP_HDR_LEN + 4 * (size_t)n;
	if (reason_len > 0)
		len += (1 + reason_len + 3) & ~(size_t)3;
	if (cap < len)
		return 0;
	dp_rtcp_wr_hdr(buf, 0, n, DP_RTCP_PT_BYE, len);
	for (unsigned int i = 0; i < n; i++)
		dp_put_be32(buf + 4 + 4 * (size_t)i, ssrc[i]);
	if (reason_len > 0) {
		uint8_t *r = buf + 4 + 4 * (size_t)n;
		r[0] = (uint8_t)reason_len;
		memcpy(r + 1, reason, reason_len);
		memset(r + 1 + reason_len, 0, (size_t)(buf + len - (r + 1 + reason_len)));
	}
	return len;
}

/* ---------------------------------------------------------------------- */
/* NTP / RTT                                                               */

#define NS_PER_SEC 1000000000ULL

uint64_t dp_rtcp_ntp_from_ns(uint64_t unix_ns)
{
	uint64_t sec = unix_ns / NS_PER_SEC + DP_RTCP_NTP_UNIX_OFFSET;
	uint64_t frac = ((unix_ns % NS_PER_SEC) << 32) / NS_PER_SEC;
	return (sec << 32) | frac; /* seconds wrap into the next NTP era */
}

uint64_t dp_rtcp_ntp_from_timespec(const struct timespec *ts)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || (uint64_t)ts->tv_nsec >= NS_PER_SEC)
		return 0;
	uint64_t sec = (uint64_t)ts->tv_sec + DP_RTCP_NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / NS_PER_SEC;
	return (sec << 32) | frac;
}

uint64_t dp_rtcp_ntp_to_ns(uint64_t ntp)
{
	uint64_t sec = ntp >> 32;
	if (sec < DP_RTCP_NTP_UNIX_OFFSET)
		return 0;
	uint64_t frac = ntp & 0xffffffffu;
	/* ceil keeps ntp_to_ns(ntp_from_ns(x)) == x */
	uint64_t ns = (frac * NS_PER_SEC + 0xffffffffu) >> 32;
	return (sec - DP_RTCP_NTP_UNIX_OFFSET) * NS_PER_SEC + ns;
}

uint32_t dp_rtcp_dlsr_from_ns(uint64_t delay_ns)
{
	uint64_t sec = delay_ns / NS_PER_SEC;
	if (sec >= 65536)
		return UINT32_MAX;
	uint64_t frac = ((delay_ns % NS_PER_SEC) << 16) / NS_PER_SEC;
	return (uint32_t)((sec << 16) | frac);
}

int dp_rtcp_rtt(uint32_t now_mid32, uint32_t lsr, uint32_t dlsr, uint32_t *rtt)
{
	if (lsr == 0)
		return -ENODATA;
	uint32_t elapsed = now_mid32 - lsr;
	if (elapsed < dlsr)
		return -ERANGE;
	uint32_t r = elapsed - dlsr;
	if (r > 0x80000000u)
		return -ERANGE;
	*rtt = r;
	return 0;
}
