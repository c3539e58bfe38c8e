/* SPDX-License-Identifier: MIT */
/*
 * cp_sig_int - the signaling layer's internal objects and the functions the
 * files of controlplane/signal share. Not for use outside this directory.
 *
 * Object graph (all owned by struct cp_signal):
 *   room   --peers-->  peer (one per Socket.IO connection; in a room while joined)
 *   peer   --transports--> transport (owner lcore, ICE credentials, DTLS)
 *   peer   --producers-->  producer  (on one of the peer's send transports)
 *   peer   --consumers-->  consumer  (on one of the peer's recv transports)
 *   producer --consumers--> consumer (of any peer of the room)
 * Lookup maps from the protocol ids (UUID strings, embedded in the objects)
 * and arrays from the data-plane ids (tid / producer id / consumer id).
 *
 * Closing and notifications: every close function takes the peer that CAUSED
 * it (NULL when the server did, e.g. a DTLS failure or a data-plane restart).
 * Notifications go to every peer of the room concerned except the cause.
 */
#ifndef CP_SIG_INT_H
#define CP_SIG_INT_H

#include <stdint.h>

#include <jansson.h>

#include "../cp_bucket.h"
#include "cp_dtls.h"
#include "cp_ids.h"
#include "cp_jwt.h"
#include "cp_list.h"
#include "cp_map.h"
#include "cp_ortc.h"
#include "cp_placement.h"
#include "cp_speaker.h"
#include "cp_track.h"
#include "cp_signal.h"
#include "cp_valid.h"

#define CP_SIG_ERR_MAX 256
#define CP_SIG_ICE_UFRAG_LEN 16
#define CP_SIG_ICE_PWD_LEN 32
/* RFC 8445 5.1.2.1 for a host candidate: type preference 64, local
 * preference 20000, component 1. */
#define CP_SIG_HOST_PRIORITY ((64u << 24) + (20000u << 8) + (256u - 1u))
/* The IPv6 host candidate (data plane started with --ip6): below the IPv4
 * one, so a dual-stack client keeps the IPv4 path it has always used. */
#define CP_SIG_HOST6_PRIORITY ((64u << 24) + (10000u << 8) + (256u - 1u))

/* The signaling layer's limits (rooms, per-peer) and the token lifetime
 * (README "Limits"): one row each of sluice_signal_limit_total{limit=
 * "<name>"}, counted when a request is refused by it. The names are the
 * config keys where there is one. */
#define CP_SIG_LIMITS(X)                                                        \
	X(MAX_ROOMS, "max_rooms")                                               \
	X(MAX_PEERS_PER_ROOM, "max_peers_per_room")                             \
	X(MAX_TRANSPORTS_PER_PEER, "max_transports_per_peer")                   \
	X(MAX_PRODUCERS_PER_TRANSPORT, "max_producers_per_transport")           \
	X(MAX_CONSUMERS_PER_PEER, "max_consumers_per_peer")                     \
	X(DUPLICATE_CONSUMER, "one_consumer_per_producer")                      \
	X(MAX_APP_DATA_BYTES, "max_app_data_bytes")                             \
	X(MAX_CODEC_PARAMETERS_BYTES, "max_codec_parameters_bytes")             \
	X(TOKEN_EXPIRED, "token_exp")

enum cp_sig_limit {
#define CP_SIG_LIMIT_ENUM(e, n) CP_SIG_LIM_##e,
	CP_SIG_LIMITS(CP_SIG_LIMIT_ENUM)
#undef CP_SIG_LIMIT_ENUM
	CP_SIG_LIM__COUNT
};

struct cp_room {
	char channel_id[CP_VALID_CHANNEL_MAX + 1];
	int64_t created_at_ms; /* wall clock */
	struct cp_link peers;
	uint32_t n_peers;
	uint32_t n_transports, n_producers, n_consumers;
	uint32_t lcore_transports[SL_MAX_LCORES]; /* for placement */
	struct cp_speaker speaker;      /* active speaker (cp_audio.c) */
};

