/* SPDX-License-Identifier: MIT */
/*
 * cp_media - producers and consumers (PeerWave's PeerManager media part):
 * ORTC validation and mapping (controlplane/ortc), the data plane's
 * producer streams, consumer rewrite entries and fan-out masks, and the
 * producer-closed / consumer-closed notifications.
 *
 * Data-plane commands of one operation are sent only when every ring they
 * go to has room for them, so a full ring refuses the whole request
 * (OVERLOADED) instead of leaving half of it programmed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cp_log.h"
#include "cp_sig_int.h"

#define MID_WRAP 100000000u /* mediasoup's per-transport mid counter wraps here */

static int room_for(struct cp_signal *s, uint32_t a, uint32_t b)
{
	if (a == b)
		return cp_sig_ring_room(s, a, 2);
	return cp_sig_ring_room(s, a, 1) && cp_sig_ring_room(s, b, 1);
}

/* ------------------------------------------------------------------ */
/* Producers                                                           */
/* ------------------------------------------------------------------ */

static int ssrc_taken(struct cp_peer *p, const struct cp_transport *t, uint32_t ssrc)
{
	struct cp_link *l, *tmp;
	if (!ssrc)
		return 0;
	cp_list_for_each_safe(l, tmp, &p->producers)
	{
		struct cp_producer *o = cp_container_of(l, struct cp_producer, peer_link);
		if (o->t != t)
			continue;
		if (o->ortc.ssrc == ssrc || o->ortc.rtx_ssrc == ssrc)
			return 1;
		for (unsigned int i = 0; i < o->ortc.n_layers && i < SL_SIM_LAYERS_MAX; i++)
			if (o->ortc.layer_ssrc[i] == ssrc || o->ortc.layer_rtx_ssrc[i] == ssrc)
				return 1;
	}
	return 0;
}

/* Whether any SSRC of pr (every simulcast layer's, media and RTX) is taken. */
static int any_ssrc_taken(struct cp_peer *p, const struct cp_transport *t,
			  const struct cp_producer *pr)
{
	if (ssrc_taken(p, t, pr->ortc.ssrc) || ssrc_taken(p, t, pr->ortc.rtx_ssrc))
		return 1;
	for (unsigned int i = 1; i < pr->ortc.n_layers && i < SL_SIM_LAYERS_MAX; i++)
		if (ssrc_taken(p, t, pr->ortc.layer_ssrc[i]) ||
		    ssrc_taken(p, t, pr->ortc.layer_rtx_ssrc[i]))
			return 1;
	return 0;
}

static enum cp_sig_code producer_check(struct cp_signal *s, struct cp_peer *p,
				       struct cp_transport *t, struct cp_producer *pr, char *err,
				       size_t errlen)
{
	if (any_ssrc_taken(p, t, pr)) {
		snprintf(err, errlen, "an ssrc of these rtpParameters is already used by another "
				      "producer of this transport");
		return CP_SIG_BAD_REQUEST;
	}
	if (!cp_sig_ring_room(s, t->lcore, 1)) {
		snprintf(err, errlen, "the data plane is busy: try again shortly");
		return CP_SIG_OVERLOADED;
	}
	if (cp_idpool_alloc(&s->pids, &pr->pid)) {
		snprintf(err, errlen, "the data plane's producer limit is reached");
		return CP_SIG_OVERLOADED;
	}
	return CP_SIG_OK;
}

