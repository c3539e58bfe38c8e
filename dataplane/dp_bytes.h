/* SPDX-License-Identifier: MIT */
/*
 * dp_bytes.h - big-endian loads and stores on byte pointers.
 *
 * Wire fields are read and written byte by byte (no casts of packet memory to
 * wider types, no bitfields), so the code is independent of host byte order
 * and of the alignment of the packet buffer. The compilers turn these into
 * single (byte-swapping) moves. Callers guarantee the bytes are in bounds.
 */
#ifndef DP_BYTES_H
#define DP_BYTES_H

#include <stdint.h>

static inline uint16_t dp_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t dp_get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t dp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t dp_get_be64(const uint8_t *p)
{
	return (uint64_t)dp_get_be32(p) << 32 | dp_get_be32(p + 4);
}

static inline void dp_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dp_put_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void dp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void dp_put_be64(uint8_t *p, uint64_t v)
{
	dp_put_be32(p, (uint32_t)(v >> 32));
	dp_put_be32(p + 4, (uint32_t)v);
}

#endif /* DP_BYTES_H */
