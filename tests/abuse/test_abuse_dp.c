/* SPDX-License-Identifier: MIT */
/*
 * test_abuse_dp - floods of the data plane (issue 12 item 4, the abuse
 * suite), against a real sluice-dataplane on net_tap in a namespace of its
 * own (tests/media/run_media_e2e.sh), raw UDP from the kernel side of the
 * tap; this program plays the control plane (the media harness, cp_dp) and
 * a few browsers. Each flood comes from one participant's validated ICE
 * tuple, with that participant's own keys where it has them:
 *  (a) SRTCP from 100,000 new sender SSRCs (protected with the
 *      participant's keys as its own SSRC, the clear SSRC then replaced:
 *      the check comes before authentication): every one dropped as
 *      rtcp_unknown_ssrc before unprotect (rtcp_in does not move), counted
 *      per transport, per lcore and in /metrics as cp_metrics renders it;
 *      the data plane's resident memory stays bounded (no SRTP stream per
 *      SSRC); meanwhile another participant's media is forwarded, every
 *      packet of it;
 *  (b) DTLS look-alikes flooding transport A (no keys yet) while transport
 *      B is created, passes ICE and sends its handshake flights: every one
 *      of B's datagrams and its ICE_SELECTED reach the control plane, B's
 *      SRTP_KEYS is answered; of A's, every one accepted arrives and the
 *      rest are counted (dtls_inflight / evt_shed): none vanishes;
 *  (c) a PLI flood (key-frame requests for producers the lcore cannot
 *      reach, 64 per compound packet) while nobody reads the event ring,
 *      and meanwhile 300 commands for another transport (100 CONSUMER_ADD,
 *      100 PAUSE, 100 RESUME): every command is applied and answered OK (no
 *      command lost), key-frame events are shed (evt_shed), none counted as
 *      evt_ring_full;
 *  (d) at the end every transport is destroyed: the lcores' transport /
 *      producer / consumer gauges return to 0 (nothing leaks).
 * Nothing is asserted about time: every wait is bounded by iterations.
 *
 *   test_abuse_dp <shm-name> <tap-interface>
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "../../controlplane/cp_buf.h"
#include "../../controlplane/cp_metrics.h"
#include "dp_rtcp.h"
#include "../media/media_harness.h"

enum { T_P = 1, T_C = 2, T_A = 3, T_B = 4, T_F = 5, T_G = 6 };

#define PROD 100u
#define P_SSRC 0x11110000u
#define CONS 200u
#define C_SSRC 0xc1000001u
#define NF 64u        /* flood consumers on T_F */
#define F_CONS 300u   /* their ids */
#define F_PROD 600u   /* producers they consume: on no lcore */
#define F_SSRC 0xf0000000u
#define G_CONS 1000u  /* consumers of PROD on T_G made during the PLI flood */
#define NG 100u
#define N_SRTCP 100000u
#define N_DTLS 20000u
#define B_FLIGHTS 4u

static struct mh H;
static struct browser P, C, A, B, F, G;
static uint16_t g_seq = 1;

/* ---- helpers ---- */

