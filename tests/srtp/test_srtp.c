/* SPDX-License-Identifier: MIT */
/*
 * test_srtp - behaviour of the dp_srtp wrapper with one engine (argv[1]:
 * "ipsec-mb" or "libsrtp"; ctest runs both), for each of the four
 * profiles: round trips (several header shapes and sizes), tampering,
 * replay and the replay window, repeated protect of one index, many SSRCs
 * on one context, ROC rollover, SRTCP, capacity and malformed-packet
 * handling, creation errors, wipe, the burst calls, and engine selection.
 * Known answers against an independent implementation are in
 * test_srtp_ref.c; the two engines against each other in test_srtp_cross.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_srtp.h"

static int failures;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__, \
				cur_profile, #cond);                                     \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define CHECK_ST(expr, want)                                                             \
	do {                                                                             \
		enum dp_srtp_status st_ = (expr);                                        \
		if (st_ != (want)) {                                                     \
			fprintf(stderr, "%s:%d: [%s] %s = %s, want %s\n", __FILE__, __LINE__, \
				cur_profile, #expr, dp_srtp_status_str(st_),             \
				dp_srtp_status_str(want));                               \
			failures++;                                                      \
		}                                                                        \
	} while (0)

static const char *cur_profile = "-";

static const enum sl_srtp_profile all_profiles[] = {
	SL_SRTP_AES128_CM_SHA1_80,
	SL_SRTP_AES128_CM_SHA1_32,
	SL_SRTP_AEAD_AES_128_GCM,
	SL_SRTP_AEAD_AES_256_GCM,
};

#define BUF 2048u
#define GUARD 64u
#define CANARY 0xa5

/* Master key||salt with a recognisable pattern per "party". */
static void make_master(uint8_t *m, uint8_t party)
{
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++)
		m[i] = (uint8_t)(party * 37u + i * 11u + 1u);
}

/* A sender A and a receiver B: A.tx = B.rx = K1, B.tx = A.rx = K2. */
struct pair {
	struct dp_srtp *a;
	struct dp_srtp *b;
};

static int pair_create(struct pair *p, enum sl_srtp_profile prof, uint8_t k1, uint8_t k2)
{
	uint8_t m1[SL_SRTP_MASTER_MAX], m2[SL_SRTP_MASTER_MAX], kl, sl;

	make_master(m1, k1);
	make_master(m2, k2);
	if (dp_srtp_key_lengths(prof, &kl, &sl) != 0)
		return -1;
	if (dp_srtp_create(&p->a, prof, m2, m1, kl, sl) != DP_SRTP_OK)
		return -1;
	if (dp_srtp_create(&p->b, prof, m1, m2, kl, sl) != DP_SRTP_OK) {
		dp_srtp_destroy(p->a);
		return -1;
	}
	return 0;
}

