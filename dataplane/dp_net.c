/* SPDX-License-Identifier: MIT */
/* dp_net - Ethernet/ARP/IPv4/ICMP/UDP (IPv6: dp_net6.c); contract in dp_net.h. */
#include <string.h>

#include "sluice/abi.h"
#include "dp_net.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_ICMP_ 1
#define IPPROTO_UDP_ 17
#define ARP_LEN 28

/*
 * RFC 1071 over p[0..len) added to sum (16-bit big-endian words, a trailing
 * odd byte as the high half of a word). It runs once per packet sent and
 * received over the whole datagram, so it adds 64-bit words in host order
 * with end-around carry (two independent chains), folds, and converts the
 * 16-bit result to big-endian word order: the ones' complement sum commutes
 * with byte swapping (RFC 1071 section 2(B)). Equal, after dp_csum_fold, to
 * the word-by-word definition for any alignment and length
 * (tests/media/test_media_units.c compares them).
 */
static inline uint64_t add_carry(uint64_t a, uint64_t w)
{
	a += w;
	return a + (a < w);
}

uint32_t dp_csum_partial(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t a = 0, b = 0;
	while (len >= 16) {
		uint64_t w[2];
		memcpy(w, p, 16);
		a = add_carry(a, w[0]);
		b = add_carry(b, w[1]);
		p += 16;
		len -= 16;
	}
	a = add_carry(a, b);
	uint64_t acc = (a & 0xffffffffu) + (a >> 32);
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) { /* the odd byte is the first (high) byte of a big-endian word */
		uint8_t w[2] = {p[0], 0};
		uint16_t v;
		memcpy(&v, w, 2);
		acc += v;
	}
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
	uint8_t be[2];
	uint16_t h = (uint16_t)acc;
	memcpy(be, &h, 2); /* host-order bytes of the sum = big-endian word bytes */
	return sum + (uint32_t)((be[0] << 8) | be[1]);
}

