/* SPDX-License-Identifier: MIT */
/*
 * sluice-loadgen: many real WebRTC peers in one process (see README.md of
 * pktgen-scripts). This header holds what the loadgen's files share: the
 * options, the peer / transport / stream objects and the global run state.
 *
 * Ownership: everything lives in one thread (the main loop in lg_main.c).
 * struct lg_run owns the peers (array, never moved after start); a peer owns
 * its two transports, a transport owns its streams, its DTLS endpoint and its
 * SRTP context. Nothing is freed while the main loop may still reach it:
 * a peer that leaves (churn) is reset in place.
 *
 * Time: one monotonic clock in nanoseconds (lg_now_ns()); every wait has a
 * deadline on it (requests, ICE, DTLS, connect), so no peer can hang the run.
 */
#ifndef LG_H
#define LG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "lg_hist.h"
#include "lg_rxseq.h"

struct lws;
struct lws_context;
struct cp_dtls;
struct cp_dtls_cert;
struct dp_srtp;
struct dp_stun_hmac;

#define LG_MAX_SERVER_PIDS 8
#define LG_RTX_HISTORY 256      /* packets kept per video stream for NACK answers */
#define LG_PKT_MAX 1500u        /* largest datagram we build or accept */
#define LG_VIDEO_PAYLOAD_MAX 1100u /* RTP payload bytes per video packet */
#define LG_AUDIO_PAYLOAD 80u    /* an Opus frame of 20 ms, about 32 kbit/s */
#define LG_TRAILER_LEN 24u      /* struct lg_trailer on the wire */
#define LG_TRAILER_MAGIC 0x534c4731u /* "SLG1" */
#define LG_FREEZE_NS 200000000ull /* a video gap longer than this is a freeze */
#define LG_MAX_LAYERS 3

/* Header extension ids the loadgen's producers use (as Chromium offers). */
#define LG_EXT_AUDIO_LEVEL 1
#define LG_EXT_ABS_SEND_TIME 2
#define LG_EXT_TWCC 3
#define LG_EXT_MID 4
#define LG_PT_OPUS 111
#define LG_PT_VP8 96
#define LG_PT_RTX 97

struct lg_opts {
	char host[64];
	int port;
	const char *secret;
	size_t secret_len;
	char *secret_buf;          /* --secret-file contents (owned) */
	const char *room_prefix;
	unsigned int rooms;
	unsigned int peers;        /* per room */
	int publishers;            /* per room; -1: all */
	unsigned int seconds;
	double join_rate;          /* peers started per second */
	bool audio_only;
	bool simulcast;
	double churn;              /* leave+rejoin per second, 0: off */
	bool find_max;
	unsigned int step;         /* --find-max: peers added per window */
	unsigned int video_kbps;
	const char *json_out;
	const char *dump_keys;
	pid_t server_pid[LG_MAX_SERVER_PIDS];
	unsigned int n_server_pid;
	double max_loss;           /* exit status 1 above this loss ratio */
	unsigned int timeout_ms;   /* every request / ICE / DTLS wait */
	unsigned int decrypt_sample; /* 1: every packet; N: 1 in N media packets */
	const char *local_ip;      /* bind UDP sockets here (default: any) */
	int family;                /* --family: AF_INET (default) or AF_INET6: the
				    * server candidate (and socket) family used */
	unsigned int max_peers;    /* --find-max upper bound */
	int verbose;
	bool quiet;
};

enum lg_tp_state {
	LG_TP_NONE = 0,
	LG_TP_CREATED,   /* create-transport answered, socket open */
	LG_TP_CHECKING,  /* connect-transport answered, ICE checks running */
	LG_TP_DTLS,      /* ICE answered, DTLS handshake running */
	LG_TP_CONNECTED, /* SRTP keys in place */
	LG_TP_FAILED,
};

/* A stream this peer sends (one per producer; video: per simulcast layer). */
struct lg_tx_stream {
	uint8_t kind;            /* 0 audio, 1 video */
	uint8_t pt, rtx_pt;
	uint8_t layer;
	uint32_t ssrc, rtx_ssrc;
	uint16_t seq, rtx_seq;
	uint32_t ts_base;
	uint32_t pseq;           /* payload sequence (inside the encrypted payload) */
	uint32_t frame;
	bool key_pending;        /* PLI/FIR seen: next frame is a key frame */
	bool active;             /* producer acknowledged */
	uint64_t packets, octets, rtx_sent, keyframes, pli_rx, nack_rx;
	uint64_t last_ntp; uint32_t last_rtp_ts;
	/* RTX history: plaintext packets by seq % LG_RTX_HISTORY */
	uint8_t (*hist)[LG_PKT_MAX];
	uint16_t *hist_len;
	uint16_t *hist_seq;
};

