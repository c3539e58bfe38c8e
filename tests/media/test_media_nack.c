/* SPDX-License-Identifier: MIT */
/*
 * test_media_nack - loss recovery of the data plane, packet by packet (run
 * by run_media_e2e.sh with one worker, like test_media_e2e). One producer
 * (video, nack, RTX) and two consumers that negotiated nack: C1 with an RTX
 * SSRC/PT, C2 without. Checks:
 *  (a) a gap of two producer packets makes the data plane NACK the
 *      producer (SRTCP, server SSRC -> producer SSRC) naming exactly those
 *      seqs, again while they are missing; once they arrive (one late, one
 *      as RTX of the producer) no NACK names them any more (every NACK sent
 *      after their arrival was counted names only a newer gap);
 *  (b) C1's NACK for 3 seqs it received is answered with 3 RTX packets:
 *      RTX SSRC and PT, consecutive RTX seqs, OSN = the seqs asked, the
 *      payload after the OSN identical to the original, the original's
 *      (rewritten) timestamp, a fresh transport-wide seq;
 *  (c) C2's NACK (for packets it "lost": received but never decrypted) is
 *      answered with the byte-identical SRTP datagrams, which decrypt to
 *      the same seq, timestamp and payload;
 *  (f) one datagram naming a seq twice is answered once; a NACK right after
 *      it adds at most one more (the per-seq rate limit);
 *  a paused consumer's NACK is counted and answered with nothing;
 *  (d) seqs never forwarded, and a seq older than the buffer's age limit,
 *      are counted as rtx_miss and nothing is sent;
 *  (e) nack_in, nack_seqs_in, rtx_out, rtx_miss (consumer transports) and
 *      nack_out (producer transport, = NACKs the producer received) exact.
 * Nothing is asserted about time: waits are bounded, a command round trip
 * orders checks after the packets the lcore processed before it.
 * With two or more workers C1 lives on lcore 1 (its producer's packets
 * come through the handoff ring; its buffer and NACKs are there), the
 * producer and C2 on lcore 0.
 *
 *   test_media_nack <shm-name> <tap-interface>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/check.h"
#include "dp_bytes.h"
#include "dp_rtcp.h"
#include "media_harness.h"

enum { T_P = 1, T_C1 = 2, T_C2 = 3 };

#define PROD 100u
#define P_SSRC 0x11110000u
#define P_RTX 0x11110001u
#define C1 200u
#define C2 201u
#define C1_SSRC 0xc1000001u
#define C1_RTX 0xc1000011u
#define C1_PT 101
#define C1_RTX_PT 102
#define C2_SSRC 0xc2000002u
#define C2_PT 96
#define EXT_ABS 2   /* the consumers' ids */
#define EXT_TCC 3
#define PAYLOAD 200u
#define S0 65530u   /* first producer seq: the test crosses the 16-bit wrap */
#define NREC 64u

static struct mh H;
static struct browser P, B1, B2;
static unsigned int LC_C1; /* C1's lcore; the others are on 0 */

static unsigned int lc_of(uint32_t tid)
{
	return tid == T_C1 ? LC_C1 : 0;
}

/* What a consumer received for producer seq S0 + i (its own seq is that
 * + off: C1 was paused for 10 packets before, C2 never). */
struct rec {
	int have;
	uint32_t ts;
	int raw_len;
	uint8_t raw[1400];  /* the SRTP datagram */
};

struct cons {
	struct browser *b;
	uint32_t tid, ssrc;
	uint8_t pt;
	int have_twcc;
	uint16_t twcc_next;     /* transport-wide seq the next packet must carry */
	uint16_t off;           /* consumer seq - producer seq */
	int have_rtx;
	uint16_t rtx_next;      /* RTX seq the next retransmission must carry */
	struct rec r[NREC];
};
static struct cons K1, K2;

static unsigned int g_nacks; /* NACK packets the producer received */

#define CHECK_CTR(ptr, want) CHECK_EQ(mh_wait_ge(&H, (ptr), (want)), (want))

/* Producer seq and timestamp of packet i (i < 0: the warm-up). */
static uint16_t sq(int i)
{
	return (uint16_t)(S0 + (unsigned int)i);
}

