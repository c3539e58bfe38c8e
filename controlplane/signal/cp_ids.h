/* SPDX-License-Identifier: MIT */
/*
 * cp_ids - identifiers of the signaling layer.
 *
 * Data-plane ids (transport ids < max_transports, producer and consumer ids
 * < max_ids) come from a struct cp_idpool: a FIFO free list, so a released
 * id is reused as late as possible (a late event or command for the old
 * owner then rarely meets a new one). Protocol ids (peerId, transport.id,
 * producerId, consumerId) are random UUID v4 strings.
 *
 * The pool and the formatting functions are pure (no globals, no logging);
 * cp_uuid4() and cp_random_token() read OpenSSL's RAND_bytes.
 */
#ifndef CP_IDS_H
#define CP_IDS_H

#include <stddef.h>
#include <stdint.h>

#define CP_UUID_LEN 36 /* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" */

struct cp_idpool {
	uint32_t cap;     /* ids are 0 .. cap-1 */
	uint32_t head;    /* next id to hand out: fifo[head] */
	uint32_t n_free;
	uint32_t *fifo;   /* ring of free ids, cap entries */
	uint8_t *used;    /* 1 while allocated */
};

/* All ids free, handed out in increasing order first. cap 0 gives an empty
 * pool. Returns 0 or -ENOMEM. */
int cp_idpool_init(struct cp_idpool *p, uint32_t cap);
void cp_idpool_fini(struct cp_idpool *p);
/* 0 and *id, or -ENOSPC when every id is in use. */
int cp_idpool_alloc(struct cp_idpool *p, uint32_t *id);
/* 0, or -EINVAL for an id out of range or not allocated (nothing changes). */
int cp_idpool_free(struct cp_idpool *p, uint32_t id);
static inline uint32_t cp_idpool_in_use(const struct cp_idpool *p)
{
	return p->cap - p->n_free;
}

/* Formats 16 random bytes as a UUID v4 (sets the version and variant bits)
 * into out (CP_UUID_LEN + 1 bytes, lower-case hex). */
void cp_uuid4_format(const uint8_t rnd[16], char *out);
/* A fresh random UUID v4. Returns 0 or -EIO (no randomness). */
int cp_uuid4(char *out);
/* 1 when s has the shape of a UUID (8-4-4-4-12 hex digits, any case). */
int cp_uuid_shape(const char *s);

/* Maps random bytes onto [A-Za-z0-9] (ICE ufrag/pwd characters), n chars
 * plus NUL into out. Pure; the bias of a 62-symbol modulo is irrelevant for
 * credentials of 96+ bits. */
void cp_token_format(const uint8_t *rnd, size_t n, char *out);
/* n random characters of [A-Za-z0-9] (n <= 64) and a NUL. 0 or -EIO. */
int cp_random_token(char *out, size_t n);

#endif
