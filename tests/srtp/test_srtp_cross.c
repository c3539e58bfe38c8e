/* SPDX-License-Identifier: MIT */
/*
 * test_srtp_cross - the ipsec-mb engine against the libsrtp engine, for
 * each of the four profiles and several keys: random RTP packets (CSRCs,
 * header extensions, sizes 0..1300), several SSRCs, sequence numbers that
 * step, jump (across the 65535 wrap, so the ROC changes; past half the
 * sequence space, so both engines must guess the same ROC), go back (late,
 * repeated and too-old indices on the sender), and SRTCP.
 *
 * For every packet: both senders (same key, one per engine) give the same
 * status, and on OK the same bytes. Then the libsrtp receiver gets the
 * ipsec-mb sender's bytes and the ipsec-mb receiver the libsrtp sender's
 * (identical, checked) - possibly late from a backlog, replayed, with one
 * bit flipped, truncated, or to receivers with another key - and both give
 * the same status and, on OK, the original plaintext. Burst calls are
 * compared the same way, and the out-of-place fan-out burst against in-place
 * protect (test_fanout). Deterministic (fixed PRNG seed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_srtp.h"

static int failures;

#define CHECK_ST_REF(expr)                                                               \
	do {                                                                             \
		if ((expr) != DP_SRTP_OK) {                                              \
			fprintf(stderr, "%s:%d: [%s] reference protect failed\n", __FILE__, \
				__LINE__, cur);                                          \
			failures++;                                                      \
		}                                                                        \
	} while (0)
static const char *cur = "-";
static unsigned long n_compared, n_ok, n_replay, n_auth, n_other;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			if (failures < 30)                                               \
				fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, \
					__LINE__, cur, #cond);                           \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define BUF 2048u
#define NSSRC 5
#define BACKLOG 64

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* One engine's sender and receiver for the same key (and a wrong-key receiver). */
struct side {
	struct dp_srtp *tx;    /* protects with K */
	struct dp_srtp *rx;    /* unprotects K */
	struct dp_srtp *wrong; /* unprotects with another key */
};

struct pkt {
	uint8_t b[BUF];
	uint8_t plain[BUF];
	uint32_t len, plain_len;
	int rtcp;
};

static struct side L, I; /* libsrtp, ipsec-mb */
static struct pkt backlog[BACKLOG];
static unsigned int n_backlog;

static int side_create(struct side *s, const char *engine, enum sl_srtp_profile p,
		       const uint8_t *k, const uint8_t *other)
{
	uint8_t kl, sl;

	memset(s, 0, sizeof(*s));
	if (dp_srtp_set_engine(engine) != 0 || dp_srtp_key_lengths(p, &kl, &sl) != 0)
		return -1;
	if (dp_srtp_create(&s->tx, p, other, k, kl, sl) != DP_SRTP_OK ||
	    dp_srtp_create(&s->rx, p, k, other, kl, sl) != DP_SRTP_OK ||
	    dp_srtp_create(&s->wrong, p, other, other, kl, sl) != DP_SRTP_OK)
		return -1;
	return strcmp(dp_srtp_ctx_engine(s->tx), engine) == 0 ? 0 : -1;
}

