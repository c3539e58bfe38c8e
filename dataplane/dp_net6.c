/* SPDX-License-Identifier: MIT */
/*
 * dp_net6 - IPv6 for the data plane: the extension-header walk, NDP
 * (answering neighbour solicitations), ICMPv6 echo and UDP over IPv6.
 * Contract in dp_net.h (dp_net6_input, dp_net_build_udp6, dp_csum6).
 *
 * Every read is bounded by the IPv6 payload length, itself checked against
 * the frame; nothing past len is ever read or written.
 */
#include <string.h>

#include "sluice/abi.h"
#include "dp_net.h"

#define NH_HOPOPTS 0
#define NH_UDP 17
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_ESP 50
#define NH_AH 51
#define NH_ICMP6 58
#define NH_NONE 59
#define NH_DSTOPTS 60

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ND_NS_LEN 24u /* type, code, checksum, reserved, target */
#define ND_NA_LEN 24u
#define ND_LLOPT_LEN 8u

static const uint8_t all_nodes[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};

static enum dp_net_action drop(struct dp_net_result *res, unsigned int reason)
{
	res->drop_reason = (uint16_t)reason;
	return DP_NET_DROP;
}

uint16_t dp_csum6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header,
		  const uint8_t *l4, size_t len)
{
	uint8_t ph[40];
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	dp_put_be32(ph + 32, (uint32_t)len);
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = next_header;
	return dp_csum_fold(dp_csum_partial(l4, len, dp_csum_partial(ph, 40, 0)));
}

static int is_zero16(const uint8_t *a)
{
	static const uint8_t z[16];
	return memcmp(a, z, 16) == 0;
}

/* ff02::1:ffXX:XXXX for the last three bytes of our address. */
static int is_our_solicited_node(const uint8_t *a, const uint8_t our[16])
{
	static const uint8_t pfx[13] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	return memcmp(a, pfx, 13) == 0 && memcmp(a + 13, our + 13, 3) == 0;
}

/* Writes the IPv6 header of a reply from us to dst, l4_len bytes of
 * next_header behind it. */
static void reply_hdr(uint8_t *ip, const uint8_t our[16], const uint8_t dst[16],
		      uint8_t next_header, size_t l4_len, uint8_t hop_limit)
{
	uint8_t d[16];
	memcpy(d, dst, 16); /* dst may point into this header */
	dp_put_be32(ip, 0x60000000u);
	dp_put_be16(ip + 4, (uint16_t)l4_len);
	ip[6] = next_header;
	ip[7] = hop_limit;
	memcpy(ip + 8, our, 16);
	memcpy(ip + 24, d, 16);
}

/* The options of a neighbour solicitation (opt[0..n)): each a whole number
 * of 8-byte units, none of length 0 (RFC 4861 7.1.1). *sll gets the source
 * link-layer address option's MAC, or NULL. 0 or -1. */
static int nd_options(const uint8_t *opt, size_t n, const uint8_t **sll)
{
	*sll = NULL;
	while (n) {
		if (n < 2 || opt[1] == 0 || (size_t)opt[1] * 8 > n)
			return -1;
		size_t olen = (size_t)opt[1] * 8;
		if (opt[0] == ND_OPT_SOURCE_LL && olen == ND_LLOPT_LEN)
			*sll = opt + 2;
		opt += olen;
		n -= olen;
	}
	return 0;
}

/* Neighbour solicitation (icmp: icmp_len bytes, checksum verified) -> the
 * advertisement in place. */
static enum dp_net_action ns_input(uint8_t *f, size_t len, uint8_t *ip, uint8_t *icmp,
				   size_t icmp_len, const struct dp_net_cfg *cfg,
				   struct dp_net_result *res)
{
	if (ip[7] != 255 || icmp[1] != 0 || icmp_len < ND_NS_LEN || icmp[8] == 0xff)
		return drop(res, SL_DROP_NDP_MALFORMED); /* off-link, or multicast target */
	const uint8_t *sll;
	if (nd_options(icmp + ND_NS_LEN, icmp_len - ND_NS_LEN, &sll) != 0)
		return drop(res, SL_DROP_NDP_MALFORMED);
	int dad = is_zero16(ip + 8);
	if (dad && (sll || !is_our_solicited_node(ip + 24, cfg->ipv6)))
		return drop(res, SL_DROP_NDP_MALFORMED); /* RFC 4861 7.1.1 */
	if (memcmp(icmp + 8, cfg->ipv6, 16) != 0)
		return drop(res, SL_DROP_NDP_NOT_US);

	uint8_t dst_mac[6], dst_ip[16];
	memcpy(dst_mac, dad ? all_nodes_mac : sll ? sll : f + 6, 6);
	memcpy(dst_ip, dad ? all_nodes : ip + 8, 16);
	size_t na_len = ND_NA_LEN;
	if (DP_ETH_HLEN + DP_IPV6_HLEN + ND_NA_LEN + ND_LLOPT_LEN <= len)
		na_len += ND_LLOPT_LEN;

