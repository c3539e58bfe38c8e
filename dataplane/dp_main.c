/* SPDX-License-Identifier: MIT */
/*
 * sluice-dataplane: DPDK primary. Start-up order: own options (fail fast,
 * before the EAL touches anything), EAL, port, shared-memory segment, worker
 * lcores (one per queue). The main lcore only keeps the heartbeat. SIGINT or
 * SIGTERM stops the workers, the port, and removes the segment.
 *
 *   sluice-dataplane [EAL options] -- --ip A.B.C.D [--ip6 ADDR] [options]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "dp_config.h"
#include "dp_echo.h"
#include "dp_lcore.h"
#include "dp_media.h"
#include "dp_port.h"
#include "dp_shm.h"
#include "dp_srtp.h"

static struct dp_lcore workers[SL_MAX_LCORES];

static void on_signal(int sig)
{
	(void)sig;
	dp_force_quit = 1;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "sluice-dataplane: %s: %s\n", what, msg);
	exit(2);
}

/* Splits argv at "--": EAL options before, ours after. */
static int split_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return argc;
}

static void setup_workers(const struct dp_config *cfg, struct dp_shm *shm,
			  struct rte_mempool **pools, const uint8_t mac[6])
{
	unsigned int i = 0, id;
	RTE_LCORE_FOREACH_WORKER(id) {
		struct dp_lcore *lc = &workers[i];
		memset(lc, 0, sizeof(*lc));
		lc->index = i;
		lc->lcore_id = id;
		lc->port_id = cfg->port_id;
		lc->queue_id = (uint16_t)i;
		lc->shm = shm->hdr;
		lc->ls = sl_shm_lcore(shm->hdr, i);
		lc->ls->lcore_id = id;
		lc->ls->queue_id = i;
		lc->ctr = &lc->ls->counters;
		lc->cmd = dp_shm_cmd_ring(shm, i);
		lc->evt = dp_shm_evt_ring(shm, i);
		lc->slot_free = dp_shm_slot_ring(shm);
		lc->pool = pools[i];
		memcpy(lc->net.mac, mac, 6);
		lc->net.ipv4 = cfg->ipv4;
		lc->net.port_min = cfg->port_base;
		lc->net.port_max = (uint16_t)(cfg->port_base + shm->hdr->n_lcores - 1);
		lc->net.verify_udp_csum = cfg->verify_udp_csum;
		lc->net.ipv6_on = cfg->ipv6_on;
		memcpy(lc->net.ipv6, cfg->ipv6, 16);
		lc->vctx.max_transports = cfg->max_transports;
		lc->vctx.n_slots = cfg->n_slots;
		lc->vctx.n_lcores = shm->hdr->n_lcores;
		lc->vctx.max_ids = cfg->max_transports * 8;
		lc->idle_sleep_us = cfg->idle_sleep_us;
		lc->idle_sleep_max_us = cfg->idle_sleep_max_us < cfg->idle_sleep_us ?
						cfg->idle_sleep_us : cfg->idle_sleep_max_us;
		lc->idle_polls = 64;
		i++;
	}
}

