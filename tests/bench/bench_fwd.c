/* SPDX-License-Identifier: MIT */
/*
 * bench_fwd - the forwarding path of one lcore, measured in-process: one
 * producer to N consumers (N = 1, 10, 50), 160- and 1200-byte payloads,
 * every SRTP profile. Pre-encrypted SRTP frames go through the real
 * per-lcore code (dp_lcore_rx_one: Ethernet/IPv4/UDP parse with checksum
 * check, demux, tuple lookup, SRTP unprotect, fan-out, per-consumer copy,
 * rewrite, SRTP protect, Eth/IPv4/UDP with full checksums, tx burst) into a
 * net_null device that frees what it is given. Next to it, in the same run
 * and on the same core, SRTP protect alone on the same packets (the bound
 * the forwarding could reach if everything but the per-consumer protect
 * were free), once with one context (prot1) and once with N contexts in
 * turn (protN: what the fan-out has to do, one session per consumer).
 * Printed per case: input packets/s, consumer packets out/s, both
 * protect-only packets/s, unprotect-only packets/s, the ratios out/prot1
 * and out/protN (goal >= 0.8), ratioC = out/s over the rate of the same
 * crypto work alone (one unprotect per input shared by its N outputs plus
 * one protect per output: with N = 1 every output also pays an unprotect,
 * so out/prot1 cannot pass ~0.5 there and ratioC is the fair one), the same ratio from the fastest burst of each (burst1: steadier on
 * a shared machine), and mean ns per consumer packet vs ns per protect.
 *
 *   bench_fwd [outputs-per-case [cpu [profile-substring]]]
 *             (defaults: 200000, the EAL's first cpu, every profile)
 *
 * Producer and consumers negotiate nack, as browsers' video does, so the
 * fan keeps every packet in its retransmission buffer (dp_nack.h) like in
 * a real call; SL_BENCH_NACK=0 measures without it.
 *
 * Only run() is timed: prepare() builds and encrypts the next input frames
 * as the producer's browser would (32 / N of them, at least one, so that a
 * timed call makes about 32 consumer packets, like a protect burst). Each
 * case is measured three times, forwarding and protect-only interleaved,
 * and the best of each is kept (a shared machine only ever slows a run
 * down). One lcore (the EAL main thread).
 * Exits 1 when any output is missing or any drop was counted, so a broken
 * path cannot print a fast table. Not a ctest: figures depend on the
 * machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bench_util.h"
#include "dp_lcore.h"
#include "dp_media.h"
#include "dp_net.h"
#include "dp_port.h"
#include "dp_shm.h"
#include "dp_srtp.h"
#include "dp_stun.h"

#define BURST 32u
#define RTP_HDR 28u /* 12 + one-byte extension block of 16 (mid, abs, tcc) */
#define MAX_CONS 50u

static struct dp_lcore LC;
static struct dp_shm SHM;
static struct dp_stun_hmac *HMAC;
static uint32_t DP_IP;
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x99};

struct fwd_case {
	enum sl_srtp_profile prof;
	uint32_t payload;
	unsigned int n_cons;
	struct dp_srtp *browser; /* the producer's browser: protects what it sends */
	struct dp_srtp *ubrowser; /* same keys, own sequence: input of the unprotect baseline */
	uint16_t useq;
	uint16_t seq;
	uint32_t ts;
	struct rte_mbuf *in[BURST];
	/* protect-only baselines: one context, and n_cons contexts in turn */
	struct dp_srtp *tx;
	struct dp_srtp *txn[MAX_CONS];
	unsigned int next_ctx;
	int use_n;
	uint8_t *pkts[BURST];
	uint32_t lens[BURST];
	struct dp_srtp *tx_v[BURST];
	enum dp_srtp_status st[BURST];
	uint16_t pseq;
};

static void key_bytes(uint8_t *k, uint8_t salt)
{
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++)
		k[i] = (uint8_t)(i * 13u + salt);
}

static int cmd(struct sl_msg *m)
{
	return dp_media_cmd(&LC, m);
}

