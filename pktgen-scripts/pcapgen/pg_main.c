/* SPDX-License-Identifier: MIT */
/*
 * sluice-pcapgen - pcap files of valid media and of attack traffic for a
 * Sluice data plane, from the key dump of sluice-loadgen --dump-keys.
 * Usage: see usage() below and pktgen-scripts/README.md.
 *
 * Exit status: 0 done, 1 a run failed (bad dump, I/O, SRTP), 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pg_gen.h"
#include "pg_keys.h"
#include "pg_pcap.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-pcapgen --keys DUMP.json --out FILE.pcap [--kind KIND] [options]\n"
		"       sluice-pcapgen --keys DUMP.json --out DIR --kind all [options]\n"
		"       sluice-pcapgen --list-kinds\n"
		"  --kind KIND       media (default), an attack kind, or all (one pcap per kind,\n"
		"                    DIR/<kind>.pcap, disjoint sequence ranges)\n"
		"  --pps N           media: packets/s per stream; attacks: packets/s (default 50)\n"
		"  --seconds N       duration (default 10)\n"
		"  --count N         attacks: packets (default pps * seconds)\n"
		"  --size N          RTP payload bytes (default 100 audio, 1100 video)\n"
		"  --streams N       media: the first N streams of the dump (default all)\n"
		"  --seq-offset N    first RTP sequence number (default 30000)\n"
		"  --consent-ms N    consent Binding request period (default 5000, 0: once)\n"
		"  --recv-consent    media: consent requests on recv transports too\n"
		"  --sr-ms N         media: an SRTCP sender report per stream every N ms (0: none)\n"
		"  --src-mac MAC     source MAC (default 02:00:00:00:00:02)\n"
		"  --dst-mac MAC     destination MAC: the server's NIC (default 02:00:00:00:00:01)\n"
		"  --seed N          PRNG seed (default 1)\n"
		"  --start-time S    timestamp of the first frame, s since the epoch\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int sink_pcap(void *user, uint64_t ts_ns, const uint8_t *frame, size_t len)
{
	return pg_pcap_write(user, ts_ns, frame, len);
}

static void summary(const char *path, enum pg_kind kind, const struct pg_stats *st)
{
	printf("pcapgen: %s kind=%s frames=%llu stun=%llu dtls=%llu srtp=%llu srtcp=%llu "
	       "other=%llu bytes=%llu valid_rtp=%llu",
	       path, pg_kind_name(kind), (unsigned long long)st->frames,
	       (unsigned long long)st->stun, (unsigned long long)st->dtls,
	       (unsigned long long)st->srtp, (unsigned long long)st->srtcp,
	       (unsigned long long)st->other,
	       (unsigned long long)st->bytes, (unsigned long long)st->valid_rtp);
	if (pg_kind_drop(kind) < SL_DROP__COUNT)
		printf(" expect=%s:%llu", sl_drop_name(pg_kind_drop(kind)),
		       (unsigned long long)st->expect_drops);
	if (st->seq_count)
		printf(" seq=%u..%u", st->seq_first, (uint16_t)(st->seq_next - 1));
	if (st->seq_count > 65536u - st->seq_first)
		printf(" (%u per SSRC: wrapped, ROC %u at the end)", st->seq_count,
		       (st->seq_first + st->seq_count - 1) >> 16);
	printf("\n");
}

/* One kind into one file. 0 or -1 (message on stderr). */
static int one(const struct pg_dump *d, enum pg_kind kind, const struct pg_opts *o,
	       const char *path, struct pg_stats *st)
{
	struct pg_pcap w;
	char err[PG_ERR_MAX];
	int rc = pg_pcap_open(&w, path);
	if (rc) {
		fprintf(stderr, "sluice-pcapgen: %s: %s\n", path, strerror(-rc));
		return -1;
	}
	struct pg_sink sink = {.frame = sink_pcap, .user = &w};
	int g = pg_generate(d, kind, o, &sink, st, err, sizeof(err));
	rc = pg_pcap_close(&w);
	if (g) {
		fprintf(stderr, "sluice-pcapgen: %s: %s\n", pg_kind_name(kind), err);
		remove(path);
		return -1;
	}
	if (rc) {
		fprintf(stderr, "sluice-pcapgen: %s: %s\n", path, strerror(-rc));
		return -1;
	}
	summary(path, kind, st);
	return 0;
}

/* Every kind into dir/<kind>.pcap, each starting where the last one's
 * sequence numbers ended. */
static int all(const struct pg_dump *d, struct pg_opts *o, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "sluice-pcapgen: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (unsigned int k = 0; k < PG_KIND__COUNT; k++) {
		char path[4096];
		struct pg_stats st;
		snprintf(path, sizeof(path), "%s/%s.pcap", dir, pg_kind_name((enum pg_kind)k));
		if (one(d, (enum pg_kind)k, o, path, &st))
			return -1;
		o->seq_offset = st.seq_next;
	}
	return 0;
}

