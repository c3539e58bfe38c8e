/* SPDX-License-Identifier: MIT */
/*
 * RTCP builders: build -> parse round trips with exact field values, exact
 * wire bytes where the layout is fixed, capacity limits, the compound
 * writer, the in-place feedback rewrites, and the NTP / RTT helpers.
 */
#include <errno.h>
#include <string.h>

#include "rtcp_test.h"

static struct dp_rtcp_rb mk_rb(uint32_t i)
{
	struct dp_rtcp_rb rb = {
		.ssrc = 0x1000 + i,
		.fraction_lost = (uint8_t)(i * 7),
		.cumulative_lost = (int32_t)(i * 1000) - 5000,
		.ext_highest_seq = 0x10000u * i + 77,
		.jitter = 3 * i,
		.lsr = 0xabcd0000u + i,
		.dlsr = 0x10000u + i,
	};
	return rb;
}

static void check_rb(const struct dp_rtcp_rb *a, const struct dp_rtcp_rb *b)
{
	CHECK_EQ(a->ssrc, b->ssrc);
	CHECK_EQ(a->fraction_lost, b->fraction_lost);
	CHECK_EQ(a->cumulative_lost, b->cumulative_lost);
	CHECK_EQ(a->ext_highest_seq, b->ext_highest_seq);
	CHECK_EQ(a->jitter, b->jitter);
	CHECK_EQ(a->lsr, b->lsr);
	CHECK_EQ(a->dlsr, b->dlsr);
}

static void test_rr_sr(void)
{
	uint8_t buf[1024];
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_rr rr = { .ssrc = 0xfeedface, .rb_count = 3 }, rr2;
	for (unsigned int i = 0; i < 3; i++)
		rr.rb[i] = mk_rb(i);

	size_t len = dp_rtcp_build_rr(buf, sizeof(buf), &rr);
	CHECK_EQ(len, 8 + 3 * 24);
	CHECK_EQ(buf[0], 0x83);
	CHECK_EQ(buf[1], 201);
	CHECK_EQ(buf[3], len / 4 - 1);
	/* cumulative lost -5000 as 24-bit two's complement */
	CHECK_EQ(buf[8 + 5], 0xff);
	CHECK_EQ(buf[8 + 6], 0xec);
	CHECK_EQ(buf[8 + 7], 0x78);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_rr(&pkt, &rr2), DP_RTCP_OK);
	CHECK_EQ(rr2.ssrc, rr.ssrc);
	CHECK_EQ(rr2.rb_count, 3);
	for (unsigned int i = 0; i < 3; i++)
		check_rb(&rr2.rb[i], &rr.rb[i]);
	CHECK_EQ(dp_rtcp_build_rr(buf, len - 1, &rr), 0);
	CHECK_EQ(dp_rtcp_build_rr(buf, len, &rr), len);

	/* clamping of the 24-bit cumulative loss */
	rr.rb_count = 2;
	rr.rb[0].cumulative_lost = 10000000;
	rr.rb[1].cumulative_lost = -9000000;
	len = dp_rtcp_build_rr(buf, sizeof(buf), &rr);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_rr(&pkt, &rr2), DP_RTCP_OK);
	CHECK_EQ(rr2.rb[0].cumulative_lost, 0x7fffff);
	CHECK_EQ(rr2.rb[1].cumulative_lost, -0x800000);

	/* empty RR */
	rr.rb_count = 0;
	static const uint8_t rr_empty[] = { 0x80, 0xc9, 0x00, 0x01, 0xfe, 0xed, 0xfa, 0xce };
	len = dp_rtcp_build_rr(buf, sizeof(buf), &rr);
	CHECK_BYTES(buf, len, rr_empty, sizeof(rr_empty));
	rr.rb_count = 32;
	CHECK_EQ(dp_rtcp_build_rr(buf, sizeof(buf), &rr), 0);

	/* SR with 31 blocks */
	static struct dp_rtcp_sr sr, sr2;
	sr.ssrc = 0x01020304;
	sr.ntp = 0xe1a2b3c4d5e6f708ULL;
	sr.rtp_ts = 0x90000000;
	sr.packet_count = 123456;
	sr.octet_count = 0xffffffff;
	sr.rb_count = DP_RTCP_MAX_RB;
	for (unsigned int i = 0; i < DP_RTCP_MAX_RB; i++)
		sr.rb[i] = mk_rb(i + 10);
	len = dp_rtcp_build_sr(buf, sizeof(buf), &sr);
	CHECK_EQ(len, 28 + 31 * 24);
	CHECK_EQ(buf[0], 0x80 | 31);
	CHECK_EQ(buf[1], 200);
	CHECK_EQ(buf[8], 0xe1);
	CHECK_EQ(buf[15], 0x08);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sr(&pkt, &sr2), DP_RTCP_OK);
	CHECK_EQ(sr2.ssrc, sr.ssrc);
	CHECK(sr2.ntp == sr.ntp);
	CHECK_EQ(sr2.rtp_ts, sr.rtp_ts);
	CHECK_EQ(sr2.packet_count, sr.packet_count);
	CHECK_EQ(sr2.octet_count, sr.octet_count);
	CHECK_EQ(sr2.rb_count, 31);
	for (unsigned int i = 0; i < 31; i++)
		check_rb(&sr2.rb[i], &sr.rb[i]);
	CHECK_EQ(dp_rtcp_build_sr(buf, len - 1, &sr), 0);
	sr.rb_count = 32;
	CHECK_EQ(dp_rtcp_build_sr(buf, sizeof(buf), &sr), 0);
}

