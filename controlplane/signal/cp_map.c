/* SPDX-License-Identifier: MIT */
/* cp_map - see cp_map.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_map.h"

#define MIN_CAP 16u

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

void cp_map_init(struct cp_map *m)
{
	memset(m, 0, sizeof(*m));
}

void cp_map_fini(struct cp_map *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static size_t find_slot(const struct cp_map *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	size_t i = h & mask;
	while (m->e[i].key && (m->e[i].hash != h || strcmp(m->e[i].key, key)))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct cp_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : MIN_CAP;
	struct cp_map_ent *old = m->e;
	size_t ocap = m->cap;
	struct cp_map_ent *ne = calloc(ncap, sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	m->e = ne;
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			m->e[find_slot(m, old[i].key, old[i].hash)] = old[i];
	free(old);
	return 0;
}

void *cp_map_get(const struct cp_map *m, const char *key)
{
	if (!m->cap || !key)
		return NULL;
	size_t i = find_slot(m, key, hash_str(key));
	return m->e[i].key ? m->e[i].val : NULL;
}

int cp_map_put(struct cp_map *m, const char *key, void *val)
{
	if (!key || !val)
		return -EINVAL;
	if ((m->n + 1) * 4 > m->cap * 3) { /* keep the load factor <= 3/4 */
		int rc = grow(m);
		if (rc)
			return rc;
	}
	uint32_t h = hash_str(key);
	size_t i = find_slot(m, key, h);
	if (m->e[i].key)
		return -EEXIST;
	m->e[i].key = key;
	m->e[i].val = val;
	m->e[i].hash = h;
	m->n++;
	return 0;
}

void *cp_map_del(struct cp_map *m, const char *key)
{
	if (!m->cap || !key)
		return NULL;
	size_t mask = m->cap - 1;
	size_t i = find_slot(m, key, hash_str(key));
	if (!m->e[i].key)
		return NULL;
	void *val = m->e[i].val;
	/* backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie cyclically in (hole, j] */
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->e[j].key)
			break;
		size_t home = m->e[j].hash & mask;
		int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (in_range)
			continue;
		m->e[i] = m->e[j];
		i = j;
	}
	memset(&m->e[i], 0, sizeof(m->e[i]));
	m->n--;
	return val;
}
