/*
 * dp_bwe: send-side bandwidth estimation (see dp_bwe.h for the model).
 */
#include "dp_bwe.h"

#include <math.h>
#include <string.h>

#define GROUP_NS 5000000ull        /* packets sent within 5 ms form a group */
#define SMOOTHING 0.9              /* of the accumulated delay */
#define TREND_GAIN 4.0             /* modified trend = min(n, 60) * trend * gain */
#define THR_START_MS 12.5
#define THR_MIN_MS 6.0
#define THR_MAX_MS 600.0
#define THR_K_UP 0.0087            /* threshold follows |trend| upwards slowly */
#define THR_K_DOWN 0.039           /* and downwards faster */
#define OVERUSE_MS 10.0            /* overuse must last this long */
#define DECREASE_FACTOR 0.85
#define RESPONSE_NS 200000000ull   /* at most one delay cut per response time */
#define INCREASE_PER_S 1.08
#define ADDITIVE_BPS_PER_S 32000.0 /* about one 1200-byte packet per 300 ms */
#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define LOSS_MIN_PKTS 20u
#define LOSS_CUT_NS 300000000ull
#define REMB_TTL_NS 5000000000ull
#define BUCKET_US 25000

static uint32_t cfg_or(uint32_t v, uint32_t dflt)
{
	return v ? v : dflt;
}

void dp_bwe_init(struct dp_bwe *b, const struct dp_bwe_cfg *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg.start_bps = cfg_or(cfg ? cfg->start_bps : 0, 600000);
	b->cfg.min_bps = cfg_or(cfg ? cfg->min_bps : 0, 30000);
	b->cfg.max_bps = cfg_or(cfg ? cfg->max_bps : 0, 20000000);
	if (b->cfg.max_bps < b->cfg.min_bps)
		b->cfg.max_bps = b->cfg.min_bps;
	double start = b->cfg.start_bps;
	start = start < b->cfg.min_bps ? b->cfg.min_bps : start;
	start = start > b->cfg.max_bps ? b->cfg.max_bps : start;
	b->delay_bps = b->loss_bps = start;
	b->threshold = THR_START_MS;
	for (unsigned int i = 0; i < DP_BWE_RATE_BUCKETS; i++)
		b->bucket_key[i] = -1;
}

