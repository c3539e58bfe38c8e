/* SPDX-License-Identifier: MIT */
/*
 * test_media_budget - the data plane's budgets (issue 12 item 4,
 * dataplane/media/dp_budget.c), run by run_media_e2e.sh like the other
 * media tests (one worker; with two, C1 lives on lcore 1 and its key-frame
 * requests travel through the handoff ring). This program plays the
 * control plane, and it decides when the event ring is read: while it does
 * not pump, events stay in the ring, which is how the tests hold DTLS "in
 * flight" and fill the ring. Checks:
 *  (a) SRTCP from many new sender SSRCs on a producer transport: every one
 *      dropped as rtcp_unknown_ssrc before unprotect (rtcp_in does not
 *      move); a receiving transport learns at most DP_TP_RX_SSRCS (8)
 *      sender SSRCs, the rest dropped; the known SSRCs still pass;
 *  (b) DTLS before the keys: at most 8 datagrams of one transport wait in
 *      the event ring, the rest dropped as dtls_inflight; once read, the
 *      next ones pass again;
 *  (c) DTLS look-alikes after the keys (application data, handshake past
 *      the 8 late ones): dropped as dtls_after_connect, no event; an
 *      alert still reaches the control plane;
 *  (d) two consumers resumed 100 ms apart (RESUME + REQUEST_KEYFRAME, as
 *      the control plane does): the producer gets two PLIs, the second
 *      sent when the window ends without any request more (deferred, not
 *      dropped); consumers' own PLIs 100 ms apart: two PLIs reach the
 *      producer and no KEYFRAME_REQUEST event is made (routed on the data
 *      plane, through the handoff ring across lcores);
 *  (e) a flood of low-priority events (key-frame requests for producers the
 *      lcore cannot reach, 64 consumers) while the control plane does not
 *      read: shed (evt_shed) above the fill level, and an ICE_SELECTED and
 *      a DTLS datagram of another transport set up meanwhile both arrive;
 *      nothing counted as evt_ring_full;
 *  (f) the event ring full of command results (NOOPs): commands wait in
 *      their ring (back-pressure: every NOOP applied and answered, no
 *      event dropped for a full ring), an
 *      ICE_SELECTED that found the ring full is deferred (evt_deferred)
 *      and arrives once the ring drains.
 * Nothing is asserted about time: every wait is bounded by iterations.
 *
 *   test_media_budget <shm-name> <tap-interface>
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit/check.h"
#include "dp_rtcp.h"
#include "media_harness.h"

enum { T_P = 1, T_C1 = 2, T_C2 = 3, T_F = 4, T_D = 5, T_B = 6, T_B2 = 7 };

#define PROD 100u
#define P_SSRC 0x11110000u
#define P_RTX 0x11110001u
#define C1 200u
#define C2 201u
#define C1_SSRC 0xc1000001u
#define C2_SSRC 0xc2000002u
#define NF 64u          /* flood consumers on T_F */
#define F_CONS 300u     /* their ids */
#define F_PROD 600u     /* the producer ids they consume (on no lcore) */
#define F_SSRC 0xf0000000u
#define RX_SSRCS 8u     /* DP_TP_RX_SSRCS */
#define INFLIGHT 8u     /* DP_DTLS_INFLIGHT */
#define LATE 8u         /* DP_DTLS_LATE_MAX */
#define PAYLOAD 200u

static struct mh H;
static struct browser P, B1, B2, BF, BD, BB, BB2;
static unsigned int LC_C1;
static uint16_t g_seq = 1000;

static unsigned int lc_of(uint32_t tid)
{
	return tid == T_C1 ? LC_C1 : 0;
}

static int cmd_ref(uint16_t type, uint32_t tid, uint32_t id)
{
	return mh_cmd_ref(&H, lc_of(tid), type, tid, id);
}

/* ---- waiting without reading the event ring ---- */

/* Waits (bounded, without pumping) until *p >= want; the last value. */
static uint64_t wait_nopump(const volatile uint64_t *p, uint64_t want)
{
	uint64_t v = *p;
	for (int i = 0; i < MH_WAIT_ITERS && v < want; i++) {
		usleep(1000);
		v = *p;
	}
	return v;
}