/* Resident set of a process in kB (VmRSS), or 0. */
static uint64_t rss_kb(int pid)
{
	char path[64], line[256];
	uint64_t kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %" SCNu64 " kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Sum over lcores of one sluice_drops_total reason as /metrics shows it. */
static uint64_t metrics_drops(const char *reason)
{
	struct cp_buf b = {0};
	char key[96];
	uint64_t sum = 0;
	cp_metrics_render(&H.dp, &b);
	cp_buf_append(&b, "", 1);
	snprintf(key, sizeof(key), "\",reason=\"%s\"} ", reason);
	for (const char *p = b.data; (p = strstr(p, "sluice_drops_total{lcore=\"")); p++) {
		const char *eol = strchr(p, '\n'), *k = strstr(p, key);
		if (k && (!eol || k < eol))
			sum += strtoull(k + strlen(key), NULL, 10);
	}
	cp_buf_free(&b);
	return sum;
}

/* Counts of the DTLS_RECV events taken (slots freed) per transport. */
static unsigned int g_dtls[8];

/* Pumps once and takes every DTLS_RECV out of the harness queue (counted),
 * so that a flood never pushes other events out of it. */
static void pump_dtls(void)
{
	mh_pump(&H);
	unsigned int w = 0;
	for (unsigned int i = 0; i < H.evq_n; i++) {
		const struct sl_msg *m = &H.evq[i];
		if (m->h.type == SL_MSG_DTLS_RECV) {
			cp_dp_slot_free(&H.dp, m->u.packet.slot);
			if (m->h.transport_id < 8)
				g_dtls[m->h.transport_id]++;
			continue;
		}
		if (m->h.type == SL_MSG_KEYFRAME_REQUEST)
			continue;
		H.evq[w++] = *m;
	}
	H.evq_n = w;
}

/* Pumps until the event counter stood still for 50 pumps. */
static void pump_quiet(void)
{
	uint64_t last = MH_LSUM(&H, evts);
	int quiet = 0;
	for (int i = 0; i < MH_WAIT_ITERS && quiet < 50; i++) {
		pump_dtls();
		uint64_t now = MH_LSUM(&H, evts);
		quiet = now == last ? quiet + 1 : 0;
		last = now;
		usleep(1000);
	}
}

/* Waits without reading events until *p >= want. */
static uint64_t wait_nopump(const volatile uint64_t *p, uint64_t want)
{
	uint64_t v = *p;
	for (int i = 0; i < MH_WAIT_ITERS && v < want; i++) {
		usleep(1000);
		v = *p;
	}
	return v;
}

static void dtls_datagram(uint8_t *d, size_t n, uint8_t ctype, uint8_t salt)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(i * 5 + salt);
	d[0] = ctype;
	d[1] = 0xfe; /* DTLS 1.2 */
	d[2] = 0xfd;
}

/* One RTP packet of the producer, and whether the consumer received it. */
static int media_one(void)
{
	uint8_t rtp[1500], srtp[1600];
	struct rx_rtp r;
	uint16_t seq = g_seq++;
	size_t len = br_build_rtp(rtp, P_SSRC, 96, seq, seq * 3000u, seq, 200);
	if (br_send_srtp(&P, rtp, len, srtp) < 0)
		return 0;
	return br_recv_rtp(&H, &C, &r) == 0 && r.ssrc == C_SSRC;
}

static void setup(void)
{
	const struct mh_producer prod = {
		.tid = T_P, .id = PROD, .ssrc = P_SSRC, .pt = 96,
		.flags = MH_BR_EXTS | MH_PLI, .fanout = 1ull,
	};
	const struct mh_consumer c = {.tid = T_C, .id = CONS, .producer_id = PROD,
				      .ssrc = C_SSRC, .pt = 96, .flags = MH_PLI};
	CHECK_EQ(br_connect(&H, &P, 0, T_P, SL_SRTP_AEAD_AES_128_GCM, 1), 0);
	CHECK_EQ(br_connect(&H, &C, 0, T_C, SL_SRTP_AES128_CM_SHA1_80, 2), 0);
	CHECK_EQ(mh_producer_add(&H, 0, &prod), 0);
	CHECK_EQ(mh_consumer_add(&H, 0, &c), 0);
	/* the consumer's first packets may wait for a key frame: prime it */
	int ok = 0;
	for (int i = 0; i < 50 && !ok; i++)
		ok = media_one();
	CHECK(ok);
	br_drain(&C);
}

/* ---- (a) SRTCP from 100k new sender SSRCs ---- */

/* An SRTCP receiver report whose sender SSRC (in clear, bytes 4..7) is ssrc:
 * protected as the participant's own SSRC, then the SSRC replaced. The
 * sender's SRTP context keeps one stream per SSRC, so 100k valid ones
 * cannot be made; the data plane checks the SSRC before it authenticates
 * (so a tag valid or not makes no difference: none is unprotected). */
static int send_rr_as(struct browser *b, uint32_t own, uint32_t ssrc)
{
	uint8_t rtcp[256];
	struct dp_rtcp_rr rr;
	memset(&rr, 0, sizeof(rr));
	rr.ssrc = own;
	size_t len = dp_rtcp_build_rr(rtcp, sizeof(rtcp), &rr);
	uint32_t n = (uint32_t)len;
	if (len == 0 || dp_srtp_protect_rtcp(b->srtp, rtcp, &n, sizeof(rtcp)) != DP_SRTP_OK)
		return -1;
	rtcp[4] = (uint8_t)(ssrc >> 24), rtcp[5] = (uint8_t)(ssrc >> 16);
	rtcp[6] = (uint8_t)(ssrc >> 8), rtcp[7] = (uint8_t)ssrc;
	return br_send(b, rtcp, n);
}

