/* SPDX-License-Identifier: MIT */
/* cp_dp - see cp_dp.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "cp_dp.h"
#include "cp_log.h"

#define RETRY_NS 200000000ull /* attach attempts every 200 ms */
#define EVT_BUDGET 256u       /* events per lcore per tick */

void cp_dp_init(struct cp_dp *d, const char *shm_name, int hb_timeout_ms,
		const struct cp_dp_handlers *h)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->shm_name, sizeof(d->shm_name), "%s", shm_name);
	d->hb_timeout_ns = (uint64_t)hb_timeout_ms * 1000000ull;
	d->next_seq = 1;
	d->last_status = CP_SHM_ABSENT;
	if (h)
		d->h = *h;
}

/* Drops every waiting command (the data plane they were for is gone). */
static void backlog_free(struct cp_dp *d)
{
	for (unsigned int i = 0; i < SL_MAX_LCORES; i++)
		free(d->lc[i].backlog);
}

static void detach(struct cp_dp *d, const char *why)
{
	if (!d->attached)
		return;
	CP_WARN("dataplane: detached from %s (pid %d): %s", d->shm_name, d->shm.hdr->dp_pid, why);
	cp_shm_detach(&d->shm);
	d->attached = 0;
	d->ready = 0;
	backlog_free(d);
	memset(d->lc, 0, sizeof(d->lc));
	if (d->h.on_detach)
		d->h.on_detach(d->h.user);
}

/* Moves waiting commands of lcore i into its ring, oldest first. */
static void backlog_flush(struct cp_dp *d, unsigned int i)
{
	struct cp_dp_lcore *l = &d->lc[i];
	while (l->bl_n) {
		uint32_t run = l->bl_cap - l->bl_head; /* contiguous part */
		if (run > l->bl_n)
			run = l->bl_n;
		unsigned int k = rte_ring_enqueue_burst_elem(cp_shm_cmd_ring(&d->shm, i),
							     &l->backlog[l->bl_head], SL_MSG_SIZE,
							     run, NULL);
		l->bl_head = (l->bl_head + k) % l->bl_cap;
		l->bl_n -= k;
		if (k < run)
			return; /* the ring is full again */
	}
	l->bl_head = 0;
}

static int backlog_push(struct cp_dp_lcore *l, const struct sl_msg *m)
{
	if (l->bl_n == l->bl_cap) {
		if (l->bl_cap == CP_DP_BACKLOG_MAX)
			return -ENOBUFS;
		uint32_t nc = l->bl_cap ? l->bl_cap * 2 : 256;
		struct sl_msg *nb = malloc((size_t)nc * sizeof(*nb));
		if (!nb)
			return -ENOBUFS;
		for (uint32_t k = 0; k < l->bl_n; k++)
			nb[k] = l->backlog[(l->bl_head + k) % l->bl_cap];
		free(l->backlog);
		l->backlog = nb, l->bl_cap = nc, l->bl_head = 0;
	}
	l->backlog[(l->bl_head + l->bl_n) % l->bl_cap] = *m;
	l->bl_n++;
	return 0;
}

int cp_dp_send(struct cp_dp *d, unsigned int lcore, struct sl_msg *m, int want_result)
{
	if (!d->attached || lcore >= d->shm.hdr->n_lcores)
		return -ENOTCONN;
	if (want_result && m->h.seq == 0) {
		m->h.seq = d->next_seq++;
		if (d->next_seq == 0)
			d->next_seq = 1;
	}
	struct cp_dp_lcore *l = &d->lc[lcore];
	backlog_flush(d, lcore);
	if (l->bl_n == 0 &&
	    rte_ring_enqueue_elem(cp_shm_cmd_ring(&d->shm, lcore), m, SL_MSG_SIZE) == 0)
		return 0;
	if (backlog_push(l, m) != 0) {
		d->cmds_dropped++;
		return -ENOBUFS;
	}
	d->cmds_backlogged++;
	return 0;
}

