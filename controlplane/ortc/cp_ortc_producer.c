/* SPDX-License-Identifier: MIT */
/*
 * cp_ortc_producer.c - a producer's rtpParameters: mapping to the router
 * (mediasoup's getProducerRtpParametersMapping), the consumable parameters
 * (getConsumableRtpParameters) and the data plane's PRODUCER_ADD.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_ortc.h"
#include "cp_ortc_int.h"

/* Scratch state of one parse. */
struct pparse {
	uint8_t kind;
	const char *kind_str;
	json_t *params; /* normalized copy, owned */
	json_t *caps;	/* router caps, owned */
	size_t n_codecs;
	const json_t *cap_of[SL_PT_MAP_MAX]; /* router codec of each producer codec */
	const json_t *primary;		     /* producer codec of the encoding */
	char *err;
	size_t errlen;
};

static json_t *codec_at(const struct pparse *s, size_t i)
{
	return json_array_get(json_object_get(s->params, "codecs"), i);
}

static int codec_pt(const json_t *codec)
{
	return (int)cp_ortc_get_int(codec, "payloadType", -1);
}

static int codec_apt(const json_t *codec)
{
	return (int)cp_ortc_get_int(json_object_get(codec, "parameters"), "apt", -1);
}

static int cap_pt(const json_t *cap)
{
	const json_t *v = json_object_get(cap, "preferredPayloadType");
	return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}

/* Where an extension's id goes in struct sl_ext_ids, or NULL. */
static uint8_t *ext_slot(struct sl_ext_ids *e, const char *uri)
{
	if (strcmp(uri, CP_ORTC_URI_MID) == 0)
		return &e->mid;
	if (strcmp(uri, CP_ORTC_URI_RID) == 0)
		return &e->rid;
	if (strcmp(uri, CP_ORTC_URI_RRID) == 0)
		return &e->rrid;
	if (strcmp(uri, CP_ORTC_URI_ABS_SEND_TIME) == 0)
		return &e->abs_send_time;
	if (strcmp(uri, CP_ORTC_URI_TCC) == 0)
		return &e->transport_cc;
	if (strcmp(uri, CP_ORTC_URI_AUDIO_LEVEL) == 0)
		return &e->audio_level;
	if (strcmp(uri, CP_ORTC_URI_VIDEO_ORIENTATION) == 0)
		return &e->video_orientation;
	if (strcmp(uri, CP_ORTC_URI_TOFFSET) == 0)
		return &e->toffset;
	return NULL;
}

/* Kinds, unique payload types, count. */
static int check_codecs(struct pparse *s)
{
	json_t *codecs = json_object_get(s->params, "codecs");
	size_t n = json_array_size(codecs), i, j;

	if (n == 0)
		return cp_ortc_errf(s->err, s->errlen, -EINVAL, "rtpParameters.codecs is empty");
	if (n > SL_PT_MAP_MAX)
		return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
				    "too many codecs (%zu, at most %u)", n, SL_PT_MAP_MAX);
	s->n_codecs = n;
	for (i = 0; i < n; i++) {
		const char *mime = cp_ortc_get_str(codec_at(s, i), "mimeType", "");
		if (strncasecmp(mime, s->kind_str, 5) != 0)
			return cp_ortc_errf(s->err, s->errlen, -EINVAL,
					    "codec %s does not match kind %s", mime, s->kind_str);
		for (j = 0; j < i; j++)
			if (codec_pt(codec_at(s, j)) == codec_pt(codec_at(s, i)))
				return cp_ortc_errf(s->err, s->errlen, -EINVAL,
						    "duplicated codec payloadType %d",
						    codec_pt(codec_at(s, i)));
	}
	return 0;
}

