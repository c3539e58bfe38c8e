/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp_imb.c - the SRTP/SRTCP engine on intel-ipsec-mb (the contract is
 * dp_srtp.h; the engine interface dp_srtp_int.h; per-SSRC state
 * dp_srtp_stream.h). Written from RFC 3711 (AES-CM + HMAC-SHA1, key
 * derivation, SRTCP) and RFC 7714 (AES-GCM); the acceptance rules (which
 * packet is a replay, which ROC a sequence number gets, the order of the
 * checks) are libsrtp 2.5's, so both engines answer the same for the same
 * input (tests/srtp/test_srtp_cross.c compares them byte for byte).
 *
 * ipsec-mb use:
 *  - AES-GCM: the direct API (IMB_AES128/256_GCM_ENC/DEC) with the key
 *    schedule and GHASH powers precomputed once per session key
 *    (IMB_AES*_GCM_PRE); the tag is compared here, in constant time.
 *  - AES-CM + HMAC-SHA1: the job API, one job per packet doing both (protect:
 *    cipher then hash; unprotect: hash then decipher), with the HMAC inner
 *    and outer pads hashed once per session key (IMB_SHA1_ONE_BLOCK). The
 *    job writes a 12-byte tag into a scratch slot; SRTP keeps 10 or 4 bytes.
 *    A burst keeps up to DP_SRTP_BURST_MAX jobs in flight, so the
 *    multi-buffer manager fills its SHA1 lanes across packets.
 *  - One IMB_MGR per thread, allocated on the thread's first use
 *    (alloc_mb_mgr + init_mb_mgr_auto) and freed when the thread exits.
 *
 * Packet index handling (libsrtp's order): tx updates the window before
 * sealing (so a repeated index is sealed again: allow-repeat-tx); rx checks
 * the window first, authenticates, and only then creates the stream (first
 * packet of an SSRC) and records the index. Unprotect in a burst: packets of
 * one stream stay in flight together unless one's index could depend on an
 * earlier one's outcome, or repeats it (cm_conflict(): then the earlier ones
 * finish first); each is checked against the window again when it finishes,
 * in order, so a burst answers exactly what single calls in order would.
 *
 * After an authentication failure the payload may have been deciphered in
 * place (dp_srtp.h: content unspecified, drop the packet); the window and
 * the stream table are untouched.
 */
#define _GNU_SOURCE /* explicit_bzero */
#include "dp_srtp_int.h"
#include "dp_srtp_stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#define IMB_TAG_OUT 12u          /* HMAC-SHA1 bytes the job writes (>= 10) */
#define IMB_KEY_LIMIT (1ull << 48) /* RFC 3711 9.2: SRTP packets per master key */
#define IMB_BURST 64u

/* The keys of one of RTP or RTCP in one direction. */
struct imb_keys {
	union {
		struct gcm_key_data gcm __attribute__((aligned(64)));
		struct {
			uint8_t aes[16 * 15] __attribute__((aligned(16))); /* expanded */
			uint8_t ipad[20] __attribute__((aligned(16))); /* SHA1 state */
			uint8_t opad[20] __attribute__((aligned(16)));
		} cm;
	} k;
	uint8_t salt[14]; /* 14 bytes (AES-CM), 12 (GCM) */
};

/* One direction: keys, streams, key lifetime. */
struct imb_session {
	struct imb_keys rtp;
	struct imb_keys rtcp;
	struct dp_srtp_stream_table streams;
	uint64_t rtp_uses; /* RTP packets under this key so far */
};

struct dp_srtp_imb {
	struct dp_srtp head; /* first: see dp_srtp_int.h */
	const struct dp_srtp_profile_info *pi;
	struct imb_session rx;
	struct imb_session tx;
};

static struct dp_srtp_imb *imb_ctx(struct dp_srtp *ctx)
{
	return (struct dp_srtp_imb *)ctx;
}

/* ---- per-thread manager ---- */

static pthread_key_t imb_tls_key;
static __thread IMB_MGR *imb_tls_mgr;
static IMB_ARCH imb_arch = IMB_ARCH_NONE;

static void imb_mgr_free(void *m)
{
	free_mb_mgr(m);
}

/* This thread's manager, made on first use; NULL when ipsec-mb refuses. */
static IMB_MGR *imb_mgr(void)
{
	IMB_MGR *m = imb_tls_mgr;
	IMB_ARCH arch = IMB_ARCH_NONE;

	if (__builtin_expect(m != NULL, 1))
		return m;
	m = alloc_mb_mgr(0);
	if (!m)
		return NULL;
	init_mb_mgr_auto(m, &arch);
	if (imb_get_errno(m) != 0 || arch == IMB_ARCH_NONE) {
		free_mb_mgr(m);
		return NULL;
	}
	(void)pthread_setspecific(imb_tls_key, m);
	imb_tls_mgr = m;
	return m;
}

static int imb_global_init(void)
{
	IMB_MGR *m;

	if (pthread_key_create(&imb_tls_key, imb_mgr_free) != 0)
		return -EIO;
	m = imb_mgr();
	if (!m)
		return -ENOTSUP;
	imb_arch = (IMB_ARCH)m->used_arch;
	return 0;
}

const char *dp_srtp_imb_arch(void)
{
	switch (imb_arch) {
	case IMB_ARCH_NOAESNI: return "noaesni";
	case IMB_ARCH_SSE: return "sse";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_AVX2: return "avx2";
	case IMB_ARCH_AVX512: return "avx512";
	default: return "none";
	}
}

