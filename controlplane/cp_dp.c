/* SPDX-License-Identifier: MIT */
/*
 * cp_dp - see cp_dp.h. The only control-plane file that maps the segment,
 * reads its header or touches a ring: the rest of the control plane asks
 * the functions of cp_dp.h. Uses only rte_ring headers (no EAL, no DPDK
 * libraries).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "cp_dp.h"
#include "cp_log.h"

#define RETRY_NS 200000000ull /* attach attempts every 200 ms */
#define EVT_BUDGET 256u       /* events per lcore per tick */

/* ------------------------------------------------------------------ */
/* The segment: attach, check, liveness, rings                         */
/* ------------------------------------------------------------------ */

uint64_t cp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static enum cp_shm_status check_header(const struct sl_shm_header *h, size_t file_size,
				       char *err, size_t errlen)
{
	if (h->magic != SL_ABI_MAGIC)
		return CP_SHM_NOT_READY;
	if (h->abi_version != SL_ABI_VERSION) {
		snprintf(err, errlen, "data plane speaks ABI v%u, control plane v%u: build both "
				      "from the same tree", h->abi_version, SL_ABI_VERSION);
		return CP_SHM_MISMATCH;
	}
	if (h->header_size != sizeof(*h) || h->msg_size != SL_MSG_SIZE ||
	    h->slot_size != SL_SLOT_SIZE || h->segment_size != file_size ||
	    h->n_lcores == 0 || h->n_lcores > SL_MAX_LCORES) {
		snprintf(err, errlen, "segment layout differs (header %u/%zu, msg %u/%u, size "
				      "%llu/%zu): build both processes from the same tree",
			 h->header_size, sizeof(*h), h->msg_size, SL_MSG_SIZE,
			 (unsigned long long)h->segment_size, file_size);
		return CP_SHM_MISMATCH;
	}
	for (unsigned int t = 0; t < SL_MSG__COUNT; t++) {
		if (h->msg_sizes[t] != sl_msg_payload_size(t)) {
			snprintf(err, errlen, "message type %u is %u bytes in the data plane but %u "
					      "here: build both from the same tree", t,
				 h->msg_sizes[t], sl_msg_payload_size(t));
			return CP_SHM_MISMATCH;
		}
	}
	if (!sl_pid_alive(h->dp_pid))
		return CP_SHM_STALE;
	return CP_SHM_OK;
}

static enum cp_shm_status shm_attach(struct cp_shm *s, const char *name, char *err,
					  size_t errlen)
{
	memset(s, 0, sizeof(*s));
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return CP_SHM_ABSENT;
		snprintf(err, errlen, "cannot open shm %s: %s (run as the data plane's user)", name,
			 strerror(errno));
		return CP_SHM_ERROR;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct sl_shm_header)) {
		close(fd);
		return CP_SHM_NOT_READY;
	}
	void *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "cannot map shm %s: %s", name, strerror(errno));
		return CP_SHM_ERROR;
	}
	struct sl_shm_header *h = base;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SL_ABI_MAGIC) {
		munmap(base, (size_t)st.st_size);
		return CP_SHM_NOT_READY;
	}
	enum cp_shm_status rc = check_header(h, (size_t)st.st_size, err, errlen);
	if (rc != CP_SHM_OK) {
		munmap(base, (size_t)st.st_size);
		return rc;
	}
	s->hdr = h;
	s->size = (size_t)st.st_size;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->generation = h->generation;
	return CP_SHM_OK;
}

static void shm_detach(struct cp_shm *s)
{
	if (s->hdr)
		munmap(s->hdr, s->size);
	memset(s, 0, sizeof(*s));
}

static int shm_is_live(const struct cp_shm *s, const char *name)
{
	if (!s->hdr || !sl_pid_alive(s->hdr->dp_pid) || s->hdr->state == SL_DP_STOPPING)
		return 0;
	int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct stat st;
	int same = fstat(fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
	close(fd);
	return same;
}

static struct rte_ring *shm_cmd_ring(const struct cp_shm *s, unsigned int i)
{
	return sl_shm_at(s->hdr, sl_shm_lcore(s->hdr, i)->off_cmd_ring);
}

static struct rte_ring *shm_evt_ring(const struct cp_shm *s, unsigned int i)
{
	return sl_shm_at(s->hdr, sl_shm_lcore(s->hdr, i)->off_evt_ring);
}

static struct rte_ring *shm_slot_ring(const struct cp_shm *s)
{
	return sl_shm_at(s->hdr, s->hdr->off_slot_free);
}

/* ------------------------------------------------------------------ */
/* The channel                                                         */
/* ------------------------------------------------------------------ */

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
	shm_detach(&d->shm);
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
		unsigned int k = rte_ring_enqueue_burst_elem(shm_cmd_ring(&d->shm, i),
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
	    rte_ring_enqueue_elem(shm_cmd_ring(&d->shm, lcore), m, SL_MSG_SIZE) == 0)
		return 0;
	if (backlog_push(l, m) != 0) {
		d->cmds_dropped++;
		return -ENOBUFS;
	}
	d->cmds_backlogged++;
	return 0;
}

