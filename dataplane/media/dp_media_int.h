/* SPDX-License-Identifier: MIT */
/*
 * dp_media_int.h - the media path's per-lcore state, shared by the files of
 * dataplane/media/ only.
 *
 * Ownership: one struct dp_media per worker lcore (lc->media), created by
 * the main thread before the workers start and touched afterwards by that
 * lcore only. Everything reachable from it (transports, producer streams,
 * consumers, tables) belongs to that lcore: no locks. Objects are allocated
 * and freed on the command path only; the packet path never allocates and
 * never logs. Between lcores only mbufs travel, through the SPSC handoff
 * rings (dp_handoff.c), with a small descriptor by value.
 *
 * Ids: transport ids index the per-lcore transport table (< max_transports);
 * producer and consumer ids (< max_ids) are keys of hash tables.
 */
#ifndef DP_MEDIA_INT_H
#define DP_MEDIA_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_cycles.h>

#include "sluice/abi.h"
#include "dp_bwe.h"
#include "dp_htab.h"
#include "dp_lcore.h"
#include "dp_net.h"
#include "dp_rtcp.h"
#include "dp_seqmap.h"

struct rte_mbuf;
struct rte_ring;
struct dp_rtp_info;
struct dp_srtp;
struct dp_stun_hmac;
struct dp_nack_rx;   /* dp_nack.c */
struct dp_nack_cons; /* dp_nack.h */
struct dp_rtx_buf;   /* dp_nack.h */

#define DP_TP_TUPLES 4u          /* ICE-valid remote tuples remembered per transport */
#define DP_ICE_TIMEOUT_MIN_MS 100u
#define DP_HANDOFF_RING 1024u    /* entries per (src, dst) handoff ring */
#define DP_HANDOFF_BURST 32u
#define DP_TIMER_SCAN 64u        /* transports checked per timer call */
#define DP_FWD_MAX 64u           /* consumer copies prepared per burst */
#define DP_RTP_DATA_OFF 2u       /* extra headroom: RTP lands 4-byte aligned */
#define DP_STASH 32u             /* mbufs allocated at once for consumer copies */
#define DP_SERVER_SSRC 0x534c4345u /* sender SSRC of the RTCP we originate ("SLCE") */
#define DP_KF_MIN_NS 500000000ull  /* at most one key-frame request per producer per 500 ms;
				    * the ones within it are coalesced into one sent when
				    * it ends (dp_feedback.c) */
#define DP_KF_FWD_NS 20000000ull   /* consumers' requests for one producer merged on their lcore */
#define DP_TCC_RING 1024u        /* transport-cc arrivals kept per producer transport */
#define DP_TCC_HIST 256u         /* reported arrivals kept to re-report after a late one */
#define DP_TCC_FB_NS 50000000ull /* transport-cc feedback period */
#define DP_RR_NS 1000000000ull   /* receiver report period */
#define DP_SR_NS 1000000000ull   /* sender report period (to consumers) */
#define DP_RTCP_BUF_MAX 1200u    /* plaintext RTCP we build, per datagram */

/* Budgets (dp_budget.c): what one transport may cost the others. */
#define DP_TP_RX_SSRCS 8u        /* RTCP sender SSRCs learned from a receiving transport */
#define DP_DTLS_INFLIGHT 8u      /* DTLS datagrams per transport waiting in the event ring */
#define DP_DTLS_LATE_MAX 8u      /* handshake retransmissions accepted after the keys */
#define DP_EVT_CTRL_RESERVE (SL_EVT_RING_SIZE / 8u) /* slots only control events take */
#define DP_EVT_LOW_RESERVE (SL_EVT_RING_SIZE / 4u)  /* ... and DTLS: key-frame requests
						    * leave them (stats: dp_stats.c) */

/* Statistics state (dp_stats.c; owned like the object it is part of). */
#define DP_SR_HIST 4u            /* SRs sent per consumer remembered for RTT */
#define DP_STATS_NS 1000000000ull /* gauge and STREAM_STATS period */

struct dp_tp_stats {             /* in dp_transport */
	uint64_t ns;                 /* last gauge round; 0 = none yet */
	uint64_t rx_bytes, tx_bytes; /* the counters then */
	int64_t remote_lost;         /* scratch of the round */
};

struct dp_prod_stats {           /* in dp_producer */
	uint64_t ns;                 /* last STREAM_STATS (or start); 0 = none yet */
	uint64_t packets, bytes;     /* the counters then */
	int64_t lost;                /* cumulative loss of the last RR we built */
	uint64_t lost_max;           /* highest of those (added to the transport's rtp_lost) */
};

