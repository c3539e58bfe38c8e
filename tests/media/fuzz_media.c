/* SPDX-License-Identifier: MIT */
/*
 * fuzz_media - libFuzzer harness for the whole media input path of the data
 * plane: frames go through dp_lcore_rx_one (Ethernet/IPv4/UDP, demux, port
 * owner handoff, ICE-lite, DTLS relay, SRTP/SRTCP, producer parse, RTX,
 * fan-out across lcores, consumer rewrite and protect), commands through
 * the validator and dp_media_cmd, time through dp_media_timer.
 *
 * Set-up (first input): the EAL in-process (no hugepages, net_null0 with
 * two queues: what is sent is freed), a segment, two worker lcores driven
 * by this one thread (their handoff rings are real SPSC rings).
 * Per input, from scratch: transports P (lcore 0, producer 1), C1 (lcore 1),
 * C2 (lcore 0), Q (lcore 1, producer 2), all keyed and ICE-connected;
 * consumers of both producers on C1 and C2 (all with nack, those on C1
 * with RTX); fan-out masks across lcores; producers with nack; producer 1
 * is simulcast (VP8, layers 0x1000 / 0x1100 / 0x1200, RTX 0x2000 / 0x2100).
 *
 * The input is a list of operations (first byte of each: the operation in
 * bits 0-2, parameters above):
 *   0 raw frame (any bytes; the destination MAC may be patched to ours)
 *   1 UDP payload (any bytes) from one of eight tuples to either port
 *   2 RTP plaintext (any bytes) protected by P's browser and sent: reaches
 *     past SRTP into the RTP parser, RTX unwrap, extension rewrite, fan-out
 *   3 RTCP plaintext (any bytes) protected by C1's browser (bit 3 set: C2's):
 *     SRTCP, RTCP parse, consumers' NACKs answered (RTX to C1's consumers,
 *     plain resends to C2's)
 *   4 a valid Binding request for a transport (bits 3-4) from one of the
 *     eight tuples (next byte, bits 0-2; bit 3: not nominating; tuples 6
 *     and 7 are IPv6): tuple learning, eviction, moves between transports
 *   5 a command (256 bytes as given, validated first, as dp_cmd does)
 *   6 time passes (dp_media_timer): ICE timeouts
 *   7 DTLS out: SEND_PACKET with a slot of the given bytes
 *
 * Invariants (abort() when broken), after every input:
 *  - no mbuf is lost: every pool is full again but for the lcores' stash;
 *  - no packet slot is lost: the events carry the taken ones;
 *  - the other transports were not disturbed: unless the input sent
 *    commands, a valid packet of producer 2 (whose transport the input
 *    cannot speak for) still reaches both consumers after a fresh ICE
 *    check of each transport.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_lcore.h"
#include "dp_media.h"
#include "dp_net.h"
#include "dp_port.h"
#include "dp_shm.h"
#include "dp_srtp.h"
#include "dp_stun.h"

#define NL 2
#define NT 4
#define PORT_BASE 40000u
#define FZ_CMDS_MAX 8

static struct dp_lcore LCS[NL];
static struct rte_mempool *POOLS[NL];
static struct dp_shm SHM;
static struct dp_stun_hmac *HMAC;
static uint32_t DP_IP;
static int READY;
static const uint8_t PEER_MAC[6] = {0x02, 0, 0, 0, 0, 0x42};

/* transports: id == index */
enum { T_P = 0, T_C1 = 1, T_C2 = 2, T_Q = 3 };
static const unsigned int T_LCORE[NT] = {0, 1, 0, 1};
static struct dp_srtp *BROWSER[NT]; /* each transport's remote side */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_media: %s\n", what);
	abort();
}

static void cleanup(void)
{
	char run_dir[96];
	if (SHM.hdr)
		dp_shm_destroy(&SHM);
	snprintf(run_dir, sizeof(run_dir), "/var/run/dpdk/sl-fuzz-media-%d", (int)getpid());
	rmdir(run_dir); /* the EAL's (empty) runtime directory */
}

