/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp.c - the only file of Sluice that includes libsrtp (see dp_srtp.h
 * for the contract).
 *
 * Built against the system libsrtp2: on Debian 12 that is 2.5.0 (package
 * libsrtp2-1 2.5.0-3) with the NSS crypto back end (libsrtp2.so.1 links
 * libnss3/libnspr4). Two facts of that build matter here:
 *  - every cipher context is an NSS PKCS#11 context; creating a session
 *    calls NSS_InitContext() per cipher, so session creation costs tens of
 *    microseconds and belongs on the command path, never per packet;
 *  - the NSS AES-GCM encrypt writes the 16-byte tag right behind the
 *    payload (PK11_Encrypt with room for it), which is exactly the trailer
 *    we reserve, so the capacity check below is sufficient for GCM too.
 * libsrtp's header warns that protect "can write SRTP_MAX_TRAILER_LEN"
 * (144) bytes; in 2.5.0 without MKI it writes the tag only (RTP) or E+index
 * and the tag (RTCP). tests/srtp/test_srtp.c checks that with guard bytes.
 */
#define _GNU_SOURCE /* explicit_bzero */
#include "dp_srtp.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

/* What we know of each supported profile; tags are in bytes. */
struct dp_srtp_profile_info {
	enum sl_srtp_profile profile;
	srtp_profile_t lib;
	uint8_t key_len;
	uint8_t salt_len;
	uint8_t rtp_tag;
	uint8_t rtcp_tag;
};

#define DP_SRTCP_INDEX_LEN 4u /* E flag + 31-bit SRTCP index */

static const struct dp_srtp_profile_info dp_srtp_profiles[] = {
	{ SL_SRTP_AES128_CM_SHA1_80, srtp_profile_aes128_cm_sha1_80, 16, 14, 10, 10 },
	/* RFC 5764 4.1.2: SRTCP keeps the 80-bit tag with the _32 profile */
	{ SL_SRTP_AES128_CM_SHA1_32, srtp_profile_aes128_cm_sha1_32, 16, 14, 4, 10 },
	{ SL_SRTP_AEAD_AES_128_GCM, srtp_profile_aead_aes_128_gcm, 16, 12, 16, 16 },
	{ SL_SRTP_AEAD_AES_256_GCM, srtp_profile_aead_aes_256_gcm, 32, 12, 16, 16 },
};

_Static_assert(16 + 14 <= SL_SRTP_MASTER_MAX && 32 + 12 <= SL_SRTP_MASTER_MAX,
	       "master key||salt fits the ABI");
_Static_assert(DP_SRTP_MAX_TRAILER == 16 + DP_SRTCP_INDEX_LEN, "largest trailer");
_Static_assert(DP_SRTP_REPLAY_WINDOW >= 64 && DP_SRTP_REPLAY_WINDOW < 0x8000,
	       "libsrtp accepts windows of 64 .. 32767");

struct dp_srtp {
	srtp_t rx; /* NULL once wiped */
	srtp_t tx; /* NULL once wiped */
	enum sl_srtp_profile profile;
	uint32_t rtp_overhead;
	uint32_t rtcp_overhead;
};

static const struct dp_srtp_profile_info *profile_info(enum sl_srtp_profile profile)
{
	for (size_t i = 0; i < sizeof(dp_srtp_profiles) / sizeof(dp_srtp_profiles[0]); i++)
		if (dp_srtp_profiles[i].profile == profile)
			return &dp_srtp_profiles[i];
	return NULL;
}

/*
 * libsrtp status -> ours. replay_fail (index seen) and replay_old (older
 * than the window) are both REPLAY; parse errors of the packet are
 * BAD_PARAM; key_expired (2^48 packets on one key), alloc_fail (first
 * packet of a new SSRC and no memory), cipher_fail and the rest are ERROR.
 */
static enum dp_srtp_status map_status(srtp_err_status_t e)
{
	switch (e) {
	case srtp_err_status_ok:
		return DP_SRTP_OK;
	case srtp_err_status_auth_fail:
		return DP_SRTP_AUTH_FAIL;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old:
		return DP_SRTP_REPLAY;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_mki:
		return DP_SRTP_BAD_PARAM;
	default:
		return DP_SRTP_ERROR;
	}
}

static pthread_once_t dp_srtp_once = PTHREAD_ONCE_INIT;
static int dp_srtp_init_result = -EIO;

