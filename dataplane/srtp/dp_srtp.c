/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp.c - the dispatcher behind dp_srtp.h: the profile tables, the
 * engine selection, and the calls that forward to the engine a context was
 * created with (dp_srtp_int.h). No crypto here.
 */
#include "dp_srtp_int.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

static const struct dp_srtp_profile_info dp_srtp_profiles[] = {
	{ SL_SRTP_AES128_CM_SHA1_80, 16, 14, 10, 10, 0 },
	/* RFC 5764 4.1.2: SRTCP keeps the 80-bit tag with the _32 profile */
	{ SL_SRTP_AES128_CM_SHA1_32, 16, 14, 4, 10, 0 },
	{ SL_SRTP_AEAD_AES_128_GCM, 16, 12, 16, 16, 1 },
	{ SL_SRTP_AEAD_AES_256_GCM, 32, 12, 16, 16, 1 },
};

_Static_assert(16 + 14 <= SL_SRTP_MASTER_MAX && 32 + 12 <= SL_SRTP_MASTER_MAX,
	       "master key||salt fits the ABI");
_Static_assert(DP_SRTP_MAX_TRAILER == 16 + DP_SRTCP_INDEX_LEN, "largest trailer");

const struct dp_srtp_profile_info *dp_srtp_profile_info(enum sl_srtp_profile profile)
{
	for (size_t i = 0; i < sizeof(dp_srtp_profiles) / sizeof(dp_srtp_profiles[0]); i++)
		if (dp_srtp_profiles[i].profile == profile)
			return &dp_srtp_profiles[i];
	return NULL;
}

/*
 * Engines: libsrtp is the reference and must initialise; ipsec-mb is
 * optional (no AES-NI, library refuses) and the default when it works.
 */
static pthread_once_t dp_srtp_once = PTHREAD_ONCE_INIT;
static int dp_srtp_init_result = -EIO;
static int dp_srtp_imb_ok;
static const struct dp_srtp_ops *dp_srtp_engine = &dp_srtp_libsrtp_ops;

static void global_init_once(void)
{
	dp_srtp_init_result = dp_srtp_libsrtp_ops.global_init();
	dp_srtp_imb_ok = dp_srtp_imb_ops.global_init() == 0;
	if (dp_srtp_imb_ok)
		__atomic_store_n(&dp_srtp_engine, &dp_srtp_imb_ops, __ATOMIC_RELEASE);
}

int dp_srtp_global_init(void)
{
	if (pthread_once(&dp_srtp_once, global_init_once) != 0)
		return -EIO;
	return dp_srtp_init_result;
}

int dp_srtp_set_engine(const char *name)
{
	if (!name)
		return -EINVAL;
	if (dp_srtp_global_init() != 0)
		return -EIO;
	if (strcmp(name, dp_srtp_libsrtp_ops.name) == 0) {
		__atomic_store_n(&dp_srtp_engine, &dp_srtp_libsrtp_ops, __ATOMIC_RELEASE);
		return 0;
	}
	if (strcmp(name, dp_srtp_imb_ops.name) == 0) {
		if (!dp_srtp_imb_ok)
			return -ENOTSUP;
		__atomic_store_n(&dp_srtp_engine, &dp_srtp_imb_ops, __ATOMIC_RELEASE);
		return 0;
	}
	return -EINVAL;
}

const char *dp_srtp_engine_name(void)
{
	(void)dp_srtp_global_init();
	return __atomic_load_n(&dp_srtp_engine, __ATOMIC_ACQUIRE)->name;
}

const char *dp_srtp_engine_arch(void)
{
	(void)dp_srtp_global_init();
	return dp_srtp_imb_ok ? dp_srtp_imb_arch() : "none";
}

const char *dp_srtp_ctx_engine(const struct dp_srtp *ctx)
{
	return ctx ? ctx->ops->name : "?";
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

int dp_srtp_key_lengths(enum sl_srtp_profile profile, uint8_t *key_len, uint8_t *salt_len)
{
	const struct dp_srtp_profile_info *pi = dp_srtp_profile_info(profile);

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
	const struct dp_srtp_profile_info *pi = dp_srtp_profile_info(profile);

	return pi ? pi->rtp_tag : 0;
}

uint32_t dp_srtp_rtcp_overhead(enum sl_srtp_profile profile)
{
	const struct dp_srtp_profile_info *pi = dp_srtp_profile_info(profile);

	return pi ? pi->rtcp_tag + DP_SRTCP_INDEX_LEN : 0;
}

uint32_t dp_srtp_max_overhead(enum sl_srtp_profile profile)
{
	uint32_t rtp = dp_srtp_rtp_overhead(profile);
	uint32_t rtcp = dp_srtp_rtcp_overhead(profile);

	return rtp > rtcp ? rtp : rtcp;
}

enum dp_srtp_status dp_srtp_create(struct dp_srtp **out, enum sl_srtp_profile profile,
				   const uint8_t *rx_master, const uint8_t *tx_master,
				   uint8_t key_len, uint8_t salt_len)
{
	const struct dp_srtp_profile_info *pi = dp_srtp_profile_info(profile);
	const struct dp_srtp_ops *ops;
	enum dp_srtp_status st;

	if (!out)
		return DP_SRTP_BAD_PARAM;
	*out = NULL;
	if (!pi || !rx_master || !tx_master || key_len != pi->key_len ||
	    salt_len != pi->salt_len)
		return DP_SRTP_BAD_PARAM;
	if (dp_srtp_global_init() != 0)
		return DP_SRTP_ERROR;
	ops = __atomic_load_n(&dp_srtp_engine, __ATOMIC_ACQUIRE);
	st = ops->create(out, pi, rx_master, tx_master);
	if (st != DP_SRTP_OK) {
		*out = NULL;
		return st;
	}
	(*out)->ops = ops;
	(*out)->profile = profile;
	(*out)->rtp_overhead = pi->rtp_tag;
	(*out)->rtcp_overhead = pi->rtcp_tag + DP_SRTCP_INDEX_LEN;
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
	ctx->ops->wipe(ctx);
	ctx->profile = SL_SRTP_NONE;
}

void dp_srtp_destroy(struct dp_srtp *ctx)
{
	if (!ctx)
		return;
	ctx->ops->destroy(ctx);
}

/* A context that may be used: not NULL, not wiped. */
static int usable(const struct dp_srtp *ctx)
{
	return ctx && ctx->profile != SL_SRTP_NONE;
}

enum dp_srtp_status dp_srtp_protect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					uint32_t cap)
{
	return usable(ctx) ? ctx->ops->protect_rtp(ctx, pkt, len, cap) : DP_SRTP_BAD_PARAM;
}

