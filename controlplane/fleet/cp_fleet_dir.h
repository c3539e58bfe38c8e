/* SPDX-License-Identifier: MIT */
/*
 * cp_fleet_dir - the pure parts of the fleet directory (README "Fleet"):
 * the redis_url syntax, the node record stored under sluice:node:<id> and
 * the choice of a new room's home by load. No I/O, no globals, no logging:
 * unit-tested alone (tests/fleet/test_fleet_dir.c) and used by the config
 * check as well as by cp_fleet.c.
 *
 * Directory layout in Redis (every key has a TTL, fleet_ttl_ms):
 *   sluice:node:<id>       the node record (JSON below), refreshed every ttl/3
 *   sluice:nodes           a set of node ids (an index: members whose record
 *                          has expired are stale and are removed by readers)
 *   sluice:room:<channel>  the id of the room's home node
 */
#ifndef CP_FLEET_DIR_H
#define CP_FLEET_DIR_H

#include <stddef.h>
#include <stdint.h>

#define CP_FLEET_ID_MAX 64    /* node_id: [A-Za-z0-9._-], 1..64 bytes */
#define CP_FLEET_URL_MAX 256  /* public_url */
#define CP_FLEET_MEDIA_MAX 64 /* media address (an IP) */
#define CP_FLEET_RECORD_MAX 1024

/* Where the Redis server is: redis://[:password@]host[:port][/db] with a
 * numeric IPv4 address, [IPv6] or "localhost" (no name lookup: it would
 * block the event loop), or unix:///path/to/redis.sock. */
struct cp_fleet_redis_addr {
	char host[64];  /* empty for a unix socket */
	int port;       /* default 6379 */
	char path[108]; /* unix socket, or empty */
	char password[128];
	int db;         /* SELECT db when > 0 */
};

/* Parses url; 0, or -1 with err naming what to fix. */
int cp_fleet_redis_url_parse(const char *url, struct cp_fleet_redis_addr *a, char *err,
			     size_t errlen);

/* 1 when id is a usable node id ([A-Za-z0-9._-], 1..CP_FLEET_ID_MAX). */
int cp_fleet_id_valid(const char *id);

/* One node of the fleet as its record says. */
struct cp_fleet_node {
	char id[CP_FLEET_ID_MAX + 1];
	char url[CP_FLEET_URL_MAX + 1];     /* public signaling URL */
	char media[CP_FLEET_MEDIA_MAX + 1]; /* media (ICE candidate) address */
	uint32_t capacity;                  /* peers it accepts, >= 1 */
	uint32_t load;                      /* peers joined now */
};

/* The record as compact JSON:
 *   {"id":..,"url":..,"media":..,"capacity":N,"load":N}
 * Returns the length written (< len) or -1 when it does not fit. */
int cp_fleet_node_json(const struct cp_fleet_node *n, char *buf, size_t len);

/* Parses a record read from Redis (untrusted: any node or anyone with
 * access to the Redis may have written it). 0, or -1 with err set: not
 * JSON, a member missing or of the wrong type, too long, a bad id,
 * capacity 0. */
int cp_fleet_node_parse(const char *json, size_t len, struct cp_fleet_node *n, char *err,
			size_t errlen);

/* The home of a new room among n nodes: the node with the lowest load per
 * capacity that is below its capacity; on a tie the node at index `self`
 * (no redirect needed), then the smallest id. Returns the index, or -1
 * when every node is full (or n == 0). self may be -1. */
int cp_fleet_choose_home(const struct cp_fleet_node *nodes, size_t n, int self);

#endif
