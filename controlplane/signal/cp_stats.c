/* SPDX-License-Identifier: MIT */
/*
 * cp_stats - get-room-stats answers and the signaling layer's /metrics:
 * rooms, peers, transports, producers, consumers, answers by code, DTLS
 * outcomes and the placement's per-lcore load next to the data plane's
 * packet counters.
 *
 * Per peer (get-room-stats peerStats) and per transport (/metrics, labels
 * room, peer, transport, direction): ICE and DTLS state, and from the data
 * plane's struct sl_transport_counters in the segment the packet counters,
 * bitrates, RTT, loss both ways and NACK/RTX/PLI counters; per producer and
 * consumer the last SL_MSG_STREAM_STATS (cp_media.c keeps it). Everything
 * is read at the time of the request: no state of its own.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cp_sig_int.h"

/* ---- per transport and per stream figures ---- */

/* The data plane's counters of t, or NULL while no data plane is ready. */
static const struct sl_transport_counters *tp_counters(const struct cp_signal *s,
							const struct cp_transport *t)
{
	if (!s->dp_ready)
		return NULL;
	return cp_dp_transport_counters(s->dp, t->tid);
}

static void set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX
									 : (json_int_t)v));
}

/* Milliseconds of a round-trip time in us; null while unknown (0). */
static json_t *rtt_ms(uint64_t us)
{
	return us ? json_real((double)us / 1000.0) : json_null();
}

static const char *kind_name(uint8_t kind)
{
	return kind == SL_KIND_AUDIO ? "audio" : "video";
}

/* The data plane's counters of a transport as they are shown: their key in
 * transportList / peerStats (in this order) and, unless name is NULL, their
 * /metrics series. TP_RTT: a round-trip time in us, 0 until measured:
 * rttMs in milliseconds (null while 0), a series in seconds (no line while
 * 0). */
enum tp_unit { TP_COUNT, TP_RTT };
static const struct tp_field {
	const char *key;
	const char *name, *type, *help;
	size_t off;
	enum tp_unit unit;
} tp_fields[] = {
#define TF(f, k, n, ty, h) {k, n, ty, h, offsetof(struct sl_transport_counters, f), TP_COUNT}
	TF(rx_pkts, "rxPackets", "sluice_transport_rx_packets_total", "counter",
	   "Datagrams received"),
	TF(tx_pkts, "txPackets", "sluice_transport_tx_packets_total", "counter", "Datagrams sent"),
	TF(rx_bytes, "rxBytes", NULL, NULL, NULL),
	TF(tx_bytes, "txBytes", NULL, NULL, NULL),
	TF(rx_bps, "rxBitrate", "sluice_transport_rx_bitrate_bps", "gauge",
	   "Received bit/s over the last second"),
	TF(tx_bps, "txBitrate", "sluice_transport_tx_bitrate_bps", "gauge",
	   "Sent bit/s over the last second"),
	TF(avail_out_bps, "availableOutgoingBitrate", "sluice_transport_available_outgoing_bitrate_bps",
	   "gauge", "Send-side bandwidth estimate towards the receiver (transport-cc/REMB)"),
	{"rttMs", "sluice_transport_rtt_seconds", "gauge",
	 "Latest round-trip time measured with a consumer's receiver (absent until measured)",
	 offsetof(struct sl_transport_counters, rtt_us), TP_RTT},
	TF(rtp_lost, "packetsLost", "sluice_transport_packets_lost_total", "counter",
	   "Producer RTP packets never received (as in our receiver reports)"),
	TF(remote_lost, "remotePacketsLost", "sluice_transport_remote_packets_lost", "gauge",
	   "Cumulative loss the receivers of this transport's consumers report"),
	TF(nack_in, "nackIn", "sluice_transport_nack_in_total", "counter", "NACK packets received"),
	TF(nack_out, "nackOut", "sluice_transport_nack_out_total", "counter", "NACK packets sent"),
	TF(rtx_out, "rtxOut", "sluice_transport_rtx_out_total", "counter", "Retransmissions sent"),
	TF(rtx_miss, "rtxMiss", "sluice_transport_rtx_miss_total", "counter",
	   "Sequence numbers asked for that the retransmission buffer no longer held"),
	TF(pli_in, "pliIn", "sluice_transport_pli_in_total", "counter", "PLI packets received"),
	TF(pli_out, "pliOut", "sluice_transport_pli_out_total", "counter",
	   "Key-frame requests (PLI/FIR) sent"),
	TF(pli_suppressed, "pliSuppressed", "sluice_transport_pli_suppressed_total", "counter",
	   "Key-frame requests not sent: rate limit"),
#undef TF
};

