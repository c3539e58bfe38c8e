/* SPDX-License-Identifier: MIT */
/*
 * test_media_simulcast - simulcast layer switching end to end
 * (dataplane/media/dp_simulcast.c), run by run_media_e2e.sh like
 * test_media_e2e: this program plays the control plane (cp_dp), one
 * producer browser sending three VP8 layers with their own SSRCs (layer 0
 * with RTX), and one consumer browser (on lcore 1 when there are two
 * worker lcores: the layer flags then cross the handoff ring, and the
 * key-frame requests go back through it).
 *  - layer 0 starts: the consumer's first packet is layer 0's key frame;
 *  - layer 1 starts with delta frames: the consumer still gets layer 0
 *    only (and nothing of layer 1), the producer is asked for a key frame
 *    (PLI for layer 1's SSRC); layer 1's key frame switches it: from then
 *    on layer 1 only;
 *  - the same up to layer 2 (PLI for layer 2's SSRC);
 *  - layer 2 stops: after the absence timeout the consumer falls back to
 *    layer 1, on a key frame of layer 1 (its first packet after the stop is
 *    that key frame, never a delta frame or a layer-0 packet);
 *  - across every switch the consumer's sequence numbers are consecutive,
 *    its SSRC and payload type its own, and its timestamps increase (within
 *    a layer by exactly the producer's steps);
 *  - the VP8 picture id (15 bits) and TL0PICIDX continue by exactly one per
 *    frame across every switch, although each layer has its own;
 *  - a RTX packet of layer 0 is unwrapped as layer 0's;
 *  - the consumer's SR is mapped from its layer's SR, whatever layer came
 *    last.
 * Waits are bounded loops; nothing is asserted about time (the fallback
 * loop sends until it happens, up to a generous bound).
 *
 *   test_media_simulcast <shm-name> <tap-interface>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../unit/check.h"
#include "media_harness.h"

#define T_P 1u
#define T_C 2u
#define PROD 60u
#define CONS 61u
#define C_SSRC 0x00c0ffeeu
#define C_PT 101
#define P_PT 96
#define LAYERS 3u

static const uint32_t L_SSRC[LAYERS] = {0x11110000u, 0x22220000u, 0x33330000u};
static const uint32_t L_RTX[LAYERS] = {0x11110001u, 0, 0};
static const uint32_t L_TS0[LAYERS] = {0x00010000u, 0x00500000u, 0x09000000u};
static const uint16_t L_SEQ0[LAYERS] = {1000, 20000, 65500}; /* layer 2 wraps */
static const uint16_t L_PID0[LAYERS] = {5, 32700, 900};     /* layer 1 wraps */
static const uint8_t L_TL00[LAYERS] = {250, 3, 77};          /* layer 0 wraps */

static struct mh H;
static struct browser P, C;
static unsigned int LC_C;

/* What the producer sent per layer, and what the consumer saw last. */
static uint16_t g_seq[LAYERS];
static uint32_t g_frames[LAYERS];
static uint16_t g_rtx_seq = 7;
static int g_have_out;
static uint16_t g_out_seq;
static uint32_t g_out_ts;
static int g_out_layer = -1;
static uint16_t g_out_pid;
static uint8_t g_out_tl0;

/* A one-packet VP8 frame number frame of layer l: descriptor with S = 1,
 * PID 0, a 15-bit picture id and a TL0PICIDX (per layer their own bases,
 * + 1 per frame), then the payload header (P = 0 for a key frame), then a
 * tag (layer, the producer's seq) and filler. */
static size_t build_vp8(uint8_t *p, unsigned int l, uint16_t seq, uint32_t ts, uint32_t frame,
			int key)
{
	memset(p, 0, 12);
	p[0] = 0x80;
	p[1] = P_PT | 0x80; /* marker: the frame's last packet */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(L_SSRC[l] >> 24);
	p[9] = (uint8_t)(L_SSRC[l] >> 16);
	p[10] = (uint8_t)(L_SSRC[l] >> 8);
	p[11] = (uint8_t)L_SSRC[l];
	uint8_t *d = p + 12;
	uint16_t pid = (uint16_t)((L_PID0[l] + frame) & 0x7fffu);
	d[0] = 0x90; /* X, S, PID 0 */
	d[1] = 0xc0; /* I, L */
	d[2] = (uint8_t)(0x80 | pid >> 8);
	d[3] = (uint8_t)pid;
	d[4] = (uint8_t)(L_TL00[l] + frame);
	d[5] = key ? 0x00 : 0x01; /* VP8 payload header: P bit */
	d[6] = (uint8_t)l;
	d[7] = (uint8_t)(seq >> 8);
	d[8] = (uint8_t)seq;
	for (unsigned int i = 9; i < 100; i++)
		d[i] = (uint8_t)(i + l);
	return 12 + 100;
}