/* Counts of what pump_all took out of the harness queue. */
struct taken {
	unsigned int dtls[16]; /* DTLS_RECV per transport id (slots freed) */
	unsigned int kf;       /* KEYFRAME_REQUEST */
};

/* Takes DTLS_RECV and KEYFRAME_REQUEST out of the harness queue
 * (so that thousands of them never push other events out), counting. */
static void filter(struct taken *tk)
{
	unsigned int w = 0;
	for (unsigned int i = 0; i < H.evq_n; i++) {
		const struct sl_msg *m = &H.evq[i];
		if (m->h.type == SL_MSG_DTLS_RECV) {
			cp_dp_slot_free(&H.dp, m->u.packet.slot);
			if (m->h.transport_id < 16)
				tk->dtls[m->h.transport_id]++;
			continue;
		}
		if (m->h.type == SL_MSG_KEYFRAME_REQUEST) {
			tk->kf++;
			continue;
		}
		H.evq[w++] = *m;
	}
	H.evq_n = w;
}

/* Reads the event rings until they stayed empty for 50 pumps. */
static void pump_all(struct taken *tk)
{
	uint64_t last = MH_LSUM(&H, evts);
	int quiet = 0;
	for (int i = 0; i < MH_WAIT_ITERS && quiet < 50; i++) {
		mh_pump(&H);
		filter(tk);
		uint64_t now = MH_LSUM(&H, evts);
		quiet = now == last ? quiet + 1 : 0;
		last = now;
		usleep(1000);
	}
}

/* An ICE check with USE-CANDIDATE whose answer is awaited on the socket
 * only (the event ring is not read). 0 or -1. */
static int ice_nopump(struct browser *b)
{
	uint8_t req[512], resp[2048], txid[12];
	size_t len = br_stun_request(&H, b, req, sizeof(req), 1, b->pwd, b->ufrag, txid);
	if (len == 0 || br_send(b, req, len) != 0)
		return -1;
	struct pollfd pfd = {.fd = b->fd, .events = POLLIN};
	if (poll(&pfd, 1, 20000) != 1)
		return -1;
	return recv(b->fd, resp, sizeof(resp), 0) > 20 ? 0 : -1;
}

/* ---- set-up ---- */

static void setup(void)
{
	const struct mh_producer prod = {
		.tid = T_P, .id = PROD, .ssrc = P_SSRC, .rtx_ssrc = P_RTX, .pt = 96,
		.flags = MH_BR_EXTS | MH_PLI, .fanout = 1ull << LC_C1 | 1ull,
	};
	const struct mh_consumer c1 = {.tid = T_C1, .id = C1, .producer_id = PROD,
				       .ssrc = C1_SSRC, .pt = 96, .flags = MH_PLI | MH_PAUSED};
	const struct mh_consumer c2 = {.tid = T_C2, .id = C2, .producer_id = PROD,
				       .ssrc = C2_SSRC, .pt = 96, .flags = MH_PLI | MH_PAUSED};
	CHECK_EQ(br_connect(&H, &P, 0, T_P, SL_SRTP_AEAD_AES_128_GCM, 1), 0);
	CHECK_EQ(br_connect(&H, &B1, LC_C1, T_C1, SL_SRTP_AES128_CM_SHA1_80, 2), 0);
	CHECK_EQ(br_connect(&H, &B2, 0, T_C2, SL_SRTP_AEAD_AES_128_GCM, 3), 0);
	CHECK_EQ(br_connect(&H, &BF, 0, T_F, SL_SRTP_AES128_CM_SHA1_80, 4), 0);
	CHECK_EQ(mh_producer_add(&H, 0, &prod), 0);
	CHECK_EQ(mh_consumer_add(&H, LC_C1, &c1), 0);
	CHECK_EQ(mh_consumer_add(&H, 0, &c2), 0);
	for (unsigned int i = 0; i < NF; i++) {
		const struct mh_consumer cf = {.tid = T_F, .id = F_CONS + i,
					       .producer_id = F_PROD + i, .ssrc = F_SSRC + i,
					       .pt = 96, .flags = MH_PLI};
		CHECK_EQ(mh_consumer_add(&H, 0, &cf), 0);
	}
}

