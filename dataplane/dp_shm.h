/* SPDX-License-Identifier: MIT */
/*
 * dp_shm - creation and removal of the control/data shared-memory segment
 * (layout: include/sluice/abi.h). The data plane owns the segment: it creates
 * it at start (refusing to take over one whose owner is alive), places the
 * rings in it with rte_ring_init() and unlinks it at exit. Needs librte_ring
 * but not the EAL, so tests can create a segment without rte_eal_init().
 */
#ifndef DP_SHM_H
#define DP_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"

struct rte_ring;

struct dp_shm_params {
	const char *name;        /* "/sluice" */
	uint32_t n_lcores;       /* worker lcores, 1..SL_MAX_LCORES */
	uint32_t n_slots;        /* power of two */
	uint32_t max_transports;
	uint16_t port_base;
	uint32_t ice_timeout_ms;
	uint32_t ipv4;           /* network order */
	uint8_t ipv6[16];        /* all zero: no IPv6 */
	uint8_t mac[6];
	const char *device;
};

struct dp_shm {
	struct sl_shm_header *hdr;
	size_t size;
	char name[64];
};

/* Creates and lays out the segment; hdr->magic is written last (after a
 * barrier) so an attaching control plane never sees a half-built segment.
 * Returns 0 or -errno; err gets a one-line reason naming the fix. */
int dp_shm_create(struct dp_shm *s, const struct dp_shm_params *p, char *err, size_t errlen);
/* Unmaps and unlinks the segment (only if it is still ours). */
void dp_shm_destroy(struct dp_shm *s);

struct rte_ring *dp_shm_cmd_ring(const struct dp_shm *s, unsigned int lcore_index);
struct rte_ring *dp_shm_evt_ring(const struct dp_shm *s, unsigned int lcore_index);
struct rte_ring *dp_shm_slot_ring(const struct dp_shm *s);

uint64_t dp_now_ns(void); /* CLOCK_MONOTONIC */

#endif
