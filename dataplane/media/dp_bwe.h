/*
 * dp_bwe: the send-side bandwidth estimate of one consumer transport, from
 * the transport-wide congestion-control feedback its receiver sends (and
 * REMB where only that is negotiated).
 *
 * Two estimates, the smaller wins:
 *  - delay-based: packets are grouped by send time (5 ms groups); the
 *    growth of one-way delay between consecutive groups is smoothed and its
 *    trend over the last groups fitted by least squares; a trend above an
 *    adaptive threshold for long enough is overuse (a queue is building),
 *    below its negative is underuse (a queue drains). Overuse cuts the rate
 *    to 0.85 of what the receiver acknowledged; normal use grows it by 8% a
 *    second, or additively close to the rate of the last congestion;
 *    underuse holds it.
 *  - loss-based: over each report interval, loss above 10% cuts the rate by
 *    half the loss fraction; loss under 2% lets it grow by 8% a second.
 * Neither grows beyond 1.5x the acknowledged rate plus 10 kbps: an estimate
 * grows only on traffic that was really carried (send probes to climb).
 *
 * Pure: no DPDK, no clock of its own (every call takes now_ns, monotonic).
 * One per transport, owned by the transport's lcore; not thread-safe.
 * Written here from the GCC draft (draft-ietf-rmcat-gcc-02) and RFC 8888's
 * model; no code copied.
 */
#ifndef SLUICE_DP_BWE_H
#define SLUICE_DP_BWE_H

#include <stddef.h>
#include <stdint.h>

#include "dp_rtcp.h"

#define DP_BWE_HIST 1024u   /* sent packets remembered, by twcc seq (power of 2) */
#define DP_BWE_WINDOW 20u   /* packet-group deltas in the trend fit */
#define DP_BWE_RATE_BUCKETS 20u /* acknowledged-rate window: 20 x 25 ms */
#define DP_BWE_FB_MAX 4096u /* statuses of one feedback the data plane decodes (more:
			     * the feedback is ignored) */

struct dp_bwe_cfg {
	uint32_t start_bps; /* before any feedback (0: 600 kbps, mediasoup's default) */
	uint32_t min_bps;   /* floor (0: 30 kbps) */
	uint32_t max_bps;   /* ceiling (0: 20 Mbps) */
};

enum dp_bwe_usage {
	DP_BWE_NORMAL = 0,
	DP_BWE_OVERUSE = 1,
	DP_BWE_UNDERUSE = 2,
};

struct dp_bwe_sent {
	uint64_t send_ns;
	uint16_t seq;
	uint16_t size;      /* bytes on the wire (RTP + SRTP trailer) */
	uint8_t valid;
	uint8_t reported;   /* 1 once a feedback said received */
};

/* One completed or growing packet group (by send time). */
struct dp_bwe_group {
	uint64_t first_send_ns;
	uint64_t last_send_ns;
	int64_t last_arrival_us;
	int valid;
};

struct dp_bwe {
	struct dp_bwe_cfg cfg;
	struct dp_bwe_sent hist[DP_BWE_HIST];

	/* delay-based */
	struct dp_bwe_group cur, prev;
	double acc_delay_ms, smooth_delay_ms;
	double win_t[DP_BWE_WINDOW], win_d[DP_BWE_WINDOW];
	unsigned int win_n, win_head;
	int64_t first_arrival_us;
	int have_first_arrival;
	unsigned int n_deltas;
	double trend, prev_trend, threshold;
	uint64_t last_thr_ns;
	double overuse_ms;
	unsigned int overuse_n;
	uint64_t last_group_ns;
	enum dp_bwe_usage usage;

	/* rate control */
	double delay_bps;
	double cong_avg_bps, cong_var; /* rate at past overuses (kbps units for var) */
	int increasing;                /* 0 hold, 1 increase */
	uint64_t last_update_ns, last_decrease_ns;

	/* loss-based */
	double loss_bps;
	uint32_t loss_lost, loss_total;
	uint64_t last_loss_ns, last_loss_cut_ns;

	/* acknowledged rate, by arrival time */
	uint64_t bucket_bytes[DP_BWE_RATE_BUCKETS];
	int64_t bucket_key[DP_BWE_RATE_BUCKETS];
	double acked_bps;

	/* REMB */
	uint64_t remb_bps, remb_ns;
	int have_tcc;

	/* counters (cumulative) */
	uint64_t feedbacks, pkts_received, pkts_lost, unknown_seq, overuses;
};

void dp_bwe_init(struct dp_bwe *b, const struct dp_bwe_cfg *cfg);

/* A packet with transport-wide seq `seq` and `size` wire bytes left now. */
void dp_bwe_on_sent(struct dp_bwe *b, uint16_t seq, uint32_t size, uint64_t now_ns);

/* One decoded transport-cc feedback (dp_rtcp_parse_tcc: fb and its
 * statuses st[0 .. n)). Statuses of seqs not in the history (too old, never
 * sent) are counted in unknown_seq and ignored. */
void dp_bwe_on_feedback(struct dp_bwe *b, const struct dp_rtcp_tcc *fb,
			const struct dp_rtcp_tcc_status *st, size_t n, uint64_t now_ns);

/* A REMB from the receiver (bits/s). Used alone when no transport-cc
 * feedback has arrived, else as a cap; forgotten after 5 s. */
void dp_bwe_on_remb(struct dp_bwe *b, uint64_t bps, uint64_t now_ns);

/* The estimate now (bits/s), within [min_bps, max_bps]. */
uint32_t dp_bwe_estimate(const struct dp_bwe *b, uint64_t now_ns);

/* What the receiver acknowledged over the last 500 ms (bits/s). */
static inline uint32_t dp_bwe_acked_bps(const struct dp_bwe *b)
{
	return (uint32_t)b->acked_bps;
}

#endif
