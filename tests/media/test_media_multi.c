/* SPDX-License-Identifier: MIT */
/*
 * test_media_multi - one room across every worker lcore (run by
 * run_media_e2e.sh with 3 workers on 2 CPUs). Four participants each send
 * one video stream and receive the three others; send and receive
 * transports are spread over the lcores so that every producer has
 * consumers on other lcores (fan-out through the handoff rings) and the
 * kernel's tap queue choice makes datagrams land on lcores that do not own
 * their port (raw handoff). Checks: every consumer receives every packet of
 * every other participant exactly once, decrypts it with its own keys,
 * with its own SSRC and PT and sequence numbers continuous (also across a
 * pause/resume of a consumer on another lcore than its producer); the
 * handoff counters add up (out == in, nothing lost to full rings) and show
 * both kinds of handoff; garbage sent to every port disturbs nothing.
 *
 *   test_media_multi <shm-name> <tap-interface>
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "dp_bytes.h"
#include "media_harness.h"

#define NP 4      /* participants */
#define ROUNDS 40
#define PAYLOAD 300u

static struct mh H;

struct part {
	struct browser snd, rcv;
	unsigned int snd_lcore, rcv_lcore;
	uint32_t producer_id;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint64_t mask;            /* lcores of its consumers */
	/* consumers of the others on this participant's receive transport */
	uint32_t cons_ssrc[NP];   /* by producing participant; 0 = self */
	uint16_t last_seq[NP];
	int have[NP];
	uint16_t in_seq_of_last[NP];
};

static struct part PT[NP];
static const enum sl_srtp_profile PROFILES[4] = {
	SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AEAD_AES_128_GCM, SL_SRTP_AES128_CM_SHA1_32,
	SL_SRTP_AEAD_AES_256_GCM,
};

static int send_cmd(unsigned int lcore, uint16_t type, uint32_t tid, uint32_t id)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = type;
	m.h.transport_id = tid;
	m.u.consumer_ref.consumer_id = id;
	return mh_cmd(&H, lcore, &m);
}

static void setup(unsigned int n)
{
	/* send transports on lcores 0,1,2,2; receive transports on 1,2,0,0 */
	static const unsigned int snd[NP] = {0, 1, 2, 2}, rcv[NP] = {1, 2, 0, 0};
	for (int i = 0; i < NP; i++) {
		struct part *p = &PT[i];
		p->snd_lcore = snd[i] % n;
		p->rcv_lcore = rcv[i] % n;
		p->producer_id = 1000u + (uint32_t)i;
		p->ssrc = 0xa0000000u + (uint32_t)i;
		p->seq = (uint16_t)(65500u + 10u * (uint32_t)i); /* wraps during the test */
		p->ts = 1000u * (uint32_t)i;
		CHECK_EQ(br_open(&p->snd, &H, p->snd_lcore), 0);
		CHECK_EQ(br_open(&p->rcv, &H, p->rcv_lcore), 0);
		CHECK_EQ(br_transport(&H, &p->snd, 1u + (uint32_t)i, 0), 0);
		CHECK_EQ(br_transport(&H, &p->rcv, 11u + (uint32_t)i, 0), 0);
		CHECK_EQ(br_keys(&H, &p->snd, PROFILES[i % 4], (uint8_t)(10 + i)), 0);
		CHECK_EQ(br_keys(&H, &p->rcv, PROFILES[(i + 1) % 4], (uint8_t)(20 + i)), 0);
		CHECK_EQ(br_ice(&H, &p->snd, 1), 0);
		CHECK_EQ(br_ice(&H, &p->rcv, 1), 0);
		CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, p->snd.tid, NULL), 0);
		CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, p->rcv.tid, NULL), 0);
	}
	/* a transport is refused on another lcore's port */
	struct browser x;
	CHECK_EQ(br_open(&x, &H, 0), 0);
	x.lcore = 1;
	CHECK_EQ(br_transport(&H, &x, 30, 0), -EINVAL);
	br_close(&x);

	for (int i = 0; i < NP; i++) {
		struct part *p = &PT[i];
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_ADD;
		m.h.transport_id = p->snd.tid;
		m.u.producer_add.producer_id = p->producer_id;
		m.u.producer_add.ssrc = p->ssrc;
		m.u.producer_add.kind = SL_KIND_VIDEO;
		m.u.producer_add.payload_type = 96;
		m.u.producer_add.clock_rate = 90000;
		m.u.producer_add.ext.mid = BR_EXT_MID;
		m.u.producer_add.ext.abs_send_time = BR_EXT_ABS;
		m.u.producer_add.ext.transport_cc = BR_EXT_TCC;
		CHECK_EQ(mh_cmd(&H, p->snd_lcore, &m), 0);
	}
	/* every participant consumes every other one, on its receive transport */
	for (int r = 0; r < NP; r++) {
		for (int s = 0; s < NP; s++) {
			if (r == s)
				continue;
			struct sl_msg m;
			memset(&m, 0, sizeof(m));
			m.h.type = SL_MSG_CONSUMER_ADD;
			m.h.transport_id = PT[r].rcv.tid;
			struct sl_msg_consumer_add *a = &m.u.consumer_add;
			a->consumer_id = 2000u + (uint32_t)(r * NP + s);
			a->producer_id = PT[s].producer_id;
			a->ssrc = 0xc0000000u + (uint32_t)(r * 16 + s);
			a->kind = SL_KIND_VIDEO;
			a->n_pt = 1;
			a->pt_map[0].from = 96;
			a->pt_map[0].to = (uint8_t)(100 + s);
			a->clock_rate = 90000;
			a->ext.transport_cc = 5;
			CHECK_EQ(mh_cmd(&H, PT[r].rcv_lcore, &m), 0);
			PT[r].cons_ssrc[s] = a->ssrc;
			PT[s].mask |= 1ull << PT[r].rcv_lcore;
		}
	}
	for (int s = 0; s < NP; s++) {
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_FANOUT;
		m.h.transport_id = SL_INVALID_ID;
		m.u.producer_fanout.producer_id = PT[s].producer_id;
		m.u.producer_fanout.lcore_mask = PT[s].mask;
		CHECK_EQ(mh_cmd(&H, PT[s].snd_lcore, &m), 0);
	}
	uint64_t cons = 0, prods = 0, tps = 0;
	for (unsigned int i = 0; i < n; i++) {
		cons += mh_lc(&H, i)->consumers;
		prods += mh_lc(&H, i)->producers;
		tps += mh_lc(&H, i)->transports;
	}
	CHECK_EQ(cons, NP * (NP - 1));
	CHECK_EQ(prods, NP);
	CHECK_EQ(tps, 2 * NP);
}

