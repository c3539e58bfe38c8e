/* SPDX-License-Identifier: MIT */
/*
 * lg_peer.c - one peer's signaling, in the order mediasoup-client does it:
 *   CONNECT (token) -> mediasoup:join -> create-transport recv (and send when
 *   publishing) -> connect-transport {role: client, sha-256 fingerprint} ->
 *   produce audio (+ video) on the send transport; consume every existing
 *   and every new producer of the room -> resume-consumer.
 * ICE starts once connect-transport is answered, DTLS once ICE answered
 * (lg_net.c). The peer is "up" when both transports are connected and every
 * produce is answered; the time from start to up is its join time.
 */
#include "lg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cp_dtls.h"

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* A failed answer: NULL (timeout) or {error, code}. Returns true on error. */
static bool answer_failed(struct lg_peer *p, json_t *r, const char *what)
{
	if (!r) {
		if (p->state != LG_PEER_FAILED && p->state != LG_PEER_LEAVING &&
		    p->state != LG_PEER_GONE)
			lg_fail(p, "%s: no answer", what);
		return true;
	}
	if (json_object_get(r, "error")) {
		lg_fail(p, "%s: %s (%s)", what, jstr(r, "code"), jstr(r, "error"));
		return true;
	}
	return false;
}

static void check_up(struct lg_peer *p)
{
	if (p->state != LG_PEER_SETUP)
		return;
	if (p->tp_recv.state != LG_TP_CONNECTED)
		return;
	if (p->publisher && (p->tp_send.state != LG_TP_CONNECTED ||
			     p->produce_done < p->produce_wanted))
		return;
	p->state = LG_PEER_UP;
	p->up_ns = lg_now_ns();
	lg_hist_add(&lg.join, (p->up_ns - p->start_ns) / 1000000u);
	if (lg.o.verbose)
		lg_log(p, "up in %llu ms", (unsigned long long)((p->up_ns - p->start_ns) / 1000000u));
}

/* ---- consume ---------------------------------------------------------- */

static void on_resumed(struct lg_peer *p, json_t *r, void *arg)
{
	struct lg_rx_stream *s = &p->tp_recv.rx[(uintptr_t)arg];
	if (answer_failed(p, r, "resume-consumer"))
		return;
	s->resumed = true;
	s->resume_ns = lg_now_ns();
}

static void on_consumed(struct lg_peer *p, json_t *r, void *arg)
{
	(void)arg;
	if (answer_failed(p, r, "consume"))
		return;
	json_t *c = json_object_get(r, "consumer");
	json_t *rp = json_object_get(c, "rtpParameters");
	json_t *enc = json_array_get(json_object_get(rp, "encodings"), 0);
	json_t *codecs = json_object_get(rp, "codecs");
	if (!json_is_object(c) || !json_is_object(enc) || !json_array_size(codecs)) {
		lg_fail(p, "consume: answer without consumer rtpParameters");
		return;
	}
	struct lg_rx_stream *s = lg_rx_stream_add(&p->tp_recv);
	if (!s) {
		lg_fail(p, "consume: out of memory");
		return;
	}
	snprintf(s->consumer_id, sizeof(s->consumer_id), "%s", jstr(c, "id"));
	snprintf(s->producer_id, sizeof(s->producer_id), "%s", jstr(c, "producerId"));
	s->kind = strcmp(jstr(c, "kind"), "video") == 0;
	s->ssrc = (uint32_t)json_integer_value(json_object_get(enc, "ssrc"));
	s->rtx_ssrc = (uint32_t)json_integer_value(
		json_object_get(json_object_get(enc, "rtx"), "ssrc"));
	size_t i;
	json_t *cd;
	json_array_foreach(codecs, i, cd) {
		const char *mt = jstr(cd, "mimeType");
		uint8_t pt = (uint8_t)json_integer_value(json_object_get(cd, "payloadType"));
		if (strcasecmp(mt, "video/rtx") == 0)
			s->rtx_pt = pt;
		else if (i == 0) {
			s->pt = pt;
			s->clock = (uint32_t)json_integer_value(json_object_get(cd, "clockRate"));
		}
	}
	if (!s->clock)
		s->clock = s->kind ? 90000 : 48000;
	uintptr_t idx = (uintptr_t)(s - p->tp_recv.rx);
	lg_sio_request(p, "mediasoup:resume-consumer",
		       json_pack("{s:s}", "consumerId", s->consumer_id), on_resumed, (void *)idx);
}

