/* SPDX-License-Identifier: MIT */
/*
 * test_pcapgen - unit test of sluice-pcapgen's library (no root, no
 * network): the key dump parser's answers to good and bad dumps, the pcap
 * writer's bytes, and every kind of generated traffic checked with the
 * data plane's own modules (dp_net, dp_stun, dp_rtp, dp_srtp) by a small
 * model of the data plane's input order (dataplane/media/dp_media.c,
 * dp_ice.c, dp_forward.c): each frame must land where its kind says.
 *   test_pcapgen <testdata dir>
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_demux.h"
#include "dp_net.h"
#include "dp_rtcp.h"
#include "dp_rtp.h"
#include "dp_srtp.h"
#include "dp_stun.h"
#include "pg_gen.h"
#include "pg_keys.h"
#include "pg_pcap.h"

static int failures;
#define CHECK(c)                                                                  \
	do {                                                                      \
		if (!(c)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,    \
				__LINE__, #c);                                    \
			failures++;                                               \
		}                                                                 \
	} while (0)

/* ---- frames in memory ---- */

struct frame {
	uint64_t ts;
	uint32_t len;
	uint8_t b[PG_FRAME_MAX];
};

struct mem {
	struct frame *f;
	size_t n, cap;
};

static int mem_sink(void *user, uint64_t ts, const uint8_t *b, size_t len)
{
	struct mem *m = user;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 256;
		struct frame *f = realloc(m->f, cap * sizeof(*f));
		if (!f)
			return -1;
		m->f = f;
		m->cap = cap;
	}
	if (len > PG_FRAME_MAX)
		return -1;
	m->f[m->n].ts = ts;
	m->f[m->n].len = (uint32_t)len;
	memcpy(m->f[m->n].b, b, len);
	m->n++;
	return 0;
}

static int gen(const struct pg_dump *d, enum pg_kind k, const struct pg_opts *o, struct mem *m,
	       struct pg_stats *st)
{
	char err[256];
	struct pg_sink s = {.frame = mem_sink, .user = m};
	m->n = 0;
	int rc = pg_generate(d, k, o, &s, st, err, sizeof(err));
	if (rc)
		fprintf(stderr, "generate %s: %s\n", pg_kind_name(k), err);
	return rc;
}

/* ---- a model of the data plane's input path ---- */

#define VALID_STUN SL_DROP__COUNT
#define VALID_RTP (SL_DROP__COUNT + 1)
#define VALID_RTCP (SL_DROP__COUNT + 3)
#define N_OUT (SL_DROP__COUNT + 4)

struct model {
	const struct pg_dump *d;
	struct dp_stun_hmac *hmac;
	struct dp_srtp **srtp;  /* server side, per transport */
	int *has_tuple;         /* a valid request came from the transport's tuple */
};

static void model_init(struct model *m, const struct pg_dump *d)
{
	memset(m, 0, sizeof(*m));
	m->d = d;
	m->hmac = dp_stun_hmac_new();
	m->srtp = calloc(d->n, sizeof(*m->srtp));
	m->has_tuple = calloc(d->n, sizeof(int));
	for (unsigned int i = 0; i < d->n; i++) {
		const struct pg_transport *t = &d->t[i];
		/* the server receives with the loadgen's tx key */
		CHECK(dp_srtp_create(&m->srtp[i], t->profile, t->tx, t->rx, t->key_len,
				     t->salt_len) == DP_SRTP_OK);
	}
}

static void model_fini(struct model *m)
{
	for (unsigned int i = 0; i < m->d->n; i++)
		dp_srtp_destroy(m->srtp[i]);
	free(m->srtp);
	free(m->has_tuple);
	dp_stun_hmac_free(m->hmac);
}

static int tp_by_tuple(const struct model *m, uint32_t ip, uint16_t port)
{
	for (unsigned int i = 0; i < m->d->n; i++)
		if (m->has_tuple[i] && m->d->t[i].local_ip == ip && m->d->t[i].local_port == port)
			return (int)i;
	return -1;
}