struct cp_peer {
	struct cp_signal *sig;
	void *conn;
	char id[CP_UUID_LEN + 1];      /* peerId */
	char name[32];                 /* connection name for logs */
	int authed;
	struct cp_jwt_claims claims;
	/* the token's exp on the monotonic clock (cp_sig_now_ms), set by every
	 * successful authenticate: from then on nothing new may be created
	 * (transports, producers, consumers, a join) until a fresh token renews
	 * it. What exists keeps working: nothing is closed on expiry. */
	uint64_t auth_deadline_ms;
	struct cp_room *room;          /* NULL unless joined */
	struct cp_link room_link;
	struct cp_link all_link;       /* sig->peers */
	struct cp_link transports;
	struct cp_link producers;
	struct cp_link consumers;
	uint32_t n_transports;
	uint32_t n_consumers;
	struct cp_bucket bucket;       /* rate limit: requests per second */
	int removed;                   /* removed by the operator: no requests served,
					* nothing emitted, waiting for the disconnect */
	/* fleet: a join waiting for the directory (in sig->pending_joins) */
	int join_pending;
	int64_t join_ack;              /* its ack id (-1: none) */
	char join_channel[CP_VALID_CHANNEL_MAX + 1];
};

enum cp_ice_state { CP_ICE_NEW, CP_ICE_CONNECTED, CP_ICE_DISCONNECTED };

struct cp_transport {
	struct cp_peer *peer;
	struct cp_link peer_link;
	struct cp_link hs_link;        /* sig->handshaking while DTLS needs timers */
	char id[CP_UUID_LEN + 1];
	uint32_t tid;                  /* data-plane transport id */
	uint32_t lcore;                /* owner lcore index */
	int is_send;
	char ufrag[CP_SIG_ICE_UFRAG_LEN + 1];
	char pwd[CP_SIG_ICE_PWD_LEN + 1];
	uint16_t port;
	struct cp_dtls *dtls;
	int connect_called;            /* connect-transport accepted */
	int keys_sent;                 /* SRTP keys programmed */
	int failed;                    /* DTLS failed: close after the call returns */
	char fail_reason[2 * CP_SIG_ERR_MAX];
	int create_retried;            /* TRANSPORT_CREATE retried after -EEXIST */
	enum cp_ice_state ice;
	struct sl_tuple tuple;         /* last ICE-selected or DTLS source tuple */
	int has_tuple;
	uint32_t next_mid;             /* recv: mediasoup's per-transport mid counter */
	uint32_t n_producers;
	uint32_t n_consumers;
	uint32_t dp_errors;            /* commands for it the data plane refused */
	uint64_t created_ms;
	uint32_t create_seq;           /* seq of its (last) TRANSPORT_CREATE */
	uint32_t seen_round;           /* last reconciliation round that listed it */
};

struct cp_stream_stats {
	uint64_t packets, bytes;
	uint32_t bitrate_bps, lost, jitter, rtt_us;
};

struct cp_producer {
	struct cp_peer *peer;
	struct cp_transport *t;
	struct cp_link peer_link;
	struct cp_link consumers;
	char id[CP_UUID_LEN + 1];
	uint32_t pid;
	uint32_t n_consumers;
	uint64_t fanout_mask;          /* last PRODUCER_FANOUT sent */
	int paused;                    /* muted by the operator: every consumer is
					* paused in the data plane */
	struct cp_ortc_producer ortc;
	struct cp_stream_stats stats;
	uint32_t create_seq;           /* seq of its PRODUCER_ADD */
	uint32_t seen_round;           /* last reconciliation round that listed it */
};

struct cp_consumer {
	struct cp_peer *peer;
	struct cp_transport *t;
	struct cp_producer *producer;
	struct cp_link peer_link;
	struct cp_link producer_link;
	char id[CP_UUID_LEN + 1];
	uint32_t cid;
	uint32_t ssrc, rtx_ssrc;
	int paused;                    /* its peer's pause-consumer / resume-consumer;
					* the data plane forwards only while neither
					* this nor producer->paused is set */
	struct cp_stream_stats stats;
	uint32_t create_seq;           /* seq of its CONSUMER_ADD */
	uint32_t seen_round;           /* last reconciliation round that listed it */
};

