/* SPDX-License-Identifier: MIT */
/*
 * cp_ortc_consumer.c - consumers: mediasoup's canConsume() and
 * getConsumerRtpParameters() (pipe = false) over a producer's consumable
 * parameters, plus the data plane's CONSUMER_ADD rewrite entry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_ortc.h"
#include "cp_ortc_int.h"

/* The first capability codec matching codec (strict, no modification). */
static const json_t *find_cap_codec(const json_t *caps, const json_t *codec)
{
	const json_t *cc;
	size_t i;

	json_array_foreach(json_object_get(caps, "codecs"), i, cc) {
		if (cp_ortc_match_codecs((json_t *)cc, codec, true, false) == 1)
			return cc;
	}
	return NULL;
}

int cp_ortc_can_consume(const struct cp_ortc_producer *p, const json_t *rtp_capabilities)
{
	const json_t *codec;
	size_t i;
	int code;

	if (!p || !p->consumable)
		return -EINVAL;
	json_t *caps = cp_ortc_norm_caps(rtp_capabilities, &code, NULL, 0);
	if (!caps)
		return code;
	int result = 0;
	json_array_foreach(json_object_get(p->consumable, "codecs"), i, codec) {
		if (find_cap_codec(caps, codec)) {
			/* the first matching codec decides */
			result = cp_ortc_is_rtx(codec) ? 0 : 1;
			break;
		}
	}
	json_decref(caps);
	return result;
}