static void side_destroy(struct side *s)
{
	dp_srtp_destroy(s->tx);
	dp_srtp_destroy(s->rx);
	dp_srtp_destroy(s->wrong);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t build_rtp(uint8_t *b, uint16_t seq, uint32_t ssrc)
{
	unsigned int cc = rnd_below(4) == 0 ? rnd_below(16) : 0;
	unsigned int ext = rnd_below(3) == 0 ? rnd_below(6) + 1 : 0;
	uint32_t off = 12, plen = rnd_below(8) == 0 ? rnd_below(20) : rnd_below(1300);

	b[0] = (uint8_t)(0x80u | (ext ? 0x10u : 0) | cc);
	b[1] = (uint8_t)(rnd_below(2) << 7 | 96);
	put16(b + 2, seq);
	put32(b + 4, rnd());
	put32(b + 8, ssrc);
	for (unsigned int i = 0; i < cc; i++, off += 4)
		put32(b + off, rnd());
	if (ext) {
		put16(b + off, rnd_below(2) ? 0xbede : 0x1000);
		put16(b + off + 2, (uint16_t)(ext - 1));
		off += 4;
		for (unsigned int i = 0; i < (ext - 1) * 4; i++)
			b[off++] = (uint8_t)rnd();
	}
	for (uint32_t i = 0; i < plen; i++)
		b[off + i] = (uint8_t)rnd();
	return off + plen;
}

static uint32_t build_rtcp(uint8_t *b, uint32_t ssrc)
{
	uint32_t words = 1 + rnd_below(40);

	b[0] = 0x80;
	b[1] = 200;
	put16(b + 2, (uint16_t)words);
	put32(b + 4, ssrc);
	for (uint32_t i = 8; i < 4 + words * 4; i++)
		b[i] = (uint8_t)rnd();
	return 4 + words * 4;
}

static void count(enum dp_srtp_status st)
{
	n_compared++;
	if (st == DP_SRTP_OK)
		n_ok++;
	else if (st == DP_SRTP_REPLAY)
		n_replay++;
	else if (st == DP_SRTP_AUTH_FAIL)
		n_auth++;
	else
		n_other++;
}

/*
 * Delivers bytes b (len) to both engines' receiver r (rx or wrong): the
 * statuses must agree, and on OK the plaintexts (and plain when given).
 * Returns ipsec-mb's status.
 */
static enum dp_srtp_status deliver(const uint8_t *b, uint32_t len, int rtcp, int wrong, const uint8_t *plain,
		    uint32_t plain_len)
{
	uint8_t x[BUF], y[BUF];
	uint32_t lx = len, ly = len;
	struct dp_srtp *rl = wrong ? L.wrong : L.rx, *ri = wrong ? I.wrong : I.rx;
	enum dp_srtp_status sl, si;

	memcpy(x, b, len);
	memcpy(y, b, len);
	sl = rtcp ? dp_srtp_unprotect_rtcp(rl, x, &lx, BUF) : dp_srtp_unprotect_rtp(rl, x, &lx, BUF);
	si = rtcp ? dp_srtp_unprotect_rtcp(ri, y, &ly, BUF) : dp_srtp_unprotect_rtp(ri, y, &ly, BUF);
	if (sl != si)
		fprintf(stderr, "[%s] %s len %u: libsrtp %s, ipsec-mb %s\n", cur,
			rtcp ? "rtcp" : "rtp", len, dp_srtp_status_str(sl), dp_srtp_status_str(si));
	CHECK(sl == si);
	count(si);
	if (sl == DP_SRTP_OK && si == DP_SRTP_OK) {
		CHECK(lx == ly && memcmp(x, y, lx) == 0);
		if (plain)
			CHECK(lx == plain_len && memcmp(x, plain, lx) == 0);
	}
	return si;
}

/* Protects with both senders; returns 1 and fills p when both succeeded. */
static int protect_both(struct pkt *p, const uint8_t *plain, uint32_t len, int rtcp)
{
	uint8_t y[BUF];
	uint32_t ly = len;
	enum dp_srtp_status sl, si;

	memcpy(p->b, plain, len);
	memcpy(y, plain, len);
	p->len = len;
	sl = rtcp ? dp_srtp_protect_rtcp(L.tx, p->b, &p->len, BUF)
		  : dp_srtp_protect_rtp(L.tx, p->b, &p->len, BUF);
	si = rtcp ? dp_srtp_protect_rtcp(I.tx, y, &ly, BUF) : dp_srtp_protect_rtp(I.tx, y, &ly, BUF);
	if (sl != si)
		fprintf(stderr, "[%s] protect %s: libsrtp %s, ipsec-mb %s\n", cur,
			rtcp ? "rtcp" : "rtp", dp_srtp_status_str(sl), dp_srtp_status_str(si));
	CHECK(sl == si);
	if (sl != DP_SRTP_OK || si != DP_SRTP_OK)
		return 0;
	CHECK(p->len == ly && memcmp(p->b, y, ly) == 0); /* byte for byte */
	memcpy(p->plain, plain, len);
	p->plain_len = len;
	p->rtcp = rtcp;
	return 1;
}

/* What happens to one protected packet on its way. */
static void route(struct pkt *p)
{
	uint32_t r = rnd_below(100);

	if (r < 70) {
		deliver(p->b, p->len, p->rtcp, 0, p->plain, p->plain_len);
		if (rnd_below(10) == 0) /* a duplicate */
			deliver(p->b, p->len, p->rtcp, 0, NULL, 0);
	} else if (r < 85) { /* held back: delivered late, maybe twice */
		if (n_backlog < BACKLOG)
			backlog[n_backlog++] = *p;
		else
			deliver(p->b, p->len, p->rtcp, 0, p->plain, p->plain_len);
	} else if (r < 93) { /* one bit flipped, then the genuine one */
		uint8_t t[BUF];

		memcpy(t, p->b, p->len);
		t[rnd_below(p->len)] ^= (uint8_t)(1u << rnd_below(8));
		deliver(t, p->len, p->rtcp, 0, NULL, 0);
		deliver(p->b, p->len, p->rtcp, 0, p->plain, p->plain_len);
	} else if (r < 96) { /* truncated */
		deliver(p->b, rnd_below(p->len), p->rtcp, 0, NULL, 0);
	} else { /* another key */
		deliver(p->b, p->len, p->rtcp, 1, NULL, 0);
	}
	if (n_backlog && rnd_below(6) == 0) {
		unsigned int k = rnd_below(n_backlog);

		deliver(backlog[k].b, backlog[k].len, backlog[k].rtcp, 0, NULL, 0);
		if (rnd_below(3) != 0)
			backlog[k] = backlog[--n_backlog];
	}
}

/* The next sequence number of a stream: steps, jumps, wraps, goes back. */
static uint16_t next_seq(uint16_t s)
{
	uint32_t r = rnd_below(1000);

	if (r < 800)
		return (uint16_t)(s + 1);
	if (r < 900)
		return (uint16_t)(s + 2 + rnd_below(100));
	if (r < 940)
		return (uint16_t)(s - 1 - rnd_below(1500)); /* back: repeat, late or too old */
	if (r < 990)
		return (uint16_t)(s + rnd_below(30000));
	return (uint16_t)(s + 32000 + rnd_below(3000)); /* about half: the ROC guess */
}

/* A burst of RTP packets over the same streams, through the burst calls
 * (1..80 packets: also across the dispatcher's chunks of 64). */
static void burst_round(uint32_t *ssrc, uint16_t *seq)
{
	enum { NMAX = 80 };
	const unsigned int N = 1 + rnd_below(NMAX);
	static uint8_t pl[NMAX][BUF], bl[NMAX][BUF], bi[NMAX][BUF];
	uint8_t *pkl[NMAX], *pki[NMAX];
	uint32_t ll[NMAX], li[NMAX];
	struct dp_srtp *vl[NMAX], *vi[NMAX];
	enum dp_srtp_status sl[NMAX], si[NMAX];
	unsigned int i, okl, oki;

	for (i = 0; i < N; i++) {
		unsigned int k = rnd_below(NSSRC);

		seq[k] = next_seq(seq[k]);
		ll[i] = li[i] = build_rtp(pl[i], seq[k], ssrc[k]);
		memcpy(bl[i], pl[i], ll[i]);
		memcpy(bi[i], pl[i], li[i]);
		pkl[i] = bl[i];
		pki[i] = bi[i];
		vl[i] = L.tx;
		vi[i] = I.tx;
	}
	okl = dp_srtp_protect_rtp_burst(vl, pkl, ll, BUF, sl, N);
	oki = dp_srtp_protect_rtp_burst(vi, pki, li, BUF, si, N);
	CHECK(okl == oki);
	for (i = 0; i < N; i++) {
		CHECK(sl[i] == si[i]);
		if (sl[i] == DP_SRTP_OK && si[i] == DP_SRTP_OK)
			CHECK(ll[i] == li[i] && memcmp(bl[i], bi[i], ll[i]) == 0);
		vl[i] = L.rx;
		vi[i] = I.rx;
		if (rnd_below(8) == 0) { /* a forgery */
			uint32_t at = rnd_below(ll[i]);

			bl[i][at] ^= 0x20;
			bi[i][at] ^= 0x20;
		}
		if (rnd_below(8) == 0 && i > 0) { /* a copy of the previous packet */
			memcpy(bl[i], bl[i - 1], ll[i - 1]);
			memcpy(bi[i], bl[i - 1], ll[i - 1]);
			ll[i] = li[i] = ll[i - 1];
		}
	}
	/* unprotect the other engine's bytes (equal, checked above) */
	for (i = 0; i < N; i++) {
		pkl[i] = bi[i];
		pki[i] = bl[i];
	}
	okl = dp_srtp_unprotect_rtp_burst(vl, pkl, li, BUF, sl, N);
	oki = dp_srtp_unprotect_rtp_burst(vi, pki, ll, BUF, si, N);
	CHECK(okl == oki);
	for (i = 0; i < N; i++) {
		if (sl[i] != si[i]) {
			fprintf(stderr, "[%s] burst unprotect %u: libsrtp %s, ipsec-mb %s\n", cur, i,
				dp_srtp_status_str(sl[i]), dp_srtp_status_str(si[i]));
			for (unsigned int j = 0; j < N; j++) /* the whole burst, to debug */
				fprintf(stderr, "  %u: ssrc ..%02x%02x seq %5u len %4u %s/%s\n", j,
					bl[j][10], bl[j][11], bl[j][2] << 8 | bl[j][3], ll[j],
					dp_srtp_status_str(sl[j]), dp_srtp_status_str(si[j]));
		}
		CHECK(sl[i] == si[i]);
		count(si[i]);
		if (sl[i] == DP_SRTP_OK && si[i] == DP_SRTP_OK)
			CHECK(li[i] == ll[i] && memcmp(bi[i], bl[i], li[i]) == 0);
	}
}

static void run_profile(enum sl_srtp_profile p, unsigned int keyset, unsigned int rounds)
{
	uint8_t k[SL_SRTP_MASTER_MAX], other[SL_SRTP_MASTER_MAX], plain[BUF];
	uint32_t ssrc[NSSRC];
	uint16_t seq[NSSRC];
	struct pkt p1;

	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++) {
		k[i] = (uint8_t)rnd();
		other[i] = (uint8_t)rnd();
	}
	if (side_create(&L, "libsrtp", p, k, other) != 0 ||
	    side_create(&I, "ipsec-mb", p, k, other) != 0) {
		CHECK(!"side_create");
		side_destroy(&L);
		side_destroy(&I);
		return;
	}
	for (int i = 0; i < NSSRC; i++) {
		ssrc[i] = rnd();
		/* keyset 0 starts every stream near the wrap */
		seq[i] = keyset == 0 ? (uint16_t)(65500 + rnd_below(30)) : (uint16_t)rnd();
	}
	n_backlog = 0;
	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int s = rnd_below(NSSRC);
		int rtcp = rnd_below(10) == 0;
		uint32_t len;

		if (r % 50 == 49) {
			burst_round(ssrc, seq);
			continue;
		}
		if (rtcp) {
			len = build_rtcp(plain, ssrc[s]);
		} else {
			seq[s] = next_seq(seq[s]);
			len = build_rtp(plain, seq[s], ssrc[s]);
		}
		if (protect_both(&p1, plain, len, rtcp))
			route(&p1);
	}
	while (n_backlog) {
		n_backlog--;
		deliver(backlog[n_backlog].b, backlog[n_backlog].len, backlog[n_backlog].rtcp, 0,
			NULL, 0);
	}
	side_destroy(&L);
	side_destroy(&I);
}

