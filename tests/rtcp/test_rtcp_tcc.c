/* SPDX-License-Identifier: MIT */
/*
 * Transport-wide congestion control feedback: hand-written vectors (run
 * length chunks, 1-bit and 2-bit status vectors, large negative deltas, a seq
 * wrap around 65535, zero fill with and without the P bit), malformed bodies,
 * and builder round trips (byte-exact and seeded pseudo-random lists).
 */
#include <string.h>

#include "rtcp_test.h"

static struct dp_rtcp_tcc_status st[65535];

/* Run-length chunk of 5 small deltas; padded with the P bit. */
static const uint8_t tcc_run[] = {
	0xaf, 0xcd, 0x00, 0x06,
	0x00, 0x00, 0x00, 0x01,             /* sender */
	0x00, 0x00, 0x00, 0x02,             /* media */
	0x00, 0x64, 0x00, 0x05,             /* base 100, count 5 */
	0x00, 0x00, 0x10, 0x03,             /* ref 16 (1024 ms), fb count 3 */
	0x20, 0x05,                         /* run: symbol 1 x 5 */
	0x04, 0x08, 0x00, 0xff, 0x01,       /* deltas */
	0x01,                               /* pad count */
};

/* Base 65533 (wraps), 21 statuses: a 1-bit vector then a 2-bit vector with
 * large negative deltas; reference time -1; padded with the P bit. */
static const uint8_t tcc_vec[] = {
	0xaf, 0xcd, 0x00, 0x08,
	0xaa, 0xbb, 0xcc, 0xdd,
	0x11, 0x22, 0x33, 0x44,
	0xff, 0xfd, 0x00, 0x15,             /* base 65533, count 21 */
	0xff, 0xff, 0xff, 0x07,             /* ref -1, fb count 7 */
	0xac, 0x01,                         /* 1-bit: 1 0 1 1 0 0 0 0 0 0 0 0 0 1 */
	0xe1, 0x81,                         /* 2-bit: 2 0 1 2 0 0 1 */
	0x10, 0x02, 0x00, 0xc8,             /* small 16, 2, 0, 200 */
	0xff, 0x38,                         /* large -200 */
	0x05,                               /* small 5 */
	0x80, 0x00,                         /* large -32768 */
	0x07,                               /* small 7 */
	0x00, 0x02,                         /* padding */
};

/* Runs only: 1 small, 28 lost, 1 large (+300); zero fill without the P bit. */
static const uint8_t tcc_runs[] = {
	0x8f, 0xcd, 0x00, 0x07,
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,
	0x03, 0xe8, 0x00, 0x1e,             /* base 1000, count 30 */
	0x00, 0x01, 0x00, 0x00,             /* ref 256, fb count 0 */
	0x20, 0x01, 0x00, 0x1c, 0x40, 0x01, /* runs: small x1, lost x28, large x1 */
	0x05, 0x01, 0x2c,                   /* deltas 5, 300 */
	0x00, 0x00, 0x00,                   /* zero fill */
};

static int parse_tcc_bytes(const uint8_t *buf, size_t len, struct dp_rtcp_tcc *tcc, size_t cap)
{
	struct dp_rtcp_pkt pkt;
	int s = rt_first_pkt(buf, len, &pkt);
	if (s != DP_RTCP_OK)
		return s;
	return dp_rtcp_parse_tcc(&pkt, tcc, st, cap);
}

static void check_status(size_t i, uint16_t seq, uint8_t sym, int16_t delta)
{
	CHECK_EQ(st[i].seq, seq);
	CHECK_EQ(st[i].symbol, sym);
	CHECK_EQ(st[i].delta, delta);
}

