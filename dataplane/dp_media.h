/* SPDX-License-Identifier: MIT */
/*
 * dp_media - the media path of one lcore: transports (ICE-lite, DTLS relay,
 * SRTP), producer streams and consumers. Called only from the owning lcore.
 * The foundation build answers every media command with -ENOTSUP and drops
 * media datagrams as SL_DROP_DEMUX_UNKNOWN until the media path is linked in.
 */
#ifndef DP_MEDIA_H
#define DP_MEDIA_H

#include <stdint.h>

#include "sluice/abi.h"

struct dp_lcore;
struct rte_mbuf;
struct dp_udp_info;

/* Applies a validated media command; returns 0 or -errno (sent back in
 * SL_MSG_RESULT when the command has a seq). */
int dp_media_cmd(struct dp_lcore *lc, const struct sl_msg *cmd);

/* A UDP datagram to one of our ports. Consumes m. */
void dp_media_udp_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_udp_info *u);

/* Periodic work (timeouts, reports); called a few times per millisecond at most. */
void dp_media_timer(struct dp_lcore *lc, uint64_t now_ns);

#endif
