/* SPDX-License-Identifier: MIT */
/*
 * dp_net - pure L2/L3/L4 handling for the data plane: Ethernet, ARP, IPv4,
 * ICMP echo and UDP. No DPDK, no globals, no logging: every function works on
 * a byte buffer and never reads or writes past the given length, so it can be
 * unit-tested and fuzzed alone (tests/fuzz/fuzz_net.c).
 *
 * Wire fields are read and written with explicit byte order helpers; no
 * bitfields.
 */
#ifndef DP_NET_H
#define DP_NET_H

#include <stddef.h>
#include <stdint.h>

#include "dp_bytes.h"

#define DP_ETH_HLEN 14u
#define DP_IPV4_HLEN 20u /* without options */
#define DP_UDP_HLEN 8u
#define DP_UDP4_HDRS (DP_ETH_HLEN + DP_IPV4_HLEN + DP_UDP_HLEN)

/* What the data plane is on the wire. */
struct dp_net_cfg {
	uint8_t mac[6];
	uint32_t ipv4;      /* network byte order */
	uint16_t port_min;  /* host order: UDP ports we serve, inclusive */
	uint16_t port_max;
	uint8_t verify_udp_csum; /* 1: drop UDP with a wrong non-zero checksum */
};

enum dp_net_action {
	DP_NET_DROP = 0,  /* res.drop_reason says why (enum sl_drop_reason) */
	DP_NET_REPLY = 1, /* the buffer was rewritten in place into a reply of res.reply_len */
	DP_NET_UDP = 2,   /* a UDP datagram for one of our ports: res.udp describes it */
};

struct dp_udp_info {
	uint8_t src_mac[6];    /* next hop to answer to */
	uint8_t family;        /* 4 */
	uint8_t pad;
	uint32_t src_ip;       /* network order */
	uint32_t dst_ip;       /* network order */
	uint16_t src_port;     /* network order */
	uint16_t dst_port;     /* network order */
	uint16_t payload_off;  /* from the start of the frame */
	uint16_t payload_len;
};

struct dp_net_result {
	uint16_t drop_reason;
	uint16_t reply_len;
	uint8_t is_arp;    /* the reply is an ARP reply (for counters) */
	uint8_t is_icmp;   /* the reply is an ICMP echo reply */
	struct dp_udp_info udp;
};

/*
 * Classifies one received frame of len bytes. For ARP requests and ICMP echo
 * requests to cfg->ipv4 the frame is turned into the reply in place (same
 * buffer, res->reply_len bytes, never longer than len). UDP to a port in
 * [port_min, port_max] yields DP_NET_UDP. Everything else is DP_NET_DROP with
 * a reason.
 */
enum dp_net_action dp_net_input(uint8_t *frame, size_t len, const struct dp_net_cfg *cfg,
				struct dp_net_result *res);

/*
 * Writes Ethernet + IPv4 + UDP headers for a payload of payload_len bytes that
 * the caller has placed at frame + DP_UDP4_HDRS, with a full UDP checksum
 * (never offloaded). Addresses and ports in network order. Returns the frame
 * length, or 0 if it would exceed cap or 65535.
 */
size_t dp_net_build_udp4(uint8_t *frame, size_t cap, const uint8_t src_mac[6],
			 const uint8_t dst_mac[6], uint32_t src_ip, uint32_t dst_ip,
			 uint16_t src_port, uint16_t dst_port, size_t payload_len);

/* RFC 1071 checksum helpers. */
uint32_t dp_csum_partial(const uint8_t *p, size_t len, uint32_t sum);
uint16_t dp_csum_fold(uint32_t sum);
/* UDP checksum over IPv4 pseudo header + udp header and payload (udp_len bytes). */
uint16_t dp_udp4_csum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len);

#endif /* DP_NET_H */
