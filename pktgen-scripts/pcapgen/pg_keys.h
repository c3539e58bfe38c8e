/* SPDX-License-Identifier: MIT */
/*
 * pg_keys - the key dump that sluice-loadgen writes with --dump-keys
 * (format: pktgen-scripts/README.md, "The key dump"), read into plain
 * structs for the pcap generator.
 *
 * Contracts:
 *  - pg_keys_parse() is a pure function of its input: no globals, no
 *    logging, no file access. Every field is checked (type, range, length)
 *    before it is stored; the first problem found is returned as a message
 *    that names the field (e.g. "transports[2].srtp.tx: 60 hex digits
 *    expected for AEAD_AES_128_GCM, got 58"), and the dump is then empty.
 *  - Limits are explicit: PG_MAX_TRANSPORTS transports, PG_MAX_STREAMS
 *    streams per transport, input of at most PG_DUMP_MAX bytes.
 *  - The dump owns its transport array: pg_keys_free() releases it (and is
 *    a no-op on an empty or failed dump). Key bytes are wiped on free.
 *  - Addresses are IPv4 only: the generator writes IPv4 frames.
 *  - Unknown members are ignored (a newer writer may add some); a missing
 *    or wrong "version" is an error.
 */
#ifndef PG_KEYS_H
#define PG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"

#define PG_DUMP_VERSION 1
#define PG_DUMP_MAX (16u << 20)   /* bytes of JSON */
#define PG_MAX_TRANSPORTS 8192u
#define PG_MAX_STREAMS 16u        /* per transport */
#define PG_PEER_MAX 64u           /* incl. NUL; longer names are cut */
#define PG_UFRAG_MAX 257u         /* incl. NUL; RFC 8839: at most 256 chars */
#define PG_PWD_MAX 257u
#define PG_MID_MAX 16u            /* what fits a one-byte extension element */
#define PG_ERR_MAX 256u

enum pg_media_kind { PG_AUDIO = 1, PG_VIDEO = 2 };

struct pg_stream {
	uint8_t kind;        /* enum pg_media_kind */
	uint8_t pt;          /* 0..127 */
	uint8_t rtx_pt;      /* 0 when no RTX */
	uint8_t mid_len;
	uint32_t ssrc;
	uint32_t rtx_ssrc;   /* 0 when no RTX */
	uint32_t clock;      /* Hz, > 0 */
	/* one-byte extension ids 1..14, 0 = not negotiated */
	uint8_t ext_mid, ext_audio_level, ext_abs_send_time, ext_twcc;
	char mid[PG_MID_MAX + 1];
};

struct pg_transport {
	char peer[PG_PEER_MAX];
	uint8_t send;                 /* 1: "send", 0: "recv" */
	uint32_t local_ip, remote_ip; /* network byte order */
	uint16_t local_port, remote_port; /* host order, 1..65535 */
	char local_ufrag[PG_UFRAG_MAX], local_pwd[PG_PWD_MAX];
	char remote_ufrag[PG_UFRAG_MAX], remote_pwd[PG_PWD_MAX];
	enum sl_srtp_profile profile;
	uint8_t key_len, salt_len;
	uint8_t tx[SL_SRTP_MASTER_MAX]; /* the loadgen protects with it */
	uint8_t rx[SL_SRTP_MASTER_MAX]; /* the server protects with it */
	unsigned int n_streams;
	struct pg_stream streams[PG_MAX_STREAMS];
};

struct pg_dump {
	unsigned int n;      /* transports parsed */
	unsigned int alloc;  /* entries allocated in t (wiped on free) */
	struct pg_transport *t;
};

/*
 * Parses len bytes of JSON (need not be NUL-terminated) into *d.
 * 0, or -1 with a message in err (errlen bytes, may be NULL) and *d empty.
 */
int pg_keys_parse(const char *buf, size_t len, struct pg_dump *d, char *err, size_t errlen);

/* Reads the file at path (at most PG_DUMP_MAX bytes) and parses it. 0 or -1. */
int pg_keys_load(const char *path, struct pg_dump *d, char *err, size_t errlen);

/* Wipes and frees what *d holds; *d is empty afterwards. */
void pg_keys_free(struct pg_dump *d);

/* Profile by its dump name ("AEAD_AES_128_GCM"...), SL_SRTP_NONE if unknown. */
enum sl_srtp_profile pg_profile_by_name(const char *name);

#endif /* PG_KEYS_H */