static void pair_destroy(struct pair *p)
{
	dp_srtp_destroy(p->a);
	dp_srtp_destroy(p->b);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Writes an RTP packet: ncsrc CSRCs, an optional one-byte header extension
 * of ext_words words, payload of plen bytes patterned by seq and ssrc.
 * Returns the length; *hdr_len gets the header length.
 */
static uint32_t build_rtp(uint8_t *b, uint16_t seq, uint32_t ssrc, unsigned int ncsrc,
			  unsigned int ext_words, uint32_t plen, uint32_t *hdr_len)
{
	uint32_t off = 12;

	b[0] = (uint8_t)(0x80u | (ext_words ? 0x10u : 0) | ncsrc);
	b[1] = 96;
	put16(b + 2, seq);
	put32(b + 4, (uint32_t)seq * 3000u);
	put32(b + 8, ssrc);
	for (unsigned int i = 0; i < ncsrc; i++, off += 4)
		put32(b + off, 0x1000u + i);
	if (ext_words) {
		put16(b + off, 0xbede);
		put16(b + off + 2, (uint16_t)ext_words);
		off += 4;
		for (unsigned int i = 0; i < ext_words * 4; i++)
			b[off++] = (uint8_t)(0x10u + i);
	}
	if (hdr_len)
		*hdr_len = off;
	for (uint32_t i = 0; i < plen; i++)
		b[off + i] = (uint8_t)(seq * 7u + ssrc + i);
	return off + plen;
}

/* An SR (with one report block) followed by an SDES CNAME: 60 bytes. */
static uint32_t build_rtcp(uint8_t *b, uint32_t ssrc, uint32_t salt)
{
	b[0] = 0x81; /* V=2, RC=1 */
	b[1] = 200;
	put16(b + 2, 12);
	put32(b + 4, ssrc);
	for (unsigned int i = 8; i < 52; i++)
		b[i] = (uint8_t)(i * 3u + salt);
	b[52] = 0x81; /* SDES, SC=1 */
	b[53] = 202;
	put16(b + 54, 1);
	put32(b + 56, ssrc);
	return 60;
}

/* A buffer of cap bytes followed by GUARD canary bytes. */
static void set_guard(uint8_t *b, uint32_t cap)
{
	memset(b + cap, CANARY, GUARD);
}

static int guard_ok(const uint8_t *b, uint32_t cap)
{
	for (unsigned int i = 0; i < GUARD; i++)
		if (b[cap + i] != CANARY)
			return 0;
	return 1;
}

/* Round trips over header shapes and sizes, with the exact capacity. */
static void test_roundtrip(enum sl_srtp_profile prof)
{
	static const uint32_t sizes[] = { 0, 1, 15, 16, 17, 160, 1200 };
	static const unsigned int shapes[][2] = { { 0, 0 }, { 2, 0 }, { 0, 3 }, { 15, 1 } };
	uint32_t ovh = dp_srtp_rtp_overhead(prof);
	uint8_t orig[BUF], pkt[BUF + GUARD];
	struct pair p;
	uint16_t seq = 100;

	if (pair_create(&p, prof, 1, 2) != 0) {
		CHECK(!"pair_create");
		return;
	}
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			uint32_t hlen, len;
			uint32_t olen = build_rtp(orig, seq++, 0x11223344, shapes[s][0],
						  shapes[s][1], sizes[z], &hlen);
			uint32_t cap = olen + ovh;

			memcpy(pkt, orig, olen);
			set_guard(pkt, cap);
			len = olen;
			CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, cap), DP_SRTP_OK);
			CHECK(len == olen + ovh);
			CHECK(guard_ok(pkt, cap));
			CHECK(memcmp(pkt, orig, hlen) == 0); /* header stays in clear */
			if (sizes[z] >= 8)
				CHECK(memcmp(pkt + hlen, orig + hlen, sizes[z]) != 0);
			CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, cap), DP_SRTP_OK);
			CHECK(len == olen);
			CHECK(memcmp(pkt, orig, olen) == 0);
			CHECK(guard_ok(pkt, cap));
		}
	}
	/* and the other direction, B -> A */
	for (unsigned int i = 0; i < 8; i++) {
		uint32_t len = build_rtp(orig, (uint16_t)(5000 + i), 0x55667788, 0, 0, 200, NULL);
		uint32_t olen = len;

		memcpy(pkt, orig, len);
		CHECK_ST(dp_srtp_protect_rtp(p.b, pkt, &len, BUF), DP_SRTP_OK);
		CHECK_ST(dp_srtp_unprotect_rtp(p.a, pkt, &len, BUF), DP_SRTP_OK);
		CHECK(len == olen && memcmp(pkt, orig, olen) == 0);
		/* A's own key does not open what A sent with it (another seq: the
		 * replay check comes before the tag check in libsrtp) */
		len = olen = build_rtp(orig, (uint16_t)(9000 + i), 0x55667788, 0, 0, 200, NULL);
		memcpy(pkt, orig, len);
		CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, BUF), DP_SRTP_OK);
		CHECK_ST(dp_srtp_unprotect_rtp(p.a, pkt, &len, BUF), DP_SRTP_AUTH_FAIL);
	}
	pair_destroy(&p);
}

/* One flipped bit anywhere -> AUTH_FAIL, and the genuine packet still passes. */
static void test_tamper(enum sl_srtp_profile prof)
{
	uint8_t orig[BUF], srtp[BUF], pkt[BUF];
	struct pair p;
	uint16_t seq = 2000;

	if (pair_create(&p, prof, 3, 4) != 0) {
		CHECK(!"pair_create");
		return;
	}
	uint32_t hlen, olen = build_rtp(orig, 0, 0xabcdef01, 1, 1, 160, &hlen);
	uint32_t slen = olen + dp_srtp_rtp_overhead(prof);
	const uint32_t where[] = { 1, 2, 3, 5, 9, 12, hlen - 1, hlen, hlen + 80, olen - 1,
				   olen, slen - 1 };

	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		uint32_t len = build_rtp(orig, seq++, 0xabcdef01, 1, 1, 160, NULL);

		memcpy(srtp, orig, len);
		CHECK_ST(dp_srtp_protect_rtp(p.a, srtp, &len, BUF), DP_SRTP_OK);
		CHECK(len == slen);
		memcpy(pkt, srtp, len);
		pkt[where[w]] ^= 0x01;
		CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_AUTH_FAIL);
		CHECK(len == slen);
		/* a forgery must not have moved the replay window */
		memcpy(pkt, srtp, len);
		CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_OK);
		CHECK(len == olen && memcmp(pkt, orig, olen) == 0);
	}
	/* a truncated tag fails too */
	{
		uint32_t len = build_rtp(orig, seq++, 0xabcdef01, 0, 0, 100, NULL);

		CHECK_ST(dp_srtp_protect_rtp(p.a, orig, &len, BUF), DP_SRTP_OK);
		len -= 1;
		CHECK(dp_srtp_unprotect_rtp(p.b, orig, &len, BUF) == DP_SRTP_AUTH_FAIL);
	}
	/* a receiver with another key refuses everything */
	{
		struct pair q;

		if (pair_create(&q, prof, 9, 4) == 0) {
			uint32_t len = build_rtp(orig, seq++, 0xabcdef01, 0, 0, 100, NULL);

			CHECK_ST(dp_srtp_protect_rtp(p.a, orig, &len, BUF), DP_SRTP_OK);
			CHECK_ST(dp_srtp_unprotect_rtp(q.b, orig, &len, BUF), DP_SRTP_AUTH_FAIL);
			pair_destroy(&q);
		} else {
			CHECK(!"pair_create");
		}
	}
	pair_destroy(&p);
}

