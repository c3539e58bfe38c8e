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
 * and mean ns/packet of the timed sections, and ns/packet of the fastest
 * burst ("best": less disturbed by other load on a shared machine).
 * fan-out: 32 consumers with their own contexts protect one shared payload
 * out of place (dp_srtp_protect_rtp_burst_from; the header written untimed,
 * the payload read and each SRTP packet written in the timed call, so it
 * includes the copy that protect-only leaves out). Exits 1 if any
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

/*
 * Fan-out: BURST consumers, each with its own tx context and SSRC, protect
 * one shared plaintext payload out of place (dp_srtp_protect_rtp_burst_from):
 * prepare (untimed) writes each consumer's 12-byte header; run (timed) is
 * the call, which reads the payload and writes each SRTP packet.
 */
struct bench_fan {
	struct dp_srtp *tx[BURST];
	uint8_t *pkts[BURST];
	const uint8_t *src[BURST];
	uint8_t *shared;
	uint32_t hl[BURST], pl[BURST], out[BURST];
	enum dp_srtp_status st[BURST];
	uint16_t seq;
};

static int prep_fan(void *arg, unsigned int n)
{
	struct bench_fan *f = arg;
	uint16_t seq = f->seq++;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t *b = f->pkts[i];

		b[0] = 0x80;
		b[1] = 96;
		b[2] = (uint8_t)(seq >> 8);
		b[3] = (uint8_t)seq;
		memset(b + 4, 0x42, 4);
		b[8] = 0x5e;
		b[9] = 0xed;
		b[10] = 0;
		b[11] = (uint8_t)i; /* consumer i's SSRC */
	}
	return 0;
}

static int run_fan(void *arg, unsigned int n)
{
	struct bench_fan *f = arg;

	return (int)dp_srtp_protect_rtp_burst_from(f->tx, f->pkts, f->hl, f->src, f->pl, CAP,
						   f->out, f->st, n);
}

static void fan_fini(struct bench_fan *f)
{
	for (unsigned int i = 0; i < BURST; i++) {
		dp_srtp_destroy(f->tx[i]);
		free(f->pkts[i]);
	}
	free(f->shared);
}

static int fan_init(struct bench_fan *f, enum sl_srtp_profile p, uint32_t payload)
{
	uint8_t k[SL_SRTP_MASTER_MAX], kl, sl;

	memset(f, 0, sizeof(*f));
	f->shared = aligned_alloc(64, CAP);
	if (!f->shared || dp_srtp_key_lengths(p, &kl, &sl) != 0)
		return -1;
	memset(f->shared, 0x17, CAP);
	for (unsigned int i = 0; i < BURST; i++) {
		for (unsigned int j = 0; j < SL_SRTP_MASTER_MAX; j++)
			k[j] = (uint8_t)(j * 11u + i);
		f->pkts[i] = aligned_alloc(64, CAP);
		if (!f->pkts[i] || dp_srtp_create(&f->tx[i], p, k, k, kl, sl) != DP_SRTP_OK)
			return -1;
		f->src[i] = f->shared;
		f->hl[i] = HDR;
		f->pl[i] = payload;
	}
	f->seq = 1;
	return 0;
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
		     uint64_t count, struct bench_result *rp, struct bench_result *ru,
		     struct bench_result *rf)
{
	static const struct bench_ops prot = { prep_protect, run_protect };
	static const struct bench_ops unprot = { prep_unprotect, run_unprotect };
	static const struct bench_ops fan = { prep_fan, run_fan };
	struct bench_srtp_case c;
	struct bench_fan f;
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
	if (rc == 0 && (fan_init(&f, p, payload) != 0 ||
			bench_measure(&fan, &f, 4 * BURST, count, BURST, rf) != 0))
		rc = -1;
	fan_fini(&f);
	if (rc != 0) {
		fprintf(stderr, "bench_srtp: %s %s/%u: setup failed\n", engine,
			dp_srtp_profile_name(p), payload);
		return -1;
	}
	printf("%-8s %-18s %5u %11.0f %8.0f %8.0f | %11.0f %8.0f %8.0f | %11.0f %8.0f %8.0f\n",
	       engine, dp_srtp_profile_name(p), HDR + payload, rp->pps, rp->ns_per_pkt,
	       rp->best_ns_per_pkt, ru->pps, ru->ns_per_pkt, ru->best_ns_per_pkt, rf->pps,
	       rf->ns_per_pkt, rf->best_ns_per_pkt);
	if (rp->failed || ru->failed || rf->failed) {
		fprintf(stderr, "bench_srtp: %s %s/%u: %llu protect, %llu unprotect, %llu fan-out "
			"failures\n", engine, dp_srtp_profile_name(p), payload,
			(unsigned long long)rp->failed, (unsigned long long)ru->failed,
			(unsigned long long)rf->failed);
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
static void print_ratios(struct bench_result res[NE][NP][NS][3])
{
	printf("\n| profile | size | protect/s ipsec-mb / libsrtp | ratio (best) "
	       "| unprotect/s ipsec-mb / libsrtp | ratio (best) "
	       "| fan-out/s ipsec-mb / libsrtp | ratio (best) |\n"
	       "|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < NP; i++)
		for (size_t j = 0; j < NS; j++) {
			printf("| %s | %u ", dp_srtp_profile_name(profiles[i]), sizes[j]);
			for (int k = 0; k < 3; k++) {
				const struct bench_result *im = &res[0][i][j][k], *lib = &res[1][i][j][k];

				printf("| %.2fM / %.2fM | %.1fx (%.1fx) ", im->pps / 1e6, lib->pps / 1e6,
				       ratio(im->pps, lib->pps),
				       ratio(lib->best_ns_per_pkt, im->best_ns_per_pkt));
			}
			printf("|\n");
		}
}

int main(int argc, char **argv)
{
	static struct bench_result res[NE][NP][NS][3];
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
	printf("%-8s %-18s %5s %11s %8s %8s | %11s %8s %8s | %11s %8s %8s\n", "engine",
	       "profile", "size", "protect/s", "ns/pkt", "best", "unprotect/s", "ns/pkt", "best",
	       "fan-out/s", "ns/pkt", "best");
	for (size_t i = 0; i < NP; i++)
		for (size_t j = 0; j < NS; j++)
			for (size_t e = 0; e < NE; e++) {
				if (only && strcmp(only, engines[e]) != 0)
					continue;
				bad |= bench_row(engines[e], profiles[i], sizes[j] - HDR, count,
						 &res[e][i][j][0], &res[e][i][j][1],
						 &res[e][i][j][2]) != 0;
			}
	if (!only && !bad)
		print_ratios(res);
	return bad ? 1 : 0;
}
