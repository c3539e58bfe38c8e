/* SPDX-License-Identifier: MIT */
/* cp_addrtab - see cp_addrtab.h. */
#include "cp_addrtab.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* FNV-1a over the 16 bytes */
static size_t addr_hash(const uint8_t *a)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < CP_ADDR_LEN; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

int cp_addrtab_init(struct cp_addrtab *t, size_t max_keys)
{
	size_t n = 4;
	memset(t, 0, sizeof(*t));
	if (max_keys == 0 || max_keys > (SIZE_MAX / sizeof(*t->slot)) / 4)
		return -EINVAL;
	while (n < 2 * max_keys)
		n *= 2;
	t->slot = calloc(n, sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	t->mask = n - 1;
	t->max_keys = max_keys;
	return 0;
}

void cp_addrtab_free(struct cp_addrtab *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* The slot holding addr, or the free slot where it would go. */
static size_t find(const struct cp_addrtab *t, const uint8_t *addr)
{
	size_t i = addr_hash(addr) & t->mask;
	while (t->slot[i].count && memcmp(t->slot[i].addr, addr, CP_ADDR_LEN))
		i = (i + 1) & t->mask;
	return i;
}

int cp_addrtab_acquire(struct cp_addrtab *t, const uint8_t addr[CP_ADDR_LEN], uint32_t limit)
{
	size_t i = find(t, addr);
	struct cp_addr_slot *s = &t->slot[i];
	if (s->count) {
		if (s->count >= limit)
			return -EDQUOT;
		s->count++;
		return 0;
	}
	if (limit == 0)
		return -EDQUOT;
	if (t->used >= t->max_keys)
		return -ENOSPC;
	memcpy(s->addr, addr, CP_ADDR_LEN);
	s->count = 1;
	t->used++;
	return 0;
}

void cp_addrtab_release(struct cp_addrtab *t, const uint8_t addr[CP_ADDR_LEN])
{
	size_t i = find(t, addr), j = i;
	if (!t->slot[i].count || --t->slot[i].count)
		return;
	t->used--;
	/* backward shift: move later members of the probe run into the hole */
	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slot[j].count)
			break;
		size_t home = addr_hash(t->slot[j].addr) & t->mask;
		/* j may move to i when its home is not in the cyclic range (i, j] */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slot[i] = t->slot[j];
			t->slot[j].count = 0;
			i = j;
		}
	}
	t->slot[i].count = 0;
}

uint32_t cp_addrtab_count(const struct cp_addrtab *t, const uint8_t addr[CP_ADDR_LEN])
{
	return t->slot ? t->slot[find(t, addr)].count : 0;
}

int cp_addr_from_sockaddr(const struct sockaddr *sa, uint8_t addr[CP_ADDR_LEN])
{
	memset(addr, 0, CP_ADDR_LEN);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &a4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(addr, &a6->sin6_addr, CP_ADDR_LEN);
		return 0;
	}
	return -EAFNOSUPPORT;
}
