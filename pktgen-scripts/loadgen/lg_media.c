/* SPDX-License-Identifier: MIT */
/*
 * lg_media.c - what a loadgen peer sends and how it counts what it gets.
 *
 * Send, per producer, as Chromium does:
 *   audio  one 80-byte Opus-sized packet every 20 ms, header extensions mid,
 *          abs-send-time, transport-cc and ssrc-audio-level;
 *   video  30 frames/s of --video-kbps (per simulcast layer: 1/16, 1/4, 1 of
 *          it), packets of at most LG_VIDEO_PAYLOAD_MAX payload bytes with a
 *          VP8 payload descriptor and frame header, key frames (3x the size)
 *          first and after PLI/FIR, mid, abs-send-time, transport-cc;
 *          NACKed packets are answered with RTX (RFC 4588) from a history of
 *          LG_RTX_HISTORY packets; SR every second.
 * Every payload ends with struct lg_trailer: the sender's SSRC, a payload
 * sequence and the send time. E2EE means the server never reads it, so the
 * receiver measures one-way latency (same clock, same process) end to end.
 *
 * Receive, per consumer: loss, duplicates and reordering by the consumer's
 * RTP sequence numbers (in clear, so they are counted also for packets a
 * --decrypt-sample run does not decrypt), RTX recovery through the original
 * sequence number, RFC 3550 jitter, latency, freezes (video gaps over
 * 200 ms), resume -> first packet -> first key frame. NACK on every gap of a
 * video stream, PLI while no key frame came, RR every second.
 */
#include "lg.h"

#include <stdlib.h>
#include <string.h>

#include "dp_rtcp.h"
#include "dp_rtp.h"
#include "dp_srtp.h"

#define HDR_LEN 28u /* RTP 12 + one-byte extension block 4 + 12 */
#define OFF_ABS 19u
#define OFF_TWCC 23u
#define OFF_LEVEL 26u

struct lg_trailer_wire {
	uint8_t magic[4], ssrc[4], pseq[4], send_ns[8], flags, rsv[3];
};
_Static_assert(sizeof(struct lg_trailer_wire) == LG_TRAILER_LEN, "trailer size");
#define TR_KEY 1u
#define TR_START 2u
#define TR_END 4u

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

void lg_tx_stream_init(struct lg_tx_stream *s, int kind, uint32_t ssrc, unsigned int layer)
{
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	s->layer = (uint8_t)layer;
	s->ssrc = ssrc;
	s->pt = kind ? LG_PT_VP8 : LG_PT_OPUS;
	s->seq = (uint16_t)(ssrc * 7919u);
	s->ts_base = ssrc * 2654435761u;
	s->key_pending = true;
	if (kind) {
		s->rtx_ssrc = ssrc + 1;
		s->rtx_pt = LG_PT_RTX;
		s->rtx_seq = (uint16_t)(ssrc * 104729u);
		s->hist = malloc(sizeof(*s->hist) * LG_RTX_HISTORY);
		s->hist_len = calloc(LG_RTX_HISTORY, sizeof(*s->hist_len));
		s->hist_seq = calloc(LG_RTX_HISTORY, sizeof(*s->hist_seq));
	}
}

void lg_tx_stream_free(struct lg_tx_stream *s)
{
	free(s->hist);
	free(s->hist_len);
	free(s->hist_seq);
	s->hist = NULL, s->hist_len = NULL, s->hist_seq = NULL;
}

/* RTP header + our fixed extension block; returns HDR_LEN. */
static uint32_t build_hdr(uint8_t *b, const struct lg_tx_stream *s, uint16_t seq, uint32_t ts,
			  int marker, uint64_t now)
{
	b[0] = 0x90; /* V=2, X=1 */
	b[1] = (uint8_t)((marker ? 0x80 : 0) | s->pt);
	b[2] = (uint8_t)(seq >> 8), b[3] = (uint8_t)seq;
	put32(b + 4, ts);
	put32(b + 8, s->ssrc);
	b[12] = 0xbe, b[13] = 0xde, b[14] = 0, b[15] = 3;
	b[16] = (LG_EXT_MID << 4) | 0, b[17] = s->kind ? '1' : '0';
	b[18] = (LG_EXT_ABS_SEND_TIME << 4) | 2;
	uint32_t abs = (uint32_t)(((now << 18) / 1000000000ull) & 0xffffffu);
	b[19] = (uint8_t)(abs >> 16), b[20] = (uint8_t)(abs >> 8), b[21] = (uint8_t)abs;
	b[22] = (LG_EXT_TWCC << 4) | 1, b[23] = 0, b[24] = 0;
	if (!s->kind) {
		b[25] = (LG_EXT_AUDIO_LEVEL << 4) | 0;
		b[26] = 0;
	} else {
		b[25] = 0, b[26] = 0;
	}
	b[27] = 0;
	return HDR_LEN;
}