static void test_sdes_bye(void)
{
	uint8_t buf[512];
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_sdes sdes;

	/* "abc": ssrc + 01 03 a b c + END = 10 -> 12 bytes of chunk */
	static const uint8_t want[] = { 0x81, 0xca, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a,
					0x01, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x00 };
	size_t len = dp_rtcp_build_sdes_cname(buf, sizeof(buf), 42, (const uint8_t *)"abc", 3);
	CHECK_BYTES(buf, len, want, sizeof(want));
	/* "ab": exactly 8 bytes + END needs a whole extra word */
	len = dp_rtcp_build_sdes_cname(buf, sizeof(buf), 42, (const uint8_t *)"ab", 2);
	CHECK_EQ(len, 16);
	CHECK_EQ(buf[12], 0);

	uint8_t name[255];
	for (size_t n = 1; n <= 255; n++) {
		for (size_t i = 0; i < n; i++)
			name[i] = (uint8_t)('a' + (i + n) % 26);
		len = dp_rtcp_build_sdes_cname(buf, sizeof(buf), 0x55aa55aa, name, n);
		CHECK_EQ(len % 4, 0);
		CHECK(len >= 4 + 4 + 2 + n + 1 && len <= 4 + 4 + 2 + n + 4);
		CHECK_EQ(dp_rtcp_pkt_parse(buf, len, &pkt), DP_RTCP_OK);
		CHECK_EQ(pkt.len, len);
		CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_OK);
		CHECK_EQ(sdes.ssrc, 0x55aa55aa);
		CHECK_EQ(sdes.cname_len, n);
		CHECK(sdes.cname && memcmp(sdes.cname, name, n) == 0);
		CHECK_EQ(dp_rtcp_build_sdes_cname(buf, len - 1, 1, name, n), 0);
	}
	CHECK_EQ(dp_rtcp_build_sdes_cname(buf, sizeof(buf), 1, name, 0), 0);
	CHECK_EQ(dp_rtcp_build_sdes_cname(buf, sizeof(buf), 1, name, 256), 0);

	struct dp_rtcp_bye bye;
	const uint32_t ssrcs[3] = { 7, 8, 0xffffffff };
	len = dp_rtcp_build_bye(buf, sizeof(buf), ssrcs, 3, NULL, 0);
	CHECK_EQ(len, 16);
	CHECK_EQ(dp_rtcp_pkt_parse(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_bye(&pkt, &bye), DP_RTCP_OK);
	CHECK_EQ(bye.count, 3);
	CHECK_EQ(bye.ssrc[2], 0xffffffff);
	CHECK(bye.reason == NULL);
	len = dp_rtcp_build_bye(buf, sizeof(buf), ssrcs, 1, (const uint8_t *)"gone", 4);
	CHECK_EQ(len, 4 + 4 + 8);
	CHECK_EQ(dp_rtcp_pkt_parse(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_bye(&pkt, &bye), DP_RTCP_OK);
	CHECK_EQ(bye.count, 1);
	CHECK_EQ(bye.reason_len, 4);
	CHECK(bye.reason && memcmp(bye.reason, "gone", 4) == 0);
	CHECK_EQ(dp_rtcp_build_bye(buf, sizeof(buf), ssrcs, 0, NULL, 0), 0);
	CHECK_EQ(dp_rtcp_build_bye(buf, len - 1, ssrcs, 1, (const uint8_t *)"gone", 4), 0);
}

/* Builds a NACK from seqs, parses it, and expands it again. */
static size_t nack_round(const uint16_t *seqs, size_t n, uint8_t *buf, size_t cap,
			 uint16_t *out, size_t out_cap)
{
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_nack nack;
	size_t len = dp_rtcp_build_nack(buf, cap, 0x11, 0x22, seqs, n);
	if (len == 0)
		return 0;
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_nack(&pkt, &nack), DP_RTCP_OK);
	CHECK_EQ(nack.sender_ssrc, 0x11);
	CHECK_EQ(nack.media_ssrc, 0x22);
	return dp_rtcp_nack_lost(&nack, out, out_cap);
}

