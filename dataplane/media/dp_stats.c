/* SPDX-License-Identifier: MIT */
/*
 * dp_stats - what the data plane measures per transport and per stream, on
 * the owner lcore (see dp_media_int.h for ownership):
 *  - consumers' receiver reports: the report blocks of an RR, or of an SR,
 *    that a receiver sends on its transport about one of our consumer SSRCs
 *    give the loss and jitter it saw; the round-trip time comes from
 *    LSR/DLSR: every SR a consumer sends is remembered (middle 32 bits of
 *    its NTP timestamp and the local send time, DP_SR_HIST of them), and a
 *    block whose LSR matches one gives RTT = arrival - sent - DLSR. (Our SRs
 *    carry the producer's NTP clock, so NTP now - LSR would mean nothing:
 *    the match is by value.)
 *  - the transport gauges in struct sl_transport_counters: rtt_us (latest
 *    RTT of any of its consumers), rtp_lost (its producers' loss as our RRs
 *    count it, dp_feedback.c; never decreasing), remote_lost (sum of its
 *    consumers' latest reported cumulative loss) and rx_bps/tx_bps (byte
 *    counter deltas), the last three every DP_STATS_NS;
 *  - SL_MSG_STREAM_STATS every DP_STATS_NS per producer that received media
 *    and per consumer that sent media (or got a new report). The streams
 *    are visited DP_STATS_SCAN per timer call (the timer runs every ms), so
 *    events spread over the second; stats leave DP_STATS_RESERVE slots of
 *    the event ring free for the events that matter more (ICE, DTLS,
 *    results), counting the ones not sent as SL_DROP_EVT_RING_FULL.
 * No allocation, no logging.
 */
#include <string.h>

#include <rte_ring.h>

#include "dp_media_int.h"

#define DP_STATS_SCAN 32u                       /* streams visited per timer call */

static uint32_t clamp_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* bit/s of a byte delta over el_ns (> 0). */
static uint64_t bps(uint64_t bytes, uint64_t el_ns)
{
	return (uint64_t)(((unsigned __int128)bytes * 8u * 1000000000u) / el_ns);
}

/* ------------------------------------------------------------------ */
/* Receiver reports of consumers                                       */
/* ------------------------------------------------------------------ */

void dp_stats_sr_sent(struct dp_consumer *c, uint64_t ntp, uint64_t now_ns)
{
	struct dp_sr_sent *e = &c->st.sr[c->st.sr_pos % DP_SR_HIST];
	e->mid = dp_rtcp_ntp_mid32(ntp);
	e->ns = now_ns ? now_ns : 1;
	c->st.sr_pos = (c->st.sr_pos + 1) % DP_SR_HIST;
}

/* RTT in us from a block whose LSR names an SR c sent, or 0 (no match, or
 * the delays do not add up: a report about an SR we do not know). */
static uint32_t rtt_us(const struct dp_consumer *c, const struct dp_rtcp_rb *rb, uint64_t now_ns)
{
	if (rb->lsr == 0)
		return 0;
	for (unsigned int i = 0; i < DP_SR_HIST; i++) {
		const struct dp_sr_sent *e = &c->st.sr[i];
		if (!e->ns || e->mid != rb->lsr || (int64_t)(now_ns - e->ns) < 0)
			continue;
		uint64_t dlsr_ns = ((uint64_t)rb->dlsr * 1000000000u) >> 16;
		uint64_t el = now_ns - e->ns;
		if (dlsr_ns > el)
			return 0;
		uint64_t us = (el - dlsr_ns) / 1000u;
		return us ? clamp_u32(us) : 1u;
	}
	return 0;
}

