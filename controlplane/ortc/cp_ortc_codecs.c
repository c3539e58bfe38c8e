/* SPDX-License-Identifier: MIT */
/*
 * cp_ortc_codecs.c - the router's codecs and how codecs match.
 *
 * Router capabilities are generated the way mediasoup's
 * generateRouterRtpCapabilities() does from a list of media codecs: each
 * codec takes mediasoup's supported rtcpFeedback, parameters are the
 * supported ones overlaid with ours, payload types come from the dynamic
 * list (100..127, then 96..99) in order, and every video codec is followed
 * by a video/rtx codec whose apt names it.
 *
 * Matching is mediasoup's matchCodecs(), with the H264 profile-level-id
 * rules of RFC 6184 section 8.1 that mediasoup takes from its
 * h264-profile-level-id package (itself WebRTC's): profiles are recognized
 * from profile_idc plus a bit pattern of profile_iop, a missing
 * profile-level-id means Constrained Baseline level 3.1, and the answer's
 * level is the local one when both sides allow level asymmetry, else the
 * lower of the two.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cp_ortc.h"
#include "cp_ortc_int.h"

/* ------------------------------------------------------------------ */
/* Router capabilities                                                 */
/* ------------------------------------------------------------------ */

struct rc_param {
	const char *key;
	const char *str; /* NULL: the value is num */
	int num;
};

struct rc_codec {
	const char *mime;
	uint32_t clock_rate;
	uint8_t channels; /* audio only */
	struct rc_param params[4];
};

/* Order matters: it is the order of preference clients see, and it decides
 * the payload types. */
static const struct rc_codec router_media_codecs[] = {
	{ "audio/opus", 48000, 2, { { "useinbandfec", NULL, 1 }, { "usedtx", NULL, 1 } } },
	{ "video/VP8", 90000, 0, { { "x-google-start-bitrate", NULL, 1000 } } },
	{ "video/VP9", 90000, 0,
	  { { "profile-id", NULL, 0 }, { "x-google-start-bitrate", NULL, 1000 } } },
	{ "video/H264", 90000, 0,
	  { { "level-asymmetry-allowed", NULL, 1 },
	    { "packetization-mode", NULL, 1 },
	    { "profile-level-id", "42e01f", 0 },
	    { "x-google-start-bitrate", NULL, 1000 } } },
	{ "video/H264", 90000, 0,
	  { { "level-asymmetry-allowed", NULL, 1 },
	    { "packetization-mode", NULL, 1 },
	    { "profile-level-id", "4d0032", 0 },
	    { "x-google-start-bitrate", NULL, 1000 } } },
};

/* mediasoup's order of dynamic payload types. */
static const uint8_t dynamic_pts[] = {
	100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115,
	116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 96,	 97,  98,  99,
};

struct rc_ext {
	uint8_t kind; /* enum sl_media_kind */
	uint8_t id;
	const char *uri;
	const char *direction;
};

/* mediasoup's supported header extensions that struct sl_ext_ids covers,
 * with mediasoup's ids and directions (audio transport-cc: receive only). */