static void setup(void)
{
	char err[256], prefix[64], shm_name[64];
	snprintf(prefix, sizeof(prefix), "sl-fuzz-media-%d", (int)getpid());
	char *eal[] = {"fuzz_media", "-l", "0", "--no-huge", "-m", "256", "--no-pci",
		       "--no-shconf", "--file-prefix", prefix, "--vdev=net_null0",
		       "--log-level=*:error", "--no-telemetry", NULL};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0]) - 1), eal) < 0)
		die("EAL init failed");
	uint8_t mac[6];
	char dev[64];
	if (dp_port_init(0, NL, 2047, POOLS, mac, dev, sizeof(dev), err, sizeof(err)) != 0)
		die(err);
	inet_pton(AF_INET, "198.18.0.1", &DP_IP);
	snprintf(shm_name, sizeof(shm_name), "/sluice-fuzz-media-%d", (int)getpid());
	struct dp_shm_params sp = {.name = shm_name, .n_lcores = NL, .n_slots = 64,
				   .max_transports = 16, .port_base = PORT_BASE,
				   .ice_timeout_ms = 1000, .ipv4 = DP_IP, .device = dev};
	memcpy(sp.mac, mac, 6);
	if (dp_shm_create(&SHM, &sp, err, sizeof(err)) != 0)
		die(err);
	atexit(cleanup);
	for (unsigned int i = 0; i < NL; i++) {
		struct dp_lcore *lc = &LCS[i];
		lc->index = i;
		lc->lcore_id = rte_lcore_id();
		lc->port_id = 0;
		lc->queue_id = (uint16_t)i;
		lc->shm = SHM.hdr;
		lc->ls = sl_shm_lcore(SHM.hdr, i);
		lc->ctr = &lc->ls->counters;
		lc->cmd = dp_shm_cmd_ring(&SHM, i);
		lc->evt = dp_shm_evt_ring(&SHM, i);
		lc->slot_free = dp_shm_slot_ring(&SHM);
		lc->pool = POOLS[i];
		memcpy(lc->net.mac, mac, 6);
		lc->net.ipv4 = DP_IP;
		lc->net.ipv6_on = 1;
		inet_pton(AF_INET6, "2001:db8::1", lc->net.ipv6);
		lc->net.port_min = PORT_BASE;
		lc->net.port_max = PORT_BASE + NL - 1;
		lc->net.verify_udp_csum = 1;
		lc->vctx = (struct sl_valid_ctx){.max_transports = 16, .n_slots = 64,
						 .n_lcores = NL, .max_ids = 128};
	}
	if (dp_media_setup(LCS, NL, err, sizeof(err)) != 0)
		die(err);
	HMAC = dp_stun_hmac_new();
	if (!HMAC)
		die("hmac");
	READY = 1;
}

/* ---- sending ---- */

/* The eight remote tuples: 0..3 are the transports' own browsers (IPv4);
 * 6 and 7 are IPv6 (2001:db8::106, ::107): their Binding requests make
 * IPv6 tuples, answered over IPv6, moved between transports like any. */
#define TUPLE_V6_FIRST 6u
static uint32_t tuple_ip(unsigned int i)
{
	return htonl(0xc6120100u + (i < NT ? i + 1 : 0x100 + i));
}

static uint16_t tuple_port(unsigned int i)
{
	return htons((uint16_t)(5000 + i));
}

/* Polls the handoff rings and flushes tx until nothing moves. */
static void settle(void)
{
	for (int round = 0; round < 16; round++) {
		unsigned int moved = 0;
		for (unsigned int i = 0; i < NL; i++) {
			moved += dp_media_poll(&LCS[i]);
			dp_lcore_tx_flush(&LCS[i]);
		}
		if (!moved)
			return;
	}
}