int cp_dp_room(const struct cp_dp *d, unsigned int lcore, unsigned int n)
{
	if (!d->attached || lcore >= d->shm.hdr->n_lcores)
		return 0;
	const struct cp_dp_lcore *l = &d->lc[lcore];
	uint64_t room = (uint64_t)CP_DP_BACKLOG_MAX - l->bl_n;
	if (l->bl_n == 0)
		room += rte_ring_free_count(cp_shm_cmd_ring(&d->shm, lcore));
	return room >= n;
}

unsigned int cp_dp_backlog(const struct cp_dp *d, unsigned int lcore)
{
	return lcore < SL_MAX_LCORES ? d->lc[lcore].bl_n : 0;
}

static void greet(struct cp_dp *d)
{
	for (unsigned int i = 0; i < d->shm.hdr->n_lcores; i++) {
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_HELLO;
		m.h.transport_id = SL_INVALID_ID;
		sl_hello_fill(&m.u.hello);
		cp_dp_send(d, i, &m, 1);
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_NOOP;
		m.h.transport_id = SL_INVALID_ID;
		m.u.noop.t_sent_ns = cp_now_ns();
		m.u.noop.lcore_index = i;
		cp_dp_send(d, i, &m, 1);
	}
}

static void try_attach(struct cp_dp *d, uint64_t now)
{
	if (now < d->next_try_ns)
		return;
	d->next_try_ns = now + RETRY_NS;
	char err[256] = "";
	enum cp_shm_status st = cp_shm_attach(&d->shm, d->shm_name, err, sizeof(err));
	if (st != d->last_status || (err[0] && strcmp(err, d->last_error))) {
		if (st == CP_SHM_MISMATCH || st == CP_SHM_ERROR)
			CP_ERR("dataplane: cannot attach %s: %s", d->shm_name, err);
		else if (st == CP_SHM_ABSENT)
			CP_INFO("dataplane: waiting for segment %s (is sluice-dataplane running?)",
				d->shm_name);
		snprintf(d->last_error, sizeof(d->last_error), "%s", err);
	}
	d->last_status = st;
	if (st != CP_SHM_OK)
		return;
	struct sl_shm_header *h = d->shm.hdr;
	d->attached = 1;
	d->attaches++;
	d->vctx.max_transports = h->max_transports;
	d->vctx.n_slots = h->n_slots;
	d->vctx.n_lcores = h->n_lcores;
	d->vctx.max_ids = h->max_transports * 8;
	CP_INFO("dataplane: attached %s: pid %d, device %s, %u lcores, udp %u-%u, generation %llx",
		d->shm_name, h->dp_pid, h->device, h->n_lcores, h->port_base,
		h->port_base + h->n_lcores - 1, (unsigned long long)h->generation);
	greet(d);
}

static void handle_event(struct cp_dp *d, unsigned int i, const struct sl_msg *m)
{
	struct cp_dp_lcore *l = &d->lc[i];
	switch (m->h.type) {
	case SL_MSG_HELLO_ACK:
		l->hello_done = 1;
		l->hello_status = m->u.hello_ack.status;
		l->mismatch_type = m->u.hello_ack.mismatch_type;
		if (l->hello_status)
			CP_ERR("dataplane: lcore %u refused HELLO (ABI v%u, type %u differs): build "
			       "both processes from the same tree", i, m->u.hello_ack.abi_version,
			       l->mismatch_type);
		break;
	case SL_MSG_NOOP_REPLY:
		l->noop_done = 1;
		l->noop_rtt_ns = cp_now_ns() - m->u.noop.t_sent_ns;
		CP_INFO("dataplane: lcore %u answered the no-op round trip in %llu us", i,
			(unsigned long long)(l->noop_rtt_ns / 1000));
		break;
	default:
		if (d->h.on_event)
			d->h.on_event(d->h.user, i, m);
		else if (m->h.type == SL_MSG_DTLS_RECV)
			cp_dp_slot_free(d, m->u.packet.slot);
		return;
	}
	if (!d->ready) {
		for (unsigned int k = 0; k < d->shm.hdr->n_lcores; k++)
			if (!d->lc[k].hello_done || d->lc[k].hello_status)
				return;
		d->ready = 1;
		if (d->h.on_ready)
			d->h.on_ready(d->h.user);
	}
}