struct cp_sig_counters {
	uint64_t requests[CP_SIG__COUNT]; /* answers by code */
	uint64_t dtls_connected, dtls_failed;
	uint64_t dp_cmd_failed;           /* RESULT with a status != 0 */
	uint64_t dp_ring_full;            /* commands not sent */
	uint64_t dtls_slots_exhausted;
	uint64_t limits[CP_SIG_LIM__COUNT]; /* requests refused, by limit */
	uint64_t admin_rooms_closed, admin_peers_removed;
	uint64_t admin_producers_paused, admin_producers_resumed;
};

/* Teardown commands a full ring + backlog could not take, oldest first,
 * per lcore (cp_reconcile.c): sent again from cp_signal_tick, in order;
 * while an lcore has some, later teardown for it queues behind them and
 * cp_sig_ring_room refuses new work for it. */
#define CP_RETRY_MAX 65536u

struct cp_retry_q {
	struct sl_msg *m;
	uint32_t head, n, cap;
};

enum cp_rec_obj { CP_REC_TRANSPORT, CP_REC_PRODUCER, CP_REC_CONSUMER, CP_REC__COUNT };

/* No drift between the planes (cp_reconcile.c): refused creates, lost
 * answers, the teardown retry list and the periodic reconciliation round. */
struct cp_reconcile {
	struct cp_retry_q retry[SL_MAX_LCORES];
	int active;                      /* a round is running */
	uint32_t round;                  /* number of the running/last round */
	uint32_t start_seq;              /* objects created with a seq before it are checked */
	uint64_t started_ms, next_ms;    /* the running round's start, the next one's */
	uint8_t kind[SL_MAX_LCORES];     /* enum sl_obj_kind being listed, 0 = lcore done */
	uint32_t cursor[SL_MAX_LCORES];
	uint32_t wait_seq[SL_MAX_LCORES]; /* LIST_OBJECTS waiting for its page, 0 = none sent */
	uint64_t rounds, rounds_aborted;
	uint64_t orphans_dp, orphans_cp; /* removed: on the data plane / on the control plane */
	uint64_t refused[CP_REC__COUNT]; /* creates refused after the request was answered */
	uint64_t retried, retry_dropped; /* teardown commands queued for a retry / given up */
};

struct cp_signal {
	const struct cp_config *cfg;
	struct cp_dp *dp;
	struct cp_signal_io io;
	struct cp_dtls_cert *cert;
	json_t *router_caps;
	struct cp_placement place;
	struct cp_link peers;            /* every connected socket */
	struct cp_link handshaking;      /* transports with DTLS timers */
	uint32_t n_peers, n_joined;
	struct cp_map rooms, transports, producers, consumers; /* by protocol id */
	/* data-plane ids: valid while a data plane is ready */
	int dp_ready;
	int reconciling;                 /* destroying a previous control plane's transports */
	uint32_t sweep_next[SL_MAX_LCORES];
	struct cp_idpool tids, pids, cids;
	struct cp_transport **by_tid;
	struct cp_producer **by_pid;
	struct cp_consumer **by_cid;
	uint32_t n_transports, n_producers, n_consumers;
	struct cp_sig_counters ctr;
	uint64_t speaker_last_ms;        /* last active-speaker round (cp_audio.c) */
	struct cp_signal_fleet fleet;    /* resolve == NULL: no fleet */
	struct cp_map pending_joins;     /* peer id -> peer whose join waits for the fleet */
	int deferred;                    /* set by h_join: the answer comes later */
	struct cp_track track;           /* commands waiting for their answer */
	struct cp_reconcile rec;
};

/* ---- cp_signal.c: clocks, io and the data plane ---- */
uint64_t cp_sig_now_ms(const struct cp_signal *s);
int64_t cp_sig_wall_ms(const struct cp_signal *s);
/* Emits to one peer (borrowed data). */
void cp_sig_emit(struct cp_signal *s, struct cp_peer *p, const char *event, json_t *data);
/* Emits to every peer of room except `except` (may be NULL). */
void cp_sig_notify_room(struct cp_signal *s, struct cp_room *r, const struct cp_peer *except,
			const char *event, json_t *data);
/* 1 when the command ring of lcore has room for n more commands. */
int cp_sig_ring_room(struct cp_signal *s, uint32_t lcore, unsigned int n);
/* Sends a command (want a RESULT). 0, or -errno after logging; counts
 * failures. Does nothing (returns -ENOTCONN) while no data plane is ready. */