static void test_nack_build(void)
{
	uint8_t buf[2048];
	uint16_t out[512];

	/* sorted across the wrap: 3 pairs */
	static const uint16_t seqs[] = { 65530, 65535, 0, 5, 100, 101, 117, 118 };
	static const uint8_t want[] = {
		0x81, 0xcd, 0x00, 0x05, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x22,
		0xff, 0xfa, 0x04, 0x30, 0x00, 0x64, 0x00, 0x01, 0x00, 0x75, 0x00, 0x01,
	};
	size_t len = dp_rtcp_build_nack(buf, sizeof(buf), 0x11, 0x22, seqs, 8);
	CHECK_BYTES(buf, len, want, sizeof(want));
	CHECK_EQ(nack_round(seqs, 8, buf, sizeof(buf), out, 512), 8);
	for (size_t i = 0; i < 8; i++)
		CHECK_EQ(out[i], seqs[i]);
	/* capacity: exactly 24 bytes */
	CHECK_EQ(dp_rtcp_build_nack(buf, 23, 0x11, 0x22, seqs, 8), 0);
	CHECK_EQ(dp_rtcp_build_nack(buf, 24, 0x11, 0x22, seqs, 8), 24);
	CHECK_EQ(dp_rtcp_build_nack(buf, sizeof(buf), 0x11, 0x22, seqs, 0), 0);

	/* 17 consecutive seqs fill exactly one pair; the 18th opens another */
	uint16_t run[18];
	for (size_t i = 0; i < 18; i++)
		run[i] = (uint16_t)(65528 + i);
	CHECK_EQ(dp_rtcp_build_nack(buf, sizeof(buf), 1, 2, run, 17), 16);
	CHECK_EQ(buf[14], 0xff);
	CHECK_EQ(buf[15], 0xff);
	CHECK_EQ(dp_rtcp_build_nack(buf, sizeof(buf), 1, 2, run, 18), 20);
	CHECK_EQ(nack_round(run, 18, buf, sizeof(buf), out, 512), 18);
	for (size_t i = 0; i < 18; i++)
		CHECK_EQ(out[i], run[i]);

	/* duplicates and unsorted input still name every lost seq */
	static const uint16_t messy[] = { 10, 10, 5, 10, 11, 4 };
	size_t n = nack_round(messy, 6, buf, sizeof(buf), out, 512);
	CHECK_EQ(n, 5); /* (10) (5: 10, 11) (4) */
	CHECK_EQ(out[0], 10);
	CHECK_EQ(out[1], 5);
	CHECK_EQ(out[2], 10);
	CHECK_EQ(out[3], 11);
	CHECK_EQ(out[4], 4);

	/* every other seq over 400: 25 pairs of bit pattern 0x5555 */
	uint16_t sparse[200];
	for (size_t i = 0; i < 200; i++)
		sparse[i] = (uint16_t)(65000 + 2 * i);
	len = dp_rtcp_build_nack(buf, sizeof(buf), 1, 2, sparse, 200);
	CHECK_EQ(len, 12 + 4 * 23);
	CHECK_EQ(nack_round(sparse, 200, buf, sizeof(buf), out, 512), 200);
	for (size_t i = 0; i < 200; i++)
		CHECK_EQ(out[i], sparse[i]);
}