static const struct rc_ext router_exts[] = {
	{ SL_KIND_AUDIO, 1, CP_ORTC_URI_MID, "sendrecv" },
	{ SL_KIND_VIDEO, 1, CP_ORTC_URI_MID, "sendrecv" },
	{ SL_KIND_VIDEO, 2, CP_ORTC_URI_RID, "recvonly" },
	{ SL_KIND_VIDEO, 3, CP_ORTC_URI_RRID, "recvonly" },
	{ SL_KIND_AUDIO, 4, CP_ORTC_URI_ABS_SEND_TIME, "sendrecv" },
	{ SL_KIND_VIDEO, 4, CP_ORTC_URI_ABS_SEND_TIME, "sendrecv" },
	{ SL_KIND_AUDIO, 5, CP_ORTC_URI_TCC, "recvonly" },
	{ SL_KIND_VIDEO, 5, CP_ORTC_URI_TCC, "sendrecv" },
	{ SL_KIND_AUDIO, 10, CP_ORTC_URI_AUDIO_LEVEL, "sendrecv" },
	{ SL_KIND_VIDEO, 11, CP_ORTC_URI_VIDEO_ORIENTATION, "sendrecv" },
	{ SL_KIND_VIDEO, 12, CP_ORTC_URI_TOFFSET, "sendrecv" },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

uint8_t cp_ortc_router_ext_id(uint8_t kind, const char *uri)
{
	for (size_t i = 0; i < N_ELEMS(router_exts); i++)
		if (router_exts[i].kind == kind && strcmp(router_exts[i].uri, uri) == 0)
			return router_exts[i].id;
	return 0;
}

static json_t *feedback(const char *type, const char *param)
{
	json_t *fb = json_object();
	int bad = json_object_set_new(fb, "type", json_string(type));
	bad |= json_object_set_new(fb, "parameter", json_string(param));
	if (bad) {
		json_decref(fb);
		return NULL;
	}
	return fb;
}

/* mediasoup's supported rtcpFeedback of opus and of the video codecs. */
static json_t *feedback_list(bool video)
{
	json_t *a = json_array();
	int bad = json_array_append_new(a, feedback("nack", ""));
	if (video) {
		bad |= json_array_append_new(a, feedback("nack", "pli"));
		bad |= json_array_append_new(a, feedback("ccm", "fir"));
		bad |= json_array_append_new(a, feedback("goog-remb", ""));
	}
	bad |= json_array_append_new(a, feedback("transport-cc", ""));
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *codec_parameters(const struct rc_codec *c)
{
	json_t *o = json_object();
	int bad = 0;

	for (size_t i = 0; i < N_ELEMS(c->params) && c->params[i].key; i++) {
		const struct rc_param *p = &c->params[i];
		bad |= json_object_set_new(o, p->key,
					   p->str ? json_string(p->str) : json_integer(p->num));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *media_codec(const struct rc_codec *c, int pt)
{
	bool video = strncmp(c->mime, "video/", 6) == 0;
	json_t *o = json_object();
	int bad = json_object_set_new(o, "kind", json_string(video ? "video" : "audio"));

	bad |= json_object_set_new(o, "mimeType", json_string(c->mime));
	bad |= json_object_set_new(o, "preferredPayloadType", json_integer(pt));
	bad |= json_object_set_new(o, "clockRate", json_integer(c->clock_rate));
	if (!video)
		bad |= json_object_set_new(o, "channels", json_integer(c->channels));
	bad |= json_object_set_new(o, "parameters", codec_parameters(c));
	bad |= json_object_set_new(o, "rtcpFeedback", feedback_list(video));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *rtx_codec(int pt, int apt, uint32_t clock_rate)
{
	json_t *o = json_object();
	json_t *params = json_object();
	int bad = json_object_set_new(params, "apt", json_integer(apt));

	bad |= json_object_set_new(o, "kind", json_string("video"));
	bad |= json_object_set_new(o, "mimeType", json_string("video/rtx"));
	bad |= json_object_set_new(o, "preferredPayloadType", json_integer(pt));
	bad |= json_object_set_new(o, "clockRate", json_integer(clock_rate));
	bad |= json_object_set_new(o, "parameters", params);
	bad |= json_object_set_new(o, "rtcpFeedback", json_array());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *header_extensions(void)
{
	json_t *a = json_array();
	int bad = 0;

	for (size_t i = 0; i < N_ELEMS(router_exts); i++) {
		const struct rc_ext *e = &router_exts[i];
		json_t *o = json_object();
		bad |= json_object_set_new(o, "kind",
					   json_string(e->kind == SL_KIND_AUDIO ? "audio" : "video"));
		bad |= json_object_set_new(o, "uri", json_string(e->uri));
		bad |= json_object_set_new(o, "preferredId", json_integer(e->id));
		bad |= json_object_set_new(o, "preferredEncrypt", json_false());
		bad |= json_object_set_new(o, "direction", json_string(e->direction));
		bad |= json_array_append_new(a, o);
	}
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *cp_ortc_router_caps(void)
{
	json_t *caps = json_object();
	json_t *codecs = json_array();
	size_t next_pt = 0;
	int bad = 0;

	_Static_assert(2 * N_ELEMS(router_media_codecs) <= N_ELEMS(dynamic_pts), "enough PTs");
	for (size_t i = 0; i < N_ELEMS(router_media_codecs); i++) {
		const struct rc_codec *c = &router_media_codecs[i];
		int pt = dynamic_pts[next_pt++];
		bad |= json_array_append_new(codecs, media_codec(c, pt));
		if (strncmp(c->mime, "video/", 6) == 0)
			bad |= json_array_append_new(codecs,
						     rtx_codec(dynamic_pts[next_pt++], pt, c->clock_rate));
	}
	bad |= json_object_set_new(caps, "codecs", codecs);
	bad |= json_object_set_new(caps, "headerExtensions", header_extensions());
	if (bad) {
		json_decref(caps);
		return NULL;
	}
	return caps;
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */
/* ------------------------------------------------------------------ */

enum h264_profile {
	H264_CONSTRAINED_BASELINE = 1,
	H264_BASELINE,
	H264_MAIN,
	H264_CONSTRAINED_HIGH,
	H264_HIGH,
	H264_PREDICTIVE_HIGH_444,
};

#define H264_LEVEL_1B 0 /* level_idc 11 with constraint_set3: below 1.1 */

struct h264_plid {
	int profile;
	int level; /* level_idc, or H264_LEVEL_1B */
};

/* profile_idc and a pattern of profile_iop ('x' = either bit), RFC 6184. */
static const struct {
	unsigned char idc;
	const char *iop;
	int profile;
} h264_patterns[] = {
	{ 0x42, "x1xx0000", H264_CONSTRAINED_BASELINE },
	{ 0x4d, "1xxx0000", H264_CONSTRAINED_BASELINE },
	{ 0x58, "11xx0000", H264_CONSTRAINED_BASELINE },
	{ 0x42, "x0xx0000", H264_BASELINE },
	{ 0x58, "10xx0000", H264_BASELINE },
	{ 0x4d, "0x0x0000", H264_MAIN },
	{ 0x64, "00000000", H264_HIGH },
	{ 0x64, "00001100", H264_CONSTRAINED_HIGH },
	{ 0xf4, "00000000", H264_PREDICTIVE_HIGH_444 },
};

static bool bits_match(const char *pattern, unsigned int byte)
{
	for (int i = 0; i < 8; i++) {
		unsigned int bit = (byte >> (7 - i)) & 1u;
		if ((pattern[i] == '0' && bit) || (pattern[i] == '1' && !bit))
			return false;
	}
	return true;
}

static bool h264_level_known(unsigned int idc)
{
	static const unsigned char levels[] = { 10, 12, 13, 20, 21, 22, 30, 31,
						32, 40, 41, 42, 50, 51, 52 };
	for (size_t i = 0; i < sizeof(levels); i++)
		if (levels[i] == idc)
			return true;
	return false;
}

/* Parses "42e01f"-style strings: exactly 6 hex digits, not all zero. */
static bool h264_parse(const char *s, struct h264_plid *out)
{
	unsigned long v = 0;

	if (strlen(s) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		char c = s[i];
		unsigned int d;
		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		v = (v << 4) | d;
	}
	if (v == 0)
		return false;
	unsigned int level_idc = v & 0xffu, iop = (v >> 8) & 0xffu, idc = (v >> 16) & 0xffu;
	if (level_idc == 11)
		out->level = (iop & 0x10u) ? H264_LEVEL_1B : 11;
	else if (h264_level_known(level_idc))
		out->level = (int)level_idc;
	else
		return false;
	for (size_t i = 0; i < sizeof(h264_patterns) / sizeof(h264_patterns[0]); i++) {
		if (h264_patterns[i].idc == idc && bits_match(h264_patterns[i].iop, iop)) {
			out->profile = h264_patterns[i].profile;
			return true;
		}
	}
	return false;
}

/* From codec parameters: default when profile-level-id is falsy. */
static bool h264_from_params(const json_t *params, struct h264_plid *out)
{
	const json_t *v = json_object_get(params, "profile-level-id");

	if (!cp_ortc_truthy(v)) {
		out->profile = H264_CONSTRAINED_BASELINE;
		out->level = 31;
		return true;
	}
	return json_is_string(v) && h264_parse(json_string_value(v), out);
}

static bool h264_level_asymmetry(const json_t *params)
{
	const json_t *v = json_object_get(params, "level-asymmetry-allowed");

	if (json_is_true(v))
		return true;
	if (json_is_number(v))
		return json_number_value(v) == 1.0;
	return json_is_string(v) && strcmp(json_string_value(v), "1") == 0;
}

static bool h264_level_less(int a, int b)
{
	if (a == H264_LEVEL_1B)
		return b != 10 && b != H264_LEVEL_1B;
	if (b == H264_LEVEL_1B)
		return a != 10;
	return a < b;
}

/* Canonical string of a profile and level; false if there is none. */
static bool h264_to_string(const struct h264_plid *p, char out[7])
{
	static const char *const prefix[] = {
		[H264_CONSTRAINED_BASELINE] = "42e0", [H264_BASELINE] = "4200",
		[H264_MAIN] = "4d00", [H264_CONSTRAINED_HIGH] = "640c",
		[H264_HIGH] = "6400", [H264_PREDICTIVE_HIGH_444] = "f400",
	};

	if (p->level == H264_LEVEL_1B) {
		const char *s = p->profile == H264_CONSTRAINED_BASELINE ? "42f00b"
				: p->profile == H264_BASELINE		? "42100b"
				: p->profile == H264_MAIN		? "4d100b"
									: NULL;
		if (!s)
			return false;
		memcpy(out, s, 7);
		return true;
	}
	if (p->profile < H264_CONSTRAINED_BASELINE || p->profile > H264_PREDICTIVE_HIGH_444)
		return false;
	snprintf(out, 7, "%s%02x", prefix[p->profile], (unsigned int)p->level & 0xffu);
	return true;
}

/*
 * generateProfileLevelIdStringForAnswer(local, remote): 0 with *has and out
 * set, or -1 where the original throws (invalid or different profiles).
 */
static int h264_answer(const json_t *local, const json_t *remote, bool *has, char out[7])
{
	struct h264_plid l, r;

	*has = false;
	if (!cp_ortc_truthy(json_object_get(local, "profile-level-id")) &&
	    !cp_ortc_truthy(json_object_get(remote, "profile-level-id")))
		return 0;
	if (!h264_from_params(local, &l) || !h264_from_params(remote, &r) ||
	    l.profile != r.profile)
		return -1;
	bool asym = h264_level_asymmetry(local) && h264_level_asymmetry(remote);
	struct h264_plid ans = { l.profile, l.level };
	if (!asym)
		ans.level = h264_level_less(l.level, r.level) ? l.level : r.level;
	*has = h264_to_string(&ans, out);
	return 0;
}

/* A parameter value for comparison: numbers and numeric strings compare by
 * value, other strings by content. */
struct pval {
	int kind; /* 0 absent, 1 number, 2 string */
	double num;
	const char *str;
};

static struct pval pval_of(const json_t *v, bool falsy_is_zero)
{
	struct pval p = { 0, 0.0, NULL };

	if (falsy_is_zero && !cp_ortc_truthy(v)) {
		p.kind = 1;
		return p;
	}
	if (json_is_number(v)) {
		p.kind = 1;
		p.num = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end = NULL;
		double d = strtod(s, &end);
		if (*s && end && *end == '\0' && !(*s == ' ' || *s == '\t' || *s == '\n')) {
			p.kind = 1;
			p.num = d;
		} else {
			p.kind = 2;
			p.str = s;
		}
	} else if (v) {
		p.kind = 2; /* never equal to anything but the same text */
		p.str = "\x01";
	}
	return p;
}

static bool pval_eq(struct pval a, struct pval b)
{
	if (a.kind != b.kind)
		return false;
	if (a.kind == 1)
		return a.num == b.num;
	if (a.kind == 2)
		return strcmp(a.str, b.str) == 0;
	return true;
}

static bool param_eq(const json_t *pa, const json_t *pb, const char *key, bool falsy_is_zero)
{
	return pval_eq(pval_of(json_object_get(pa, key), falsy_is_zero),
		       pval_of(json_object_get(pb, key), falsy_is_zero));
}

/* JavaScript === for numbers/strings, undefined === undefined. */
static bool js_same(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return !a && !b;
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b)) == 0;
	return json_equal((json_t *)a, (json_t *)b);
}

static int match_h264(json_t *a, const json_t *b, bool modify)
{
	json_t *pa = json_object_get(a, "parameters");
	const json_t *pb = json_object_get(b, "parameters");
	struct h264_plid x, y;
	bool has;
	char ans[7];

	if (!param_eq(pa, pb, "packetization-mode", true))
		return 0;
	if (!h264_from_params(pa, &x) || !h264_from_params(pb, &y) || x.profile != y.profile)
		return 0;
	if (h264_answer(pa, pb, &has, ans) < 0)
		return 0;
	if (modify && json_is_object(pa)) {
		if (has) {
			if (json_object_set_new(pa, "profile-level-id", json_string(ans)))
				return -ENOMEM;
		} else {
			json_object_del(pa, "profile-level-id");
		}
	}
	return 1;
}

int cp_ortc_match_codecs(json_t *a, const json_t *b, bool strict, bool modify)
{
	const char *ma = cp_ortc_get_str(a, "mimeType", "");
	const char *mb = cp_ortc_get_str(b, "mimeType", "");

	if (strcasecmp(ma, mb) != 0)
		return 0;
	if (!js_same(json_object_get(a, "clockRate"), json_object_get(b, "clockRate")))
		return 0;
	if (!js_same(json_object_get(a, "channels"), json_object_get(b, "channels")))
		return 0;

	const json_t *pa = json_object_get(a, "parameters");
	const json_t *pb = json_object_get(b, "parameters");
	if (strcasecmp(ma, "audio/multiopus") == 0) {
		if (!param_eq(pa, pb, "num_streams", false) ||
		    !param_eq(pa, pb, "coupled_streams", false))
			return 0;
	} else if (strcasecmp(ma, "video/h264") == 0 || strcasecmp(ma, "video/h264-svc") == 0) {
		if (strict)
			return match_h264(a, b, modify);
	} else if (strcasecmp(ma, "video/vp9") == 0) {
		if (strict && !param_eq(pa, pb, "profile-id", true))
			return 0;
	}
	return 1;
}
