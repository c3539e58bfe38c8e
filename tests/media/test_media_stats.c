/* SPDX-License-Identifier: MIT */
/*
 * test_media_stats - the data plane's statistics end to end (dp_stats.c),
 * one worker lcore, run by run_media_e2e.sh like test_media_e2e: this
 * program plays the control plane (cp_dp) and two browsers, a producer and
 * a consumer, and checks:
 *  - producer loss: media with a gap of 3 sequence numbers makes the
 *    transport's rtp_lost exactly 3, and a producer SL_MSG_STREAM_STATS
 *    carries lost == 3, the packets received and a bitrate;
 *  - bitrate gauges: rx_bps of the producer transport and tx_bps of the
 *    consumer transport become non-zero while media flows;
 *  - consumer receiver reports: after an SR of the consumer, an RR whose
 *    LSR names it (DLSR 0) sets the consumer transport's rtt_us to a value
 *    in (0, the time between the SR's reception and the RR's sending + 1 s),
 *    remote_lost to the cumulative loss reported, and a consumer
 *    STREAM_STATS carries that loss, the jitter and the RTT; a report block
 *    inside an SR counts as well, a block about an unknown SSRC does not,
 *    and an LSR naming no SR of ours leaves the RTT alone;
 *  - no stats event was refused for lack of room in the event ring.
 * Waits are bounded polls; the only time figure asserted is the RTT's upper
 * bound, which has a second of slack.
 *
 *   test_media_stats <shm-name> <tap-interface>
 */
#include <errno.h>
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
#define SSRC_RX 0xb0b0b0b0u /* the consumer browser's own (receiver) SSRC */
#define PAYLOAD 300u
#define POLLS 400 /* x ~50 ms: bounded loops while media flows */

static struct mh H;
static struct browser P, C;
static uint16_t g_seq = 1000;
static uint32_t g_ts = 90000;

/* Sleeps about ms milliseconds, pumping the events. */
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
		.tid = T_P, .id = PROD, .ssrc = SSRC_P, .pt = 96, .flags = MH_PLI, .fanout = 1,
	};
	const struct mh_consumer cons = {
		.tid = T_C, .id = CONS, .producer_id = PROD, .ssrc = SSRC_C, .pt = 96,
	};
	if (br_connect(&H, &P, 0, T_P, SL_SRTP_AEAD_AES_128_GCM, 1) ||
	    br_connect(&H, &C, 0, T_C, SL_SRTP_AES128_CM_SHA1_80, 2) ||
	    mh_producer_add(&H, 0, &prod))
		return -1;
	return mh_consumer_add(&H, 0, &cons);
}

/* One producer packet with the next sequence number (skip: leave that many
 * numbers out before it). */
static void send_media(unsigned int skip)
{
	uint8_t rtp[2048];
	g_seq = (uint16_t)(g_seq + skip);
	size_t len = br_build_rtp(rtp, SSRC_P, 96, g_seq, g_ts, g_seq, PAYLOAD);
	CHECK(br_send_srtp(&P, rtp, len, NULL) > 0);
	g_seq++;
	g_ts += 3000;
}

/* Producer loss, its STREAM_STATS and the bitrate gauges. */
static void test_producer(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P), *tc = mh_tc(&H, T_C);
	/* an SR first: the consumer's SRs map from it */
	CHECK_EQ(br_send_sr(&H, &P, SSRC_P, 0xe000000080000000ull, g_ts), 0);

	for (int i = 0; i < 10; i++)
		send_media(0);
	send_media(3); /* three never sent */
	for (int i = 0; i < 6; i++)
		send_media(0);
	CHECK_EQ(mh_wait_ge(&H, &tp->rtp_in, 17), 17);
	CHECK_EQ(mh_wait_ge(&H, &tp->rtp_lost, 3), 3);

	/* media keeps flowing (no more gaps) until the figures are there */
	struct sl_msg ev;
	int got_prod = 0, got_rates = 0, got_cons = 0;
	for (int i = 0; i < POLLS && !(got_prod && got_rates && got_cons); i++) {
		send_media(0);
		idle_ms(50);
		while (mh_take_stats(&H, PROD, SL_INVALID_ID, &ev) == 0) {
			const struct sl_msg_stream_stats *s = &ev.u.stream_stats;
			if (s->consumer_id != SL_INVALID_ID) {
				CHECK_EQ(s->consumer_id, CONS);
				CHECK_EQ(ev.h.transport_id, T_C);
				CHECK(s->packets <= tc->rtp_out);
				/* media flows in every period: a rate (the first
				 * period may have started after the burst) */
				got_cons |= s->bitrate_bps > 0 && s->bytes > s->packets * PAYLOAD;
				continue;
			}
			CHECK_EQ(ev.h.transport_id, T_P);
			CHECK(s->lost <= 3);
			if (s->lost != 3 || got_prod)
				continue;
			got_prod = 1;
			CHECK(s->packets >= 17 && s->packets <= tp->rtp_in);
			CHECK(s->bytes >= s->packets * PAYLOAD);
			CHECK(s->bitrate_bps > 0);
			CHECK_EQ(s->consumer_id, SL_INVALID_ID);
		}
		got_rates = tp->rx_bps > 0 && tc->tx_bps > 0;
	}
	CHECK(got_prod);
	CHECK(got_rates);
	CHECK(got_cons);
	CHECK_EQ(tp->rtp_lost, 3); /* nothing lost since */
}

/* An RR (or an SR with report blocks when as_sr) from the consumer's
 * browser: one block about the consumer, plus one about an SSRC nobody has
 * when stray. */