/* Capability feedback, without generic NACK when RTX is off. */
static json_t *consumer_feedback(const json_t *cap, bool enable_rtx)
{
	json_t *out = json_array();
	const json_t *fb;
	size_t i;

	json_array_foreach(json_object_get(cap, "rtcpFeedback"), i, fb) {
		if (!enable_rtx && strcmp(cp_ortc_get_str(fb, "type", ""), "nack") == 0 &&
		    !cp_ortc_truthy(json_object_get(fb, "parameter")))
			continue;
		if (json_array_append_new(out, json_deep_copy(fb))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static bool has_media_pt(const json_t *codecs, int pt)
{
	const json_t *c;
	size_t i;

	json_array_foreach(codecs, i, c) {
		if (cp_ortc_get_int(c, "payloadType", -1) == pt)
			return true;
	}
	return false;
}

/* The consumable codecs the capabilities match, useless RTX removed. */
static json_t *consumer_codecs(const json_t *consumable, const json_t *caps, bool enable_rtx,
			       bool *rtx_supported)
{
	json_t *out = json_array();
	const json_t *codec;
	size_t i;

	*rtx_supported = false;
	json_array_foreach(json_object_get(consumable, "codecs"), i, codec) {
		if (!enable_rtx && cp_ortc_is_rtx(codec))
			continue;
		const json_t *cap = find_cap_codec(caps, codec);
		if (!cap)
			continue;
		json_t *c = json_deep_copy(codec);
		if (json_object_set_new(c, "rtcpFeedback", consumer_feedback(cap, enable_rtx)) ||
		    json_array_append_new(out, c)) {
			json_decref(out);
			return NULL;
		}
	}
	for (i = json_array_size(out); i-- > 0;) {
		const json_t *c = json_array_get(out, i);
		if (!cp_ortc_is_rtx(c))
			continue;
		int apt = (int)cp_ortc_get_int(json_object_get(c, "parameters"), "apt", -1);
		if (has_media_pt(out, apt))
			*rtx_supported = true;
		else
			json_array_remove(out, i);
	}
	return out;
}

/* Consumable extensions the capabilities list with the same id and uri. */
static json_t *consumer_exts(const json_t *consumable, const json_t *caps)
{
	json_t *out = json_array();
	const json_t *e, *ce;
	size_t i, j;

	json_array_foreach(json_object_get(consumable, "headerExtensions"), i, e) {
		const json_t *id = json_object_get(e, "id");
		const char *uri = cp_ortc_get_str(e, "uri", "");
		json_array_foreach(json_object_get(caps, "headerExtensions"), j, ce) {
			const json_t *pid = json_object_get(ce, "preferredId");
			if (json_is_number(pid) && json_is_number(id) &&
			    json_number_value(pid) == json_number_value(id) &&
			    strcmp(cp_ortc_get_str(ce, "uri", ""), uri) == 0) {
				if (json_array_append_new(out, json_deep_copy(e))) {
					json_decref(out);
					return NULL;
				}
				break;
			}
		}
	}
	return out;
}

static bool has_ext(const json_t *exts, const char *uri)
{
	const json_t *e;
	size_t i;

	json_array_foreach(exts, i, e) {
		if (strcmp(cp_ortc_get_str(e, "uri", ""), uri) == 0)
			return true;
	}
	return false;
}

/* Transport-cc if its extension is there, else REMB with abs-send-time,
 * else neither. */
static void reduce_bwe_feedback(json_t *codecs, const json_t *exts)
{
	bool tcc = has_ext(exts, CP_ORTC_URI_TCC);
	bool abs = has_ext(exts, CP_ORTC_URI_ABS_SEND_TIME);
	json_t *c;
	size_t i, j;

	json_array_foreach(codecs, i, c) {
		json_t *fbs = json_object_get(c, "rtcpFeedback");
		for (j = json_array_size(fbs); j-- > 0;) {
			const char *type = cp_ortc_get_str(json_array_get(fbs, j), "type", "");
			bool remb = strcmp(type, "goog-remb") == 0;
			bool tccfb = strcmp(type, "transport-cc") == 0;
			if ((tcc && remb) || (!tcc && abs && tccfb) || (!tcc && !abs && (remb || tccfb)))
				json_array_remove(fbs, j);
		}
	}
}

/* The single consumer encoding. */
static json_t *consumer_encoding(const json_t *consumable, uint32_t ssrc, uint32_t rtx_ssrc,
				 bool rtx_supported)
{
	json_t *enc = json_object();
	const json_t *e, *max_bitrate = NULL;
	const char *mode = NULL;
	size_t i;
	int bad = json_object_set_new(enc, "ssrc", json_integer(ssrc));

	if (rtx_supported) {
		json_t *rtx = json_object();
		bad |= json_object_set_new(rtx, "ssrc", json_integer(rtx_ssrc));
		bad |= json_object_set_new(enc, "rtx", rtx);
	}
	json_array_foreach(json_object_get(consumable, "encodings"), i, e) {
		const json_t *sm = json_object_get(e, "scalabilityMode");
		const json_t *mb = json_object_get(e, "maxBitrate");
		if (!mode && cp_ortc_truthy(sm) && json_is_string(sm))
			mode = json_string_value(sm);
		if (cp_ortc_truthy(mb) && json_is_number(mb) &&
		    (!max_bitrate || json_number_value(mb) > json_number_value(max_bitrate)))
			max_bitrate = mb;
	}
	/* simulcast: mediasoup mangles the spatial layers into the mode, with
	 * the temporal layers of the first encoding that has a mode (1 without) */
	size_t n_enc = json_array_size(json_object_get(consumable, "encodings"));
	char sim_mode[16];
	if (n_enc > 1) {
		unsigned int sp, tl = 1;
		char c, t;
		if (!mode || sscanf(mode, "%c%2u%c%2u", &c, &sp, &t, &tl) != 4 ||
		    (c != 'L' && c != 'S') || t != 'T' || tl < 1)
			tl = 1;
		snprintf(sim_mode, sizeof(sim_mode), "L%zuT%u", n_enc, tl);
		mode = sim_mode;
	}
	if (mode)
		bad |= json_object_set_new(enc, "scalabilityMode", json_string(mode));
	if (max_bitrate)
		bad |= json_object_set_new(enc, "maxBitrate", json_deep_copy(max_bitrate));
	if (bad) {
		json_decref(enc);
		return NULL;
	}
	return enc;
}

static uint8_t ext_id_of(const json_t *exts, const char *uri)
{
	const json_t *e;
	size_t i;

	json_array_foreach(exts, i, e) {
		if (strcmp(cp_ortc_get_str(e, "uri", ""), uri) == 0)
			return (uint8_t)cp_ortc_get_int(e, "id", 0);
	}
	return 0;
}

static void fill_consumer_msg(const struct cp_ortc_producer *p, const json_t *params,
			      uint32_t ssrc, uint32_t rtx_ssrc, struct sl_msg_consumer_add *m)
{
	const json_t *codecs = json_object_get(params, "codecs");
	const json_t *exts = json_object_get(params, "headerExtensions");
	const json_t *first = json_array_get(codecs, 0), *c;
	int first_pt = (int)cp_ortc_get_int(first, "payloadType", -1);
	size_t i;

	memset(m, 0, sizeof(*m));
	m->ssrc = ssrc;
	m->kind = p->kind;
	m->paused = 1;
	m->clock_rate = (uint32_t)cp_ortc_get_int(first, "clockRate", 0);
	json_array_foreach(codecs, i, c) {
		if (cp_ortc_is_rtx(c) &&
		    cp_ortc_get_int(json_object_get(c, "parameters"), "apt", -1) == first_pt) {
			m->rtx_payload_type = (uint8_t)cp_ortc_get_int(c, "payloadType", 0);
			m->rtx_ssrc = rtx_ssrc;
		}
	}
	for (unsigned int k = 0; k < p->n_pt && m->n_pt < SL_PT_MAP_MAX; k++) {
		const struct cp_ortc_pt_pair *pp = &p->pt_map[k];
		bool kept = false;
		json_array_foreach(codecs, i, c) {
			if (!cp_ortc_is_rtx(c) && cp_ortc_get_int(c, "payloadType", -1) == pp->router_pt)
				kept = true;
		}
		if (!pp->is_rtx && kept) {
			m->pt_map[m->n_pt].from = pp->producer_pt;
			m->pt_map[m->n_pt].to = pp->router_pt;
			m->n_pt++;
		}
	}
	/* mid stays 0 (strip): the client picks the consumer's mid; rid/rrid: 0 */
	m->ext.abs_send_time = ext_id_of(exts, CP_ORTC_URI_ABS_SEND_TIME);
	m->ext.transport_cc = ext_id_of(exts, CP_ORTC_URI_TCC);
	m->ext.audio_level = ext_id_of(exts, CP_ORTC_URI_AUDIO_LEVEL);
	m->ext.video_orientation = ext_id_of(exts, CP_ORTC_URI_VIDEO_ORIENTATION);
	m->ext.toffset = ext_id_of(exts, CP_ORTC_URI_TOFFSET);
	m->nack = cp_ortc_has_fb(first, "nack", "");
	m->pli = cp_ortc_has_fb(first, "nack", "pli");
	m->fir = cp_ortc_has_fb(first, "ccm", "fir");
	m->tcc = m->ext.transport_cc && cp_ortc_has_fb(first, "transport-cc", "");
}

static json_t *consumer_rtcp(const char *cname)
{
	json_t *rtcp = json_object();
	int bad = json_object_set_new(rtcp, "cname", json_string(cname));

	bad |= json_object_set_new(rtcp, "reducedSize", json_true());
	bad |= json_object_set_new(rtcp, "mux", json_true());
	if (bad) {
		json_decref(rtcp);
		return NULL;
	}
	return rtcp;
}

/* Assembles the parameters once the codecs are known to be usable. */
static json_t *assemble(const struct cp_ortc_producer *p, const json_t *caps, json_t *codecs,
			bool rtx_supported, uint32_t ssrc, uint32_t rtx_ssrc, const char *cname)
{
	json_t *exts = consumer_exts(p->consumable, caps);

	if (exts)
		reduce_bwe_feedback(codecs, exts);
	json_t *params = json_object();
	int bad = json_object_set_new(params, "codecs", codecs); /* steals codecs */
	bad |= json_object_set_new(params, "headerExtensions", exts);
	json_t *encs = json_array();
	bad |= json_array_append_new(encs,
				     consumer_encoding(p->consumable, ssrc, rtx_ssrc, rtx_supported));
	bad |= json_object_set_new(params, "encodings", encs);
	bad |= json_object_set_new(params, "rtcp", consumer_rtcp(cname));
	if (bad) {
		json_decref(params);
		return NULL;
	}
	return params;
}

json_t *cp_ortc_consumer_params(const struct cp_ortc_producer *p, const json_t *rtp_capabilities,
				uint32_t ssrc, uint32_t rtx_ssrc, const char *cname,
				struct sl_msg_consumer_add *m, char *err, size_t errlen)
{
	int code;
	bool rtx_supported;

	if (!p || !p->consumable) {
		cp_ortc_errf(err, errlen, -EINVAL, "no producer parameters");
		return NULL;
	}
	if (ssrc == 0) {
		cp_ortc_errf(err, errlen, -EINVAL, "consumer ssrc must not be 0");
		return NULL;
	}
	json_t *caps = cp_ortc_norm_caps(rtp_capabilities, &code, err, errlen);
	if (!caps)
		return NULL;
	json_t *codecs = consumer_codecs(p->consumable, caps, p->kind == SL_KIND_VIDEO,
					 &rtx_supported);
	if (!codecs || json_array_size(codecs) == 0 || cp_ortc_is_rtx(json_array_get(codecs, 0))) {
		cp_ortc_errf(err, errlen, -ENOTSUP,
			     codecs ? "no compatible media codecs" : "out of memory");
		json_decref(codecs);
		json_decref(caps);
		return NULL;
	}
	if (rtx_supported && rtx_ssrc == 0)
		rtx_ssrc = ssrc + 1 ? ssrc + 1 : 1;
	if (rtx_supported && rtx_ssrc == ssrc) {
		cp_ortc_errf(err, errlen, -EINVAL, "consumer rtx ssrc equals its ssrc");
		json_decref(codecs);
		json_decref(caps);
		return NULL;
	}
	if (!rtx_supported)
		rtx_ssrc = 0;
	json_t *params = assemble(p, caps, codecs, rtx_supported, ssrc, rtx_ssrc,
				  cname && *cname ? cname : p->cname);
	json_decref(caps);
	if (!params) {
		cp_ortc_errf(err, errlen, -ENOMEM, "out of memory");
		return NULL;
	}
	if (m)
		fill_consumer_msg(p, params, ssrc, rtx_ssrc, m);
	return params;
}

int cp_ortc_consumer_set_mid(json_t *rtp_parameters, uint32_t n)
{
	char mid[16];

	if (!json_is_object(rtp_parameters))
		return -EINVAL;
	snprintf(mid, sizeof(mid), "%u", (unsigned int)n);
	return json_object_set_new(rtp_parameters, "mid", json_string(mid)) ? -ENOMEM : 0;
}
