/* SPDX-License-Identifier: MIT */
/*
 * bench_srtp - SRTP protect-only and unprotect-only packets/s on one core,
 * for each engine and profile, at 200-byte and 1200-byte RTP packets
 * (12-byte RTP header included, SRTP trailer on top), through the dp_srtp
 * burst calls in bursts of 32.
 *
 *   bench_srtp [--engine ipsec-mb|libsrtp] [packets-per-case [cpu]]
 *              (default: both engines in one run, then a table of
 *               ipsec-mb / libsrtp ratios; 200000 packets; no pinning)
 *
 * protect: prepare (untimed) refills 32 plaintext packets with the next
 * sequence numbers; run (timed) protects them. unprotect: prepare protects
 * 32 packets with the peer's context; run unprotects them. One SSRC per
 * case, sequence numbers run on through the ROC wrap. Columns: packets/s
 * and mean ns/packet of the timed sections, ns/packet of the fastest burst
 * ("best": less disturbed by other load on a shared machine), and Mbit/s of
 * RTP (header + payload, before the SRTP trailer). Exits 1 if any
 * packet failed, so a broken build cannot print a fast table. Not a ctest:
 * figures depend on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "dp_srtp.h"

#define BURST 32u
#define HDR 12u
#define CAP 2048u

struct bench_srtp_case {
	struct dp_srtp *tx; /* the sender's context */
	struct dp_srtp *rx; /* the receiver's context (its rx = tx's key) */
	uint32_t payload;
	uint16_t seq;
	uint32_t lens[BURST];
	uint8_t *pkts[BURST];
	struct dp_srtp *tx_v[BURST];
	struct dp_srtp *rx_v[BURST];
	enum dp_srtp_status st[BURST];
};

static void fill(struct bench_srtp_case *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *b = c->pkts[i];
		uint16_t seq = c->seq++;

		b[0] = 0x80;
		b[1] = 96;
		b[2] = (uint8_t)(seq >> 8);
		b[3] = (uint8_t)seq;
		memset(b + 4, 0x42, 4);            /* timestamp */
		memcpy(b + 8, "\x0b\xad\xf0\x0d", 4); /* SSRC */
		memset(b + HDR, (int)(seq & 0xff), c->payload);
		c->lens[i] = HDR + c->payload;
	}
}

static int prep_protect(void *arg, unsigned int n)
{
	fill(arg, n);
	return 0;
}

static int run_protect(void *arg, unsigned int n)
{
	struct bench_srtp_case *c = arg;

	return (int)dp_srtp_protect_rtp_burst(c->tx_v, c->pkts, c->lens, CAP, c->st, n);
}

static int prep_unprotect(void *arg, unsigned int n)
{
	struct bench_srtp_case *c = arg;

	fill(c, n);
	return dp_srtp_protect_rtp_burst(c->tx_v, c->pkts, c->lens, CAP, c->st, n) == n ? 0 : -1;
}

static int run_unprotect(void *arg, unsigned int n)
{
	struct bench_srtp_case *c = arg;

	return (int)dp_srtp_unprotect_rtp_burst(c->rx_v, c->pkts, c->lens, CAP, c->st, n);
}

static int case_init(struct bench_srtp_case *c, enum sl_srtp_profile p, uint32_t payload)
{
	uint8_t k1[SL_SRTP_MASTER_MAX], k2[SL_SRTP_MASTER_MAX], kl, sl;

	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++) {
		k1[i] = (uint8_t)(i * 7u + 1u);
		k2[i] = (uint8_t)(i * 13u + 5u);
	}
	if (dp_srtp_key_lengths(p, &kl, &sl) != 0 ||
	    dp_srtp_create(&c->tx, p, k2, k1, kl, sl) != DP_SRTP_OK ||
	    dp_srtp_create(&c->rx, p, k1, k2, kl, sl) != DP_SRTP_OK)
		return -1;
	c->payload = payload;
	c->seq = 1;
	for (unsigned int i = 0; i < BURST; i++) {
		c->pkts[i] = aligned_alloc(64, CAP);
		if (!c->pkts[i])
			return -1;
		c->tx_v[i] = c->tx;
		c->rx_v[i] = c->rx;
	}
	return 0;
}

static void case_fini(struct bench_srtp_case *c)
{
	for (unsigned int i = 0; i < BURST; i++)
		free(c->pkts[i]);
	dp_srtp_destroy(c->tx);
	dp_srtp_destroy(c->rx);
}

