/* SPDX-License-Identifier: MIT */
/*
 * cp_ortc_norm.c - validation and normalization of RtpParameters and
 * RtpCapabilities, following the rules of mediasoup's validateRtpParameters()
 * and validateRtpCapabilities() (see cp_ortc.h for where we are stricter).
 *
 * JavaScript semantics are kept where they decide what is accepted: an
 * optional member that is "falsy" (absent, null, false, 0, "") counts as
 * absent, and `typeof x === 'number'` accepts integers and reals alike.
 * The input is never touched: we work on a deep copy and return it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_ortc_int.h"

/* Error state of one normalization. */
struct nctx {
	char *err;
	size_t errlen;
	int code;
};

int cp_ortc_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

__attribute__((format(printf, 3, 4))) static int fail(struct nctx *x, int code,
						       const char *fmt, ...)
{
	if (x->err && x->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	x->code = code;
	return code;
}

static int nomem(struct nctx *x)
{
	return fail(x, -ENOMEM, "out of memory");
}

bool cp_ortc_truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_STRING:
		return json_string_length(v) != 0;
	default:
		return true;
	}
}

bool cp_ortc_int_in(const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t x;

	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= (double)min && d <= (double)max) || d != floor(d))
			return false;
		x = (int64_t)d;
	} else {
		return false;
	}
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

int64_t cp_ortc_get_int(const json_t *obj, const char *key, int64_t dflt)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

const char *cp_ortc_get_str(const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

bool cp_ortc_has_fb(const json_t *codec, const char *type, const char *param)
{
	const json_t *fb;
	size_t i;

	json_array_foreach(json_object_get(codec, "rtcpFeedback"), i, fb) {
		if (strcmp(cp_ortc_get_str(fb, "type", ""), type) == 0 &&
		    strcmp(cp_ortc_get_str(fb, "parameter", ""), param) == 0)
			return true;
	}
	return false;
}

/* Replaces obj[key] (a number) by the json integer of the same value. */
static int int_field(json_t *obj, const char *key, int64_t min, int64_t max)
{
	int64_t val;

	if (!cp_ortc_int_in(json_object_get(obj, key), min, max, &val))
		return -EINVAL;
	if (json_is_integer(json_object_get(obj, key)))
		return 0;
	return json_object_set_new(obj, key, json_integer(val)) ? -ENOMEM : 0;
}

/* Normalizes an optional number member: falsy = absent; else a number in
 * range, made an integer. */
static int opt_int_field(struct nctx *x, json_t *obj, const char *key, int64_t min,
			 int64_t max, const char *what)
{
	json_t *v = json_object_get(obj, key);

	if (!cp_ortc_truthy(v))
		return 0;
	if (!json_is_number(v))
		return fail(x, -EINVAL, "invalid %s", what);
	int r = int_field(obj, key, min, max);
	if (r == -ENOMEM)
		return nomem(x);
	return r ? fail(x, -EINVAL, "invalid %s", what) : 0;
}

static int set_new(struct nctx *x, json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v) ? nomem(x) : 0;
}

static bool line_terminator_at(const char *s, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[i] == '\n' || u[i] == '\r')
		return true;
	/* U+2028 / U+2029 as UTF-8: E2 80 A8 / E2 80 A9 */
	return u[i] == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9);
}

/* /^(audio|video)\/(.+)/i: sets *kind to "audio" or "video". */
static bool mime_kind(const char *mime, const char **kind)
{
	if (strncasecmp(mime, "audio/", 6) == 0)
		*kind = "audio";
	else if (strncasecmp(mime, "video/", 6) == 0)
		*kind = "video";
	else
		return false;
	return mime[6] != '\0' && !line_terminator_at(mime, 6);
}

bool cp_ortc_is_rtx(const json_t *codec)
{
	const char *mime = cp_ortc_get_str(codec, "mimeType", "");
	size_t n = strlen(mime);

	if (n < 5 || strcasecmp(mime + n - 4, "/rtx") != 0)
		return false;
	/* the character before "/rtx" must not be a line terminator */
	if (mime[n - 5] == '\n' || mime[n - 5] == '\r')
		return false;
	if (n >= 7 && (unsigned char)mime[n - 7] == 0xe2 && (unsigned char)mime[n - 6] == 0x80 &&
	    ((unsigned char)mime[n - 5] == 0xa8 || (unsigned char)mime[n - 5] == 0xa9))
		return false;
	return true;
}

