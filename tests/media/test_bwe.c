/* SPDX-License-Identifier: MIT */
/*
 * dp_bwe (send-side estimate) and dp_alloc (layers by priority), pure.
 *
 * The estimator runs against a simulated bottleneck in simulated time (no
 * clock, deterministic): a sender that sends at the estimate in 5 ms pacing
 * ticks, a FIFO link of a given capacity with 20 ms propagation and an
 * optional random loss, and a receiver that reports every 100 ms with real
 * transport-cc feedback (built by dp_rtcp_build_tcc, parsed back by
 * dp_rtcp_parse_tcc). Checked: the estimate climbs towards a free link;
 * falls when the capacity drops (a delay ramp); recovers when it returns;
 * falls under heavy loss and not under light loss; REMB alone and as a cap.
 *
 * The allocator: ten consumers of one transport (audio, the speaker, a
 * screen, others) at budgets from nothing to plenty obey the priorities,
 * plus a property check over random inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "dp_alloc.h"
#include "dp_bwe.h"
#include "dp_rtcp.h"

#define PKT 1200u
#define TICK_NS 5000000ull
#define FB_NS 100000000ull
#define PROP_NS 20000000ull
#define MAXP 200000u

static uint32_t rng = 0x9e3779b9u;
static uint32_t xr(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

struct sim {
	struct dp_bwe bwe;
	uint64_t now;          /* ns */
	double capacity_bps;
	double loss;           /* probability */
	uint64_t link_free;    /* ns */
	double credit;         /* bytes the pacer may send */
	uint32_t n;            /* packets sent; seq = index mod 2^16 */
	int64_t arrival[MAXP]; /* ns at the receiver, -1 lost */
	uint32_t next_fb;      /* first packet index not yet reported */
	uint64_t next_fb_ns;
	uint64_t max_queue_ns;
};

static struct sim S;

static void sim_init(uint32_t start_bps, double cap_bps)
{
	struct dp_bwe_cfg cfg = {.start_bps = start_bps, .min_bps = 30000, .max_bps = 20000000};
	memset(&S, 0, sizeof(S));
	dp_bwe_init(&S.bwe, &cfg);
	S.capacity_bps = cap_bps;
	S.now = 1000000000ull;
	S.next_fb_ns = S.now + FB_NS;
	S.max_queue_ns = 400000000ull; /* a 400 ms queue, then tail drop */
}

static void send_one(void)
{
	uint64_t ser = (uint64_t)(PKT * 8.0 * 1e9 / S.capacity_bps);
	uint64_t start = S.link_free > S.now ? S.link_free : S.now;
	int64_t arr = -1;
	if (start - S.now <= S.max_queue_ns && (double)xr() / 4294967296.0 >= S.loss) {
		S.link_free = start + ser;
		arr = (int64_t)(S.link_free + PROP_NS);
	}
	S.arrival[S.n] = arr;
	dp_bwe_on_sent(&S.bwe, (uint16_t)S.n, PKT, S.now);
	S.n++;
}

/* The receiver's report at S.now of every packet up to the last arrived. */
static void feedback(void)
{
	static struct dp_rtcp_tcc_arrival a[4096];
	static struct dp_rtcp_tcc_status st[4096];
	uint8_t buf[8192];
	uint32_t last = S.next_fb, k = 0;
	for (uint32_t i = S.next_fb; i < S.n; i++)
		if (S.arrival[i] >= 0 && (uint64_t)S.arrival[i] <= S.now)
			last = i + 1;
	if (last == S.next_fb)
		return;
	for (uint32_t i = S.next_fb; i < last && k < 4096; i++, k++) {
		a[k].seq = (uint16_t)i;
		a[k].arrival_us = S.arrival[i] >= 0 ? S.arrival[i] / 1000 : DP_RTCP_TCC_LOST;
	}
	S.next_fb += k;
	size_t len = dp_rtcp_build_tcc(buf, sizeof(buf), 1, 2, 0, a, k);
	CHECK(len > 0);
	struct dp_rtcp_pkt pkt;
	struct dp_rtcp_tcc fb;
	CHECK_EQ(dp_rtcp_pkt_parse(buf, len, &pkt), 0);
	CHECK_EQ(dp_rtcp_parse_tcc(&pkt, &fb, st, 4096), 0);
	/* the report reaches the sender one propagation later */
	dp_bwe_on_feedback(&S.bwe, &fb, st, fb.status_count, S.now + PROP_NS);
}

