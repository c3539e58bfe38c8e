/* SPDX-License-Identifier: MIT */
/*
 * cp_map - a hash map from NUL-terminated strings to pointers (open
 * addressing, linear probing, deletion by backward shift: no tombstones).
 * Keys are BORROWED: the caller keeps each key alive and unchanged while it
 * is in the map (the objects of the signaling layer embed their ids). Pure:
 * no globals, no logging; allocation only on growth.
 */
#ifndef CP_MAP_H
#define CP_MAP_H

#include <stddef.h>
#include <stdint.h>

struct cp_map_ent {
	const char *key; /* NULL = empty slot */
	void *val;
	uint32_t hash;
};

struct cp_map {
	struct cp_map_ent *e;
	size_t cap; /* power of two, or 0 before the first put */
	size_t n;
};

void cp_map_init(struct cp_map *m);
void cp_map_fini(struct cp_map *m);
/* The value stored under key, or NULL. */
void *cp_map_get(const struct cp_map *m, const char *key);
/* Adds key -> val (val not NULL). 0, -EEXIST (key present, nothing
 * changes), -EINVAL or -ENOMEM. */
int cp_map_put(struct cp_map *m, const char *key, void *val);
/* Removes key; returns its value or NULL when absent. */
void *cp_map_del(struct cp_map *m, const char *key);
static inline size_t cp_map_count(const struct cp_map *m)
{
	return m->n;
}

#endif
