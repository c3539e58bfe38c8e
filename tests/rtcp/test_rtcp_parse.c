/* SPDX-License-Identifier: MIT */
/*
 * RTCP type parsers against hand-written wire vectors: compound SR + SDES,
 * RR, BYE, APP, NACK with BLP bits, FIR, REMB (exponent/mantissa edges),
 * and malformed bodies of each type.
 */
#include <string.h>

#include "rtcp_test.h"

/* SR with one report block, then SDES with a CNAME. */
static const uint8_t sr_sdes[] = {
	/* SR: V=2 RC=1 PT=200 length 12 (52 bytes) */
	0x81, 0xc8, 0x00, 0x0c,
	0x11, 0x22, 0x33, 0x44,             /* sender ssrc */
	0xe1, 0xa2, 0xb3, 0xc4,             /* NTP seconds */
	0x80, 0x00, 0x00, 0x00,             /* NTP fraction (0.5) */
	0x00, 0x01, 0x23, 0x45,             /* RTP timestamp */
	0x00, 0x00, 0x00, 0x64,             /* packet count 100 */
	0x00, 0x00, 0x4e, 0x20,             /* octet count 20000 */
	0xaa, 0xbb, 0xcc, 0xdd,             /* report block ssrc */
	0x40, 0xff, 0xff, 0xfe,             /* fraction 64/256, cumulative -2 */
	0x00, 0x01, 0xff, 0xff,             /* ext highest seq */
	0x00, 0x00, 0x00, 0x10,             /* jitter */
	0xb3, 0xc4, 0x80, 0x00,             /* LSR */
	0x00, 0x01, 0x80, 0x00,             /* DLSR 1.5 s */
	/* SDES: V=2 SC=1 PT=202 length 6 (28 bytes) */
	0x81, 0xca, 0x00, 0x06,
	0x11, 0x22, 0x33, 0x44,
	0x01, 0x10, 'u', 's', 'e', 'r', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
	0x00, 0x00,                         /* END + fill */
};

static void test_sr_sdes(void)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_sr sr;
	struct dp_rtcp_sdes sdes;

	CHECK_EQ(dp_rtcp_iter_init(&it, sr_sdes, sizeof(sr_sdes)), DP_RTCP_OK);
	CHECK_EQ(it.reduced, 0);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.pt, DP_RTCP_PT_SR);
	CHECK_EQ(pkt.len, 52);
	CHECK_EQ(dp_rtcp_parse_sr(&pkt, &sr), DP_RTCP_OK);
	CHECK_EQ(sr.ssrc, 0x11223344);
	CHECK(sr.ntp == 0xe1a2b3c480000000ULL);
	CHECK_EQ(sr.rtp_ts, 0x12345);
	CHECK_EQ(sr.packet_count, 100);
	CHECK_EQ(sr.octet_count, 20000);
	CHECK_EQ(sr.rb_count, 1);
	CHECK_EQ(sr.rb[0].ssrc, 0xaabbccdd);
	CHECK_EQ(sr.rb[0].fraction_lost, 64);
	CHECK_EQ(sr.rb[0].cumulative_lost, -2);
	CHECK_EQ(sr.rb[0].ext_highest_seq, 0x1ffff);
	CHECK_EQ(sr.rb[0].jitter, 16);
	CHECK_EQ(sr.rb[0].lsr, 0xb3c48000);
	CHECK_EQ(sr.rb[0].dlsr, 0x18000);
	/* the LSR a receiver would echo for this SR */
	CHECK_EQ(dp_rtcp_ntp_mid32(sr.ntp), 0xb3c48000);
	/* wrong parsers refuse it */
	struct dp_rtcp_rr rr;
	CHECK_EQ(dp_rtcp_parse_rr(&pkt, &rr), DP_RTCP_ERR_TYPE);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_ERR_TYPE);

	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.pt, DP_RTCP_PT_SDES);
	CHECK_EQ(pkt.offset, 52);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_OK);
	CHECK_EQ(sdes.chunk_count, 1);
	CHECK_EQ(sdes.ssrc, 0x11223344);
	CHECK_EQ(sdes.cname_len, 16);
	CHECK(sdes.cname == sr_sdes + 52 + 10);
	CHECK(sdes.cname && memcmp(sdes.cname, "user@example.com", 16) == 0);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);

	rt_sweep_malformed(sr_sdes, sizeof(sr_sdes));
}

