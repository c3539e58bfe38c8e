/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for dataplane/rtcp (dp_rtcp.h).
 *
 * Input whose first byte has RTCP version 2 is a datagram: it is validated
 * and iterated, every sub-packet (also of datagrams that fail validation, by
 * a raw header walk) goes through every parser, and what was decoded is
 * re-encoded and parsed again: SR/RR/PLI byte for byte, SDES/BYE/FIR/REMB
 * field for field, NACK lists as sets (and idempotent after one rebuild),
 * transport-cc as (seq, received, absolute arrival tick). The in-place
 * rewrites are applied to a copy and checked.
 *
 * Any other first byte selects a builder mode that turns the rest of the
 * input into builder arguments (lost seqs, tcc arrivals, REMB bitrate,
 * reports) and checks build -> parse.
 *
 * A broken invariant calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rtcp.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define MAX_LOST 8192
#define MAX_TCC 65535
#define OUT_CAP (300 * 1024)

static struct dp_rtcp_tcc_status tcc_a[MAX_TCC];
static struct dp_rtcp_tcc_status tcc_b[MAX_TCC];
static struct dp_rtcp_tcc_arrival arrivals[MAX_TCC];
static uint8_t out[OUT_CAP];
static uint8_t out2[OUT_CAP];
static uint16_t lost1[MAX_LOST], lost2[MAX_LOST], lost3[MAX_LOST];
static uint8_t bits1[8192], bits2[8192];

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Parses a freshly built single sub-packet; aborts unless it validates. */
static void reparse(const uint8_t *buf, size_t len, struct dp_rtcp_pkt *pkt)
{
	CHECK(len > 0 && len % 4 == 0);
	CHECK(dp_rtcp_pkt_parse(buf, len, pkt) == DP_RTCP_OK);
	CHECK(pkt->len == len);
}

static int in_pkt(const struct dp_rtcp_pkt *pkt, const uint8_t *p, size_t n)
{
	return p >= pkt->body && p + n <= pkt->body + pkt->body_len;
}

/* ---------------------------------------------------------------------- */
/* SR / RR / SDES / BYE / APP                                              */

static void rb_equal(const struct dp_rtcp_rb *a, const struct dp_rtcp_rb *b)
{
	CHECK(a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
	      a->cumulative_lost == b->cumulative_lost && a->ext_highest_seq == b->ext_highest_seq &&
	      a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr);
}

static void check_reports(const struct dp_rtcp_pkt *pkt)
{
	static struct dp_rtcp_sr sr, sr2;
	static struct dp_rtcp_rr rr, rr2;
	struct dp_rtcp_pkt p2;

	if (dp_rtcp_parse_sr(pkt, &sr) == DP_RTCP_OK) {
		CHECK(sr.rb_count <= DP_RTCP_MAX_RB);
		size_t len = dp_rtcp_build_sr(out, OUT_CAP, &sr);
		reparse(out, len, &p2);
		CHECK(len == 28 + 24 * (size_t)sr.rb_count && len - 4 <= pkt->body_len);
		CHECK(memcmp(out + 4, pkt->body, len - 4) == 0);
		CHECK(dp_rtcp_parse_sr(&p2, &sr2) == DP_RTCP_OK);
		CHECK(sr2.ssrc == sr.ssrc && sr2.ntp == sr.ntp && sr2.rtp_ts == sr.rtp_ts &&
		      sr2.packet_count == sr.packet_count && sr2.octet_count == sr.octet_count &&
		      sr2.rb_count == sr.rb_count);
		for (unsigned int i = 0; i < sr.rb_count; i++)
			rb_equal(&sr.rb[i], &sr2.rb[i]);
	}
	if (dp_rtcp_parse_rr(pkt, &rr) == DP_RTCP_OK) {
		size_t len = dp_rtcp_build_rr(out, OUT_CAP, &rr);
		reparse(out, len, &p2);
		CHECK(len - 4 <= pkt->body_len && memcmp(out + 4, pkt->body, len - 4) == 0);
		CHECK(dp_rtcp_parse_rr(&p2, &rr2) == DP_RTCP_OK);
		CHECK(rr2.ssrc == rr.ssrc && rr2.rb_count == rr.rb_count);
		for (unsigned int i = 0; i < rr.rb_count; i++)
			rb_equal(&rr.rb[i], &rr2.rb[i]);
	}
}