/* Writes the test RTP packet (extension block like a browser's). */
static uint32_t build_rtp(uint8_t *p, uint16_t seq, uint32_t ts, uint32_t payload)
{
	static const uint8_t ext[16] = {0xbe, 0xde, 0x00, 0x03, 0x10, '0', 0x32, 1, 2, 3,
					0x51, 0, 0, 0, 0, 0};
	p[0] = 0x90;
	p[1] = 96;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	memcpy(p + 8, "\x0b\xad\xf0\x0d", 4);
	memcpy(p + 12, ext, sizeof(ext));
	p[12 + 11] = (uint8_t)(seq >> 8); /* tcc value */
	p[12 + 12] = (uint8_t)seq;
	memset(p + RTP_HDR, (int)(seq & 0xff), payload);
	return RTP_HDR + payload;
}

/* A frame from peer i (198.18.1.i:5000+i) to the lcore's port. */
static struct rte_mbuf *frame(unsigned int i, const uint8_t *payload, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(LC.pool);
	if (!m)
		return NULL;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t src = htonl(0xc6120100u + i);
	memcpy(f + DP_UDP4_HDRS, payload, len);
	size_t fl = dp_net_build_udp4(f, (size_t)m->buf_len - m->data_off, PEER_MAC, LC.net.mac,
				      src, DP_IP, htons((uint16_t)(5000 + i)),
				      htons(LC.ls->udp_port), len);
	m->data_len = (uint16_t)fl;
	m->pkt_len = (uint32_t)fl;
	return m;
}

static int transport(uint32_t tid, enum sl_srtp_profile prof, uint8_t salt)
{
	struct sl_msg m;
	uint8_t kl, sl;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_TRANSPORT_CREATE;
	m.h.transport_id = tid;
	snprintf(m.u.transport_create.ice_ufrag, SL_ICE_UFRAG_MAX, "ufrag%u", tid);
	snprintf(m.u.transport_create.ice_pwd, SL_ICE_PWD_MAX, "password-of-transport-%u", tid);
	m.u.transport_create.local_port = LC.ls->udp_port;
	if (cmd(&m) != 0)
		return -1;
	/* ICE: a nominating Binding request from peer tid */
	uint8_t req[256], txid[12] = {1, 2, 3};
	char user[64];
	size_t len = 0;
	snprintf(user, sizeof(user), "ufrag%u:remote", tid);
	char pwd[64];
	snprintf(pwd, sizeof(pwd), "password-of-transport-%u", tid);
	struct dp_stun_request r = {.txid = txid, .username = (const uint8_t *)user,
				    .username_len = strlen(user), .priority = 1, .controlling = 1,
				    .use_candidate = 1, .key = (const uint8_t *)pwd,
				    .key_len = strlen(pwd)};
	if (dp_stun_build_request(HMAC, req, sizeof(req), &len, &r) != DP_STUN_OK)
		return -1;
	struct rte_mbuf *f = frame(tid, req, (uint32_t)len);
	if (!f)
		return -1;
	dp_lcore_rx_one(&LC, f);
	dp_lcore_tx_flush(&LC);
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SRTP_KEYS;
	m.h.transport_id = tid;
	dp_srtp_key_lengths(prof, &kl, &sl);
	m.u.srtp_keys.profile = (uint16_t)prof;
	m.u.srtp_keys.key_len = kl;
	m.u.srtp_keys.salt_len = sl;
	key_bytes(m.u.srtp_keys.rx, salt);
	key_bytes(m.u.srtp_keys.tx, (uint8_t)(salt + 100));
	return cmd(&m);
}

/* Transports 0 (producer) and 1..n (consumers), streams, fan-out. */
static int g_nack = 1; /* SL_BENCH_NACK=0: no retransmission buffer */
/* --json FILE: one object per case (engine, profile, size, n, out_pps,
 * protect_only_pps, crypto_bound_pps) */
static FILE *g_json;
static unsigned int g_json_n;