static void test_tcc_vectors(void)
{
	struct dp_rtcp_tcc tcc;

	CHECK_EQ(parse_tcc_bytes(tcc_run, sizeof(tcc_run), &tcc, 65535), DP_RTCP_OK);
	CHECK_EQ(tcc.sender_ssrc, 1);
	CHECK_EQ(tcc.media_ssrc, 2);
	CHECK_EQ(tcc.base_seq, 100);
	CHECK_EQ(tcc.status_count, 5);
	CHECK_EQ(tcc.ref_time, 16);
	CHECK_EQ(tcc.fb_count, 3);
	CHECK_EQ(tcc.recv_count, 5);
	static const int16_t d1[] = { 4, 8, 0, 255, 1 };
	for (size_t i = 0; i < 5; i++)
		check_status(i, (uint16_t)(100 + i), DP_RTCP_TCC_SMALL, d1[i]);

	CHECK_EQ(parse_tcc_bytes(tcc_vec, sizeof(tcc_vec), &tcc, 65535), DP_RTCP_OK);
	CHECK_EQ(tcc.sender_ssrc, 0xaabbccdd);
	CHECK_EQ(tcc.base_seq, 65533);
	CHECK_EQ(tcc.status_count, 21);
	CHECK_EQ(tcc.ref_time, -1);
	CHECK_EQ(tcc.fb_count, 7);
	CHECK_EQ(tcc.recv_count, 8);
	check_status(0, 65533, DP_RTCP_TCC_SMALL, 16);
	check_status(1, 65534, DP_RTCP_TCC_NOT_RECEIVED, 0);
	check_status(2, 65535, DP_RTCP_TCC_SMALL, 2);
	check_status(3, 0, DP_RTCP_TCC_SMALL, 0);
	for (size_t i = 4; i <= 12; i++)
		check_status(i, (uint16_t)(i - 3), DP_RTCP_TCC_NOT_RECEIVED, 0);
	check_status(13, 10, DP_RTCP_TCC_SMALL, 200);
	check_status(14, 11, DP_RTCP_TCC_LARGE, -200);
	check_status(15, 12, DP_RTCP_TCC_NOT_RECEIVED, 0);
	check_status(16, 13, DP_RTCP_TCC_SMALL, 5);
	check_status(17, 14, DP_RTCP_TCC_LARGE, -32768);
	check_status(18, 15, DP_RTCP_TCC_NOT_RECEIVED, 0);
	check_status(19, 16, DP_RTCP_TCC_NOT_RECEIVED, 0);
	check_status(20, 17, DP_RTCP_TCC_SMALL, 7);

	CHECK_EQ(parse_tcc_bytes(tcc_runs, sizeof(tcc_runs), &tcc, 65535), DP_RTCP_OK);
	CHECK_EQ(tcc.base_seq, 1000);
	CHECK_EQ(tcc.status_count, 30);
	CHECK_EQ(tcc.ref_time, 256);
	CHECK_EQ(tcc.recv_count, 2);
	check_status(0, 1000, DP_RTCP_TCC_SMALL, 5);
	for (size_t i = 1; i <= 28; i++)
		check_status(i, (uint16_t)(1000 + i), DP_RTCP_TCC_NOT_RECEIVED, 0);
	check_status(29, 1029, DP_RTCP_TCC_LARGE, 300);

	/* exactly status_count entries of room; one less overflows */
	CHECK_EQ(parse_tcc_bytes(tcc_runs, sizeof(tcc_runs), &tcc, 30), DP_RTCP_OK);
	CHECK_EQ(parse_tcc_bytes(tcc_runs, sizeof(tcc_runs), &tcc, 29), DP_RTCP_ERR_OVERFLOW);
	CHECK_EQ(tcc.status_count, 30); /* header still filled */

	rt_sweep_malformed(tcc_run, sizeof(tcc_run));
	rt_sweep_malformed(tcc_vec, sizeof(tcc_vec));
	rt_sweep_malformed(tcc_runs, sizeof(tcc_runs));
}

