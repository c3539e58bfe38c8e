/* SPDX-License-Identifier: MIT */
/* cp_placement - see cp_placement.h. */
#include <string.h>

#include "cp_placement.h"

void cp_placement_init(struct cp_placement *p, enum cp_place_policy policy, uint32_t max_lcores,
		       uint32_t affinity_max)
{
	memset(p, 0, sizeof(*p));
	p->policy = policy;
	p->max_lcores = max_lcores;
	p->affinity_max = affinity_max;
}

void cp_placement_reset(struct cp_placement *p, uint32_t n_lcores)
{
	p->n_lcores = n_lcores > SL_MAX_LCORES ? SL_MAX_LCORES : n_lcores;
	p->rr_next = 0;
	memset(p->load, 0, sizeof(p->load));
}

uint32_t cp_placement_usable(const struct cp_placement *p)
{
	uint32_t n = p->n_lcores;
	if (p->max_lcores && p->max_lcores < n)
		n = p->max_lcores;
	return n;
}

static uint32_t rr_take(struct cp_placement *p, uint32_t n)
{
	uint32_t i = p->rr_next % n;
	p->rr_next = (i + 1) % n;
	return i;
}

/* The lcore with the fewest of the room's transports; ties: least loaded
 * overall, then the first one at or after the round-robin cursor. */
static uint32_t spread(struct cp_placement *p, const uint32_t *room_count, uint32_t n)
{
	uint32_t best = CP_PLACE_NONE;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (p->rr_next + k) % n;
		if (best == CP_PLACE_NONE || room_count[i] < room_count[best] ||
		    (room_count[i] == room_count[best] &&
		     p->load[i].transports < p->load[best].transports))
			best = i;
	}
	p->rr_next = (best + 1) % n;
	return best;
}

uint32_t cp_placement_pick(struct cp_placement *p, const uint32_t *room_count)
{
	uint32_t n = cp_placement_usable(p);
	if (n == 0)
		return CP_PLACE_NONE;
	if (p->policy == CP_PLACE_ROUND_ROBIN || p->affinity_max == 0)
		return rr_take(p, n);
	uint64_t total = 0;
	uint32_t home = 0;
	for (uint32_t i = 0; i < n; i++) {
		total += room_count[i];
		if (room_count[i] > room_count[home])
			home = i;
	}
	if (total == 0)
		return rr_take(p, n);
	if (total < p->affinity_max)
		return home;
	return spread(p, room_count, n);
}

static void bump(uint32_t *v, int d)
{
	if (d < 0 && (uint32_t)(-d) > *v)
		*v = 0;
	else
		*v = (uint32_t)((int64_t)*v + d);
}

void cp_placement_add(struct cp_placement *p, uint32_t lcore, int transports, int producers,
		      int consumers)
{
	if (lcore >= SL_MAX_LCORES)
		return;
	bump(&p->load[lcore].transports, transports);
	bump(&p->load[lcore].producers, producers);
	bump(&p->load[lcore].consumers, consumers);
}

int cp_placement_parse_policy(const char *s, enum cp_place_policy *out)
{
	if (!strcmp(s, "auto") || !strcmp(s, "room-affine")) {
		*out = CP_PLACE_AUTO;
		return 0;
	}
	if (!strcmp(s, "round-robin") || !strcmp(s, "rr")) {
		*out = CP_PLACE_ROUND_ROBIN;
		return 0;
	}
	return -1;
}

const char *cp_placement_policy_name(enum cp_place_policy p)
{
	return p == CP_PLACE_ROUND_ROBIN ? "round-robin" : "auto";
}