/* A UDP datagram from tuple src to lcore dst's port, received on lane. */
static void send_udp(unsigned int lane, unsigned int src, unsigned int dst, const uint8_t *p,
		     size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(LCS[lane].pool);
	if (!m)
		die("pool empty");
	size_t cap = (size_t)m->buf_len - m->data_off;
	if (len > cap - DP_UDP4_HDRS)
		len = cap - DP_UDP4_HDRS;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	size_t fl;
	if (src >= TUPLE_V6_FIRST) {
		uint8_t sip[16];
		inet_pton(AF_INET6, "2001:db8::100", sip);
		sip[15] = (uint8_t)src;
		if (len > cap - DP_UDP6_HDRS)
			len = cap - DP_UDP6_HDRS;
		memcpy(f + DP_UDP6_HDRS, p, len);
		fl = dp_net_build_udp6(f, cap, PEER_MAC, LCS[0].net.mac, sip, LCS[0].net.ipv6,
				       tuple_port(src), htons((uint16_t)(PORT_BASE + dst)), len);
	} else {
		memcpy(f + DP_UDP4_HDRS, p, len);
		fl = dp_net_build_udp4(f, cap, PEER_MAC, LCS[0].net.mac, tuple_ip(src), DP_IP,
				       tuple_port(src), htons((uint16_t)(PORT_BASE + dst)), len);
	}
	m->data_len = (uint16_t)fl;
	m->pkt_len = (uint32_t)fl;
	dp_lcore_rx_one(&LCS[lane], m);
}

static void send_raw(unsigned int lane, const uint8_t *p, size_t len, int patch_mac)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(LCS[lane].pool);
	if (!m)
		die("pool empty");
	size_t cap = (size_t)m->buf_len - m->data_off;
	if (len > cap)
		len = cap;
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(f, p, len);
	if (patch_mac && len >= 6)
		memcpy(f, LCS[0].net.mac, 6);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	dp_lcore_rx_one(&LCS[lane], m);
}

static char UFRAG[NT][16], PWD[NT][40];

static void stun(unsigned int t, unsigned int src, int nominate)
{
	uint8_t req[256], txid[12] = {(uint8_t)t, (uint8_t)src, 7};
	char user[64];
	size_t len = 0;
	snprintf(user, sizeof(user), "%s:remote", UFRAG[t]);
	struct dp_stun_request r = {.txid = txid, .username = (const uint8_t *)user,
				    .username_len = strlen(user), .priority = 1,
				    .controlling = 1, .use_candidate = nominate,
				    .key = (const uint8_t *)PWD[t], .key_len = strlen(PWD[t])};
	if (dp_stun_build_request(HMAC, req, sizeof(req), &len, &r) != DP_STUN_OK)
		die("stun build");
	send_udp(T_LCORE[t], src, T_LCORE[t], req, len);
}

/* ---- the room ---- */

static int cmd(unsigned int lcore, struct sl_msg *m)
{
	if (sl_cmd_validate(m, &LCS[lcore].vctx) != SL_VALID_OK)
		return -22;
	return dp_media_cmd(&LCS[lcore], m);
}

static void keys_of(unsigned int t, uint8_t *rx, uint8_t *tx)
{
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++) {
		rx[i] = (uint8_t)(i * 5u + t);
		tx[i] = (uint8_t)(i * 9u + t + 77u);
	}
}

