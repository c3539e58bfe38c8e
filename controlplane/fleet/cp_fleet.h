/* SPDX-License-Identifier: MIT */
/*
 * cp_fleet - this node's part of a fleet of Sluice nodes that share one
 * room directory on Redis (README "Fleet"; key layout in cp_fleet_dir.h).
 *
 *  - Registration: every fleet_ttl_ms / 3 the node writes its record
 *    (id, public_url, media address, node_capacity, load = joined peers)
 *    with SET ... PX fleet_ttl_ms and re-claims every room it serves; a
 *    node that dies disappears within fleet_ttl_ms.
 *  - Homes: a join for a room this node does not have asks the directory
 *    (through the signaling layer's resolve hook): a live home elsewhere
 *    -> REDIRECT to its public_url; a home whose node record expired ->
 *    the room is re-homed here; no home -> the least loaded node (by the
 *    node list read every ttl/3) is written with SET NX, and the join is
 *    served here or redirected there. A room that closes here deletes its
 *    key (only if it still names this node).
 *  - Redis unreachable: rooms already here go on (they never need the
 *    directory); joins that need it are answered OVERLOADED at once; the
 *    client reconnects with a back-off and re-registers when it is back.
 *
 * I/O choice: hiredis's ASYNC API (Debian's hiredis 0.14 has no adapter for
 * libwebsockets), driven from the control plane's 5 ms tick: the tick polls
 * the one Redis socket with a zero timeout and lets hiredis read or write
 * what is ready, so nothing here ever blocks the event loop. The bounds
 * hiredis 0.14 does not give async contexts are kept here: a connect that
 * has not completed in 1 s, or a command unanswered for 1 s, drops the
 * connection (every waiting command fails, joins answer OVERLOADED) and a
 * reconnect follows after a back-off of 0.2 s doubling to 2 s. The server
 * address is numeric (cp_fleet_dir.h): no name lookup blocks either.
 * The only bounded wait is in cp_fleet_stop (shutdown, after the loop).
 *
 * Threading and ownership: one event loop; struct cp_fleet borrows the
 * configuration, the data-plane channel and the signaling state, all of
 * which outlive it, and installs the signaling layer's fleet hooks.
 */
#ifndef CP_FLEET_H
#define CP_FLEET_H

#include <stddef.h>

#include "cp_buf.h"
#include "cp_config.h"
#include "cp_dp.h"

struct cp_fleet;
struct cp_signal;

/* NULL with err empty when cfg->redis_url is empty (no fleet: nothing to
 * do); NULL with err set on failure. Connecting starts at the first tick. */
struct cp_fleet *cp_fleet_new(const struct cp_config *cfg, struct cp_dp *dp,
			      struct cp_signal *sig, char *err, size_t errlen);
/* Drives the Redis connection, timeouts and refreshes; call often (5 ms). */
void cp_fleet_tick(struct cp_fleet *f);
/* Prometheus: sluice_fleet_* (also without a fleet: enabled 0). */
void cp_fleet_metrics(const struct cp_fleet *f, struct cp_buf *b);
/* Shutdown: removes this node's record, flushes what is queued (waits at
 * most ~200 ms) and uninstalls the hooks. NULL is fine. */
void cp_fleet_stop(struct cp_fleet *f);
void cp_fleet_free(struct cp_fleet *f);

#endif