/* ---- small helpers ---- */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* 1 when a[0..n) == b[0..n); time independent of the bytes. */
static int ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* AES-CM IV (RFC 3711 4.1.1): salt*2^16 ^ SSRC*2^64 ^ index*2^16. */
static void cm_iv(uint8_t iv[16], const uint8_t salt[14], const uint8_t *ssrc, uint64_t index)
{
	memcpy(iv, salt, 14);
	iv[14] = iv[15] = 0;
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= ssrc[i];
	for (int i = 0; i < 6; i++)
		iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* GCM IV (RFC 7714 8.1 / 9.1): salt ^ (00 00 SSRC ROC SEQ) or (00 00 SSRC 00 00 index). */
static void gcm_iv(uint8_t iv[12], const uint8_t salt[12], const uint8_t *ssrc, uint64_t tail48)
{
	iv[0] = salt[0];
	iv[1] = salt[1];
	for (int i = 0; i < 4; i++)
		iv[2 + i] = salt[2 + i] ^ ssrc[i];
	for (int i = 0; i < 6; i++)
		iv[6 + i] = salt[6 + i] ^ (uint8_t)(tail48 >> (40 - 8 * i));
}

/* ---- AES-CTR one shot (key derivation) ---- */

static int ctr_sync(IMB_MGR *m, const void *exp_key, uint32_t klen, const uint8_t iv[16],
		    uint8_t *buf, uint32_t len)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);
	int ok = 0;

	job->cipher_mode = IMB_CIPHER_CNTR;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = exp_key;
	job->dec_keys = exp_key;
	job->key_len_in_bytes = klen;
	job->src = buf;
	job->dst = buf;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->iv = iv;
	job->iv_len_in_bytes = 16;
	job->user_data = NULL;
	job = IMB_SUBMIT_JOB(m);
	while (job || (job = IMB_FLUSH_JOB(m)) != NULL) {
		ok = job->status == IMB_STATUS_COMPLETED;
		job = IMB_GET_COMPLETED_JOB(m);
	}
	return ok ? 0 : -EIO;
}

/*
 * RFC 3711 4.3 key derivation with key_derivation_rate 0: out = the AES-CM
 * keystream (master key) under IV = (master_salt ^ label*2^48) * 2^16.
 * salt14 is the 14-byte master salt (a GCM profile's 12 bytes padded with
 * two zero bytes on the right, as libsrtp does).
 */
static int kdf(IMB_MGR *m, const void *exp_key, uint32_t klen, const uint8_t salt14[14],
	       uint8_t label, uint8_t *out, uint32_t n)
{
	uint8_t iv[16];

	memcpy(iv, salt14, 14);
	iv[7] ^= label;
	iv[14] = iv[15] = 0;
	memset(out, 0, n);
	return ctr_sync(m, exp_key, klen, iv, out, n);
}

