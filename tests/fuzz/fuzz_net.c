/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: dp_net_input on arbitrary frames, IPv4 and IPv6
 * (2001:db8::1; seeds: tests/fuzz/gen_corpus_net6.py). Invariants: a reply
 * is never longer than the input and is itself well-formed (an ICMP reply
 * has valid checksums; an ICMPv6 echo reply or neighbour advertisement has a
 * valid checksum, no extension headers and comes from our address); a UDP
 * result lies inside the frame and its family matches the ethertype. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/abi.h"
#include "../../dataplane/dp_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_net_cfg cfg = {.mac = {2, 0, 0, 0, 0, 1}, .port_min = 40000,
				 .port_max = 40063, .verify_udp_csum = 1};
	memcpy(&cfg.ipv4, "\xc6\x12\x00\x01", 4); /* 198.18.0.1 */
	memcpy(cfg.ipv6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	cfg.ipv6_on = 1;
	if (size > 4096)
		return 0;
	uint8_t *f = malloc(size ? size : 1);
	memcpy(f, data, size);
	struct dp_net_result r;
	enum dp_net_action a = dp_net_input(f, size, &cfg, &r);
	if (a == DP_NET_REPLY) {
		if (r.reply_len > size || r.reply_len < DP_ETH_HLEN)
			abort();
		const uint8_t *ip = f + DP_ETH_HLEN;
		if (dp_get_be16(f + 12) == 0x86dd) {
			size_t l4 = r.reply_len - DP_ETH_HLEN - DP_IPV6_HLEN;
			if (r.reply_len < DP_ETH_HLEN + DP_IPV6_HLEN + 8 || ip[6] != 58 ||
			    dp_get_be16(ip + 4) != l4 || memcmp(ip + 8, cfg.ipv6, 16) != 0 ||
			    dp_csum6(ip + 8, ip + 24, 58, ip + DP_IPV6_HLEN, l4) != 0 ||
			    !(r.is_icmp || r.is_nd))
				abort();
		} else if (r.is_icmp) {
			size_t ihl = (size_t)(ip[0] & 15) * 4;
			if (dp_csum_fold(dp_csum_partial(ip, ihl, 0)) != 0)
				abort();
		}
	} else if (a == DP_NET_UDP) {
		if ((size_t)r.udp.payload_off + r.udp.payload_len > size)
			abort();
		if (r.udp.family != (dp_get_be16(f + 12) == 0x86dd ? 6 : 4))
			abort();
	} else if (r.drop_reason >= SL_DROP__COUNT) {
		abort();
	}
	free(f);
	return 0;
}