static uint32_t ts_of(int i)
{
	return 1000u + (uint32_t)i * 3000u;
}

/* k's sequence number for producer packet i. */
static uint16_t csq(const struct cons *k, int i)
{
	return (uint16_t)(sq(i) + k->off);
}

/* ---- set-up ---- */

static int cmd_ref(uint16_t type, uint32_t tid, uint32_t id)
{
	return mh_cmd_ref(&H, lc_of(tid), type, tid, id);
}

/* A command round trip to every lcore in use (about no consumer): each
 * finished every packet it took before. */
static void barrier(void)
{
	CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_PAUSE, T_C2, 9999), -ENOENT);
	if (LC_C1 != 0)
		CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_PAUSE, T_C1, 9999), -ENOENT);
}

static void setup(void)
{
	const struct mh_producer prod = {
		.tid = T_P, .id = PROD, .ssrc = P_SSRC, .rtx_ssrc = P_RTX, .pt = 96,
		.flags = MH_BR_EXTS | MH_NACK | MH_PLI | MH_TCC,
		.fanout = 1ull << LC_C1 | 1ull << lc_of(T_C2),
	};
	const struct sl_ext_ids ext = {.abs_send_time = EXT_ABS, .transport_cc = EXT_TCC};
	const struct mh_consumer c1 = {
		.tid = T_C1, .id = C1, .producer_id = PROD, .ssrc = C1_SSRC, .pt = C1_PT,
		.rtx_ssrc = C1_RTX, .rtx_pt = C1_RTX_PT, .ext = ext, .flags = MH_NACK | MH_PLI,
	};
	const struct mh_consumer c2 = {
		.tid = T_C2, .id = C2, .producer_id = PROD, .ssrc = C2_SSRC, .pt = C2_PT,
		.ext = ext, .flags = MH_NACK | MH_PLI,
	};
	CHECK_EQ(br_connect(&H, &P, lc_of(T_P), T_P, SL_SRTP_AEAD_AES_128_GCM, 1), 0);
	CHECK_EQ(br_connect(&H, &B1, lc_of(T_C1), T_C1, SL_SRTP_AES128_CM_SHA1_80, 2), 0);
	CHECK_EQ(br_connect(&H, &B2, lc_of(T_C2), T_C2, SL_SRTP_AEAD_AES_128_GCM, 3), 0);
	CHECK_EQ(mh_producer_add(&H, lc_of(T_P), &prod), 0);
	CHECK_EQ(mh_consumer_add(&H, lc_of(T_C1), &c1), 0);
	CHECK_EQ(mh_consumer_add(&H, lc_of(T_C2), &c2), 0);
	K1 = (struct cons){.b = &B1, .tid = T_C1, .ssrc = C1_SSRC, .pt = C1_PT};
	K2 = (struct cons){.b = &B2, .tid = T_C2, .ssrc = C2_SSRC, .pt = C2_PT};
}

/* ---- packets ---- */

static void send_media(int i)
{
	uint8_t rtp[2048];
	size_t len = br_build_rtp(rtp, P_SSRC, 96, sq(i), ts_of(i), (uint16_t)(i + 500), PAYLOAD);
	CHECK(br_send_srtp(&P, rtp, len, NULL) > 0);
}

static void send_media_rtx(unsigned int i, uint16_t rtx_seq)
{
	uint8_t rtp[2048];
	size_t len = br_build_rtp(rtp, P_SSRC, 96, sq(i), ts_of(i), (uint16_t)(i + 500), PAYLOAD);
	CHECK(br_send_rtx(&P, rtp, len, P_RTX, 97, rtx_seq) > 0);
}

/* The transport-wide seq of r, which must continue k's. */
static void check_twcc(struct cons *k, const struct rx_rtp *r)
{
	int t = rx_ext_find(r, EXT_TCC);
	CHECK(t >= 0 && r->ext_len[t] == 2);
	if (t < 0)
		return;
	uint16_t v = dp_get_be16(r->buf + r->ext_off[t]);
	if (k->have_twcc)
		CHECK_EQ(v, k->twcc_next);
	k->twcc_next = (uint16_t)(v + 1u);
	k->have_twcc = 1;
}