static void drain(struct cp_dp *d)
{
	struct sl_msg batch[32];
	for (unsigned int i = 0; i < d->shm.hdr->n_lcores && d->attached; i++) {
		struct rte_ring *r = cp_shm_evt_ring(&d->shm, i);
		unsigned int done = 0, n;
		while (done < EVT_BUDGET &&
		       (n = rte_ring_dequeue_burst_elem(r, batch, SL_MSG_SIZE, 32, NULL)) > 0) {
			done += n;
			for (unsigned int k = 0; k < n && d->attached; k++) {
				enum sl_valid v = sl_evt_validate(&batch[k], &d->vctx);
				if (v != SL_VALID_OK) {
					d->evts_invalid++;
					CP_WARN("dataplane: lcore %u sent an invalid event (type %u): %s",
						i, batch[k].h.type, sl_valid_str(v));
					continue;
				}
				handle_event(d, i, &batch[k]);
			}
		}
	}
}

void cp_dp_tick(struct cp_dp *d)
{
	uint64_t now = cp_now_ns();
	if (d->attached && !cp_shm_is_live(&d->shm, d->shm_name))
		detach(d, "the data plane stopped or was replaced");
	if (!d->attached) {
		try_attach(d, now);
		if (!d->attached)
			return;
	}
	for (unsigned int i = 0; i < d->shm.hdr->n_lcores; i++)
		backlog_flush(d, i);
	drain(d);
}

void cp_dp_fini(struct cp_dp *d)
{
	if (d->attached) {
		cp_shm_detach(&d->shm);
		d->attached = 0;
	}
	backlog_free(d);
	memset(d->lc, 0, sizeof(d->lc));
}

int64_t cp_dp_heartbeat_age_ms(const struct cp_dp *d, int lcore)
{
	if (!d->attached)
		return -1;
	uint64_t hb = lcore < 0 ? d->shm.hdr->heartbeat_ns
				: sl_shm_lcore(d->shm.hdr, (unsigned int)lcore)->heartbeat_ns;
	uint64_t now = cp_now_ns();
	return now > hb ? (int64_t)((now - hb) / 1000000ull) : 0;
}

int cp_dp_healthy(const struct cp_dp *d)
{
	if (!d->attached || !d->ready)
		return 0;
	int64_t limit = (int64_t)(d->hb_timeout_ns / 1000000ull);
	if (cp_dp_heartbeat_age_ms(d, -1) > limit)
		return 0;
	for (unsigned int i = 0; i < d->shm.hdr->n_lcores; i++)
		if (cp_dp_heartbeat_age_ms(d, (int)i) > limit)
			return 0;
	return 1;
}

int cp_dp_slot_alloc(struct cp_dp *d, uint32_t *idx)
{
	if (!d->attached)
		return -ENOTCONN;
	return rte_ring_dequeue_elem(cp_shm_slot_ring(&d->shm), idx, sizeof(uint32_t)) == 0
		       ? 0
		       : -ENOBUFS;
}

void cp_dp_slot_free(struct cp_dp *d, uint32_t idx)
{
	if (d->attached && idx < d->shm.hdr->n_slots)
		rte_ring_enqueue_elem(cp_shm_slot_ring(&d->shm), &idx, sizeof(uint32_t));
}

struct sl_slot *cp_dp_slot(const struct cp_dp *d, uint32_t idx)
{
	if (!d->attached || idx >= d->shm.hdr->n_slots)
		return NULL;
	return sl_shm_slot(d->shm.hdr, idx);
}