/* ---- (a) SRTCP sender SSRC ---- */

static int send_rr(struct browser *b, uint32_t ssrc)
{
	uint8_t rtcp[256];
	struct dp_rtcp_rr rr;
	memset(&rr, 0, sizeof(rr));
	rr.ssrc = ssrc;
	size_t len = dp_rtcp_build_rr(rtcp, sizeof(rtcp), &rr);
	return len > 0 && br_send_srtcp(b, rtcp, len, sizeof(rtcp)) > 0 ? 0 : -1;
}

static void test_srtcp_ssrc(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P), *tf = mh_tc(&H, T_F);
	const unsigned int n = 3000;
	uint64_t in0 = tp->rtcp_in, unk0 = tp->drops[SL_DROP_RTCP_UNKNOWN_SSRC];
	uint64_t auth0 = tp->drops[SL_DROP_SRTP_AUTH];
	/* a producer transport: only its producers' SSRCs */
	for (unsigned int i = 0; i < n; i++) {
		CHECK_EQ(send_rr(&P, 0x70000000u + i), 0);
		if (i % 100 == 99) /* paced: the tap queue stays short */
			mh_wait_ge(&H, &tp->drops[SL_DROP_RTCP_UNKNOWN_SSRC], unk0 + i + 1);
	}
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_RTCP_UNKNOWN_SSRC], unk0 + n), unk0 + n);
	CHECK_EQ(tp->rtcp_in, in0); /* none was unprotected */
	CHECK_EQ(tp->drops[SL_DROP_SRTP_AUTH], auth0);
	CHECK_EQ(br_send_sr(&H, &P, P_SSRC, 0x0000000100000000ull, 1234), 0); /* known: passes */
	CHECK_EQ(br_send_sr(&H, &P, P_RTX, 0x0000000200000000ull, 1234), 0);

	/* a receiving transport learns RX_SSRCS sender SSRCs (1 the first, as
	 * libwebrtc's receive-only RTCP), then no more */
	uint64_t fin0 = tf->rtcp_in, funk0 = tf->drops[SL_DROP_RTCP_UNKNOWN_SSRC];
	const unsigned int m = 20;
	for (unsigned int i = 0; i < m; i++)
		CHECK_EQ(send_rr(&BF, i == 0 ? 1u : 0x80000000u + i), 0);
	CHECK_EQ(mh_wait_ge(&H, &tf->drops[SL_DROP_RTCP_UNKNOWN_SSRC], funk0 + m - RX_SSRCS),
		 funk0 + m - RX_SSRCS);
	CHECK_EQ(mh_wait_ge(&H, &tf->rtcp_in, fin0 + RX_SSRCS), fin0 + RX_SSRCS);
	/* the learned ones keep passing, another new one does not */
	uint64_t fin1 = tf->rtcp_in;
	CHECK_EQ(send_rr(&BF, 1u), 0);
	CHECK_EQ(mh_wait_ge(&H, &tf->rtcp_in, fin1 + 1), fin1 + 1);
	CHECK_EQ(send_rr(&BF, 0x90000000u), 0);
	CHECK_EQ(mh_wait_ge(&H, &tf->drops[SL_DROP_RTCP_UNKNOWN_SSRC], funk0 + m - RX_SSRCS + 1),
		 funk0 + m - RX_SSRCS + 1);
}

/* ---- (b) DTLS in flight ---- */

static void dtls_datagram(uint8_t *d, size_t n, uint8_t ctype)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(i * 5 + 3);
	d[0] = ctype;
	d[1] = 0xfe; /* DTLS 1.2 */
	d[2] = 0xfd;
}

