/* SPDX-License-Identifier: MIT */
/*
 * test_srtp_limits - the ipsec-mb engine at the far end of its limits,
 * reached with the test hook dp_srtp_imb_seek() instead of 2^48 packets:
 *  - the key lifetime: 2^48 SRTP packets per session key, then ERROR;
 *  - the tx index: ROC 2^32 - 1 works (and is received: the IV and the
 *    HMAC carry the high ROC), the wrap past it is ERROR, not index 0;
 *  - SRTCP: index 2^31 - 1 is the last one sent, then ERROR;
 *  - rx: a packet of ROC 2^32 - 1 from a sender there opens at a receiver
 *    there, and the rx key lifetime ends in ERROR too;
 *  - the per-direction stream bound: DP_SRTP_MAX_STREAMS SSRCs, then ERROR
 *    for new ones while known ones go on.
 * For each of the four profiles.
 */
#include <stdio.h>
#include <string.h>

#include "dp_srtp_int.h"
#include "dp_srtp_stream.h"

static int failures;
static const char *cur = "-";

#define CHECK_ST(expr, want)                                                             \
	do {                                                                             \
		enum dp_srtp_status st_ = (expr);                                        \
		if (st_ != (want)) {                                                     \
			fprintf(stderr, "%s:%d: [%s] %s = %s, want %s\n", __FILE__, __LINE__, \
				cur, #expr, dp_srtp_status_str(st_), dp_srtp_status_str(want)); \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__, \
				cur, #cond);                                             \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define BUF 512u
#define SSRC 0x0a0b0c0du
#define KEY_LIMIT (1ull << 48)

static uint32_t rtp(uint8_t *b, uint32_t ssrc, uint16_t seq)
{
	memset(b, 0, 12 + 100);
	b[0] = 0x80;
	b[1] = 111;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memset(b + 12, seq & 0xff, 100);
	return 112;
}

static uint32_t rtcp(uint8_t *b, uint32_t ssrc)
{
	memset(b, 0, 28);
	b[0] = 0x80;
	b[1] = 200;
	b[3] = 6;
	b[4] = (uint8_t)(ssrc >> 24);
	b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8);
	b[7] = (uint8_t)ssrc;
	return 28;
}

static enum dp_srtp_status send_rtp(struct dp_srtp *c, uint32_t ssrc, uint16_t seq, uint8_t *b,
				    uint32_t *len)
{
	*len = rtp(b, ssrc, seq);
	return dp_srtp_protect_rtp(c, b, len, BUF);
}

static void test_profile(enum sl_srtp_profile p)
{
	uint8_t m[SL_SRTP_MASTER_MAX], b[BUF], kl, sl;
	struct dp_srtp *tx = NULL, *rx = NULL;
	uint64_t top = (0xffffffffull << 16) | 65530;
	uint32_t len;

	for (unsigned int i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 29u + 3u);
	if (dp_srtp_key_lengths(p, &kl, &sl) != 0 ||
	    dp_srtp_create(&tx, p, m, m, kl, sl) != DP_SRTP_OK ||
	    dp_srtp_create(&rx, p, m, m, kl, sl) != DP_SRTP_OK) {
		CHECK(!"create");
		goto out;
	}
	/* ROC 2^32 - 1 on both sides: sealed, opened, and the wrap refused */
	CHECK(dp_srtp_imb_seek(tx, 1, SSRC, top, 0, 0) == 0);
	CHECK(dp_srtp_imb_seek(rx, 0, SSRC, top, 0, 0) == 0);
	CHECK_ST(send_rtp(tx, SSRC, 65531, b, &len), DP_SRTP_OK);
	CHECK_ST(dp_srtp_unprotect_rtp(rx, b, &len, BUF), DP_SRTP_OK);
	CHECK(len == 112);
	CHECK_ST(send_rtp(tx, SSRC, 65535, b, &len), DP_SRTP_OK);
	CHECK_ST(dp_srtp_unprotect_rtp(rx, b, &len, BUF), DP_SRTP_OK);
	CHECK_ST(send_rtp(tx, SSRC, 2, b, &len), DP_SRTP_ERROR); /* index 2^48 + 2 */
	/* the same packet to a receiver at ROC 0 does not open */
	{
		struct dp_srtp *rx0 = NULL;

		CHECK_ST(dp_srtp_create(&rx0, p, m, m, kl, sl), DP_SRTP_OK);
		CHECK_ST(send_rtp(tx, SSRC, 65534, b, &len), DP_SRTP_OK); /* repeat-tx */
		CHECK_ST(dp_srtp_unprotect_rtp(rx0, b, &len, BUF), DP_SRTP_AUTH_FAIL);
		dp_srtp_destroy(rx0);
	}
	/* key lifetime, tx: the packet that would be the 2^48th is refused */
	CHECK(dp_srtp_imb_seek(tx, 1, SSRC + 1, 100, 0, KEY_LIMIT - 2) == 0);
	CHECK_ST(send_rtp(tx, SSRC + 1, 101, b, &len), DP_SRTP_OK);
	CHECK_ST(send_rtp(tx, SSRC + 1, 102, b, &len), DP_SRTP_ERROR);
	CHECK_ST(send_rtp(tx, SSRC + 2, 1, b, &len), DP_SRTP_ERROR); /* any SSRC: one key */
	/* key lifetime, rx */
	CHECK(dp_srtp_imb_seek(tx, 1, SSRC + 1, 100, 0, 0) == 0);
	CHECK(dp_srtp_imb_seek(rx, 0, SSRC + 1, 100, 0, KEY_LIMIT - 2) == 0);
	CHECK_ST(send_rtp(tx, SSRC + 1, 101, b, &len), DP_SRTP_OK);
	CHECK_ST(dp_srtp_unprotect_rtp(rx, b, &len, BUF), DP_SRTP_OK);
	CHECK_ST(send_rtp(tx, SSRC + 1, 102, b, &len), DP_SRTP_OK);
	CHECK_ST(dp_srtp_unprotect_rtp(rx, b, &len, BUF), DP_SRTP_ERROR);
	/* SRTCP: index 2^31 - 1 is the last */
	CHECK(dp_srtp_imb_seek(tx, 1, SSRC + 3, 0, 0x7ffffffe, 0) == 0);
	len = rtcp(b, SSRC + 3);
	CHECK_ST(dp_srtp_protect_rtcp(tx, b, &len, BUF), DP_SRTP_OK);
	CHECK(len == 28 + dp_srtp_rtcp_overhead(p));
	CHECK(b[len - 4 - (p == SL_SRTP_AEAD_AES_128_GCM || p == SL_SRTP_AEAD_AES_256_GCM
				? 0 : dp_srtp_rtcp_overhead(p) - 4)] == 0xff); /* E + index */
	CHECK_ST(dp_srtp_unprotect_rtcp(rx, b, &len, BUF), DP_SRTP_OK);
	len = rtcp(b, SSRC + 3);
	CHECK_ST(dp_srtp_protect_rtcp(tx, b, &len, BUF), DP_SRTP_ERROR);
	/* the hook refuses what is not a live ipsec-mb context */
	CHECK(dp_srtp_imb_seek(NULL, 1, SSRC, 0, 0, 0) == -22);
out:
	dp_srtp_destroy(tx);
	dp_srtp_destroy(rx);
}

/* DP_SRTP_MAX_STREAMS SSRCs per direction, then ERROR for a new one. */
static void test_stream_bound(void)
{
	uint8_t m[SL_SRTP_MASTER_MAX] = { 7 }, b[BUF];
	struct dp_srtp *tx = NULL, *rx = NULL;
	uint32_t len;
	int ok = 1;

	cur = "streams";
	if (dp_srtp_create(&tx, SL_SRTP_AEAD_AES_128_GCM, m, m, 16, 12) != DP_SRTP_OK ||
	    dp_srtp_create(&rx, SL_SRTP_AEAD_AES_128_GCM, m, m, 16, 12) != DP_SRTP_OK) {
		CHECK(!"create");
		goto out;
	}
	for (uint32_t i = 0; i < DP_SRTP_MAX_STREAMS && ok; i++) {
		ok = send_rtp(tx, 1000 + i, 7, b, &len) == DP_SRTP_OK &&
		     dp_srtp_unprotect_rtp(rx, b, &len, BUF) == DP_SRTP_OK;
	}
	CHECK(ok);
	CHECK_ST(send_rtp(tx, 999, 7, b, &len), DP_SRTP_ERROR);        /* tx table full */
	CHECK_ST(send_rtp(tx, 1000, 8, b, &len), DP_SRTP_OK);          /* known SSRC */
	CHECK_ST(dp_srtp_unprotect_rtp(rx, b, &len, BUF), DP_SRTP_OK);
	/* rx: a new SSRC authenticates but finds no room */
	{
		struct dp_srtp *tx2 = NULL;

		CHECK_ST(dp_srtp_create(&tx2, SL_SRTP_AEAD_AES_128_GCM, m, m, 16, 12), DP_SRTP_OK);
		CHECK_ST(send_rtp(tx2, 999, 7, b, &len), DP_SRTP_OK);
		CHECK_ST(dp_srtp_unprotect_rtp(rx, b, &len, BUF), DP_SRTP_ERROR);
		dp_srtp_destroy(tx2);
	}
out:
	dp_srtp_destroy(tx);
	dp_srtp_destroy(rx);
}

int main(void)
{
	static const enum sl_srtp_profile profiles[] = {
		SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AES128_CM_SHA1_32,
		SL_SRTP_AEAD_AES_128_GCM, SL_SRTP_AEAD_AES_256_GCM,
	};

	if (dp_srtp_global_init() != 0 || dp_srtp_set_engine("ipsec-mb") != 0) {
		fprintf(stderr, "test_srtp_limits: ipsec-mb engine not available\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		cur = dp_srtp_profile_name(profiles[i]);
		test_profile(profiles[i]);
	}
	test_stream_bound();
	if (failures) {
		fprintf(stderr, "test_srtp_limits: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_srtp_limits: all checks passed\n");
	return 0;
}