static void set_twcc(struct lg_tp *t, uint8_t *b)
{
	uint16_t v = t->twcc++;
	b[OFF_TWCC] = (uint8_t)(v >> 8), b[OFF_TWCC + 1] = (uint8_t)v;
}

static void put_trailer(uint8_t *end, const struct lg_tx_stream *s, uint64_t now, uint8_t flags)
{
	struct lg_trailer_wire *w = (struct lg_trailer_wire *)(end - LG_TRAILER_LEN);
	put32(w->magic, LG_TRAILER_MAGIC);
	put32(w->ssrc, s->ssrc);
	put32(w->pseq, s->pseq);
	put64(w->send_ns, now);
	w->flags = flags;
	memset(w->rsv, 0, sizeof(w->rsv));
}

/* Protects and queues pkt; video packets go into the RTX history first. */
static void send_media(struct lg_tp *t, struct lg_tx_stream *s, uint8_t *pkt, uint32_t len)
{
	set_twcc(t, pkt);
	if (s->hist) {
		unsigned int h = s->seq % LG_RTX_HISTORY;
		memcpy(s->hist[h], pkt, len);
		s->hist_len[h] = (uint16_t)len;
		s->hist_seq[h] = s->seq;
	}
	if (lg_tp_protect_send_rtp(t, pkt, len, LG_PKT_MAX) == 0) {
		s->packets++;
		s->octets += len - HDR_LEN;
	}
	s->seq++;
	s->pseq++;
}

static void send_audio(struct lg_tp *t, struct lg_tx_stream *s, uint64_t now)
{
	uint8_t pkt[LG_PKT_MAX];
	uint32_t ts = s->ts_base + (uint32_t)(s->pseq * 960u);
	uint32_t n = build_hdr(pkt, s, s->seq, ts, s->pseq == 0, now);
	/* a talking level pattern, so that active-speaker logic has input */
	pkt[OFF_LEVEL] = (uint8_t)(0x80u | ((s->pseq / 50 + s->ssrc) % 3 == 0 ? 20 : 90));
	memset(pkt + n, 0x5a, LG_AUDIO_PAYLOAD);
	pkt[n] = 0xfc; /* Opus TOC: CELT FB 20 ms, one frame */
	n += LG_AUDIO_PAYLOAD;
	put_trailer(pkt + n, s, now, TR_START | TR_END);
	s->last_rtp_ts = ts;
	send_media(t, s, pkt, n);
}

static void send_frame(struct lg_tp *t, struct lg_tx_stream *s, unsigned int layers, uint64_t now)
{
	unsigned int shift = 2u * (layers - 1u - s->layer);
	uint32_t bytes = (uint32_t)(((uint64_t)lg.o.video_kbps * 1000u / 8u / 30u) >> shift);
	bool key = s->key_pending;
	if (key)
		bytes *= 3;
	if (bytes < 100)
		bytes = 100;
	uint32_t npk = (bytes + LG_VIDEO_PAYLOAD_MAX - 1) / LG_VIDEO_PAYLOAD_MAX;
	uint32_t per = bytes / npk;
	if (per < LG_TRAILER_LEN + 16)
		per = LG_TRAILER_LEN + 16;
	uint32_t ts = s->ts_base + s->frame * 3000u;
	for (uint32_t i = 0; i < npk; i++) {
		uint8_t pkt[LG_PKT_MAX];
		uint32_t n = build_hdr(pkt, s, s->seq, ts, i + 1 == npk, now);
		uint8_t *pl = pkt + n;
		memset(pl, 0xa5, per);
		/* VP8 payload descriptor as Chromium sends it (RFC 7741): X, S on
		 * the first packet of the frame, partition 0; I (15-bit picture
		 * id), L (TL0PICIDX), T (TID 0, Y). mediasoup reads key frames and
		 * layers only from an extended descriptor. */
		pl[0] = (uint8_t)(0x80 | (i == 0 ? 0x10 : 0x00));
		pl[1] = 0xe0;
		pl[2] = (uint8_t)(0x80 | ((s->frame >> 8) & 0x7f));
		pl[3] = (uint8_t)s->frame;
		pl[4] = (uint8_t)s->frame; /* TL0PICIDX: every frame is in layer 0 */
		pl[5] = 0x20;
		if (i == 0) {
			pl[6] = key ? 0x10 : 0x11; /* frame tag: P = !key, show_frame */
			pl[7] = 0, pl[8] = 0;
			if (key)
				pl[9] = 0x9d, pl[10] = 0x01, pl[11] = 0x2a; /* key frame start code */
		}
		uint8_t fl = (uint8_t)((key ? TR_KEY : 0) | (i == 0 ? TR_START : 0) |
				       (i + 1 == npk ? TR_END : 0));
		put_trailer(pl + per, s, now, fl);
		send_media(t, s, pkt, n + per);
	}
	if (key) {
		s->keyframes++;
		s->key_pending = false;
	}
	s->last_rtp_ts = ts;
	s->frame++;
}