static unsigned int model_stun(struct model *m, const uint8_t *p, size_t len,
			       const struct dp_udp_info *u)
{
	struct dp_stun_msg sm;
	const uint32_t need = DP_STUN_F_USERNAME | DP_STUN_F_INTEGRITY | DP_STUN_F_FINGERPRINT;
	if (dp_stun_parse(p, len, &sm) != DP_STUN_OK)
		return SL_DROP_STUN_MALFORMED;
	if (sm.method != DP_STUN_METHOD_BINDING || sm.cls != DP_STUN_CLASS_REQUEST)
		return SL_DROP_STUN_NOT_REQUEST;
	if ((sm.flags & need) != need || dp_stun_check_fingerprint(p, len, &sm) != DP_STUN_OK)
		return SL_DROP_STUN_MALFORMED;
	const uint8_t *ours;
	size_t ours_len;
	if (dp_stun_username_split(sm.username, sm.username_len, &ours, &ours_len, NULL, NULL))
		return SL_DROP_STUN_MALFORMED;
	for (unsigned int i = 0; i < m->d->n; i++) {
		const struct pg_transport *t = &m->d->t[i];
		if (strlen(t->remote_ufrag) != ours_len || memcmp(t->remote_ufrag, ours, ours_len))
			continue;
		if (dp_stun_check_integrity(m->hmac, p, len, &sm, (const uint8_t *)t->remote_pwd,
					    strlen(t->remote_pwd)) != DP_STUN_OK)
			return SL_DROP_STUN_AUTH;
		CHECK(sm.flags & DP_STUN_F_USE_CANDIDATE);
		CHECK(sm.flags & DP_STUN_F_ICE_CONTROLLING);
		CHECK(dp_udp_src_ip4(u) == t->local_ip && ntohs(u->src_port) == t->local_port);
		m->has_tuple[i] = 1;
		return VALID_STUN;
	}
	return SL_DROP_STUN_UNKNOWN_USER;
}

static int ssrc_of(const struct pg_transport *t, uint32_t ssrc)
{
	for (unsigned int j = 0; j < t->n_streams; j++)
		if (t->streams[j].ssrc == ssrc || t->streams[j].rtx_ssrc == ssrc)
			return (int)j;
	return -1;
}

/* Checks an authenticated packet as the browser's: header, extensions. */
static void check_rtp(const struct pg_stream *s, const uint8_t *p, uint32_t len)
{
	struct dp_rtp_info ri;
	struct dp_rtp_ext_elem e;
	CHECK(dp_rtp_parse(p, len, &ri) == DP_RTP_OK);
	CHECK(ri.pt == s->pt && ri.ssrc == s->ssrc && ri.ext_form == DP_RTP_EXT_ONE);
	if (s->ext_mid) {
		const uint8_t *mid;
		size_t ml;
		CHECK(dp_rtp_ext_find(p, &ri, s->ext_mid, &e) == DP_RTP_OK &&
		      dp_rtp_ext_get_mid(p, &e, &mid, &ml) == DP_RTP_OK && ml == s->mid_len &&
		      memcmp(mid, s->mid, ml) == 0);
	}
	uint16_t tw;
	uint32_t abs;
	if (s->ext_twcc)
		CHECK(dp_rtp_ext_find(p, &ri, s->ext_twcc, &e) == DP_RTP_OK &&
		      dp_rtp_ext_get_twcc(p, &e, &tw) == DP_RTP_OK);
	if (s->ext_abs_send_time)
		CHECK(dp_rtp_ext_find(p, &ri, s->ext_abs_send_time, &e) == DP_RTP_OK &&
		      dp_rtp_ext_get_abs_send_time(p, &e, &abs) == DP_RTP_OK);
	if (s->kind == PG_AUDIO && s->ext_audio_level) {
		int voice;
		uint8_t level;
		CHECK(dp_rtp_ext_find(p, &ri, s->ext_audio_level, &e) == DP_RTP_OK &&
		      dp_rtp_ext_get_audio_level(p, &e, &voice, &level) == DP_RTP_OK &&
		      voice == 1 && level == 30);
	}
	if (s->kind == PG_VIDEO)
		CHECK(ri.payload_len >= 1 && (p[ri.payload_off] & ~0x10u) == 0);
}

