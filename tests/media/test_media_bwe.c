/* SPDX-License-Identifier: MIT */
/*
 * test_media_bwe - the send-side estimate towards a consumer's receiver,
 * through a real data plane (one worker lcore, run by run_media_e2e.sh):
 * this program plays the control plane and two browsers, a producer and a
 * consumer whose transport negotiated transport-cc, and checks:
 *  - the consumer's packets carry transport-wide seqs of its own
 *    transport, consecutive;
 *  - the transport's avail_out_bps gauge starts at the initial estimate
 *    (600 kbps);
 *  - a REMB before any transport-cc feedback sets it to exactly the REMB;
 *  - transport-cc feedback from the consumer's browser that reports 39 of
 *    40 packets lost cuts it below that;
 *  - feedback about seqs never sent is ignored (the gauge stays), and so
 *    is feedback that does not decode.
 * Waits are bounded polls; no time figure is asserted.
 *
 *   test_media_bwe <shm-name> <tap-interface>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "dp_rtcp.h"
#include "media_harness.h"

#define T_P 1u
#define T_C 2u
#define PROD 100u
#define CONS 200u
#define SSRC_P 0x11110000u
#define SSRC_C 0xc1000001u
#define SSRC_RX 0xb0b0b0b0u
#define TCC_ID 7 /* the consumer's transport-cc id (the producer's is 5) */
#define N_PKTS 40
#define POLLS 400

static struct mh H;
static struct browser P, C;
static uint16_t g_seq = 1000, g_twcc = 1;
static uint32_t g_ts = 90000;

static void idle_ms(int ms)
{
	for (int i = 0; i < ms; i++) {
		mh_pump(&H);
		usleep(1000);
	}
}

static int setup(void)
{
	const struct mh_producer prod = {
		.tid = T_P, .id = PROD, .ssrc = SSRC_P, .pt = 96,
		.flags = MH_PLI | MH_TCC | MH_BR_EXTS, .fanout = 1,
	};
	struct mh_consumer cons = {
		.tid = T_C, .id = CONS, .producer_id = PROD, .ssrc = SSRC_C, .pt = 96,
	};
	cons.ext.transport_cc = TCC_ID;
	if (br_connect(&H, &P, 0, T_P, SL_SRTP_AEAD_AES_128_GCM, 1) ||
	    br_connect(&H, &C, 0, T_C, SL_SRTP_AEAD_AES_128_GCM, 2) ||
	    mh_producer_add(&H, 0, &prod))
		return -1;
	return mh_consumer_add(&H, 0, &cons);
}

/* Sends one producer packet and receives the consumer's copy: its
 * transport-wide seq in *twcc. 0 or -1. */
static int media_once(uint16_t *twcc)
{
	uint8_t rtp[2048];
	struct rx_rtp r;
	size_t len = br_build_rtp(rtp, SSRC_P, 96, g_seq, g_ts, g_twcc++, 400);
	g_seq++;
	g_ts += 3000;
	if (br_send_srtp(&P, rtp, len, NULL) <= 0 || br_recv_rtp(&H, &C, &r) != 0)
		return -1;
	int k = rx_ext_find(&r, TCC_ID);
	if (k < 0 || r.ext_len[k] != 2)
		return -1;
	*twcc = (uint16_t)(r.buf[r.ext_off[k]] << 8 | r.buf[r.ext_off[k] + 1]);
	return 0;
}

static void send_rtcp(uint8_t *b, size_t len)
{
	CHECK(len > 0);
	CHECK_EQ(br_send_srtcp_counted(&H, &C, b, len, 2048), 0);
}

/* Polls until the gauge differs from `from`; its value. */
static uint64_t gauge_change(const volatile uint64_t *g, uint64_t from)
{
	for (int i = 0; i < POLLS && *g == from; i++)
		idle_ms(10);
	return *g;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap>\n", argv[0]);
		return 2;
	}
	if (mh_init(&H, argv[1]) != 0 || setup() != 0) {
		fprintf(stderr, "test_media_bwe: set-up failed\n");
		return 1;
	}
	struct sl_transport_counters *tc = mh_tc(&H, T_C);
	uint16_t first = 0, prev = 0, tw;

	/* consecutive transport-wide seqs of the consumer's transport */
	for (int i = 0; i < N_PKTS; i++) {
		int ok = media_once(&tw) == 0;
		CHECK(ok);
		if (!ok)
			break;
		if (i == 0)
			first = tw;
		else
			CHECK_EQ((uint16_t)(prev + 1), tw);
		prev = tw;
	}
	/* the initial estimate, published by the stats round */
	CHECK_EQ(gauge_change(&tc->avail_out_bps, 0), 600000);

	/* a REMB (no transport-cc feedback yet): the estimate is the REMB */
	uint8_t b[2048];
	uint32_t ssrc = SSRC_C;
	size_t n = dp_rtcp_build_remb(b, sizeof(b), SSRC_RX, 300000, &ssrc, 1);
	CHECK(n > 0);
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_remb remb;
	CHECK(dp_rtcp_pkt_parse(b, n, &pkt) == DP_RTCP_OK &&
	      dp_rtcp_parse_remb(&pkt, &remb) == DP_RTCP_OK);
	uint64_t want = remb.bitrate; /* what the mantissa/exponent carry */
	send_rtcp(b, n);
	CHECK_EQ(gauge_change(&tc->avail_out_bps, 600000), want);

	/* feedback: all but the first lost -> the loss-based estimate is cut
	 * below the REMB */
	struct dp_rtcp_tcc_arrival a[N_PKTS];
	for (int i = 0; i < N_PKTS; i++) {
		a[i].seq = (uint16_t)(first + i);
		a[i].arrival_us = i == 0 ? 1000000 : DP_RTCP_TCC_LOST;
	}
	send_rtcp(b, dp_rtcp_build_tcc(b, sizeof(b), SSRC_RX, SSRC_C, 0, a, N_PKTS));
	uint64_t cut = gauge_change(&tc->avail_out_bps, want);
	fprintf(stderr, "after %d of %d lost: %llu bps\n", N_PKTS - 1, N_PKTS,
		(unsigned long long)cut);
	CHECK(cut < want);
	CHECK(cut >= 30000); /* the floor */

	/* feedback about seqs never sent: nothing changes */
	for (int i = 0; i < N_PKTS; i++) {
		a[i].seq = (uint16_t)(first + 20000 + i);
		a[i].arrival_us = 2000000 + i * 1000;
	}
	send_rtcp(b, dp_rtcp_build_tcc(b, sizeof(b), SSRC_RX, SSRC_C, 1, a, N_PKTS));
	idle_ms(300);
	CHECK_EQ(tc->avail_out_bps, cut);

	/* a transport-cc that does not decode (16384 statuses, no chunks):
	 * ignored */
	memset(b, 0, 20);
	b[0] = 0x80 | DP_RTCP_FMT_TCC;
	b[1] = DP_RTCP_PT_RTPFB;
	b[3] = 4; /* 20 bytes */
	b[4] = 0xb0;
	b[8] = 0xc1;
	b[11] = 0x01;
	b[14] = 0x40;
	send_rtcp(b, 20);
	idle_ms(300);
	CHECK_EQ(tc->avail_out_bps, cut);

	mh_fini(&H);
	return check_report("test_media_bwe");
}