/* Protects seq (payload len plen) with a into out; returns the SRTP length. */
static uint32_t protect_seq(struct dp_srtp *a, uint8_t *out, uint16_t seq, uint32_t ssrc,
			    uint32_t plen)
{
	uint32_t len = build_rtp(out, seq, ssrc, 0, 0, plen, NULL);

	CHECK_ST(dp_srtp_protect_rtp(a, out, &len, BUF), DP_SRTP_OK);
	return len;
}

static enum dp_srtp_status deliver(struct dp_srtp *b, const uint8_t *srtp, uint32_t len)
{
	uint8_t pkt[BUF];

	memcpy(pkt, srtp, len);
	return dp_srtp_unprotect_rtp(b, pkt, &len, BUF);
}

/* Replays, the replay window, and reordering within it. */
static void test_replay(enum sl_srtp_profile prof)
{
	static const uint16_t seqs[] = { 1000, 1500, 2900, 3100 };
	uint8_t s[4][BUF];
	uint32_t l[4];
	struct pair p;

	if (pair_create(&p, prof, 5, 6) != 0) {
		CHECK(!"pair_create");
		return;
	}
	/* the sender protects in order (its own window would refuse 1500 after 3100) */
	for (int i = 0; i < 4; i++)
		l[i] = protect_seq(p.a, s[i], seqs[i], 0x01020304, 64);
	CHECK_ST(deliver(p.b, s[0], l[0]), DP_SRTP_OK);
	CHECK_ST(deliver(p.b, s[0], l[0]), DP_SRTP_REPLAY);    /* exact replay */
	CHECK_ST(deliver(p.b, s[3], l[3]), DP_SRTP_OK);        /* jump ahead */
	CHECK_ST(deliver(p.b, s[1], l[1]), DP_SRTP_REPLAY);    /* 1600 behind: too old */
	CHECK_ST(deliver(p.b, s[2], l[2]), DP_SRTP_OK);        /* 200 behind, unseen */
	CHECK_ST(deliver(p.b, s[2], l[2]), DP_SRTP_REPLAY);
	CHECK_ST(deliver(p.b, s[3], l[3]), DP_SRTP_REPLAY);
	/* just inside the window of 1024 (1600 behind was refused above) */
	{
		uint8_t in[BUF], out[BUF], top[BUF];
		uint32_t lin = protect_seq(p.a, in, 10000 - DP_SRTP_REPLAY_WINDOW + 1, 0x01020304, 10);
		uint32_t ltop = protect_seq(p.a, top, 10000, 0x01020304, 10);
		uint32_t lout;

		CHECK_ST(deliver(p.b, top, ltop), DP_SRTP_OK);
		CHECK_ST(deliver(p.b, in, lin), DP_SRTP_OK);
		/* the sender refuses an index older than its window too */
		lout = build_rtp(out, 10000 - 2000, 0x01020304, 0, 0, 10, NULL);
		CHECK_ST(dp_srtp_protect_rtp(p.a, out, &lout, BUF), DP_SRTP_REPLAY);
	}
	/* reordering inside the window is accepted in any order */
	{
		uint8_t r[16][BUF];
		uint32_t rl[16];

		for (int i = 0; i < 16; i++)
			rl[i] = protect_seq(p.a, r[i], (uint16_t)(20000 + i), 0x01020304, 32);
		for (int i = 15; i >= 0; i -= 2)
			CHECK_ST(deliver(p.b, r[i], rl[i]), DP_SRTP_OK);
		for (int i = 0; i < 16; i += 2)
			CHECK_ST(deliver(p.b, r[i], rl[i]), DP_SRTP_OK);
		for (int i = 0; i < 16; i++)
			CHECK_ST(deliver(p.b, r[i], rl[i]), DP_SRTP_REPLAY);
	}
	pair_destroy(&p);
}

