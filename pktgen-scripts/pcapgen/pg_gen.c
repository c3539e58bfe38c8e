/* SPDX-License-Identifier: MIT */
/* pg_gen - frames of media and attack traffic from a key dump: see pg_gen.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_bytes.h"
#include "dp_net.h"
#include "dp_rtcp.h"
#include "dp_rtp.h"
#include "dp_srtp.h"
#include "dp_stun.h"
#include "pg_gen.h"

#define NS_PER_S 1000000000ull
#define AUDIO_SIZE 100u
#define VIDEO_SIZE 1100u
#define VIDEO_FPS 30u
#define REPLAY_BLOCK 32u /* originals sent before their copies: well inside any replay window */
#define RTP_EXT_MAX 40u  /* 4 block header + mid 17 + level 2 + abs 4 + twcc 3, padded */
#define START_2026 1767225600ull

static const struct {
	const char *name, *what;
	unsigned int drop;
	int tuple;
} kinds[] = {
#define PG_X_TAB(e, n, d, t, w) [e] = {n, w, d, t},
	PG_KINDS(PG_X_TAB)
#undef PG_X_TAB
};

const char *pg_kind_name(enum pg_kind k)
{
	return k < PG_KIND__COUNT ? kinds[k].name : "?";
}

unsigned int pg_kind_drop(enum pg_kind k)
{
	return k < PG_KIND__COUNT ? kinds[k].drop : SL_DROP__COUNT;
}

const char *pg_kind_what(enum pg_kind k)
{
	return k < PG_KIND__COUNT ? kinds[k].what : "?";
}

enum pg_kind pg_kind_by_name(const char *name)
{
	for (unsigned int k = 0; k < PG_KIND__COUNT; k++)
		if (strcmp(name, kinds[k].name) == 0)
			return (enum pg_kind)k;
	return PG_KIND__COUNT;
}

void pg_opts_default(struct pg_opts *o)
{
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x02}, dst[6] = {0x02, 0, 0, 0, 0, 0x01};
	memset(o, 0, sizeof(*o));
	memcpy(o->src_mac, src, 6);
	memcpy(o->dst_mac, dst, 6);
	o->pps = 50;
	o->seconds = 10;
	o->size = -1;
	o->seq_offset = 30000;
	o->consent_ms = 5000;
	o->seed = 1;
	o->start_ns = START_2026 * NS_PER_S;
}

/* ------------------------------------------------------------------ */
/* Generator state                                                     */
/* ------------------------------------------------------------------ */

/* One stream of a send transport, as the media kinds walk them. */
struct sref {
	unsigned int t;  /* index into the dump */
	const struct pg_stream *s;
	uint32_t ts_base;
};

struct gen {
	const struct pg_dump *d;
	const struct pg_opts *o;
	const struct pg_sink *sink;
	struct pg_stats *st;
	char *err;
	size_t errlen;
	struct dp_stun_hmac *hmac;
	struct dp_srtp **srtp;   /* per dump transport; NULL for recv ones */
	uint16_t *twcc;          /* per dump transport: next transport-wide seq */
	unsigned int *send;      /* indexes of the send transports */
	unsigned int n_send;
	struct sref *streams;    /* the streams media uses (opts.streams) */
	unsigned int n_streams;
	uint32_t *known_ssrc;    /* sorted: every SSRC and RTX SSRC of the dump */
	unsigned int n_known;
	uint8_t *port_used;      /* bitmap of the dump's local ports */
	uint64_t rng;
	_Alignas(8) uint8_t frame[2048];
};