/* One table row: protect and unprotect of one profile and payload size. */
static int bench_row(const char *engine, enum sl_srtp_profile p, uint32_t payload,
		     uint64_t count, struct bench_result *rp, struct bench_result *ru)
{
	static const struct bench_ops prot = { prep_protect, run_protect };
	static const struct bench_ops unprot = { prep_unprotect, run_unprotect };
	struct bench_srtp_case c;
	int rc = -1;

	if (dp_srtp_set_engine(engine) != 0) {
		fprintf(stderr, "bench_srtp: engine %s not available\n", engine);
		return -1;
	}
	if (case_init(&c, p, payload) == 0 &&
	    bench_measure(&prot, &c, 4 * BURST, count, BURST, rp) == 0) {
		/* fresh contexts, so unprotect does not start behind protect's seq */
		case_fini(&c);
		if (case_init(&c, p, payload) == 0 &&
		    bench_measure(&unprot, &c, 4 * BURST, count, BURST, ru) == 0)
			rc = 0;
	}
	case_fini(&c);
	if (rc != 0) {
		fprintf(stderr, "bench_srtp: %s %s/%u: setup failed\n", engine,
			dp_srtp_profile_name(p), payload);
		return -1;
	}
	printf("%-8s %-18s %5u %11.0f %8.0f %8.0f %8.0f | %11.0f %8.0f %8.0f %8.0f\n", engine,
	       dp_srtp_profile_name(p), HDR + payload, rp->pps, rp->ns_per_pkt,
	       rp->best_ns_per_pkt, rp->pps * (HDR + payload) * 8 / 1e6, ru->pps, ru->ns_per_pkt,
	       ru->best_ns_per_pkt, ru->pps * (HDR + payload) * 8 / 1e6);
	if (rp->failed || ru->failed) {
		fprintf(stderr, "bench_srtp: %s %s/%u: %llu protect and %llu unprotect failures\n",
			engine, dp_srtp_profile_name(p), payload, (unsigned long long)rp->failed,
			(unsigned long long)ru->failed);
		return -1;
	}
	return 0;
}

static const enum sl_srtp_profile profiles[] = {
	SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AES128_CM_SHA1_32,
	SL_SRTP_AEAD_AES_128_GCM, SL_SRTP_AEAD_AES_256_GCM,
};
static const uint32_t sizes[] = { 200, 1200 }; /* RTP packet bytes, header included */
static const char *const engines[] = { "ipsec-mb", "libsrtp" };

#define NP (sizeof(profiles) / sizeof(profiles[0]))
#define NS (sizeof(sizes) / sizeof(sizes[0]))
#define NE (sizeof(engines) / sizeof(engines[0]))

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/*
 * Both engines were run: a Markdown table of packets/s per row and the
 * ipsec-mb / libsrtp ratio of the means, and in brackets the ratio of the
 * fastest bursts (less disturbed by other load on a shared machine).
 */
static void print_ratios(struct bench_result res[NE][NP][NS][2])
{
	printf("\n| profile | size | protect/s ipsec-mb / libsrtp | ratio (best) "
	       "| unprotect/s ipsec-mb / libsrtp | ratio (best) |\n"
	       "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < NP; i++)
		for (size_t j = 0; j < NS; j++) {
			const struct bench_result *im = res[0][i][j], *lib = res[1][i][j];

			printf("| %s | %u | %.2fM / %.2fM | %.1fx (%.1fx) | %.2fM / %.2fM "
			       "| %.1fx (%.1fx) |\n", dp_srtp_profile_name(profiles[i]), sizes[j],
			       im[0].pps / 1e6, lib[0].pps / 1e6, ratio(im[0].pps, lib[0].pps),
			       ratio(lib[0].best_ns_per_pkt, im[0].best_ns_per_pkt), im[1].pps / 1e6,
			       lib[1].pps / 1e6, ratio(im[1].pps, lib[1].pps),
			       ratio(lib[1].best_ns_per_pkt, im[1].best_ns_per_pkt));
		}
}

int main(int argc, char **argv)
{
	static struct bench_result res[NE][NP][NS][2];
	const char *only = NULL;
	uint64_t count;
	int bad = 0;

	if (argc > 2 && strcmp(argv[1], "--engine") == 0) {
		only = argv[2];
		argc -= 2;
		argv += 2;
	}
	count = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
	if (count == 0 || (only && strcmp(only, engines[0]) && strcmp(only, engines[1]))) {
		fprintf(stderr, "usage: bench_srtp [--engine ipsec-mb|libsrtp] "
				"[packets-per-case [cpu]]\n");
		return 2;
	}
	if (argc > 2 && bench_pin_cpu(atoi(argv[2])) != 0) {
		fprintf(stderr, "bench_srtp: cannot pin to cpu %s\n", argv[2]);
		return 2;
	}
	if (dp_srtp_global_init() != 0) {
		fprintf(stderr, "bench_srtp: dp_srtp_global_init failed\n");
		return 1;
	}
	printf("bench_srtp: %llu packets per case, bursts of %u, one thread, ipsec-mb arch %s\n",
	       (unsigned long long)count, BURST, dp_srtp_engine_arch());
	printf("%-8s %-18s %5s %11s %8s %8s %8s | %11s %8s %8s %8s\n", "engine", "profile",
	       "size", "protect/s", "ns/pkt", "best", "Mbit/s", "unprotect/s", "ns/pkt", "best",
	       "Mbit/s");
	for (size_t i = 0; i < NP; i++)
		for (size_t j = 0; j < NS; j++)
			for (size_t e = 0; e < NE; e++) {
				if (only && strcmp(only, engines[e]) != 0)
					continue;
				bad |= bench_row(engines[e], profiles[i], sizes[j] - HDR, count,
						 &res[e][i][j][0], &res[e][i][j][1]) != 0;
			}
	if (!only && !bad)
		print_ratios(res);
	return bad ? 1 : 0;
}
