/* SPDX-License-Identifier: MIT */
/* dp_port - see dp_port.h. Start-up code: may log, never on the fast path. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp_port.h"

#define RX_DESC 1024
#define TX_DESC 1024

static int make_pools(uint16_t port_id, unsigned int n, uint32_t n_mbufs,
		      struct rte_mempool **pools, char *err, size_t errlen)
{
	int socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (unsigned int q = 0; q < n; q++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		snprintf(name, sizeof(name), "sl_mbuf_%u", q);
		pools[q] = rte_pktmbuf_pool_create(name, n_mbufs, 256, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		if (!pools[q]) {
			snprintf(err, errlen,
				 "cannot allocate %u mbufs for queue %u (%s): give the EAL more "
				 "memory (-m 512) or use fewer --mbufs", n_mbufs, q,
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

int dp_port_init(uint16_t port_id, unsigned int n_queues, uint32_t n_mbufs,
		 struct rte_mempool **pools, uint8_t mac[6], char *name, size_t namelen,
		 char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen,
			 "no network device: add a virtual one to the EAL options "
			 "(e.g. --vdev=net_tap0,iface=sl0) or bind a NIC to vfio-pci");
		return -ENODEV;
	}
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen, "--port %u does not exist: %u device(s) found, ids from 0",
			 port_id, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "cannot query port %u: %s", port_id, strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(port_id, name);
	(void)namelen;
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		snprintf(err, errlen,
			 "device %s has %u rx / %u tx queues but %u worker lcores were given: "
			 "use fewer lcores (-l) or a device with more queues (e.g. net_tap "
			 "queues=N, net_af_packet qpairs=N)", name, info.max_rx_queues,
			 info.max_tx_queues, n_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (n_queues > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	rc = rte_eth_dev_configure(port_id, (uint16_t)n_queues, (uint16_t)n_queues, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "cannot configure %s with %u queues: %s", name, n_queues,
			 strerror(-rc));
		return rc;
	}
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrx, &ntx);
	rc = make_pools(port_id, n_queues, n_mbufs, pools, err, errlen);
	if (rc)
		return rc;
	int socket = rte_eth_dev_socket_id(port_id);
	for (unsigned int q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, (uint16_t)q, nrx, (unsigned int)socket, NULL,
					    pools[q]);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, (uint16_t)q, ntx,
						    (unsigned int)socket, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "cannot set up queue %u of %s: %s", q, name,
				 strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start %s: %s", name, strerror(-rc));
		return rc;
	}
	struct rte_ether_addr a;
	rte_eth_macaddr_get(port_id, &a);
	memcpy(mac, a.addr_bytes, 6);
	return 0;
}

void dp_port_fini(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
