/* SPDX-License-Identifier: MIT */
/* Media path placeholder of the foundation build; see dp_media.h. */
#include <errno.h>

#include <rte_mbuf.h>

#include "dp_lcore.h"
#include "dp_media.h"

int dp_media_cmd(struct dp_lcore *lc, const struct sl_msg *cmd)
{
	return -ENOTSUP;
}

void dp_media_udp_input(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_udp_info *u)
{
	dp_count_drop(lc, SL_DROP_DEMUX_UNKNOWN);
	rte_pktmbuf_free(m);
}

void dp_media_timer(struct dp_lcore *lc, uint64_t now_ns)
{
}