static int norm_feedback(struct nctx *x, json_t *codec)
{
	json_t *fbs = json_object_get(codec, "rtcpFeedback");
	size_t i;
	json_t *fb;

	if (!cp_ortc_truthy(fbs) || !json_is_array(fbs)) {
		fbs = json_array();
		if (!fbs || set_new(x, codec, "rtcpFeedback", fbs))
			return nomem(x);
	}
	json_array_foreach(fbs, i, fb) {
		if (!json_is_object(fb))
			return fail(x, -EINVAL, "rtcpFeedback[%zu] is not an object", i);
		json_t *type = json_object_get(fb, "type");
		if (!cp_ortc_truthy(type) || !json_is_string(type))
			return fail(x, -EINVAL, "missing fb.type");
		json_t *param = json_object_get(fb, "parameter");
		if (!cp_ortc_truthy(param) || !json_is_string(param)) {
			if (set_new(x, fb, "parameter", json_string("")))
				return x->code;
		}
	}
	return 0;
}

/* parameters: an object whose values are strings or numbers; apt a number
 * (with strict_apt: an integer PT). */
static int norm_codec_parameters(struct nctx *x, json_t *codec, bool strict_apt)
{
	json_t *params = json_object_get(codec, "parameters");
	const char *key;
	json_t *val;

	if (!cp_ortc_truthy(params) || !json_is_object(params)) {
		params = json_object();
		if (!params || set_new(x, codec, "parameters", params))
			return nomem(x);
	}
	json_object_foreach(params, key, val) {
		if (!json_is_string(val) && !json_is_number(val))
			return fail(x, -EINVAL, "invalid codec parameter [key:%s]", key);
		if (strcmp(key, "apt") == 0 && !json_is_number(val))
			return fail(x, -EINVAL, "invalid codec apt parameter");
	}
	if (strict_apt && json_object_get(params, "apt")) {
		int r = int_field(params, "apt", 0, 127);
		if (r == -ENOMEM)
			return nomem(x);
		if (r)
			return fail(x, -EINVAL, "invalid codec apt parameter");
	}
	return 0;
}

/* A codec of RtpParameters (cap = false) or of RtpCapabilities (cap = true). */
static int norm_codec(struct nctx *x, json_t *codec, bool cap, size_t idx)
{
	const char *kind;

	if (!json_is_object(codec))
		return fail(x, -EINVAL, "codecs[%zu] is not an object", idx);
	json_t *mime = json_object_get(codec, "mimeType");
	if (!cp_ortc_truthy(mime) || !json_is_string(mime))
		return fail(x, -EINVAL, "missing codec.mimeType (codecs[%zu])", idx);
	if (!mime_kind(json_string_value(mime), &kind))
		return fail(x, -EINVAL, "invalid codec.mimeType (codecs[%zu])", idx);
	if (cap) {
		if (set_new(x, codec, "kind", json_string(kind)))
			return x->code;
		json_t *ppt = json_object_get(codec, "preferredPayloadType");
		if (cp_ortc_truthy(ppt) && !json_is_number(ppt))
			return fail(x, -EINVAL, "invalid codec.preferredPayloadType");
	} else {
		if (!json_is_number(json_object_get(codec, "payloadType")))
			return fail(x, -EINVAL, "missing codec.payloadType (codecs[%zu])", idx);
		int r = int_field(codec, "payloadType", 0, 127);
		if (r)
			return r == -ENOMEM ? nomem(x)
					    : fail(x, -EINVAL, "invalid codec.payloadType (codecs[%zu])", idx);
	}
	if (!json_is_number(json_object_get(codec, "clockRate")))
		return fail(x, -EINVAL, "missing codec.clockRate (codecs[%zu])", idx);
	if (!cap) {
		int r = int_field(codec, "clockRate", 1, UINT32_MAX);
		if (r)
			return r == -ENOMEM ? nomem(x)
					    : fail(x, -EINVAL, "invalid codec.clockRate (codecs[%zu])", idx);
	}
	if (strcmp(kind, "audio") == 0) {
		if (!json_is_number(json_object_get(codec, "channels"))) {
			if (set_new(x, codec, "channels", json_integer(1)))
				return x->code;
		} else if (!cap) {
			int r = int_field(codec, "channels", 1, 255);
			if (r)
				return r == -ENOMEM ? nomem(x)
						    : fail(x, -EINVAL, "invalid codec.channels");
		}
	} else {
		json_object_del(codec, "channels");
	}
	if (norm_codec_parameters(x, codec, !cap))
		return x->code;
	return norm_feedback(x, codec);
}

/* Values of an extension's parameters: strings or numbers. */
static int norm_ext_parameters(struct nctx *x, json_t *ext)
{
	json_t *params = json_object_get(ext, "parameters");
	const char *key;
	json_t *val;

	if (!cp_ortc_truthy(params) || !json_is_object(params)) {
		params = json_object();
		if (!params || set_new(x, ext, "parameters", params))
			return nomem(x);
	}
	json_object_foreach(params, key, val) {
		if (!json_is_string(val) && !json_is_number(val))
			return fail(x, -EINVAL, "invalid header extension parameter");
	}
	return 0;
}