/* Protecting one index twice: allowed (allow_repeat_tx), byte-identical. */
static void test_repeat_tx(enum sl_srtp_profile prof)
{
	uint8_t s1[BUF], s2[BUF];
	struct pair p;

	if (pair_create(&p, prof, 7, 8) != 0) {
		CHECK(!"pair_create");
		return;
	}
	uint32_t l1 = protect_seq(p.a, s1, 4242, 0x0badcafe, 300);
	uint32_t l2 = protect_seq(p.a, s2, 4242, 0x0badcafe, 300);

	CHECK(l1 == l2 && memcmp(s1, s2, l1) == 0);
	CHECK_ST(deliver(p.b, s2, l2), DP_SRTP_OK);
	CHECK_ST(deliver(p.b, s1, l1), DP_SRTP_REPLAY);
	/* a retransmission as RTX is a new packet of its own SSRC: fine */
	l1 = protect_seq(p.a, s1, 1, 0x0badcaff, 302);
	CHECK_ST(deliver(p.b, s1, l1), DP_SRTP_OK);
	pair_destroy(&p);
}

/* Many SSRCs share one context in each direction, interleaved. */
static void test_many_ssrcs(enum sl_srtp_profile prof)
{
	enum { NSSRC = 200, NPKT = 5 };
	uint8_t orig[BUF], pkt[BUF];
	struct pair p;

	if (pair_create(&p, prof, 9, 10) != 0) {
		CHECK(!"pair_create");
		return;
	}
	for (unsigned int k = 0; k < NPKT; k++) {
		for (unsigned int i = 0; i < NSSRC; i++) {
			uint32_t ssrc = 0x10000000u + i * 7919u;
			/* every SSRC starts at its own sequence number */
			uint16_t seq = (uint16_t)(i * 331u + k);
			uint32_t olen = build_rtp(orig, seq, ssrc, 0, 0, 40 + i % 50, NULL);
			uint32_t len = olen;

			memcpy(pkt, orig, len);
			CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, BUF), DP_SRTP_OK);
			CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_OK);
			CHECK(len == olen && memcmp(pkt, orig, olen) == 0);

			len = build_rtcp(orig, ssrc, k);
			olen = len;
			memcpy(pkt, orig, len);
			CHECK_ST(dp_srtp_protect_rtcp(p.b, pkt, &len, BUF), DP_SRTP_OK);
			CHECK_ST(dp_srtp_unprotect_rtcp(p.a, pkt, &len, BUF), DP_SRTP_OK);
			CHECK(len == olen && memcmp(pkt, orig, olen) == 0);
		}
	}
	pair_destroy(&p);
}

/* Sequence numbers across 65535 -> 0: the ROC is tracked on both sides. */
static void test_roc(enum sl_srtp_profile prof)
{
	uint8_t orig[BUF], pkt[BUF], early[BUF];
	struct pair p;
	uint32_t learly = 0;

	if (pair_create(&p, prof, 11, 12) != 0) {
		CHECK(!"pair_create");
		return;
	}
	for (uint32_t i = 0; i < 20; i++) {
		uint16_t seq = (uint16_t)(65526u + i);
		uint32_t olen = build_rtp(orig, seq, 0x77777777, 0, 0, 80, NULL);
		uint32_t len = olen;

		memcpy(pkt, orig, len);
		CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, BUF), DP_SRTP_OK);
		if (i == 2) { /* keep one from before the wrap for a late delivery */
			memcpy(early, pkt, len);
			learly = len;
			continue;
		}
		CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_OK);
		CHECK(len == olen && memcmp(pkt, orig, olen) == 0);
	}
	/* seq 65528 of ROC 0 arrives after seq 9 of ROC 1: still in the window */
	CHECK_ST(deliver(p.b, early, learly), DP_SRTP_OK);
	CHECK_ST(deliver(p.b, early, learly), DP_SRTP_REPLAY);
	pair_destroy(&p);
}