static void report_block(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_rb *rb)
{
	struct dp_consumer *c = dp_htab_get(&md->cons_ssrc, (uint64_t)t->id << 32 | rb->ssrc);
	if (!c || c->ssrc != rb->ssrc)
		return;
	c->st.rr_valid = 1;
	c->st.rr_new = 1;
	c->st.fraction_lost = rb->fraction_lost;
	c->st.cum_lost = rb->cumulative_lost;
	c->st.jitter = rb->jitter;
	uint32_t rtt = rtt_us(c, rb, md->now_ns);
	if (rtt) {
		c->st.rtt_us = rtt;
		t->ctr->rtt_us = rtt;
	}
}

void dp_stats_report(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_pkt *pkt)
{
	union {
		struct dp_rtcp_sr sr;
		struct dp_rtcp_rr rr;
	} u;
	const struct dp_rtcp_rb *rb;
	unsigned int n;
	if (pkt->pt == DP_RTCP_PT_SR) {
		if (pkt->count == 0 || dp_rtcp_parse_sr(pkt, &u.sr) != DP_RTCP_OK)
			return;
		rb = u.sr.rb;
		n = u.sr.rb_count;
	} else if (pkt->pt == DP_RTCP_PT_RR) {
		if (pkt->count == 0 || dp_rtcp_parse_rr(pkt, &u.rr) != DP_RTCP_OK)
			return;
		rb = u.rr.rb;
		n = u.rr.rb_count;
	} else {
		return;
	}
	for (unsigned int i = 0; i < n && i < DP_RTCP_MAX_RB; i++)
		report_block(md, t, &rb[i]);
}

void dp_stats_producer_lost(struct dp_transport *t, struct dp_producer *p, int64_t lost)
{
	p->st.lost = lost;
	if (lost > 0 && (uint64_t)lost > p->st.lost_max) {
		t->ctr->rtp_lost += (uint64_t)lost - p->st.lost_max;
		p->st.lost_max = (uint64_t)lost;
	}
}

/* ------------------------------------------------------------------ */
/* Transport gauges                                                    */
/* ------------------------------------------------------------------ */

static void transport_round(struct dp_media *md, uint64_t now_ns)
{
	for (uint32_t i = 0; i < md->n_local; i++) {
		struct dp_transport *t = md->tp[md->local[i]];
		uint64_t rx = t->ctr->rx_bytes, tx = t->ctr->tx_bytes;
		if (t->st.ns && now_ns > t->st.ns) {
			t->ctr->rx_bps = bps(rx - t->st.rx_bytes, now_ns - t->st.ns);
			t->ctr->tx_bps = bps(tx - t->st.tx_bytes, now_ns - t->st.ns);
		}
		if (t->bwe) /* also when feedback stopped: REMB expires, floors hold */
			t->ctr->avail_out_bps = dp_bwe_estimate(t->bwe, now_ns);
		t->st.ns = now_ns;
		t->st.rx_bytes = rx;
		t->st.tx_bytes = tx;
		t->st.remote_lost = 0;
	}
	struct dp_htab_ent *e;
	uint32_t pos = 0;
	while ((e = dp_htab_next(&md->cons_id, &pos)) != NULL) {
		const struct dp_consumer *c = e->val;
		struct dp_transport *t = dp_tp_get(md, c->transport_id);
		if (t && c->st.rr_valid)
			t->st.remote_lost += c->st.cum_lost;
	}
	for (uint32_t i = 0; i < md->n_local; i++) {
		struct dp_transport *t = md->tp[md->local[i]];
		t->ctr->remote_lost = t->st.remote_lost > 0 ? (uint64_t)t->st.remote_lost : 0;
	}
}

/* ------------------------------------------------------------------ */
/* SL_MSG_STREAM_STATS                                                 */
/* ------------------------------------------------------------------ */

/* Pushes ev unless the event ring is half full (the lowest priority:
 * dp_budget.c). Counted (evt_shed) when not sent. */
static void stats_push(struct dp_media *md, struct sl_msg *ev)
{
	dp_budget_evt_low(md, dp_tp_get(md, ev->h.transport_id), ev, DP_STATS_RESERVE);
}