void cp_dp_flush(struct cp_dp *d)
{
	if (!d->attached)
		return;
	for (unsigned int i = 0; i < d->shm.hdr->n_lcores; i++)
		backlog_flush(d, i);
}

int cp_dp_room(const struct cp_dp *d, unsigned int lcore, unsigned int n)
{
	if (!d->attached || lcore >= d->shm.hdr->n_lcores)
		return 0;
	const struct cp_dp_lcore *l = &d->lc[lcore];
	uint64_t room = (uint64_t)CP_DP_BACKLOG_MAX - l->bl_n;
	if (l->bl_n == 0)
		room += rte_ring_free_count(shm_cmd_ring(&d->shm, lcore));
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
	enum cp_shm_status st = shm_attach(&d->shm, d->shm_name, err, sizeof(err));
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
		struct rte_ring *r = shm_evt_ring(&d->shm, i);
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
	if (d->attached && !shm_is_live(&d->shm, d->shm_name))
		detach(d, "the data plane stopped or was replaced");
	if (!d->attached) {
		try_attach(d, now);
		if (!d->attached)
			return;
	}
	cp_dp_flush(d);
	drain(d);
}

void cp_dp_fini(struct cp_dp *d)
{
	if (d->attached) {
		shm_detach(&d->shm);
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
	return rte_ring_dequeue_elem(shm_slot_ring(&d->shm), idx, sizeof(uint32_t)) == 0
		       ? 0
		       : -ENOBUFS;
}

void cp_dp_slot_free(struct cp_dp *d, uint32_t idx)
{
	if (d->attached && idx < d->shm.hdr->n_slots)
		rte_ring_enqueue_elem(shm_slot_ring(&d->shm), &idx, sizeof(uint32_t));
}

struct sl_slot *cp_dp_slot(const struct cp_dp *d, uint32_t idx)
{
	if (!d->attached || idx >= d->shm.hdr->n_slots)
		return NULL;
	return sl_shm_slot(d->shm.hdr, idx);
}

/* ------------------------------------------------------------------ */
/* What the segment says, for the rest of the control plane            */
/* ------------------------------------------------------------------ */

unsigned int cp_dp_n_lcores(const struct cp_dp *d)
{
	return d->attached ? d->shm.hdr->n_lcores : 0;
}

uint32_t cp_dp_max_transports(const struct cp_dp *d)
{
	return d->attached ? d->shm.hdr->max_transports : 0;
}

uint32_t cp_dp_ipv4(const struct cp_dp *d)
{
	return d->attached ? d->shm.hdr->ipv4_addr : 0;
}

uint16_t cp_dp_lcore_port(const struct cp_dp *d, unsigned int lcore)
{
	if (!d->attached || lcore >= d->shm.hdr->n_lcores)
		return 0;
	uint16_t p = sl_shm_lcore(d->shm.hdr, lcore)->udp_port;
	return p ? p : (uint16_t)(d->shm.hdr->port_base + lcore);
}

int cp_dp_info(const struct cp_dp *d, struct cp_dp_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!d->attached)
		return -ENOTCONN;
	const struct sl_shm_header *h = d->shm.hdr;
	out->pid = h->dp_pid;
	out->n_lcores = h->n_lcores;
	out->max_transports = h->max_transports;
	out->n_slots = h->n_slots;
	out->ipv4_addr = h->ipv4_addr;
	out->port_base = h->port_base;
	out->generation = h->generation;
	memcpy(out->device, h->device, sizeof(out->device));
	out->device[sizeof(out->device) - 1] = '\0';
	out->slots_free = rte_ring_count(shm_slot_ring(&d->shm));
	return 0;
}

int cp_dp_lcore_info(const struct cp_dp *d, unsigned int lcore, struct cp_dp_lcore_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!d->attached || lcore >= d->shm.hdr->n_lcores)
		return -ENOTCONN;
	const struct sl_lcore_shm *ls = sl_shm_lcore(d->shm.hdr, lcore);
	out->lcore_id = ls->lcore_id;
	out->queue_id = ls->queue_id;
	out->udp_port = cp_dp_lcore_port(d, lcore);
	out->cmd_depth = rte_ring_count(shm_cmd_ring(&d->shm, lcore));
	out->cmd_free = rte_ring_free_count(shm_cmd_ring(&d->shm, lcore));
	out->evt_depth = rte_ring_count(shm_evt_ring(&d->shm, lcore));
	return 0;
}

const struct sl_lcore_counters *cp_dp_lcore_counters(const struct cp_dp *d, unsigned int lcore)
{
	if (!d->attached || lcore >= d->shm.hdr->n_lcores)
		return NULL;
	return &sl_shm_lcore(d->shm.hdr, lcore)->counters;
}

const struct sl_transport_counters *cp_dp_transport_counters(const struct cp_dp *d,
							      uint32_t tid)
{
	if (!d->attached || tid >= d->shm.hdr->max_transports)
		return NULL;
	return sl_shm_tcounters(d->shm.hdr, tid);
}