uint16_t dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t dp_udp4_csum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len)
{
	uint8_t ph[12];
	memcpy(ph, &src_ip, 4);
	memcpy(ph + 4, &dst_ip, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP_;
	dp_put_be16(ph + 10, (uint16_t)udp_len);
	uint16_t c = dp_csum_fold(dp_csum_partial(udp, udp_len, dp_csum_partial(ph, 12, 0)));
	return c == 0 ? 0xffff : c; /* RFC 768: a computed 0 is sent as all ones */
}

static enum dp_net_action drop(struct dp_net_result *res, unsigned int reason)
{
	res->drop_reason = (uint16_t)reason;
	return DP_NET_DROP;
}

static void swap_mac(uint8_t *eth, const uint8_t our[6])
{
	memcpy(eth, eth + 6, 6);
	memcpy(eth + 6, our, 6);
}

/* ARP request for our address -> ARP reply in place. */
static enum dp_net_action arp_input(uint8_t *f, size_t len, const struct dp_net_cfg *cfg,
				    struct dp_net_result *res)
{
	uint8_t *a = f + DP_ETH_HLEN;
	if (len < DP_ETH_HLEN + ARP_LEN)
		return drop(res, SL_DROP_ARP_MALFORMED);
	/* Ethernet/IPv4, hlen 6, plen 4 */
	if (dp_get_be16(a) != 1 || dp_get_be16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return drop(res, SL_DROP_ARP_MALFORMED);
	uint16_t op = dp_get_be16(a + 6);
	if (op != 1 && op != 2)
		return drop(res, SL_DROP_ARP_MALFORMED);
	if (op != 1 || memcmp(a + 24, &cfg->ipv4, 4) != 0)
		return drop(res, SL_DROP_ARP_NOT_US);

	uint8_t sha[6], spa[4];
	memcpy(sha, a + 8, 6);
	memcpy(spa, a + 14, 4);
	dp_put_be16(a + 6, 2);
	memcpy(a + 8, cfg->mac, 6);
	memcpy(a + 14, &cfg->ipv4, 4);
	memcpy(a + 18, sha, 6);
	memcpy(a + 24, spa, 4);
	memcpy(f, sha, 6);
	memcpy(f + 6, cfg->mac, 6);
	res->reply_len = (uint16_t)(DP_ETH_HLEN + ARP_LEN);
	res->is_arp = 1;
	return DP_NET_REPLY;
}

/* ICMP echo request -> echo reply in place (ip: start of the IPv4 header). */
static enum dp_net_action icmp_input(uint8_t *f, uint8_t *ip, size_t ihl, size_t ip_len,
				     const struct dp_net_cfg *cfg, struct dp_net_result *res)
{
	uint8_t *icmp = ip + ihl;
	size_t icmp_len = ip_len - ihl;
	if (icmp_len < 8 || dp_csum_fold(dp_csum_partial(icmp, icmp_len, 0)) != 0)
		return drop(res, SL_DROP_ICMP_MALFORMED);
	if (icmp[0] != 8 || icmp[1] != 0)
		return drop(res, SL_DROP_ICMP_TYPE);

	icmp[0] = 0; /* echo reply */
	dp_put_be16(icmp + 2, 0);
	dp_put_be16(icmp + 2, dp_csum_fold(dp_csum_partial(icmp, icmp_len, 0)));

	uint8_t tmp[4];
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = 64; /* TTL */
	dp_put_be16(ip + 10, 0);
	dp_put_be16(ip + 10, dp_csum_fold(dp_csum_partial(ip, ihl, 0)));
	swap_mac(f, cfg->mac);
	res->reply_len = (uint16_t)(DP_ETH_HLEN + ip_len);
	res->is_icmp = 1;
	return DP_NET_REPLY;
}

static enum dp_net_action udp_input(uint8_t *f, uint8_t *ip, size_t ihl, size_t ip_len,
				    const struct dp_net_cfg *cfg, struct dp_net_result *res)
{
	uint8_t *udp = ip + ihl;
	size_t avail = ip_len - ihl;
	if (avail < DP_UDP_HLEN)
		return drop(res, SL_DROP_UDP_MALFORMED);
	uint16_t ulen = dp_get_be16(udp + 4);
	if (ulen < DP_UDP_HLEN || ulen > avail)
		return drop(res, SL_DROP_UDP_MALFORMED);
	uint16_t dport = dp_get_be16(udp + 2);
	if (dport < cfg->port_min || dport > cfg->port_max)
		return drop(res, SL_DROP_UDP_PORT);

	struct dp_udp_info *u = &res->udp;
	memcpy(u->src_addr, ip + 12, 4); /* the other 12 bytes stay zero */
	memcpy(u->dst_addr, ip + 16, 4);
	if (cfg->verify_udp_csum && dp_get_be16(udp + 6) != 0) {
		uint8_t saved[2] = {udp[6], udp[7]};
		uint32_t sip, dip;
		memcpy(&sip, ip + 12, 4);
		memcpy(&dip, ip + 16, 4);
		udp[6] = udp[7] = 0;
		uint16_t c = dp_udp4_csum(sip, dip, udp, ulen);
		udp[6] = saved[0];
		udp[7] = saved[1];
		if (c != dp_get_be16(saved))
			return drop(res, SL_DROP_UDP_CHECKSUM);
	}
	memcpy(u->src_mac, f + 6, 6);
	u->family = 4;
	memcpy(&u->src_port, udp, 2);
	memcpy(&u->dst_port, udp + 2, 2);
	u->payload_off = (uint16_t)(udp + DP_UDP_HLEN - f);
	u->payload_len = (uint16_t)(ulen - DP_UDP_HLEN);
	return DP_NET_UDP;
}

static enum dp_net_action ipv4_input(uint8_t *f, size_t len, const struct dp_net_cfg *cfg,
				     struct dp_net_result *res)
{
	uint8_t *ip = f + DP_ETH_HLEN;
	size_t avail = len - DP_ETH_HLEN;
	if (avail < DP_IPV4_HLEN || (ip[0] >> 4) != 4)
		return drop(res, SL_DROP_IP_MALFORMED);
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = dp_get_be16(ip + 2);
	if (ihl < DP_IPV4_HLEN || tot < ihl || tot > avail)
		return drop(res, SL_DROP_IP_MALFORMED);
	if (dp_csum_fold(dp_csum_partial(ip, ihl, 0)) != 0)
		return drop(res, SL_DROP_IP_MALFORMED);
	if (memcmp(ip + 16, &cfg->ipv4, 4) != 0)
		return drop(res, SL_DROP_IP_NOT_US);
	if (dp_get_be16(ip + 6) & 0x3fff) /* MF set or offset != 0 */
		return drop(res, SL_DROP_IP_FRAGMENT);

	switch (ip[9]) {
	case IPPROTO_UDP_:
		return udp_input(f, ip, ihl, tot, cfg, res);
	case IPPROTO_ICMP_:
		return icmp_input(f, ip, ihl, tot, cfg, res);
	default:
		return drop(res, SL_DROP_IP_PROTO);
	}
}

enum dp_net_action dp_net_input(uint8_t *frame, size_t len, const struct dp_net_cfg *cfg,
				struct dp_net_result *res)
{
	memset(res, 0, sizeof(*res));
	if (len < DP_ETH_HLEN)
		return drop(res, SL_DROP_ETH_SHORT);
	switch (dp_get_be16(frame + 12)) {
	case ETHERTYPE_IPV4:
		return ipv4_input(frame, len, cfg, res);
	case ETHERTYPE_ARP:
		return arp_input(frame, len, cfg, res);
	case ETHERTYPE_IPV6:
		if (cfg->ipv6_on)
			return dp_net6_input(frame, len, cfg, res);
		return drop(res, SL_DROP_ETH_TYPE); /* no --ip6 */
	default: /* VLAN, LLDP...: not served */
		return drop(res, SL_DROP_ETH_TYPE);
	}
}

size_t dp_net_build_udp4(uint8_t *frame, size_t cap, const uint8_t src_mac[6],
			 const uint8_t dst_mac[6], uint32_t src_ip, uint32_t dst_ip,
			 uint16_t src_port, uint16_t dst_port, size_t payload_len)
{
	size_t total = DP_UDP4_HDRS + payload_len;
	if (total > cap || payload_len > 65535 - DP_IPV4_HLEN - DP_UDP_HLEN)
		return 0;
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, src_mac, 6);
	dp_put_be16(frame + 12, ETHERTYPE_IPV4);

	uint8_t *ip = frame + DP_ETH_HLEN;
	ip[0] = 0x45;
	ip[1] = 0x00; /* DSCP could mark media later */
	dp_put_be16(ip + 2, (uint16_t)(DP_IPV4_HLEN + DP_UDP_HLEN + payload_len));
	dp_put_be16(ip + 4, 0);
	dp_put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP_;
	dp_put_be16(ip + 10, 0);
	memcpy(ip + 12, &src_ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	dp_put_be16(ip + 10, dp_csum_fold(dp_csum_partial(ip, DP_IPV4_HLEN, 0)));

	uint8_t *udp = ip + DP_IPV4_HLEN;
	memcpy(udp, &src_port, 2);
	memcpy(udp + 2, &dst_port, 2);
	dp_put_be16(udp + 4, (uint16_t)(DP_UDP_HLEN + payload_len));
	dp_put_be16(udp + 6, 0);
	dp_put_be16(udp + 6, dp_udp4_csum(src_ip, dst_ip, udp, DP_UDP_HLEN + payload_len));
	return total;
}