enum cp_sig_code cp_producer_create(struct cp_signal *s, struct cp_peer *p, struct cp_transport *t,
				    const char *kind, json_t *rtp_parameters,
				    struct cp_producer **out, char *err, size_t errlen)
{
	if (!t->is_send) {
		snprintf(err, errlen, "transport %s is a recv transport: produce on a send "
				      "transport", t->id);
		return CP_SIG_BAD_REQUEST;
	}
	if (t->n_producers >= (uint32_t)s->cfg->max_producers_per_transport) {
		s->ctr.limits[CP_SIG_LIM_MAX_PRODUCERS_PER_TRANSPORT]++;
		snprintf(err, errlen, "a transport may carry at most %d producers "
				      "(max_producers_per_transport)",
			 s->cfg->max_producers_per_transport);
		return CP_SIG_BAD_REQUEST;
	}
	struct cp_producer *pr = calloc(1, sizeof(*pr));
	if (!pr || cp_uuid4(pr->id)) {
		free(pr);
		snprintf(err, errlen, "out of memory");
		return CP_SIG_INTERNAL;
	}
	int rc = cp_ortc_producer_parse(kind, rtp_parameters, &pr->ortc, err, errlen);
	if (rc) {
		free(pr);
		if (rc == -ENOMEM) {
			snprintf(err, errlen, "out of memory");
			return CP_SIG_INTERNAL;
		}
		return CP_SIG_BAD_REQUEST;
	}
	enum cp_sig_code c = producer_check(s, p, t, pr, err, errlen);
	if (c == CP_SIG_OK && cp_map_put(&s->producers, pr->id, pr)) {
		cp_idpool_free(&s->pids, pr->pid);
		snprintf(err, errlen, "out of memory");
		c = CP_SIG_INTERNAL;
	}
	if (c != CP_SIG_OK) {
		cp_ortc_producer_clear(&pr->ortc);
		free(pr);
		return c;
	}
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_ADD;
	m.h.transport_id = t->tid;
	cp_ortc_producer_to_msg(&pr->ortc, pr->pid, &m.u.producer_add);
	cp_sig_send(s, t->lcore, &m, "produce"); /* room was checked */
	pr->create_seq = m.h.seq;
	pr->peer = p;
	pr->t = t;
	cp_list_init(&pr->consumers);
	cp_list_add_tail(&p->producers, &pr->peer_link);
	s->by_pid[pr->pid] = pr;
	t->n_producers++;
	p->room->n_producers++;
	s->n_producers++;
	cp_placement_add(&s->place, t->lcore, 0, 1, 0);
	CP_INFO_IDS(p->room->channel_id, p->id, t->id,
		    "signal: producer %s (%s, peer %s, transport %s): id %u, ssrc %u, rtx ssrc %u, "
		    "pt %u -> %u, %u layer(s)", pr->id, kind, p->id, t->id, pr->pid, pr->ortc.ssrc,
		    pr->ortc.rtx_ssrc, pr->ortc.payload_type, pr->ortc.router_pt,
		    (unsigned int)(pr->ortc.n_layers ? pr->ortc.n_layers : 1));
	*out = pr;
	return CP_SIG_OK;
}

static uint64_t fanout_mask(const struct cp_producer *pr)
{
	uint64_t mask = 0;
	const struct cp_link *l;
	for (l = pr->consumers.next; l != &pr->consumers; l = l->next) {
		const struct cp_consumer *c = cp_container_of(l, struct cp_consumer, producer_link);
		if (c->t->lcore < 64)
			mask |= 1ull << c->t->lcore;
	}
	return mask;
}

static void send_fanout(struct cp_signal *s, struct cp_producer *pr)
{
	uint64_t mask = fanout_mask(pr);
	if (mask == pr->fanout_mask)
		return;
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_FANOUT;
	m.h.transport_id = pr->t->tid;
	m.u.producer_fanout.producer_id = pr->pid;
	m.u.producer_fanout.lcore_mask = mask;
	if (cp_sig_send(s, pr->t->lcore, &m, "fan-out") == 0)
		pr->fanout_mask = mask;
}

static void consumer_close(struct cp_signal *s, struct cp_consumer *c,
			   const struct cp_peer *cause, int dp_alive, int refanout);