static unsigned int model_rtp(struct model *m, int ti, uint8_t *p, uint32_t len)
{
	const struct pg_transport *t = &m->d->t[ti];
	int j = ssrc_of(t, dp_get_be32(p + 8));
	if (j < 0)
		return SL_DROP_NO_PRODUCER;
	enum dp_srtp_status st = dp_srtp_unprotect_rtp(m->srtp[ti], p, &len, len);
	if (st != DP_SRTP_OK)
		return dp_srtp_drop_reason(st);
	check_rtp(&t->streams[j], p, len);
	return VALID_RTP;
}

/* Where one frame lands. */
static unsigned int model_frame(struct model *m, struct frame *f)
{
	struct dp_net_cfg cfg = {.port_min = 20000, .port_max = 20001, .verify_udp_csum = 1};
	struct dp_net_result res;
	cfg.ipv4 = m->d->t[0].remote_ip;
	uint8_t copy[PG_FRAME_MAX];
	memcpy(copy, f->b, f->len);
	if (dp_net_input(copy, f->len, &cfg, &res) != DP_NET_UDP)
		return res.drop_reason; /* never expected: checked by the caller */
	uint8_t *p = copy + res.udp.payload_off;
	size_t len = res.udp.payload_len;
	CHECK(res.udp.payload_off + len == f->len);
	enum dp_demux kind = dp_demux_classify(p, len);
	if (kind == DP_DEMUX_STUN)
		return model_stun(m, p, len, &res.udp);
	int ti = tp_by_tuple(m, dp_udp_src_ip4(&res.udp), ntohs(res.udp.src_port));
	switch (kind) {
	case DP_DEMUX_DTLS:
		return ti < 0 ? SL_DROP_DTLS_NO_TRANSPORT : SL_DROP__COUNT + 2;
	case DP_DEMUX_RTP:
		return ti < 0 ? SL_DROP_UNKNOWN_TUPLE : model_rtp(m, ti, p, (uint32_t)len);
	case DP_DEMUX_RTCP: {
		if (ti < 0)
			return SL_DROP_UNKNOWN_TUPLE;
		uint32_t n = (uint32_t)len;
		struct dp_rtcp_iter it;
		struct dp_rtcp_pkt pk;
		struct dp_rtcp_sr sr;
		if (dp_srtp_unprotect_rtcp(m->srtp[ti], p, &n, n) != DP_SRTP_OK ||
		    dp_rtcp_iter_init(&it, p, n) != DP_RTCP_OK || !dp_rtcp_iter_next(&it, &pk) ||
		    dp_rtcp_parse_sr(&pk, &sr) != DP_RTCP_OK || ssrc_of(&m->d->t[ti], sr.ssrc) < 0 ||
		    !dp_rtcp_iter_next(&it, &pk) || pk.pt != DP_RTCP_PT_SDES)
			return SL_DROP_RTCP_MALFORMED;
		return VALID_RTCP;
	}
	default:
		return SL_DROP_DEMUX_UNKNOWN;
	}
}

/* Runs every frame of m through the model; per-frame outcomes into out[]. */
static void model_run(struct model *md, struct mem *m, uint64_t out[N_OUT])
{
	memset(out, 0, N_OUT * sizeof(uint64_t));
	for (size_t i = 0; i < m->n; i++) {
		unsigned int r = model_frame(md, &m->f[i]);
		CHECK(r < N_OUT && r != SL_DROP__COUNT + 2);
		if (r < N_OUT)
			out[r]++;
		if (i)
			CHECK(m->f[i].ts >= m->f[i - 1].ts);
	}
}

/* ---- tests ---- */