static void test_pli_fir_remb_build(void)
{
	uint8_t buf[2048];
	struct dp_rtcp_pkt pkt;

	static const uint8_t pli[] = { 0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
				       0x87, 0x65, 0x43, 0x21 };
	size_t len = dp_rtcp_build_pli(buf, sizeof(buf), 1, 0x87654321);
	CHECK_BYTES(buf, len, pli, sizeof(pli));
	CHECK_EQ(dp_rtcp_build_pli(buf, 11, 1, 2), 0);

	static const uint8_t fir[] = {
		0x84, 0xce, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00,
		0xca, 0xfe, 0xba, 0xbe, 0x07, 0x00, 0x00, 0x00,
	};
	struct dp_rtcp_fir_entry e[DP_RTCP_FIR_MAX + 1] = { { 0xcafebabe, 7 } };
	len = dp_rtcp_build_fir(buf, sizeof(buf), 0xdeadbeef, e, 1);
	CHECK_BYTES(buf, len, fir, sizeof(fir));
	for (unsigned int i = 0; i <= DP_RTCP_FIR_MAX; i++) {
		e[i].ssrc = 0x100 + i;
		e[i].seq = (uint8_t)(250 + i);
	}
	struct dp_rtcp_fir f;
	len = dp_rtcp_build_fir(buf, sizeof(buf), 9, e, DP_RTCP_FIR_MAX);
	CHECK_EQ(len, 12 + 8 * DP_RTCP_FIR_MAX);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &f), DP_RTCP_OK);
	CHECK_EQ(f.sender_ssrc, 9);
	CHECK_EQ(f.count, DP_RTCP_FIR_MAX);
	for (unsigned int i = 0; i < DP_RTCP_FIR_MAX; i++) {
		CHECK_EQ(f.entry[i].ssrc, e[i].ssrc);
		CHECK_EQ(f.entry[i].seq, e[i].seq);
	}
	CHECK_EQ(dp_rtcp_build_fir(buf, sizeof(buf), 9, e, DP_RTCP_FIR_MAX + 1), 0);
	CHECK_EQ(dp_rtcp_build_fir(buf, sizeof(buf), 9, e, 0), 0);

	/* REMB: byte-exact for 1.5 Mbps, then value round trips */
	static const uint8_t remb[] = {
		0x8f, 0xce, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
		'R', 'E', 'M', 'B', 0x01, 0x0e, 0xdc, 0x6c, 0x0a, 0x0b, 0x0c, 0x0d,
	};
	const uint32_t one = 0x0a0b0c0d;
	len = dp_rtcp_build_remb(buf, sizeof(buf), 0x01020304, 1500000, &one, 1);
	CHECK_BYTES(buf, len, remb, sizeof(remb));

	static const struct {
		uint64_t in, out;
		uint8_t exp;
	} cases[] = {
		{ 0, 0, 0 },
		{ 0x3ffff, 0x3ffff, 0 },
		{ 0x40000, 0x40000, 1 },         /* 2^18 */
		{ 0x40001, 0x40000, 1 },         /* rounded down */
		{ 1500001, 1500000, 3 },
		{ 3000000000ULL, 183105ULL << 14, 14 }, /* 2999992320 */
		{ UINT64_MAX, 0x3ffffULL << 46, 46 },
	};
	uint32_t ssrcs[DP_RTCP_REMB_MAX_SSRC + 1];
	for (unsigned int i = 0; i <= DP_RTCP_REMB_MAX_SSRC; i++)
		ssrcs[i] = 0xa0000000u + i;
	static struct dp_rtcp_remb r;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned int n = (unsigned int)(c * 40);
		len = dp_rtcp_build_remb(buf, sizeof(buf), 77, cases[c].in, ssrcs, n);
		CHECK_EQ(len, 20 + 4 * n);
		CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
		CHECK_EQ(dp_rtcp_parse_remb(&pkt, &r), DP_RTCP_OK);
		CHECK(r.bitrate == cases[c].out);
		CHECK_EQ(r.exp, cases[c].exp);
		CHECK_EQ(r.sender_ssrc, 77);
		CHECK_EQ(r.ssrc_count, n);
		for (unsigned int i = 0; i < n; i++)
			CHECK_EQ(r.ssrc[i], ssrcs[i]);
	}
	len = dp_rtcp_build_remb(buf, sizeof(buf), 1, 5, ssrcs, DP_RTCP_REMB_MAX_SSRC);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_remb(&pkt, &r), DP_RTCP_OK);
	CHECK_EQ(r.ssrc_count, 255);
	CHECK_EQ(r.ssrc[254], ssrcs[254]);
	CHECK_EQ(dp_rtcp_build_remb(buf, sizeof(buf), 1, 5, ssrcs, 256), 0);
	CHECK_EQ(dp_rtcp_build_remb(buf, 23, 1, 5, ssrcs, 1), 0);
}