struct dp_sr_sent {              /* an SR a consumer sent */
	uint32_t mid;                /* middle 32 bits of its NTP timestamp */
	uint32_t pad;
	uint64_t ns;                 /* when (dp_media_clock); 0 = free */
};

struct dp_cons_stats {           /* in dp_consumer */
	uint64_t ns;
	uint64_t packets, bytes;
	struct dp_sr_sent sr[DP_SR_HIST];
	uint32_t sr_pos;             /* next slot of sr[] */
	uint8_t rr_valid;            /* a report block about us arrived */
	uint8_t rr_new;              /* ... since the last STREAM_STATS */
	uint8_t fraction_lost;
	uint8_t pad;
	int32_t cum_lost;            /* as reported */
	uint32_t jitter;             /* RTP units, as reported */
	uint32_t rtt_us;             /* 0 = not measured yet */
	uint32_t pad2;
};

/* Audio levels (dp_level.c; in dp_producer): the RFC 6464 values of the
 * current SL_MSG_AUDIO_LEVELS interval, reset by each report. */
struct dp_prod_level {
	uint32_t sum;                /* of the levels (-dBov) of the packets counted */
	uint16_t packets;            /* with the extension */
	uint16_t voice;              /* of those, with the V flag */
	uint8_t loudest;             /* lowest level seen; valid when packets != 0 */
	uint8_t pad[7];
};

/* One ICE-valid remote address of a transport. IPv4 or IPv6: addr as in
 * struct sl_tuple (IPv4 in the first 4 bytes, the rest zero). */
struct dp_tuple {
	uint8_t addr[16];
	uint16_t port;     /* network order */
	uint8_t family;    /* 4 or 6 */
	uint8_t used;      /* the slot holds a tuple (in the tuple table) */
	uint8_t mac[6];    /* next hop: source MAC of the frame that validated it */
	uint8_t pad2[2];
	uint64_t last_ns;  /* last valid Binding request from it */
};

struct dp_transport {
	uint32_t id;
	uint16_t local_port;   /* host order: this lcore's port */
	uint8_t ufrag_len;
	uint8_t pwd_len;
	char ufrag[SL_ICE_UFRAG_MAX];
	char pwd[SL_ICE_PWD_MAX];
	uint64_t ufrag_key;    /* key in the ufrag table */
	uint64_t ice_timeout_ns;
	uint64_t last_valid_ns; /* last valid Binding request, any tuple */
	int8_t selected;        /* index into tuples[], -1 = none */
	uint8_t connected;      /* a tuple is selected and ICE has not timed out */
	uint8_t pad[2];
	uint32_t n_producers;
	uint32_t n_consumers;
	uint32_t local_idx;     /* position in dp_media.local[] */
	uint16_t twcc_seq;      /* next transport-wide sequence number we send */
	uint8_t ice_evt_pending; /* an ICE event found the ring full: DP_ICE_EVT_* to re-send */
	uint8_t dtls_late;      /* handshake records accepted after the keys (< DP_DTLS_LATE_MAX) */
	/* RTCP sender SSRCs seen from this transport's receivers (dp_budget.c) */
	uint32_t n_rx_ssrc;
	uint32_t rx_ssrc[DP_TP_RX_SSRCS];
	/* event-ring positions (prod.tail after the enqueue) of the last DTLS_RECV
	 * events; a slot is free when the control plane dequeued past it */
	uint32_t dtls_pos[DP_DTLS_INFLIGHT];
	uint8_t dtls_used[DP_DTLS_INFLIGHT];
	uint32_t dtls_next;     /* next dtls_pos[] entry to reuse (the oldest) */
	struct dp_tuple tuples[DP_TP_TUPLES];
	struct dp_tcc *tcc;     /* arrivals to report; NULL until a producer uses transport-cc */
	struct dp_bwe *bwe;     /* send-side estimate towards the receiver; NULL until a
				 * video or transport-cc consumer is added (dp_stream.c) */
	struct dp_srtp *srtp;   /* NULL until SL_MSG_SRTP_KEYS */
	uint32_t srtp_overhead; /* trailer room to reserve when protecting */
	struct sl_transport_counters *ctr; /* in the segment */
	struct dp_tp_stats st;  /* dp_stats.c */
};

/* The NTP/RTP timestamp pair of a producer's latest SR and when it
 * arrived. Owned by the producer (dp_feedback_sr writes it); copied by value
 * to the fans that forward its media, also across lcores inside fan-out
 * descriptors, so consumers on any lcore can send SRs mapped from it. */
struct dp_sr_ref {
	uint64_t ntp;   /* 32.32 fixed point seconds since 1900 */
	uint64_t ns;    /* arrival, dp_media_clock (CLOCK_MONOTONIC: same on all lcores) */
	uint32_t rtp;   /* RTP timestamp of the producer's clock at ntp */
	uint32_t ssrc;  /* producer media SSRC it belongs to */
	uint8_t valid;  /* 0: no SR yet */
	uint8_t pad[7];
};