static int payload_is(const struct rx_rtp *r, uint32_t skip, uint16_t seq)
{
	if (r->payload_len != PAYLOAD + skip)
		return 0;
	for (uint32_t i = 0; i < PAYLOAD; i++)
		if (r->buf[r->payload_off + skip + i] != br_payload_byte(seq, i))
			return 0;
	return 1;
}

/* k receives the producer packet i (i < 0: not recorded); decrypted and
 * checked unless lose (then only kept raw: "lost"). */
static void expect_media(struct cons *k, int i, int lose)
{
	uint8_t raw[2048];
	struct rx_rtp r;
	int n = br_recv_rtp_raw(&H, k->b, raw, sizeof(raw));
	CHECK(n > 0 && (size_t)n <= sizeof(k->r[0].raw));
	if (n <= 0 || (size_t)n > sizeof(k->r[0].raw))
		return;
	if (i >= 0) {
		k->r[i].have = 1;
		k->r[i].raw_len = n;
		k->r[i].ts = ts_of(i);
		memcpy(k->r[i].raw, raw, (size_t)n);
	}
	if (lose) {
		k->twcc_next++; /* it took one */
		return;
	}
	CHECK_EQ(br_unprotect_rtp(k->b, raw, (size_t)n, &r), 0);
	CHECK_EQ(r.ssrc, k->ssrc);
	CHECK_EQ(r.pt, k->pt);
	CHECK_EQ(r.seq, csq(k, i));
	CHECK_EQ(r.ts, ts_of(i));
	CHECK(payload_is(&r, 0, sq(i)));
	check_twcc(k, &r);
}

static void media_to_all(int i, int lose2)
{
	send_media(i);
	expect_media(&K1, i, 0);
	expect_media(&K2, i, lose2);
}

/* C1 misses 10 packets while paused: from then on its numbers run 10
 * behind the producer's, so mapping back is seen at work. */
static void warm_up(void)
{
	for (int i = -20; i < 0; i++) {
		if (i == -10)
			CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_PAUSE, T_C1, C1), 0);
		send_media(i);
		if (i < -10)
			expect_media(&K1, i, 0);
		expect_media(&K2, i, 0);
	}
	CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_RESUME, T_C1, C1), 0);
	K1.off = (uint16_t)-10; /* continues at its last + 1 */
}

/* ---- the producer's side: NACKs it receives ---- */

/* The next NACK the producer receives (other RTCP skipped): its seqs in
 * out (cap), count in *n. 0, or -1 when none came. */
static int p_next_nack(uint16_t *out, size_t cap, size_t *n)
{
	uint8_t sub[1500];
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_nack nk;
	int len = br_recv_rtcp(&H, &P, 1000, 0, DP_RTCP_PT_RTPFB, DP_RTCP_FMT_NACK, sub,
			       sizeof(sub));
	CHECK(len != -2); /* only (valid) SRTCP goes to the producer */
	if (len <= 0)
		return -1;
	int ok = dp_rtcp_pkt_parse(sub, (size_t)len, &pkt) == DP_RTCP_OK &&
		 dp_rtcp_parse_nack(&pkt, &nk) == DP_RTCP_OK;
	CHECK(ok);
	if (!ok)
		return -1;
	CHECK_EQ(pkt.len, len); /* one NACK per datagram: nothing after it */
	CHECK_EQ(nk.sender_ssrc, MH_SERVER_SSRC);
	CHECK_EQ(nk.media_ssrc, P_SSRC);
	g_nacks++;
	*n = dp_rtcp_nack_lost(&nk, out, cap);
	return 0;
}

static int set_is(const uint16_t *s, size_t n, uint16_t a, uint16_t b)
{
	return n == 2 && s[0] == a && s[1] == b;
}

