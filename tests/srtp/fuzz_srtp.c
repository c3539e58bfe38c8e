/* SPDX-License-Identifier: MIT */
/*
 * fuzz_srtp - libFuzzer harness for the dp_srtp wrapper (and, through it,
 * libsrtp's packet parsing). Input: byte 0 picks the profile (bits 0-1) and
 * the operation (bits 2-4); byte 1 is a parameter; the rest is the packet.
 * Fresh contexts are made per input, with fixed keys, so a run is
 * deterministic and the corpus can hold genuine SRTP packets.
 *
 * Invariants (abort() when broken):
 *  - protect RTP succeeds exactly when the header is well formed (our own
 *    reading of RFC 3550: >= 12 bytes, CSRCs and extension inside), grows
 *    by the profile's overhead, leaves the header in clear, never writes
 *    past cap, and the peer unprotects it to the original bytes; a second
 *    unprotect of the same bytes is a REPLAY;
 *  - the same for RTCP (>= 8 bytes);
 *  - any single flipped bit of a protected packet is refused;
 *  - unprotect of arbitrary bytes never crashes and, if it succeeds (a
 *    genuine packet from the corpus), shrinks by the overhead;
 *  - burst calls give the same statuses as the single calls.
 * Every input runs against both engines (ipsec-mb and libsrtp), and then
 * through both at once (fz_differ, fz_burst_differ): the same protected
 * bytes, the same unprotect status for the input as it is, for the input
 * protected and damaged by one bit, for bursts with replays in them, and
 * for the out-of-place burst against the in-place one (fz_from_differ).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_srtp.h"

#define FZ_GUARD 32u
#define FZ_MAX 4096u

static const enum sl_srtp_profile fz_profiles[4] = {
	SL_SRTP_AES128_CM_SHA1_80,
	SL_SRTP_AES128_CM_SHA1_32,
	SL_SRTP_AEAD_AES_128_GCM,
	SL_SRTP_AEAD_AES_256_GCM,
};

enum fz_op {
	FZ_RTP_ROUNDTRIP = 0,
	FZ_RTCP_ROUNDTRIP = 1,
	FZ_RTP_UNPROTECT = 2,
	FZ_RTCP_UNPROTECT = 3,
	FZ_RTP_TAMPER = 4,
	FZ_RTCP_TAMPER = 5,
	FZ_BURST = 6,
	FZ_WRONG_DIR = 7,
};

static void fz_master(uint8_t *m, uint8_t seed)
{
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++)
		m[i] = (uint8_t)(seed + i * 5u);
}

/* Sender a (tx = K1) and receiver b (rx = K1), as in the unit tests. */
static int fz_pair(enum sl_srtp_profile p, struct dp_srtp **a, struct dp_srtp **b)
{
	uint8_t k1[SL_SRTP_MASTER_MAX], k2[SL_SRTP_MASTER_MAX], kl, sl;

	fz_master(k1, 0x11);
	fz_master(k2, 0x77);
	if (dp_srtp_key_lengths(p, &kl, &sl) != 0)
		abort();
	if (dp_srtp_create(a, p, k2, k1, kl, sl) != DP_SRTP_OK)
		abort();
	if (dp_srtp_create(b, p, k1, k2, kl, sl) != DP_SRTP_OK)
		abort();
	return 0;
}

/* Our own reading of the RTP header: its length, or 0 when malformed. */
static uint32_t fz_rtp_hdr(const uint8_t *b, uint32_t len)
{
	uint32_t n;

	if (len < 12)
		return 0;
	n = 12u + 4u * (b[0] & 0x0fu);
	if (b[0] & 0x10u) {
		if (len < n + 4)
			return 0;
		n += 4u + 4u * ((uint32_t)b[n + 2] << 8 | b[n + 3]);
	}
	return n <= len ? n : 0;
}

/* A heap copy of exactly cap bytes plus a guard the library must not touch. */
static uint8_t *fz_buf(const uint8_t *data, uint32_t len, uint32_t cap)
{
	uint8_t *b = malloc(cap + FZ_GUARD);

	if (!b)
		abort();
	memcpy(b, data, len);
	memset(b + len, 0, cap - len);
	memset(b + cap, 0x5a, FZ_GUARD);
	return b;
}

static void fz_guard(const uint8_t *b, uint32_t cap)
{
	for (unsigned int i = 0; i < FZ_GUARD; i++)
		if (b[cap + i] != 0x5a)
			abort();
}

