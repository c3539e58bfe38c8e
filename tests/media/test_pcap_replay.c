/* SPDX-License-Identifier: MIT */
/*
 * test_pcap_replay - sluice-pcapgen's pcaps replayed with tcpreplay
 * (pktgen-scripts/replay.sh) through a real data plane: the valid media is
 * counted as media of the producers it names, every attack pcap as drops of
 * the one reason its kind promises (pg_gen.h), nothing else.
 *
 * The test plays the control plane (media_harness): two transports on two
 * lcores, SRTP keys it chooses (AES-GCM on one, AES-CM on the other), an
 * audio and a video producer on the first, a video producer on the second
 * and a consumer of the first's video on the second. It writes the key dump
 * of those transports as sluice-loadgen --dump-keys would, with the
 * browsers' sockets as the local side (so the data plane's STUN answers and
 * forwarded media land on sockets the test reads), runs sluice-pcapgen
 * --kind all, and replays each pcap into the tap's kernel side (the data
 * plane does not check the destination MAC; the source MAC is the tap's, so
 * the kernel accepts what the data plane answers). Nothing of the media
 * reaches the data plane except through the pcaps: no ICE check, no RTP
 * from the harness.
 *
 * Bounded waits only; no assertion on time. Run by run_media_e2e.sh:
 *   test_pcap_replay <shm> <tap> <sluice-pcapgen> <replay.sh>
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/check.h"
#include "dp_bytes.h"
#include "media_harness.h"
#include "pg_gen.h"

#define TID_A 1u
#define TID_B 2u
#define PROD_AV 100u /* video of A */
#define PROD_AA 101u /* audio of A */
#define PROD_BV 102u /* video of B */
#define CONS_B 200u  /* B consumes A's video */
#define SSRC_AV 0x1111aaaau
#define SSRC_AA 0x2222aaaau
#define SSRC_BV 0x3333bbbbu
#define SSRC_CB 0x4444ccccu
#define AUDIO_EXT_LEVEL 6
#define PPS 25
#define SECONDS 2
#define REPLAY_PPS "400"

static struct mh H;
static struct browser A, B;
static const char *IFNAME, *PCAPGEN, *REPLAY;
static char DIR_[64];

/* ---- set-up ---- */

static int audio_producer(void)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_ADD;
	m.h.transport_id = TID_A;
	struct sl_msg_producer_add *a = &m.u.producer_add;
	a->producer_id = PROD_AA;
	a->ssrc = SSRC_AA;
	a->kind = SL_KIND_AUDIO;
	a->payload_type = 111;
	a->n_pt = 1;
	a->pts[0] = 111;
	a->clock_rate = 48000;
	a->ext.mid = BR_EXT_MID;
	a->ext.abs_send_time = BR_EXT_ABS;
	a->ext.transport_cc = BR_EXT_TCC;
	a->ext.audio_level = AUDIO_EXT_LEVEL;
	return mh_cmd(&H, A.lcore, &m);
}

/* Transports, keys, producers, the consumer; no ICE (the pcaps do it). */
static int setup(void)
{
	struct mh_producer av = {.tid = TID_A, .id = PROD_AV, .ssrc = SSRC_AV, .pt = 96,
				 .flags = MH_BR_EXTS, .fanout = 0};
	struct mh_producer bv = {.tid = TID_B, .id = PROD_BV, .ssrc = SSRC_BV, .pt = 96,
				 .flags = MH_BR_EXTS};
	struct mh_consumer c = {.tid = TID_B, .id = CONS_B, .producer_id = PROD_AV,
				.ssrc = SSRC_CB, .pt = 100};
	unsigned int lb = H.hdr->n_lcores > 1 ? 1 : 0;
	if (br_open(&A, &H, 0) || br_open(&B, &H, lb))
		return -1;
	CHECK_EQ(br_transport(&H, &A, TID_A, 0), 0);
	CHECK_EQ(br_transport(&H, &B, TID_B, 0), 0);
	CHECK_EQ(br_keys(&H, &A, SL_SRTP_AEAD_AES_128_GCM, 3), 0);
	CHECK_EQ(br_keys(&H, &B, SL_SRTP_AES128_CM_SHA1_80, 9), 0);
	CHECK_EQ(mh_producer_add(&H, A.lcore, &av), 0);
	CHECK_EQ(audio_producer(), 0);
	CHECK_EQ(mh_producer_add(&H, B.lcore, &bv), 0);
	CHECK_EQ(mh_consumer_add(&H, B.lcore, &c), 0);
	if (B.lcore != A.lcore) { /* A's video also goes to B's lcore */
		av.fanout = 1ull << B.lcore;
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_FANOUT;
		m.h.transport_id = TID_A;
		m.u.producer_fanout.producer_id = PROD_AV;
		m.u.producer_fanout.lcore_mask = av.fanout;
		CHECK_EQ(mh_cmd(&H, A.lcore, &m), 0);
	}
	return check_failures ? -1 : 0;
}