/* Commits what a builder call writes at the compound's tail. */
#define ADD(c, builder, ...) \
	dp_rtcp_compound_commit((c), builder(dp_rtcp_compound_tail(c), dp_rtcp_compound_room(c), \
					     __VA_ARGS__))

static void test_compound(void)
{
	uint8_t buf[256];
	struct dp_rtcp_compound c;
	struct dp_rtcp_rr rr = { .ssrc = 5, .rb_count = 1 };
	rr.rb[0] = mk_rb(4);
	const uint16_t lost[] = { 7, 9 };
	const struct dp_rtcp_tcc_arrival arr[] = { { 1, 1000 }, { 2, 2000 }, { 4, 2500 } };

	dp_rtcp_compound_init(&c, buf, sizeof(buf));
	CHECK_EQ(dp_rtcp_compound_room(&c), sizeof(buf));
	CHECK_EQ(ADD(&c, dp_rtcp_build_rr, &rr), DP_RTCP_OK);
	CHECK(dp_rtcp_compound_tail(&c) == buf + 32);
	CHECK_EQ(dp_rtcp_compound_room(&c), sizeof(buf) - 32);
	CHECK_EQ(ADD(&c, dp_rtcp_build_sdes_cname, 5, (const uint8_t *)"sfu", 3), DP_RTCP_OK);
	CHECK_EQ(ADD(&c, dp_rtcp_build_nack, 5, 6, lost, 2), DP_RTCP_OK);
	CHECK_EQ(ADD(&c, dp_rtcp_build_tcc, 5, 6, 0, arr, 3), DP_RTCP_OK);
	size_t len = dp_rtcp_compound_finish(&c);
	CHECK_EQ(len, 32 + 16 + 16 + 28);

	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	static const uint8_t types[] = { DP_RTCP_PT_RR, DP_RTCP_PT_SDES, DP_RTCP_PT_RTPFB,
					 DP_RTCP_PT_RTPFB };
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, len), DP_RTCP_OK);
	CHECK_EQ(it.reduced, 0);
	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
		CHECK_EQ(pkt.pt, types[i]);
	}
	CHECK_EQ(pkt.padding, 1); /* tcc last: 25 bytes + 3 of padding */
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);

	/* anything after the padded tcc breaks the compound */
	CHECK_EQ(ADD(&c, dp_rtcp_build_pli, 5, 6), DP_RTCP_ERR_PADDING);
	CHECK_EQ(dp_rtcp_compound_finish(&c), 0);
	CHECK_EQ(dp_rtcp_compound_room(&c), 0);
	CHECK_EQ(ADD(&c, dp_rtcp_build_pli, 5, 6), DP_RTCP_ERR_PADDING); /* sticky */

	/* feedback first: not a compound */
	dp_rtcp_compound_init(&c, buf, sizeof(buf));
	CHECK_EQ(ADD(&c, dp_rtcp_build_pli, 5, 6), DP_RTCP_ERR_FIRST);
	CHECK_EQ(dp_rtcp_compound_finish(&c), 0);

	/* a builder that does not fit fails the compound */
	dp_rtcp_compound_init(&c, buf, 40);
	CHECK_EQ(ADD(&c, dp_rtcp_build_rr, &rr), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_compound_room(&c), 8);
	CHECK_EQ(ADD(&c, dp_rtcp_build_sdes_cname, 5, (const uint8_t *)"sfu", 3), DP_RTCP_ERR_SHORT);
	CHECK_EQ(dp_rtcp_compound_finish(&c), 0);

	/* empty; then a commit length that is not the sub-packet length */
	dp_rtcp_compound_init(&c, buf, sizeof(buf));
	CHECK_EQ(dp_rtcp_compound_finish(&c), 0);
	CHECK_EQ(ADD(&c, dp_rtcp_build_rr, &rr), DP_RTCP_OK);
	memcpy(dp_rtcp_compound_tail(&c), buf, 32);
	CHECK_EQ(dp_rtcp_compound_commit(&c, 36), DP_RTCP_ERR_LENGTH);
	/* NULL buffer */
	dp_rtcp_compound_init(&c, NULL, 100);
	CHECK_EQ(dp_rtcp_compound_room(&c), 0);
	CHECK_EQ(ADD(&c, dp_rtcp_build_rr, &rr), DP_RTCP_ERR_SHORT);
	CHECK_EQ(dp_rtcp_compound_finish(&c), 0);
}