void cp_producer_close(struct cp_signal *s, struct cp_producer *pr, const struct cp_peer *cause,
		       int dp_alive)
{
	struct cp_peer *p = pr->peer;
	while (!cp_list_empty(&pr->consumers))
		consumer_close(s, cp_container_of(pr->consumers.next, struct cp_consumer,
						  producer_link),
			       cause, dp_alive, 0);
	if (dp_alive) {
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_PRODUCER_REMOVE;
		m.h.transport_id = pr->t->tid;
		m.u.producer_remove.producer_id = pr->pid;
		cp_sig_send(s, pr->t->lcore, &m, "close producer");
	}
	cp_audio_producer_closed(s, pr);
	if (p->room) {
		json_t *n = json_pack("{ssss}", "peerId", p->id, "producerId", pr->id);
		if (n)
			cp_sig_notify_room(s, p->room, cause, "mediasoup:producer-closed", n);
		json_decref(n);
		p->room->n_producers--;
	}
	cp_list_del(&pr->peer_link);
	cp_map_del(&s->producers, pr->id);
	if (s->by_pid && pr->pid < s->pids.cap && s->by_pid[pr->pid] == pr) {
		s->by_pid[pr->pid] = NULL;
		cp_idpool_free(&s->pids, pr->pid);
	}
	pr->t->n_producers--;
	s->n_producers--;
	cp_placement_add(&s->place, pr->t->lcore, 0, -1, 0);
	CP_INFO_IDS(cp_peer_room_id(p), p->id, pr->t->id, "signal: producer %s (peer %s) closed",
		    pr->id, p->id);
	cp_ortc_producer_clear(&pr->ortc);
	free(pr);
}

/* ------------------------------------------------------------------ */
/* Consumers                                                           */
/* ------------------------------------------------------------------ */

/* A random SSRC for a consumer on t: not 0, and neither it nor ssrc + 1
 * (its RTX) collides with another consumer of t. */
static int new_ssrc(struct cp_peer *p, const struct cp_transport *t, uint32_t *out)
{
	for (int tries = 0; tries < 16; tries++) {
		uint32_t v;
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return -EIO;
		if (v < 2 || v == UINT32_MAX)
			continue;
		int clash = 0;
		struct cp_link *l, *tmp;
		cp_list_for_each_safe(l, tmp, &p->consumers)
		{
			struct cp_consumer *o = cp_container_of(l, struct cp_consumer, peer_link);
			if (o->t == t && (o->ssrc == v || o->ssrc == v + 1 || o->rtx_ssrc == v ||
					  o->rtx_ssrc == v + 1))
				clash = 1;
		}
		if (!clash) {
			*out = v;
			return 0;
		}
	}
	return -EAGAIN;
}

static enum cp_sig_code consumer_prepare(struct cp_signal *s, struct cp_peer *p,
					 struct cp_producer *pr, json_t *caps,
					 struct cp_transport *t, struct cp_consumer *c,
					 char *err, size_t errlen)
{
	int can = cp_ortc_can_consume(&pr->ortc, caps);
	if (can < 0) {
		snprintf(err, errlen, "rtpCapabilities are malformed");
		return CP_SIG_BAD_REQUEST;
	}
	if (can == 0) {
		snprintf(err, errlen, "these rtpCapabilities cannot receive the producer's codec");
		return CP_SIG_BAD_REQUEST;
	}
	if (!room_for(s, t->lcore, pr->t->lcore)) {
		snprintf(err, errlen, "the data plane is busy: try again shortly");
		return CP_SIG_OVERLOADED;
	}
	if (cp_uuid4(c->id) || new_ssrc(p, t, &c->ssrc)) {
		snprintf(err, errlen, "no randomness available");
		return CP_SIG_INTERNAL;
	}
	return CP_SIG_OK;
}

/* The per-peer limits of consume, before any work: one consumer per
 * producer per peer (a second one would only duplicate the stream and its
 * data-plane state) and at most max_consumers_per_peer. */
