/* SPDX-License-Identifier: MIT */
/* cp_metrics - see cp_metrics.h. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>

#include "cp_metrics.h"

struct ctr_desc {
	const char *name;
	const char *help;
	const char *type;
	size_t off;
};

#define C(field, name, type, help) {name, help, type, offsetof(struct sl_lcore_counters, field)}
static const struct ctr_desc lcore_ctrs[] = {
	C(rx_pkts, "sluice_rx_packets_total", "counter", "Frames received"),
	C(rx_bytes, "sluice_rx_bytes_total", "counter", "Bytes received"),
	C(tx_pkts, "sluice_tx_packets_total", "counter", "Frames sent"),
	C(tx_bytes, "sluice_tx_bytes_total", "counter", "Bytes sent"),
	C(arp_replies, "sluice_arp_replies_total", "counter", "ARP replies sent"),
	C(icmp_echo_replies, "sluice_icmp_echo_replies_total", "counter", "ICMP and ICMPv6 echo replies sent"),
	C(nd_replies, "sluice_nd_replies_total", "counter", "IPv6 neighbour advertisements sent"),
	C(stun_replies, "sluice_stun_replies_total", "counter", "STUN binding responses sent"),
	C(rtp_in, "sluice_rtp_in_total", "counter", "RTP packets accepted"),
	C(rtp_out, "sluice_rtp_out_total", "counter", "RTP packets sent"),
	C(rtcp_in, "sluice_rtcp_in_total", "counter", "RTCP packets accepted"),
	C(rtcp_out, "sluice_rtcp_out_total", "counter", "RTCP packets sent"),
	C(handoff_out, "sluice_handoff_out_total", "counter", "Packets handed to another lcore"),
	C(handoff_in, "sluice_handoff_in_total", "counter", "Packets taken from another lcore"),
	C(cmds, "sluice_commands_total", "counter", "Commands applied"),
	C(cmds_invalid, "sluice_commands_invalid_total", "counter", "Commands refused by the validator"),
	C(evts, "sluice_events_total", "counter", "Events sent to the control plane"),
	C(loops, "sluice_loops_total", "counter", "Burst-loop iterations"),
	C(idle_sleeps, "sluice_idle_sleeps_total", "counter", "Idle sleeps"),
	C(transports, "sluice_transports", "gauge", "Transports owned"),
	C(producers, "sluice_producers", "gauge", "Producer streams owned"),
	C(consumers, "sluice_consumers", "gauge", "Consumers owned"),
};
#undef C

static uint64_t field(const struct sl_lcore_counters *c, size_t off)
{
	return *(const volatile uint64_t *)((const char *)c + off);
}

static void render_lcores(const struct cp_dp *d, struct cp_buf *b)
{
	unsigned int n = cp_dp_n_lcores(d);
	for (size_t k = 0; k < sizeof(lcore_ctrs) / sizeof(lcore_ctrs[0]); k++) {
		const struct ctr_desc *cd = &lcore_ctrs[k];
		cp_buf_printf(b, "# HELP %s %s.\n# TYPE %s %s\n", cd->name, cd->help, cd->name,
			      cd->type);
		for (unsigned int i = 0; i < n; i++)
			cp_buf_printf(b, "%s{lcore=\"%u\"} %" PRIu64 "\n", cd->name, i,
				      field(cp_dp_lcore_counters(d, i), cd->off));
	}
	cp_buf_printf(b, "# HELP sluice_drops_total Packets dropped, by reason.\n"
			 "# TYPE sluice_drops_total counter\n");
	for (unsigned int i = 0; i < n; i++) {
		const struct sl_lcore_counters *c = cp_dp_lcore_counters(d, i);
		for (unsigned int r = 0; r < SL_DROP__COUNT; r++)
			cp_buf_printf(b, "sluice_drops_total{lcore=\"%u\",reason=\"%s\"} %" PRIu64 "\n",
				      i, sl_drop_name(r), c->drops[r]);
	}
	cp_buf_printf(b, "# HELP sluice_ring_depth Messages waiting in a ring.\n"
			 "# TYPE sluice_ring_depth gauge\n");
	for (unsigned int i = 0; i < n; i++) {
		struct cp_dp_lcore_info li;
		cp_dp_lcore_info(d, i, &li);
		cp_buf_printf(b, "sluice_ring_depth{lcore=\"%u\",ring=\"cmd\"} %u\n", i,
			      li.cmd_depth);
		cp_buf_printf(b, "sluice_ring_depth{lcore=\"%u\",ring=\"evt\"} %u\n", i,
			      li.evt_depth);
		cp_buf_printf(b, "sluice_ring_depth{lcore=\"%u\",ring=\"cmd_backlog\"} %u\n", i,
			      cp_dp_backlog(d, i));
	}
	cp_buf_printf(b, "# HELP sluice_lcore_heartbeat_age_seconds Age of each lcore's heartbeat.\n"
			 "# TYPE sluice_lcore_heartbeat_age_seconds gauge\n");
	for (unsigned int i = 0; i < n; i++)
		cp_buf_printf(b, "sluice_lcore_heartbeat_age_seconds{lcore=\"%u\"} %.3f\n", i,
			      (double)cp_dp_heartbeat_age_ms(d, (int)i) / 1000.0);
	struct cp_dp_info info;
	cp_dp_info(d, &info);
	cp_buf_printf(b, "# HELP sluice_slots_free Free packet slots for DTLS relay.\n"
			 "# TYPE sluice_slots_free gauge\nsluice_slots_free %u\n",
		      info.slots_free);
}

void cp_metrics_render(const struct cp_dp *d, struct cp_buf *b)
{
	int up = cp_dp_healthy(d);
	cp_buf_printf(b, "# HELP sluice_dataplane_up 1 when the data plane is attached and alive.\n"
			 "# TYPE sluice_dataplane_up gauge\nsluice_dataplane_up %d\n", up);
	cp_buf_printf(b, "# HELP sluice_dataplane_attaches_total Times the control plane attached "
			 "(data-plane restarts seen + 1).\n# TYPE sluice_dataplane_attaches_total "
			 "counter\nsluice_dataplane_attaches_total %" PRIu64 "\n", d->attaches);
	cp_buf_printf(b, "# HELP sluice_events_invalid_total Events refused by the validator.\n"
			 "# TYPE sluice_events_invalid_total counter\nsluice_events_invalid_total %"
			 PRIu64 "\n", d->evts_invalid);
	cp_buf_printf(b, "# HELP sluice_commands_dropped_total Commands not sent: ring and backlog full.\n"
			 "# TYPE sluice_commands_dropped_total counter\nsluice_commands_dropped_total %"
			 PRIu64 "\n", d->cmds_dropped);
	cp_buf_printf(b, "# HELP sluice_commands_backlogged_total Commands that waited for room in "
			 "a full command ring.\n# TYPE sluice_commands_backlogged_total counter\n"
			 "sluice_commands_backlogged_total %" PRIu64 "\n", d->cmds_backlogged);
	if (d->attached)
		render_lcores(d, b);
}

int cp_health_render(const struct cp_dp *d, struct cp_buf *b)
{
	int ok = cp_dp_healthy(d);
	cp_buf_printf(b, "{\"status\":\"%s\",\"dataplane\":{\"attached\":%s", ok ? "ok" : "unhealthy",
		      d->attached ? "true" : "false");
	if (!d->attached) {
		cp_buf_printf(b, ",\"reason\":\"%s\"}}\n",
			      d->last_status == CP_SHM_MISMATCH ? "abi mismatch"
			      : d->last_status == CP_SHM_STALE  ? "data plane dead"
								: "data plane not running");
		return 0;
	}
	struct cp_dp_info h;
	cp_dp_info(d, &h);
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &h.ipv4_addr, ip, sizeof(ip));
	cp_buf_printf(b, ",\"pid\":%d,\"device\":\"%s\",\"ip\":\"%s\",\"generation\":\"%016" PRIx64
			 "\",\"heartbeat_age_ms\":%" PRId64 ",\"attaches\":%" PRIu64 ",\"lcores\":[",
		      h.pid, h.device, ip, h.generation, cp_dp_heartbeat_age_ms(d, -1),
		      d->attaches);
	for (unsigned int i = 0; i < h.n_lcores; i++) {
		struct cp_dp_lcore_info ls;
		cp_dp_lcore_info(d, i, &ls);
		const struct sl_lcore_counters *c = cp_dp_lcore_counters(d, i);
		const struct cp_dp_lcore *l = &d->lc[i];
		cp_buf_printf(b, "%s{\"index\":%u,\"lcore_id\":%u,\"queue\":%u,\"udp_port\":%u,"
				 "\"heartbeat_age_ms\":%" PRId64 ",\"hello\":\"%s\",\"noop_rtt_us\":%"
				 PRIu64 ",\"cmd_ring_depth\":%u,\"evt_ring_depth\":%u,"
				 "\"transports\":%" PRIu64 ",\"rx_packets\":%" PRIu64 "}",
			      i ? "," : "", i, ls.lcore_id, ls.queue_id, ls.udp_port,
			      cp_dp_heartbeat_age_ms(d, (int)i),
			      !l->hello_done ? "pending" : l->hello_status ? "refused" : "ok",
			      l->noop_rtt_ns / 1000, ls.cmd_depth, ls.evt_depth, c->transports,
			      c->rx_pkts);
	}
	cp_buf_printf(b, "]}}\n");
	return ok;
}
