/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp_libsrtp.c - the libsrtp2 SRTP engine, the reference (see dp_srtp.h
 * for the contract, dp_srtp_int.h for the engine interface). The only file
 * of Sluice that includes libsrtp.
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
#include "dp_srtp_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

/* libsrtp's name of each profile. */
static srtp_profile_t lib_profile(enum sl_srtp_profile p)
{
	switch (p) {
	case SL_SRTP_AES128_CM_SHA1_80: return srtp_profile_aes128_cm_sha1_80;
	case SL_SRTP_AES128_CM_SHA1_32: return srtp_profile_aes128_cm_sha1_32;
	case SL_SRTP_AEAD_AES_128_GCM: return srtp_profile_aead_aes_128_gcm;
	case SL_SRTP_AEAD_AES_256_GCM: return srtp_profile_aead_aes_256_gcm;
	default: return srtp_profile_reserved;
	}
}

_Static_assert(DP_SRTP_REPLAY_WINDOW >= 64 && DP_SRTP_REPLAY_WINDOW < 0x8000,
	       "libsrtp accepts windows of 64 .. 32767");

struct dp_srtp_lib {
	struct dp_srtp head; /* first: see dp_srtp_int.h */
	srtp_t rx;           /* NULL once wiped */
	srtp_t tx;           /* NULL once wiped */
};

static struct dp_srtp_lib *lib_ctx(struct dp_srtp *ctx)
{
	return (struct dp_srtp_lib *)ctx;
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

/* srtp_init() once; the dispatcher's dp_srtp_global_init() calls this once. */
static int lib_global_init(void)
{
	return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
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
	if (srtp_crypto_policy_set_from_profile_for_rtp(&pol.rtp, lib_profile(pi->profile)) != srtp_err_status_ok ||
	    srtp_crypto_policy_set_from_profile_for_rtcp(&pol.rtcp, lib_profile(pi->profile)) != srtp_err_status_ok)
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

static void lib_wipe(struct dp_srtp *ctx)
{
	struct dp_srtp_lib *c = lib_ctx(ctx);

	/* srtp_dealloc() frees every stream and zeroes the session keys and
	 * salts (NSS key objects are destroyed with their PKCS#11 contexts) */
	if (c->rx)
		srtp_dealloc(c->rx);
	if (c->tx)
		srtp_dealloc(c->tx);
	c->rx = NULL;
	c->tx = NULL;
}

static void lib_destroy(struct dp_srtp *ctx)
{
	lib_wipe(ctx);
	free(ctx);
}

static enum dp_srtp_status lib_create(struct dp_srtp **out, const struct dp_srtp_profile_info *pi,
				      const uint8_t *rx_master, const uint8_t *tx_master)
{
	struct dp_srtp_lib *c = calloc(1, sizeof(*c));
	enum dp_srtp_status st;

	*out = NULL;
	if (!c)
		return DP_SRTP_ERROR;
	st = session_create(&c->rx, pi, rx_master, ssrc_any_inbound);
	if (st == DP_SRTP_OK)
		st = session_create(&c->tx, pi, tx_master, ssrc_any_outbound);
	if (st != DP_SRTP_OK) {
		lib_destroy(&c->head);
		return st;
	}
	*out = &c->head;
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
	st = dp_srtp_check_args(pkt, len, cap, grow);
	if (st != DP_SRTP_OK)
		return st;
	n = (int)*len;
	st = map_status(fn(s, pkt, &n));
	if (st == DP_SRTP_OK)
		*len = (uint32_t)n;
	return st;
}

static enum dp_srtp_status lib_protect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					   uint32_t cap)
{
	return transform(lib_ctx(ctx)->tx, srtp_protect, pkt, len, cap, ctx->rtp_overhead);
}

static enum dp_srtp_status lib_unprotect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					     uint32_t cap)
{
	return transform(lib_ctx(ctx)->rx, srtp_unprotect, pkt, len, cap, 0);
}

static enum dp_srtp_status lib_protect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					    uint32_t cap)
{
	return transform(lib_ctx(ctx)->tx, srtp_protect_rtcp, pkt, len, cap, ctx->rtcp_overhead);
}

static enum dp_srtp_status lib_unprotect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					      uint32_t cap)
{
	return transform(lib_ctx(ctx)->rx, srtp_unprotect_rtcp, pkt, len, cap, 0);
}

static unsigned int lib_protect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					  uint32_t lens[], uint32_t cap,
					  enum dp_srtp_status st[], unsigned int n)
{
	return dp_srtp_burst_loop(lib_protect_rtp, ctx, pkts, lens, cap, st, n);
}

static unsigned int lib_unprotect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					    uint32_t lens[], uint32_t cap,
					    enum dp_srtp_status st[], unsigned int n)
{
	return dp_srtp_burst_loop(lib_unprotect_rtp, ctx, pkts, lens, cap, st, n);
}

static unsigned int lib_protect_rtp_burst_from(struct dp_srtp *const ctx[], uint8_t *const dst[],
					       const uint32_t hdr_lens[],
					       const uint8_t *const payload[],
					       const uint32_t plens[], uint32_t cap,
					       uint32_t out_lens[], enum dp_srtp_status st[],
					       unsigned int n)
{
	return dp_srtp_burst_from_loop(lib_protect_rtp, ctx, dst, hdr_lens, payload, plens, cap,
				       out_lens, st, n);
}

const struct dp_srtp_ops dp_srtp_libsrtp_ops = {
	.name = "libsrtp",
	.global_init = lib_global_init,
	.create = lib_create,
	.wipe = lib_wipe,
	.destroy = lib_destroy,
	.protect_rtp = lib_protect_rtp,
	.unprotect_rtp = lib_unprotect_rtp,
	.protect_rtcp = lib_protect_rtcp,
	.unprotect_rtcp = lib_unprotect_rtcp,
	.protect_rtp_burst = lib_protect_rtp_burst,
	.unprotect_rtp_burst = lib_unprotect_rtp_burst,
	.protect_rtp_burst_from = lib_protect_rtp_burst_from,
};
