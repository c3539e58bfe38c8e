/* SPDX-License-Identifier: MIT */
/* cp_addrtab: per-address counting, the per-address limit, the key limit,
 * and deletion (backward shift) under heavy collisions, checked against a
 * plain array model. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cp_addrtab.h"

static int failures;
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static void mk(uint8_t a[CP_ADDR_LEN], unsigned v)
{
	memset(a, 0, CP_ADDR_LEN);
	a[12] = (uint8_t)(v >> 8);
	a[15] = (uint8_t)v;
}

static void test_basic(void)
{
	struct cp_addrtab t;
	uint8_t a[CP_ADDR_LEN], b[CP_ADDR_LEN];
	CHECK(cp_addrtab_init(&t, 0) == -EINVAL);
	CHECK(cp_addrtab_init(&t, 2) == 0);
	mk(a, 1);
	mk(b, 2);
	CHECK(cp_addrtab_acquire(&t, a, 2) == 0);
	CHECK(cp_addrtab_acquire(&t, a, 2) == 0);
	CHECK(cp_addrtab_acquire(&t, a, 2) == -EDQUOT);
	CHECK(cp_addrtab_count(&t, a) == 2);
	CHECK(cp_addrtab_acquire(&t, b, 2) == 0);
	uint8_t c[CP_ADDR_LEN];
	mk(c, 3);
	CHECK(cp_addrtab_acquire(&t, c, 2) == -ENOSPC); /* max_keys 2 */
	cp_addrtab_release(&t, c);                      /* absent: ignored */
	cp_addrtab_release(&t, a);
	CHECK(cp_addrtab_count(&t, a) == 1);
	cp_addrtab_release(&t, a);
	CHECK(cp_addrtab_count(&t, a) == 0);
	CHECK(cp_addrtab_acquire(&t, c, 2) == 0);
	CHECK(cp_addrtab_count(&t, b) == 1 && cp_addrtab_count(&t, c) == 1);
	cp_addrtab_free(&t);
}

/* random acquire/release against a model: every count matches */
static void test_model(void)
{
	enum { KEYS = 300, ADDRS = 400 };
	static uint32_t model[ADDRS];
	struct cp_addrtab t;
	uint8_t a[CP_ADDR_LEN];
	size_t distinct = 0;
	CHECK(cp_addrtab_init(&t, KEYS) == 0);
	srand(7);
	for (int i = 0; i < 200000; i++) {
		unsigned v = (unsigned)rand() % ADDRS;
		mk(a, v);
		if (rand() % 2) {
			int rc = cp_addrtab_acquire(&t, a, 3);
			int want = model[v] >= 3 ? -EDQUOT
				   : model[v] == 0 && distinct >= KEYS ? -ENOSPC : 0;
			CHECK(rc == want);
			if (rc == 0 && model[v]++ == 0)
				distinct++;
		} else {
			cp_addrtab_release(&t, a);
			if (model[v] && --model[v] == 0)
				distinct--;
		}
	}
	for (unsigned v = 0; v < ADDRS; v++) {
		mk(a, v);
		CHECK(cp_addrtab_count(&t, a) == model[v]);
	}
	CHECK(t.used == distinct);
	cp_addrtab_free(&t);
}

static void test_sockaddr(void)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	struct sockaddr un = {.sa_family = AF_UNIX};
	uint8_t a[CP_ADDR_LEN], b[CP_ADDR_LEN];
	a4.sin_addr.s_addr = htonl(0x7f000001);
	CHECK(cp_addr_from_sockaddr((struct sockaddr *)&a4, a) == 0);
	CHECK(a[10] == 0xff && a[11] == 0xff && a[12] == 127 && a[15] == 1);
	a6.sin6_addr.s6_addr[15] = 1;
	CHECK(cp_addr_from_sockaddr((struct sockaddr *)&a6, b) == 0);
	CHECK(memcmp(a, b, CP_ADDR_LEN) != 0 && b[15] == 1);
	CHECK(cp_addr_from_sockaddr(&un, a) == -EAFNOSUPPORT);
}

int main(void)
{
	test_basic();
	test_model();
	test_sockaddr();
	if (failures) {
		fprintf(stderr, "test_addrtab: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_addrtab: ok\n");
	return 0;
}
