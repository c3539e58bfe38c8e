/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ortc.c - libFuzzer harness for controlplane/ortc.
 *
 * Input: any bytes, parsed as JSON. The document is used
 *  - as {kind, rtpParameters, rtpCapabilities} when it has those members,
 *  - else as rtpParameters (for both kinds) and as rtpCapabilities.
 * Every producer the parser accepts must satisfy the struct invariants, be
 * consumable by the router's own capabilities, and yield consumer
 * parameters that parse again as producer parameters whose payload types map
 * to themselves. Arbitrary capabilities are tried against fixed producers:
 * cp_ortc_can_consume() must agree with cp_ortc_consumer_params(). Any
 * broken invariant aborts. Leaks show under ASan/LSan.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_ortc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c)                                                                        \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "fuzz_ortc: invariant broken at line %d: %s\n", \
				__LINE__, #c);                                           \
			abort();                                                         \
		}                                                                        \
	} while (0)

static const char fixed_vp8[] =
	"{\"codecs\":[{\"mimeType\":\"video/VP8\",\"payloadType\":96,\"clockRate\":90000,"
	"\"rtcpFeedback\":[{\"type\":\"nack\"},{\"type\":\"nack\",\"parameter\":\"pli\"},"
	"{\"type\":\"transport-cc\"}]},{\"mimeType\":\"video/rtx\",\"payloadType\":97,"
	"\"clockRate\":90000,\"parameters\":{\"apt\":96}}],\"headerExtensions\":["
	"{\"uri\":\"urn:ietf:params:rtp-hdrext:sdes:mid\",\"id\":4},"
	"{\"uri\":\"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\","
	"\"id\":3}],\"encodings\":[{\"ssrc\":1111,\"rtx\":{\"ssrc\":2222}}],"
	"\"rtcp\":{\"cname\":\"fuzz\"}}";

static const char fixed_opus[] =
	"{\"codecs\":[{\"mimeType\":\"audio/opus\",\"payloadType\":111,\"clockRate\":48000,"
	"\"channels\":2,\"rtcpFeedback\":[{\"type\":\"transport-cc\"}]}],"
	"\"headerExtensions\":[{\"uri\":\"urn:ietf:params:rtp-hdrext:ssrc-audio-level\","
	"\"id\":1}],\"encodings\":[{\"ssrc\":3333}]}";

static bool in_pt_map(const struct cp_ortc_producer *p, uint8_t pt, uint8_t is_rtx)
{
	for (unsigned int i = 0; i < p->n_pt; i++)
		if (p->pt_map[i].producer_pt == pt && p->pt_map[i].is_rtx == is_rtx)
			return true;
	return false;
}

static void check_producer(const struct cp_ortc_producer *p)
{
	struct sl_msg_producer_add m;

	ASSERT(p->consumable != NULL);
	ASSERT(p->kind == SL_KIND_AUDIO || p->kind == SL_KIND_VIDEO);
	ASSERT(p->ssrc != 0 && p->ssrc != p->rtx_ssrc);
	ASSERT(p->n_pt >= 1 && p->n_pt <= SL_PT_MAP_MAX);
	ASSERT(p->payload_type <= 127 && in_pt_map(p, p->payload_type, 0));
	ASSERT((p->rtx_ssrc == 0) == (p->rtx_payload_type == 0));
	ASSERT(p->rtx_payload_type == 0 || in_pt_map(p, p->rtx_payload_type, 1));
	ASSERT(p->clock_rate != 0 && p->cname[0] != '\0');
	ASSERT(p->router_pt >= 96 && p->router_pt <= 127);
	ASSERT(json_array_size(json_object_get(p->consumable, "codecs")) >= 1);
	cp_ortc_producer_to_msg(p, 5, &m);
	ASSERT(m.producer_id == 5 && m.ssrc == p->ssrc && m.n_pt == p->n_pt);
	ASSERT(m.payload_type == p->payload_type && m.clock_rate == p->clock_rate);
	for (unsigned int i = 0; i < m.n_pt; i++)
		ASSERT(m.pts[i] == p->pt_map[i].producer_pt);
}

