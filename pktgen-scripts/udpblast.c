/* SPDX-License-Identifier: MIT */
/*
 * sluice-udpblast - plain UDP load for measuring an I/O path: sends datagrams
 * of one size to a reflector (sluice-dataplane --echo-port N, see
 * dataplane/dp_echo.h) with sendmmsg, over K connected sockets (K source
 * ports), at a target rate or as fast as it can, and takes the echoes back
 * with recvmmsg on the same sockets. Prints sent/s, received/s and loss.
 *
 *   sluice-udpblast --dst 198.18.0.1 --port 9 [--size 1200] [--rate PPS]
 *                   [--seconds T | --count N] [--sports K] [--json-out FILE]
 *
 * Each thread (--threads, default 1) owns a share of the sockets and of the
 * rate; each round it sends at most one batch per socket (fewer when the
 * pacer says so) and then drains each of its sockets once, so the receive
 * side is served as often as the send side. After the send phase it keeps receiving
 * for --drain-ms. Every payload carries a magic, a run id and a sequence
 * number; only echoes of this run are counted, and an echo of a sequence
 * number seen before counts as a duplicate, not as received.
 *
 * Exit status: 0 when the run completed (whatever the loss), 1 on a usage
 * error, 2 on a system error (socket, bind, write of the JSON file).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UB_MAX_SPORTS 1024u
#define UB_MAX_BATCH 256u
#define UB_MAX_THREADS 16u
#define UB_MAX_SIZE 8972u /* payload of a 9000-byte IPv4 MTU */
#define UB_MIN_SIZE 16u   /* magic + run id + sequence */
#define UB_MAGIC 0x53554442u /* "SUDB" */

struct ub_opts {
	struct sockaddr_in dst;
	struct sockaddr_in src; /* address only; port 0 unless --sport-base */
	uint32_t size;          /* UDP payload bytes */
	double rate;            /* packets/s; 0 = as fast as possible */
	double seconds;
	uint64_t count;         /* 0 = until --seconds */
	uint32_t sports;
	uint32_t sport_base;    /* 0 = kernel-chosen ports */
	uint32_t batch;
	uint32_t threads;       /* sending threads; the sockets are split among them */
	uint32_t drain_ms;
	int progress;
	const char *json_out;
};