/* Media codecs: each must match a router codec (may rewrite H264 plid). */
static int map_media_codecs(struct pparse *s)
{
	json_t *caps_codecs = json_object_get(s->caps, "codecs");
	size_t n_media = 0;

	for (size_t i = 0; i < s->n_codecs; i++) {
		json_t *codec = codec_at(s, i), *cc;
		size_t j;

		if (cp_ortc_is_rtx(codec))
			continue;
		n_media++;
		json_array_foreach(caps_codecs, j, cc) {
			int r = cp_ortc_match_codecs(codec, cc, true, true);
			if (r < 0)
				return cp_ortc_errf(s->err, s->errlen, r, "out of memory");
			if (r) {
				s->cap_of[i] = cc;
				break;
			}
		}
		if (!s->cap_of[i])
			return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
					    "unsupported codec [mimeType:%s, payloadType:%d]",
					    cp_ortc_get_str(codec, "mimeType", ""), codec_pt(codec));
	}
	if (n_media == 0)
		return cp_ortc_errf(s->err, s->errlen, -EINVAL, "no media codec in rtpParameters");
	return 0;
}

/* RTX codecs: apt names a media codec whose router codec has an RTX. */
static int map_rtx_codecs(struct pparse *s)
{
	json_t *caps_codecs = json_object_get(s->caps, "codecs");

	for (size_t i = 0; i < s->n_codecs; i++) {
		json_t *codec = codec_at(s, i), *cc;
		size_t j, media = s->n_codecs;

		if (!cp_ortc_is_rtx(codec))
			continue;
		for (j = 0; j < s->n_codecs && media == s->n_codecs; j++)
			if (codec_pt(codec_at(s, j)) == codec_apt(codec))
				media = j;
		if (media == s->n_codecs || cp_ortc_is_rtx(codec_at(s, media)))
			return cp_ortc_errf(s->err, s->errlen, -EINVAL,
					    "missing media codec found for RTX PT %d", codec_pt(codec));
		int media_pt = cap_pt(s->cap_of[media]);
		json_array_foreach(caps_codecs, j, cc) {
			if (cp_ortc_is_rtx(cc) && codec_apt(cc) == media_pt) {
				s->cap_of[i] = cc;
				break;
			}
		}
		if (!s->cap_of[i])
			return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
					    "no RTX codec for capability codec PT %d", media_pt);
	}
	return 0;
}

/* pt_map in mediasoup's order: media codecs first, then RTX codecs. */
static void fill_pt_map(const struct pparse *s, struct cp_ortc_producer *out)
{
	for (int rtx = 0; rtx <= 1; rtx++) {
		for (size_t i = 0; i < s->n_codecs; i++) {
			const json_t *codec = codec_at(s, i);
			if (cp_ortc_is_rtx(codec) != (rtx == 1))
				continue;
			struct cp_ortc_pt_pair *pp = &out->pt_map[out->n_pt++];
			pp->producer_pt = (uint8_t)codec_pt(codec);
			pp->router_pt = (uint8_t)cap_pt(s->cap_of[i]);
			pp->is_rtx = (uint8_t)rtx;
		}
	}
}

static const json_t *router_codec_of(const struct pparse *s, const json_t *codec)
{
	for (size_t i = 0; i < s->n_codecs; i++)
		if (codec_at(s, i) == codec)
			return s->cap_of[i];
	return NULL;
}

/* The codec the data plane must know for key frames, from a mime type. */
static uint8_t codec_of(const char *mime)
{
	if (strcasecmp(mime, "video/VP8") == 0)
		return SL_CODEC_VP8;
	if (strcasecmp(mime, "video/VP9") == 0)
		return SL_CODEC_VP9;
	if (strcasecmp(mime, "video/H264") == 0)
		return SL_CODEC_H264;
	if (strcasecmp(mime, "audio/opus") == 0)
		return SL_CODEC_OPUS;
	return SL_CODEC_OTHER;
}

/* T of a scalabilityMode "L<n>T<m>" / "S<n>T<m>" (mediasoup's
 * parseScalabilityMode), 1 when absent or not of that form. *spatial gets
 * n (1 likewise). */