void lg_media_tick(struct lg_peer *p, uint64_t now)
{
	struct lg_tp *t = &p->tp_send;
	if (!p->publisher || t->state != LG_TP_CONNECTED || lg.stopping)
		return;
	if (!p->next_audio_ns) {
		/* spread the peers over the frame interval */
		p->next_audio_ns = now + (p->idx * 1237u % 20u) * 1000000ull;
		p->next_video_ns = now + (p->idx * 3571u % 33u) * 1000000ull;
	}
	if (now >= p->next_audio_ns && t->tx[0].active) {
		send_audio(t, &t->tx[0], now);
		p->next_audio_ns += 20000000ull;
		if (now > p->next_audio_ns + 100000000ull)
			p->next_audio_ns = now + 20000000ull; /* we were stalled: do not burst */
	}
	if (t->n_tx > 1 && now >= p->next_video_ns) {
		for (unsigned int i = 1; i < t->n_tx; i++)
			if (t->tx[i].active)
				send_frame(t, &t->tx[i], t->n_tx - 1, now);
		p->next_video_ns += 33333333ull;
		if (now > p->next_video_ns + 100000000ull)
			p->next_video_ns = now + 33333333ull;
	}
}

/* ---- sender side RTCP: PLI, FIR, NACK ---------------------------------- */

static struct lg_tx_stream *tx_by_ssrc(struct lg_tp *t, uint32_t ssrc)
{
	for (unsigned int i = 0; i < t->n_tx; i++)
		if (t->tx[i].ssrc == ssrc)
			return &t->tx[i];
	return NULL;
}

static void send_rtx(struct lg_tp *t, struct lg_tx_stream *s, uint16_t seq)
{
	unsigned int h = seq % LG_RTX_HISTORY;
	if (!s->hist || s->hist_seq[h] != seq || !s->hist_len[h])
		return;
	struct dp_rtp_info ri;
	if (dp_rtp_parse(s->hist[h], s->hist_len[h], &ri) != DP_RTP_OK)
		return;
	uint8_t out[LG_PKT_MAX];
	size_t n = 0;
	if (dp_rtp_rtx_wrap(s->hist[h], s->hist_len[h], &ri, out, sizeof(out) - 32, &n,
			    s->rtx_ssrc, s->rtx_pt, s->rtx_seq) != DP_RTP_OK)
		return;
	s->rtx_seq++;
	set_twcc(t, out); /* a new index, so new header bytes are fine */
	if (lg_tp_protect_send_rtp(t, out, (uint32_t)n, sizeof(out)) == 0)
		s->rtx_sent++;
}

static void on_feedback(struct lg_tp *t, const struct dp_rtcp_pkt *pk)
{
	struct dp_rtcp_fb fb;
	struct dp_rtcp_fir fir;
	struct dp_rtcp_nack nack;
	struct lg_tx_stream *s;
	if (pk->pt == 206 && pk->count == 1 && dp_rtcp_parse_pli(pk, &fb) == 0) {
		if ((s = tx_by_ssrc(t, fb.media_ssrc))) {
			s->key_pending = true;
			s->pli_rx++;
		}
	} else if (pk->pt == 206 && pk->count == 4 && dp_rtcp_parse_fir(pk, &fir) == 0) {
		for (unsigned int i = 0; i < fir.count; i++)
			if ((s = tx_by_ssrc(t, fir.entry[i].ssrc))) {
				s->key_pending = true;
				s->pli_rx++;
			}
	} else if (pk->pt == 205 && pk->count == 1 && dp_rtcp_parse_nack(pk, &nack) == 0) {
		if (!(s = tx_by_ssrc(t, nack.media_ssrc)))
			return;
		uint16_t lost[64];
		size_t n = dp_rtcp_nack_lost(&nack, lost, 64);
		if (n > 64)
			n = 64;
		s->nack_rx++;
		for (size_t i = 0; i < n; i++)
			send_rtx(t, s, lost[i]);
	}
}

