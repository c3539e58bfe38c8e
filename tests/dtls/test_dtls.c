/* SPDX-License-Identifier: MIT */
/*
 * test_dtls.c - unit tests of the control plane's DTLS-SRTP endpoint.
 *
 * Everything runs in memory on a logical clock: datagrams are queued by the
 * send callbacks and delivered by the test. Besides two cp_dtls endpoints
 * talking to each other, a plain OpenSSL DTLS client (this file may include
 * ssl.h) and a hand-built Chromium-like DTLS-1.3-capable ClientHello play
 * the peer.
 */
#include "cp_dtls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static int failures;

#define CHECK(c)                                                                       \
	do {                                                                           \
		if (!(c)) {                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                                    \
		}                                                                      \
	} while (0)

#define T0 1000u /* logical start time, ms */

/* ------------------------------------------------------------------ */
/* Datagram queues and endpoint wrappers                               */
/* ------------------------------------------------------------------ */

#define DQ_MAX 512

struct dq {
	uint8_t *buf[DQ_MAX];
	size_t len[DQ_MAX];
	size_t head, n;
};

static void dq_push(struct dq *q, const uint8_t *p, size_t n)
{
	if (q->n >= DQ_MAX) {
		fprintf(stderr, "datagram queue overflow\n");
		abort();
	}
	size_t i = (q->head + q->n) % DQ_MAX;
	q->buf[i] = malloc(n ? n : 1);
	memcpy(q->buf[i], p, n);
	q->len[i] = n;
	q->n++;
}

/* Pops into *p (caller frees). false when empty. */
static bool dq_pop(struct dq *q, uint8_t **p, size_t *n)
{
	if (!q->n)
		return false;
	*p = q->buf[q->head];
	*n = q->len[q->head];
	q->head = (q->head + 1) % DQ_MAX;
	q->n--;
	return true;
}

static void dq_clear(struct dq *q)
{
	uint8_t *p;
	size_t n;
	while (dq_pop(q, &p, &n))
		free(p);
}

struct ep {
	struct cp_dtls *d;
	struct dq out;
	size_t mtu;
	size_t max_sent;
	unsigned sent;
	int connected;
	struct sl_msg_srtp_keys keys;
	int failed;
	char reason[1024];
	bool free_in_cb;
};

static void ep_send(void *u, const uint8_t *p, size_t n)
{
	struct ep *e = u;
	CHECK(n > 0 && n <= e->mtu);
	if (n > e->max_sent)
		e->max_sent = n;
	e->sent++;
	dq_push(&e->out, p, n);
}

static void ep_connected(void *u, const struct sl_msg_srtp_keys *k)
{
	struct ep *e = u;
	e->connected++;
	e->keys = *k;
	if (e->free_in_cb) {
		cp_dtls_free(e->d); /* deferred by the endpoint */
		e->d = NULL;
	}
}

static void ep_failed(void *u, const char *reason)
{
	struct ep *e = u;
	e->failed++;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	CHECK(reason && reason[0]);
}

static void ep_init(struct ep *e, const struct cp_dtls_cert *cert)
{
	memset(e, 0, sizeof(*e));
	e->mtu = CP_DTLS_MTU_DEFAULT;
	struct cp_dtls_cb cb = { ep_send, ep_connected, ep_failed, e };
	e->d = cp_dtls_new(cert, &cb);
	CHECK(e->d != NULL);
}

static void ep_fini(struct ep *e)
{
	cp_dtls_free(e->d);
	e->d = NULL;
	dq_clear(&e->out);
}

/* Delivers queued datagrams both ways until both queues are empty. */
static void pump(struct ep *a, struct ep *b, uint64_t now)
{
	for (int i = 0; i < 1000 && (a->out.n || b->out.n); i++) {
		uint8_t *p;
		size_t n;
		if (dq_pop(&a->out, &p, &n)) {
			if (b->d)
				cp_dtls_feed(b->d, p, n, now);
			free(p);
		}
		if (dq_pop(&b->out, &p, &n)) {
			if (a->d)
				cp_dtls_feed(a->d, p, n, now);
			free(p);
		}
	}
	CHECK(a->out.n == 0 && b->out.n == 0);
}