static void test_sr_rr_malformed(void)
{
	uint8_t buf[sizeof(sr_sdes)];
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_sr sr;
	struct dp_rtcp_rr rr;

	/* RC=2 but room for one block */
	memcpy(buf, sr_sdes, 52);
	buf[0] = 0x82;
	CHECK_EQ(rt_first_pkt(buf, 52, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sr(&pkt, &sr), DP_RTCP_ERR_LENGTH);
	/* RC=0 with the block as a profile extension: accepted, ignored */
	buf[0] = 0x80;
	CHECK_EQ(rt_first_pkt(buf, 52, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sr(&pkt, &sr), DP_RTCP_OK);
	CHECK_EQ(sr.rb_count, 0);
	/* SR without sender info */
	static const uint8_t sr_short[] = { 0x80, 0xc8, 0x00, 0x01, 1, 2, 3, 4 };
	CHECK_EQ(rt_first_pkt(sr_short, sizeof(sr_short), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sr(&pkt, &sr), DP_RTCP_ERR_LENGTH);

	/* RR with two blocks, positive and most-negative cumulative loss */
	static const uint8_t rr2[] = {
		0x82, 0xc9, 0x00, 0x0d, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x0a, 0xff, 0x7f, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04,
		0x00, 0x00, 0x00, 0x0b, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08,
	};
	CHECK_EQ(rt_first_pkt(rr2, sizeof(rr2), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_rr(&pkt, &rr), DP_RTCP_OK);
	CHECK_EQ(rr.ssrc, 0x01020304);
	CHECK_EQ(rr.rb_count, 2);
	CHECK_EQ(rr.rb[0].ssrc, 10);
	CHECK_EQ(rr.rb[0].fraction_lost, 255);
	CHECK_EQ(rr.rb[0].cumulative_lost, 0x7fffff);
	CHECK_EQ(rr.rb[0].ext_highest_seq, 1);
	CHECK_EQ(rr.rb[0].dlsr, 4);
	CHECK_EQ(rr.rb[1].ssrc, 11);
	CHECK_EQ(rr.rb[1].cumulative_lost, -0x800000);
	CHECK_EQ(rr.rb[1].dlsr, 8);
	rt_sweep_malformed(rr2, sizeof(rr2));
}

static void test_sdes_malformed(void)
{
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_sdes sdes;
	uint8_t buf[128];

	/* the SDES of sr_sdes, alone (as the tail of a compound RR + SDES) */
	static const uint8_t rr0[] = { 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1 };
	memcpy(buf, rr0, 8);
	memcpy(buf + 8, sr_sdes + 52, 28);
	struct dp_rtcp_iter it;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 36), DP_RTCP_OK);

	/* item length running past the body */
	buf[8 + 9] = 0x13;
	CHECK_EQ(dp_rtcp_pkt_parse(buf + 8, 28, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_ERR_MALFORMED);
	/* no END octet: item exactly fills the body */
	buf[8 + 9] = 0x12;
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_ERR_MALFORMED);
	buf[8 + 9] = 0x10;
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_OK);
	/* SC=2 but one chunk */
	buf[8] = 0x82;
	CHECK_EQ(dp_rtcp_pkt_parse(buf + 8, 28, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_ERR_LENGTH);
	/* SC=0 with a chunk: trailing bytes */
	buf[8] = 0x80;
	CHECK_EQ(dp_rtcp_pkt_parse(buf + 8, 28, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_ERR_LENGTH);

	/* two chunks: first without CNAME (NOTE item), second with one */
	static const uint8_t two[] = {
		0x82, 0xca, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x01, 0x07, 0x02, 'h', 'i', 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 'x', 0x00,
	};
	CHECK_EQ(dp_rtcp_pkt_parse(two, sizeof(two), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_OK);
	CHECK_EQ(sdes.chunk_count, 2);
	CHECK_EQ(sdes.ssrc, 1);
	CHECK(sdes.cname == NULL);
	CHECK_EQ(sdes.cname_len, 0);

	/* padding (P bit) cutting into a chunk's fill */
	static const uint8_t cut_fill[] = { 0xa1, 0xca, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
					    0x01, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x01 };
	CHECK_EQ(dp_rtcp_pkt_parse(cut_fill, sizeof(cut_fill), &pkt), DP_RTCP_OK);
	CHECK_EQ(pkt.body_len, 11);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_ERR_MALFORMED);

	/* SC=0, empty body */
	static const uint8_t none[] = { 0x80, 0xca, 0x00, 0x00 };
	CHECK_EQ(dp_rtcp_pkt_parse(none, 4, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_sdes(&pkt, &sdes), DP_RTCP_OK);
	CHECK_EQ(sdes.chunk_count, 0);
	CHECK(sdes.cname == NULL);
}

static void test_bye_app(void)
{
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_bye bye;
	struct dp_rtcp_app app;

	static const uint8_t bye2[] = {
		0x82, 0xcb, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06,
		0x03, 'b', 'y', 'e', 0x00, 0x00, 0x00, 0x00,
	};
	CHECK_EQ(dp_rtcp_pkt_parse(bye2, sizeof(bye2), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_bye(&pkt, &bye), DP_RTCP_ERR_LENGTH); /* 4 extra bytes */
	uint8_t buf[20];
	memcpy(buf, bye2, 16);
	buf[3] = 0x03;
	CHECK_EQ(dp_rtcp_pkt_parse(buf, 16, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_bye(&pkt, &bye), DP_RTCP_OK);
	CHECK_EQ(bye.count, 2);
	CHECK_EQ(bye.ssrc[0], 5);
	CHECK_EQ(bye.ssrc[1], 6);
	CHECK_EQ(bye.reason_len, 3);
	CHECK(bye.reason && memcmp(bye.reason, "bye", 3) == 0);
	buf[12] = 4; /* reason past the body */
	CHECK_EQ(dp_rtcp_parse_bye(&pkt, &bye), DP_RTCP_ERR_MALFORMED);
	buf[0] = 0x84; /* 4 ssrcs in 3 words */
	CHECK_EQ(dp_rtcp_pkt_parse(buf, 16, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_bye(&pkt, &bye), DP_RTCP_ERR_LENGTH);

	static const uint8_t app1[] = {
		0x85, 0xcc, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 'T', 'E', 'S', 'T', 1, 2, 3, 4,
	};
	CHECK_EQ(dp_rtcp_pkt_parse(app1, sizeof(app1), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_app(&pkt, &app), DP_RTCP_OK);
	CHECK_EQ(app.subtype, 5);
	CHECK_EQ(app.ssrc, 9);
	CHECK(memcmp(app.name, "TEST", 4) == 0);
	CHECK_EQ(app.data_len, 4);
	CHECK(app.data == app1 + 12);
	static const uint8_t app_short[] = { 0x80, 0xcc, 0x00, 0x01, 0, 0, 0, 9 };
	CHECK_EQ(dp_rtcp_pkt_parse(app_short, 8, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_app(&pkt, &app), DP_RTCP_ERR_LENGTH);
}

/* ---------------------------------------------------------------------- */
/* Feedback                                                                */

static const uint8_t nack2[] = {
	0x81, 0xcd, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x01,             /* sender */
	0x12, 0x34, 0x56, 0x78,             /* media */
	0x03, 0xe8, 0x80, 0x05,             /* PID 1000, BLP bits 0, 2, 15 */
	0xff, 0xff, 0x00, 0x03,             /* PID 65535, BLP bits 0, 1 (wraps) */
};

struct collect {
	uint16_t seq[32];
	size_t n;
	size_t stop_after;
};

static int collect_cb(uint16_t seq, void *arg)
{
	struct collect *c = arg;
	c->seq[c->n++] = seq;
	return c->n >= c->stop_after;
}

static void test_nack(void)
{
	static const uint16_t want[] = { 1000, 1001, 1003, 1016, 65535, 0, 1 };
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_nack nack;
	uint16_t lost[16];

	CHECK_EQ(rt_first_pkt(nack2, sizeof(nack2), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_nack(&pkt, &nack), DP_RTCP_OK);
	CHECK_EQ(nack.sender_ssrc, 1);
	CHECK_EQ(nack.media_ssrc, 0x12345678);
	CHECK_EQ(nack.pair_count, 2);
	uint16_t pid, blp;
	dp_rtcp_nack_pair(&nack, 1, &pid, &blp);
	CHECK_EQ(pid, 65535);
	CHECK_EQ(blp, 3);

	CHECK_EQ(dp_rtcp_nack_lost(&nack, lost, 16), 7);
	for (size_t i = 0; i < 7; i++)
		CHECK_EQ(lost[i], want[i]);
	/* bounded output: the total is still reported */
	memset(lost, 0xee, sizeof(lost));
	CHECK_EQ(dp_rtcp_nack_lost(&nack, lost, 3), 7);
	CHECK_EQ(lost[2], 1003);
	CHECK_EQ(lost[3], 0xeeee);
	CHECK_EQ(dp_rtcp_nack_lost(&nack, NULL, 0), 7);

	struct collect c = { .n = 0, .stop_after = 100 };
	CHECK_EQ(dp_rtcp_nack_foreach(&nack, collect_cb, &c), 7);
	CHECK_EQ(c.n, 7);
	CHECK_EQ(c.seq[6], 1);
	struct collect c2 = { .n = 0, .stop_after = 5 };
	CHECK_EQ(dp_rtcp_nack_foreach(&nack, collect_cb, &c2), 5);
	CHECK_EQ(c2.seq[4], 65535);
	struct collect c3 = { .n = 0, .stop_after = 2 }; /* inside the first BLP */
	CHECK_EQ(dp_rtcp_nack_foreach(&nack, collect_cb, &c3), 2);
	CHECK_EQ(c3.seq[1], 1001);

	/* not a NACK: PT 205 FMT 3 (TMMBR), and a NACK without pairs */
	uint8_t buf[sizeof(nack2)];
	memcpy(buf, nack2, sizeof(buf));
	buf[0] = 0x83;
	CHECK_EQ(rt_first_pkt(buf, sizeof(buf), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_nack(&pkt, &nack), DP_RTCP_ERR_TYPE);
	buf[0] = 0x81;
	buf[3] = 2;
	CHECK_EQ(rt_first_pkt(buf, 12, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_nack(&pkt, &nack), DP_RTCP_ERR_LENGTH);
	rt_sweep_malformed(nack2, sizeof(nack2));
}

static const uint8_t fir1[] = {
	0x84, 0xce, 0x00, 0x04,
	0xde, 0xad, 0xbe, 0xef,             /* sender */
	0x00, 0x00, 0x00, 0x00,             /* media ssrc: 0 */
	0xca, 0xfe, 0xba, 0xbe,             /* entry ssrc */
	0x07, 0x00, 0x00, 0x00,             /* seq nr 7, reserved */
};

static void test_fir(void)
{
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_fir fir;
	struct dp_rtcp_fb fb;

	CHECK_EQ(rt_first_pkt(fir1, sizeof(fir1), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &fir), DP_RTCP_OK);
	CHECK_EQ(fir.sender_ssrc, 0xdeadbeef);
	CHECK_EQ(fir.media_ssrc, 0);
	CHECK_EQ(fir.count, 1);
	CHECK_EQ(fir.entry[0].ssrc, 0xcafebabe);
	CHECK_EQ(fir.entry[0].seq, 7);
	CHECK_EQ(dp_rtcp_parse_pli(&pkt, &fb), DP_RTCP_ERR_TYPE);
	CHECK_EQ(dp_rtcp_parse_fb(&pkt, &fb), DP_RTCP_OK);
	CHECK_EQ(fb.fci_len, 8);

	/* FIR without entries; FIR with 17 entries */
	CHECK_EQ(dp_rtcp_pkt_parse((const uint8_t[]){ 0x84, 0xce, 0x00, 0x02, 0, 0, 0, 1,
						     0, 0, 0, 0 }, 12, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &fir), DP_RTCP_ERR_LENGTH);
	uint8_t big[12 + 17 * 8];
	memset(big, 0, sizeof(big));
	memcpy(big, fir1, 12);
	big[3] = (uint8_t)(sizeof(big) / 4 - 1);
	CHECK_EQ(dp_rtcp_pkt_parse(big, sizeof(big), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &fir), DP_RTCP_ERR_OVERFLOW);
	big[3] -= 2;
	CHECK_EQ(dp_rtcp_pkt_parse(big, sizeof(big) - 8, &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_fir(&pkt, &fir), DP_RTCP_OK);
	CHECK_EQ(fir.count, DP_RTCP_FIR_MAX);
	rt_sweep_malformed(fir1, sizeof(fir1));
}

/* REMB, 1.5 Mbps: exp 3, mantissa 187500 (0x2dc6c); one ssrc. */
static const uint8_t remb_1500k[] = {
	0x8f, 0xce, 0x00, 0x05,
	0x01, 0x02, 0x03, 0x04,
	0x00, 0x00, 0x00, 0x00,
	'R', 'E', 'M', 'B',
	0x01, 0x0e, 0xdc, 0x6c,             /* num 1 | exp 3 | mantissa 0x2dc6c */
	0x0a, 0x0b, 0x0c, 0x0d,
};

static int parse_remb_bytes(uint8_t b13, uint8_t b14, uint8_t b15, struct dp_rtcp_remb *remb)
{
	uint8_t buf[sizeof(remb_1500k)];
	struct dp_rtcp_pkt pkt;
	memcpy(buf, remb_1500k, sizeof(buf));
	buf[17] = b13;
	buf[18] = b14;
	buf[19] = b15;
	if (rt_first_pkt(buf, sizeof(buf), &pkt) != DP_RTCP_OK)
		return -100;
	return dp_rtcp_parse_remb(&pkt, remb);
}

static void test_remb(void)
{
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_remb remb;

	CHECK_EQ(rt_first_pkt(remb_1500k, sizeof(remb_1500k), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_remb(&pkt, &remb), DP_RTCP_OK);
	CHECK_EQ(remb.sender_ssrc, 0x01020304);
	CHECK_EQ(remb.media_ssrc, 0);
	CHECK_EQ(remb.exp, 3);
	CHECK_EQ(remb.mantissa, 187500);
	CHECK(remb.bitrate == 1500000);
	CHECK_EQ(remb.ssrc_count, 1);
	CHECK_EQ(remb.ssrc[0], 0x0a0b0c0d);

	/* 2^18 + 2: exp 1, mantissa 0x20001 */
	CHECK_EQ(parse_remb_bytes(0x06, 0x00, 0x01, &remb), DP_RTCP_OK);
	CHECK_EQ(remb.exp, 1);
	CHECK_EQ(remb.mantissa, 0x20001);
	CHECK(remb.bitrate == 262146);
	/* largest exact value: mantissa 0x3ffff << 46 */
	CHECK_EQ(parse_remb_bytes(0xbb, 0xff, 0xff, &remb), DP_RTCP_OK);
	CHECK_EQ(remb.exp, 46);
	CHECK(remb.bitrate == (0x3ffffULL << 46));
	/* exp 63, mantissa 1: 2^63 still fits */
	CHECK_EQ(parse_remb_bytes(0xfc, 0x00, 0x01, &remb), DP_RTCP_OK);
	CHECK(remb.bitrate == (1ULL << 63));
	/* exp 63, mantissa 2: saturates */
	CHECK_EQ(parse_remb_bytes(0xfc, 0x00, 0x02, &remb), DP_RTCP_OK);
	CHECK(remb.bitrate == UINT64_MAX);
	/* exp 47, mantissa 0x3ffff: saturates */
	CHECK_EQ(parse_remb_bytes(0xbf, 0xff, 0xff, &remb), DP_RTCP_OK);
	CHECK(remb.bitrate == UINT64_MAX);
	/* exp 63, mantissa 0: zero */
	CHECK_EQ(parse_remb_bytes(0xfc, 0x00, 0x00, &remb), DP_RTCP_OK);
	CHECK(remb.bitrate == 0);

	/* num ssrc 2 in a packet holding 1; AFB that is not REMB */
	uint8_t buf[sizeof(remb_1500k)];
	memcpy(buf, remb_1500k, sizeof(buf));
	buf[16] = 2;
	CHECK_EQ(rt_first_pkt(buf, sizeof(buf), &pkt), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_parse_remb(&pkt, &remb), DP_RTCP_ERR_LENGTH);
	buf[16] = 0;
	CHECK_EQ(dp_rtcp_parse_remb(&pkt, &remb), DP_RTCP_OK);
	CHECK_EQ(remb.ssrc_count, 0);
	buf[15] = 'X';
	CHECK_EQ(dp_rtcp_parse_remb(&pkt, &remb), DP_RTCP_ERR_TYPE);
	rt_sweep_malformed(remb_1500k, sizeof(remb_1500k));
}

void test_parse_suite(void)
{
	test_sr_sdes();
	test_sr_rr_malformed();
	test_sdes_malformed();
	test_bye_app();
	test_nack();
	test_fir();
	test_remb();
}
