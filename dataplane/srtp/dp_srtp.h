/* SPDX-License-Identifier: MIT */
/*
 * dp_srtp - the data plane's SRTP/SRTCP crypto boundary.
 *
 * Everything the data plane does with SRTP goes through this header. Two
 * engines implement it (dp_srtp_int.h):
 *  - "ipsec-mb" (dp_srtp_imb.c): written here on intel-ipsec-mb; AES-GCM
 *    through its direct API, AES-CM + HMAC-SHA1 through its multi-buffer
 *    job API, which the burst calls keep filled across packets. The
 *    default when ipsec-mb initialises on this CPU.
 *  - "libsrtp" (dp_srtp_libsrtp.c, the only file that includes libsrtp):
 *    the reference. tests/srtp compare the two byte for byte.
 * Both follow every rule below (windows, repeat-tx, statuses, lengths).
 * The engine is chosen per process with dp_srtp_set_engine() before
 * contexts are made; a context keeps the engine it was created with.
 *
 * One struct dp_srtp holds one transport's pair of sessions:
 *  - rx: unprotects what the remote sends us, keyed with the remote's master
 *        key (sl_msg_srtp_keys.rx);
 *  - tx: protects what we send, keyed with our master key (.tx).
 * Both are "any SSRC" sessions: any number of SSRCs (media, RTX, probes, RTCP
 * senders) work on one transport without registering them. The engine
 * creates a per-SSRC stream state (replay window, ROC) the first time it
 * sees an SSRC:
 * on tx at the first protect, on rx only after the first packet of that SSRC
 * authenticated. That first packet allocates (one small stream struct and
 * its replay bitmap; the ciphers are shared by the session's streams, so no
 * key work); every later one does not. An authenticated peer could create
 * streams without bound by cycling SSRCs, so the caller should unprotect RTP
 * only for SSRCs it knows (the SSRC is in clear in the header) and count the
 * rest as no_producer.
 *
 * The ipsec-mb engine holds at most DP_SRTP_MAX_STREAMS (4096) streams per
 * direction of one context; past that, packets of new SSRCs get ERROR.
 *
 * Replay: the rx replay window is DP_SRTP_REPLAY_WINDOW packets per SSRC
 * (video reorders and NACK-repaired packets arrive late); SRTCP keeps
 * libsrtp's fixed 128-packet window. Windows move only after a packet
 * authenticated. Limits: 2^48 SRTP packets per session key and 2^31 SRTCP
 * indices per SSRC, then ERROR (the transport needs new keys).
 *
 * Repeated protect of one (SSRC, sequence number): tx sessions are created
 * with allow-repeat-tx (libsrtp's allow_repeat_tx; the ipsec-mb engine does
 * the same), so protecting a packet whose index was already protected
 * succeeds instead of failing with REPLAY. The same index
 * means the same keystream (AES-CM) or the same nonce (AES-GCM), hence:
 *  - byte-identical plaintext packet -> byte-identical SRTP packet, harmless
 *    (the receiver then drops the second copy as a REPLAY unless the first
 *    was lost, which is the point of a plain retransmission);
 *  - a different payload under AES-CM leaks the XOR of the two payloads;
 *  - ANY different byte (payload or header, e.g. a new transport-cc sequence
 *    number in a header extension) under AES-GCM reuses a GCM nonce, which
 *    leaks the GHASH key and lets an attacker forge packets on that session.
 * So a caller must never re-protect an index with different bytes. Answer
 * NACKs with RTX (RFC 4588: its own SSRC and sequence numbers, so every
 * retransmission is a new index) or by resending the already protected bytes
 * of the original; re-protecting the same index is only for byte-identical
 * packets. Protecting an index older than the replay window of its stream
 * fails with DP_SRTP_REPLAY.
 *
 * Keys: neither engine keeps the master key. libsrtp engine: the master
 * key||salt passes through a stack buffer only long enough for libsrtp to
 * derive the session keys, then is wiped; libsrtp keeps the derived session
 * keys and salts (its KDF state is cleared after derivation) inside its
 * streams and NSS cipher contexts until the sessions are deallocated; then
 * it zeroes the salts and cipher state and frees the NSS key objects.
 * ipsec-mb engine: derives the session keys itself (RFC 3711 4.3, AES-CM
 * PRF; a GCM profile's 12-byte master salt padded with two zero bytes, as
 * libsrtp does) and keeps them, expanded (AES key schedules, GHASH powers,
 * hashed HMAC pads), in the context; its temporaries are wiped.
 * dp_srtp_wipe() zeroes/releases the session keys early; dp_srtp_destroy()
 * releases them and the context.
 *
 * Threading: dp_srtp_global_init() once per process, before anything else
 * (dp_srtp_create() also calls it, idempotently). After that each struct
 * dp_srtp belongs to one thread (the transport's owner lcore); different
 * contexts may be used on different threads at once. The ipsec-mb engine
 * keeps one IMB_MGR per thread, allocated at the thread's first call (a
 * few KB) and freed at thread exit.
 *
 * Packets: all calls work in place on pkt[0 .. *len), and may write up to
 * cap bytes. The buffer should be 4-byte aligned (libsrtp reads 32-bit
 * words; unaligned works on x86-64 and arm64, slower). *len is changed only
 * on DP_SRTP_OK. On NO_SPACE, and on BAD_PARAM from the argument checks, pkt
 * is untouched; after any other failure the content of pkt[0 .. cap) is
 * unspecified (decryption may have run in place: AES-GCM in both engines,
 * AES-CM in the ipsec-mb engine, whose one job hashes then deciphers):
 * drop the packet.
 *
 * ipsec-mb engine (measured on the build machine): dp_srtp_create() about
 * 5 us, destroy 1-2 us (no NSS), any profile. A context holds about 9 KB
 * (key schedules, GHASH tables, two stream tables) plus ~180 bytes per
 * stream.
 *
 * libsrtp engine (measured on the build machine): Debian 12 ships libsrtp2 2.5.0
 * (package libsrtp2-1 2.5.0-3) built against NSS (ldd libsrtp2.so.1 ->
 * libnss3, libnspr4; libsrtp's crypto back end string "aes icm nss"), not
 * OpenSSL and not libsrtp's built-in AES. What that costs:
 *  - AES-CM profiles: libsrtp's NSS AES-ICM code destroys and re-creates a
 *    PKCS#11 context on every packet (set_iv), and HMAC-SHA1 runs through
 *    PK11_Digest*; per packet this is ~3x the cost of the GCM profiles,
 *    whose NSS code is one PK11_Encrypt/PK11_Decrypt call. Prefer
 *    AEAD_AES_128_GCM when negotiating DTLS-SRTP profiles.
 *  - Creating a context calls NSS_InitContext() for each of its ciphers:
 *    about 30 us (GCM) to 130 us (AES-CM) per dp_srtp_create() and 15-110
 *    us per destroy here. Done on an lcore, that is a pause of its burst
 *    loop; create contexts off the fast path where possible.
 * tests/bench/bench_srtp.c measures packets/s per profile and size.
 */
