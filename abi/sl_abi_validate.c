/* SPDX-License-Identifier: MIT */
/*
 * Validation of control/data messages (contract in include/sluice/abi.h).
 * Pure functions: no DPDK, no globals, no logging. Library sl_abi
 * (abi/CMakeLists.txt), linked by both processes and the tests: it belongs
 * to neither process's folder. Types and directions come from the one
 * message list (SL_MSG_LIST); this file adds the per-field checks.
 */
#include <string.h>

#include "sluice/abi.h"

static int is_command(unsigned int t)
{
	return sl_msg_dir(t) == SL_DIR_CMD;
}

static int is_event(unsigned int t)
{
	return sl_msg_dir(t) == SL_DIR_EVT;
}

/* A NUL-terminated string of 1..cap-1 printable ASCII characters. */
static int str_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == 0 || n == cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int tuple_ok(const struct sl_tuple *t)
{
	return t->family == 4 || t->family == 6;
}

static int needs_transport(unsigned int t)
{
	return t != SL_MSG_HELLO && t != SL_MSG_NOOP && t != SL_MSG_PRODUCER_REMOVE &&
	       t != SL_MSG_PRODUCER_FANOUT && t != SL_MSG_REQUEST_KEYFRAME &&
	       t != SL_MSG_LIST_OBJECTS;
}

static enum sl_valid check_srtp(const struct sl_msg_srtp_keys *k)
{
	switch (k->profile) {
	case SL_SRTP_AES128_CM_SHA1_80:
	case SL_SRTP_AES128_CM_SHA1_32:
		return k->key_len == 16 && k->salt_len == 14 ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	case SL_SRTP_AEAD_AES_128_GCM:
		return k->key_len == 16 && k->salt_len == 12 ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	case SL_SRTP_AEAD_AES_256_GCM:
		return k->key_len == 32 && k->salt_len == 12 ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	default:
		return SL_VALID_BAD_FIELD;
	}
}

/* 1..SL_LEVELS_MAX entries, each a known id, 1+ packets, voice <= packets,
 * loudest <= level <= 127. */
static enum sl_valid check_levels(const struct sl_msg_audio_levels *l,
				  const struct sl_valid_ctx *ctx)
{
	if (l->n == 0 || l->n > SL_LEVELS_MAX)
		return SL_VALID_BAD_FIELD;
	for (unsigned int i = 0; i < l->n; i++) {
		const struct sl_level_entry *e = &l->e[i];
		if (e->producer_id >= ctx->max_ids || e->packets == 0 || e->voice > e->packets ||
		    e->level > SL_LEVEL_SILENCE || e->loudest > e->level)
			return SL_VALID_BAD_FIELD;
	}
	return SL_VALID_OK;
}

/* A page of ids: a known kind, n <= SL_LIST_IDS, ids increasing within
 * [cursor, next) and below the id limit of the kind. */
static enum sl_valid check_object_list(const struct sl_msg_object_list *o,
				       const struct sl_valid_ctx *ctx)
{
	if (o->kind < SL_OBJ_TRANSPORT || o->kind > SL_OBJ_CONSUMER || o->n > SL_LIST_IDS ||
	    o->done > 1 || o->next < o->cursor)
		return SL_VALID_BAD_FIELD;
	uint32_t lim = o->kind == SL_OBJ_TRANSPORT ? ctx->max_transports : ctx->max_ids;
	for (unsigned int i = 0; i < o->n; i++)
		if (o->ids[i] >= lim || o->ids[i] < o->cursor || o->ids[i] >= o->next ||
		    (i && o->ids[i] <= o->ids[i - 1]))
			return SL_VALID_BAD_FIELD;
	return SL_VALID_OK;
}

static int kind_ok(uint8_t k)
{
	return k == SL_KIND_AUDIO || k == SL_KIND_VIDEO;
}