static int case_setup(struct fwd_case *c)
{
	uint8_t rx[SL_SRTP_MASTER_MAX], tx[SL_SRTP_MASTER_MAX], kl, sl;
	struct sl_msg m;
	for (uint32_t t = 0; t <= c->n_cons; t++)
		if (transport(t, c->prof, (uint8_t)t) != 0)
			return -1;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_ADD;
	m.h.transport_id = 0;
	m.u.producer_add.producer_id = 1;
	m.u.producer_add.ssrc = 0x0badf00d;
	m.u.producer_add.kind = SL_KIND_VIDEO;
	m.u.producer_add.payload_type = 96;
	m.u.producer_add.clock_rate = 90000;
	m.u.producer_add.ext.mid = 1;
	m.u.producer_add.ext.abs_send_time = 3;
	m.u.producer_add.ext.transport_cc = 5;
	m.u.producer_add.nack = (uint8_t)g_nack;
	if (cmd(&m) != 0)
		return -1;
	for (uint32_t t = 1; t <= c->n_cons; t++) {
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_CONSUMER_ADD;
		m.h.transport_id = t;
		m.u.consumer_add.consumer_id = 100 + t;
		m.u.consumer_add.producer_id = 1;
		m.u.consumer_add.ssrc = 0xc0000000u + t;
		m.u.consumer_add.kind = SL_KIND_VIDEO;
		m.u.consumer_add.n_pt = 1;
		m.u.consumer_add.pt_map[0].from = 96;
		m.u.consumer_add.pt_map[0].to = 100;
		m.u.consumer_add.clock_rate = 90000;
		m.u.consumer_add.ext.abs_send_time = 2;
		m.u.consumer_add.ext.transport_cc = 4;
		m.u.consumer_add.nack = (uint8_t)g_nack;
		if (cmd(&m) != 0)
			return -1;
	}
	dp_srtp_key_lengths(c->prof, &kl, &sl);
	key_bytes(rx, 0);
	key_bytes(tx, 100);
	/* the browser sends with the transport's rx key */
	if (dp_srtp_create(&c->browser, c->prof, tx, rx, kl, sl) != DP_SRTP_OK ||
	    dp_srtp_create(&c->ubrowser, c->prof, tx, rx, kl, sl) != DP_SRTP_OK)
		return -1;
	if (dp_srtp_create(&c->tx, c->prof, rx, tx, kl, sl) != DP_SRTP_OK)
		return -1;
	for (unsigned int i = 0; i < c->n_cons; i++) {
		key_bytes(tx, (uint8_t)(200 + i));
		if (dp_srtp_create(&c->txn[i], c->prof, rx, tx, kl, sl) != DP_SRTP_OK)
			return -1;
	}
	for (unsigned int i = 0; i < BURST; i++) {
		c->pkts[i] = aligned_alloc(64, 2048);
		if (!c->pkts[i])
			return -1;
		c->tx_v[i] = c->tx;
	}
	c->seq = 1;
	c->pseq = 1;
	return 0;
}

static void case_fini(struct fwd_case *c)
{
	struct sl_msg m;
	for (uint32_t t = 0; t <= c->n_cons; t++) {
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_TRANSPORT_DESTROY;
		m.h.transport_id = t;
		cmd(&m);
	}
	for (unsigned int i = 0; i < BURST; i++)
		free(c->pkts[i]);
	dp_srtp_destroy(c->browser);
	dp_srtp_destroy(c->ubrowser);
	dp_srtp_destroy(c->tx);
	for (unsigned int i = 0; i < c->n_cons; i++)
		dp_srtp_destroy(c->txn[i]);
}

static int prep_fwd(void *arg, unsigned int n)
{
	struct fwd_case *c = arg;
	uint8_t pkt[2048];
	for (unsigned int i = 0; i < n; i++) {
		uint32_t len = build_rtp(pkt, c->seq++, c->ts += 3000, c->payload);
		if (dp_srtp_protect_rtp(c->browser, pkt, &len, sizeof(pkt)) != DP_SRTP_OK)
			return -1;
		c->in[i] = frame(0, pkt, len);
		if (!c->in[i])
			return -1;
	}
	return 0;
}

static int run_fwd(void *arg, unsigned int n)
{
	struct fwd_case *c = arg;
	for (unsigned int i = 0; i < n; i++)
		dp_lcore_rx_one(&LC, c->in[i]);
	dp_lcore_tx_flush(&LC);
	return (int)n;
}

static int prep_protect(void *arg, unsigned int n)
{
	struct fwd_case *c = arg;
	for (unsigned int i = 0; i < n; i++) {
		c->lens[i] = build_rtp(c->pkts[i], c->pseq, 0, c->payload);
		if (c->use_n) { /* like the fan-out: each packet for the next consumer */
			c->tx_v[i] = c->txn[c->next_ctx];
			if (++c->next_ctx == c->n_cons) {
				c->next_ctx = 0;
				c->pseq++;
			}
		} else {
			c->tx_v[i] = c->tx;
			c->pseq++;
		}
	}
	return 0;
}

