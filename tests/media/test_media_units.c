/* SPDX-License-Identifier: MIT */
/*
 * The pure pieces of the media path: dp_htab (open addressing with
 * backward-shift deletion, bounded load) against a reference array, and
 * dp_seqmap (sequence/timestamp rewrite of a consumer) on the cases the
 * forwarding relies on, and the word-at-a-time dp_csum_partial of dp_net
 * (every packet in and out is summed) against the RFC 1071 definition.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "dp_htab.h"
#include "dp_net.h"
#include "dp_seqmap.h"

static uint32_t xr(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_htab_basic(void)
{
	struct dp_htab t;
	int a, b, c;
	CHECK_EQ(dp_htab_init(&t, 4, 42), 0);
	CHECK(dp_htab_get(&t, 1) == NULL);
	CHECK_EQ(dp_htab_put(&t, 1, &a), 0);
	CHECK_EQ(dp_htab_put(&t, 2, &b), 0);
	CHECK_EQ(dp_htab_put(&t, 1, &c), 0); /* replace */
	CHECK(dp_htab_get(&t, 1) == &c);
	CHECK(dp_htab_get(&t, 2) == &b);
	CHECK_EQ(t.count, 2);
	CHECK_EQ(dp_htab_put(&t, 3, NULL), -EINVAL);
	CHECK(dp_htab_del(&t, 1) == &c);
	CHECK(dp_htab_del(&t, 1) == NULL);
	CHECK(dp_htab_get(&t, 2) == &b);
	/* never past half full without a reserve */
	uint32_t cap = t.mask + 1, k = 100;
	while (dp_htab_put(&t, k, &a) == 0)
		k++;
	CHECK_EQ(t.count, cap / 2);
	CHECK_EQ(dp_htab_put(&t, k, &a), -ENOSPC);
	CHECK_EQ(dp_htab_reserve(&t, t.count + 1), 0);
	CHECK(t.mask + 1 > cap);
	CHECK_EQ(dp_htab_put(&t, k, &a), 0);
	for (uint32_t i = 100; i <= k; i++)
		CHECK(dp_htab_get(&t, i) == &a);
	/* iteration sees every entry once */
	uint32_t pos = 0, seen = 0;
	while (dp_htab_next(&t, &pos))
		seen++;
	CHECK_EQ(seen, t.count);
	dp_htab_fini(&t);
	/* string keys */
	CHECK(dp_htab_hash_bytes("abc", 3, 1) != dp_htab_hash_bytes("abd", 3, 1));
	CHECK(dp_htab_hash_bytes("abc", 3, 1) != dp_htab_hash_bytes("abc", 3, 2));
	CHECK_EQ(dp_htab_hash_bytes("abc", 3, 1), dp_htab_hash_bytes("abc", 3, 1));
}

/* Random puts/dels against a reference: every key findable, none stale
 * (exercises the backward shift across the wrap of the array). */