static void test_media(const struct pg_dump *d, struct mem *m)
{
	struct pg_opts o;
	struct pg_stats st;
	struct model md;
	uint64_t out[N_OUT];
	pg_opts_default(&o);
	o.pps = 40;
	o.seconds = 3;
	o.consent_ms = 1000;
	CHECK(gen(d, PG_KIND_MEDIA, &o, m, &st) == 0);
	/* 3 streams x 40 pps x 3 s; consent at 0, 1, 2 s on 2 send transports */
	CHECK(st.srtp == 360 && st.valid_rtp == 360);
	CHECK(st.stun == 6 && st.frames == 366 && st.other == 0);
	CHECK(st.seq_first == 30000 && st.seq_next == 30120);
	model_init(&md, d);
	/* the first frames: a consent request per send transport, before any media */
	CHECK(model_frame(&md, &m->f[0]) == VALID_STUN && model_frame(&md, &m->f[1]) == VALID_STUN);
	memset(md.has_tuple, 0, d->n * sizeof(int));
	model_run(&md, m, out);
	CHECK(out[VALID_RTP] == 360 && out[VALID_STUN] == 6);
	/* sequence numbers: consecutive from the offset on every SSRC */
	uint16_t next[3] = {30000, 30000, 30000};
	uint32_t ssrcs[3] = {1234, 5678, 9000};
	for (size_t i = 0; i < m->n; i++) {
		const uint8_t *p = m->f[i].b + DP_UDP4_HDRS;
		if (p[0] < 128)
			continue;
		for (int s = 0; s < 3; s++)
			if (dp_get_be32(p + 8) == ssrcs[s]) {
				CHECK(dp_get_be16(p + 2) == next[s]);
				next[s]++;
			}
	}
	CHECK(next[0] == 30120 && next[1] == 30120 && next[2] == 30120);
	model_fini(&md);

	/* deterministic: the same options give the same bytes */
	struct mem again = {0};
	struct pg_stats st2;
	CHECK(gen(d, PG_KIND_MEDIA, &o, &again, &st2) == 0 && again.n == m->n);
	for (size_t i = 0; i < again.n && i < m->n; i++)
		CHECK(again.f[i].len == m->f[i].len && memcmp(again.f[i].b, m->f[i].b, m->f[i].len) == 0);
	free(again.f);

	/* --sr-ms 1000: a sender report per stream at 1 s and 2 s */
	o.sr_ms = 1000;
	CHECK(gen(d, PG_KIND_MEDIA, &o, m, &st) == 0);
	CHECK(st.srtcp == 6 && st.srtp == 360 && st.stun == 6);
	model_init(&md, d);
	model_run(&md, m, out);
	CHECK(out[VALID_RTCP] == 6 && out[VALID_RTP] == 360);
	model_fini(&md);
	o.sr_ms = 0;

	/* --recv-consent: the recv transport's consent requests too */
	o.recv_consent = 1;
	CHECK(gen(d, PG_KIND_MEDIA, &o, m, &st) == 0);
	CHECK(st.stun == 9 && st.srtp == 360);
	model_init(&md, d);
	model_run(&md, m, out);
	CHECK(out[VALID_STUN] == 9 && out[VALID_RTP] == 360 && md.has_tuple[1]);
	model_fini(&md);
	o.recv_consent = 0;

	/* --streams 1 --size 400: one audio stream only, 400-byte payloads */
	o.streams = 1;
	o.size = 400;
	CHECK(gen(d, PG_KIND_MEDIA, &o, m, &st) == 0);
	CHECK(st.srtp == 120);
	/* sequence numbers wrap: the ROC goes up and the receiver follows */
	struct model mw;
	o.size = -1;
	o.seq_offset = 65000;
	o.pps = 100;
	o.seconds = 20;
	CHECK(gen(d, PG_KIND_MEDIA, &o, m, &st) == 0);
	CHECK(st.seq_count == 2000 && st.seq_next == (uint16_t)(65000 + 2000));
	model_init(&mw, d);
	model_run(&mw, m, out);
	CHECK(out[VALID_RTP] == 2000);
	model_fini(&mw);
	o.seq_offset = 30000;
	o.pps = 40;
	o.seconds = 3;
	/* too large for a frame */
	o.size = 1480;
	char err[256];
	struct pg_sink s = {.frame = mem_sink, .user = m};
	CHECK(pg_generate(d, PG_KIND_MEDIA, &o, &s, &st, err, sizeof(err)) == -1 &&
	      strstr(err, "--size 1480"));
}