static void check_session(const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_sdes sdes, sdes2;
	static struct dp_rtcp_bye bye, bye2;
	struct dp_rtcp_app app;
	struct dp_rtcp_pkt p2;

	if (dp_rtcp_parse_sdes(pkt, &sdes) == DP_RTCP_OK && sdes.cname != NULL) {
		CHECK(in_pkt(pkt, sdes.cname, sdes.cname_len));
		size_t len = dp_rtcp_build_sdes_cname(out, OUT_CAP, sdes.ssrc, sdes.cname,
						      sdes.cname_len);
		if (sdes.cname_len == 0) {
			CHECK(len == 0);
		} else {
			reparse(out, len, &p2);
			CHECK(dp_rtcp_parse_sdes(&p2, &sdes2) == DP_RTCP_OK);
			CHECK(sdes2.chunk_count == 1 && sdes2.ssrc == sdes.ssrc);
			CHECK(sdes2.cname_len == sdes.cname_len);
			CHECK(memcmp(sdes2.cname, sdes.cname, sdes.cname_len) == 0);
		}
	}
	if (dp_rtcp_parse_bye(pkt, &bye) == DP_RTCP_OK) {
		CHECK(bye.reason == NULL || in_pkt(pkt, bye.reason, bye.reason_len));
		size_t len = dp_rtcp_build_bye(out, OUT_CAP, bye.ssrc, bye.count, bye.reason,
					       bye.reason_len);
		if (bye.count == 0) {
			CHECK(len == 0);
		} else {
			reparse(out, len, &p2);
			CHECK(dp_rtcp_parse_bye(&p2, &bye2) == DP_RTCP_OK);
			CHECK(bye2.count == bye.count && bye2.reason_len == bye.reason_len);
			CHECK(memcmp(bye2.ssrc, bye.ssrc, 4 * (size_t)bye.count) == 0);
			CHECK(bye.reason_len == 0 ||
			      memcmp(bye2.reason, bye.reason, bye.reason_len) == 0);
		}
	}
	if (dp_rtcp_parse_app(pkt, &app) == DP_RTCP_OK)
		CHECK(app.data + app.data_len == pkt->body + pkt->body_len);
}

/* ---------------------------------------------------------------------- */
/* NACK                                                                    */

static int count_cb(uint16_t seq, void *arg)
{
	(void)seq;
	(*(size_t *)arg)++;
	return 0;
}

static void to_bits(uint8_t *bits, const uint16_t *s, size_t n)
{
	memset(bits, 0, 8192);
	for (size_t i = 0; i < n; i++)
		bits[s[i] >> 3] |= (uint8_t)(1u << (s[i] & 7));
}

static size_t build_parse_nack(const uint16_t *seqs, size_t n, uint16_t *res)
{
	struct dp_rtcp_pkt p2;
	struct dp_rtcp_nack nack;
	size_t len = dp_rtcp_build_nack(out, OUT_CAP, 0x1234, 0x5678, seqs, n);
	reparse(out, len, &p2);
	CHECK(dp_rtcp_parse_nack(&p2, &nack) == DP_RTCP_OK);
	CHECK(nack.sender_ssrc == 0x1234 && nack.media_ssrc == 0x5678);
	CHECK(nack.pair_count <= n);
	/* a new pair only when the seq did not fit the previous PID's BLP */
	for (unsigned int i = 1; i < nack.pair_count; i++) {
		uint16_t pid0, pid1, blp;
		dp_rtcp_nack_pair(&nack, i - 1, &pid0, &blp);
		dp_rtcp_nack_pair(&nack, i, &pid1, &blp);
		CHECK((uint16_t)(pid1 - pid0) > 16);
	}
	size_t m = dp_rtcp_nack_lost(&nack, res, MAX_LOST);
	CHECK(m <= n); /* a rebuild never adds seqs: duplicates may go */
	return m;
}

/* seqs -> NACK -> seqs keeps the set; a second rebuild is the identity. */
static void nack_round_trip(const uint16_t *seqs, size_t n)
{
	if (n == 0 || n > MAX_LOST)
		return;
	size_t m = build_parse_nack(seqs, n, lost2);
	to_bits(bits1, seqs, n);
	to_bits(bits2, lost2, m);
	CHECK(memcmp(bits1, bits2, sizeof(bits1)) == 0);
	memcpy(lost3, lost2, m * sizeof(uint16_t));
	size_t k = build_parse_nack(lost3, m, lost2);
	CHECK(k == m && memcmp(lost2, lost3, m * sizeof(uint16_t)) == 0);
}