/* A producer stream, on its transport's lcore. */
struct dp_producer {
	uint32_t id;
	uint32_t transport_id;
	uint32_t ssrc;
	uint32_t rtx_ssrc;     /* 0 = none */
	uint8_t kind;
	uint8_t pt;            /* media payload type */
	uint8_t rtx_pt;
	uint8_t fir_only;      /* negotiated FIR but not PLI: ask with FIR */
	uint32_t clock_rate;
	struct sl_ext_ids ext; /* ids as the producer sends them */
	uint8_t fir_seq;       /* FIR command sequence number */
	uint8_t kf_pending;    /* a request came within the window: send when it ends */
	uint8_t pad2[6];
	uint64_t kf_last_ns;   /* last key-frame request sent; 0 = never */
	/* reception statistics for receiver reports (RFC 3550 A.1, A.8) */
	uint8_t rx_init;       /* a media packet was counted */
	uint8_t pad3;
	uint16_t max_seq;
	uint32_t cycles;       /* wraps of max_seq, << 16 */
	uint32_t base_seq;
	uint32_t received;
	uint32_t expected_prior;
	uint32_t received_prior;
	uint32_t jitter_q4;    /* interarrival jitter x 16, RTP units */
	uint32_t lsr;          /* middle 32 bits of the last SR's NTP time; 0 = none */
	int64_t transit;       /* previous arrival - RTP timestamp, RTP units */
	uint64_t lsr_ns;       /* when that SR arrived (dp_media_clock) */
	struct dp_sr_ref sr;   /* the last SR's timestamps, for consumers' SRs */
	uint64_t lcore_mask;   /* other lcores holding consumers (own bit ignored) */
	uint64_t packets;
	uint64_t bytes;
	struct dp_prod_stats st; /* dp_stats.c */
	struct dp_nack_rx *nk; /* missing seqs to NACK (dp_nack.c); NULL: no nack */
	struct dp_prod_level lvl; /* dp_level.c, used when ext.audio_level != 0 */
	/* simulcast (dp_simulcast.c): one dp_producer per spatial layer, all with
	 * the same id; layer 0 is in prod_id under id, layer l under
	 * dp_sim_key(id, l). n_layers 1: an ordinary producer. */
	uint8_t layer;
	uint8_t n_layers;
	uint8_t codec;         /* enum sl_codec */
	uint8_t pad5[5];
};

/* The prod_id key of layer l of producer id (l = 0: id itself). */
static inline uint64_t dp_sim_key(uint32_t id, unsigned int l)
{
	return (uint64_t)l << 32 | id;
}

#define DP_SIM_ABSENT_NS 1000000000ull   /* a layer without packets this long is absent */
#define DP_SIM_KF_RETRY_NS 1000000000ull /* key-frame request repeated while the switch waits */

/* A consumer's layer choice (dp_simulcast.c), used when its producer is
 * simulcast (the packets say so). */
struct dp_sim_cons {
	int8_t cur;            /* spatial layer forwarded; -1 = none: wait for a key frame */
	int8_t target;         /* layer to switch to (the fan's best); -1 = none */
	uint8_t vp8;           /* its packets are VP8: picture id / TL0PICIDX rewritten */
	uint8_t vp8_resync;    /* the next fresh VP8 packet rebases the offsets */
	uint32_t switches;     /* layer changes made */
	uint64_t kf_ns;        /* last key-frame request for a switch; 0 = never */
	uint16_t pid_off;      /* out picture id = in + pid_off (mod 2^7 / 2^15) */
	uint16_t last_pid;     /* newest out picture id */
	uint8_t tl0_off;       /* out TL0PICIDX = in + tl0_off (mod 2^8) */
	uint8_t last_tl0;
	uint8_t have_pid, have_tl0; /* last_pid / last_tl0 are valid */
};

/* Transport-wide congestion control receive state of a producer transport
 * (dp_feedback.c): arrivals in a ring, reported every DP_TCC_FB_NS. */
struct dp_tcc {
	uint32_t n;             /* arrivals in a[0 .. n) (flushed when full) */
	uint32_t media_ssrc;    /* media SSRC of the last producer packet recorded */
	uint16_t next_seq;      /* first seq not reported yet (valid if have_next) */
	uint8_t have_next;
	uint8_t fb_count;       /* feedback packet count, wraps */
	uint32_t pad;
	uint64_t last_fb_ns;
	uint32_t n_hist;        /* received arrivals reported last, hist[0 .. n_hist) */
	uint16_t hist_from;     /* first seq hist covers: later reports may restart here */
	uint16_t pad2;
	struct dp_rtcp_tcc_arrival a[DP_TCC_RING];
	struct dp_rtcp_tcc_arrival hist[DP_TCC_HIST]; /* sorted by seq, oldest first */
};

