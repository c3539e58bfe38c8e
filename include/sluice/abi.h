/* SPDX-License-Identifier: MIT */
/*
 * sluice/abi.h - THE control/data ABI of Sluice.
 *
 * This is the only header both processes share for the shared-memory channel.
 * The data plane (a DPDK primary) creates one POSIX shm segment, lays out the
 * structures below in it and places its rte_rings there with rte_ring_init();
 * the control plane (a plain process, no EAL) maps the same segment and uses
 * the inline enqueue/dequeue functions of rte_ring_elem.h on those rings.
 *
 * Rules (see STYLE.md):
 *  - plain data only: no pointers anywhere in the segment (the processes map
 *    it at different addresses); everything is located by byte offset from
 *    the start of the segment;
 *  - every message is exactly SL_MSG_SIZE bytes, pinned by _Static_assert;
 *  - message type numbers and drop-reason numbers are append-only; a retired
 *    number is never reused;
 *  - any change of layout bumps SL_ABI_VERSION;
 *  - every message is validated (sl_msg_validate()) before it is applied.
 *
 * Ownership: the segment is created, sized and removed by the data plane.
 * Header fields are written by the data plane only, except where noted.
 * Each lcore's counters and heartbeat are written by that lcore only and read
 * by the control plane without locks (single writer, torn reads impossible
 * on 64-bit aligned words on the platforms DPDK supports).
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <stddef.h>
#include <stdint.h>

#define SL_ABI_MAGIC 0x4843554c53ULL /* "SLUCH" little-endian */
#define SL_ABI_VERSION 5u /* 3: SL_MSG_AUDIO_LEVELS; 4: SL_MSG_LIST_OBJECTS/OBJECT_LIST; 5: simulcast layers in PRODUCER_ADD */

#define SL_SHM_NAME_DEFAULT "/sluice"
#define SL_MAX_LCORES 64u
#define SL_MSG_SIZE 256u
#define SL_CMD_RING_SIZE 1024u /* per lcore, power of two */
#define SL_EVT_RING_SIZE 4096u /* per lcore, power of two */
#define SL_SLOT_SIZE 2048u     /* one packet slot; payload up to SL_SLOT_DATA */
#define SL_SLOT_DATA (SL_SLOT_SIZE - 16u)
#define SL_SLOTS_DEFAULT 4096u /* power of two */
#define SL_RING_NAME_MAX 32u
#define SL_ICE_UFRAG_MAX 32u /* incl. NUL; we generate 16 chars */
#define SL_ICE_PWD_MAX 64u   /* incl. NUL; we generate 32 chars */
#define SL_SRTP_MASTER_MAX 46u /* key (<= 32) + salt (<= 14) */
#define SL_PT_MAP_MAX 8u
#define SL_EXT_MAP_MAX 8u
#define SL_SIM_LAYERS_MAX 4u /* simulcast encodings (spatial layers) per producer */
#define SL_INVALID_ID 0xffffffffu