static void check_nack(const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_nack nack;
	if (dp_rtcp_parse_nack(pkt, &nack) != DP_RTCP_OK)
		return;
	CHECK(nack.pair_count >= 1 && in_pkt(pkt, nack.fci, 4 * (size_t)nack.pair_count));
	size_t n = dp_rtcp_nack_lost(&nack, lost1, MAX_LOST);
	size_t counted = 0;
	CHECK(dp_rtcp_nack_foreach(&nack, count_cb, &counted) == n && counted == n);
	CHECK(n >= nack.pair_count && n <= 17 * (size_t)nack.pair_count);
	nack_round_trip(lost1, n);
}

/* ---------------------------------------------------------------------- */
/* PLI / FIR / REMB / rewrites                                             */

static void check_psfb(const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_fb fb;
	static struct dp_rtcp_fir fir, fir2;
	static struct dp_rtcp_remb remb, remb2;
	struct dp_rtcp_pkt p2;

	if (dp_rtcp_parse_pli(pkt, &fb) == DP_RTCP_OK) {
		size_t len = dp_rtcp_build_pli(out, OUT_CAP, fb.sender_ssrc, fb.media_ssrc);
		reparse(out, len, &p2);
		CHECK(memcmp(out + 4, pkt->body, 8) == 0 && out[1] == pkt->pt);
	}
	int st = dp_rtcp_parse_fir(pkt, &fir);
	if (st == DP_RTCP_OK) {
		CHECK(fir.count >= 1 && fir.count <= DP_RTCP_FIR_MAX);
		size_t len = dp_rtcp_build_fir(out, OUT_CAP, fir.sender_ssrc, fir.entry, fir.count);
		reparse(out, len, &p2);
		CHECK(dp_rtcp_parse_fir(&p2, &fir2) == DP_RTCP_OK);
		CHECK(fir2.sender_ssrc == fir.sender_ssrc && fir2.media_ssrc == 0 &&
		      fir2.count == fir.count);
		for (unsigned int i = 0; i < fir.count; i++)
			CHECK(fir2.entry[i].ssrc == fir.entry[i].ssrc &&
			      fir2.entry[i].seq == fir.entry[i].seq);
	}
	if (dp_rtcp_parse_remb(pkt, &remb) == DP_RTCP_OK) {
		CHECK(remb.exp < 64 && remb.mantissa < (1u << 18));
		if (remb.bitrate != UINT64_MAX) {
			CHECK(remb.bitrate >> remb.exp == remb.mantissa);
			size_t len = dp_rtcp_build_remb(out, OUT_CAP, remb.sender_ssrc, remb.bitrate,
							remb.ssrc, remb.ssrc_count);
			reparse(out, len, &p2);
			CHECK(dp_rtcp_parse_remb(&p2, &remb2) == DP_RTCP_OK);
			CHECK(remb2.bitrate == remb.bitrate && remb2.ssrc_count == remb.ssrc_count);
			CHECK(remb2.exp <= remb.exp || remb.mantissa == 0);
			CHECK(memcmp(remb2.ssrc, remb.ssrc, 4 * (size_t)remb.ssrc_count) == 0);
		}
	}
}

/* Byte b of a feedback sub-packet is an SSRC field dp_rtcp_fb_rewrite() may
 * set: the sender, and the media SSRC (FIR: each entry's SSRC instead). */
static int is_rewritten(const struct dp_rtcp_pkt *pkt, size_t b, int fir)
{
	if (b >= 4 && b < 8)
		return 1;
	if (!fir)
		return b >= 8 && b < 12;
	size_t entries_end = 12 + (pkt->body_len - 8) / 8 * 8;
	return b >= 12 && b < entries_end && (b - 12) % 8 < 4;
}