static void consume(struct lg_peer *p, json_t *prod)
{
	const char *pid = jstr(prod, "producerId");
	const char *ppeer = jstr(prod, "peerId");
	if (!*pid)
		return;
	if (p->tp_recv.state == LG_TP_NONE) {
		/* mediasoup-client needs the recv transport first: keep it */
		json_array_append(p->pending_consumes, prod);
		return;
	}
	json_t *req = json_pack("{s:s,s:s,s:O}", "producerPeerId", ppeer, "producerId", pid,
				"rtpCapabilities", p->rtp_caps);
	lg_sio_request(p, "mediasoup:consume", req, on_consumed, NULL);
}

/* ---- produce ---------------------------------------------------------- */

static json_t *ext(const char *uri, int id)
{
	return json_pack("{s:s,s:i,s:b,s:{}}", "uri", uri, "id", id, "encrypt", 0, "parameters");
}

static json_t *audio_params(struct lg_tx_stream *s, const char *cname)
{
	return json_pack(
		"{s:s,s:[{s:s,s:i,s:i,s:i,s:{s:i,s:i},s:[{s:s,s:s}]}],s:[oooo],s:[{s:I,s:b}],s:{s:s,s:b}}",
		"mid", "0", "codecs", "mimeType", "audio/opus", "payloadType", LG_PT_OPUS,
		"clockRate", 48000, "channels", 2, "parameters", "minptime", 10, "useinbandfec", 1,
		"rtcpFeedback", "type", "transport-cc", "parameter", "", "headerExtensions",
		ext("urn:ietf:params:rtp-hdrext:sdes:mid", LG_EXT_MID),
		ext("http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", LG_EXT_ABS_SEND_TIME),
		ext("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
		    LG_EXT_TWCC),
		ext("urn:ietf:params:rtp-hdrext:ssrc-audio-level", LG_EXT_AUDIO_LEVEL), "encodings",
		"ssrc", (json_int_t)s->ssrc, "dtx", 0, "rtcp", "cname", cname, "reducedSize", 1);
}

static json_t *video_params(struct lg_tp *t, const char *cname)
{
	json_t *fb = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "type",
			       "goog-remb", "parameter", "", "type", "transport-cc", "parameter", "",
			       "type", "ccm", "parameter", "fir", "type", "nack", "parameter", "",
			       "type", "nack", "parameter", "pli");
	json_t *enc = json_array();
	for (unsigned int i = 1; i < t->n_tx; i++) {
		struct lg_tx_stream *s = &t->tx[i];
		json_t *e = json_pack("{s:I,s:{s:I}}", "ssrc", (json_int_t)s->ssrc, "rtx", "ssrc",
				      (json_int_t)s->rtx_ssrc);
		if (t->n_tx > 2) {
			json_object_set_new(e, "scalabilityMode", json_string("L1T3"));
			json_object_set_new(e, "scaleResolutionDownBy",
					    json_real((double)(1u << (t->n_tx - 2 - (i - 1)))));
		}
		json_array_append_new(enc, e);
	}
	return json_pack(
		"{s:s,s:[{s:s,s:i,s:i,s:{},s:o},{s:s,s:i,s:i,s:{s:i},s:[]}],s:[ooo],s:o,s:{s:s,s:b}}",
		"mid", "1", "codecs", "mimeType", "video/VP8", "payloadType", LG_PT_VP8, "clockRate",
		90000, "parameters", "rtcpFeedback", fb, "mimeType", "video/rtx", "payloadType",
		LG_PT_RTX, "clockRate", 90000, "parameters", "apt", LG_PT_VP8, "rtcpFeedback",
		"headerExtensions", ext("urn:ietf:params:rtp-hdrext:sdes:mid", LG_EXT_MID),
		ext("http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", LG_EXT_ABS_SEND_TIME),
		ext("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
		    LG_EXT_TWCC),
		"encodings", enc, "rtcp", "cname", cname, "reducedSize", 1);
}

static void on_produced(struct lg_peer *p, json_t *r, void *arg)
{
	uintptr_t kind = (uintptr_t)arg;
	if (answer_failed(p, r, kind ? "produce video" : "produce audio"))
		return;
	struct lg_tp *t = &p->tp_send;
	for (unsigned int i = 0; i < t->n_tx; i++)
		if (t->tx[i].kind == kind)
			t->tx[i].active = true;
	p->produce_done++;
	check_up(p);
}

