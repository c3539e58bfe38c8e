/* SPDX-License-Identifier: MIT */
/*
 * cp_admin_ops - what the operator's admin API does to the signaling state
 * (cp_signal.h, "operator side"): list rooms, close a room, remove a peer,
 * mute a producer. Every action is logged with the ids and counted
 * (sluice_admin_actions_total).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_log.h"
#include "cp_sig_int.h"

json_t *cp_signal_admin_rooms(struct cp_signal *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->rooms.cap; i++) {
		if (!s->rooms.e || !s->rooms.e[i].key)
			continue;
		json_t *st = cp_stats_room(s, s->rooms.e[i].val);
		json_t *room = st ? json_object_get(st, "stats") : NULL;
		if (!room || json_array_append(a, room)) {
			json_decref(st);
			json_decref(a);
			return NULL;
		}
		json_decref(st);
	}
	return a ? json_pack("{so}", "rooms", a) : NULL;
}

json_t *cp_signal_admin_room(struct cp_signal *s, const char *channel_id)
{
	struct cp_room *r = cp_room_find(s, channel_id);
	if (!r)
		return NULL;
	json_t *st = cp_stats_room(s, r);
	json_t *room = st ? json_incref(json_object_get(st, "stats")) : NULL;
	json_decref(st);
	return room;
}

/* Tells p it is removed and stops serving it (no notification reaches it
 * from here on). It is still in its room. */
static void mark_removed(struct cp_signal *s, struct cp_peer *p, const char *reason)
{
	json_t *n = json_pack("{ss}", "reason", reason);
	if (!n) /* reason not UTF-8 (the HTTP side checks) or out of memory */
		n = json_pack("{ss}", "reason", "removed by the operator");
	if (n)
		cp_sig_emit(s, p, "mediasoup:removed", n);
	json_decref(n);
	p->removed = 1;
}

/* Takes a marked peer out of its room (the others are told, as on a
 * disconnect) and closes its connection. */
static void finish_removal(struct cp_signal *s, struct cp_peer *p)
{
	cp_room_leave(s, p);
	s->ctr.admin_peers_removed++;
	if (s->io.close && p->conn)
		s->io.close(p->conn);
}

int cp_signal_close_room(struct cp_signal *s, const char *channel_id, const char *reason)
{
	struct cp_room *r = cp_room_find(s, channel_id);
	struct cp_link *l;
	char ch[CP_VALID_CHANNEL_MAX + 1];
	if (!r)
		return -ENOENT;
	snprintf(ch, sizeof(ch), "%s", r->channel_id); /* r goes with its last peer */
	/* everyone first hears it is removed, then nobody hears the others go */
	for (l = r->peers.next; l != &r->peers; l = l->next)
		mark_removed(s, cp_container_of(l, struct cp_peer, room_link), reason);
	int n = 0;
	while ((r = cp_room_find(s, ch)) && !cp_list_empty(&r->peers)) {
		finish_removal(s, cp_container_of(r->peers.next, struct cp_peer, room_link));
		n++;
	}
	s->ctr.admin_rooms_closed++;
	CP_INFO("signal: room %s closed by the operator (%d peers removed): %s", ch, n, reason);
	return n;
}

int cp_signal_remove_peer(struct cp_signal *s, const char *peer_id, const char *reason,
			  char *room, size_t cap)
{
	struct cp_link *l;
	for (l = s->peers.next; l != &s->peers; l = l->next) {
		struct cp_peer *p = cp_container_of(l, struct cp_peer, all_link);
		if (p->removed || strcmp(p->id, peer_id))
			continue;
		if (room)
			snprintf(room, cap, "%s", p->room ? p->room->channel_id : "");
		CP_INFO("signal: peer %s (user %s, socket %s, room %s) removed by the operator: %s",
			p->id, p->authed ? p->claims.sub : "-", p->name,
			p->room ? p->room->channel_id : "-", reason);
		mark_removed(s, p, reason);
		finish_removal(s, p);
		return 0;
	}
	return -ENOENT;
}

int cp_signal_pause_producer(struct cp_signal *s, const char *producer_id, int paused,
			     uint32_t *changed)
{
	char err[CP_SIG_ERR_MAX];
	struct cp_producer *pr = cp_map_get(&s->producers, producer_id);
	*changed = 0;
	if (!pr)
		return -ENOENT;
	int was = pr->paused;
	if (cp_producer_set_paused(s, pr, paused, changed, err, sizeof(err)) != CP_SIG_OK) {
		CP_WARN("signal: producer %s: operator's %s refused: %s", producer_id,
			paused ? "mute" : "unmute", err);
		return -EBUSY;
	}
	if (was != paused) {
		if (paused)
			s->ctr.admin_producers_paused++;
		else
			s->ctr.admin_producers_resumed++;
	}
	return 0;
}