/* ---- the key dump ---- */

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void dump_transport(FILE *f, const struct browser *b, const char *streams)
{
	const struct sl_msg_srtp_keys *k = &b->keys;
	const char *profile = k->profile == SL_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM"
									: "AES128_CM_SHA1_80";
	fprintf(f,
		"{\"peer\": \"test-%u\", \"direction\": \"send\",\n"
		" \"local\": {\"ip\": \"%s\", \"port\": %u},\n"
		" \"remote\": {\"ip\": \"%s\", \"port\": %u},\n"
		" \"ice\": {\"local_ufrag\": \"br%u\", \"local_pwd\": \"browserpassword0123456789\",\n"
		"         \"remote_ufrag\": \"%s\", \"remote_pwd\": \"%s\"},\n"
		" \"srtp\": {\"profile\": \"%s\", \"tx\": \"",
		b->tid, MH_LOCAL_IP, b->port, MH_DP_IP, b->dp_port, b->port, b->ufrag, b->pwd,
		profile);
	/* the dump's tx is what the browser protects with: the transport's rx */
	hex(f, k->rx, (size_t)k->key_len + k->salt_len);
	fprintf(f, "\", \"rx\": \"");
	hex(f, k->tx, (size_t)k->key_len + k->salt_len);
	fprintf(f, "\"},\n \"streams\": [%s]}", streams);
}

static int write_dump(const char *path)
{
	char sa[512], sb[512];
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	snprintf(sa, sizeof(sa),
		 "{\"kind\": \"audio\", \"ssrc\": %u, \"pt\": 111, \"clock\": 48000, \"mid\": \"0\","
		 " \"ext\": {\"mid\": %d, \"audio_level\": %d, \"abs_send_time\": %d, \"twcc\": %d}},"
		 " {\"kind\": \"video\", \"ssrc\": %u, \"pt\": 96, \"clock\": 90000, \"mid\": \"1\","
		 " \"ext\": {\"mid\": %d, \"abs_send_time\": %d, \"twcc\": %d}}",
		 SSRC_AA, BR_EXT_MID, AUDIO_EXT_LEVEL, BR_EXT_ABS, BR_EXT_TCC, SSRC_AV, BR_EXT_MID,
		 BR_EXT_ABS, BR_EXT_TCC);
	snprintf(sb, sizeof(sb),
		 "{\"kind\": \"video\", \"ssrc\": %u, \"pt\": 96, \"clock\": 90000, \"mid\": \"0\","
		 " \"ext\": {\"mid\": %d, \"abs_send_time\": %d, \"twcc\": %d}}",
		 SSRC_BV, BR_EXT_MID, BR_EXT_ABS, BR_EXT_TCC);
	fprintf(f, "{\"version\": 1, \"transports\": [\n");
	dump_transport(f, &A, sa);
	fprintf(f, ",\n");
	dump_transport(f, &B, sb);
	fprintf(f, "]}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- running the tools ---- */

static int tap_mac(char *out, size_t cap)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", IFNAME);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(out, (int)cap, f) != NULL;
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok && strlen(out) == 17 ? 0 : -1;
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "test_pcap_replay: \"%s\" failed (%d)\n", cmd, rc);
	return rc;
}

/* What sluice-pcapgen printed for one kind. */
struct summary {
	unsigned long long frames, stun, srtp, srtcp, valid_rtp, expect;
};

