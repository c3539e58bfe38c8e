/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the fleet directory's parsers (cp_fleet_dir): the
 * first byte picks the parser, the rest is its input.
 *   even: a node record as read from Redis; one that parses is written back
 *         and must parse again to the same record (round trip);
 *   odd:  a redis_url (NUL-terminated copy).
 * Corpus: tests/fuzz/corpus/fuzz_fleet_dir (replayed by ctest).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cp_fleet_dir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void record(const uint8_t *p, size_t n)
{
	struct cp_fleet_node a, b;
	char err[256], buf[CP_FLEET_RECORD_MAX + 1];
	if (cp_fleet_node_parse((const char *)p, n, &a, err, sizeof(err)) != 0)
		return;
	int len = cp_fleet_node_json(&a, buf, sizeof(buf));
	if (len < 0)
		return; /* escaping can make it longer than a record may be */
	if (cp_fleet_node_parse(buf, (size_t)len, &b, err, sizeof(err)) != 0 ||
	    strcmp(a.id, b.id) || strcmp(a.url, b.url) || strcmp(a.media, b.media) ||
	    a.capacity != b.capacity || a.load != b.load)
		abort();
	/* the choice of a home never picks a full node */
	struct cp_fleet_node v[2] = {a, b};
	int i = cp_fleet_choose_home(v, 2, 0);
	if (i >= 0 && v[i].load >= v[i].capacity)
		abort();
}

static void url(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		return;
	memcpy(s, p, n);
	s[n] = '\0';
	struct cp_fleet_redis_addr a;
	char err[256];
	if (cp_fleet_redis_url_parse(s, &a, err, sizeof(err)) == 0 && !a.path[0] &&
	    (a.port < 1 || a.port > 65535 || !a.host[0]))
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		url(data + 1, size - 1);
	else
		record(data + 1, size - 1);
	return 0;
}