/* Runs the sender at the estimate for `ms` of simulated time. */
static void run_ms(unsigned int ms)
{
	uint64_t end = S.now + (uint64_t)ms * 1000000ull;
	while (S.now < end && S.n < MAXP - 64) {
		uint32_t est = dp_bwe_estimate(&S.bwe, S.now);
		S.credit += est * (TICK_NS / 1e9) / 8.0;
		while (S.credit >= PKT) {
			send_one();
			S.credit -= PKT;
		}
		S.now += TICK_NS;
		if (S.now >= S.next_fb_ns) {
			feedback();
			S.next_fb_ns += FB_NS;
		}
	}
}

static uint32_t est(void)
{
	return dp_bwe_estimate(&S.bwe, S.now);
}

static void test_climb_and_fall(void)
{
	sim_init(300000, 2500000);
	run_ms(30000); /* 8%/s from 300k: about 3M after 30 s, if nothing stopped it */
	uint32_t e1 = est();
	fprintf(stderr, "climb: 300k start, 2.5M link, 30 s: %u bps\n", e1);
	CHECK(e1 > 1500000); /* climbed towards the link */
	CHECK(e1 < 4000000); /* and did not run far past it */

	/* delay ramp: the capacity drops to 800 kbps */
	uint64_t over0 = S.bwe.overuses;
	S.capacity_bps = 800000;
	run_ms(6000);
	uint32_t e2 = est();
	fprintf(stderr, "drop: link 800k, 6 s later: %u bps, %llu overuses\n", e2,
		(unsigned long long)(S.bwe.overuses - over0));
	CHECK(S.bwe.overuses > over0);
	CHECK(e2 < 1100000);
	CHECK(e2 > 200000); /* cut, not collapsed */

	/* clean again: the capacity returns */
	S.capacity_bps = 2500000;
	run_ms(40000);
	uint32_t e3 = est();
	fprintf(stderr, "recover: link 2.5M, 40 s later: %u bps\n", e3);
	CHECK(e3 > 1500000);
	CHECK(S.bwe.unknown_seq == 0);
}

static void test_loss(void)
{
	/* a link with room to spare, 20% loss: the estimate falls */
	sim_init(1000000, 50000000);
	S.loss = 0.20;
	run_ms(10000);
	fprintf(stderr, "loss 20%%: %u bps, %llu lost\n", est(),
		(unsigned long long)S.bwe.pkts_lost);
	CHECK(S.bwe.pkts_lost > 0);
	CHECK(est() < 300000);

	/* 1% loss: no cut, it grows */
	sim_init(1000000, 50000000);
	S.loss = 0.01;
	run_ms(10000);
	fprintf(stderr, "loss 1%%: %u bps\n", est());
	CHECK(est() > 1000000);
}