static int read_summary(const char *kind, struct summary *s)
{
	char path[128], line[512], key[64];
	snprintf(path, sizeof(path), "%s/summary", DIR_);
	snprintf(key, sizeof(key), " kind=%s ", kind);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int found = -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, key)) {
			memset(s, 0, sizeof(*s));
			const char *p;
			if ((p = strstr(line, " frames=")))
				s->frames = strtoull(p + 8, NULL, 10);
			if ((p = strstr(line, " stun=")))
				s->stun = strtoull(p + 6, NULL, 10);
			if ((p = strstr(line, " srtp=")))
				s->srtp = strtoull(p + 6, NULL, 10);
			if ((p = strstr(line, " srtcp=")))
				s->srtcp = strtoull(p + 7, NULL, 10);
			if ((p = strstr(line, " valid_rtp=")))
				s->valid_rtp = strtoull(p + 11, NULL, 10);
			if ((p = strstr(line, " expect=")) && (p = strchr(p, ':')))
				s->expect = strtoull(p + 1, NULL, 10);
			found = 0;
		}
	fclose(f);
	return found;
}

/* ---- counters ---- */

/* The drop reasons the attack kinds aim at: each must move only with its kind. */
static unsigned int attack_reasons(unsigned int out[PG_KIND__COUNT])
{
	unsigned int n = 0;
	for (unsigned int k = 0; k < PG_KIND__COUNT; k++)
		if (pg_kind_drop((enum pg_kind)k) < SL_DROP__COUNT)
			out[n++] = pg_kind_drop((enum pg_kind)k);
	return n;
}

struct snap {
	uint64_t drops[SL_DROP__COUNT];
	uint64_t rtp_in, stun_replies, rtp_a, rtp_b, rtcp_a, rtcp_b;
};

static void snap(struct snap *s)
{
	for (unsigned int r = 0; r < SL_DROP__COUNT; r++)
		s->drops[r] = mh_drops(&H, r);
	s->rtp_in = MH_LSUM(&H, rtp_in);
	s->stun_replies = MH_LSUM(&H, stun_replies);
	s->rtp_a = mh_tc(&H, TID_A)->rtp_in;
	s->rtp_b = mh_tc(&H, TID_B)->rtp_in;
	s->rtcp_a = mh_tc(&H, TID_A)->rtcp_in;
	s->rtcp_b = mh_tc(&H, TID_B)->rtcp_in;
}

/* Waits (bounded) until the lcore sum at off reaches want. Last value. */
static uint64_t wait_lsum(size_t off, uint64_t want)
{
	uint64_t v = mh_lsum(&H, off);
	for (int i = 0; i < MH_WAIT_ITERS && v < want; i++) {
		mh_pump(&H);
		usleep(1000);
		v = mh_lsum(&H, off);
	}
	return v;
}

/* Lets anything still queued arrive before exact comparisons (no assertion on time). */
static void settle(void)
{
	for (int i = 0; i < 300; i++) {
		mh_pump(&H);
		usleep(1000);
	}
}

/* Reads what the data plane sent to browser b: STUN answers and SRTP,
 * until `stun` answers and `rtp` packets came (bounded). */
static void expect_rx(struct browser *b, unsigned int stun, unsigned int rtp, uint32_t ssrc)
{
	unsigned int got_stun = 0, got_rtp = 0, bad = 0;
	uint8_t buf[2048];
	while (got_stun < stun || got_rtp < rtp) {
		int n = br_recv(&H, b, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (buf[0] <= 3) {
			struct dp_stun_msg m;
			if (dp_stun_parse(buf, (size_t)n, &m) == DP_STUN_OK &&
			    m.cls == DP_STUN_CLASS_SUCCESS &&
			    dp_stun_check_integrity(H.hmac, buf, (size_t)n, &m,
						    (const uint8_t *)b->pwd, strlen(b->pwd)) == DP_STUN_OK)
				got_stun++;
			else
				bad++;
		} else if (n >= 2 && buf[0] >= 128 && !(buf[1] >= 192 && buf[1] <= 223)) {
			struct rx_rtp r;
			if (br_unprotect_rtp(b, buf, (size_t)n, &r) == 0 && r.ssrc == ssrc)
				got_rtp++;
			else
				bad++;
		} /* RTCP (receiver reports of the data plane): not counted */
	}
	CHECK_EQ(got_stun, stun);
	CHECK_EQ(got_rtp, rtp);
	CHECK_EQ(bad, 0);
}

static int replay(const char *kind)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' --quiet --pps %s '%s' '%s/%s.pcap' >'%s/replay-%s.log' 2>&1",
		 REPLAY, REPLAY_PPS, IFNAME, DIR_, kind, DIR_, kind);
	return run(cmd);
}