/*
 * Protect (rtcp or RTP) data with a, check the invariants, unprotect with
 * b. flip >= 0: flip that bit of the protected packet first and require a
 * refusal instead.
 */
static void fz_roundtrip(struct dp_srtp *a, struct dp_srtp *b, int rtcp, const uint8_t *data,
			 uint32_t len, long flip)
{
	enum sl_srtp_profile p = dp_srtp_profile(a);
	uint32_t ovh = rtcp ? dp_srtp_rtcp_overhead(p) : dp_srtp_rtp_overhead(p);
	uint32_t cap = len + ovh, n = len;
	int valid = rtcp ? len >= 8 : fz_rtp_hdr(data, len) != 0;
	uint8_t *buf = fz_buf(data, len, cap);
	enum dp_srtp_status st;

	st = rtcp ? dp_srtp_protect_rtcp(a, buf, &n, cap) : dp_srtp_protect_rtp(a, buf, &n, cap);
	fz_guard(buf, cap);
	if (!valid) {
		if (st != DP_SRTP_BAD_PARAM || n != len)
			abort();
		goto out;
	}
	if (st != DP_SRTP_OK || n != cap)
		abort();
	if (memcmp(buf, data, rtcp ? 8 : fz_rtp_hdr(data, len)) != 0)
		abort(); /* the header stays in clear */
	if (flip >= 0) {
		buf[(flip / 8) % n] ^= (uint8_t)(1u << (flip % 8));
		st = rtcp ? dp_srtp_unprotect_rtcp(b, buf, &n, cap)
			  : dp_srtp_unprotect_rtp(b, buf, &n, cap);
		if (st == DP_SRTP_OK || n != cap)
			abort();
		goto out;
	}
	{
		uint8_t *again = fz_buf(buf, n, cap);
		uint32_t n2 = n;

		st = rtcp ? dp_srtp_unprotect_rtcp(b, buf, &n, cap)
			  : dp_srtp_unprotect_rtp(b, buf, &n, cap);
		if (st != DP_SRTP_OK || n != len || memcmp(buf, data, len) != 0)
			abort();
		st = rtcp ? dp_srtp_unprotect_rtcp(b, again, &n2, cap)
			  : dp_srtp_unprotect_rtp(b, again, &n2, cap);
		if (st != DP_SRTP_REPLAY)
			abort();
		fz_guard(again, cap);
		free(again);
	}
	fz_guard(buf, cap);
out:
	free(buf);
}

/* Arbitrary bytes into unprotect. */
static void fz_unprotect(struct dp_srtp *b, int rtcp, const uint8_t *data, uint32_t len)
{
	enum sl_srtp_profile p = dp_srtp_profile(b);
	uint32_t ovh = rtcp ? dp_srtp_rtcp_overhead(p) : dp_srtp_rtp_overhead(p);
	uint8_t *buf = fz_buf(data, len, len);
	uint32_t n = len;
	enum dp_srtp_status st;

	st = rtcp ? dp_srtp_unprotect_rtcp(b, buf, &n, len) : dp_srtp_unprotect_rtp(b, buf, &n, len);
	fz_guard(buf, len);
	if (st == DP_SRTP_OK) {
		if (len < ovh || n != len - ovh)
			abort();
	} else if (n != len || st == DP_SRTP_NO_SPACE) {
		abort();
	}
	free(buf);
}

/* Did an earlier packet of the same transport carry the same SSRC? Only
 * then can a valid packet meet REPLAY (a repeated index, or one older than
 * the window behind a later one). */
static int fz_seen(uint8_t *const orig[], const uint32_t olen[], unsigned int j)
{
	for (unsigned int i = j % 2; i < j; i += 2)
		if (olen[i] >= 12 && olen[j] >= 12 && memcmp(orig[i] + 8, orig[j] + 8, 4) == 0)
			return 1;
	return 0;
}

/*
 * Up to 8 RTP packets, each prefixed by a length byte, on two transports:
 * protect burst then unprotect burst, with the statuses the single calls
 * would give.
 */