enum sl_valid sl_cmd_validate(const struct sl_msg *m, const struct sl_valid_ctx *ctx)
{
	unsigned int t = m->h.type;

	if (t == SL_MSG_NONE || t >= SL_MSG__COUNT)
		return SL_VALID_BAD_TYPE;
	if (!is_command(t))
		return is_event(t) ? SL_VALID_BAD_DIRECTION : SL_VALID_BAD_TYPE;
	if (m->h.flags != 0)
		return SL_VALID_BAD_FIELD;
	if (needs_transport(t) && m->h.transport_id >= ctx->max_transports)
		return SL_VALID_BAD_FIELD;

	switch (t) {
	case SL_MSG_HELLO: {
		uint32_t bad;
		return sl_hello_check(&m->u.hello, &bad);
	}
	case SL_MSG_TRANSPORT_CREATE: {
		const struct sl_msg_transport_create *c = &m->u.transport_create;
		if (!str_ok(c->ice_ufrag, sizeof(c->ice_ufrag)) ||
		    !str_ok(c->ice_pwd, sizeof(c->ice_pwd)) || c->local_port == 0)
			return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	}
	case SL_MSG_SRTP_KEYS:
		return check_srtp(&m->u.srtp_keys);
	case SL_MSG_PRODUCER_ADD: {
		const struct sl_msg_producer_add *p = &m->u.producer_add;
		if (p->producer_id >= ctx->max_ids || p->ssrc == 0 || !kind_ok(p->kind) ||
		    p->n_pt > SL_PT_MAP_MAX || p->payload_type > 127 ||
		    p->rtx_payload_type > 127 || p->clock_rate == 0)
			return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	}
	case SL_MSG_PRODUCER_REMOVE:
		return m->u.producer_remove.producer_id < ctx->max_ids ? SL_VALID_OK
								       : SL_VALID_BAD_FIELD;
	case SL_MSG_PRODUCER_FANOUT: {
		const struct sl_msg_producer_fanout *f = &m->u.producer_fanout;
		uint64_t allowed = ctx->n_lcores >= 64 ? ~0ULL : ((1ULL << ctx->n_lcores) - 1);
		if (f->producer_id >= ctx->max_ids || (f->lcore_mask & ~allowed))
			return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	}
	case SL_MSG_CONSUMER_ADD: {
		const struct sl_msg_consumer_add *c = &m->u.consumer_add;
		if (c->consumer_id >= ctx->max_ids || c->producer_id >= ctx->max_ids ||
		    c->ssrc == 0 || !kind_ok(c->kind) || c->n_pt == 0 ||
		    c->n_pt > SL_PT_MAP_MAX || c->rtx_payload_type > 127 || c->paused > 1 ||
		    c->clock_rate == 0)
			return SL_VALID_BAD_FIELD;
		for (unsigned int i = 0; i < c->n_pt; i++)
			if (c->pt_map[i].from > 127 || c->pt_map[i].to > 127)
				return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	}
	case SL_MSG_CONSUMER_REMOVE:
	case SL_MSG_CONSUMER_PAUSE:
	case SL_MSG_CONSUMER_RESUME:
		return m->u.consumer_ref.consumer_id < ctx->max_ids ? SL_VALID_OK
								    : SL_VALID_BAD_FIELD;
	case SL_MSG_SEND_PACKET: {
		const struct sl_msg_packet *p = &m->u.packet;
		if (p->slot >= ctx->n_slots || p->len == 0 || p->len > SL_SLOT_DATA)
			return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	}
	case SL_MSG_REQUEST_KEYFRAME:
		return m->u.keyframe.producer_id < ctx->max_ids ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	case SL_MSG_LIST_OBJECTS:
		return m->u.list_objects.kind >= SL_OBJ_TRANSPORT &&
				       m->u.list_objects.kind <= SL_OBJ_CONSUMER
			       ? SL_VALID_OK
			       : SL_VALID_BAD_FIELD;
	default: /* NOOP, TRANSPORT_DESTROY: header only */
		return SL_VALID_OK;
	}
}