static void room_up(void)
{
	struct sl_msg m;
	for (unsigned int t = 0; t < NT; t++) {
		snprintf(UFRAG[t], sizeof(UFRAG[t]), "uf%u", t);
		snprintf(PWD[t], sizeof(PWD[t]), "password-number-%u-abcdefghij", t);
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_TRANSPORT_CREATE;
		m.h.transport_id = t;
		strcpy(m.u.transport_create.ice_ufrag, UFRAG[t]);
		strcpy(m.u.transport_create.ice_pwd, PWD[t]);
		m.u.transport_create.local_port = (uint16_t)(PORT_BASE + T_LCORE[t]);
		if (cmd(T_LCORE[t], &m) != 0)
			die("transport create");
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_SRTP_KEYS;
		m.h.transport_id = t;
		m.u.srtp_keys.profile = SL_SRTP_AEAD_AES_128_GCM;
		m.u.srtp_keys.key_len = 16;
		m.u.srtp_keys.salt_len = 12;
		keys_of(t, m.u.srtp_keys.rx, m.u.srtp_keys.tx);
		if (cmd(T_LCORE[t], &m) != 0)
			die("keys");
		if (dp_srtp_create(&BROWSER[t], SL_SRTP_AEAD_AES_128_GCM, m.u.srtp_keys.tx,
				   m.u.srtp_keys.rx, 16, 12) != DP_SRTP_OK)
			die("browser srtp");
		stun(t, t, 1);
	}
	for (unsigned int p = 0; p < 2; p++) {
		unsigned int t = p == 0 ? T_P : T_Q;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_ADD;
		m.h.transport_id = t;
		m.u.producer_add.producer_id = 1 + p;
		m.u.producer_add.ssrc = 0x1000 + p;
		m.u.producer_add.rtx_ssrc = 0x2000 + p;
		m.u.producer_add.kind = SL_KIND_VIDEO;
		m.u.producer_add.payload_type = 96;
		m.u.producer_add.rtx_payload_type = 97;
		m.u.producer_add.clock_rate = 90000;
		m.u.producer_add.ext.mid = 1;
		m.u.producer_add.ext.abs_send_time = 2;
		m.u.producer_add.ext.transport_cc = 3;
		m.u.producer_add.ext.audio_level = 4;
		m.u.producer_add.nack = 1;
		if (p == 0) { /* producer 1: three VP8 simulcast layers (dp_simulcast.c) */
			m.u.producer_add.n_layers = 3;
			m.u.producer_add.codec = SL_CODEC_VP8;
			for (unsigned int l = 0; l < 3; l++)
				m.u.producer_add.layer_ssrc[l] = 0x1000u + 0x100u * l;
			m.u.producer_add.layer_rtx_ssrc[0] = 0x2000;
			m.u.producer_add.layer_rtx_ssrc[1] = 0x2100;
		}
		if (cmd(T_LCORE[t], &m) != 0)
			die("producer");
		for (unsigned int c = 0; c < 2; c++) {
			unsigned int ct = c == 0 ? T_C1 : T_C2;
			memset(&m, 0, sizeof(m));
			m.h.type = SL_MSG_CONSUMER_ADD;
			m.h.transport_id = ct;
			m.u.consumer_add.consumer_id = 10 + p * 2 + c;
			m.u.consumer_add.producer_id = 1 + p;
			m.u.consumer_add.ssrc = 0x3000 + p * 2 + c;
			m.u.consumer_add.kind = SL_KIND_VIDEO;
			m.u.consumer_add.n_pt = 2;
			m.u.consumer_add.pt_map[0].from = 96;
			m.u.consumer_add.pt_map[0].to = (uint8_t)(100 + c);
			m.u.consumer_add.pt_map[1].from = 98;
			m.u.consumer_add.pt_map[1].to = 99;
			m.u.consumer_add.clock_rate = 90000;
			m.u.consumer_add.ext.abs_send_time = (uint8_t)(c ? 14 : 5);
			m.u.consumer_add.ext.transport_cc = (uint8_t)(c ? 3 : 200); /* 200: 2-byte only */
			m.u.consumer_add.ext.audio_level = 6;
			m.u.consumer_add.nack = 1;
			if (c == 0) { /* RTX; C2's get plain resends */
				m.u.consumer_add.rtx_ssrc = 0x5000 + p;
				m.u.consumer_add.rtx_payload_type = 110;
			}
			if (cmd(T_LCORE[ct], &m) != 0)
				die("consumer");
		}
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_FANOUT;
		m.h.transport_id = SL_INVALID_ID;
		m.u.producer_fanout.producer_id = 1 + p;
		m.u.producer_fanout.lcore_mask = 3;
		if (cmd(T_LCORE[t], &m) != 0)
			die("fanout");
	}
	settle();
}