/* Handoffs the fan-out of one packet of participant s makes. */
static unsigned int fanout_handoffs(int s)
{
	return (unsigned int)__builtin_popcountll(PT[s].mask & ~(1ull << PT[s].snd_lcore));
}

/* Each participant sends one packet; each receiver must get one from each
 * other (unless paused: skip[r][s]). Returns the fan-out handoffs made. */
static uint64_t one_round(int paused_r, int paused_s, int resumed_r, int resumed_s)
{
	uint64_t handoffs = 0;
	uint16_t sent_seq[NP];
	for (int s = 0; s < NP; s++) {
		struct part *p = &PT[s];
		uint8_t rtp[2048];
		p->seq++;
		p->ts += 3000;
		sent_seq[s] = p->seq;
		size_t len = br_build_rtp(rtp, p->ssrc, 96, p->seq, p->ts, 0, PAYLOAD);
		CHECK(br_send_srtp(&p->snd, rtp, len, NULL) > 0);
		handoffs += fanout_handoffs(s);
	}
	for (int r = 0; r < NP; r++) {
		int want = NP - 1 - (paused_r == r);
		int got[NP] = {0};
		for (int k = 0; k < want; k++) {
			struct rx_rtp rx;
			int rc = br_recv_rtp(&H, &PT[r].rcv, &rx);
			CHECK_EQ(rc, 0);
			if (rc)
				break;
			int s;
			for (s = 0; s < NP; s++)
				if (s != r && PT[r].cons_ssrc[s] == rx.ssrc)
					break;
			CHECK(s < NP);
			if (s == NP)
				continue;
			got[s]++;
			CHECK_EQ(rx.pt, 100 + s);
			CHECK_EQ(rx.payload_len, PAYLOAD);
			int same = rx.payload_len == PAYLOAD;
			for (uint32_t i = 0; same && i < PAYLOAD; i++)
				same = rx.buf[rx.payload_off + i] == br_payload_byte(sent_seq[s], i);
			CHECK(same);
			int t = rx_ext_find(&rx, 5);
			CHECK(t >= 0 && rx.ext_len[t] == 2 && rx.ext_n == 1);
			if (r == resumed_r && s == resumed_s)
				CHECK_EQ(rx.seq, (uint16_t)(PT[r].last_seq[s] + 1));
			else if (PT[r].have[s])
				CHECK_EQ((uint16_t)(rx.seq - PT[r].last_seq[s]),
					 (uint16_t)(sent_seq[s] - PT[r].in_seq_of_last[s]));
			else
				CHECK_EQ(rx.seq, sent_seq[s]);
			PT[r].last_seq[s] = rx.seq;
			PT[r].in_seq_of_last[s] = sent_seq[s];
			PT[r].have[s] = 1;
		}
		for (int s = 0; s < NP; s++)
			if (s != r && !(r == paused_r && s == paused_s))
				CHECK_EQ(got[s], 1);
	}
	return handoffs;
}

