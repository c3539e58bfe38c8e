/* SPDX-License-Identifier: MIT */
/*
 * cp_addrtab - connections counted per source address, for the
 * max_connections_per_ip cap of the Socket.IO server.
 *
 * A fixed-size open-addressing table (linear probing, backward-shift
 * deletion: no tombstones) keyed by a 16-byte address (IPv4 as
 * ::ffff:a.b.c.d). Pure: no globals, no logging; the only allocation is the
 * slot array in cp_addrtab_init. Not thread-safe (one event loop).
 *
 * Capacity: init(max_keys) sizes the table for max_keys distinct addresses
 * at a load factor <= 1/2. A caller that never holds more than max_keys
 * connections can never fill it.
 */
#ifndef SLUICE_CP_ADDRTAB_H
#define SLUICE_CP_ADDRTAB_H

#include <stddef.h>
#include <stdint.h>

#define CP_ADDR_LEN 16

struct cp_addr_slot {
	uint8_t addr[CP_ADDR_LEN];
	uint32_t count; /* 0: slot free */
};

struct cp_addrtab {
	struct cp_addr_slot *slot;
	size_t mask;     /* slots - 1 (power of two) */
	size_t used;     /* slots with count > 0 */
	size_t max_keys;
};

/* 0 or -ENOMEM / -EINVAL (max_keys 0 or too large). */
int cp_addrtab_init(struct cp_addrtab *t, size_t max_keys);
void cp_addrtab_free(struct cp_addrtab *t);

/* Counts one more connection from addr unless it already has `limit`:
 * 0, -EDQUOT (limit reached; nothing changed) or -ENOSPC (max_keys distinct
 * addresses already present). */
int cp_addrtab_acquire(struct cp_addrtab *t, const uint8_t addr[CP_ADDR_LEN], uint32_t limit);

/* Counts one connection less (removes the address at zero). An address that
 * is not present is ignored. */
void cp_addrtab_release(struct cp_addrtab *t, const uint8_t addr[CP_ADDR_LEN]);

/* Connections currently counted for addr. */
uint32_t cp_addrtab_count(const struct cp_addrtab *t, const uint8_t addr[CP_ADDR_LEN]);

/* addr from a sockaddr (AF_INET -> IPv4-mapped, AF_INET6 as is): 0, or
 * -EAFNOSUPPORT for another family (e.g. a unix socket). */
struct sockaddr;
int cp_addr_from_sockaddr(const struct sockaddr *sa, uint8_t addr[CP_ADDR_LEN]);

#endif
