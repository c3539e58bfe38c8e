/* SPDX-License-Identifier: MIT */
/* dp_echo - the UDP reflector for I/O measurements; contract in dp_echo.h. */
#include <string.h>

#include <rte_mbuf.h>

#include "dp_echo.h"
#include "dp_lcore.h"
#include "dp_net.h"

#define IPPROTO_UDP_ 17

static uint16_t echo_port_be; /* 0 = off; written before the workers start */

static struct {
	uint64_t n;
} __attribute__((aligned(64))) echo_counts[SL_MAX_LCORES];

void dp_echo_configure(uint16_t port)
{
	uint8_t be[2];
	dp_put_be16(be, port);
	memcpy(&echo_port_be, be, 2);
}

uint16_t dp_echo_port(void)
{
	uint8_t be[2];
	memcpy(be, &echo_port_be, 2);
	return dp_get_be16(be);
}

static void swap4(uint8_t *a, uint8_t *b)
{
	uint8_t t[4];
	memcpy(t, a, 4);
	memcpy(a, b, 4);
	memcpy(b, t, 4);
}

size_t dp_echo_rewrite(uint8_t *f, size_t len, const uint8_t our_mac[6], uint16_t port_be)
{
	if (len < DP_UDP4_HDRS || dp_get_be16(f + 12) != 0x0800)
		return 0;
	uint8_t *ip = f + DP_ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = dp_get_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < DP_IPV4_HLEN || ip[9] != IPPROTO_UDP_ ||
	    tot < ihl + DP_UDP_HLEN || DP_ETH_HLEN + tot > len)
		return 0;
	uint8_t *udp = ip + ihl;
	if (memcmp(udp + 2, &port_be, 2) != 0 || memcmp(udp, &port_be, 2) == 0)
		return 0;

	memcpy(f, f + 6, 6);
	memcpy(f + 6, our_mac, 6);
	swap4(ip + 12, ip + 16);
	ip[8] = 64;
	dp_put_be16(ip + 10, 0);
	dp_put_be16(ip + 10, dp_csum_fold(dp_csum_partial(ip, ihl, 0)));
	uint8_t sport[2];
	memcpy(sport, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, sport, 2);
	return DP_ETH_HLEN + tot;
}

int dp_echo_input(struct dp_lcore *lc, struct rte_mbuf *m)
{
	if (echo_port_be == 0)
		return 0;
	size_t n = dp_echo_rewrite(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m),
				   lc->net.mac, echo_port_be);
	if (n == 0)
		return 0;
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - n));
	m->ol_flags = 0;
	echo_counts[lc->index].n++;
	dp_lcore_tx(lc, m);
	return 1;
}

uint64_t dp_echo_count(unsigned int index)
{
	return index < SL_MAX_LCORES ? __atomic_load_n(&echo_counts[index].n, __ATOMIC_RELAXED)
				     : 0;
}