/* HMAC-SHA1 pads of a 20-byte key, hashed once: what the SHA1 job wants. */
static void hmac_pads(IMB_MGR *m, const uint8_t key[20], struct imb_keys *k)
{
	uint8_t blk[64];

	memset(blk, 0x36, sizeof(blk));
	for (int i = 0; i < 20; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(m, blk, k->k.cm.ipad);
	memset(blk, 0x5c, sizeof(blk));
	for (int i = 0; i < 20; i++)
		blk[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(m, blk, k->k.cm.opad);
	explicit_bzero(blk, sizeof(blk));
}

/* Derives one of RTP (labels 0, 1, 2) or RTCP (3, 4, 5) into k. */
static int derive_keys(IMB_MGR *m, const struct dp_srtp_profile_info *pi, const void *master_exp,
		       const uint8_t salt14[14], uint8_t label0, struct imb_keys *k)
{
	uint8_t key[32], auth[20];
	uint8_t dec[16 * 15] __attribute__((aligned(16))); /* CTR needs no decryption keys */
	int rc;

	rc = kdf(m, master_exp, pi->key_len, salt14, label0, key, pi->key_len);
	if (rc == 0)
		rc = kdf(m, master_exp, pi->key_len, salt14, label0 + 2, k->salt, pi->salt_len);
	if (rc == 0 && pi->aead) {
		if (pi->key_len == 16)
			IMB_AES128_GCM_PRE(m, key, &k->k.gcm);
		else
			IMB_AES256_GCM_PRE(m, key, &k->k.gcm);
	} else if (rc == 0) {
		rc = kdf(m, master_exp, pi->key_len, salt14, label0 + 1, auth, sizeof(auth));
		IMB_AES_KEYEXP_128(m, key, k->k.cm.aes, dec);
		hmac_pads(m, auth, k);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(dec, sizeof(dec));
	return rc;
}

/* Both session key sets of one direction from master = key || salt. */
static int session_init(IMB_MGR *m, const struct dp_srtp_profile_info *pi,
			const uint8_t *master, struct imb_session *s)
{
	uint8_t exp[16 * 15] __attribute__((aligned(16)));
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	uint8_t salt14[14] = { 0 };
	int rc;

	memcpy(salt14, master + pi->key_len, pi->salt_len);
	if (pi->key_len == 16)
		IMB_AES_KEYEXP_128(m, master, exp, dec);
	else
		IMB_AES_KEYEXP_256(m, master, exp, dec);
	rc = derive_keys(m, pi, exp, salt14, 0, &s->rtp);
	if (rc == 0)
		rc = derive_keys(m, pi, exp, salt14, 3, &s->rtcp);
	explicit_bzero(exp, sizeof(exp));
	explicit_bzero(dec, sizeof(dec));
	explicit_bzero(salt14, sizeof(salt14));
	return rc;
}

static void imb_wipe(struct dp_srtp *ctx)
{
	struct dp_srtp_imb *c = imb_ctx(ctx);

	dp_srtp_stream_table_clear(&c->rx.streams);
	dp_srtp_stream_table_clear(&c->tx.streams);
	explicit_bzero(&c->rx, sizeof(c->rx));
	explicit_bzero(&c->tx, sizeof(c->tx));
}

static void imb_destroy(struct dp_srtp *ctx)
{
	imb_wipe(ctx);
	free(ctx);
}

static enum dp_srtp_status imb_create(struct dp_srtp **out, const struct dp_srtp_profile_info *pi,
				      const uint8_t *rx_master, const uint8_t *tx_master)
{
	size_t sz = (sizeof(struct dp_srtp_imb) + 63) & ~(size_t)63;
	IMB_MGR *m = imb_mgr();
	struct dp_srtp_imb *c;

	*out = NULL;
	if (!m)
		return DP_SRTP_ERROR;
	c = aligned_alloc(64, sz);
	if (!c)
		return DP_SRTP_ERROR;
	memset(c, 0, sz);
	c->pi = pi;
	if (session_init(m, pi, rx_master, &c->rx) != 0 ||
	    session_init(m, pi, tx_master, &c->tx) != 0) {
		imb_destroy(&c->head);
		return DP_SRTP_ERROR;
	}
	*out = &c->head;
	return DP_SRTP_OK;
}

/* ---- AES-GCM (synchronous, direct API) ---- */

/* Seals src[0..len) into dst (src == dst: in place) and writes the tag. */
static void gcm_seal(IMB_MGR *m, const struct dp_srtp_profile_info *pi, const struct imb_keys *k,
		     const uint8_t iv[12], const uint8_t *aad, uint32_t aad_len, uint8_t *dst,
		     const uint8_t *src, uint32_t len, uint8_t tag[16])
{
	struct gcm_context_data g;

	if (pi->key_len == 16)
		IMB_AES128_GCM_ENC(m, &k->k.gcm, &g, dst, src, len, iv, aad, aad_len, tag, 16);
	else
		IMB_AES256_GCM_ENC(m, &k->k.gcm, &g, dst, src, len, iv, aad, aad_len, tag, 16);
}

/* Deciphers buf in place and returns 1 when the tag is right. */
static int gcm_open(IMB_MGR *m, const struct dp_srtp_profile_info *pi, const struct imb_keys *k,
		    const uint8_t iv[12], const uint8_t *aad, uint32_t aad_len, uint8_t *buf,
		    uint32_t len, const uint8_t tag[16])
{
	struct gcm_context_data g;
	uint8_t got[16];

	if (pi->key_len == 16)
		IMB_AES128_GCM_DEC(m, &k->k.gcm, &g, buf, buf, len, iv, aad, aad_len, got, 16);
	else
		IMB_AES256_GCM_DEC(m, &k->k.gcm, &g, buf, buf, len, iv, aad, aad_len, got, 16);
	return ct_equal(got, tag, 16);
}

/* ---- the per-packet front halves: checks and window, libsrtp's order ---- */

/*
 * tx RTP: stream, key lifetime, window (allow-repeat-tx: an index already
 * sent is sealed again; one older than the window is REPLAY). *idx gets the
 * packet index.
 */
static enum dp_srtp_status tx_rtp_index(struct imb_session *s, const uint8_t *pkt, uint64_t *idx)
{
	struct dp_srtp_stream *st = dp_srtp_stream_get(&s->streams, rd32(pkt + 8));
	int32_t delta;

	if (!st)
		return DP_SRTP_ERROR;
	if (++s->rtp_uses >= IMB_KEY_LIMIT)
		return DP_SRTP_ERROR; /* key expired: the transport needs new keys */
	delta = dp_srtp_rtp_estimate(&st->rtp, (uint16_t)(pkt[2] << 8 | pkt[3]), idx);
	if (delta > 0 && *idx < st->rtp.top)
		return DP_SRTP_ERROR; /* ROC would wrap: 2^48 indices used */
	if (delta <= 0 && (uint32_t)-(int64_t)delta >= DP_SRTP_REPLAY_WINDOW)
		return DP_SRTP_REPLAY;
	dp_srtp_rtp_add(&st->rtp, delta, *idx);
	return DP_SRTP_OK;
}

/* rx RTP: estimate and replay check against the stream, or a fresh one. */
static enum dp_srtp_status rx_rtp_index(const struct imb_session *s, const uint8_t *pkt,
					uint64_t *idx, int32_t *delta)
{
	const struct dp_srtp_stream *st = dp_srtp_stream_find(&s->streams, rd32(pkt + 8));

	if (!st)
		st = &dp_srtp_stream_fresh;
	*delta = dp_srtp_rtp_estimate(&st->rtp, (uint16_t)(pkt[2] << 8 | pkt[3]), idx);
	return dp_srtp_rtp_check(&st->rtp, *delta);
}

/*
 * rx RTP, just before authentication counts: the window check again, now
 * that earlier packets of the stream in the same burst have finished (their
 * acceptance can only make this one a replay, never change its index: see
 * cm_conflict()). *delta is refreshed against the window as it is now.
 */
static enum dp_srtp_status rx_rtp_recheck(const struct imb_session *s, const uint8_t *pkt,
					  uint64_t idx, int32_t *delta)
{
	uint64_t now;
	enum dp_srtp_status st = rx_rtp_index(s, pkt, &now, delta);

	if (st == DP_SRTP_OK && now != idx)
		st = DP_SRTP_ERROR; /* cannot happen: cm_conflict() drains first */
	return st;
}

/* rx RTP after authentication: count the key use, make the stream, record. */
static enum dp_srtp_status rx_rtp_accept(struct imb_session *s, const uint8_t *pkt,
					 uint64_t idx, int32_t delta)
{
	struct dp_srtp_stream *st;

	if (++s->rtp_uses >= IMB_KEY_LIMIT)
		return DP_SRTP_ERROR;
	st = dp_srtp_stream_get(&s->streams, rd32(pkt + 8));
	if (!st)
		return DP_SRTP_ERROR;
	dp_srtp_rtp_add(&st->rtp, delta, idx);
	return DP_SRTP_OK;
}

/* tx RTCP: the next SRTCP index of the stream (the first is 1). */
static enum dp_srtp_status tx_rtcp_index(struct imb_session *s, const uint8_t *pkt,
					 uint32_t *index)
{
	struct dp_srtp_stream *st = dp_srtp_stream_get(&s->streams, rd32(pkt + 4));

	if (!st)
		return DP_SRTP_ERROR;
	if (st->rtcp_tx_index >= DP_SRTCP_INDEX_MAX)
		return DP_SRTP_ERROR; /* 2^31 SRTCP packets: key expired */
	*index = ++st->rtcp_tx_index;
	return DP_SRTP_OK;
}

static enum dp_srtp_status rx_rtcp_check(const struct imb_session *s, const uint8_t *pkt,
					 uint32_t index)
{
	const struct dp_srtp_stream *st = dp_srtp_stream_find(&s->streams, rd32(pkt + 4));

	return dp_srtp_rtcp_check(st ? &st->rtcp : &dp_srtp_stream_fresh.rtcp, index);
}

static enum dp_srtp_status rx_rtcp_accept(struct imb_session *s, const uint8_t *pkt,
					  uint32_t index)
{
	struct dp_srtp_stream *st = dp_srtp_stream_get(&s->streams, rd32(pkt + 4));

	if (!st)
		return DP_SRTP_ERROR;
	dp_srtp_rtcp_add(&st->rtcp, index);
	return DP_SRTP_OK;
}

/* ---- AES-GCM packets ---- */

/*
 * Seals the RTP packet whose header is pkt[0..h) and whose payload is
 * src[0..plen) into pkt (src == pkt + h: in place; else straight from a
 * shared plaintext). *out_len gets the SRTP length.
 */
static enum dp_srtp_status gcm_seal_rtp(IMB_MGR *m, struct dp_srtp_imb *c, uint8_t *pkt,
					uint32_t h, const uint8_t *src, uint32_t plen,
					uint32_t *out_len)
{
	enum dp_srtp_status st;
	uint8_t iv[12];
	uint64_t idx;

	st = tx_rtp_index(&c->tx, pkt, &idx);
	if (st != DP_SRTP_OK)
		return st;
	gcm_iv(iv, c->tx.rtp.salt, pkt + 8, idx);
	gcm_seal(m, c->pi, &c->tx.rtp, iv, pkt, h, pkt + h, src, plen, pkt + h + plen);
	*out_len = h + plen + 16;
	return DP_SRTP_OK;
}

static enum dp_srtp_status gcm_protect_rtp(IMB_MGR *m, struct dp_srtp_imb *c, uint8_t *pkt,
					   uint32_t *len)
{
	uint32_t h = dp_srtp_rtp_hdr_len(pkt, *len);

	if (!h)
		return DP_SRTP_BAD_PARAM;
	return gcm_seal_rtp(m, c, pkt, h, pkt + h, *len - h, len);
}

static enum dp_srtp_status gcm_unprotect_rtp(IMB_MGR *m, struct dp_srtp_imb *c, uint8_t *pkt,
					     uint32_t *len)
{
	uint32_t h = dp_srtp_rtp_hdr_len(pkt, *len), n = *len;
	enum dp_srtp_status st;
	uint8_t iv[12];
	uint64_t idx;
	int32_t delta;

	if (!h)
		return DP_SRTP_BAD_PARAM;
	st = rx_rtp_index(&c->rx, pkt, &idx, &delta);
	if (st != DP_SRTP_OK)
		return st;
	if (n >= 16 && h > n - 16)
		return DP_SRTP_BAD_PARAM; /* libsrtp: parse error */
	if (n - h < 16)
		return DP_SRTP_ERROR; /* libsrtp: cipher_fail (shorter than a tag) */
	gcm_iv(iv, c->rx.rtp.salt, pkt + 8, idx);
	if (!gcm_open(m, c->pi, &c->rx.rtp, iv, pkt, h, pkt + h, n - h - 16, pkt + n - 16))
		return DP_SRTP_AUTH_FAIL;
	st = rx_rtp_accept(&c->rx, pkt, idx, delta);
	if (st == DP_SRTP_OK)
		*len = n - 16;
	return st;
}

static enum dp_srtp_status gcm_protect_rtcp(IMB_MGR *m, struct dp_srtp_imb *c, uint8_t *pkt,
					    uint32_t *len)
{
	uint32_t n = *len, index;
	enum dp_srtp_status st;
	uint8_t iv[12], aad[12];

	if (n < 8)
		return DP_SRTP_BAD_PARAM;
	st = tx_rtcp_index(&c->tx, pkt, &index);
	if (st != DP_SRTP_OK)
		return st;
	memcpy(aad, pkt, 8);
	wr32(aad + 8, DP_SRTCP_E_BIT | index);
	gcm_iv(iv, c->tx.rtcp.salt, pkt + 4, index);
	gcm_seal(m, c->pi, &c->tx.rtcp, iv, aad, 12, pkt + 8, pkt + 8, n - 8, pkt + n);
	memcpy(pkt + n + 16, aad + 8, 4); /* RFC 7714 17: the index follows the tag */
	*len = n + 20;
	return DP_SRTP_OK;
}

static enum dp_srtp_status gcm_unprotect_rtcp(IMB_MGR *m, struct dp_srtp_imb *c, uint8_t *pkt,
					      uint32_t *len)
{
	uint32_t n = *len, trailer, index;
	enum dp_srtp_status st;
	uint8_t iv[12], aad[12], tag[16];
	int ok;

	if (n < 8 + 16 + DP_SRTCP_INDEX_LEN)
		return DP_SRTP_BAD_PARAM;
	trailer = rd32(pkt + n - 4);
	index = trailer & DP_SRTCP_INDEX_MAX;
	st = rx_rtcp_check(&c->rx, pkt, index);
	if (st != DP_SRTP_OK)
		return st;
	gcm_iv(iv, c->rx.rtcp.salt, pkt + 4, index);
	memcpy(tag, pkt + n - 20, 16);
	if (trailer & DP_SRTCP_E_BIT) {
		memcpy(aad, pkt, 8);
		memcpy(aad + 8, pkt + n - 4, 4);
		ok = gcm_open(m, c->pi, &c->rx.rtcp, iv, aad, 12, pkt + 8, n - 28, tag);
	} else {
		/* not encrypted (E = 0): all of it is AAD, index included */
		memmove(pkt + n - 20, pkt + n - 4, 4);
		ok = gcm_open(m, c->pi, &c->rx.rtcp, iv, pkt, n - 16, pkt + n, 0, tag);
	}
	if (!ok)
		return DP_SRTP_AUTH_FAIL;
	st = rx_rtcp_accept(&c->rx, pkt, index);
	if (st == DP_SRTP_OK)
		*len = n - 20;
	return st;
}

/* ---- AES-CM + HMAC-SHA1 packets: prepared, run as jobs, finished ---- */

enum cm_kind { CM_PROTECT, CM_UNPROTECT_RTP, CM_UNPROTECT_RTCP };

/* One packet in flight: what its job reads and what finish() needs. */
struct cm_slot {
	uint8_t iv[16];
	uint8_t out[IMB_TAG_OUT]; /* the HMAC the job computes */
	uint8_t want[10];         /* the tag the packet carried (unprotect) */
	uint8_t tag_len;
	uint8_t kind;
	uint8_t *pkt;
	uint32_t *len;
	enum dp_srtp_status *st;
	struct imb_session *sess;
	uint32_t tag_pos;  /* where the tag goes (protect) / was (unprotect) */
	uint32_t new_len;  /* *len on success */
	uint32_t enc_off, enc_len, auth_len;
	const struct imb_keys *keys;
	uint64_t idx;      /* RTP index, or SRTCP index */
	int32_t delta;
};

static void cm_fill_job(IMB_JOB *job, struct cm_slot *s)
{
	int enc = s->kind == CM_PROTECT;

	job->cipher_mode = s->enc_len ? IMB_CIPHER_CNTR : IMB_CIPHER_NULL;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = s->keys->k.cm.aes;
	job->dec_keys = s->keys->k.cm.aes;
	job->key_len_in_bytes = 16;
	job->src = s->pkt;
	job->dst = s->pkt + s->enc_off;
	job->cipher_start_src_offset_in_bytes = s->enc_off;
	job->msg_len_to_cipher_in_bytes = s->enc_len;
	job->iv = s->iv;
	job->iv_len_in_bytes = 16;
	job->hash_alg = IMB_AUTH_HMAC_SHA_1;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = s->auth_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = s->keys->k.cm.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = s->keys->k.cm.opad;
	job->auth_tag_output = s->out;
	job->auth_tag_output_len_in_bytes = IMB_TAG_OUT;
	job->user_data = s;
}

/* The back half of one packet, once its job completed (ok: job status). */
static void cm_finish(struct cm_slot *s, int ok)
{
	enum dp_srtp_status st = DP_SRTP_ERROR;

	if (!ok)
		goto out;
	if (s->kind == CM_PROTECT) {
		memcpy(s->pkt + s->tag_pos, s->out, s->tag_len);
		st = DP_SRTP_OK;
	} else if (s->kind == CM_UNPROTECT_RTP &&
		   (st = rx_rtp_recheck(s->sess, s->pkt, s->idx, &s->delta)) != DP_SRTP_OK) {
		/* replay first, as a single call after the earlier packets would say */
	} else if (!ct_equal(s->out, s->want, s->tag_len)) {
		st = DP_SRTP_AUTH_FAIL;
	} else if (s->kind == CM_UNPROTECT_RTP) {
		st = rx_rtp_accept(s->sess, s->pkt, s->idx, s->delta);
	} else {
		st = rx_rtcp_accept(s->sess, s->pkt, (uint32_t)s->idx);
	}
	if (st == DP_SRTP_OK)
		*s->len = s->new_len;
out:
	*s->st = st;
}

/* Jobs of one call in flight on this thread's manager. */
struct cm_run {
	IMB_MGR *m;
	unsigned int n; /* slots used */
	unsigned int inflight;
	struct cm_slot slot[IMB_BURST];
};

static void cm_collect(struct cm_run *r, IMB_JOB *job)
{
	while (job) {
		cm_finish(job->user_data, job->status == IMB_STATUS_COMPLETED);
		r->inflight--;
		job = IMB_GET_COMPLETED_JOB(r->m);
	}
}

static void cm_submit(struct cm_run *r, struct cm_slot *s)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(r->m);

	cm_fill_job(job, s);
	r->inflight++;
	cm_collect(r, IMB_SUBMIT_JOB(r->m));
}

/* Completes every job in flight, in submission order. */
static void cm_drain(struct cm_run *r)
{
	IMB_JOB *job;

	while (r->inflight && (job = IMB_FLUSH_JOB(r->m)) != NULL)
		cm_collect(r, job);
}

/*
 * May an unprotect of index idx (sess, ssrc) start while earlier packets of
 * that stream are in flight? Their outcomes move the window's top anywhere
 * between where it is and the highest in-flight index; the estimate picks
 * the candidate nearest the top, which moves monotonically with it, so if
 * both ends give idx, every outcome does. The same index twice, or an
 * estimate that depends on the outcome: no (returns 1: drain first). A
 * packet the window refused now (refused) is judged again after the earlier
 * packets of its stream finished (their outcome may change its estimate).
 */
static int cm_conflict(const struct cm_run *r, const struct imb_session *sess,
		       const uint8_t *pkt, uint64_t idx, int refused)
{
	const struct dp_srtp_stream *st = dp_srtp_stream_find(&sess->streams, rd32(pkt + 8));
	struct dp_srtp_rtp_win far = st ? st->rtp : dp_srtp_stream_fresh.rtp;
	uint64_t again;
	int any = 0;

	for (unsigned int i = r->n - r->inflight; i < r->n; i++) {
		const struct cm_slot *s = &r->slot[i];

		if (s->kind != CM_UNPROTECT_RTP || s->sess != sess ||
		    memcmp(s->pkt + 8, pkt + 8, 4) != 0)
			continue;
		if (s->idx == idx || refused)
			return 1;
		if (s->idx > far.top)
			far.top = s->idx;
		any = 1;
	}
	if (!any)
		return 0;
	(void)dp_srtp_rtp_estimate(&far, (uint16_t)(pkt[2] << 8 | pkt[3]), &again);
	return again != idx;
}

static enum dp_srtp_status cm_prep_protect_rtp(struct dp_srtp_imb *c, struct cm_slot *s,
					       uint8_t *pkt, uint32_t len)
{
	uint32_t h = dp_srtp_rtp_hdr_len(pkt, len);
	enum dp_srtp_status st;
	uint64_t idx;

	if (!h)
		return DP_SRTP_BAD_PARAM;
	st = tx_rtp_index(&c->tx, pkt, &idx);
	if (st != DP_SRTP_OK)
		return st;
	cm_iv(s->iv, c->tx.rtp.salt, pkt + 8, idx);
	wr32(pkt + len, (uint32_t)(idx >> 16)); /* ROC: authenticated, then overwritten by the tag */
	s->kind = CM_PROTECT;
	s->keys = &c->tx.rtp;
	s->enc_off = h;
	s->enc_len = len - h;
	s->auth_len = len + 4;
	s->tag_pos = len;
	s->tag_len = (uint8_t)c->pi->rtp_tag;
	s->new_len = len + c->pi->rtp_tag;
	return DP_SRTP_OK;
}

static enum dp_srtp_status cm_prep_unprotect_rtp(struct dp_srtp_imb *c, struct cm_slot *s,
						 uint8_t *pkt, uint32_t len)
{
	uint32_t h = dp_srtp_rtp_hdr_len(pkt, len), t = c->pi->rtp_tag;
	enum dp_srtp_status st;

	if (!h)
		return DP_SRTP_BAD_PARAM;
	st = rx_rtp_index(&c->rx, pkt, &s->idx, &s->delta);
	if (st != DP_SRTP_OK)
		return st;
	if (h + t > len)
		return DP_SRTP_BAD_PARAM;
	cm_iv(s->iv, c->rx.rtp.salt, pkt + 8, s->idx);
	memcpy(s->want, pkt + len - t, t);
	wr32(pkt + len - t, (uint32_t)(s->idx >> 16)); /* ROC in place of the tag (t >= 4) */
	s->kind = CM_UNPROTECT_RTP;
	s->sess = &c->rx;
	s->keys = &c->rx.rtp;
	s->enc_off = h;
	s->enc_len = len - t - h;
	s->auth_len = len - t + 4;
	s->tag_len = (uint8_t)t;
	s->new_len = len - t;
	return DP_SRTP_OK;
}

static enum dp_srtp_status cm_prep_protect_rtcp(struct dp_srtp_imb *c, struct cm_slot *s,
						uint8_t *pkt, uint32_t len)
{
	enum dp_srtp_status st;
	uint32_t index;

	if (len < 8)
		return DP_SRTP_BAD_PARAM;
	st = tx_rtcp_index(&c->tx, pkt, &index);
	if (st != DP_SRTP_OK)
		return st;
	cm_iv(s->iv, c->tx.rtcp.salt, pkt + 4, index);
	wr32(pkt + len, DP_SRTCP_E_BIT | index);
	s->kind = CM_PROTECT;
	s->keys = &c->tx.rtcp;
	s->enc_off = 8;
	s->enc_len = len - 8;
	s->auth_len = len + DP_SRTCP_INDEX_LEN;
	s->tag_pos = len + DP_SRTCP_INDEX_LEN;
	s->tag_len = (uint8_t)c->pi->rtcp_tag;
	s->new_len = len + DP_SRTCP_INDEX_LEN + c->pi->rtcp_tag;
	return DP_SRTP_OK;
}

static enum dp_srtp_status cm_prep_unprotect_rtcp(struct dp_srtp_imb *c, struct cm_slot *s,
						  uint8_t *pkt, uint32_t len)
{
	uint32_t t = c->pi->rtcp_tag, trailer;
	enum dp_srtp_status st;

	if (len < 8 + DP_SRTCP_INDEX_LEN + t)
		return DP_SRTP_BAD_PARAM;
	trailer = rd32(pkt + len - t - DP_SRTCP_INDEX_LEN);
	if (!(trailer & DP_SRTCP_E_BIT))
		return DP_SRTP_ERROR; /* libsrtp: cant_check (we always encrypt SRTCP) */
	s->idx = trailer & DP_SRTCP_INDEX_MAX;
	st = rx_rtcp_check(&c->rx, pkt, (uint32_t)s->idx);
	if (st != DP_SRTP_OK)
		return st;
	cm_iv(s->iv, c->rx.rtcp.salt, pkt + 4, s->idx);
	memcpy(s->want, pkt + len - t, t);
	s->kind = CM_UNPROTECT_RTCP;
	s->sess = &c->rx;
	s->keys = &c->rx.rtcp;
	s->enc_off = 8;
	s->enc_len = len - t - DP_SRTCP_INDEX_LEN - 8;
	s->auth_len = len - t;
	s->tag_len = (uint8_t)t;
	s->new_len = len - t - DP_SRTCP_INDEX_LEN;
	return DP_SRTP_OK;
}

typedef enum dp_srtp_status (*cm_prep_fn)(struct dp_srtp_imb *c, struct cm_slot *s,
					  uint8_t *pkt, uint32_t len);

/* One AES-CM packet through a job of its own. */
static enum dp_srtp_status cm_one(IMB_MGR *m, cm_prep_fn prep, struct dp_srtp_imb *c,
				  uint8_t *pkt, uint32_t *len)
{
	struct cm_run r;
	struct cm_slot *s = &r.slot[0];
	enum dp_srtp_status st;

	r.m = m;
	r.n = 1;
	r.inflight = 0;
	st = prep(c, s, pkt, *len);
	if (st != DP_SRTP_OK)
		return st;
	s->pkt = pkt;
	s->len = len;
	s->st = &st;
	cm_submit(&r, s);
	cm_drain(&r);
	return st;
}

/* ---- the engine's entry points ---- */

typedef enum dp_srtp_status (*gcm_fn)(IMB_MGR *m, struct dp_srtp_imb *c, uint8_t *pkt,
				      uint32_t *len);

/* One packet: argument checks (grow: the trailer protect adds), then GCM on
 * the spot or AES-CM through one job. The four entry points differ only in
 * grow and the two functions, all constants, so the calls stay direct. */
static inline enum dp_srtp_status imb_one(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					  uint32_t cap, uint32_t grow, gcm_fn gcm, cm_prep_fn prep)
{
	struct dp_srtp_imb *c = imb_ctx(ctx);
	enum dp_srtp_status st = dp_srtp_check_args(pkt, len, cap, grow);
	IMB_MGR *m = imb_mgr();

	if (st != DP_SRTP_OK)
		return st;
	if (!m)
		return DP_SRTP_ERROR;
	if (c->pi->aead)
		return gcm(m, c, pkt, len);
	return cm_one(m, prep, c, pkt, len);
}

static enum dp_srtp_status imb_protect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					   uint32_t cap)
{
	return imb_one(ctx, pkt, len, cap, ctx->rtp_overhead, gcm_protect_rtp,
		       cm_prep_protect_rtp);
}

static enum dp_srtp_status imb_unprotect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					     uint32_t cap)
{
	return imb_one(ctx, pkt, len, cap, 0, gcm_unprotect_rtp, cm_prep_unprotect_rtp);
}

