/* SPDX-License-Identifier: MIT */
/* dp_net: ARP and ICMP echo answered in place with exact bytes, UDP
 * classified, bad input dropped with the right reason, truncation safe. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sluice/abi.h"
#include "../../dataplane/dp_net.h"

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static struct dp_net_cfg cfg;

static uint32_t ip4(const char *s)
{
	uint32_t a;
	inet_pton(AF_INET, s, &a);
	return a;
}

static size_t arp_request(uint8_t *f, const char *target)
{
	memset(f, 0, 64);
	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	uint8_t *a = f + 14;
	a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = 1;
	memcpy(a + 8, peer_mac, 6);
	uint32_t spa = ip4("198.18.0.2"), tpa = ip4(target);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 24, &tpa, 4);
	return 60; /* padded to the Ethernet minimum */
}

static void test_arp(void)
{
	uint8_t f[64];
	struct dp_net_result r;
	size_t n = arp_request(f, "198.18.0.1");
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_REPLY);
	CHECK_EQ(r.reply_len, 42);
	CHECK(r.is_arp);
	CHECK(memcmp(f, peer_mac, 6) == 0);
	CHECK(memcmp(f + 6, our_mac, 6) == 0);
	CHECK_EQ(dp_get_be16(f + 14 + 6), 2);               /* op reply */
	CHECK(memcmp(f + 14 + 8, our_mac, 6) == 0);      /* sha */
	uint32_t spa;
	memcpy(&spa, f + 14 + 14, 4);
	CHECK_EQ(spa, cfg.ipv4);
	CHECK(memcmp(f + 14 + 18, peer_mac, 6) == 0);    /* tha */

	n = arp_request(f, "198.18.0.9");
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_ARP_NOT_US);
	n = arp_request(f, "198.18.0.1");
	f[14 + 4] = 8; /* hlen */
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_ARP_MALFORMED);
}

/* A UDP frame built by dp_net_build_udp4 from peer to us. */
static size_t udp_frame(uint8_t *f, size_t cap, uint16_t dport, const char *payload)
{
	size_t pl = strlen(payload);
	memcpy(f + DP_UDP4_HDRS, payload, pl);
	return dp_net_build_udp4(f, cap, peer_mac, our_mac, ip4("198.18.0.2"), cfg.ipv4,
				 htons(5000), htons(dport), pl);
}

static void test_icmp(void)
{
	uint8_t f[128];
	struct dp_net_result r;
	/* turn a UDP frame into an ICMP echo request */
	size_t n = udp_frame(f, sizeof(f), 40000, "0123456789abcdef");
	uint8_t *ip = f + 14;
	ip[9] = 1;
	uint8_t *icmp = ip + 20;
	memset(icmp, 0, 24);
	icmp[0] = 8;
	icmp[4] = 0x12, icmp[5] = 0x34, icmp[7] = 1;
	memcpy(icmp + 8, "pingdata12345678", 16);
	dp_put_be16(icmp + 2, dp_csum_fold(dp_csum_partial(icmp, 24, 0)));
	dp_put_be16(ip + 10, 0);
	dp_put_be16(ip + 10, dp_csum_fold(dp_csum_partial(ip, 20, 0)));
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_REPLY);
	CHECK(r.is_icmp);
	CHECK_EQ(r.reply_len, n);
	CHECK_EQ(icmp[0], 0);
	CHECK_EQ(dp_csum_fold(dp_csum_partial(icmp, 24, 0)), 0);
	CHECK_EQ(dp_csum_fold(dp_csum_partial(ip, 20, 0)), 0);
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	CHECK_EQ(src, cfg.ipv4);
	CHECK_EQ(dst, ip4("198.18.0.2"));
	CHECK(memcmp(icmp + 8, "pingdata12345678", 16) == 0);
	CHECK(memcmp(f, peer_mac, 6) == 0);

	/* the reply is not an echo request: dropped as an ICMP type */
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_NOT_US); /* now addressed to the peer */
}

static void test_udp(void)
{
	uint8_t f[256];
	struct dp_net_result r;
	size_t n = udp_frame(f, sizeof(f), 40001, "hello");
	CHECK_EQ(n, 42 + 5);
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_UDP);
	CHECK_EQ(r.udp.payload_len, 5);
	CHECK(memcmp(f + r.udp.payload_off, "hello", 5) == 0);
	CHECK_EQ(ntohs(r.udp.src_port), 5000);
	CHECK_EQ(ntohs(r.udp.dst_port), 40001);
	CHECK_EQ(dp_udp_src_ip4(&r.udp), ip4("198.18.0.2"));
	CHECK(memcmp(r.udp.src_mac, peer_mac, 6) == 0);

	/* port outside the range */
	n = udp_frame(f, sizeof(f), 39999, "hello");
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_UDP_PORT);
	/* corrupt payload -> checksum */
	n = udp_frame(f, sizeof(f), 40000, "hello");
	f[n - 1] ^= 0x40;
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_UDP_CHECKSUM);
	/* zero checksum means "none" in IPv4 */
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_UDP);
	/* fragment */
	n = udp_frame(f, sizeof(f), 40000, "hello");
	f[14 + 6] |= 0x20; /* MF */
	dp_put_be16(f + 14 + 10, 0);
	dp_put_be16(f + 14 + 10, dp_csum_fold(dp_csum_partial(f + 14, 20, 0)));
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_FRAGMENT);
	/* bad IP header checksum */
	n = udp_frame(f, sizeof(f), 40000, "hello");
	f[14 + 8] ^= 1;
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_MALFORMED);
	/* IPv6 ethertype is not served yet */
	n = udp_frame(f, sizeof(f), 40000, "hello");
	f[12] = 0x86, f[13] = 0xdd;
	CHECK_EQ(dp_net_input(f, n, &cfg, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_ETH_TYPE);
	/* too small a buffer for the builder */
	CHECK_EQ(dp_net_build_udp4(f, 41, our_mac, peer_mac, 1, 2, 3, 4, 0), 0);
}

/* Every truncation of valid frames is dropped (or, for a UDP frame whose IP
 * length still fits, classified) without reading past the end: run under
 * ASan, each prefix is copied into an exact-size heap buffer. */
static void test_truncation(void)
{
	uint8_t f[256];
	struct dp_net_result r;
	size_t n = udp_frame(f, sizeof(f), 40000, "truncate me please");
	for (size_t len = 0; len < n; len++) {
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, f, len);
		CHECK_EQ(dp_net_input(b, len, &cfg, &r), DP_NET_DROP);
		free(b);
	}
	n = arp_request(f, "198.18.0.1");
	for (size_t len = 0; len < 42; len++) {
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, f, len);
		CHECK_EQ(dp_net_input(b, len, &cfg, &r), DP_NET_DROP);
		free(b);
	}
}

int main(void)
{
	memcpy(cfg.mac, our_mac, 6);
	cfg.ipv4 = ip4("198.18.0.1");
	cfg.port_min = 40000;
	cfg.port_max = 40003;
	cfg.verify_udp_csum = 1;
	test_arp();
	test_icmp();
	test_udp();
	test_truncation();
	return check_report("test_net");
}