static void check_rewrite(const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_pkt p2;
	struct dp_rtcp_fb fb;
	static struct dp_rtcp_fir fir;

	memcpy(out2, pkt->hdr, pkt->len);
	int st = dp_rtcp_fb_rewrite(out2, pkt->len, 0xa1a2a3a4, 0xb1b2b3b4);
	CHECK(dp_rtcp_pkt_parse(out2, pkt->len, &p2) == DP_RTCP_OK);
	if (st != DP_RTCP_OK) {
		CHECK(memcmp(out2, pkt->hdr, pkt->len) == 0); /* untouched */
		return;
	}
	int is_fir = p2.pt == DP_RTCP_PT_PSFB && p2.count == DP_RTCP_FMT_FIR;
	for (size_t b = 0; b < pkt->len; b++)
		CHECK(is_rewritten(pkt, b, is_fir) || out2[b] == pkt->hdr[b]);
	CHECK(dp_rtcp_parse_fb(&p2, &fb) == DP_RTCP_OK && fb.sender_ssrc == 0xa1a2a3a4);
	int fir_ok = dp_rtcp_parse_fir(&p2, &fir) == DP_RTCP_OK;
	if (is_fir) {
		CHECK(rd32(pkt->body + 4) == fb.media_ssrc); /* header field kept */
		for (unsigned int i = 0; fir_ok && i < fir.count; i++)
			CHECK(fir.entry[i].ssrc == 0xb1b2b3b4);
		int n = dp_rtcp_fir_rewrite_entry(out2, pkt->len, 0xb1b2b3b4, 0xc1c2c3c4, 0x42);
		CHECK(n == (int)((pkt->body_len - 8) / 8) || (n < 0 && pkt->body_len < 16));
		CHECK(!fir_ok || dp_rtcp_parse_fir(&p2, &fir) == DP_RTCP_OK);
		for (unsigned int i = 0; fir_ok && i < fir.count; i++)
			CHECK(fir.entry[i].ssrc == 0xc1c2c3c4 && fir.entry[i].seq == 0x42);
	} else {
		CHECK(fb.media_ssrc == 0xb1b2b3b4);
		CHECK(dp_rtcp_fir_rewrite_entry(out2, pkt->len, 1, 2, 3) == DP_RTCP_ERR_TYPE);
	}
}

/* ---------------------------------------------------------------------- */
/* transport-cc                                                            */

/* The chunk rules dp_rtcp_build_tcc() documents, checked on its output
 * against the decoded statuses st[0..count): a run-length chunk for runs of
 * 14 or more equal symbols (or the whole rest), a 1-bit vector when the next
 * 14 have no large delta, otherwise a run chunk for runs of 7 or more, else a
 * 2-bit vector; vectors never hold more statuses than remain. */
static void tcc_check_chunks(const uint8_t *buf, const struct dp_rtcp_tcc_status *st,
			     uint32_t count)
{
	const uint8_t *p = buf + 20;
	uint32_t i = 0;
	while (i < count) {
		uint32_t rem = count - i, run = 1, k = rem < 14 ? rem : 14, large = 0;
		while (run < rem && run < 8191 && st[i + run].symbol == st[i].symbol)
			run++;
		for (uint32_t q = 0; q < k; q++)
			large |= st[i + q].symbol == DP_RTCP_TCC_LARGE;
		uint16_t c = rd16(p);
		p += 2;
		if (run >= 14 || run == rem || (large && run >= 7)) {
			CHECK(!(c & 0x8000) && (c & 0x1fff) == run);
			i += run;
		} else if (!large) {
			CHECK((c & 0xc000) == 0x8000);
			i += k;
		} else {
			CHECK((c & 0xc000) == 0xc000);
			i += rem < 7 ? rem : 7;
		}
	}
}

/* Parses a built tcc and compares it with decoded statuses a[0..n) of a
 * feedback with reference time ref: same seqs, same received flags, same
 * absolute arrival ticks (mod 2^32: the reference is 24 bits). */
