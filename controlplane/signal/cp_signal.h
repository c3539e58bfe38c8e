/* SPDX-License-Identifier: MIT */
/*
 * cp_signal - the PeerWave signaling protocol (/work/shared/protocol.md) on
 * top of the Socket.IO layer: authentication, rooms and peers, transports
 * with ICE-lite credentials and DTLS, producers and consumers, placement of
 * transports on data-plane lcores, and the commands that program the data
 * plane.
 *
 * The module does not know libwebsockets: the caller hands it socket events
 * (connect / event / disconnect) with an opaque connection pointer and gives
 * it the functions that answer and emit on such a connection (struct
 * cp_signal_io). cp_app.c wires these to controlplane/sio; the tests wire
 * them to recorders.
 *
 * Threading: one event loop. Every function here, every io callback and the
 * cp_dp handlers run on it. Nothing blocks: requests are answered before the
 * call returns, except a join that waits for the fleet directory (answered
 * from cp_signal_join_done); data-plane commands are queued (a full command
 * ring is answered OVERLOADED) and their results only logged.
 *
 * Ownership: struct cp_signal owns every room, peer, transport, producer and
 * consumer, the DTLS certificate and the data-plane id pools. It borrows the
 * configuration and the struct cp_dp (both must outlive it).
 */
#ifndef CP_SIGNAL_H
#define CP_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cp_buf.h"
#include "cp_config.h"
#include "cp_dp.h"

struct cp_signal;
struct cp_peer;

/* How the module talks back to a connection (conn is the caller's pointer). */
struct cp_signal_io {
	/* EVENT ["event", data]; data borrowed. Returns 0 or -errno (ignored
	 * apart from a debug log: a dead socket is cleaned up by its
	 * disconnect). */
	int (*emit)(void *conn, const char *event, json_t *data);
	/* ACK <ack_id>[response]; response borrowed. */
	int (*ack)(void *conn, int64_t ack_id, json_t *response);
	/* The connection authenticated (a token verified); may be NULL. The
	 * transport lifts its pre-authentication limits. */
	void (*authed)(void *conn);
	/* Short name of the connection for log lines (e.g. the Engine.IO sid). */
	const char *(*name)(void *conn);
	/* Server-side disconnect of a connection (the admin API removed its
	 * peer): what was emitted before goes out first; the connection's
	 * disconnect (cp_signal_disconnect) follows later from the event loop,
	 * never from inside this call. May be NULL (the peer then only stops
	 * being served). */
	void (*close)(void *conn);
	/* Monotonic clock in ms; NULL = CLOCK_MONOTONIC. Tests set it. */
	uint64_t (*now_ms)(void *user);
	/* Wall clock in ms since the epoch (createdAt); NULL = CLOCK_REALTIME. */
	int64_t (*wall_ms)(void *user);
	void *user; /* for now_ms / wall_ms */
};

/* Creates the signaling state: loads or generates the DTLS certificate
 * (cfg->dtls_cert/dtls_key), builds the router capabilities and reads the
 * placement settings (environment SLUICE_PLACEMENT = "auto" | "round-robin",
 * SLUICE_ROOM_AFFINITY_MAX = transports of one room kept on one lcore,
 * default 64, 0 = plain round-robin). cfg and dp are borrowed. Returns NULL
 * with err set on failure. */
struct cp_signal *cp_signal_new(const struct cp_config *cfg, struct cp_dp *dp,
				const struct cp_signal_io *io, char *err, size_t errlen);

/* Frees everything. With dp attached, every live transport is first
 * destroyed in the data plane (best effort, no notifications). Connections
 * are not touched: the caller closes them. NULL is fine. */
void cp_signal_free(struct cp_signal *s);

/* ---- socket side ---- */

/* A Socket.IO CONNECT on "/". auth is the CONNECT payload (may be NULL): a
 * valid {token} authenticates at once, a token that does not verify refuses
 * the connection (return -EACCES), no token accepts it unauthenticated (the
 * `authenticate` event may follow). On success *peer is the new peer, to be
 * passed to the other calls. Returns 0, -EACCES or -ENOMEM. */
int cp_signal_connect(struct cp_signal *s, void *conn, json_t *auth, struct cp_peer **peer);

/* An EVENT from a connected socket: payload borrowed (may be NULL), ack_id
 * >= 0 when the client waits for an answer. Answers before returning. */
void cp_signal_event(struct cp_signal *s, struct cp_peer *p, const char *name, json_t *payload,
		     int64_t ack_id);

