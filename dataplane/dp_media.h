/* SPDX-License-Identifier: MIT */
/*
 * dp_media - the media path of one lcore: transports (ICE-lite, DTLS relay,
 * SRTP), producer streams and consumers (dataplane/media/). Called only from
 * the owning lcore, except dp_media_setup/dp_media_teardown, which the main
 * thread runs while no worker is running.
 *
 * An lcore without media state (lc->media == NULL, e.g. a test that plays a
 * worker with the command poll only) answers every media command with
 * -ENOTSUP and drops media datagrams as SL_DROP_DEMUX_UNKNOWN.
 */
#ifndef DP_MEDIA_H
#define DP_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"

struct dp_lcore;
struct rte_mbuf;
struct dp_udp_info;

/*
 * Start-up: the media state of the n workers lcs[0..n) (lcs[i].index == i,
 * lcs[i].shm, .ls, .ctr, .evt, .slot_free, .pool, .net already set) and the
 * n*(n-1) SPSC handoff rings between them (rte_ring in DPDK memory: needs
 * the EAL). Returns 0 or -errno with err set to a one-line reason.
 */
int dp_media_setup(struct dp_lcore *lcs, unsigned int n, char *err, size_t errlen);
/* After the workers stopped: frees everything, mbufs left in rings too. */
void dp_media_teardown(struct dp_lcore *lcs, unsigned int n);

/* Burst loop: drains the handoff rings into this lcore (bounded work).
 * Returns the number of packets taken. */
unsigned int dp_media_poll(struct dp_lcore *lc);

/* Fresh mbufs the media path of lc keeps in reserve for consumer copies
 * (allocated in bulk; not in flight). For leak checks in tests. */
unsigned int dp_media_stashed(const struct dp_lcore *lc);

/* Applies a validated media command; returns 0 or -errno (sent back in
 * SL_MSG_RESULT when the command has a seq). */
int dp_media_cmd(struct dp_lcore *lc, const struct sl_msg *cmd);

/* One page of SL_MSG_LIST_OBJECTS (see abi.h): fills out->ids, n, next
 * and done (kind and cursor are set by the caller). Bounded work: at most
 * SL_LIST_SCAN ids examined. */
void dp_media_list(struct dp_lcore *lc, const struct sl_msg_list_objects *q,
		   struct sl_msg_object_list *out);

/* A UDP datagram to one of our ports. Consumes m. */
void dp_media_udp_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_udp_info *u);

/* Periodic work (timeouts, reports); called a few times per millisecond at most. */
void dp_media_timer(struct dp_lcore *lc, uint64_t now_ns);

#endif
