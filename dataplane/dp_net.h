/* SPDX-License-Identifier: MIT */
/*
 * dp_net - pure L2/L3/L4 handling for the data plane: Ethernet, ARP, IPv4,
 * ICMP echo and UDP (dp_net.c), and IPv6 with its extension-header chain,
 * NDP, ICMPv6 echo and UDP over IPv6 (dp_net6.c). No DPDK, no globals, no
 * logging: every function works on a byte buffer and never reads or writes
 * past the given length, so it can be unit-tested and fuzzed alone
 * (tests/fuzz/fuzz_net.c).
 *
 * Wire fields are read and written with explicit byte order helpers; no
 * bitfields.
 */
#ifndef DP_NET_H
#define DP_NET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_bytes.h"

#define DP_ETH_HLEN 14u
#define DP_IPV4_HLEN 20u /* without options */
#define DP_UDP_HLEN 8u
#define DP_UDP4_HDRS (DP_ETH_HLEN + DP_IPV4_HLEN + DP_UDP_HLEN)
#define DP_IPV6_HLEN 40u
#define DP_UDP6_HDRS (DP_ETH_HLEN + DP_IPV6_HLEN + DP_UDP_HLEN)
/* Extension headers dp_net6 walks before it gives up (SL_DROP_IP6_EXT). */
#define DP_IP6_EXT_MAX 8u

/* What the data plane is on the wire. */
struct dp_net_cfg {
	uint8_t mac[6];
	uint32_t ipv4;      /* network byte order */
	uint16_t port_min;  /* host order: UDP ports we serve, inclusive */
	uint16_t port_max;
	uint8_t verify_udp_csum; /* 1: drop UDP with a wrong non-zero checksum (IPv6:
				  * also a zero one, the checksum is mandatory there) */
	uint8_t ipv6_on;         /* 0: IPv6 frames are dropped as eth_type */
	uint8_t ipv6[16];        /* our IPv6 address when ipv6_on */
};

enum dp_net_action {
	DP_NET_DROP = 0,  /* res.drop_reason says why (enum sl_drop_reason) */
	DP_NET_REPLY = 1, /* the buffer was rewritten in place into a reply of res.reply_len */
	DP_NET_UDP = 2,   /* a UDP datagram for one of our ports: res.udp describes it */
};

/* Addresses are laid out as in struct sl_tuple: IPv4 in the first 4 bytes
 * (network order), the other 12 zero; IPv6 in all 16. */
struct dp_udp_info {
	uint8_t src_mac[6];    /* next hop to answer to */
	uint8_t family;        /* 4 or 6 */
	uint8_t pad;
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
	uint16_t src_port;     /* network order */
	uint16_t dst_port;     /* network order */
	uint16_t payload_off;  /* from the start of the frame */
	uint16_t payload_len;
};

/* The IPv4 source address (network order) of an IPv4 datagram. */
static inline uint32_t dp_udp_src_ip4(const struct dp_udp_info *u)
{
	uint32_t ip;
	memcpy(&ip, u->src_addr, 4);
	return ip;
}

struct dp_net_result {
	uint16_t drop_reason;
	uint16_t reply_len;
	uint8_t is_arp;    /* the reply is an ARP reply (for counters) */
	uint8_t is_icmp;   /* the reply is an ICMP or ICMPv6 echo reply */
	uint8_t is_nd;     /* the reply is a neighbour advertisement */
	uint8_t pad;
	struct dp_udp_info udp;
};

/*
 * Classifies one received frame of len bytes. For ARP requests and ICMP echo
 * requests to cfg->ipv4, and (cfg->ipv6_on) neighbour solicitations for
 * cfg->ipv6 and ICMPv6 echo requests to it, the frame is turned into the
 * reply in place (same buffer, res->reply_len bytes, never longer than len).
 * UDP to a port in [port_min, port_max] yields DP_NET_UDP. Everything else is
 * DP_NET_DROP with a reason.
 */
enum dp_net_action dp_net_input(uint8_t *frame, size_t len, const struct dp_net_cfg *cfg,
				struct dp_net_result *res);

/*
 * dp_net6.c: the IPv6 part of dp_net_input (frame[12..13] is 0x86dd,
 * cfg->ipv6_on, len >= DP_ETH_HLEN, res zeroed). Accepted:
 *  - to cfg->ipv6: ICMPv6 echo request (answered), neighbour solicitation
 *    (answered), UDP to our ports (checksum verified, zero refused);
 *  - to our solicited-node multicast address ff02::1:ffXX:XXXX: neighbour
 *    solicitations only.
 * The extension-header chain is walked at most DP_IP6_EXT_MAX headers deep:
 * hop-by-hop (first only), destination options and routing headers with no
 * segments left are skipped, options with unknown types whose action is not
 * "skip" refuse the packet (ip6_ext_hdr), as do routing headers with segments
 * left, AH/ESP/mobility/HIP/shim6 and too long chains; fragments are
 * ip_fragment; truncated headers ip_malformed. Replies carry no extension
 * headers.
 *
 * The neighbour advertisement answering a solicitation goes to its source
 * (Solicited flag set; the source link-layer option's MAC, else the frame's
 * source MAC), or to ff02::1 when the source is unspecified (duplicate
 * address detection: our address is defended, Solicited clear). It carries
 * the Target link-layer option when it fits in len (always for a
 * solicitation that carried a source link-layer option; RFC 4861 7.2.4 lets
 * the other, unicast, ones omit it).
 */
enum dp_net_action dp_net6_input(uint8_t *frame, size_t len, const struct dp_net_cfg *cfg,
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

/*
 * As dp_net_build_udp4 for IPv6 (payload at frame + DP_UDP6_HDRS, hop limit
 * 64, traffic class and flow label 0, the mandatory UDP checksum). Returns the
 * frame length, or 0 if it would exceed cap or 65535 bytes of payload length.
 */
size_t dp_net_build_udp6(uint8_t *frame, size_t cap, const uint8_t src_mac[6],
			 const uint8_t dst_mac[6], const uint8_t src_ip[16],
			 const uint8_t dst_ip[16], uint16_t src_port, uint16_t dst_port,
			 size_t payload_len);

/* RFC 1071 checksum helpers. */
uint32_t dp_csum_partial(const uint8_t *p, size_t len, uint32_t sum);
uint16_t dp_csum_fold(uint32_t sum);
/* UDP checksum over IPv4 pseudo header + udp header and payload (udp_len bytes). */
uint16_t dp_udp4_csum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len);
/* The ones' complement of the sum over the IPv6 pseudo header (RFC 8200 8.1:
 * addresses, 32-bit upper-layer length, next header) and the len bytes at
 * l4. With the checksum field zeroed it is the value to send (UDP sends a
 * computed 0 as 0xffff); over a received message as it is, 0 means right. */
uint16_t dp_csum6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		  const uint8_t *l4, size_t len);

#endif /* DP_NET_H */
