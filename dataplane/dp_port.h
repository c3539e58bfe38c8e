/* SPDX-License-Identifier: MIT */
/* dp_port - ethdev set-up: one RX and one TX queue per worker lcore. */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

/* Configures and starts port_id with n_queues queue pairs (RSS over IP/UDP
 * when n_queues > 1), one mbuf pool per worker. Returns 0 or -errno with err
 * naming the fix. */
int dp_port_init(uint16_t port_id, unsigned int n_queues, uint32_t n_mbufs,
		 struct rte_mempool **pools, uint8_t mac[6], char *name, size_t namelen,
		 char *err, size_t errlen);
void dp_port_fini(uint16_t port_id);

#endif