/* Every kind in the order --kind all writes them, through one model (the
 * data plane keeps its state between replays), chained sequence ranges. */
static void test_all_kinds(const struct pg_dump *d, struct mem *m)
{
	struct pg_opts o;
	struct model md;
	uint64_t out[N_OUT];
	pg_opts_default(&o);
	o.pps = 30;
	o.seconds = 2;
	model_init(&md, d);
	for (unsigned int k = 0; k < PG_KIND__COUNT; k++) {
		struct pg_stats st;
		CHECK(gen(d, (enum pg_kind)k, &o, m, &st) == 0);
		model_run(&md, m, out);
		unsigned int why = pg_kind_drop((enum pg_kind)k);
		uint64_t stun_valid = (k == PG_KIND_MEDIA || why == SL_DROP_SRTP_AUTH ||
				       why == SL_DROP_NO_PRODUCER || why == SL_DROP_SRTP_REPLAY)
					      ? 2 : 0;
		if (k == PG_KIND_MEDIA)
			stun_valid = 2 * 1; /* 2 s, consent every 5 s: once */
		uint64_t counted = out[VALID_RTP] + out[VALID_STUN] +
				   (why < SL_DROP__COUNT ? out[why] : 0);
		printf("kind %-18s frames %4zu valid_rtp %4llu valid_stun %llu expect %s:%llu got %llu\n",
		       pg_kind_name((enum pg_kind)k), m->n, (unsigned long long)out[VALID_RTP],
		       (unsigned long long)out[VALID_STUN],
		       why < SL_DROP__COUNT ? sl_drop_name(why) : "-",
		       (unsigned long long)st.expect_drops,
		       (unsigned long long)(why < SL_DROP__COUNT ? out[why] : 0));
		CHECK(counted == m->n); /* nothing lands anywhere else */
		CHECK(out[VALID_STUN] == stun_valid);
		CHECK(out[VALID_RTP] == st.valid_rtp);
		if (why < SL_DROP__COUNT) {
			CHECK(out[why] == st.expect_drops);
			CHECK(st.expect_drops > 0);
		}
		if (k == PG_KIND_REPLAY)
			CHECK(st.valid_rtp == 30 && st.expect_drops == 30);
		else if (why < SL_DROP__COUNT)
			CHECK(st.expect_drops == 60);
		o.seq_offset = st.seq_next;
	}
	model_fini(&md);
}

