/* SPDX-License-Identifier: MIT */
/* dp_htab - see dp_htab.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_htab.h"

static uint32_t pow2_for(uint32_t n)
{
	uint64_t cap = 16;
	while (cap < 2ull * n)
		cap <<= 1;
	return cap > (1u << 31) ? 0 : (uint32_t)cap;
}

int dp_htab_init(struct dp_htab *t, uint32_t min_entries, uint64_t seed)
{
	uint32_t cap = pow2_for(min_entries);
	memset(t, 0, sizeof(*t));
	if (cap == 0)
		return -ENOMEM;
	t->ent = calloc(cap, sizeof(*t->ent));
	if (!t->ent)
		return -ENOMEM;
	t->mask = cap - 1;
	t->seed = seed;
	return 0;
}

void dp_htab_fini(struct dp_htab *t)
{
	free(t->ent);
	t->ent = NULL;
	t->mask = 0;
	t->count = 0;
}

/* Places an entry known to be absent; the table has room. */
static void place(struct dp_htab *t, uint64_t key, void *val)
{
	uint32_t i = (uint32_t)dp_htab_hash(t, key) & t->mask;
	while (t->ent[i].val)
		i = (i + 1) & t->mask;
	t->ent[i].key = key;
	t->ent[i].val = val;
	t->count++;
}

int dp_htab_reserve(struct dp_htab *t, uint32_t n)
{
	if ((uint64_t)n * 2 <= (uint64_t)t->mask + 1)
		return 0;
	uint32_t cap = pow2_for(n);
	if (cap == 0)
		return -ENOMEM;
	struct dp_htab_ent *old = t->ent;
	uint32_t old_cap = t->mask + 1;
	struct dp_htab_ent *ne = calloc(cap, sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	t->ent = ne;
	t->mask = cap - 1;
	t->count = 0;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].val)
			place(t, old[i].key, old[i].val);
	free(old);
	return 0;
}

int dp_htab_put(struct dp_htab *t, uint64_t key, void *val)
{
	if (!val)
		return -EINVAL;
	uint32_t i = (uint32_t)dp_htab_hash(t, key) & t->mask;
	for (;;) {
		struct dp_htab_ent *e = &t->ent[i];
		if (!e->val)
			break;
		if (e->key == key) {
			e->val = val;
			return 0;
		}
		i = (i + 1) & t->mask;
	}
	if ((uint64_t)(t->count + 1) * 2 > (uint64_t)t->mask + 1)
		return -ENOSPC;
	t->ent[i].key = key;
	t->ent[i].val = val;
	t->count++;
	return 0;
}

void *dp_htab_del(struct dp_htab *t, uint64_t key)
{
	uint32_t i = (uint32_t)dp_htab_hash(t, key) & t->mask;
	for (;;) {
		if (!t->ent[i].val)
			return NULL;
		if (t->ent[i].key == key)
			break;
		i = (i + 1) & t->mask;
	}
	void *val = t->ent[i].val;
	/* backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie cyclically in (hole, j] */
	uint32_t hole = i, j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->ent[j].val)
			break;
		uint32_t home = (uint32_t)dp_htab_hash(t, t->ent[j].key) & t->mask;
		int in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (in_range)
			continue;
		t->ent[hole] = t->ent[j];
		hole = j;
	}
	t->ent[hole].val = NULL;
	t->ent[hole].key = 0;
	t->count--;
	return val;
}

uint64_t dp_htab_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

struct dp_htab_ent *dp_htab_next(struct dp_htab *t, uint32_t *pos)
{
	while (t->ent && *pos <= t->mask) {
		struct dp_htab_ent *e = &t->ent[(*pos)++];
		if (e->val)
			return e;
	}
	return NULL;
}