static void fz_burst(enum sl_srtp_profile p, const uint8_t *data, uint32_t len)
{
	enum { N = 8 };
	struct dp_srtp *a1, *b1, *a2, *b2;
	struct dp_srtp *tx[N], *rx[N];
	uint8_t *pk[N], *orig[N];
	uint32_t ln[N], olen[N], cap = 256 + DP_SRTP_MAX_TRAILER;
	enum dp_srtp_status st[N];
	int prot[N];
	unsigned int n = 0, ok;
	uint32_t off = 0;

	fz_pair(p, &a1, &b1);
	fz_pair(p, &a2, &b2);
	while (n < N && off < len) {
		uint32_t l = data[off++];

		if (l > len - off)
			l = len - off;
		pk[n] = fz_buf(data + off, l, cap);
		orig[n] = fz_buf(data + off, l, l);
		ln[n] = olen[n] = l;
		tx[n] = n % 2 ? a2 : a1;
		rx[n] = n % 2 ? b2 : b1;
		off += l;
		n++;
	}
	ok = dp_srtp_protect_rtp_burst(tx, pk, ln, cap, st, n);
	for (unsigned int i = 0; i < n; i++) {
		int valid = fz_rtp_hdr(orig[i], olen[i]) != 0;

		fz_guard(pk[i], cap);
		ok -= st[i] == DP_SRTP_OK;
		prot[i] = st[i] == DP_SRTP_OK;
		if (prot[i] && (!valid || ln[i] != olen[i] + dp_srtp_rtp_overhead(p)))
			abort();
		if (!prot[i] && ln[i] != olen[i])
			abort();
		if (!valid && st[i] != DP_SRTP_BAD_PARAM)
			abort();
		if (valid && !prot[i] && !(st[i] == DP_SRTP_REPLAY && fz_seen(orig, olen, i)))
			abort();
	}
	if (ok != 0)
		abort(); /* the count returned is the number of OK statuses */
	ok = dp_srtp_unprotect_rtp_burst(rx, pk, ln, cap, st, n);
	for (unsigned int i = 0; i < n; i++) {
		fz_guard(pk[i], cap);
		ok -= st[i] == DP_SRTP_OK;
		if (!prot[i] && st[i] == DP_SRTP_OK)
			abort(); /* plaintext never authenticates */
		if (prot[i] && st[i] == DP_SRTP_OK &&
		    (ln[i] != olen[i] || memcmp(pk[i], orig[i], olen[i]) != 0))
			abort();
		if (prot[i] && st[i] != DP_SRTP_OK &&
		    !(st[i] == DP_SRTP_REPLAY && fz_seen(orig, olen, i)))
			abort();
	}
	if (ok != 0)
		abort();
	for (unsigned int i = 0; i < n; i++) {
		free(pk[i]);
		free(orig[i]);
	}
	dp_srtp_destroy(a1);
	dp_srtp_destroy(b1);
	dp_srtp_destroy(a2);
	dp_srtp_destroy(b2);
}

/* A pair made with the given engine. */
static void fz_pair_on(const char *engine, enum sl_srtp_profile p, struct dp_srtp **a,
		       struct dp_srtp **b)
{
	if (dp_srtp_set_engine(engine) != 0)
		abort();
	fz_pair(p, a, b);
}

/* Unprotects data (len) with x and y; the statuses must agree. */
static void fz_same_unprotect(struct dp_srtp *x, struct dp_srtp *y, int rtcp, const uint8_t *data,
			      uint32_t len)
{
	uint8_t *bx = fz_buf(data, len, len), *by = fz_buf(data, len, len);
	uint32_t nx = len, ny = len;
	enum dp_srtp_status sx, sy;

	sx = rtcp ? dp_srtp_unprotect_rtcp(x, bx, &nx, len) : dp_srtp_unprotect_rtp(x, bx, &nx, len);
	sy = rtcp ? dp_srtp_unprotect_rtcp(y, by, &ny, len) : dp_srtp_unprotect_rtp(y, by, &ny, len);
	if (sx != sy || nx != ny || (sx == DP_SRTP_OK && memcmp(bx, by, nx) != 0)) {
		fprintf(stderr, "fuzz_srtp: %s unprotect of %u bytes: %s vs %s\n",
			rtcp ? "rtcp" : "rtp", len, dp_srtp_status_str(sx), dp_srtp_status_str(sy));
		abort();
	}
	free(bx);
	free(by);
}

/*
 * The engines side by side: the input unprotected as it is, protected (the
 * same bytes), and protected with one bit flipped (data[1]) then unprotected.
 */