	uint8_t *na = ip + DP_IPV6_HLEN; /* replies carry no extension headers */
	na[0] = ND_NEIGHBOR_ADVERT;
	na[1] = 0;
	na[2] = na[3] = 0;
	na[4] = dad ? 0x20 : 0x60; /* Solicited (not for DAD), Override */
	na[5] = na[6] = na[7] = 0;
	memcpy(na + 8, cfg->ipv6, 16);
	if (na_len > ND_NA_LEN) {
		na[24] = ND_OPT_TARGET_LL;
		na[25] = 1;
		memcpy(na + 26, cfg->mac, 6);
	}
	reply_hdr(ip, cfg->ipv6, dst_ip, NH_ICMP6, na_len, 255);
	dp_put_be16(na + 2, dp_csum6(ip + 8, ip + 24, NH_ICMP6, na, na_len));
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, cfg->mac, 6);
	res->reply_len = (uint16_t)(DP_ETH_HLEN + DP_IPV6_HLEN + na_len);
	res->is_nd = 1;
	return DP_NET_REPLY;
}

/* Echo request -> echo reply in place, moved behind the fixed header. */
static enum dp_net_action echo_input(uint8_t *f, uint8_t *ip, uint8_t *icmp, size_t icmp_len,
				     const struct dp_net_cfg *cfg, struct dp_net_result *res)
{
	uint8_t *rep = ip + DP_IPV6_HLEN;
	uint8_t src[16];
	memcpy(src, ip + 8, 16);
	memmove(rep, icmp, icmp_len);
	rep[0] = ICMP6_ECHO_REPLY;
	rep[2] = rep[3] = 0;
	reply_hdr(ip, cfg->ipv6, src, NH_ICMP6, icmp_len, 64);
	dp_put_be16(rep + 2, dp_csum6(ip + 8, ip + 24, NH_ICMP6, rep, icmp_len));
	memcpy(f, f + 6, 6);
	memcpy(f + 6, cfg->mac, 6);
	res->reply_len = (uint16_t)(DP_ETH_HLEN + DP_IPV6_HLEN + icmp_len);
	res->is_icmp = 1;
	return DP_NET_REPLY;
}

static enum dp_net_action icmp6_input(uint8_t *f, size_t len, uint8_t *ip, uint8_t *icmp,
				      size_t icmp_len, int to_us, const struct dp_net_cfg *cfg,
				      struct dp_net_result *res)
{
	if (icmp_len < 8 || dp_csum6(ip + 8, ip + 24, NH_ICMP6, icmp, icmp_len) != 0)
		return drop(res, SL_DROP_ICMP_MALFORMED);
	if (icmp[0] == ND_NEIGHBOR_SOLICIT)
		return ns_input(f, len, ip, icmp, icmp_len, cfg, res);
	if (icmp[0] == ICMP6_ECHO_REQUEST && icmp[1] == 0 && to_us) {
		if (is_zero16(ip + 8))
			return drop(res, SL_DROP_IP_MALFORMED); /* no one to answer */
		return echo_input(f, ip, icmp, icmp_len, cfg, res);
	}
	if (!to_us)
		return drop(res, SL_DROP_IP_NOT_US);
	return drop(res, SL_DROP_ICMP_TYPE);
}

static enum dp_net_action udp6_input(uint8_t *f, uint8_t *ip, uint8_t *udp, size_t avail,
				     const struct dp_net_cfg *cfg, struct dp_net_result *res)
{
	if (avail < DP_UDP_HLEN)
		return drop(res, SL_DROP_UDP_MALFORMED);
	uint16_t ulen = dp_get_be16(udp + 4);
	if (ulen < DP_UDP_HLEN || ulen > avail)
		return drop(res, SL_DROP_UDP_MALFORMED);
	uint16_t dport = dp_get_be16(udp + 2);
	if (dport < cfg->port_min || dport > cfg->port_max)
		return drop(res, SL_DROP_UDP_PORT);
	if (cfg->verify_udp_csum &&
	    (dp_get_be16(udp + 6) == 0 || dp_csum6(ip + 8, ip + 24, NH_UDP, udp, ulen) != 0))
		return drop(res, SL_DROP_UDP_CHECKSUM); /* RFC 8200 8.1: zero is invalid */

	struct dp_udp_info *u = &res->udp;
	memcpy(u->src_mac, f + 6, 6);
	u->family = 6;
	memcpy(u->src_addr, ip + 8, 16);
	memcpy(u->dst_addr, ip + 24, 16);
	memcpy(&u->src_port, udp, 2);
	memcpy(&u->dst_port, udp + 2, 2);
	u->payload_off = (uint16_t)(udp + DP_UDP_HLEN - f);
	u->payload_len = (uint16_t)(ulen - DP_UDP_HLEN);
	return DP_NET_UDP;
}

/* The TLV options of a hop-by-hop or destination options header (h, hlen
 * bytes): 0, or the drop reason. Unknown options are skipped only when
 * their action bits say so (RFC 8200 4.2: 00). */
