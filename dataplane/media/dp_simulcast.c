/* SPDX-License-Identifier: MIT */
/*
 * dp_simulcast - simulcast producers (one stream per spatial layer) and the
 * layer each of their consumers forwards.
 *
 * Producer side (its transport's lcore): every layer is a struct
 * dp_producer of its own (SSRC, RTX SSRC, receiver reports, NACKs, key-frame
 * window), all with the producer's id, so the fan-out, the fans and the
 * consumers stay per producer id. Each packet is classified once
 * (dp_simulcast_classify: its layer, and whether it starts a key frame, read
 * from the codec's payload descriptor / NAL header, which E2EE leaves in
 * clear) and the flags travel with it (fwd_pkt locally, the handoff
 * descriptor to other lcores).
 *
 * Consumer side (any lcore): the fan remembers when each layer last sent a
 * packet; its best layer is the highest one heard from within
 * DP_SIM_ABSENT_NS (a paused or stopped layer becomes absent after that
 * and the best falls to the next one). Each consumer forwards exactly one
 * layer: its current one, until a key frame of a better layer arrives:
 *  - target = the fan's best; when it changes (or a switch has waited
 *    DP_SIM_KF_RETRY_NS), the producer is asked for a key frame, the same
 *    way a consumer's PLI travels (directly on the producer's lcore, else
 *    the KEYFRAME handoff, else an event to the control plane);
 *    dp_feedback_keyframe() asks every layer of a simulcast producer, each
 *    within its own 500 ms window;
 *  - a key frame of layer L is switched to when L <= target and L is better
 *    than the current layer (or the current layer is above the target,
 *    i.e. it went absent, or there is none yet);
 *  - packets of the other layers are skipped (not counted as drops: they
 *    are not for this consumer).
 * Sequence numbers and timestamps stay continuous across a switch through
 * dp_seqmap (a new source SSRC: seq last + 1, timestamp advanced by the
 * elapsed time), and for VP8 the picture id and TL0PICIDX of the payload
 * descriptor (dp_simulcast_vp8: shifted per consumer, rebased to last + 1
 * at a switch). Not done here: temporal-layer dropping (every temporal
 * layer of the chosen spatial layer is forwarded).
 *
 * Ownership: the fan and consumer state are their lcore's; nothing here
 * allocates or logs on the packet path.
 */
#include <errno.h>
#include <string.h>

#include "dp_media_int.h"
#include "dp_rtp.h"

/* ---- key frames ---- */

/* VP8 (RFC 7741): the payload descriptor, then the payload header whose
 * first bit P is 0 on a key frame; the frame starts where S = 1, PID = 0. */
static int vp8_key(const uint8_t *pl, uint32_t len)
{
	uint32_t off = 1;
	if (len < 1 || !(pl[0] & 0x10) || (pl[0] & 0x07) != 0)
		return 0;
	if (pl[0] & 0x80) { /* X */
		if (len < 2)
			return 0;
		uint8_t x = pl[1];
		off = 2;
		if (x & 0x80) { /* I: picture id, 7 or 15 bits */
			if (off >= len)
				return 0;
			off += (pl[off] & 0x80) ? 2u : 1u;
		}
		if (x & 0x40) /* L: TL0PICIDX */
			off++;
		if (x & 0x30) /* T or K: TID/Y/KEYIDX */
			off++;
	}
	return off < len && (pl[off] & 0x01) == 0;
}

/* VP9 (RFC 9628): I P L F B E V Z; a key frame's start has P = 0, B = 1. */
static int vp9_key(const uint8_t *pl, uint32_t len)
{
	return len >= 1 && (pl[0] & 0x40) == 0 && (pl[0] & 0x08) != 0;
}

static int h264_nal_key(uint8_t type)
{
	return type == 5 || type == 7; /* IDR slice, SPS */
}

/* H264 (RFC 6184): a single NAL, a STAP-A holding an SPS/IDR, or the first
 * fragment (FU-A, S bit) of an IDR. */
static int h264_key(const uint8_t *pl, uint32_t len)
{
	if (len < 1)
		return 0;
	uint8_t type = pl[0] & 0x1f;
	if (type >= 1 && type <= 23)
		return h264_nal_key(type);
	if (type == 24) { /* STAP-A: (16-bit size, NAL) ... */
		for (uint32_t off = 1; off + 2 < len;) {
			uint32_t sz = (uint32_t)pl[off] << 8 | pl[off + 1];
			if (sz == 0 || off + 2 + sz > len)
				return 0;
			if (h264_nal_key(pl[off + 2] & 0x1f))
				return 1;
			off += 2 + sz;
		}
		return 0;
	}
	if (type == 28) /* FU-A */
		return len >= 2 && (pl[1] & 0x80) && h264_nal_key(pl[1] & 0x1f);
	return 0;
}

