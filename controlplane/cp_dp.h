/* SPDX-License-Identifier: MIT */
/*
 * cp_dp - the control plane's channel to the data plane: attach (and
 * re-attach after a data-plane restart), HELLO and a no-op round trip to
 * every lcore, command sending, event polling and packet slots.
 *
 * Ownership: cp_dp.c is the only control-plane file that maps the segment,
 * reads its header or touches a ring. Everything else asks the functions
 * below (what the segment says: cp_dp_info, cp_dp_lcore_info, the counter
 * views); struct cp_shm is cp_dp's own state (tests may read hdr).
 *
 * Single-threaded: everything runs on the control plane's event loop
 * (cp_dp_tick every few ms). The command rings are single-producer: only
 * this loop sends.
 */
#ifndef CP_DP_H
#define CP_DP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sluice/abi.h"

/* The mapped segment (cp_dp's own; NULL hdr when not attached). It is
 * trusted only after magic, ABI version and the message-size table were
 * checked, and dropped when it is no longer the live one (owner died, or a
 * new data plane created a new segment under the same name). */
struct cp_shm {
	struct sl_shm_header *hdr;
	size_t size;
	dev_t dev;
	ino_t ino;
	uint64_t generation;
};

enum cp_shm_status {
	CP_SHM_OK = 0,
	CP_SHM_ABSENT,     /* no segment yet: data plane not started */
	CP_SHM_NOT_READY,  /* segment exists, magic not written yet */
	CP_SHM_STALE,      /* segment of a dead data plane */
	CP_SHM_MISMATCH,   /* another ABI build: refuse, last_error says which */
	CP_SHM_ERROR,
};

uint64_t cp_now_ns(void); /* CLOCK_MONOTONIC, same clock as the data plane's heartbeats */

/* Commands waiting for room in an lcore's command ring, oldest first.
 * Bounded: past CP_DP_BACKLOG_MAX a send fails with -ENOBUFS. */
#define CP_DP_BACKLOG_MAX 16384u

struct cp_dp_lcore {
	struct sl_msg *backlog; /* ring buffer of bl_cap messages (grown on demand) */
	uint32_t bl_head, bl_n, bl_cap;
	int hello_done;       /* HELLO_ACK received */
	int hello_status;     /* 0 or -errno from the data plane */
	uint32_t mismatch_type;
	int noop_done;        /* NOOP_REPLY received */
	uint64_t noop_rtt_ns;
};

struct cp_dp_handlers {
	/* A validated event (not HELLO_ACK/NOOP_REPLY, which cp_dp handles). For
	 * SL_MSG_DTLS_RECV the slot is owned by the handler, which frees it with
	 * cp_dp_slot_free(). */
	void (*on_event)(void *user, unsigned int lcore, const struct sl_msg *m);
	/* The segment went away (data plane died/restarted): all data-plane state
	 * the control plane programmed is gone. */
	void (*on_detach)(void *user);
	/* Attached and every lcore answered HELLO. */
	void (*on_ready)(void *user);
	void *user;
};

struct cp_dp {
	char shm_name[64];
	uint64_t hb_timeout_ns;
	struct cp_shm shm;
	int attached;
	int ready;
	enum cp_shm_status last_status;
	char last_error[256];
	uint64_t next_try_ns;
	uint32_t next_seq;
	uint64_t attaches;     /* how many times we attached (restarts seen + 1) */
	uint64_t evts_invalid; /* events refused by the validator */
	uint64_t cmds_dropped; /* command ring and backlog full */
	uint64_t cmds_backlogged; /* commands that waited in the backlog */
	struct sl_valid_ctx vctx;
	struct cp_dp_lcore lc[SL_MAX_LCORES];
	struct cp_dp_handlers h;
};

void cp_dp_init(struct cp_dp *d, const char *shm_name, int hb_timeout_ms,
		const struct cp_dp_handlers *h);
/* Attach/detach as needed and drain the event rings (bounded). */
void cp_dp_tick(struct cp_dp *d);
void cp_dp_fini(struct cp_dp *d);

/* Sends a command to an lcore. If m->h.seq is 0 and want_result is set, a
 * fresh seq is assigned. When the lcore's command ring is full (a join storm
 * outruns the data plane's bounded command budget) the command waits in a
 * per-lcore backlog, in order, and goes out as the ring drains (every send
 * and every tick); commands to one lcore are never reordered. Returns 0,
 * -ENOTCONN (not attached) or -ENOBUFS (ring and backlog full). */
int cp_dp_send(struct cp_dp *d, unsigned int lcore, struct sl_msg *m, int want_result);
/* 1 when n more commands to lcore would be accepted (ring + backlog). */
int cp_dp_room(const struct cp_dp *d, unsigned int lcore, unsigned int n);
/* Moves waiting commands into the command rings as far as they have room
 * (cp_dp_send and cp_dp_tick do it too); reads no event. */
void cp_dp_flush(struct cp_dp *d);
/* Commands of lcore waiting in the backlog. */
unsigned int cp_dp_backlog(const struct cp_dp *d, unsigned int lcore);

/* 1 when attached, every lcore said HELLO, and every heartbeat is fresh. */
int cp_dp_healthy(const struct cp_dp *d);
/* Age of a heartbeat in ms (lcore == -1: the main lcore's), or -1. */
int64_t cp_dp_heartbeat_age_ms(const struct cp_dp *d, int lcore);

int cp_dp_slot_alloc(struct cp_dp *d, uint32_t *idx);
void cp_dp_slot_free(struct cp_dp *d, uint32_t idx);
struct sl_slot *cp_dp_slot(const struct cp_dp *d, uint32_t idx);

/* What the segment says. All answer 0 / NULL / -ENOTCONN while not
 * attached; a pointer returned is valid until the next cp_dp_tick (which
 * may detach). Counters are the lcores' live words, read without locks. */
unsigned int cp_dp_n_lcores(const struct cp_dp *d);
uint32_t cp_dp_max_transports(const struct cp_dp *d);
uint32_t cp_dp_ipv4(const struct cp_dp *d); /* network order */
/* The UDP port lcore owns (host order). */
uint16_t cp_dp_lcore_port(const struct cp_dp *d, unsigned int lcore);

struct cp_dp_info {
	int pid;
	uint32_t n_lcores, max_transports, n_slots;
	uint32_t ipv4_addr; /* network order */
	uint16_t port_base;
	uint64_t generation;
	unsigned int slots_free; /* packet slots in the free ring */
	char device[64];
};
int cp_dp_info(const struct cp_dp *d, struct cp_dp_info *out);

struct cp_dp_lcore_info {
	uint32_t lcore_id, queue_id;
	uint16_t udp_port;
	unsigned int cmd_depth, cmd_free; /* command ring: waiting, free entries */
	unsigned int evt_depth;           /* event ring: waiting */
};
int cp_dp_lcore_info(const struct cp_dp *d, unsigned int lcore, struct cp_dp_lcore_info *out);

const struct sl_lcore_counters *cp_dp_lcore_counters(const struct cp_dp *d, unsigned int lcore);
/* The counters of transport id tid (meaningful while it exists). */
const struct sl_transport_counters *cp_dp_transport_counters(const struct cp_dp *d,
							      uint32_t tid);

#endif