static enum cp_sig_code consumer_limits(struct cp_signal *s, const struct cp_peer *p,
					const struct cp_producer *pr, char *err, size_t errlen)
{
	const struct cp_link *l;
	for (l = p->consumers.next; l != &p->consumers; l = l->next) {
		const struct cp_consumer *o = cp_container_of(l, struct cp_consumer, peer_link);
		if (o->producer == pr) {
			s->ctr.limits[CP_SIG_LIM_DUPLICATE_CONSUMER]++;
			snprintf(err, errlen, "this peer already consumes producer %s (consumer %s)",
				 pr->id, o->id);
			return CP_SIG_BAD_REQUEST;
		}
	}
	if (p->n_consumers >= (uint32_t)s->cfg->max_consumers_per_peer) {
		s->ctr.limits[CP_SIG_LIM_MAX_CONSUMERS_PER_PEER]++;
		snprintf(err, errlen, "a peer may hold at most %d consumers "
				      "(max_consumers_per_peer)", s->cfg->max_consumers_per_peer);
		return CP_SIG_BAD_REQUEST;
	}
	return CP_SIG_OK;
}

enum cp_sig_code cp_consumer_create(struct cp_signal *s, struct cp_peer *p,
				    struct cp_producer *pr, json_t *caps,
				    struct cp_transport *t, struct cp_consumer **out,
				    json_t **rtp_parameters, char *err, size_t errlen)
{
	enum cp_sig_code lim = consumer_limits(s, p, pr, err, errlen);
	if (lim != CP_SIG_OK)
		return lim;
	struct cp_consumer *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return CP_SIG_INTERNAL;
	}
	enum cp_sig_code code = consumer_prepare(s, p, pr, caps, t, c, err, errlen);
	if (code != CP_SIG_OK) {
		free(c);
		return code;
	}
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	json_t *params = cp_ortc_consumer_params(&pr->ortc, caps, c->ssrc, 0, NULL,
						 &m.u.consumer_add, err, errlen);
	if (!params) {
		free(c);
		return CP_SIG_BAD_REQUEST;
	}
	code = CP_SIG_OK;
	if (cp_ortc_consumer_set_mid(params, t->next_mid)) {
		code = CP_SIG_INTERNAL;
	} else if (cp_idpool_alloc(&s->cids, &c->cid)) {
		code = CP_SIG_OVERLOADED;
	} else if (cp_map_put(&s->consumers, c->id, c)) {
		cp_idpool_free(&s->cids, c->cid);
		code = CP_SIG_INTERNAL;
	}
	if (code != CP_SIG_OK) {
		json_decref(params);
		free(c);
		snprintf(err, errlen, code == CP_SIG_OVERLOADED
					      ? "the data plane's consumer limit is reached"
					      : "out of memory");
		return code;
	}
	t->next_mid = (t->next_mid + 1) % MID_WRAP;
	c->rtx_ssrc = m.u.consumer_add.rtx_ssrc;
	m.h.type = SL_MSG_CONSUMER_ADD;
	m.h.transport_id = t->tid;
	m.u.consumer_add.consumer_id = c->cid;
	m.u.consumer_add.producer_id = pr->pid;
	m.u.consumer_add.paused = 1;
	cp_sig_send(s, t->lcore, &m, "consume"); /* room was checked */
	c->create_seq = m.h.seq;
	c->peer = p;
	c->t = t;
	c->producer = pr;
	c->paused = 1;
	cp_list_add_tail(&p->consumers, &c->peer_link);
	cp_list_add_tail(&pr->consumers, &c->producer_link);
	s->by_cid[c->cid] = c;
	pr->n_consumers++;
	p->n_consumers++;
	t->n_consumers++;
	p->room->n_consumers++;
	s->n_consumers++;
	cp_placement_add(&s->place, t->lcore, 0, 0, 1);
	send_fanout(s, pr);
	CP_INFO_IDS(p->room->channel_id, p->id, t->id,
		    "signal: consumer %s (peer %s, transport %s) of producer %s: id %u, ssrc %u, "
		    "rtx ssrc %u, lcore %u", c->id, p->id, t->id, pr->id, c->cid, c->ssrc,
		    c->rtx_ssrc, t->lcore);
	*out = c;
	*rtp_parameters = params;
	return CP_SIG_OK;
}