int dp_simulcast_is_key(uint8_t codec, const uint8_t *pl, uint32_t len)
{
	switch (codec) {
	case SL_CODEC_VP8: return vp8_key(pl, len);
	case SL_CODEC_VP9: return vp9_key(pl, len);
	case SL_CODEC_H264: return h264_key(pl, len);
	default: return 0;
	}
}

uint8_t dp_simulcast_classify(const struct dp_producer *p, const uint8_t *rtp,
			      const struct dp_rtp_info *ri)
{
	if (p->n_layers < 2)
		return 0;
	uint8_t f = DP_SIM_PKT | (p->codec == SL_CODEC_VP8 ? DP_SIM_PKT_VP8 : 0);
	if (dp_simulcast_is_key(p->codec, rtp + ri->payload_off, ri->payload_len))
		f |= DP_SIM_PKT_KEY;
	return f;
}

/* ---- VP8 picture id / TL0PICIDX ---- */

/* Offsets of the picture id (pid_len 0, 1 or 2 bytes) and TL0PICIDX
 * (tl0 < 0: absent) in a VP8 payload descriptor. 0, or -1 if truncated. */
static int vp8_desc(const uint8_t *pl, uint32_t len, uint32_t *pid, uint32_t *pid_len, int *tl0)
{
	*pid_len = 0;
	*tl0 = -1;
	if (len < 1 || !(pl[0] & 0x80))
		return len < 1 ? -1 : 0;
	if (len < 2)
		return -1;
	uint32_t off = 2;
	if (pl[1] & 0x80) {
		if (off >= len)
			return -1;
		*pid = off;
		*pid_len = (pl[off] & 0x80) ? 2u : 1u;
		off += *pid_len;
	}
	if (pl[1] & 0x40) {
		if (off >= len)
			return -1;
		*tl0 = (int)off;
		off++;
	}
	return off <= len ? 0 : -1;
}

void dp_simulcast_vp8(struct dp_consumer *c, uint8_t *pl, uint32_t len, uint8_t flags)
{
	struct dp_sim_cons *s = &c->sim;
	uint32_t po = 0, plen;
	int to;
	int fresh = !(flags & DP_SIM_PKT_RESEND);

	if (vp8_desc(pl, len, &po, &plen, &to) != 0)
		return;
	if (fresh)
		s->vp8 = 1;
	if (plen) {
		uint16_t mask = plen == 2 ? 0x7fffu : 0x7fu;
		uint16_t in = plen == 2 ? (uint16_t)((pl[po] & 0x7f) << 8 | pl[po + 1])
					: (uint16_t)(pl[po] & 0x7f);
		if (fresh && s->vp8_resync)
			s->pid_off = s->have_pid ? (uint16_t)(s->last_pid + 1u - in) : 0;
		uint16_t out = (uint16_t)((in + s->pid_off) & mask);
		if (plen == 2) {
			pl[po] = (uint8_t)(0x80 | out >> 8);
			pl[po + 1] = (uint8_t)out;
		} else {
			pl[po] = (uint8_t)out;
		}
		uint16_t d = (uint16_t)((out - s->last_pid) & mask);
		if (fresh && (!s->have_pid || (d != 0 && d <= mask / 2u) || s->vp8_resync)) {
			s->last_pid = out;
			s->have_pid = 1;
		}
	}
	if (to >= 0) {
		uint8_t in = pl[to];
		if (fresh && s->vp8_resync)
			s->tl0_off = s->have_tl0 ? (uint8_t)(s->last_tl0 + 1u - in) : 0;
		uint8_t out = (uint8_t)(in + s->tl0_off);
		pl[to] = out;
		uint8_t d = (uint8_t)(out - s->last_tl0);
		if (fresh && (!s->have_tl0 || (d != 0 && d < 128u) || s->vp8_resync)) {
			s->last_tl0 = out;
			s->have_tl0 = 1;
		}
	}
	if (fresh)
		s->vp8_resync = 0;
}

/* ---- the fan's best layer ---- */

void dp_simulcast_seen(struct dp_fan *fan, uint8_t layer, uint64_t now_ns)
{
	if (layer >= SL_SIM_LAYERS_MAX)
		return;
	fan->sim_ns[layer] = now_ns ? now_ns : 1;
	fan->sim_sr[layer] = fan->sr;
	int8_t best = -1;
	for (unsigned int l = SL_SIM_LAYERS_MAX; l-- > 0;) {
		uint64_t t = fan->sim_ns[l];
		/* t may be a hair ahead of now_ns (TSC extrapolation) */
		if (t && (int64_t)(now_ns - t) < (int64_t)DP_SIM_ABSENT_NS) {
			best = (int8_t)l;
			break;
		}
	}
	fan->sim_best = best;
}

