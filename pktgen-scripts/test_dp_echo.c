/* SPDX-License-Identifier: MIT */
/*
 * The --echo-port reflector (dataplane/dp_echo.h) without the EAL: the
 * in-place rewrite (addresses and ports swapped, both checksums valid, link
 * padding cut), what it refuses, random mutations of a valid frame (never a
 * read or write past the frame: the buffer is exactly as long as the frame,
 * for ASan), and the --echo-port option.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sluice/abi.h"
#include "../dataplane/dp_config.h"
#include "../dataplane/dp_echo.h"
#include "../dataplane/dp_net.h"

static const uint8_t dp_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t cl_mac[6] = {0x02, 0, 0, 0, 0, 2};

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A datagram from the client 198.18.0.2:sport to the data plane's port dport. */
static size_t make_frame(uint8_t *f, size_t cap, uint16_t sport, uint16_t dport, size_t payload)
{
	for (size_t i = 0; i < payload; i++)
		f[DP_UDP4_HDRS + i] = (uint8_t)(i * 7 + 1);
	return dp_net_build_udp4(f, cap, cl_mac, dp_mac, ip4("198.18.0.2"), ip4("198.18.0.1"),
				 htons(sport), htons(dport), payload);
}

static void net_cfg(struct dp_net_cfg *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, dp_mac, 6);
	c->ipv4 = ip4("198.18.0.1");
	c->port_min = c->port_max = 40000;
	c->verify_udp_csum = 1;
}

static void test_rewrite(void)
{
	uint8_t f[1600];
	struct dp_net_cfg cfg;
	struct dp_net_result res;
	net_cfg(&cfg);
	size_t n = make_frame(f, sizeof(f), 5000, 9, 1200);
	CHECK_EQ(dp_net_input(f, n, &cfg, &res), DP_NET_DROP);
	CHECK_EQ(res.drop_reason, SL_DROP_UDP_PORT);

	f[DP_ETH_HLEN + 8] = 3; /* a TTL the reflection resets */
	f[DP_ETH_HLEN + 10] = f[DP_ETH_HLEN + 11] = 0;
	dp_put_be16(f + DP_ETH_HLEN + 10, dp_csum_fold(dp_csum_partial(f + DP_ETH_HLEN, 20, 0)));
	CHECK_EQ(dp_echo_rewrite(f, n + 6, dp_mac, htons(9)), n); /* + link padding: cut */
	CHECK(memcmp(f, cl_mac, 6) == 0);
	CHECK(memcmp(f + 6, dp_mac, 6) == 0);
	const uint8_t *ip = f + DP_ETH_HLEN, *udp = ip + DP_IPV4_HLEN;
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	CHECK(src == ip4("198.18.0.1") && dst == ip4("198.18.0.2"));
	CHECK_EQ(dp_get_be16(udp), 9);
	CHECK_EQ(dp_get_be16(udp + 2), 5000);
	CHECK_EQ(ip[8], 64);
	CHECK_EQ(dp_csum_fold(dp_csum_partial(ip, DP_IPV4_HLEN, 0)), 0);
	uint8_t u[1300];
	size_t ulen = dp_get_be16(udp + 4);
	memcpy(u, udp, ulen);
	u[6] = u[7] = 0;
	CHECK_EQ(dp_udp4_csum(src, dst, u, ulen), dp_get_be16(udp + 6));
	CHECK_EQ(f[DP_UDP4_HDRS + 10], (uint8_t)(10 * 7 + 1)); /* payload untouched */

	/* the client's kernel takes it as UDP from the data plane's echo port */
	struct dp_net_cfg cl;
	net_cfg(&cl);
	memcpy(cl.mac, cl_mac, 6);
	cl.ipv4 = ip4("198.18.0.2");
	cl.port_min = cl.port_max = 5000;
	CHECK_EQ(dp_net_input(f, n, &cl, &res), DP_NET_UDP);
}

static void test_refused(void)
{
	uint8_t f[600];
	size_t n = make_frame(f, sizeof(f), 5000, 10, 200);
	CHECK_EQ(dp_echo_rewrite(f, n, dp_mac, htons(9)), 0); /* another port */
	n = make_frame(f, sizeof(f), 9, 9, 200);
	CHECK_EQ(dp_echo_rewrite(f, n, dp_mac, htons(9)), 0); /* from an echo port: no ping-pong */
	n = make_frame(f, sizeof(f), 5000, 9, 200);
	CHECK_EQ(dp_echo_rewrite(f, n - 1, dp_mac, htons(9)), 0); /* shorter than IP says */
	CHECK_EQ(dp_echo_rewrite(f, DP_UDP4_HDRS - 1, dp_mac, htons(9)), 0);
	f[DP_ETH_HLEN + 9] = 6; /* TCP */
	CHECK_EQ(dp_echo_rewrite(f, n, dp_mac, htons(9)), 0);
	n = make_frame(f, sizeof(f), 5000, 9, 200);
	dp_put_be16(f + 12, 0x86dd);
	CHECK_EQ(dp_echo_rewrite(f, n, dp_mac, htons(9)), 0);
}

/* Random byte and length mutations: the result is 0 or within the frame. */
static void test_mutations(void)
{
	uint8_t base[400];
	size_t n = make_frame(base, sizeof(base), 5000, 9, 300);
	srand(12345);
	int bad = 0;
	for (int it = 0; it < 200000; it++) {
		size_t len = (size_t)rand() % (n + 1);
		uint8_t *f = malloc(len ? len : 1);
		memcpy(f, base, len);
		for (int k = rand() % 4; k > 0 && len; k--)
			f[(size_t)rand() % len] = (uint8_t)rand();
		size_t r = dp_echo_rewrite(f, len, dp_mac, htons(9));
		bad += r > len || (r != 0 && r < DP_UDP4_HDRS);
		free(f);
	}
	CHECK_EQ(bad, 0);
}

static void test_option(void)
{
	struct dp_config c;
	char err[256];
	char *ok[] = {"--ip", "198.18.0.1", "--echo-port", "9"};
	CHECK_EQ(dp_config_parse(&c, 4, ok, err, sizeof(err)), 0);
	CHECK_EQ(c.echo_port, 9);
	CHECK_EQ(dp_config_parse(&c, 2, ok, err, sizeof(err)), 0);
	CHECK_EQ(c.echo_port, 0); /* off by default */
	char *media[] = {"--ip", "198.18.0.1", "--echo-port", "40001"};
	CHECK_EQ(dp_config_parse(&c, 4, media, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "--echo-port") != NULL);
	char *moved[] = {"--ip", "198.18.0.1", "--port-base", "50000", "--echo-port", "40001"};
	CHECK_EQ(dp_config_parse(&c, 6, moved, err, sizeof(err)), 0);
	char *zero[] = {"--ip", "198.18.0.1", "--echo-port", "0"};
	CHECK_EQ(dp_config_parse(&c, 4, zero, err, sizeof(err)), -EINVAL);
	char *junk[] = {"--ip", "198.18.0.1", "--echo-port", "nine"};
	CHECK_EQ(dp_config_parse(&c, 4, junk, err, sizeof(err)), -EINVAL);

	dp_echo_configure(7);
	CHECK_EQ(dp_echo_port(), 7);
	dp_echo_configure(0);
	CHECK_EQ(dp_echo_port(), 0);
	CHECK_EQ(dp_echo_count(0), 0);
	CHECK_EQ(dp_echo_count(SL_MAX_LCORES), 0);
}

int main(void)
{
	test_rewrite();
	test_refused();
	test_mutations();
	test_option();
	return check_report("test_dp_echo");
}
