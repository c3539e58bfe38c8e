/* SPDX-License-Identifier: MIT */
/* The tables generated from SL_MSG_LIST agree: every message has a value in
 * increasing order (no gap, none reused), a name, a direction and a payload
 * size that fits; the validator's directions are the list's; HELLO and the
 * segment carry the same size table; and the wire format of the messages
 * that existed at ABI 5 is unchanged (values and sizes pinned below). */
#include <string.h>

#include "check.h"
#include "sluice/abi.h"

/* What the list says, one row per entry, in list order. */
struct row {
	const char *name;
	unsigned int value;
	size_t size;
	enum sl_msg_dir dir;
};

static const struct row rows[] = {
#define SL_X_ROW(name, value, size, dir) {#name, value, size, SL_DIR_##dir},
	SL_MSG_LIST(SL_X_ROW)
#undef SL_X_ROW
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* The wire format at ABI 5, written down by hand before the list was an
 * X-macro (payload sizes as the HELLO of that build carried them). A new
 * message is appended after these; none of these may change. */
static const struct {
	const char *name;
	unsigned int value;
	uint16_t size;
	enum sl_msg_dir dir;
} abi5[] = {
	{"HELLO", 1, 80, SL_DIR_CMD},
	{"HELLO_ACK", 2, 16, SL_DIR_EVT},
	{"NOOP", 3, 16, SL_DIR_CMD},
	{"NOOP_REPLY", 4, 16, SL_DIR_EVT},
	{"TRANSPORT_CREATE", 5, 104, SL_DIR_CMD},
	{"TRANSPORT_DESTROY", 6, 0, SL_DIR_CMD},
	{"SRTP_KEYS", 7, 96, SL_DIR_CMD},
	{"PRODUCER_ADD", 8, 76, SL_DIR_CMD},
	{"PRODUCER_REMOVE", 9, 4, SL_DIR_CMD},
	{"PRODUCER_FANOUT", 10, 16, SL_DIR_CMD},
	{"CONSUMER_ADD", 11, 52, SL_DIR_CMD},
	{"CONSUMER_REMOVE", 12, 4, SL_DIR_CMD},
	{"CONSUMER_PAUSE", 13, 4, SL_DIR_CMD},
	{"CONSUMER_RESUME", 14, 4, SL_DIR_CMD},
	{"SEND_PACKET", 15, 32, SL_DIR_CMD},
	{"RESULT", 16, 8, SL_DIR_EVT},
	{"ICE_SELECTED", 17, 24, SL_DIR_EVT},
	{"ICE_DISCONNECTED", 18, 24, SL_DIR_EVT},
	{"DTLS_RECV", 19, 32, SL_DIR_EVT},
	{"KEYFRAME_REQUEST", 20, 8, SL_DIR_EVT},
	{"STREAM_STATS", 21, 40, SL_DIR_EVT},
	{"REQUEST_KEYFRAME", 22, 8, SL_DIR_CMD},
	{"AUDIO_LEVELS", 23, 240, SL_DIR_EVT},
	{"LIST_OBJECTS", 24, 8, SL_DIR_CMD},
	{"OBJECT_LIST", 25, 240, SL_DIR_EVT},
};

/* Values 1, 2, ... in list order: unique, no gap, COUNT one past the last. */
static void test_values(void)
{
	CHECK(N_ROWS >= 1);
	for (unsigned int i = 0; i < N_ROWS; i++)
		CHECK_EQ(rows[i].value, i + 1);
	CHECK_EQ(SL_MSG__COUNT, N_ROWS + 1);
	for (unsigned int i = 0; i < N_ROWS; i++)
		for (unsigned int k = i + 1; k < N_ROWS; k++) {
			CHECK(rows[i].value != rows[k].value);
			CHECK(strcmp(rows[i].name, rows[k].name) != 0);
		}
}

/* Each table answers for each entry what the list says. */
static void test_tables(void)
{
	for (unsigned int i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];
		CHECK(r->name[0] != '\0');
		CHECK(strcmp(sl_msg_name(r->value), r->name) == 0);
		CHECK(r->dir == SL_DIR_CMD || r->dir == SL_DIR_EVT || r->dir == SL_DIR_RETIRED);
		CHECK_EQ(sl_msg_dir(r->value), r->dir);
		CHECK_EQ(sl_msg_payload_size(r->value), r->size);
		CHECK(r->size <= SL_MSG_PAYLOAD);
		CHECK(r->dir != SL_DIR_RETIRED || r->size == 0);
	}
	/* outside the list */
	CHECK(strcmp(sl_msg_name(SL_MSG_NONE), "NONE") == 0);
	CHECK(strcmp(sl_msg_name(SL_MSG__COUNT), "UNKNOWN") == 0);
	CHECK(strcmp(sl_msg_name(0xffff), "UNKNOWN") == 0);
	CHECK_EQ(sl_msg_dir(SL_MSG_NONE), SL_DIR_NONE);
	CHECK_EQ(sl_msg_dir(SL_MSG__COUNT), SL_DIR_NONE);
	CHECK_EQ(sl_msg_payload_size(SL_MSG_NONE), 0);
	CHECK_EQ(sl_msg_payload_size(SL_MSG__COUNT), 0);
	/* the HELLO and the segment header have room for every type */
	struct sl_msg_hello h;
	struct sl_shm_header sh;
	CHECK(sizeof(h.sizes) / sizeof(h.sizes[0]) >= SL_MSG__COUNT);
	CHECK(sizeof(sh.msg_sizes) / sizeof(sh.msg_sizes[0]) >= SL_MSG__COUNT);
	sl_hello_fill(&h);
	CHECK_EQ(h.n_types, SL_MSG__COUNT);
	CHECK_EQ(h.abi_version, SL_ABI_VERSION);
	for (unsigned int t = 0; t < SL_MSG__COUNT; t++)
		CHECK_EQ(h.sizes[t], sl_msg_payload_size(t));
	uint32_t bad = 99;
	CHECK_EQ(sl_hello_check(&h, &bad), SL_VALID_OK);
	CHECK_EQ(bad, 0);
}