/* (a) */
static void test_nack_to_producer(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	uint16_t s[64];
	size_t n = 0;

	for (int i = 0; i <= 4; i++)
		media_to_all(i, i == 3 || i == 4); /* C2 "loses" 3 and 4 */
	CHECK_EQ(tp->nack_out, 0); /* no gap, no NACK */
	media_to_all(7, 0);        /* 5 and 6 missing (65535 and 0) */
	/* NACKed, and again while missing */
	for (int k = 0; k < 2; k++) {
		CHECK_EQ(p_next_nack(s, 64, &n), 0);
		CHECK(set_is(s, n, sq(5), sq(6)));
	}
	CHECK(tp->nack_out >= 2);
	/* they arrive: 5 late, 6 as RTX from the producer */
	send_media(5);
	send_media_rtx(6, 4242);
	CHECK_CTR(&tp->rtp_in, 28);
	expect_media(&K1, 5, 0);
	expect_media(&K2, 5, 0);
	expect_media(&K1, 6, 0);
	expect_media(&K2, 6, 0);
	/* NACKs counted from here on were built after both arrived */
	uint64_t k0 = tp->nack_out;
	/* Were 5 and 6 still listed, they would be asked for again meanwhile
	 * (sleeping longer only makes that more certain; nothing below
	 * depends on it) */
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 150 * 1000000L};
	nanosleep(&pause, NULL);
	media_to_all(9, 0); /* 8 missing */
	int got8 = 0;
	while (!got8) {
		if (p_next_nack(s, 64, &n) != 0) {
			CHECK(0);
			break;
		}
		if (g_nacks <= k0) { /* possibly before the arrival */
			CHECK(set_is(s, n, sq(5), sq(6)));
			continue;
		}
		CHECK(n == 1 && s[0] == sq(8)); /* never 5 or 6 again */
		got8 = n == 1 && s[0] == sq(8);
	}
	send_media(8);
	CHECK_CTR(&tp->rtp_in, 30);
	expect_media(&K1, 8, 0);
	expect_media(&K2, 8, 0);
	barrier(); /* 8 is off the list: nack_out is final */
	uint64_t out = tp->nack_out;
	while (g_nacks < out && p_next_nack(s, 64, &n) == 0)
		CHECK(n == 1 && s[0] == sq(8));
	CHECK_EQ(g_nacks, out);
	CHECK_EQ(tp->nack_out, out);
	CHECK_EQ(tp->nack_in, 0);
	CHECK_EQ(tp->rtx_out, 0);
}

/* ---- consumers' NACKs ---- */

/* Sends from k's browser one SRTCP datagram with `copies` NACK
 * sub-packets for media SSRC media, each listing seqs[0 .. n). */
static void send_nack(struct cons *k, uint32_t media, const uint16_t *seqs, size_t n, int copies)
{
	uint8_t buf[1500];
	size_t len = 0;
	for (int c = 0; c < copies; c++) {
		size_t l = dp_rtcp_build_nack(buf + len, 600, k->ssrc + 7u, media, seqs, n);
		CHECK(l > 0);
		len += l;
	}
	CHECK(br_send_srtcp(k->b, buf, len, sizeof(buf)) > 0);
}

/* k receives an RTX packet (C1) for producer packet i; RTX seqs are
 * consecutive. */