static int run_protect(void *arg, unsigned int n)
{
	struct fwd_case *c = arg;
	return (int)dp_srtp_protect_rtp_burst(c->tx_v, c->pkts, c->lens, 2048, c->st, n);
}

/* Unprotect-only baseline: what the producer's lcore must do once per input. */
static int prep_unprotect(void *arg, unsigned int n)
{
	struct fwd_case *c = arg;
	for (unsigned int i = 0; i < n; i++) {
		c->lens[i] = build_rtp(c->pkts[i], c->useq++, 0, c->payload);
		if (dp_srtp_protect_rtp(c->ubrowser, c->pkts[i], &c->lens[i], 2048) != DP_SRTP_OK)
			return -1;
		c->tx_v[i] = c->tx; /* its rx key is the browser's */
	}
	return 0;
}

static int run_unprotect(void *arg, unsigned int n)
{
	struct fwd_case *c = arg;
	return (int)dp_srtp_unprotect_rtp_burst(c->tx_v, c->pkts, c->lens, 2048, c->st, n);
}

static uint64_t all_drops(void)
{
	uint64_t s = 0;
	for (unsigned int r = 0; r < SL_DROP__COUNT; r++)
		s += LC.ctr->drops[r];
	return s;
}

#define REPS 3 /* measurements per case, interleaved; the best of each is kept */

static void keep_best(struct bench_result *best, const struct bench_result *r)
{
	if (r->pps > best->pps) {
		best->pps = r->pps;
		best->ns_per_pkt = r->ns_per_pkt;
	}
	if (best->best_ns_per_pkt == 0 || r->best_ns_per_pkt < best->best_ns_per_pkt)
		best->best_ns_per_pkt = r->best_ns_per_pkt;
	best->failed += r->failed;
}