/* Sends the next frame of layer l (a key frame when key). */
static void send_frame(unsigned int l, int key)
{
	uint8_t rtp[256];
	uint16_t seq = (uint16_t)(L_SEQ0[l] + g_seq[l]++);
	uint32_t frame = g_frames[l]++;
	size_t n = build_vp8(rtp, l, seq, L_TS0[l] + frame * 3000u, frame, key);
	CHECK(br_send_srtp(&P, rtp, n, NULL) > 0);
}

/* Receives one consumer packet: it must be of layer want_l (key: a key
 * frame), consecutive with the previous one, the consumer's SSRC and PT. */
static int expect(int want_l, int key)
{
	struct rx_rtp r;
	int rc = br_recv_rtp(&H, &C, &r);
	CHECK_EQ(rc, 0);
	if (rc != 0)
		return -1;
	CHECK_EQ(r.ssrc, C_SSRC);
	CHECK_EQ(r.pt, C_PT);
	CHECK(r.payload_len >= 9);
	const uint8_t *d = r.buf + r.payload_off;
	int l = d[6];
	CHECK_EQ(l, want_l);
	if (key >= 0)
		CHECK_EQ((d[5] & 1) == 0, key);
	/* the descriptor's form is kept, picture id and TL0PICIDX continue */
	CHECK(d[0] == 0x90 && d[1] == 0xc0 && (d[2] & 0x80));
	uint16_t pid = (uint16_t)((d[2] & 0x7f) << 8 | d[3]);
	if (g_have_out) {
		CHECK_EQ(pid, (uint16_t)((g_out_pid + 1u) & 0x7fffu));
		CHECK_EQ(d[4], (uint8_t)(g_out_tl0 + 1u));
	}
	g_out_pid = pid;
	g_out_tl0 = d[4];
	if (g_have_out) {
		CHECK_EQ(r.seq, (uint16_t)(g_out_seq + 1u));
		if (l == g_out_layer)
			CHECK_EQ(r.ts - g_out_ts, 3000u);
		else
			CHECK((int32_t)(r.ts - g_out_ts) > 0);
	}
	g_have_out = 1;
	g_out_seq = r.seq;
	g_out_ts = r.ts;
	g_out_layer = l;
	return d[7] << 8 | d[8]; /* the producer's seq */
}

/* An RTP datagram waits on C (SRTCP ones, e.g. the consumer's SRs, are
 * discarded: RFC 5761, second byte 192..223). No wait. */
static int rtp_pending(void)
{
	uint8_t b[2];
	for (;;) {
		ssize_t n = recv(C.fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
		if (n < 2)
			return 0;
		if (b[1] < 192 || b[1] > 223)
			return 1;
		if (recv(C.fd, b, sizeof(b), MSG_DONTWAIT) < 0)
			return 0;
	}
}

/* Waits for a PLI naming media ssrc (RTP on P skipped). 1 when found. */
static int expect_pli_for(uint32_t ssrc)
{
	for (int i = 0; i < 20; i++) {
		uint8_t sub[256];
		int n = br_recv_rtcp(&H, &P, 60, 1, DP_RTCP_PT_PSFB, DP_RTCP_FMT_PLI, sub,
				     sizeof(sub));
		struct dp_rtcp_pkt pkt;
		struct dp_rtcp_fb fb;
		if (n <= 0)
			return 0;
		if (dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) == DP_RTCP_OK &&
		    dp_rtcp_parse_pli(&pkt, &fb) == DP_RTCP_OK && fb.media_ssrc == ssrc)
			return 1;
	}
	return 0;
}