static void test_tcc_malformed(void)
{
	struct dp_rtcp_tcc tcc;
	uint8_t b[64];

	/* count 0 */
	memcpy(b, tcc_runs, sizeof(tcc_runs));
	b[14] = 0;
	b[15] = 0;
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_runs), &tcc, 65535), DP_RTCP_ERR_MALFORMED);
	/* count 65535: delta and fill bytes are read as chunks until the body ends */
	b[14] = 0xff;
	b[15] = 0xff;
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_runs), &tcc, 65535), DP_RTCP_ERR_MALFORMED);
	/* reserved symbol 3 in a run */
	memcpy(b, tcc_runs, sizeof(tcc_runs));
	b[20] = 0x60;
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_runs), &tcc, 65535), DP_RTCP_ERR_MALFORMED);
	/* reserved symbol 3 in a 2-bit vector */
	memcpy(b, tcc_vec, sizeof(tcc_vec));
	b[22] = 0xf1;
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_vec), &tcc, 65535), DP_RTCP_ERR_MALFORMED);
	/* a 2-bit vector with unused trailing symbols (count 15 ends inside it) */
	memcpy(b, tcc_vec, sizeof(tcc_vec));
	b[15] = 15;
	/* deltas for statuses 0..14: 16, 2, 0, 200, -200 = 6 bytes, then 4 remain */
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_vec), &tcc, 65535), DP_RTCP_ERR_LENGTH);
	/* a whole extra word after the deltas */
	memcpy(b, tcc_runs, sizeof(tcc_runs));
	memset(b + sizeof(tcc_runs), 0, 4);
	b[3] = 8;
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_runs) + 4, &tcc, 65535), DP_RTCP_ERR_LENGTH);
	/* large delta cut in half by the end */
	memcpy(b, tcc_runs, sizeof(tcc_runs));
	b[3] = 6; /* 28 bytes: 0x05 0x01 | 0x2c cut */
	CHECK_EQ(parse_tcc_bytes(b, 28, &tcc, 65535), DP_RTCP_ERR_MALFORMED);
	/* small deltas cut by the end: 2 of 5 present */
	memcpy(b, tcc_run, sizeof(tcc_run));
	b[0] = 0x8f;
	b[3] = 5;
	CHECK_EQ(parse_tcc_bytes(b, 24, &tcc, 65535), DP_RTCP_ERR_MALFORMED);
	/* header only */
	b[3] = 3;
	CHECK_EQ(parse_tcc_bytes(b, 16, &tcc, 65535), DP_RTCP_ERR_LENGTH);
	/* not tcc: RTPFB FMT 1 */
	memcpy(b, tcc_runs, sizeof(tcc_runs));
	b[0] = 0x81;
	CHECK_EQ(parse_tcc_bytes(b, sizeof(tcc_runs), &tcc, 65535), DP_RTCP_ERR_TYPE);
}

/* ---------------------------------------------------------------------- */
/* Builder                                                                 */

static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Parses buf and checks it reports exactly the list a[0..n). */
static void check_tcc_matches(const uint8_t *buf, size_t len, const struct dp_rtcp_tcc_arrival *a,
			      size_t n, uint8_t fb_count)
{
	struct dp_rtcp_tcc tcc;
	CHECK_EQ(len % 4, 0);
	CHECK_EQ(parse_tcc_bytes(buf, len, &tcc, 65535), DP_RTCP_OK);
	CHECK_EQ(tcc.sender_ssrc, 0x5eed);
	CHECK_EQ(tcc.media_ssrc, 0x3ed1a);
	CHECK_EQ(tcc.fb_count, fb_count);
	CHECK_EQ(tcc.base_seq, a[0].seq);
	CHECK_EQ(tcc.status_count, (uint16_t)(a[n - 1].seq - a[0].seq) + 1);

	int64_t t = (int64_t)tcc.ref_time * 256;
	size_t j = 0, bad = 0;
	for (size_t i = 0; i < tcc.status_count; i++) {
		int recv = st[i].symbol != DP_RTCP_TCC_NOT_RECEIVED;
		if (recv)
			t += st[i].delta;
		if (recv && st[i].symbol == DP_RTCP_TCC_LARGE && st[i].delta >= 0 && st[i].delta <= 255)
			bad++; /* a large symbol where a small one fits */
		if (j < n && a[j].seq == st[i].seq) {
			int want = a[j].arrival_us != DP_RTCP_TCC_LOST;
			if (recv != want)
				bad++;
			/* absolute ticks, modulo the 24-bit reference wrap */
			if (want && (uint32_t)t != (uint32_t)fdiv(a[j].arrival_us, 250))
				bad++;
			j++;
		} else if (recv) {
			bad++; /* a gap reported received */
		}
	}
	CHECK_EQ(j, n);
	CHECK_EQ(bad, 0);
}