struct ub_stats {
	uint64_t sent, received, dups, foreign, send_again, send_errors, recv_errors;
	double send_s;  /* duration of the send phase */
	double cpu_pct; /* CPU (user + system) of the sending threads in the send phase,
			 * % of one CPU */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(void)
{
	printf("usage: sluice-udpblast --dst A.B.C.D --port N [options]\n"
	       "  --dst A.B.C.D      reflector address (required)\n"
	       "  --port N           reflector UDP port (required)\n"
	       "  --src A.B.C.D      source address to bind (default: any)\n"
	       "  --size B           UDP payload bytes, %u..%u (default 1200)\n"
	       "  --rate PPS         target packets/s over all ports; 0 = as fast as possible\n"
	       "                     (default 0)\n"
	       "  --seconds T        length of the send phase (default 5)\n"
	       "  --count N          send N datagrams, then stop (bounded by --seconds when\n"
	       "                     given, else by 600 s)\n"
	       "  --sports K         source ports, one connected socket each (default 4)\n"
	       "  --sport-base P     bind source ports P..P+K-1 (default: kernel's choice)\n"
	       "  --batch N          datagrams per sendmmsg/recvmmsg, 1..%u (default 32)\n"
	       "  --threads N        sending threads, 1..%u, each with its share of the\n"
	       "                     sockets and of the rate (default 1)\n"
	       "  --drain-ms MS      keep receiving after the send phase (default 500)\n"
	       "  --progress         one line per second\n"
	       "  --json-out FILE    also write the result as JSON\n",
	       UB_MIN_SIZE, UB_MAX_SIZE, UB_MAX_BATCH, UB_MAX_THREADS);
}

static int num(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double x = v ? strtod(v, &end) : 0;
	if (!v || errno || *end || end == v || x < lo || x > hi) {
		fprintf(stderr, "sluice-udpblast: %s needs a number in %g..%g (got '%s')\n", opt,
			lo, hi, v ? v : "");
		return -1;
	}
	*out = x;
	return 0;
}

static int addr(const char *opt, const char *v, struct sockaddr_in *sa)
{
	if (!v || inet_pton(AF_INET, v, &sa->sin_addr) != 1) {
		fprintf(stderr, "sluice-udpblast: %s needs an IPv4 address (got '%s')\n", opt,
			v ? v : "");
		return -1;
	}
	return 0;
}

/* Returns 0, 1 for --help, -1 on a bad option (message printed). */
static int parse(struct ub_opts *o, int argc, char **argv)
{
	int have_dst = 0, have_port = 0, have_seconds = 0;
	double x;
	memset(o, 0, sizeof(*o));
	o->dst.sin_family = o->src.sin_family = AF_INET;
	o->size = 1200;
	o->seconds = 5;
	o->sports = 4;
	o->batch = 32;
	o->threads = 1;
	o->drain_ms = 500;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 1;
		} else if (!strcmp(a, "--progress")) {
			o->progress = 1;
			continue;
		} else if (!strcmp(a, "--dst")) {
			rc = addr(a, v, &o->dst);
			have_dst = 1;
		} else if (!strcmp(a, "--src")) {
			rc = addr(a, v, &o->src);
		} else if (!strcmp(a, "--port")) {
			rc = num(a, v, 1, 65535, &x);
			o->dst.sin_port = htons((uint16_t)x);
			have_port = 1;
		} else if (!strcmp(a, "--size")) {
			rc = num(a, v, UB_MIN_SIZE, UB_MAX_SIZE, &x);
			o->size = (uint32_t)x;
		} else if (!strcmp(a, "--rate")) {
			rc = num(a, v, 0, 1e9, &o->rate);
		} else if (!strcmp(a, "--seconds")) {
			rc = num(a, v, 0.01, 86400, &o->seconds);
			have_seconds = 1;
		} else if (!strcmp(a, "--count")) {
			rc = num(a, v, 1, 1e12, &x);
			o->count = (uint64_t)x;
		} else if (!strcmp(a, "--sports")) {
			rc = num(a, v, 1, UB_MAX_SPORTS, &x);
			o->sports = (uint32_t)x;
		} else if (!strcmp(a, "--sport-base")) {
			rc = num(a, v, 1024, 65535 - UB_MAX_SPORTS, &x);
			o->sport_base = (uint32_t)x;
		} else if (!strcmp(a, "--batch")) {
			rc = num(a, v, 1, UB_MAX_BATCH, &x);
			o->batch = (uint32_t)x;
		} else if (!strcmp(a, "--threads")) {
			rc = num(a, v, 1, UB_MAX_THREADS, &x);
			o->threads = (uint32_t)x;
		} else if (!strcmp(a, "--drain-ms")) {
			rc = num(a, v, 0, 60000, &x);
			o->drain_ms = (uint32_t)x;
		} else if (!strcmp(a, "--json-out")) {
			if (!v) {
				fprintf(stderr, "sluice-udpblast: --json-out needs a file name\n");
				return -1;
			}
			o->json_out = v;
		} else {
			fprintf(stderr, "sluice-udpblast: unknown option '%s' (see --help)\n", a);
			return -1;
		}
		if (rc)
			return -1;
		i++;
	}
	if (!have_dst || !have_port) {
		fprintf(stderr, "sluice-udpblast: give --dst and --port of the reflector, e.g. "
				"--dst 198.18.0.1 --port 9\n");
		return -1;
	}
	if (o->threads > o->sports) {
		fprintf(stderr, "sluice-udpblast: --threads %u needs at least as many --sports\n",
			o->threads);
		return -1;
	}
	if (o->count && !have_seconds) /* --count alone: a generous bound, not a pace */
		o->seconds = 600;
	return 0;
}

/* K non-blocking sockets, each bound to its own source port and connected to
 * the reflector. Returns 0 or -1 (message printed; opened sockets closed). */