/* A consumer stream this peer receives. */
struct lg_rx_stream {
	char consumer_id[40];
	char producer_id[40];
	uint8_t kind;
	uint8_t pt, rtx_pt;
	bool resumed, closed;
	uint32_t ssrc, rtx_ssrc;
	uint64_t resume_ns, first_ns, first_kf_ns, last_ns;
	struct lg_rxseq seq;     /* loss, duplicates, reordering by RTP seq */
	uint64_t rtx_recovered, foreign, bad_payload;
	uint64_t nack_sent, pli_sent;
	uint64_t freezes;
	uint64_t bytes;
	double jitter;           /* RFC 3550, RTP timestamp units */
	int64_t last_transit;
	uint32_t clock;
	/* RR bookkeeping */
	uint64_t expected_prior, received_prior;
	uint32_t sr_mid32; uint64_t sr_rx_ns;
};

struct lg_peer;

/* A UDP socket address of either family. */
union lg_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct lg_tp {
	struct lg_peer *peer;
	bool send;               /* direction */
	enum lg_tp_state state;
	char id[40];
	int fd;
	union lg_addr local, remote; /* the family of the candidate used (--family) */
	char r_ufrag[64], r_pwd[128], l_ufrag[16], l_pwd[32];
	char fp[128];            /* server's sha-256 fingerprint */
	struct cp_dtls *dtls;
	struct dp_srtp *srtp;
	int profile;
	uint8_t key_tx[46], key_rx[46];
	uint8_t key_len;
	uint64_t ice_next_ns, ice_deadline_ns, consent_ns, dtls_ok_ns;
	uint8_t txid[12];
	uint16_t twcc;
	uint64_t rtcp_next_ns;
	/* streams */
	struct lg_tx_stream tx[1 + LG_MAX_LAYERS];
	unsigned int n_tx;
	struct lg_rx_stream *rx;
	unsigned int n_rx, cap_rx;
	/* counters */
	uint64_t rx_pkts, rx_rtcp, srtp_fail, unknown_ssrc, send_err;
	uint32_t sock_drops; /* SO_RXQ_OVFL: dropped by our kernel socket (we were slow) */
};

enum lg_peer_state {
	LG_PEER_IDLE = 0,  /* not started yet */
	LG_PEER_WS,        /* WebSocket / Engine.IO / Socket.IO connect */
	LG_PEER_JOINING,
	LG_PEER_SETUP,     /* transports being created/connected, producing */
	LG_PEER_UP,        /* every transport connected and every produce answered */
	LG_PEER_LEAVING,
	LG_PEER_GONE,      /* left (churn, end) */
	LG_PEER_FAILED,
};

struct lg_pending {
	int64_t id;
	uint64_t deadline_ns;
	void (*cb)(struct lg_peer *p, json_t *resp, void *arg);
	void *arg;
	const char *what;
};

struct lg_outq {
	char **msg;
	size_t *len;
	unsigned int head, n, cap;
};

struct lg_peer {
	unsigned int idx, room;
	char name[32];
	bool publisher;
	enum lg_peer_state state;
	struct lws *wsi;
	bool ws_open, sio_open, closing;
	char *rxbuf; size_t rxlen, rxcap;
	struct lg_outq out;
	struct lg_pending *pend; unsigned int n_pend, cap_pend;
	int64_t next_ack;
	char peer_id[64];
	json_t *rtp_caps;
	struct lg_tp tp_send, tp_recv;
	unsigned int produce_wanted, produce_done;
	uint64_t start_ns, up_ns, leave_ns, deadline_ns, rejoin_ns;
	uint64_t next_audio_ns, next_video_ns;
	char error[160];
	json_t *pending_consumes; /* producers announced before the recv transport existed */
	unsigned int generation;   /* churn: rejoin count */
};

struct lg_totals {
	uint64_t tx_packets, rx_packets, lost, expected, dup, reorder, rtx_recovered,
		nack_sent, pli_sent, freezes, foreign, bad_payload, srtp_fail, consumers,
		consumers_receiving, rtx_sent, send_err, unknown_ssrc;
	uint64_t expected_kind[2], lost_kind[2]; /* [0] audio, [1] video */
	uint64_t consumers_silent; /* live, not closed, nothing received */
	uint64_t sock_drops;       /* datagrams our own sockets dropped (loadgen too slow) */
};

