/* SPDX-License-Identifier: MIT */
/*
 * sluice-loadgen - many real WebRTC peers from one process against a server
 * that speaks ../shared/protocol.md (Sluice, or the seed's mediasoup).
 * Options: see usage(). The main loop: epoll over the UDP sockets (1 ms),
 * libwebsockets service (never blocking), per-peer ticks (requests'
 * deadlines, ICE, DTLS, media, RTCP), one sendmmsg per transport, a progress
 * line per second, the scenario (joins at --join-rate, --churn, --find-max).
 */
#include "lg.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

struct lg_run lg;
static volatile sig_atomic_t g_stop;

uint64_t lg_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lg_log(const struct lg_peer *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "loadgen: %s: ", p ? p->name : "-");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void lg_fail(struct lg_peer *p, const char *fmt, ...)
{
	/* after leave, the server closing things is what we asked for */
	if (p->state == LG_PEER_FAILED || p->state == LG_PEER_LEAVING || p->state == LG_PEER_GONE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	p->state = LG_PEER_FAILED;
	if (lg.o.verbose || !lg.o.quiet)
		lg_log(p, "FAILED: %s", p->error);
	lg_sio_close(p);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-loadgen --url http://HOST:PORT (--secret S | --secret-file F) [options]\n"
		"  --rooms R --peers P     R rooms of P peers (default 1 x 2)\n"
		"  --publishers K          K peers per room publish, the others only listen (default all)\n"
		"  --audio-only            publish audio only\n"
		"  --video-kbps N          video bitrate (top layer), default 500\n"
		"  --simulcast             3 video layers (SSRC simulcast)\n"
		"  --seconds T             media time once everyone is up (default 10)\n"
		"  --join-rate N           peers started per second (default 50)\n"
		"  --churn N               N peers per second leave and rejoin\n"
		"  --find-max              add --step peers every --seconds window until loss > 0.1%%\n"
		"                          or p99 latency > 50 ms; report the last load that held\n"
		"  --step N                peers added per --find-max window (default P)\n"
		"  --max-peers N           --find-max upper bound (default 2000)\n"
		"  --room-prefix S         room names S-0, S-1, ... (default lg)\n"
		"  --local-ip A            bind the UDP sockets to A\n"
		"  --family 4|6            use the server's IPv4 (default) or IPv6 UDP candidate\n"
		"  --timeout-ms N          bound of every wait: request, ICE, DTLS (default 10000)\n"
		"  --decrypt-sample N      decrypt 1 in N media packets (default 1: all)\n"
		"  --server-pid PID        sample this process's CPU and RSS (repeatable)\n"
		"  --max-loss R            exit 1 above this loss ratio (default 0.01)\n"
		"  --json-out FILE         write the summary as JSON\n"
		"  --dump-keys FILE        write tuples and SRTP keys of every transport (pcap tools)\n"
		"  --quiet, -v             fewer / more messages\n");
}

static int parse_url(const char *u)
{
	const char *h = strstr(u, "://");
	h = h ? h + 3 : u;
	const char *c = strrchr(h, ':');
	size_t hl = c ? (size_t)(c - h) : strcspn(h, "/");
	if (hl == 0 || hl >= sizeof(lg.o.host))
		return -1;
	memcpy(lg.o.host, h, hl);
	lg.o.host[hl] = 0;
	lg.o.port = c ? atoi(c + 1) : 80;
	return lg.o.port > 0 && lg.o.port < 65536 ? 0 : -1;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *b = malloc(4097);
	size_t n = b ? fread(b, 1, 4096, f) : 0;
	fclose(f);
	if (!b)
		return NULL;
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	b[n] = 0;
	*len = n;
	return b;
}