/* A consumer, on its transport's lcore. */
struct dp_consumer {
	uint32_t id;
	uint32_t producer_id;
	uint32_t transport_id;
	uint32_t ssrc;
	uint32_t rtx_ssrc;
	uint32_t clock_rate;
	uint8_t kind;
	uint8_t rtx_pt;
	uint8_t paused;
	uint8_t map_valid;          /* ext_map/ext_map1 built for map_from */
	uint8_t pad[4];
	struct sl_ext_ids ext;      /* ids the consumer expects (0 = strip) */
	struct sl_ext_ids map_from; /* producer ids ext_map was built for */
	uint8_t pt_map[128];        /* producer PT -> consumer PT; 0xff = not mapped */
	uint8_t ext_map[256];       /* producer ext id -> consumer ext id; 0 = strip */
	uint8_t ext_map1[16];       /* the same for one-byte elements: ids > 14 strip */
	struct dp_seqmap seq;
	struct dp_consumer *next;   /* in its dp_fan list */
	struct dp_fan *fan;
	uint64_t packets;           /* RTP packets sent (SR packet count) */
	uint64_t bytes;             /* SRTP bytes sent */
	uint64_t octets;            /* RTP payload octets sent (SR octet count) */
	struct dp_cons_stats st;    /* dp_stats.c */
	struct dp_nack_cons *nk;    /* send log for NACKs (dp_nack.h); NULL: no nack */
	struct dp_sim_cons sim;     /* dp_simulcast.c */
};

/* The consumers this lcore holds for one producer id. */
struct dp_fan {
	uint32_t producer_id;
	uint32_t n;
	struct dp_consumer *head;
	struct dp_sr_ref sr;        /* the producer's, as of the last packet forwarded */
	struct dp_rtx_buf *rtx;     /* retransmission buffer (dp_nack.h); NULL: none */
	uint64_t kf_fwd_ns;         /* last consumer key-frame request passed on; 0 = never */
	uint8_t src_lcore;          /* 1 + index of the producer's lcore (from its
				     * fan-out descriptors), 0 = not known (yet) */
	int8_t sim_best;            /* simulcast: highest layer receiving, -1 = none */
	uint64_t sim_ns[SL_SIM_LAYERS_MAX]; /* last packet of each layer; 0 = none */
	struct dp_sr_ref sim_sr[SL_SIM_LAYERS_MAX]; /* each layer's SR, as of its last packet */
};

/* What travels with an mbuf between lcores. */
enum dp_handoff_kind {
	DP_HO_RAW = 1,    /* a received datagram for the owner of its port */
	DP_HO_FANOUT = 2, /* a plaintext RTP packet of producer_id */
	DP_HO_KEYFRAME = 3, /* no mbuf: a consumer asked producer_id for a key frame */
};

struct dp_handoff {
	struct rte_mbuf *m;  /* NULL for KEYFRAME */
	uint8_t kind;
	uint8_t src;         /* index of the sending lcore */
	uint8_t layer;       /* FANOUT of a simulcast producer: spatial layer */
	uint8_t sim;         /* FANOUT: DP_SIM_PKT_* flags (0: not simulcast) */
	uint32_t producer_id;  /* FANOUT */
	union {
		struct dp_udp_info udp; /* RAW: as dp_net_input saw it */
		struct {
			uint16_t rtp_off;   /* plaintext RTP at mtod + rtp_off */
			uint16_t rtp_len;
			struct sl_ext_ids ext; /* producer's ids */
			struct dp_sr_ref sr;   /* the producer's latest SR */
		} fan;
	} u;
};

