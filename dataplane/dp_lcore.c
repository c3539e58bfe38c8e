/* SPDX-License-Identifier: MIT */
/* dp_lcore - the worker burst loop; see dp_lcore.h. */
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp_echo.h"
#include "dp_lcore.h"
#include "dp_media.h"
#include "dp_shm.h"

volatile int dp_force_quit;

void dp_lcore_tx_flush(struct dp_lcore *lc)
{
	if (lc->n_tx == 0)
		return;
	uint16_t sent = rte_eth_tx_burst(lc->port_id, lc->queue_id, lc->tx, lc->n_tx);
	for (uint16_t i = 0; i < sent; i++) {
		lc->ctr->tx_pkts++;
		lc->ctr->tx_bytes += rte_pktmbuf_pkt_len(lc->tx[i]);
	}
	for (uint16_t i = sent; i < lc->n_tx; i++) {
		dp_count_drop(lc, SL_DROP_TX_FULL);
		rte_pktmbuf_free(lc->tx[i]);
	}
	lc->n_tx = 0;
}

void dp_lcore_tx(struct dp_lcore *lc, struct rte_mbuf *m)
{
	if (lc->n_tx == DP_TX_BURST)
		dp_lcore_tx_flush(lc);
	lc->tx[lc->n_tx++] = m;
}

void dp_lcore_rx_one(struct dp_lcore *lc, struct rte_mbuf *m)
{
	struct dp_net_result res;

	lc->ctr->rx_pkts++;
	lc->ctr->rx_bytes += rte_pktmbuf_pkt_len(m);
	if (m->nb_segs != 1) { /* jumbo/scattered frames are not media */
		dp_count_drop(lc, SL_DROP_TOO_BIG);
		rte_pktmbuf_free(m);
		return;
	}
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	switch (dp_net_input(frame, rte_pktmbuf_data_len(m), &lc->net, &res)) {
	case DP_NET_REPLY:
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - res.reply_len));
		m->ol_flags = 0;
		lc->ctr->arp_replies += res.is_arp;
		lc->ctr->icmp_echo_replies += res.is_icmp;
		lc->ctr->nd_replies += res.is_nd;
		dp_lcore_tx(lc, m);
		return;
	case DP_NET_UDP:
		dp_media_udp_input(lc, m, &res.udp);
		return;
	case DP_NET_DROP:
	default:
		/* the --echo-port measurement aid (off by default) lives outside the media path */
		if (res.drop_reason == SL_DROP_UDP_PORT && dp_echo_input(lc, m))
			return;
		dp_count_drop(lc, res.drop_reason);
		rte_pktmbuf_free(m);
		return;
	}
}

static void heartbeat(struct dp_lcore *lc)
{
	uint64_t now = dp_now_ns();
	__atomic_store_n(&lc->ls->heartbeat_ns, now, __ATOMIC_RELAXED);
	dp_media_timer(lc, now);
}

int dp_lcore_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct rte_mbuf *pkts[DP_RX_BURST];

	lc->hb_period_tsc = rte_get_tsc_hz() / 1000; /* 1 ms */
	lc->sleep_us = lc->idle_sleep_us;
	/* idle sleeps end on time (the default slack is 50 us) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	heartbeat(lc);
	while (!dp_force_quit) {
		uint16_t nrx = rte_eth_rx_burst(lc->port_id, lc->queue_id, pkts, DP_RX_BURST);
		for (uint16_t i = 0; i < nrx; i++)
			dp_lcore_rx_one(lc, pkts[i]);
		/* packets other lcores handed over (port owner, fan-out) */
		unsigned int n = nrx + dp_media_poll(lc);
		dp_lcore_tx_flush(lc);
		lc->ctr->loops++;

		/* commands every iteration, DP_CMD_BUDGET at most: a join storm
		 * (every new peer consumes every producer of its room) must not
		 * wait for the 1 ms heartbeat, or the ring fills and the control
		 * plane answers OVERLOADED; an empty ring is one count (dp_cmd.c) */
		if (dp_cmd_poll(lc, DP_CMD_BUDGET))
			dp_lcore_tx_flush(lc); /* commands may send (DTLS out) */
		uint64_t tsc = rte_get_tsc_cycles();
		if (tsc >= lc->next_hb_tsc) {
			lc->next_hb_tsc = tsc + lc->hb_period_tsc;
			heartbeat(lc);
		}
		if (n != 0) {
			lc->empty_run = 0;
			lc->sleep_us = lc->idle_sleep_us;
			continue;
		}
		if (++lc->empty_run >= lc->idle_polls && lc->idle_sleep_us) {
			/* (commands were polled above, this iteration) */
			lc->ctr->idle_sleeps++;
			rte_delay_us_sleep(lc->sleep_us);
			/* adaptive: after DP_IDLE_DEEP_SLEEPS idle sleeps in a row
			 * (about 100 ms at the default), double the sleep up to
			 * idle_sleep_max_us, so an idle box costs little; the first
			 * packet resets it */
			if (lc->empty_run > lc->idle_polls + DP_IDLE_DEEP_SLEEPS &&
			    lc->sleep_us < lc->idle_sleep_max_us) {
				lc->sleep_us *= 2;
				if (lc->sleep_us > lc->idle_sleep_max_us)
					lc->sleep_us = lc->idle_sleep_max_us;
			}
		}
	}
	dp_lcore_tx_flush(lc);
	return 0;
}
