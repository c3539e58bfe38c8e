/* SPDX-License-Identifier: MIT */
/*
 * cp_track - the commands the control plane sent that want an answer
 * (RESULT, or OBJECT_LIST for LIST_OBJECTS), until it arrives: one queue
 * per lcore, in the order the commands were sent.
 *
 * Why a queue and not a hash table: an lcore applies its commands in ring
 * order and answers each one (at most one event) before the next, and its
 * events reach the control plane in order. So the answers of one lcore come
 * back in increasing seq (modulo 2^32): the entry of an answer is at the
 * head of its lcore's queue, and entries in front of it are answers that
 * were lost (an event ring that was full). An entry older than the age
 * limit with no answer is lost too (cp_track_expire).
 *
 * Bounded: at most CP_TRACK_MAX entries per lcore (more than its command
 * ring, backlog and event ring can hold in flight); past it the oldest
 * entry is given up (counted in overflow). Pure data structure: no logging,
 * no globals.
 */
#ifndef CP_TRACK_H
#define CP_TRACK_H

#include <stdint.h>

#include "sluice/abi.h"

#define CP_TRACK_MAX 32768u

/* One command waiting for its answer. */
struct cp_track_ent {
	uint32_t seq;
	uint16_t type;      /* enum sl_msg_type of the command */
	uint16_t pad;
	uint32_t tid;       /* hdr.transport_id */
	uint32_t obj;       /* producer or consumer id, the tid for transport
			     * commands, SL_INVALID_ID otherwise */
	uint64_t sent_ms;
};

struct cp_track_q {
	struct cp_track_ent *e; /* ring buffer of cap entries (grown on demand) */
	uint32_t head, n, cap;
};

struct cp_track {
	struct cp_track_q q[SL_MAX_LCORES];
	uint64_t tracked;   /* entries added */
	uint64_t answered;  /* answers matched */
	uint64_t lost;      /* entries without answer: skipped or too old */
	uint64_t overflow;  /* entries given up because a queue was full */
	uint64_t unmatched; /* answers with no entry (after a loss or overflow) */
};

/* Called for every entry found lost (user, lcore, the entry). */
typedef void (*cp_track_lost_fn)(void *user, unsigned int lcore, const struct cp_track_ent *e);

void cp_track_fini(struct cp_track *k);
/* Forgets every entry (the data plane went away); keeps the counters. */
void cp_track_reset(struct cp_track *k);
/* The object id a command concerns (see cp_track_ent.obj). */
uint32_t cp_track_obj(const struct sl_msg *m);
/* Records command m (its seq set) sent to lcore at now_ms. 0, or -ENOMEM
 * (not tracked). */
int cp_track_add(struct cp_track *k, unsigned int lcore, const struct sl_msg *m, uint64_t now_ms);
/* The answer seq from lcore arrived: entries sent before it are lost (fn),
 * its own is copied to *out. 1 when found, 0 when not tracked. */
int cp_track_answer(struct cp_track *k, unsigned int lcore, uint32_t seq,
		    struct cp_track_ent *out, cp_track_lost_fn fn, void *user);
/* Entries sent max_age_ms or more before now_ms are lost (fn). */
void cp_track_expire(struct cp_track *k, uint64_t now_ms, uint64_t max_age_ms,
		     cp_track_lost_fn fn, void *user);
/* 1 when a command of type about obj waits on lcore with a seq after
 * `after` (serial order). Linear in the queue: for rare checks only. */
int cp_track_waiting(const struct cp_track *k, unsigned int lcore, uint16_t type, uint32_t obj,
		     uint32_t after);
/* Entries waiting in all queues. */
uint64_t cp_track_pending(const struct cp_track *k);

/* Serial order of seqs: 1 when a was sent before b. */
static inline int cp_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

#endif
