/* SPDX-License-Identifier: MIT */
/*
 * cp_stats - get-room-stats answers and the signaling layer's /metrics:
 * rooms, peers, transports, producers, consumers, answers by code, DTLS
 * outcomes and the placement's per-lcore load next to the data plane's
 * packet counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cp_sig_int.h"

static json_t *transport_stats(struct cp_signal *s, const struct cp_transport *t)
{
	json_int_t rx = 0, tx = 0;
	if (s->dp_ready && s->dp->attached && t->tid < s->dp->shm.hdr->max_transports) {
		const struct sl_transport_counters *c = sl_shm_tcounters(s->dp->shm.hdr, t->tid);
		rx = (json_int_t)c->rx_pkts;
		tx = (json_int_t)c->tx_pkts;
	}
	return json_pack("{sssssssIsIsssssbsIsIsIsIsI}", "id", t->id, "peerId", t->peer->id,
			 "direction", t->is_send ? "send" : "recv", "lcore", (json_int_t)t->lcore,
			 "port", (json_int_t)t->port, "iceState", cp_transport_ice_name(t->ice),
			 "dtlsState", cp_dtls_state_name(cp_dtls_state(t->dtls)), "srtpKeys",
			 t->keys_sent, "producers", (json_int_t)t->n_producers, "consumers",
			 (json_int_t)t->n_consumers, "rxPackets", rx, "txPackets", tx,
			 "dataPlaneErrors", (json_int_t)t->dp_errors);
}

static json_t *lcore_stats(struct cp_signal *s, uint32_t i)
{
	const struct cp_lcore_load *ld = &s->place.load[i];
	json_int_t rx = 0, tx = 0, port = 0;
	if (s->dp->attached && i < s->dp->shm.hdr->n_lcores) {
		const struct sl_lcore_shm *ls = sl_shm_lcore(s->dp->shm.hdr, i);
		rx = (json_int_t)ls->counters.rx_pkts;
		tx = (json_int_t)ls->counters.tx_pkts;
		port = ls->udp_port;
	}
	return json_pack("{sIsIsIsIsIsIsI}", "index", (json_int_t)i, "udpPort", port,
			 "transports", (json_int_t)ld->transports, "producers",
			 (json_int_t)ld->producers, "consumers", (json_int_t)ld->consumers,
			 "rxPackets", rx, "txPackets", tx);
}

json_t *cp_stats_room(struct cp_signal *s, const struct cp_room *r)
{
	json_t *tr = json_array(), *lc = json_array();
	const struct cp_link *l, *k;
	for (l = r->peers.next; tr && l != &r->peers; l = l->next) {
		const struct cp_peer *p = cp_container_of(l, struct cp_peer, room_link);
		for (k = p->transports.next; k != &p->transports; k = k->next)
			json_array_append_new(tr, transport_stats(s, cp_container_of(
							      k, struct cp_transport, peer_link)));
	}
	uint32_t n = s->dp_ready ? s->place.n_lcores : 0;
	for (uint32_t i = 0; lc && i < n; i++)
		json_array_append_new(lc, lcore_stats(s, i));
	return json_pack("{s{sssIsIsIsIsbsIsoso}}", "stats", "channelId", r->channel_id, "peers",
			 (json_int_t)r->n_peers, "producers", (json_int_t)r->n_producers,
			 "consumers", (json_int_t)r->n_consumers, "createdAt",
			 (json_int_t)r->created_at_ms, "e2eeEnabled", 1, "transports",
			 (json_int_t)r->n_transports, "transportList", tr ? tr : json_array(),
			 "lcores", lc ? lc : json_array());
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
	placement_metrics(s, b);
}