/* Per-lcore media state. */
struct dp_media {
	struct dp_lcore *lc;
	unsigned int n_lcores;
	uint32_t max_transports;
	uint16_t port_base;
	uint16_t port;                   /* this lcore's UDP port, host order */
	struct dp_transport **tp;        /* [max_transports] */
	uint32_t *local;                 /* ids of the transports we own */
	uint32_t n_local;
	uint32_t timer_pos;
	struct dp_htab tuples;           /* tuple key -> transport */
	struct dp_htab ufrags;           /* ufrag hash -> transport */
	struct dp_htab prod_ssrc;        /* (tid << 32 | ssrc) -> producer (media and rtx) */
	struct dp_htab prod_id;          /* producer id -> producer */
	struct dp_htab cons_id;          /* consumer id -> consumer */
	struct dp_htab cons_ssrc;        /* (tid << 32 | consumer ssrc) -> consumer */
	struct dp_htab fans;             /* producer id -> dp_fan */
	struct dp_stun_hmac *hmac;
	struct rte_ring *ho_out[SL_MAX_LCORES]; /* [dst]: this -> dst; NULL for self */
	struct rte_ring *ho_in[SL_MAX_LCORES];  /* [src]: src -> this */
	uint32_t n_stash;                /* fresh mbufs taken in bulk for copies */
	struct rte_mbuf *stash[DP_STASH];
	uint64_t now_ns;                 /* dp_media_clock() at the current packet */
	uint64_t tsc_base;               /* clock: TSC and ns at the last timer call */
	uint64_t ns_base;
	uint64_t ns_per_tsc_q32;         /* ns per TSC tick, 32.32 fixed point */
	struct dp_rtcp_tcc_arrival tcc_sort[DP_TCC_RING + DP_TCC_HIST + 1]; /* feedback scratch */
	struct dp_rtcp_tcc_status tcc_fb[DP_BWE_FB_MAX]; /* a consumer's feedback, decoded */
	uint64_t rr_last_ns;             /* last receiver-report round */
	uint64_t sr_last_ns;             /* last sender-report round (consumers) */
	uint64_t nack_last_ns;           /* last NACK round (producers, dp_nack.c) */
	uint64_t st_last_ns;             /* last transport gauge round (dp_stats.c) */
	uint32_t st_pos;                 /* STREAM_STATS scan: position in prod_id/cons_id */
	uint8_t st_cons;                 /* ... 0: in prod_id, 1: in cons_id */
	uint32_t kf_pending;             /* producers with kf_pending set */
	uint32_t ice_evt_pending;        /* transports with ice_evt_pending set */
	uint64_t lvl_last_ns;            /* last SL_MSG_AUDIO_LEVELS round (dp_level.c) */
};

/* CLOCK_MONOTONIC nanoseconds from the TSC, rebased by every timer call
 * (so the extrapolation spans a few ms at most). */
static inline uint64_t dp_media_clock(const struct dp_media *md)
{
	uint64_t d = rte_get_tsc_cycles() - md->tsc_base;
	return md->ns_base + (uint64_t)(((unsigned __int128)d * md->ns_per_tsc_q32) >> 32);
}

/* ---- helpers shared by the media files ---- */

/*
 * Key of a remote tuple in md->tuples. IPv4: the address and the port
 * themselves (exact; bits 16..31 zero). IPv6: a seeded hash of address and
 * port with bit 16 set, so it never equals an IPv4 key; a hit is confirmed
 * against the transport's tuples (dp_media_tuple_lookup) before use.
 */
static inline uint64_t dp_tuple_key(const struct dp_htab *h, uint8_t family,
				    const uint8_t addr[16], uint16_t port)
{
	if (family != 6) {
		uint32_t ip;
		memcpy(&ip, addr, 4);
		return (uint64_t)ip << 32 | port;
	}
	uint8_t k[18];
	memcpy(k, addr, 16);
	memcpy(k + 16, &port, 2);
	return dp_htab_hash_bytes(k, sizeof(k), h->seed) | 0x10000ull;
}

/* The source tuple of a received datagram. */
static inline uint64_t dp_udp_key(const struct dp_media *md, const struct dp_udp_info *u)
{
	return dp_tuple_key(&md->tuples, u->family, u->src_addr, u->src_port);
}

static inline int dp_tuple_matches(const struct dp_tuple *tu, const struct dp_udp_info *u)
{
	return tu->used && tu->port == u->src_port && tu->family == u->family &&
	       memcmp(tu->addr, u->src_addr, 16) == 0;
}

/* A tuple made from a datagram's source (next hop: its source MAC). */
static inline void dp_tuple_from_udp(struct dp_tuple *tu, const struct dp_udp_info *u)
{
	memset(tu, 0, sizeof(*tu));
	memcpy(tu->addr, u->src_addr, 16);
	tu->port = u->src_port;
	tu->family = u->family;
	memcpy(tu->mac, u->src_mac, 6);
}

static inline struct dp_transport *dp_tp_get(const struct dp_media *md, uint32_t tid)
{
	return tid < md->max_transports ? md->tp[tid] : NULL;
}

static inline void dp_tp_drop(struct dp_lcore *lc, struct dp_transport *t, unsigned int reason)
{
	dp_count_drop(lc, reason);
	if (t)
		t->ctr->drops[reason]++;
}

/* Event slots that periodic reports (stream stats, audio levels) never
 * take: they leave half the ring to control events. */
#define DP_STATS_RESERVE (SL_EVT_RING_SIZE / 2u)