static void fz_differ(enum sl_srtp_profile p, int rtcp, const uint8_t *data, uint32_t len,
		      unsigned int flip)
{
	struct dp_srtp *la, *lb, *ia, *ib;
	uint32_t cap = len + DP_SRTP_MAX_TRAILER, nl = len, ni = len;
	uint8_t *bl = fz_buf(data, len, cap), *bi = fz_buf(data, len, cap);
	enum dp_srtp_status sl, si;

	fz_pair_on("libsrtp", p, &la, &lb);
	fz_pair_on("ipsec-mb", p, &ia, &ib);
	fz_same_unprotect(lb, ib, rtcp, data, len);
	sl = rtcp ? dp_srtp_protect_rtcp(la, bl, &nl, cap) : dp_srtp_protect_rtp(la, bl, &nl, cap);
	si = rtcp ? dp_srtp_protect_rtcp(ia, bi, &ni, cap) : dp_srtp_protect_rtp(ia, bi, &ni, cap);
	if (sl != si || nl != ni || memcmp(bl, bi, nl) != 0)
		abort();
	if (sl == DP_SRTP_OK) {
		fz_same_unprotect(lb, ib, rtcp, bl, nl);     /* genuine: OK on both */
		fz_same_unprotect(lb, ib, rtcp, bl, nl);     /* replay on both */
		bl[(flip / 8) % nl] ^= (uint8_t)(1u << (flip % 8));
		fz_same_unprotect(lb, ib, rtcp, bl, nl);     /* forged */
		fz_same_unprotect(lb, ib, rtcp, bl, flip % (nl + 1)); /* truncated */
	}
	free(bl);
	free(bi);
	dp_srtp_destroy(la);
	dp_srtp_destroy(lb);
	dp_srtp_destroy(ia);
	dp_srtp_destroy(ib);
}

/*
 * The out-of-place burst (dp_srtp_protect_rtp_burst_from) on fresh senders
 * of both engines, header = what fz_rtp_hdr() reads, payload = the rest
 * (read from the input, never written): both engines agree with each other
 * and with the in-place burst of the same packets.
 */
static void fz_from_differ(enum sl_srtp_profile p, uint8_t *const pkt[], const uint32_t len[],
			   unsigned int n, uint32_t cap)
{
	enum { N = 8 };
	struct dp_srtp *e[3][2], *v[3][N];
	uint8_t *out[3][N];
	const uint8_t *src[N];
	uint32_t hl[N], pl[N], ol[3][N];
	enum dp_srtp_status st[3][N];

	fz_pair_on("libsrtp", p, &e[0][0], &e[0][1]);
	fz_pair_on("ipsec-mb", p, &e[1][0], &e[1][1]);
	fz_pair_on("ipsec-mb", p, &e[2][0], &e[2][1]);
	for (unsigned int i = 0; i < n; i++) {
		hl[i] = fz_rtp_hdr(pkt[i], len[i]);
		pl[i] = len[i] - hl[i];
		src[i] = pkt[i] + hl[i];
		for (int k = 0; k < 3; k++) {
			out[k][i] = fz_buf(pkt[i], hl[i], cap);
			ol[k][i] = len[i];
			v[k][i] = e[k][0];
		}
		memcpy(out[2][i], pkt[i], len[i]); /* the in-place reference */
	}
	dp_srtp_protect_rtp_burst_from(v[0], out[0], hl, src, pl, cap, ol[0], st[0], n);
	dp_srtp_protect_rtp_burst_from(v[1], out[1], hl, src, pl, cap, ol[1], st[1], n);
	dp_srtp_protect_rtp_burst(v[2], out[2], ol[2], cap, st[2], n);
	for (unsigned int i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++)
			if (st[k][i] != st[2][i] ||
			    (st[k][i] == DP_SRTP_OK && (ol[k][i] != ol[2][i] ||
							memcmp(out[k][i], out[2][i], ol[2][i]) != 0)))
				abort();
		for (int k = 0; k < 3; k++) {
			fz_guard(out[k][i], cap);
			free(out[k][i]);
		}
	}
	for (int k = 0; k < 3; k++) {
		dp_srtp_destroy(e[k][0]);
		dp_srtp_destroy(e[k][1]);
	}
}

/*
 * FZ_BURST inputs side by side: the same packets (as fz_burst() cuts them)
 * through one transport per engine, protect burst then unprotect burst,
 * with the second half of the packets replaced by copies of the first (so
 * a burst holds replays and several packets of one stream): the same
 * statuses and bytes from both engines.
 */