static void produce_all(struct lg_peer *p)
{
	struct lg_tp *t = &p->tp_send;
	char cname[48];
	snprintf(cname, sizeof(cname), "%s-%u", p->name, p->generation);
	uint32_t base = (uint32_t)((p->idx + 1) * 64 + (p->generation % 1024) * 0x100000u) | 0x10000000u;
	lg_tx_stream_init(&t->tx[0], 0, base, 0);
	t->n_tx = 1;
	p->produce_wanted = 1;
	if (!lg.o.audio_only) {
		unsigned int layers = lg.o.simulcast ? LG_MAX_LAYERS : 1;
		for (unsigned int l = 0; l < layers; l++)
			lg_tx_stream_init(&t->tx[1 + l], 1, base + 2 + 2 * l, l);
		t->n_tx = 1 + layers;
		p->produce_wanted = 2;
	}
	lg_sio_request(p, "mediasoup:produce",
		       json_pack("{s:s,s:s,s:o,s:{s:s}}", "transportId", t->id, "kind", "audio",
				 "rtpParameters", audio_params(&t->tx[0], cname), "appData",
				 "source", "mic"),
		       on_produced, (void *)0);
	if (!lg.o.audio_only)
		lg_sio_request(p, "mediasoup:produce",
			       json_pack("{s:s,s:s,s:o,s:{s:s}}", "transportId", t->id, "kind",
					 "video", "rtpParameters", video_params(t, cname), "appData",
					 "source", "webcam"),
			       on_produced, (void *)1);
}

/* ---- transports ------------------------------------------------------- */

static void on_connected_tp(struct lg_peer *p, json_t *r, void *arg)
{
	struct lg_tp *t = arg;
	if (answer_failed(p, r, "connect-transport"))
		return;
	lg_tp_start_ice(t);
	if (t->send)
		produce_all(p);
}

static void on_created(struct lg_peer *p, json_t *r, void *arg)
{
	struct lg_tp *t = arg;
	if (answer_failed(p, r, t->send ? "create-transport send" : "create-transport recv"))
		return;
	json_t *tj = json_object_get(r, "transport");
	if (lg_tp_open(t, tj) < 0) {
		if (p->state != LG_PEER_FAILED)
			lg_fail(p, "create-transport: unusable transport in the answer");
		return;
	}
	json_t *req = json_pack("{s:s,s:{s:s,s:[{s:s,s:s}]}}", "transportId", t->id,
				"dtlsParameters", "role", "client", "fingerprints", "algorithm",
				"sha-256", "value", cp_dtls_cert_fingerprint(lg.cert));
	lg_sio_request(p, "mediasoup:connect-transport", req, on_connected_tp, t);
	if (!t->send) {
		size_t i;
		json_t *pr;
		json_t *pend = p->pending_consumes;
		p->pending_consumes = json_array();
		json_array_foreach(pend, i, pr)
			consume(p, pr);
		json_decref(pend);
	}
}

static void on_joined(struct lg_peer *p, json_t *r, void *arg)
{
	(void)arg;
	if (answer_failed(p, r, "join"))
		return;
	snprintf(p->peer_id, sizeof(p->peer_id), "%s", jstr(r, "peerId"));
	json_decref(p->rtp_caps);
	p->rtp_caps = json_incref(json_object_get(r, "rtpCapabilities"));
	if (!json_is_object(p->rtp_caps)) {
		lg_fail(p, "join: answer without rtpCapabilities");
		return;
	}
	p->state = LG_PEER_SETUP;
	p->tp_recv.send = false;
	p->tp_send.send = true;
	p->tp_recv.peer = p->tp_send.peer = p;
	lg_sio_request(p, "mediasoup:create-transport", json_pack("{s:s}", "direction", "recv"),
		       on_created, &p->tp_recv);
	if (p->publisher)
		lg_sio_request(p, "mediasoup:create-transport",
			       json_pack("{s:s}", "direction", "send"), on_created, &p->tp_send);
	size_t i;
	json_t *pr;
	json_array_foreach(json_object_get(r, "existingProducers"), i, pr)
		consume(p, pr);
}

