/* SPDX-License-Identifier: MIT */
/*
 * bench_util - the measuring loop shared by the benchmark programs, so that
 * figures taken by different benchmarks in one run are comparable.
 *
 * A benchmark is a pair of callbacks over an opaque argument: prepare()
 * gets the next burst of work ready and is NOT timed (refilling plaintexts,
 * protecting packets for an unprotect benchmark); run() processes that burst
 * and IS timed, with clock_gettime(CLOCK_MONOTONIC) around each call. The
 * loop runs a fixed number of packets (not a fixed time), so the work done
 * is the same on every machine; the result is packets per second of timed
 * time. Single-threaded: it measures one core.
 */
#ifndef SL_BENCH_UTIL_H
#define SL_BENCH_UTIL_H

#include <stdint.h>

struct bench_ops {
	/* Untimed; may be NULL. Ready n packets for the next run(). 0 or -1. */
	int (*prepare)(void *arg, unsigned int n);
	/* Timed. Process n packets; returns how many succeeded, or -1 to stop. */
	int (*run)(void *arg, unsigned int n);
};

struct bench_result {
	uint64_t packets; /* packets run in the timed sections */
	uint64_t failed;  /* of those, how many run() did not count as succeeded */
	uint64_t ns;      /* total timed nanoseconds */
	double pps;       /* packets / timed second (0 when nothing was timed) */
	double ns_per_pkt;
	/* ns/packet of the fastest burst: on a shared machine, closer to what
	 * the core can do than the mean, which absorbs preemption */
	double best_ns_per_pkt;
};

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/*
 * Runs warmup packets untimed (prepare + run, results ignored), then count
 * packets in bursts of at most burst, timing run() only. Returns 0 and
 * fills *res, or -EINVAL (bad arguments) / -EIO (a callback returned -1).
 */
int bench_measure(const struct bench_ops *ops, void *arg, uint64_t warmup, uint64_t count,
		  unsigned int burst, struct bench_result *res);

/* Pins the calling thread to one CPU (so "one core" means one core).
 * Returns 0 or -errno. */
int bench_pin_cpu(int cpu);

#endif /* SL_BENCH_UTIL_H */