static void stats_msg(struct sl_msg *ev, uint32_t tid, uint32_t pid, uint32_t cid)
{
	memset(ev, 0, sizeof(*ev));
	ev->h.type = SL_MSG_STREAM_STATS;
	ev->h.transport_id = tid;
	ev->u.stream_stats.producer_id = pid;
	ev->u.stream_stats.consumer_id = cid;
}

static void producer_stats(struct dp_media *md, struct dp_producer *p, uint64_t now_ns)
{
	if (!p->st.ns) { /* first visit: the period starts (counters began at 0) */
		p->st.ns = now_ns;
		return;
	}
	if (now_ns - p->st.ns < DP_STATS_NS)
		return;
	uint64_t el = now_ns - p->st.ns, db = p->bytes - p->st.bytes;
	int had_media = p->packets != p->st.packets;
	p->st.ns = now_ns;
	p->st.packets = p->packets;
	p->st.bytes = p->bytes;
	if (!had_media)
		return;
	struct sl_msg ev;
	stats_msg(&ev, p->transport_id, p->id, SL_INVALID_ID);
	struct sl_msg_stream_stats *s = &ev.u.stream_stats;
	s->packets = p->packets;
	s->bytes = p->bytes;
	s->lost = p->st.lost > 0 ? clamp_u32((uint64_t)p->st.lost) : 0;
	s->jitter = p->jitter_q4 >> 4;
	s->bitrate_bps = clamp_u32(bps(db, el));
	stats_push(md, &ev);
}

static void consumer_stats(struct dp_media *md, struct dp_consumer *c, uint64_t now_ns)
{
	if (!c->st.ns) {
		c->st.ns = now_ns;
		return;
	}
	if (now_ns - c->st.ns < DP_STATS_NS)
		return;
	uint64_t el = now_ns - c->st.ns, db = c->bytes - c->st.bytes;
	int report = c->packets != c->st.packets || c->st.rr_new;
	c->st.ns = now_ns;
	c->st.packets = c->packets;
	c->st.bytes = c->bytes;
	c->st.rr_new = 0;
	if (!report)
		return;
	struct sl_msg ev;
	stats_msg(&ev, c->transport_id, c->producer_id, c->id);
	struct sl_msg_stream_stats *s = &ev.u.stream_stats;
	s->packets = c->packets;
	s->bytes = c->bytes;
	s->lost = c->st.cum_lost > 0 ? (uint32_t)c->st.cum_lost : 0;
	s->jitter = c->st.jitter;
	s->rtt_us = c->st.rtt_us;
	s->bitrate_bps = clamp_u32(bps(db, el));
	stats_push(md, &ev);
}

/* Visits up to DP_STATS_SCAN streams from where the last call stopped:
 * producers, then consumers, then producers again. The position survives
 * commands in between (dp_htab_next bounds it; a stream skipped or seen
 * twice in one pass only shifts its period). */
static void stream_scan(struct dp_media *md, uint64_t now_ns)
{
	unsigned int ends = 0;
	for (unsigned int n = 0; n < DP_STATS_SCAN;) {
		struct dp_htab *tab = md->st_cons ? &md->cons_id : &md->prod_id;
		struct dp_htab_ent *e = dp_htab_next(tab, &md->st_pos);
		if (!e) {
			md->st_cons ^= 1;
			md->st_pos = 0;
			if (++ends == 2)
				return; /* both tables done in this call */
			continue;
		}
		if (md->st_cons)
			consumer_stats(md, e->val, now_ns);
		else
			producer_stats(md, e->val, now_ns);
		n++;
	}
}

void dp_stats_timer(struct dp_media *md, uint64_t now_ns)
{
	if (now_ns - md->st_last_ns >= DP_STATS_NS) {
		md->st_last_ns = now_ns;
		transport_round(md, now_ns);
	}
	stream_scan(md, now_ns);
}
