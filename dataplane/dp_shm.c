/* SPDX-License-Identifier: MIT */
/* dp_shm - see dp_shm.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_shm.h"

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

uint64_t dp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t random64(void)
{
	uint64_t v = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &v, sizeof(v)) != sizeof(v))
			v = 0;
		close(fd);
	}
	return v ^ realtime_ns() ^ ((uint64_t)getpid() << 32);
}

/* An existing segment is stale when its magic is missing or its owner is gone. */
static int owner_alive(const char *name, pid_t *pid_out)
{
	int fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	struct stat st;
	int alive = 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct sl_shm_header)) {
		struct sl_shm_header h;
		if (pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) && h.magic == SL_ABI_MAGIC &&
		    sl_pid_alive(h.dp_pid)) {
			alive = 1;
			*pid_out = h.dp_pid;
		}
	}
	close(fd);
	return alive;
}

static ssize_t ring_bytes(unsigned int esize, unsigned int count)
{
	return rte_ring_get_memsize_elem(esize, count);
}

struct layout {
	uint64_t off_lcores, off_rings, ring_cmd, ring_evt, off_slot_ring, slot_ring;
	uint64_t off_slots, off_tcounters, total;
};

static int compute_layout(const struct dp_shm_params *p, struct layout *l)
{
	ssize_t cmd = ring_bytes(SL_MSG_SIZE, SL_CMD_RING_SIZE);
	ssize_t evt = ring_bytes(SL_MSG_SIZE, SL_EVT_RING_SIZE);
	ssize_t slot = ring_bytes(sizeof(uint32_t), p->n_slots * 2);
	if (cmd < 0 || evt < 0 || slot < 0)
		return -EINVAL;
	l->ring_cmd = ALIGN_UP((uint64_t)cmd, 64);
	l->ring_evt = ALIGN_UP((uint64_t)evt, 64);
	l->slot_ring = ALIGN_UP((uint64_t)slot, 64);
	l->off_lcores = ALIGN_UP(sizeof(struct sl_shm_header), 64);
	l->off_rings = ALIGN_UP(l->off_lcores + p->n_lcores * sizeof(struct sl_lcore_shm), 64);
	l->off_slot_ring = l->off_rings + p->n_lcores * (l->ring_cmd + l->ring_evt);
	l->off_slots = ALIGN_UP(l->off_slot_ring + l->slot_ring, 4096);
	l->off_tcounters = ALIGN_UP(l->off_slots + (uint64_t)p->n_slots * SL_SLOT_SIZE, 4096);
	l->total = ALIGN_UP(l->off_tcounters +
				    (uint64_t)p->max_transports * sizeof(struct sl_transport_counters),
			    4096);
	return 0;
}

static int init_ring(void *base, uint64_t off, const char *name, unsigned int count,
		     unsigned int flags)
{
	return rte_ring_init((struct rte_ring *)sl_shm_at(base, off), name, count, flags);
}

static int lay_out(struct dp_shm *s, const struct dp_shm_params *p, const struct layout *l)
{
	struct sl_shm_header *h = s->hdr;
	h->abi_version = SL_ABI_VERSION;
	h->header_size = sizeof(*h);
	h->segment_size = l->total;
	h->dp_pid = getpid();
	h->state = SL_DP_STARTING;
	h->dp_start_ns = realtime_ns();
	h->generation = random64();
	h->heartbeat_ns = dp_now_ns();
	h->n_lcores = p->n_lcores;
	h->msg_size = SL_MSG_SIZE;
	h->n_slots = p->n_slots;
	h->slot_size = SL_SLOT_SIZE;
	h->max_transports = p->max_transports;
	h->ipv4_addr = p->ipv4;
	memcpy(h->ipv6_addr, p->ipv6, 16);
	memcpy(h->mac, p->mac, 6);
	h->port_base = p->port_base;
	h->ice_timeout_ms = p->ice_timeout_ms;
	h->off_lcores = l->off_lcores;
	h->off_slots = l->off_slots;
	h->off_slot_free = l->off_slot_ring;
	h->off_transport_counters = l->off_tcounters;
	for (unsigned int t = 0; t < SL_MSG__COUNT; t++)
		h->msg_sizes[t] = sl_msg_payload_size(t);
	snprintf(h->device, sizeof(h->device), "%s", p->device ? p->device : "");

	for (unsigned int i = 0; i < p->n_lcores; i++) {
		struct sl_lcore_shm *ls = sl_shm_lcore(h, i);
		char name[SL_RING_NAME_MAX];
		ls->udp_port = (uint16_t)(p->port_base + i);
		ls->off_cmd_ring = l->off_rings + i * (l->ring_cmd + l->ring_evt);
		ls->off_evt_ring = ls->off_cmd_ring + l->ring_cmd;
		snprintf(name, sizeof(name), "slcmd%u", i);
		if (init_ring(h, ls->off_cmd_ring, name, SL_CMD_RING_SIZE,
			      RING_F_SP_ENQ | RING_F_SC_DEQ) != 0)
			return -EINVAL;
		snprintf(name, sizeof(name), "slevt%u", i);
		if (init_ring(h, ls->off_evt_ring, name, SL_EVT_RING_SIZE,
			      RING_F_SP_ENQ | RING_F_SC_DEQ) != 0)
			return -EINVAL;
	}
	if (init_ring(h, l->off_slot_ring, "slslots", p->n_slots * 2, 0) != 0)
		return -EINVAL;
	struct rte_ring *slots = dp_shm_slot_ring(s);
	for (uint32_t i = 0; i < p->n_slots; i++)
		if (rte_ring_enqueue_elem(slots, &i, sizeof(uint32_t)) != 0)
			return -ENOSPC;
	return 0;
}

