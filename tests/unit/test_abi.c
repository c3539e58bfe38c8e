/* SPDX-License-Identifier: MIT */
/* The ABI validator refuses wrong types, directions, versions, sizes and
 * out-of-range fields, and accepts well-formed messages. */
#include <string.h>

#include "check.h"
#include "sluice/abi.h"

static const struct sl_valid_ctx ctx = {
	.max_transports = 100, .n_slots = 64, .n_lcores = 3, .max_ids = 800};

static struct sl_msg msg(uint16_t type, uint32_t tid)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = type;
	m.h.transport_id = tid;
	return m;
}

static void test_types(void)
{
	struct sl_msg m = msg(SL_MSG_NONE, 0);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_TYPE);
	m.h.type = SL_MSG__COUNT;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_TYPE);
	m.h.type = 0xffff;
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_BAD_TYPE);
	/* events are not commands and vice versa */
	m = msg(SL_MSG_NOOP_REPLY, SL_INVALID_ID);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_DIRECTION);
	m = msg(SL_MSG_TRANSPORT_CREATE, 1);
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_BAD_DIRECTION);
	m = msg(SL_MSG_NOOP, SL_INVALID_ID);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	m.h.flags = 1;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	/* REQUEST_KEYFRAME: a command with a producer id in range, any
	 * transport id (the data plane finds the producer by id) */
	m = msg(SL_MSG_REQUEST_KEYFRAME, SL_INVALID_ID);
	m.u.keyframe.producer_id = 7;
	m.u.keyframe.consumer_id = SL_INVALID_ID;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_BAD_DIRECTION);
	m.u.keyframe.producer_id = ctx.max_ids;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	CHECK_EQ(sl_msg_payload_size(SL_MSG_REQUEST_KEYFRAME), sizeof(struct sl_msg_keyframe));
}

/* SL_MSG_AUDIO_LEVELS: an event; 1..SL_LEVELS_MAX entries of known ids,
 * packets >= 1, voice <= packets, loudest <= level <= 127. */
static void test_levels(void)
{
	struct sl_msg m = msg(SL_MSG_AUDIO_LEVELS, SL_INVALID_ID);
	struct sl_msg_audio_levels *l = &m.u.audio_levels;
	CHECK_EQ(sl_msg_payload_size(SL_MSG_AUDIO_LEVELS), 8 + 8 * SL_LEVELS_MAX);
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_BAD_FIELD); /* n == 0 */
	l->interval_ms = 300;
	l->n = 2;
	l->e[0] = (struct sl_level_entry){.producer_id = 5, .packets = 15, .voice = 15,
					  .level = 30, .loudest = 12};
	l->e[1] = (struct sl_level_entry){.producer_id = ctx.max_ids - 1, .packets = 1,
					  .level = 127, .loudest = 127};
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_OK);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_DIRECTION);
	struct sl_msg b = m;
	b.u.audio_levels.n = SL_LEVELS_MAX + 1;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = m;
	b.u.audio_levels.e[1].producer_id = ctx.max_ids;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = m;
	b.u.audio_levels.e[1].packets = 0;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = m;
	b.u.audio_levels.e[0].voice = 16;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = m;
	b.u.audio_levels.e[0].level = 128;
	b.u.audio_levels.e[0].loudest = 0;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = m;
	b.u.audio_levels.e[0].loudest = 31; /* quieter than the mean */
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	/* entries past n are not looked at */
	b = m;
	b.u.audio_levels.e[2].voice = 200;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_OK);
}

static void test_hello(void)
{
	struct sl_msg m = msg(SL_MSG_HELLO, SL_INVALID_ID);
	uint32_t bad = 99;
	sl_hello_fill(&m.u.hello);
	CHECK_EQ(sl_hello_check(&m.u.hello, &bad), SL_VALID_OK);
	CHECK_EQ(bad, 0);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);

	m.u.hello.abi_version = SL_ABI_VERSION + 1;
	CHECK_EQ(sl_hello_check(&m.u.hello, &bad), SL_VALID_BAD_VERSION);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_VERSION);

	sl_hello_fill(&m.u.hello);
	m.u.hello.sizes[SL_MSG_CONSUMER_ADD] += 4;
	CHECK_EQ(sl_hello_check(&m.u.hello, &bad), SL_VALID_BAD_SIZES);
	CHECK_EQ(bad, SL_MSG_CONSUMER_ADD);

	/* an older peer that knows fewer types is refused, naming the first gap */
	sl_hello_fill(&m.u.hello);
	m.u.hello.n_types = SL_MSG__COUNT - 2;
	CHECK_EQ(sl_hello_check(&m.u.hello, &bad), SL_VALID_BAD_SIZES);
	CHECK_EQ(bad, SL_MSG__COUNT - 2);
	/* a newer peer with extra types is fine */
	sl_hello_fill(&m.u.hello);
	m.u.hello.n_types = SL_MSG__COUNT + 3;
	CHECK_EQ(sl_hello_check(&m.u.hello, &bad), SL_VALID_OK);
}

