/* SPDX-License-Identifier: MIT */
/*
 * cp_dtls.h - the control plane's DTLS-SRTP endpoint (RFC 5763/5764).
 *
 * One struct cp_dtls per WebRTC transport. It never owns a socket: DTLS
 * datagrams taken from the data plane's event ring are pushed in with
 * cp_dtls_feed() and every datagram it wants to send comes out through the
 * send callback (the caller puts it on the transport's command ring). Time is
 * the caller's monotonic clock in milliseconds; nothing here sleeps or reads
 * a clock for its deadlines.
 *
 * Only DTLS 1.2 is spoken (a DTLS-1.3-capable ClientHello is answered with
 * 1.2), with ECDHE and AES-GCM preferred, the use_srtp extension, the peer
 * certificate required and checked against the fingerprint signalled in the
 * remote dtlsParameters. On success the SRTP master keys for both directions
 * are handed to the connected callback in the ABI layout of
 * struct sl_msg_srtp_keys and are not kept anywhere afterwards.
 *
 * Thread model: an endpoint is used by one thread at a time. A certificate
 * may be shared by endpoints on several threads.
 *
 * Callbacks run synchronously inside cp_dtls_feed(), cp_dtls_on_timeout(),
 * cp_dtls_set_remote() and cp_dtls_close(). From a callback the caller may
 * call cp_dtls_state() and cp_dtls_free() on the same endpoint (the free is
 * deferred until the outer call returns, and no further callback runs), but
 * not cp_dtls_feed()/cp_dtls_on_timeout()/cp_dtls_set_remote() (they return
 * -EBUSY).
 */
#ifndef SLUICE_CP_DTLS_H
#define SLUICE_CP_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"

/* ------------------------------------------------------------------ */
/* Certificate                                                         */
/* ------------------------------------------------------------------ */

/* Key + self-signed X.509 certificate and the DTLS context built on them.
 * Endpoints take their own reference, so a certificate may be freed while
 * endpoints created from it are still alive. */
struct cp_dtls_cert;

/* Generates an ECDSA P-256 key and a self-signed certificate (SHA-256
 * signature, random serial, valid from one day ago for 30 days).
 * Returns 0 or -ENOMEM / -EIO (OpenSSL failure). */
int cp_dtls_cert_generate(struct cp_dtls_cert **out);

/* Loads a PEM certificate and its PEM private key (EC or RSA; the key must
 * match the certificate). On failure returns -ENOENT (file cannot be read),
 * -EINVAL (not PEM / key does not match / unsupported key), -ENOMEM or -EIO
 * and writes a human-readable reason into err (if errlen > 0). */
int cp_dtls_cert_load(struct cp_dtls_cert **out, const char *cert_pem_path,
		      const char *key_pem_path, char *err, size_t errlen);

/* The "sha-256" fingerprint of the certificate as signalled in
 * dtlsParameters: upper-case hex byte pairs separated by ':'
 * ("AB:CD:...", 95 characters). Valid as long as the certificate. */
const char *cp_dtls_cert_fingerprint(const struct cp_dtls_cert *c);

void cp_dtls_cert_free(struct cp_dtls_cert *c);

/* ------------------------------------------------------------------ */
/* Endpoint                                                            */
/* ------------------------------------------------------------------ */

enum cp_dtls_role { CP_DTLS_ROLE_AUTO, CP_DTLS_ROLE_CLIENT, CP_DTLS_ROLE_SERVER };

enum cp_dtls_state {
	CP_DTLS_NEW,        /* role not known yet: no set_remote, no datagram */
	CP_DTLS_CONNECTING, /* handshake under way (or waiting for the fingerprint) */
	CP_DTLS_CONNECTED,  /* keys delivered */
	CP_DTLS_FAILED,     /* final: handshake/verification/timeout error */
	CP_DTLS_CLOSED,     /* final: close_notify sent or received */
};

#define CP_DTLS_MTU_DEFAULT 1200u
#define CP_DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS 30000u
#define CP_DTLS_MAX_DGRAM 16384u /* larger datagrams are refused by feed */

struct cp_dtls_cb {
	/* One datagram to send to the peer; the bytes are valid during the
	 * call only. Never larger than the endpoint's MTU. */
	void (*send)(void *user, const uint8_t *dgram, size_t len);
	/* The handshake finished and the peer's certificate matched: keys in
	 * the ABI layout (rx = what the remote writes with, tx = ours). The
	 * struct is wiped when the callback returns; copy what you need.
	 * Called at most once. */
	void (*connected)(void *user, const struct sl_msg_srtp_keys *keys);
	/* The endpoint reached CP_DTLS_FAILED, or CP_DTLS_CLOSED because the
	 * peer closed it. reason is human-readable, valid during the call.
	 * Called at most once, never after cp_dtls_close(). */
	void (*failed)(void *user, const char *reason);
	void *user;
};

/* A new endpoint in state CP_DTLS_NEW, local role "auto". cert is only
 * referenced (see struct cp_dtls_cert); cb is copied (send is required).
 * Returns NULL on allocation/OpenSSL failure. */