static int open_sockets(const struct ub_opts *o, int *fds)
{
	for (uint32_t i = 0; i < o->sports; i++) {
		struct sockaddr_in src = o->src;
		int buf = 8 << 20;
		src.sin_port = o->sport_base ? htons((uint16_t)(o->sport_base + i)) : 0;
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] < 0) {
			perror("sluice-udpblast: socket");
			goto fail;
		}
		/* large buffers (forced as root) so the blaster's own socket is not the loss */
		if (setsockopt(fds[i], SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
			setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		if (setsockopt(fds[i], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
			setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		if (bind(fds[i], (struct sockaddr *)&src, sizeof(src)) ||
		    connect(fds[i], (const struct sockaddr *)&o->dst, sizeof(o->dst))) {
			fprintf(stderr, "sluice-udpblast: socket %u: bind/connect: %s\n", i,
				strerror(errno));
			i++;
			goto fail;
		}
		continue;
fail:
		for (uint32_t j = 0; j < i; j++)
			close(fds[j]);
		return -1;
	}
	return 0;
}

struct ub_bufs {
	struct mmsghdr msgs[UB_MAX_BATCH];
	struct iovec iov[UB_MAX_BATCH];
	uint8_t *data; /* UB_MAX_BATCH x (size + 1): one spare byte catches longer datagrams */
};

static int bufs_init(struct ub_bufs *b, uint32_t size)
{
	b->data = calloc(UB_MAX_BATCH, size + 1u);
	if (!b->data)
		return -1;
	for (uint32_t i = 0; i < UB_MAX_BATCH; i++) {
		b->iov[i].iov_base = b->data + (size_t)i * (size + 1u);
		b->iov[i].iov_len = size;
		memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Sends up to n datagrams (sequence numbers from *seq) on fd; returns how many left. */
static uint32_t send_batch(int fd, struct ub_bufs *b, uint32_t n, uint32_t run, uint64_t *seq,
			   struct ub_stats *st)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = b->iov[i].iov_base;
		put32(p, UB_MAGIC);
		put32(p + 4, run);
		uint64_t s = *seq + i;
		memcpy(p + 8, &s, 8);
	}
	int r = sendmmsg(fd, b->msgs, n, 0);
	if (r < 0) {
		if (errno == EAGAIN || errno == ENOBUFS)
			st->send_again++;
		else
			st->send_errors++;
		return 0;
	}
	*seq += (uint64_t)r;
	st->sent += (uint64_t)r;
	return (uint32_t)r;
}

/* A bitmap of sequence numbers seen, grown on demand (duplicates detection). */
struct ub_seen {
	uint8_t *bits;
	uint64_t n_bits;
};

static int seen_mark(struct ub_seen *s, uint64_t seq)
{
	if (seq >= s->n_bits) {
		uint64_t n = s->n_bits ? s->n_bits : 1u << 20;
		while (n <= seq)
			n *= 2;
		uint8_t *p = realloc(s->bits, n / 8);
		if (!p)
			return 0; /* cannot tell: count as new */
		memset(p + s->n_bits / 8, 0, (n - s->n_bits) / 8);
		s->bits = p;
		s->n_bits = n;
	}
	uint8_t m = (uint8_t)(1u << (seq & 7));
	int was = (s->bits[seq >> 3] & m) != 0;
	s->bits[seq >> 3] |= m;
	return was;
}

/* Drains fd once (one recvmmsg); returns the number of datagrams taken. */
static uint32_t recv_batch(int fd, struct ub_bufs *b, uint32_t batch, uint32_t size, uint32_t run,
			   uint64_t sent, struct ub_seen *seen, struct ub_stats *st)
{
	for (uint32_t i = 0; i < batch; i++)
		b->iov[i].iov_len = size + 1u;
	int r = recvmmsg(fd, b->msgs, batch, MSG_DONTWAIT, NULL);
	for (uint32_t i = 0; i < batch; i++)
		b->iov[i].iov_len = size;
	if (r < 0) {
		if (errno != EAGAIN && errno != EINTR)
			st->recv_errors++;
		return 0;
	}
	for (int i = 0; i < r; i++) {
		const uint8_t *p = b->iov[i].iov_base;
		uint64_t s;
		memcpy(&s, p + 8, 8);
		if (b->msgs[i].msg_len != size || get32(p) != UB_MAGIC || get32(p + 4) != run ||
		    s >= sent) {
			st->foreign++;
			continue;
		}
		if (seen_mark(seen, s))
			st->dups++;
		else
			st->received++;
	}
	return (uint32_t)r;
}

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* One sending thread: its own sockets, buffers, pace share and counters
 * (nothing shared while it runs; main sums the counters after the join). */
struct ub_worker {
	const struct ub_opts *o;
	const int *fds;
	uint32_t n_fds;
	uint32_t index;
	uint32_t run_id; /* per worker: sequence numbers are per worker too */
	double rate;     /* this worker's share; 0 = as fast as possible */
	uint64_t count;  /* this worker's share of --count (may be 0); unused without it */
	struct ub_bufs bufs;
	struct ub_stats st;
	pthread_t tid;
};

static double thread_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* The send phase, with receiving in between, then the drain. */
static void *run(void *arg)
{
	struct ub_worker *w = arg;
	const struct ub_opts *o = w->o;
	struct ub_stats *st = &w->st;
	struct ub_bufs *b = &w->bufs;
	struct ub_seen seen = {0};
	uint64_t seq = 0, last_sent = 0, last_recv = 0;
	double t0 = now_s(), t_end = t0 + o->seconds, next_progress = t0 + 1;
	double c0 = thread_cpu_s();

	for (;;) {
		double t = now_s();
		if (t >= t_end || (o->count && seq >= w->count))
			break;
		uint64_t allowed = w->rate > 0 ? (uint64_t)((t - t0) * w->rate) + 1 : UINT64_MAX;
		if (o->count && allowed > w->count)
			allowed = w->count;
		uint32_t did = 0;
		for (uint32_t k = 0; k < w->n_fds && seq < allowed; k++) {
			uint64_t want = allowed - seq;
			did += send_batch(w->fds[k], b, want < o->batch ? (uint32_t)want : o->batch,
					  w->run_id, &seq, st);
		}
		for (uint32_t k = 0; k < w->n_fds; k++)
			did += recv_batch(w->fds[k], b, o->batch, o->size, w->run_id, seq, &seen, st);
		if (o->progress && w->index == 0 && t >= next_progress) {
			printf("udpblast: %.0f s: thread 0 sent %llu/s received %llu/s\n", t - t0,
			       (unsigned long long)(st->sent - last_sent),
			       (unsigned long long)(st->received - last_recv));
			last_sent = st->sent;
			last_recv = st->received;
			next_progress += 1;
		}
		if (did == 0 && w->rate > 0)
			sleep_us(20); /* ahead of the pacer and nothing to receive */
	}
	st->send_s = now_s() - t0;
	st->cpu_pct = 100 * (thread_cpu_s() - c0) / st->send_s;
	double d_end = now_s() + o->drain_ms / 1000.0;
	while (now_s() < d_end && st->received < st->sent) {
		uint32_t got = 0;
		for (uint32_t k = 0; k < w->n_fds; k++)
			got += recv_batch(w->fds[k], b, o->batch, o->size, w->run_id, seq, &seen, st);
		if (got == 0)
			sleep_us(200);
	}
	free(seen.bits);
	return NULL;
}

/* Sums the workers' counters into *st (send phase: the longest one). */
static void sum_stats(const struct ub_worker *ws, uint32_t n, struct ub_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (uint32_t i = 0; i < n; i++) {
		const struct ub_stats *x = &ws[i].st;
		st->sent += x->sent;
		st->received += x->received;
		st->dups += x->dups;
		st->foreign += x->foreign;
		st->send_again += x->send_again;
		st->send_errors += x->send_errors;
		st->recv_errors += x->recv_errors;
		st->cpu_pct += x->cpu_pct;
		if (x->send_s > st->send_s)
			st->send_s = x->send_s;
	}
}

static double loss_ratio(const struct ub_stats *st)
{
	return st->sent ? (double)(st->sent - (st->received < st->sent ? st->received : st->sent)) /
				  (double)st->sent
			: 0;
}

static int report(const struct ub_opts *o, const struct ub_stats *st)
{
	double sps = st->sent / st->send_s, rps = st->received / st->send_s;
	double frame = o->size + 42.0; /* Ethernet + IPv4 + UDP headers */
	printf("udpblast: payload %u B (frame %.0f B), %u source ports, %u thread(s), target %s, "
	       "%.2f s: "
	       "sent %llu (%.0f/s, %.1f Mbit/s), received %llu (%.0f/s), loss %.4f%%, "
	       "duplicates %llu, foreign %llu, send EAGAIN %llu, errors %llu/%llu, "
	       "blaster CPU %.0f%%\n",
	       o->size, frame, o->sports, o->threads, o->rate > 0 ? "rate" : "max", st->send_s,
	       (unsigned long long)st->sent, sps, sps * frame * 8 / 1e6,
	       (unsigned long long)st->received, rps, 100 * loss_ratio(st),
	       (unsigned long long)st->dups, (unsigned long long)st->foreign,
	       (unsigned long long)st->send_again, (unsigned long long)st->send_errors,
	       (unsigned long long)st->recv_errors, st->cpu_pct);
	if (!o->json_out)
		return 0;
	FILE *f = fopen(o->json_out, "w");
	if (!f) {
		fprintf(stderr, "sluice-udpblast: cannot write %s: %s\n", o->json_out,
			strerror(errno));
		return -1;
	}
	fprintf(f, "{\"payload_bytes\": %u, \"frame_bytes\": %.0f, \"sports\": %u, \"threads\": %u, "
		   "\"target_pps\": %.0f, \"seconds\": %.6f, \"sent\": %llu, \"received\": %llu, "
		   "\"duplicates\": %llu, \"foreign\": %llu, \"send_eagain\": %llu, "
		   "\"send_errors\": %llu, \"recv_errors\": %llu, \"sent_pps\": %.1f, "
		   "\"received_pps\": %.1f, \"loss_ratio\": %.6f, \"cpu_pct\": %.1f}\n",
		o->size, frame, o->sports, o->threads, o->rate, st->send_s, (unsigned long long)st->sent,
		(unsigned long long)st->received, (unsigned long long)st->dups,
		(unsigned long long)st->foreign, (unsigned long long)st->send_again,
		(unsigned long long)st->send_errors, (unsigned long long)st->recv_errors, sps, rps,
		loss_ratio(st), st->cpu_pct);
	return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static int fds[UB_MAX_SPORTS];
	static struct ub_worker ws[UB_MAX_THREADS];
	struct ub_opts o;
	struct ub_stats st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = parse(&o, argc, argv);
	if (rc)
		return rc > 0 ? 0 : 1;
	if (open_sockets(&o, fds))
		return 2;
	uint32_t run_id = (uint32_t)getpid() ^ (uint32_t)(now_s() * 1e3);
	uint32_t per = o.sports / o.threads, extra = o.sports % o.threads, next = 0;
	uint64_t counted = 0;
	for (uint32_t i = 0; i < o.threads; i++) {
		struct ub_worker *w = &ws[i];
		w->o = &o;
		w->index = i;
		w->run_id = run_id + i;
		w->fds = fds + next;
		w->n_fds = per + (i < extra);
		next += w->n_fds;
		w->rate = o.rate * w->n_fds / o.sports;
		/* the count by the same share as the rate; the last one takes the rest */
		w->count = i + 1 == o.threads ? o.count - counted : o.count * next / o.sports - counted;
		counted += w->count;
		if (bufs_init(&w->bufs, o.size)) {
			fprintf(stderr, "sluice-udpblast: out of memory\n");
			return 2;
		}
	}
	uint32_t started = 0;
	for (; started < o.threads; started++) {
		rc = pthread_create(&ws[started].tid, NULL, run, &ws[started]);
		if (rc) {
			fprintf(stderr, "sluice-udpblast: thread %u: %s\n", started, strerror(rc));
			break;
		}
	}
	for (uint32_t i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	for (uint32_t i = 0; i < o.sports; i++)
		close(fds[i]);
	for (uint32_t i = 0; i < o.threads; i++)
		free(ws[i].bufs.data);
	if (started < o.threads)
		return 2;
	sum_stats(ws, o.threads, &st);
	return report(&o, &st) ? 2 : 0;
}