/* Sends command type (REMOVE, PAUSE, RESUME: a struct sl_msg_consumer_ref)
 * about c to its transport's lcore. 0, or non-zero when it was not sent
 * (cp_sig_send logs and counts that). */
static int consumer_cmd(struct cp_signal *s, const struct cp_consumer *c, uint16_t type,
			const char *what)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = type;
	m.h.transport_id = c->t->tid;
	m.u.consumer_ref.consumer_id = c->cid;
	return cp_sig_send(s, c->t->lcore, &m, what);
}

static void consumer_close(struct cp_signal *s, struct cp_consumer *c,
			   const struct cp_peer *cause, int dp_alive, int refanout)
{
	struct cp_producer *pr = c->producer;
	if (dp_alive)
		consumer_cmd(s, c, SL_MSG_CONSUMER_REMOVE, "close consumer");
	if (c->peer != cause) {
		json_t *n = json_pack("{ssss}", "consumerId", c->id, "producerId", pr->id);
		if (n)
			cp_sig_emit(s, c->peer, "mediasoup:consumer-closed", n);
		json_decref(n);
	}
	cp_list_del(&c->peer_link);
	cp_list_del(&c->producer_link);
	cp_map_del(&s->consumers, c->id);
	if (s->by_cid && c->cid < s->cids.cap && s->by_cid[c->cid] == c) {
		s->by_cid[c->cid] = NULL;
		cp_idpool_free(&s->cids, c->cid);
	}
	pr->n_consumers--;
	c->peer->n_consumers--;
	c->t->n_consumers--;
	if (c->peer->room)
		c->peer->room->n_consumers--;
	s->n_consumers--;
	cp_placement_add(&s->place, c->t->lcore, 0, 0, -1);
	if (refanout && dp_alive)
		send_fanout(s, pr);
	CP_DBG_IDS(cp_peer_room_id(c->peer), c->peer->id, c->t->id,
		   "signal: consumer %s (peer %s) closed", c->id, c->peer->id);
	free(c);
}

void cp_consumer_close(struct cp_signal *s, struct cp_consumer *c, const struct cp_peer *cause,
		       int dp_alive)
{
	consumer_close(s, c, cause, dp_alive, 1);
}

enum cp_sig_code cp_consumer_set_paused(struct cp_signal *s, struct cp_consumer *c, int paused,
					char *err, size_t errlen)
{
	if (c->producer->paused) {
		/* muted by the operator: the data plane holds the consumer
		 * paused already; the peer's wish applies at the unmute */
		c->paused = paused;
		return CP_SIG_OK;
	}
	if (!s->dp_ready || consumer_cmd(s, c, paused ? SL_MSG_CONSUMER_PAUSE : SL_MSG_CONSUMER_RESUME,
					 paused ? "pause" : "resume")) {
		snprintf(err, errlen, "the data plane is busy: try again shortly");
		return CP_SIG_OVERLOADED;
	}
	c->paused = paused;
	/* a resumed consumer can only decode from a key frame */
	if (!paused)
		cp_producer_request_keyframe(s, c->producer, c->cid);
	return CP_SIG_OK;
}

/* The data plane has no producer-level pause (include/sluice/abi.h has no
 * PRODUCER_PAUSE): an operator's mute pauses every consumer of the
 * producer that forwards (one CONSUMER_PAUSE each, on the consumer's
 * lcore), and the unmute resumes those its peer has not paused itself.
 * Consumers created while muted start paused (as every consumer does) and
 * resume-consumer leaves them so (cp_consumer_set_paused). The producer's
 * own RTP still reaches the data plane, which drops it for want of a
 * forwarding consumer. */