static void expect_rtx(struct cons *k, int i)
{
	uint8_t raw[2048];
	struct rx_rtp r;
	int n = br_recv_rtp_raw(&H, k->b, raw, sizeof(raw));
	CHECK(n > 0);
	if (n <= 0 || br_unprotect_rtp(k->b, raw, (size_t)n, &r) != 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ(r.ssrc, C1_RTX);
	CHECK_EQ(r.pt, C1_RTX_PT);
	if (k->have_rtx)
		CHECK_EQ(r.seq, k->rtx_next);
	k->rtx_next = (uint16_t)(r.seq + 1u);
	k->have_rtx = 1;
	CHECK_EQ(r.ts, k->r[i].ts); /* the original's, rewritten */
	/* OSN: the consumer's seq it stands for */
	CHECK(r.payload_len >= 2 && dp_get_be16(r.buf + r.payload_off) == csq(k, i));
	CHECK(payload_is(&r, 2, sq(i)));
	check_twcc(k, &r); /* a new packet on the wire */
}

/* (b) */
static void test_rtx_answer(void)
{
	struct sl_transport_counters *c1 = mh_tc(&H, T_C1);
	uint16_t ask[3] = {csq(&K1, 1), csq(&K1, 2), csq(&K1, 5)};
	send_nack(&K1, C1_SSRC, ask, 3, 1);
	expect_rtx(&K1, 1);
	expect_rtx(&K1, 2);
	expect_rtx(&K1, 5);
	CHECK_CTR(&c1->rtx_out, 3);
	CHECK_EQ(c1->nack_in, 1);
	CHECK_EQ(c1->nack_seqs_in, 3);
	CHECK_EQ(c1->rtx_miss, 0);
	/* the RTX stream goes on where it was: one more later */
	uint16_t one[1] = {csq(&K1, 7)};
	send_nack(&K1, C1_SSRC, one, 1, 1);
	expect_rtx(&K1, 7);
	CHECK_CTR(&c1->rtx_out, 4);
}

/* (c) */
static void test_plain_answer(void)
{
	struct sl_transport_counters *c2 = mh_tc(&H, T_C2);
	uint16_t ask[2] = {csq(&K2, 3), csq(&K2, 4)};
	send_nack(&K2, C2_SSRC, ask, 2, 1);
	for (int i = 3; i <= 4; i++) {
		uint8_t raw[2048];
		struct rx_rtp r;
		int n = br_recv_rtp_raw(&H, &B2, raw, sizeof(raw));
		CHECK_EQ(n, K2.r[i].raw_len);
		CHECK(n > 0 && memcmp(raw, K2.r[i].raw, (size_t)n) == 0); /* the same datagram */
		CHECK_EQ(br_unprotect_rtp(&B2, raw, (size_t)n, &r), 0); /* the first never was */
		CHECK_EQ(r.ssrc, C2_SSRC);
		CHECK_EQ(r.pt, C2_PT);
		CHECK_EQ(r.seq, csq(&K2, i));
		CHECK_EQ(r.ts, ts_of(i));
		CHECK(payload_is(&r, 0, sq(i)));
	}
	CHECK_CTR(&c2->rtx_out, 2);
	CHECK_EQ(c2->nack_in, 1);
	CHECK_EQ(c2->nack_seqs_in, 2);
	CHECK_EQ(c2->rtx_miss, 0);
	/* nothing else came: the next packet on C2 is new media */
	media_to_all(10, 0);
}

/* (f) */
static void test_rate_limit(void)
{
	struct sl_transport_counters *c1 = mh_tc(&H, T_C1);
	uint64_t out0 = c1->rtx_out, in0 = c1->nack_in, seqs0 = c1->nack_seqs_in;
	uint16_t ask[1] = {csq(&K1, 9)};
	/* one datagram, the seq twice: one clock reading, one answer */
	send_nack(&K1, C1_SSRC, ask, 1, 2);
	CHECK_CTR(&c1->nack_in, in0 + 2);
	barrier();
	CHECK_EQ(c1->nack_seqs_in, seqs0 + 2);
	CHECK_EQ(c1->rtx_out, out0 + 1);
	expect_rtx(&K1, 9);
	/* a NACK right after: at most one more, whatever the clock did */
	send_nack(&K1, C1_SSRC, ask, 1, 1);
	CHECK_CTR(&c1->nack_in, in0 + 3);
	barrier();
	uint64_t extra = c1->rtx_out - (out0 + 1);
	CHECK(extra <= 1);
	if (extra == 1)
		expect_rtx(&K1, 9);
	media_to_all(11, 0); /* and nothing else came before it */
	CHECK_EQ(c1->rtx_miss, 0);
}

/* a paused consumer */
static void test_paused(void)
{
	struct sl_transport_counters *c2 = mh_tc(&H, T_C2);
	uint64_t out0 = c2->rtx_out, seqs0 = c2->nack_seqs_in, miss0 = c2->rtx_miss;
	uint64_t paused0 = c2->drops[SL_DROP_CONSUMER_PAUSED];
	CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_PAUSE, T_C2, C2), 0);
	uint16_t ask[2] = {csq(&K2, 10), csq(&K2, 11)};
	send_nack(&K2, C2_SSRC, ask, 2, 1);
	CHECK_CTR(&c2->nack_seqs_in, seqs0 + 2);
	barrier();
	CHECK_EQ(c2->rtx_out, out0);
	CHECK_EQ(c2->rtx_miss, miss0);
	CHECK_EQ(c2->drops[SL_DROP_CONSUMER_PAUSED], paused0); /* not even tried */
	/* resumed, C2's next RTP datagram is new media (continuing at last
	 * + 1, which is the producer's seq here) */
	CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_RESUME, T_C2, C2), 0);
	media_to_all(12, 0);
}

