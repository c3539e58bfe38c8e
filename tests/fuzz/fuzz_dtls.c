/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dtls.c - arbitrary datagrams into a server-role cp_dtls endpoint.
 *
 * Input: one flags byte, then datagrams, each as a 2-byte big-endian length
 * followed by that many bytes (a length past the end takes the rest).
 * Flags: bit 0 = connect-transport (remote "client") before the first
 * datagram, else the first datagram makes the endpoint server on its own;
 * bit 1 = call on_timeout() between datagrams with a clock that advances by
 * the next datagram's first byte in seconds; bit 2 = MTU 256 instead of
 * 1200; bit 3 (without bit 0) = connect-transport after the datagrams
 * (late fingerprint).
 *
 * A fresh endpoint per input. Invariants (abort on violation):
 *  - feed() returns -EINVAL exactly for non-DTLS datagrams, -EMSGSIZE
 *    exactly for oversized ones, -EPIPE exactly when the endpoint has ended,
 *    else 0;
 *  - it never gets CONNECTED (no input can finish a handshake: that needs
 *    the client's keys), the connected callback never runs;
 *  - the failed callback runs at most once, with a non-empty reason, and
 *    exactly when the state is FAILED or CLOSED;
 *  - every datagram sent is 1..MTU bytes of whole, well-formed DTLS records;
 *  - next_timeout_ms() is non-zero exactly while connecting.
 */
#include "cp_dtls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	size_t mtu;
	unsigned failed;
	unsigned connected;
	unsigned sent;
};

/* A datagram of ours: whole records, content type 20..23, DTLS version. */
static void check_records(const uint8_t *p, size_t n)
{
	while (n) {
		if (n < 13)
			abort();
		size_t len = 13u + ((size_t)p[11] << 8 | p[12]);
		if (len > n || p[0] < 20 || p[0] > 23 || p[1] != 0xfe ||
		    (p[2] != 0xfd && p[2] != 0xff))
			abort();
		p += len;
		n -= len;
	}
}

static void fz_send(void *u, const uint8_t *p, size_t n)
{
	struct fz *f = u;
	if (n == 0 || n > f->mtu)
		abort();
	check_records(p, n);
	f->sent++;
}

static void fz_connected(void *u, const struct sl_msg_srtp_keys *k)
{
	struct fz *f = u;
	f->connected++;
	abort(); /* unreachable without the client's keys */
}

static void fz_failed(void *u, const char *reason)
{
	struct fz *f = u;
	if (!reason || !reason[0] || ++f->failed > 1)
		abort();
}

static const struct cp_dtls_cert *fz_cert(void)
{
	static struct cp_dtls_cert *cert; /* one per process: key generation is slow */
	if (!cert && cp_dtls_cert_generate(&cert) != 0)
		abort();
	return cert;
}

static void check_state(const struct cp_dtls *d, const struct fz *f)
{
	enum cp_dtls_state st = cp_dtls_state(d);
	bool ended = st == CP_DTLS_FAILED || st == CP_DTLS_CLOSED;
	if (st == CP_DTLS_CONNECTED || f->connected)
		abort();
	if (ended != (f->failed == 1))
		abort();
	if ((cp_dtls_next_timeout_ms(d) != 0) != (st == CP_DTLS_CONNECTING))
		abort();
}

static void set_remote(struct cp_dtls *d, const struct fz *f)
{
	int rc = cp_dtls_set_remote(d, "client", "sha-256", cp_dtls_cert_fingerprint(fz_cert()));
	enum cp_dtls_state st = cp_dtls_state(d);
	bool ended = st == CP_DTLS_FAILED || st == CP_DTLS_CLOSED;
	if (rc != (ended ? -EPIPE : 0))
		abort();
	check_state(d, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *pos = data + 1, *end = data + size;
	struct fz f = { .mtu = (flags & 4) ? 256 : CP_DTLS_MTU_DEFAULT };
	struct cp_dtls_cb cb = { fz_send, fz_connected, fz_failed, &f };
	struct cp_dtls *d = cp_dtls_new(fz_cert(), &cb);
	if (!d)
		abort();
	if ((flags & 4) && cp_dtls_set_mtu(d, 256) != 0)
		abort();
	if (flags & 1)
		set_remote(d, &f);
	uint64_t now = 1000;
	while (end - pos >= 2) {
		size_t len = (size_t)pos[0] << 8 | pos[1];
		pos += 2;
		if (len > (size_t)(end - pos))
			len = (size_t)(end - pos);
		const uint8_t *dg = pos;
		pos += len;
		if ((flags & 2) && len) {
			now += (uint64_t)dg[0] * 1000u;
			cp_dtls_on_timeout(d, now);
			check_state(d, &f);
		}
		enum cp_dtls_state before = cp_dtls_state(d);
		bool not_dtls = len < 13 || dg[0] < 20 || dg[0] > 63;
		/* an exact-size copy so that ASan sees any over-read */
		uint8_t *copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, dg, len);
		int rc = cp_dtls_feed(d, copy, len, now);
		free(copy);
		int want = not_dtls ? -EINVAL
			   : len > CP_DTLS_MAX_DGRAM ? -EMSGSIZE
			   : (before == CP_DTLS_FAILED || before == CP_DTLS_CLOSED) ? -EPIPE
										   : 0;
		if (rc != want)
			abort();
		check_state(d, &f);
	}
	if ((flags & 8) && !(flags & 1))
		set_remote(d, &f);
	cp_dtls_close(d);
	if (cp_dtls_state(d) != CP_DTLS_CLOSED && cp_dtls_state(d) != CP_DTLS_FAILED)
		abort();
	cp_dtls_free(d);
	return 0;
}