static void test_pcap_writer(struct mem *m)
{
	char path[] = "/tmp/test_pcapgen.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	struct pg_pcap w;
	uint8_t frame[60] = {1, 2, 3};
	CHECK(pg_pcap_open(&w, path) == 0);
	CHECK(pg_pcap_write(&w, 1767225600123456789ull, frame, sizeof(frame)) == 0);
	CHECK(pg_pcap_write(&w, 0, frame, PG_PCAP_SNAPLEN + 1) == -1);
	CHECK(pg_pcap_write(&w, 0, frame, 10) == -1); /* sticky */
	CHECK(pg_pcap_close(&w) != 0);
	FILE *f = fopen(path, "rb");
	uint8_t b[200];
	size_t n = f ? fread(b, 1, sizeof(b), f) : 0;
	if (f)
		fclose(f);
	static const uint8_t gh[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
				       0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
	CHECK(n == 24 + 16 + 60 && memcmp(b, gh, 24) == 0);
	/* 1767225600 s, 123456 us, 60, 60 */
	static const uint8_t rh[16] = {0x00, 0xb9, 0x55, 0x69, 0x40, 0xe2, 0x01, 0x00,
				       60,   0,    0,    0,    60,   0,    0,    0};
	CHECK(n >= 40 && memcmp(b + 24, rh, 16) == 0);
	unlink(path);
	CHECK(pg_pcap_open(&w, "/nonexistent-dir/x.pcap") < 0);
	(void)m;
}

/* A dump with one send transport; `patch` replaces the text of field
 * FIELD (a marker) to make it bad. */
static const char *TEMPLATE =
	"{\"version\": VERSION, \"transports\": [{\"peer\": \"p\", \"direction\": \"DIR\","
	" \"local\": {\"ip\": \"LOCALIP\", \"port\": 40000},"
	" \"remote\": {\"ip\": \"198.18.0.1\", \"port\": PORT},"
	" \"ice\": {\"local_ufrag\": \"abcd\", \"local_pwd\": \"x\", \"remote_ufrag\": \"UFRAG\","
	" \"remote_pwd\": \"pwpwpwpwpwpwpwpwpwpwpwpw\"},"
	" \"srtp\": {\"profile\": \"PROFILE\", \"tx\": \"TXKEY\","
	" \"rx\": \"00112233445566778899aabbccddeeff00112233445566778899aabb\"},"
	" \"streams\": [{\"kind\": \"KIND\", \"ssrc\": SSRC, \"pt\": 96, \"clock\": 90000,"
	" \"ext\": {\"mid\": MIDID}, \"mid\": \"0\"}]}]}";

static const char *GOOD_TX = "00112233445566778899aabbccddeeff00112233445566778899aabb";

/* TEMPLATE with one marker replaced by val (all others by good values). */
static void dump_with(char *out, size_t cap, const char *marker, const char *val)
{
	static const char *const good[][2] = {
		{"VERSION", "1"}, {"DIR", "send"}, {"LOCALIP", "198.18.0.2"}, {"PORT", "20000"},
		{"UFRAG", "srvu"}, {"PROFILE", "AEAD_AES_128_GCM"}, {"TXKEY", NULL},
		{"KIND", "video"}, {"SSRC", "42"}, {"MIDID", "1"},
	};
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", TEMPLATE);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *v = strcmp(good[i][0], marker) == 0 ? val
				: good[i][1]                    ? good[i][1]
								: GOOD_TX;
		char *at = strstr(buf, good[i][0]);
		if (!at)
			continue;
		char tail[4096];
		snprintf(tail, sizeof(tail), "%s", at + strlen(good[i][0]));
		snprintf(at, sizeof(buf) - (size_t)(at - buf), "%s%s", v, tail);
	}
	snprintf(out, cap, "%s", buf);
}

static void expect_error(const char *marker, const char *val, const char *msg)
{
	char json[4096], err[PG_ERR_MAX];
	struct pg_dump d;
	dump_with(json, sizeof(json), marker, val);
	int rc = pg_keys_parse(json, strlen(json), &d, err, sizeof(err));
	if (rc != -1 || !strstr(err, msg)) {
		fprintf(stderr, "dump with %s=%s: rc %d, \"%s\", wanted \"%s\"\n", marker, val, rc,
			err, msg);
		failures++;
	}
	CHECK(d.n == 0 && d.t == NULL);
}