/* ---- the consumer's choice ---- */

const struct dp_sr_ref *dp_simulcast_sr(const struct dp_consumer *c)
{
	if (c->sim.cur >= 0 && c->sim.cur < (int8_t)SL_SIM_LAYERS_MAX)
		return &c->fan->sim_sr[c->sim.cur];
	return &c->fan->sr;
}

void dp_simulcast_reset(struct dp_consumer *c)
{
	c->sim.cur = -1;
	c->sim.target = -1;
	c->sim.kf_ns = 0;
	c->sim.vp8_resync = 1; /* the next key frame continues the picture ids */
}

/* Asks c's producer for a key frame (see the file comment). */
static void sim_request(struct dp_media *md, struct dp_consumer *c)
{
	struct dp_fan *fan = c->fan;
	struct dp_transport *t = dp_tp_get(md, c->transport_id);

	c->sim.kf_ns = md->now_ns ? md->now_ns : 1;
	if (dp_htab_get(&md->prod_id, c->producer_id)) {
		dp_feedback_keyframe(md, c->producer_id); /* windows coalesce repeats */
		return;
	}
	/* not merged here: the producer's lcore defers what comes within its
	 * window (a request dropped here would delay the switch by
	 * DP_SIM_KF_RETRY_NS) */
	if (fan->src_lcore && fan->src_lcore - 1u != md->lc->index &&
	    dp_handoff_keyframe(md, fan->src_lcore - 1u, c->producer_id) == 0)
		return;
	/* the control plane relays: consumers of one fan switch together, one
	 * event per DP_KF_FWD_NS */
	if (fan->kf_fwd_ns && md->now_ns - fan->kf_fwd_ns < DP_KF_FWD_NS)
		return;
	fan->kf_fwd_ns = md->now_ns ? md->now_ns : 1;
	struct sl_msg ev;
	memset(&ev, 0, sizeof(ev));
	ev.h.type = SL_MSG_KEYFRAME_REQUEST;
	ev.h.transport_id = c->transport_id;
	ev.u.keyframe.producer_id = c->producer_id;
	ev.u.keyframe.consumer_id = c->id;
	dp_budget_evt_low(md, t, &ev, DP_EVT_LOW_RESERVE);
}

int dp_simulcast_pick(struct dp_media *md, struct dp_consumer *c, uint8_t layer, uint8_t flags)
{
	struct dp_sim_cons *s = &c->sim;
	int8_t target = c->fan->sim_best;
	int8_t l = (int8_t)layer;

	if (target != s->target) {
		s->target = target;
		if (target >= 0 && target != s->cur)
			sim_request(md, c);
	} else if (target >= 0 && s->cur != target &&
		   md->now_ns - s->kf_ns >= DP_SIM_KF_RETRY_NS) {
		sim_request(md, c); /* the key frame did not come: ask again */
	}
	if (l == s->cur)
		return 1;
	if ((flags & DP_SIM_PKT_KEY) && l <= target && (s->cur < 0 || l > s->cur || s->cur > target)) {
		s->cur = l;
		s->switches++;
		s->vp8_resync = 1;
		return 1;
	}
	return 0;
}

/* ---- command side ---- */

int dp_simulcast_check(const struct dp_media *md, uint32_t tid,
		       const struct sl_msg_producer_add *a)
{
	unsigned int n = a->n_layers;
	uint32_t all[2 * SL_SIM_LAYERS_MAX];
	unsigned int k = 0;

	if (n > SL_SIM_LAYERS_MAX || a->layer_ssrc[0] != a->ssrc ||
	    a->layer_rtx_ssrc[0] != a->rtx_ssrc)
		return -EINVAL;
	for (unsigned int l = 0; l < n; l++) {
		if (a->layer_ssrc[l] == 0)
			return -EINVAL;
		all[k++] = a->layer_ssrc[l];
		if (a->layer_rtx_ssrc[l])
			all[k++] = a->layer_rtx_ssrc[l];
	}
	for (unsigned int i = 0; i < k; i++) {
		for (unsigned int j = 0; j < i; j++)
			if (all[i] == all[j])
				return -EEXIST;
		if (dp_htab_get(&md->prod_ssrc, (uint64_t)tid << 32 | all[i]))
			return -EEXIST;
	}
	return 0;
}