static int parse_opts(int argc, char **argv)
{
	enum { O_URL = 256, O_SECRET, O_SECRET_FILE, O_ROOMS, O_PEERS, O_PUB, O_AUDIO, O_KBPS,
	       O_SIM, O_SECS, O_JOIN, O_CHURN, O_FIND, O_STEP, O_MAXP, O_PREFIX, O_LIP, O_TMO,
	       O_SAMPLE, O_PID, O_MAXLOSS, O_JSON, O_DUMP, O_QUIET, O_FAMILY };
	static const struct option lo[] = {
		{ "url", 1, 0, O_URL }, { "secret", 1, 0, O_SECRET },
		{ "secret-file", 1, 0, O_SECRET_FILE }, { "rooms", 1, 0, O_ROOMS },
		{ "peers", 1, 0, O_PEERS }, { "publishers", 1, 0, O_PUB },
		{ "audio-only", 0, 0, O_AUDIO }, { "video-kbps", 1, 0, O_KBPS },
		{ "simulcast", 0, 0, O_SIM }, { "seconds", 1, 0, O_SECS },
		{ "join-rate", 1, 0, O_JOIN }, { "churn", 1, 0, O_CHURN },
		{ "find-max", 0, 0, O_FIND }, { "step", 1, 0, O_STEP },
		{ "max-peers", 1, 0, O_MAXP }, { "room-prefix", 1, 0, O_PREFIX },
		{ "local-ip", 1, 0, O_LIP }, { "timeout-ms", 1, 0, O_TMO },
		{ "decrypt-sample", 1, 0, O_SAMPLE }, { "server-pid", 1, 0, O_PID },
		{ "max-loss", 1, 0, O_MAXLOSS }, { "json-out", 1, 0, O_JSON },
		{ "dump-keys", 1, 0, O_DUMP }, { "quiet", 0, 0, O_QUIET },
		{ "family", 1, 0, O_FAMILY },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct lg_opts *o = &lg.o;
	o->rooms = 1, o->peers = 2, o->publishers = -1, o->seconds = 10, o->join_rate = 50;
	o->video_kbps = 500, o->timeout_ms = 10000, o->decrypt_sample = 1, o->max_loss = 0.01;
	o->room_prefix = "lg", o->max_peers = 2000, o->family = AF_INET;
	bool have_url = false;
	int c;
	while ((c = getopt_long(argc, argv, "hv", lo, NULL)) != -1) {
		switch (c) {
		case O_URL: if (parse_url(optarg) < 0) { fprintf(stderr, "loadgen: bad --url %s (want http://HOST:PORT)\n", optarg); return -1; } have_url = true; break;
		case O_SECRET: o->secret = optarg; o->secret_len = strlen(optarg); break;
		case O_SECRET_FILE:
			o->secret_buf = read_file(optarg, &o->secret_len);
			if (!o->secret_buf) { fprintf(stderr, "loadgen: cannot read --secret-file %s: %s\n", optarg, strerror(errno)); return -1; }
			o->secret = o->secret_buf;
			break;
		case O_ROOMS: o->rooms = (unsigned int)atoi(optarg); break;
		case O_PEERS: o->peers = (unsigned int)atoi(optarg); break;
		case O_PUB: o->publishers = atoi(optarg); break;
		case O_AUDIO: o->audio_only = true; break;
		case O_KBPS: o->video_kbps = (unsigned int)atoi(optarg); break;
		case O_SIM: o->simulcast = true; break;
		case O_SECS: o->seconds = (unsigned int)atoi(optarg); break;
		case O_JOIN: o->join_rate = atof(optarg); break;
		case O_CHURN: o->churn = atof(optarg); break;
		case O_FIND: o->find_max = true; break;
		case O_STEP: o->step = (unsigned int)atoi(optarg); break;
		case O_MAXP: o->max_peers = (unsigned int)atoi(optarg); break;
		case O_PREFIX: o->room_prefix = optarg; break;
		case O_LIP: o->local_ip = optarg; break;
		case O_FAMILY:
			if (strcmp(optarg, "4") && strcmp(optarg, "6")) { fprintf(stderr, "loadgen: --family needs 4 or 6 (got '%s')\n", optarg); return -1; }
			o->family = optarg[0] == '6' ? AF_INET6 : AF_INET;
			break;
		case O_TMO: o->timeout_ms = (unsigned int)atoi(optarg); break;
		case O_SAMPLE: o->decrypt_sample = (unsigned int)atoi(optarg); break;
		case O_PID:
			if (o->n_server_pid == LG_MAX_SERVER_PIDS) { fprintf(stderr, "loadgen: at most %d --server-pid\n", LG_MAX_SERVER_PIDS); return -1; }
			o->server_pid[o->n_server_pid++] = (pid_t)atoi(optarg);
			break;
		case O_MAXLOSS: o->max_loss = atof(optarg); break;
		case O_JSON: o->json_out = optarg; break;
		case O_DUMP: o->dump_keys = optarg; break;
		case O_QUIET: o->quiet = true; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (!have_url || !o->secret || !o->secret_len) {
		fprintf(stderr, "loadgen: --url and --secret (or --secret-file) are required\n");
		usage(stderr);
		return -1;
	}
	if (o->rooms == 0 || o->peers == 0 || o->rooms * o->peers > 100000 || o->join_rate <= 0 ||
	    o->timeout_ms < 100 || o->decrypt_sample == 0 || o->video_kbps == 0 ||
	    o->video_kbps > 50000 || o->seconds > 86400) {
		fprintf(stderr, "loadgen: out-of-range option (rooms, peers >= 1; join-rate > 0; "
				"timeout-ms >= 100; decrypt-sample >= 1; 1 <= video-kbps <= 50000)\n");
		return -1;
	}
	if (!o->step)
		o->step = o->peers;
	return 0;
}

/* ---- peers ------------------------------------------------------------- */

static int peers_alloc(unsigned int n)
{
	struct lg_peer *np = realloc(lg.peers, n * sizeof(*np));
	if (!np)
		return -1;
	/* peers hold self pointers (transport->peer, wsi user): only grow
	 * before any of them started */
	memset(np + lg.n_peers, 0, (n - lg.n_peers) * sizeof(*np));
	for (unsigned int i = lg.n_peers; i < n; i++) {
		struct lg_peer *p = &np[i];
		p->idx = i;
		p->tp_send.fd = p->tp_recv.fd = -1;
		p->tp_send.peer = p->tp_recv.peer = p;
		p->tp_send.send = true;
	}
	lg.peers = np;
	lg.n_peers = n;
	return 0;
}

static void peer_assign(struct lg_peer *p, unsigned int room, unsigned int pos)
{
	p->room = room;
	snprintf(p->name, sizeof(p->name), "lg-%u-%u", room, pos);
	p->publisher = lg.o.publishers < 0 || pos < (unsigned int)lg.o.publishers;
}

static unsigned int count_state(enum lg_peer_state st)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < lg.n_started; i++)
		n += lg.peers[i].state == st;
	return n;
}

/* ---- sampling -------------------------------------------------------- */

struct cpu_mark {
	uint64_t ns;
	uint64_t ticks[LG_MAX_SERVER_PIDS + 1];
	uint64_t rss_max[LG_MAX_SERVER_PIDS + 1];
};

static void cpu_mark(struct cpu_mark *m)
{
	struct lg_proc_sample s;
	m->ns = lg_now_ns();
	for (unsigned int i = 0; i <= lg.o.n_server_pid; i++) {
		lg_proc_sample(i < lg.o.n_server_pid ? lg.o.server_pid[i] : getpid(), &s);
		m->ticks[i] = s.ticks;
		if (s.rss_kb > m->rss_max[i])
			m->rss_max[i] = s.rss_kb;
	}
}

/* CPU % of one core between a and b for process i (the last is ourselves). */
static double cpu_pct(const struct cpu_mark *a, const struct cpu_mark *b, unsigned int i)
{
	double secs = (double)(b->ns - a->ns) / 1e9;
	long hz = sysconf(_SC_CLK_TCK);
	if (secs <= 0 || hz <= 0)
		return 0;
	return 100.0 * (double)(b->ticks[i] - a->ticks[i]) / (double)hz / secs;
}

/* ---- reporting --------------------------------------------------------- */

struct window {
	uint64_t ns, tx, rx, lost, expected;
};

static void window_mark(struct window *w)
{
	struct lg_totals t;
	lg_totals(&t);
	w->ns = lg_now_ns();
	w->tx = t.tx_packets;
	w->rx = t.rx_packets;
	w->lost = t.lost;
	w->expected = t.expected;
}

static void progress(const struct window *a, const struct window *b)
{
	double s = (double)(b->ns - a->ns) / 1e9;
	uint64_t exp = b->expected - a->expected, lost = b->lost > a->lost ? b->lost - a->lost : 0;
	printf("t=%5.1fs peers %u/%u up, %u failed  tx %.0f pps  rx %.0f pps  loss %.3f%%  p99 %.2f ms\n",
	       (double)(b->ns - lg.t0_ns) / 1e9, count_state(LG_PEER_UP), lg.n_started,
	       count_state(LG_PEER_FAILED), (double)(b->tx - a->tx) / s, (double)(b->rx - a->rx) / s,
	       exp ? 100.0 * (double)lost / (double)exp : 0.0,
	       (double)lg_hist_quantile(&lg.lat_win, 0.99) / 1000.0);
	fflush(stdout);
}

/* resume -> first packet / key frame of every consumer, in ms */
static void first_times(void)
{
	lg_hist_reset(&lg.first_pkt);
	lg_hist_reset(&lg.first_kf);
	for (unsigned int i = 0; i < lg.n_started; i++) {
		struct lg_tp *t = &lg.peers[i].tp_recv;
		for (unsigned int k = 0; k < t->n_rx; k++) {
			struct lg_rx_stream *s = &t->rx[k];
			if (!s->resume_ns || !s->first_ns)
				continue;
			uint64_t d = s->first_ns > s->resume_ns ? s->first_ns - s->resume_ns : 0;
			lg_hist_add(&lg.first_pkt, d / 1000000u);
			if (s->first_kf_ns) {
				d = s->first_kf_ns > s->resume_ns ? s->first_kf_ns - s->resume_ns : 0;
				lg_hist_add(&lg.first_kf, d / 1000000u);
			}
		}
	}
}

struct result {
	unsigned int peers, peers_up, failed;
	struct lg_totals t;
	double seconds, loss;
	uint64_t p50, p99, max;
	double cpu[LG_MAX_SERVER_PIDS + 1];
	uint64_t rss[LG_MAX_SERVER_PIDS + 1];
};

static void result_fill(struct result *r, const struct cpu_mark *a, const struct cpu_mark *b,
			const struct lg_hist *lat)
{
	memset(r, 0, sizeof(*r));
	r->peers = lg.n_started;
	r->peers_up = count_state(LG_PEER_UP) + count_state(LG_PEER_GONE);
	r->failed = count_state(LG_PEER_FAILED);
	lg_totals(&r->t);
	r->seconds = (double)(b->ns - a->ns) / 1e9;
	r->loss = r->t.expected ? (double)r->t.lost / (double)r->t.expected : 0;
	r->p50 = lg_hist_quantile(lat, 0.5);
	r->p99 = lg_hist_quantile(lat, 0.99);
	r->max = lat->max;
	for (unsigned int i = 0; i <= lg.o.n_server_pid; i++) {
		r->cpu[i] = cpu_pct(a, b, i);
		r->rss[i] = b->rss_max[i];
	}
}

static void print_errors(void)
{
	unsigned int shown = 0;
	for (unsigned int i = 0; i < lg.n_started && shown < 20; i++)
		if (lg.peers[i].state == LG_PEER_FAILED) {
			printf("  peer %-12s FAILED: %s\n", lg.peers[i].name, lg.peers[i].error);
			shown++;
		}
}

static double kind_loss(const struct lg_totals *t, int k)
{
	return t->expected_kind[k] ? (double)t->lost_kind[k] / (double)t->expected_kind[k] : 0;
}

static void print_summary(const struct result *r)
{
	const struct lg_totals *t = &r->t;
	printf("\n== sluice-loadgen summary (%.1f s of media)\n", r->seconds);
	printf("  peers            %u started, %u connected, %u failed\n", r->peers, r->peers_up,
	       r->failed);
	printf("  consumers        %llu (%llu received, %llu live and silent)\n",
	       (unsigned long long)t->consumers, (unsigned long long)t->consumers_receiving,
	       (unsigned long long)t->consumers_silent);
	if (lg.churned)
		printf("  churn            %llu leave+rejoin\n", (unsigned long long)lg.churned);
	printf("  packets          tx %llu  rx %llu  lost %llu (%.4f%%)  dup %llu  reordered %llu\n",
	       (unsigned long long)t->tx_packets, (unsigned long long)t->rx_packets,
	       (unsigned long long)t->lost, 100.0 * r->loss, (unsigned long long)t->dup,
	       (unsigned long long)t->reorder);
	printf("  loss by kind     audio %.4f%% (no NACK for audio)  video %.4f%% after NACK/RTX\n",
	       kind_loss(t, 0) * 100.0, kind_loss(t, 1) * 100.0);
	printf("  repair           NACK sent %llu  RTX sent %llu  recovered %llu  PLI sent %llu\n",
	       (unsigned long long)t->nack_sent, (unsigned long long)t->rtx_sent,
	       (unsigned long long)t->rtx_recovered, (unsigned long long)t->pli_sent);
	printf("  latency (1-way)  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%llu samples)\n",
	       r->p50 / 1000.0, r->p99 / 1000.0, r->max / 1000.0,
	       (unsigned long long)lg.lat.count);
	printf("  freezes          %llu (video gaps > 200 ms)\n", (unsigned long long)t->freezes);
	printf("  join             p50 %llu ms  p99 %llu ms\n",
	       (unsigned long long)lg_hist_quantile(&lg.join, 0.5),
	       (unsigned long long)lg_hist_quantile(&lg.join, 0.99));
	printf("  resume->first    packet p50 %llu ms  key frame p50 %llu ms p99 %llu ms\n",
	       (unsigned long long)lg_hist_quantile(&lg.first_pkt, 0.5),
	       (unsigned long long)lg_hist_quantile(&lg.first_kf, 0.5),
	       (unsigned long long)lg_hist_quantile(&lg.first_kf, 0.99));
	if (t->sock_drops)
		printf("  NOTE             the loadgen's own sockets dropped %llu datagrams (it was too slow): that part of the loss is ours\n",
		       (unsigned long long)t->sock_drops);
	if (t->foreign || t->bad_payload || t->srtp_fail || t->send_err || t->unknown_ssrc)
		printf("  other            foreign %llu  bad payload %llu  srtp failures %llu  send errors %llu  unknown ssrc %llu\n",
		       (unsigned long long)t->foreign, (unsigned long long)t->bad_payload,
		       (unsigned long long)t->srtp_fail, (unsigned long long)t->send_err,
		       (unsigned long long)t->unknown_ssrc);
	if (lg.o.decrypt_sample > 1)
		printf("  NOTE             decrypting 1 in %u media packets (--decrypt-sample): loss is counted on all, latency on the sample\n",
		       lg.o.decrypt_sample);
	for (unsigned int i = 0; i < lg.o.n_server_pid; i++)
		printf("  server pid %-6d CPU %.1f%% of a core  RSS %llu kB\n", (int)lg.o.server_pid[i],
		       r->cpu[i], (unsigned long long)r->rss[i]);
	printf("  loadgen          CPU %.1f%% of a core  RSS %llu kB\n", r->cpu[lg.o.n_server_pid],
	       (unsigned long long)r->rss[lg.o.n_server_pid]);
	print_errors();
}

static int write_json(const char *path, const struct result *r, const struct result *maxr)
{
	const struct lg_totals *t = &r->t;
	json_t *srv = json_array();
	for (unsigned int i = 0; i < lg.o.n_server_pid; i++)
		json_array_append_new(srv, json_pack("{s:i,s:f,s:I}", "pid", (int)lg.o.server_pid[i],
						     "cpu_pct", r->cpu[i], "rss_kb",
						     (json_int_t)r->rss[i]));
	json_t *errs = json_array();
	for (unsigned int i = 0; i < lg.n_started; i++)
		if (lg.peers[i].state == LG_PEER_FAILED && json_array_size(errs) < 100)
			json_array_append_new(errs, json_pack("{s:s,s:s}", "peer", lg.peers[i].name,
							      "error", lg.peers[i].error));
	json_t *o = json_pack(
		"{s:i,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:f,s:{s:I,s:I,s:I},s:I,s:{s:I,s:I},"
		"s:{s:I,s:I},s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:o,s:{s:f,s:I},s:o,s:i}",
		"peers", r->peers, "peers_connected", r->peers_up, "peers_failed", r->failed,
		"consumers", (json_int_t)t->consumers, "consumers_receiving",
		(json_int_t)t->consumers_receiving, "tx_packets", (json_int_t)t->tx_packets,
		"rx_packets", (json_int_t)t->rx_packets, "lost_packets", (json_int_t)t->lost,
		"loss_ratio", r->loss, "latency_us", "p50", (json_int_t)r->p50, "p99",
		(json_int_t)r->p99, "max", (json_int_t)r->max, "freezes", (json_int_t)t->freezes,
		"join_ms", "p50", (json_int_t)lg_hist_quantile(&lg.join, 0.5), "p99",
		(json_int_t)lg_hist_quantile(&lg.join, 0.99), "first_keyframe_ms", "p50",
		(json_int_t)lg_hist_quantile(&lg.first_kf, 0.5), "p99",
		(json_int_t)lg_hist_quantile(&lg.first_kf, 0.99), "duplicates", (json_int_t)t->dup,
		"reordered", (json_int_t)t->reorder, "nack_sent", (json_int_t)t->nack_sent,
		"rtx_sent", (json_int_t)t->rtx_sent, "rtx_recovered", (json_int_t)t->rtx_recovered,
		"pli_sent", (json_int_t)t->pli_sent, "seconds", r->seconds, "servers", srv, "loadgen",
		"cpu_pct", r->cpu[lg.o.n_server_pid], "rss_kb",
		(json_int_t)r->rss[lg.o.n_server_pid], "errors", errs, "decrypt_sample",
		(int)lg.o.decrypt_sample);
	json_object_set_new(o, "first_packet_ms",
			    json_pack("{s:I,s:I}", "p50", (json_int_t)lg_hist_quantile(&lg.first_pkt, 0.5),
				      "p99", (json_int_t)lg_hist_quantile(&lg.first_pkt, 0.99)));
	json_object_set_new(o, "rx_socket_drops", json_integer((json_int_t)t->sock_drops));
	json_object_set_new(o, "consumers_silent", json_integer((json_int_t)t->consumers_silent));
	json_object_set_new(o, "churned", json_integer((json_int_t)lg.churned));
	json_object_set_new(o, "foreign_packets", json_integer((json_int_t)t->foreign));
	json_object_set_new(o, "srtp_failures", json_integer((json_int_t)t->srtp_fail));
	json_object_set_new(o, "audio_loss_ratio", json_real(kind_loss(t, 0)));
	json_object_set_new(o, "video_loss_ratio", json_real(kind_loss(t, 1)));
	json_object_set_new(o, "rx_pps", json_real(r->seconds > 0 ? (double)t->rx_packets / r->seconds : 0));
	if (maxr)
		json_object_set_new(o, "find_max",
				    json_pack("{s:i,s:I,s:f,s:I,s:f}", "peers", maxr->peers, "consumers",
					      (json_int_t)maxr->t.consumers, "loss_ratio", maxr->loss,
					      "p99_us", (json_int_t)maxr->p99, "rx_pps",
					      maxr->seconds > 0 ? (double)maxr->t.rx_packets / maxr->seconds : 0));
	int rc = json_dump_file(o, path, JSON_INDENT(1));
	json_decref(o);
	return rc;
}

/* ---- main loop ------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/* One iteration: UDP, signaling, every peer's tick, send. */
static void loop_once(void)
{
	static uint64_t next_lws;
	lg_net_poll(1);
	uint64_t now = lg_now_ns();
	/* signaling every 2 ms is plenty, and it polls every WebSocket */
	if (now >= next_lws) {
		lws_service(lg.lws, -1);
		next_lws = now + 2000000ull;
	}
	for (unsigned int i = 0; i < lg.n_started; i++)
		lg_peer_tick(&lg.peers[i], now);
	lg_net_flush();
}

/* Runs until `until` (or a stop signal), starting peers up to `target` at
 * the join rate, printing progress each second. Returns false when stopped. */
static bool run_until(uint64_t until, unsigned int target, struct window *w, uint64_t *next_join)
{
	uint64_t join_gap = (uint64_t)(1e9 / lg.o.join_rate);
	uint64_t churn_gap = lg.o.churn > 0 ? (uint64_t)(1e9 / lg.o.churn) : 0;
	static uint64_t next_churn, next_print;
	while (!g_stop) {
		uint64_t now = lg_now_ns();
		if (now >= until)
			return true;
		while (lg.n_started < target && now >= *next_join) {
			lg_peer_start(&lg.peers[lg.n_started++]);
			*next_join += join_gap;
			if (*next_join < now)
				*next_join = now;
		}
		if (churn_gap && lg.n_started == target && now >= next_churn) {
			if (next_churn) {
				struct lg_peer *p = &lg.peers[(uint64_t)rand() % lg.n_started];
				if (p->state == LG_PEER_UP) {
					lg_peer_leave(p);
					p->rejoin_ns = now + 500000000ull;
					p->generation++;
					lg.churned++;
				}
			}
			next_churn = now + churn_gap;
		}
		for (unsigned int i = 0; churn_gap && i < lg.n_started; i++) {
			struct lg_peer *p = &lg.peers[i];
			if (p->state == LG_PEER_GONE && p->rejoin_ns && now >= p->rejoin_ns) {
				p->rejoin_ns = 0;
				lg_peer_start(p);
			}
		}
		loop_once();
		if (now >= next_print) {
			struct window nw;
			window_mark(&nw);
			if (next_print && !lg.o.quiet)
				progress(w, &nw);
			*w = nw;
			lg_hist_reset(&lg.lat_win);
			next_print = now + 1000000000ull;
		}
	}
	return false;
}

/* Waits until every started peer is up or failed (bounded by their own
 * deadlines). */
static void settle(struct window *w, uint64_t *next_join, unsigned int target)
{
	uint64_t limit = lg_now_ns() + 5ull * lg.o.timeout_ms * 1000000ull +
			 (uint64_t)((double)target / lg.o.join_rate * 1e9);
	while (!g_stop && lg_now_ns() < limit) {
		run_until(lg_now_ns() + 100000000ull, target, w, next_join);
		unsigned int busy = 0;
		for (unsigned int i = 0; i < lg.n_started; i++) {
			enum lg_peer_state s = lg.peers[i].state;
			busy += s == LG_PEER_WS || s == LG_PEER_JOINING || s == LG_PEER_SETUP;
		}
		if (lg.n_started == target && busy == 0)
			return;
	}
}

static void shutdown_peers(void)
{
	lg.stopping = true;
	/* let the last packets arrive, then leave and disconnect everyone */
	uint64_t end = lg_now_ns() + 300000000ull;
	while (lg_now_ns() < end)
		loop_once();
	for (unsigned int i = 0; i < lg.n_started; i++)
		lg_peer_leave(&lg.peers[i]);
	end = lg_now_ns() + 3000000000ull;
	while (lg_now_ns() < end) {
		loop_once();
		unsigned int open = 0;
		for (unsigned int i = 0; i < lg.n_started; i++)
			open += lg.peers[i].wsi != NULL;
		if (!open)
			break;
	}
}

int main(int argc, char **argv)
{
	if (parse_opts(argc, argv) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lg.ep = -1;
	if (lg_net_init() < 0 || lg_sio_init() < 0) {
		fprintf(stderr, "loadgen: cannot initialise (epoll, DTLS certificate, SRTP, libwebsockets)\n");
		return 2;
	}
	unsigned int total = lg.o.rooms * lg.o.peers;
	unsigned int cap = lg.o.find_max ? lg.o.max_peers : total;
	if (cap < total)
		cap = total;
	if (peers_alloc(cap) < 0) {
		fprintf(stderr, "loadgen: out of memory for %u peers\n", cap);
		return 2;
	}
	/* the first R x P peers fill the rooms; --find-max adds the others
	 * round-robin to the same rooms */
	for (unsigned int i = 0; i < cap; i++)
		peer_assign(&lg.peers[i], i < total ? i / lg.o.peers : (i - total) % lg.o.rooms,
				    i < total ? i % lg.o.peers : lg.o.peers + (i - total) / lg.o.rooms);
	lg.t0_ns = lg_now_ns();
	struct window w;
	window_mark(&w);
	uint64_t next_join = lg.t0_ns;
	settle(&w, &next_join, total);
	if (!lg.o.quiet)
		printf("set-up: %u of %u peers up, %u failed, in %.1f s\n", count_state(LG_PEER_UP),
		       total, count_state(LG_PEER_FAILED), (double)(lg_now_ns() - lg.t0_ns) / 1e9);
	if (lg.o.dump_keys && lg_dump_keys(lg.o.dump_keys) != 0)
		fprintf(stderr, "loadgen: cannot write --dump-keys %s\n", lg.o.dump_keys);

	struct cpu_mark ma, mb;
	memset(&ma, 0, sizeof(ma));
	memset(&mb, 0, sizeof(mb));
	struct result res, best;
	bool have_best = false;
	cpu_mark(&ma);
	struct lg_totals t0;
	lg_totals(&t0);
	lg_hist_reset(&lg.lat);
	if (!lg.o.find_max) {
		uint64_t end = lg_now_ns() + (uint64_t)lg.o.seconds * 1000000000ull;
		uint64_t next_mark = 0;
		while (!g_stop && lg_now_ns() < end) {
			run_until(lg_now_ns() + 200000000ull > end ? end : lg_now_ns() + 200000000ull,
				  total, &w, &next_join);
			if (lg_now_ns() >= next_mark) {
				cpu_mark(&mb);
				next_mark = lg_now_ns() + 1000000000ull;
			}
		}
		cpu_mark(&mb);
	} else {
		/* windows of --seconds: measure, then add --step peers */
		unsigned int target = total;
		for (;;) {
			struct lg_hist wl;
			lg_hist_reset(&wl);
			struct cpu_mark wa = { 0 }, wb = { 0 };
			/* 2 s for the new peers to settle, then the window */
			run_until(lg_now_ns() + 2000000000ull, target, &w, &next_join);
			struct lg_totals ta, tb;
			lg_totals(&ta);
			lg_hist_reset(&lg.lat);
			cpu_mark(&wa);
			run_until(lg_now_ns() + (uint64_t)lg.o.seconds * 1000000000ull, target, &w,
				  &next_join);
			cpu_mark(&wb);
			lg_totals(&tb);
			struct result r;
			result_fill(&r, &wa, &wb, &lg.lat);
			uint64_t exp = tb.expected - ta.expected;
			uint64_t lost = tb.lost > ta.lost ? tb.lost - ta.lost : 0;
			r.loss = exp ? (double)lost / (double)exp : 1.0;
			r.t.rx_packets = tb.rx_packets - ta.rx_packets; /* this window only */
			r.t.tx_packets = tb.tx_packets - ta.tx_packets;
			r.t.expected = exp;
			r.t.lost = lost;
			bool held = r.failed == 0 && r.loss <= 0.001 && r.p99 <= 50000 && exp > 0;
			printf("find-max: %u peers, %llu consumers: loss %.4f%% p99 %.2f ms rx %.0f pps -> %s\n",
			       target, (unsigned long long)r.t.consumers, 100 * r.loss, r.p99 / 1000.0,
			       (double)(tb.rx_packets - ta.rx_packets) / r.seconds,
			       held ? "held" : "exceeded");
			res = r; /* the summary shows the last window */
			if (held) {
				best = r;
				have_best = true;
			}
			if (!held || g_stop || target + lg.o.step > cap)
				break;
			target += lg.o.step;
			settle(&w, &next_join, target);
		}
	}
	first_times();
	if (!lg.o.find_max) {
		result_fill(&res, &ma, &mb, &lg.lat);
		/* the measured window only: subtract what came during set-up */
		res.t.tx_packets -= t0.tx_packets;
		res.t.rx_packets -= t0.rx_packets;
		res.t.sock_drops -= t0.sock_drops;
		res.t.expected -= t0.expected;
		res.t.lost = res.t.lost > t0.lost ? res.t.lost - t0.lost : 0;
		for (int k = 0; k < 2; k++) {
			res.t.expected_kind[k] -= t0.expected_kind[k];
			res.t.lost_kind[k] = res.t.lost_kind[k] > t0.lost_kind[k] ?
						     res.t.lost_kind[k] - t0.lost_kind[k] : 0;
		}
		res.loss = res.t.expected ? (double)res.t.lost / (double)res.t.expected : 0;
	}
	print_summary(&res);
	if (lg.o.find_max) {
		if (have_best)
			printf("  find-max         last load that held: %u peers, %llu consumer streams, loss %.4f%%, p99 %.2f ms\n",
			       best.peers, (unsigned long long)best.t.consumers, 100 * best.loss,
			       best.p99 / 1000.0);
		else
			printf("  find-max         even the first load did not hold\n");
	}
	if (lg.o.json_out && write_json(lg.o.json_out, &res, have_best ? &best : NULL) != 0)
		fprintf(stderr, "loadgen: cannot write --json-out %s\n", lg.o.json_out);
	shutdown_peers();
	int rc = 0;
	if (res.failed || res.peers_up < res.peers) {
		fprintf(stderr, "loadgen: %u of %u peers failed to connect\n", res.failed, res.peers);
		rc = 1;
	}
	if (!lg.o.find_max && res.loss > lg.o.max_loss) {
		fprintf(stderr, "loadgen: loss %.4f%% above --max-loss %.4f%%\n", 100 * res.loss,
			100 * lg.o.max_loss);
		rc = 1;
	}
	if (!lg.o.find_max && res.t.consumers_silent) {
		fprintf(stderr, "loadgen: %llu of %llu consumer streams received nothing\n",
			(unsigned long long)res.t.consumers_silent,
			(unsigned long long)res.t.consumers);
		rc = 1;
	}
	for (unsigned int i = 0; i < lg.n_peers; i++) {
		lg_tp_close(&lg.peers[i].tp_send);
		lg_tp_close(&lg.peers[i].tp_recv);
		json_decref(lg.peers[i].rtp_caps);
		json_decref(lg.peers[i].pending_consumes);
		free(lg.peers[i].pend);
		free(lg.peers[i].rxbuf);
	}
	lg_sio_fini();
	lg_net_fini();
	free(lg.peers);
	free(lg.o.secret_buf);
	return rc;
}