static void test_tcc_build_exact(void)
{
	uint8_t buf[256];

	/* tcc_run: ticks 4100, 4108, 4108, 4363, 4364 (ref 16 = tick 4096) */
	const struct dp_rtcp_tcc_arrival run[] = {
		{ 100, 4100 * 250 }, { 101, 4108 * 250 + 249 }, { 102, 4108 * 250 },
		{ 103, 4363 * 250 + 1 }, { 104, 4364 * 250 },
	};
	size_t len = dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 3, run, 5);
	CHECK_BYTES(buf, len, tcc_run, sizeof(tcc_run));
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(tcc_run) - 1, 1, 2, 3, run, 5), 0);
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(tcc_run), 1, 2, 3, run, 5), sizeof(tcc_run));

	/* tcc_vec: ref -1 (tick -256); gaps and explicit LOST entries mixed */
	const struct dp_rtcp_tcc_arrival vec[] = {
		{ 65533, -240 * 250 },
		{ 65534, DP_RTCP_TCC_LOST },
		{ 65535, -238 * 250 },
		{ 0, -238 * 250 },
		/* 1 .. 9 missing: not received */
		{ 10, -38 * 250 },
		{ 11, -238 * 250 },
		{ 12, DP_RTCP_TCC_LOST },
		{ 13, -233 * 250 },
		{ 14, -33001 * 250 },
		{ 17, -32994 * 250 },
	};
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0xaabbccdd, 0x11223344, 7, vec, 10);
	CHECK_BYTES(buf, len, tcc_vec, sizeof(tcc_vec));
}

