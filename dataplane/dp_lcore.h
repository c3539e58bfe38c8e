/* SPDX-License-Identifier: MIT */
/*
 * dp_lcore - the per-lcore worker: state and burst loop.
 *
 * Ownership: one struct dp_lcore per worker lcore, cache-aligned, touched by
 * that lcore only (the main lcore reads nothing in it while workers run).
 * Everything a worker owns (its queue, its command/event rings, its counters
 * in the segment, later its transports) is reached from here. The loop takes
 * no locks, allocates nothing and logs nothing.
 */
#ifndef DP_LCORE_H
#define DP_LCORE_H

#include <stdint.h>

#include "sluice/abi.h"
#include "dp_net.h"

struct rte_ring;
struct rte_mbuf;
struct rte_mempool;
struct dp_media;

#define DP_RX_BURST 32u
#define DP_TX_BURST 64u
#define DP_CMD_BUDGET 16u /* commands applied per poll: bounded work */
#define DP_CMD_BUDGET_DEEP 128u /* ... when the ring is more than a quarter full */

struct dp_lcore {
	unsigned int index;      /* worker index 0..n-1 (== shm lcore block) */
	unsigned int lcore_id;   /* DPDK lcore id */
	uint16_t port_id;
	uint16_t queue_id;
	struct sl_shm_header *shm;
	struct sl_lcore_shm *ls;
	struct sl_lcore_counters *ctr;
	struct rte_ring *cmd;       /* control -> this lcore */
	struct rte_ring *evt;       /* this lcore -> control */
	struct rte_ring *slot_free; /* shared free packet slots */
	struct rte_mempool *pool;
	struct dp_net_cfg net;
	struct sl_valid_ctx vctx;
	uint32_t idle_sleep_us;  /* 0 = busy poll */
	uint32_t idle_polls;     /* empty polls before sleeping */
	uint32_t empty_run;
	uint64_t next_hb_tsc;
	uint64_t hb_period_tsc;
	struct dp_media *media;  /* media-path state (transports...), may be NULL */
	uint16_t n_tx;
	struct rte_mbuf *tx[DP_TX_BURST];
} __attribute__((aligned(64)));

/* Stop flag shared by all workers (set by the main lcore on a signal). */
extern volatile int dp_force_quit;

/* Burst loop: returns when dp_force_quit is set. arg is a struct dp_lcore *. */
int dp_lcore_main(void *arg);

/* One received frame: classify, answer ARP/ICMP, hand UDP to the media path.
 * Consumes the mbuf (queued for tx, or freed and counted). */
void dp_lcore_rx_one(struct dp_lcore *lc, struct rte_mbuf *m);
/* Queues an mbuf for tx on this lcore's queue (flushes when full). */
void dp_lcore_tx(struct dp_lcore *lc, struct rte_mbuf *m);
void dp_lcore_tx_flush(struct dp_lcore *lc);

/* Command channel (dp_cmd.c). Applies at most budget commands from the
 * command ring; returns the number applied. Needs no EAL. */
unsigned int dp_cmd_poll(struct dp_lcore *lc, unsigned int budget);
/* Pushes one event; counts SL_DROP_EVT_RING_FULL when the ring is full.
 * Returns 0 or -ENOBUFS. */
int dp_evt_push(struct dp_lcore *lc, struct sl_msg *m);

static inline void dp_count_drop(struct dp_lcore *lc, unsigned int reason)
{
	lc->ctr->drops[reason]++;
}

#endif