static void test_srtcp_flood(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P);
	uint64_t in0 = tp->rtcp_in, unk0 = tp->drops[SL_DROP_RTCP_UNKNOWN_SSRC];
	uint64_t auth0 = tp->drops[SL_DROP_SRTP_AUTH];
	uint64_t lunk0 = mh_drops(&H, SL_DROP_RTCP_UNKNOWN_SSRC);
	uint64_t munk0 = metrics_drops("rtcp_unknown_ssrc");
	uint64_t rss0 = rss_kb(H.hdr->dp_pid);
	unsigned int media_sent = 0, media_ok = 0;
	for (unsigned int i = 0; i < N_SRTCP; i++) {
		CHECK_EQ(send_rr_as(&P, P_SSRC, 0x70000000u + i), 0);
		if (i % 500 == 499) { /* paced: the tap queue stays short */
			mh_wait_ge(&H, &tp->drops[SL_DROP_RTCP_UNKNOWN_SSRC], unk0 + i + 1);
			media_sent++;
			media_ok += (unsigned int)media_one();
		}
	}
	CHECK_EQ(mh_wait_ge(&H, &tp->drops[SL_DROP_RTCP_UNKNOWN_SSRC], unk0 + N_SRTCP),
		 unk0 + N_SRTCP);
	uint64_t rss1 = rss_kb(H.hdr->dp_pid);
	CHECK_EQ(tp->rtcp_in, in0); /* none was unprotected */
	CHECK_EQ(tp->drops[SL_DROP_SRTP_AUTH], auth0);
	CHECK_EQ(mh_drops(&H, SL_DROP_RTCP_UNKNOWN_SSRC), lunk0 + N_SRTCP);
	CHECK_EQ(metrics_drops("rtcp_unknown_ssrc"), munk0 + N_SRTCP);
	/* bounded: no state per SSRC (a stream each would be > 100 MB) */
	CHECK(rss0 > 0 && rss1 > 0);
	CHECK(rss1 <= rss0 + 4096);
	/* the other participant's media went on: every packet forwarded */
	CHECK_EQ(media_ok, media_sent);
	/* the sender's own SSRC still passes */
	CHECK_EQ(br_send_sr(&H, &P, P_SSRC, 0x0000000100000000ull, 1234), 0);
	printf("test_abuse_dp: srtcp flood: %u new SSRCs, all rtcp_unknown_ssrc, data plane rss "
	       "%" PRIu64 " -> %" PRIu64 " kB; media during it: %u of %u forwarded\n", N_SRTCP,
	       rss0, rss1, media_ok, media_sent);
}

/* ---- (b) DTLS look-alikes on A while B does its handshake ---- */