static void drain_events(void)
{
	struct sl_msg ev;
	for (unsigned int i = 0; i < NL; i++)
		while (rte_ring_dequeue_elem(LCS[i].evt, &ev, SL_MSG_SIZE) == 0)
			if (ev.h.type == SL_MSG_DTLS_RECV) {
				uint32_t idx = ev.u.packet.slot;
				if (idx >= SHM.hdr->n_slots)
					die("event with a bad slot");
				rte_ring_enqueue_elem(LCS[i].slot_free, &idx, sizeof(idx));
			}
}

static void room_down(void)
{
	struct sl_msg m;
	for (unsigned int t = 0; t < 16; t++) {
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_TRANSPORT_DESTROY;
		m.h.transport_id = t;
		for (unsigned int l = 0; l < NL; l++)
			dp_media_cmd(&LCS[l], &m);
	}
	for (unsigned int t = 0; t < NT; t++) {
		dp_srtp_destroy(BROWSER[t]);
		BROWSER[t] = NULL;
	}
	/* streams of fuzzed commands on transports that never existed */
	for (uint32_t id = 0; id < 128; id++) {
		memset(&m, 0, sizeof(m));
		m.u.consumer_ref.consumer_id = id;
		for (unsigned int l = 0; l < NL; l++) {
			m.h.type = SL_MSG_CONSUMER_REMOVE;
			dp_media_cmd(&LCS[l], &m);
			m.h.type = SL_MSG_PRODUCER_REMOVE;
			dp_media_cmd(&LCS[l], &m);
		}
	}
	drain_events();
}

/* ---- operations ---- */

struct cur {
	const uint8_t *p;
	size_t n;
};

static size_t take(struct cur *c, size_t want, const uint8_t **out)
{
	size_t n = want < c->n ? want : c->n;
	*out = c->p;
	c->p += n;
	c->n -= n;
	return n;
}

static unsigned int byte(struct cur *c)
{
	const uint8_t *b;
	return take(c, 1, &b) ? b[0] : 0;
}

static void op_srtp(unsigned int t, const uint8_t *p, size_t n, int rtcp)
{
	uint8_t buf[2048];
	if (n > sizeof(buf) - 64)
		n = sizeof(buf) - 64;
	memcpy(buf, p, n);
	uint32_t len = (uint32_t)n;
	enum dp_srtp_status st = rtcp ? dp_srtp_protect_rtcp(BROWSER[t], buf, &len, sizeof(buf))
				      : dp_srtp_protect_rtp(BROWSER[t], buf, &len, sizeof(buf));
	if (st != DP_SRTP_OK) { /* not protectable: send it as it is */
		memcpy(buf, p, n);
		len = (uint32_t)n;
	}
	send_udp(T_LCORE[t], t, T_LCORE[t], buf, len);
}

static void op_send_packet(const uint8_t *p, size_t n, unsigned int t)
{
	uint32_t idx;
	struct dp_lcore *lc = &LCS[T_LCORE[t]];
	if (rte_ring_dequeue_elem(lc->slot_free, &idx, sizeof(idx)) != 0)
		return;
	struct sl_slot *s = sl_shm_slot(SHM.hdr, idx);
	if (n > SL_SLOT_DATA)
		n = SL_SLOT_DATA;
	memcpy(s->data, p, n);
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_SEND_PACKET;
	m.h.transport_id = t;
	m.u.packet.slot = idx;
	m.u.packet.len = (uint16_t)n;
	if (sl_cmd_validate(&m, &lc->vctx) != SL_VALID_OK) {
		rte_ring_enqueue_elem(lc->slot_free, &idx, sizeof(idx)); /* as dp_cmd does */
		return;
	}
	dp_media_cmd(lc, &m);
}

