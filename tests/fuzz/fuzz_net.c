/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: dp_net_input on arbitrary frames. Invariants: a reply
 * is never longer than the input and is itself well-formed (an ARP reply is
 * not answered again; an ICMP reply has valid checksums); a UDP result lies
 * inside the frame. */
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
	if (size > 4096)
		return 0;
	uint8_t *f = malloc(size ? size : 1);
	memcpy(f, data, size);
	struct dp_net_result r;
	enum dp_net_action a = dp_net_input(f, size, &cfg, &r);
	if (a == DP_NET_REPLY) {
		if (r.reply_len > size || r.reply_len < DP_ETH_HLEN)
			abort();
		if (r.is_icmp) {
			const uint8_t *ip = f + DP_ETH_HLEN;
			size_t ihl = (size_t)(ip[0] & 15) * 4;
			if (dp_csum_fold(dp_csum_partial(ip, ihl, 0)) != 0)
				abort();
		}
	} else if (a == DP_NET_UDP) {
		if ((size_t)r.udp.payload_off + r.udp.payload_len > size)
			abort();
	} else if (r.drop_reason >= SL_DROP__COUNT) {
		abort();
	}
	free(f);
	return 0;
}
