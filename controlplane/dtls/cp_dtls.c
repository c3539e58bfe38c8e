/* SPDX-License-Identifier: MIT */
/*
 * cp_dtls.c - DTLS-SRTP endpoint over OpenSSL 3 memory BIOs (see cp_dtls.h).
 *
 * This is the only control-plane file that includes OpenSSL's ssl.h.
 *
 * Datagram boundaries. Both BIOs are plain BIO_s_mem. In: cp_dtls_feed()
 * writes exactly one datagram into the read BIO and runs OpenSSL until it
 * wants more; DTLS reads a whole datagram with one BIO_read, and whatever it
 * left unread is discarded afterwards, so one feed is one datagram. Out:
 * OpenSSL writes whole DTLS records into the write BIO and sizes handshake
 * fragments so that they fit the MTU; after every call into OpenSSL the
 * pending bytes are cut at record boundaries and greedily packed into
 * datagrams of at most the MTU (several records per datagram, as RFC 6347
 * allows), each handed to the send callback.
 *
 * Time. The handshake deadline runs on the caller's clock only. Retransmission
 * uses OpenSSL's DTLS timer (DTLSv1_get_timeout/DTLSv1_handle_timeout), which
 * OpenSSL 3.0 measures with its own clock; cp_dtls_next_timeout_ms() maps the
 * remaining time onto the caller's clock. Nothing here depends on the two
 * clocks agreeing for correctness: a late or early retransmission is harmless.
 *
 * Secrets. The exported keying material lives in a stack buffer and a stack
 * struct sl_msg_srtp_keys only for the duration of the connected callback and
 * is wiped with OPENSSL_cleanse(); SSL_free() wipes the master secret.
 */
#include "cp_dtls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* ECDHE only; ECDSA first (our generated key), AEAD before CBC. RSA suites
 * are there for a loaded RSA certificate; OpenSSL only picks suites that
 * match our key. */
#define CP_DTLS_CIPHERS                                                         \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"          \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"            \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"              \
	"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"                        \
	"ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"

/* Chromium offers X25519MLKEM768 (DTLS 1.3 key share), X25519 and P-256;
 * in DTLS 1.2 there is no HelloRetryRequest, the server simply picks a group
 * of supported_groups, so X25519 and P-256 must both be here. */
#define CP_DTLS_GROUPS "X25519:P-256:P-384"

/* RFC 7714 AEAD first: one AES-GCM pass encrypts and authenticates (AES-NI +
 * CLMUL), where AES-CM + HMAC-SHA1 needs two; its 16-byte tag is also
 * stronger than the 80-bit HMAC. 128-bit before 256-bit: same construction,
 * 128-bit security is ample for media, and AES-128 runs 10 rounds, not 14,
 * which matters at SFU packet rates. Every browser offers AES128_CM_SHA1_80,
 * the mandatory-to-implement profile, so it is the fallback. */
#define CP_DTLS_SRTP_DEFAULT                                                    \
	"SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:"                          \
	"SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"

#define CP_DTLS_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define CP_DTLS_RTX_INITIAL_US 500000u
#define CP_DTLS_RTX_MAX_US 4000000u
#define CP_DTLS_REC_HDR 13u /* DTLS record header */
#define CP_DTLS_FP_MAX 64u  /* sha-512 */
#define CP_DTLS_FP_STR (CP_DTLS_FP_MAX * 3u)

struct cp_dtls_cert {
	SSL_CTX *ctx; /* DTLS 1.2 context with key + cert; shared, refcounted */
	X509 *x509;
	EVP_PKEY *pkey;
	char fingerprint[CP_DTLS_FP_STR]; /* sha-256, "AB:CD:..." */
};

struct cp_dtls {
	SSL_CTX *ctx; /* our own reference */
	SSL *ssl;     /* NULL while CP_DTLS_NEW */
	struct cp_dtls_cb cb;
	enum cp_dtls_state state;
	enum cp_dtls_role role;
	uint32_t mtu;
	uint32_t hs_timeout_ms;
	char srtp_list[160]; /* OpenSSL profile names, ':'-separated */

	/* remote dtlsParameters */
	bool have_remote;
	const EVP_MD *fp_md;
	char fp_alg[16];
	uint8_t fp[CP_DTLS_FP_MAX];
	size_t fp_len;

	bool hs_done; /* OpenSSL handshake finished (maybe not yet verified) */

	/* caller's clock */
	bool anchored;
	uint64_t now;
	uint64_t start;
	uint64_t deadline;