static struct lg_rx_stream *rx_by_ssrc(struct lg_tp *t, uint32_t ssrc, bool *is_rtx);

void lg_media_on_rtcp(struct lg_tp *t, const uint8_t *pkt, uint32_t len, uint64_t now)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pk;
	if (dp_rtcp_iter_init(&it, pkt, len) != 0)
		return;
	while (dp_rtcp_iter_next(&it, &pk)) {
		if (pk.pt == 205 || pk.pt == 206) {
			on_feedback(t, &pk);
		} else if (pk.pt == 200 && !t->send) {
			struct dp_rtcp_sr sr;
			bool rtx;
			struct lg_rx_stream *s;
			if (dp_rtcp_parse_sr(&pk, &sr) == 0 && (s = rx_by_ssrc(t, sr.ssrc, &rtx)) &&
			    !rtx) {
				s->sr_mid32 = dp_rtcp_ntp_mid32(sr.ntp);
				s->sr_rx_ns = now;
			}
		}
	}
}

/* ---- receive ------------------------------------------------------------ */

struct lg_rx_stream *lg_rx_stream_add(struct lg_tp *t)
{
	if (t->n_rx == t->cap_rx) {
		unsigned int nc = t->cap_rx ? t->cap_rx * 2 : 16;
		struct lg_rx_stream *n = realloc(t->rx, nc * sizeof(*n));
		if (!n)
			return NULL;
		t->rx = n, t->cap_rx = nc;
	}
	struct lg_rx_stream *s = &t->rx[t->n_rx++];
	memset(s, 0, sizeof(*s));
	return s;
}

static struct lg_rx_stream *rx_by_ssrc(struct lg_tp *t, uint32_t ssrc, bool *is_rtx)
{
	for (unsigned int i = 0; i < t->n_rx; i++) {
		struct lg_rx_stream *s = &t->rx[i];
		if (s->ssrc == ssrc) {
			*is_rtx = false;
			return s;
		}
		if (s->rtx_ssrc && s->rtx_ssrc == ssrc) {
			*is_rtx = true;
			return s;
		}
	}
	return NULL;
}

static uint32_t peer_rtcp_ssrc(const struct lg_tp *t)
{
	return 0x20000000u | (t->peer->idx * 64u + 63u);
}

static void send_nack(struct lg_tp *t, struct lg_rx_stream *s, uint32_t from_ext, uint32_t to_ext)
{
	uint16_t seqs[64];
	size_t n = 0;
	for (uint32_t e = from_ext; e < to_ext && n < 64; e++)
		seqs[n++] = (uint16_t)e;
	uint8_t buf[LG_PKT_MAX];
	size_t len = dp_rtcp_build_nack(buf, 512, peer_rtcp_ssrc(t), s->ssrc, seqs, n);
	if (len && lg_tp_protect_send_rtcp(t, buf, (uint32_t)len, sizeof(buf)) == 0)
		s->nack_sent++;
}

static void send_pli(struct lg_tp *t, struct lg_rx_stream *s)
{
	uint8_t pli[64 + DP_SRTP_MAX_TRAILER]; /* protect appends the SRTCP trailer */
	size_t pl = dp_rtcp_build_pli(pli, 64, peer_rtcp_ssrc(t), s->ssrc);
	if (pl && lg_tp_protect_send_rtcp(t, pli, (uint32_t)pl, sizeof(pli)) == 0)
		s->pli_sent++;
}

/* True when pkt is the first packet of one of our key frames (the trailer's
 * flag; a foreign payload counts as key, we cannot tell). */
static bool first_is_key(const uint8_t *pkt, const struct dp_rtp_info *ri)
{
	if (ri->payload_len < LG_TRAILER_LEN)
		return true;
	const struct lg_trailer_wire *w =
		(const void *)(pkt + ri->payload_off + ri->payload_len - LG_TRAILER_LEN);
	return get32(w->magic) != LG_TRAILER_MAGIC || (w->flags & TR_KEY);
}