static int bench_case(enum sl_srtp_profile prof, uint32_t payload, unsigned int n_cons,
		      uint64_t outputs)
{
	static const struct bench_ops fwd = {prep_fwd, run_fwd};
	static const struct bench_ops prot = {prep_protect, run_protect};
	static const struct bench_ops unprot = {prep_unprotect, run_unprotect};
	struct fwd_case c;
	struct bench_result rf = {0}, rp = {0}, rn = {0}, ru = {0}, r;
	memset(&c, 0, sizeof(c));
	c.prof = prof;
	c.payload = payload;
	c.n_cons = n_cons;
	if (case_setup(&c) != 0) {
		fprintf(stderr, "bench_fwd: %s/%u/%u: setup failed\n", dp_srtp_profile_name(prof), payload, n_cons);
		case_fini(&c);
		return -1;
	}
	/* about BURST consumer packets per timed forwarding call, like the
	 * protect bursts, so that the fastest bursts compare */
	unsigned int fburst = n_cons >= BURST ? 1 : BURST / n_cons;
	uint64_t inputs = outputs / n_cons / REPS;
	if (inputs < 4 * BURST)
		inputs = 4 * BURST;
	uint64_t drops0 = all_drops(), out0 = LC.ctr->rtp_out, tx0 = LC.ctr->tx_pkts;
	uint64_t rtcp0 = LC.ctr->rtcp_out; /* feedback to the producer is sent too */
	int rc = 0;
	for (int rep = 0; rep < REPS && rc == 0; rep++) {
		rc = bench_measure(&fwd, &c, 4 * fburst, inputs, fburst, &r);
		keep_best(&rf, &r);
		c.use_n = 0;
		if (rc == 0)
			rc = bench_measure(&prot, &c, 4 * BURST, inputs * n_cons, BURST, &r);
		keep_best(&rp, &r);
		c.use_n = 1;
		if (rc == 0)
			rc = bench_measure(&prot, &c, 4 * BURST, inputs * n_cons, BURST, &r);
		keep_best(&rn, &r);
		if (rc == 0)
			rc = bench_measure(&unprot, &c, 4 * BURST, inputs, BURST, &r);
		keep_best(&ru, &r);
	}
	uint64_t drops = all_drops() - drops0, out = LC.ctr->rtp_out - out0;
	uint64_t sent = LC.ctr->tx_pkts - tx0 - (LC.ctr->rtcp_out - rtcp0);
	case_fini(&c);
	uint64_t want = REPS * (inputs + 4 * fburst) * n_cons;
	if (rc != 0 || drops || out != want || sent != want || rp.failed || rn.failed ||
	    ru.failed) {
		fprintf(stderr,
			"bench_fwd: %s/%u/%u: rc %d, %llu drops, %llu of %llu out, %llu sent, failed protect %llu/%llu unprotect %llu\n",
			dp_srtp_profile_name(prof), payload, n_cons, rc, (unsigned long long)drops,
			(unsigned long long)out, (unsigned long long)want, (unsigned long long)sent,
			(unsigned long long)rp.failed, (unsigned long long)rn.failed, (unsigned long long)ru.failed);
		return -1;
	}
	double out_pps = rf.pps * n_cons;
	double best_out = rf.best_ns_per_pkt / n_cons; /* ns per consumer packet */
	/* the same crypto work as the forwarding: one unprotect per input shared
	 * by its N outputs, one protect per output (N contexts) */
	double crypto_out_pps = 1.0 / (1.0 / ru.pps / n_cons + 1.0 / rn.pps);
	if (g_json)
		fprintf(g_json, "%s{\"engine\":\"%s\",\"profile\":\"%s\",\"size\":%u,\"n\":%u,"
			"\"out_pps\":%.0f,\"protect_only_pps\":%.0f,\"crypto_bound_pps\":%.0f}",
			g_json_n++ ? ",\n" : "", dp_srtp_engine_name(), dp_srtp_profile_name(prof),
			payload, n_cons, out_pps, rp.pps, crypto_out_pps);
	printf("%-8s %-17s %5u %3u %9.0f %9.0f %9.0f %9.0f %9.0f %6.2f %6.2f %6.2f %6.2f %6.0f %6.0f\n",
	       dp_srtp_engine_name(), dp_srtp_profile_name(prof), payload, n_cons, rf.pps, out_pps,
	       rp.pps, rn.pps, ru.pps,
	       out_pps / rp.pps, out_pps / rn.pps, out_pps / crypto_out_pps,
	       rp.best_ns_per_pkt / best_out, 1e9 / out_pps, rp.ns_per_pkt);
	return 0;
}