static uint8_t mode_layers(const json_t *enc, uint8_t *spatial)
{
	const char *m = cp_ortc_get_str(enc, "scalabilityMode", "");
	unsigned int sp = 0, tl = 0;
	char c = 0, t = 0;

	*spatial = 1;
	if (sscanf(m, "%c%2u%c%2u", &c, &sp, &t, &tl) != 4 || (c != 'L' && c != 'S') ||
	    t != 'T' || sp < 1 || tl < 1)
		return 1;
	*spatial = (uint8_t)sp;
	return (uint8_t)tl;
}

/* The SSRCs of every encoding (layer), all non-zero and distinct. */
static int layer_ssrcs(struct pparse *s, const json_t *encs, size_t n, struct cp_ortc_producer *out)
{
	for (size_t i = 0; i < n; i++) {
		const json_t *enc = json_array_get(encs, i);
		uint32_t ssrc = (uint32_t)cp_ortc_get_int(enc, "ssrc", 0);
		uint32_t rtx = (uint32_t)cp_ortc_get_int(json_object_get(enc, "rtx"), "ssrc", 0);

		if (ssrc == 0 && n == 1)
			return cp_ortc_errf(s->err, s->errlen, -EINVAL,
					    "missing encoding.ssrc (rid-only encodings are not "
					    "supported)");
		if (rtx && rtx == ssrc && n == 1)
			return cp_ortc_errf(s->err, s->errlen, -EINVAL,
					    "encoding.rtx.ssrc equals encoding.ssrc");
		if (ssrc == 0) {
			if (json_is_string(json_object_get(enc, "rid")))
				return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
						    "encodings[%zu] has a rid but no ssrc: rid-based "
						    "encodings are not supported, give each encoding "
						    "an ssrc",
						    i);
			return cp_ortc_errf(s->err, s->errlen, -EINVAL,
					    "missing encodings[%zu].ssrc", i);
		}
		out->layer_ssrc[i] = ssrc;
		out->layer_rtx_ssrc[i] = rtx;
	}
	for (size_t i = 0; i < 2 * n; i++) {
		uint32_t a = i < n ? out->layer_ssrc[i] : out->layer_rtx_ssrc[i - n];
		for (size_t j = 0; a && j < i; j++) {
			uint32_t b = j < n ? out->layer_ssrc[j] : out->layer_rtx_ssrc[j - n];
			if (a == b)
				return cp_ortc_errf(s->err, s->errlen, -EINVAL,
						    "ssrc %u appears twice in the encodings",
						    (unsigned int)a);
		}
	}
	return 0;
}

/* The encodings: SSRCs of each layer, media and RTX payload types (those
 * of the first encoding, for all), feedback. */