static int gfail(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (g->err && g->errlen)
		vsnprintf(g->err, g->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* splitmix64 */
static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int ssrc_known(const struct gen *g, uint32_t ssrc)
{
	return bsearch(&ssrc, g->known_ssrc, g->n_known, sizeof(uint32_t), cmp_u32) != NULL;
}

static uint32_t unknown_ssrc(struct gen *g)
{
	uint32_t s;
	do
		s = (uint32_t)rnd(g);
	while (s == 0 || ssrc_known(g, s));
	return s;
}

/* A source port no transport of the dump uses (never passed ICE), from the
 * dynamic range 49152..65535 as browsers' sockets (RFC 6335). */
static uint16_t unknown_port(struct gen *g)
{
	uint16_t p;
	do
		p = (uint16_t)(49152u + rnd(g) % 16384u);
	while (g->port_used[p >> 3] & (1u << (p & 7)));
	return p;
}

static void gen_free(struct gen *g)
{
	if (g->srtp)
		for (unsigned int i = 0; i < g->d->n; i++)
			dp_srtp_destroy(g->srtp[i]);
	free(g->srtp);
	free(g->twcc);
	free(g->send);
	free(g->streams);
	free(g->known_ssrc);
	free(g->port_used);
	dp_stun_hmac_free(g->hmac);
}

static int gen_alloc(struct gen *g)
{
	const struct pg_dump *d = g->d;
	unsigned int n_known = 0, n_streams = 0;
	for (unsigned int i = 0; i < d->n; i++)
		if (d->t[i].send) {
			n_streams += d->t[i].n_streams;
			n_known += 2 * d->t[i].n_streams;
		}
	g->hmac = dp_stun_hmac_new();
	g->srtp = calloc(d->n, sizeof(*g->srtp));
	g->twcc = calloc(d->n, sizeof(*g->twcc));
	g->send = calloc(d->n, sizeof(*g->send));
	g->streams = calloc(n_streams ? n_streams : 1, sizeof(*g->streams));
	g->known_ssrc = calloc(n_known ? n_known : 1, sizeof(uint32_t));
	g->port_used = calloc(65536 / 8, 1);
	if (!g->hmac || !g->srtp || !g->twcc || !g->send || !g->streams || !g->known_ssrc ||
	    !g->port_used)
		return gfail(g, "out of memory");
	return 0;
}

/* Contexts, the send transports, the streams media uses, the known SSRCs. */
static int gen_init(struct gen *g)
{
	const struct pg_dump *d = g->d;
	if (gen_alloc(g))
		return -1;
	for (unsigned int i = 0; i < d->n; i++) {
		const struct pg_transport *t = &d->t[i];
		g->port_used[t->local_port >> 3] |= (uint8_t)(1u << (t->local_port & 7));
		if (!t->send)
			continue;
		g->send[g->n_send++] = i;
		/* rx: what the server sends us; tx: what we protect with */
		if (dp_srtp_create(&g->srtp[i], t->profile, t->rx, t->tx, t->key_len,
				   t->salt_len) != DP_SRTP_OK)
			return gfail(g, "transports[%u]: SRTP context for %s failed", i,
				     dp_srtp_profile_name(t->profile));
		g->twcc[i] = (uint16_t)rnd(g);
		for (unsigned int j = 0; j < t->n_streams; j++) {
			const struct pg_stream *s = &t->streams[j];
			g->known_ssrc[g->n_known++] = s->ssrc;
			if (s->rtx_ssrc)
				g->known_ssrc[g->n_known++] = s->rtx_ssrc;
			if (g->o->streams && g->n_streams >= g->o->streams)
				continue;
			g->streams[g->n_streams].t = i;
			g->streams[g->n_streams].s = s;
			g->streams[g->n_streams].ts_base = (uint32_t)rnd(g);
			g->n_streams++;
		}
	}
	qsort(g->known_ssrc, g->n_known, sizeof(uint32_t), cmp_u32);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

static uint8_t *payload(struct gen *g)
{
	return g->frame + DP_UDP4_HDRS;
}

/* Wraps the len bytes at payload(g) and hands the frame to the sink. */
static int emit(struct gen *g, uint64_t ts, uint32_t src_ip, uint16_t sport,
		const struct pg_transport *t, size_t len)
{
	size_t n = dp_net_build_udp4(g->frame, sizeof(g->frame), g->o->src_mac, g->o->dst_mac,
				     src_ip, t->remote_ip, htons(sport), htons(t->remote_port),
				     len);
	if (n == 0 || n > PG_FRAME_MAX)
		return gfail(g, "a frame of %zu bytes does not fit %u", DP_UDP4_HDRS + len,
			     PG_FRAME_MAX);
	const uint8_t *p = payload(g);
	if (len && p[0] <= 3)
		g->st->stun++;
	else if (len && p[0] >= 20 && p[0] <= 63)
		g->st->dtls++;
	else if (len >= 2 && p[0] >= 128 && p[0] <= 191 && !(p[1] >= 192 && p[1] <= 223))
		g->st->srtp++;
	else if (len >= 2 && p[0] >= 128 && p[0] <= 191)
		g->st->srtcp++;
	else
		g->st->other++;
	g->st->frames++;
	g->st->bytes += n;
	if (g->sink->frame(g->sink->user, ts, g->frame, n) != 0)
		return gfail(g, "writing frame %llu failed", (unsigned long long)g->st->frames);
	return 0;
}

/* From the transport's own tuple. */
static int emit_tp(struct gen *g, uint64_t ts, const struct pg_transport *t, size_t len)
{
	return emit(g, ts, t->local_ip, t->local_port, t, len);
}

/* A Binding request as the browser sends it; ufrag / key override the
 * dump's remote credentials when not NULL. Length, or 0. */
static size_t stun_request(struct gen *g, const struct pg_transport *t, uint8_t *out,
			   size_t cap, const char *ufrag, const char *key)
{
	char user[2 * PG_UFRAG_MAX + 2];
	uint8_t txid[DP_STUN_TXID_LEN];
	size_t len = 0;
	for (unsigned int i = 0; i < sizeof(txid); i++)
		txid[i] = (uint8_t)rnd(g);
	snprintf(user, sizeof(user), "%s:%s", ufrag ? ufrag : t->remote_ufrag, t->local_ufrag);
	if (!key)
		key = t->remote_pwd;
	struct dp_stun_request req = {
		.txid = txid, .username = (const uint8_t *)user, .username_len = strlen(user),
		.priority = 0x6e7f1eff, /* host candidate, type preference 110 */
		.controlling = 1, .tiebreaker = rnd(g), .use_candidate = 1,
		.key = (const uint8_t *)key, .key_len = strlen(key),
	};
	if (dp_stun_build_request(g->hmac, out, cap, &len, &req) != DP_STUN_OK)
		return 0;
	return len;
}

static int consent(struct gen *g, uint64_t ts, const struct pg_transport *t)
{
	size_t n = stun_request(g, t, payload(g), 1024, NULL, NULL);
	if (n == 0)
		return gfail(g, "building a Binding request for %s failed", t->peer);
	return emit_tp(g, ts, t, n);
}

/* The consent requests of every send transport (and with recv_consent of
 * every recv transport too, in dump order), 1 us apart. */
static int consent_all(struct gen *g, uint64_t ts, int with_recv)
{
	for (unsigned int i = 0, n = 0; i < g->d->n; i++) {
		const struct pg_transport *t = &g->d->t[i];
		if (!t->send && !with_recv)
			continue;
		if (consent(g, ts + n++ * 1000u, t))
			return -1;
	}
	return 0;
}

/* abs-send-time: 6.18 fixed-point seconds, 24 bits. */
static uint32_t abs24(uint64_t ns)
{
	uint64_t s = ns / NS_PER_S, frac = ns % NS_PER_S;
	return (uint32_t)(((s & 63u) << 18) | ((frac << 18) / NS_PER_S));
}

/* The header extension block of a browser's packet at p (RFC 8285 one-byte
 * elements); returns its length (a multiple of 4), 0 when nothing is negotiated. */
static size_t rtp_ext(struct gen *g, const struct sref *r, uint8_t *p, uint64_t ns)
{
	const struct pg_stream *s = r->s;
	uint8_t *e = p + 4;
	if (s->ext_mid && s->mid_len) {
		*e++ = (uint8_t)(s->ext_mid << 4 | (s->mid_len - 1));
		memcpy(e, s->mid, s->mid_len);
		e += s->mid_len;
	}
	if (s->kind == PG_AUDIO && s->ext_audio_level) {
		*e++ = (uint8_t)(s->ext_audio_level << 4);
		*e++ = 0x80 | 30; /* voice, -30 dBov */
	}
	if (s->ext_abs_send_time) {
		uint32_t v = abs24(ns);
		*e++ = (uint8_t)(s->ext_abs_send_time << 4 | 2);
		*e++ = (uint8_t)(v >> 16);
		*e++ = (uint8_t)(v >> 8);
		*e++ = (uint8_t)v;
	}
	if (s->ext_twcc) {
		uint16_t seq = g->twcc[r->t]++;
		*e++ = (uint8_t)(s->ext_twcc << 4 | 1);
		*e++ = (uint8_t)(seq >> 8);
		*e++ = (uint8_t)seq;
	}
	size_t data = (size_t)(e - (p + 4));
	if (data == 0)
		return 0;
	while (data & 3) {
		*e++ = 0;
		data++;
	}
	dp_put_be16(p, DP_RTP_EXT_ONE_BYTE);
	dp_put_be16(p + 2, (uint16_t)(data / 4));
	return 4 + data;
}

static uint32_t payload_size(const struct gen *g, const struct pg_stream *s)
{
	if (g->o->size >= 0)
		return (uint32_t)g->o->size;
	return s->kind == PG_AUDIO ? AUDIO_SIZE : VIDEO_SIZE;
}

/* RTP timestamp offset (from the stream's base) of packet k, and whether
 * it carries the marker: audio advances by clock/pps, video goes in frames
 * of pps/30 packets (the marker on a frame's last one). */
static uint64_t rtp_ts(const struct gen *g, const struct pg_stream *s, uint32_t k, int *marker)
{
	uint32_t pps = g->o->pps;
	uint32_t ppf = s->kind == PG_VIDEO && pps > VIDEO_FPS ? pps / VIDEO_FPS : 1;
	if (s->kind == PG_VIDEO) {
		*marker = k % ppf == ppf - 1;
		return (uint64_t)(k / ppf) * s->clock * ppf / pps;
	}
	*marker = k == 0;
	return (uint64_t)k * s->clock / pps;
}

/*
 * Packet k of stream r (plain RTP) at out, sent at ns, with ssrc (the
 * stream's unless overridden). A pure function of (stream, k, ns, opts)
 * except for the transport-wide sequence number. Returns its length.
 */
static size_t rtp_packet(struct gen *g, const struct sref *r, uint32_t k, uint64_t ns,
			 uint32_t ssrc, uint8_t *out)
{
	const struct pg_stream *s = r->s;
	uint32_t pps = g->o->pps;
	uint32_t ppf = s->kind == PG_VIDEO && pps > VIDEO_FPS ? pps / VIDEO_FPS : 1;
	int marker;
	uint64_t ts = rtp_ts(g, s, k, &marker);
	out[0] = 0x80;
	out[1] = (uint8_t)((marker ? 0x80 : 0) | s->pt);
	dp_rtp_set_seq(out, (uint16_t)(g->o->seq_offset + k));
	dp_rtp_set_ts(out, (uint32_t)(r->ts_base + ts));
	dp_rtp_set_ssrc(out, ssrc);
	size_t ext = rtp_ext(g, r, out + DP_RTP_HDR_MIN, ns);
	if (ext)
		out[0] |= 0x10;
	uint8_t *pl = out + DP_RTP_HDR_MIN + ext;
	uint32_t n = payload_size(g, s);
	for (uint32_t i = 0; i < n; i++)
		pl[i] = (uint8_t)(k * 31u + i);
	if (s->kind == PG_VIDEO && n > 0) {
		int first = k % ppf == 0;
		pl[0] = first ? 0x10 : 0x00; /* VP8 descriptor: S on a frame's first packet */
		if (first && n > 1)
			pl[1] = k == 0 ? 0x00 : 0x01; /* VP8 header: P=0 key frame first */
	} else if (n > 0) {
		pl[0] = 0x78; /* Opus TOC: CELT FB 20 ms, one frame */
	}
	return DP_RTP_HDR_MIN + ext + n;
}

/* Protects the len bytes of RTP at payload(g) in place with t's tx key. */
static int protect(struct gen *g, unsigned int ti, size_t *len)
{
	uint32_t n = (uint32_t)*len;
	enum dp_srtp_status st =
		dp_srtp_protect_rtp(g->srtp[ti], payload(g), &n, sizeof(g->frame) - DP_UDP4_HDRS);
	if (st != DP_SRTP_OK)
		return gfail(g, "SRTP protect failed: %s", dp_srtp_status_str(st));
	*len = n;
	return 0;
}

/* Packet k of stream r, protected, at payload(g). Length, or 0. */
static size_t srtp_packet(struct gen *g, const struct sref *r, uint32_t k, uint64_t ns,
			  uint32_t ssrc)
{
	size_t len = rtp_packet(g, r, k, ns, ssrc, payload(g));
	if (protect(g, r->t, &len))
		return 0;
	return len;
}

/* NTP time (RFC 3550 4: 32.32 fixed point seconds since 1900) of ns. */
static uint64_t ntp64(uint64_t ns)
{
	uint64_t s = ns / NS_PER_S + 2208988800ull, frac = ns % NS_PER_S;
	return s << 32 | ((frac << 32) / NS_PER_S);
}

/* A compound SRTCP packet from stream r after its packet k: SR (packets and
 * octets so far) + SDES CNAME, protected with the transport's key. */
static int sender_report(struct gen *g, const struct sref *r, uint32_t k, uint64_t ns)
{
	static const uint8_t cname[] = "sluice-pcapgen";
	struct dp_rtcp_sr sr;
	int marker;
	uint8_t *p = payload(g);
	memset(&sr, 0, sizeof(sr));
	sr.ssrc = r->s->ssrc;
	sr.ntp = ntp64(ns);
	sr.rtp_ts = (uint32_t)(r->ts_base + rtp_ts(g, r->s, k, &marker));
	sr.packet_count = k + 1;
	sr.octet_count = (k + 1) * payload_size(g, r->s);
	size_t n = dp_rtcp_build_sr(p, 256, &sr);
	size_t c = n ? dp_rtcp_build_sdes_cname(p + n, 256, sr.ssrc, cname, sizeof(cname) - 1) : 0;
	uint32_t len = (uint32_t)(n + c);
	if (!n || !c)
		return gfail(g, "building a sender report failed");
	enum dp_srtp_status st = dp_srtp_protect_rtcp(g->srtp[r->t], p, &len,
						      sizeof(g->frame) - DP_UDP4_HDRS);
	if (st != DP_SRTP_OK)
		return gfail(g, "SRTCP protect failed: %s", dp_srtp_status_str(st));
	return emit_tp(g, ns, &g->d->t[r->t], len);
}

/* ------------------------------------------------------------------ */
/* Kinds                                                               */
/* ------------------------------------------------------------------ */

static uint64_t period_ns(const struct gen *g)
{
	return NS_PER_S / g->o->pps;
}

static uint32_t attack_count(const struct gen *g)
{
	return g->o->count ? g->o->count : g->o->pps * g->o->seconds;
}

static int gen_media(struct gen *g)
{
	uint64_t per = period_ns(g), t0 = g->o->start_ns;
	uint64_t consent_ns = (uint64_t)g->o->consent_ms * 1000000u, next = UINT64_MAX;
	uint32_t ticks = g->o->pps * g->o->seconds;
	uint64_t sr_ns = (uint64_t)g->o->sr_ms * 1000000u, next_sr = t0 + sr_ns;
	if (consent_all(g, t0, g->o->recv_consent))
		return -1;
	if (consent_ns)
		next = t0 + consent_ns;
	uint64_t start = t0 + 1000000u; /* media 1 ms after the first checks */
	for (uint32_t k = 0; k < ticks; k++) {
		uint64_t tick = start + k * per;
		if (tick >= next) {
			if (consent_all(g, tick, g->o->recv_consent))
				return -1;
			next += consent_ns;
		}
		int sr = sr_ns && tick >= next_sr;
		if (sr)
			next_sr += sr_ns;
		for (unsigned int i = 0; i < g->n_streams; i++) {
			const struct sref *r = &g->streams[i];
			uint64_t ns = tick + i * (per / g->n_streams) + 2000u;
			size_t len = srtp_packet(g, r, k, ns, r->s->ssrc);
			if (len == 0 || emit_tp(g, ns, &g->d->t[r->t], len))
				return -1;
			g->st->valid_rtp++;
			if (sr && sender_report(g, r, k, ns + 1000u))
				return -1;
		}
	}
	g->st->seq_count = ticks;
	g->st->seq_next = (uint16_t)(g->o->seq_offset + ticks);
	return 0;
}

/* Variant i % 6 of a Binding request the parser rejects, at payload(g). */
static size_t stun_malformed(struct gen *g, const struct pg_transport *t, uint32_t i)
{
	uint8_t *p = payload(g);
	size_t n = stun_request(g, t, p, 1024, NULL, NULL);
	if (n == 0)
		return 0;
	switch (i % 6) {
	case 0: /* the header claims 4 bytes more than there are */
		dp_put_be16(p + 2, (uint16_t)(n - DP_STUN_HDR_LEN + 4));
		return n;
	case 1: /* wrong magic cookie */
		p[4] ^= 0x40;
		return n;
	case 2: /* shorter than the header */
		return 12;
	case 3: /* the first attribute (USERNAME) runs past the end */
		dp_put_be16(p + 22, 0x0400);
		return n;
	case 4: /* FINGERPRINT does not match */
		p[n - 1] ^= 0x01;
		return n;
	default: { /* USERNAME only: no MESSAGE-INTEGRITY, no FINGERPRINT */
		size_t ul = strlen(t->remote_ufrag) + 1 + strlen(t->local_ufrag);
		size_t pad = (4 - (ul & 3)) & 3;
		dp_put_be16(p + 2, (uint16_t)(4 + ul + pad));
		dp_put_be16(p + 20, DP_STUN_ATTR_USERNAME);
		dp_put_be16(p + 22, (uint16_t)ul);
		snprintf((char *)p + 24, ul + 1, "%s:%s", t->remote_ufrag, t->local_ufrag);
		memset(p + 24 + ul, 0, pad);
		return 24 + ul + pad;
	}
	}
}

/* A valid request whose MESSAGE-INTEGRITY is wrong: keyed with another
 * password (even i), or the right one with a flipped HMAC byte and the
 * FINGERPRINT recomputed (odd i). */
static size_t stun_bad_mi(struct gen *g, const struct pg_transport *t, uint32_t i)
{
	char wrong[PG_PWD_MAX + 8];
	uint8_t *p = payload(g);
	if (i % 2 == 0) {
		snprintf(wrong, sizeof(wrong), "%sX", t->remote_pwd);
		return stun_request(g, t, p, 1024, NULL, wrong);
	}
	size_t n = stun_request(g, t, p, 1024, NULL, NULL);
	struct dp_stun_msg m;
	if (n == 0 || dp_stun_parse(p, n, &m) != DP_STUN_OK)
		return 0;
	p[m.mi_off + 4 + i % DP_STUN_MI_LEN] ^= 0x20;
	uint32_t crc = dp_stun_crc32(0, p, m.fp_off) ^ DP_STUN_FP_XOR;
	dp_put_be32(p + m.fp_off + 4, crc);
	return n;
}

static size_t stun_unknown_user(struct gen *g, const struct pg_transport *t)
{
	char ufrag[40];
	int clash;
	do {
		snprintf(ufrag, sizeof(ufrag), "pcapgen%016llx", (unsigned long long)rnd(g));
		clash = 0;
		for (unsigned int j = 0; j < g->d->n && !clash; j++)
			clash = strcmp(ufrag, g->d->t[j].remote_ufrag) == 0;
	} while (clash);
	return stun_request(g, t, payload(g), 1024, ufrag, NULL);
}

/* A DTLS 1.2 record header and random body: handshake (ClientHello-like),
 * application data, alert, or another content type 20..63. */
static size_t dtls_lookalike(struct gen *g, uint32_t i)
{
	uint8_t *p = payload(g);
	static const uint8_t types[3] = {22, 23, 21};
	size_t body = 30 + rnd(g) % 170;
	p[0] = i % 4 < 3 ? types[i % 4] : (uint8_t)(20 + rnd(g) % 44);
	p[1] = 0xfe; /* DTLS 1.2 */
	p[2] = 0xfd;
	memset(p + 3, 0, 2); /* epoch 0 */
	for (int b = 0; b < 6; b++)
		p[5 + b] = (uint8_t)((uint64_t)i >> (40 - 8 * b));
	dp_put_be16(p + 11, (uint16_t)body);
	for (size_t b = 0; b < body; b++)
		p[13 + b] = (uint8_t)rnd(g);
	if (p[0] == 22)
		p[13] = 1; /* handshake type client_hello */
	return 13 + body;
}

/* Random bytes whose first byte no RFC 7983 class claims (4..19, 64..127,
 * 192..255), or nothing at all. */
static size_t random_udp(struct gen *g, uint32_t i)
{
	static const uint8_t lo[3] = {4, 64, 192}, span[3] = {16, 64, 64};
	uint8_t *p = payload(g);
	uint32_t max = g->o->size > 0 ? (uint32_t)g->o->size : 1200u;
	if (max > 1400)
		max = 1400;
	if (i % 16 == 15)
		return 0;
	size_t n = 1 + rnd(g) % max;
	for (size_t b = 0; b < n; b++)
		p[b] = (uint8_t)rnd(g);
	unsigned int r = (unsigned int)(rnd(g) % 3);
	p[0] = (uint8_t)(lo[r] + rnd(g) % span[r]);
	return n;
}

static const struct pg_transport *tp_rr(const struct gen *g, uint32_t i)
{
	return &g->d->t[g->send[i % g->n_send]];
}

static int gen_stun_attack(struct gen *g, enum pg_kind kind)
{
	uint64_t per = NS_PER_S / g->o->pps;
	for (uint32_t i = 0; i < attack_count(g); i++) {
		const struct pg_transport *t = tp_rr(g, i);
		size_t n = kind == PG_KIND_STUN_MALFORMED ? stun_malformed(g, t, i)
			   : kind == PG_KIND_STUN_AUTH   ? stun_bad_mi(g, t, i)
							 : stun_unknown_user(g, t);
		if (n == 0)
			return gfail(g, "building a STUN message failed");
		if (emit_tp(g, g->o->start_ns + 1000000u + i * per, t, n))
			return -1;
		g->st->expect_drops++;
	}
	return 0;
}

/* DTLS look-alikes and random UDP from source ports that never passed ICE. */
static int gen_foreign(struct gen *g, enum pg_kind kind)
{
	uint64_t per = NS_PER_S / g->o->pps;
	for (uint32_t i = 0; i < attack_count(g); i++) {
		const struct pg_transport *t = tp_rr(g, i);
		size_t n = kind == PG_KIND_DTLS ? dtls_lookalike(g, i) : random_udp(g, i);
		if (emit(g, g->o->start_ns + 1000000u + i * per, t->local_ip, unknown_port(g), t, n))
			return -1;
		g->st->expect_drops++;
	}
	return 0;
}

/* SRTP on the dump's streams: bad tags, foreign tuples, unknown SSRCs. */
static int gen_srtp_attack(struct gen *g, enum pg_kind kind)
{
	uint64_t per = NS_PER_S / g->o->pps;
	uint32_t count = attack_count(g), k_max = 0;
	for (uint32_t i = 0; i < count; i++) {
		const struct sref *r = &g->streams[i % g->n_streams];
		const struct pg_transport *t = &g->d->t[r->t];
		uint32_t k = i / g->n_streams;
		uint64_t ns = g->o->start_ns + 1000000u + i * per;
		uint32_t ssrc = kind == PG_KIND_UNKNOWN_SSRC ? unknown_ssrc(g) : r->s->ssrc;
		/* unknown SSRCs are fresh streams: their indexes need no range */
		size_t n = srtp_packet(g, r, kind == PG_KIND_UNKNOWN_SSRC ? i : k, ns, ssrc);
		if (n == 0)
			return -1;
		if (kind == PG_KIND_SRTP_BAD_TAG) {
			uint32_t tag = dp_srtp_rtp_overhead(t->profile);
			payload(g)[n - 1 - i % tag] ^= (uint8_t)(1u << (i % 8));
		}
		uint16_t sport = kind == PG_KIND_UNKNOWN_TUPLE ? unknown_port(g) : t->local_port;
		if (emit(g, ns, t->local_ip, sport, t, n))
			return -1;
		g->st->expect_drops++;
		k_max = k + 1;
	}
	if (kind != PG_KIND_UNKNOWN_SSRC) {
		g->st->seq_count = k_max;
		g->st->seq_next = (uint16_t)(g->o->seq_offset + k_max);
	}
	return 0;
}

/* Blocks of REPLAY_BLOCK new packets, each block followed by the same
 * packets again: protected anew with the same index and the same bytes
 * (same send time, same transport-wide number), hence identical. */
static int gen_replay(struct gen *g)
{
	uint64_t per = NS_PER_S / g->o->pps, ns = g->o->start_ns + 1000000u;
	uint32_t originals = attack_count(g) / 2, done = 0;
	uint16_t twcc[REPLAY_BLOCK];
	if (originals == 0)
		originals = 1;
	while (done < originals) {
		uint32_t b = originals - done < REPLAY_BLOCK ? originals - done : REPLAY_BLOCK;
		for (int copy = 0; copy < 2; copy++) {
			for (uint32_t j = done; j < done + b; j++) {
				const struct sref *r = &g->streams[j % g->n_streams];
				uint64_t sent = g->o->start_ns + 1000000u + j * per;
				uint16_t now = g->twcc[r->t];
				if (copy)
					g->twcc[r->t] = twcc[j - done];
				else
					twcc[j - done] = now;
				size_t n = srtp_packet(g, r, j / g->n_streams, sent, r->s->ssrc);
				if (copy)
					g->twcc[r->t] = now;
				if (n == 0 || emit_tp(g, ns, &g->d->t[r->t], n))
					return -1;
				ns += per;
				if (copy)
					g->st->expect_drops++;
				else
					g->st->valid_rtp++;
			}
		}
		done += b;
	}
	g->st->seq_count = (originals + g->n_streams - 1) / g->n_streams;
	g->st->seq_next = (uint16_t)(g->o->seq_offset + g->st->seq_count);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry                                                               */
/* ------------------------------------------------------------------ */

static int check_opts(struct gen *g, enum pg_kind kind)
{
	const struct pg_opts *o = g->o;
	if (o->pps == 0 || o->pps > 1000000)
		return gfail(g, "--pps must be 1..1000000");
	if (o->seconds == 0 || o->seconds > 86400)
		return gfail(g, "--seconds must be 1..86400");
	if ((uint64_t)o->pps * o->seconds > 100000000ull || o->count > 100000000u)
		return gfail(g, "more than 100 million packets: lower --pps / --seconds / --count");
	if (g->n_send == 0)
		return gfail(g, "the dump has no send transport");
	int streams = kind == PG_KIND_MEDIA || kind == PG_KIND_SRTP_BAD_TAG ||
		      kind == PG_KIND_UNKNOWN_SSRC || kind == PG_KIND_UNKNOWN_TUPLE ||
		      kind == PG_KIND_REPLAY;
	if (streams && g->n_streams == 0)
		return gfail(g, "%s needs streams: the dump's send transports have none",
			     pg_kind_name(kind));
	/* the largest frame: headers, extension block, payload, SRTP tag */
	for (unsigned int i = 0; streams && i < g->n_streams; i++) {
		size_t n = DP_UDP4_HDRS + DP_RTP_HDR_MIN + RTP_EXT_MAX +
			   payload_size(g, g->streams[i].s) + DP_SRTP_MAX_TRAILER;
		if (n > PG_FRAME_MAX)
			return gfail(g, "--size %u: frames up to %zu bytes, more than %u",
				     payload_size(g, g->streams[i].s), n, PG_FRAME_MAX);
		if (g->streams[i].s->kind == PG_VIDEO && payload_size(g, g->streams[i].s) < 2)
			return gfail(g, "--size: video needs at least 2 bytes (VP8 descriptor)");
	}
	return 0;
}

static int run(struct gen *g, enum pg_kind kind)
{
	if (kind >= PG_KIND__COUNT || check_opts(g, kind))
		return -1;
	if (kinds[kind].tuple && kind != PG_KIND_MEDIA) {
		if (consent_all(g, g->o->start_ns, 0))
			return -1;
	}
	switch (kind) {
	case PG_KIND_MEDIA:
		return gen_media(g);
	case PG_KIND_STUN_MALFORMED:
	case PG_KIND_STUN_AUTH:
	case PG_KIND_STUN_UNKNOWN_USER:
		return gen_stun_attack(g, kind);
	case PG_KIND_DTLS:
	case PG_KIND_RANDOM_UDP:
		return gen_foreign(g, kind);
	case PG_KIND_SRTP_BAD_TAG:
	case PG_KIND_UNKNOWN_SSRC:
	case PG_KIND_UNKNOWN_TUPLE:
		return gen_srtp_attack(g, kind);
	case PG_KIND_REPLAY:
		return gen_replay(g);
	default:
		return gfail(g, "unknown kind");
	}
}

int pg_generate(const struct pg_dump *d, enum pg_kind kind, const struct pg_opts *o,
		const struct pg_sink *sink, struct pg_stats *st, char *err, size_t errlen)
{
	struct gen *g = calloc(1, sizeof(*g));
	memset(st, 0, sizeof(*st));
	st->seq_first = st->seq_next = o->seq_offset;
	if (!g) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->d = d;
	g->o = o;
	g->sink = sink;
	g->st = st;
	g->err = err;
	g->errlen = errlen;
	g->rng = o->seed ^ ((uint64_t)kind << 56);
	int rc = kind < PG_KIND__COUNT ? gen_init(g) : gfail(g, "unknown kind");
	if (rc == 0)
		rc = run(g, kind);
	gen_free(g);
	free(g);
	return rc;
}
