/* SPDX-License-Identifier: MIT */
/*
 * cp_room - rooms (PeerWave's RoomManager): one per channelId, created by
 * the first join, closed when the last peer leaves. A room holds no
 * data-plane state of its own: its transports, producers and consumers are
 * its peers', and they are all closed before the last peer is removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_log.h"
#include "cp_sig_int.h"

struct cp_room *cp_room_find(struct cp_signal *s, const char *channel_id)
{
	return cp_map_get(&s->rooms, channel_id);
}

static enum cp_sig_code room_create(struct cp_signal *s, const char *channel_id,
				    struct cp_room **out, char *err, size_t errlen)
{
	if (cp_map_count(&s->rooms) >= (size_t)s->cfg->max_rooms) {
		s->ctr.limits[CP_SIG_LIM_MAX_ROOMS]++;
		snprintf(err, errlen, "the server has reached its room limit (%d rooms)",
			 s->cfg->max_rooms);
		return CP_SIG_OVERLOADED;
	}
	struct cp_room *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return CP_SIG_INTERNAL;
	}
	snprintf(r->channel_id, sizeof(r->channel_id), "%s", channel_id);
	r->created_at_ms = cp_sig_wall_ms(s);
	cp_list_init(&r->peers);
	cp_speaker_init(&r->speaker, NULL);
	if (cp_map_put(&s->rooms, r->channel_id, r)) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return CP_SIG_INTERNAL;
	}
	CP_INFO_IDS(r->channel_id, NULL, NULL, "signal: room %s created (%zu rooms)", r->channel_id,
		    cp_map_count(&s->rooms));
	*out = r;
	return CP_SIG_OK;
}

/* Asks the fleet directory where channel_id lives; the join waits in
 * s->pending_joins until cp_signal_join_done. */
static enum cp_sig_code room_resolve(struct cp_signal *s, struct cp_peer *p,
				     const char *channel_id, char *err, size_t errlen)
{
	snprintf(p->join_channel, sizeof(p->join_channel), "%s", channel_id);
	if (cp_map_put(&s->pending_joins, p->id, p)) {
		snprintf(err, errlen, "out of memory");
		return CP_SIG_INTERNAL;
	}
	int rc = s->fleet.resolve(s->fleet.user, channel_id, p->id, err, errlen);
	if (rc) {
		cp_map_del(&s->pending_joins, p->id);
		return CP_SIG_OVERLOADED;
	}
	p->join_pending = 1;
	p->join_ack = -1;
	CP_DBG("signal: peer %s: join of room %s waits for the fleet directory", p->id,
	       channel_id);
	return CP_SIG_DEFERRED;
}

enum cp_sig_code cp_room_join(struct cp_signal *s, struct cp_peer *p, const char *channel_id,
			      int homed, char *err, size_t errlen)
{
	if (p->join_pending) {
		snprintf(err, errlen, "a join is already in progress: wait for its answer");
		return CP_SIG_ALREADY_JOINED;
	}
	if (p->room) {
		snprintf(err, errlen, "already joined a room: leave it first");
		return CP_SIG_ALREADY_JOINED;
	}
	if (p->claims.has_room && strcmp(p->claims.room, channel_id)) {
		snprintf(err, errlen, "the token does not allow joining this room");
		return CP_SIG_FORBIDDEN;
	}
	struct cp_room *r = cp_room_find(s, channel_id);
	if (!r && !homed && s->fleet.resolve)
		return room_resolve(s, p, channel_id, err, errlen);
	if (!r) {
		enum cp_sig_code c = room_create(s, channel_id, &r, err, errlen);
		if (c != CP_SIG_OK)
			return c;
	}
	if (r->n_peers >= (uint32_t)s->cfg->max_peers_per_room) {
		s->ctr.limits[CP_SIG_LIM_MAX_PEERS_PER_ROOM]++;
		snprintf(err, errlen, "the room is full (%d peers)", s->cfg->max_peers_per_room);
		return CP_SIG_ROOM_FULL;
	}
	cp_list_add_tail(&r->peers, &p->room_link);
	r->n_peers++;
	p->room = r;
	s->n_joined++;
	CP_INFO_IDS(r->channel_id, p->id, NULL,
		    "signal: peer %s (user %s, socket %s) joined room %s (%u peers)", p->id,
		    p->claims.sub, p->name, r->channel_id, r->n_peers);
	return CP_SIG_OK;
}

static void room_free(struct cp_signal *s, struct cp_room *r)
{
	if (s->fleet.room_closed)
		s->fleet.room_closed(s->fleet.user, r->channel_id);
	cp_map_del(&s->rooms, r->channel_id);
	cp_speaker_fini(&r->speaker);
	free(r);
}

void cp_room_leave(struct cp_signal *s, struct cp_peer *p)
{
	struct cp_room *r = p->room;
	if (!r)
		return;
	while (!cp_list_empty(&p->transports))
		cp_transport_close(s, cp_container_of(p->transports.next, struct cp_transport,
						      peer_link),
				   p, 1);
	json_t *n = json_pack("{ssss}", "userId", p->claims.sub, "peerId", p->id);
	if (n)
		cp_sig_notify_room(s, r, p, "mediasoup:peer-left", n);
	json_decref(n);
	cp_list_del(&p->room_link);
	r->n_peers--;
	p->room = NULL;
	s->n_joined--;
	CP_INFO_IDS(r->channel_id, p->id, NULL, "signal: peer %s (user %s) left room %s (%u peers "
		    "left)", p->id, p->claims.sub, r->channel_id, r->n_peers);
	if (r->n_peers == 0) {
		CP_INFO_IDS(r->channel_id, NULL, NULL, "signal: room %s closed (last peer left)",
			    r->channel_id);
		room_free(s, r);
	}
}

void cp_room_free_all(struct cp_signal *s)
{
	/* rooms only exist while they have peers; callers free peers first */
	for (size_t i = 0; i < s->rooms.cap; i++)
		if (s->rooms.e && s->rooms.e[i].key) {
			cp_speaker_fini(&((struct cp_room *)s->rooms.e[i].val)->speaker);
			free(s->rooms.e[i].val);
			s->rooms.e[i].key = NULL;
		}
	s->rooms.n = 0;
}

void cp_signal_foreach_room(const struct cp_signal *s,
			    void (*fn)(void *user, const char *channel), void *user)
{
	for (size_t i = 0; i < s->rooms.cap; i++)
		if (s->rooms.e && s->rooms.e[i].key)
			fn(user, s->rooms.e[i].key);
}

uint32_t cp_signal_load(const struct cp_signal *s)
{
	return s->n_joined;
}