static void test_rewrite(void)
{
	uint8_t buf[128];
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_fb fb;
	struct dp_rtcp_nack nack;
	struct dp_rtcp_fir fir;
	const uint16_t lost[] = { 100, 101, 300 };
	size_t len;

	len = dp_rtcp_build_pli(buf, sizeof(buf), 1, 2);
	CHECK_EQ(dp_rtcp_fb_rewrite(buf, len, 0xaaaa, 0xbbbb), DP_RTCP_OK);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_pli(&pkt, &fb), DP_RTCP_OK);
	CHECK_EQ(fb.sender_ssrc, 0xaaaa);
	CHECK_EQ(fb.media_ssrc, 0xbbbb);

	len = dp_rtcp_build_nack(buf, sizeof(buf), 1, 2, lost, 3);
	CHECK_EQ(dp_rtcp_fb_rewrite(buf, len, 3, 4), DP_RTCP_OK);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_nack(&pkt, &nack), DP_RTCP_OK);
	CHECK_EQ(nack.sender_ssrc, 3);
	CHECK_EQ(nack.media_ssrc, 4);
	CHECK_EQ(dp_rtcp_nack_lost(&nack, NULL, 0), 3); /* FCI untouched */

	const struct dp_rtcp_fir_entry e[2] = { { 10, 1 }, { 11, 2 } };
	len = dp_rtcp_build_fir(buf, sizeof(buf), 1, e, 2);
	CHECK_EQ(dp_rtcp_fir_rewrite_entry(buf, len, 11, 21, 9), 1);
	CHECK_EQ(dp_rtcp_fir_rewrite_entry(buf, len, 10, 20, -1), 1);
	CHECK_EQ(dp_rtcp_fir_rewrite_entry(buf, len, 99, 20, -1), 0);
	CHECK_EQ(rt_first_pkt(buf, len, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &fir), DP_RTCP_OK);
	CHECK_EQ(fir.entry[0].ssrc, 20);
	CHECK_EQ(fir.entry[0].seq, 1);
	CHECK_EQ(fir.entry[1].ssrc, 21);
	CHECK_EQ(fir.entry[1].seq, 9);
	CHECK_EQ(dp_rtcp_fb_rewrite(buf, len, 0x77, 0x88), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &fir), DP_RTCP_OK);
	CHECK_EQ(fir.sender_ssrc, 0x77);
	CHECK_EQ(fir.media_ssrc, 0); /* stays 0 for FIR */
	CHECK_EQ(fir.entry[0].ssrc, 0x88);
	CHECK_EQ(fir.entry[1].ssrc, 0x88);
	CHECK_EQ(fir.entry[1].seq, 9);

	/* not feedback / truncated / wrong type for the FIR helper */
	struct dp_rtcp_rr rr = { .ssrc = 1 };
	len = dp_rtcp_build_rr(buf, sizeof(buf), &rr);
	CHECK_EQ(dp_rtcp_fb_rewrite(buf, len, 1, 2), DP_RTCP_ERR_TYPE);
	CHECK_EQ(buf[4] | buf[5] | buf[6], 0);
	CHECK_EQ(buf[7], 1);
	len = dp_rtcp_build_pli(buf, sizeof(buf), 1, 2);
	CHECK_EQ(dp_rtcp_fb_rewrite(buf, len - 1, 1, 2), DP_RTCP_ERR_SHORT);
	CHECK_EQ(dp_rtcp_fir_rewrite_entry(buf, len, 1, 2, 0), DP_RTCP_ERR_TYPE);
	len = dp_rtcp_build_fir(buf, sizeof(buf), 1, e, 2);
	CHECK_EQ(dp_rtcp_fir_rewrite_entry(buf, len - 4, 20, 30, 1), DP_RTCP_ERR_SHORT);
	buf[3] = 2; /* FIR without entries */
	CHECK_EQ(dp_rtcp_fir_rewrite_entry(buf, 12, 20, 30, 1), DP_RTCP_ERR_LENGTH);
	len = dp_rtcp_build_pli(buf, sizeof(buf), 1, 2);
	buf[3] = 0; /* header-only feedback */
	CHECK_EQ(dp_rtcp_fb_rewrite(buf, 4, 1, 2), DP_RTCP_ERR_LENGTH);
}