enum { O_KEYS = 256, O_OUT, O_KIND, O_PPS, O_SECONDS, O_COUNT, O_SIZE, O_STREAMS, O_SEQ,
       O_CONSENT, O_RECV_CONSENT, O_SR, O_SRC_MAC, O_DST_MAC, O_SEED, O_START, O_LIST, O_HELP };

static const struct option longopts[] = {
	{"keys", required_argument, NULL, O_KEYS},
	{"out", required_argument, NULL, O_OUT},
	{"kind", required_argument, NULL, O_KIND},
	{"pps", required_argument, NULL, O_PPS},
	{"seconds", required_argument, NULL, O_SECONDS},
	{"count", required_argument, NULL, O_COUNT},
	{"size", required_argument, NULL, O_SIZE},
	{"streams", required_argument, NULL, O_STREAMS},
	{"seq-offset", required_argument, NULL, O_SEQ},
	{"consent-ms", required_argument, NULL, O_CONSENT},
	{"recv-consent", no_argument, NULL, O_RECV_CONSENT},
	{"sr-ms", required_argument, NULL, O_SR},
	{"src-mac", required_argument, NULL, O_SRC_MAC},
	{"dst-mac", required_argument, NULL, O_DST_MAC},
	{"seed", required_argument, NULL, O_SEED},
	{"start-time", required_argument, NULL, O_START},
	{"list-kinds", no_argument, NULL, O_LIST},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

/* One option into o (or *keys, *out, *kind). 0, 1 (exit 0 now) or -1. */
static int option(int c, const char *arg, struct pg_opts *o, const char **keys,
		  const char **out, const char **kind)
{
	uint64_t v = 0;
	int bad = 0;
	switch (c) {
	case O_KEYS: *keys = arg; return 0;
	case O_OUT: *out = arg; return 0;
	case O_KIND: *kind = arg; return 0;
	case O_PPS: bad = parse_u64(arg, 1000000, &v) || v == 0; o->pps = (uint32_t)v; break;
	case O_SECONDS: bad = parse_u64(arg, 86400, &v) || v == 0; o->seconds = (uint32_t)v; break;
	case O_COUNT: bad = parse_u64(arg, 100000000, &v) || v == 0; o->count = (uint32_t)v; break;
	case O_SIZE: bad = parse_u64(arg, 1500, &v); o->size = (int32_t)v; break;
	case O_STREAMS: bad = parse_u64(arg, 1u << 20, &v) || v == 0; o->streams = (uint32_t)v; break;
	case O_SEQ: bad = parse_u64(arg, 65535, &v); o->seq_offset = (uint16_t)v; break;
	case O_CONSENT: bad = parse_u64(arg, 3600000, &v); o->consent_ms = (uint32_t)v; break;
	case O_RECV_CONSENT: o->recv_consent = 1; return 0;
	case O_SR: bad = parse_u64(arg, 3600000, &v); o->sr_ms = (uint32_t)v; break;
	case O_SRC_MAC: bad = parse_mac(arg, o->src_mac); break;
	case O_DST_MAC: bad = parse_mac(arg, o->dst_mac); break;
	case O_SEED: bad = parse_u64(arg, UINT64_MAX, &o->seed); break;
	case O_START: bad = parse_u64(arg, 4000000000ull, &v); o->start_ns = v * 1000000000ull; break;
	case O_LIST:
		for (unsigned int k = 0; k < PG_KIND__COUNT; k++)
			printf("%-18s %-18s %s\n", pg_kind_name((enum pg_kind)k),
			       pg_kind_drop((enum pg_kind)k) < SL_DROP__COUNT
				       ? sl_drop_name(pg_kind_drop((enum pg_kind)k))
				       : "(valid)",
			       pg_kind_what((enum pg_kind)k));
		return 1;
	case O_HELP: usage(stdout); return 1;
	default: usage(stderr); return -1;
	}
	if (bad) {
		fprintf(stderr, "sluice-pcapgen: bad value for --%s: \"%s\"\n",
			longopts[c - O_KEYS].name, arg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pg_opts o;
	const char *keys = NULL, *out = NULL, *kind = "media";
	int c;
	pg_opts_default(&o);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int r = option(c, optarg, &o, &keys, &out, &kind);
		if (r)
			return r > 0 ? 0 : 2;
	}
	if (optind < argc || !keys || !out) {
		fprintf(stderr, "sluice-pcapgen: %s\n",
			optind < argc ? "unexpected argument" : "--keys and --out are required");
		usage(stderr);
		return 2;
	}
	enum pg_kind k = pg_kind_by_name(kind);
	if (k == PG_KIND__COUNT && strcmp(kind, "all") != 0) {
		fprintf(stderr, "sluice-pcapgen: unknown --kind \"%s\" (see --list-kinds)\n", kind);
		return 2;
	}
	struct pg_dump d;
	char err[PG_ERR_MAX + 4200];
	if (pg_keys_load(keys, &d, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-pcapgen: bad key dump: %s\n", err);
		return 1;
	}
	struct pg_stats st;
	int rc = k == PG_KIND__COUNT ? all(&d, &o, out) : one(&d, k, &o, out, &st);
	pg_keys_free(&d);
	return rc ? 1 : 0;
}