static enum dp_srtp_status imb_protect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					    uint32_t cap)
{
	return imb_one(ctx, pkt, len, cap, ctx->rtcp_overhead, gcm_protect_rtcp,
		       cm_prep_protect_rtcp);
}

static enum dp_srtp_status imb_unprotect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					      uint32_t cap)
{
	return imb_one(ctx, pkt, len, cap, 0, gcm_unprotect_rtcp, cm_prep_unprotect_rtcp);
}

/*
 * A burst (n <= DP_SRTP_BURST_MAX, the dispatcher chunks): GCM packets are
 * done on the spot, AES-CM packets become jobs kept in flight together; an
 * unprotect waits for an earlier packet of its stream still in flight.
 */
static unsigned int imb_burst(int protect, struct dp_srtp *const ctx[], uint8_t *const pkts[],
			      uint32_t lens[], uint32_t cap, enum dp_srtp_status st[],
			      unsigned int n)
{
	struct cm_run r;
	unsigned int ok = 0;

	if (n > IMB_BURST) /* the dispatcher chunks; stay correct if called otherwise */
		return imb_burst(protect, ctx, pkts, lens, cap, st, IMB_BURST) +
		       imb_burst(protect, ctx + IMB_BURST, pkts + IMB_BURST, lens + IMB_BURST, cap,
				 st + IMB_BURST, n - IMB_BURST);
	r.m = imb_mgr();
	r.n = 0;
	r.inflight = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct dp_srtp_imb *c = ctx[i] ? imb_ctx(ctx[i]) : NULL;
		struct cm_slot *s = &r.slot[r.n];

		st[i] = !c ? DP_SRTP_BAD_PARAM
		      : !r.m ? DP_SRTP_ERROR
		      : dp_srtp_check_args(pkts[i], &lens[i], cap,
					   protect ? ctx[i]->rtp_overhead : 0);
		if (st[i] != DP_SRTP_OK)
			continue;
		if (c->pi->aead) {
			st[i] = protect ? gcm_protect_rtp(r.m, c, pkts[i], &lens[i])
					: gcm_unprotect_rtp(r.m, c, pkts[i], &lens[i]);
			continue;
		}
		s->idx = 0;
		st[i] = protect ? cm_prep_protect_rtp(c, s, pkts[i], lens[i])
				: cm_prep_unprotect_rtp(c, s, pkts[i], lens[i]);
		/* a refusal (replay, or a length check behind the window check) may
		 * also depend on earlier packets of the stream: judged after them */
		if (!protect && r.inflight && lens[i] >= 12 &&
		    cm_conflict(&r, &c->rx, pkts[i], s->idx, st[i] != DP_SRTP_OK)) {
			/* undo the prep (the tag back in place), finish the others, redo */
			if (st[i] == DP_SRTP_OK)
				memcpy(pkts[i] + lens[i] - s->tag_len, s->want, s->tag_len);
			cm_drain(&r);
			st[i] = cm_prep_unprotect_rtp(c, s, pkts[i], lens[i]);
		}
		if (st[i] != DP_SRTP_OK)
			continue;
		s->pkt = pkts[i];
		s->len = &lens[i];
		s->st = &st[i];
		r.n++;
		cm_submit(&r, s);
	}
	cm_drain(&r);
	for (unsigned int i = 0; i < n; i++)
		ok += st[i] == DP_SRTP_OK;
	return ok;
}

