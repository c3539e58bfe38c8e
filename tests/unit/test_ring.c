/* SPDX-License-Identifier: MIT */
/*
 * Ring round trip without the EAL: the data plane's segment code creates a
 * segment; a thread plays the control plane (cp_dp: attach by name, its own
 * mapping at another address, HELLO + no-op per lcore, commands, slots) while
 * the main thread runs the data plane's command poll function for each lcore.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../controlplane/cp_dp.h"
#include "../../dataplane/dp_lcore.h"
#include "../../dataplane/dp_shm.h"

#define N_LCORES 3

static struct dp_shm shm;
static struct dp_lcore lcs[N_LCORES];
static volatile int cp_done;
static volatile int hold_lcore2, hold_ack; /* stop polling lcore 2 */
static char shm_name[64];

struct cp_side {
	struct cp_dp dp;
	int ready;
	int results;
	int result_status[8];
	uint16_t result_type[8];
	int hello_bad_status;
	uint32_t hello_bad_type;
	int slots_got;
	int slot_exhausted;
	/* backlog order check: RESULTs of the numbered commands */
	uint32_t bl_first_seq;
	int bl_results, bl_in_order;
	uint32_t bl_last_seq;
};

static void on_event(void *user, unsigned int lcore, const struct sl_msg *m)
{
	struct cp_side *s = user;
	if (m->h.type == SL_MSG_RESULT && s->bl_first_seq && m->h.seq >= s->bl_first_seq) {
		if (s->bl_results && m->h.seq != s->bl_last_seq + 1)
			s->bl_in_order = 0;
		s->bl_last_seq = m->h.seq;
		s->bl_results++;
		return;
	}
	if (m->h.type == SL_MSG_RESULT && s->results < 8) {
		s->result_status[s->results] = m->u.result.status;
		s->result_type[s->results] = m->u.result.cmd_type;
		s->results++;
	}
}

static void on_ready(void *user)
{
	((struct cp_side *)user)->ready = 1;
}

/* Spins cp_dp until cond or a generous iteration bound (no timing). */
#define PUMP(s, cond)                                                   \
	for (long it_ = 0; !(cond) && it_ < 5000000; it_++) {          \
		(s)->dp.next_try_ns = 0;                                \
		cp_dp_tick(&(s)->dp);                                   \
		sched_yield();                                          \
	}

static void *cp_thread(void *arg)
{
	struct cp_side *s = arg;
	struct cp_dp_handlers h = {.on_event = on_event, .on_ready = on_ready, .user = s};
	cp_dp_init(&s->dp, shm_name, 1000, &h);
	PUMP(s, s->ready);
	/* the mapping is ours, not the data plane's pointer */
	CHECK(s->dp.shm.hdr != shm.hdr);

	/* wait for every no-op answer */
	PUMP(s, s->dp.lc[0].noop_done && s->dp.lc[1].noop_done && s->dp.lc[2].noop_done);

	/* a command the validator refuses comes back as RESULT -EINVAL */
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_CONSUMER_PAUSE;
	m.h.transport_id = 1;
	m.u.consumer_ref.consumer_id = 0xfffffff0u; /* out of range */
	CHECK_EQ(cp_dp_send(&s->dp, 1, &m, 1), 0);
	/* an event type sent as a command */
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_ICE_SELECTED;
	m.h.transport_id = 1;
	CHECK_EQ(cp_dp_send(&s->dp, 2, &m, 1), 0);
	PUMP(s, s->results >= 2);

	/* a HELLO from another build of abi.h is refused and names the type */
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_HELLO;
	sl_hello_fill(&m.u.hello);
	m.u.hello.sizes[SL_MSG_SRTP_KEYS]++;
	s->dp.lc[0].hello_done = 0;
	CHECK_EQ(cp_dp_send(&s->dp, 0, &m, 1), 0);
	PUMP(s, s->dp.lc[0].hello_done);
	s->hello_bad_status = s->dp.lc[0].hello_status;
	s->hello_bad_type = s->dp.lc[0].mismatch_type;

	/* packet slots: all can be taken, one more fails, a freed one returns */
	uint32_t idx, first = 0;
	while (cp_dp_slot_alloc(&s->dp, &idx) == 0) {
		if (s->slots_got == 0)
			first = idx;
		s->slots_got++;
	}
	s->slot_exhausted = cp_dp_slot_alloc(&s->dp, &idx) == -ENOBUFS;
	cp_dp_slot_free(&s->dp, first);
	CHECK_EQ(cp_dp_slot_alloc(&s->dp, &idx), 0);
	CHECK_EQ(idx, first);

	/* a full command ring: commands wait in the backlog and reach the
	 * lcore in order once it polls again (each answers RESULT -EINVAL,
	 * numbered by its seq) */
	hold_lcore2 = 1;
	while (!hold_ack)
		sched_yield();
	const unsigned int extra = 300, total = SL_CMD_RING_SIZE - 1 + extra;
	s->bl_in_order = 1;
	for (unsigned int i = 0; i < total; i++) {
		memset(&m, 0, sizeof(m));
		m.h.type = SL_MSG_CONSUMER_PAUSE;
		m.h.transport_id = 1;
		m.u.consumer_ref.consumer_id = 0xfffffff0u;
		CHECK_EQ(cp_dp_send(&s->dp, 2, &m, 1), 0);
		if (i == 0)
			s->bl_first_seq = m.h.seq;
	}
	CHECK(cp_dp_backlog(&s->dp, 2) >= extra);
	CHECK(s->dp.cmds_backlogged >= extra);
	CHECK_EQ(s->dp.cmds_dropped, 0);
	CHECK(cp_dp_room(&s->dp, 2, CP_DP_BACKLOG_MAX - cp_dp_backlog(&s->dp, 2)));
	CHECK(!cp_dp_room(&s->dp, 2, CP_DP_BACKLOG_MAX - cp_dp_backlog(&s->dp, 2) + 1));
	hold_lcore2 = 0;
	PUMP(s, s->bl_results == (int)total);
	CHECK_EQ(s->bl_results, total);
	CHECK(s->bl_in_order);
	CHECK_EQ(cp_dp_backlog(&s->dp, 2), 0);

	/* ring and backlog full: refused, counted, not blocked on */
	hold_lcore2 = 1;
	while (!hold_ack)
		sched_yield();
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_NOOP;
	int full = 0;
	for (unsigned int i = 0; i < SL_CMD_RING_SIZE + CP_DP_BACKLOG_MAX + 4; i++)
		if (cp_dp_send(&s->dp, 2, &m, 0) == -ENOBUFS)
			full++;
	CHECK(full >= 4);
	CHECK(s->dp.cmds_dropped == (uint64_t)full);
	cp_dp_fini(&s->dp);
	cp_done = 1;
	return NULL;
}

