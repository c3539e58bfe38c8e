/* SPDX-License-Identifier: MIT */
/*
 * dp_level - RFC 6464 client-to-mixer audio levels of the audio producers of
 * this lcore, for the control plane's active-speaker decision.
 *
 * The ssrc-audio-level element sits in the RTP header extension block,
 * which SRTP authenticates but does not encrypt, and which end-to-end
 * encryption (an insertable-streams transform of the payload) leaves alone:
 * so the level is read from every producer packet, E2EE or not.
 *
 * Packet side (dp_level_rx, on the producer's lcore after unprotect and
 * parse): find the element by the producer's negotiated id and add its level
 * to the producer's interval (sum, count, voice-flag count, loudest). That
 * is the whole per-packet cost: one walk of the (already checked) extension
 * block and four stores, only for producers that negotiated the extension.
 *
 * Timer side (dp_level_timer, every SL_LEVELS_INTERVAL_MS): one pass over
 * this lcore's producers; every producer that counted packets gets one
 * entry (mean level, loudest, counts) in an SL_MSG_AUDIO_LEVELS event, at
 * most SL_LEVELS_MAX per message, and its interval restarts. A producer
 * that sent nothing has no entry: the control plane takes that as silence.
 * At most one message per SL_LEVELS_MAX talking producers per interval.
 * The pass visits every slot of the producer table (a power of two of at
 * most four times the most producers this lcore has held; it never
 * shrinks): for a few thousand producers some tens of microseconds every
 * 300 ms, off the packet path.
 */
#include <string.h>

#include "dp_media_int.h"
#include "dp_rtp.h"

#define DP_LEVEL_NS ((uint64_t)SL_LEVELS_INTERVAL_MS * 1000000ull)

void dp_level_rx(struct dp_producer *prod, const uint8_t *rtp, const struct dp_rtp_info *ri)
{
	struct dp_rtp_ext_elem e;
	int voice;
	uint8_t level;

	if (dp_rtp_ext_find(rtp, ri, prod->ext.audio_level, &e) != DP_RTP_OK ||
	    dp_rtp_ext_get_audio_level(rtp, &e, &voice, &level) != DP_RTP_OK)
		return;
	struct dp_prod_level *l = &prod->lvl;
	if (l->packets == 0 || level < l->loudest)
		l->loudest = level;
	if (l->packets == UINT16_MAX) /* cannot happen in 300 ms; keep the mean right */
		return;
	l->packets++;
	l->voice += (uint16_t)voice;
	l->sum += level;
}

static uint8_t sat8(uint32_t v)
{
	return v > 255u ? 255u : (uint8_t)v;
}

static void levels_flush(struct dp_media *md, struct sl_msg *ev)
{
	if (ev->u.audio_levels.n == 0)
		return;
	/* a periodic report: below the control events (dp_budget.c) */
	dp_budget_evt_low(md, NULL, ev, DP_STATS_RESERVE);
	ev->u.audio_levels.n = 0;
}

/* The entry of p's interval, then the interval restarts. */
static void level_entry(struct sl_level_entry *e, struct dp_producer *p)
{
	struct dp_prod_level *l = &p->lvl;
	e->producer_id = p->id;
	e->level = (uint8_t)((l->sum + l->packets / 2u) / l->packets);
	e->loudest = l->loudest;
	if (e->loudest > e->level) /* rounding cannot do this; the validator wants it */
		e->loudest = e->level;
	e->packets = sat8(l->packets);
	/* both saturate: voice <= packets holds after scaling */
	e->voice = l->packets > 255u ? (uint8_t)((uint32_t)l->voice * 255u / l->packets)
				     : (uint8_t)l->voice;
	memset(l, 0, sizeof(*l));
}

void dp_level_timer(struct dp_media *md, uint64_t now_ns)
{
	if (md->lvl_last_ns == 0) { /* the first interval starts now */
		md->lvl_last_ns = now_ns;
		return;
	}
	if (now_ns - md->lvl_last_ns < DP_LEVEL_NS)
		return;
	uint64_t el = now_ns - md->lvl_last_ns;
	md->lvl_last_ns = now_ns;

	struct sl_msg ev;
	memset(&ev, 0, sizeof(ev));
	ev.h.type = SL_MSG_AUDIO_LEVELS;
	ev.h.transport_id = SL_INVALID_ID;
	ev.u.audio_levels.interval_ms = el / 1000000ull > UINT32_MAX ? UINT32_MAX
								      : (uint32_t)(el / 1000000ull);
	uint32_t pos = 0;
	struct dp_htab_ent *he;
	while ((he = dp_htab_next(&md->prod_id, &pos)) != NULL) {
		struct dp_producer *p = he->val;
		if (!p->ext.audio_level || p->lvl.packets == 0)
			continue;
		level_entry(&ev.u.audio_levels.e[ev.u.audio_levels.n++], p);
		if (ev.u.audio_levels.n == SL_LEVELS_MAX)
			levels_flush(md, &ev);
	}
	levels_flush(md, &ev);
}