/* dp_budget.c: what one transport may cost the others (issue 12) */
#define DP_ICE_EVT_SELECTED 1u
#define DP_ICE_EVT_DISCONNECTED 2u
/* 1 when SRTCP with this sender SSRC may be unprotected on t: one of its
 * producers' media/RTX SSRCs, or one of the (at most DP_TP_RX_SSRCS)
 * receiver SSRCs it sent from before, or a new one while t holds consumers
 * and there is room to learn it (dp_budget_rtcp_learn after it
 * authenticated). 0: drop it before libsrtp sees it. */
int dp_budget_rtcp_ssrc(const struct dp_media *md, const struct dp_transport *t, uint32_t ssrc);
/* SRTCP from ssrc authenticated on t: remembered when t holds consumers
 * and it is no producer SSRC (while there is room). */
void dp_budget_rtcp_learn(const struct dp_media *md, struct dp_transport *t, uint32_t ssrc);
/* A DTLS datagram (first byte: content type) of t may go to the control
 * plane: 0, or the drop reason (after the keys only alerts and a few
 * handshake retransmissions; at most DP_DTLS_INFLIGHT in the event ring;
 * the ring's control reserve kept free). */
unsigned int dp_budget_dtls(struct dp_media *md, struct dp_transport *t, uint8_t ctype);
/* The DTLS_RECV event of t was queued: remember where it is in the ring. */
void dp_budget_dtls_queued(struct dp_media *md, struct dp_transport *t);
/* Queues a low-priority event (stats, key-frame requests) only while more
 * than reserve ring slots stay free for control events; else counted as
 * SL_DROP_EVT_SHED (on t, when given). 0 or -ENOBUFS. */
int dp_budget_evt_low(struct dp_media *md, struct dp_transport *t, struct sl_msg *ev,
		      uint32_t reserve);
/* Queues an ICE event (SELECTED/DISCONNECTED) of t; when the ring is full
 * it is kept (t->ice_evt_pending, counted as SL_DROP_EVT_DEFERRED) and
 * queued again by dp_budget_timer, with the state of the moment. */
void dp_budget_ice_event(struct dp_media *md, struct dp_transport *t, unsigned int what);
void dp_budget_timer(struct dp_media *md, uint64_t now_ns);
/* t is being destroyed: nothing pending of it stays counted. */
void dp_budget_forget(struct dp_media *md, struct dp_transport *t);

/* dp_transport.c */
int dp_transport_create(struct dp_media *md, const struct sl_msg *cmd);
int dp_transport_destroy(struct dp_media *md, uint32_t tid);
int dp_transport_keys(struct dp_media *md, const struct sl_msg *cmd);
/* The tuple media and DTLS go to: the selected one; NULL when none. */
const struct dp_tuple *dp_transport_dest(const struct dp_transport *t);
/* Index of the datagram's source tuple in t->tuples or -1. */
int dp_transport_tuple_find(const struct dp_transport *t, const struct dp_udp_info *u);
/* The transport whose valid tuple the datagram comes from, or NULL. */
struct dp_transport *dp_media_tuple_lookup(const struct dp_media *md,
					   const struct dp_udp_info *u);
/* Makes tuple i selected and emits SL_MSG_ICE_SELECTED. */
void dp_transport_select(struct dp_media *md, struct dp_transport *t, int i);
/* Writes Eth/IPv4/UDP for a payload already at mtod + DP_UDP4_HDRS towards
 * dst, sets the mbuf lengths and queues it for tx; counts per transport.
 * An IPv6 dst takes the 20 more header bytes from the headroom (the payload
 * stays where it is). Consumes m. */
void dp_transport_send(struct dp_media *md, struct dp_transport *t, const struct dp_tuple *dst,
		       struct rte_mbuf *m, uint32_t payload_len);
/* SL_MSG_SEND_PACKET: the slot goes back to the free ring in every case. */
int dp_transport_send_slot(struct dp_media *md, const struct sl_msg *cmd);
void dp_tuple_to_sl(const struct dp_media *md, const struct dp_tuple *tu, struct sl_tuple *out);

/* dp_ice.c */
void dp_ice_input(struct dp_media *md, struct rte_mbuf *m, const struct dp_udp_info *u);
void dp_ice_timer(struct dp_media *md, uint64_t now_ns);

/* dp_stream.c: producer and consumer commands */
int dp_producer_add(struct dp_media *md, const struct sl_msg *cmd);
int dp_producer_remove(struct dp_media *md, uint32_t producer_id);
int dp_producer_fanout(struct dp_media *md, const struct sl_msg *cmd);
int dp_consumer_add(struct dp_media *md, const struct sl_msg *cmd);
int dp_consumer_remove(struct dp_media *md, uint32_t consumer_id);
int dp_consumer_pause(struct dp_media *md, uint32_t consumer_id, int paused);
/* Removes every producer and consumer of a transport (destroy). */
void dp_stream_purge_transport(struct dp_media *md, struct dp_transport *t);