static void test_remb_and_reports(void)
{
	struct dp_bwe b;
	dp_bwe_init(&b, NULL);
	CHECK_EQ(dp_bwe_estimate(&b, 1), 600000); /* mediasoup's default start */
	dp_bwe_on_remb(&b, 250000, 1000);
	CHECK_EQ(dp_bwe_estimate(&b, 2000), 250000); /* REMB alone */
	CHECK_EQ(dp_bwe_estimate(&b, 1000 + 6000000000ull), 600000); /* forgotten */
	dp_bwe_on_remb(&b, 5, 10);
	CHECK_EQ(dp_bwe_estimate(&b, 20), 30000); /* clamped to the floor */

	/* a report of seqs never sent: counted, ignored; a second report of
	 * the same packets is not counted twice */
	sim_init(500000, 10000000);
	struct dp_rtcp_tcc fb = {.ref_time = 100};
	struct dp_rtcp_tcc_status st[2] = {{.seq = 7, .symbol = DP_RTCP_TCC_SMALL, .delta = 4},
					  {.seq = 8, .symbol = DP_RTCP_TCC_SMALL, .delta = 4}};
	dp_bwe_on_feedback(&S.bwe, &fb, st, 2, S.now);
	CHECK_EQ(S.bwe.unknown_seq, 2);
	dp_bwe_on_sent(&S.bwe, 7, 1000, S.now);
	dp_bwe_on_sent(&S.bwe, 8, 1000, S.now + 1000000);
	dp_bwe_on_feedback(&S.bwe, &fb, st, 2, S.now + 50000000);
	dp_bwe_on_feedback(&S.bwe, &fb, st, 2, S.now + 60000000);
	CHECK_EQ(S.bwe.pkts_received, 2);
	CHECK_EQ(S.bwe.unknown_seq, 2);
	/* REMB below the tcc estimate caps it */
	dp_bwe_on_remb(&S.bwe, 100000, S.now);
	CHECK_EQ(dp_bwe_estimate(&S.bwe, S.now + 1), 100000);
}

/* ---- allocation ---- */

static struct dp_alloc_item video(uint8_t cls, uint32_t l0, uint32_t l1, uint32_t l2)
{
	struct dp_alloc_item x = {.cls = cls, .max_layer = 2, .layer_bps = {l0, l1, l2, 0}};
	return x;
}

static void test_alloc_room(void)
{
	/* one transport, 10 consumers: 2 audio, the speaker, a screen, 6 others */
	struct dp_alloc_item it[10];
	it[0] = (struct dp_alloc_item){.cls = DP_ALLOC_AUDIO, .layer_bps = {40000}};
	it[1] = (struct dp_alloc_item){.cls = DP_ALLOC_AUDIO, .layer_bps = {40000}};
	it[2] = video(DP_ALLOC_VIDEO, 150000, 500000, 1500000);
	it[3] = video(DP_ALLOC_PRIORITY, 150000, 500000, 1500000); /* speaker */
	it[4] = video(DP_ALLOC_PRIORITY, 300000, 0, 1200000);       /* screen, layer 1 off */
	for (int i = 5; i < 10; i++)
		it[i] = video(DP_ALLOC_VIDEO, 150000, 500000, 1500000);
	uint64_t want = 0;

	/* nothing: audio still flows, every video paused */
	uint64_t used = dp_alloc_run(it, 10, 0, &want);
	CHECK_EQ(used, 80000);
	CHECK_EQ(it[0].layer, 0);
	CHECK_EQ(it[1].layer, 0);
	for (int i = 2; i < 10; i++)
		CHECK_EQ(it[i].layer, -1);
	CHECK_EQ(want, 80000 + 1500000 * 7ull + 1200000);

	/* 400 kbps: the speaker's low layer first; the screen's (300k) does
	 * not fit in the 170k left, the first other's 150k does */
	used = dp_alloc_run(it, 10, 400000, NULL);
	CHECK_EQ(it[3].layer, 0);
	CHECK_EQ(it[4].layer, -1);
	CHECK_EQ(it[2].layer, 0);
	CHECK_EQ(used, 80000 + 150000 + 150000);
	for (int i = 5; i < 10; i++)
		CHECK_EQ(it[i].layer, -1);

	/* 1.4 Mbps: the lowest layers (80k audio + 150k + 300k + 6 x 150k
	 * would be 1.43M: the last other does not fit; 120k left buys no
	 * upgrade) */
	used = dp_alloc_run(it, 10, 1400000, NULL);
	CHECK_EQ(it[3].layer, 0);
	CHECK_EQ(it[4].layer, 0);
	CHECK_EQ(used, 1280000);
	int visible = 0;
	for (int i = 2; i < 10; i++)
		visible += it[i].layer >= 0;
	CHECK_EQ(visible, 7);
	CHECK_EQ(it[9].layer, -1); /* input order within a class */

	/* 4 Mbps: all visible, the speaker and the screen on top, others low */
	used = dp_alloc_run(it, 10, 4000000, NULL);
	CHECK(used <= 4000000);
	CHECK_EQ(it[3].layer, 2);
	CHECK_EQ(it[4].layer, 2); /* skipped the inactive layer 1 */
	for (int i = 2; i < 10; i++)
		CHECK(it[i].layer >= 0);

	/* plenty: everyone at the preferred layer; one prefers layer 1 */
	it[6].max_layer = 1;
	used = dp_alloc_run(it, 10, 100000000, &want);
	CHECK_EQ(used, want);
	CHECK_EQ(it[6].layer, 1);
	CHECK_EQ(it[5].layer, 2);
}