static uint64_t tp_value(const struct sl_transport_counters *c, const struct tp_field *f)
{
	return *(const volatile uint64_t *)(const void *)((const char *)c + f->off);
}

/* A transport of transportList and of peerStats[].transports: its states
 * and, while a data plane is ready, its counters (0 / null otherwise). */
static json_t *transport_stats(struct cp_signal *s, const struct cp_transport *t)
{
	const struct sl_transport_counters *c = tp_counters(s, t);
	struct sl_transport_counters z;
	if (!c) {
		memset(&z, 0, sizeof(z));
		c = &z;
	}
	json_t *o = json_pack("{sssssssIsIsssssbsIsI}", "id", t->id, "peerId", t->peer->id,
			      "direction", t->is_send ? "send" : "recv", "lcore",
			      (json_int_t)t->lcore, "port", (json_int_t)t->port, "iceState",
			      cp_transport_ice_name(t->ice), "dtlsState",
			      cp_dtls_state_name(cp_dtls_state(t->dtls)), "srtpKeys", t->keys_sent,
			      "producers", (json_int_t)t->n_producers, "consumers",
			      (json_int_t)t->n_consumers);
	if (!o)
		return json_object();
	set_int(o, "dataPlaneErrors", t->dp_errors);
	for (size_t k = 0; k < sizeof(tp_fields) / sizeof(tp_fields[0]); k++) {
		const struct tp_field *f = &tp_fields[k];
		if (f->unit == TP_RTT)
			json_object_set_new(o, f->key, rtt_ms(tp_value(c, f)));
		else
			set_int(o, f->key, tp_value(c, f));
	}
	return o;
}

/* The figures of the last SL_MSG_STREAM_STATS of a stream. */
static void stream_figures(json_t *o, const struct cp_stream_stats *st)
{
	set_int(o, "bitrate", st->bitrate_bps);
	set_int(o, "packets", st->packets);
	set_int(o, "bytes", st->bytes);
	set_int(o, "lost", st->lost);
	set_int(o, "jitter", st->jitter);
}

static json_t *producer_stats(const struct cp_producer *pr)
{
	json_t *o = json_pack("{sssssssIsb}", "id", pr->id, "transportId", pr->t->id, "kind",
			      kind_name(pr->ortc.kind), "ssrc", (json_int_t)pr->ortc.ssrc, "paused",
			      pr->paused);
	if (!o)
		return json_object();
	stream_figures(o, &pr->stats);
	return o;
}

static json_t *consumer_stats(const struct cp_consumer *c)
{
	json_t *o = json_pack("{sssssssssIsbsb}", "id", c->id, "producerId", c->producer->id,
			      "transportId", c->t->id, "kind", kind_name(c->producer->ortc.kind),
			      "ssrc", (json_int_t)c->ssrc, "paused", c->paused, "producerPaused",
			      c->producer->paused);
	if (!o)
		return json_object();
	stream_figures(o, &c->stats);
	json_object_set_new(o, "rttMs", rtt_ms(c->stats.rtt_us));
	return o;
}

