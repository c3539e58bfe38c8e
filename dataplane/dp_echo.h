/* SPDX-License-Identifier: MIT */
/*
 * dp_echo - a measurement aid, off by default: with --echo-port N the data
 * plane reflects every IPv4 UDP datagram addressed to it on port N back to
 * its sender (Ethernet, IP addresses and UDP ports swapped), so the I/O path
 * (device, rx burst, tx burst) can be measured without SRTP, ICE or any media
 * state (pktgen-scripts/udpblast.c, io-ceiling.sh). It is not part of the
 * media path: it only sees frames that dp_net_input already validated and
 * refused as SL_DROP_UDP_PORT (so N must lie outside the media port range),
 * and it never allocates.
 *
 * Ownership: the port is set once by the main thread before the workers
 * start and only read afterwards; each worker counts its echoes in its own
 * cache line (single writer; read by the main thread after the workers
 * stopped, or racily for a progress line).
 */
#ifndef DP_ECHO_H
#define DP_ECHO_H

#include <stddef.h>
#include <stdint.h>

struct dp_lcore;
struct rte_mbuf;

/* Start-up: port in host order, 0 = off (the default). */
void dp_echo_configure(uint16_t port);
uint16_t dp_echo_port(void);

/*
 * Pure: turns a validated Ethernet/IPv4/UDP frame of len bytes to
 * port_be (network order) into its reflection in place, our_mac as the new
 * source MAC. TTL is reset to 64 and the IPv4 header checksum recomputed; the
 * UDP checksum stays valid as it is, because swapping the two addresses and
 * the two ports leaves the pseudo-header sum unchanged. Returns the frame's
 * length without link padding (14 + IPv4 total length), or 0 when the frame
 * is not UDP to port_be, is shorter than its headers say, or comes from
 * port_be itself (two reflectors never play ping-pong).
 */
size_t dp_echo_rewrite(uint8_t *frame, size_t len, const uint8_t our_mac[6], uint16_t port_be);

/* Burst loop: m was refused by dp_net_input as SL_DROP_UDP_PORT. Returns 1
 * when it was reflected (queued for tx, counted), 0 when the caller keeps it
 * (echo off, another port). */
int dp_echo_input(struct dp_lcore *lc, struct rte_mbuf *m);

/* Datagrams reflected by worker index so far. */
uint64_t dp_echo_count(unsigned int index);

#endif