static void tcc_compare(const uint8_t *buf, size_t len, const struct dp_rtcp_tcc *want,
			const struct dp_rtcp_tcc_status *a)
{
	struct dp_rtcp_pkt p2;
	struct dp_rtcp_tcc got;
	reparse(buf, len, &p2);
	CHECK(dp_rtcp_parse_tcc(&p2, &got, tcc_b, MAX_TCC) == DP_RTCP_OK);
	tcc_check_chunks(buf, tcc_b, got.status_count);
	CHECK(got.base_seq == want->base_seq && got.status_count == want->status_count &&
	      got.recv_count == want->recv_count && got.fb_count == want->fb_count &&
	      got.sender_ssrc == want->sender_ssrc && got.media_ssrc == want->media_ssrc);
	int64_t ta = (int64_t)want->ref_time * 256, tb = (int64_t)got.ref_time * 256;
	for (uint32_t i = 0; i < got.status_count; i++) {
		CHECK(tcc_b[i].seq == a[i].seq);
		CHECK((tcc_b[i].symbol == DP_RTCP_TCC_NOT_RECEIVED) ==
		      (a[i].symbol == DP_RTCP_TCC_NOT_RECEIVED));
		ta += a[i].delta;
		tb += tcc_b[i].delta;
		/* the references may differ: arrivals may not */
		if (a[i].symbol != DP_RTCP_TCC_NOT_RECEIVED)
			CHECK((uint32_t)ta == (uint32_t)tb);
		/* the builder picks the small symbol whenever it fits */
		if (tcc_b[i].symbol == DP_RTCP_TCC_LARGE)
			CHECK(tcc_b[i].delta < 0 || tcc_b[i].delta > 255);
	}
}

static void check_tcc(const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_tcc tcc;
	if (dp_rtcp_parse_tcc(pkt, &tcc, tcc_a, MAX_TCC) != DP_RTCP_OK)
		return;
	CHECK(tcc.status_count >= 1);
	unsigned int recv = 0;
	int64_t t = (int64_t)tcc.ref_time * 256;
	for (uint32_t i = 0; i < tcc.status_count; i++) {
		CHECK(tcc_a[i].seq == (uint16_t)(tcc.base_seq + i));
		CHECK(tcc_a[i].symbol <= DP_RTCP_TCC_LARGE);
		if (tcc_a[i].symbol == DP_RTCP_TCC_SMALL)
			CHECK(tcc_a[i].delta >= 0 && tcc_a[i].delta <= 255);
		if (tcc_a[i].symbol == DP_RTCP_TCC_NOT_RECEIVED) {
			CHECK(tcc_a[i].delta == 0);
			arrivals[i].arrival_us = DP_RTCP_TCC_LOST;
		} else {
			recv++;
			t += tcc_a[i].delta;
			arrivals[i].arrival_us = t * 250 + (int64_t)(i % 250);
		}
		arrivals[i].seq = tcc_a[i].seq;
	}
	CHECK(recv == tcc.recv_count);

	/* the smaller result of a cap that is too small */
	struct dp_rtcp_tcc small;
	CHECK(dp_rtcp_parse_tcc(pkt, &small, tcc_b, tcc.status_count - 1u) == DP_RTCP_ERR_OVERFLOW);
	CHECK(small.status_count == tcc.status_count);

	size_t len = dp_rtcp_build_tcc(out, OUT_CAP, tcc.sender_ssrc, tcc.media_ssrc,
				       tcc.fb_count, arrivals, tcc.status_count);
	CHECK(len > 0);
	tcc_compare(out, len, &tcc, tcc_a);
	if (tcc.status_count <= 1024) /* keep huge run-length inputs fast */
		CHECK(dp_rtcp_build_tcc(out2, len - 1, tcc.sender_ssrc, tcc.media_ssrc,
					tcc.fb_count, arrivals, tcc.status_count) == 0);
}

/* ---------------------------------------------------------------------- */

static void check_pkt(const struct dp_rtcp_pkt *pkt)
{
	CHECK(pkt->len >= 4 && pkt->len % 4 == 0 && pkt->body == pkt->hdr + 4);
	CHECK(pkt->body_len <= pkt->len - 4);
	CHECK(pkt->pt == pkt->hdr[1] && pkt->count == (pkt->hdr[0] & 0x1f));
	check_reports(pkt);
	check_session(pkt);
	check_nack(pkt);
	check_psfb(pkt);
	check_tcc(pkt);
	check_rewrite(pkt);
}