void lg_peer_on_sio_open(struct lg_peer *p)
{
	char room[160];
	snprintf(room, sizeof(room), "%s-%u", lg.o.room_prefix, p->room);
	p->state = LG_PEER_JOINING;
	lg_sio_request(p, "mediasoup:join", json_pack("{s:s}", "channelId", room), on_joined, NULL);
}

void lg_peer_on_event(struct lg_peer *p, const char *name, json_t *data)
{
	if (!name || p->state == LG_PEER_FAILED || p->state == LG_PEER_GONE)
		return;
	if (strcmp(name, "mediasoup:new-producer") == 0) {
		consume(p, data);
	} else if (strcmp(name, "mediasoup:consumer-closed") == 0 ||
		   strcmp(name, "mediasoup:producer-closed") == 0) {
		const char *cid = jstr(data, "consumerId"), *pid = jstr(data, "producerId");
		for (unsigned int i = 0; i < p->tp_recv.n_rx; i++) {
			struct lg_rx_stream *s = &p->tp_recv.rx[i];
			if ((*cid && strcmp(s->consumer_id, cid) == 0) ||
			    (*pid && strcmp(s->producer_id, pid) == 0))
				s->closed = true;
		}
	}
}

/* Resets everything but the identity, so that a churned peer starts anew. */
static void peer_reset(struct lg_peer *p)
{
	lg_sio_drop_pending(p);
	lg_tp_close(&p->tp_send);
	lg_tp_close(&p->tp_recv);
	json_decref(p->rtp_caps);
	p->rtp_caps = NULL;
	json_decref(p->pending_consumes);
	p->pending_consumes = NULL;
	p->produce_wanted = p->produce_done = 0;
	p->peer_id[0] = 0;
}

void lg_peer_start(struct lg_peer *p)
{
	peer_reset(p);
	p->pending_consumes = json_array();
	p->state = LG_PEER_WS;
	p->error[0] = 0;
	p->start_ns = lg_now_ns();
	p->up_ns = 0;
	p->deadline_ns = p->start_ns + 4ull * lg.o.timeout_ms * 1000000ull;
	p->next_audio_ns = p->next_video_ns = 0;
	if (lg_sio_connect(p) < 0)
		lg_fail(p, "cannot open a WebSocket to %s:%d", lg.o.host, lg.o.port);
}

void lg_peer_on_closed(struct lg_peer *p, const char *why)
{
	if (p->state == LG_PEER_LEAVING || p->state == LG_PEER_GONE) {
		p->state = LG_PEER_GONE;
		peer_reset(p);
		return;
	}
	if (p->state != LG_PEER_FAILED)
		lg_fail(p, "%s", why);
}

static void on_left(struct lg_peer *p, json_t *r, void *arg)
{
	(void)r, (void)arg;
	lg_sio_close(p);
}

void lg_peer_leave(struct lg_peer *p)
{
	if (p->state == LG_PEER_IDLE || p->state == LG_PEER_GONE)
		return;
	if (p->state == LG_PEER_FAILED) {
		lg_sio_close(p);
		peer_reset(p);
		return;
	}
	p->state = LG_PEER_LEAVING;
	p->leave_ns = lg_now_ns();
	if (p->sio_open)
		lg_sio_request(p, "mediasoup:leave", json_object(), on_left, NULL);
	else
		lg_sio_close(p);
}

void lg_peer_tick(struct lg_peer *p, uint64_t now)
{
	lg_sio_timeouts(p, now);
	if (p->state == LG_PEER_WS || p->state == LG_PEER_JOINING || p->state == LG_PEER_SETUP) {
		lg_tp_tick(&p->tp_send, now);
		lg_tp_tick(&p->tp_recv, now);
		check_up(p);
		if (p->state != LG_PEER_UP && p->state != LG_PEER_FAILED && now > p->deadline_ns)
			lg_fail(p, "not connected after %u ms (send %d recv %d)",
				4 * lg.o.timeout_ms, p->tp_send.state, p->tp_recv.state);
	} else if (p->state == LG_PEER_UP) {
		lg_tp_tick(&p->tp_send, now);
		lg_tp_tick(&p->tp_recv, now);
		lg_media_tick(p, now);
	} else if (p->state == LG_PEER_LEAVING && now > p->leave_ns + 2000000000ull) {
		lg_sio_close(p);
		p->state = LG_PEER_GONE;
		peer_reset(p);
	}
}
