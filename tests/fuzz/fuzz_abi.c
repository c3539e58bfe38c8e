/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the ring-message validator on arbitrary messages. A
 * message it accepts must have a known type of the right direction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_msg m;
	struct sl_valid_ctx ctx = {.max_transports = 64, .n_slots = 128, .n_lcores = 4,
				   .max_ids = 512};
	memset(&m, 0, sizeof(m));
	memcpy(&m, data, size < sizeof(m) ? size : sizeof(m));
	enum sl_valid c = sl_cmd_validate(&m, &ctx);
	enum sl_valid e = sl_evt_validate(&m, &ctx);
	if (c == SL_VALID_OK && e == SL_VALID_OK)
		abort(); /* no type is both */
	if ((c == SL_VALID_OK || e == SL_VALID_OK) &&
	    (m.h.type == SL_MSG_NONE || m.h.type >= SL_MSG__COUNT))
		abort();
	if (c == SL_VALID_OK && m.h.type == SL_MSG_SEND_PACKET &&
	    (m.u.packet.slot >= ctx.n_slots || m.u.packet.len > SL_SLOT_DATA))
		abort();
	if (e == SL_VALID_OK && m.h.type == SL_MSG_AUDIO_LEVELS) {
		const struct sl_msg_audio_levels *l = &m.u.audio_levels;
		if (l->n == 0 || l->n > SL_LEVELS_MAX)
			abort();
		for (unsigned int i = 0; i < l->n; i++)
			if (l->e[i].producer_id >= ctx.max_ids || l->e[i].packets == 0 ||
			    l->e[i].voice > l->e[i].packets || l->e[i].level > SL_LEVEL_SILENCE ||
			    l->e[i].loudest > l->e[i].level)
				abort();
	}
	if (e == SL_VALID_OK && m.h.type == SL_MSG_OBJECT_LIST) {
		const struct sl_msg_object_list *o = &m.u.object_list;
		uint32_t lim = o->kind == SL_OBJ_TRANSPORT ? ctx.max_transports : ctx.max_ids;
		if (o->n > SL_LIST_IDS || o->next < o->cursor)
			abort();
		for (unsigned int i = 0; i < o->n; i++)
			if (o->ids[i] >= lim || o->ids[i] < o->cursor || o->ids[i] >= o->next ||
			    (i && o->ids[i] <= o->ids[i - 1]))
				abort();
	}
	uint32_t bad;
	(void)sl_hello_check(&m.u.hello, &bad);
	(void)sl_valid_str(c);
	return 0;
}