#ifndef DP_SRTP_H
#define DP_SRTP_H

#include <stdint.h>

#include <sluice/abi.h>

/* Per-SSRC rx replay window, in packets (libsrtp accepts 64 .. 32767). */
#define DP_SRTP_REPLAY_WINDOW 1024u
/* The largest trailer any supported profile adds (SRTCP with AES-GCM). */
#define DP_SRTP_MAX_TRAILER 20u

enum dp_srtp_status {
	DP_SRTP_OK = 0,
	DP_SRTP_AUTH_FAIL, /* authentication tag wrong: forged, corrupted, wrong key */
	DP_SRTP_REPLAY,    /* index already seen, or older than the replay window */
	DP_SRTP_BAD_PARAM, /* malformed packet, bad arguments, wiped context */
	DP_SRTP_NO_SPACE,  /* cap too small for the trailer; packet untouched */
	DP_SRTP_ERROR,     /* anything else: library failure, key expired, no memory */
};

/* Opaque: one transport's rx and tx SRTP sessions. */
struct dp_srtp;

/*
 * Initialises libsrtp and probes ipsec-mb once per process; later calls
 * return the first call's result. Thread-safe. Returns 0 or -EIO (libsrtp
 * failed; ipsec-mb failing only makes libsrtp the default engine).
 */
int dp_srtp_global_init(void);