/* The validator refuses a message in the wrong direction exactly as the
 * list says, and never calls a listed type unknown. */
static void test_validator_directions(void)
{
	const struct sl_valid_ctx ctx = {
		.max_transports = 16, .n_slots = 16, .n_lcores = 2, .max_ids = 128};
	for (unsigned int i = 0; i < N_ROWS; i++) {
		struct sl_msg m;
		memset(&m, 0, sizeof(m));
		m.h.type = (uint16_t)rows[i].value;
		enum sl_valid c = sl_cmd_validate(&m, &ctx), e = sl_evt_validate(&m, &ctx);
		switch (rows[i].dir) {
		case SL_DIR_CMD:
			CHECK(c != SL_VALID_BAD_TYPE && c != SL_VALID_BAD_DIRECTION);
			CHECK_EQ(e, SL_VALID_BAD_DIRECTION);
			break;
		case SL_DIR_EVT:
			CHECK(e != SL_VALID_BAD_TYPE && e != SL_VALID_BAD_DIRECTION);
			CHECK_EQ(c, SL_VALID_BAD_DIRECTION);
			break;
		default: /* retired: unknown both ways */
			CHECK_EQ(c, SL_VALID_BAD_TYPE);
			CHECK_EQ(e, SL_VALID_BAD_TYPE);
			break;
		}
	}
}

/* The ABI-5 messages kept their numbers, names, sizes and directions. */
static void test_wire_pinned(void)
{
	CHECK(SL_MSG__COUNT >= sizeof(abi5) / sizeof(abi5[0]) + 1);
	for (unsigned int i = 0; i < sizeof(abi5) / sizeof(abi5[0]); i++) {
		CHECK(strcmp(sl_msg_name(abi5[i].value), abi5[i].name) == 0);
		CHECK_EQ(sl_msg_payload_size(abi5[i].value), abi5[i].size);
		CHECK_EQ(sl_msg_dir(abi5[i].value), abi5[i].dir);
	}
	CHECK_EQ(SL_MSG_SIZE, 256);
	CHECK_EQ(sizeof(struct sl_msg_hdr), 16);
}

int main(void)
{
	test_values();
	test_tables();
	test_validator_directions();
	test_wire_pinned();
	return check_report("test_abi_tables");
}