struct lg_run {
	struct lg_opts o;
	struct lg_peer *peers;
	unsigned int n_peers, n_started;
	struct lws_context *lws;
	struct cp_dtls_cert *cert;
	struct dp_stun_hmac *hmac;
	int ep;                     /* epoll over the UDP sockets */
	uint64_t t0_ns, stop_ns;
	bool stopping;
	struct lg_hist lat;         /* one-way latency, whole run (us) */
	struct lg_hist lat_win;     /* since the last window start */
	struct lg_hist join;        /* join time, ms */
	struct lg_hist first_pkt, first_kf; /* resume -> first packet / key frame, ms */
	uint64_t decrypted, skipped_decrypt;
	uint64_t churned;
};

extern struct lg_run lg;

uint64_t lg_now_ns(void);
void lg_log(const struct lg_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lg_fail(struct lg_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* lg_sio.c: Socket.IO client over libwebsockets */
int lg_sio_init(void);
void lg_sio_fini(void);
int lg_sio_connect(struct lg_peer *p);
void lg_sio_close(struct lg_peer *p);
/* Emits event with payload (reference stolen) and an ack; cb gets the first
 * ack argument (borrowed) or NULL on timeout/disconnect. */
int lg_sio_request(struct lg_peer *p, const char *event, json_t *payload,
		   void (*cb)(struct lg_peer *, json_t *, void *), void *arg);
void lg_sio_timeouts(struct lg_peer *p, uint64_t now);
void lg_sio_drop_pending(struct lg_peer *p);

/* lg_peer.c: the signaling state machine */
void lg_peer_start(struct lg_peer *p);
void lg_peer_on_sio_open(struct lg_peer *p);
void lg_peer_on_event(struct lg_peer *p, const char *name, json_t *data);
void lg_peer_on_closed(struct lg_peer *p, const char *why);
void lg_peer_leave(struct lg_peer *p);
void lg_peer_tick(struct lg_peer *p, uint64_t now);

/* lg_net.c: UDP, ICE, DTLS, SRTP */
int lg_net_init(void);
void lg_net_fini(void);
int lg_tp_open(struct lg_tp *t, json_t *transport);
void lg_tp_start_ice(struct lg_tp *t);
void lg_tp_close(struct lg_tp *t);
void lg_tp_tick(struct lg_tp *t, uint64_t now);
void lg_net_poll(int timeout_ms);
/* queue one datagram (already protected) on t; flushed by lg_net_flush() */
void lg_tp_send(struct lg_tp *t, const uint8_t *pkt, size_t len);
void lg_net_flush(void);
/* Protect pkt[0..len) in place (cap: the buffer's size, the trailer must
 * fit) and queue it. 0, or -1 when there are no keys or no room. */
int lg_tp_protect_send_rtp(struct lg_tp *t, uint8_t *pkt, uint32_t len, uint32_t cap);
int lg_tp_protect_send_rtcp(struct lg_tp *t, uint8_t *pkt, uint32_t len, uint32_t cap);
int lg_dump_keys(const char *path);

/* lg_media.c: what the streams send and how received packets are counted */
void lg_media_tick(struct lg_peer *p, uint64_t now);
/* How a received RTP packet came through SRTP. */
enum lg_rx_mode {
	LG_RX_CLEAR,   /* unprotected: header and payload readable */
	LG_RX_SKIPPED, /* --decrypt-sample: not decrypted, header only */
	LG_RX_REPLAY,  /* SRTP replay check failed: a duplicate, header only */
};
void lg_media_on_rtp(struct lg_tp *t, uint8_t *pkt, uint32_t len, uint64_t now,
		     enum lg_rx_mode mode);
void lg_media_on_rtcp(struct lg_tp *t, const uint8_t *pkt, uint32_t len, uint64_t now);
void lg_media_rtcp_tick(struct lg_tp *t, uint64_t now);
void lg_tx_stream_init(struct lg_tx_stream *s, int kind, uint32_t ssrc, unsigned int layer);
void lg_tx_stream_free(struct lg_tx_stream *s);
struct lg_rx_stream *lg_rx_stream_add(struct lg_tp *t);
void lg_totals(struct lg_totals *tot);
/* Keeps the counts of a transport about to be closed in the totals. */
void lg_totals_retire(const struct lg_tp *t);

/* lg_proc.c: CPU and RSS of other processes, from /proc */
struct lg_proc_sample {
	uint64_t ticks;  /* utime + stime */
	uint64_t rss_kb;
	bool ok;
};
void lg_proc_sample(pid_t pid, struct lg_proc_sample *s);

#endif /* LG_H */