/* dp_forward.c: RTP in, fan-out, per-consumer rewrite + protect + send */
/* A fresh mbuf of this lcore's pool (bulk-allocated DP_STASH at a time), or
 * NULL when the pool is empty. */
struct rte_mbuf *dp_media_mbuf(struct dp_media *md);
void dp_forward_rtp(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
		    const struct dp_udp_info *u);
/* Authenticated media came from a valid tuple of t that is not the
 * selected one: the remote moved (NAT rebinding, or it nominated another
 * pair), so the selection follows it (SL_MSG_ICE_SELECTED). */
void dp_forward_follow_tuple(struct dp_media *md, struct dp_transport *t,
			     const struct dp_udp_info *u);
/* A plaintext packet handed over by the producer's lcore. Consumes m. */
void dp_forward_fanout_in(struct dp_media *md, const struct dp_handoff *h);

/* dp_handoff.c */
/* The n*(n-1) rings (start-up), and their removal (mbufs in them freed). */
int dp_handoff_create(struct dp_lcore *lcs, unsigned int n, char *err, size_t errlen);
void dp_handoff_free(struct dp_lcore *lcs, unsigned int n);
/* Hands m to lcore dst. Consumes m (freed and counted when the ring is full). */
void dp_handoff_raw(struct dp_media *md, unsigned int dst, struct rte_mbuf *m,
		    const struct dp_udp_info *u);
/* Enqueues one descriptor to dst; the caller has taken a reference for it.
 * Returns 0, or -ENOBUFS (the caller's reference is dropped and counted). */
int dp_handoff_fanout(struct dp_media *md, unsigned int dst, const struct dp_handoff *h);

/* Asks lcore dst (the producer's) for a key frame of producer_id. 0 or
 * -ENOBUFS (ring full: nothing queued). */
int dp_handoff_keyframe(struct dp_media *md, unsigned int dst, uint32_t producer_id);

/* dp_feedback.c: RTCP the SFU originates towards producers */
/* SL_MSG_REQUEST_KEYFRAME, or a consumer's PLI/FIR routed on the data
 * plane: PLI (or FIR) to the producer, at most one per DP_KF_MIN_NS; a
 * request within the window is coalesced (pli_suppressed) into one sent
 * when the window ends (dp_feedback_kf_timer). 0 (sent, deferred, or not
 * connected: counted) or -ENOENT. */
int dp_feedback_keyframe(struct dp_media *md, uint32_t producer_id);
/* Sends the deferred key-frame requests whose window ended. */
void dp_feedback_kf_timer(struct dp_media *md, uint64_t now_ns);
/* Forgets p's deferred request (p is being removed). */
void dp_feedback_kf_forget(struct dp_media *md, struct dp_producer *p);
/* Records the transport-wide seq of a producer packet (ext id
 * prod->ext.transport_cc) arrived now on t. Never allocates. */
void dp_feedback_tcc_record(struct dp_media *md, struct dp_transport *t,
			    const struct dp_producer *prod, const uint8_t *rtp,
			    const struct dp_rtp_info *ri);
/* Sends due transport-cc feedback of every local transport. */
void dp_feedback_timer(struct dp_media *md, uint64_t now_ns);
/* Counts a media packet of prod (seq, RTP ts; rtx: it came as a
 * retransmission, so it does not count for jitter) for receiver reports. */
void dp_feedback_rx(struct dp_media *md, struct dp_producer *prod, uint16_t seq, uint32_t ts,
		    int rtx);
/* An SR of a producer (unprotected, parsed): remembered for LSR/DLSR. */
void dp_feedback_sr(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_pkt *pkt);
/* Sends due RTCP to consumers: every DP_SR_NS one SR per resumed consumer
 * whose producer sent an SR (dp_feedback.c). */
void dp_feedback_sr_timer(struct dp_media *md, uint64_t now_ns);
/* Allocates t->tcc (command path) when a producer uses transport-cc. */
int dp_feedback_tcc_enable(struct dp_transport *t);
/* RTCP we originate (also dp_nack.c): a fresh mbuf with room for
 * DP_RTCP_BUF_MAX plaintext bytes at mtod + DP_UDP4_HDRS plus the SRTCP
 * trailer, or NULL (counted); then protect + send the len bytes written
 * there on t's selected tuple (consumes m; 0, or -1 counted; len 0, a
 * builder's "does not fit", frees m: -1, not counted). Call
 * dp_tp_blocked() first: why t cannot send now (a drop reason), or 0. */