static void global_init_once(void)
{
	dp_srtp_init_result = srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

int dp_srtp_global_init(void)
{
	if (pthread_once(&dp_srtp_once, global_init_once) != 0)
		return -EIO;
	return dp_srtp_init_result;
}

const char *dp_srtp_status_str(enum dp_srtp_status st)
{
	switch (st) {
	case DP_SRTP_OK: return "ok";
	case DP_SRTP_AUTH_FAIL: return "auth_fail";
	case DP_SRTP_REPLAY: return "replay";
	case DP_SRTP_BAD_PARAM: return "bad_param";
	case DP_SRTP_NO_SPACE: return "no_space";
	case DP_SRTP_ERROR: return "error";
	}
	return "unknown";
}

int dp_srtp_key_lengths(enum sl_srtp_profile profile, uint8_t *key_len, uint8_t *salt_len)
{
	const struct dp_srtp_profile_info *pi = profile_info(profile);

	if (!pi)
		return -EINVAL;
	if (key_len)
		*key_len = pi->key_len;
	if (salt_len)
		*salt_len = pi->salt_len;
	return 0;
}

uint32_t dp_srtp_rtp_overhead(enum sl_srtp_profile profile)
{
	const struct dp_srtp_profile_info *pi = profile_info(profile);

	return pi ? pi->rtp_tag : 0;
}

uint32_t dp_srtp_rtcp_overhead(enum sl_srtp_profile profile)
{
	const struct dp_srtp_profile_info *pi = profile_info(profile);

	return pi ? pi->rtcp_tag + DP_SRTCP_INDEX_LEN : 0;
}

uint32_t dp_srtp_max_overhead(enum sl_srtp_profile profile)
{
	uint32_t rtp = dp_srtp_rtp_overhead(profile);
	uint32_t rtcp = dp_srtp_rtcp_overhead(profile);

	return rtp > rtcp ? rtp : rtcp;
}

/*
 * Creates one libsrtp session for one direction. master is key||salt of the
 * profile's lengths. The key bytes pass through a local copy (libsrtp wants
 * a non-const pointer) that is wiped before returning; libsrtp itself keeps
 * only what it derives.
 */
static enum dp_srtp_status session_create(srtp_t *out, const struct dp_srtp_profile_info *pi,
					  const uint8_t *master, srtp_ssrc_type_t type)
{
	uint8_t key[SL_SRTP_MASTER_MAX];
	srtp_policy_t pol;
	srtp_err_status_t e;

	*out = NULL;
	memset(&pol, 0, sizeof(pol));
	if (srtp_crypto_policy_set_from_profile_for_rtp(&pol.rtp, pi->lib) != srtp_err_status_ok ||
	    srtp_crypto_policy_set_from_profile_for_rtcp(&pol.rtcp, pi->lib) != srtp_err_status_ok)
		return DP_SRTP_ERROR; /* this libsrtp build lacks the profile (no GCM) */
	/* our overheads drive the capacity checks: they must be libsrtp's */
	if (pol.rtp.auth_tag_len != pi->rtp_tag || pol.rtcp.auth_tag_len != pi->rtcp_tag)
		return DP_SRTP_ERROR;

	memset(key, 0, sizeof(key));
	memcpy(key, master, (size_t)pi->key_len + pi->salt_len);
	pol.ssrc.type = type;
	pol.ssrc.value = 0;
	pol.key = key;
	pol.window_size = DP_SRTP_REPLAY_WINDOW;
	/* see dp_srtp.h: repeated protect of one index, byte-identical only */
	pol.allow_repeat_tx = type == ssrc_any_outbound ? 1 : 0;
	pol.next = NULL;
	e = srtp_create(out, &pol);
	explicit_bzero(key, sizeof(key));
	if (e != srtp_err_status_ok) {
		*out = NULL;
		return e == srtp_err_status_bad_param ? DP_SRTP_BAD_PARAM : DP_SRTP_ERROR;
	}
	return DP_SRTP_OK;
}

enum dp_srtp_status dp_srtp_create(struct dp_srtp **out, enum sl_srtp_profile profile,
				   const uint8_t *rx_master, const uint8_t *tx_master,
				   uint8_t key_len, uint8_t salt_len)
{
	const struct dp_srtp_profile_info *pi = profile_info(profile);
	struct dp_srtp *ctx;
	enum dp_srtp_status st;

	if (!out)
		return DP_SRTP_BAD_PARAM;
	*out = NULL;
	if (!pi || !rx_master || !tx_master || key_len != pi->key_len ||
	    salt_len != pi->salt_len)
		return DP_SRTP_BAD_PARAM;
	if (dp_srtp_global_init() != 0)
		return DP_SRTP_ERROR;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return DP_SRTP_ERROR;
	ctx->profile = profile;
	ctx->rtp_overhead = pi->rtp_tag;
	ctx->rtcp_overhead = pi->rtcp_tag + DP_SRTCP_INDEX_LEN;

	st = session_create(&ctx->rx, pi, rx_master, ssrc_any_inbound);
	if (st == DP_SRTP_OK)
		st = session_create(&ctx->tx, pi, tx_master, ssrc_any_outbound);
	if (st != DP_SRTP_OK) {
		dp_srtp_destroy(ctx);
		return st;
	}
	*out = ctx;
	return DP_SRTP_OK;
}

enum dp_srtp_status dp_srtp_create_from_msg(struct dp_srtp **out,
					    const struct sl_msg_srtp_keys *m)
{
	if (!m) {
		if (out)
			*out = NULL;
		return DP_SRTP_BAD_PARAM;
	}
	return dp_srtp_create(out, (enum sl_srtp_profile)m->profile, m->rx, m->tx, m->key_len,
			      m->salt_len);
}

enum sl_srtp_profile dp_srtp_profile(const struct dp_srtp *ctx)
{
	return ctx ? ctx->profile : SL_SRTP_NONE;
}

void dp_srtp_wipe(struct dp_srtp *ctx)
{
	if (!ctx)
		return;
	/* srtp_dealloc() frees every stream and zeroes the session keys and
	 * salts (NSS key objects are destroyed with their PKCS#11 contexts) */
	if (ctx->rx)
		srtp_dealloc(ctx->rx);
	if (ctx->tx)
		srtp_dealloc(ctx->tx);
	ctx->rx = NULL;
	ctx->tx = NULL;
	ctx->profile = SL_SRTP_NONE;
}

void dp_srtp_destroy(struct dp_srtp *ctx)
{
	if (!ctx)
		return;
	dp_srtp_wipe(ctx);
	free(ctx);
}

/*
 * Common argument checks. grow is what the operation adds (0 when it
 * shrinks the packet). Returns DP_SRTP_OK when libsrtp may be called.
 */
static enum dp_srtp_status check_args(const uint8_t *pkt, const uint32_t *len, uint32_t cap,
				      uint32_t grow)
{
	if (!pkt || !len || *len > cap || cap > (uint32_t)INT32_MAX)
		return DP_SRTP_BAD_PARAM;
	if (grow && cap - *len < grow)
		return DP_SRTP_NO_SPACE;
	return DP_SRTP_OK;
}

/* The four libsrtp transforms share one signature. */
typedef srtp_err_status_t (*srtp_transform_fn)(srtp_t, void *, int *);

/* Runs fn on pkt in place with session s (NULL: this direction has no keys),
 * after checking the arguments and that grow bytes of trailer fit. */
static enum dp_srtp_status transform(srtp_t s, srtp_transform_fn fn, uint8_t *pkt,
				     uint32_t *len, uint32_t cap, uint32_t grow)
{
	enum dp_srtp_status st;
	int n;

	if (!s)
		return DP_SRTP_BAD_PARAM;
	st = check_args(pkt, len, cap, grow);
	if (st != DP_SRTP_OK)
		return st;
	n = (int)*len;
	st = map_status(fn(s, pkt, &n));
	if (st == DP_SRTP_OK)
		*len = (uint32_t)n;
	return st;
}

enum dp_srtp_status dp_srtp_protect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					uint32_t cap)
{
	if (!ctx)
		return DP_SRTP_BAD_PARAM;
	return transform(ctx->tx, srtp_protect, pkt, len, cap, ctx->rtp_overhead);
}