static uint64_t total_drops(void)
{
	uint64_t t = 0;
	for (unsigned int r = SL_DROP_UDP_MALFORMED; r < SL_DROP__COUNT; r++)
		t += mh_drops(&H, r);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap-interface>\n", argv[0]);
		return 2;
	}
	srand(2);
	if (mh_init(&H, argv[1]) != 0 || dp_srtp_global_init() != 0)
		return 1;
	unsigned int n = H.hdr->n_lcores;
	printf("test_media_multi: %u worker lcores\n", n);
	CHECK(n >= 3);
	if (n < 3)
		return check_report("test_media_multi");
	setup(n);

	uint64_t fan = 0;
	for (int i = 0; i < ROUNDS; i++)
		fan += one_round(-1, -1, -1, -1);
	/* pause the consumer of participant 0 (lcore 0) on participant 1's
	 * receive transport (lcore 2), then resume it: continuity there */
	uint32_t cid = 2000u + 1u * NP + 0u;
	CHECK_EQ(send_cmd(PT[1].rcv_lcore, SL_MSG_CONSUMER_PAUSE, PT[1].rcv.tid, cid), 0);
	for (int i = 0; i < 5; i++)
		fan += one_round(1, 0, -1, -1);
	CHECK_EQ(send_cmd(PT[1].rcv_lcore, SL_MSG_CONSUMER_RESUME, PT[1].rcv.tid, cid), 0);
	fan += one_round(-1, -1, 1, 0);
	for (int i = 0; i < 5; i++)
		fan += one_round(-1, -1, -1, -1);
	CHECK_EQ(mh_tc(&H, PT[1].rcv.tid)->drops[SL_DROP_CONSUMER_PAUSED], 5);

	/* garbage from fresh sockets to every port: many new flows, so the
	 * kernel puts some on queues of other lcores (raw handoff) */
	uint64_t before = total_drops();
	unsigned int junk_n = 0;
	for (unsigned int l = 0; l < n; l++) {
		for (int k = 0; k < 16; k++) {
			struct browser g;
			CHECK_EQ(br_open(&g, &H, l), 0);
			uint8_t junk[64];
			for (unsigned int b = 0; b < sizeof(junk); b++)
				junk[b] = (uint8_t)rand();
			junk[0] = (uint8_t)(0x80 | (k & 0x3f)); /* RTP/RTCP from nobody */
			CHECK_EQ(br_send(&g, junk, sizeof(junk)), 0);
			junk_n++;
			br_close(&g);
		}
	}
	for (int i = 0; i < MH_WAIT_ITERS && total_drops() < before + junk_n; i++) {
		mh_pump(&H);
		usleep(1000);
	}
	CHECK_EQ(total_drops(), before + junk_n);
	CHECK_EQ(mh_drops(&H, SL_DROP_UNKNOWN_TUPLE) >= junk_n, 1);
	for (int i = 0; i < 5; i++)
		fan += one_round(-1, -1, -1, -1);

	uint64_t out = MH_LSUM(&H, handoff_out), in = MH_LSUM(&H, handoff_in);
	for (int i = 0; i < MH_WAIT_ITERS && in < out; i++) {
		usleep(1000);
		in = MH_LSUM(&H, handoff_in);
	}
	printf("handoffs: out %llu in %llu (fan-out %llu, raw %llu)\n", (unsigned long long)out,
	       (unsigned long long)in, (unsigned long long)fan,
	       (unsigned long long)(out - fan));
	CHECK_EQ(in, out);
	CHECK_EQ(mh_drops(&H, SL_DROP_RING_FULL), 0);
	CHECK(fan > 0);
	CHECK(out > fan); /* raw handoffs happened too */
	for (unsigned int i = 0; i < n; i++) {
		struct sl_lcore_counters *c = mh_lc(&H, i);
		printf("lcore %u: rx %llu rtp_in %llu rtp_out %llu handoff out %llu in %llu\n", i,
		       (unsigned long long)c->rx_pkts, (unsigned long long)c->rtp_in,
		       (unsigned long long)c->rtp_out, (unsigned long long)c->handoff_out,
		       (unsigned long long)c->handoff_in);
		CHECK(c->rtp_out > 0);
		CHECK(c->handoff_in > 0);
		CHECK(c->handoff_out > 0);
	}
	for (int i = 0; i < NP; i++) {
		br_close(&PT[i].snd);
		br_close(&PT[i].rcv);
	}
	mh_fini(&H);
	return check_report("test_media_multi");
}
