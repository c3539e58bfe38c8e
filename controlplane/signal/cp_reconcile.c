/* SPDX-License-Identifier: MIT */
/*
 * cp_reconcile - no drift between the control plane's objects and the data
 * plane's (issue 12, item 5):
 *
 *  - refused creates: a TRANSPORT_CREATE, SRTP_KEYS, PRODUCER_ADD or
 *    CONSUMER_ADD the data plane refused after the request was answered
 *    closes the object here, with the notifications of a server-side close
 *    (consumer-closed to the consumer's peer; producer-closed to the room;
 *    a transport closes its producers and consumers like a DTLS failure
 *    does: protocol.md has no transport notification, mediasoup-client sees
 *    the transport's ICE/DTLS never connect);
 *  - lost answers: cp_track (cp_track.h) keeps every command that wants an
 *    answer until it comes; one that never comes (a full event ring) is
 *    counted and starts a reconciliation round soon;
 *  - teardown is never dropped: a destroy/remove/fan-out that finds the
 *    lcore's ring and backlog full waits in a retry list (struct
 *    cp_retry_q), in order, and goes out from cp_rec_tick;
 *  - reconciliation: every reconcile_interval_ms each lcore lists its
 *    transports, producers and consumers (SL_MSG_LIST_OBJECTS pages, in id
 *    order). A listed id this side does not know (and has no teardown in
 *    flight for) is destroyed there; an object of ours the data plane did
 *    not list, although its create went out before the round began, is
 *    closed here and its clients told. Both counted in
 *    sluice_reconcile_orphans_total{side}.
 *
 * Why the comparison is exact: an lcore applies commands in ring order, so
 * a create sent before the round's first LIST_OBJECTS is applied before the
 * walk, and the walk goes over ids, not over a table that moves; an object
 * that existed during the whole walk is listed. An id we do not know at the
 * time its page arrives was destroyed by us before (then no entry waits) or
 * after the LIST (then its teardown waits in cp_track with a later seq).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cp_log.h"
#include "cp_sig_int.h"

#define ANSWER_MS 5000u   /* an answer older than this is lost */
#define ROUND_MIN_MS 5000u /* a round not finished within max(this, interval) is abandoned */

static const char *const obj_names[CP_REC__COUNT] = {"transport", "producer", "consumer"};

/* ------------------------------------------------------------------ */
/* Teardown retry list                                                 */
/* ------------------------------------------------------------------ */

int cp_rec_is_teardown(uint16_t type)
{
	return type == SL_MSG_TRANSPORT_DESTROY || type == SL_MSG_PRODUCER_REMOVE ||
	       type == SL_MSG_CONSUMER_REMOVE || type == SL_MSG_PRODUCER_FANOUT;
}

int cp_rec_retry_waiting(const struct cp_signal *s, uint32_t lcore)
{
	return lcore < SL_MAX_LCORES && s->rec.retry[lcore].n > 0;
}

int cp_rec_retry_push(struct cp_signal *s, uint32_t lcore, struct sl_msg *m)
{
	struct cp_retry_q *q = &s->rec.retry[lcore];
	if (q->n == q->cap) {
		uint32_t nc = q->cap ? q->cap * 2 : 64;
		struct sl_msg *nm = q->cap < CP_RETRY_MAX ? malloc((size_t)nc * sizeof(*nm)) : NULL;
		if (!nm) {
			s->rec.retry_dropped++;
			s->rec.next_ms = 0; /* the round will find what this leaves behind */
			CP_WARN("signal: lcore %u: teardown retry list full: type %u for transport "
				"id %u given up (reconciliation will remove it)", lcore, m->h.type,
				m->h.transport_id);
			return -ENOBUFS;
		}
		for (uint32_t i = 0; i < q->n; i++)
			nm[i] = q->m[(q->head + i) % q->cap];
		free(q->m);
		q->m = nm, q->cap = nc, q->head = 0;
	}
	m->h.seq = 0; /* a fresh one when it really goes: seqs stay in send order */
	q->m[(q->head + q->n) % q->cap] = *m;
	q->n++;
	s->rec.retried++;
	return 0;
}