enum dp_srtp_status dp_srtp_unprotect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					  uint32_t cap)
{
	if (!ctx)
		return DP_SRTP_BAD_PARAM;
	return transform(ctx->rx, srtp_unprotect, pkt, len, cap, 0);
}

enum dp_srtp_status dp_srtp_protect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					 uint32_t cap)
{
	if (!ctx)
		return DP_SRTP_BAD_PARAM;
	return transform(ctx->tx, srtp_protect_rtcp, pkt, len, cap, ctx->rtcp_overhead);
}

enum dp_srtp_status dp_srtp_unprotect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					   uint32_t cap)
{
	if (!ctx)
		return DP_SRTP_BAD_PARAM;
	return transform(ctx->rx, srtp_unprotect_rtcp, pkt, len, cap, 0);
}

unsigned int dp_srtp_protect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
				       uint32_t lens[], uint32_t cap,
				       enum dp_srtp_status st[], unsigned int n)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		st[i] = dp_srtp_protect_rtp(ctx[i], pkts[i], &lens[i], cap);
		ok += st[i] == DP_SRTP_OK;
	}
	return ok;
}

unsigned int dp_srtp_unprotect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					 uint32_t lens[], uint32_t cap,
					 enum dp_srtp_status st[], unsigned int n)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		st[i] = dp_srtp_unprotect_rtp(ctx[i], pkts[i], &lens[i], cap);
		ok += st[i] == DP_SRTP_OK;
	}
	return ok;
}

const char *dp_srtp_profile_name(enum sl_srtp_profile p)
{
	switch (p) {
	case SL_SRTP_AES128_CM_SHA1_80: return "AES128_CM_SHA1_80";
	case SL_SRTP_AES128_CM_SHA1_32: return "AES128_CM_SHA1_32";
	case SL_SRTP_AEAD_AES_128_GCM: return "AEAD_AES_128_GCM";
	case SL_SRTP_AEAD_AES_256_GCM: return "AEAD_AES_256_GCM";
	default: return "?";
	}
}