static void test_dtls_inflight(void)
{
	uint8_t d[120];
	struct taken tk;
	memset(&tk, 0, sizeof(tk));
	/* a transport with a valid tuple and no keys yet: a handshake */
	CHECK_EQ(br_open(&BD, &H, 0), 0);
	CHECK_EQ(br_transport(&H, &BD, T_D, 0), 0);
	CHECK_EQ(br_ice(&H, &BD, 1), 0);
	CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, T_D, NULL), 0);
	pump_all(&tk);
	struct sl_transport_counters *td = mh_tc(&H, T_D);
	uint64_t in0 = td->dtls_in, fl0 = td->drops[SL_DROP_DTLS_INFLIGHT];
	const unsigned int n = 200;
	dtls_datagram(d, sizeof(d), 22);
	for (unsigned int i = 0; i < n; i++) {
		CHECK_EQ(br_send(&BD, d, sizeof(d)), 0);
		if (i % 50 == 49) /* paced, still reading no event */
			wait_nopump(&td->drops[SL_DROP_DTLS_INFLIGHT], fl0 + i + 1 - INFLIGHT);
	}
	/* nobody reads: INFLIGHT wait in the ring, the rest are dropped */
	CHECK_EQ(wait_nopump(&td->drops[SL_DROP_DTLS_INFLIGHT], fl0 + n - INFLIGHT),
		 fl0 + n - INFLIGHT);
	CHECK_EQ(td->dtls_in, in0 + INFLIGHT);
	memset(&tk, 0, sizeof(tk));
	pump_all(&tk);
	CHECK_EQ(tk.dtls[T_D], INFLIGHT);
	/* read: the next ones pass again */
	for (unsigned int i = 0; i < 3; i++)
		CHECK_EQ(br_send(&BD, d, sizeof(d)), 0);
	CHECK_EQ(mh_wait_ge(&H, &td->dtls_in, in0 + INFLIGHT + 3), in0 + INFLIGHT + 3);
	pump_all(&tk);
	CHECK_EQ(tk.dtls[T_D], INFLIGHT + 3);
	CHECK_EQ(td->drops[SL_DROP_DTLS_INFLIGHT], fl0 + n - INFLIGHT);
}

/* ---- (c) DTLS after the keys ---- */

static void test_dtls_after_keys(void)
{
	uint8_t d[120];
	struct taken tk;
	memset(&tk, 0, sizeof(tk));
	pump_all(&tk);
	memset(&tk, 0, sizeof(tk));
	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	uint64_t in0 = tp->dtls_in, ac0 = tp->drops[SL_DROP_DTLS_AFTER_CONNECT];
	/* application data (and garbage in the DTLS range) never passes */
	const unsigned int n = 500;
	for (unsigned int i = 0; i < n; i++) {
		dtls_datagram(d, sizeof(d), (uint8_t)(i % 2 ? 23 : 24 + i % 40));
		CHECK_EQ(br_send(&P, d, sizeof(d)), 0);
		if (i % 100 == 99)
			mh_wait_ge(&H, &tp->drops[SL_DROP_DTLS_AFTER_CONNECT], ac0 + i + 1);
	}
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_DTLS_AFTER_CONNECT], ac0 + n), ac0 + n);
	CHECK_EQ(tp->dtls_in, in0);
	/* retransmitted handshake flights: LATE of them, then no more */
	dtls_datagram(d, sizeof(d), 22);
	for (unsigned int i = 0; i < LATE; i++) {
		CHECK_EQ(br_send(&P, d, sizeof(d)), 0);
		CHECK_EQ(mh_wait_ge(&H, &tp->dtls_in, in0 + i + 1), in0 + i + 1);
		filter(&tk);
	}
	for (unsigned int i = 0; i < 100; i++)
		CHECK_EQ(br_send(&P, d, sizeof(d)), 0);
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_DTLS_AFTER_CONNECT], ac0 + n + 100),
		 ac0 + n + 100);
	/* an alert still does */
	dtls_datagram(d, 7 + 13, 21);
	CHECK_EQ(br_send(&P, d, 20), 0);
	CHECK_EQ(mh_wait_ge(&H, &tp->dtls_in, in0 + LATE + 1), in0 + LATE + 1);
	pump_all(&tk);
	CHECK_EQ(tk.dtls[T_P], LATE + 1);
	CHECK_EQ(tp->drops[SL_DROP_DTLS_AFTER_CONNECT], ac0 + n + 100);
}