/*
 * Selects the engine of the contexts created from now on: "ipsec-mb" or
 * "libsrtp". Returns 0, -EINVAL (unknown name), -ENOTSUP (ipsec-mb did not
 * initialise on this machine) or -EIO (dp_srtp_global_init() failed).
 * Call it at start-up, before contexts exist; contexts keep their engine.
 */
int dp_srtp_set_engine(const char *name);

/* The engine new contexts get ("ipsec-mb" or "libsrtp"). */
const char *dp_srtp_engine_name(void);

/* ipsec-mb's code path on this CPU ("avx512", "avx2", "avx", "sse",
 * "noaesni"), or "none" when ipsec-mb did not initialise. */
const char *dp_srtp_engine_arch(void);

/* The engine of one context, "?" for NULL. */
const char *dp_srtp_ctx_engine(const struct dp_srtp *ctx);

/* A constant name for a status ("ok", "auth_fail", ...). */
const char *dp_srtp_status_str(enum dp_srtp_status st);

/* Name of a profile as in enum sl_srtp_profile ("AEAD_AES_128_GCM"...), "?" if unknown. */
const char *dp_srtp_profile_name(enum sl_srtp_profile p);

/* The drop counter a failed unprotect belongs to (enum sl_drop_reason). */
static inline unsigned int dp_srtp_drop_reason(enum dp_srtp_status st)
{
	switch (st) {
	case DP_SRTP_AUTH_FAIL: return SL_DROP_SRTP_AUTH;
	case DP_SRTP_REPLAY: return SL_DROP_SRTP_REPLAY;
	default: return SL_DROP_SRTP_OTHER;
	}
}

/*
 * Master key and master salt lengths of a profile. Returns 0, or -EINVAL for
 * a profile this wrapper does not support (SL_SRTP_NONE included).
 */
int dp_srtp_key_lengths(enum sl_srtp_profile profile, uint8_t *key_len, uint8_t *salt_len);

/*
 * Bytes protect adds to an RTP packet (the auth tag) and to an RTCP packet
 * (E flag + SRTCP index + auth tag), and the larger of the two: the trailer
 * room to reserve behind every packet. 0 for an unsupported profile.
 * AES128_CM_SHA1_80: 10 / 14; AES128_CM_SHA1_32: 4 / 14 (SRTCP keeps an
 * 80-bit tag, RFC 5764 4.1.2); AEAD_AES_128_GCM, AEAD_AES_256_GCM: 16 / 20.
 */
uint32_t dp_srtp_rtp_overhead(enum sl_srtp_profile profile);
uint32_t dp_srtp_rtcp_overhead(enum sl_srtp_profile profile);
uint32_t dp_srtp_max_overhead(enum sl_srtp_profile profile);

/*
 * Creates the rx and tx sessions of one transport. rx_master and tx_master
 * each point to key_len bytes of master key followed by salt_len bytes of
 * master salt, laid out as in struct sl_msg_srtp_keys. key_len and salt_len
 * must be those of the profile (dp_srtp_key_lengths()).
 * Returns DP_SRTP_OK and *out; DP_SRTP_BAD_PARAM for an unknown profile,
 * wrong lengths or NULL pointers; DP_SRTP_ERROR when the engine fails (no
 * memory, or this libsrtp build lacks the profile). *out is NULL on failure.
 * The context uses the engine selected now (dp_srtp_set_engine()).
 * Allocates: call it from the command path, not per packet.
 */
enum dp_srtp_status dp_srtp_create(struct dp_srtp **out, enum sl_srtp_profile profile,
				   const uint8_t *rx_master, const uint8_t *tx_master,
				   uint8_t key_len, uint8_t salt_len);

/* dp_srtp_create() from an SL_MSG_SRTP_KEYS payload (already validated or not). */
enum dp_srtp_status dp_srtp_create_from_msg(struct dp_srtp **out,
					    const struct sl_msg_srtp_keys *m);

/* The profile ctx was created with (SL_SRTP_NONE once wiped). */
enum sl_srtp_profile dp_srtp_profile(const struct dp_srtp *ctx);

/*
 * Releases both sessions now, which zeroes the session keys the engine
 * derived, and leaves ctx keyless: every later protect/unprotect returns
 * DP_SRTP_BAD_PARAM. ctx itself stays valid until dp_srtp_destroy(). The
 * wrapper holds no key bytes of its own (see the top of this file).
 * NULL is a no-op.
 */
