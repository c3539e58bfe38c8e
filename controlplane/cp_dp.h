/* SPDX-License-Identifier: MIT */
/*
 * cp_dp - the control plane's channel to the data plane: attach (and
 * re-attach after a data-plane restart), HELLO and a no-op round trip to
 * every lcore, command sending, event polling and packet slots.
 *
 * Single-threaded: everything runs on the control plane's event loop
 * (cp_dp_tick every few ms). The command rings are single-producer: only
 * this loop sends.
 */
#ifndef CP_DP_H
#define CP_DP_H

#include <stdint.h>

#include "cp_shm.h"

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
/* Commands of lcore waiting in the backlog. */
unsigned int cp_dp_backlog(const struct cp_dp *d, unsigned int lcore);

/* 1 when attached, every lcore said HELLO, and every heartbeat is fresh. */
int cp_dp_healthy(const struct cp_dp *d);
/* Age of a heartbeat in ms (lcore == -1: the main lcore's), or -1. */
int64_t cp_dp_heartbeat_age_ms(const struct cp_dp *d, int lcore);

int cp_dp_slot_alloc(struct cp_dp *d, uint32_t *idx);
void cp_dp_slot_free(struct cp_dp *d, uint32_t idx);
struct sl_slot *cp_dp_slot(const struct cp_dp *d, uint32_t idx);

#endif