int cp_sig_send(struct cp_signal *s, uint32_t lcore, struct sl_msg *m, const char *what);

/* ---- cp_reconcile.c: no drift between the planes ---- */
/* 1 for commands that undo data-plane state (never dropped: retried). */
int cp_rec_is_teardown(uint16_t type);
/* 1 when lcore has teardown waiting in the retry list. */
int cp_rec_retry_waiting(const struct cp_signal *s, uint32_t lcore);
/* Queues a teardown command for a retry (seq reset). 0, or -ENOBUFS
 * (the list is full: counted, and a reconciliation round asked for). */
int cp_rec_retry_push(struct cp_signal *s, uint32_t lcore, struct sl_msg *m);
/* A RESULT with status != 0 (after the -EEXIST retry of cp_signal.c): a
 * refused create closes its object and tells the clients; e is the
 * tracked command (NULL when it was not tracked). */
void cp_rec_refused(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m,
		    const struct cp_track_ent *e);
/* A tracked command whose answer never came (cp_track_lost_fn). */
void cp_rec_lost(void *user, unsigned int lcore, const struct cp_track_ent *e);
/* SL_MSG_OBJECT_LIST: one page of the running round. */
void cp_rec_list_event(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m);
/* Retries, answer timeouts and the round (from cp_signal_tick). */
void cp_rec_tick(struct cp_signal *s);
/* The data plane went away or came back: nothing pending stays. */
void cp_rec_reset(struct cp_signal *s);
void cp_rec_fini(struct cp_signal *s);
void cp_rec_metrics(struct cp_signal *s, struct cp_buf *b);

/* ---- cp_room.c ---- */
/* homed: the fleet directory placed the room here (or there is no fleet).
 * Not homed and no local room with a fleet: CP_SIG_DEFERRED after asking
 * the directory (the answer comes through cp_signal_join_done). */
enum cp_sig_code cp_room_join(struct cp_signal *s, struct cp_peer *p, const char *channel_id,
			      int homed, char *err, size_t errlen);
/* Internal: not a protocol code, never counted or answered. */
#define CP_SIG_DEFERRED ((enum cp_sig_code)(CP_SIG__COUNT + 1))
/* Closes everything p owns, tells the others, removes p from its room and
 * closes the room when it was the last peer. No-op when not joined. */
void cp_room_leave(struct cp_signal *s, struct cp_peer *p);
struct cp_room *cp_room_find(struct cp_signal *s, const char *channel_id);
void cp_room_free_all(struct cp_signal *s);

/* ---- cp_peer.c ---- */
struct cp_peer *cp_peer_new(struct cp_signal *s, void *conn);
void cp_peer_free(struct cp_signal *s, struct cp_peer *p);
/* Verifies a token; on success the peer is authenticated with its claims.
 * Returns CP_SIG_OK, CP_SIG_UNAUTHENTICATED (bad token) or
 * CP_SIG_FORBIDDEN (a different user than the one already authenticated). */
enum cp_sig_code cp_peer_authenticate(struct cp_signal *s, struct cp_peer *p, const char *token,
				      size_t len, char *err, size_t errlen);
/* 1 when the peer's token has expired (see auth_deadline_ms). */
int cp_peer_expired(struct cp_signal *s, const struct cp_peer *p);
/* Takes one request from the peer's bucket: 1 allowed, 0 over the limit. */
int cp_peer_rate_ok(struct cp_signal *s, struct cp_peer *p);
/* The peer's transport with this protocol id, or NULL. */
struct cp_transport *cp_peer_transport(struct cp_peer *p, const char *id);

/* ---- cp_transport.c ---- */
enum cp_sig_code cp_transport_create(struct cp_signal *s, struct cp_peer *p, int is_send,
				     struct cp_transport **out, char *err, size_t errlen);
/* The `transport` object of the create-transport answer (new reference). */
json_t *cp_transport_json(struct cp_signal *s, const struct cp_transport *t);
/* The TRANSPORT_CREATE command of t (holds its ICE password: cleanse after use). */
void cp_transport_create_msg(const struct cp_transport *t, struct sl_msg *m);
enum cp_sig_code cp_transport_connect(struct cp_signal *s, struct cp_transport *t,
				      const struct cp_dtls_remote *remote, char *err,
				      size_t errlen);
