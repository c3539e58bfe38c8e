/* SPDX-License-Identifier: MIT */
/* cp_track - see cp_track.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_track.h"

void cp_track_fini(struct cp_track *k)
{
	for (unsigned int i = 0; i < SL_MAX_LCORES; i++)
		free(k->q[i].e);
	memset(k->q, 0, sizeof(k->q));
}

void cp_track_reset(struct cp_track *k)
{
	for (unsigned int i = 0; i < SL_MAX_LCORES; i++)
		k->q[i].head = k->q[i].n = 0;
}

uint32_t cp_track_obj(const struct sl_msg *m)
{
	switch (m->h.type) {
	case SL_MSG_TRANSPORT_CREATE:
	case SL_MSG_TRANSPORT_DESTROY:
	case SL_MSG_SRTP_KEYS:
		return m->h.transport_id;
	case SL_MSG_PRODUCER_ADD:
		return m->u.producer_add.producer_id;
	case SL_MSG_PRODUCER_REMOVE:
		return m->u.producer_remove.producer_id;
	case SL_MSG_PRODUCER_FANOUT:
		return m->u.producer_fanout.producer_id;
	case SL_MSG_CONSUMER_ADD:
		return m->u.consumer_add.consumer_id;
	case SL_MSG_CONSUMER_REMOVE:
	case SL_MSG_CONSUMER_PAUSE:
	case SL_MSG_CONSUMER_RESUME:
		return m->u.consumer_ref.consumer_id;
	default:
		return SL_INVALID_ID;
	}
}

static struct cp_track_ent *at(const struct cp_track_q *q, uint32_t i)
{
	return &q->e[(q->head + i) % q->cap];
}

static void pop(struct cp_track_q *q)
{
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

static int grow(struct cp_track_q *q)
{
	uint32_t nc = q->cap ? q->cap * 2 : 256;
	struct cp_track_ent *ne = malloc((size_t)nc * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	for (uint32_t i = 0; i < q->n; i++)
		ne[i] = *at(q, i);
	free(q->e);
	q->e = ne, q->cap = nc, q->head = 0;
	return 0;
}

int cp_track_add(struct cp_track *k, unsigned int lcore, const struct sl_msg *m, uint64_t now_ms)
{
	if (lcore >= SL_MAX_LCORES)
		return -EINVAL;
	struct cp_track_q *q = &k->q[lcore];
	if (q->n == CP_TRACK_MAX) {
		pop(q);
		k->overflow++;
	} else if (q->n == q->cap && grow(q)) {
		return -ENOMEM;
	}
	struct cp_track_ent *e = at(q, q->n);
	memset(e, 0, sizeof(*e));
	e->seq = m->h.seq;
	e->type = m->h.type;
	e->tid = m->h.transport_id;
	e->obj = cp_track_obj(m);
	e->sent_ms = now_ms;
	q->n++;
	k->tracked++;
	return 0;
}

int cp_track_answer(struct cp_track *k, unsigned int lcore, uint32_t seq,
		    struct cp_track_ent *out, cp_track_lost_fn fn, void *user)
{
	if (lcore >= SL_MAX_LCORES)
		return 0;
	struct cp_track_q *q = &k->q[lcore];
	/* an answer older than the head: its entry was given up already */
	if (q->n == 0 || cp_seq_before(seq, at(q, 0)->seq)) {
		k->unmatched++;
		return 0;
	}
	while (q->n && cp_seq_before(at(q, 0)->seq, seq)) {
		struct cp_track_ent e = *at(q, 0);
		pop(q);
		k->lost++;
		if (fn)
			fn(user, lcore, &e);
	}
	if (q->n == 0 || at(q, 0)->seq != seq) {
		k->unmatched++;
		return 0;
	}
	*out = *at(q, 0);
	pop(q);
	k->answered++;
	return 1;
}

void cp_track_expire(struct cp_track *k, uint64_t now_ms, uint64_t max_age_ms,
		     cp_track_lost_fn fn, void *user)
{
	for (unsigned int i = 0; i < SL_MAX_LCORES; i++) {
		struct cp_track_q *q = &k->q[i];
		while (q->n && now_ms - at(q, 0)->sent_ms >= max_age_ms) {
			struct cp_track_ent e = *at(q, 0);
			pop(q);
			k->lost++;
			if (fn)
				fn(user, i, &e);
		}
	}
}

int cp_track_waiting(const struct cp_track *k, unsigned int lcore, uint16_t type, uint32_t obj,
		     uint32_t after)
{
	if (lcore >= SL_MAX_LCORES)
		return 0;
	const struct cp_track_q *q = &k->q[lcore];
	for (uint32_t i = 0; i < q->n; i++) {
		const struct cp_track_ent *e = at(q, i);
		if (e->type == type && e->obj == obj && cp_seq_before(after, e->seq))
			return 1;
	}
	return 0;
}

uint64_t cp_track_pending(const struct cp_track *k)
{
	uint64_t n = 0;
	for (unsigned int i = 0; i < SL_MAX_LCORES; i++)
		n += k->q[i].n;
	return n;
}