/* ---- the test ---- */

static void test_media(void)
{
	struct summary s;
	struct snap b, a;
	struct sl_msg ev;
	CHECK_EQ(read_summary("media", &s), 0);
	/* 3 streams x 25 pps x 2 s; consent at 0 and 1 s on 2 transports */
	CHECK_EQ(s.srtp, 3 * PPS * SECONDS);
	CHECK_EQ(s.stun, 4);
	CHECK_EQ(s.srtcp, 3); /* a sender report per stream at 1 s */
	snap(&b);
	CHECK_EQ(replay("media"), 0);
	CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, TID_A, &ev), 0);
	CHECK_EQ(mh_wait_event(&H, SL_MSG_ICE_SELECTED, TID_B, &ev), 0);
	CHECK_EQ(wait_lsum(offsetof(struct sl_lcore_counters, rtp_in), b.rtp_in + s.srtp),
		 b.rtp_in + s.srtp);
	wait_lsum(offsetof(struct sl_lcore_counters, stun_replies), b.stun_replies + s.stun);
	settle();
	snap(&a);
	CHECK_EQ(a.rtp_in - b.rtp_in, s.srtp);
	CHECK_EQ(a.rtp_a - b.rtp_a, 2 * PPS * SECONDS);
	CHECK_EQ(a.rtp_b - b.rtp_b, PPS * SECONDS);
	CHECK_EQ(a.stun_replies - b.stun_replies, s.stun);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, TID_A)->rtcp_in, b.rtcp_a + 2), b.rtcp_a + 2);
	CHECK_EQ(mh_wait_ge(&H, &mh_tc(&H, TID_B)->rtcp_in, b.rtcp_b + 1), b.rtcp_b + 1);
	CHECK_EQ(a.drops[SL_DROP_RTCP_MALFORMED] - b.drops[SL_DROP_RTCP_MALFORMED], 0);
	unsigned int reasons[PG_KIND__COUNT], n = attack_reasons(reasons);
	for (unsigned int i = 0; i < n; i++)
		CHECK_EQ(a.drops[reasons[i]] - b.drops[reasons[i]], 0);
	CHECK_EQ(a.drops[SL_DROP_RTP_MALFORMED] - b.drops[SL_DROP_RTP_MALFORMED], 0);
	CHECK_EQ(a.drops[SL_DROP_UDP_CHECKSUM] - b.drops[SL_DROP_UDP_CHECKSUM], 0);
	/* per producer: the data plane's own stream statistics */
	const uint32_t prods[3] = {PROD_AV, PROD_AA, PROD_BV};
	for (int p = 0; p < 3; p++) {
		struct sl_msg st;
		uint64_t seen = 0;
		for (int i = 0; i < MH_WAIT_ITERS && seen < PPS * SECONDS; i++) {
			while (mh_take_stats(&H, prods[p], SL_INVALID_ID, &st) == 0)
				seen = st.u.stream_stats.packets;
			usleep(1000);
		}
		CHECK_EQ(seen, PPS * SECONDS);
	}
	/* A's answers on A's socket; B's answers and A's video forwarded to B */
	expect_rx(&A, 2, 0, 0);
	expect_rx(&B, 2, PPS * SECONDS, SSRC_CB);
	printf("media: %llu SRTP -> rtp_in +%llu (A %llu, B %llu), %llu SRTCP, %llu consent -> %llu answers\n",
	       s.srtp, (unsigned long long)(a.rtp_in - b.rtp_in),
	       (unsigned long long)(a.rtp_a - b.rtp_a), (unsigned long long)(a.rtp_b - b.rtp_b),
	       s.srtcp, s.stun, (unsigned long long)(a.stun_replies - b.stun_replies));
}