static void retry_flush(struct cp_signal *s)
{
	for (uint32_t i = 0; i < SL_MAX_LCORES; i++) {
		struct cp_retry_q *q = &s->rec.retry[i];
		while (q->n && cp_dp_room(s->dp, i, 1)) {
			struct sl_msg m = q->m[q->head];
			if (cp_dp_send(s->dp, i, &m, 1) != 0)
				break;
			cp_track_add(&s->track, i, &m, cp_sig_now_ms(s));
			q->head = (q->head + 1) % q->cap;
			q->n--;
		}
		if (q->n == 0)
			q->head = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Refused creates and lost answers                                    */
/* ------------------------------------------------------------------ */

static struct cp_transport *tp_on(struct cp_signal *s, unsigned int lcore, uint32_t tid)
{
	struct cp_transport *t = s->by_tid && tid < s->tids.cap ? s->by_tid[tid] : NULL;
	return t && t->lcore == lcore ? t : NULL;
}

static struct cp_producer *pr_on(struct cp_signal *s, unsigned int lcore, uint32_t pid)
{
	struct cp_producer *p = s->by_pid && pid < s->pids.cap ? s->by_pid[pid] : NULL;
	return p && p->t->lcore == lcore ? p : NULL;
}

static struct cp_consumer *co_on(struct cp_signal *s, unsigned int lcore, uint32_t cid)
{
	struct cp_consumer *c = s->by_cid && cid < s->cids.cap ? s->by_cid[cid] : NULL;
	return c && c->t->lcore == lcore ? c : NULL;
}

void cp_rec_refused(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m,
		    const struct cp_track_ent *e)
{
	uint32_t seq = m->h.seq;
	int st = m->u.result.status;
	switch (m->u.result.cmd_type) {
	case SL_MSG_TRANSPORT_CREATE:
	case SL_MSG_SRTP_KEYS: {
		/* the transport the command was for: created by it, or before it */
		struct cp_transport *t = tp_on(s, lcore, m->h.transport_id);
		if (!t || (m->u.result.cmd_type == SL_MSG_TRANSPORT_CREATE ? t->create_seq != seq
					: cp_seq_before(seq, t->create_seq)))
			return;
		s->rec.refused[CP_REC_TRANSPORT]++;
		CP_WARN("signal: transport %s (peer %s, tid %u): the data plane refused %s (%s): "
			"closing it", t->id, t->peer->id, t->tid,
			m->u.result.cmd_type == SL_MSG_TRANSPORT_CREATE ? "its creation" : "its keys",
			strerror(-st));
		cp_transport_close(s, t, NULL, 1);
		return;
	}
	case SL_MSG_PRODUCER_ADD: {
		struct cp_producer *p = e ? pr_on(s, lcore, e->obj) : NULL;
		if (!p || p->create_seq != seq)
			break;
		s->rec.refused[CP_REC_PRODUCER]++;
		CP_WARN("signal: producer %s (peer %s, id %u): the data plane refused it (%s): "
			"closing it", p->id, p->peer->id, p->pid, strerror(-st));
		cp_producer_close(s, p, NULL, 1);
		return;
	}
	case SL_MSG_CONSUMER_ADD: {
		struct cp_consumer *c = e ? co_on(s, lcore, e->obj) : NULL;
		if (!c || c->create_seq != seq)
			break;
		s->rec.refused[CP_REC_CONSUMER]++;
		CP_WARN("signal: consumer %s (peer %s, id %u): the data plane refused it (%s): "
			"closing it", c->id, c->peer->id, c->cid, strerror(-st));
		cp_consumer_close(s, c, NULL, 1);
		return;
	}
	default:
		return;
	}
	/* a create we cannot map to its object (not tracked): the next round
	 * finds the object missing there */
	if (!e)
		s->rec.next_ms = 0;
}

void cp_rec_lost(void *user, unsigned int lcore, const struct cp_track_ent *e)
{
	struct cp_signal *s = user;
	CP_WARN("signal: lcore %u: no answer to command type %u (seq %u, transport id %u, "
		"object %u): counted lost, reconciling", lcore, e->type, e->seq, e->tid, e->obj);
	if (e->type == SL_MSG_LIST_OBJECTS && s->rec.active && s->rec.wait_seq[lcore] == e->seq) {
		s->rec.active = 0;
		s->rec.rounds_aborted++;
	}
	if (!s->rec.active)
		s->rec.next_ms = 0; /* a round at the next tick */
}

/* ------------------------------------------------------------------ */
/* Reconciliation round                                                */
/* ------------------------------------------------------------------ */

static void round_start(struct cp_signal *s, uint64_t now)
{
	struct cp_reconcile *r = &s->rec;
	r->active = 1;
	r->round++;
	r->start_seq = s->dp->next_seq;
	r->started_ms = now;
	uint32_t n = cp_dp_n_lcores(s->dp);
	for (uint32_t i = 0; i < SL_MAX_LCORES; i++) {
		r->kind[i] = i < n ? SL_OBJ_TRANSPORT : 0;
		r->cursor[i] = 0;
		r->wait_seq[i] = 0;
	}
}

/* Sends the next page request of every lcore that waits for none. */
static void round_send(struct cp_signal *s)
{
	struct cp_reconcile *r = &s->rec;
	for (uint32_t i = 0; i < cp_dp_n_lcores(s->dp); i++) {
		if (!r->kind[i] || r->wait_seq[i] || !cp_sig_ring_room(s, i, 1))
			continue;
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_LIST_OBJECTS;
		m.h.transport_id = SL_INVALID_ID;
		m.u.list_objects.kind = r->kind[i];
		m.u.list_objects.cursor = r->cursor[i];
		if (cp_sig_send(s, i, &m, "reconcile") == 0)
			r->wait_seq[i] = m.h.seq;
	}
}

/* Object of ours created before the round began that the walk missed. */
static int cp_orphan(const struct cp_signal *s, uint32_t create_seq, uint32_t seen)
{
	return cp_seq_before(create_seq, s->rec.start_seq) && seen != s->rec.round;
}

/* Every lcore listed everything: close what the data plane does not hold.
 * Consumers first, then producers, then transports (closing one frees the
 * ones below it, so the arrays are read again at every step). */
static void round_finish(struct cp_signal *s)
{
	struct cp_reconcile *r = &s->rec;
	uint64_t before = r->orphans_cp;
	r->active = 0;
	r->rounds++;
	for (uint32_t i = 0; i < s->cids.cap; i++) {
		struct cp_consumer *c = s->by_cid[i];
		if (c && cp_orphan(s, c->create_seq, c->seen_round)) {
			r->orphans_cp++;
			CP_WARN("signal: consumer %s (peer %s, id %u) is not on lcore %u: closing it",
				c->id, c->peer->id, c->cid, c->t->lcore);
			cp_consumer_close(s, c, NULL, 1);
		}
	}
	for (uint32_t i = 0; i < s->pids.cap; i++) {
		struct cp_producer *p = s->by_pid[i];
		if (p && cp_orphan(s, p->create_seq, p->seen_round)) {
			r->orphans_cp++;
			CP_WARN("signal: producer %s (peer %s, id %u) is not on lcore %u: closing it",
				p->id, p->peer->id, p->pid, p->t->lcore);
			cp_producer_close(s, p, NULL, 1);
		}
	}
	for (uint32_t i = 0; i < s->tids.cap; i++) {
		struct cp_transport *t = s->by_tid[i];
		if (t && cp_orphan(s, t->create_seq, t->seen_round)) {
			r->orphans_cp++;
			CP_WARN("signal: transport %s (peer %s, tid %u) is not on lcore %u: closing it",
				t->id, t->peer->id, t->tid, t->lcore);
			cp_transport_close(s, t, NULL, 1);
		}
	}
	if (r->orphans_cp != before)
		CP_WARN("signal: reconciliation round %u: %" PRIu64 " objects the data plane did "
			"not hold closed", r->round, r->orphans_cp - before);
}

/* A listed id: ours (marked seen) or an orphan there (removed). */
static void listed(struct cp_signal *s, unsigned int lcore, uint8_t kind, uint32_t id,
		   uint32_t list_seq)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	if (kind == SL_OBJ_TRANSPORT) {
		struct cp_transport *t = tp_on(s, lcore, id);
		if (t) {
			t->seen_round = s->rec.round;
			return;
		}
		m.h.type = SL_MSG_TRANSPORT_DESTROY;
		m.h.transport_id = id;
	} else if (kind == SL_OBJ_PRODUCER) {
		struct cp_producer *p = pr_on(s, lcore, id);
		if (p) {
			p->seen_round = s->rec.round;
			return;
		}
		m.h.type = SL_MSG_PRODUCER_REMOVE;
		m.h.transport_id = SL_INVALID_ID;
		m.u.producer_remove.producer_id = id;
	} else {
		struct cp_consumer *c = co_on(s, lcore, id);
		if (c) {
			c->seen_round = s->rec.round;
			return;
		}
		m.h.type = SL_MSG_CONSUMER_REMOVE;
		m.h.transport_id = 0; /* any valid id: the data plane finds it by consumer id */
		m.u.consumer_ref.consumer_id = id;
	}
	/* ours until recently: its teardown is on the way */
	if (cp_rec_retry_waiting(s, lcore) ||
	    cp_track_waiting(&s->track, lcore, m.h.type, id, list_seq))
		return;
	s->rec.orphans_dp++;
	CP_WARN("signal: lcore %u holds %s id %u that the control plane does not know: "
		"removing it", lcore, obj_names[kind - 1], id);
	cp_sig_send(s, lcore, &m, "reconcile");
}

void cp_rec_list_event(struct cp_signal *s, unsigned int lcore, const struct sl_msg *m)
{
	struct cp_reconcile *r = &s->rec;
	const struct sl_msg_object_list *o = &m->u.object_list;
	if (!r->active || lcore >= SL_MAX_LCORES || !m->h.seq || r->wait_seq[lcore] != m->h.seq ||
	    o->kind != r->kind[lcore] || o->cursor != r->cursor[lcore])
		return; /* a page of an abandoned round */
	for (unsigned int i = 0; i < o->n; i++)
		listed(s, lcore, o->kind, o->ids[i], m->h.seq);
	r->wait_seq[lcore] = 0;
	if (o->done) {
		r->kind[lcore] = o->kind == SL_OBJ_CONSUMER ? 0 : o->kind + 1;
		r->cursor[lcore] = 0;
	} else {
		r->cursor[lcore] = o->next;
	}
	for (uint32_t i = 0; i < cp_dp_n_lcores(s->dp); i++)
		if (r->kind[i])
			return;
	round_finish(s);
}

void cp_rec_tick(struct cp_signal *s)
{
	struct cp_reconcile *r = &s->rec;
	if (!s->dp_ready || !s->dp->attached)
		return;
	uint64_t now = cp_sig_now_ms(s);
	retry_flush(s);
	cp_track_expire(&s->track, now, ANSWER_MS, cp_rec_lost, s);
	uint64_t iv = (uint64_t)s->cfg->reconcile_interval_ms;
	if (!r->active) {
		if (iv == 0 && r->next_ms != 0)
			return;
		if (r->next_ms == UINT64_MAX) /* first tick: the first round one interval away */
			r->next_ms = now + iv;
		if (now < r->next_ms)
			return;
		r->next_ms = now + (iv ? iv : 3600000u);
		round_start(s, now);
	}
	if (now - r->started_ms > (iv > ROUND_MIN_MS ? iv : ROUND_MIN_MS)) {
		r->active = 0;
		r->rounds_aborted++;
		CP_WARN("signal: reconciliation round %u abandoned: the data plane did not list "
			"its objects in time", r->round);
		return;
	}
	if (r->active)
		round_send(s);
}

void cp_rec_reset(struct cp_signal *s)
{
	cp_track_reset(&s->track);
	for (uint32_t i = 0; i < SL_MAX_LCORES; i++)
		s->rec.retry[i].head = s->rec.retry[i].n = 0;
	s->rec.active = 0;
	s->rec.next_ms = UINT64_MAX;
}

void cp_rec_fini(struct cp_signal *s)
{
	cp_track_fini(&s->track);
	for (uint32_t i = 0; i < SL_MAX_LCORES; i++)
		free(s->rec.retry[i].m);
	memset(s->rec.retry, 0, sizeof(s->rec.retry));
}

void cp_rec_metrics(struct cp_signal *s, struct cp_buf *b)
{
	const struct cp_reconcile *r = &s->rec;
	uint64_t retry_n = 0;
	for (uint32_t i = 0; i < SL_MAX_LCORES; i++)
		retry_n += r->retry[i].n;
	cp_buf_printf(b, "# HELP sluice_reconcile_orphans_total Objects one plane held that the "
			 "other did not, removed by reconciliation, by the side that held them.\n"
			 "# TYPE sluice_reconcile_orphans_total counter\n"
			 "sluice_reconcile_orphans_total{side=\"dataplane\"} %" PRIu64 "\n"
			 "sluice_reconcile_orphans_total{side=\"controlplane\"} %" PRIu64 "\n",
		      r->orphans_dp, r->orphans_cp);
	cp_buf_printf(b, "# HELP sluice_reconcile_rounds_total Reconciliation rounds, by outcome.\n"
			 "# TYPE sluice_reconcile_rounds_total counter\n"
			 "sluice_reconcile_rounds_total{result=\"done\"} %" PRIu64 "\n"
			 "sluice_reconcile_rounds_total{result=\"abandoned\"} %" PRIu64 "\n",
		      r->rounds, r->rounds_aborted);
	cp_buf_printf(b, "# HELP sluice_dp_create_refused_total Objects closed because the data "
			 "plane refused their creation after the request was answered.\n"
			 "# TYPE sluice_dp_create_refused_total counter\n");
	for (int k = 0; k < CP_REC__COUNT; k++)
		cp_buf_printf(b, "sluice_dp_create_refused_total{object=\"%s\"} %" PRIu64 "\n",
			      obj_names[k], r->refused[k]);
	cp_buf_printf(b, "# HELP sluice_dp_answers_total Commands that want an answer, by fate.\n"
			 "# TYPE sluice_dp_answers_total counter\n"
			 "sluice_dp_answers_total{fate=\"answered\"} %" PRIu64 "\n"
			 "sluice_dp_answers_total{fate=\"lost\"} %" PRIu64 "\n"
			 "sluice_dp_answers_total{fate=\"untracked\"} %" PRIu64 "\n"
			 "# HELP sluice_dp_answers_pending Commands waiting for their answer.\n"
			 "# TYPE sluice_dp_answers_pending gauge\n"
			 "sluice_dp_answers_pending %" PRIu64 "\n",
		      s->track.answered, s->track.lost, s->track.overflow,
		      cp_track_pending(&s->track));
	cp_buf_printf(b, "# HELP sluice_teardown_retries_total Teardown commands that found the "
			 "ring and backlog full and were queued for a retry, or given up.\n"
			 "# TYPE sluice_teardown_retries_total counter\n"
			 "sluice_teardown_retries_total{result=\"queued\"} %" PRIu64 "\n"
			 "sluice_teardown_retries_total{result=\"given_up\"} %" PRIu64 "\n"
			 "# HELP sluice_teardown_retry_waiting Teardown commands waiting for a retry.\n"
			 "# TYPE sluice_teardown_retry_waiting gauge\n"
			 "sluice_teardown_retry_waiting %" PRIu64 "\n",
		      r->retried, r->retry_dropped, retry_n);
}
