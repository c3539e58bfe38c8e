/* SPDX-License-Identifier: MIT */
/*
 * cp_shm - the control plane's view of the data plane's segment. It maps the
 * segment read-write (rings are shared), checks magic, ABI version and the
 * message-size table before trusting anything in it, and tells when the
 * segment it holds is no longer the live one (owner died, or a new data
 * plane created a new segment under the same name).
 */
#ifndef CP_SHM_H
#define CP_SHM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sluice/abi.h"

struct rte_ring;

struct cp_shm {
	struct sl_shm_header *hdr; /* NULL when not attached */
	size_t size;
	dev_t dev;
	ino_t ino;
	uint64_t generation;
};

enum cp_shm_status {
	CP_SHM_OK = 0,
	CP_SHM_ABSENT,     /* no segment yet: data plane not started */
	CP_SHM_NOT_READY,  /* segment exists, magic not written yet */
	CP_SHM_STALE,      /* segment of a dead data plane */
	CP_SHM_MISMATCH,   /* another ABI build: refuse, err says which */
	CP_SHM_ERROR,
};

/* Tries to attach. On CP_SHM_MISMATCH/ERROR err is a one-line reason. */
enum cp_shm_status cp_shm_attach(struct cp_shm *s, const char *name, char *err, size_t errlen);
void cp_shm_detach(struct cp_shm *s);
/* 1 while the mapped segment is the live one: owner alive and the name
 * still refers to the same file. */
int cp_shm_is_live(const struct cp_shm *s, const char *name);

struct rte_ring *cp_shm_cmd_ring(const struct cp_shm *s, unsigned int lcore);
struct rte_ring *cp_shm_evt_ring(const struct cp_shm *s, unsigned int lcore);
struct rte_ring *cp_shm_slot_ring(const struct cp_shm *s);

uint64_t cp_now_ns(void); /* CLOCK_MONOTONIC, same clock as the data plane's heartbeats */

#endif