static void test_tcc_build_limits(void)
{
	static uint8_t buf[140000];
	static struct dp_rtcp_tcc_arrival a[20000];
	struct dp_rtcp_tcc tcc;

	/* order violations */
	const struct dp_rtcp_tcc_arrival unsorted[] = { { 5, 0 }, { 4, 0 } };
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, unsorted, 2), 0);
	const struct dp_rtcp_tcc_arrival dup[] = { { 5, 0 }, { 5, 0 } };
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, dup, 2), 0);
	const struct dp_rtcp_tcc_arrival far[] = { { 0, 0 }, { 32768, 0 } };
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, far, 2), 0);
	const struct dp_rtcp_tcc_arrival span[] = { { 0, 0 }, { 30000, 0 }, { 60000, 0 },
						    { 65535, 0 } };
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, span, 3), 48);
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, span, 4), 0); /* 65536 statuses */
	/* deltas beyond 16 bits: +8.192 s and -8.19225 s */
	const struct dp_rtcp_tcc_arrival big[] = { { 1, 0 }, { 2, 32768 * 250 } };
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, big, 2), 0);
	const struct dp_rtcp_tcc_arrival neg[] = { { 1, 32768 * 250 }, { 2, -250 } };
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, neg, 2), 0);
	const struct dp_rtcp_tcc_arrival edge[] = { { 1, 0 }, { 2, 32767 * 250 }, { 3, 0 } };
	size_t len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 0, edge, 3);
	CHECK(len > 0);
	check_tcc_matches(buf, len, edge, 3, 0);
	CHECK_EQ(dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, edge, 0), 0);

	/* exactly 14 lost then 2 received: run chunks, not a 1-bit vector */
	static const uint8_t run14[] = { 0xaf, 0xcd, 0x00, 0x06, 0x00, 0x00, 0x5e, 0xed,
					 0x00, 0x03, 0xed, 0x1a, 0x00, 0x00, 0x00, 0x10,
					 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x20, 0x02,
					 0x01, 0x01, 0x00, 0x02 };
	const struct dp_rtcp_tcc_arrival r14[] = { { 0, DP_RTCP_TCC_LOST }, { 14, 250 },
						   { 15, 500 } };
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 0, r14, 3);
	CHECK_BYTES(buf, len, run14, sizeof(run14));
	/* 13 lost then 2 received: one 1-bit vector (plus a run of 1) */
	const struct dp_rtcp_tcc_arrival r13[] = { { 1, DP_RTCP_TCC_LOST }, { 14, 250 },
						   { 15, 500 } };
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 0, r13, 3);
	CHECK_EQ(len, 28);
	CHECK_EQ((buf[20] << 8) | buf[21], 0x8001); /* 13 x 0, then 1 */
	CHECK_EQ((buf[22] << 8) | buf[23], 0x2001);

	/* nothing received at all */
	const struct dp_rtcp_tcc_arrival none[] = { { 9, DP_RTCP_TCC_LOST }, { 12, DP_RTCP_TCC_LOST } };
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 1, none, 2);
	CHECK_EQ(len, 24);
	CHECK_EQ(parse_tcc_bytes(buf, len, &tcc, 65535), DP_RTCP_OK);
	CHECK_EQ(tcc.recv_count, 0);
	CHECK_EQ(tcc.status_count, 4);
	check_tcc_matches(buf, len, none, 2, 1);

	/* 1000 received 250 us apart: a single run-length chunk */
	for (size_t i = 0; i < 1000; i++) {
		a[i].seq = (uint16_t)(65000 + i);
		a[i].arrival_us = 1000000000 + 250 * (int64_t)i;
	}
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 2, a, 1000);
	CHECK_EQ(len, 1024);
	CHECK_EQ(buf[0], 0xaf); /* P bit: 1022 bytes + 2 */
	CHECK_EQ(buf[20], 0x23);
	CHECK_EQ(buf[21], 0xe8);
	CHECK_EQ(buf[1023], 2);
	check_tcc_matches(buf, len, a, 1000, 2);

	/* a lost run longer than 8191 is split */
	const struct dp_rtcp_tcc_arrival gap[] = { { 65535, 1000 }, { 9999, 3000 } };
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 0, gap, 2);
	CHECK_EQ(len, 32); /* 1-bit vector, runs 8191 + 1795 of lost, run of 1 */
	CHECK_EQ((buf[22] << 8) | buf[23], 8191);
	CHECK_EQ((buf[24] << 8) | buf[25], 9986 - 8191);
	check_tcc_matches(buf, len, gap, 2, 0);

	/* 65535 statuses: the widest feedback there is */
	for (size_t i = 0; i < 20000; i++) {
		a[i].seq = (uint16_t)(3 * i + (i == 19999 ? 5537 : 0));
		a[i].arrival_us = (i % 5 == 0) ? DP_RTCP_TCC_LOST : 77 * (int64_t)i;
	}
	a[0].arrival_us = 0;
	len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, 9, a, 20000);
	CHECK(len > 0);
	check_tcc_matches(buf, len, a, 20000, 9);
	CHECK_EQ(parse_tcc_bytes(buf, len, &tcc, 65535), DP_RTCP_OK);
	CHECK_EQ(tcc.status_count, 65535);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic, seeded above */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static void test_tcc_build_random(void)
{
	static uint8_t buf[140000];
	static struct dp_rtcp_tcc_arrival a[4000];

	for (int iter = 0; iter < 400; iter++) {
		size_t n = 1 + rng() % (iter < 200 ? 40 : 4000);
		uint16_t seq = (uint16_t)rng();
		int64_t t = (int64_t)(rng() % 2000000000u) * ((rng() & 1) ? 1 : -1) * 1000;
		unsigned int style = rng() % 4;
		for (size_t i = 0; i < n; i++) {
			a[i].seq = seq;
			seq = (uint16_t)(seq + 1 + ((style == 1 && rng() % 4 == 0) ? rng() % 40 : 0));
			if ((style == 2 && rng() % 3 == 0) || (style == 3 && (i / 20) % 2)) {
				a[i].arrival_us = DP_RTCP_TCC_LOST;
				continue;
			}
			uint32_t r = rng() % 100;
			int64_t step;
			if (r < 70)
				step = rng() % (256 * 250);                   /* small */
			else if (r < 85)
				step = -(int64_t)(rng() % (32768 * 250));     /* negative */
			else
				step = rng() % (32767 * 250);                 /* large */
			t += step;
			a[i].arrival_us = t;
		}
		size_t len = dp_rtcp_build_tcc(buf, sizeof(buf), 0x5eed, 0x3ed1a, (uint8_t)iter, a, n);
		/* sub-tick remainders can push a step just past 16 bits: then 0 */
		if (len == 0)
			continue;
		check_tcc_matches(buf, len, a, n, (uint8_t)iter);
		/* bytes are a pure function of the input */
		static uint8_t again[140000];
		CHECK_EQ(dp_rtcp_build_tcc(again, len, 0x5eed, 0x3ed1a, (uint8_t)iter, a, n), len);
		CHECK(memcmp(buf, again, len) == 0);
		CHECK_EQ(dp_rtcp_build_tcc(again, len - 1, 0x5eed, 0x3ed1a, (uint8_t)iter, a, n), 0);
	}
}

void test_tcc_suite(void)
{
	test_tcc_vectors();
	test_tcc_malformed();
	test_tcc_build_exact();
	test_tcc_build_limits();
	test_tcc_build_random();
}