/* (d) */
static void test_miss(void)
{
	struct sl_transport_counters *c1 = mh_tc(&H, T_C1);
	uint64_t out0 = c1->rtx_out, seqs0 = c1->nack_seqs_in, miss0 = c1->rtx_miss;
	uint64_t in0 = c1->nack_in;
	/* never handed out (ahead of the newest), and a seq before the first */
	uint16_t ask[2] = {csq(&K1, 40), csq(&K1, -13)};
	send_nack(&K1, C1_SSRC, ask, 2, 1);
	CHECK_CTR(&c1->rtx_miss, miss0 + 2);
	/* a NACK about an SSRC that is no consumer here: counted, no seqs */
	send_nack(&K1, 0xdeadbeefu, ask, 2, 1);
	CHECK_CTR(&c1->nack_in, in0 + 2);
	/* older than the buffer keeps packets (1 s): wait it out */
	struct timespec ts = {.tv_sec = 1, .tv_nsec = 200 * 1000000L};
	nanosleep(&ts, NULL);
	uint16_t old[1] = {csq(&K1, 2)};
	send_nack(&K1, C1_SSRC, old, 1, 1);
	CHECK_CTR(&c1->rtx_miss, miss0 + 3);
	barrier();
	CHECK_EQ(c1->nack_seqs_in, seqs0 + 3);
	CHECK_EQ(c1->rtx_out, out0);
	/* nothing was sent: the next RTP datagram of C1 is new media */
	media_to_all(13, 0);
}

/* (e) */
static void test_counters(void)
{
	struct sl_transport_counters *c1 = mh_tc(&H, T_C1), *c2 = mh_tc(&H, T_C2);
	barrier();
	/* C1: (b) 1 + 1, (f) 2 + 1, (d) 3 NACK packets */
	CHECK_EQ(c1->nack_in, 8);
	CHECK_EQ(c1->nack_seqs_in, 3 + 1 + 3 + 3);
	CHECK(c1->rtx_out == 3 + 1 + 1 || c1->rtx_out == 3 + 1 + 2); /* (f): clock */
	CHECK_EQ(c1->rtx_miss, 3);
	CHECK_EQ(c1->nack_out, 0);
	/* C2: (c) 1, paused 1 */
	CHECK_EQ(c2->nack_in, 2);
	CHECK_EQ(c2->nack_seqs_in, 4);
	CHECK_EQ(c2->rtx_out, 2);
	CHECK_EQ(c2->rtx_miss, 0);
	CHECK_EQ(c2->nack_out, 0);
	CHECK_EQ(mh_tc(&H, T_P)->nack_out, g_nacks);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap-interface>\n", argv[0]);
		return 2;
	}
	srand(1);
	if (mh_init(&H, argv[1]) != 0)
		return 1;
	if (dp_srtp_global_init() != 0)
		return 1;
	LC_C1 = H.hdr->n_lcores >= 2 ? 1 : 0;
	printf("test_media_nack: %u worker lcores, C1 on lcore %u\n", H.hdr->n_lcores, LC_C1);
	setup();
	warm_up();
	test_nack_to_producer();
	test_rtx_answer();
	test_plain_answer();
	test_rate_limit();
	test_paused();
	test_miss();
	test_counters();
	CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_REMOVE, T_C1, C1), 0);
	CHECK_EQ(cmd_ref(SL_MSG_TRANSPORT_DESTROY, T_C2, 0), 0);
	CHECK_EQ(cmd_ref(SL_MSG_TRANSPORT_DESTROY, T_P, 0), 0);
	br_close(&P);
	br_close(&B1);
	br_close(&B2);
	mh_fini(&H);
	return check_report("test_media_nack");
}