void dp_srtp_wipe(struct dp_srtp *ctx);

/* Wipes and frees ctx. NULL is a no-op. */
void dp_srtp_destroy(struct dp_srtp *ctx);

/*
 * Single-packet calls, in place. pkt holds *len bytes in a buffer of cap
 * bytes (cap >= *len). On DP_SRTP_OK *len is the new length.
 *  protect_rtp:    needs cap >= *len + dp_srtp_rtp_overhead(), else NO_SPACE;
 *                  *len grows by that overhead. BAD_PARAM if *len < 12 or the
 *                  CSRC list / header extension overruns the packet.
 *  unprotect_rtp:  *len shrinks by the overhead. AUTH_FAIL, REPLAY, BAD_PARAM
 *                  (too short, malformed header).
 *  protect_rtcp:   needs cap >= *len + dp_srtp_rtcp_overhead(); *len >= 8.
 *  unprotect_rtcp: *len shrinks by the RTCP overhead.
 * Lengths above INT32_MAX are BAD_PARAM.
 */
enum dp_srtp_status dp_srtp_protect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					uint32_t cap);
enum dp_srtp_status dp_srtp_unprotect_rtp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					  uint32_t cap);
enum dp_srtp_status dp_srtp_protect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					 uint32_t cap);
enum dp_srtp_status dp_srtp_unprotect_rtcp(struct dp_srtp *ctx, uint8_t *pkt, uint32_t *len,
					   uint32_t cap);

/*
 * Burst calls: packet i is pkts[i] with lens[i] bytes in a buffer of cap
 * bytes, processed with ctx[i] (packets of a burst may belong to different
 * transports); st[i] receives its status and lens[i] its new length on OK.
 * Returns how many packets got DP_SRTP_OK. Packets are processed in order,
 * so two packets of one stream in a burst keep their replay-window order.
 * The ipsec-mb engine keeps the AES-CM packets of a burst in flight
 * together (one multi-buffer job each; an unprotect waits for an earlier
 * packet of its own stream); the libsrtp engine loops over the single calls.
 * Either way the statuses are those the single calls would give in order.
 */
unsigned int dp_srtp_protect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
				       uint32_t lens[], uint32_t cap,
				       enum dp_srtp_status st[], unsigned int n);
unsigned int dp_srtp_unprotect_rtp_burst(struct dp_srtp *const ctx[], uint8_t *const pkts[],
					 uint32_t lens[], uint32_t cap,
					 enum dp_srtp_status st[], unsigned int n);

/*
 * Out-of-place protect burst, for fan-out: packet i is the RTP header
 * already written at dst[i] (hdr_lens[i] bytes, complete: CSRCs and
 * extension included; the consumer's SSRC, sequence number, ...) followed
 * by the plens[i] payload bytes at payload[i], which are only read: many
 * packets may share one payload (the one plaintext of a fan-out). The SRTP
 * payload and the tag are written behind the header in dst[i]'s buffer of
 * cap bytes, and on DP_SRTP_OK out_lens[i] = hdr_lens[i] + plens[i] + the
 * RTP overhead (untouched otherwise). payload[i] == dst[i] + hdr_lens[i] is
 * in place; otherwise the payload must not overlap dst[i]'s buffer.
 * Statuses are those dp_srtp_protect_rtp() gives for the assembled packet
 * (BAD_PARAM as well when hdr_lens[i] is not the header's own length or
 * hdr_lens[i] + plens[i] > cap; NO_SPACE when only the trailer does not
 * fit: dst untouched then). Same index rules as the in-place calls (the
 * GCM nonce rule above: one index, one content). The ipsec-mb engine seals
 * AES-GCM straight from payload into dst; AES-CM (and the libsrtp engine)
 * move the payload behind the header first.
 */
unsigned int dp_srtp_protect_rtp_burst_from(struct dp_srtp *const ctx[], uint8_t *const dst[],
					    const uint32_t hdr_lens[],
					    const uint8_t *const payload[], const uint32_t plens[],
					    uint32_t cap, uint32_t out_lens[],
					    enum dp_srtp_status st[], unsigned int n);

#endif /* DP_SRTP_H */