void dp_bwe_on_sent(struct dp_bwe *b, uint16_t seq, uint32_t size, uint64_t now_ns)
{
	struct dp_bwe_sent *s = &b->hist[seq & (DP_BWE_HIST - 1)];
	s->send_ns = now_ns;
	s->seq = seq;
	s->size = size > UINT16_MAX ? UINT16_MAX : (uint16_t)size;
	s->valid = 1;
	s->reported = 0;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- acknowledged rate ---- */

static void rate_add(struct dp_bwe *b, int64_t arrival_us, uint32_t bytes)
{
	int64_t key = arrival_us / BUCKET_US;
	unsigned int i = (unsigned int)(((key % DP_BWE_RATE_BUCKETS) + DP_BWE_RATE_BUCKETS) %
					DP_BWE_RATE_BUCKETS);
	if (b->bucket_key[i] != key) {
		if (b->bucket_key[i] > key)
			return; /* older than the window */
		b->bucket_key[i] = key;
		b->bucket_bytes[i] = 0;
	}
	b->bucket_bytes[i] += bytes;
}

static void rate_update(struct dp_bwe *b)
{
	int64_t newest = -1, oldest = INT64_MAX;
	for (unsigned int i = 0; i < DP_BWE_RATE_BUCKETS; i++)
		if (b->bucket_key[i] > newest)
			newest = b->bucket_key[i];
	if (newest < 0)
		return;
	uint64_t bytes = 0;
	for (unsigned int i = 0; i < DP_BWE_RATE_BUCKETS; i++) {
		int64_t k = b->bucket_key[i];
		if (k < 0 || k <= newest - (int64_t)DP_BWE_RATE_BUCKETS)
			continue;
		bytes += b->bucket_bytes[i];
		if (k < oldest)
			oldest = k;
	}
	double span_s = (double)(newest - oldest + 1) * BUCKET_US / 1e6;
	if (span_s < 0.1)
		span_s = 0.1; /* a single burst is not a rate */
	b->acked_bps = (double)bytes * 8.0 / span_s;
}

/* ---- delay-based: trend of the delay growth between packet groups ---- */

static void threshold_adapt(struct dp_bwe *b, double m, uint64_t t_ns)
{
	double am = fabs(m);
	if (!b->last_thr_ns)
		b->last_thr_ns = t_ns;
	if (am > b->threshold + 15.0) { /* a spike: do not chase it */
		b->last_thr_ns = t_ns;
		return;
	}
	double k = am < b->threshold ? THR_K_DOWN : THR_K_UP;
	double dt_ms = t_ns > b->last_thr_ns ? (double)(t_ns - b->last_thr_ns) / 1e6 : 0;
	if (dt_ms > 100)
		dt_ms = 100;
	b->threshold = clampd(b->threshold + k * (am - b->threshold) * dt_ms, THR_MIN_MS, THR_MAX_MS);
	b->last_thr_ns = t_ns;
}

/* Detector: usage from the trend after a new delta (send_delta_ms apart). */
static enum dp_bwe_usage detect(struct dp_bwe *b, double send_delta_ms, uint64_t t_ns)
{
	enum dp_bwe_usage u = DP_BWE_NORMAL;
	double n = b->n_deltas < 60 ? b->n_deltas : 60;
	double m = n * b->trend * TREND_GAIN;
	if (m > b->threshold) {
		b->overuse_ms = b->overuse_n ? b->overuse_ms + send_delta_ms : send_delta_ms / 2;
		b->overuse_n++;
		if (b->overuse_ms > OVERUSE_MS && b->overuse_n > 1 && b->trend >= b->prev_trend) {
			u = DP_BWE_OVERUSE;
			b->overuse_ms = 0;
			b->overuse_n = 0;
		} else {
			u = b->usage == DP_BWE_OVERUSE ? DP_BWE_OVERUSE : DP_BWE_NORMAL;
		}
	} else {
		b->overuse_ms = 0;
		b->overuse_n = 0;
		u = m < -b->threshold ? DP_BWE_UNDERUSE : DP_BWE_NORMAL;
	}
	b->prev_trend = b->trend;
	threshold_adapt(b, m, t_ns);
	return u;
}

/* A delay delta d_ms between two groups, the later arriving at arr_us. */
static enum dp_bwe_usage trend_update(struct dp_bwe *b, double d_ms, double send_delta_ms,
				      int64_t arr_us)
{
	if (!b->have_first_arrival) {
		b->first_arrival_us = arr_us;
		b->have_first_arrival = 1;
	}
	if (b->n_deltas < 1000)
		b->n_deltas++;
	b->acc_delay_ms += d_ms;
	b->smooth_delay_ms = SMOOTHING * b->smooth_delay_ms + (1 - SMOOTHING) * b->acc_delay_ms;
	b->win_t[b->win_head] = (double)(arr_us - b->first_arrival_us) / 1000.0;
	b->win_d[b->win_head] = b->smooth_delay_ms;
	b->win_head = (b->win_head + 1) % DP_BWE_WINDOW;
	if (b->win_n < DP_BWE_WINDOW)
		b->win_n++;
	if (b->win_n == DP_BWE_WINDOW) {
		double mt = 0, md = 0, num = 0, den = 0;
		for (unsigned int i = 0; i < DP_BWE_WINDOW; i++) {
			mt += b->win_t[i];
			md += b->win_d[i];
		}
		mt /= DP_BWE_WINDOW;
		md /= DP_BWE_WINDOW;
		for (unsigned int i = 0; i < DP_BWE_WINDOW; i++) {
			num += (b->win_t[i] - mt) * (b->win_d[i] - md);
			den += (b->win_t[i] - mt) * (b->win_t[i] - mt);
		}
		if (den > 0)
			b->trend = num / den;
	}
	uint64_t t_ns = (uint64_t)(arr_us > 0 ? arr_us : 0) * 1000u;
	return detect(b, send_delta_ms, t_ns);
}

/* One received packet in send order: grows the current group or closes it. */
static enum dp_bwe_usage group_add(struct dp_bwe *b, uint64_t send_ns, int64_t arr_us)
{
	enum dp_bwe_usage u = b->usage;
	if (b->cur.valid && send_ns < b->cur.first_send_ns)
		return u; /* reordered report of an older group */
	if (b->cur.valid && send_ns - b->cur.first_send_ns <= GROUP_NS) {
		b->cur.last_send_ns = send_ns;
		if (arr_us > b->cur.last_arrival_us)
			b->cur.last_arrival_us = arr_us;
		return u;
	}
	if (b->cur.valid && b->prev.valid) {
		double sd = (double)(b->cur.last_send_ns - b->prev.last_send_ns) / 1e6;
		double ad = (double)(b->cur.last_arrival_us - b->prev.last_arrival_us) / 1e3;
		if (ad >= 0 && sd >= 0)
			u = trend_update(b, clampd(ad - sd, -1000, 1000), sd, b->cur.last_arrival_us);
	}
	if (b->cur.valid)
		b->prev = b->cur;
	b->cur.valid = 1;
	b->cur.first_send_ns = b->cur.last_send_ns = send_ns;
	b->cur.last_arrival_us = arr_us;
	return u;
}

/* ---- rate control ---- */

/* An increase never goes past 1.5x what was acknowledged (+10 kbps), and
 * never lowers the rate either. */
static double capped_increase(const struct dp_bwe *b, double cur, double want)
{
	if (b->acked_bps > 0) {
		double cap = 1.5 * b->acked_bps + 10000;
		if (want > cap)
			want = cap > cur ? cap : cur;
	}
	return want;
}

static void congestion_note(struct dp_bwe *b, double acked_kbps)
{
	if (b->cong_avg_bps <= 0) {
		b->cong_avg_bps = acked_kbps;
		b->cong_var = 0.4;
		return;
	}
	double sd = sqrt(b->cong_avg_bps * b->cong_var);
	if (acked_kbps < b->cong_avg_bps - 3 * sd)
		b->cong_avg_bps = acked_kbps; /* a new, lower level */
	else
		b->cong_avg_bps = 0.95 * b->cong_avg_bps + 0.05 * acked_kbps;
	double norm = b->cong_avg_bps > 1 ? b->cong_avg_bps : 1;
	double e = b->cong_avg_bps - acked_kbps;
	b->cong_var = clampd(0.95 * b->cong_var + 0.05 * e * e / norm, 0.4, 2.5);
}

static void rate_control(struct dp_bwe *b, enum dp_bwe_usage u, uint64_t now_ns)
{
	double dt_s = b->last_update_ns && now_ns > b->last_update_ns
			      ? (double)(now_ns - b->last_update_ns) / 1e9
			      : 0;
	if (dt_s > 1)
		dt_s = 1;
	b->last_update_ns = now_ns;
	double r = b->delay_bps;
	if (u == DP_BWE_OVERUSE) {
		if (!b->last_decrease_ns || now_ns - b->last_decrease_ns >= RESPONSE_NS) {
			double base = b->acked_bps > 0 ? b->acked_bps : r;
			double nr = DECREASE_FACTOR * base;
			r = nr < r ? nr : r;
			congestion_note(b, base / 1000.0);
			b->last_decrease_ns = now_ns;
			b->overuses++;
		}
		b->increasing = 0;
	} else if (u == DP_BWE_UNDERUSE) {
		b->increasing = 0; /* a queue drains: hold */
	} else {
		if (b->increasing) {
			double kbps = r / 1000.0, nr;
			double acked_kbps = b->acked_bps / 1000.0;
			if (b->cong_avg_bps > 0 && acked_kbps > b->cong_avg_bps +
			    3 * sqrt(b->cong_avg_bps * b->cong_var))
				b->cong_avg_bps = 0; /* well above the old level: forget it */
			if (b->cong_avg_bps > 0 &&
			    fabs(kbps - b->cong_avg_bps) <= 3 * sqrt(b->cong_avg_bps * b->cong_var))
				nr = r + ADDITIVE_BPS_PER_S * dt_s;
			else
				nr = r * pow(INCREASE_PER_S, dt_s) + 1000 * dt_s;
			r = capped_increase(b, r, nr);
		}
		b->increasing = 1;
	}
	b->delay_bps = clampd(r, b->cfg.min_bps, b->cfg.max_bps);
}

static void loss_control(struct dp_bwe *b, uint64_t now_ns)
{
	if (!b->last_loss_ns)
		b->last_loss_ns = now_ns;
	if (b->loss_total < LOSS_MIN_PKTS && now_ns - b->last_loss_ns < 1000000000ull)
		return;
	if (b->loss_total == 0) {
		b->last_loss_ns = now_ns;
		return;
	}
	double frac = (double)b->loss_lost / b->loss_total;
	double dt_s = clampd((double)(now_ns - b->last_loss_ns) / 1e9, 0, 1);
	double r = b->loss_bps;
	if (frac > LOSS_HIGH) {
		if (!b->last_loss_cut_ns || now_ns - b->last_loss_cut_ns >= LOSS_CUT_NS) {
			double base = b->acked_bps > 0 && b->acked_bps < r ? b->acked_bps : r;
			r = base * (1 - 0.5 * frac);
			b->last_loss_cut_ns = now_ns;
		}
	} else if (frac < LOSS_LOW) {
		r = capped_increase(b, r, r * pow(INCREASE_PER_S, dt_s) + 1000 * dt_s);
	}
	b->loss_bps = clampd(r, b->cfg.min_bps, b->cfg.max_bps);
	b->loss_lost = b->loss_total = 0;
	b->last_loss_ns = now_ns;
}

void dp_bwe_on_feedback(struct dp_bwe *b, const struct dp_rtcp_tcc *fb,
			const struct dp_rtcp_tcc_status *st, size_t n, uint64_t now_ns)
{
	int64_t arr_us = (int64_t)fb->ref_time * 64000;
	enum dp_bwe_usage worst = DP_BWE_NORMAL, u;

	b->feedbacks++;
	b->have_tcc = 1;
	for (size_t i = 0; i < n; i++) {
		const struct dp_rtcp_tcc_status *s = &st[i];
		struct dp_bwe_sent *h = &b->hist[s->seq & (DP_BWE_HIST - 1)];
		int received = s->symbol != DP_RTCP_TCC_NOT_RECEIVED;
		if (received) /* the first delta is from ref_time, the others chain */
			arr_us += (int64_t)s->delta * 250;
		if (!h->valid || h->seq != s->seq) {
			b->unknown_seq++;
			continue;
		}
		if (!received) {
			if (!h->reported) {
				b->loss_lost++;
				b->loss_total++;
				b->pkts_lost++;
			}
			continue;
		}
		if (h->reported)
			continue; /* already counted by an earlier report */
		h->reported = 1;
		b->loss_total++;
		b->pkts_received++;
		rate_add(b, arr_us, h->size);
		u = group_add(b, h->send_ns, arr_us);
		b->usage = u;
		if (u == DP_BWE_OVERUSE || (u == DP_BWE_UNDERUSE && worst == DP_BWE_NORMAL))
			worst = u;
	}
	rate_update(b);
	rate_control(b, worst, now_ns);
	loss_control(b, now_ns);
}

void dp_bwe_on_remb(struct dp_bwe *b, uint64_t bps, uint64_t now_ns)
{
	b->remb_bps = bps;
	b->remb_ns = now_ns ? now_ns : 1;
}

uint32_t dp_bwe_estimate(const struct dp_bwe *b, uint64_t now_ns)
{
	double e = b->delay_bps < b->loss_bps ? b->delay_bps : b->loss_bps;
	if (b->remb_ns && now_ns - b->remb_ns <= REMB_TTL_NS) {
		double r = (double)b->remb_bps;
		if (!b->have_tcc || r < e)
			e = r;
	}
	return (uint32_t)clampd(e, b->cfg.min_bps, b->cfg.max_bps);
}