/* peerStats[i]: a peer with its transports, producers and consumers. */
static json_t *peer_stats(struct cp_signal *s, const struct cp_peer *p)
{
	json_t *tr = json_array(), *pr = json_array(), *co = json_array();
	const struct cp_link *l;
	for (l = p->transports.next; tr && l != &p->transports; l = l->next)
		json_array_append_new(tr, transport_stats(s, cp_container_of(l, struct cp_transport,
									     peer_link)));
	for (l = p->producers.next; pr && l != &p->producers; l = l->next)
		json_array_append_new(pr, producer_stats(cp_container_of(l, struct cp_producer,
									 peer_link)));
	for (l = p->consumers.next; co && l != &p->consumers; l = l->next)
		json_array_append_new(co, consumer_stats(cp_container_of(l, struct cp_consumer,
									 peer_link)));
	json_t *o = json_pack("{sssssososo}", "peerId", p->id, "userId", p->claims.sub,
			      "transports", tr ? tr : json_array(), "producers",
			      pr ? pr : json_array(), "consumers", co ? co : json_array());
	return o ? o : json_object();
}

static json_t *lcore_stats(struct cp_signal *s, uint32_t i)
{
	const struct cp_lcore_load *ld = &s->place.load[i];
	json_int_t rx = 0, tx = 0, port = 0;
	const struct sl_lcore_counters *c = cp_dp_lcore_counters(s->dp, i);
	if (c) {
		rx = (json_int_t)c->rx_pkts;
		tx = (json_int_t)c->tx_pkts;
		port = cp_dp_lcore_port(s->dp, i);
	}
	return json_pack("{sIsIsIsIsIsIsI}", "index", (json_int_t)i, "udpPort", port,
			 "transports", (json_int_t)ld->transports, "producers",
			 (json_int_t)ld->producers, "consumers", (json_int_t)ld->consumers,
			 "rxPackets", rx, "txPackets", tx);
}

json_t *cp_stats_room(struct cp_signal *s, const struct cp_room *r)
{
	json_t *tr = json_array(), *lc = json_array(), *ps = json_array();
	const struct cp_link *l, *k;
	for (l = r->peers.next; tr && ps && l != &r->peers; l = l->next) {
		const struct cp_peer *p = cp_container_of(l, struct cp_peer, room_link);
		for (k = p->transports.next; k != &p->transports; k = k->next)
			json_array_append_new(tr, transport_stats(s, cp_container_of(
							      k, struct cp_transport, peer_link)));
		json_array_append_new(ps, peer_stats(s, p));
	}
	uint32_t n = s->dp_ready ? s->place.n_lcores : 0;
	for (uint32_t i = 0; lc && i < n; i++)
		json_array_append_new(lc, lcore_stats(s, i));
	return json_pack("{s{sssIsIsIsIsbsIsososo}}", "stats", "channelId", r->channel_id, "peers",
			 (json_int_t)r->n_peers, "producers", (json_int_t)r->n_producers,
			 "consumers", (json_int_t)r->n_consumers, "createdAt",
			 (json_int_t)r->created_at_ms, "e2eeEnabled", 1, "transports",
			 (json_int_t)r->n_transports, "transportList", tr ? tr : json_array(),
			 "lcores", lc ? lc : json_array(), "peerStats", ps ? ps : json_array());
}

static void gauge(struct cp_buf *b, const char *name, const char *help, uint64_t v)
{
	cp_buf_printf(b, "# HELP %s %s.\n# TYPE %s gauge\n%s %" PRIu64 "\n", name, help, name,
		      name, v);
}

static void placement_metrics(struct cp_signal *s, struct cp_buf *b)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
		{"sluice_placement_transports", "Transports placed on each lcore",
		 offsetof(struct cp_lcore_load, transports)},
		{"sluice_placement_producers", "Producers on each lcore",
		 offsetof(struct cp_lcore_load, producers)},
		{"sluice_placement_consumers", "Consumers on each lcore",
		 offsetof(struct cp_lcore_load, consumers)},
	};
	uint32_t n = s->dp_ready ? s->place.n_lcores : 0;
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		cp_buf_printf(b, "# HELP %s %s.\n# TYPE %s gauge\n", f[k].name, f[k].help,
			      f[k].name);
		for (uint32_t i = 0; i < n; i++) {
			const uint32_t *v = (const uint32_t *)(const void *)((const char *)&s->place
										 .load[i] + f[k].off);
			cp_buf_printf(b, "%s{lcore=\"%u\"} %u\n", f[k].name, i, *v);
		}
	}
	cp_buf_printf(b, "# HELP sluice_placement_usable_lcores Lcores transports are placed on.\n"
			 "# TYPE sluice_placement_usable_lcores gauge\n"
			 "sluice_placement_usable_lcores %u\n", n ? cp_placement_usable(&s->place) : 0);
}