/* A RtpHeaderExtensionParameters (of RtpParameters). */
static int norm_ext_param(struct nctx *x, json_t *ext, size_t idx)
{
	if (!json_is_object(ext))
		return fail(x, -EINVAL, "headerExtensions[%zu] is not an object", idx);
	json_t *uri = json_object_get(ext, "uri");
	if (!cp_ortc_truthy(uri) || !json_is_string(uri))
		return fail(x, -EINVAL, "missing ext.uri (headerExtensions[%zu])", idx);
	if (!json_is_number(json_object_get(ext, "id")))
		return fail(x, -EINVAL, "missing ext.id (headerExtensions[%zu])", idx);
	int r = int_field(ext, "id", 1, 255);
	if (r)
		return r == -ENOMEM ? nomem(x)
				    : fail(x, -EINVAL, "invalid ext.id (headerExtensions[%zu])", idx);
	json_t *enc = json_object_get(ext, "encrypt");
	if (cp_ortc_truthy(enc) && !json_is_boolean(enc))
		return fail(x, -EINVAL, "invalid ext.encrypt");
	if (!cp_ortc_truthy(enc) && set_new(x, ext, "encrypt", json_false()))
		return x->code;
	return norm_ext_parameters(x, ext);
}

/* A RtpHeaderExtension (of RtpCapabilities). */
static int norm_cap_ext(struct nctx *x, json_t *ext, size_t idx)
{
	if (!json_is_object(ext))
		return fail(x, -EINVAL, "headerExtensions[%zu] is not an object", idx);
	const char *kind = cp_ortc_get_str(ext, "kind", "");
	if (strcmp(kind, "audio") != 0 && strcmp(kind, "video") != 0)
		return fail(x, -EINVAL, "invalid ext.kind (headerExtensions[%zu])", idx);
	json_t *uri = json_object_get(ext, "uri");
	if (!cp_ortc_truthy(uri) || !json_is_string(uri))
		return fail(x, -EINVAL, "missing ext.uri (headerExtensions[%zu])", idx);
	if (!json_is_number(json_object_get(ext, "preferredId")))
		return fail(x, -EINVAL, "missing ext.preferredId (headerExtensions[%zu])", idx);
	json_t *enc = json_object_get(ext, "preferredEncrypt");
	if (cp_ortc_truthy(enc) && !json_is_boolean(enc))
		return fail(x, -EINVAL, "invalid ext.preferredEncrypt");
	if (!cp_ortc_truthy(enc) && set_new(x, ext, "preferredEncrypt", json_false()))
		return x->code;
	json_t *dir = json_object_get(ext, "direction");
	if (cp_ortc_truthy(dir) && !json_is_string(dir))
		return fail(x, -EINVAL, "invalid ext.direction");
	if (!cp_ortc_truthy(dir) && set_new(x, ext, "direction", json_string("sendrecv")))
		return x->code;
	return 0;
}

static int norm_encoding(struct nctx *x, json_t *enc, size_t idx)
{
	if (!json_is_object(enc))
		return fail(x, -EINVAL, "encodings[%zu] is not an object", idx);
	if (opt_int_field(x, enc, "ssrc", 0, UINT32_MAX, "encoding.ssrc"))
		return x->code;
	json_t *rid = json_object_get(enc, "rid");
	if (cp_ortc_truthy(rid) && !json_is_string(rid))
		return fail(x, -EINVAL, "invalid encoding.rid");
	json_t *rtx = json_object_get(enc, "rtx");
	if (cp_ortc_truthy(rtx)) {
		if (!json_is_object(rtx))
			return fail(x, -EINVAL, "invalid encoding.rtx");
		if (!json_is_number(json_object_get(rtx, "ssrc")))
			return fail(x, -EINVAL, "missing encoding.rtx.ssrc");
		int r = int_field(rtx, "ssrc", 0, UINT32_MAX);
		if (r)
			return r == -ENOMEM ? nomem(x) : fail(x, -EINVAL, "invalid encoding.rtx.ssrc");
	}
	json_t *dtx = json_object_get(enc, "dtx");
	if ((!cp_ortc_truthy(dtx) || !json_is_boolean(dtx)) &&
	    set_new(x, enc, "dtx", json_false()))
		return x->code;
	json_t *sm = json_object_get(enc, "scalabilityMode");
	if (cp_ortc_truthy(sm) && !json_is_string(sm))
		return fail(x, -EINVAL, "invalid encoding.scalabilityMode");
	json_t *mb = json_object_get(enc, "maxBitrate");
	if (mb && !json_is_null(mb) && (!json_is_number(mb) || json_number_value(mb) < 0))
		return fail(x, -EINVAL, "invalid encoding.maxBitrate");
	if (opt_int_field(x, enc, "codecPayloadType", 0, 127, "encoding.codecPayloadType"))
		return x->code;
	return 0;
}