static int pick_encoding(struct pparse *s, struct cp_ortc_producer *out)
{
	json_t *encs = json_object_get(s->params, "encodings");
	size_t n = json_array_size(encs);
	uint8_t spatial = 1;
	int r;

	if (n > SL_SIM_LAYERS_MAX)
		return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
				    "simulcast with %zu encodings is not supported (at most %u)", n,
				    SL_SIM_LAYERS_MAX);
	const json_t *enc = json_array_get(encs, 0); /* NULL when none: mediasoup's {} */
	if (n == 0)
		return cp_ortc_errf(s->err, s->errlen, -EINVAL,
				    "missing encoding.ssrc (rid-only encodings are not supported)");
	if ((r = layer_ssrcs(s, encs, n, out)) != 0)
		return r;
	for (size_t i = 0; i < n && out->temporal_layers == 0; i++)
		if (cp_ortc_truthy(json_object_get(json_array_get(encs, i), "scalabilityMode")))
			out->temporal_layers = mode_layers(json_array_get(encs, i), &spatial);
	if (out->temporal_layers == 0)
		out->temporal_layers = 1;
	if (n > 1 && spatial > 1)
		return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
				    "simulcast of SVC encodings (%u spatial layers each) is not "
				    "supported",
				    spatial);
	out->n_layers = (uint8_t)n;
	out->ssrc = out->layer_ssrc[0];
	uint32_t rtx_ssrc = out->layer_rtx_ssrc[0];
	int want_pt = (int)cp_ortc_get_int(enc, "codecPayloadType", -1);

	for (size_t i = 0; i < s->n_codecs && !s->primary; i++) {
		const json_t *c = codec_at(s, i);
		if (!cp_ortc_is_rtx(c) && (want_pt < 0 || codec_pt(c) == want_pt))
			s->primary = c;
	}
	if (!s->primary)
		return cp_ortc_errf(s->err, s->errlen, -EINVAL,
				    "encoding.codecPayloadType %d is not a media codec", want_pt);
	out->payload_type = (uint8_t)codec_pt(s->primary);
	out->router_pt = (uint8_t)cap_pt(router_codec_of(s, s->primary));
	out->clock_rate = (uint32_t)cp_ortc_get_int(s->primary, "clockRate", 0);
	out->channels = (uint8_t)cp_ortc_get_int(s->primary, "channels", 0);
	out->codec = codec_of(cp_ortc_get_str(s->primary, "mimeType", ""));
	if (n > 1 && out->kind != SL_KIND_VIDEO)
		return cp_ortc_errf(s->err, s->errlen, -ENOTSUP,
				    "simulcast (%zu encodings) of audio is not supported", n);
	for (size_t i = 0; i < s->n_codecs; i++) {
		const json_t *c = codec_at(s, i);
		if (cp_ortc_is_rtx(c) && codec_apt(c) == out->payload_type) {
			out->rtx_payload_type = (uint8_t)codec_pt(c);
			out->router_rtx_pt = (uint8_t)cap_pt(s->cap_of[i]);
			break;
		}
	}
	if (rtx_ssrc && out->rtx_payload_type) {
		out->rtx_ssrc = rtx_ssrc;
	} else if (n == 1 || !out->rtx_payload_type) {
		out->rtx_payload_type = 0;
		out->router_rtx_pt = 0;
	}
	if (!out->rtx_payload_type)
		memset(out->layer_rtx_ssrc, 0, sizeof(out->layer_rtx_ssrc));
	out->nack = cp_ortc_has_fb(s->primary, "nack", "");
	out->pli = cp_ortc_has_fb(s->primary, "nack", "pli");
	out->fir = cp_ortc_has_fb(s->primary, "ccm", "fir");
	return 0;
}

const char *cp_ortc_producer_type(const struct cp_ortc_producer *p)
{
	if (p->n_layers > 1)
		return "simulcast";
	const json_t *enc = json_array_get(json_object_get(p->consumable, "encodings"), 0);
	uint8_t spatial = 1;
	mode_layers(enc, &spatial);
	return spatial > 1 ? "svc" : "simple";
}

/* Header extension ids (producer's and the router's), unique ids. */
static int map_exts(struct pparse *s, struct cp_ortc_producer *out)
{
	json_t *exts = json_object_get(s->params, "headerExtensions"), *e;
	uint8_t seen[256] = { 0 };
	size_t i;

	json_array_foreach(exts, i, e) {
		int id = (int)cp_ortc_get_int(e, "id", 0);
		const char *uri = cp_ortc_get_str(e, "uri", "");
		if (id < 1 || id > 255)
			return cp_ortc_errf(s->err, s->errlen, -EINVAL, "invalid ext.id");
		if (seen[id])
			return cp_ortc_errf(s->err, s->errlen, -EINVAL,
					    "duplicated header extension id %d", id);
		seen[id] = 1;
		uint8_t *slot = ext_slot(&out->ext, uri);
		if (slot && !*slot) {
			*slot = (uint8_t)id;
			*ext_slot(&out->router_ext, uri) = cp_ortc_router_ext_id(s->kind, uri);
		}
	}
	out->tcc = out->ext.transport_cc && cp_ortc_has_fb(s->primary, "transport-cc", "");
	return 0;
}