/* ---- per-transport series ---- */

/* A Prometheus label value: backslash, double quote and newline escaped
 * (room names are user input). */
static void label_value(struct cp_buf *b, const char *v)
{
	const char *run = v;
	for (; *v; v++) {
		const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
		if (!esc)
			continue;
		cp_buf_append(b, run, (size_t)(v - run));
		cp_buf_append(b, esc, 2);
		run = v + 1;
	}
	cp_buf_append(b, run, (size_t)(v - run));
}

/* name{room="..",peer="..",transport="..",direction="..".  (no closing brace) */
static void tp_labels(struct cp_buf *b, const char *name, const struct cp_transport *t)
{
	const struct cp_room *r = t->peer->room;
	cp_buf_printf(b, "%s{room=\"", name);
	label_value(b, r ? r->channel_id : "");
	cp_buf_printf(b, "\",peer=\"");
	label_value(b, t->peer->id);
	cp_buf_printf(b, "\",transport=\"");
	label_value(b, t->id);
	cp_buf_printf(b, "\",direction=\"%s\"", t->is_send ? "send" : "recv");
}

static struct cp_transport *map_transport(const struct cp_signal *s, size_t i)
{
	return s->transports.e && s->transports.e[i].key ? s->transports.e[i].val : NULL;
}

static const char *ice_state(const struct cp_transport *t)
{
	return cp_transport_ice_name(t->ice);
}

static const char *dtls_state(const struct cp_transport *t)
{
	return cp_dtls_state_name(cp_dtls_state(t->dtls));
}

/* A state series: a line per transport, value 1, with the label state =
 * state(t). */
static void tp_state_series(struct cp_signal *s, struct cp_buf *b, const char *name,
			    const char *help, const char *(*state)(const struct cp_transport *))
{
	cp_buf_printf(b, "# HELP %s %s.\n# TYPE %s gauge\n", name, help, name);
	for (size_t i = 0; i < s->transports.cap; i++) {
		const struct cp_transport *t = map_transport(s, i);
		if (!t)
			continue;
		tp_labels(b, name, t);
		cp_buf_printf(b, ",state=\"%s\"} 1\n", state(t));
	}
}

/* One series of the data plane's counters: a line per transport while a
 * data plane is ready; an RTT only once measured. */
