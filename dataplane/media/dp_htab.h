/* SPDX-License-Identifier: MIT */
/*
 * dp_htab - a small open-addressing hash table of uint64_t keys to non-NULL
 * pointers, for the per-lcore lookups of the media path (remote tuple ->
 * transport, ICE ufrag -> transport, (transport, SSRC) -> producer stream,
 * producer id -> consumers, ...).
 *
 * Contracts:
 *  - One owner thread (the lcore); no locks.
 *  - Lookups and deletions never allocate. Insertions allocate only in
 *    dp_htab_reserve() (a rehash), which the caller runs on the command
 *    path: dp_htab_put() never grows the table and fails with -ENOSPC past
 *    half full, so the load factor stays <= 1/2 and probes stay short.
 *  - Linear probing with backward-shift deletion (no tombstones), keys
 *    mixed with a per-table random seed so remote peers cannot aim
 *    collisions at a table they fill (tuples come from the network).
 *  - Values are non-NULL; NULL marks an empty slot.
 */
#ifndef DP_HTAB_H
#define DP_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct dp_htab_ent {
	uint64_t key;
	void *val; /* NULL: empty */
};

struct dp_htab {
	struct dp_htab_ent *ent;
	uint32_t mask;  /* capacity - 1; capacity is a power of two */
	uint32_t count;
	uint64_t seed;
};

/* Allocates room for at least min_entries at load <= 1/2. 0 or -ENOMEM. */
int dp_htab_init(struct dp_htab *t, uint32_t min_entries, uint64_t seed);
void dp_htab_fini(struct dp_htab *t);

/* Grows (rehashes) so that n entries fit at load <= 1/2. 0 or -ENOMEM
 * (the table is unchanged then). Allocates: command path only. */
int dp_htab_reserve(struct dp_htab *t, uint32_t n);

/* The value of key, or NULL. */
static inline uint64_t dp_htab_hash(const struct dp_htab *t, uint64_t key)
{
	uint64_t x = key ^ t->seed;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline void *dp_htab_get(const struct dp_htab *t, uint64_t key)
{
	uint32_t i = (uint32_t)dp_htab_hash(t, key) & t->mask;
	for (;;) {
		const struct dp_htab_ent *e = &t->ent[i];
		if (!e->val)
			return NULL;
		if (e->key == key)
			return e->val;
		i = (i + 1) & t->mask;
	}
}

/* Inserts or replaces. 0, -EINVAL (val NULL) or -ENOSPC (more than half
 * full: reserve first). Never allocates. */
int dp_htab_put(struct dp_htab *t, uint64_t key, void *val);

/* Removes key; returns its value or NULL when absent. */
void *dp_htab_del(struct dp_htab *t, uint64_t key);

/* Seeded 64-bit hash of a byte string (FNV-1a, then mixed), for string
 * keys such as ICE ufrags; callers confirm a hit by comparing the string. */
uint64_t dp_htab_hash_bytes(const void *p, size_t n, uint64_t seed);

/* Iteration over all entries (command path; not stable across put/del).
 * Start with *pos = 0; returns the next entry or NULL at the end. */
struct dp_htab_ent *dp_htab_next(struct dp_htab *t, uint32_t *pos);

#endif