int main(void)
{
	char err[256];
	snprintf(shm_name, sizeof(shm_name), "/sluice-test-ring-%d", (int)getpid());
	struct dp_shm_params p = {.name = shm_name, .n_lcores = N_LCORES, .n_slots = 64,
				  .max_transports = 16, .port_base = 40000,
				  .ice_timeout_ms = 30000, .ipv4 = 0x0100a8c0, .device = "test"};
	int rc = dp_shm_create(&shm, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "dp_shm_create: %s\n", err);
		return 1;
	}
	/* a second data plane may not take over a live segment */
	struct dp_shm other;
	CHECK_EQ(dp_shm_create(&other, &p, err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "running data plane") != NULL);

	for (unsigned int i = 0; i < N_LCORES; i++) {
		struct dp_lcore *lc = &lcs[i];
		lc->index = i;
		lc->shm = shm.hdr;
		lc->ls = sl_shm_lcore(shm.hdr, i);
		lc->ctr = &lc->ls->counters;
		lc->cmd = dp_shm_cmd_ring(&shm, i);
		lc->evt = dp_shm_evt_ring(&shm, i);
		lc->slot_free = dp_shm_slot_ring(&shm);
		lc->vctx = (struct sl_valid_ctx){.max_transports = 16, .n_slots = 64,
						 .n_lcores = N_LCORES, .max_ids = 128};
	}
	shm.hdr->state = SL_DP_RUNNING;

	struct cp_side side;
	memset(&side, 0, sizeof(side));
	pthread_t th;
	pthread_create(&th, NULL, cp_thread, &side);
	/* the data plane's poll function, as the lcores run it */
	for (long it = 0; !cp_done && it < 20000000; it++) {
		for (unsigned int i = 0; i < N_LCORES; i++)
			if (i != 2 || !hold_lcore2)
				dp_cmd_poll(&lcs[i], DP_CMD_BUDGET);
		hold_ack = hold_lcore2;
		sched_yield();
	}
	pthread_join(th, NULL);

	CHECK(side.ready);
	CHECK_EQ(side.results, 2);
	CHECK_EQ(side.result_status[0], -EINVAL);
	CHECK_EQ(side.result_status[1], -EINVAL);
	CHECK_EQ(side.hello_bad_status, -EPROTO);
	CHECK_EQ(side.hello_bad_type, SL_MSG_SRTP_KEYS);
	CHECK_EQ(side.slots_got, 64);
	CHECK(side.slot_exhausted);
	CHECK_EQ(lcs[1].ctr->cmds_invalid + lcs[2].ctr->cmds_invalid, 2 + SL_CMD_RING_SIZE - 1 + 300);
	for (unsigned int i = 0; i < N_LCORES; i++)
		CHECK(lcs[i].ctr->evts >= 2); /* HELLO_ACK + NOOP_REPLY at least */

	dp_shm_destroy(&shm);
	char path[96];
	snprintf(path, sizeof(path), "/dev/shm%s", shm_name);
	CHECK(access(path, F_OK) != 0);
	return check_report("test_ring");
}