static void on_payload(struct lg_rx_stream *s, const uint8_t *pl, uint32_t n, uint64_t now)
{
	if (n < LG_TRAILER_LEN) {
		s->foreign++;
		return;
	}
	const struct lg_trailer_wire *w = (const void *)(pl + n - LG_TRAILER_LEN);
	if (get32(w->magic) != LG_TRAILER_MAGIC) {
		s->foreign++; /* a browser's media: counted, no latency */
		return;
	}
	uint64_t sent = get64(w->send_ns);
	if (sent > now || now - sent > 60000000000ull) {
		s->bad_payload++;
		return;
	}
	uint64_t us = (now - sent) / 1000u;
	lg_hist_add(&lg.lat, us);
	lg_hist_add(&lg.lat_win, us);
	if ((w->flags & TR_KEY) && !s->first_kf_ns)
		s->first_kf_ns = now;
}

void lg_media_on_rtp(struct lg_tp *t, uint8_t *pkt, uint32_t len, uint64_t now,
		     enum lg_rx_mode mode)
{
	struct dp_rtp_info ri;
	if (dp_rtp_parse(pkt, len, &ri) != DP_RTP_OK)
		return;
	bool rtx = false;
	struct lg_rx_stream *s = rx_by_ssrc(t, ri.ssrc, &rtx);
	if (!s) {
		t->unknown_ssrc++;
		return;
	}
	if (mode == LG_RX_REPLAY) {
		s->seq.dup++;
		return;
	}
	uint16_t seq = ri.seq;
	if (rtx) {
		if (mode != LG_RX_CLEAR || ri.payload_len < 2)
			return;
		size_t nl;
		if (dp_rtp_rtx_unwrap(pkt, len, &ri, s->ssrc, s->pt, &nl) != DP_RTP_OK)
			return;
		seq = ri.seq;
		len = (uint32_t)nl;
	}
	uint32_t gap_from, gap_to;
	if (lg_rxseq_update(&s->seq, seq, rtx, &gap_from, &gap_to) != LG_RXSEQ_NEW)
		return;
	if (gap_to != gap_from && s->kind == 1)
		send_nack(t, s, gap_from, gap_to);
	if (rtx)
		s->rtx_recovered++;
	s->bytes += len;
	if (!s->first_ns) {
		s->first_ns = now;
		/* a decoder that starts on a delta frame asks at once, as
		 * Chromium does; rr_tick repeats it every second */
		if (s->kind == 1 && mode == LG_RX_CLEAR && !first_is_key(pkt, &ri))
			send_pli(t, s);
	}
	if (s->kind == 1 && s->last_ns && now - s->last_ns > LG_FREEZE_NS && !rtx)
		s->freezes++;
	if (!rtx) {
		/* RFC 3550 A.8 interarrival jitter, in RTP timestamp units */
		int64_t arrival = (int64_t)(now / 1000u * s->clock / 1000000u);
		int64_t transit = arrival - (int64_t)ri.ts;
		if (s->last_transit) {
			int64_t dd = transit - s->last_transit;
			if (dd < 0)
				dd = -dd;
			s->jitter += ((double)dd - s->jitter) / 16.0;
		}
		s->last_transit = transit;
		s->last_ns = now;
	}
	if (mode == LG_RX_CLEAR)
		on_payload(s, pkt + ri.payload_off, ri.payload_len, now);
}

/* ---- periodic RTCP --------------------------------------------------------- */

static void sr_tick(struct lg_tp *t, uint64_t now)
{
	uint8_t buf[LG_PKT_MAX];
	size_t off = 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	for (unsigned int i = 0; i < t->n_tx; i++) {
		struct lg_tx_stream *s = &t->tx[i];
		if (!s->packets)
			continue;
		struct dp_rtcp_sr sr = {
			.ssrc = s->ssrc,
			.ntp = dp_rtcp_ntp_from_timespec(&ts),
			.rtp_ts = s->last_rtp_ts,
			.packet_count = (uint32_t)s->packets,
			.octet_count = (uint32_t)s->octets,
		};
		off += dp_rtcp_build_sr(buf + off, 256, &sr);
	}
	(void)now;
	if (off)
		lg_tp_protect_send_rtcp(t, buf, (uint32_t)off, sizeof(buf));
}