static unsigned int imb_protect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					  uint32_t lens[], uint32_t cap,
					  enum dp_srtp_status st[], unsigned int n)
{
	return imb_burst(1, ctx, pkts, lens, cap, st, n);
}

static unsigned int imb_unprotect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					    uint32_t lens[], uint32_t cap,
					    enum dp_srtp_status st[], unsigned int n)
{
	return imb_burst(0, ctx, pkts, lens, cap, st, n);
}

int dp_srtp_imb_seek(struct dp_srtp *ctx, int tx, uint32_t ssrc, uint64_t rtp_top,
		     uint32_t rtcp_index, uint64_t rtp_uses)
{
	struct imb_session *sess;
	struct dp_srtp_stream *st;

	if (!ctx || ctx->ops != &dp_srtp_imb_ops || ctx->profile == SL_SRTP_NONE)
		return -EINVAL;
	sess = tx ? &imb_ctx(ctx)->tx : &imb_ctx(ctx)->rx;
	st = dp_srtp_stream_get(&sess->streams, ssrc);
	if (!st)
		return -EINVAL;
	memset(&st->rtp, 0, sizeof(st->rtp));
	st->rtp.top = rtp_top;
	st->rtp.seen[0] = 1;
	st->rtcp_tx_index = rtcp_index;
	sess->rtp_uses = rtp_uses;
	return 0;
}

