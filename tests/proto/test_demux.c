/* SPDX-License-Identifier: MIT */
/* RFC 7983 / RFC 5761 classification of UDP payloads (dp_demux.h). */
#include <stdint.h>

#include "dp_demux.h"
#include "proto_test.h"

/* The classification table of RFC 7983 section 7, written out independently. */
static enum dp_demux expected(uint8_t b0, uint8_t b1)
{
	if (b0 < 4)
		return DP_DEMUX_STUN;
	if (b0 >= 20 && b0 < 64)
		return DP_DEMUX_DTLS;
	if (b0 >= 128 && b0 < 192)
		return (b1 >= 192 && b1 < 224) ? DP_DEMUX_RTCP : DP_DEMUX_RTP;
	return DP_DEMUX_UNKNOWN;
}

static void test_all_two_byte_prefixes(void)
{
	int bad = 0;
	for (unsigned b0 = 0; b0 < 256; b0++)
		for (unsigned b1 = 0; b1 < 256; b1++) {
			uint8_t p[2] = {(uint8_t)b0, (uint8_t)b1};
			if (dp_demux_classify(p, 2) != expected(p[0], p[1]))
				bad++;
		}
	CHECK_EQ(bad, 0);
}

static void test_boundaries(void)
{
	uint8_t p[2];
	/* STUN 0..3, then ZRTP 16..19 unknown, DTLS 20..63 */
	p[0] = 3; p[1] = 0;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_STUN);
	p[0] = 4;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_UNKNOWN);
	p[0] = 19;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_UNKNOWN);
	p[0] = 20; /* DTLS change_cipher_spec */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_DTLS);
	p[0] = 22; /* DTLS handshake */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_DTLS);
	p[0] = 63;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_DTLS);
	p[0] = 64; /* TURN channel: not ours */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_UNKNOWN);
	p[0] = 127;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_UNKNOWN);
	p[0] = 0x80; p[1] = 96; /* RTP PT 96 */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTP);
	p[1] = 0x80 | 111; /* marker + PT 111 = 239: still RTP */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTP);
	p[1] = 200; /* SR */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTCP);
	p[0] = 0x81; p[1] = 205; /* RTPFB NACK */
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTCP);
	p[1] = 191;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTP);
	p[1] = 224;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTP);
	p[0] = 191; p[1] = 192;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_RTCP);
	p[0] = 192;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_UNKNOWN);
	p[0] = 255;
	CHECK_EQ(dp_demux_classify(p, 2), DP_DEMUX_UNKNOWN);
}

static void test_short(void)
{
	uint8_t p[1] = {0x80};
	CHECK_EQ(dp_demux_classify(p, 0), DP_DEMUX_UNKNOWN);
	CHECK_EQ(dp_demux_classify(NULL, 0), DP_DEMUX_UNKNOWN);
	/* one byte cannot tell RTP from RTCP */
	CHECK_EQ(dp_demux_classify(p, 1), DP_DEMUX_UNKNOWN);
	p[0] = 0; /* but STUN and DTLS need only the first byte */
	CHECK_EQ(dp_demux_classify(p, 1), DP_DEMUX_STUN);
	p[0] = 22;
	CHECK_EQ(dp_demux_classify(p, 1), DP_DEMUX_DTLS);
}

static void test_names(void)
{
	CHECK(strcmp(dp_demux_name(DP_DEMUX_STUN), "stun") == 0);
	CHECK(strcmp(dp_demux_name(DP_DEMUX_DTLS), "dtls") == 0);
	CHECK(strcmp(dp_demux_name(DP_DEMUX_RTP), "rtp") == 0);
	CHECK(strcmp(dp_demux_name(DP_DEMUX_RTCP), "rtcp") == 0);
	CHECK(strcmp(dp_demux_name(DP_DEMUX_UNKNOWN), "unknown") == 0);
}

int main(void)
{
	test_all_two_byte_prefixes();
	test_boundaries();
	test_short();
	test_names();
	return t_done("test_demux");
}
