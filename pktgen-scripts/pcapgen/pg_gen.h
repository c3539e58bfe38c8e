/* SPDX-License-Identifier: MIT */
/*
 * pg_gen - turns a key dump (pg_keys.h) into Ethernet/IPv4/UDP frames:
 * valid media as a browser sends it, or one kind of attack traffic, each
 * frame with a timestamp, handed to a sink (a pcap file, or memory in the
 * tests).
 *
 * Valid media ("media"): for every send transport of the dump first a
 * consent STUN Binding request with USE-CANDIDATE (USERNAME
 * "remote_ufrag:local_ufrag", MESSAGE-INTEGRITY keyed with remote_pwd,
 * FINGERPRINT), then SRTP packets of its streams protected with the dump's
 * tx key, pps packets per second per stream for `seconds`, the streams of a
 * tick spread evenly over it; the consent request is repeated every
 * consent_ms. RTP as a browser writes it: a one-byte header extension block
 * (RFC 8285) with mid, ssrc-audio-level (audio), abs-send-time and
 * transport-wide sequence numbers, each only when the dump negotiated its
 * id (with recv_consent the recv transports get the consent requests
 * too, as a browser keeps them alive); audio timestamps advance by
 * clock/pps, video goes in 30 fps frames
 * (marker on the last packet of a frame, a VP8 payload descriptor first in
 * the payload). Sequence numbers start at seq_offset on every SSRC. With
 * sr_ms, every stream also sends a compound SRTCP packet (SR + SDES CNAME)
 * every sr_ms, as browsers do about once a second.
 *
 * Attack kinds (PG_KINDS below): what each sends and which drop counter of
 * the data plane (enum sl_drop_reason) it must land in. Kinds marked
 * `tuple` first send the valid consent request of every send transport, so
 * the transport has a selected tuple and the attack reaches the check it
 * is aimed at.
 *
 * Sequence numbers and nonces: every kind that protects SRTP uses indexes
 * seq_offset.. on the dump's SSRCs, and *stats reports the next unused one
 * (seq_next). AES-GCM must never protect one index twice with different
 * bytes (dp_srtp.h), so pcaps made from one dump must use disjoint ranges:
 * chain seq_next into the next run's seq_offset (sluice-pcapgen --kind all
 * does), and start above what the loadgen itself sent.
 *
 * Deterministic: the same dump and options give byte-identical frames
 * (randomness comes from a PRNG seeded with opts.seed).
 */
#ifndef PG_GEN_H
#define PG_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "pg_keys.h"
#include "sluice/abi.h"

#define PG_FRAME_MAX 1514u /* Ethernet without FCS, 1500-byte MTU */

/* X(enum, name, expected drop reason or SL_DROP__COUNT for none, needs the tuple, what) */
#define PG_KINDS(X)                                                                        \
	X(PG_KIND_MEDIA, "media", SL_DROP__COUNT, 1, "consent STUN + SRTP streams")          \
	X(PG_KIND_STUN_MALFORMED, "stun-malformed", SL_DROP_STUN_MALFORMED, 0,                \
	  "STUN with a bad length, cookie, attribute, FINGERPRINT or without MI")           \
	X(PG_KIND_STUN_AUTH, "stun-auth", SL_DROP_STUN_AUTH, 0,                               \
	  "Binding requests with a wrong MESSAGE-INTEGRITY")                                 \
	X(PG_KIND_STUN_UNKNOWN_USER, "stun-unknown-user", SL_DROP_STUN_UNKNOWN_USER, 0,       \
	  "Binding requests for a ufrag the server does not know")                          \
	X(PG_KIND_DTLS, "dtls", SL_DROP_DTLS_NO_TRANSPORT, 0,                                 \
	  "DTLS look-alike records from tuples that never passed ICE")                      \
	X(PG_KIND_SRTP_BAD_TAG, "srtp-bad-tag", SL_DROP_SRTP_AUTH, 1,                         \
	  "SRTP of the dump's streams with a corrupted authentication tag")                 \
	X(PG_KIND_RANDOM_UDP, "random-udp", SL_DROP_DEMUX_UNKNOWN, 0,                         \
	  "random UDP payloads that are no STUN, DTLS, RTP or RTCP")                        \
	X(PG_KIND_UNKNOWN_SSRC, "unknown-ssrc", SL_DROP_NO_PRODUCER, 1,                       \
	  "SRTP with SSRCs of no stream of the dump")                                       \
	X(PG_KIND_UNKNOWN_TUPLE, "unknown-tuple", SL_DROP_UNKNOWN_TUPLE, 0,                   \
	  "valid SRTP from source ports that never passed ICE")                             \
	X(PG_KIND_REPLAY, "replay", SL_DROP_SRTP_REPLAY, 1,                                   \
	  "valid SRTP, every packet sent twice (the copies are replays)")