static void pick_cname(const struct pparse *s, struct cp_ortc_producer *out)
{
	const char *cname = cp_ortc_get_str(json_object_get(s->params, "rtcp"), "cname", "");

	if (*cname && strlen(cname) < sizeof(out->cname))
		snprintf(out->cname, sizeof(out->cname), "%s", cname);
	else
		snprintf(out->cname, sizeof(out->cname), "sluice-%08x", (unsigned int)out->ssrc);
}

/* Deep copy of src[skey] into dst[dkey] when present. */
static int copy_member(json_t *dst, const char *dkey, const json_t *src, const char *skey)
{
	const json_t *v = json_object_get(src, skey);
	if (!v)
		return 0;
	return json_object_set_new(dst, dkey, json_deep_copy(v));
}

/* A consumable codec: the router's codec with the given parameters. */
static json_t *consumable_codec(const json_t *cap, const json_t *params)
{
	json_t *o = json_object();
	int bad = copy_member(o, "mimeType", cap, "mimeType");

	bad |= copy_member(o, "payloadType", cap, "preferredPayloadType");
	bad |= copy_member(o, "clockRate", cap, "clockRate");
	bad |= copy_member(o, "channels", cap, "channels");
	bad |= json_object_set_new(o, "parameters", json_deep_copy(params));
	bad |= copy_member(o, "rtcpFeedback", cap, "rtcpFeedback");
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int consumable_codecs(const struct pparse *s, json_t *out)
{
	json_t *caps_codecs = json_object_get(s->caps, "codecs");
	int bad = 0;

	for (size_t i = 0; i < s->n_codecs; i++) {
		const json_t *codec = codec_at(s, i), *cc;
		size_t j;
		bool dup = false;
		if (cp_ortc_is_rtx(codec))
			continue;
		const json_t *cap = s->cap_of[i];
		for (j = 0; j < i; j++)
			dup |= !cp_ortc_is_rtx(codec_at(s, j)) && s->cap_of[j] == cap;
		if (dup) /* unlike mediasoup: no duplicated payload type for consumers */
			continue;
		bad |= json_array_append_new(
			out, consumable_codec(cap, json_object_get(codec, "parameters")));
		json_array_foreach(caps_codecs, j, cc) {
			if (cp_ortc_is_rtx(cc) && codec_apt(cc) == cap_pt(cap)) {
				bad |= json_array_append_new(
					out, consumable_codec(cc, json_object_get(cc, "parameters")));
				break;
			}
		}
	}
	return bad;
}

/* The router's extensions of this kind that consumers may receive. */
static int consumable_exts(const struct pparse *s, json_t *out)
{
	const json_t *e;
	size_t i;
	int bad = 0;

	json_array_foreach(json_object_get(s->caps, "headerExtensions"), i, e) {
		const char *dir = cp_ortc_get_str(e, "direction", "");
		if (strcmp(cp_ortc_get_str(e, "kind", ""), s->kind_str) != 0 ||
		    (strcmp(dir, "sendrecv") != 0 && strcmp(dir, "sendonly") != 0))
			continue;
		json_t *o = json_object();
		bad |= copy_member(o, "uri", e, "uri");
		bad |= copy_member(o, "id", e, "preferredId");
		bad |= copy_member(o, "encrypt", e, "preferredEncrypt");
		bad |= json_object_set_new(o, "parameters", json_object());
		bad |= json_array_append_new(out, o);
	}
	return bad;
}

/* Encodings without rid/rtx/codecPayloadType, ssrc = the producer's (where
 * mediasoup puts a random "mapped" ssrc that clients never see). */
static int consumable_encodings(const struct pparse *s, const struct cp_ortc_producer *p,
				json_t *out)
{
	const json_t *e;
	size_t i;
	int bad = 0;

	json_array_foreach(json_object_get(s->params, "encodings"), i, e) {
		json_t *c = json_deep_copy(e);
		json_object_del(c, "rid");
		json_object_del(c, "rtx");
		json_object_del(c, "codecPayloadType");
		bad |= json_object_set_new(c, "ssrc", json_integer(p->layer_ssrc[i]));
		bad |= json_array_append_new(out, c);
	}
	return bad;
}

static json_t *build_consumable(const struct pparse *s, const struct cp_ortc_producer *p)
{
	json_t *o = json_object(), *codecs = json_array(), *exts = json_array();
	json_t *encs = json_array(), *rtcp = json_object();
	int bad = consumable_codecs(s, codecs);

	bad |= consumable_exts(s, exts);
	bad |= consumable_encodings(s, p, encs);
	bad |= json_object_set_new(rtcp, "cname", json_string(p->cname));
	bad |= json_object_set_new(rtcp, "reducedSize", json_true());
	bad |= json_object_set_new(o, "codecs", codecs);
	bad |= json_object_set_new(o, "headerExtensions", exts);
	bad |= json_object_set_new(o, "encodings", encs);
	bad |= json_object_set_new(o, "rtcp", rtcp);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int parse_steps(struct pparse *s, struct cp_ortc_producer *out)
{
	int r;

	if ((r = check_codecs(s)) || (r = map_media_codecs(s)) || (r = map_rtx_codecs(s)))
		return r;
	fill_pt_map(s, out);
	if ((r = pick_encoding(s, out)) || (r = map_exts(s, out)))
		return r;
	pick_cname(s, out);
	out->consumable = build_consumable(s, out);
	if (!out->consumable)
		return cp_ortc_errf(s->err, s->errlen, -ENOMEM, "out of memory");
	return 0;
}

int cp_ortc_producer_parse(const char *kind, const json_t *rtp_parameters,
			   struct cp_ortc_producer *out, char *err, size_t errlen)
{
	struct pparse s = { .err = err, .errlen = errlen };
	int r;

	memset(out, 0, sizeof(*out));
	if (kind && strcmp(kind, "audio") == 0)
		s.kind = SL_KIND_AUDIO;
	else if (kind && strcmp(kind, "video") == 0)
		s.kind = SL_KIND_VIDEO;
	else
		return cp_ortc_errf(err, errlen, -EINVAL, "invalid kind \"%s\"", kind ? kind : "");
	s.kind_str = kind;
	out->kind = s.kind;
	s.params = cp_ortc_norm_params(rtp_parameters, &r, err, errlen);
	if (!s.params)
		return r;
	s.caps = cp_ortc_router_caps();
	if (!s.caps)
		r = cp_ortc_errf(err, errlen, -ENOMEM, "out of memory");
	else
		r = parse_steps(&s, out);
	json_decref(s.params);
	json_decref(s.caps);
	if (r)
		cp_ortc_producer_clear(out);
	return r;
}

void cp_ortc_producer_clear(struct cp_ortc_producer *p)
{
	if (!p)
		return;
	json_decref(p->consumable);
	memset(p, 0, sizeof(*p));
}

void cp_ortc_producer_to_msg(const struct cp_ortc_producer *p, uint32_t producer_id,
			     struct sl_msg_producer_add *m)
{
	memset(m, 0, sizeof(*m));
	m->producer_id = producer_id;
	m->ssrc = p->ssrc;
	m->rtx_ssrc = p->rtx_ssrc;
	m->kind = p->kind;
	m->payload_type = p->payload_type;
	m->rtx_payload_type = p->rtx_payload_type;
	m->n_pt = p->n_pt;
	for (unsigned int i = 0; i < p->n_pt && i < SL_PT_MAP_MAX; i++)
		m->pts[i] = p->pt_map[i].producer_pt;
	m->clock_rate = p->clock_rate;
	m->ext = p->ext;
	m->nack = p->nack;
	m->pli = p->pli;
	m->fir = p->fir;
	m->tcc = p->tcc;
	m->codec = p->codec;
	if (p->n_layers > 1) {
		m->n_layers = p->n_layers;
		for (unsigned int i = 0; i < p->n_layers && i < SL_SIM_LAYERS_MAX; i++) {
			m->layer_ssrc[i] = p->layer_ssrc[i];
			m->layer_rtx_ssrc[i] = p->layer_rtx_ssrc[i];
		}
	}
}