static int setup(char *prog, int cpu)
{
	char err[256], lcores[32];
	snprintf(lcores, sizeof(lcores), "%d", cpu < 0 ? 0 : cpu);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "sl-bench-fwd-%d", (int)getpid());
	char *eal[] = {prog, "-l", lcores, "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
		       "--file-prefix", prefix, "--vdev=net_null0",
		       "--log-level=*:error", "--no-telemetry", NULL};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0]) - 1), eal) < 0) {
		fprintf(stderr, "bench_fwd: EAL init failed (run as root)\n");
		return -1;
	}
	struct rte_mempool *pools[1];
	uint8_t mac[6];
	char dev[64];
	if (dp_port_init(0, 1, 16383, pools, mac, dev, sizeof(dev), err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_fwd: %s\n", err);
		return -1;
	}
	inet_pton(AF_INET, "198.18.0.1", &DP_IP);
	char shm_name[64];
	snprintf(shm_name, sizeof(shm_name), "/sluice-bench-fwd-%d", (int)getpid());
	struct dp_shm_params sp = {.name = shm_name, .n_lcores = 1, .n_slots = 64,
				   .max_transports = 256, .port_base = 40000,
				   .ice_timeout_ms = 600000, .ipv4 = DP_IP, .device = dev};
	memcpy(sp.mac, mac, 6);
	if (dp_shm_create(&SHM, &sp, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_fwd: %s\n", err);
		return -1;
	}
	LC.index = 0;
	LC.lcore_id = rte_lcore_id();
	LC.port_id = 0;
	LC.queue_id = 0;
	LC.shm = SHM.hdr;
	LC.ls = sl_shm_lcore(SHM.hdr, 0);
	LC.ctr = &LC.ls->counters;
	LC.cmd = dp_shm_cmd_ring(&SHM, 0);
	LC.evt = dp_shm_evt_ring(&SHM, 0);
	LC.slot_free = dp_shm_slot_ring(&SHM);
	LC.pool = pools[0];
	memcpy(LC.net.mac, mac, 6);
	LC.net.ipv4 = DP_IP;
	LC.net.port_min = 40000;
	LC.net.port_max = 40000;
	LC.net.verify_udp_csum = 1;
	if (dp_media_setup(&LC, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_fwd: %s\n", err);
		return -1;
	}
	HMAC = dp_stun_hmac_new();
	return HMAC ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const enum sl_srtp_profile profiles[] = {
		SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AES128_CM_SHA1_32,
		SL_SRTP_AEAD_AES_128_GCM, SL_SRTP_AEAD_AES_256_GCM,
	};
	static const uint32_t payloads[] = {160, 1200};
	static const unsigned int fan[] = {1, 10, 50};
	/* options (--engine E, --json FILE) first, then the positional ones */
	const char *engines[2] = {"ipsec-mb", "libsrtp"};
	unsigned int n_engines = 2;
	int ai = 1;
	while (ai + 1 < argc && strncmp(argv[ai], "--", 2) == 0) {
		if (!strcmp(argv[ai], "--engine")) {
			engines[0] = argv[ai + 1];
			n_engines = 1;
		} else if (!strcmp(argv[ai], "--json")) {
			g_json = fopen(argv[ai + 1], "w");
			if (!g_json) {
				fprintf(stderr, "bench_fwd: cannot write %s\n", argv[ai + 1]);
				return 2;
			}
		} else {
			break;
		}
		ai += 2;
	}
	argc -= ai - 1;
	argv += ai - 1;
	uint64_t outputs = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
	int cpu = argc > 2 ? atoi(argv[2]) : -1;
	const char *only = argc > 3 ? argv[3] : "";
	int bad = 0;

	if (outputs == 0 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: %s [--engine ipsec-mb|libsrtp] [--json FILE] "
				"[outputs-per-case [cpu [profile-substring]]]\n",
			argv[0]);
		return 2;
	}
	if (getenv("SL_BENCH_NACK"))
		g_nack = atoi(getenv("SL_BENCH_NACK")) != 0;
	if (setup(argv[0], cpu) != 0)
		return 1;
	printf("bench_fwd: one lcore, ~%llu consumer packets per case (best of %d), bursts of "
	       "~%u consumer packets, RTP header %u bytes + payload, nack %s\n",
	       (unsigned long long)outputs, REPS, BURST, RTP_HDR,
	       g_nack ? "on (retransmission buffer kept)" : "off");
	printf("%-8s %-17s %5s %3s %9s %9s %9s %9s %9s %6s %6s %6s %6s %6s %6s\n", "engine",
	       "profile", "size", "N",
	       "in/s", "out/s", "prot1/s", "protN/s", "unprot/s", "ratio1", "ratioN", "ratioC",
	       "burst1", "ns/out",
	       "ns/prt");
	if (g_json)
		fputs("[\n", g_json);
	for (unsigned int e = 0; e < n_engines; e++) {
		if (dp_srtp_set_engine(engines[e]) != 0) {
			fprintf(stderr, "bench_fwd: SRTP engine %s not available\n", engines[e]);
			bad = 1;
			continue;
		}
		for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
			for (size_t j = 0; strstr(dp_srtp_profile_name(profiles[i]), only) &&
					   j < sizeof(payloads) / sizeof(payloads[0]); j++)
				for (size_t k = 0; k < sizeof(fan) / sizeof(fan[0]); k++)
					bad |= bench_case(profiles[i], payloads[j], fan[k], outputs) != 0;
	}
	if (g_json) {
		fputs("\n]\n", g_json);
		fclose(g_json);
	}
	dp_media_teardown(&LC, 1);
	dp_stun_hmac_free(HMAC);
	dp_port_fini(0);
	dp_shm_destroy(&SHM);
	rte_eal_cleanup();
	char run_dir[96];
	snprintf(run_dir, sizeof(run_dir), "/var/run/dpdk/sl-bench-fwd-%d", (int)getpid());
	rmdir(run_dir); /* the EAL's (empty) runtime directory */
	return bad ? 1 : 0;
}
