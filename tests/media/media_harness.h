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
#include "dp_rtcp.h"
#include "dp_srtp.h"
#include "dp_stun.h"

#define MH_DP_IP "198.18.0.1"
#define MH_LOCAL_IP "198.18.0.2"
#define MH_EVQ 4096
#define MH_STQ 256
#define MH_WAIT_ITERS 20000 /* x 1 ms sleeps: 20 s upper bound per wait */
#define MH_SERVER_SSRC 0x534c4345u /* DP_SERVER_SSRC (dataplane/media/dp_media_int.h) */

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
/* CLOCK_MONOTONIC in microseconds. */
uint64_t mh_now_us(void);

/* ---- the commands the tests send ---- */

/* Negotiated feedback and options of mh_producer / mh_consumer. */
#define MH_NACK 0x01u
#define MH_PLI 0x02u
#define MH_FIR 0x04u
#define MH_TCC 0x08u
#define MH_BR_EXTS 0x10u /* producer: the extension ids br_build_rtp writes */
#define MH_PAUSED 0x20u  /* consumer: created paused */

/* A video producer at 90 kHz with payload type pt, and RTX with payload
 * type pt + 1 when rtx_ssrc != 0. */
struct mh_producer {
	uint32_t tid, id, ssrc, rtx_ssrc;
	uint8_t pt;
	unsigned int flags; /* MH_NACK | MH_PLI | MH_FIR | MH_TCC | MH_BR_EXTS */
	uint64_t fanout;    /* lcores its packets go to; 0: no PRODUCER_FANOUT */
};
/* PRODUCER_ADD on lcore, then PRODUCER_FANOUT when p->fanout != 0. 0 or
 * the first failing command's status. */
int mh_producer_add(struct mh *h, unsigned int lcore, const struct mh_producer *p);

/* A video consumer at 90 kHz of producer_id: the producer's payload type 96
 * becomes pt; RTX with rtx_ssrc / rtx_pt when rtx_ssrc != 0. */
struct mh_consumer {
	uint32_t tid, id, producer_id, ssrc;
	uint8_t pt;
	uint32_t rtx_ssrc;
	uint8_t rtx_pt;
	struct sl_ext_ids ext; /* the consumer's extension ids */
	unsigned int flags;    /* MH_NACK | MH_PLI | MH_PAUSED */
};
/* CONSUMER_ADD on lcore: its RESULT status. */
int mh_consumer_add(struct mh *h, unsigned int lcore, const struct mh_consumer *c);

/* A command whose body is one id (consumer_ref.consumer_id, at the place of
 * producer_remove.producer_id): pause, resume, remove, transport destroy.
 * Its RESULT status. */
int mh_cmd_ref(struct mh *h, unsigned int lcore, uint16_t type, uint32_t tid, uint32_t id);

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
/* A browser ready for media on a new transport tid of lcore: br_open,
 * br_transport (no ICE timeout), br_ice with USE-CANDIDATE, its
 * ICE_SELECTED event taken, br_keys(profile, salt). 0, or -1 (the step
 * that failed on stderr). */
int br_connect(struct mh *h, struct browser *b, unsigned int lcore, uint32_t tid,
	       enum sl_srtp_profile profile, uint8_t salt);

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
/* Wraps the RTP packet rtp (len bytes) into RTX (RFC 4588: rtx_ssrc,
 * rtx_pt, rtx_seq, the original seq first in the payload) and sends that
 * protected. The SRTP length, or -1. */
int br_send_rtx(struct browser *b, const uint8_t *rtp, size_t len, uint32_t rtx_ssrc,
		uint8_t rtx_pt, uint16_t rtx_seq);
/* Protects the len bytes of plaintext RTCP at rtcp in place (cap bytes of
 * room) with the browser's context and sends them. The SRTCP length (what
 * rtcp holds now), or -1. */
int br_send_srtcp(struct browser *b, uint8_t *rtcp, size_t len, size_t cap);
/* br_send_srtcp, then waits until the browser's transport counted it:
 * rtcp_in exactly one more than before. 0, or -1 (not sent, not counted or
 * counted more than once). */
int br_send_srtcp_counted(struct mh *h, struct browser *b, uint8_t *rtcp, size_t len,
			  size_t cap);
/* An SR from ssrc without report blocks, sent as br_send_srtcp_counted.
 * 0 or -1. */
int br_send_sr(struct mh *h, struct browser *b, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts);

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
/* The receiving half of br_recv_rtp: the next datagram that is no SRTCP
 * (at most 100 of those skipped), as it came, into buf (cap bytes).
 * Length, or -1. */
int br_recv_rtp_raw(struct mh *h, const struct browser *b, uint8_t *buf, size_t cap);
/* The other half: unprotects a copy of the n bytes of SRTP at raw (left as
 * they are) with the browser's context and parses it into r. 0 or -2. */
int br_unprotect_rtp(struct browser *b, const uint8_t *raw, size_t n, struct rx_rtp *r);
/* Index of element id in r, or -1. */
int rx_ext_find(const struct rx_rtp *r, uint8_t id);

/* Receives SRTCP on b (unprotected with the browser's context) until a
 * datagram holds a sub-packet of type pt with count / FMT fmt, then copies
 * that sub-packet and the rest of its datagram to out (at most cap bytes;
 * a sub-packet longer than cap does not match): dp_rtcp_pkt_parse(out, n)
 * reads it, and n is larger than its length when more sub-packets
 * followed it. Other RTCP is skipped, at most `tries` datagrams in all, so
 * a missing packet fails instead of hanging. RTP meanwhile is skipped when
 * rtp_ok, else an error, as is a datagram that does not unprotect or is no
 * valid RTCP. Length, -1 (nothing that matches came) or -2 (an error). */
int br_recv_rtcp(struct mh *h, struct browser *b, int tries, int rtp_ok, uint8_t pt,
		 uint8_t fmt, uint8_t *out, size_t cap);
/* The next SR without report blocks on b (br_recv_rtcp), parsed into sr.
 * 0, -1 or -2 (also: it does not parse). */
int br_recv_sr(struct mh *h, struct browser *b, int tries, int rtp_ok, struct dp_rtcp_sr *sr);

#endif
