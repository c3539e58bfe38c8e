/* SPDX-License-Identifier: MIT */
/* cp_ids - see cp_ids.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cp_ids.h"

int cp_idpool_init(struct cp_idpool *p, uint32_t cap)
{
	memset(p, 0, sizeof(*p));
	if (cap == 0)
		return 0;
	p->fifo = malloc((size_t)cap * sizeof(*p->fifo));
	p->used = calloc(cap, 1);
	if (!p->fifo || !p->used) {
		free(p->fifo);
		free(p->used);
		memset(p, 0, sizeof(*p));
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		p->fifo[i] = i;
	p->cap = cap;
	p->n_free = cap;
	return 0;
}

void cp_idpool_fini(struct cp_idpool *p)
{
	free(p->fifo);
	free(p->used);
	memset(p, 0, sizeof(*p));
}

int cp_idpool_alloc(struct cp_idpool *p, uint32_t *id)
{
	if (p->n_free == 0)
		return -ENOSPC;
	uint32_t v = p->fifo[p->head];
	p->head = p->head + 1 == p->cap ? 0 : p->head + 1;
	p->n_free--;
	p->used[v] = 1;
	*id = v;
	return 0;
}

int cp_idpool_free(struct cp_idpool *p, uint32_t id)
{
	if (id >= p->cap || !p->used[id])
		return -EINVAL;
	p->used[id] = 0;
	uint32_t tail = (uint32_t)(((uint64_t)p->head + p->n_free) % p->cap);
	p->fifo[tail] = id;
	p->n_free++;
	return 0;
}

void cp_uuid4_format(const uint8_t rnd[16], char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	memcpy(b, rnd, 16);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10xx */
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

int cp_uuid4(char *out)
{
	uint8_t b[16];
	if (RAND_bytes(b, sizeof(b)) != 1) {
		out[0] = '\0';
		return -EIO;
	}
	cp_uuid4_format(b, out);
	return 0;
}

int cp_uuid_shape(const char *s)
{
	for (int i = 0; i < CP_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return s[CP_UUID_LEN] == '\0';
}

void cp_token_format(const uint8_t *rnd, size_t n, char *out)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	for (size_t i = 0; i < n; i++)
		out[i] = alpha[rnd[i] % 62];
	out[n] = '\0';
}

int cp_random_token(char *out, size_t n)
{
	uint8_t b[64];
	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1) {
		out[0] = '\0';
		return -EIO;
	}
	cp_token_format(b, n, out);
	return 0;
}
