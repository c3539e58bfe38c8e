/* SPDX-License-Identifier: MIT */
/*
 * dp_cmd - applies control-plane commands on the owning lcore and emits
 * events. Every command is validated (sl_cmd_validate) first; a refused one
 * is counted and, when it asked for a result (seq != 0), answered with
 * SL_MSG_RESULT -EINVAL. Uses only the inline rte_ring functions, so it runs
 * in a test without the EAL.
 */
#include <errno.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_lcore.h"
#include "dp_media.h"

int dp_evt_push(struct dp_lcore *lc, struct sl_msg *m)
{
	if (rte_ring_enqueue_elem(lc->evt, m, SL_MSG_SIZE) != 0) {
		dp_count_drop(lc, SL_DROP_EVT_RING_FULL);
		return -ENOBUFS;
	}
	lc->ctr->evts++;
	return 0;
}

static void reply_result(struct dp_lcore *lc, const struct sl_msg *cmd, int status)
{
	if (cmd->h.seq == 0)
		return;
	struct sl_msg r;
	memset(&r, 0, sizeof(r));
	r.h.type = SL_MSG_RESULT;
	r.h.seq = cmd->h.seq;
	r.h.transport_id = cmd->h.transport_id;
	r.u.result.status = status;
	r.u.result.cmd_type = cmd->h.type;
	dp_evt_push(lc, &r);
}

static void apply_hello(struct dp_lcore *lc, const struct sl_msg *cmd)
{
	struct sl_msg r;
	uint32_t bad = 0;
	enum sl_valid v = sl_hello_check(&cmd->u.hello, &bad);
	memset(&r, 0, sizeof(r));
	r.h.type = SL_MSG_HELLO_ACK;
	r.h.seq = cmd->h.seq;
	r.h.transport_id = SL_INVALID_ID;
	r.u.hello_ack.status = v == SL_VALID_OK ? 0 : -EPROTO;
	r.u.hello_ack.abi_version = SL_ABI_VERSION;
	r.u.hello_ack.mismatch_type = bad;
	r.u.hello_ack.lcore_index = lc->index;
	dp_evt_push(lc, &r);
}

static void apply_noop(struct dp_lcore *lc, const struct sl_msg *cmd)
{
	struct sl_msg r;
	memset(&r, 0, sizeof(r));
	r.h.type = SL_MSG_NOOP_REPLY;
	r.h.seq = cmd->h.seq;
	r.h.transport_id = SL_INVALID_ID;
	r.u.noop.t_sent_ns = cmd->u.noop.t_sent_ns;
	r.u.noop.lcore_index = lc->index;
	dp_evt_push(lc, &r);
}

/* SL_MSG_LIST_OBJECTS: one page, answered by one SL_MSG_OBJECT_LIST (an
 * lcore without media state holds nothing: an empty, done page). */
static void apply_list(struct dp_lcore *lc, const struct sl_msg *cmd)
{
	struct sl_msg r;
	memset(&r, 0, sizeof(r));
	r.h.type = SL_MSG_OBJECT_LIST;
	r.h.seq = cmd->h.seq;
	r.h.transport_id = SL_INVALID_ID;
	r.u.object_list.kind = cmd->u.list_objects.kind;
	r.u.object_list.cursor = cmd->u.list_objects.cursor;
	r.u.object_list.next = cmd->u.list_objects.cursor;
	r.u.object_list.done = 1;
	if (lc->media)
		dp_media_list(lc, &cmd->u.list_objects, &r.u.object_list);
	dp_evt_push(lc, &r);
}

static void apply_one(struct dp_lcore *lc, const struct sl_msg *cmd)
{
	if (cmd->h.type == SL_MSG_HELLO) {
		/* checked here rather than refused by the validator: the answer
		 * must say what mismatched */
		apply_hello(lc, cmd);
		lc->ctr->cmds++;
		return;
	}
	enum sl_valid v = sl_cmd_validate(cmd, &lc->vctx);
	if (v != SL_VALID_OK) {
		lc->ctr->cmds_invalid++;
		/* a refused SEND_PACKET still hands its slot over: return it */
		if (cmd->h.type == SL_MSG_SEND_PACKET && cmd->u.packet.slot < lc->vctx.n_slots) {
			uint32_t idx = cmd->u.packet.slot;
			rte_ring_enqueue_elem(lc->slot_free, &idx, sizeof(idx));
		}
		reply_result(lc, cmd, -EINVAL);
		return;
	}
	lc->ctr->cmds++;
	if (cmd->h.type == SL_MSG_NOOP) {
		apply_noop(lc, cmd);
		return;
	}
	if (cmd->h.type == SL_MSG_LIST_OBJECTS) {
		apply_list(lc, cmd);
		return;
	}
	int rc = dp_media_cmd(lc, cmd);
	reply_result(lc, cmd, rc);
}

unsigned int dp_cmd_poll(struct dp_lcore *lc, unsigned int budget)
{
	struct sl_msg batch[DP_CMD_BUDGET_DEEP];
	/* called every loop iteration: an empty ring costs one count */
	unsigned int queued = rte_ring_count(lc->cmd);
	if (queued == 0)
		return 0;
	/* a ring filling up (a join storm) gets a bigger bite, so that the
	 * control plane does not have to refuse requests with OVERLOADED */
	if (budget > DP_CMD_BUDGET)
		budget = DP_CMD_BUDGET;
	if (queued > SL_CMD_RING_SIZE / 4)
		budget = DP_CMD_BUDGET_DEEP;
	/* back-pressure: a command answers with at most one event, so take no
	 * more than the event ring has room for; the rest wait in their ring */
	unsigned int room = rte_ring_free_count(lc->evt);
	if (budget > room)
		budget = room;
	if (budget == 0)
		return 0;
	unsigned int n = rte_ring_dequeue_burst_elem(lc->cmd, batch, SL_MSG_SIZE, budget, NULL);
	for (unsigned int i = 0; i < n; i++)
		apply_one(lc, &batch[i]);
	return n;
}
