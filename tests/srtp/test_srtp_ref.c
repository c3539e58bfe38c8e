/* SPDX-License-Identifier: MIT */
/*
 * test_srtp_ref - known answers for the dp_srtp wrapper, so its tests are
 * not only self-consistent.
 *
 * This file holds a second, independent SRTP/SRTCP implementation written
 * from the RFCs on top of OpenSSL primitives (AES-ECB for the counter-mode
 * keystream and the key derivation, HMAC-SHA1, AES-GCM):
 *  - RFC 3711 4.3 key derivation (AES-CM PRF, key derivation rate 0),
 *  - RFC 3711 4.1.1 AES-CM IV, 4.2 HMAC-SHA1 over header||payload||ROC,
 *    3.4 SRTCP (E flag + 31-bit index, labels 3..5),
 *  - RFC 7714 8.1/9.1 AES-GCM IVs and AADs, SRTCP trailer after the tag.
 * The reference is first pinned to published vectors: RFC 3711 B.2 (AES-CM
 * keystream), B.3 (key derivation) and RFC 7714 16.1.1 (AES-128-GCM SRTP)
 * and 17.1.1-style SRTCP with AES-256-GCM. Then, for each of the four
 * profiles, packets protected by the engine under test (argv[1]: libsrtp
 * over NSS, or ipsec-mb) must equal the reference's bytes exactly, and
 * packets protected by the reference must unprotect through it to the
 * original.
 *
 * GCM key derivation: the 12-byte master salt is extended with two zero
 * bytes on the right to the 14-byte RFC 3711 salt before the AES-CM PRF.
 * That is the convention libsrtp (and so Chrome and Firefox) use; the
 * reference follows it rather than proves it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dp_srtp.h"

static int failures;
static const char *cur = "-";

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__, \
				cur, #cond);                                             \
			failures++;                                                      \
		}                                                                        \
	} while (0)

#define BUF 2048u

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue; /* spaces */
		if (hi < 0) {
			hi = v;
		} else {
			if (n == cap)
				abort();
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static int eq_hex(const uint8_t *b, size_t n, const char *hex)
{
	uint8_t want[256];
	size_t wn = unhex(hex, want, sizeof(want));

	return wn == n && memcmp(b, want, n) == 0;
}

static void dump(const char *what, const uint8_t *b, size_t n)
{
	fprintf(stderr, "  %s (%zu):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n    ", b[i]);
	fprintf(stderr, "\n");
}

/* ------------------------------------------------------------------ */
/* The reference implementation                                        */
/* ------------------------------------------------------------------ */

/* One AES block: out = AES_k(in). klen 16 or 32. */
static void aes_block(const uint8_t *k, size_t klen, const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	if (!c || EVP_EncryptInit_ex(c, klen == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb(),
				     NULL, k, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 || EVP_EncryptUpdate(c, out, &n, in, 16) != 1 ||
	    n != 16)
		abort();
	EVP_CIPHER_CTX_free(c);
}

/* AES counter mode as RFC 3711 4.1.1 defines it: block j of the keystream
 * is AES_k(iv + j), iv a 128-bit big-endian integer. buf ^= keystream. */
static void aes_cm_xor(const uint8_t *k, size_t klen, const uint8_t iv[16], uint8_t *buf,
		       size_t n)
{
	uint8_t ctr[16], ks[16];

	memcpy(ctr, iv, 16);
	for (size_t off = 0; off < n; off += 16) {
		aes_block(k, klen, ctr, ks);
		for (size_t i = 0; i < 16 && off + i < n; i++)
			buf[off + i] ^= ks[i];
		for (int i = 15; i >= 0 && ++ctr[i] == 0; i--)
			;
	}
}

/* RFC 3711 4.3.1/4.3.3 with kdr 0: x = (label || 0^48) XOR master_salt,
 * right-aligned in 112 bits; output = AES-CM keystream from IV x * 2^16. */
static void ref_prf(const uint8_t *mk, size_t mklen, const uint8_t salt14[14], uint8_t label,
		    uint8_t *out, size_t n)
{
	uint8_t iv[16] = { 0 };

	memcpy(iv, salt14, 14);
	iv[7] ^= label;
	memset(out, 0, n);
	aes_cm_xor(mk, mklen, iv, out, n);
}

struct ref_keys {
	int gcm;
	size_t klen;     /* session encryption key bytes: 16 or 32 */
	size_t rtp_tag;  /* bytes */
	size_t rtcp_tag; /* bytes */
	uint8_t rtp_k[32], rtp_a[20], rtp_s[14];
	uint8_t rtcp_k[32], rtcp_a[20], rtcp_s[14];
};

static void ref_derive(struct ref_keys *rk, enum sl_srtp_profile p, const uint8_t *master)
{
	uint8_t salt14[14] = { 0 };
	size_t mklen = p == SL_SRTP_AEAD_AES_256_GCM ? 32 : 16;
	size_t slen = p == SL_SRTP_AEAD_AES_128_GCM || p == SL_SRTP_AEAD_AES_256_GCM ? 12 : 14;

	memset(rk, 0, sizeof(*rk));
	rk->gcm = slen == 12;
	rk->klen = mklen;
	rk->rtp_tag = rk->gcm ? 16 : p == SL_SRTP_AES128_CM_SHA1_32 ? 4 : 10;
	rk->rtcp_tag = rk->gcm ? 16 : 10;
	memcpy(salt14, master + mklen, slen); /* GCM: zero-extended on the right */
	ref_prf(master, mklen, salt14, 0x00, rk->rtp_k, mklen);
	ref_prf(master, mklen, salt14, 0x01, rk->rtp_a, 20);
	ref_prf(master, mklen, salt14, 0x02, rk->rtp_s, slen);
	ref_prf(master, mklen, salt14, 0x03, rk->rtcp_k, mklen);
	ref_prf(master, mklen, salt14, 0x04, rk->rtcp_a, 20);
	ref_prf(master, mklen, salt14, 0x05, rk->rtcp_s, slen);
}

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

/* RTP header length (fixed part, CSRCs, extension); the test builds only
 * well-formed packets. */
static uint32_t rtp_hdr_len(const uint8_t *p)
{
	uint32_t n = 12u + 4u * (p[0] & 0x0fu);

	if (p[0] & 0x10u)
		n += 4u + 4u * ((uint32_t)p[n + 2] << 8 | p[n + 3]);
	return n;
}

static void hmac_sha1(const uint8_t key[20], const uint8_t *a, size_t an, const uint8_t *b,
		      size_t bn, uint8_t out[20])
{
	uint8_t *m = malloc(an + bn);
	unsigned int olen = 0;

	if (!m)
		abort();
	memcpy(m, a, an);
	if (bn)
		memcpy(m + an, b, bn);
	if (!HMAC(EVP_sha1(), key, 20, m, an + bn, out, &olen) || olen != 20)
		abort();
	free(m);
}

/* AES-GCM encrypt of buf[0..n) in place; appends the 16-byte tag at buf+n. */
static void gcm_seal(const uint8_t *k, size_t klen, const uint8_t iv[12], const uint8_t *aad,
		     size_t aadn, uint8_t *buf, size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int out = 0;

	if (!c ||
	    EVP_EncryptInit_ex(c, klen == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, NULL,
			       NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(c, NULL, NULL, k, iv) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &out, aad, (int)aadn) != 1)
		abort();
	if (n && EVP_EncryptUpdate(c, buf, &out, buf, (int)n) != 1)
		abort();
	if (EVP_EncryptFinal_ex(c, buf + n, &out) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, buf + n) != 1)
		abort();
	EVP_CIPHER_CTX_free(c);
}

/* SRTP protect of in[0..len) with packet index (roc << 16 | seq) into out;
 * returns the SRTP length. */
static uint32_t ref_srtp_protect(const struct ref_keys *rk, const uint8_t *in, uint32_t len,
				 uint32_t roc, uint8_t *out)
{
	uint32_t h = rtp_hdr_len(in);
	uint32_t ssrc = rd32(in + 8);
	uint16_t seq = (uint16_t)(in[2] << 8 | in[3]);

	memcpy(out, in, len);
	if (rk->gcm) {
		uint8_t iv[12] = { 0 };

		wr32(iv + 2, ssrc);
		wr32(iv + 6, roc);
		iv[10] = (uint8_t)(seq >> 8);
		iv[11] = (uint8_t)seq;
		for (int i = 0; i < 12; i++)
			iv[i] ^= rk->rtp_s[i];
		gcm_seal(rk->rtp_k, rk->klen, iv, out, h, out + h, len - h);
		return len + 16;
	}
	uint8_t iv[16] = { 0 }, rocb[4], mac[20];

	memcpy(iv, rk->rtp_s, 14);
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (int i = 0; i < 4; i++)
		iv[8 + i] ^= (uint8_t)(roc >> (24 - 8 * i));
	iv[12] ^= (uint8_t)(seq >> 8);
	iv[13] ^= (uint8_t)seq;
	aes_cm_xor(rk->rtp_k, rk->klen, iv, out + h, len - h);
	wr32(rocb, roc);
	hmac_sha1(rk->rtp_a, out, len, rocb, 4, mac);
	memcpy(out + len, mac, rk->rtp_tag);
	return len + (uint32_t)rk->rtp_tag;
}

/* SRTCP protect (encrypted, E=1) with the given 31-bit index. */
static uint32_t ref_srtcp_protect(const struct ref_keys *rk, const uint8_t *in, uint32_t len,
				  uint32_t index, uint8_t *out)
{
	uint32_t ssrc = rd32(in + 4);
	uint8_t e[4];

	wr32(e, 0x80000000u | index);
	memcpy(out, in, len);
	if (rk->gcm) {
		uint8_t iv[12] = { 0 }, aad[12];

		wr32(iv + 2, ssrc);
		wr32(iv + 8, index);
		for (int i = 0; i < 12; i++)
			iv[i] ^= rk->rtcp_s[i];
		memcpy(aad, in, 8);
		memcpy(aad + 8, e, 4);
		gcm_seal(rk->rtcp_k, rk->klen, iv, aad, 12, out + 8, len - 8);
		memcpy(out + len + 16, e, 4);
		return len + 20;
	}
	uint8_t iv[16] = { 0 }, mac[20];

	memcpy(iv, rk->rtcp_s, 14);
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (int i = 0; i < 4; i++)
		iv[10 + i] ^= (uint8_t)(index >> (24 - 8 * i));
	aes_cm_xor(rk->rtcp_k, rk->klen, iv, out + 8, len - 8);
	memcpy(out + len, e, 4);
	hmac_sha1(rk->rtcp_a, out, len + 4, NULL, 0, mac);
	memcpy(out + len + 4, mac, rk->rtcp_tag);
	return len + 4 + (uint32_t)rk->rtcp_tag;
}

/*
 * SRTCP without encryption (E=0, RFC 3711 3.4 / RFC 7714 9.2): AES-GCM
 * authenticates all of the packet and the trailer as AAD (no ciphertext);
 * AES-CM leaves the payload in clear under the HMAC.
 */
static uint32_t ref_srtcp_protect_clear(const struct ref_keys *rk, const uint8_t *in,
					uint32_t len, uint32_t index, uint8_t *out)
{
	uint8_t e[4], mac[20];

	wr32(e, index);
	memcpy(out, in, len);
	if (rk->gcm) {
		uint8_t iv[12] = { 0 }, aad[BUF];

		wr32(iv + 2, rd32(in + 4));
		wr32(iv + 8, index);
		for (int i = 0; i < 12; i++)
			iv[i] ^= rk->rtcp_s[i];
		memcpy(aad, in, len);
		memcpy(aad + len, e, 4);
		gcm_seal(rk->rtcp_k, rk->klen, iv, aad, len + 4, out + len, 0);
		memcpy(out + len + 16, e, 4);
		return len + 20;
	}
	memcpy(out + len, e, 4);
	hmac_sha1(rk->rtcp_a, out, len + 4, NULL, 0, mac);
	memcpy(out + len + 4, mac, rk->rtcp_tag);
	return len + 4 + (uint32_t)rk->rtcp_tag;
}

/* ------------------------------------------------------------------ */
/* The reference against published vectors                            */
/* ------------------------------------------------------------------ */

static void test_rfc3711_b2(void)
{
	uint8_t k[16], salt[14], iv[16] = { 0 }, ks[48] = { 0 };

	cur = "RFC 3711 B.2";
	unhex("2B7E151628AED2A6ABF7158809CF4F3C", k, sizeof(k));
	unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", salt, sizeof(salt));
	memcpy(iv, salt, 14); /* SSRC 0, index 0 */
	aes_cm_xor(k, 16, iv, ks, sizeof(ks));
	CHECK(eq_hex(ks, 48, "E03EAD0935C95E80E166B16DD92B4EB4"
			     "D23513162B02D0F72A43A2FE4A5F97AB"
			     "41E95B3BB0A2E8DD477901E4FCA894C0"));
}

static void test_rfc3711_b3(void)
{
	uint8_t mk[16], ms[14], ck[16], cs[14], ak[20];

	cur = "RFC 3711 B.3";
	unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk, sizeof(mk));
	unhex("0EC675AD498AFEEBB6960B3AABE6", ms, sizeof(ms));
	ref_prf(mk, 16, ms, 0x00, ck, sizeof(ck));
	ref_prf(mk, 16, ms, 0x02, cs, sizeof(cs));
	ref_prf(mk, 16, ms, 0x01, ak, sizeof(ak));
	CHECK(eq_hex(ck, 16, "C61E7A93744F39EE10734AFE3FF7A087"));
	CHECK(eq_hex(cs, 14, "30CBBC08863D8C85D49DB34A9AE1"));
	CHECK(eq_hex(ak, 20, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

/* RFC 7714: session key and salt given directly (no KDF). */
static void test_rfc7714(void)
{
	static const char *rtp = "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f"
				 "6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573";
	static const char *rtcp = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
				  "0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef"
				  "deadbeef";
	struct ref_keys rk;
	uint8_t in[128], out[160];
	uint32_t n, olen;

	memset(&rk, 0, sizeof(rk));
	rk.gcm = 1;
	unhex("517569642070726f2071756f", rk.rtp_s, 12);
	memcpy(rk.rtcp_s, rk.rtp_s, 12);

	cur = "RFC 7714 16.1.1";
	rk.klen = 16;
	unhex("000102030405060708090a0b0c0d0e0f", rk.rtp_k, 16);
	n = (uint32_t)unhex(rtp, in, sizeof(in));
	olen = ref_srtp_protect(&rk, in, n, 0, out);
	CHECK(eq_hex(out, olen, "8040f17b 8041f8d3 5501a0b2"
				"f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a"
				"51c7d19b 36de3adf 8833 899d7f27 beb16a91 52cf765e e4390cce"));

	cur = "RFC 7714 SRTCP AES-256-GCM";
	rk.klen = 32;
	unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", rk.rtcp_k,
	      32);
	n = (uint32_t)unhex(rtcp, in, sizeof(in));
	olen = ref_srtcp_protect(&rk, in, n, 0x5d4, out);
	CHECK(eq_hex(out, olen, "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28"
				"2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047"
				"6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4"));
}

/* ------------------------------------------------------------------ */
/* The wrapper against the reference                                   */
/* ------------------------------------------------------------------ */

static const enum sl_srtp_profile profiles[] = {
	SL_SRTP_AES128_CM_SHA1_80,
	SL_SRTP_AES128_CM_SHA1_32,
	SL_SRTP_AEAD_AES_128_GCM,
	SL_SRTP_AEAD_AES_256_GCM,
};

static const char *pname(enum sl_srtp_profile p)
{
	switch (p) {
	case SL_SRTP_AES128_CM_SHA1_80: return "AES128_CM_SHA1_80";
	case SL_SRTP_AES128_CM_SHA1_32: return "AES128_CM_SHA1_32";
	case SL_SRTP_AEAD_AES_128_GCM: return "AEAD_AES_128_GCM";
	default: return "AEAD_AES_256_GCM";
	}
}

static uint32_t build_rtp(uint8_t *b, uint16_t seq, uint32_t ssrc, unsigned int ncsrc,
			  unsigned int ext_words, uint32_t plen)
{
	uint32_t off = 12;

	b[0] = (uint8_t)(0x80u | (ext_words ? 0x10u : 0) | ncsrc);
	b[1] = (uint8_t)(96u | (seq & 1u ? 0x80u : 0));
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	wr32(b + 4, 0x01000000u + seq * 90u);
	wr32(b + 8, ssrc);
	for (unsigned int i = 0; i < ncsrc; i++, off += 4)
		wr32(b + off, 0xc0000000u + i);
	if (ext_words) {
		b[off] = 0xbe;
		b[off + 1] = 0xde;
		b[off + 2] = 0;
		b[off + 3] = (uint8_t)ext_words;
		off += 4;
		for (unsigned int i = 0; i < 4 * ext_words; i++)
			b[off++] = (uint8_t)(0x22u + i);
	}
	for (uint32_t i = 0; i < plen; i++)
		b[off + i] = (uint8_t)(i * 13u + seq);
	return off + plen;
}

static uint32_t build_rtcp(uint8_t *b, uint32_t ssrc, uint32_t words)
{
	b[0] = 0x80;
	b[1] = 201; /* RR, RC=0, then opaque report words */
	b[2] = (uint8_t)(words >> 8);
	b[3] = (uint8_t)words;
	wr32(b + 4, ssrc);
	for (uint32_t i = 8; i < 4 + 4 * words; i++)
		b[i] = (uint8_t)(i * 7u + ssrc);
	return 4 + 4 * words;
}

static void master_for(uint8_t *m, uint8_t seed)
{
	for (unsigned int i = 0; i < SL_SRTP_MASTER_MAX; i++)
		m[i] = (uint8_t)(seed ^ (i * 29u + 7u));
}

/* Wrapper protect == reference protect, byte for byte; reference-protected
 * packets unprotect through the wrapper. RTP over a ROC wrap, several
 * header shapes and sizes, two SSRCs. */
static void test_rtp_cross(enum sl_srtp_profile p)
{
	static const uint32_t sizes[] = { 0, 1, 31, 160, 1200 };
	uint8_t mk_tx[SL_SRTP_MASTER_MAX], mk_rx[SL_SRTP_MASTER_MAX], kl, sl;
	uint8_t plain[BUF], got[BUF], want[BUF];
	struct dp_srtp *ctx = NULL;
	struct ref_keys tx, rx;

	master_for(mk_tx, 0x3c);
	master_for(mk_rx, 0xa7);
	if (dp_srtp_key_lengths(p, &kl, &sl) != 0 ||
	    dp_srtp_create(&ctx, p, mk_rx, mk_tx, kl, sl) != DP_SRTP_OK) {
		CHECK(!"create");
		return;
	}
	ref_derive(&tx, p, mk_tx);
	ref_derive(&rx, p, mk_rx);
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t ext_seq = 65516u + i; /* crosses 65535 -> 0 at i == 20 */
		uint16_t seq = (uint16_t)ext_seq;
		uint32_t roc = ext_seq >> 16;
		uint32_t ssrc = i % 2 ? 0x8badf00d : 0x00c0ffee;
		uint32_t len = build_rtp(plain, seq, ssrc, i % 3 == 1 ? 2 : 0, i % 4 == 3 ? 2 : 0,
					 sizes[i % 5]);
		uint32_t glen = len, wlen;

		memcpy(got, plain, len);
		CHECK(dp_srtp_protect_rtp(ctx, got, &glen, BUF) == DP_SRTP_OK);
		wlen = ref_srtp_protect(&tx, plain, len, roc, want);
		CHECK(glen == wlen && memcmp(got, want, wlen) == 0);
		if (glen != wlen || memcmp(got, want, wlen) != 0) {
			dump("wrapper", got, glen);
			dump("reference", want, wlen);
		}
		/* the other way: the reference (as the remote) sends, we unprotect */
		wlen = ref_srtp_protect(&rx, plain, len, roc, want);
		CHECK(dp_srtp_unprotect_rtp(ctx, want, &wlen, BUF) == DP_SRTP_OK);
		CHECK(wlen == len && memcmp(want, plain, len) == 0);
	}
	/* a reference packet with the wrong ROC does not authenticate */
	{
		uint32_t len = build_rtp(plain, 30, 0x00c0ffee, 0, 0, 50);
		uint32_t wlen = ref_srtp_protect(&rx, plain, len, 7, want);

		CHECK(dp_srtp_unprotect_rtp(ctx, want, &wlen, BUF) == DP_SRTP_AUTH_FAIL);
	}
	dp_srtp_destroy(ctx);
}

/* SRTCP: the wrapper's output equals the reference at the index the
 * wrapper chose (E set, index increasing by one per packet of an SSRC);
 * reference packets at chosen indexes unprotect through the wrapper. */
static void test_rtcp_cross(enum sl_srtp_profile p)
{
	uint8_t mk_tx[SL_SRTP_MASTER_MAX], mk_rx[SL_SRTP_MASTER_MAX], kl, sl;
	uint8_t plain[BUF], got[BUF], want[BUF];
	static const uint32_t rx_index[] = { 1, 2, 5, 4, 1000, 0x7ffffff0 };
	struct dp_srtp *ctx = NULL;
	struct ref_keys tx, rx;
	uint32_t prev = 0;

	master_for(mk_tx, 0x51);
	master_for(mk_rx, 0x19);
	if (dp_srtp_key_lengths(p, &kl, &sl) != 0 ||
	    dp_srtp_create(&ctx, p, mk_rx, mk_tx, kl, sl) != DP_SRTP_OK) {
		CHECK(!"create");
		return;
	}
	ref_derive(&tx, p, mk_tx);
	ref_derive(&rx, p, mk_rx);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t len = build_rtcp(plain, 0x1234abcd, 1 + 3 * i);
		uint32_t glen = len, wlen, e;

		memcpy(got, plain, len);
		CHECK(dp_srtp_protect_rtcp(ctx, got, &glen, BUF) == DP_SRTP_OK);
		CHECK(glen == len + 4 + (uint32_t)tx.rtcp_tag);
		e = rd32(got + (tx.gcm ? len + 16 : len));
		CHECK(e & 0x80000000u);
		CHECK(i == 0 || (e & 0x7fffffffu) == prev + 1);
		prev = e & 0x7fffffffu;
		wlen = ref_srtcp_protect(&tx, plain, len, prev, want);
		CHECK(glen == wlen && memcmp(got, want, wlen) == 0);
		if (glen != wlen || memcmp(got, want, wlen) != 0) {
			dump("wrapper", got, glen);
			dump("reference", want, wlen);
		}
	}
	for (size_t i = 0; i < sizeof(rx_index) / sizeof(rx_index[0]); i++) {
		uint32_t len = build_rtcp(plain, 0x0eeeeee0, 6);
		uint32_t wlen = ref_srtcp_protect(&rx, plain, len, rx_index[i], want);
		int repeat = i == 1; /* deliver index 2 twice */

		CHECK(dp_srtp_unprotect_rtcp(ctx, want, &wlen, BUF) == DP_SRTP_OK);
		CHECK(wlen == len && memcmp(want, plain, len) == 0);
		if (repeat) {
			wlen = ref_srtcp_protect(&rx, plain, len, rx_index[i], want);
			CHECK(dp_srtp_unprotect_rtcp(ctx, want, &wlen, BUF) == DP_SRTP_REPLAY);
		}
	}
	/* E=0: GCM accepts it (authenticated, not encrypted), as libsrtp does;
	 * AES-CM refuses it (libsrtp: cant_check, our ERROR) since the session
	 * is configured to encrypt; a forged one fails either way */
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t len = build_rtcp(plain, 0x0ccccccc, 2 + i);
		uint32_t wlen = ref_srtcp_protect_clear(&rx, plain, len, 20 + i, want);
		enum dp_srtp_status st;

		if (i == 2)
			want[9] ^= 1;
		st = dp_srtp_unprotect_rtcp(ctx, want, &wlen, BUF);
		if (i == 2)
			CHECK(st != DP_SRTP_OK);
		else if (rx.gcm)
			CHECK(st == DP_SRTP_OK && wlen == len && memcmp(want, plain, len) == 0);
		else
			CHECK(st == DP_SRTP_ERROR);
	}
	dp_srtp_destroy(ctx);
}

/* argv[1]: the engine under test ("ipsec-mb" or "libsrtp"); default: the default. */
int main(int argc, char **argv)
{
	if (dp_srtp_global_init() != 0 ||
	    (argc > 1 && dp_srtp_set_engine(argv[1]) != 0)) {
		fprintf(stderr, "test_srtp_ref: engine %s not available\n", argc > 1 ? argv[1] : "-");
		return 1;
	}
	printf("test_srtp_ref: engine %s\n", dp_srtp_engine_name());
	if (dp_srtp_global_init() != 0) {
		fprintf(stderr, "dp_srtp_global_init failed\n");
		return 1;
	}
	test_rfc3711_b2();
	test_rfc3711_b3();
	test_rfc7714();
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		cur = pname(profiles[i]);
		test_rtp_cross(profiles[i]);
		test_rtcp_cross(profiles[i]);
	}
	if (failures) {
		fprintf(stderr, "test_srtp_ref: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_srtp_ref: all checks passed\n");
	return 0;
}