int dp_shm_create(struct dp_shm *s, const struct dp_shm_params *p, char *err, size_t errlen)
{
	struct layout l;
	memset(s, 0, sizeof(*s));
	if (!p->name || p->name[0] != '/' || strlen(p->name) >= sizeof(s->name) ||
	    strchr(p->name + 1, '/')) {
		snprintf(err, errlen, "shm name '%s' is invalid: use one '/name' of < 63 chars (--shm)",
			 p->name ? p->name : "");
		return -EINVAL;
	}
	if (p->n_lcores == 0 || p->n_lcores > SL_MAX_LCORES || p->n_slots == 0 ||
	    (p->n_slots & (p->n_slots - 1)) || p->max_transports == 0 ||
	    compute_layout(p, &l) != 0) {
		snprintf(err, errlen, "invalid segment sizes (lcores 1..%u, slots a power of two)",
			 SL_MAX_LCORES);
		return -EINVAL;
	}
	pid_t owner = 0;
	if (owner_alive(p->name, &owner)) {
		snprintf(err, errlen,
			 "shm segment %s belongs to a running data plane (pid %d): stop it or "
			 "pass another --shm name", p->name, (int)owner);
		return -EBUSY;
	}
	shm_unlink(p->name); /* stale leftover of a crashed run */

	int fd = shm_open(p->name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot create shm %s: %s (is /dev/shm mounted and writable?)",
			 p->name, strerror(e));
		return -e;
	}
	if (ftruncate(fd, (off_t)l.total) != 0) {
		int e = errno;
		close(fd);
		shm_unlink(p->name);
		snprintf(err, errlen, "cannot size shm %s to %llu bytes: %s", p->name,
			 (unsigned long long)l.total, strerror(e));
		return -e;
	}
	void *base = mmap(NULL, l.total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		int e = errno;
		shm_unlink(p->name);
		snprintf(err, errlen, "cannot map shm %s: %s", p->name, strerror(e));
		return -e;
	}
	s->hdr = base;
	s->size = l.total;
	snprintf(s->name, sizeof(s->name), "%s", p->name);
	int rc = lay_out(s, p, &l);
	if (rc != 0) {
		snprintf(err, errlen, "cannot lay out shm %s (%d)", p->name, rc);
		dp_shm_destroy(s);
		return rc;
	}
	__atomic_store_n(&s->hdr->magic, SL_ABI_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

void dp_shm_destroy(struct dp_shm *s)
{
	if (!s->hdr)
		return;
	int ours = s->hdr->dp_pid == getpid();
	s->hdr->state = SL_DP_STOPPING;
	munmap(s->hdr, s->size);
	s->hdr = NULL;
	if (ours)
		shm_unlink(s->name);
}

struct rte_ring *dp_shm_cmd_ring(const struct dp_shm *s, unsigned int i)
{
	return sl_shm_at(s->hdr, sl_shm_lcore(s->hdr, i)->off_cmd_ring);
}

struct rte_ring *dp_shm_evt_ring(const struct dp_shm *s, unsigned int i)
{
	return sl_shm_at(s->hdr, sl_shm_lcore(s->hdr, i)->off_evt_ring);
}

struct rte_ring *dp_shm_slot_ring(const struct dp_shm *s)
{
	return sl_shm_at(s->hdr, s->hdr->off_slot_free);
}