static void fuzz_datagram(const uint8_t *data, size_t size)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	int st = dp_rtcp_iter_init(&it, data, size);
	size_t sum = 0;
	unsigned int n = 0;
	while (dp_rtcp_iter_next(&it, &pkt)) {
		CHECK(pkt.hdr == data + sum && pkt.offset == sum);
		CHECK(!pkt.padding || sum + pkt.len == size);
		if (n == 0)
			CHECK(pkt.pt == DP_RTCP_PT_SR || pkt.pt == DP_RTCP_PT_RR ||
			      (it.reduced && (pkt.pt == DP_RTCP_PT_RTPFB || pkt.pt == DP_RTCP_PT_PSFB)));
		sum += pkt.len;
		n++;
		check_pkt(&pkt);
	}
	CHECK(st == DP_RTCP_OK ? sum == size && n == it.index : sum == 0);
	if (st == DP_RTCP_OK)
		return;

	/* invalid datagram: still walk the sub-packets it has */
	size_t off = 0;
	while (off < size && dp_rtcp_pkt_parse(data + off, size - off, &pkt) == DP_RTCP_OK) {
		check_pkt(&pkt);
		off += pkt.len;
	}
}

/* ---------------------------------------------------------------------- */
/* Builder modes                                                           */

static void fuzz_nack_build(const uint8_t *d, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i + 1 < n && k < MAX_LOST; i += 2)
		lost1[k++] = rd16(d + i);
	nack_round_trip(lost1, k);
}

/* Arrivals from 3-byte records: flags/step, signed tick delta. Builds the
 * feedback, which must succeed exactly when the list is valid. */
static void fuzz_tcc_build(const uint8_t *d, size_t n)
{
	size_t k = 0;
	uint16_t seq = n >= 2 ? rd16(d) : 0;
	int64_t t = n >= 4 ? (int64_t)(int16_t)rd16(d + 2) * 1000003 : 0;
	uint32_t span = 0;
	int valid = 1, have_prev = 0;
	int64_t prev = 0;

	for (size_t i = 4; i + 2 < n && k < 20000; i += 3) {
		uint8_t f = d[i];
		if (k > 0)
			seq = (uint16_t)(seq + 1 + ((f & 0x40) ? (f & 0x3f) * 97u : (f & 0x07)));
		arrivals[k].seq = seq;
		if (f & 0x80) {
			arrivals[k].arrival_us = DP_RTCP_TCC_LOST;
		} else {
			t += (int64_t)(int16_t)rd16(d + i + 1) * ((f & 0x20) ? 250 : 3) + (f & 0x18);
			arrivals[k].arrival_us = t;
			int64_t ticks = fdiv(t, 250);
			if (have_prev && (ticks - prev < INT16_MIN || ticks - prev > INT16_MAX))
				valid = 0;
			prev = ticks;
			have_prev = 1;
		}
		if (k > 0) {
			uint16_t step = (uint16_t)(arrivals[k].seq - arrivals[k - 1].seq);
			if (step > 0x7fff)
				valid = 0;
			span += step;
		}
		k++;
	}
	if (k == 0)
		return;
	if (span + 1 > 0xffff)
		valid = 0;
	size_t len = dp_rtcp_build_tcc(out, OUT_CAP, 7, 8, (uint8_t)k, arrivals, k);
	CHECK((len > 0) == valid);
	if (!len)
		return;

	/* expected statuses straight from the list */
	struct dp_rtcp_pkt p2;
	struct dp_rtcp_tcc got;
	reparse(out, len, &p2);
	CHECK(dp_rtcp_parse_tcc(&p2, &got, tcc_b, MAX_TCC) == DP_RTCP_OK);
	CHECK(got.status_count == span + 1 && got.base_seq == arrivals[0].seq);
	tcc_check_chunks(out, tcc_b, got.status_count);
	int64_t tt = (int64_t)got.ref_time * 256;
	size_t j = 0;
	for (uint32_t i = 0; i < got.status_count; i++) {
		int recv = tcc_b[i].symbol != DP_RTCP_TCC_NOT_RECEIVED;
		if (recv)
			tt += tcc_b[i].delta;
		if (j < k && arrivals[j].seq == tcc_b[i].seq) {
			CHECK(recv == (arrivals[j].arrival_us != DP_RTCP_TCC_LOST));
			CHECK(!recv || (uint32_t)tt == (uint32_t)fdiv(arrivals[j].arrival_us, 250));
			j++;
		} else {
			CHECK(!recv);
		}
	}
	CHECK(j == k);
}

/* Commits what a builder call writes at the compound's tail. */
#define ADD(c, builder, ...) \
	dp_rtcp_compound_commit((c), builder(dp_rtcp_compound_tail(c), dp_rtcp_compound_room(c), \
					     __VA_ARGS__))