/* ------------------------------------------------------------------ */
/* Drop reasons: one X-macro makes the enum and the names.             */
/* Append only. The name is the Prometheus label value.                */
/* The media path (dataplane/media) appended:                          */
/*  no_tuple          a send on a transport without an ICE-valid tuple */
/*  ice_disconnected  media to/from a transport whose ICE timed out    */
/*  stun_not_request  STUN that is not a Binding request (indications, */
/*                    responses: an ICE-lite agent sends no requests)  */
/*  no_consumer       a fan-out reference reached an lcore that holds  */
/*                    no consumer of that producer (any more)          */
/*  pt_unmapped       payload type not in the consumer's PT map        */
/*  rtp_stale         older than the consumer's resync point, or that  */
/*                    consumer sequence number was already sent        */
/*  rtp_padding       padding-only RTX (bandwidth probe): not relayed  */
/* Data-plane budgets (issue 12) appended:                             */
/*  rtcp_unknown_ssrc SRTCP whose sender SSRC (in clear) is none of the */
/*                    transport's known streams: not unprotected, so   */
/*                    libsrtp never makes a stream for it              */
/*  dtls_inflight     DTLS beyond the transport's bound of datagrams   */
/*                    waiting for the control plane                    */
/*  dtls_after_connect DTLS after the keys arrived that is no alert    */
/*                    (a few handshake retransmissions excepted)       */
/*  evt_shed          a low-priority event (stats, key-frame request,  */
/*                    DTLS) not queued: the event ring is above the    */
/*                    fill level kept for control events               */
/*  evt_deferred      a control event (ICE) that found the ring full:  */
/*                    kept and queued again later, not lost            */
/* IPv6 (issue 14) appended; IPv6 also counts in the IPv4 reasons       */
/* (ip_malformed, ip_not_us, ip_fragment, ip_proto, icmp_*, udp_*):     */
/*  ip6_ext_hdr       an extension-header chain refused: too long, a   */
/*                    routing header with segments left, an option    */
/*                    whose type says "discard", AH/ESP/mobility...    */
/*  ndp_malformed     a neighbour solicitation RFC 4861 7.1.1 refuses */
/*  ndp_not_us        a neighbour solicitation for another target     */
/* ------------------------------------------------------------------ */
#define SL_DROP_REASONS(X)                                                    \
	X(SL_DROP_ETH_SHORT, "eth_short")                                     \
	X(SL_DROP_ETH_TYPE, "eth_type")                                       \
	X(SL_DROP_ARP_MALFORMED, "arp_malformed")                             \
	X(SL_DROP_ARP_NOT_US, "arp_not_us")                                   \
	X(SL_DROP_IP_MALFORMED, "ip_malformed")                               \
	X(SL_DROP_IP_NOT_US, "ip_not_us")                                     \
	X(SL_DROP_IP_FRAGMENT, "ip_fragment")                                 \
	X(SL_DROP_IP_PROTO, "ip_proto")                                       \
	X(SL_DROP_ICMP_MALFORMED, "icmp_malformed")                           \
	X(SL_DROP_ICMP_TYPE, "icmp_type")                                     \
	X(SL_DROP_UDP_MALFORMED, "udp_malformed")                             \
	X(SL_DROP_UDP_CHECKSUM, "udp_checksum")                               \
	X(SL_DROP_UDP_PORT, "udp_port")                                       \
	X(SL_DROP_DEMUX_UNKNOWN, "demux_unknown")                             \
	X(SL_DROP_UNKNOWN_TUPLE, "unknown_tuple")                             \
	X(SL_DROP_STUN_MALFORMED, "stun_malformed")                           \
	X(SL_DROP_STUN_AUTH, "stun_auth")                                     \
	X(SL_DROP_STUN_UNKNOWN_USER, "stun_unknown_user")                     \
	X(SL_DROP_DTLS_NO_TRANSPORT, "dtls_no_transport")                     \
	X(SL_DROP_RTP_MALFORMED, "rtp_malformed")                             \
	X(SL_DROP_RTCP_MALFORMED, "rtcp_malformed")                           \
	X(SL_DROP_SRTP_NO_KEYS, "srtp_no_keys")                               \
	X(SL_DROP_SRTP_AUTH, "srtp_auth")                                     \
	X(SL_DROP_SRTP_REPLAY, "srtp_replay")                                 \
	X(SL_DROP_SRTP_OTHER, "srtp_other")                                   \
	X(SL_DROP_NO_PRODUCER, "no_producer")                                 \
	X(SL_DROP_CONSUMER_PAUSED, "consumer_paused")                         \
	X(SL_DROP_RING_FULL, "ring_full")                                     \
	X(SL_DROP_TX_FULL, "tx_full")                                         \
	X(SL_DROP_NO_MBUF, "no_mbuf")                                         \
	X(SL_DROP_SLOT_EXHAUSTED, "slot_exhausted")                           \
	X(SL_DROP_EVT_RING_FULL, "evt_ring_full")                             \
	X(SL_DROP_TOO_BIG, "too_big")                                         \
	X(SL_DROP_NO_TUPLE, "no_tuple")                                       \
	X(SL_DROP_ICE_DISCONNECTED, "ice_disconnected")                       \
	X(SL_DROP_STUN_NOT_REQUEST, "stun_not_request")                       \
	X(SL_DROP_NO_CONSUMER, "no_consumer")                                 \
	X(SL_DROP_PT_UNMAPPED, "pt_unmapped")                                 \
	X(SL_DROP_RTP_STALE, "rtp_stale")                                     \
	X(SL_DROP_RTP_PADDING, "rtp_padding")                                 \
	X(SL_DROP_RTCP_UNKNOWN_SSRC, "rtcp_unknown_ssrc")                     \
	X(SL_DROP_DTLS_INFLIGHT, "dtls_inflight")                             \
	X(SL_DROP_DTLS_AFTER_CONNECT, "dtls_after_connect")                   \
	X(SL_DROP_EVT_SHED, "evt_shed")                                       \
	X(SL_DROP_EVT_DEFERRED, "evt_deferred")                               \
	X(SL_DROP_IP6_EXT, "ip6_ext_hdr")                                     \
	X(SL_DROP_NDP_MALFORMED, "ndp_malformed")                             \
	X(SL_DROP_NDP_NOT_US, "ndp_not_us")

enum sl_drop_reason {
#define SL_X_ENUM(e, s) e,
	SL_DROP_REASONS(SL_X_ENUM)
#undef SL_X_ENUM
	SL_DROP__COUNT
};

#define SL_DROP_SLOTS 48u /* room in the counters for appended reasons */
_Static_assert(SL_DROP__COUNT <= SL_DROP_SLOTS, "grow SL_DROP_SLOTS and bump ABI");