int main(int argc, char **argv)
{
	struct dp_config cfg;
	char err[512];
	int split = split_args(argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = dp_config_parse(&cfg, argc - split - (split < argc), argv + split + 1, err,
				 sizeof(err));
	if (rc == 1)
		return 0;
	if (rc < 0)
		die("bad option", err);
	if (geteuid() != 0)
		fprintf(stderr, "sluice-dataplane: warning: not root; virtual devices like "
				"net_tap need CAP_NET_ADMIN (run with sudo)\n");

	if (rte_eal_init(split, argv) < 0)
		die("EAL init failed",
		    "check the EAL options (for a virtual device: --no-huge -m 256 --no-pci "
		    "--no-shconf) and run as root");
	unsigned int n_workers = rte_lcore_count() - 1;
	if (n_workers == 0 || n_workers > SL_MAX_LCORES)
		die("bad lcores", "give 2 to 65 lcores (e.g. -l 0,1 or --lcores 0@0,1@1): "
				  "the main lcore keeps time, each other lcore polls one queue");

	struct rte_mempool *pools[SL_MAX_LCORES];
	uint8_t mac[6];
	char devname[RTE_ETH_NAME_MAX_LEN] = "";
	rc = dp_port_init(cfg.port_id, n_workers, cfg.n_mbufs, pools, mac, devname,
			  sizeof(devname), err, sizeof(err));
	if (rc)
		die("device", err);

	struct dp_shm shm;
	struct dp_shm_params sp = {
		.name = cfg.shm_name, .n_lcores = n_workers, .n_slots = cfg.n_slots,
		.max_transports = cfg.max_transports, .port_base = cfg.port_base,
		.ice_timeout_ms = cfg.ice_timeout_ms, .ipv4 = cfg.ipv4, .device = devname,
	};
	memcpy(sp.mac, mac, 6);
	if (cfg.ipv6_on)
		memcpy(sp.ipv6, cfg.ipv6, 16);
	rc = dp_shm_create(&shm, &sp, err, sizeof(err));
	if (rc) {
		dp_port_fini(cfg.port_id);
		die("shared memory", err);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	/* before any SRTP context exists: contexts keep the engine they were made with */
	if (dp_srtp_global_init() != 0 ||
	    (cfg.srtp_engine[0] && dp_srtp_set_engine(cfg.srtp_engine) != 0)) {
		dp_port_fini(cfg.port_id);
		dp_shm_destroy(&shm);
		die("srtp engine", cfg.srtp_engine[0] && strcmp(cfg.srtp_engine, "ipsec-mb") == 0
					   ? "ipsec-mb does not initialise on this CPU; use "
					     "--srtp-engine libsrtp"
					   : "libsrtp2 failed to initialise");
	}
	printf("sluice-dataplane: srtp engine %s (ipsec-mb arch %s)\n", dp_srtp_engine_name(),
	       dp_srtp_engine_arch());

	setup_workers(&cfg, &shm, pools, mac);
	rc = dp_media_setup(workers, n_workers, err, sizeof(err));
	if (rc) {
		dp_port_fini(cfg.port_id);
		dp_shm_destroy(&shm);
		die("media path", err);
	}
	dp_echo_configure(cfg.echo_port);
	if (cfg.echo_port)
		printf("sluice-dataplane: echo port %u: UDP to it is reflected (measurement aid)\n",
		       cfg.echo_port);
	unsigned int i = 0, id;
	RTE_LCORE_FOREACH_WORKER(id)
		rte_eal_remote_launch(dp_lcore_main, &workers[i++], id);

	char ip[INET_ADDRSTRLEN + INET6_ADDRSTRLEN + 8];
	inet_ntop(AF_INET, &cfg.ipv4, ip, INET_ADDRSTRLEN);
	if (cfg.ipv6_on) {
		strcat(ip, " ip6 ");
		inet_ntop(AF_INET6, cfg.ipv6, ip + strlen(ip), INET6_ADDRSTRLEN);
	}
	shm.hdr->state = SL_DP_RUNNING;
	printf("sluice-dataplane: ready: device %s mac %02x:%02x:%02x:%02x:%02x:%02x ip %s "
	       "udp %u-%u shm %s workers %u pid %d\n", devname, mac[0], mac[1], mac[2],
	       mac[3], mac[4], mac[5], ip, cfg.port_base, cfg.port_base + n_workers - 1,
	       cfg.shm_name, n_workers, (int)getpid());

	while (!dp_force_quit) {
		__atomic_store_n(&shm.hdr->heartbeat_ns, dp_now_ns(), __ATOMIC_RELAXED);
		usleep(10000);
	}
	printf("sluice-dataplane: stopping\n");
	shm.hdr->state = SL_DP_STOPPING;
	rte_eal_mp_wait_lcore();
	if (cfg.echo_port) {
		/* rx per burst-loop iteration tells how close the busy loop ran to full bursts */
		uint64_t echoed = 0, rx = 0, loops = 0;
		for (unsigned int w = 0; w < n_workers; w++) {
			echoed += dp_echo_count(w);
			rx += workers[w].ctr->rx_pkts;
			loops += workers[w].ctr->loops;
		}
		printf("sluice-dataplane: echo port %u: %llu datagrams reflected; workers: rx %llu "
		       "in %llu loops (%.2f per loop, burst %u)\n", cfg.echo_port,
		       (unsigned long long)echoed, (unsigned long long)rx, (unsigned long long)loops,
		       loops ? (double)rx / (double)loops : 0.0, DP_RX_BURST);
	}
	dp_media_teardown(workers, n_workers);
	dp_port_fini(cfg.port_id);
	dp_shm_destroy(&shm);
	rte_eal_cleanup();
	printf("sluice-dataplane: stopped\n");
	return 0;
}