/* Consumer parameters are valid producer parameters of router PTs. */
static void check_round_trip(const struct cp_ortc_producer *p, const json_t *params)
{
	struct cp_ortc_producer q;
	char err[256];

	if (json_array_size(json_object_get(params, "codecs")) > SL_PT_MAP_MAX)
		return;
	int r = cp_ortc_producer_parse(p->kind == SL_KIND_AUDIO ? "audio" : "video", params, &q,
				       err, sizeof(err));
	if (r == -ENOMEM)
		return;
	if (r != 0) {
		fprintf(stderr, "fuzz_ortc: consumer params do not parse back: %s\n", err);
		abort();
	}
	check_producer(&q);
	for (unsigned int i = 0; i < q.n_pt; i++)
		ASSERT(q.pt_map[i].producer_pt == q.pt_map[i].router_pt);
	cp_ortc_producer_clear(&q);
}

static void check_consumer_msg(const struct cp_ortc_producer *p, const json_t *params,
			       const struct sl_msg_consumer_add *m, uint32_t ssrc)
{
	ASSERT(m->ssrc == ssrc && m->paused == 1 && m->kind == p->kind);
	ASSERT(m->n_pt >= 1 && m->n_pt <= SL_PT_MAP_MAX);
	ASSERT(m->ext.mid == 0 && m->ext.rid == 0 && m->ext.rrid == 0);
	ASSERT(m->clock_rate != 0);
	ASSERT((m->rtx_ssrc == 0) == (m->rtx_payload_type == 0));
	ASSERT(m->rtx_ssrc != ssrc);
	ASSERT(json_object_get(params, "mid") == NULL);
	ASSERT(json_array_size(json_object_get(params, "encodings")) == 1);
	for (unsigned int i = 0; i < m->n_pt; i++)
		ASSERT(in_pt_map(p, m->pt_map[i].from, 0) && m->pt_map[i].to >= 96);
}

/* A producer parsed from the input: the router can always consume it. */
static void fuzz_producer(const char *kind, const json_t *rtp_parameters)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256];

	if (cp_ortc_producer_parse(kind, rtp_parameters, &p, err, sizeof(err)) != 0) {
		ASSERT(p.consumable == NULL && err[0] != '\0');
		return;
	}
	check_producer(&p);
	json_t *caps = cp_ortc_router_caps();
	if (caps) {
		ASSERT(cp_ortc_can_consume(&p, caps) == 1);
		json_t *params = cp_ortc_consumer_params(&p, caps, 99, 0, NULL, &m, err, sizeof(err));
		if (params) {
			check_consumer_msg(&p, params, &m, 99);
			check_round_trip(&p, params);
			json_decref(params);
		}
		json_decref(caps);
	}
	cp_ortc_producer_clear(&p);
}

/* Arbitrary capabilities against a fixed producer. */
static void fuzz_caps(const char *kind, const char *producer_text, const json_t *caps)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256];
	json_t *pj = json_loads(producer_text, 0, NULL);

	if (!pj)
		return;
	int r = cp_ortc_producer_parse(kind, pj, &p, err, sizeof(err));
	json_decref(pj);
	if (r == -ENOMEM)
		return;
	ASSERT(r == 0);
	int can = cp_ortc_can_consume(&p, caps);
	ASSERT(can == 0 || can == 1 || can == -EINVAL || can == -ENOMEM);
	err[0] = '\0';
	json_t *params = cp_ortc_consumer_params(&p, caps, 0x80000000u, 0, NULL, &m, err, sizeof(err));
	if (params) {
		ASSERT(can == 1);
		check_consumer_msg(&p, params, &m, 0x80000000u);
		check_round_trip(&p, params);
		json_decref(params);
	} else {
		ASSERT(err[0] != '\0');
		ASSERT(can != 1 || strcmp(err, "out of memory") == 0);
	}
	cp_ortc_producer_clear(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);

	if (!root)
		return 0;
	const json_t *kind = json_object_get(root, "kind");
	const json_t *params = json_object_get(root, "rtpParameters");
	const json_t *caps = json_object_get(root, "rtpCapabilities");
	if (params || caps) {
		const char *k = json_is_string(kind) ? json_string_value(kind) : "video";
		fuzz_producer(k, params);
		fuzz_caps("video", fixed_vp8, caps);
		fuzz_caps("audio", fixed_opus, caps);
	} else {
		fuzz_producer("video", root);
		fuzz_producer("audio", root);
		fuzz_caps("video", fixed_vp8, root);
		fuzz_caps("audio", fixed_opus, root);
	}
	json_decref(root);
	return 0;
}