/* ---- (d) key-frame requests ---- */

static uint64_t mono_ms(void)
{
	return mh_now_us() / 1000u;
}

/* Waits until no key-frame request of PROD is pending and its window is
 * over: pli_out stood still for 600 ms (> DP_KF_MIN_NS). */
static void kf_quiet(void)
{
	const struct sl_transport_counters *tp = mh_tc(&H, T_P);
	for (int i = 0; i < 40; i++) {
		uint64_t out = tp->pli_out;
		for (int k = 0; k < 6; k++) {
			mh_pump(&H);
			usleep(100000);
		}
		if (tp->pli_out == out)
			return;
	}
	CHECK(!"key-frame requests never settled");
}

/* The next PLI on P (other RTCP skipped): from the server to PROD. */
static void expect_pli(void)
{
	uint8_t sub[256];
	int n = br_recv_rtcp(&H, &P, 60, 1, DP_RTCP_PT_PSFB, DP_RTCP_FMT_PLI, sub, sizeof(sub));
	CHECK(n > 0);
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_fb fb;
	CHECK(n > 0 && dp_rtcp_pkt_parse(sub, (size_t)n, &pkt) == DP_RTCP_OK &&
	      dp_rtcp_parse_pli(&pkt, &fb) == DP_RTCP_OK);
	CHECK(n > 0 && fb.sender_ssrc == MH_SERVER_SSRC && fb.media_ssrc == P_SSRC);
}

static void resume_with_keyframe(uint32_t tid, uint32_t cid)
{
	struct sl_msg m;
	CHECK_EQ(cmd_ref(SL_MSG_CONSUMER_RESUME, tid, cid), 0);
	memset(&m, 0, sizeof(m)); /* what the control plane sends on a resume */
	m.h.type = SL_MSG_REQUEST_KEYFRAME;
	m.h.transport_id = T_P;
	m.u.keyframe.producer_id = PROD;
	m.u.keyframe.consumer_id = cid;
	CHECK_EQ(mh_cmd(&H, 0, &m), 0);
}

static void test_resume_keyframes(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	kf_quiet();
	br_drain(&P);
	uint64_t out0 = tp->pli_out, sup0 = tp->pli_suppressed;
	uint64_t t0 = mono_ms();
	resume_with_keyframe(T_C1, C1);
	CHECK_EQ(tp->pli_out, out0 + 1);
	usleep(100000);
	resume_with_keyframe(T_C2, C2);
	int fast = mono_ms() - t0 < 400;
	if (fast) { /* inside the window: coalesced, sent when it ends */
		CHECK_EQ(tp->pli_out, out0 + 1);
		CHECK_EQ(tp->pli_suppressed, sup0 + 1);
	}
	CHECK_EQ(mh_wait_ge(&H, &tp->pli_out, out0 + 2), out0 + 2);
	expect_pli();
	expect_pli();
	printf("test_media_budget: resume 100 ms apart: PLI 1 at once, PLI 2 after %llu ms\n",
	       (unsigned long long)(mono_ms() - t0));
}

/* Producer media, forwarded to the (resumed) consumers: the consumer lcore
 * learns where the producer is. */
static void send_media(unsigned int n)
{
	uint8_t rtp[2048];
	for (unsigned int i = 0; i < n; i++) {
		g_seq++;
		size_t len = br_build_rtp(rtp, P_SSRC, 96, g_seq, 3000u * g_seq, g_seq, PAYLOAD);
		CHECK(br_send_srtp(&P, rtp, len, NULL) > 0);
	}
	struct rx_rtp r;
	for (unsigned int i = 0; i < n; i++) {
		CHECK_EQ(br_recv_rtp(&H, &B1, &r), 0);
		CHECK_EQ(br_recv_rtp(&H, &B2, &r), 0);
	}
}

static int send_pli(struct browser *b, uint32_t media_ssrc)
{
	uint8_t rtcp[256];
	size_t len = dp_rtcp_build_pli(rtcp, sizeof(rtcp), 1, media_ssrc);
	return len > 0 && br_send_srtcp(b, rtcp, len, sizeof(rtcp)) > 0 ? 0 : -1;
}

