/* SPDX-License-Identifier: MIT */
/* bench_util - see bench_util.h. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include "bench_util.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One prepare + run of n packets; adds to *res when timed. */
static int bench_step(const struct bench_ops *ops, void *arg, unsigned int n, int timed,
		      struct bench_result *res)
{
	uint64_t t0, t1;
	int ok;

	if (ops->prepare && ops->prepare(arg, n) != 0)
		return -EIO;
	t0 = bench_now_ns();
	ok = ops->run(arg, n);
	t1 = bench_now_ns();
	if (ok < 0 || (unsigned int)ok > n)
		return -EIO;
	if (timed) {
		double per = (double)(t1 - t0) / n;

		if (res->best_ns_per_pkt == 0 || per < res->best_ns_per_pkt)
			res->best_ns_per_pkt = per;
		res->ns += t1 - t0;
		res->packets += n;
		res->failed += n - (unsigned int)ok;
	}
	return 0;
}

int bench_measure(const struct bench_ops *ops, void *arg, uint64_t warmup, uint64_t count,
		  unsigned int burst, struct bench_result *res)
{
	uint64_t done;
	int rc;

	if (!ops || !ops->run || !res || burst == 0)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	for (done = 0; done < warmup; done += burst) {
		unsigned int n = warmup - done < burst ? (unsigned int)(warmup - done) : burst;

		rc = bench_step(ops, arg, n, 0, res);
		if (rc)
			return rc;
	}
	for (done = 0; done < count; done += burst) {
		unsigned int n = count - done < burst ? (unsigned int)(count - done) : burst;

		rc = bench_step(ops, arg, n, 1, res);
		if (rc)
			return rc;
	}
	if (res->ns && res->packets) {
		res->pps = (double)res->packets * 1e9 / (double)res->ns;
		res->ns_per_pkt = (double)res->ns / (double)res->packets;
	}
	return 0;
}

int bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}
