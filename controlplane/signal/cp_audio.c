/* SPDX-License-Identifier: MIT */
/*
 * cp_audio - the active speaker of each room: SL_MSG_AUDIO_LEVELS events
 * from the data plane feed the room's cp_speaker (a pure decision module),
 * a decision every CP_AUDIO_DECIDE_MS, and when the room's dominant
 * speaker changes, the notification
 *
 *   mediasoup:active-speaker { peerId, producerId, volume }
 *
 * to every peer of the room (the speaker too). volume is the speaker's mean
 * level over the decision window in dBov, an integer <= 0 (0 loudest), as
 * mediasoup's AudioLevelObserver reports it. A closed producer leaves its
 * room's decision at once (cp_audio_producer_closed); when it was the
 * speaker the next decision names the loudest one left, if any.
 */
#include <stdio.h>

#include "cp_log.h"
#include "cp_sig_int.h"

#define CP_AUDIO_DECIDE_MS SL_LEVELS_INTERVAL_MS

/* The producer of a data-plane id while it is in a room, else NULL. */
static struct cp_producer *room_producer(struct cp_signal *s, uint32_t pid)
{
	if (!s->dp_ready || !s->by_pid || pid >= s->pids.cap)
		return NULL;
	struct cp_producer *pr = s->by_pid[pid];
	return pr && pr->peer->room ? pr : NULL;
}

void cp_audio_levels_event(struct cp_signal *s, const struct sl_msg *m)
{
	const struct sl_msg_audio_levels *l = &m->u.audio_levels;
	uint64_t now = cp_sig_now_ms(s);
	for (unsigned int i = 0; i < l->n && i < SL_LEVELS_MAX; i++) {
		const struct sl_level_entry *e = &l->e[i];
		struct cp_producer *pr = room_producer(s, e->producer_id);
		if (!pr)
			continue; /* closed meanwhile */
		if (cp_speaker_level(&pr->peer->room->speaker, pr->pid, now, e->packets,
				     e->level) != 0)
			CP_WARN("signal: producer %s (peer %s): audio level not recorded: "
				"out of memory", pr->id, pr->peer->id);
	}
}

void cp_audio_producer_closed(struct cp_signal *s, struct cp_producer *pr)
{
	struct cp_room *r = pr->peer->room;
	if (r && cp_speaker_remove(&r->speaker, pr->pid))
		CP_INFO("signal: room %s: active speaker %s (peer %s) closed", r->channel_id,
			pr->id, pr->peer->id);
}

static void room_decide(struct cp_signal *s, struct cp_room *r, uint64_t now)
{
	uint32_t pid;
	int volume;
	if (!cp_speaker_decide(&r->speaker, now, &pid, &volume))
		return;
	struct cp_producer *pr = room_producer(s, pid);
	if (!pr || pr->peer->room != r) { /* cannot happen: closed producers leave at once */
		cp_speaker_remove(&r->speaker, pid);
		return;
	}
	json_t *n = json_pack("{sssssi}", "peerId", pr->peer->id, "producerId", pr->id,
			      "volume", volume);
	if (n)
		cp_sig_notify_room(s, r, NULL, "mediasoup:active-speaker", n);
	json_decref(n);
	CP_DBG("signal: room %s: active speaker %s (peer %s), %d dBov", r->channel_id, pr->id,
	       pr->peer->id, volume);
}

void cp_audio_tick(struct cp_signal *s)
{
	uint64_t now = cp_sig_now_ms(s);
	if (now - s->speaker_last_ms < CP_AUDIO_DECIDE_MS)
		return;
	s->speaker_last_ms = now;
	for (size_t i = 0; i < s->rooms.cap; i++)
		if (s->rooms.e && s->rooms.e[i].key)
			room_decide(s, s->rooms.e[i].val, now);
}