enum pg_kind {
#define PG_X_ENUM(e, n, d, t, w) e,
	PG_KINDS(PG_X_ENUM)
#undef PG_X_ENUM
	PG_KIND__COUNT
};

const char *pg_kind_name(enum pg_kind k);
/* What the data plane counts the attack frames as; SL_DROP__COUNT for media. */
unsigned int pg_kind_drop(enum pg_kind k);
const char *pg_kind_what(enum pg_kind k);
/* By name; PG_KIND__COUNT if unknown. */
enum pg_kind pg_kind_by_name(const char *name);

struct pg_opts {
	uint8_t src_mac[6];     /* the load generator's side */
	uint8_t dst_mac[6];     /* the server's (or the next hop's) */
	uint32_t pps;           /* media: per stream; attacks: in all. >= 1 */
	uint32_t seconds;       /* >= 1 */
	int32_t size;           /* RTP payload bytes; < 0: 100 audio, 1100 video */
	uint32_t streams;       /* media: use the first N streams of the dump; 0 = all */
	uint16_t seq_offset;    /* first RTP sequence number on every SSRC */
	uint32_t consent_ms;    /* media: consent request period; 0 = only the first */
	uint8_t recv_consent;   /* media: recv transports get consent requests too */
	uint32_t sr_ms;         /* media: an SRTCP sender report per stream every sr_ms; 0 = none */
	uint32_t count;         /* attacks: frames; 0 = pps * seconds */
	uint64_t seed;
	uint64_t start_ns;      /* timestamp of the first frame (ns since the epoch) */
};

/* Defaults: 50 pps, 10 s, default sizes, all streams, seq 30000, consent
 * every 5 s, fixed MACs 02:00:00:00:00:02 -> 02:00:00:00:00:01, seed 1,
 * start 2026-01-01T00:00:00Z. */
void pg_opts_default(struct pg_opts *o);

/* Receives every frame in time order. 0 to go on, non-zero to stop. */
struct pg_sink {
	int (*frame)(void *user, uint64_t ts_ns, const uint8_t *frame, size_t len);
	void *user;
};

struct pg_stats {
	uint64_t frames;
	uint64_t stun, dtls, srtp, srtcp, other; /* by the first two payload bytes (RFC 7983) */
	uint64_t valid_rtp;    /* SRTP the server must accept as media */
	uint64_t expect_drops; /* frames the server must count as pg_kind_drop() */
	uint64_t bytes;        /* frame bytes */
	uint16_t seq_first;    /* sequence numbers used on the dump's SSRCs */
	uint16_t seq_next;     /* the first one not used (== seq_first: none) */
	uint32_t seq_count;    /* indexes used per SSRC (more than 65536: wrapped, ROC > 0) */
};

/*
 * Generates kind from d into sink. 0, or -1 with a message in err: bad
 * options, a dump without what the kind needs (send transports, streams),
 * an SRTP failure, or the sink refusing a frame.
 */
int pg_generate(const struct pg_dump *d, enum pg_kind kind, const struct pg_opts *o,
		const struct pg_sink *sink, struct pg_stats *st, char *err, size_t errlen);

#endif /* PG_GEN_H */