enum sl_valid sl_evt_validate(const struct sl_msg *m, const struct sl_valid_ctx *ctx)
{
	unsigned int t = m->h.type;

	if (t == SL_MSG_NONE || t >= SL_MSG__COUNT)
		return SL_VALID_BAD_TYPE;
	if (!is_event(t))
		return is_command(t) ? SL_VALID_BAD_DIRECTION : SL_VALID_BAD_TYPE;

	switch (t) {
	case SL_MSG_HELLO_ACK:
		return m->u.hello_ack.lcore_index < ctx->n_lcores ? SL_VALID_OK
								  : SL_VALID_BAD_FIELD;
	case SL_MSG_NOOP_REPLY:
		return m->u.noop.lcore_index < ctx->n_lcores ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	case SL_MSG_RESULT:
		return m->u.result.cmd_type < SL_MSG__COUNT ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	case SL_MSG_ICE_SELECTED:
	case SL_MSG_ICE_DISCONNECTED:
		if (m->h.transport_id >= ctx->max_transports || !tuple_ok(&m->u.ice.tuple))
			return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	case SL_MSG_DTLS_RECV: {
		const struct sl_msg_packet *p = &m->u.packet;
		if (m->h.transport_id >= ctx->max_transports || p->slot >= ctx->n_slots ||
		    p->len == 0 || p->len > SL_SLOT_DATA || !tuple_ok(&p->tuple))
			return SL_VALID_BAD_FIELD;
		return SL_VALID_OK;
	}
	case SL_MSG_KEYFRAME_REQUEST:
		return m->u.keyframe.producer_id < ctx->max_ids ? SL_VALID_OK : SL_VALID_BAD_FIELD;
	case SL_MSG_AUDIO_LEVELS:
		return check_levels(&m->u.audio_levels, ctx);
	case SL_MSG_OBJECT_LIST:
		return check_object_list(&m->u.object_list, ctx);
	default:
		return SL_VALID_OK;
	}
}

void sl_hello_fill(struct sl_msg_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->abi_version = SL_ABI_VERSION;
	h->n_types = SL_MSG__COUNT;
	for (unsigned int t = 0; t < SL_MSG__COUNT; t++)
		h->sizes[t] = sl_msg_payload_size(t);
}

enum sl_valid sl_hello_check(const struct sl_msg_hello *h, uint32_t *bad_type)
{
	*bad_type = 0;
	if (h->abi_version != SL_ABI_VERSION)
		return SL_VALID_BAD_VERSION;
	/* A peer with more types is newer: compare the ones we both know. */
	unsigned int n = h->n_types < SL_MSG__COUNT ? h->n_types : SL_MSG__COUNT;
	if (n > sizeof(h->sizes) / sizeof(h->sizes[0]))
		return SL_VALID_BAD_SIZES;
	for (unsigned int t = 0; t < n; t++) {
		if (h->sizes[t] != sl_msg_payload_size(t)) {
			*bad_type = t;
			return SL_VALID_BAD_SIZES;
		}
	}
	if (h->n_types < SL_MSG__COUNT) {
		*bad_type = h->n_types;
		return SL_VALID_BAD_SIZES;
	}
	return SL_VALID_OK;
}

const char *sl_valid_str(enum sl_valid v)
{
	switch (v) {
	case SL_VALID_OK: return "ok";
	case SL_VALID_BAD_TYPE: return "unknown message type";
	case SL_VALID_BAD_DIRECTION: return "message sent in the wrong direction";
	case SL_VALID_BAD_VERSION: return "ABI version mismatch";
	case SL_VALID_BAD_SIZES: return "message size table mismatch (different build of abi.h)";
	case SL_VALID_BAD_FIELD: return "field out of range";
	}
	return "unknown";
}