static void send_report(int as_sr, int stray, int32_t cum_lost, uint32_t jitter, uint32_t lsr,
			uint32_t dlsr)
{
	uint8_t rtcp[512];
	struct dp_rtcp_rb rb[2];
	memset(rb, 0, sizeof(rb));
	rb[0].ssrc = SSRC_C;
	rb[0].fraction_lost = 25;
	rb[0].cumulative_lost = cum_lost;
	rb[0].ext_highest_seq = 0x10000u + g_seq;
	rb[0].jitter = jitter;
	rb[0].lsr = lsr;
	rb[0].dlsr = dlsr;
	rb[1] = rb[0];
	rb[1].ssrc = 0x0bad0bad;
	rb[1].cumulative_lost = 1000;
	unsigned int n = stray ? 2 : 1;
	size_t len;
	if (as_sr) {
		struct dp_rtcp_sr sr;
		memset(&sr, 0, sizeof(sr));
		sr.ssrc = SSRC_RX;
		sr.ntp = 0x0100000000000000ull;
		sr.rb_count = n;
		memcpy(sr.rb, rb, n * sizeof(rb[0]));
		len = dp_rtcp_build_sr(rtcp, sizeof(rtcp), &sr);
	} else {
		struct dp_rtcp_rr rr;
		memset(&rr, 0, sizeof(rr));
		rr.ssrc = SSRC_RX;
		rr.rb_count = n;
		memcpy(rr.rb, rb, n * sizeof(rb[0]));
		len = dp_rtcp_build_rr(rtcp, sizeof(rtcp), &rr);
	}
	CHECK(len > 0);
	CHECK_EQ(br_send_srtcp_counted(&H, &C, rtcp, len, sizeof(rtcp)), 0);
}

/* The next consumer STREAM_STATS that carries lost == want_lost (media
 * flows meanwhile). 0 or -1. */
static int consumer_stats(uint32_t want_lost, struct sl_msg_stream_stats *out)
{
	struct sl_msg ev;
	for (int i = 0; i < POLLS; i++) {
		send_media(0);
		idle_ms(50);
		while (mh_take_stats(&H, SL_INVALID_ID, CONS, &ev) == 0) {
			CHECK_EQ(ev.h.transport_id, T_C);
			CHECK_EQ(ev.u.stream_stats.producer_id, PROD);
			if (ev.u.stream_stats.lost == want_lost) {
				*out = ev.u.stream_stats;
				return 0;
			}
		}
	}
	return -1;
}

static void test_consumer(void)
{
	struct sl_transport_counters *tc = mh_tc(&H, T_C);
	struct sl_msg_stream_stats s;
	struct dp_rtcp_sr sr;
	CHECK_EQ(tc->rtt_us, 0);
	CHECK_EQ(tc->remote_lost, 0);
	br_drain(&C); /* media so far: the SR read next is a fresh one */
	CHECK_EQ(br_recv_sr(&H, &C, 2000, 1, &sr), 0); /* RTP still on its way is skipped */
	uint64_t sr_at = mh_now_us();
	CHECK_EQ(sr.ssrc, SSRC_C);
	CHECK(sr.packet_count > 0);
	uint64_t sent_at = mh_now_us();
	send_report(0, 0, 7, 1234, dp_rtcp_ntp_mid32(sr.ntp), 0);
	CHECK_EQ(mh_wait_ge(&H, &tc->remote_lost, 7), 7);
	uint64_t rtt = mh_wait_ge(&H, &tc->rtt_us, 1);
	CHECK(rtt > 0 && rtt < (sent_at - sr_at) + 1000000u);
	if (!(rtt > 0 && rtt < (sent_at - sr_at) + 1000000u))
		fprintf(stderr, "rtt %llu us, SR read to RR sent %llu us\n", (unsigned long long)rtt,
			(unsigned long long)(sent_at - sr_at));
	CHECK_EQ(consumer_stats(7, &s), 0);
	CHECK_EQ(s.jitter, 1234);
	CHECK_EQ(s.rtt_us, rtt);
	CHECK(s.packets >= sr.packet_count);
	CHECK(s.bytes > s.packets * PAYLOAD);

	/* report blocks in an SR count too; a block about an SSRC of nobody
	 * does not; an LSR naming no SR of ours changes no RTT */
	send_report(1, 1, 9, 77, 0x12345678u, 0);
	CHECK_EQ(mh_wait_ge(&H, &tc->remote_lost, 9), 9);
	CHECK_EQ(consumer_stats(9, &s), 0);
	CHECK_EQ(s.jitter, 77);
	CHECK_EQ(s.rtt_us, rtt);
	CHECK_EQ(tc->rtt_us, rtt);
	/* a negative cumulative loss (duplicates) counts as none */
	send_report(0, 0, -2, 5, 0, 0);
	CHECK_EQ(consumer_stats(0, &s), 0);
	CHECK_EQ(s.jitter, 5);
	for (int i = 0; i < POLLS && tc->remote_lost != 0; i++)
		idle_ms(50);
	CHECK_EQ(tc->remote_lost, 0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap-interface>\n", argv[0]);
		return 2;
	}
	if (mh_init(&H, argv[1]) != 0 || dp_srtp_global_init() != 0)
		return 1;
	int rc = setup();
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		test_producer();
		test_consumer();
	}
	CHECK_EQ(mh_drops(&H, SL_DROP_EVT_RING_FULL), 0);
	br_close(&P);
	br_close(&C);
	mh_fini(&H);
	return check_report("test_media_stats");
}