/* SRTCP: round trip, tamper, replay, overhead. */
static void test_rtcp(enum sl_srtp_profile prof)
{
	uint32_t ovh = dp_srtp_rtcp_overhead(prof);
	uint8_t orig[BUF], srtcp[BUF + GUARD], pkt[BUF];
	struct pair p;

	if (pair_create(&p, prof, 13, 14) != 0) {
		CHECK(!"pair_create");
		return;
	}
	for (unsigned int n = 0; n < 4; n++) {
		uint32_t olen = build_rtcp(orig, 0x5eed0000u + n, n);
		uint32_t len = olen, cap = olen + ovh;

		memcpy(srtcp, orig, olen);
		set_guard(srtcp, cap);
		CHECK_ST(dp_srtp_protect_rtcp(p.a, srtcp, &len, cap), DP_SRTP_OK);
		CHECK(len == olen + ovh);
		CHECK(guard_ok(srtcp, cap));
		CHECK(memcmp(srtcp, orig, 8) == 0);            /* header + SSRC in clear */
		CHECK(memcmp(srtcp + 8, orig + 8, 52) != 0);   /* the rest encrypted */
		CHECK((srtcp[olen + (prof == SL_SRTP_AEAD_AES_128_GCM ||
				     prof == SL_SRTP_AEAD_AES_256_GCM ? 16u : 0u)] & 0x80) != 0);

		const uint32_t where[] = { 1, 4, 8, 30, olen - 1, olen, len - 1 };
		for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
			uint32_t l = len;

			memcpy(pkt, srtcp, len);
			pkt[where[w]] ^= 0x40;
			CHECK_ST(dp_srtp_unprotect_rtcp(p.b, pkt, &l, BUF), DP_SRTP_AUTH_FAIL);
		}
		uint32_t l = len;
		memcpy(pkt, srtcp, len);
		CHECK_ST(dp_srtp_unprotect_rtcp(p.b, pkt, &l, BUF), DP_SRTP_OK);
		CHECK(l == olen && memcmp(pkt, orig, olen) == 0);
		l = len;
		memcpy(pkt, srtcp, len);
		CHECK_ST(dp_srtp_unprotect_rtcp(p.b, pkt, &l, BUF), DP_SRTP_REPLAY);
		/* an SRTCP packet is not SRTP */
		l = len;
		memcpy(pkt, srtcp, len);
		CHECK(dp_srtp_unprotect_rtp(p.b, pkt, &l, BUF) != DP_SRTP_OK);
	}
	/* a second RTCP packet of the same SSRC gets the next SRTCP index */
	{
		uint32_t l1 = build_rtcp(orig, 0x5eed0000u, 9), l2;

		CHECK_ST(dp_srtp_protect_rtcp(p.a, orig, &l1, BUF), DP_SRTP_OK);
		l2 = build_rtcp(pkt, 0x5eed0000u, 9);
		CHECK_ST(dp_srtp_protect_rtcp(p.a, pkt, &l2, BUF), DP_SRTP_OK);
		CHECK(l1 == l2 && memcmp(orig, pkt, l1) != 0);
	}
	pair_destroy(&p);
}