static void fuzz_report_build(const uint8_t *d, size_t n, uint8_t mode)
{
	static struct dp_rtcp_sr sr, sr2;
	struct dp_rtcp_pkt p2;
	struct dp_rtcp_compound c;

	memset(&sr, 0, sizeof(sr));
	sr.ssrc = n >= 4 ? rd32(d) : 0;
	sr.ntp = n >= 12 ? ((uint64_t)rd32(d + 4) << 32) | rd32(d + 8) : 0;
	size_t i = 12;
	while (i + 24 <= n && sr.rb_count < DP_RTCP_MAX_RB) {
		struct dp_rtcp_rb *rb = &sr.rb[sr.rb_count++];
		rb->ssrc = rd32(d + i);
		rb->fraction_lost = d[i + 4];
		rb->cumulative_lost = (int32_t)rd32(d + i + 5) >> 4;
		rb->ext_highest_seq = rd32(d + i + 9);
		rb->jitter = rd32(d + i + 13);
		rb->lsr = rd32(d + i + 17);
		rb->dlsr = (uint32_t)d[i + 21] << 8;
		i += 24;
	}
	uint64_t bitrate = n >= 8 ? ((uint64_t)rd32(d) << 32 | rd32(d + 4)) >> (d[0] & 63) : 0;

	dp_rtcp_compound_init(&c, out, OUT_CAP);
	if (mode & 1) {
		ADD(&c, dp_rtcp_build_sr, &sr);
	} else {
		struct dp_rtcp_rr rr = { .ssrc = sr.ssrc, .rb_count = sr.rb_count };
		memcpy(rr.rb, sr.rb, sizeof(rr.rb));
		ADD(&c, dp_rtcp_build_rr, &rr);
	}
	ADD(&c, dp_rtcp_build_remb, 1, bitrate, &sr.ssrc, 1);
	size_t len = dp_rtcp_compound_finish(&c);
	CHECK(len > 0);

	struct dp_rtcp_iter it;
	CHECK(dp_rtcp_iter_init(&it, out, len) == DP_RTCP_OK && !it.reduced);
	CHECK(dp_rtcp_iter_next(&it, &p2) == 1);
	if (mode & 1) {
		CHECK(dp_rtcp_parse_sr(&p2, &sr2) == DP_RTCP_OK);
		CHECK(sr2.ntp == sr.ntp);
	} else {
		struct dp_rtcp_rr rr2;
		CHECK(dp_rtcp_parse_rr(&p2, &rr2) == DP_RTCP_OK);
		memcpy(sr2.rb, rr2.rb, sizeof(rr2.rb));
		sr2.rb_count = rr2.rb_count;
	}
	CHECK(sr2.rb_count == sr.rb_count);
	for (unsigned int q = 0; q < sr.rb_count; q++) {
		struct dp_rtcp_rb want = sr.rb[q];
		if (want.cumulative_lost > 0x7fffff)
			want.cumulative_lost = 0x7fffff;
		if (want.cumulative_lost < -0x800000)
			want.cumulative_lost = -0x800000;
		rb_equal(&sr2.rb[q], &want);
	}
	struct dp_rtcp_remb remb;
	CHECK(dp_rtcp_iter_next(&it, &p2) == 1);
	CHECK(dp_rtcp_parse_remb(&p2, &remb) == DP_RTCP_OK);
	CHECK(remb.bitrate <= bitrate && remb.bitrate >> remb.exp == remb.mantissa);
	CHECK(bitrate - remb.bitrate < (1ULL << remb.exp));
	CHECK(remb.exp == 0 || remb.mantissa >= (1u << 17));
	CHECK(dp_rtcp_iter_next(&it, &p2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) {
		struct dp_rtcp_iter it;
		CHECK(dp_rtcp_iter_init(&it, data, 0) == DP_RTCP_ERR_SHORT);
		return 0;
	}
	if ((data[0] >> 6) == 2) {
		fuzz_datagram(data, size);
		return 0;
	}
	switch (data[0] & 3) {
	case 0:
		fuzz_nack_build(data + 1, size - 1);
		break;
	case 1:
		fuzz_tcc_build(data + 1, size - 1);
		break;
	default:
		fuzz_report_build(data + 1, size - 1, data[0]);
		break;
	}
	return 0;
}