static void fz_burst_differ(enum sl_srtp_profile p, const uint8_t *data, uint32_t len)
{
	enum { N = 8 };
	uint32_t cap = 256 + DP_SRTP_MAX_TRAILER, ll[N], li[N], off = 0;
	struct dp_srtp *la, *lb, *ia, *ib, *vl[N], *vi[N];
	uint8_t *pl[N], *pi[N];
	enum dp_srtp_status sl[N], si[N];
	unsigned int n = 0;

	fz_pair_on("libsrtp", p, &la, &lb);
	fz_pair_on("ipsec-mb", p, &ia, &ib);
	while (n < N && off < len) {
		uint32_t l = data[off++];

		if (l > len - off)
			l = len - off;
		pl[n] = fz_buf(data + off, l, cap);
		pi[n] = fz_buf(data + off, l, cap);
		ll[n] = li[n] = l;
		vl[n] = la;
		vi[n] = ia;
		off += l;
		n++;
	}
	fz_from_differ(p, pl, ll, n, cap);
	dp_srtp_protect_rtp_burst(vl, pl, ll, cap, sl, n);
	dp_srtp_protect_rtp_burst(vi, pi, li, cap, si, n);
	for (unsigned int i = 0; i < n; i++) {
		if (sl[i] != si[i] || ll[i] != li[i] || memcmp(pl[i], pi[i], ll[i]) != 0)
			abort();
		vl[i] = lb;
		vi[i] = ib;
	}
	for (unsigned int i = n / 2; i < n; i++) { /* copies: replays in one burst */
		memcpy(pl[i], pl[i - n / 2], ll[i - n / 2]);
		memcpy(pi[i], pl[i - n / 2], ll[i - n / 2]);
		ll[i] = li[i] = ll[i - n / 2];
	}
	dp_srtp_unprotect_rtp_burst(vl, pl, ll, cap, sl, n);
	dp_srtp_unprotect_rtp_burst(vi, pi, li, cap, si, n);
	for (unsigned int i = 0; i < n; i++) {
		if (sl[i] != si[i] || ll[i] != li[i] ||
		    (sl[i] == DP_SRTP_OK && memcmp(pl[i], pi[i], ll[i]) != 0))
			abort();
		fz_guard(pl[i], cap);
		fz_guard(pi[i], cap);
		free(pl[i]);
		free(pi[i]);
	}
	dp_srtp_destroy(la);
	dp_srtp_destroy(lb);
	dp_srtp_destroy(ia);
	dp_srtp_destroy(ib);
}

/* One input against the engine selected now. */
static void fz_one(const uint8_t *data, size_t size)
{
	struct dp_srtp *a, *b;
	enum sl_srtp_profile p;
	const uint8_t *pkt;
	uint32_t len;
	unsigned int op;

	p = fz_profiles[data[0] & 3u];
	op = (data[0] >> 2) & 7u;
	pkt = data + 2;
	len = (uint32_t)(size - 2);
	if (op == FZ_BURST) {
		fz_burst(p, pkt, len);
		return;
	}
	fz_pair(p, &a, &b);
	switch (op) {
	case FZ_RTP_ROUNDTRIP:
		fz_roundtrip(a, b, 0, pkt, len, -1);
		break;
	case FZ_RTCP_ROUNDTRIP:
		fz_roundtrip(a, b, 1, pkt, len, -1);
		break;
	case FZ_RTP_UNPROTECT:
		fz_unprotect(b, 0, pkt, len);
		break;
	case FZ_RTCP_UNPROTECT:
		fz_unprotect(b, 1, pkt, len);
		break;
	case FZ_RTP_TAMPER:
		fz_roundtrip(a, b, 0, pkt, len, (long)data[1] * 7);
		break;
	case FZ_RTCP_TAMPER:
		fz_roundtrip(a, b, 1, pkt, len, (long)data[1] * 7);
		break;
	default: /* FZ_WRONG_DIR: our own tx key must not open on our rx */
		fz_roundtrip(a, a, data[1] & 1u, pkt, len, (long)data[1] * 3);
		break;
	}
	dp_srtp_destroy(a);
	dp_srtp_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const engines[] = { "libsrtp", "ipsec-mb" };

	if (size < 2 || size > FZ_MAX)
		return 0;
	if (dp_srtp_global_init() != 0)
		abort();
	for (size_t e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
		if (dp_srtp_set_engine(engines[e]) != 0)
			abort();
		fz_one(data, size);
	}
	if (((data[0] >> 2) & 7u) == FZ_BURST)
		fz_burst_differ(fz_profiles[data[0] & 3u], data + 2, (uint32_t)(size - 2));
	else
		fz_differ(fz_profiles[data[0] & 3u], (data[0] >> 2) & 1u, data + 2,
			  (uint32_t)(size - 2), (unsigned int)data[1] * 5u);
	return 0;
}