/* Capacity, malformed packets and bad arguments. */
static void test_limits(enum sl_srtp_profile prof)
{
	uint32_t ovh = dp_srtp_rtp_overhead(prof), covh = dp_srtp_rtcp_overhead(prof);
	uint8_t orig[BUF], pkt[BUF];
	struct pair p;
	uint32_t len, olen;

	if (pair_create(&p, prof, 15, 16) != 0) {
		CHECK(!"pair_create");
		return;
	}
	/* one byte short of the trailer: NO_SPACE, nothing touched */
	olen = build_rtp(orig, 1, 0x99, 0, 0, 100, NULL);
	memcpy(pkt, orig, olen);
	len = olen;
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, olen + ovh - 1), DP_SRTP_NO_SPACE);
	CHECK(len == olen && memcmp(pkt, orig, olen) == 0);
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, olen), DP_SRTP_NO_SPACE);
	olen = build_rtcp(orig, 0x99, 0);
	memcpy(pkt, orig, olen);
	len = olen;
	CHECK_ST(dp_srtp_protect_rtcp(p.a, pkt, &len, olen + covh - 1), DP_SRTP_NO_SPACE);
	CHECK(len == olen && memcmp(pkt, orig, olen) == 0);
	/* cap below len, absurd cap, NULLs */
	len = 100;
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, 99), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, 99), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_unprotect_rtcp(p.b, pkt, &len, 99), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, 0x80000000u), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_protect_rtp(p.a, NULL, &len, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, NULL, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_protect_rtp(NULL, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_unprotect_rtcp(NULL, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	/* packets shorter than an RTP header */
	for (uint32_t l = 0; l < 12; l++) {
		build_rtp(pkt, 2, 0x99, 0, 0, 0, NULL);
		len = l;
		CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
		len = l;
		CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	}
	/* shorter than an RTCP header, or than header + index + tag */
	for (uint32_t l = 0; l < 8; l++) {
		build_rtcp(pkt, 0x99, 0);
		len = l;
		CHECK_ST(dp_srtp_protect_rtcp(p.a, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	}
	for (uint32_t l = 0; l < 8 + covh; l++) {
		build_rtcp(pkt, 0x99, 0);
		len = l;
		CHECK_ST(dp_srtp_unprotect_rtcp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	}
	/* 15 CSRCs announced, 2 present */
	len = build_rtp(pkt, 3, 0x99, 0, 0, 8, NULL);
	pkt[0] |= 0x0f;
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	/* header extension longer than the packet */
	len = build_rtp(pkt, 4, 0x99, 0, 2, 0, NULL);
	put16(pkt + 14, 40);
	CHECK_ST(dp_srtp_protect_rtp(p.a, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	/* a bare header (no room for a tag) is refused by unprotect */
	len = build_rtp(pkt, 5, 0x99, 0, 0, 0, NULL);
	CHECK(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF) != DP_SRTP_OK);
	/* random bytes are not SRTP */
	for (unsigned int i = 0; i < 200; i++) {
		len = 12 + (i * 13u) % 300u;
		for (uint32_t j = 0; j < len; j++)
			pkt[j] = (uint8_t)(i * 31u + j * 17u + (j >> 3));
		pkt[0] = (uint8_t)((pkt[0] & 0x3f) | 0x80);
		CHECK(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF) != DP_SRTP_OK);
		CHECK(dp_srtp_unprotect_rtcp(p.b, pkt, &len, BUF) != DP_SRTP_OK);
	}
	pair_destroy(&p);
}

/* The burst calls: mixed transports, per-packet statuses, order kept. */
static void test_burst(enum sl_srtp_profile prof)
{
	enum { N = 32 };
	static uint8_t orig[N][BUF], buf[N][BUF], saved[N][BUF];
	uint8_t *pkts[N];
	uint32_t lens[N], olens[N], slens[N];
	struct dp_srtp *tx[N], *rx[N];
	enum dp_srtp_status st[N];
	struct pair p1, p2;

	if (pair_create(&p1, prof, 17, 18) != 0) {
		CHECK(!"pair_create");
		return;
	}
	if (pair_create(&p2, prof, 19, 20) != 0) {
		CHECK(!"pair_create");
		pair_destroy(&p1);
		return;
	}
	for (unsigned int i = 0; i < N; i++) {
		olens[i] = build_rtp(orig[i], (uint16_t)(300 + i), 0xfeed0000u + i % 3, 0, 0,
				     100 + i, NULL);
		memcpy(buf[i], orig[i], olens[i]);
		lens[i] = olens[i];
		pkts[i] = buf[i];
		tx[i] = i % 2 ? p2.a : p1.a;
		rx[i] = i % 2 ? p2.b : p1.b;
	}
	CHECK(dp_srtp_protect_rtp_burst(tx, pkts, lens, BUF, st, N) == N);
	for (unsigned int i = 0; i < N; i++) {
		CHECK(st[i] == DP_SRTP_OK);
		CHECK(lens[i] == olens[i] + dp_srtp_rtp_overhead(prof));
		memcpy(saved[i], buf[i], lens[i]);
		slens[i] = lens[i];
	}
	buf[7][20] ^= 0x04; /* forged */
	saved[7][20] ^= 0x04;
	rx[12] = NULL;      /* no context */
	CHECK(dp_srtp_unprotect_rtp_burst(rx, pkts, lens, BUF, st, N) == N - 2);
	for (unsigned int i = 0; i < N; i++) {
		if (i == 7) {
			CHECK(st[i] == DP_SRTP_AUTH_FAIL);
			CHECK(lens[i] == slens[i]);
		} else if (i == 12) {
			CHECK(st[i] == DP_SRTP_BAD_PARAM);
			CHECK(lens[i] == slens[i]);
		} else {
			CHECK(st[i] == DP_SRTP_OK);
			CHECK(lens[i] == olens[i] && memcmp(buf[i], orig[i], olens[i]) == 0);
		}
	}
	/* the same SRTP burst again: replays, except the two never accepted */
	for (unsigned int i = 0; i < N; i++) {
		memcpy(buf[i], saved[i], slens[i]);
		lens[i] = slens[i];
	}
	rx[12] = p1.b;
	CHECK(dp_srtp_unprotect_rtp_burst(rx, pkts, lens, BUF, st, N) == 1);
	for (unsigned int i = 0; i < N; i++)
		CHECK(st[i] == (i == 7 ? DP_SRTP_AUTH_FAIL
				: i == 12 ? DP_SRTP_OK : DP_SRTP_REPLAY));
	CHECK(dp_srtp_unprotect_rtp_burst(rx, pkts, lens, BUF, st, 0) == 0);
	pair_destroy(&p1);
	pair_destroy(&p2);
}

/* Tables: key lengths and overheads of each profile, status names. */
static void test_tables(void)
{
	static const struct {
		enum sl_srtp_profile p;
		uint8_t key, salt;
		uint32_t rtp, rtcp;
	} want[] = {
		{ SL_SRTP_AES128_CM_SHA1_80, 16, 14, 10, 14 },
		{ SL_SRTP_AES128_CM_SHA1_32, 16, 14, 4, 14 },
		{ SL_SRTP_AEAD_AES_128_GCM, 16, 12, 16, 20 },
		{ SL_SRTP_AEAD_AES_256_GCM, 32, 12, 16, 20 },
	};
	uint8_t k = 0, s = 0;

	cur_profile = "tables";
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(dp_srtp_key_lengths(want[i].p, &k, &s) == 0);
		CHECK(k == want[i].key && s == want[i].salt);
		CHECK(dp_srtp_rtp_overhead(want[i].p) == want[i].rtp);
		CHECK(dp_srtp_rtcp_overhead(want[i].p) == want[i].rtcp);
		CHECK(dp_srtp_max_overhead(want[i].p) == want[i].rtcp);
		CHECK(dp_srtp_max_overhead(want[i].p) <= DP_SRTP_MAX_TRAILER);
	}
	CHECK(dp_srtp_key_lengths(SL_SRTP_NONE, &k, &s) == -22);
	CHECK(dp_srtp_key_lengths((enum sl_srtp_profile)3, NULL, NULL) == -22);
	CHECK(dp_srtp_rtp_overhead(SL_SRTP_NONE) == 0);
	CHECK(dp_srtp_max_overhead((enum sl_srtp_profile)99) == 0);
	for (int a = DP_SRTP_OK; a <= DP_SRTP_ERROR; a++) {
		CHECK(strcmp(dp_srtp_status_str((enum dp_srtp_status)a), "unknown") != 0);
		for (int b = DP_SRTP_OK; b < a; b++)
			CHECK(strcmp(dp_srtp_status_str((enum dp_srtp_status)a),
				     dp_srtp_status_str((enum dp_srtp_status)b)) != 0);
	}
	CHECK(strcmp(dp_srtp_status_str((enum dp_srtp_status)77), "unknown") == 0);
	CHECK(dp_srtp_drop_reason(DP_SRTP_AUTH_FAIL) == SL_DROP_SRTP_AUTH);
	CHECK(dp_srtp_drop_reason(DP_SRTP_REPLAY) == SL_DROP_SRTP_REPLAY);
	CHECK(dp_srtp_drop_reason(DP_SRTP_BAD_PARAM) == SL_DROP_SRTP_OTHER);
	CHECK(dp_srtp_drop_reason(DP_SRTP_ERROR) == SL_DROP_SRTP_OTHER);
}

/* Creation: wrong profiles and lengths are refused with BAD_PARAM. */
static void test_create_errors(void)
{
	static const unsigned int bad_profiles[] = { 0, 3, 4, 5, 6, 9, 255, 0xffff };
	uint8_t m[SL_SRTP_MASTER_MAX];
	struct dp_srtp *ctx;
	struct sl_msg_srtp_keys msg;

	cur_profile = "create";
	make_master(m, 21);
	for (size_t i = 0; i < sizeof(bad_profiles) / sizeof(bad_profiles[0]); i++) {
		ctx = (struct dp_srtp *)1;
		CHECK_ST(dp_srtp_create(&ctx, (enum sl_srtp_profile)bad_profiles[i], m, m, 16, 14),
			 DP_SRTP_BAD_PARAM);
		CHECK(ctx == NULL);
	}
	for (size_t i = 0; i < 4; i++) {
		enum sl_srtp_profile p = all_profiles[i];
		uint8_t kl, sl;

		cur_profile = dp_srtp_profile_name(p);
		CHECK(dp_srtp_key_lengths(p, &kl, &sl) == 0);
		const uint8_t lens[][2] = { { kl + 1, sl }, { kl - 1, sl }, { kl, sl + 1 },
					    { kl, sl - 1 }, { 0, 0 }, { 32, 14 }, { kl, 0 },
					    { 16, sl == 14 ? 12 : 14 }, { 46, 0 } };
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			ctx = (struct dp_srtp *)1;
			CHECK_ST(dp_srtp_create(&ctx, p, m, m, lens[j][0], lens[j][1]),
				 DP_SRTP_BAD_PARAM);
			CHECK(ctx == NULL);
		}
		CHECK_ST(dp_srtp_create(&ctx, p, NULL, m, kl, sl), DP_SRTP_BAD_PARAM);
		CHECK(ctx == NULL);
		CHECK_ST(dp_srtp_create(&ctx, p, m, NULL, kl, sl), DP_SRTP_BAD_PARAM);
		CHECK_ST(dp_srtp_create(NULL, p, m, m, kl, sl), DP_SRTP_BAD_PARAM);

		/* from the ring message, as the lcore will */
		memset(&msg, 0, sizeof(msg));
		msg.profile = (uint16_t)p;
		msg.key_len = kl;
		msg.salt_len = sl;
		memcpy(msg.rx, m, SL_SRTP_MASTER_MAX);
		memcpy(msg.tx, m, SL_SRTP_MASTER_MAX);
		CHECK_ST(dp_srtp_create_from_msg(&ctx, &msg), DP_SRTP_OK);
		CHECK(ctx != NULL && dp_srtp_profile(ctx) == p);
		dp_srtp_destroy(ctx);
		msg.salt_len = (uint8_t)(sl + 2);
		CHECK_ST(dp_srtp_create_from_msg(&ctx, &msg), DP_SRTP_BAD_PARAM);
		CHECK(ctx == NULL);
	}
	cur_profile = "create";
	CHECK_ST(dp_srtp_create_from_msg(&ctx, NULL), DP_SRTP_BAD_PARAM);
	CHECK(ctx == NULL);
	CHECK(dp_srtp_profile(NULL) == SL_SRTP_NONE);
}

/* Engine selection: names, refusals, and that contexts keep their engine. */
static void test_engine_select(void)
{
	const char *was = dp_srtp_engine_name();
	uint8_t m[SL_SRTP_MASTER_MAX];
	struct dp_srtp *a = NULL, *b = NULL;

	cur_profile = "engine";
	make_master(m, 30);
	CHECK(dp_srtp_set_engine("nss") == -22);
	CHECK(dp_srtp_set_engine(NULL) == -22);
	CHECK(strcmp(dp_srtp_engine_name(), was) == 0);
	CHECK(dp_srtp_set_engine("libsrtp") == 0);
	CHECK(strcmp(dp_srtp_engine_name(), "libsrtp") == 0);
	CHECK_ST(dp_srtp_create(&a, SL_SRTP_AEAD_AES_128_GCM, m, m, 16, 12), DP_SRTP_OK);
	if (dp_srtp_set_engine("ipsec-mb") == 0) {
		CHECK(strcmp(dp_srtp_engine_name(), "ipsec-mb") == 0);
		CHECK(strcmp(dp_srtp_engine_arch(), "none") != 0);
		CHECK_ST(dp_srtp_create(&b, SL_SRTP_AEAD_AES_128_GCM, m, m, 16, 12), DP_SRTP_OK);
		CHECK(strcmp(dp_srtp_ctx_engine(b), "ipsec-mb") == 0);
	} else {
		CHECK(strcmp(dp_srtp_engine_arch(), "none") == 0);
	}
	CHECK(strcmp(dp_srtp_ctx_engine(a), "libsrtp") == 0);
	CHECK(strcmp(dp_srtp_ctx_engine(NULL), "?") == 0);
	dp_srtp_destroy(a);
	dp_srtp_destroy(b);
	CHECK(dp_srtp_set_engine(was) == 0);
}

/* Wipe leaves a keyless context that refuses everything. */
static void test_wipe(enum sl_srtp_profile prof)
{
	uint8_t pkt[BUF];
	struct pair p;
	uint32_t len;

	if (pair_create(&p, prof, 22, 23) != 0) {
		CHECK(!"pair_create");
		return;
	}
	len = protect_seq(p.a, pkt, 1, 0x42, 50);
	CHECK(dp_srtp_profile(p.b) == prof);
	dp_srtp_wipe(p.b);
	CHECK(dp_srtp_profile(p.b) == SL_SRTP_NONE);
	CHECK_ST(dp_srtp_unprotect_rtp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_unprotect_rtcp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	len = build_rtp(pkt, 2, 0x42, 0, 0, 50, NULL);
	CHECK_ST(dp_srtp_protect_rtp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	CHECK_ST(dp_srtp_protect_rtcp(p.b, pkt, &len, BUF), DP_SRTP_BAD_PARAM);
	dp_srtp_wipe(p.b); /* twice is fine */
	dp_srtp_wipe(NULL);
	pair_destroy(&p); /* destroy after wipe is fine */
	dp_srtp_destroy(NULL);
}

/* argv[1]: the engine under test ("ipsec-mb" or "libsrtp"); default: the default. */
int main(int argc, char **argv)
{
	if (dp_srtp_global_init() != 0 || dp_srtp_global_init() != 0) {
		fprintf(stderr, "dp_srtp_global_init failed\n");
		return 1;
	}
	if (argc > 1 && dp_srtp_set_engine(argv[1]) != 0) {
		fprintf(stderr, "test_srtp: engine %s not available\n", argv[1]);
		return 1;
	}
	printf("test_srtp: engine %s (ipsec-mb arch %s)\n", dp_srtp_engine_name(),
	       dp_srtp_engine_arch());
	test_engine_select();
	test_tables();
	test_create_errors();
	for (size_t i = 0; i < sizeof(all_profiles) / sizeof(all_profiles[0]); i++) {
		enum sl_srtp_profile p = all_profiles[i];

		cur_profile = dp_srtp_profile_name(p);
		test_roundtrip(p);
		test_tamper(p);
		test_replay(p);
		test_repeat_tx(p);
		test_many_ssrcs(p);
		test_roc(p);
		test_rtcp(p);
		test_limits(p);
		test_burst(p);
		test_wipe(p);
	}
	if (failures) {
		fprintf(stderr, "test_srtp: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_srtp: all checks passed\n");
	return 0;
}
