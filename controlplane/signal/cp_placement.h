/* SPDX-License-Identifier: MIT */
/*
 * cp_placement - which data-plane lcore owns a new transport (the job of
 * PeerWave's WorkerManager, with lcores instead of worker processes).
 *
 * Policies:
 *  - CP_PLACE_ROUND_ROBIN: every transport goes to the next lcore in turn.
 *  - CP_PLACE_AUTO (default): a room's first transport goes to the next
 *    lcore in turn (round-robin over rooms); while the room has fewer than
 *    affinity_max transports, the next one joins the lcore that holds most
 *    of the room's transports (room-affine: fan-out stays on one lcore, no
 *    hand-off between lcores); a room that has outgrown one lcore is spread:
 *    the lcore with the fewest of the room's transports, then the least
 *    loaded, then the round-robin order.
 * Only the first `usable` lcores are used: min(data-plane lcores,
 * max_lcores) where max_lcores is num_workers (MEDIASOUP_NUM_WORKERS; 0 =
 * all).
 *
 * The struct also keeps the control plane's view of each lcore's load
 * (transports, producers, consumers it placed there), which get-room-stats
 * and /metrics show next to the data plane's packet counters.
 *
 * Pure: no globals, no logging, no allocation.
 */
#ifndef CP_PLACEMENT_H
#define CP_PLACEMENT_H

#include <stdint.h>

#include "sluice/abi.h"

enum cp_place_policy {
	CP_PLACE_AUTO = 0,
	CP_PLACE_ROUND_ROBIN = 1,
};

struct cp_lcore_load {
	uint32_t transports;
	uint32_t producers;
	uint32_t consumers;
};

struct cp_placement {
	enum cp_place_policy policy;
	uint32_t max_lcores;   /* 0 = no limit */
	uint32_t affinity_max; /* room transports kept on one lcore; 0 = no affinity */
	uint32_t n_lcores;     /* lcores of the attached data plane (0 = none) */
	uint32_t rr_next;
	struct cp_lcore_load load[SL_MAX_LCORES];
};

#define CP_PLACE_NONE UINT32_MAX

void cp_placement_init(struct cp_placement *p, enum cp_place_policy policy, uint32_t max_lcores,
		       uint32_t affinity_max);
/* A data plane with n_lcores attached (0: detached): loads reset. */
void cp_placement_reset(struct cp_placement *p, uint32_t n_lcores);
/* Lcores transports may be placed on. */
uint32_t cp_placement_usable(const struct cp_placement *p);
/* Picks the owner lcore of a new transport of a room whose transports are
 * counted per lcore in room_count[0 .. SL_MAX_LCORES). Advances the
 * round-robin cursor when it is used. CP_PLACE_NONE when no lcore is usable.
 * Does not count the transport: call cp_placement_add(). */
uint32_t cp_placement_pick(struct cp_placement *p, const uint32_t *room_count);
/* Load bookkeeping; lcores out of range are ignored, counts never wrap. */
void cp_placement_add(struct cp_placement *p, uint32_t lcore, int transports, int producers,
		      int consumers);
/* "auto" / "round-robin" -> 0 and *out, else -1. */
int cp_placement_parse_policy(const char *s, enum cp_place_policy *out);
const char *cp_placement_policy_name(enum cp_place_policy p);

#endif
