/* SPDX-License-Identifier: MIT */
/* pg_pcap - classic libpcap file writer: see pg_pcap.h. */
#include <errno.h>
#include <string.h>

#include "pg_pcap.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void pg_pcap_global_header(uint8_t out[24])
{
	put_le32(out, 0xa1b2c3d4u); /* microsecond resolution */
	put_le16(out + 4, 2);       /* version 2.4 */
	put_le16(out + 6, 4);
	put_le32(out + 8, 0);       /* thiszone: UTC */
	put_le32(out + 12, 0);      /* sigfigs */
	put_le32(out + 16, PG_PCAP_SNAPLEN);
	put_le32(out + 20, PG_PCAP_LINKTYPE_ETHERNET);
}

void pg_pcap_record_header(uint8_t out[16], uint64_t ts_ns, uint32_t len)
{
	uint64_t us = ts_ns / 1000u;
	put_le32(out, (uint32_t)(us / 1000000u));
	put_le32(out + 4, (uint32_t)(us % 1000000u));
	put_le32(out + 8, len);  /* captured: the whole frame */
	put_le32(out + 12, len); /* on the wire (without FCS) */
}

static int put(struct pg_pcap *w, const void *p, size_t n)
{
	if (w->error)
		return -1;
	if (fwrite(p, 1, n, w->f) != n) {
		w->error = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int pg_pcap_open(struct pg_pcap *w, const char *path)
{
	uint8_t gh[24];
	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wb");
	if (!w->f)
		return -errno;
	pg_pcap_global_header(gh);
	if (put(w, gh, sizeof(gh)) != 0) {
		int e = w->error;
		fclose(w->f);
		w->f = NULL;
		return -e;
	}
	return 0;
}

int pg_pcap_write(struct pg_pcap *w, uint64_t ts_ns, const uint8_t *frame, size_t len)
{
	uint8_t rh[16];
	if (len > PG_PCAP_SNAPLEN) {
		if (!w->error)
			w->error = EMSGSIZE;
		return -1;
	}
	pg_pcap_record_header(rh, ts_ns, (uint32_t)len);
	if (put(w, rh, sizeof(rh)) != 0 || put(w, frame, len) != 0)
		return -1;
	w->frames++;
	w->bytes += len;
	return 0;
}

int pg_pcap_close(struct pg_pcap *w)
{
	if (!w->f)
		return w->error ? -w->error : 0;
	if (fflush(w->f) != 0 && !w->error)
		w->error = errno ? errno : EIO;
	if (fclose(w->f) != 0 && !w->error)
		w->error = errno ? errno : EIO;
	w->f = NULL;
	return w->error ? -w->error : 0;
}
