/* SPDX-License-Identifier: MIT */
/*
 * media_harness - what the end-to-end media tests share: the test plays the
 * control plane (cp_dp on the running data plane's segment: commands,
 * results, events, counters) and any number of browsers (kernel UDP sockets
 * in the test's network namespace that speak STUN and SRTP with the
 * data-plane's own protocol modules, from the other side).
 *
 * Waits are bounded by iteration counts with generous limits, never by
 * assertions on elapsed time.
 */
#ifndef MEDIA_HARNESS_H
#define MEDIA_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"
#include "../../controlplane/cp_dp.h"
#include "dp_srtp.h"
#include "dp_stun.h"

#define MH_DP_IP "198.18.0.1"
#define MH_LOCAL_IP "198.18.0.2"
#define MH_EVQ 4096
#define MH_STQ 256
#define MH_WAIT_ITERS 20000 /* x 1 ms sleeps: 20 s upper bound per wait */

struct mh {
	struct cp_dp dp;
	struct sl_shm_header *hdr;     /* our mapping of the segment */
	struct sl_msg evq[MH_EVQ];     /* events not yet taken */
	unsigned int evq_n;
	struct sl_msg stq[MH_STQ];     /* SL_MSG_STREAM_STATS, apart (newest kept) */
	unsigned int stq_n;
	int ready;
	struct dp_stun_hmac *hmac;
};

/* Attaches to shm and waits until every lcore answered HELLO. 0 or -1. */
int mh_init(struct mh *h, const char *shm);
void mh_fini(struct mh *h);
void mh_pump(struct mh *h);
/* Sends a command and waits for its RESULT; returns its status, or
 * -ETIMEDOUT / the send error. */
int mh_cmd(struct mh *h, unsigned int lcore, struct sl_msg *m);
/* Takes the first pending event of type (and transport tid, unless
 * SL_INVALID_ID) into out, waiting for it. 0 or -ETIMEDOUT. */
int mh_wait_event(struct mh *h, uint16_t type, uint32_t tid, struct sl_msg *out);
/* Same without waiting (one pump): 0 or -ENOENT. */
int mh_take_event(struct mh *h, uint16_t type, uint32_t tid, struct sl_msg *out);
/* Takes the oldest pending SL_MSG_STREAM_STATS (kept apart from the other
 * events, so the periodic ones never crowd them out) whose producer_id and
 * consumer_id match (SL_INVALID_ID matches any), pumping once. 0 or -ENOENT. */
int mh_take_stats(struct mh *h, uint32_t producer_id, uint32_t consumer_id, struct sl_msg *out);
/* Drop counter summed over all lcores. */
uint64_t mh_drops(const struct mh *h, unsigned int reason);
/* A per-lcore counter summed over lcores, by field offset. */
uint64_t mh_lsum(const struct mh *h, size_t field_off);
#define MH_LSUM(h, field) mh_lsum((h), offsetof(struct sl_lcore_counters, field))
struct sl_lcore_counters *mh_lc(const struct mh *h, unsigned int lcore);
struct sl_transport_counters *mh_tc(const struct mh *h, uint32_t tid);
/* Waits until *p >= want. Returns the last value seen. */
uint64_t mh_wait_ge(struct mh *h, const volatile uint64_t *p, uint64_t want);
/* Waits until mh_drops(reason) >= want. Returns the last value. */
uint64_t mh_wait_drops(struct mh *h, unsigned int reason, uint64_t want);

/* ---- browsers ---- */

struct browser {
	int fd;
	uint16_t port;        /* our UDP port, host order */
	uint16_t dp_port;     /* the transport's port, host order */
	unsigned int lcore;
	uint32_t tid;
	char ufrag[SL_ICE_UFRAG_MAX];   /* the transport's (server) credentials */
	char pwd[SL_ICE_PWD_MAX];
	struct dp_srtp *srtp; /* the browser's side: rx = transport's tx key */
	uint32_t tx_overhead;
	struct sl_msg_srtp_keys keys; /* as sent to the data plane */
};

/* A socket bound to MH_LOCAL_IP:0 and connected to the lcore's port. */
int br_open(struct browser *b, const struct mh *h, unsigned int lcore);
void br_close(struct browser *b);
/* Another socket for the same browser (a NAT rebinding): new local port. */
int br_rebind(struct browser *b, const struct mh *h);
/* TRANSPORT_CREATE with fresh credentials; returns the RESULT status. */
int br_transport(struct mh *h, struct browser *b, uint32_t tid, uint32_t ice_timeout_ms);
/* SRTP_KEYS for profile with test keys; creates the browser's context. */
int br_keys(struct mh *h, struct browser *b, enum sl_srtp_profile profile, uint8_t salt);

int br_send(const struct browser *b, const void *buf, size_t len);
/* Waits (bounded, pumping the control plane) for a datagram. Length or -1. */
int br_recv(struct mh *h, const struct browser *b, uint8_t *buf, size_t cap);
/* 1 when a datagram is waiting (no wait). */
int br_pending(const struct browser *b);
/* Discards every waiting datagram; returns how many. */
int br_drain(const struct browser *b);

/* Builds a Binding request (USE-CANDIDATE if use_cand) with the given
 * password (the transport's for a valid one). */
size_t br_stun_request(struct mh *h, const struct browser *b, uint8_t *out, size_t cap,
		       int use_cand, const char *pwd, const char *ufrag, uint8_t txid[12]);
/* A full ICE check: request, success response verified (MI, FINGERPRINT,
 * txid, XOR-MAPPED-ADDRESS == this socket). 0 or -1. */
int br_ice(struct mh *h, struct browser *b, int use_cand);

/* RTP the way the tests' producers send it: one-byte extension block with
 * mid (id 1, "0"), abs-send-time (3), video-orientation (4), transport-cc
 * (5), then payload_len bytes derived from seq. Returns the length. */
#define BR_EXT_MID 1
#define BR_EXT_ABS 3
#define BR_EXT_VO 4
#define BR_EXT_TCC 5
size_t br_build_rtp(uint8_t *out, uint32_t ssrc, uint8_t pt, uint16_t seq, uint32_t ts,
		    uint16_t twcc, size_t payload_len);
/* Expected payload byte i of a packet with sequence number seq. */
static inline uint8_t br_payload_byte(uint16_t seq, size_t i)
{
	return (uint8_t)(seq * 7u + i);
}
/* Protects (with the browser's context) and sends; returns the SRTP length
 * (and a copy in out when out != NULL), or -1. */
int br_send_srtp(struct browser *b, const uint8_t *rtp, size_t len, uint8_t *out);

/* A received consumer packet, unprotected and parsed. */
struct rx_rtp {
	uint8_t buf[2048];
	uint32_t len;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint8_t pt;
	int ext_n;                  /* elements seen */
	uint8_t ext_id[16], ext_len[16];
	uint32_t ext_off[16];
	uint32_t payload_off, payload_len;
};
/* Receives one SRTP packet and unprotects it with the browser's context
 * (SRTCP datagrams arriving meanwhile are skipped). 0,
 * -1 (nothing arrived) or -2 (did not unprotect/parse). */
int br_recv_rtp(struct mh *h, struct browser *b, struct rx_rtp *r);
/* Index of element id in r, or -1. */
int rx_ext_find(const struct rx_rtp *r, uint8_t id);

#endif