static void test_fields(void)
{
	struct sl_msg m = msg(SL_MSG_TRANSPORT_CREATE, 5);
	strcpy(m.u.transport_create.ice_ufrag, "abcd1234abcd1234");
	strcpy(m.u.transport_create.ice_pwd, "0123456789abcdef0123456789abcdef");
	m.u.transport_create.local_port = 40000;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	m.h.transport_id = 100; /* == max_transports */
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	m.h.transport_id = 5;
	memset(m.u.transport_create.ice_ufrag, 'a', sizeof(m.u.transport_create.ice_ufrag));
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD); /* unterminated */
	strcpy(m.u.transport_create.ice_ufrag, "has space");
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);

	m = msg(SL_MSG_SRTP_KEYS, 1);
	m.u.srtp_keys.profile = SL_SRTP_AEAD_AES_256_GCM;
	m.u.srtp_keys.key_len = 32;
	m.u.srtp_keys.salt_len = 12;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	m.u.srtp_keys.key_len = 16;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	m.u.srtp_keys.profile = 3;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);

	m = msg(SL_MSG_CONSUMER_ADD, 2);
	struct sl_msg_consumer_add *c = &m.u.consumer_add;
	c->consumer_id = 7;
	c->producer_id = 8;
	c->ssrc = 1234;
	c->kind = SL_KIND_VIDEO;
	c->n_pt = 1;
	c->pt_map[0].from = 96;
	c->pt_map[0].to = 101;
	c->clock_rate = 90000;
	c->paused = 1;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	c->pt_map[0].to = 200;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	c->pt_map[0].to = 101;
	c->n_pt = SL_PT_MAP_MAX + 1;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	c->n_pt = 1;
	c->consumer_id = 800;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);

	m = msg(SL_MSG_PRODUCER_FANOUT, SL_INVALID_ID);
	m.u.producer_fanout.producer_id = 3;
	m.u.producer_fanout.lcore_mask = 0x7;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	m.u.producer_fanout.lcore_mask = 0x8; /* lcore 3 of 3 */
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);

	m = msg(SL_MSG_SEND_PACKET, 4);
	m.u.packet.slot = 64;
	m.u.packet.len = 10;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);
	m.u.packet.slot = 63;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	m.u.packet.len = SL_SLOT_DATA + 1;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);

	m = msg(SL_MSG_DTLS_RECV, 4);
	m.u.packet.slot = 1;
	m.u.packet.len = 100;
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_BAD_FIELD); /* family 0 */
	m.u.packet.tuple.family = 4;
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_OK);
}

/* SL_MSG_LIST_OBJECTS: a command of a known kind. SL_MSG_OBJECT_LIST: an
 * event of a known kind, n <= SL_LIST_IDS, ids increasing in [cursor, next)
 * and below the kind's limit (transports: max_transports, else max_ids). */
static void test_list(void)
{
	struct sl_msg m = msg(SL_MSG_LIST_OBJECTS, SL_INVALID_ID);
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD); /* kind 0 */
	m.u.list_objects.kind = SL_OBJ_CONSUMER;
	m.u.list_objects.cursor = 123456; /* any cursor: past the end lists nothing */
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_OK);
	CHECK_EQ(sl_evt_validate(&m, &ctx), SL_VALID_BAD_DIRECTION);
	m.u.list_objects.kind = SL_OBJ_CONSUMER + 1;
	CHECK_EQ(sl_cmd_validate(&m, &ctx), SL_VALID_BAD_FIELD);

	struct sl_msg e = msg(SL_MSG_OBJECT_LIST, SL_INVALID_ID);
	struct sl_msg_object_list *o = &e.u.object_list;
	CHECK_EQ(sl_msg_payload_size(SL_MSG_OBJECT_LIST), 16 + 4 * SL_LIST_IDS);
	o->kind = SL_OBJ_TRANSPORT;
	o->cursor = 10;
	o->next = 100;
	o->n = 3;
	o->ids[0] = 10, o->ids[1] = 50, o->ids[2] = 99;
	CHECK_EQ(sl_evt_validate(&e, &ctx), SL_VALID_OK);
	CHECK_EQ(sl_cmd_validate(&e, &ctx), SL_VALID_BAD_DIRECTION);
	struct sl_msg b = e;
	b.u.object_list.ids[2] = 100; /* not below next (= max_transports) */
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = e;
	b.u.object_list.ids[1] = 10; /* not increasing */
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = e;
	b.u.object_list.ids[0] = 9; /* before the cursor */
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = e;
	b.u.object_list.n = SL_LIST_IDS + 1;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = e;
	b.u.object_list.next = 5; /* before the cursor */
	b.u.object_list.n = 0;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
	b = e;
	b.u.object_list.kind = SL_OBJ_PRODUCER; /* ids up to max_ids */
	b.u.object_list.next = ctx.max_ids;
	b.u.object_list.ids[2] = ctx.max_ids - 1;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_OK);
	b.u.object_list.kind = 0;
	CHECK_EQ(sl_evt_validate(&b, &ctx), SL_VALID_BAD_FIELD);
}

static void test_names(void)
{
	CHECK(strcmp(sl_drop_name(SL_DROP_SRTP_AUTH), "srtp_auth") == 0);
	CHECK(strcmp(sl_drop_name(SL_DROP__COUNT), "unknown") == 0);
	for (unsigned int t = 0; t < SL_MSG__COUNT; t++)
		CHECK(sl_msg_payload_size(t) <= SL_MSG_PAYLOAD);
}

int main(void)
{
	test_types();
	test_levels();
	test_list();
	test_hello();
	test_fields();
	test_names();
	return check_report("test_abi");
}