static int setup(void)
{
	if (br_connect(&H, &P, 0, T_P, SL_SRTP_AES128_CM_SHA1_80, 1) ||
	    br_connect(&H, &C, LC_C, T_C, SL_SRTP_AEAD_AES_128_GCM, 2))
		return -1;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_ADD;
	m.h.transport_id = T_P;
	struct sl_msg_producer_add *a = &m.u.producer_add;
	a->producer_id = PROD;
	a->ssrc = L_SSRC[0];
	a->rtx_ssrc = L_RTX[0];
	a->kind = SL_KIND_VIDEO;
	a->payload_type = P_PT;
	a->rtx_payload_type = P_PT + 1;
	a->n_pt = 2;
	a->pts[0] = P_PT;
	a->pts[1] = P_PT + 1;
	a->clock_rate = 90000;
	a->pli = 1;
	a->n_layers = LAYERS;
	a->codec = SL_CODEC_VP8;
	for (unsigned int l = 0; l < LAYERS; l++) {
		a->layer_ssrc[l] = L_SSRC[l];
		a->layer_rtx_ssrc[l] = L_RTX[l];
	}
	/* refused: a layer SSRC repeated, a layer 0 that is not ssrc */
	struct sl_msg bad = m;
	bad.u.producer_add.layer_ssrc[2] = L_SSRC[1];
	CHECK_EQ(mh_cmd(&H, 0, &bad), -EEXIST);
	bad = m;
	bad.u.producer_add.layer_ssrc[0] = 0x5555u;
	CHECK(mh_cmd(&H, 0, &bad) != 0);
	int rc = mh_cmd(&H, 0, &m);
	CHECK_EQ(rc, 0);
	if (rc)
		return -1;
	CHECK_EQ(mh_lc(&H, 0)->producers, 1);
	if (LC_C != 0) {
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_FANOUT;
		m.h.transport_id = T_P;
		m.u.producer_fanout.producer_id = PROD;
		m.u.producer_fanout.lcore_mask = 1ull << LC_C;
		if (mh_cmd(&H, 0, &m) != 0)
			return -1;
	}
	const struct mh_consumer c = {.tid = T_C, .id = CONS, .producer_id = PROD,
				      .ssrc = C_SSRC, .pt = C_PT};
	return mh_consumer_add(&H, LC_C, &c);
}