struct rte_mbuf *dp_feedback_rtcp_mbuf(struct dp_media *md, struct dp_transport *t);
int dp_feedback_rtcp_send(struct dp_media *md, struct dp_transport *t, struct rte_mbuf *m,
			  uint32_t len);
unsigned int dp_tp_blocked(const struct dp_transport *t);

/* dp_stats.c: per-stream and per-transport statistics (the owner lcore) */
/* The report blocks of a received SR or RR (unprotected) about consumers of
 * t: loss and jitter as reported, RTT from LSR/DLSR (dp_stats_sr_sent). */
void dp_stats_report(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_pkt *pkt);
/* Consumer c sent an SR with this NTP timestamp at now_ns. */
void dp_stats_sr_sent(struct dp_consumer *c, uint64_t ntp, uint64_t now_ns);
/* The cumulative loss of p (on t) as an RR about it reports it now. */
void dp_stats_producer_lost(struct dp_transport *t, struct dp_producer *p, int64_t lost);
/* Every DP_STATS_NS the transports' bitrate and remote-loss gauges; a few
 * streams per call checked for their periodic SL_MSG_STREAM_STATS. */
void dp_stats_timer(struct dp_media *md, uint64_t now_ns);

/* dp_level.c: RFC 6464 audio levels of audio producers */
/* Counts the ssrc-audio-level element (id prod->ext.audio_level, which the
 * caller checked != 0) of a producer packet, parsed into ri and checked
 * well-formed. A few loads and adds; never allocates, never logs. */
void dp_level_rx(struct dp_producer *prod, const uint8_t *rtp, const struct dp_rtp_info *ri);
/* Every SL_LEVELS_INTERVAL_MS: one SL_MSG_AUDIO_LEVELS per SL_LEVELS_MAX
 * producers that counted packets, their intervals restarted. */
void dp_level_timer(struct dp_media *md, uint64_t now_ns);

/* dp_simulcast.c: layers of simulcast producers and the consumers' choice */
#define DP_SIM_PKT 1u        /* the packet is of a simulcast producer */
#define DP_SIM_PKT_KEY 2u    /* ... and starts a key frame of its layer */
#define DP_SIM_PKT_VP8 4u    /* ... and is VP8 */
#define DP_SIM_PKT_RESEND 8u /* a resend (NACK): rewrite as before, change no state */
/* The DP_SIM_PKT_* flags of a producer packet (payload parsed in ri). 0
 * for a producer that is not simulcast. */
uint8_t dp_simulcast_classify(const struct dp_producer *p, const uint8_t *rtp,
			      const struct dp_rtp_info *ri);
/* Whether a payload of codec (enum sl_codec) starts a key frame. */
int dp_simulcast_is_key(uint8_t codec, const uint8_t *pl, uint32_t len);
/* A packet of layer arrived for fan's consumers at now_ns (fan->sr is the
 * SR of its layer): the fan's best layer (highest not absent) and that
 * layer's SR updated. */
void dp_simulcast_seen(struct dp_fan *fan, uint8_t layer, uint64_t now_ns);
/* Whether consumer c forwards this packet (layer, flags): its current
 * layer, or a key frame of a better layer it switches to. A change of
 * target asks the producer for a key frame. */
int dp_simulcast_pick(struct dp_media *md, struct dp_consumer *c, uint8_t layer, uint8_t flags);
/* The VP8 payload descriptor of a copy for c (len bytes at pl): picture
 * id and TL0PICIDX shifted so that they continue across layer switches
 * (a switch rebases them: last + 1). flags: the packet's DP_SIM_PKT_*. */
void dp_simulcast_vp8(struct dp_consumer *c, uint8_t *pl, uint32_t len, uint8_t flags);
/* The producer SR c's SRs are mapped from: its layer's (simulcast), else
 * the fan's. */
const struct dp_sr_ref *dp_simulcast_sr(const struct dp_consumer *c);
/* c is resumed (or new): it starts again on a key frame. */
void dp_simulcast_reset(struct dp_consumer *c);
/* Command side: a simulcast PRODUCER_ADD (a->n_layers > 1) on transport
 * tid is acceptable: at most SL_SIM_LAYERS_MAX layers, layer 0 = ssrc /
 * rtx_ssrc, media SSRCs non-zero, all SSRCs distinct and new on tid.
 * 0, -EINVAL or -EEXIST. */
int dp_simulcast_check(const struct dp_media *md, uint32_t tid,
		       const struct sl_msg_producer_add *a);

/* dp_media.c: the input dispatch after the port-owner check */
void dp_media_input_local(struct dp_media *md, struct rte_mbuf *m, const struct dp_udp_info *u);

#endif