/* Random rooms: the invariants of the policy. */
static void test_alloc_property(void)
{
	for (int round = 0; round < 20000; round++) {
		struct dp_alloc_item it[12];
		unsigned int n = 1 + xr() % 12;
		for (unsigned int i = 0; i < n; i++) {
			memset(&it[i], 0, sizeof(it[i]));
			it[i].cls = (uint8_t)(xr() % DP_ALLOC__CLASSES);
			it[i].max_layer = (uint8_t)(xr() % DP_ALLOC_LAYERS);
			uint32_t b = 20000 + xr() % 200000;
			for (unsigned int l = 0; l < DP_ALLOC_LAYERS; l++) {
				it[i].layer_bps[l] = xr() % 4 ? b : 0;
				b += 50000 + xr() % 1000000;
			}
		}
		uint64_t budget = xr() % 8000000, want;
		uint64_t used = dp_alloc_run(it, n, budget, &want), audio = 0, sum = 0;
		for (unsigned int i = 0; i < n; i++) {
			if (it[i].cls == DP_ALLOC_AUDIO) {
				audio += it[i].layer_bps[0];
				sum += it[i].layer_bps[0];
				CHECK_EQ(it[i].layer, 0);
			}
			if (it[i].layer >= 0 && it[i].cls != DP_ALLOC_AUDIO) {
				CHECK(it[i].layer <= it[i].max_layer);
				CHECK(it[i].layer_bps[it[i].layer] != 0);
				sum += it[i].layer_bps[it[i].layer];
			}
		}
		CHECK_EQ(sum, used);
		CHECK(used <= want);
		CHECK(used <= budget || used == audio);
		/* a paused priority video means no lower one got a layer its
		 * lowest layer's cost could have bought */
		for (unsigned int i = 0; i < n; i++) {
			if (it[i].cls != DP_ALLOC_PRIORITY || it[i].layer >= 0)
				continue;
			int lo = -1;
			for (int l = 0; l <= it[i].max_layer && lo < 0; l++)
				if (it[i].layer_bps[l])
					lo = l;
			if (lo < 0)
				continue;
			for (unsigned int j = 0; j < n; j++)
				if (it[j].cls == DP_ALLOC_VIDEO && it[j].layer >= 0)
					CHECK(it[j].layer_bps[it[j].layer] < it[i].layer_bps[lo]);
		}
		/* nobody left below its preferred layer while its next step fits */
		for (unsigned int i = 0; i < n; i++) {
			if (it[i].layer < 0 || it[i].cls == DP_ALLOC_AUDIO)
				continue;
			for (int l = it[i].layer + 1; l <= it[i].max_layer && l < (int)DP_ALLOC_LAYERS; l++)
				if (it[i].layer_bps[l]) {
					uint64_t c0 = it[i].layer_bps[it[i].layer], c1 = it[i].layer_bps[l];
					CHECK(c1 <= c0 || used + (c1 - c0) > budget);
					break;
				}
		}
	}
}

int main(void)
{
	test_climb_and_fall();
	test_loss();
	test_remb_and_reports();
	test_alloc_room();
	test_alloc_property();
	return check_report("test_bwe");
}