static void test_dtls_flood(void)
{
	uint8_t d[200];
	struct sl_transport_counters *ta = mh_tc(&H, T_A);
	CHECK_EQ(br_open(&A, &H, 0), 0);
	CHECK_EQ(br_transport(&H, &A, T_A, 0), 0);
	CHECK_EQ(br_ice(&H, &A, 1), 0);
	CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, T_A, NULL), 0);
	pump_quiet();
	memset(g_dtls, 0, sizeof(g_dtls));
	uint64_t shed0 = mh_drops(&H, SL_DROP_EVT_SHED), full0 = mh_drops(&H, SL_DROP_EVT_RING_FULL);
	uint64_t a_in0 = ta->dtls_in, a_fl0 = ta->drops[SL_DROP_DTLS_INFLIGHT];
	uint64_t a_sh0 = ta->drops[SL_DROP_EVT_SHED];
	unsigned int flights = 0;
	int b_ice = 0;
	dtls_datagram(d, sizeof(d), 22, 3);
	for (unsigned int i = 0; i < N_DTLS; i++) {
		CHECK_EQ(br_send(&A, d, sizeof(d)), 0);
		if (i % 250 != 249)
			continue;
		/* paced: what A sent so far is accounted for, then events read */
		for (int k = 0; k < MH_WAIT_ITERS; k++) {
			uint64_t seen = ta->dtls_in - a_in0 + ta->drops[SL_DROP_DTLS_INFLIGHT] - a_fl0 +
					ta->drops[SL_DROP_EVT_SHED] - a_sh0;
			if (seen >= i + 1)
				break;
			usleep(1000);
		}
		pump_dtls();
		unsigned int batch = i / 250;
		if (batch == 4) { /* B arrives in the middle of the flood */
			CHECK_EQ(br_open(&B, &H, 0), 0);
			CHECK_EQ(br_transport(&H, &B, T_B, 0), 0);
			CHECK_EQ(br_ice(&H, &B, 1), 0);
			b_ice = 1;
		} else if (b_ice && flights < B_FLIGHTS && batch % 8 == 0) {
			uint8_t f[300];
			dtls_datagram(f, sizeof(f), 22, (uint8_t)(40 + flights));
			CHECK_EQ(br_send(&B, f, sizeof(f)), 0);
			flights++;
		}
	}
	pump_quiet();
	struct sl_transport_counters *tb = mh_tc(&H, T_B);
	CHECK_EQ(flights, B_FLIGHTS);
	CHECK_EQ(tb->dtls_in, B_FLIGHTS);
	CHECK_EQ(g_dtls[T_B], B_FLIGHTS); /* every flight of B reached the control plane */
	CHECK_EQ(tb->drops[SL_DROP_DTLS_INFLIGHT], 0);
	CHECK_EQ(tb->drops[SL_DROP_EVT_SHED], 0);
	CHECK_EQ(mh_take_event(&H, SL_MSG_ICE_SELECTED, T_B, NULL), 0);
	CHECK_EQ(br_keys(&H, &B, SL_SRTP_AES128_CM_SHA1_80, 9), 0); /* its handshake ends */
	/* A: every datagram accepted arrived, the rest counted; none vanished */
	uint64_t a_in = ta->dtls_in - a_in0, a_fl = ta->drops[SL_DROP_DTLS_INFLIGHT] - a_fl0;
	uint64_t a_sh = ta->drops[SL_DROP_EVT_SHED] - a_sh0;
	CHECK_EQ(g_dtls[T_A], a_in);
	CHECK_EQ(a_in + a_fl + a_sh, N_DTLS);
	CHECK(a_fl > 0);
	CHECK_EQ(mh_drops(&H, SL_DROP_EVT_RING_FULL), full0);
	printf("test_abuse_dp: dtls flood: A sent %u, %" PRIu64 " reached the control plane, %" PRIu64
	       " dtls_inflight, %" PRIu64 " evt_shed (all lcores %" PRIu64 "); B: %u of %u flights, "
	       "ICE and keys\n", N_DTLS, a_in, a_fl, a_sh, mh_drops(&H, SL_DROP_EVT_SHED) - shed0,
	       g_dtls[T_B], B_FLIGHTS);
}

/* ---- (c) PLI flood while commands for another transport go out ---- */

static int flood_plis(void)
{
	uint8_t rtcp[NF * 12 + 64];
	size_t off = 0;
	for (unsigned int i = 0; i < NF; i++)
		off += dp_rtcp_build_pli(rtcp + off, sizeof(rtcp) - off, 1, F_SSRC + i);
	return off == NF * 12 && br_send_srtcp(&F, rtcp, off, sizeof(rtcp)) > 0 ? 0 : -1;
}

static void consumer_cmd(struct sl_msg *m, uint16_t type, uint32_t id)
{
	memset(m, 0, sizeof(*m));
	m->h.type = type;
	m->h.transport_id = T_G;
	if (type != SL_MSG_CONSUMER_ADD) {
		m->u.consumer_ref.consumer_id = id;
		return;
	}
	struct sl_msg_consumer_add *a = &m->u.consumer_add;
	a->consumer_id = id;
	a->producer_id = PROD;
	a->ssrc = 0xd0000000u + id;
	a->kind = SL_KIND_VIDEO;
	a->n_pt = 1;
	a->pt_map[0].from = 96;
	a->pt_map[0].to = 96;
	a->paused = 1;
	a->clock_rate = 90000;
	a->pli = 1;
}