static void test_parser(const char *dir, struct pg_dump *d)
{
	char path[4096], err[PG_ERR_MAX + 4200], json[4096];
	struct pg_dump tmp;
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	CHECK(pg_keys_load(path, d, err, sizeof(err)) == 0);
	CHECK(d->n == 3 && d->t[0].send && !d->t[1].send && d->t[2].send);
	CHECK(d->t[0].profile == SL_SRTP_AEAD_AES_128_GCM && d->t[0].key_len == 16 &&
	      d->t[0].salt_len == 12 && d->t[0].tx[0] == 0x01 && d->t[0].tx[1] == 0x08);
	CHECK(d->t[0].n_streams == 2 && d->t[0].streams[0].kind == PG_AUDIO &&
	      d->t[0].streams[0].ssrc == 1234 && d->t[0].streams[0].ext_audio_level == 1 &&
	      d->t[0].streams[1].rtx_ssrc == 5679 && strcmp(d->t[0].streams[1].mid, "1") == 0);
	CHECK(d->t[2].profile == SL_SRTP_AES128_CM_SHA1_80 && d->t[2].local_port == 40002 &&
	      d->t[2].remote_port == 20001 && strcmp(d->t[2].remote_ufrag, "srvufrag00000003") == 0);

	dump_with(json, sizeof(json), "", "");
	CHECK(pg_keys_parse(json, strlen(json), &tmp, err, sizeof(err)) == 0 && tmp.n == 1);
	pg_keys_free(&tmp);
	CHECK(tmp.t == NULL);

	expect_error("VERSION", "2", "version: 2 is not supported");
	expect_error("VERSION", "\"1\"", "version: an integer expected");
	expect_error("DIR", "sideways", "transports[0].direction: \"sideways\"");
	expect_error("LOCALIP", "2001:db8::1", "transports[0].local.ip: \"2001:db8::1\" is not an IPv4");
	expect_error("PORT", "0", "transports[0].remote.port: 0 out of range 1..65535");
	expect_error("UFRAG", "a:b", "transports[0].ice.remote_ufrag: contains ':'");
	expect_error("PROFILE", "NULL_NULL", "transports[0].srtp.profile: \"NULL_NULL\" is not a supported");
	expect_error("TXKEY", "0011", "transports[0].srtp.tx: 56 hex digits expected for AEAD_AES_128_GCM, got 4");
	expect_error("TXKEY", "zz112233445566778899aabbccddeeff00112233445566778899aabb",
		     "transports[0].srtp.tx: not a hex digit at position 0");
	expect_error("KIND", "screen", "transports[0].streams[0].kind");
	expect_error("SSRC", "4294967296", "transports[0].streams[0].ssrc: 4294967296 out of range");
	expect_error("MIDID", "15", "transports[0].streams[0].ext.mid: 15 out of range 0..14");

	const char *bad[] = {"", "{", "[]", "{\"version\": 1}", "{\"version\": 1, \"transports\": []}",
			     "{\"version\": 1, \"transports\": [1]}"};
	const char *msg[] = {"not valid JSON", "not valid JSON", "an object expected",
			     "transports: missing", "transports: empty", "transports[0]: an object"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = pg_keys_parse(bad[i], strlen(bad[i]), &tmp, err, sizeof(err));
		if (rc != -1 || !strstr(err, msg[i])) {
			fprintf(stderr, "dump \"%s\": \"%s\", wanted \"%s\"\n", bad[i], err, msg[i]);
			failures++;
		}
	}
	CHECK(pg_keys_load("/nonexistent/keys.json", &tmp, err, sizeof(err)) == -1 &&
	      strstr(err, "No such file"));
}

static void test_no_streams(struct mem *m)
{
	char json[4096], err[256];
	struct pg_dump d;
	struct pg_opts o;
	struct pg_stats st;
	dump_with(json, sizeof(json), "DIR", "recv");
	CHECK(pg_keys_parse(json, strlen(json), &d, err, sizeof(err)) == 0);
	pg_opts_default(&o);
	struct pg_sink s = {.frame = mem_sink, .user = m};
	CHECK(pg_generate(&d, PG_KIND_MEDIA, &o, &s, &st, err, sizeof(err)) == -1 &&
	      strstr(err, "no send transport"));
	pg_keys_free(&d);
}

int main(int argc, char **argv)
{
	struct pg_dump d;
	struct mem m = {0};
	if (argc != 2) {
		fprintf(stderr, "usage: test_pcapgen <testdata dir>\n");
		return 2;
	}
	test_parser(argv[1], &d);
	if (d.n == 3) {
		test_media(&d, &m);
		test_all_kinds(&d, &m);
	}
	test_pcap_writer(&m);
	test_no_streams(&m);
	pg_keys_free(&d);
	free(m.f);
	if (failures) {
		fprintf(stderr, "test_pcapgen: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_pcapgen: ok\n");
	return 0;
}