static void test_htab_random(void)
{
	enum { KEYS = 600 };
	static int vals[KEYS];
	static int present[KEYS];
	struct dp_htab t;
	uint32_t s = 7;
	CHECK_EQ(dp_htab_init(&t, KEYS, 99), 0);
	int bad = 0;
	for (int round = 0; round < 200000; round++) {
		uint32_t k = xr(&s) % KEYS;
		/* clustered keys: many land in few home slots */
		uint64_t key = (uint64_t)k * (t.mask + 1);
		if (xr(&s) & 1) {
			if (dp_htab_put(&t, key, &vals[k]) != 0)
				bad++;
			present[k] = 1;
		} else {
			void *v = dp_htab_del(&t, key);
			if ((v != NULL) != present[k] || (v && v != &vals[k]))
				bad++;
			present[k] = 0;
		}
		if ((round & 1023) == 0) {
			uint32_t n = 0;
			for (int i = 0; i < KEYS; i++) {
				void *v = dp_htab_get(&t, (uint64_t)i * (t.mask + 1));
				if ((v != NULL) != present[i])
					bad++;
				n += (uint32_t)present[i];
			}
			if (n != t.count)
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	dp_htab_fini(&t);
}

static enum dp_seqmap_verdict map(struct dp_seqmap *m, uint32_t ssrc, uint16_t seq, uint32_t ts,
				  uint64_t now, uint16_t *os, uint32_t *ots)
{
	return dp_seqmap_map(m, ssrc, seq, ts, now, 90000, os, ots);
}

static void test_seqmap(void)
{
	struct dp_seqmap m;
	uint16_t os;
	uint32_t ots;
	dp_seqmap_init(&m);
	/* fresh: offsets 0, across the wrap */
	for (uint16_t q = 65534, i = 0; i < 4; i++, q++) {
		CHECK_EQ(map(&m, 1, q, 1000u + i, 0, &os, &ots), DP_SEQMAP_SEND);
		CHECK_EQ(os, q);
		CHECK_EQ(ots, 1000u + i);
	}
	/* duplicate and reordered */
	CHECK_EQ(map(&m, 1, 1, 1003, 0, &os, &ots), DP_SEQMAP_STALE);
	CHECK_EQ(map(&m, 1, 4, 1006, 0, &os, &ots), DP_SEQMAP_SEND); /* 2, 3 missing */
	CHECK_EQ(map(&m, 1, 3, 1005, 0, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 3);
	CHECK_EQ(map(&m, 1, 3, 1005, 0, &os, &ots), DP_SEQMAP_STALE);
	/* resume: the next packet is last + 1, whatever the producer's number;
	 * same source: timestamps keep their offset */
	dp_seqmap_resync(&m);
	CHECK_EQ(map(&m, 1, 500, 90000, 5000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 5);
	CHECK_EQ(ots, 90000);
	CHECK_EQ(map(&m, 1, 501, 93000, 5000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 6);
	/* late packets from before the resume cannot take a used number */
	CHECK_EQ(map(&m, 1, 498, 89000, 5000000, &os, &ots), DP_SEQMAP_STALE);
	CHECK_EQ(map(&m, 1, 2, 1004, 5000000, &os, &ots), DP_SEQMAP_STALE);
	/* but a gap after the resume can still be filled */
	CHECK_EQ(map(&m, 1, 503, 99000, 5000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 8);
	CHECK_EQ(map(&m, 1, 502, 96000, 5000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 7);
	/* source change 1 s later: seq continues, ts = last + 1 s of 90 kHz */
	CHECK_EQ(map(&m, 2, 40000, 123456, 1005000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 9);
	CHECK_EQ(ots, 99000u + 90000u);
	CHECK_EQ(map(&m, 2, 40001, 126456, 1005000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 10);
	CHECK_EQ(ots, 99000u + 90000u + 3000u);
	/* the old source's packets after the change are a change back */
	CHECK_EQ(map(&m, 1, 504, 102000, 1005000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 11);
	/* a source change at the same instant still moves ts forward */
	CHECK_EQ(map(&m, 3, 7, 5, 1005000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 12);
	CHECK(ots != 0);
	/* far too old: stale */
	for (uint16_t q = 8; q < 8 + 2000; q++)
		map(&m, 3, q, 5, 1005000000, &os, &ots);
	CHECK_EQ(map(&m, 3, 9, 5, 1005000000, &os, &ots), DP_SEQMAP_STALE);
	/* a big forward jump is a gap, not an error */
	CHECK_EQ(map(&m, 3, 20000, 5, 1005000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(map(&m, 3, 19999, 5, 1005000000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(map(&m, 3, 19999, 5, 1005000000, &os, &ots), DP_SEQMAP_STALE);
}

/* Never the same consumer number twice, whatever comes: the absolute
 * (extended) position of every number sent is unique. */
static void test_seqmap_random(void)
{
	enum { N = 1 << 20 };
	struct dp_seqmap m;
	static uint64_t sent_at[N]; /* ext + 1 of the last send in that slot */
	uint32_t s = 12345;
	uint16_t in = 100, os;
	uint32_t ots, ssrc = 1;
	uint64_t ext_last = 1u << 16;
	int dup = 0, sent = 0, restarts = 0, fresh = 0, fresh_sent = 0;
	dp_seqmap_init(&m);
	for (uint32_t round = 1; round < 400000; round++) {
		uint32_t r = xr(&s) % 1000;
		if (r < 10)
			dp_seqmap_resync(&m);
		else if (r < 15)
			ssrc++;
		uint16_t q = r < 700 ? in++ : (uint16_t)(in - (xr(&s) % 1500));
		if (r >= 998) { /* the producer restarts its numbering */
			in = (uint16_t)(in + 20000 + xr(&s) % 40000);
			restarts++;
		}
		uint16_t before = m.last_seq;
		int started = m.started;
		fresh += r < 700;
		if (map(&m, ssrc, q, round, round * 1000ull, &os, &ots) != DP_SEQMAP_SEND)
			continue;
		sent++;
		fresh_sent += r < 700;
		if (started && m.last_seq != before)
			ext_last += (uint16_t)(m.last_seq - before);
		uint64_t ext = ext_last - (uint16_t)(m.last_seq - os);
		if (sent_at[ext % N] == ext + 1)
			dup++;
		sent_at[ext % N] = ext + 1;
	}
	CHECK_EQ(dup, 0);
	CHECK(restarts > 100);
	/* restarts do not leave the stream stale: in-order packets go out */
	CHECK(fresh_sent > fresh - fresh / 50);
	CHECK(sent > fresh_sent);
}

/* RFC 1071 word by word, as the definition reads. */
static uint32_t csum_ref(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

/* dp_seqmap_unmap: the inverse of the current run only, sent numbers
 * only, inside the window only. */
static void test_seqmap_unmap(void)
{
	struct dp_seqmap m;
	uint16_t os, in;
	uint32_t ots;
	dp_seqmap_init(&m);
	CHECK_EQ(dp_seqmap_unmap(&m, 0, &in), -ENOENT); /* nothing mapped yet */
	CHECK_EQ(map(&m, 1, 65534, 100, 0, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(map(&m, 1, 65535, 200, 0, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(map(&m, 1, 2, 500, 0, &os, &ots), DP_SEQMAP_SEND); /* 0, 1 skipped */
	in = 7;
	CHECK_EQ(dp_seqmap_unmap(&m, 65535, &in), 0);
	CHECK_EQ(in, 65535);
	CHECK_EQ(dp_seqmap_unmap(&m, 2, &in), 0);
	CHECK_EQ(in, 2);
	CHECK_EQ(dp_seqmap_unmap(&m, 0, &in), -ENOENT); /* skipped: never sent */
	CHECK_EQ(dp_seqmap_unmap(&m, 3, &in), -ENOENT); /* not handed out yet */
	CHECK_EQ(dp_seqmap_unmap(&m, 65533, &in), -ENOENT); /* before the first */
	/* the late one fills its slot and becomes answerable */
	CHECK_EQ(map(&m, 1, 0, 300, 0, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(dp_seqmap_unmap(&m, 0, &in), 0);
	CHECK_EQ(in, 0);
	/* resync: numbers from before it are not of this run */
	dp_seqmap_resync(&m);
	CHECK_EQ(map(&m, 1, 40, 4000, 1000, &os, &ots), DP_SEQMAP_SEND);
	CHECK_EQ(os, 3);
	CHECK_EQ(dp_seqmap_unmap(&m, 3, &in), 0);
	CHECK_EQ(in, 40);
	CHECK_EQ(dp_seqmap_unmap(&m, 2, &in), -ENOENT);
	CHECK_EQ(dp_seqmap_unmap(&m, 65535, &in), -ENOENT);
	/* a long run past the 16-bit circle: the window stays answerable,
	 * what fell out of it is not */
	uint16_t seq = 40;
	int bad = 0;
	for (uint32_t i = 0; i < 70000; i++) {
		seq++;
		bad += map(&m, 1, seq, 4000 + i, 1000, &os, &ots) != DP_SEQMAP_SEND;
		bad += dp_seqmap_unmap(&m, os, &in) != 0 || in != seq;
		uint16_t old = (uint16_t)(os - (DP_SEQMAP_WINDOW - 1u));
		bad += i >= DP_SEQMAP_WINDOW &&
		       (dp_seqmap_unmap(&m, old, &in) != 0 || in != (uint16_t)(seq - (DP_SEQMAP_WINDOW - 1u)));
		bad += dp_seqmap_unmap(&m, (uint16_t)(os - DP_SEQMAP_WINDOW), &in) != -ENOENT;
	}
	CHECK_EQ(bad, 0);
}

static void test_csum(void)
{
	static uint8_t buf[4096 + 16];
	uint32_t s = 99;
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		size_t off = xr(&s) % 16, len = xr(&s) % 4096;
		uint32_t seed = round % 7 == 0 ? 0 : xr(&s) & 0xfffff;
		int fill = round % 5; /* zeros, ones, random */
		for (size_t i = 0; i < len; i++)
			buf[off + i] = fill == 0 ? 0 : fill == 1 ? 0xff : (uint8_t)xr(&s);
		uint16_t a = dp_csum_fold(dp_csum_partial(buf + off, len, seed));
		uint16_t b = dp_csum_fold(csum_ref(buf + off, len, seed));
		bad += a != b;
		/* chained over an even split, as the UDP pseudo header is */
		size_t cut = (xr(&s) % (len + 1)) & ~(size_t)1;
		uint16_t c = dp_csum_fold(dp_csum_partial(buf + off + cut, len - cut,
							  dp_csum_partial(buf + off, cut, seed)));
		bad += c != b;
	}
	CHECK_EQ(bad, 0);
	/* RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 -> sum ddf2 */
	static const uint8_t ex[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	CHECK_EQ(dp_csum_fold(dp_csum_partial(ex, 8, 0)), (uint16_t)~0xddf2);
}

int main(void)
{
	test_csum();
	test_htab_basic();
	test_htab_random();
	test_seqmap();
	test_seqmap_random();
	test_seqmap_unmap();
	return check_report("test_media_units");
}