static void test_pli_flood(void)
{
	static uint32_t seqs[3 * NG];
	CHECK_EQ(br_connect(&H, &F, 0, T_F, SL_SRTP_AES128_CM_SHA1_80, 4), 0);
	CHECK_EQ(br_connect(&H, &G, 0, T_G, SL_SRTP_AES128_CM_SHA1_80, 5), 0);
	for (unsigned int i = 0; i < NF; i++) {
		const struct mh_consumer cf = {.tid = T_F, .id = F_CONS + i,
					       .producer_id = F_PROD + i, .ssrc = F_SSRC + i,
					       .pt = 96, .flags = MH_PLI};
		CHECK_EQ(mh_consumer_add(&H, 0, &cf), 0);
	}
	pump_quiet();
	struct sl_transport_counters *tf = mh_tc(&H, T_F);
	uint64_t shed0 = tf->drops[SL_DROP_EVT_SHED], in0 = tf->rtcp_in;
	uint64_t full0 = mh_drops(&H, SL_DROP_EVT_RING_FULL);
	uint64_t inval0 = MH_LSUM(&H, cmds_invalid), cmds0 = MH_LSUM(&H, cmds);
	uint64_t cons0 = MH_LSUM(&H, consumers);
	/* nobody reads the event ring from here on */
	unsigned int sent = 0;
	for (int i = 0; i < 2000 && tf->drops[SL_DROP_EVT_SHED] < shed0 + 4 * NF; i++) {
		CHECK_EQ(flood_plis(), 0);
		sent++;
		usleep(25000); /* past the consumers' 20 ms merge */
	}
	CHECK(tf->drops[SL_DROP_EVT_SHED] >= shed0 + 4 * NF);
	/* the ring is at its fill level for low-priority events: commands now */
	unsigned int n = 0;
	const uint16_t types[3] = {SL_MSG_CONSUMER_ADD, SL_MSG_CONSUMER_PAUSE,
				   SL_MSG_CONSUMER_RESUME};
	for (unsigned int t = 0; t < 3; t++)
		for (unsigned int i = 0; i < NG; i++) {
			struct sl_msg m;
			consumer_cmd(&m, types[t], G_CONS + i);
			CHECK_EQ(cp_dp_send(&H.dp, 0, &m, 1), 0);
			seqs[n++] = m.h.seq;
		}
	/* the flood goes on while they are applied */
	for (int i = 0; i < 20; i++) {
		CHECK_EQ(flood_plis(), 0);
		sent++;
		usleep(25000);
	}
	CHECK_EQ(wait_nopump(&mh_lc(&H, 0)->cmds, cmds0 + n), cmds0 + n);
	CHECK(wait_nopump(&tf->rtcp_in, in0 + sent) >= in0 + sent);
	/* now read: every command answered OK */
	unsigned int ok = 0, bad = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct sl_msg r;
		int got = -1;
		for (int k = 0; k < MH_WAIT_ITERS && got != 0; k++) {
			pump_dtls();
			for (unsigned int e = 0; e < H.evq_n; e++)
				if (H.evq[e].h.type == SL_MSG_RESULT && H.evq[e].h.seq == seqs[i]) {
					r = H.evq[e];
					H.evq[e] = H.evq[--H.evq_n];
					got = 0;
					break;
				}
			if (got != 0)
				usleep(200);
		}
		if (got == 0 && r.u.result.status == 0)
			ok++;
		else
			bad++;
	}
	CHECK_EQ(ok, n);
	CHECK_EQ(bad, 0);
	CHECK_EQ(MH_LSUM(&H, consumers), cons0 + NG);
	CHECK_EQ(MH_LSUM(&H, cmds_invalid), inval0);
	CHECK_EQ(mh_drops(&H, SL_DROP_EVT_RING_FULL), full0);
	printf("test_abuse_dp: pli flood: %u compound packets of %u PLIs, %" PRIu64 " events shed; "
	       "%u of %u commands of another transport answered OK\n", sent, NF,
	       tf->drops[SL_DROP_EVT_SHED] - shed0, ok, n);
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
	setup();
	test_srtcp_flood();
	test_dtls_flood();
	test_pli_flood();
	/* (d) nothing leaks: every transport destroyed, the gauges at 0 */
	const uint32_t tids[] = {T_P, T_C, T_A, T_B, T_F, T_G};
	for (unsigned int i = 0; i < sizeof(tids) / sizeof(tids[0]); i++)
		CHECK_EQ(mh_cmd_ref(&H, 0, SL_MSG_TRANSPORT_DESTROY, tids[i], 0), 0);
	CHECK_EQ(MH_LSUM(&H, transports), 0);
	CHECK_EQ(MH_LSUM(&H, producers), 0);
	CHECK_EQ(MH_LSUM(&H, consumers), 0);
	struct browser *bs[] = {&P, &C, &A, &B, &F, &G};
	for (unsigned int i = 0; i < sizeof(bs) / sizeof(bs[0]); i++)
		br_close(bs[i]);
	mh_fini(&H);
	return check_report("test_abuse_dp");
}