static unsigned int ext_options(const uint8_t *h, size_t hlen)
{
	size_t i = 2;
	while (i < hlen) {
		uint8_t type = h[i];
		if (type == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > hlen || i + 2 + (size_t)h[i + 1] > hlen)
			return SL_DROP_IP_MALFORMED;
		if (type != 1 && (type & 0xc0) != 0) /* not PadN, not "skip" */
			return SL_DROP_IP6_EXT;
		i += 2 + (size_t)h[i + 1];
	}
	return 0;
}

/* Walks the extension headers from ip + 40 up to end. On success returns 0
 * with *nh the upper-layer protocol and *off its offset from ip; else the
 * drop reason. */
static unsigned int ext_walk(const uint8_t *ip, size_t end, uint8_t *nh, size_t *off)
{
	uint8_t next = ip[6];
	size_t pos = DP_IPV6_HLEN;
	for (unsigned int n = 0;; n++) {
		switch (next) {
		case NH_HOPOPTS:
		case NH_DSTOPTS:
		case NH_ROUTING:
			break;
		case NH_FRAGMENT:
			return SL_DROP_IP_FRAGMENT;
		case NH_UDP:
		case NH_ICMP6:
			*nh = next;
			*off = pos;
			return 0;
		case NH_ESP:
		case NH_AH:
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
		case 253: /* experimental */
		case 254:
			return SL_DROP_IP6_EXT;
		default: /* TCP, no next header, anything else */
			return SL_DROP_IP_PROTO;
		}
		if (n >= DP_IP6_EXT_MAX || (next == NH_HOPOPTS && n != 0))
			return SL_DROP_IP6_EXT; /* hop-by-hop only first (RFC 8200 4.3) */
		if (end - pos < 8)
			return SL_DROP_IP_MALFORMED;
		const uint8_t *h = ip + pos;
		size_t hlen = ((size_t)h[1] + 1) * 8;
		if (hlen > end - pos)
			return SL_DROP_IP_MALFORMED;
		if (next == NH_ROUTING) {
			if (h[3] != 0) /* segments left: we are not the final destination */
				return SL_DROP_IP6_EXT;
		} else {
			unsigned int r = ext_options(h, hlen);
			if (r)
				return r;
		}
		next = h[0];
		pos += hlen;
	}
}

enum dp_net_action dp_net6_input(uint8_t *f, size_t len, const struct dp_net_cfg *cfg,
				 struct dp_net_result *res)
{
	uint8_t *ip = f + DP_ETH_HLEN;
	size_t avail = len - DP_ETH_HLEN;
	if (avail < DP_IPV6_HLEN || (ip[0] >> 4) != 6)
		return drop(res, SL_DROP_IP_MALFORMED);
	size_t end = DP_IPV6_HLEN + (size_t)dp_get_be16(ip + 4);
	if (end > avail || ip[8] == 0xff) /* truncated, or from a multicast source */
		return drop(res, SL_DROP_IP_MALFORMED);
	int to_us = memcmp(ip + 24, cfg->ipv6, 16) == 0;
	if (!to_us && !is_our_solicited_node(ip + 24, cfg->ipv6))
		return drop(res, SL_DROP_IP_NOT_US);

	uint8_t nh;
	size_t off;
	unsigned int reason = ext_walk(ip, end, &nh, &off);
	if (reason)
		return drop(res, reason);
	if (nh == NH_ICMP6)
		return icmp6_input(f, len, ip, ip + off, end - off, to_us, cfg, res);
	if (!to_us)
		return drop(res, SL_DROP_IP_NOT_US); /* UDP to a multicast group */
	return udp6_input(f, ip, ip + off, end - off, cfg, res);
}

size_t dp_net_build_udp6(uint8_t *frame, size_t cap, const uint8_t src_mac[6],
			 const uint8_t dst_mac[6], const uint8_t src_ip[16],
			 const uint8_t dst_ip[16], uint16_t src_port, uint16_t dst_port,
			 size_t payload_len)
{
	size_t total = DP_UDP6_HDRS + payload_len;
	if (total > cap || payload_len > 65535 - DP_UDP_HLEN)
		return 0;
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, src_mac, 6);
	dp_put_be16(frame + 12, 0x86dd);

	uint8_t *ip = frame + DP_ETH_HLEN;
	dp_put_be32(ip, 0x60000000u);
	dp_put_be16(ip + 4, (uint16_t)(DP_UDP_HLEN + payload_len));
	ip[6] = NH_UDP;
	ip[7] = 64;
	memcpy(ip + 8, src_ip, 16);
	memcpy(ip + 24, dst_ip, 16);

	uint8_t *udp = ip + DP_IPV6_HLEN;
	memcpy(udp, &src_port, 2);
	memcpy(udp + 2, &dst_port, 2);
	dp_put_be16(udp + 4, (uint16_t)(DP_UDP_HLEN + payload_len));
	dp_put_be16(udp + 6, 0);
	uint16_t c = dp_csum6(src_ip, dst_ip, NH_UDP, udp, DP_UDP_HLEN + payload_len);
	dp_put_be16(udp + 6, c == 0 ? 0xffff : c);
	return total;
}
