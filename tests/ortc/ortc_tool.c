/* SPDX-License-Identifier: MIT */
/*
 * ortc_tool.c - test helper (not installed) for tests/ortc/ortc.test.mjs.
 *
 *   ortc_tool caps      prints the router's rtpCapabilities
 *   ortc_tool consume   reads {kind, rtpParameters, rtpCapabilities, ssrc?,
 *                       rtxSsrc?, cname?, mid?} from stdin (mid: a number
 *                       for cp_ortc_consumer_set_mid()) and prints
 *                       {ok: true, producer: {...}, canConsume, rtpParameters,
 *                        consumerMsg: {...}} or {ok: false, stage, error}
 *
 * Exit status: 0 when a JSON answer was printed (ok or not), 2 on bad usage
 * or unreadable input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_ortc.h"

static json_t *ext_json(const struct sl_ext_ids *e)
{
	return json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "mid", e->mid, "rid", e->rid, "rrid",
			 e->rrid, "absSendTime", e->abs_send_time, "transportCc", e->transport_cc,
			 "audioLevel", e->audio_level, "videoOrientation", e->video_orientation,
			 "toffset", e->toffset);
}

static json_t *producer_json(const struct cp_ortc_producer *p)
{
	json_t *map = json_array();

	for (unsigned int i = 0; i < p->n_pt; i++)
		json_array_append_new(map, json_pack("[i,i,b]", p->pt_map[i].producer_pt,
						     p->pt_map[i].router_pt, p->pt_map[i].is_rtx));
	json_t *o = json_pack("{s:s,s:I,s:I,s:i,s:i,s:i,s:i,s:I,s:i,s:o,s:o,s:o,s:b,s:b,s:b,s:b,s:s,s:O}",
			 "kind", p->kind == SL_KIND_AUDIO ? "audio" : "video", "ssrc",
			 (json_int_t)p->ssrc, "rtxSsrc", (json_int_t)p->rtx_ssrc, "payloadType",
			 p->payload_type, "rtxPayloadType", p->rtx_payload_type, "routerPayloadType",
			 p->router_pt, "routerRtxPayloadType", p->router_rtx_pt, "clockRate",
			 (json_int_t)p->clock_rate, "channels", p->channels, "ptMap", map, "ext",
			 ext_json(&p->ext), "routerExt", ext_json(&p->router_ext), "nack", p->nack,
			 "pli", p->pli, "fir", p->fir, "tcc", p->tcc, "cname", p->cname,
			 "consumable", p->consumable);
	if (o) {
		json_t *layers = json_array();
		for (unsigned int i = 0; i < p->n_layers && i < SL_SIM_LAYERS_MAX; i++)
			json_array_append_new(layers, json_pack("[I,I]", (json_int_t)p->layer_ssrc[i],
								(json_int_t)p->layer_rtx_ssrc[i]));
		json_object_set_new(o, "type", json_string(cp_ortc_producer_type(p)));
		json_object_set_new(o, "layers", layers);
	}
	return o;
}

static json_t *consumer_msg_json(const struct sl_msg_consumer_add *m)
{
	json_t *map = json_array();

	for (unsigned int i = 0; i < m->n_pt; i++)
		json_array_append_new(map, json_pack("[i,i]", m->pt_map[i].from, m->pt_map[i].to));
	return json_pack("{s:I,s:I,s:i,s:i,s:o,s:I,s:o,s:b,s:b,s:b,s:b,s:b}", "ssrc",
			 (json_int_t)m->ssrc, "rtxSsrc", (json_int_t)m->rtx_ssrc, "kind", m->kind,
			 "rtxPayloadType", m->rtx_payload_type, "ptMap", map, "clockRate",
			 (json_int_t)m->clock_rate, "ext", ext_json(&m->ext), "nack", m->nack, "pli",
			 m->pli, "fir", m->fir, "tcc", m->tcc, "paused", m->paused);
}

static json_t *failure(const char *stage, const char *err)
{
	return json_pack("{s:b,s:s,s:s}", "ok", 0, "stage", stage, "error", err);
}

static json_t *consume(const json_t *in)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[512] = "";
	const char *kind = json_string_value(json_object_get(in, "kind"));
	const json_t *caps = json_object_get(in, "rtpCapabilities");
	json_int_t ssrc = json_integer_value(json_object_get(in, "ssrc"));
	json_int_t rtx_ssrc = json_integer_value(json_object_get(in, "rtxSsrc"));
	const char *cname = json_string_value(json_object_get(in, "cname"));

	if (cp_ortc_producer_parse(kind, json_object_get(in, "rtpParameters"), &p, err,
				   sizeof(err)))
		return failure("produce", err);
	int can = cp_ortc_can_consume(&p, caps);
	json_t *params = cp_ortc_consumer_params(&p, caps, ssrc ? (uint32_t)ssrc : 12345678u,
						 (uint32_t)rtx_ssrc, cname, &m, err, sizeof(err));
	json_t *out;
	if (params && json_is_integer(json_object_get(in, "mid")))
		cp_ortc_consumer_set_mid(params,
					 (uint32_t)json_integer_value(json_object_get(in, "mid")));
	if (!params)
		out = json_pack("{s:b,s:s,s:s,s:i,s:o}", "ok", 0, "stage", "consume", "error", err,
				"canConsume", can, "producer", producer_json(&p));
	else
		out = json_pack("{s:b,s:o,s:i,s:o,s:o}", "ok", 1, "producer", producer_json(&p),
				"canConsume", can, "rtpParameters", params, "consumerMsg",
				consumer_msg_json(&m));
	cp_ortc_producer_clear(&p);
	return out;
}

static json_t *read_stdin(void)
{
	json_error_t e;
	json_t *in = json_loadf(stdin, 0, &e);

	if (!in)
		fprintf(stderr, "ortc_tool: bad input JSON: %s (line %d)\n", e.text, e.line);
	return in;
}

int main(int argc, char **argv)
{
	json_t *out = NULL;

	if (argc == 2 && strcmp(argv[1], "caps") == 0) {
		out = cp_ortc_router_caps();
	} else if (argc == 2 && strcmp(argv[1], "consume") == 0) {
		json_t *in = read_stdin();
		if (!in)
			return 2;
		out = consume(in);
		json_decref(in);
	} else {
		fprintf(stderr, "usage: ortc_tool caps | ortc_tool consume < input.json\n");
		return 2;
	}
	if (!out) {
		fprintf(stderr, "ortc_tool: out of memory\n");
		return 2;
	}
	char *s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	if (!s)
		return 2;
	puts(s);
	free(s);
	return 0;
}