enum cp_sig_code cp_producer_set_paused(struct cp_signal *s, struct cp_producer *pr, int paused,
					uint32_t *changed, char *err, size_t errlen)
{
	uint32_t need[SL_MAX_LCORES] = {0};
	struct cp_link *l;
	*changed = 0;
	if (pr->paused == paused)
		return CP_SIG_OK;
	for (l = pr->consumers.next; l != &pr->consumers; l = l->next) {
		const struct cp_consumer *c = cp_container_of(l, struct cp_consumer, producer_link);
		if (!c->paused && c->t->lcore < SL_MAX_LCORES)
			need[c->t->lcore]++;
	}
	for (uint32_t i = 0; i < SL_MAX_LCORES; i++)
		if (need[i] && !cp_sig_ring_room(s, i, need[i])) {
			snprintf(err, errlen, "the data plane is busy: try again shortly");
			return CP_SIG_OVERLOADED;
		}
	const char *ev = paused ? "mediasoup:consumer-paused" : "mediasoup:consumer-resumed";
	for (l = pr->consumers.next; l != &pr->consumers; l = l->next) {
		struct cp_consumer *c = cp_container_of(l, struct cp_consumer, producer_link);
		if (!c->paused &&
		    consumer_cmd(s, c, paused ? SL_MSG_CONSUMER_PAUSE : SL_MSG_CONSUMER_RESUME,
				 paused ? "mute" : "unmute") == 0)
			(*changed)++;
		json_t *n = json_pack("{ssss}", "consumerId", c->id, "producerId", pr->id);
		if (n)
			cp_sig_emit(s, c->peer, ev, n);
		json_decref(n);
	}
	pr->paused = paused;
	/* resumed consumers decode from a key frame (best effort, like every
	 * key-frame request: not counted in the ring check above) */
	if (!paused && *changed)
		cp_producer_request_keyframe(s, pr, SL_INVALID_ID);
	json_t *n = json_pack("{ss}", "producerId", pr->id);
	if (n)
		cp_sig_emit(s, pr->peer, paused ? "mediasoup:producer-paused"
						: "mediasoup:producer-resumed", n);
	json_decref(n);
	CP_INFO("signal: producer %s (peer %s) %s by the operator: %u consumers %s", pr->id,
		pr->peer->id, paused ? "muted" : "unmuted", *changed,
		paused ? "paused" : "resumed");
	return CP_SIG_OK;
}

int cp_producer_request_keyframe(struct cp_signal *s, struct cp_producer *pr,
				 uint32_t consumer_id)
{
	struct sl_msg m;
	if (!pr || !pr->t)
		return -ENOENT;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_REQUEST_KEYFRAME;
	m.h.transport_id = pr->t->tid;
	m.u.keyframe.producer_id = pr->pid;
	m.u.keyframe.consumer_id = consumer_id;
	return cp_sig_send(s, pr->t->lcore, &m, "key frame");
}

void cp_media_keyframe_event(struct cp_signal *s, const struct sl_msg *m)
{
	uint32_t pid = m->u.keyframe.producer_id;
	if (!s->dp_ready || !s->by_pid || pid >= s->pids.cap || !s->by_pid[pid])
		return;
	cp_producer_request_keyframe(s, s->by_pid[pid], m->u.keyframe.consumer_id);
}

static void stats_copy(struct cp_stream_stats *d, const struct sl_msg_stream_stats *m)
{
	d->packets = m->packets;
	d->bytes = m->bytes;
	d->bitrate_bps = m->bitrate_bps;
	d->lost = m->lost;
	d->jitter = m->jitter;
	d->rtt_us = m->rtt_us;
}

void cp_media_stats_event(struct cp_signal *s, const struct sl_msg *m)
{
	const struct sl_msg_stream_stats *st = &m->u.stream_stats;
	if (!s->dp_ready)
		return;
	if (st->producer_id < s->pids.cap && s->by_pid[st->producer_id] &&
	    st->consumer_id == SL_INVALID_ID)
		stats_copy(&s->by_pid[st->producer_id]->stats, st);
	if (st->consumer_id < s->cids.cap && s->by_cid[st->consumer_id])
		stats_copy(&s->by_cid[st->consumer_id]->stats, st);
}