	/* diagnostics */
	uint32_t rx_dgrams;
	uint32_t tx_dgrams;
	uint64_t app_bytes_ignored;
	char verify_reason[320]; /* set by the verify callback */
	char alert_reason[96];   /* last fatal alert seen */
	char reason[640];        /* the reason given to the failed callback */

	/* re-entrancy: callbacks may free the endpoint */
	unsigned busy;
	bool free_pending;
};

/* ------------------------------------------------------------------ */
/* Small helpers (no OpenSSL state)                                    */
/* ------------------------------------------------------------------ */

static void fmt_hex(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	if (!outlen)
		return;
	for (size_t i = 0; i < n; i++) {
		if (o + (i ? 3u : 2u) + 1u > outlen)
			break;
		if (i)
			out[o++] = ':';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex byte pairs, optionally ':'-separated ("AB:cd:..." or "abcd...").
 * Returns 0 or -EBADMSG. */
static int parse_fp_hex(const char *s, uint8_t *out, size_t cap, size_t *n_out)
{
	size_t n = 0;
	if (!*s)
		return -EBADMSG;
	while (*s) {
		int hi = hexval(s[0]);
		int lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || n >= cap)
			return -EBADMSG;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == ':' && *++s == '\0')
			return -EBADMSG;
	}
	*n_out = n;
	return 0;
}

static const EVP_MD *md_by_name(const char *name)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {
		{ "sha-1", EVP_sha1 },     { "sha-224", EVP_sha224 }, { "sha-256", EVP_sha256 },
		{ "sha-384", EVP_sha384 }, { "sha-512", EVP_sha512 },
	};
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcasecmp(name, algs[i].name) == 0)
			return algs[i].md();
	return NULL;
}

/* Length of the next outgoing datagram: whole DTLS records from pos, as
 * many as fit in mtu (at least one; a short tail counts as one record). */
static size_t dgram_len(const uint8_t *pos, const uint8_t *end, size_t mtu)
{
	size_t total = 0;
	while (pos + total < end) {
		size_t left = (size_t)(end - (pos + total));
		size_t rec = left;
		if (left >= CP_DTLS_REC_HDR) {
			const uint8_t *h = pos + total;
			rec = CP_DTLS_REC_HDR + ((size_t)h[11] << 8 | h[12]);
			if (rec > left)
				rec = left;
		}
		if (total > 0 && total + rec > mtu)
			break;
		total += rec;
	}
	return total;
}

static const char *srtp_name(uint16_t profile)
{
	switch (profile) {
	case SL_SRTP_AES128_CM_SHA1_80: return "SRTP_AES128_CM_SHA1_80";
	case SL_SRTP_AES128_CM_SHA1_32: return "SRTP_AES128_CM_SHA1_32";
	case SL_SRTP_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
	case SL_SRTP_AEAD_AES_256_GCM: return "SRTP_AEAD_AES_256_GCM";
	default: return NULL;
	}
}

/* Master key and salt sizes (RFC 5764 4.1.2, RFC 7714 12). */
static int srtp_sizes(unsigned long id, unsigned *key_len, unsigned *salt_len)
{
	switch (id) {
	case SL_SRTP_AES128_CM_SHA1_80:
	case SL_SRTP_AES128_CM_SHA1_32: *key_len = 16; *salt_len = 14; return 0;
	case SL_SRTP_AEAD_AES_128_GCM: *key_len = 16; *salt_len = 12; return 0;
	case SL_SRTP_AEAD_AES_256_GCM: *key_len = 32; *salt_len = 12; return 0;
	default: return -EPROTO;
	}
}

const char *cp_dtls_state_name(enum cp_dtls_state s)
{
	switch (s) {
	case CP_DTLS_NEW: return "new";
	case CP_DTLS_CONNECTING: return "connecting";
	case CP_DTLS_CONNECTED: return "connected";
	case CP_DTLS_FAILED: return "failed";
	case CP_DTLS_CLOSED: return "closed";
	}
	return "?";
}

const char *cp_dtls_role_name(enum cp_dtls_role r)
{
	switch (r) {
	case CP_DTLS_ROLE_AUTO: return "auto";
	case CP_DTLS_ROLE_CLIENT: return "client";
	case CP_DTLS_ROLE_SERVER: return "server";
	}
	return "?";
}