static uint64_t NOW;

/* Returns 1 when the input sent commands (the room may be changed). */
static int run_ops(struct cur *c)
{
	int cmds = 0;
	const uint8_t *p;
	while (c->n) {
		unsigned int op = byte(c);
		unsigned int a = op >> 3;
		size_t n;
		switch (op & 7) {
		case 0:
			n = take(c, byte(c) * 6u, &p);
			send_raw(a & 1, p, n, a & 2);
			break;
		case 1:
			n = take(c, byte(c) * 6u, &p);
			send_udp(a & 1, (a >> 1) & 7, (a >> 4) & 1, p, n);
			break;
		case 2:
			n = take(c, byte(c) * 6u, &p);
			op_srtp(T_P, p, n, 0);
			break;
		case 3:
			n = take(c, byte(c) * 2u, &p);
			op_srtp(a & 1 ? T_C2 : T_C1, p, n, 1);
			break;
		case 4: {
			unsigned int b = byte(c);
			stun(a & 3, b & 7, !(b & 8));
			break;
		}
		case 5: {
			struct sl_msg m;
			memset(&m, 0, sizeof(m));
			n = take(c, sizeof(m), &p);
			memcpy(&m, p, n);
			if (m.h.type == SL_MSG_SEND_PACKET)
				break; /* slots: op 7 */
			if (cmds++ < FZ_CMDS_MAX)
				cmd(a & 1, &m);
			break;
		}
		case 6:
			NOW += (uint64_t)(a + 1) * 100000000ull; /* 0.1 .. 3.2 s */
			for (unsigned int i = 0; i < NL; i++)
				dp_media_timer(&LCS[i], NOW);
			break;
		default:
			n = take(c, byte(c) * 6u, &p);
			op_send_packet(p, n, a % NT);
			break;
		}
		settle();
	}
	return cmds;
}

static uint64_t out_total(void)
{
	uint64_t s = 0;
	for (unsigned int i = 0; i < NL; i++)
		s += LCS[i].ctr->rtp_out;
	return s;
}

/* Producer 2 (transport Q: no operation speaks for it) reaches both
 * consumers after every transport was checked again. */
static void canary(uint16_t seq)
{
	for (unsigned int t = 0; t < NT; t++)
		stun(t, t, 1);
	settle();
	uint8_t rtp[256] = {0x80, 96};
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	rtp[11] = 0x01; /* ssrc 0x1001 */
	rtp[10] = 0x10;
	memset(rtp + 12, 0x5a, 100);
	uint64_t before = out_total();
	op_srtp(T_Q, rtp, 112, 0);
	settle();
	if (out_total() != before + 2)
		die("a valid packet of an untouched producer did not reach its consumers");
}

static void check_no_leaks(void)
{
	drain_events();
	unsigned int in_use = 0, stash = 0;
	for (unsigned int i = 0; i < NL; i++) {
		in_use += rte_mempool_in_use_count(POOLS[i]);
		stash += dp_media_stashed(&LCS[i]); /* fresh mbufs kept for copies */
	}
	if (in_use != stash)
		die("mbufs leaked");
	if (rte_ring_count(LCS[0].slot_free) != SHM.hdr->n_slots)
		die("packet slots leaked");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!READY)
		setup();
	NOW = dp_now_ns();
	for (unsigned int i = 0; i < NL; i++)
		dp_media_timer(&LCS[i], NOW);
	room_up();
	struct cur c = {data, size};
	int cmds = run_ops(&c);
	if (!cmds)
		canary(1000);
	room_down();
	check_no_leaks();
	return 0;
}