enum dp_srtp_status dp_srtp_unprotect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					  uint32_t cap)
{
	return usable(ctx) ? ctx->ops->unprotect_rtp(ctx, pkt, len, cap) : DP_SRTP_BAD_PARAM;
}

enum dp_srtp_status dp_srtp_protect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					 uint32_t cap)
{
	return usable(ctx) ? ctx->ops->protect_rtcp(ctx, pkt, len, cap) : DP_SRTP_BAD_PARAM;
}

enum dp_srtp_status dp_srtp_unprotect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					   uint32_t cap)
{
	return usable(ctx) ? ctx->ops->unprotect_rtcp(ctx, pkt, len, cap) : DP_SRTP_BAD_PARAM;
}

/*
 * The engine of a burst: the one of its usable contexts when they share one
 * (the common case), else NULL (mixed engines: packet by packet).
 * Unusable contexts get BAD_PARAM either way.
 */
static const struct dp_srtp_ops *burst_ops(struct dp_srtp *const ctx[], unsigned int n)
{
	const struct dp_srtp_ops *ops = NULL;

	for (unsigned int i = 0; i < n; i++) {
		if (!usable(ctx[i]))
			continue;
		if (!ops)
			ops = ctx[i]->ops;
		else if (ops != ctx[i]->ops)
			return NULL;
	}
	return ops;
}

enum { DP_SRTP_BURST_MAX = 64 };

/*
 * Runs a burst through one engine call when it can. Wiped contexts are
 * passed to the engine as NULL (BAD_PARAM), so its burst sees only usable
 * ones; a burst of more than DP_SRTP_BURST_MAX packets goes in chunks.
 */
static unsigned int burst(int protect, struct dp_srtp *const ctx[], uint8_t *const pkts[],
			  uint32_t lens[], uint32_t cap, enum dp_srtp_status st[],
			  unsigned int n)
{
	struct dp_srtp *v[DP_SRTP_BURST_MAX];
	unsigned int ok = 0;

	for (unsigned int off = 0; off < n; off += DP_SRTP_BURST_MAX) {
		unsigned int m = n - off < DP_SRTP_BURST_MAX ? n - off : DP_SRTP_BURST_MAX;
		const struct dp_srtp_ops *ops = burst_ops(ctx + off, m);

		if (!ops) {
			dp_srtp_one_fn fn = protect ? dp_srtp_protect_rtp : dp_srtp_unprotect_rtp;

			ok += dp_srtp_burst_loop(fn, ctx + off, pkts + off, lens + off, cap,
						 st + off, m);
			continue;
		}
		for (unsigned int i = 0; i < m; i++)
			v[i] = usable(ctx[off + i]) ? ctx[off + i] : NULL;
		ok += (protect ? ops->protect_rtp_burst : ops->unprotect_rtp_burst)(
			v, pkts + off, lens + off, cap, st + off, m);
	}
	return ok;
}

unsigned int dp_srtp_protect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
				       uint32_t lens[], uint32_t cap,
				       enum dp_srtp_status st[], unsigned int n)
{
	return burst(1, ctx, pkts, lens, cap, st, n);
}

unsigned int dp_srtp_unprotect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					 uint32_t lens[], uint32_t cap,
					 enum dp_srtp_status st[], unsigned int n)
{
	return burst(0, ctx, pkts, lens, cap, st, n);
}

unsigned int dp_srtp_protect_rtp_burst_from(struct dp_srtp *const ctx[], uint8_t *const dst[],
					    const uint32_t hdr_lens[],
					    const uint8_t *const payload[], const uint32_t plens[],
					    uint32_t cap, uint32_t out_lens[],
					    enum dp_srtp_status st[], unsigned int n)
{
	struct dp_srtp *v[DP_SRTP_BURST_MAX];
	unsigned int ok = 0;

	for (unsigned int off = 0; off < n; off += DP_SRTP_BURST_MAX) {
		unsigned int m = n - off < DP_SRTP_BURST_MAX ? n - off : DP_SRTP_BURST_MAX;
		const struct dp_srtp_ops *ops = burst_ops(ctx + off, m);

		for (unsigned int i = 0; i < m; i++)
			v[i] = usable(ctx[off + i]) ? ctx[off + i] : NULL;
		if (ops)
			ok += ops->protect_rtp_burst_from(v, dst + off, hdr_lens + off,
							  payload + off, plens + off, cap,
							  out_lens + off, st + off, m);
		else /* mixed engines: assemble and protect one by one */
			ok += dp_srtp_burst_from_loop(dp_srtp_protect_rtp, v, dst + off,
						      hdr_lens + off, payload + off, plens + off,
						      cap, out_lens + off, st + off, m);
	}
	return ok;
}