/* ------------------------------------------------------------------ */
/* Certificate                                                         */
/* ------------------------------------------------------------------ */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The last OpenSSL error as "reason (error:XXXXXXXX)", or a fallback. */
static void ossl_err_text(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	if (!e) {
		snprintf(buf, len, "%s", fallback);
		return;
	}
	const char *r = ERR_reason_error_string(e);
	if (r)
		snprintf(buf, len, "%s (error:%08lX)", r, e);
	else
		ERR_error_string_n(e, buf, len);
}

static int verify_cb(int preverify_ok, X509_STORE_CTX *xs);

/* The shared DTLS context of a certificate. Returns 0 or -EIO. */
static int cert_make_ctx(struct cp_dtls_cert *c)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
	if (!ctx)
		return -EIO;
	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(ctx, c->x509) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, c->pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, CP_DTLS_CIPHERS) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, CP_DTLS_GROUPS) != 1 ||
	    SSL_CTX_set_tlsext_use_srtp(ctx, CP_DTLS_SRTP_DEFAULT) != 0) {
		SSL_CTX_free(ctx);
		return -EIO;
	}
	/* No SSL_OP_COOKIE_EXCHANGE: without it an OpenSSL DTLS server sends
	 * no HelloVerifyRequest; ICE has already checked the peer's address. */
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET |
					 SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_QUERY_MTU |
					 SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_read_ahead(ctx, 1);
	/* We only send handshake fragments (cut to the MTU anyway) and alerts;
	 * a small record limit shrinks the write buffer every endpoint keeps
	 * (a connected endpoint holds ~62 KB instead of ~78 KB). */
	SSL_CTX_set_max_send_fragment(ctx, 1024);
	/* Self-signed peers: chain errors are ignored, the fingerprint decides. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	c->ctx = ctx;
	return 0;
}

static int cert_finish(struct cp_dtls_cert *c)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (X509_digest(c->x509, EVP_sha256(), md, &n) != 1)
		return -EIO;
	fmt_hex(md, n, c->fingerprint, sizeof(c->fingerprint));
	return cert_make_ctx(c);
}

static X509 *make_self_signed(EVP_PKEY *pkey)
{
	X509 *x = X509_new();
	uint64_t serial = 0;
	bool ok = x && RAND_bytes((unsigned char *)&serial, sizeof(serial)) == 1;
	serial &= 0x7fffffffffffffffULL; /* positive */
	ok = ok && X509_set_version(x, X509_VERSION_3) &&
	     ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial | 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -86400L) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400L) && X509_set_pubkey(x, pkey);
	X509_NAME *name = ok ? X509_get_subject_name(x) : NULL;
	ok = ok && name &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"sluice",
					-1, -1, 0) &&
	     X509_set_issuer_name(x, name) && X509_sign(x, pkey, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int cp_dtls_cert_generate(struct cp_dtls_cert **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	struct cp_dtls_cert *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int rc = -EIO;
	c->pkey = EVP_EC_gen("P-256");
	if (c->pkey)
		c->x509 = make_self_signed(c->pkey);
	if (c->x509)
		rc = cert_finish(c);
	if (rc) {
		cp_dtls_cert_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* Encrypted keys are refused instead of prompting on the terminal. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static int read_pem(const char *path, bool is_key, void **obj, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -ENOENT;
	}
	ERR_clear_error();
	if (is_key)
		*obj = PEM_read_PrivateKey(f, NULL, no_password, NULL);
	else
		*obj = PEM_read_X509(f, NULL, no_password, NULL);
	fclose(f);
	if (!*obj) {
		char why[200];
		ossl_err_text(why, sizeof(why), "no PEM data");
		set_err(err, errlen, "%s: no usable PEM %s: %s", path,
			is_key ? "private key" : "certificate", why);
		return -EINVAL;
	}
	return 0;
}

int cp_dtls_cert_load(struct cp_dtls_cert **out, const char *cert_pem_path,
		      const char *key_pem_path, char *err, size_t errlen)
{
	set_err(err, errlen, "%s", "");
	if (!out || !cert_pem_path || !key_pem_path) {
		set_err(err, errlen, "missing argument");
		return -EINVAL;
	}
	*out = NULL;
	struct cp_dtls_cert *c = calloc(1, sizeof(*c));
	if (!c) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	void *obj = NULL;
	int rc = read_pem(cert_pem_path, false, &obj, err, errlen);
	c->x509 = obj;
	if (rc == 0) {
		obj = NULL;
		rc = read_pem(key_pem_path, true, &obj, err, errlen);
		c->pkey = obj;
	}
	if (rc == 0 && !EVP_PKEY_is_a(c->pkey, "EC") && !EVP_PKEY_is_a(c->pkey, "RSA")) {
		set_err(err, errlen, "%s: unsupported key type %s (EC or RSA only)", key_pem_path,
			EVP_PKEY_get0_type_name(c->pkey));
		rc = -EINVAL;
	}
	if (rc == 0 && X509_check_private_key(c->x509, c->pkey) != 1) {
		set_err(err, errlen, "%s does not match the certificate %s", key_pem_path,
			cert_pem_path);
		rc = -EINVAL;
	}
	if (rc == 0) {
		ERR_clear_error();
		rc = cert_finish(c);
		if (rc) {
			char why[200];
			ossl_err_text(why, sizeof(why), "OpenSSL failure");
			set_err(err, errlen, "cannot build the DTLS context: %s", why);
		}
	}
	ERR_clear_error();
	if (rc) {
		cp_dtls_cert_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

const char *cp_dtls_cert_fingerprint(const struct cp_dtls_cert *c)
{
	return c ? c->fingerprint : "";
}

void cp_dtls_cert_free(struct cp_dtls_cert *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	X509_free(c->x509);
	EVP_PKEY_free(c->pkey);
	free(c);
}

/* ------------------------------------------------------------------ */
/* Endpoint: output, ending, verification, keys                        */
/* ------------------------------------------------------------------ */

/* Sends what OpenSSL wrote, cut into datagrams of at most the MTU. */
static void flush_out(struct cp_dtls *d)
{
	if (!d->ssl)
		return;
	BIO *wb = SSL_get_wbio(d->ssl);
	char *data = NULL;
	long n = BIO_get_mem_data(wb, &data);
	if (n > 0 && data) {
		const uint8_t *pos = (const uint8_t *)data;
		const uint8_t *end = pos + n;
		while (pos < end) {
			size_t len = dgram_len(pos, end, d->mtu);
			if (!d->free_pending) {
				d->tx_dgrams++;
				d->cb.send(d->cb.user, pos, len);
			}
			pos += len;
		}
	}
	(void)BIO_reset(wb);
}

/* Final state with a reason; the pending alert/close_notify goes out first.
 * The failed callback runs unless the end is local (cp_dtls_close). */
static void end_with(struct cp_dtls *d, enum cp_dtls_state st, bool notify, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void end_with(struct cp_dtls *d, enum cp_dtls_state st, bool notify, const char *fmt, ...)
{
	if (d->state == CP_DTLS_FAILED || d->state == CP_DTLS_CLOSED)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	d->state = st;
	flush_out(d);
	ERR_clear_error();
	if (notify && d->cb.failed && !d->free_pending)
		d->cb.failed(d->cb.user, d->reason);
}

/* An OpenSSL call failed: the most specific reason we know. */
static void fail_ssl(struct cp_dtls *d, const char *what, int ssl_err)
{
	char why[512];
	if (d->verify_reason[0]) {
		snprintf(why, sizeof(why), "%s", d->verify_reason);
	} else if (ERR_peek_last_error()) {
		char e[200];
		ossl_err_text(e, sizeof(e), "");
		if (d->alert_reason[0])
			snprintf(why, sizeof(why), "%s; %s", e, d->alert_reason);
		else
			snprintf(why, sizeof(why), "%s", e);
	} else if (d->alert_reason[0]) {
		snprintf(why, sizeof(why), "%s", d->alert_reason);
	} else {
		snprintf(why, sizeof(why), "SSL error %d", ssl_err);
	}
	end_with(d, CP_DTLS_FAILED, true, "%s failed (%s role): %s", what,
		 cp_dtls_role_name(d->role), why);
}

/* Compares the certificate with the signalled fingerprint. 0 or -1 with
 * the reason in why. */
static int fp_check(const struct cp_dtls *d, X509 *peer, char *why, size_t whylen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (X509_digest(peer, d->fp_md, md, &n) != 1) {
		snprintf(why, whylen, "cannot compute the %s digest of the remote certificate",
			 d->fp_alg);
		return -1;
	}
	if (n == d->fp_len && CRYPTO_memcmp(md, d->fp, n) == 0)
		return 0;
	char got[CP_DTLS_FP_STR], want[CP_DTLS_FP_STR];
	fmt_hex(md, n, got, sizeof(got));
	fmt_hex(d->fp, d->fp_len, want, sizeof(want));
	snprintf(why, whylen, "remote certificate fingerprint mismatch: %s %s, signalled %s",
		 d->fp_alg, got, want);
	return -1;
}

/* Verification of the peer chain: self-signed is fine; the leaf must match
 * the signalled fingerprint if we know it already (else it is checked when
 * set_remote brings it). */
static int verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct cp_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!d || X509_STORE_CTX_get_error_depth(xs) != 0 || !d->have_remote)
		return 1;
	X509 *leaf = X509_STORE_CTX_get_current_cert(xs);
	if (leaf && fp_check(d, leaf, d->verify_reason, sizeof(d->verify_reason)) == 0)
		return 1;
	if (!leaf)
		snprintf(d->verify_reason, sizeof(d->verify_reason), "no remote certificate");
	X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct cp_dtls *d = SSL_get_app_data(ssl);
	if (!d || !(where & SSL_CB_ALERT) || (ret >> 8) != SSL3_AL_FATAL)
		return;
	if (where & SSL_CB_READ)
		snprintf(d->alert_reason, sizeof(d->alert_reason), "remote sent fatal alert: %s",
			 SSL_alert_desc_string_long(ret));
	else if (!d->alert_reason[0])
		snprintf(d->alert_reason, sizeof(d->alert_reason), "sent fatal alert: %s",
			 SSL_alert_desc_string_long(ret));
}

static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
	if (timer_us == 0)
		return CP_DTLS_RTX_INITIAL_US;
	return timer_us >= CP_DTLS_RTX_MAX_US / 2 ? CP_DTLS_RTX_MAX_US : 2 * timer_us;
}

/* RFC 5764 4.2: client key, server key, client salt, server salt. rx is
 * what the remote writes with. Returns 0 or -EIO / -EPROTO. */
static int export_keys(struct cp_dtls *d, unsigned long profile, struct sl_msg_srtp_keys *k)
{
	unsigned key_len, salt_len;
	if (srtp_sizes(profile, &key_len, &salt_len))
		return -EPROTO;
	uint8_t m[2 * SL_SRTP_MASTER_MAX];
	size_t total = 2u * (key_len + salt_len);
	if (SSL_export_keying_material(d->ssl, m, total, CP_DTLS_EXPORTER_LABEL,
				       strlen(CP_DTLS_EXPORTER_LABEL), NULL, 0, 0) != 1) {
		OPENSSL_cleanse(m, sizeof(m));
		return -EIO;
	}
	const uint8_t *ckey = m, *skey = m + key_len;
	const uint8_t *csalt = m + 2 * key_len, *ssalt = csalt + salt_len;
	bool server = d->role == CP_DTLS_ROLE_SERVER;
	memset(k, 0, sizeof(*k));
	k->profile = (uint16_t)profile;
	k->key_len = (uint8_t)key_len;
	k->salt_len = (uint8_t)salt_len;
	memcpy(k->tx, server ? skey : ckey, key_len);
	memcpy(k->tx + key_len, server ? ssalt : csalt, salt_len);
	memcpy(k->rx, server ? ckey : skey, key_len);
	memcpy(k->rx + key_len, server ? csalt : ssalt, salt_len);
	OPENSSL_cleanse(m, sizeof(m));
	return 0;
}

/* After the handshake and once the fingerprint is known: verify, export,
 * connected. */
static void finish_if_ready(struct cp_dtls *d)
{
	if (!d->hs_done || !d->have_remote || d->state != CP_DTLS_CONNECTING)
		return;
	char why[sizeof(d->verify_reason)];
	X509 *peer = SSL_get0_peer_certificate(d->ssl);
	if (!peer || fp_check(d, peer, why, sizeof(why)) != 0) {
		(void)SSL_shutdown(d->ssl); /* close_notify: we will not talk */
		end_with(d, CP_DTLS_FAILED, true, "DTLS verification failed (%s role): %s",
			 cp_dtls_role_name(d->role), peer ? why : "remote sent no certificate");
		return;
	}
	const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
	if (!p) {
		(void)SSL_shutdown(d->ssl);
		end_with(d, CP_DTLS_FAILED, true,
			 "DTLS handshake (%s role) negotiated no SRTP profile (use_srtp missing "
			 "or no common profile)", cp_dtls_role_name(d->role));
		return;
	}
	struct sl_msg_srtp_keys keys;
	int rc = export_keys(d, p->id, &keys);
	if (rc) {
		OPENSSL_cleanse(&keys, sizeof(keys));
		(void)SSL_shutdown(d->ssl);
		end_with(d, CP_DTLS_FAILED, true, "SRTP key export failed for profile %s: %s",
			 p->name, rc == -EPROTO ? "unknown profile" : "OpenSSL error");
		return;
	}
	d->state = CP_DTLS_CONNECTED;
	flush_out(d); /* our last flight first: the callback may free us */
	if (d->cb.connected && !d->free_pending)
		d->cb.connected(d->cb.user, &keys);
	OPENSSL_cleanse(&keys, sizeof(keys));
}

/* ------------------------------------------------------------------ */
/* Endpoint: driving OpenSSL                                           */
/* ------------------------------------------------------------------ */

/* Reads (and drops) application data after the handshake; notices alerts,
 * close_notify and retransmitted peer flights (OpenSSL answers those). */
static void pump_read(struct cp_dtls *d)
{
	uint8_t buf[2048];
	for (int i = 0; i < 64; i++) {
		if (d->state != CP_DTLS_CONNECTING && d->state != CP_DTLS_CONNECTED)
			return;
		ERR_clear_error();
		int r = SSL_read(d->ssl, buf, (int)sizeof(buf));
		if (r > 0) {
			d->app_bytes_ignored += (uint64_t)r; /* no data channels here */
			continue;
		}
		int e = SSL_get_error(d->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return;
		if (e == SSL_ERROR_ZERO_RETURN) {
			(void)SSL_shutdown(d->ssl); /* answer with our close_notify */
			end_with(d, CP_DTLS_CLOSED, true,
				 "remote closed the DTLS association (close_notify)");
			return;
		}
		fail_ssl(d, "DTLS", e);
		return;
	}
}

static void step_handshake(struct cp_dtls *d)
{
	ERR_clear_error();
	int r = SSL_do_handshake(d->ssl);
	if (r == 1) {
		d->hs_done = true;
		pump_read(d); /* records behind the Finished in the same datagram */
		finish_if_ready(d);
		return;
	}
	int e = SSL_get_error(d->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return;
	fail_ssl(d, "DTLS handshake", e);
}

static SSL *ssl_create(struct cp_dtls *d, enum cp_dtls_role role)
{
	SSL *ssl = SSL_new(d->ctx);
	BIO *rb = BIO_new(BIO_s_mem());
	BIO *wb = BIO_new(BIO_s_mem());
	if (!ssl || !rb || !wb) {
		BIO_free(rb);
		BIO_free(wb);
		SSL_free(ssl);
		return NULL;
	}
	BIO_set_mem_eof_return(rb, -1); /* empty = "retry", not EOF */
	BIO_set_mem_eof_return(wb, -1);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_app_data(ssl, d);
	SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
	if (!SSL_set_mtu(ssl, (long)d->mtu) || SSL_set_tlsext_use_srtp(ssl, d->srtp_list) != 0) {
		SSL_free(ssl);
		return NULL;
	}
	DTLS_set_timer_cb(ssl, timer_cb);
	SSL_set_info_callback(ssl, info_cb);
	if (role == CP_DTLS_ROLE_CLIENT)
		SSL_set_connect_state(ssl);
	else
		SSL_set_accept_state(ssl);
	return ssl;
}

/* Starts (or restarts) the handshake in a role. 0 or -ENOMEM. */
static int start_role(struct cp_dtls *d, enum cp_dtls_role role)
{
	SSL *ssl = ssl_create(d, role);
	if (!ssl)
		return -ENOMEM;
	SSL_free(d->ssl);
	d->ssl = ssl;
	d->role = role;
	d->hs_done = false;
	d->verify_reason[0] = '\0';
	d->alert_reason[0] = '\0';
	d->state = CP_DTLS_CONNECTING;
	if (role == CP_DTLS_ROLE_CLIENT) {
		step_handshake(d); /* ClientHello */
		flush_out(d);
	}
	return 0;
}

static void clock_update(struct cp_dtls *d, uint64_t now)
{
	if (now > d->now || !d->anchored)
		d->now = now;
	if (d->state == CP_DTLS_CONNECTING && !d->anchored) {
		d->anchored = true;
		d->start = now;
		d->deadline = now + d->hs_timeout_ms;
	}
}

static void check_deadline(struct cp_dtls *d)
{
	if (d->state != CP_DTLS_CONNECTING || !d->anchored || d->now < d->deadline)
		return;
	const char *what = !d->have_remote && d->hs_done ? "remote DTLS parameters never arrived"
			   : d->rx_dgrams == 0 ? "nothing received from the peer"
					       : "handshake incomplete";
	end_with(d, CP_DTLS_FAILED, true,
		 "DTLS handshake timed out after %u ms (%s role, %s; %u datagrams received, %u sent)",
		 d->hs_timeout_ms, cp_dtls_role_name(d->role), what, d->rx_dgrams, d->tx_dgrams);
}

static void enter(struct cp_dtls *d)
{
	d->busy++;
}

static void destroy(struct cp_dtls *d)
{
	SSL_free(d->ssl);
	SSL_CTX_free(d->ctx);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

/* Must be the last touch of d in a public function. */
static void leave(struct cp_dtls *d)
{
	ERR_clear_error(); /* leave nothing for other OpenSSL users of this thread */
	if (--d->busy == 0 && d->free_pending)
		destroy(d);
}

/* ------------------------------------------------------------------ */
/* Endpoint: public API                                                */
/* ------------------------------------------------------------------ */

struct cp_dtls *cp_dtls_new(const struct cp_dtls_cert *cert, const struct cp_dtls_cb *cb)
{
	if (!cert || !cert->ctx || !cb || !cb->send)
		return NULL;
	struct cp_dtls *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (SSL_CTX_up_ref(cert->ctx) != 1) {
		free(d);
		return NULL;
	}
	d->ctx = cert->ctx;
	d->cb = *cb;
	d->state = CP_DTLS_NEW;
	d->role = CP_DTLS_ROLE_AUTO;
	d->mtu = CP_DTLS_MTU_DEFAULT;
	d->hs_timeout_ms = CP_DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS;
	snprintf(d->srtp_list, sizeof(d->srtp_list), "%s", CP_DTLS_SRTP_DEFAULT);
	return d;
}

int cp_dtls_set_handshake_timeout(struct cp_dtls *d, uint32_t timeout_ms)
{
	if (!d || timeout_ms == 0)
		return -EINVAL;
	if (d->state != CP_DTLS_NEW && d->state != CP_DTLS_CONNECTING)
		return -EBUSY;
	d->hs_timeout_ms = timeout_ms;
	if (d->anchored)
		d->deadline = d->start + timeout_ms;
	return 0;
}

int cp_dtls_set_mtu(struct cp_dtls *d, uint32_t mtu)
{
	if (!d || mtu < 256 || mtu > 9000)
		return -EINVAL;
	if (d->state != CP_DTLS_NEW)
		return -EBUSY;
	d->mtu = mtu;
	return 0;
}

int cp_dtls_set_srtp_profiles(struct cp_dtls *d, const uint16_t *profiles, size_t n)
{
	if (!d || !profiles || n == 0 || n > 4)
		return -EINVAL;
	if (d->state != CP_DTLS_NEW)
		return -EBUSY;
	char list[sizeof(d->srtp_list)] = "";
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = srtp_name(profiles[i]);
		if (!name)
			return -EINVAL;
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ":" : "", name);
	}
	memcpy(d->srtp_list, list, sizeof(list));
	return 0;
}

static int parse_role(const char *s, enum cp_dtls_role *out)
{
	if (!s || !*s || strcasecmp(s, "auto") == 0)
		*out = CP_DTLS_ROLE_AUTO;
	else if (strcasecmp(s, "client") == 0)
		*out = CP_DTLS_ROLE_CLIENT;
	else if (strcasecmp(s, "server") == 0)
		*out = CP_DTLS_ROLE_SERVER;
	else
		return -EINVAL;
	return 0;
}

int cp_dtls_set_remote(struct cp_dtls *d, const char *remote_role, const char *fp_algorithm,
		       const char *fp_value)
{
	enum cp_dtls_role remote;
	if (!d || !fp_algorithm || !fp_value || parse_role(remote_role, &remote))
		return -EINVAL;
	const EVP_MD *md = md_by_name(fp_algorithm);
	if (!md)
		return -EOPNOTSUPP;
	uint8_t fp[CP_DTLS_FP_MAX];
	size_t fp_len = 0;
	if (parse_fp_hex(fp_value, fp, sizeof(fp), &fp_len) || fp_len != (size_t)EVP_MD_get_size(md))
		return -EBADMSG;
	if (d->busy)
		return -EBUSY;
	if (d->state == CP_DTLS_FAILED || d->state == CP_DTLS_CLOSED)
		return -EPIPE;
	if (d->have_remote)
		return -EALREADY;

	/* mediasoup: remote client -> server; remote server or auto -> client
	 * (ICE-lite is ICE controlled). A peer that already sent us its
	 * handshake is the client, so "auto" keeps us server then. */
	enum cp_dtls_role want = remote == CP_DTLS_ROLE_CLIENT ? CP_DTLS_ROLE_SERVER
							       : CP_DTLS_ROLE_CLIENT;
	if (remote == CP_DTLS_ROLE_AUTO && d->state != CP_DTLS_NEW)
		want = d->role;

	enter(d);
	d->fp_md = md;
	snprintf(d->fp_alg, sizeof(d->fp_alg), "%s", fp_algorithm);
	for (char *p = d->fp_alg; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	memcpy(d->fp, fp, fp_len);
	d->fp_len = fp_len;
	d->have_remote = true;
	int rc = 0;
	if (d->state == CP_DTLS_NEW || d->role != want) {
		rc = start_role(d, want);
		if (rc)
			d->have_remote = false;
	} else {
		finish_if_ready(d);
	}
	leave(d);
	return rc;
}

int cp_dtls_feed(struct cp_dtls *d, const uint8_t *dgram, size_t len, uint64_t now_ms)
{
	if (!d || !dgram)
		return -EINVAL;
	/* RFC 7983: DTLS records start with a content type in 20..63 */
	if (len < CP_DTLS_REC_HDR || dgram[0] < 20 || dgram[0] > 63)
		return -EINVAL;
	if (len > CP_DTLS_MAX_DGRAM)
		return -EMSGSIZE;
	if (d->busy)
		return -EBUSY;
	if (d->state == CP_DTLS_FAILED || d->state == CP_DTLS_CLOSED)
		return -EPIPE;
	enter(d);
	int rc = 0;
	if (d->state == CP_DTLS_NEW)
		rc = start_role(d, CP_DTLS_ROLE_SERVER); /* the peer started: it is the client */
	if (rc == 0) {
		clock_update(d, now_ms);
		d->rx_dgrams++;
		BIO *rb = SSL_get_rbio(d->ssl);
		if (BIO_write(rb, dgram, (int)len) == (int)len) {
			if (d->hs_done)
				pump_read(d);
			else
				step_handshake(d);
		}
		(void)BIO_reset(rb); /* one feed = one datagram */
		flush_out(d);
		check_deadline(d);
	}
	leave(d);
	return rc;
}

uint64_t cp_dtls_next_timeout_ms(const struct cp_dtls *d)
{
	if (!d || d->state != CP_DTLS_CONNECTING || d->free_pending)
		return 0;
	if (!d->anchored)
		return 1; /* due now: on_timeout() starts the handshake clock */
	uint64_t t = d->deadline;
	struct timeval tv;
	if (d->ssl && !d->hs_done && DTLSv1_get_timeout(d->ssl, &tv) == 1) {
		uint64_t rtx = d->now + (uint64_t)tv.tv_sec * 1000u + ((uint64_t)tv.tv_usec + 999u) / 1000u;
		if (rtx < t)
			t = rtx;
	}
	return t ? t : 1;
}

void cp_dtls_on_timeout(struct cp_dtls *d, uint64_t now_ms)
{
	if (!d || d->busy || d->state != CP_DTLS_CONNECTING)
		return;
	enter(d);
	clock_update(d, now_ms);
	check_deadline(d);
	if (d->state == CP_DTLS_CONNECTING && d->ssl && !d->hs_done) {
		ERR_clear_error();
		if (DTLSv1_handle_timeout(d->ssl) < 0)
			fail_ssl(d, "DTLS retransmission", SSL_ERROR_SSL);
		flush_out(d);
	}
	leave(d);
}

enum cp_dtls_state cp_dtls_state(const struct cp_dtls *d)
{
	return d ? d->state : CP_DTLS_FAILED;
}

enum cp_dtls_role cp_dtls_role(const struct cp_dtls *d)
{
	return d ? d->role : CP_DTLS_ROLE_AUTO;
}

void cp_dtls_close(struct cp_dtls *d)
{
	if (!d || d->busy || d->state == CP_DTLS_FAILED || d->state == CP_DTLS_CLOSED)
		return;
	enter(d);
	if (d->ssl) {
		ERR_clear_error();
		if (!SSL_in_init(d->ssl))
			(void)SSL_shutdown(d->ssl);
	}
	end_with(d, CP_DTLS_CLOSED, false, "closed locally");
	leave(d);
}

void cp_dtls_free(struct cp_dtls *d)
{
	if (!d)
		return;
	if (d->busy) {
		d->free_pending = true; /* from a callback: the outer call frees */
		return;
	}
	destroy(d);
}
