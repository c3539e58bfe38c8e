/* SPDX-License-Identifier: MIT */
/*
 * pg_pcap - a writer of classic libpcap files (the tcpdump format that
 * tcpreplay, Pktgen-DPDK's -s option, DPDK's net_pcap and Wireshark read):
 * a 24-byte global header (magic 0xa1b2c3d4, version 2.4, microsecond
 * timestamps, snaplen 65535, link type 1 = Ethernet), then per frame a
 * 16-byte record header (seconds, microseconds, captured length, original
 * length) and the frame. Every field is written little-endian, whatever the
 * host, so output is byte-identical across machines (readers detect the
 * byte order from the magic).
 *
 * Ownership: the writer owns its FILE. Errors are sticky: once a write
 * failed every later call returns -1, and pg_pcap_close() reports it.
 */
#ifndef PG_PCAP_H
#define PG_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PG_PCAP_SNAPLEN 65535u
#define PG_PCAP_LINKTYPE_ETHERNET 1u

struct pg_pcap {
	FILE *f;
	int error;          /* errno of the first failure, 0 if none */
	uint64_t frames;
	uint64_t bytes;     /* frame bytes written (without record headers) */
};

/* Creates (truncates) path and writes the global header. 0 or -errno. */
int pg_pcap_open(struct pg_pcap *w, const char *path);
/* One frame stamped ts_ns (nanoseconds since the epoch, stored as us).
 * len <= PG_PCAP_SNAPLEN. 0 or -1. */
int pg_pcap_write(struct pg_pcap *w, uint64_t ts_ns, const uint8_t *frame, size_t len);
/* Flushes and closes. 0, or -errno of the first failure. */
int pg_pcap_close(struct pg_pcap *w);

/* The 24-byte global header, for writers to memory (tests). */
void pg_pcap_global_header(uint8_t out[24]);
/* A 16-byte record header. */
void pg_pcap_record_header(uint8_t out[16], uint64_t ts_ns, uint32_t len);

#endif /* PG_PCAP_H */