static void test_ntp_rtt(void)
{
	const uint64_t off = DP_RTCP_NTP_UNIX_OFFSET;
	CHECK(dp_rtcp_ntp_from_ns(0) == off << 32);
	CHECK(dp_rtcp_ntp_from_ns(1500000000ULL) == (((off + 1) << 32) | 0x80000000u));
	CHECK(dp_rtcp_ntp_from_ns(250000000ULL) == ((off << 32) | 0x40000000u));
	struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 500000000 };
	uint64_t ntp = dp_rtcp_ntp_from_timespec(&ts);
	CHECK(ntp == (((off + 1700000000ULL) << 32) | 0x80000000u));
	CHECK(ntp == dp_rtcp_ntp_from_ns(1700000000500000000ULL));
	CHECK_EQ(dp_rtcp_ntp_mid32(ntp), (uint32_t)(((off + 1700000000ULL) & 0xffff) << 16) | 0x8000);
	ts.tv_nsec = 1000000000;
	CHECK(dp_rtcp_ntp_from_timespec(&ts) == 0);

	/* ns -> NTP -> ns is exact for every sub-second value tried */
	static const uint64_t samples[] = { 0, 1, 999999999, 1700000000123456789ULL,
					    2000000000999999999ULL };
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		CHECK(dp_rtcp_ntp_to_ns(dp_rtcp_ntp_from_ns(samples[i])) == samples[i]);
	for (uint64_t ns = 0; ns < 1000000000ULL; ns += 999983)
		CHECK(dp_rtcp_ntp_to_ns(dp_rtcp_ntp_from_ns(ns)) == ns);
	CHECK(dp_rtcp_ntp_to_ns(1ULL << 32) == 0); /* 1900: before Unix time */

	CHECK_EQ(dp_rtcp_dlsr_from_ns(1500000000ULL), 0x18000);
	CHECK_EQ(dp_rtcp_dlsr_from_ns(0), 0);
	CHECK_EQ(dp_rtcp_dlsr_from_ns(65535999999999ULL), 0xffffffff);
	CHECK_EQ(dp_rtcp_dlsr_from_ns(65536000000000ULL), 0xffffffff);
	CHECK_EQ(dp_rtcp_dlsr_from_ns(UINT64_MAX), 0xffffffff);

	/* RFC 3550 6.4.1 style: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 5.25 s */
	uint32_t rtt = 0;
	CHECK_EQ(dp_rtcp_rtt(0xb7108000u, 0xb7052000u, 0x00054000u, &rtt), 0);
	CHECK_EQ(rtt, 0x00062000u); /* 6.125 s */
	CHECK_EQ(dp_rtcp_q16_to_us(rtt), 6125000);
	/* across the 2^32 wrap of the middle bits */
	CHECK_EQ(dp_rtcp_rtt(0x00001000u, 0xfffff000u, 0x1000u, &rtt), 0);
	CHECK_EQ(rtt, 0x1000u);
	CHECK_EQ(dp_rtcp_rtt(0x1000u, 0, 0, &rtt), -ENODATA);
	CHECK_EQ(dp_rtcp_rtt(0x10000u, 0x8000u, 0x9000u, &rtt), -ERANGE);
	CHECK_EQ(dp_rtcp_rtt(0x10000u, 0x20000u, 0, &rtt), -ERANGE);
	/* end to end: an SR sent at t, answered 20 ms later after 5 ms of DLSR */
	uint64_t t = 1700000000000000000ULL;
	uint32_t lsr = dp_rtcp_ntp_mid32(dp_rtcp_ntp_from_ns(t));
	uint32_t dlsr = dp_rtcp_dlsr_from_ns(5000000ULL);
	uint32_t now = dp_rtcp_ntp_mid32(dp_rtcp_ntp_from_ns(t + 20000000ULL));
	CHECK_EQ(dp_rtcp_rtt(now, lsr, dlsr, &rtt), 0);
	uint64_t us = dp_rtcp_q16_to_us(rtt);
	CHECK(us >= 14960 && us <= 15040);
}

void test_build_suite(void)
{
	test_rr_sr();
	test_sdes_bye();
	test_nack_build();
	test_pli_fir_remb_build();
	test_compound();
	test_rewrite();
	test_ntp_rtt();
}