struct cp_dtls *cp_dtls_new(const struct cp_dtls_cert *cert, const struct cp_dtls_cb *cb);

/* Options; each returns 0, -EINVAL (bad value) or -EBUSY (too late). */
/* Handshake deadline, counted from the first call that carries the
 * caller's time (feed/on_timeout) once the role is resolved; can be changed
 * until the endpoint is connected (the deadline moves with it). 0 is
 * refused. Default CP_DTLS_HANDSHAKE_TIMEOUT_DEFAULT_MS. */
int cp_dtls_set_handshake_timeout(struct cp_dtls *d, uint32_t timeout_ms);
/* Largest datagram we send (256..9000); only in CP_DTLS_NEW. */
int cp_dtls_set_mtu(struct cp_dtls *d, uint32_t mtu);
/* SRTP profiles to offer/accept, enum sl_srtp_profile values, most
 * preferred first; only in CP_DTLS_NEW. Default: AEAD_AES_128_GCM,
 * AEAD_AES_256_GCM, AES128_CM_SHA1_80, AES128_CM_SHA1_32. */
int cp_dtls_set_srtp_profiles(struct cp_dtls *d, const uint16_t *profiles, size_t n);

/* The remote dtlsParameters of connect-transport. remote_role is "client",
 * "server", "auto" or NULL (= "auto"); fp_algorithm is "sha-1", "sha-224",
 * "sha-256", "sha-384" or "sha-512" (case-insensitive); fp_value is hex byte
 * pairs, optionally ':'-separated, either case.
 *
 * Role resolution as mediasoup's WebRtcTransport (ICE-lite, so ICE
 * controlled): remote "client" -> we are server; remote "server" or "auto"
 * -> we are client. One refinement: if the peer's handshake has already
 * started (a datagram arrived in CP_DTLS_NEW, which makes us server, as
 * mediasoup does when ICE completes before connect), remote "auto" keeps us
 * server; remote "server" restarts us as client.
 *
 * As client the ClientHello goes out from inside this call. If the handshake
 * already finished, the peer certificate is checked now and connected or
 * failed fires from inside this call.
 *
 * Returns 0; -EINVAL (NULL argument or unknown role), -EOPNOTSUPP (unknown
 * algorithm), -EBADMSG (value not hex or wrong length for the algorithm),
 * -EALREADY (called before), -EPIPE (endpoint failed/closed), -EBUSY (from a
 * callback), -ENOMEM / -EIO (OpenSSL). On error nothing changes. */
int cp_dtls_set_remote(struct cp_dtls *d, const char *remote_role, const char *fp_algorithm,
		       const char *fp_value);

/* A datagram from the peer (first byte 20..63, RFC 7983). A datagram in
 * CP_DTLS_NEW makes us server. Returns 0 when processed (a resulting
 * failure is reported through the failed callback, not here; records
 * OpenSSL finds invalid are dropped silently, as DTLS requires); -EINVAL
 * (not a DTLS datagram, ignored); -EMSGSIZE (> CP_DTLS_MAX_DGRAM, ignored);
 * -EPIPE (endpoint failed/closed, ignored); -EBUSY (from a callback);
 * -ENOMEM (could not start the handshake). Application data (e.g. SCTP of
 * data channels) is not supported and is dropped. */
int cp_dtls_feed(struct cp_dtls *d, const uint8_t *dgram, size_t len, uint64_t now_ms);

/* When cp_dtls_on_timeout() should next be called, as an absolute time on
 * the caller's clock; 0 = no timer needed (not connecting). Right after
 * set_remote, before any call has carried the caller's time, this returns 1
 * ("due now") so that on_timeout() starts the handshake clock.
 * Retransmissions follow OpenSSL's own timer (exponential back-off from
 * 500 ms, capped at 4 s), mapped onto the caller's clock with the time of
 * the last call; the handshake deadline uses the caller's clock only. */
uint64_t cp_dtls_next_timeout_ms(const struct cp_dtls *d);

/* Retransmits the last flight if its timer ran out; fails the endpoint
 * (failed callback) when the handshake deadline has passed. Harmless when
 * called early or in any state. */
void cp_dtls_on_timeout(struct cp_dtls *d, uint64_t now_ms);

enum cp_dtls_state cp_dtls_state(const struct cp_dtls *d);

/* Our resolved role (CP_DTLS_ROLE_AUTO while in CP_DTLS_NEW). */
enum cp_dtls_role cp_dtls_role(const struct cp_dtls *d);

/* Sends close_notify (through the send callback) if the handshake has
 * completed, then CP_DTLS_CLOSED. No failed callback. */
void cp_dtls_close(struct cp_dtls *d);

/* Frees the endpoint and wipes its memory (OpenSSL wipes the session
 * secrets). Sends nothing. NULL is fine. */
void cp_dtls_free(struct cp_dtls *d);

/* Names for log lines. */
const char *cp_dtls_state_name(enum cp_dtls_state s);
const char *cp_dtls_role_name(enum cp_dtls_role r);

#endif /* SLUICE_CP_DTLS_H */
