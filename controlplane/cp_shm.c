/* SPDX-License-Identifier: MIT */
/* cp_shm - see cp_shm.h. Uses only rte_ring headers (no EAL, no DPDK libs). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cp_shm.h"

uint64_t cp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pid_alive(int pid)
{
	return sl_pid_alive(pid);
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
	if (!pid_alive(h->dp_pid))
		return CP_SHM_STALE;
	return CP_SHM_OK;
}

enum cp_shm_status cp_shm_attach(struct cp_shm *s, const char *name, char *err, size_t errlen)
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

void cp_shm_detach(struct cp_shm *s)
{
	if (s->hdr)
		munmap(s->hdr, s->size);
	memset(s, 0, sizeof(*s));
}

int cp_shm_is_live(const struct cp_shm *s, const char *name)
{
	if (!s->hdr || !pid_alive(s->hdr->dp_pid) || s->hdr->state == SL_DP_STOPPING)
		return 0;
	int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct stat st;
	int same = fstat(fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
	close(fd);
	return same;
}

struct rte_ring *cp_shm_cmd_ring(const struct cp_shm *s, unsigned int i)
{
	return sl_shm_at(s->hdr, sl_shm_lcore(s->hdr, i)->off_cmd_ring);
}

struct rte_ring *cp_shm_evt_ring(const struct cp_shm *s, unsigned int i)
{
	return sl_shm_at(s->hdr, sl_shm_lcore(s->hdr, i)->off_evt_ring);
}

struct rte_ring *cp_shm_slot_ring(const struct cp_shm *s)
{
	return sl_shm_at(s->hdr, s->hdr->off_slot_free);
}