/*
 * Out-of-place protect burst (dp_srtp_protect_rtp_burst_from()): AES-GCM
 * seals straight from the shared payload into dst; AES-CM moves the payload
 * behind the header and joins the burst's jobs (one job reads and writes
 * one buffer, and the HMAC covers what it wrote).
 */
static unsigned int imb_protect_rtp_burst_from(struct dp_srtp *const ctx[], uint8_t *const dst[],
					       const uint32_t hdr_lens[],
					       const uint8_t *const payload[],
					       const uint32_t plens[], uint32_t cap,
					       uint32_t out_lens[], enum dp_srtp_status st[],
					       unsigned int n)
{
	struct cm_run r;
	unsigned int ok = 0;

	if (n > IMB_BURST)
		return imb_protect_rtp_burst_from(ctx, dst, hdr_lens, payload, plens, cap, out_lens,
						  st, IMB_BURST) +
		       imb_protect_rtp_burst_from(ctx + IMB_BURST, dst + IMB_BURST,
						  hdr_lens + IMB_BURST, payload + IMB_BURST,
						  plens + IMB_BURST, cap, out_lens + IMB_BURST,
						  st + IMB_BURST, n - IMB_BURST);
	r.m = imb_mgr();
	r.n = 0;
	r.inflight = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct dp_srtp_imb *c = ctx[i] ? imb_ctx(ctx[i]) : NULL;
		struct cm_slot *s = &r.slot[r.n];
		uint32_t h = hdr_lens[i];

		st[i] = !c ? DP_SRTP_BAD_PARAM
		      : !r.m ? DP_SRTP_ERROR
		      : dp_srtp_check_from(dst[i], h, payload[i], plens[i], cap,
					   ctx[i]->rtp_overhead);
		if (st[i] != DP_SRTP_OK)
			continue;
		if (c->pi->aead) {
			st[i] = gcm_seal_rtp(r.m, c, dst[i], h, plens[i] ? payload[i] : dst[i] + h,
					     plens[i], &out_lens[i]);
			continue;
		}
		if (plens[i] && payload[i] != dst[i] + h)
			memmove(dst[i] + h, payload[i], plens[i]);
		st[i] = cm_prep_protect_rtp(c, s, dst[i], h + plens[i]);
		if (st[i] != DP_SRTP_OK)
			continue;
		s->pkt = dst[i];
		s->len = &out_lens[i];
		s->st = &st[i];
		r.n++;
		cm_submit(&r, s);
	}
	cm_drain(&r);
	for (unsigned int i = 0; i < n; i++)
		ok += st[i] == DP_SRTP_OK;
	return ok;
}

const struct dp_srtp_ops dp_srtp_imb_ops = {
	.name = "ipsec-mb",
	.global_init = imb_global_init,
	.create = imb_create,
	.wipe = imb_wipe,
	.destroy = imb_destroy,
	.protect_rtp = imb_protect_rtp,
	.unprotect_rtp = imb_unprotect_rtp,
	.protect_rtcp = imb_protect_rtcp,
	.unprotect_rtcp = imb_unprotect_rtcp,
	.protect_rtp_burst = imb_protect_rtp_burst,
	.unprotect_rtp_burst = imb_unprotect_rtp_burst,
	.protect_rtp_burst_from = imb_protect_rtp_burst_from,
};