static void rr_tick(struct lg_tp *t, uint64_t now)
{
	uint8_t buf[LG_PKT_MAX];
	size_t off = 0;
	struct dp_rtcp_rr rr = { .ssrc = peer_rtcp_ssrc(t) };
	for (unsigned int i = 0; i < t->n_rx; i++) {
		struct lg_rx_stream *s = &t->rx[i];
		if (!s->seq.init || s->closed)
			continue;
		uint64_t expected = lg_rxseq_expected(&s->seq);
		uint64_t exp_int = expected - s->expected_prior;
		uint64_t rec_int = s->seq.received - s->received_prior;
		s->expected_prior = expected;
		s->received_prior = s->seq.received;
		int64_t lost_int = (int64_t)exp_int - (int64_t)rec_int;
		struct dp_rtcp_rb *rb = &rr.rb[rr.rb_count++];
		rb->ssrc = s->ssrc;
		rb->fraction_lost = (exp_int && lost_int > 0) ? (uint8_t)((lost_int << 8) / (int64_t)exp_int) : 0;
		rb->cumulative_lost = (int32_t)((int64_t)expected - (int64_t)s->seq.received);
		rb->ext_highest_seq = s->seq.max_ext - 65536u; /* lg_rxseq starts one cycle up */
		rb->jitter = (uint32_t)s->jitter;
		rb->lsr = s->sr_mid32;
		rb->dlsr = s->sr_rx_ns ? dp_rtcp_dlsr_from_ns(now - s->sr_rx_ns) : 0;
		/* PLI while a resumed video consumer has no key frame yet */
		if (s->kind == 1 && s->resumed && !s->first_kf_ns && now - s->resume_ns > 1000000000ull)
			send_pli(t, s);
		if (rr.rb_count == DP_RTCP_MAX_RB || off + 800 > sizeof(buf) - 100) {
			off += dp_rtcp_build_rr(buf + off, sizeof(buf) - off - 32, &rr);
			rr.rb_count = 0;
			if (off > 900) {
				lg_tp_protect_send_rtcp(t, buf, (uint32_t)off, sizeof(buf));
				off = 0;
			}
		}
	}
	if (rr.rb_count || !off)
		off += dp_rtcp_build_rr(buf + off, sizeof(buf) - off - 32, &rr);
	if (off)
		lg_tp_protect_send_rtcp(t, buf, (uint32_t)off, sizeof(buf));
}

void lg_media_rtcp_tick(struct lg_tp *t, uint64_t now)
{
	if (t->send)
		sr_tick(t, now);
	else
		rr_tick(t, now);
}

/* ---- totals -------------------------------------------------------------- */

/* Adds what transport t counted to tot. */
static void tp_add(struct lg_totals *tot, const struct lg_tp *t, bool live)
{
	for (unsigned int k = 0; k < t->n_tx; k++) {
		tot->tx_packets += t->tx[k].packets;
		tot->rtx_sent += t->tx[k].rtx_sent;
	}
	tot->send_err += t->send_err;
	tot->srtp_fail += t->srtp_fail;
	tot->sock_drops += t->sock_drops;
	tot->unknown_ssrc += t->unknown_ssrc;
	for (unsigned int k = 0; k < t->n_rx; k++) {
		const struct lg_rx_stream *s = &t->rx[k];
		tot->consumers++;
		if (!s->seq.init) {
			/* closed (producer gone, churn) before anything came: not
			 * a failure; a live one that never received is */
			if (live && !s->closed)
				tot->consumers_silent++;
			continue;
		}
		tot->consumers_receiving++;
		uint64_t expected = lg_rxseq_expected(&s->seq);
		uint64_t lost = expected > s->seq.received ? expected - s->seq.received : 0;
		tot->expected += expected;
		tot->rx_packets += s->seq.received;
		tot->lost += lost;
		tot->expected_kind[s->kind] += expected;
		tot->lost_kind[s->kind] += lost;
		tot->dup += s->seq.dup;
		tot->reorder += s->seq.reorder;
		tot->rtx_recovered += s->rtx_recovered;
		tot->nack_sent += s->nack_sent;
		tot->pli_sent += s->pli_sent;
		tot->freezes += s->freezes;
		tot->foreign += s->foreign;
		tot->bad_payload += s->bad_payload;
	}
}

/* What transports closed before now counted (churn): kept so that the
 * totals never go backwards. */
static struct lg_totals retired;

void lg_totals_retire(const struct lg_tp *t)
{
	tp_add(&retired, t, false);
}

void lg_totals(struct lg_totals *tot)
{
	*tot = retired;
	for (unsigned int i = 0; i < lg.n_peers; i++) {
		tp_add(tot, &lg.peers[i].tp_send, true);
		tp_add(tot, &lg.peers[i].tp_recv, true);
	}
}