/* The RTP header length of a packet build_rtp() made. */
static uint32_t hdr_len_of(const uint8_t *b)
{
	uint32_t h = 12 + 4u * (b[0] & 0x0fu);

	if (b[0] & 0x10u)
		h += 4 + 4 * ((uint32_t)b[h + 2] << 8 | b[h + 3]);
	return h;
}

/*
 * Fan-out out of place (dp_srtp_protect_rtp_burst_from): one shared payload
 * to consumers with their own headers, through both engines, against the
 * same packets assembled and protected in place by a third (libsrtp)
 * sender of the same key: byte for byte; the payload is never written; the
 * receivers open every packet to its header + the shared payload; bad
 * header lengths and short buffers.
 */
static void test_fanout(enum sl_srtp_profile p)
{
	enum { NC = 70 }; /* more than one chunk of 64 */
	static uint8_t dl[NC][BUF], di[NC][BUF], want[NC][BUF], clear[NC][BUF];
	uint8_t k[SL_SRTP_MASTER_MAX], other[SL_SRTP_MASTER_MAX], payload[1200], saved[1200];
	uint8_t *pl[NC], *pi[NC];
	const uint8_t *src[NC];
	uint32_t hl[NC], plen[NC], ol[NC], oi[NC], wl[NC];
	struct dp_srtp *vl[NC], *vi[NC], *ref = NULL;
	enum dp_srtp_status sl[NC], si[NC];
	uint8_t kl, sl8;

	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++) {
		k[i] = (uint8_t)rnd();
		other[i] = (uint8_t)rnd();
	}
	for (unsigned int i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)rnd();
	memcpy(saved, payload, sizeof(payload));
	if (side_create(&L, "libsrtp", p, k, other) != 0 ||
	    side_create(&I, "ipsec-mb", p, k, other) != 0 || dp_srtp_set_engine("libsrtp") != 0 ||
	    dp_srtp_key_lengths(p, &kl, &sl8) != 0 ||
	    dp_srtp_create(&ref, p, other, k, kl, sl8) != DP_SRTP_OK) {
		CHECK(!"create");
		goto out;
	}
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < NC; i++) {
			/* a header of its own (SSRC, seq, CSRCs, extension); the tail of
			 * build_rtp's random payload is ignored */
			(void)build_rtp(dl[i], (uint16_t)(round * 100 + i), 0x100 + i % 9);
			hl[i] = hdr_len_of(dl[i]);
			memcpy(di[i], dl[i], hl[i]);
			plen[i] = i % 5 == 0 ? 0 : 1 + rnd_below(sizeof(payload) - 1);
			src[i] = payload;
			pl[i] = dl[i];
			pi[i] = di[i];
			vl[i] = L.tx;
			vi[i] = I.tx;
			memcpy(want[i], dl[i], hl[i]);
			memcpy(want[i] + hl[i], payload, plen[i]);
			wl[i] = hl[i] + plen[i];
			memcpy(clear[i], want[i], wl[i]);
			CHECK_ST_REF(dp_srtp_protect_rtp(ref, want[i], &wl[i], BUF));
		}
		CHECK(dp_srtp_protect_rtp_burst_from(vl, pl, hl, src, plen, BUF, ol, sl, NC) == NC);
		CHECK(dp_srtp_protect_rtp_burst_from(vi, pi, hl, src, plen, BUF, oi, si, NC) == NC);
		CHECK(memcmp(payload, saved, sizeof(payload)) == 0);
		for (unsigned int i = 0; i < NC; i++) {
			CHECK(sl[i] == DP_SRTP_OK && si[i] == DP_SRTP_OK);
			CHECK(ol[i] == wl[i] && oi[i] == wl[i]);
			CHECK(memcmp(dl[i], want[i], wl[i]) == 0 && memcmp(di[i], want[i], wl[i]) == 0);
			/* both receivers open it to the assembled plaintext */
			CHECK(deliver(di[i], oi[i], 0, 0, clear[i], hl[i] + plen[i]) == DP_SRTP_OK);
		}
	}
	/* refusals: wrong header length, no room for the trailer (dst untouched) */
	{
		struct dp_srtp *one[1] = { I.tx };
		uint8_t *d[1] = { dl[0] };
		uint32_t bad_h[1] = { 13 }, h1[1], pl1[1] = { 100 }, h, o = 5;

		(void)build_rtp(dl[0], 9999, 0x77);
		h = h1[0] = hdr_len_of(dl[0]);
		CHECK(dp_srtp_protect_rtp_burst_from(one, d, bad_h, src, pl1, BUF, &o, sl, 1) == 0);
		CHECK(sl[0] == DP_SRTP_BAD_PARAM && o == 5);
		memcpy(dl[1], dl[0], BUF);
		CHECK(dp_srtp_protect_rtp_burst_from(one, d, h1, src, pl1, h + 100 + 3, &o, sl, 1) == 0);
		CHECK(sl[0] == DP_SRTP_NO_SPACE && o == 5 && memcmp(dl[0], dl[1], BUF) == 0);
		CHECK(dp_srtp_protect_rtp_burst_from(one, d, h1, src, pl1, h + 99, &o, sl, 1) == 0);
		CHECK(sl[0] == DP_SRTP_BAD_PARAM);
		one[0] = L.tx;
		CHECK(dp_srtp_protect_rtp_burst_from(one, d, h1, src, pl1, h + 100 + 3, &o, sl, 1) == 0);
		CHECK(sl[0] == DP_SRTP_NO_SPACE && memcmp(dl[0], dl[1], BUF) == 0);
	}