static void test_attack(enum pg_kind k)
{
	const char *name = pg_kind_name(k);
	unsigned int why = pg_kind_drop(k);
	struct summary s;
	struct snap b, a;
	CHECK_EQ(read_summary(name, &s), 0);
	CHECK(s.expect > 0);
	snap(&b);
	CHECK_EQ(replay(name), 0);
	CHECK_EQ(mh_wait_drops(&H, why, b.drops[why] + s.expect), b.drops[why] + s.expect);
	wait_lsum(offsetof(struct sl_lcore_counters, rtp_in), b.rtp_in + s.valid_rtp);
	settle();
	snap(&a);
	CHECK_EQ(a.drops[why] - b.drops[why], s.expect);
	CHECK_EQ(a.rtp_in - b.rtp_in, s.valid_rtp);
	/* the consent requests in front of the tuple kinds are answered, no more */
	uint64_t stun_valid = s.stun - (k == PG_KIND_STUN_MALFORMED || k == PG_KIND_STUN_AUTH ||
					k == PG_KIND_STUN_UNKNOWN_USER ? s.expect : 0);
	CHECK_EQ(a.stun_replies - b.stun_replies, stun_valid);
	unsigned int reasons[PG_KIND__COUNT], n = attack_reasons(reasons);
	for (unsigned int i = 0; i < n; i++)
		if (reasons[i] != why)
			CHECK_EQ(a.drops[reasons[i]] - b.drops[reasons[i]], 0);
	printf("%-18s %4llu frames -> %s +%llu (want %llu), rtp_in +%llu (want %llu)\n", name,
	       s.frames, sl_drop_name(why), (unsigned long long)(a.drops[why] - b.drops[why]),
	       s.expect, (unsigned long long)(a.rtp_in - b.rtp_in), s.valid_rtp);
	br_drain(&A);
	br_drain(&B);
}

static int generate(void)
{
	char cmd[1024], mac[32], dump[128];
	if (tap_mac(mac, sizeof(mac)) != 0) {
		fprintf(stderr, "test_pcap_replay: no MAC address for %s\n", IFNAME);
		return -1;
	}
	snprintf(dump, sizeof(dump), "%s/keys.json", DIR_);
	if (write_dump(dump) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "'%s' --keys '%s' --out '%s' --kind all --pps %d --seconds %d --consent-ms 1000 --sr-ms 1000 "
		 "--src-mac %s --dst-mac 02:00:00:00:00:01 >'%s/summary'",
		 PCAPGEN, dump, DIR_, PPS, SECONDS, mac, DIR_);
	if (run(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "cat '%s/summary'", DIR_);
	return run(cmd);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s <shm> <tap> <sluice-pcapgen> <replay.sh>\n", argv[0]);
		return 2;
	}
	IFNAME = argv[2];
	PCAPGEN = argv[3];
	REPLAY = argv[4];
	if (system("command -v tcpreplay >/dev/null 2>&1") != 0) {
		printf("SKIP: no tcpreplay (deploy/install-deps.sh --test installs it)\n");
		return 77;
	}
	snprintf(DIR_, sizeof(DIR_), "/tmp/sl-pcap-replay.XXXXXX");
	if (!mkdtemp(DIR_)) {
		perror("mkdtemp");
		return 1;
	}
	int ok = mh_init(&H, argv[1]) == 0 && dp_srtp_global_init() == 0 && setup() == 0 &&
		 generate() == 0;
	CHECK(ok);
	if (ok) {
		test_media();
		for (unsigned int k = 0; k < PG_KIND__COUNT; k++)
			if (k != PG_KIND_MEDIA)
				test_attack((enum pg_kind)k);
	}
	br_close(&A);
	br_close(&B);
	if (H.hdr)
		mh_fini(&H);
	char cmd[128];
	if (check_failures)
		fprintf(stderr, "test_pcap_replay: files kept in %s\n", DIR_);
	else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", DIR_);
		run(cmd);
	}
	return check_report("test_pcap_replay");
}