static int norm_rtcp(struct nctx *x, json_t *params)
{
	json_t *rtcp = json_object_get(params, "rtcp");

	if (cp_ortc_truthy(rtcp) && !json_is_object(rtcp))
		return fail(x, -EINVAL, "params.rtcp is not an object");
	if (!cp_ortc_truthy(rtcp)) {
		rtcp = json_object();
		if (!rtcp || set_new(x, params, "rtcp", rtcp))
			return nomem(x);
	}
	json_t *cname = json_object_get(rtcp, "cname");
	if (cp_ortc_truthy(cname) && !json_is_string(cname))
		return fail(x, -EINVAL, "invalid rtcp.cname");
	json_t *rs = json_object_get(rtcp, "reducedSize");
	if ((!cp_ortc_truthy(rs) || !json_is_boolean(rs)) &&
	    set_new(x, rtcp, "reducedSize", json_true()))
		return x->code;
	return 0;
}

/* An optional array member: falsy = [], else must be an array. Returns it. */
static json_t *opt_array(struct nctx *x, json_t *obj, const char *key, const char *what)
{
	json_t *a = json_object_get(obj, key);

	if (cp_ortc_truthy(a) && !json_is_array(a)) {
		fail(x, -EINVAL, "%s is not an array", what);
		return NULL;
	}
	if (!cp_ortc_truthy(a)) {
		a = json_array();
		if (!a || set_new(x, obj, key, a)) {
			nomem(x);
			return NULL;
		}
	}
	return a;
}

static int norm_params_in(struct nctx *x, json_t *p)
{
	json_t *arr, *v;
	size_t i;

	json_t *mid = json_object_get(p, "mid");
	if (cp_ortc_truthy(mid) && !json_is_string(mid))
		return fail(x, -EINVAL, "params.mid is not a string");
	arr = json_object_get(p, "codecs");
	if (!json_is_array(arr))
		return fail(x, -EINVAL, "missing params.codecs");
	json_array_foreach(arr, i, v) {
		if (norm_codec(x, v, false, i))
			return x->code;
	}
	if (!(arr = opt_array(x, p, "headerExtensions", "params.headerExtensions")))
		return x->code;
	json_array_foreach(arr, i, v) {
		if (norm_ext_param(x, v, i))
			return x->code;
	}
	if (!(arr = opt_array(x, p, "encodings", "params.encodings")))
		return x->code;
	json_array_foreach(arr, i, v) {
		if (norm_encoding(x, v, i))
			return x->code;
	}
	return norm_rtcp(x, p);
}

json_t *cp_ortc_norm_params(const json_t *params, int *code, char *err, size_t errlen)
{
	struct nctx x = { err, errlen, 0 };

	if (!json_is_object(params)) {
		*code = fail(&x, -EINVAL, "rtpParameters is not an object");
		return NULL;
	}
	json_t *p = json_deep_copy(params);
	if (!p) {
		*code = nomem(&x);
		return NULL;
	}
	if (norm_params_in(&x, p)) {
		json_decref(p);
		*code = x.code;
		return NULL;
	}
	*code = 0;
	return p;
}

static int norm_caps_in(struct nctx *x, json_t *c)
{
	json_t *arr, *v;
	size_t i;

	if (!(arr = opt_array(x, c, "codecs", "caps.codecs")))
		return x->code;
	json_array_foreach(arr, i, v) {
		if (norm_codec(x, v, true, i))
			return x->code;
	}
	if (!(arr = opt_array(x, c, "headerExtensions", "caps.headerExtensions")))
		return x->code;
	json_array_foreach(arr, i, v) {
		if (norm_cap_ext(x, v, i))
			return x->code;
	}
	return 0;
}

json_t *cp_ortc_norm_caps(const json_t *caps, int *code, char *err, size_t errlen)
{
	struct nctx x = { err, errlen, 0 };

	if (!json_is_object(caps)) {
		*code = fail(&x, -EINVAL, "caps is not an object");
		return NULL;
	}
	json_t *c = json_deep_copy(caps);
	if (!c) {
		*code = nomem(&x);
		return NULL;
	}
	if (norm_caps_in(&x, c)) {
		json_decref(c);
		*code = x.code;
		return NULL;
	}
	*code = 0;
	return c;
}