static void tp_series(struct cp_signal *s, struct cp_buf *b, const struct tp_field *f)
{
	cp_buf_printf(b, "# HELP %s %s.\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
	for (size_t i = 0; i < s->transports.cap; i++) {
		const struct cp_transport *t = map_transport(s, i);
		const struct sl_transport_counters *c = t ? tp_counters(s, t) : NULL;
		if (!c)
			continue;
		uint64_t v = tp_value(c, f);
		if (f->unit == TP_RTT && !v)
			continue;
		tp_labels(b, f->name, t);
		if (f->unit == TP_RTT)
			cp_buf_printf(b, "} %.6f\n", (double)v / 1e6);
		else
			cp_buf_printf(b, "} %" PRIu64 "\n", v);
	}
}

/* ICE and DTLS state, then the data plane's per-transport counters in
 * table order, the RTT series last. */
static void tp_metrics(struct cp_signal *s, struct cp_buf *b)
{
	tp_state_series(s, b, "sluice_transport_ice_state",
			"ICE state of each transport (1, state=new|completed|disconnected)",
			ice_state);
	tp_state_series(s, b, "sluice_transport_dtls_state",
			"DTLS state of each transport (1, state=the DTLS state's name)", dtls_state);
	for (int rtt = 0; rtt <= 1; rtt++)
		for (size_t k = 0; k < sizeof(tp_fields) / sizeof(tp_fields[0]); k++)
			if (tp_fields[k].name && (tp_fields[k].unit == TP_RTT) == rtt)
				tp_series(s, b, &tp_fields[k]);
}

void cp_stats_metrics(struct cp_signal *s, struct cp_buf *b)
{
	gauge(b, "sluice_rooms", "Open rooms", cp_map_count(&s->rooms));
	gauge(b, "sluice_sockets", "Connected Socket.IO sockets (peers)", s->n_peers);
	gauge(b, "sluice_peers", "Peers joined to a room", s->n_joined);
	gauge(b, "sluice_signal_transports", "WebRTC transports", s->n_transports);
	gauge(b, "sluice_signal_producers", "Producers", s->n_producers);
	gauge(b, "sluice_signal_consumers", "Consumers", s->n_consumers);
	cp_buf_printf(b, "# HELP sluice_signal_answers_total Requests answered, by code.\n"
			 "# TYPE sluice_signal_answers_total counter\n");
	for (int c = 0; c < CP_SIG__COUNT; c++)
		cp_buf_printf(b, "sluice_signal_answers_total{code=\"%s\"} %" PRIu64 "\n",
			      cp_sig_code_name((enum cp_sig_code)c), s->ctr.requests[c]);
	cp_buf_printf(b, "# HELP sluice_dtls_handshakes_total DTLS handshakes, by outcome.\n"
			 "# TYPE sluice_dtls_handshakes_total counter\n"
			 "sluice_dtls_handshakes_total{result=\"connected\"} %" PRIu64 "\n"
			 "sluice_dtls_handshakes_total{result=\"failed\"} %" PRIu64 "\n",
		      s->ctr.dtls_connected, s->ctr.dtls_failed);
	cp_buf_printf(b, "# HELP sluice_signal_dp_refused_total Commands the data plane refused.\n"
			 "# TYPE sluice_signal_dp_refused_total counter\n"
			 "sluice_signal_dp_refused_total %" PRIu64 "\n"
			 "# HELP sluice_signal_dp_unsent_total Commands not sent (ring full or no "
			 "data plane).\n# TYPE sluice_signal_dp_unsent_total counter\n"
			 "sluice_signal_dp_unsent_total %" PRIu64 "\n",
		      s->ctr.dp_cmd_failed, s->ctr.dp_ring_full);
	cp_rec_metrics(s, b);
	cp_buf_printf(b, "# HELP sluice_signal_limit_total Requests refused by a signaling limit or "
			 "an expired token, by limit.\n# TYPE sluice_signal_limit_total counter\n");
	for (int l = 0; l < CP_SIG_LIM__COUNT; l++)
		cp_buf_printf(b, "sluice_signal_limit_total{limit=\"%s\"} %" PRIu64 "\n",
			      cp_sig_limit_name((enum cp_sig_limit)l), s->ctr.limits[l]);
	cp_buf_printf(b, "# HELP sluice_admin_actions_total Admin API actions done, by action.\n"
			 "# TYPE sluice_admin_actions_total counter\n"
			 "sluice_admin_actions_total{action=\"close_room\"} %" PRIu64 "\n"
			 "sluice_admin_actions_total{action=\"remove_peer\"} %" PRIu64 "\n"
			 "sluice_admin_actions_total{action=\"pause_producer\"} %" PRIu64 "\n"
			 "sluice_admin_actions_total{action=\"resume_producer\"} %" PRIu64 "\n",
		      s->ctr.admin_rooms_closed, s->ctr.admin_peers_removed,
		      s->ctr.admin_producers_paused, s->ctr.admin_producers_resumed);
	placement_metrics(s, b);
	tp_metrics(s, b);
}

const char *cp_sig_limit_name(enum cp_sig_limit l)
{
	static const char *const names[CP_SIG_LIM__COUNT] = {
#define CP_SIG_LIMIT_NAME(e, n) n,
		CP_SIG_LIMITS(CP_SIG_LIMIT_NAME)
#undef CP_SIG_LIMIT_NAME
	};
	return (unsigned)l < CP_SIG_LIM__COUNT ? names[l] : "unknown";
}