static void test_switching(void)
{
	/* layer 0 alone: delta frames before the first key frame are not sent */
	send_frame(0, 0);
	send_frame(0, 1);
	expect(0, 1);
	for (int i = 0; i < 3; i++) {
		send_frame(0, 0);
		expect(0, 0);
	}

	/* layer 1 appears (deltas): the consumer stays on layer 0, a PLI for
	 * layer 1 goes to the producer */
	uint64_t pli = mh_wait_ge(&H, &mh_tc(&H, T_P)->pli_out, LAYERS); /* the first key frame's */
	CHECK(pli >= LAYERS);
	for (int i = 0; i < 5; i++) {
		send_frame(1, 0);
		send_frame(0, 0);
		expect(0, 0);
	}
	CHECK(mh_wait_ge(&H, &mh_tc(&H, T_P)->pli_out, pli + 1) >= pli + 1);
	CHECK(expect_pli_for(L_SSRC[1]));
	/* layer 0's next packet as RTX: unwrapped as layer 0's */
	{
		uint8_t rtp[256];
		uint16_t seq = (uint16_t)(L_SEQ0[0] + g_seq[0]++);
		uint32_t frame = g_frames[0]++;
		size_t n = build_vp8(rtp, 0, seq, L_TS0[0] + frame * 3000u, frame, 0);
		CHECK(br_send_rtx(&P, rtp, n, L_RTX[0], P_PT + 1, g_rtx_seq++) > 0);
		expect(0, 0);
	}
	/* layer 1's key frame: switch; layer 0 no more */
	send_frame(0, 0);
	expect(0, 0);
	send_frame(1, 1);
	expect(1, 1);
	for (int i = 0; i < 5; i++) {
		send_frame(0, 0);
		send_frame(0, 1); /* a key frame of a lower layer does not switch down */
		send_frame(1, 0);
		expect(1, 0);
	}

	/* layer 2: the same */
	pli = mh_tc(&H, T_P)->pli_out;
	for (int i = 0; i < 4; i++) {
		send_frame(2, 0);
		send_frame(0, 0);
		send_frame(1, 0);
		expect(1, 0);
	}
	CHECK(mh_wait_ge(&H, &mh_tc(&H, T_P)->pli_out, pli + 1) >= pli + 1);
	CHECK(expect_pli_for(L_SSRC[2]));
	send_frame(2, 1);
	expect(2, 1);
	for (int i = 0; i < 4; i++) {
		send_frame(0, 0);
		send_frame(1, 0);
		send_frame(2, 0);
		expect(2, 0);
	}
	CHECK(!rtp_pending()); /* nothing of another layer came after the last one */
	/* SRs: layer 2 (the consumer's) sends one, then packets of every layer
	 * with layer 2's first: the consumer's SR is mapped from layer 2's */
	CHECK_EQ(br_send_sr(&H, &P, L_SSRC[2], 0x1122334455667788ull, L_TS0[2]), 0);
	send_frame(2, 0);
	send_frame(0, 0);
	send_frame(1, 0);
	expect(2, 0);
	struct dp_rtcp_sr sr;
	memset(&sr, 0, sizeof(sr));
	CHECK_EQ(br_recv_sr(&H, &C, 20, 1, &sr), 0);
	CHECK_EQ(sr.ssrc, C_SSRC);
	CHECK(sr.ntp >= 0x1122334455667788ull);

	/* layer 2 stops: layers 0 and 1 go on, layer 1 with a key frame every
	 * 10th frame; the first packet the consumer gets is one of those */
	int got = 0;
	for (int i = 0; i < 600 && !got; i++) {
		send_frame(0, 0);
		send_frame(1, i % 10 == 9);
		usleep(5000);
		got = rtp_pending();
	}
	CHECK(got);
	/* what was on its way meanwhile: the key frame, then layer 1 deltas up
	 * to a fence */
	send_frame(1, 0);
	uint16_t fence = (uint16_t)(L_SEQ0[1] + g_seq[1] - 1u);
	int first = 1;
	for (int i = 0; got && i < 100; i++) {
		int tag = expect(1, first);
		first = 0;
		if (tag < 0 || tag == fence)
			break;
	}
	for (int i = 0; i < 3; i++) {
		send_frame(0, 0);
		send_frame(1, 0);
		expect(1, 0);
	}
	/* layer 2 is back: a switch up on its key frame again */
	for (int i = 0; i < 3; i++) {
		send_frame(2, 0);
		send_frame(1, 0);
		expect(1, 0);
	}
	send_frame(2, 1);
	expect(2, 1);
	send_frame(1, 0);
	send_frame(2, 0);
	expect(2, 0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap-interface>\n", argv[0]);
		return 2;
	}
	if (mh_init(&H, argv[1]) != 0 || dp_srtp_global_init() != 0)
		return 1;
	LC_C = H.hdr->n_lcores >= 2 ? 1 : 0;
	printf("test_media_simulcast: %u worker lcores, consumer on lcore %u\n", H.hdr->n_lcores,
	       LC_C);
	int rc = setup();
	CHECK_EQ(rc, 0);
	if (rc == 0)
		test_switching();
	CHECK_EQ(mh_drops(&H, SL_DROP_RTP_MALFORMED), 0);
	CHECK_EQ(mh_drops(&H, SL_DROP_RTP_STALE), 0);
	/* removing the producer removes every layer's stream */
	CHECK_EQ(mh_cmd_ref(&H, 0, SL_MSG_PRODUCER_REMOVE, T_P, PROD), 0);
	CHECK_EQ(mh_lc(&H, 0)->producers, 0);
	CHECK_EQ(mh_tc(&H, T_P)->drops[SL_DROP_NO_PRODUCER], 0);
	uint8_t rtp[256];
	size_t n = build_vp8(rtp, 2, 1, 1, 0, 0);
	CHECK(br_send_srtp(&P, rtp, n, NULL) > 0);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, T_P)->drops[SL_DROP_NO_PRODUCER], 1), 1);
	br_close(&P);
	br_close(&C);
	mh_fini(&H);
	return check_report("test_media_simulcast");
}