/* Closes producers and consumers on t (notifications per the cause),
 * destroys it in the data plane (when dp_alive) and frees it. */
void cp_transport_close(struct cp_signal *s, struct cp_transport *t, const struct cp_peer *cause,
			int dp_alive);
/* Closes t if its DTLS failed during the last call into it. */
void cp_transport_reap(struct cp_signal *s, struct cp_transport *t);
void cp_transport_dp_event(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m);
void cp_transport_tick(struct cp_signal *s);
const char *cp_transport_ice_name(enum cp_ice_state st);

/* ---- cp_media.c ---- */
enum cp_sig_code cp_producer_create(struct cp_signal *s, struct cp_peer *p, struct cp_transport *t,
				    const char *kind, json_t *rtp_parameters,
				    struct cp_producer **out, char *err, size_t errlen);
/* Closes the producer's consumers (consumer-closed to their peers), removes
 * it from the data plane and announces producer-closed to the room. */
void cp_producer_close(struct cp_signal *s, struct cp_producer *pr, const struct cp_peer *cause,
		       int dp_alive);
enum cp_sig_code cp_consumer_create(struct cp_signal *s, struct cp_peer *p,
				    struct cp_producer *pr, json_t *rtp_capabilities,
				    struct cp_transport *t, struct cp_consumer **out,
				    json_t **rtp_parameters, char *err, size_t errlen);
/* Closes a consumer; consumer-closed goes to its peer unless it is the cause. */
void cp_consumer_close(struct cp_signal *s, struct cp_consumer *c, const struct cp_peer *cause,
		       int dp_alive);
enum cp_sig_code cp_consumer_set_paused(struct cp_signal *s, struct cp_consumer *c, int paused,
					char *err, size_t errlen);
/* The operator's mute (see cp_signal_pause_producer). CP_SIG_OK with
 * *changed, or CP_SIG_OVERLOADED (no data plane, or a ring without room for
 * every command: nothing sent). */
enum cp_sig_code cp_producer_set_paused(struct cp_signal *s, struct cp_producer *pr, int paused,
					uint32_t *changed, char *err, size_t errlen);
void cp_media_stats_event(struct cp_signal *s, const struct sl_msg *m);
/* Asks the producer's lcore for a key frame (SL_MSG_REQUEST_KEYFRAME; the
 * data plane rate-limits). consumer_id is informative (SL_INVALID_ID ok).
 * 0, or -ENOENT (no such producer) / the send error. */
int cp_producer_request_keyframe(struct cp_signal *s, struct cp_producer *pr,
				 uint32_t consumer_id);
/* SL_MSG_KEYFRAME_REQUEST event: a consumer's PLI/FIR, relayed to its producer. */
void cp_media_keyframe_event(struct cp_signal *s, const struct sl_msg *m);

/* ---- cp_audio.c: the active speaker of each room ---- */
/* SL_MSG_AUDIO_LEVELS: the levels of producers in rooms recorded. */
void cp_audio_levels_event(struct cp_signal *s, const struct sl_msg *m);
/* pr is closing: it leaves its room's decision. */
void cp_audio_producer_closed(struct cp_signal *s, struct cp_producer *pr);
/* A decision per room every few hundred ms; mediasoup:active-speaker to the
 * room when its speaker changed. */
void cp_audio_tick(struct cp_signal *s);

/* ---- cp_stats.c ---- */
json_t *cp_stats_room(struct cp_signal *s, const struct cp_room *r);
void cp_stats_metrics(struct cp_signal *s, struct cp_buf *b);

/* Name of a limit (its config key), for /metrics. */
const char *cp_sig_limit_name(enum cp_sig_limit l);

/* ---- cp_handlers.c ---- */
void cp_handlers_dispatch(struct cp_signal *s, struct cp_peer *p, const char *name,
			  json_t *payload, int64_t ack_id);

/* The room id of a peer for cp_log_ids(), NULL when it has not joined. */
static inline const char *cp_peer_room_id(const struct cp_peer *p)
{
	return p && p->room ? p->room->channel_id : NULL;
}

#endif