static void test_consumer_plis(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	struct taken tk;
	memset(&tk, 0, sizeof(tk));
	send_media(5);
	kf_quiet();
	pump_all(&tk);
	memset(&tk, 0, sizeof(tk));
	br_drain(&P);
	uint64_t out0 = tp->pli_out;
	uint64_t in1 = mh_tc(&H, T_C1)->pli_in, in2 = mh_tc(&H, T_C2)->pli_in;
	CHECK_EQ(send_pli(&B1, C1_SSRC), 0);
	CHECK_EQ(mh_wait_ge(&H, &tp->pli_out, out0 + 1), out0 + 1);
	usleep(100000);
	CHECK_EQ(send_pli(&B2, C2_SSRC), 0);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, T_C2)->pli_in, in2 + 1), in2 + 1);
	CHECK_EQ(mh_wait_ge(&H, &tp->pli_out, out0 + 2), out0 + 2);
	expect_pli();
	expect_pli();
	CHECK_EQ(mh_tc(&H, T_C1)->pli_in, in1 + 1);
	pump_all(&tk);
	CHECK_EQ(tk.kf, 0); /* no control-plane round trip */
	CHECK_EQ(mh_take_event(&H, SL_MSG_KEYFRAME_REQUEST, SL_INVALID_ID, NULL), -ENOENT);
}

/* ---- (e) a flood of low-priority events ---- */

/* One compound SRTCP from BF: a PLI for each flood consumer (producers the
 * lcore cannot reach: each one a KEYFRAME_REQUEST event). */
static int flood_plis(void)
{
	uint8_t rtcp[NF * 12 + 64];
	size_t off = 0;
	for (unsigned int i = 0; i < NF; i++)
		off += dp_rtcp_build_pli(rtcp + off, sizeof(rtcp) - off, 1, F_SSRC + i);
	return off == NF * 12 && br_send_srtcp(&BF, rtcp, off, sizeof(rtcp)) > 0 ? 0 : -1;
}

static void test_low_flood(void)
{
	struct taken tk;
	uint8_t d[120];
	memset(&tk, 0, sizeof(tk));
	pump_all(&tk);
	memset(&tk, 0, sizeof(tk));
	struct sl_transport_counters *tf = mh_tc(&H, T_F);
	uint64_t full0 = mh_drops(&H, SL_DROP_EVT_RING_FULL);
	uint64_t shed0 = tf->drops[SL_DROP_EVT_SHED], in0 = tf->rtcp_in;
	CHECK_EQ(br_open(&BB2, &H, 0), 0);
	CHECK_EQ(br_transport(&H, &BB2, T_B2, 0), 0);
	/* nobody reads the event ring now */
	unsigned int sent = 0;
	for (int i = 0; i < 2000 && tf->drops[SL_DROP_EVT_SHED] < shed0 + 4 * NF; i++) {
		CHECK_EQ(flood_plis(), 0);
		sent++;
		usleep(25000); /* past the consumers' 20 ms merge */
	}
	CHECK(wait_nopump(&tf->rtcp_in, in0 + sent) >= in0 + sent);
	CHECK(tf->drops[SL_DROP_EVT_SHED] >= shed0 + 4 * NF);
	/* meanwhile another transport is set up: ICE, then DTLS */
	struct sl_transport_counters *tb = mh_tc(&H, T_B2);
	CHECK_EQ(ice_nopump(&BB2), 0);
	dtls_datagram(d, sizeof(d), 22);
	CHECK_EQ(br_send(&BB2, d, sizeof(d)), 0);
	CHECK_EQ(wait_nopump(&tb->dtls_in, 1), 1);
	CHECK_EQ(tb->drops[SL_DROP_EVT_SHED], 0);
	CHECK_EQ(tb->drops[SL_DROP_EVT_DEFERRED], 0);
	pump_all(&tk);
	CHECK_EQ(tk.dtls[T_B2], 1);
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_SELECTED, T_B2, NULL), 0);
	CHECK(tk.kf > 0);
	CHECK_EQ(mh_drops(&H, SL_DROP_EVT_RING_FULL), full0);
	printf("test_media_budget: low flood: %u compound PLIs, %u key-frame events, %llu shed\n",
	       sent, tk.kf, (unsigned long long)(tf->drops[SL_DROP_EVT_SHED] - shed0));
}