out:
	dp_srtp_destroy(ref);
	side_destroy(&L);
	side_destroy(&I);
	(void)dp_srtp_set_engine("ipsec-mb");
}

/* argv[1]: another PRNG seed (to hunt by hand; ctest uses the fixed one). */
int main(int argc, char **argv)
{
	static const enum sl_srtp_profile profiles[] = {
		SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AES128_CM_SHA1_32,
		SL_SRTP_AEAD_AES_128_GCM, SL_SRTP_AEAD_AES_256_GCM,
	};

	if (argc > 1)
		rng_state = strtoull(argv[1], NULL, 0) | 1;
	if (dp_srtp_global_init() != 0) {
		fprintf(stderr, "test_srtp_cross: dp_srtp_global_init failed\n");
		return 1;
	}
	if (dp_srtp_set_engine("ipsec-mb") != 0) {
		fprintf(stderr, "test_srtp_cross: ipsec-mb engine not available on this CPU\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		cur = dp_srtp_profile_name(profiles[i]);
		for (unsigned int ks = 0; ks < 4; ks++)
			run_profile(profiles[i], ks, 6000);
		test_fanout(profiles[i]);
	}
	printf("test_srtp_cross: %lu deliveries compared: %lu ok, %lu replay, %lu auth_fail, "
	       "%lu other\n", n_compared, n_ok, n_replay, n_auth, n_other);
	CHECK(n_ok > 1000 && n_replay > 100 && n_auth > 100);
	if (failures) {
		fprintf(stderr, "test_srtp_cross: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_srtp_cross: all checks passed\n");
	return 0;
}