static bool keys_equal(const uint8_t *x, const uint8_t *y, const struct sl_msg_srtp_keys *k)
{
	return memcmp(x, y, (size_t)k->key_len + k->salt_len) == 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* OpenSSL helpers of the test                                         */
/* ------------------------------------------------------------------ */

static void fp_of(X509 *x, const EVP_MD *md, char *out, size_t outlen)
{
	uint8_t b[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	CHECK(X509_digest(x, md, b, &n) == 1);
	size_t o = 0;
	for (unsigned i = 0; i < n && o + 4 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%02X", i ? ":" : "", b[i]);
}

static EVP_PKEY *test_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	CHECK(k != NULL);
	return k;
}

static X509 *test_cert(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	CHECK(X509_sign(x, k, EVP_sha256()) > 0);
	return x;
}

/* Calls f for every DTLS record of buf (header + body). */
static unsigned for_each_record(const uint8_t *p, size_t n,
				void (*f)(void *u, const uint8_t *rec, size_t len), void *u)
{
	unsigned count = 0;
	while (n >= 13) {
		size_t len = 13u + ((size_t)p[11] << 8 | p[12]);
		if (len > n)
			break;
		if (f)
			f(u, p, len);
		count++;
		p += len;
		n -= len;
	}
	return count;
}

/* ------------------------------------------------------------------ */
/* 1. two endpoints, every SRTP profile                                */
/* ------------------------------------------------------------------ */

/* A (client: remote says "server") and B (server: remote says "client"). */
static void handshake_pair(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_,
			   struct ep *a, struct ep *b, uint16_t force)
{
	ep_init(a, ca);
	ep_init(b, cb_);
	if (force) {
		CHECK(cp_dtls_set_srtp_profiles(a->d, &force, 1) == 0);
		CHECK(cp_dtls_set_srtp_profiles(b->d, &force, 1) == 0);
	}
	CHECK(cp_dtls_state(a->d) == CP_DTLS_NEW);
	CHECK(cp_dtls_set_remote(b->d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_role(b->d) == CP_DTLS_ROLE_SERVER);
	CHECK(b->out.n == 0); /* a server waits */
	CHECK(cp_dtls_set_remote(a->d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(cp_dtls_role(a->d) == CP_DTLS_ROLE_CLIENT);
	CHECK(a->out.n >= 1); /* ClientHello */
	CHECK(cp_dtls_state(a->d) == CP_DTLS_CONNECTING);
	pump(a, b, T0);
}

static void check_pair_keys(const struct ep *a, const struct ep *b, uint16_t profile)
{
	CHECK(a->connected == 1 && b->connected == 1);
	CHECK(a->failed == 0 && b->failed == 0);
	CHECK(cp_dtls_state(a->d) == CP_DTLS_CONNECTED);
	CHECK(cp_dtls_state(b->d) == CP_DTLS_CONNECTED);
	CHECK(a->keys.profile == profile && b->keys.profile == profile);
	unsigned kl = profile == SL_SRTP_AEAD_AES_256_GCM ? 32 : 16;
	unsigned sl = (profile == SL_SRTP_AEAD_AES_128_GCM || profile == SL_SRTP_AEAD_AES_256_GCM)
			      ? 12 : 14;
	CHECK(a->keys.key_len == kl && a->keys.salt_len == sl);
	CHECK(b->keys.key_len == kl && b->keys.salt_len == sl);
	CHECK(keys_equal(a->keys.tx, b->keys.rx, &a->keys));
	CHECK(keys_equal(a->keys.rx, b->keys.tx, &a->keys));
	CHECK(!keys_equal(a->keys.tx, a->keys.rx, &a->keys));
	CHECK(!all_zero(a->keys.tx, kl) && !all_zero(a->keys.rx, kl));
	/* nothing past key || salt */
	CHECK(all_zero(a->keys.tx + kl + sl, SL_SRTP_MASTER_MAX - kl - sl));
	CHECK(all_zero(b->keys.rx + kl + sl, SL_SRTP_MASTER_MAX - kl - sl));
}

static void test_pair_profiles(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_)
{
	static const uint16_t profiles[] = { SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AES128_CM_SHA1_32,
					     SL_SRTP_AEAD_AES_128_GCM, SL_SRTP_AEAD_AES_256_GCM };
	for (size_t i = 0; i < 4; i++) {
		struct ep a, b;
		handshake_pair(ca, cb_, &a, &b, profiles[i]);
		check_pair_keys(&a, &b, profiles[i]);
		CHECK(a.max_sent <= CP_DTLS_MTU_DEFAULT && b.max_sent <= CP_DTLS_MTU_DEFAULT);
		CHECK(cp_dtls_next_timeout_ms(a.d) == 0 && cp_dtls_next_timeout_ms(b.d) == 0);
		ep_fini(&a);
		ep_fini(&b);
	}
	/* default preference: AEAD_AES_128_GCM */
	struct ep a, b;
	handshake_pair(ca, cb_, &a, &b, 0);
	check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_128_GCM);
	ep_fini(&a);
	ep_fini(&b);

	/* the server's preference wins over the client's order */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	uint16_t cl[] = { SL_SRTP_AES128_CM_SHA1_80, SL_SRTP_AEAD_AES_256_GCM };
	uint16_t sv[] = { SL_SRTP_AEAD_AES_256_GCM, SL_SRTP_AES128_CM_SHA1_80 };
	CHECK(cp_dtls_set_srtp_profiles(a.d, cl, 2) == 0);
	CHECK(cp_dtls_set_srtp_profiles(b.d, sv, 2) == 0);
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_256_GCM);
	/* options are refused once the role is known */
	CHECK(cp_dtls_set_srtp_profiles(a.d, cl, 1) == -EBUSY);
	CHECK(cp_dtls_set_mtu(a.d, 1000) == -EBUSY);
	ep_fini(&a);
	ep_fini(&b);

	/* no common profile -> both fail with a reason */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	uint16_t only80 = SL_SRTP_AES128_CM_SHA1_80, onlygcm = SL_SRTP_AEAD_AES_128_GCM;
	CHECK(cp_dtls_set_srtp_profiles(a.d, &only80, 1) == 0);
	CHECK(cp_dtls_set_srtp_profiles(b.d, &onlygcm, 1) == 0);
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	CHECK(a.connected == 0 && b.connected == 0);
	CHECK(cp_dtls_state(b.d) == CP_DTLS_FAILED && b.failed == 1);
	CHECK(strstr(b.reason, "SRTP") != NULL);
	CHECK(cp_dtls_state(a.d) != CP_DTLS_CONNECTED);
	ep_fini(&a);
	ep_fini(&b);
}

/* Small MTU on both endpoints: flights are cut to fit. */
static void test_pair_small_mtu(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_)
{
	struct ep a, b;
	ep_init(&a, ca);
	ep_init(&b, cb_);
	a.mtu = b.mtu = 300;
	CHECK(cp_dtls_set_mtu(a.d, 300) == 0 && cp_dtls_set_mtu(b.d, 300) == 0);
	CHECK(cp_dtls_set_mtu(a.d, 100) == -EINVAL);
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_128_GCM);
	CHECK(a.max_sent <= 300 && b.max_sent <= 300);
	CHECK(b.sent >= 3); /* the server's flight needed several datagrams */
	ep_fini(&a);
	ep_fini(&b);
}

/* ------------------------------------------------------------------ */
/* 2. role resolution, early ClientHello, deferred fingerprint         */
/* ------------------------------------------------------------------ */

static void test_roles(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_)
{
	struct ep a, b;
	/* remote "auto" -> we are client (mediasoup: ICE-lite is controlled) */
	ep_init(&a, ca);
	CHECK(cp_dtls_role(a.d) == CP_DTLS_ROLE_AUTO);
	CHECK(cp_dtls_set_remote(a.d, "auto", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(cp_dtls_role(a.d) == CP_DTLS_ROLE_CLIENT);
	CHECK(a.out.n >= 1);
	ep_fini(&a);
	ep_init(&a, ca);
	CHECK(cp_dtls_set_remote(a.d, NULL, "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(cp_dtls_role(a.d) == CP_DTLS_ROLE_CLIENT);
	ep_fini(&a);

	/* ClientHello before connect-transport: B becomes server, finishes the
	 * handshake, and only connects once the fingerprint is known ("auto"
	 * keeps it server). */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	CHECK(cp_dtls_role(b.d) == CP_DTLS_ROLE_SERVER);
	CHECK(a.connected == 1); /* the client verified B */
	CHECK(b.connected == 0 && cp_dtls_state(b.d) == CP_DTLS_CONNECTING);
	CHECK(cp_dtls_next_timeout_ms(b.d) == T0 + CP_DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS);
	CHECK(cp_dtls_set_remote(b.d, "auto", "SHA-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_role(b.d) == CP_DTLS_ROLE_SERVER);
	check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_128_GCM);
	ep_fini(&a);
	ep_fini(&b);

	/* same, but the late fingerprint is wrong: B fails, and its
	 * close_notify closes A */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(cp_dtls_state(b.d) == CP_DTLS_FAILED && b.failed == 1 && b.connected == 0);
	CHECK(strstr(b.reason, "fingerprint mismatch") != NULL);
	pump(&a, &b, T0);
	CHECK(cp_dtls_state(a.d) == CP_DTLS_CLOSED && a.failed == 1);
	CHECK(strstr(a.reason, "close_notify") != NULL);
	ep_fini(&a);
	ep_fini(&b);

	/* ClientHello first, then remote says "server": B restarts as client
	 * and a fresh handshake with a server-role peer works */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	uint8_t *p = NULL;
	size_t n = 0;
	CHECK(dq_pop(&a.out, &p, &n));
	CHECK(cp_dtls_feed(b.d, p, n, T0) == 0);
	free(p);
	CHECK(cp_dtls_role(b.d) == CP_DTLS_ROLE_SERVER);
	dq_clear(&a.out);
	dq_clear(&b.out);
	ep_fini(&a);
	ep_init(&a, ca);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(cp_dtls_set_remote(b.d, "server", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_role(b.d) == CP_DTLS_ROLE_CLIENT);
	pump(&a, &b, T0);
	check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_128_GCM);
	ep_fini(&a);
	ep_fini(&b);
}

/* ------------------------------------------------------------------ */
/* 3. fingerprints: mismatch, formats, algorithms, bad arguments        */
/* ------------------------------------------------------------------ */

static void test_fingerprints(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_,
			      X509 *xa, X509 *xb)
{
	struct ep a, b;
	/* the client is told a wrong server fingerprint (A's own) */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	pump(&a, &b, T0);
	CHECK(a.connected == 0 && b.connected == 0);
	CHECK(cp_dtls_state(a.d) == CP_DTLS_FAILED && a.failed == 1);
	CHECK(strstr(a.reason, "fingerprint mismatch") != NULL);
	CHECK(strstr(a.reason, cp_dtls_cert_fingerprint(cb_)) != NULL); /* what we got */
	CHECK(cp_dtls_state(b.d) == CP_DTLS_FAILED && b.failed == 1);
	CHECK(strstr(b.reason, "alert") != NULL);
	printf("  client mismatch: A: %s\n  B: %s\n", a.reason, b.reason);
	ep_fini(&a);
	ep_fini(&b);

	/* the server is told a wrong client fingerprint */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	CHECK(b.connected == 0 && cp_dtls_state(b.d) == CP_DTLS_FAILED && b.failed == 1);
	CHECK(strstr(b.reason, "fingerprint mismatch") != NULL);
	CHECK(a.connected == 0 && cp_dtls_state(a.d) == CP_DTLS_FAILED && a.failed == 1);
	ep_fini(&a);
	ep_fini(&b);

	/* other algorithms and spellings of the value */
	static const char *algs[] = { "sha-1", "sha-384", "sha-512", "sha-224" };
	const EVP_MD *mds[] = { EVP_sha1(), EVP_sha384(), EVP_sha512(), EVP_sha224() };
	for (size_t i = 0; i < 4; i++) {
		char fa[256], fb[256];
		fp_of(xa, mds[i], fa, sizeof(fa));
		fp_of(xb, mds[i], fb, sizeof(fb));
		if (i == 1) { /* lower case, no colons */
			char *o = fa;
			for (char *s = fa; *s; s++)
				if (*s != ':')
					*o++ = (char)(*s >= 'A' && *s <= 'F' ? *s + 32 : *s);
			*o = '\0';
		}
		ep_init(&a, ca);
		ep_init(&b, cb_);
		CHECK(cp_dtls_set_remote(b.d, "client", algs[i], fa) == 0);
		CHECK(cp_dtls_set_remote(a.d, "server", algs[i], fb) == 0);
		pump(&a, &b, T0);
		check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_128_GCM);
		ep_fini(&a);
		ep_fini(&b);
	}

	/* bad arguments change nothing */
	const char *fp = cp_dtls_cert_fingerprint(cb_);
	ep_init(&a, ca);
	CHECK(cp_dtls_set_remote(a.d, "both", "sha-256", fp) == -EINVAL);
	CHECK(cp_dtls_set_remote(a.d, "client", "md5", fp) == -EOPNOTSUPP);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", "") == -EBADMSG);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", "AB:CD") == -EBADMSG);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-1", fp) == -EBADMSG);
	char bad[128];
	snprintf(bad, sizeof(bad), "%s", fp);
	bad[4] = 'G';
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", bad) == -EBADMSG);
	snprintf(bad, sizeof(bad), "%s:", fp);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", bad) == -EBADMSG);
	snprintf(bad, sizeof(bad), "%s", fp);
	bad[2] = '-';
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", bad) == -EBADMSG);
	CHECK(cp_dtls_set_remote(a.d, "client", NULL, fp) == -EINVAL);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", NULL) == -EINVAL);
	CHECK(cp_dtls_state(a.d) == CP_DTLS_NEW && a.out.n == 0);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", fp) == 0);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", fp) == -EALREADY);
	ep_fini(&a);
}

/* ------------------------------------------------------------------ */
/* 4. a raw OpenSSL client: fragmented, oversized ClientHello          */
/* ------------------------------------------------------------------ */

#define BIG_EXT_TYPE 0x4a4a
#define BIG_EXT_LEN 1300

static uint8_t big_ext[BIG_EXT_LEN];

static int big_ext_add(SSL *s, unsigned int ext_type, unsigned int context,
		       const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
		       int *al, void *add_arg)
{
	*out = big_ext;
	*outlen = sizeof(big_ext);
	return 1;
}

static int accept_any(int ok, X509_STORE_CTX *xs)
{
	return 1;
}

struct raw {
	SSL_CTX *ctx;
	SSL *ssl;
	X509 *cert;
	EVP_PKEY *key;
};

static void raw_new(struct raw *r, long mtu, bool big)
{
	r->key = test_key();
	r->cert = test_cert(r->key, "raw-client");
	r->ctx = SSL_CTX_new(DTLS_client_method());
	CHECK(SSL_CTX_use_certificate(r->ctx, r->cert) == 1);
	CHECK(SSL_CTX_use_PrivateKey(r->ctx, r->key) == 1);
	CHECK(SSL_CTX_set_tlsext_use_srtp(r->ctx, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM") == 0);
	SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, accept_any);
	/* many groups and suites make the hello bigger too */
	CHECK(SSL_CTX_set1_groups_list(r->ctx, "P-256:X25519:P-384:P-521:X448:ffdhe2048") == 1);
	if (big) {
		memset(big_ext, 0x5a, sizeof(big_ext));
		CHECK(SSL_CTX_add_custom_ext(r->ctx, BIG_EXT_TYPE, SSL_EXT_CLIENT_HELLO, big_ext_add,
					     NULL, NULL, NULL, NULL) == 1);
	}
	r->ssl = SSL_new(r->ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(rb, -1);
	BIO_set_mem_eof_return(wb, -1);
	SSL_set_bio(r->ssl, rb, wb);
	SSL_set_options(r->ssl, SSL_OP_NO_QUERY_MTU);
	CHECK(SSL_set_mtu(r->ssl, mtu) > 0);
	SSL_set_connect_state(r->ssl);
}

static void raw_free(struct raw *r)
{
	SSL_free(r->ssl);
	SSL_CTX_free(r->ctx);
	X509_free(r->cert);
	EVP_PKEY_free(r->key);
}

struct ch_stats {
	unsigned records;
	size_t hello_len;
	size_t max_record;
};

static void ch_record(void *u, const uint8_t *rec, size_t len)
{
	struct ch_stats *st = u;
	if (len > st->max_record)
		st->max_record = len;
	if (rec[0] == 22 && len >= 13 + 12 && rec[13] == 1) {
		st->records++;
		st->hello_len = (size_t)rec[14] << 16 | (size_t)rec[15] << 8 | rec[16];
	}
}

/* Moves what the raw client wrote to the server, one record per datagram. */
static void raw_to_server(struct raw *r, struct ep *server, struct ch_stats *st)
{
	BIO *wb = SSL_get_wbio(r->ssl);
	char *data;
	long n = BIO_get_mem_data(wb, &data);
	const uint8_t *p = (const uint8_t *)data;
	if (st)
		for_each_record(p, (size_t)n, ch_record, st);
	while (n >= 13) {
		size_t len = 13u + ((size_t)p[11] << 8 | p[12]);
		CHECK(cp_dtls_feed(server->d, p, len, T0) == 0);
		p += len;
		n -= (long)len;
	}
	(void)BIO_reset(wb);
}

static int raw_step(struct raw *r)
{
	int rc = SSL_do_handshake(r->ssl);
	if (rc == 1)
		return 1;
	int e = SSL_get_error(r->ssl, rc);
	CHECK(e == SSL_ERROR_WANT_READ);
	return 0;
}

static void test_raw_client(const struct cp_dtls_cert *cs, bool big, long mtu)
{
	struct raw r;
	raw_new(&r, mtu, big);
	struct ep s;
	ep_init(&s, cs);
	char fp[200];
	fp_of(r.cert, EVP_sha256(), fp, sizeof(fp));
	CHECK(cp_dtls_set_remote(s.d, "client", "sha-256", fp) == 0);

	struct ch_stats st = { 0 };
	CHECK(raw_step(&r) == 0);
	raw_to_server(&r, &s, &st);
	if (big) {
		CHECK(st.hello_len > 1200);
		CHECK(st.records >= (unsigned)(st.hello_len / (size_t)mtu)); /* fragmented */
	}
	CHECK(st.records >= (big ? 2u : 1u) && st.max_record <= (size_t)mtu);
	printf("  raw client mtu %ld: ClientHello %zu bytes in %u datagrams\n", mtu, st.hello_len,
	       st.records);

	int done = 0;
	for (int i = 0; i < 50 && !done; i++) {
		uint8_t *p;
		size_t n;
		bool any = false;
		while (dq_pop(&s.out, &p, &n)) {
			BIO_write(SSL_get_rbio(r.ssl), p, (int)n);
			free(p);
			done = raw_step(&r);
			any = true;
		}
		raw_to_server(&r, &s, NULL);
		if (!any && !s.out.n)
			break;
	}
	raw_to_server(&r, &s, NULL);
	CHECK(done == 1);
	CHECK(s.connected == 1 && cp_dtls_state(s.d) == CP_DTLS_CONNECTED);
	SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(r.ssl);
	CHECK(prof && prof->id == SL_SRTP_AEAD_AES_128_GCM && s.keys.profile == prof->id);
	uint8_t m[56];
	CHECK(SSL_export_keying_material(r.ssl, m, 56, "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) == 1);
	uint8_t ck[28], sk[28];
	memcpy(ck, m, 16);
	memcpy(ck + 16, m + 32, 12);
	memcpy(sk, m + 16, 16);
	memcpy(sk + 16, m + 44, 12);
	CHECK(memcmp(s.keys.rx, ck, 28) == 0); /* the client writes with the client key */
	CHECK(memcmp(s.keys.tx, sk, 28) == 0);
	CHECK(strcmp(SSL_get_version(r.ssl), "DTLSv1.2") == 0);
	CHECK(strcmp(SSL_get_cipher_name(r.ssl), "ECDHE-ECDSA-AES128-GCM-SHA256") == 0);
	ep_fini(&s);
	raw_free(&r);
}

/* ------------------------------------------------------------------ */
/* 5. a Chromium-like DTLS-1.3-capable ClientHello with an ML-KEM share */
/* ------------------------------------------------------------------ */

struct wbuf {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct wbuf *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void put16(struct wbuf *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v & 0xff);
}

static void put24(struct wbuf *w, size_t v)
{
	put8(w, (unsigned)(v >> 16) & 0xff);
	put16(w, (unsigned)v & 0xffff);
}

static void putn(struct wbuf *w, uint8_t byte, size_t n)
{
	memset(w->b + w->n, byte, n);
	w->n += n;
}

static void put_ext(struct wbuf *w, unsigned type, const struct wbuf *body)
{
	put16(w, type);
	put16(w, (unsigned)body->n);
	memcpy(w->b + w->n, body->b, body->n);
	w->n += body->n;
}

/* ClientHello body: DTLS 1.3 in supported_versions, key_share with
 * X25519MLKEM768 (1216 bytes) + X25519, groups as given. */
static void build_hello(struct wbuf *w, const uint16_t *groups, size_t ng)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
					   0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a,
					   0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
	w->n = 0;
	put16(w, 0xfefd);
	putn(w, 0x42, 32); /* random */
	put8(w, 0);        /* session id */
	put8(w, 0);        /* cookie */
	put16(w, (unsigned)sizeof(suites));
	for (size_t i = 0; i < sizeof(suites) / 2; i++)
		put16(w, suites[i]);
	put8(w, 1);
	put8(w, 0);

	struct wbuf ext = { .n = 0 }, e = { .n = 0 };
	e.n = 0; put8(&e, 0); put_ext(&ext, 0xff01, &e);            /* renegotiation_info */
	e.n = 0; put_ext(&ext, 0x0017, &e);                         /* extended_master_secret */
	e.n = 0; put16(&e, (unsigned)(2 * ng));
	for (size_t i = 0; i < ng; i++)
		put16(&e, groups[i]);
	put_ext(&ext, 0x000a, &e);                                  /* supported_groups */
	e.n = 0; put8(&e, 1); put8(&e, 0); put_ext(&ext, 0x000b, &e); /* ec_point_formats */
	e.n = 0; put16(&e, 16);
	put16(&e, 0x0403); put16(&e, 0x0804); put16(&e, 0x0401); put16(&e, 0x0503);
	put16(&e, 0x0805); put16(&e, 0x0501); put16(&e, 0x0806); put16(&e, 0x0601);
	put_ext(&ext, 0x000d, &e);                                  /* signature_algorithms */
	e.n = 0; put16(&e, 8);
	put16(&e, 0x0007); put16(&e, 0x0008); put16(&e, 0x0001); put16(&e, 0x0002);
	put8(&e, 0);
	put_ext(&ext, 0x000e, &e);                                  /* use_srtp */
	e.n = 0; put8(&e, 4); put16(&e, 0xfefc); put16(&e, 0xfefd);
	put_ext(&ext, 0x002b, &e);                                  /* supported_versions */
	e.n = 0; put16(&e, 4 + 1216 + 4 + 32);
	put16(&e, 0x11ec); put16(&e, 1216); putn(&e, 0x77, 1216);
	put16(&e, 0x001d); put16(&e, 32); putn(&e, 0x09, 32);
	put_ext(&ext, 0x0033, &e);                                  /* key_share */
	put16(w, (unsigned)ext.n);
	memcpy(w->b + w->n, ext.b, ext.n);
	w->n += ext.n;
}

/* One DTLS record carrying bytes [off, off+len) of the handshake message. */
static size_t hello_fragment(uint8_t *out, const struct wbuf *body, size_t off, size_t len,
			     unsigned rec_seq)
{
	struct wbuf w = { .n = 0 };
	put8(&w, 22);
	put16(&w, 0xfeff); /* record version of a first flight */
	put16(&w, 0);      /* epoch */
	put16(&w, 0);
	put16(&w, 0);
	put16(&w, rec_seq);
	put16(&w, (unsigned)(12 + len));
	put8(&w, 1); /* client_hello */
	put24(&w, body->n);
	put16(&w, 0); /* message_seq */
	put24(&w, off);
	put24(&w, len);
	memcpy(w.b + w.n, body->b + off, len);
	w.n += len;
	memcpy(out, w.b, w.n);
	return w.n;
}

struct sflight {
	bool have_sh, have_ske, have_cr, have_shd, have_cert, have_hvr;
	unsigned sh_version, sh_suite, srtp_profile, ske_curve;
	bool bad;
};

static void parse_server_hello(struct sflight *f, const uint8_t *m, size_t n)
{
	/* version(2) random(32) sid_len(1) sid suite(2) comp(1) ext_len(2) exts */
	if (n < 38) {
		f->bad = true;
		return;
	}
	f->sh_version = (unsigned)m[0] << 8 | m[1];
	size_t o = 34 + 1 + m[34];
	if (o + 5 > n) {
		f->bad = true;
		return;
	}
	f->sh_suite = (unsigned)m[o] << 8 | m[o + 1];
	o += 3;
	size_t end = o + 2 + ((size_t)m[o] << 8 | m[o + 1]);
	o += 2;
	while (o + 4 <= end && end <= n) {
		unsigned type = (unsigned)m[o] << 8 | m[o + 1];
		size_t len = (size_t)m[o + 2] << 8 | m[o + 3];
		if (type == 0x000e && len >= 4)
			f->srtp_profile = (unsigned)m[o + 6] << 8 | m[o + 7];
		o += 4 + len;
	}
}

static void server_record(void *u, const uint8_t *rec, size_t len)
{
	struct sflight *f = u;
	if (rec[0] != 22 || rec[3] != 0 || rec[4] != 0)
		return; /* only epoch-0 handshake records */
	const uint8_t *p = rec + 13, *end = rec + len;
	while (end - p >= 12) {
		size_t mlen = (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		size_t foff = (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
		size_t flen = (size_t)p[9] << 16 | (size_t)p[10] << 8 | p[11];
		if (foff != 0 || flen != mlen || (size_t)(end - p) < 12 + flen) {
			f->bad = true; /* the test expects whole messages in a 1200 MTU */
			return;
		}
		const uint8_t *m = p + 12;
		switch (p[0]) {
		case 2: f->have_sh = true; parse_server_hello(f, m, mlen); break;
		case 3: f->have_hvr = true; break;
		case 11: f->have_cert = true; break;
		case 12:
			f->have_ske = true;
			if (mlen >= 3 && m[0] == 3)
				f->ske_curve = (unsigned)m[1] << 8 | m[2];
			break;
		case 13: f->have_cr = true; break;
		case 14: f->have_shd = true; break;
		default: break;
		}
		p += 12 + flen;
	}
}

static void test_chrome_hello(const struct cp_dtls_cert *cs, const uint16_t *groups, size_t ng,
			      unsigned want_curve, bool reverse)
{
	struct wbuf body;
	build_hello(&body, groups, ng);
	CHECK(body.n > 1200);
	uint8_t d1[1600], d2[1600];
	size_t cut = 1000;
	size_t n1 = hello_fragment(d1, &body, 0, cut, 0);
	size_t n2 = hello_fragment(d2, &body, cut, body.n - cut, 1);

	struct ep s;
	ep_init(&s, cs);
	CHECK(cp_dtls_set_remote(s.d, "client", "sha-256", cp_dtls_cert_fingerprint(cs)) == 0);
	if (reverse) {
		CHECK(cp_dtls_feed(s.d, d2, n2, T0) == 0);
		CHECK(s.out.n == 0); /* half a hello: nothing to answer yet */
		CHECK(cp_dtls_feed(s.d, d1, n1, T0) == 0);
	} else {
		CHECK(cp_dtls_feed(s.d, d1, n1, T0) == 0);
		CHECK(s.out.n == 0);
		CHECK(cp_dtls_feed(s.d, d2, n2, T0) == 0);
		CHECK(cp_dtls_feed(s.d, d2, n2, T0) == 0); /* a duplicate is harmless */
	}
	CHECK(cp_dtls_state(s.d) == CP_DTLS_CONNECTING && s.failed == 0);
	if (s.failed)
		fprintf(stderr, "  server failed: %s\n", s.reason);
	CHECK(s.out.n >= 1);
	struct sflight f = { 0 };
	for (size_t i = 0; i < s.out.n; i++) {
		size_t k = (s.out.head + i) % DQ_MAX;
		for_each_record(s.out.buf[k], s.out.len[k], server_record, &f);
	}
	CHECK(!f.bad);
	CHECK(f.have_sh && f.have_cert && f.have_ske && f.have_cr && f.have_shd);
	CHECK(!f.have_hvr); /* no cookie exchange: ICE already checked the peer */
	CHECK(f.sh_version == 0xfefd);               /* answered with DTLS 1.2 */
	CHECK(f.sh_suite == 0xc02b);                 /* ECDHE-ECDSA-AES128-GCM-SHA256 */
	CHECK(f.srtp_profile == SL_SRTP_AEAD_AES_128_GCM);
	CHECK(f.ske_curve == want_curve);
	ep_fini(&s);
}

/* ------------------------------------------------------------------ */
/* 6. garbage, timeouts, close, free from a callback                    */
/* ------------------------------------------------------------------ */

static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void test_garbage(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_)
{
	struct ep s;
	ep_init(&s, cb_);
	uint8_t stun[20] = { 0x00, 0x01 };
	CHECK(cp_dtls_feed(s.d, stun, sizeof(stun), T0) == -EINVAL);
	CHECK(cp_dtls_feed(s.d, stun, 5, T0) == -EINVAL);
	uint8_t rtp[40] = { 0x80 };
	CHECK(cp_dtls_feed(s.d, rtp, sizeof(rtp), T0) == -EINVAL);
	CHECK(cp_dtls_feed(s.d, NULL, 0, T0) == -EINVAL);
	CHECK(cp_dtls_state(s.d) == CP_DTLS_NEW); /* not even a role */
	static uint8_t huge[CP_DTLS_MAX_DGRAM + 1];
	huge[0] = 22;
	CHECK(cp_dtls_feed(s.d, huge, sizeof(huge), T0) == -EMSGSIZE);
	CHECK(cp_dtls_set_remote(s.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);

	/* junk the record layer drops silently: the real handshake still works */
	uint8_t junk[300];
	for (int i = 0; i < 200; i++) {
		size_t n = 13 + rng() % (sizeof(junk) - 13);
		for (size_t k = 0; k < n; k++)
			junk[k] = (uint8_t)rng();
		junk[0] = (uint8_t)(20 + rng() % 44);
		switch (i % 3) {
		case 0: junk[1] = 0x12; junk[2] = 0x34; break;            /* not DTLS */
		case 1: junk[1] = 0xfe; junk[2] = 0xfd; junk[11] = 0xff; break; /* too long */
		default: junk[1] = 0xfe; junk[2] = 0xfd; junk[3] = 0; junk[4] = 7; break; /* epoch 7 */
		}
		CHECK(cp_dtls_feed(s.d, junk, n, T0) == 0);
		CHECK(cp_dtls_state(s.d) == CP_DTLS_CONNECTING);
	}
	CHECK(s.out.n == 0 && s.failed == 0);
	struct ep c;
	ep_init(&c, ca);
	CHECK(cp_dtls_set_remote(c.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&c, &s, T0);
	check_pair_keys(&c, &s, SL_SRTP_AEAD_AES_128_GCM);
	/* junk after the handshake does not disturb the connection */
	for (int i = 0; i < 50; i++) {
		size_t n = 13 + rng() % (sizeof(junk) - 13);
		for (size_t k = 0; k < n; k++)
			junk[k] = (uint8_t)rng();
		junk[0] = 23;
		junk[1] = 0xfe;
		junk[2] = 0xfd;
		junk[3] = 0;
		junk[4] = 1;
		CHECK(cp_dtls_feed(s.d, junk, n, T0) == 0);
	}
	CHECK(cp_dtls_state(s.d) == CP_DTLS_CONNECTED && s.failed == 0);
	ep_fini(&c);
	ep_fini(&s);

	/* fully random datagrams in DTLS's first-byte range: never connected */
	for (int round = 0; round < 20; round++) {
		ep_init(&s, cb_);
		CHECK(cp_dtls_set_remote(s.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
		for (int i = 0; i < 50; i++) {
			size_t n = 13 + rng() % (sizeof(junk) - 13);
			for (size_t k = 0; k < n; k++)
				junk[k] = (uint8_t)rng();
			junk[0] = (uint8_t)(20 + rng() % 4);
			junk[1] = 0xfe;
			junk[2] = (rng() & 1) ? 0xfd : 0xff;
			if (rng() & 1)
				junk[3] = junk[4] = 0; /* epoch 0 */
			if (rng() & 1) { /* plausible lengths */
				junk[11] = (uint8_t)((n - 13) >> 8);
				junk[12] = (uint8_t)(n - 13);
			}
			int rc = cp_dtls_feed(s.d, junk, n, T0);
			CHECK(rc == 0 || rc == -EPIPE);
		}
		CHECK(cp_dtls_state(s.d) != CP_DTLS_CONNECTED && s.connected == 0);
		if (cp_dtls_state(s.d) == CP_DTLS_FAILED)
			CHECK(s.failed == 1 && s.reason[0]);
		ep_fini(&s);
	}
}

/* Drives the clock through next_timeout/on_timeout until failed. Returns
 * the logical time of the failure (0 if it never came). */
static uint64_t run_until_failed(struct ep *e, uint64_t start, uint64_t limit)
{
	CHECK(cp_dtls_next_timeout_ms(e->d) == 1); /* no clock yet: due now */
	cp_dtls_on_timeout(e->d, start);
	uint64_t now = start;
	for (int i = 0; i < 100000 && cp_dtls_state(e->d) == CP_DTLS_CONNECTING; i++) {
		uint64_t t = cp_dtls_next_timeout_ms(e->d);
		CHECK(t > 0 && t <= limit);
		if (t == 0 || t > limit)
			return 0;
		if (t <= now) /* OpenSSL's real-time timer is due: step 1 ms */
			t = now + 1;
		now = t;
		cp_dtls_on_timeout(e->d, now);
	}
	return cp_dtls_state(e->d) == CP_DTLS_FAILED ? now : 0;
}

static void test_timeouts(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_)
{
	/* a client with nobody answering */
	struct ep a;
	ep_init(&a, ca);
	CHECK(cp_dtls_next_timeout_ms(a.d) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	CHECK(a.sent >= 1);
	uint64_t t = run_until_failed(&a, 5000, 5000 + CP_DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS);
	CHECK(t == 5000 + CP_DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS);
	CHECK(a.failed == 1 && strstr(a.reason, "timed out") != NULL);
	CHECK(strstr(a.reason, "client") != NULL);
	CHECK(cp_dtls_next_timeout_ms(a.d) == 0);
	printf("  %s\n", a.reason);
	cp_dtls_on_timeout(a.d, t + 100000); /* harmless now */
	CHECK(a.failed == 1);
	ep_fini(&a);

	/* a configured deadline; it is not reached a millisecond early */
	ep_init(&a, ca);
	CHECK(cp_dtls_set_handshake_timeout(a.d, 0) == -EINVAL);
	CHECK(cp_dtls_set_handshake_timeout(a.d, 5000) == 0);
	CHECK(cp_dtls_set_remote(a.d, "client", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	cp_dtls_on_timeout(a.d, 100);
	CHECK(cp_dtls_next_timeout_ms(a.d) <= 5100);
	cp_dtls_on_timeout(a.d, 5099);
	CHECK(cp_dtls_state(a.d) == CP_DTLS_CONNECTING && a.failed == 0);
	cp_dtls_on_timeout(a.d, 5100);
	CHECK(cp_dtls_state(a.d) == CP_DTLS_FAILED && a.failed == 1);
	CHECK(strstr(a.reason, "5000 ms") && strstr(a.reason, "server"));
	CHECK(strstr(a.reason, "nothing received"));
	ep_fini(&a);

	/* a server that got half a handshake: the deadline started with the
	 * first datagram; feed() also checks it */
	struct ep c, s;
	ep_init(&c, ca);
	ep_init(&s, cb_);
	CHECK(cp_dtls_set_handshake_timeout(s.d, 2000) == 0);
	CHECK(cp_dtls_set_remote(c.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	uint8_t *p = NULL;
	size_t n = 0;
	CHECK(dq_pop(&c.out, &p, &n));
	CHECK(cp_dtls_feed(s.d, p, n, 700) == 0);
	CHECK(s.out.n >= 1); /* its flight went out, the client never answers */
	CHECK(cp_dtls_next_timeout_ms(s.d) <= 2700 && cp_dtls_next_timeout_ms(s.d) > 700);
	CHECK(cp_dtls_set_handshake_timeout(s.d, 3000) == 0); /* moved while connecting */
	CHECK(cp_dtls_feed(s.d, p, n, 3699) == 0);            /* retransmitted hello */
	CHECK(cp_dtls_state(s.d) == CP_DTLS_CONNECTING);
	CHECK(cp_dtls_feed(s.d, p, n, 3700) == 0);
	CHECK(cp_dtls_state(s.d) == CP_DTLS_FAILED && s.failed == 1);
	CHECK(strstr(s.reason, "timed out") && strstr(s.reason, "handshake incomplete"));
	CHECK(cp_dtls_feed(s.d, p, n, 3800) == -EPIPE);
	CHECK(cp_dtls_set_remote(s.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == -EPIPE);
	free(p);
	ep_fini(&c);
	ep_fini(&s);
}

static void test_close_and_free(const struct cp_dtls_cert *ca, const struct cp_dtls_cert *cb_)
{
	struct ep a, b;
	handshake_pair(ca, cb_, &a, &b, 0);
	CHECK(a.connected == 1 && b.connected == 1);
	unsigned sent = a.sent;
	cp_dtls_close(a.d);
	CHECK(cp_dtls_state(a.d) == CP_DTLS_CLOSED && a.failed == 0);
	CHECK(a.sent == sent + 1); /* close_notify */
	pump(&a, &b, T0);
	CHECK(cp_dtls_state(b.d) == CP_DTLS_CLOSED && b.failed == 1);
	CHECK(strstr(b.reason, "close_notify") != NULL);
	cp_dtls_close(a.d); /* twice is harmless */
	ep_fini(&a);
	ep_fini(&b);

	/* free from inside the connected callback */
	ep_init(&a, ca);
	ep_init(&b, cb_);
	b.free_in_cb = true;
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(ca)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(cb_)) == 0);
	pump(&a, &b, T0);
	CHECK(b.connected == 1 && b.d == NULL);
	CHECK(a.connected == 1); /* B's last flight went out before the callback */
	ep_fini(&a);
	ep_fini(&b);
}

/* ------------------------------------------------------------------ */
/* 7. certificates from PEM files                                      */
/* ------------------------------------------------------------------ */

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	if (x)
		CHECK(PEM_write_X509(f, x) == 1);
	if (k)
		CHECK(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(f);
}

static void test_pem(const struct cp_dtls_cert *other)
{
	char dir[] = "/tmp/test_dtls_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char cert_path[256], key_path[256], key2_path[256], junk_path[256];
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	snprintf(key2_path, sizeof(key2_path), "%s/key2.pem", dir);
	snprintf(junk_path, sizeof(junk_path), "%s/junk.pem", dir);
	EVP_PKEY *k = test_key(), *k2 = test_key();
	X509 *x = test_cert(k, "pem-test");
	write_pem(cert_path, x, NULL);
	write_pem(key_path, NULL, k);
	write_pem(key2_path, NULL, k2);
	FILE *f = fopen(junk_path, "w");
	if (f) {
		fputs("-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n", f);
		fclose(f);
	}

	struct cp_dtls_cert *c = NULL;
	char err[256] = "x";
	CHECK(cp_dtls_cert_load(&c, cert_path, key_path, err, sizeof(err)) == 0);
	CHECK(c != NULL && err[0] == '\0');
	char want[200];
	fp_of(x, EVP_sha256(), want, sizeof(want)); /* = openssl x509 -fingerprint -sha256 */
	CHECK(c && strcmp(cp_dtls_cert_fingerprint(c), want) == 0);
	CHECK(strlen(want) == 95);
	if (c) { /* and it works for a handshake */
		struct ep a, b;
		handshake_pair(c, other, &a, &b, 0);
		check_pair_keys(&a, &b, SL_SRTP_AEAD_AES_128_GCM);
		ep_fini(&a);
		ep_fini(&b);
	}
	cp_dtls_cert_free(c);

	c = NULL;
	CHECK(cp_dtls_cert_load(&c, "/nonexistent/cert.pem", key_path, err, sizeof(err)) == -ENOENT);
	CHECK(c == NULL && strstr(err, "/nonexistent/cert.pem") != NULL);
	CHECK(cp_dtls_cert_load(&c, cert_path, key2_path, err, sizeof(err)) == -EINVAL);
	CHECK(c == NULL && strstr(err, "does not match") != NULL);
	CHECK(cp_dtls_cert_load(&c, junk_path, key_path, err, sizeof(err)) == -EINVAL);
	CHECK(c == NULL && err[0] != '\0');
	CHECK(cp_dtls_cert_load(&c, cert_path, cert_path, err, sizeof(err)) == -EINVAL);
	CHECK(c == NULL && strstr(err, "private key") != NULL);
	printf("  load errors, e.g.: %s\n", err);

	unlink(cert_path);
	unlink(key_path);
	unlink(key2_path);
	unlink(junk_path);
	rmdir(dir);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void test_generated(const struct cp_dtls_cert *c)
{
	const char *fp = cp_dtls_cert_fingerprint(c);
	CHECK(strlen(fp) == 95);
	for (size_t i = 0; i < 95; i++)
		CHECK(i % 3 == 2 ? fp[i] == ':' : ((fp[i] >= '0' && fp[i] <= '9') ||
						     (fp[i] >= 'A' && fp[i] <= 'F')));
	struct cp_dtls_cert *c2 = NULL;
	CHECK(cp_dtls_cert_generate(&c2) == 0);
	CHECK(c2 && strcmp(cp_dtls_cert_fingerprint(c2), fp) != 0);
	/* an endpoint keeps its own reference to the certificate */
	struct ep a, b;
	ep_init(&a, c2);
	cp_dtls_cert_free(c2);
	ep_init(&b, c);
	struct cp_dtls_cert *c3 = NULL;
	CHECK(cp_dtls_cert_generate(&c3) == 0);
	/* fingerprint of c2 is gone with c2; use a wrong one and expect failure */
	CHECK(cp_dtls_set_remote(b.d, "client", "sha-256", cp_dtls_cert_fingerprint(c3)) == 0);
	CHECK(cp_dtls_set_remote(a.d, "server", "sha-256", cp_dtls_cert_fingerprint(c)) == 0);
	pump(&a, &b, T0);
	CHECK(b.failed == 1 && strstr(b.reason, "fingerprint mismatch"));
	cp_dtls_cert_free(c3);
	ep_fini(&a);
	ep_fini(&b);
	CHECK(cp_dtls_new(c, &(struct cp_dtls_cb){ 0 }) == NULL); /* send is required */
	CHECK(cp_dtls_new(NULL, &(struct cp_dtls_cb){ .send = ep_send }) == NULL);
}

int main(void)
{
	struct cp_dtls_cert *ca = NULL, *cb_ = NULL;
	CHECK(cp_dtls_cert_generate(&ca) == 0 && cp_dtls_cert_generate(&cb_) == 0);
	if (!ca || !cb_)
		return 1;
	printf("cert A sha-256 %s\n", cp_dtls_cert_fingerprint(ca));

	/* The other-algorithm tests need the X509 of both sides to compute
	 * sha-1/384/512 fingerprints, so they use certificates made here and
	 * loaded from PEM files. */
	EVP_PKEY *ka = test_key(), *kb = test_key();
	X509 *xa = test_cert(ka, "A"), *xb = test_cert(kb, "B");
	char dir[] = "/tmp/test_dtls_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char pa[256], pka[256], pb[256], pkb[256];
	snprintf(pa, sizeof(pa), "%s/a.pem", dir);
	snprintf(pka, sizeof(pka), "%s/ka.pem", dir);
	snprintf(pb, sizeof(pb), "%s/b.pem", dir);
	snprintf(pkb, sizeof(pkb), "%s/kb.pem", dir);
	write_pem(pa, xa, NULL);
	write_pem(pka, NULL, ka);
	write_pem(pb, xb, NULL);
	write_pem(pkb, NULL, kb);
	struct cp_dtls_cert *la = NULL, *lb = NULL;
	CHECK(cp_dtls_cert_load(&la, pa, pka, NULL, 0) == 0);
	CHECK(cp_dtls_cert_load(&lb, pb, pkb, NULL, 0) == 0);
	unlink(pa);
	unlink(pka);
	unlink(pb);
	unlink(pkb);
	rmdir(dir);

	printf("generated certificates\n");
	test_generated(ca);
	printf("pair, every SRTP profile\n");
	test_pair_profiles(ca, cb_);
	printf("pair, MTU 300\n");
	test_pair_small_mtu(ca, cb_);
	printf("roles\n");
	test_roles(ca, cb_);
	printf("fingerprints\n");
	if (la && lb)
		test_fingerprints(la, lb, xa, xb);
	printf("raw OpenSSL client\n");
	test_raw_client(ca, true, 300);
	test_raw_client(ca, false, 1200);
	printf("Chromium-like DTLS 1.3 + ML-KEM ClientHello in two datagrams\n");
	static const uint16_t chrome_groups[] = { 0x11ec, 0x001d, 0x0017, 0x0018 };
	static const uint16_t p256_only[] = { 0x11ec, 0x0017 };
	test_chrome_hello(ca, chrome_groups, 4, 0x001d, false);
	test_chrome_hello(ca, chrome_groups, 4, 0x001d, true);
	test_chrome_hello(ca, p256_only, 2, 0x0017, false);
	printf("garbage\n");
	test_garbage(ca, cb_);
	printf("timeouts\n");
	test_timeouts(ca, cb_);
	printf("close and free\n");
	test_close_and_free(ca, cb_);
	printf("PEM files\n");
	test_pem(ca);

	cp_dtls_cert_free(la);
	cp_dtls_cert_free(lb);
	X509_free(xa);
	X509_free(xb);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	cp_dtls_cert_free(ca);
	cp_dtls_cert_free(cb_);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("all DTLS tests passed\n");
	return 0;
}