/* The socket went away: the peer leaves its room (everything it owned is
 * closed and announced) and is freed. */
void cp_signal_disconnect(struct cp_signal *s, struct cp_peer *p, const char *reason);

/* ---- data-plane side (wire these into struct cp_dp_handlers) ---- */
void cp_signal_dp_event(void *s, unsigned int lcore, const struct sl_msg *m);
void cp_signal_dp_detach(void *s);
void cp_signal_dp_ready(void *s);

/* Periodic work: DTLS retransmissions and handshake deadlines. */
void cp_signal_tick(struct cp_signal *s);

/* ---- fleet side (controlplane/fleet; README "Fleet") ---- */

/* The hooks a shared room directory plugs in. Without them (the default)
 * every join is served here, as on a lone node. */
struct cp_signal_fleet {
	/* A join for a channel with no room on this node. Returns 0 when the
	 * directory was asked: the join is answered later by
	 * cp_signal_join_done(peer_id), never from inside this call; or a
	 * negative errno when it cannot be asked now (the join is answered
	 * OVERLOADED with the message written to msg). */
	int (*resolve)(void *user, const char *channel, const char *peer_id, char *msg,
		       size_t msglen);
	/* The room of channel closed here (its last peer left). */
	void (*room_closed)(void *user, const char *channel);
	void *user;
};
void cp_signal_set_fleet(struct cp_signal *s, const struct cp_signal_fleet *f);

enum cp_signal_home {
	CP_SIGNAL_HOME_HERE,        /* serve the join here (the room is homed on this node) */
	CP_SIGNAL_HOME_REDIRECT,    /* answer REDIRECT with url = arg */
	CP_SIGNAL_HOME_UNAVAILABLE, /* answer OVERLOADED with message = arg */
};
/* Finishes a join that resolve() deferred. A peer that disconnected (or
 * whose join is no longer pending) is ignored: returns -ENOENT. */
int cp_signal_join_done(struct cp_signal *s, const char *peer_id, enum cp_signal_home h,
			const char *arg);
/* Joined peers on this node (the fleet's "load"). */
uint32_t cp_signal_load(const struct cp_signal *s);
/* Calls fn for every room on this node (fn must not change the rooms). */
void cp_signal_foreach_room(const struct cp_signal *s,
			    void (*fn)(void *user, const char *channel), void *user);

/* Prometheus gauges and counters of the signaling layer. */
void cp_signal_metrics(struct cp_signal *s, struct cp_buf *b);

/* ---- operator side (the admin API: controlplane/cp_admin.c) ----
 * Removing a peer: it gets mediasoup:removed {reason} (a Sluice addition,
 * README "Admin API"), then leaves its room as on a disconnect (the others
 * get producer-closed and peer-left) and its connection is closed with
 * io.close. From then on it gets no notification and its requests are
 * dropped unanswered until its disconnect arrives. */

/* {"rooms": [<room>...]}, each room the `stats` object of get-room-stats
 * (with peerStats). New reference; NULL when out of memory. */
json_t *cp_signal_admin_rooms(struct cp_signal *s);
/* The `stats` object of one room (new reference), NULL when no such room. */
json_t *cp_signal_admin_room(struct cp_signal *s, const char *channel_id);
/* Closes a room: every peer is removed (see above) with reason. Returns the
 * number of peers removed or -ENOENT. */
int cp_signal_close_room(struct cp_signal *s, const char *channel_id, const char *reason);
/* Removes one peer (joined or not) with reason. 0 or -ENOENT. *room (may be
 * NULL) gets the channelId it was in, "" when none (cap bytes). */
int cp_signal_remove_peer(struct cp_signal *s, const char *peer_id, const char *reason,
			  char *room, size_t cap);
/* Mutes (paused = 1) or unmutes a producer as mediasoup's producer.pause()
 * does: its consumers stop (resume) forwarding, each consumer's peer gets
 * mediasoup:consumer-paused (-resumed) {consumerId, producerId} and the
 * producer's peer mediasoup:producer-paused (-resumed) {producerId}. A
 * consumer its own peer paused stays paused after the resume. Idempotent.
 * 0 with *changed = consumers whose forwarding changed, -ENOENT (no such
 * producer) or -EBUSY (a command ring is full: nothing changed). */
int cp_signal_pause_producer(struct cp_signal *s, const char *producer_id, int paused,
			     uint32_t *changed);

#endif