/* Names of the drop reasons, indexed by enum sl_drop_reason. */
static inline const char *sl_drop_name(unsigned int reason)
{
	static const char *const names[] = {
#define SL_X_NAME(e, s) s,
		SL_DROP_REASONS(SL_X_NAME)
#undef SL_X_NAME
	};
	return reason < SL_DROP__COUNT ? names[reason] : "unknown";
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

/* Per-lcore counters: written by that lcore only. */
struct sl_lcore_counters {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t arp_replies;
	uint64_t icmp_echo_replies;
	uint64_t stun_replies;
	uint64_t rtp_in;
	uint64_t rtp_out;
	uint64_t rtcp_in;
	uint64_t rtcp_out;
	uint64_t handoff_out;  /* packets handed to another lcore */
	uint64_t handoff_in;   /* packets received from another lcore */
	uint64_t cmds;         /* commands applied */
	uint64_t cmds_invalid; /* commands refused by the validator */
	uint64_t evts;         /* events enqueued */
	uint64_t loops;        /* burst-loop iterations */
	uint64_t idle_sleeps;  /* iterations that slept */
	uint64_t transports;   /* gauge: transports owned */
	uint64_t producers;    /* gauge: producer streams owned */
	uint64_t consumers;    /* gauge: consumers owned */
	uint64_t nd_replies;   /* neighbour advertisements sent (IPv6; was reserved) */
	uint64_t reserved[10];
	uint64_t drops[SL_DROP_SLOTS];
};
_Static_assert(sizeof(struct sl_lcore_counters) == 80 * 8, "counters size pinned");

/* Per-transport counters: written by the transport's owner lcore only.
 * Indexed by transport id; valid while the transport exists (zeroed by the
 * owner on create). */
struct sl_transport_counters {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t rtp_in;
	uint64_t rtp_out;
	uint64_t rtcp_in;
	uint64_t rtcp_out;
	uint64_t stun_in;
	uint64_t dtls_in;
	uint64_t dtls_out;
	uint64_t nack_in;
	uint64_t pli_in;
	uint64_t rtx_out;
	uint64_t pli_out;        /* key-frame requests (PLI/FIR) sent to this producer transport */
	uint64_t pli_suppressed; /* key-frame requests coalesced (rate limit; sent later) */
	uint64_t nack_out;       /* NACK packets sent to this producer transport */
	uint64_t nack_seqs_in;   /* sequence numbers asked for by NACKs received here */
	uint64_t rtx_miss;       /* of those, not (or no longer) in the retransmission buffer */
	uint64_t rtp_lost;       /* producer packets never received (as in our RRs), cumulative */
	uint64_t remote_lost;    /* gauge: sum of consumers' latest RR cumulative loss */
	uint64_t rtt_us;         /* gauge: latest round-trip time measured here, 0 = none yet */
	uint64_t rx_bps;         /* gauge: received bit/s over the last second */
	uint64_t tx_bps;         /* gauge: sent bit/s over the last second */
	uint64_t avail_out_bps;  /* gauge: send-side bandwidth estimate towards this transport's
				  * receiver (transport-cc/REMB; 0 = no consumer with feedback) */
	uint64_t reserved[7];
	uint64_t drops[SL_DROP_SLOTS];
};
_Static_assert(sizeof(struct sl_transport_counters) == 80 * 8, "counters size pinned");

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

/* The message list: ONE X-macro makes the enum (SL_MSG_<name> = value),
 * the names (sl_msg_name), the payload sizes (sl_msg_payload_size, carried
 * by HELLO and the segment header) and the directions (sl_msg_dir; the
 * validator refuses a message that travels the wrong way).
 *   X(name, value, payload size, direction)   direction: CMD control -> lcore,
 *                                              EVT lcore -> control
 * Rules: values are append-only and listed in increasing order (tables are
 * indexed by value; test_abi_tables checks it); a retired value is never
 * reused (keep its line with direction RETIRED and size 0); a new message
 * is one line here plus its payload struct below. The size expressions name
 * structs defined further down: they are expanded only after them. */
#define SL_MSG_LIST(X)                                                                      \
	X(HELLO, 1, sizeof(struct sl_msg_hello), CMD)            /* abi version + sizes */     \
	X(HELLO_ACK, 2, sizeof(struct sl_msg_hello_ack), EVT)    /* status of HELLO */         \
	X(NOOP, 3, sizeof(struct sl_msg_noop), CMD)              /* round-trip probe */        \
	X(NOOP_REPLY, 4, sizeof(struct sl_msg_noop), EVT)        /* answer to NOOP, same seq */\
	X(TRANSPORT_CREATE, 5, sizeof(struct sl_msg_transport_create), CMD)                    \
	X(TRANSPORT_DESTROY, 6, 0, CMD)                          /* header only */             \
	X(SRTP_KEYS, 7, sizeof(struct sl_msg_srtp_keys), CMD)    /* keys, both directions */   \
	X(PRODUCER_ADD, 8, sizeof(struct sl_msg_producer_add), CMD) /* on its transport */     \
	X(PRODUCER_REMOVE, 9, sizeof(struct sl_msg_producer_remove), CMD)                      \
	X(PRODUCER_FANOUT, 10, sizeof(struct sl_msg_producer_fanout), CMD) /* lcores with consumers */ \
	X(CONSUMER_ADD, 11, sizeof(struct sl_msg_consumer_add), CMD) /* to its transport's lcore */ \
	X(CONSUMER_REMOVE, 12, sizeof(struct sl_msg_consumer_ref), CMD)                        \
	X(CONSUMER_PAUSE, 13, sizeof(struct sl_msg_consumer_ref), CMD)                         \
	X(CONSUMER_RESUME, 14, sizeof(struct sl_msg_consumer_ref), CMD)                        \
	X(SEND_PACKET, 15, sizeof(struct sl_msg_packet), CMD)    /* a slot (DTLS out) */       \
	X(RESULT, 16, sizeof(struct sl_msg_result), EVT)         /* status of a seq != 0 */    \
	X(ICE_SELECTED, 17, sizeof(struct sl_msg_ice), EVT)      /* USE-CANDIDATE/rebinding */ \
	X(ICE_DISCONNECTED, 18, sizeof(struct sl_msg_ice), EVT)  /* no binding for ice_timeout */ \
	X(DTLS_RECV, 19, sizeof(struct sl_msg_packet), EVT)      /* a DTLS datagram in a slot */ \
	X(KEYFRAME_REQUEST, 20, sizeof(struct sl_msg_keyframe), EVT) /* a consumer's PLI/FIR */ \
	X(STREAM_STATS, 21, sizeof(struct sl_msg_stream_stats), EVT) /* periodic figures */    \
	X(REQUEST_KEYFRAME, 22, sizeof(struct sl_msg_keyframe), CMD) /* to the producer's lcore */ \
	X(AUDIO_LEVELS, 23, sizeof(struct sl_msg_audio_levels), EVT) /* RFC 6464 levels */     \
	X(LIST_OBJECTS, 24, sizeof(struct sl_msg_list_objects), CMD) /* one page of ids */     \
	X(OBJECT_LIST, 25, sizeof(struct sl_msg_object_list), EVT) /* answer, same seq */

/* Direction of a message type. */
enum sl_msg_dir {
	SL_DIR_NONE = 0,    /* SL_MSG_NONE, values beyond the list */
	SL_DIR_CMD = 1,     /* control plane -> lcore (command ring) */
	SL_DIR_EVT = 2,     /* lcore -> control plane (event ring) */
	SL_DIR_RETIRED = 3, /* a retired value: refused both ways, never reused */
};

/* Message types: SL_MSG_NONE, then the list. SL_MSG__COUNT is one past the
 * last value (the list is in increasing order). */
enum sl_msg_type {
	SL_MSG_NONE = 0,
#define SL_X_ENUM(name, value, size, dir) SL_MSG_##name = value,
	SL_MSG_LIST(SL_X_ENUM)
#undef SL_X_ENUM
	SL_MSG__COUNT
};

/* Common header of every message. */
struct sl_msg_hdr {
	uint16_t type;         /* enum sl_msg_type */
	uint16_t flags;        /* reserved, 0 */
	uint32_t seq;          /* request id chosen by the control plane; 0 = no RESULT wanted */
	uint32_t transport_id; /* SL_INVALID_ID where it does not apply */
	uint32_t reserved;
};

/* The address of a peer (a 5-tuple with our fixed local side). Network
 * byte order for addresses and ports. */
struct sl_tuple {
	uint8_t family; /* 4 or 6 */
	uint8_t pad[3];
	uint16_t remote_port;
	uint16_t local_port;
	uint8_t remote_addr[16]; /* IPv4 in the first 4 bytes */
};

struct sl_msg_hello {
	uint32_t abi_version;
	uint32_t n_types;                  /* SL_MSG__COUNT of the sender */
	uint16_t sizes[SL_MSG__COUNT + 10]; /* payload size of each type; room to grow */
};

struct sl_msg_hello_ack {
	int32_t status;           /* 0 or -errno (-EPROTO: mismatch) */
	uint32_t abi_version;     /* of the data plane */
	uint32_t mismatch_type;   /* first type whose size differs, or 0 */
	uint32_t lcore_index;
};

struct sl_msg_noop {
	uint64_t t_sent_ns; /* echoed back */
	uint32_t lcore_index;
	uint32_t pad;
};

struct sl_msg_result {
	int32_t status;        /* 0 or -errno */
	uint16_t cmd_type;     /* the command it answers */
	uint16_t pad;
};

/* SL_MSG_TRANSPORT_CREATE: hdr.transport_id is the new id (< max_transports).
 * Sent to the owner lcore's command ring; local_port must be that lcore's port. */
struct sl_msg_transport_create {
	char ice_ufrag[SL_ICE_UFRAG_MAX]; /* our ufrag, NUL-terminated */
	char ice_pwd[SL_ICE_PWD_MAX];     /* our password, NUL-terminated */
	uint16_t local_port;              /* host byte order */
	uint16_t pad;
	uint32_t ice_timeout_ms;          /* 0 = data-plane default */
};

enum sl_srtp_profile {
	SL_SRTP_NONE = 0,
	SL_SRTP_AES128_CM_SHA1_80 = 1,
	SL_SRTP_AES128_CM_SHA1_32 = 2,
	SL_SRTP_AEAD_AES_128_GCM = 7,
	SL_SRTP_AEAD_AES_256_GCM = 8, /* numbers follow RFC 5764/7714 profile ids */
};

/* SL_MSG_SRTP_KEYS: master key || master salt for each direction.
 * rx = what the remote sends us (its "write" key), tx = what we send. */
struct sl_msg_srtp_keys {
	uint16_t profile; /* enum sl_srtp_profile */
	uint8_t key_len;  /* master key bytes (16 or 32) */
	uint8_t salt_len; /* master salt bytes (14 or 12) */
	uint8_t rx[SL_SRTP_MASTER_MAX];
	uint8_t tx[SL_SRTP_MASTER_MAX];
};

enum sl_media_kind { SL_KIND_AUDIO = 1, SL_KIND_VIDEO = 2 };

/* The media codec of a producer, as far as the data plane must know it
 * (key frames of simulcast layers). Append only. */
enum sl_codec {
	SL_CODEC_OTHER = 0, /* key frames not recognised */
	SL_CODEC_OPUS = 1,
	SL_CODEC_VP8 = 2,
	SL_CODEC_VP9 = 3,
	SL_CODEC_H264 = 4,
};

/* Header-extension ids a stream uses (0 = not negotiated). */
struct sl_ext_ids {
	uint8_t mid;
	uint8_t abs_send_time;
	uint8_t transport_cc;
	uint8_t audio_level;
	uint8_t video_orientation;
	uint8_t toffset;
	uint8_t rid;
	uint8_t rrid;
};

/* SL_MSG_PRODUCER_ADD: hdr.transport_id is the producer's transport. */
struct sl_msg_producer_add {
	uint32_t producer_id;
	uint32_t ssrc;
	uint32_t rtx_ssrc;      /* 0 = no RTX */
	uint8_t kind;           /* enum sl_media_kind */
	uint8_t payload_type;   /* media PT as the producer sends it */
	uint8_t rtx_payload_type;
	uint8_t n_pt;           /* entries used in pts[] (all PTs of the producer) */
	uint8_t pts[SL_PT_MAP_MAX];
	uint32_t clock_rate;
	struct sl_ext_ids ext;  /* ids as the producer sends them */
	uint8_t nack;           /* producer accepts NACK */
	uint8_t pli;
	uint8_t fir;
	uint8_t tcc;            /* transport-cc negotiated */
	/* appended in ABI 4: simulcast. n_layers 0 or 1: one stream (ssrc,
	 * rtx_ssrc; the arrays are ignored). 2..SL_SIM_LAYERS_MAX: one stream
	 * per spatial layer, lowest first; layer_ssrc[0] == ssrc and
	 * layer_rtx_ssrc[0] == rtx_ssrc; every SSRC non-zero and distinct
	 * (an rtx SSRC may be 0: that layer has no RTX). */
	uint8_t n_layers;
	uint8_t codec;          /* enum sl_codec */
	uint8_t pad2[2];
	uint32_t layer_ssrc[SL_SIM_LAYERS_MAX];
	uint32_t layer_rtx_ssrc[SL_SIM_LAYERS_MAX];
};

struct sl_msg_producer_remove {
	uint32_t producer_id;
};

/* SL_MSG_PRODUCER_FANOUT: sent to the producer's lcore: the set of lcores
 * that hold at least one consumer of this producer. */
struct sl_msg_producer_fanout {
	uint32_t producer_id;
	uint32_t pad;
	uint64_t lcore_mask; /* bit i = lcore index i */
};

struct sl_pt_pair {
	uint8_t from; /* producer PT */
	uint8_t to;   /* consumer PT */
};

/* SL_MSG_CONSUMER_ADD: hdr.transport_id is the consumer's transport. */
struct sl_msg_consumer_add {
	uint32_t consumer_id;
	uint32_t producer_id;
	uint32_t ssrc;          /* the consumer's own SSRC */
	uint32_t rtx_ssrc;      /* 0 = no RTX towards this consumer */
	uint8_t kind;
	uint8_t rtx_payload_type;
	uint8_t n_pt;
	uint8_t paused;         /* consumers start paused */
	struct sl_pt_pair pt_map[SL_PT_MAP_MAX];
	uint32_t clock_rate;
	struct sl_ext_ids ext;  /* ids the consumer expects (0 = strip) */
	uint8_t nack;
	uint8_t pli;
	uint8_t fir;
	uint8_t tcc;
};

struct sl_msg_consumer_ref {
	uint32_t consumer_id;
};

/* SL_MSG_SEND_PACKET / SL_MSG_DTLS_RECV: a datagram in a packet slot.
 * Ownership of the slot passes with the message: the receiver returns it to
 * the free-slot ring when done. */
struct sl_msg_packet {
	uint32_t slot;
	uint16_t len;
	uint16_t pad;
	struct sl_tuple tuple; /* DTLS_RECV: where it came from */
};

struct sl_msg_ice {
	struct sl_tuple tuple;
};

/* SL_MSG_KEYFRAME_REQUEST (event: a consumer's PLI/FIR) and
 * SL_MSG_REQUEST_KEYFRAME (command to the producer's lcore, hdr.transport_id
 * the producer's transport, consumer_id informative or SL_INVALID_ID): the
 * lcore sends PLI (FIR when the producer negotiated only FIR) to the
 * producer, at most one per producer every 500 ms; requests within that
 * window are coalesced (counted in pli_suppressed) into one sent when it
 * ends. The event is only sent for a consumer whose producer the data
 * plane cannot reach itself (another lcore, not known to it yet). */
struct sl_msg_keyframe {
	uint32_t producer_id;
	uint32_t consumer_id;
};

struct sl_msg_stream_stats {
	uint32_t producer_id;   /* or SL_INVALID_ID */
	uint32_t consumer_id;   /* or SL_INVALID_ID */
	uint64_t packets;
	uint64_t bytes;
	uint32_t lost;
	uint32_t jitter;
	uint32_t rtt_us;
	uint32_t bitrate_bps;
};

/* SL_MSG_AUDIO_LEVELS (event, hdr.transport_id SL_INVALID_ID): the RFC 6464
 * ssrc-audio-level values of audio producers of one lcore over the last
 * interval (about SL_LEVELS_INTERVAL_MS; interval_ms says how long it
 * really was). Levels are in -dBov as on the wire: 0 loudest, 127 silence.
 * One entry per producer that sent packets with the extension in the
 * interval (a producer that sent none has no entry: silence); more entries
 * than fit go in further messages of the same interval. */
#define SL_LEVELS_MAX 29u
#define SL_LEVELS_INTERVAL_MS 300u
#define SL_LEVEL_SILENCE 127u

struct sl_level_entry {
	uint32_t producer_id;
	uint8_t packets;  /* packets with the extension (saturates at 255), >= 1 */
	uint8_t voice;    /* of those, with the V (voice activity) flag, <= packets */
	uint8_t level;    /* mean level of those packets, 0..127 */
	uint8_t loudest;  /* lowest (loudest) level of one of them, <= level */
};

struct sl_msg_audio_levels {
	uint32_t interval_ms;
	uint16_t n;       /* entries used, 1..SL_LEVELS_MAX */
	uint16_t pad;
	struct sl_level_entry e[SL_LEVELS_MAX];
};

/* SL_MSG_LIST_OBJECTS (command, hdr.transport_id SL_INVALID_ID) and its
 * answer SL_MSG_OBJECT_LIST (event, same seq): the ids of one kind of
 * object an lcore holds, one page per command, so that a command still
 * answers with exactly one event. The lcore examines the ids cursor,
 * cursor + 1, ... (at most SL_LIST_SCAN of them) in increasing order and
 * lists those it holds, up to SL_LIST_IDS; next is the first id not
 * examined, done says no id >= next exists. Walking the id space (not a
 * table) means an object that exists during the whole walk is listed
 * whatever is created or destroyed meanwhile. The control plane compares
 * the pages with its own tables (controlplane/signal/cp_reconcile.c). */
enum sl_obj_kind { SL_OBJ_TRANSPORT = 1, SL_OBJ_PRODUCER = 2, SL_OBJ_CONSUMER = 3 };
#define SL_LIST_IDS 56u
#define SL_LIST_SCAN 4096u

struct sl_msg_list_objects {
	uint8_t kind;     /* enum sl_obj_kind */
	uint8_t pad[3];
	uint32_t cursor;  /* first id to examine */
};

struct sl_msg_object_list {
	uint8_t kind;     /* as asked */
	uint8_t done;     /* 1: no id >= next exists */
	uint16_t n;       /* ids used, 0..SL_LIST_IDS */
	uint32_t cursor;  /* as asked */
	uint32_t next;    /* first id not examined, > cursor unless done */
	uint32_t pad;
	uint32_t ids[SL_LIST_IDS]; /* increasing, in [cursor, next) */
};

#define SL_MSG_PAYLOAD (SL_MSG_SIZE - sizeof(struct sl_msg_hdr))

struct sl_msg {
	struct sl_msg_hdr h;
	union {
		struct sl_msg_hello hello;
		struct sl_msg_hello_ack hello_ack;
		struct sl_msg_noop noop;
		struct sl_msg_result result;
		struct sl_msg_transport_create transport_create;
		struct sl_msg_srtp_keys srtp_keys;
		struct sl_msg_producer_add producer_add;
		struct sl_msg_producer_remove producer_remove;
		struct sl_msg_producer_fanout producer_fanout;
		struct sl_msg_consumer_add consumer_add;
		struct sl_msg_consumer_ref consumer_ref;
		struct sl_msg_packet packet;
		struct sl_msg_ice ice;
		struct sl_msg_keyframe keyframe;
		struct sl_msg_stream_stats stream_stats;
		struct sl_msg_audio_levels audio_levels;
		struct sl_msg_list_objects list_objects;
		struct sl_msg_object_list object_list;
		uint8_t raw[SL_MSG_PAYLOAD];
	} u;
};
_Static_assert(sizeof(struct sl_msg) == SL_MSG_SIZE, "messages are fixed-size");
_Static_assert(sizeof(struct sl_msg_hello) <= SL_MSG_PAYLOAD, "hello fits");
_Static_assert(sizeof(struct sl_msg_consumer_add) <= SL_MSG_PAYLOAD, "consumer_add fits");
_Static_assert(sizeof(struct sl_msg_srtp_keys) <= SL_MSG_PAYLOAD, "srtp_keys fits");
_Static_assert(sizeof(struct sl_level_entry) == 8, "level entry pinned");
_Static_assert(sizeof(struct sl_msg_audio_levels) == 8 + 8 * SL_LEVELS_MAX, "levels pinned");
_Static_assert(sizeof(struct sl_msg_audio_levels) <= SL_MSG_PAYLOAD, "audio_levels fits");
_Static_assert(sizeof(struct sl_msg_object_list) == 16 + 4 * SL_LIST_IDS, "object_list pinned");
_Static_assert(sizeof(struct sl_msg_object_list) <= SL_MSG_PAYLOAD, "object_list fits");

/* Payload size of each message type (0 for SL_MSG_NONE and unknown
 * values). Both sides build this table from their own compile of this
 * header; HELLO carries it. */
static inline uint16_t sl_msg_payload_size(unsigned int type)
{
	switch (type) {
#define SL_X_SIZE(name, value, size, dir) case SL_MSG_##name: return (uint16_t)(size);
	SL_MSG_LIST(SL_X_SIZE)
#undef SL_X_SIZE
	default: return 0;
	}
}

/* Direction of each message type (SL_DIR_NONE for SL_MSG_NONE and unknown
 * values). */
static inline enum sl_msg_dir sl_msg_dir(unsigned int type)
{
	switch (type) {
#define SL_X_DIR(name, value, size, dir) case SL_MSG_##name: return SL_DIR_##dir;
	SL_MSG_LIST(SL_X_DIR)
#undef SL_X_DIR
	default: return SL_DIR_NONE;
	}
}

/* Name of each message type without the SL_MSG_ prefix ("HELLO"), "NONE"
 * for 0 and "UNKNOWN" beyond the list: for logs. */
static inline const char *sl_msg_name(unsigned int type)
{
	static const char *const names[SL_MSG__COUNT] = {
		[SL_MSG_NONE] = "NONE",
#define SL_X_NAME(name, value, size, dir) [SL_MSG_##name] = #name,
		SL_MSG_LIST(SL_X_NAME)
#undef SL_X_NAME
	};
	return type < SL_MSG__COUNT && names[type] ? names[type] : "UNKNOWN";
}

/* Every payload fits in a message: one assertion per list entry. */
#define SL_X_FITS(name, value, size, dir) \
	_Static_assert((size) <= SL_MSG_PAYLOAD, "payload of SL_MSG_" #name " fits");
SL_MSG_LIST(SL_X_FITS)
#undef SL_X_FITS

/* ------------------------------------------------------------------ */
/* Segment layout                                                      */
/* ------------------------------------------------------------------ */

enum sl_dp_state {
	SL_DP_STARTING = 1,
	SL_DP_RUNNING = 2,
	SL_DP_STOPPING = 3,
};

/* Per-lcore block, one cache-line-aligned entry per worker lcore. */
struct sl_lcore_shm {
	uint32_t lcore_id;      /* DPDK lcore id */
	uint32_t queue_id;      /* RX/TX queue it polls */
	uint16_t udp_port;      /* the media port this lcore owns (host order) */
	uint16_t pad0;
	uint32_t pad1;
	uint64_t off_cmd_ring;  /* rte_ring, control -> lcore, SP/SC */
	uint64_t off_evt_ring;  /* rte_ring, lcore -> control, SP/SC */
	volatile uint64_t heartbeat_ns; /* CLOCK_MONOTONIC, bumped by the lcore */
	uint64_t pad2[3];
	struct sl_lcore_counters counters;
} __attribute__((aligned(64)));

struct sl_shm_header {
	uint64_t magic;          /* SL_ABI_MAGIC, written last at start-up */
	uint32_t abi_version;    /* SL_ABI_VERSION */
	uint32_t header_size;    /* sizeof(struct sl_shm_header) */
	uint64_t segment_size;   /* bytes of the whole segment */
	int32_t dp_pid;
	uint32_t state;          /* enum sl_dp_state */
	uint64_t dp_start_ns;    /* CLOCK_REALTIME at start */
	uint64_t generation;     /* random per start: a change means a restart */
	volatile uint64_t heartbeat_ns; /* CLOCK_MONOTONIC, bumped by the main lcore */
	uint32_t n_lcores;       /* worker lcores = entries in the lcore array */
	uint32_t msg_size;       /* SL_MSG_SIZE */
	uint32_t n_slots;        /* packet slots */
	uint32_t slot_size;      /* SL_SLOT_SIZE */
	uint32_t max_transports;
	uint32_t ipv4_addr;      /* the data plane's address, network order */
	uint8_t mac[6];
	uint16_t port_base;      /* lcore i owns UDP port port_base + i */
	uint32_t ice_timeout_ms;
	uint64_t off_lcores;     /* struct sl_lcore_shm[n_lcores] */
	uint64_t off_slots;      /* n_slots * SL_SLOT_SIZE bytes */
	uint64_t off_slot_free;  /* rte_ring of uint32_t slot indices, MP/MC */
	uint64_t off_transport_counters; /* struct sl_transport_counters[max_transports] */
	uint16_t msg_sizes[SL_MSG__COUNT + 10]; /* same table as HELLO */
	char device[64];         /* ethdev name, for /healthz */
	uint8_t ipv6_addr[16];   /* the data plane's IPv6 address (--ip6); all zero =
				  * none (taken from reserved: an older data plane
				  * leaves it zero) */
	uint64_t reserved[14];
};

/* A packet slot: fixed-size, passed by index. */
struct sl_slot {
	uint16_t len;
	uint16_t pad[7];
	uint8_t data[SL_SLOT_DATA];
};
_Static_assert(sizeof(struct sl_slot) == SL_SLOT_SIZE, "slot size pinned");

static inline void *sl_shm_at(const void *base, uint64_t off)
{
	return (uint8_t *)(uintptr_t)base + off;
}

static inline struct sl_lcore_shm *sl_shm_lcore(const struct sl_shm_header *h, unsigned int i)
{
	return (struct sl_lcore_shm *)sl_shm_at(h, h->off_lcores) + i;
}

static inline struct sl_slot *sl_shm_slot(const struct sl_shm_header *h, uint32_t idx)
{
	return (struct sl_slot *)sl_shm_at(h, h->off_slots + (uint64_t)idx * SL_SLOT_SIZE);
}

static inline struct sl_transport_counters *
sl_shm_tcounters(const struct sl_shm_header *h, uint32_t tid)
{
	return (struct sl_transport_counters *)sl_shm_at(h, h->off_transport_counters) + tid;
}

/* Liveness of the other process: 1 when pid exists and is not a zombie
 * (a killed data plane that nobody reaped yet must count as dead). Reads
 * /proc; used by both sides. */
int sl_pid_alive(int pid);

/* ------------------------------------------------------------------ */
/* Validation (abi/sl_abi_validate.c: library sl_abi, linked by both)  */
/* ------------------------------------------------------------------ */

enum sl_valid {
	SL_VALID_OK = 0,
	SL_VALID_BAD_TYPE,      /* unknown or retired type */
	SL_VALID_BAD_DIRECTION, /* an event where a command was expected or vice versa */
	SL_VALID_BAD_VERSION,   /* HELLO with another ABI version */
	SL_VALID_BAD_SIZES,     /* HELLO with other message sizes */
	SL_VALID_BAD_FIELD,     /* a field out of range (see sl_valid_ctx) */
};

/* What the validator needs to know of the receiving side. */
struct sl_valid_ctx {
	uint32_t max_transports;
	uint32_t n_slots;
	uint32_t n_lcores;
	uint32_t max_ids; /* producer and consumer ids are < max_ids */
};

/* Checks a command before a data-plane lcore applies it. Pure function. */
enum sl_valid sl_cmd_validate(const struct sl_msg *m, const struct sl_valid_ctx *ctx);
/* Checks an event before the control plane acts on it. Pure function. */
enum sl_valid sl_evt_validate(const struct sl_msg *m, const struct sl_valid_ctx *ctx);
/* Compares a HELLO with this build; on size mismatch *bad_type names the
 * first differing type. */
enum sl_valid sl_hello_check(const struct sl_msg_hello *h, uint32_t *bad_type);
/* Fills a HELLO for this build. */
void sl_hello_fill(struct sl_msg_hello *h);
const char *sl_valid_str(enum sl_valid v);

#endif /* SLUICE_ABI_H */