/* ---- (f) the ring full of results ---- */

static void test_ring_full(void)
{
	struct taken tk;
	memset(&tk, 0, sizeof(tk));
	pump_all(&tk);
	memset(&tk, 0, sizeof(tk));
	CHECK_EQ(br_open(&BB, &H, 0), 0);
	CHECK_EQ(br_transport(&H, &BB, T_B, 0), 0);
	struct sl_lcore_counters *lc = mh_lc(&H, 0);
	uint64_t full0 = mh_drops(&H, SL_DROP_EVT_RING_FULL), evts0 = lc->evts, cmds0 = lc->cmds;
	/* more NOOPs than the event ring holds, reading no event: what the
	 * command ring cannot take waits in cp_dp's backlog (flushed here
	 * without reading events); the lcore stops taking commands when the
	 * event ring is full */
	const unsigned int want = SL_EVT_RING_SIZE + 600;
	unsigned int sent = 0;
	for (int i = 0; i < MH_WAIT_ITERS && sent < want; i++) {
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_NOOP;
		m.h.transport_id = SL_INVALID_ID;
		if (cp_dp_send(&H.dp, 0, &m, 0) == 0)
			sent++;
		else
			usleep(1000);
	}
	CHECK_EQ(sent, want);
	for (int i = 0; i < MH_WAIT_ITERS && lc->evts < evts0 + SL_EVT_RING_SIZE - 1; i++) {
		cp_dp_flush(&H.dp);
		usleep(1000);
	}
	CHECK(lc->evts >= evts0 + SL_EVT_RING_SIZE - 1);
	usleep(200000); /* the lcore took what fits and stopped */
	/* an ICE check now: answered, its event deferred */
	struct sl_transport_counters *tb = mh_tc(&H, T_B);
	CHECK_EQ(ice_nopump(&BB), 0);
	CHECK_EQ(wait_nopump(&tb->drops[SL_DROP_EVT_DEFERRED], 1), 1);
	pump_all(&tk);
	/* every command applied and answered (cp_dp takes the NOOP_REPLYs
	 * itself): none lost, no event dropped for a full ring */
	CHECK_EQ(mh_wait_ge(&H, &lc->cmds, cmds0 + want), cmds0 + want);
	CHECK(lc->evts >= evts0 + want + 1);
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_SELECTED, T_B, NULL), 0);
	CHECK_EQ(mh_drops(&H, SL_DROP_EVT_RING_FULL), full0);
	printf("test_media_budget: ring full: %u NOOPs applied and answered, ICE_SELECTED "
	       "deferred %llu time(s) and delivered\n",
	       want, (unsigned long long)tb->drops[SL_DROP_EVT_DEFERRED]);
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
	printf("test_media_budget: %u worker lcores, C1 on lcore %u\n", H.hdr->n_lcores, LC_C1);
	setup();
	test_srtcp_ssrc();
	test_dtls_inflight();
	test_dtls_after_keys();
	test_resume_keyframes();
	test_consumer_plis();
	test_low_flood();
	test_ring_full();
	const uint32_t tids[] = {T_P, T_C1, T_C2, T_F, T_D, T_B, T_B2};
	for (unsigned int i = 0; i < sizeof(tids) / sizeof(tids[0]); i++)
		CHECK_EQ(cmd_ref(SL_MSG_TRANSPORT_DESTROY, tids[i], 0), 0);
	struct browser *bs[] = {&P, &B1, &B2, &BF, &BD, &BB, &BB2};
	for (unsigned int i = 0; i < sizeof(bs) / sizeof(bs[0]); i++)
		br_close(bs[i]);
	mh_fini(&H);
	return check_report("test_media_budget");
}
