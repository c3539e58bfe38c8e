/* SPDX-License-Identifier: MIT */
/*
 * test_ortc.c - unit tests of controlplane/ortc: the router capabilities,
 * producer parsing (Chrome-like parameters accepted and mapped, malformed or
 * unsupported ones refused with a message) and consumer parameters.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_ortc.h"

static int failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                               \
			failures++;                                                   \
		}                                                                     \
	} while (0)

#define CHECK_INT(a, b)                                                                \
	do {                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                    \
		if (a_ != b_) {                                                        \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, \
				__LINE__, #a, a_, b_);                                 \
			failures++;                                                    \
		}                                                                      \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *a_ = (a), *b_ = (b);                                          \
		if (!a_ || strcmp(a_, b_) != 0) {                                         \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, #a, a_ ? a_ : "(null)", b_);                    \
			failures++;                                                       \
		}                                                                         \
	} while (0)

/* JSON from a literal written with ' for " (test data only). */
static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_error_t e;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	json_t *j = json_loads(s, 0, &e);
	if (!j) {
		fprintf(stderr, "bad test JSON (%s): %s\n", e.text, s);
		abort();
	}
	free(s);
	return j;
}

static json_t *at(const json_t *o, const char *path)
{
	/* "codecs.0.parameters.apt"-style path */
	char buf[256], *save = NULL;
	json_t *cur = (json_t *)o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(t, NULL, 10));
		else
			cur = json_object_get(cur, t);
	}
	return cur;
}

static long long iat(const json_t *o, const char *path)
{
	json_t *v = at(o, path);
	return json_is_integer(v) ? json_integer_value(v) : -999;
}

static const char *sat(const json_t *o, const char *path)
{
	return json_string_value(at(o, path));
}

static bool has_fb(const json_t *codec, const char *type, const char *param)
{
	json_t *fb;
	size_t i;

	json_array_foreach(json_object_get(codec, "rtcpFeedback"), i, fb) {
		if (strcmp(sat(fb, "type"), type) == 0 && strcmp(sat(fb, "parameter"), param) == 0)
			return true;
	}
	return false;
}

static const json_t *ext_by_uri(const json_t *exts, const char *uri)
{
	json_t *e;
	size_t i;

	json_array_foreach(exts, i, e) {
		if (strcmp(sat(e, "uri"), uri) == 0)
			return e;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Router capabilities                                                 */
/* ------------------------------------------------------------------ */

static void test_router_caps(void)
{
	json_t *caps = cp_ortc_router_caps();
	json_t *codecs = json_object_get(caps, "codecs"), *c;
	size_t i;

	CHECK(caps != NULL);
	CHECK_INT(json_array_size(codecs), 9);
	CHECK_STR(sat(caps, "codecs.0.mimeType"), "audio/opus");
	CHECK_STR(sat(caps, "codecs.0.kind"), "audio");
	CHECK_INT(iat(caps, "codecs.0.preferredPayloadType"), 100);
	CHECK_INT(iat(caps, "codecs.0.clockRate"), 48000);
	CHECK_INT(iat(caps, "codecs.0.channels"), 2);
	CHECK(has_fb(at(caps, "codecs.0"), "nack", ""));
	CHECK(has_fb(at(caps, "codecs.0"), "transport-cc", ""));
	CHECK_INT(json_array_size(at(caps, "codecs.0.rtcpFeedback")), 2);

	static const struct {
		const char *mime;
		int pt;
		const char *plid;
	} video[] = {
		{ "video/VP8", 101, NULL },	  { "video/VP9", 103, NULL },
		{ "video/H264", 105, "42e01f" }, { "video/H264", 107, "4d0032" },
	};
	for (i = 0; i < 4; i++) {
		json_t *m = json_array_get(codecs, 1 + 2 * i), *r = json_array_get(codecs, 2 + 2 * i);
		CHECK_STR(sat(m, "mimeType"), video[i].mime);
		CHECK_STR(sat(m, "kind"), "video");
		CHECK_INT(iat(m, "preferredPayloadType"), video[i].pt);
		CHECK_INT(iat(m, "clockRate"), 90000);
		CHECK(at(m, "channels") == NULL);
		CHECK(has_fb(m, "nack", "") && has_fb(m, "nack", "pli") && has_fb(m, "ccm", "fir") &&
		      has_fb(m, "goog-remb", "") && has_fb(m, "transport-cc", ""));
		CHECK_STR(sat(r, "mimeType"), "video/rtx");
		CHECK_INT(iat(r, "preferredPayloadType"), video[i].pt + 1);
		CHECK_INT(iat(r, "parameters.apt"), video[i].pt);
		CHECK_INT(json_array_size(at(r, "rtcpFeedback")), 0);
		if (video[i].plid) {
			CHECK_STR(sat(m, "parameters.profile-level-id"), video[i].plid);
			CHECK_INT(iat(m, "parameters.packetization-mode"), 1);
			CHECK_INT(iat(m, "parameters.level-asymmetry-allowed"), 1);
		}
	}
	CHECK_INT(iat(caps, "codecs.3.parameters.profile-id"), 0);
	/* payload types unique */
	json_array_foreach(codecs, i, c) {
		for (size_t j = 0; j < i; j++)
			CHECK(iat(c, "preferredPayloadType") !=
			      iat(json_array_get(codecs, j), "preferredPayloadType"));
	}
	/* header extensions: complete, mediasoup ids and directions */
	json_t *exts = json_object_get(caps, "headerExtensions"), *e;
	CHECK_INT(json_array_size(exts), 11);
	json_array_foreach(exts, i, e) {
		CHECK(json_is_string(at(e, "kind")) && json_is_string(at(e, "uri")) &&
		      json_is_integer(at(e, "preferredId")) && json_is_false(at(e, "preferredEncrypt")) &&
		      json_is_string(at(e, "direction")));
		const char *uri = sat(e, "uri"), *kind = sat(e, "kind"), *dir = sat(e, "direction");
		long long id = iat(e, "preferredId");
		if (!strcmp(uri, CP_ORTC_URI_MID))
			CHECK(id == 1 && !strcmp(dir, "sendrecv"));
		else if (!strcmp(uri, CP_ORTC_URI_ABS_SEND_TIME))
			CHECK(id == 4);
		else if (!strcmp(uri, CP_ORTC_URI_TCC))
			CHECK(id == 5 && !strcmp(dir, strcmp(kind, "audio") ? "sendrecv" : "recvonly"));
		else if (!strcmp(uri, CP_ORTC_URI_AUDIO_LEVEL))
			CHECK(id == 10 && !strcmp(kind, "audio"));
		else if (!strcmp(uri, CP_ORTC_URI_VIDEO_ORIENTATION))
			CHECK(id == 11 && !strcmp(kind, "video"));
		else if (!strcmp(uri, CP_ORTC_URI_TOFFSET))
			CHECK(id == 12 && !strcmp(kind, "video"));
		else if (!strcmp(uri, CP_ORTC_URI_RID) || !strcmp(uri, CP_ORTC_URI_RRID))
			CHECK(!strcmp(dir, "recvonly") && !strcmp(kind, "video"));
		else
			CHECK(!"unexpected header extension");
	}
	json_decref(caps);
}

/* ------------------------------------------------------------------ */
/* Producers                                                           */
/* ------------------------------------------------------------------ */

#define CHROME_AUDIO_EXTS                                                                  \
	"[{'uri':'urn:ietf:params:rtp-hdrext:ssrc-audio-level','id':1},"                   \
	"{'uri':'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time','id':2},"      \
	"{'uri':'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'," \
	"'id':3},{'uri':'urn:ietf:params:rtp-hdrext:sdes:mid','id':4,'encrypt':false,"      \
	"'parameters':{}}]"

#define CHROME_VIDEO_EXTS                                                                  \
	"[{'uri':'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time','id':2},"     \
	"{'uri':'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'," \
	"'id':3},{'uri':'urn:ietf:params:rtp-hdrext:sdes:mid','id':4},"                     \
	"{'uri':'urn:3gpp:video-orientation','id':13},"                                     \
	"{'uri':'urn:ietf:params:rtp-hdrext:toffset','id':14},"                             \
	"{'uri':'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay','id':12}]"

#define VIDEO_FB                                                                        \
	"[{'type':'goog-remb','parameter':''},{'type':'transport-cc','parameter':''},"   \
	"{'type':'ccm','parameter':'fir'},{'type':'nack','parameter':''},"               \
	"{'type':'nack','parameter':'pli'}]"

static const char *chrome_audio =
	"{'mid':'0','codecs':[{'mimeType':'audio/opus','payloadType':111,'clockRate':48000,"
	"'channels':2,'parameters':{'minptime':10,'useinbandfec':1},"
	"'rtcpFeedback':[{'type':'transport-cc','parameter':''}]}],"
	"'headerExtensions':" CHROME_AUDIO_EXTS ","
	"'encodings':[{'ssrc':11111111,'dtx':false}],"
	"'rtcp':{'cname':'chrome-cname','reducedSize':true}}";

static const char *chrome_vp8 =
	"{'mid':'1','codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000,"
	"'parameters':{},'rtcpFeedback':" VIDEO_FB "},"
	"{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,'parameters':{'apt':96},"
	"'rtcpFeedback':[]}],"
	"'headerExtensions':" CHROME_VIDEO_EXTS ","
	"'encodings':[{'ssrc':2222,'rtx':{'ssrc':3333}}],"
	"'rtcp':{'cname':'chrome-cname','reducedSize':true}}";

static const char *chrome_h264 =
	"{'mid':'2','codecs':[{'mimeType':'video/H264','payloadType':102,'clockRate':90000,"
	"'parameters':{'level-asymmetry-allowed':1,'packetization-mode':1,"
	"'profile-level-id':'42e01f'},'rtcpFeedback':" VIDEO_FB "},"
	"{'mimeType':'video/rtx','payloadType':125,'clockRate':90000,'parameters':{'apt':102}}],"
	"'headerExtensions':" CHROME_VIDEO_EXTS ","
	"'encodings':[{'ssrc':4444,'rtx':{'ssrc':5555},'scalabilityMode':'L1T3',"
	"'maxBitrate':900000}],'rtcp':{'cname':'chrome-cname'}}";

/* mediasoup-client's simulcast with explicit SSRCs: three L1T3 layers. */
static const char *sim_vp8 =
	"{'mid':'1','codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000,"
	"'parameters':{},'rtcpFeedback':" VIDEO_FB "},"
	"{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,'parameters':{'apt':96},"
	"'rtcpFeedback':[]}],"
	"'headerExtensions':" CHROME_VIDEO_EXTS ","
	"'encodings':[{'ssrc':100,'rtx':{'ssrc':101},'scalabilityMode':'L1T3','maxBitrate':100000},"
	"{'ssrc':200,'rtx':{'ssrc':201},'scalabilityMode':'L1T3','maxBitrate':300000},"
	"{'ssrc':300,'rtx':{'ssrc':301},'scalabilityMode':'L1T3','maxBitrate':900000}],"
	"'rtcp':{'cname':'chrome-cname','reducedSize':true}}";

static int parse_text(const char *kind, const char *text, struct cp_ortc_producer *p, char *err,
		      size_t errlen)
{
	json_t *j = J(text);
	int r = cp_ortc_producer_parse(kind, j, p, err, errlen);
	json_decref(j);
	return r;
}

static void test_produce_audio(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	int r = parse_text("audio", chrome_audio, &p, err, sizeof(err));
	CHECK_INT(r, 0);
	if (r) {
		fprintf(stderr, "  error: %s\n", err);
		return;
	}
	CHECK_INT(p.kind, SL_KIND_AUDIO);
	CHECK_INT(p.ssrc, 11111111);
	CHECK_INT(p.rtx_ssrc, 0);
	CHECK_INT(p.payload_type, 111);
	CHECK_INT(p.router_pt, 100);
	CHECK_INT(p.rtx_payload_type, 0);
	CHECK_INT(p.clock_rate, 48000);
	CHECK_INT(p.channels, 2);
	CHECK_INT(p.n_pt, 1);
	CHECK(p.pt_map[0].producer_pt == 111 && p.pt_map[0].router_pt == 100 && !p.pt_map[0].is_rtx);
	CHECK_INT(p.ext.audio_level, 1);
	CHECK_INT(p.ext.abs_send_time, 2);
	CHECK_INT(p.ext.transport_cc, 3);
	CHECK_INT(p.ext.mid, 4);
	CHECK_INT(p.ext.video_orientation, 0);
	CHECK_INT(p.router_ext.audio_level, 10);
	CHECK_INT(p.router_ext.abs_send_time, 4);
	CHECK_INT(p.router_ext.transport_cc, 5);
	CHECK_INT(p.router_ext.mid, 1);
	CHECK(p.tcc == 1 && p.nack == 0 && p.pli == 0 && p.fir == 0);
	CHECK_STR(p.cname, "chrome-cname");

	/* consumable: router codec with the producer's parameters */
	json_t *c = p.consumable;
	CHECK_INT(json_array_size(at(c, "codecs")), 1);
	CHECK_STR(sat(c, "codecs.0.mimeType"), "audio/opus");
	CHECK_INT(iat(c, "codecs.0.payloadType"), 100);
	CHECK_INT(iat(c, "codecs.0.channels"), 2);
	CHECK_INT(iat(c, "codecs.0.parameters.minptime"), 10);
	CHECK(has_fb(at(c, "codecs.0"), "nack", ""));
	/* audio: mid, abs-send-time, audio level; not transport-cc (recvonly) */
	CHECK_INT(json_array_size(at(c, "headerExtensions")), 3);
	CHECK(ext_by_uri(at(c, "headerExtensions"), CP_ORTC_URI_TCC) == NULL);
	CHECK_INT(iat(ext_by_uri(at(c, "headerExtensions"), CP_ORTC_URI_AUDIO_LEVEL), "id"), 10);
	CHECK_INT(iat(c, "encodings.0.ssrc"), 11111111);
	CHECK(json_is_true(at(c, "rtcp.reducedSize")));
	CHECK_STR(sat(c, "rtcp.cname"), "chrome-cname");

	struct sl_msg_producer_add m;
	memset(&m, 0xa5, sizeof(m));
	cp_ortc_producer_to_msg(&p, 42, &m);
	CHECK_INT(m.producer_id, 42);
	CHECK_INT(m.ssrc, 11111111);
	CHECK_INT(m.rtx_ssrc, 0);
	CHECK_INT(m.kind, SL_KIND_AUDIO);
	CHECK_INT(m.payload_type, 111);
	CHECK_INT(m.rtx_payload_type, 0);
	CHECK_INT(m.n_pt, 1);
	CHECK_INT(m.pts[0], 111);
	CHECK_INT(m.pts[1], 0);
	CHECK_INT(m.clock_rate, 48000);
	CHECK_INT(m.ext.mid, 4);
	CHECK_INT(m.ext.audio_level, 1);
	CHECK_INT(m.tcc, 1);
	cp_ortc_producer_clear(&p);
	CHECK(p.consumable == NULL);
}

static void test_produce_vp8(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	int r = parse_text("video", chrome_vp8, &p, err, sizeof(err));
	CHECK_INT(r, 0);
	if (r) {
		fprintf(stderr, "  error: %s\n", err);
		return;
	}
	CHECK_INT(p.kind, SL_KIND_VIDEO);
	CHECK_INT(p.ssrc, 2222);
	CHECK_INT(p.rtx_ssrc, 3333);
	CHECK_INT(p.payload_type, 96);
	CHECK_INT(p.rtx_payload_type, 97);
	CHECK_INT(p.router_pt, 101);
	CHECK_INT(p.router_rtx_pt, 102);
	CHECK_INT(p.clock_rate, 90000);
	CHECK_INT(p.channels, 0);
	CHECK_INT(p.n_pt, 2);
	CHECK(p.pt_map[0].producer_pt == 96 && p.pt_map[0].router_pt == 101 && !p.pt_map[0].is_rtx);
	CHECK(p.pt_map[1].producer_pt == 97 && p.pt_map[1].router_pt == 102 && p.pt_map[1].is_rtx);
	CHECK(p.nack && p.pli && p.fir && p.tcc);
	CHECK_INT(p.ext.abs_send_time, 2);
	CHECK_INT(p.ext.transport_cc, 3);
	CHECK_INT(p.ext.mid, 4);
	CHECK_INT(p.ext.video_orientation, 13);
	CHECK_INT(p.ext.toffset, 14);
	CHECK_INT(p.ext.audio_level, 0);
	CHECK_INT(p.router_ext.video_orientation, 11);
	CHECK_INT(p.router_ext.toffset, 12);

	json_t *c = p.consumable;
	CHECK_INT(json_array_size(at(c, "codecs")), 2);
	CHECK_INT(iat(c, "codecs.0.payloadType"), 101);
	CHECK(at(c, "codecs.0.channels") == NULL);
	CHECK_STR(sat(c, "codecs.1.mimeType"), "video/rtx");
	CHECK_INT(iat(c, "codecs.1.payloadType"), 102);
	CHECK_INT(iat(c, "codecs.1.parameters.apt"), 101);
	/* video: mid, abs-send-time, tcc, orientation, toffset (rid/rrid recvonly) */
	CHECK_INT(json_array_size(at(c, "headerExtensions")), 5);
	CHECK(ext_by_uri(at(c, "headerExtensions"), CP_ORTC_URI_RID) == NULL);
	CHECK_INT(iat(c, "encodings.0.ssrc"), 2222);
	CHECK(at(c, "encodings.0.rtx") == NULL);

	struct sl_msg_producer_add m;
	cp_ortc_producer_to_msg(&p, 7, &m);
	CHECK(m.n_pt == 2 && m.pts[0] == 96 && m.pts[1] == 97);
	CHECK(m.rtx_ssrc == 3333 && m.rtx_payload_type == 97 && m.payload_type == 96);
	CHECK(m.nack && m.pli && m.fir && m.tcc);
	CHECK_INT(m.ext.video_orientation, 13);
	cp_ortc_producer_clear(&p);
}

/* H264: 102/125 with 42e01f maps to the router's 105/106; the profile-level-
 * id of the consumable parameters is the negotiated answer. */
static void test_produce_h264(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	int r = parse_text("video", chrome_h264, &p, err, sizeof(err));
	CHECK_INT(r, 0);
	if (r) {
		fprintf(stderr, "  error: %s\n", err);
		return;
	}
	CHECK(p.payload_type == 102 && p.router_pt == 105);
	CHECK(p.rtx_payload_type == 125 && p.router_rtx_pt == 106);
	CHECK(p.ssrc == 4444 && p.rtx_ssrc == 5555);
	CHECK_STR(sat(p.consumable, "codecs.0.parameters.profile-level-id"), "42e01f");
	CHECK_STR(sat(p.consumable, "encodings.0.scalabilityMode"), "L1T3");
	CHECK_INT(iat(p.consumable, "encodings.0.maxBitrate"), 900000);
	/* no rtcp.reducedSize given: defaulted; cname kept */
	CHECK_STR(p.cname, "chrome-cname");
	cp_ortc_producer_clear(&p);

	static const struct {
		const char *params;
		int ok, router_pt;
		const char *answer;
	} cases[] = {
		/* level 5.2 with asymmetry on both sides: the producer's level */
		{ "'level-asymmetry-allowed':1,'packetization-mode':1,'profile-level-id':'42e034'", 1,
		  105, "42e034" },
		/* without asymmetry: the lower level, 3.1 */
		{ "'packetization-mode':1,'profile-level-id':'42e034'", 1, 105, "42e01f" },
		/* no profile-level-id: Constrained Baseline 3.1 */
		{ "'packetization-mode':1", 1, 105, "42e01f" },
		/* Main */
		{ "'level-asymmetry-allowed':1,'packetization-mode':1,'profile-level-id':'4d001f'", 1,
		  107, "4d001f" },
		{ "'packetization-mode':'1','profile-level-id':'4D0032'", 1, 107, "4d0032" },
		/* Baseline, Constrained High, High: not offered */
		{ "'packetization-mode':1,'profile-level-id':'42001f'", 0, 0, NULL },
		{ "'packetization-mode':1,'profile-level-id':'640c1f'", 0, 0, NULL },
		{ "'packetization-mode':1,'profile-level-id':'64001f'", 0, 0, NULL },
		/* packetization-mode 0 */
		{ "'profile-level-id':'42e01f'", 0, 0, NULL },
		/* malformed profile-level-id */
		{ "'packetization-mode':1,'profile-level-id':'42e0'", 0, 0, NULL },
		{ "'packetization-mode':1,'profile-level-id':'42e0zz'", 0, 0, NULL },
		{ "'packetization-mode':1,'profile-level-id':'42e0ff'", 0, 0, NULL },
		{ "'packetization-mode':1,'profile-level-id':4260000", 0, 0, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
			 "{'codecs':[{'mimeType':'video/h264','payloadType':102,'clockRate':90000,"
			 "'parameters':{%s}}],'encodings':[{'ssrc':1}]}",
			 cases[i].params);
		r = parse_text("video", text, &p, err, sizeof(err));
		if (cases[i].ok) {
			CHECK_INT(r, 0);
			CHECK_INT(p.router_pt, cases[i].router_pt);
			CHECK_STR(sat(p.consumable, "codecs.0.parameters.profile-level-id"),
				  cases[i].answer);
			CHECK_STR(sat(p.consumable, "codecs.0.mimeType"), "video/H264");
		} else {
			CHECK_INT(r, -ENOTSUP);
			CHECK(strstr(err, "unsupported codec") != NULL);
		}
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "  H264 case %zu: r=%d err=%s\n", i, r, err);
		cp_ortc_producer_clear(&p);
	}
}

static void test_produce_vp9(void)
{
	struct cp_ortc_producer p;
	char err[256];

	int r = parse_text("video",
			   "{'codecs':[{'mimeType':'video/VP9','payloadType':98,'clockRate':90000,"
			   "'parameters':{'profile-id':0}},{'mimeType':'video/rtx','payloadType':99,"
			   "'clockRate':90000,'parameters':{'apt':98}}],"
			   "'encodings':[{'ssrc':77,'rtx':{'ssrc':78},'scalabilityMode':'L3T3_KEY'}]}",
			   &p, err, sizeof(err));
	CHECK_INT(r, 0);
	CHECK(p.router_pt == 103 && p.router_rtx_pt == 104 && p.rtx_ssrc == 78);
	/* no rtcp.cname: generated from the ssrc */
	CHECK_STR(p.cname, "sluice-0000004d");
	cp_ortc_producer_clear(&p);

	r = parse_text("video",
		       "{'codecs':[{'mimeType':'video/VP9','payloadType':98,'clockRate':90000,"
		       "'parameters':{'profile-id':2}}],'encodings':[{'ssrc':77}]}",
		       &p, err, sizeof(err));
	CHECK_INT(r, -ENOTSUP);
	cp_ortc_producer_clear(&p);
}

/* Refusals: code and a message naming the problem. */
static void test_produce_refused(void)
{
	static const struct {
		const char *kind;
		const char *json;
		int code;
		const char *msg;
	} cases[] = {
		{ "video",
		  "{'codecs':[{'mimeType':'video/AV1','payloadType':45,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -ENOTSUP, "unsupported codec [mimeType:video/AV1, payloadType:45]" },
		{ "audio",
		  "{'codecs':[{'mimeType':'audio/PCMU','payloadType':0,'clockRate':8000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -ENOTSUP, "unsupported codec" },
		/* opus without channels is 1 channel: not the router's opus/2 */
		{ "audio",
		  "{'codecs':[{'mimeType':'audio/opus','payloadType':111,'clockRate':48000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -ENOTSUP, "unsupported codec" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':48000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -ENOTSUP, "unsupported codec" },
		/* missing ssrc */
		{ "video", "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}]}",
		  -EINVAL, "missing encoding.ssrc" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'rid':'r0'}]}",
		  -EINVAL, "missing encoding.ssrc" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'ssrc':0}]}",
		  -EINVAL, "missing encoding.ssrc" },
		/* wrong kind */
		{ "audio",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -EINVAL, "does not match kind audio" },
		{ "data", "{'codecs':[],'encodings':[{'ssrc':1}]}", -EINVAL, "invalid kind" },
		{ "", "{'codecs':[],'encodings':[{'ssrc':1}]}", -EINVAL, "invalid kind" },
		/* bad JSON types */
		{ "video", "[]", -EINVAL, "rtpParameters is not an object" },
		{ "video", "{'codecs':{}}", -EINVAL, "missing params.codecs" },
		{ "video", "{}", -EINVAL, "missing params.codecs" },
		{ "video", "{'codecs':[]}", -EINVAL, "codecs is empty" },
		{ "video", "{'codecs':[5]}", -EINVAL, "codecs[0] is not an object" },
		{ "video", "{'codecs':[{'payloadType':96,'clockRate':90000}]}", -EINVAL,
		  "missing codec.mimeType" },
		{ "video", "{'codecs':[{'mimeType':'VP8','payloadType':96,'clockRate':90000}]}",
		  -EINVAL, "invalid codec.mimeType" },
		{ "video", "{'codecs':[{'mimeType':'video/','payloadType':96,'clockRate':90000}]}",
		  -EINVAL, "invalid codec.mimeType" },
		{ "video", "{'codecs':[{'mimeType':'video/VP8','payloadType':'96','clockRate':90000}]}",
		  -EINVAL, "missing codec.payloadType" },
		{ "video", "{'codecs':[{'mimeType':'video/VP8','payloadType':128,'clockRate':90000}]}",
		  -EINVAL, "invalid codec.payloadType" },
		{ "video", "{'codecs':[{'mimeType':'video/VP8','payloadType':96.5,'clockRate':90000}]}",
		  -EINVAL, "invalid codec.payloadType" },
		{ "video", "{'codecs':[{'mimeType':'video/VP8','payloadType':96}]}", -EINVAL,
		  "missing codec.clockRate" },
		{ "video", "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':0}]}",
		  -EINVAL, "invalid codec.clockRate" },
		{ "audio",
		  "{'codecs':[{'mimeType':'audio/opus','payloadType':96,'clockRate':48000,"
		  "'channels':300}]}",
		  -EINVAL, "invalid codec.channels" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000,"
		  "'parameters':{'x':[1]}}]}",
		  -EINVAL, "invalid codec parameter [key:x]" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000,"
		  "'parameters':{'x':null}}]}",
		  -EINVAL, "invalid codec parameter" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,"
		  "'parameters':{'apt':'96'}}]}",
		  -EINVAL, "invalid codec apt parameter" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000,"
		  "'rtcpFeedback':[{'parameter':'pli'}]}]}",
		  -EINVAL, "missing fb.type" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000,"
		  "'rtcpFeedback':[null]}]}",
		  -EINVAL, "rtcpFeedback[0] is not an object" },
		{ "video", "{'mid':3,'codecs':[]}", -EINVAL, "params.mid is not a string" },
		{ "video", "{'codecs':[],'headerExtensions':{}}", -EINVAL,
		  "params.headerExtensions is not an array" },
		{ "video", "{'codecs':[],'headerExtensions':[{'id':1}]}", -EINVAL, "missing ext.uri" },
		{ "video", "{'codecs':[],'headerExtensions':[{'uri':'x'}]}", -EINVAL,
		  "missing ext.id" },
		{ "video", "{'codecs':[],'headerExtensions':[{'uri':'x','id':0}]}", -EINVAL,
		  "invalid ext.id" },
		{ "video", "{'codecs':[],'headerExtensions':[{'uri':'x','id':1,'encrypt':'yes'}]}",
		  -EINVAL, "invalid ext.encrypt" },
		{ "video", "{'codecs':[],'encodings':5}", -EINVAL, "params.encodings is not an array" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':'1'}]}", -EINVAL,
		  "invalid encoding.ssrc" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':4294967296}]}", -EINVAL,
		  "invalid encoding.ssrc" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':1,'rtx':{}}]}", -EINVAL,
		  "missing encoding.rtx.ssrc" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':1,'rtx':3}]}", -EINVAL,
		  "invalid encoding.rtx" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':1,'rid':7}]}", -EINVAL,
		  "invalid encoding.rid" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':1,'scalabilityMode':3}]}", -EINVAL,
		  "invalid encoding.scalabilityMode" },
		{ "video", "{'codecs':[],'encodings':[{'ssrc':1,'maxBitrate':'1M'}]}", -EINVAL,
		  "invalid encoding.maxBitrate" },
		{ "video", "{'codecs':[],'rtcp':'x'}", -EINVAL, "params.rtcp is not an object" },
		{ "video", "{'codecs':[],'rtcp':{'cname':5}}", -EINVAL, "invalid rtcp.cname" },
		/* simulcast: more than 4 layers, rid-only, repeated ssrcs, audio, SVC */
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1},{'ssrc':2},{'ssrc':3},{'ssrc':4},{'ssrc':5}]}",
		  -ENOTSUP, "simulcast with 5 encodings is not supported (at most 4)" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'rid':'r0'},{'rid':'r1'},{'rid':'r2'}]}",
		  -ENOTSUP, "encodings[0] has a rid but no ssrc: rid-based encodings are not supported" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1},{}]}",
		  -EINVAL, "missing encodings[1].ssrc" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000},"
		  "{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,"
		  "'parameters':{'apt':96}}],'encodings':[{'ssrc':1,'rtx':{'ssrc':2}},{'ssrc':2}]}",
		  -EINVAL, "ssrc 2 appears twice in the encodings" },
		{ "audio",
		  "{'codecs':[{'mimeType':'audio/opus','payloadType':111,'clockRate':48000,"
		  "'channels':2}],'encodings':[{'ssrc':1},{'ssrc':2}]}",
		  -ENOTSUP, "simulcast (2 encodings) of audio is not supported" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP9','payloadType':98,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1,'scalabilityMode':'L3T3'},{'ssrc':2}]}",
		  -ENOTSUP, "simulcast of SVC encodings" },
		/* RTX problems */
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000},"
		  "{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,"
		  "'parameters':{'apt':95}}],'encodings':[{'ssrc':1}]}",
		  -EINVAL, "missing media codec found for RTX PT 97" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,"
		  "'parameters':{'apt':96}}],'encodings':[{'ssrc':1}]}",
		  -EINVAL, "no media codec" },
		{ "audio",
		  "{'codecs':[{'mimeType':'audio/opus','payloadType':111,'clockRate':48000,"
		  "'channels':2},{'mimeType':'audio/rtx','payloadType':112,'clockRate':48000,"
		  "'parameters':{'apt':111}}],'encodings':[{'ssrc':1}]}",
		  -ENOTSUP, "no RTX codec for capability codec PT 100" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000},"
		  "{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,"
		  "'parameters':{'apt':96}}],'encodings':[{'ssrc':1,'rtx':{'ssrc':1}}]}",
		  -EINVAL, "encoding.rtx.ssrc equals encoding.ssrc" },
		/* duplicates and limits */
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000},"
		  "{'mimeType':'video/VP9','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -EINVAL, "duplicated codec payloadType 96" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'headerExtensions':[{'uri':'urn:ietf:params:rtp-hdrext:sdes:mid','id':4},"
		  "{'uri':'urn:ietf:params:rtp-hdrext:toffset','id':4}],'encodings':[{'ssrc':1}]}",
		  -EINVAL, "duplicated header extension id 4" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1,'codecPayloadType':97}]}",
		  -EINVAL, "encoding.codecPayloadType 97 is not a media codec" },
		{ "video",
		  "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':97,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':98,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':99,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':100,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':101,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':102,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':103,'clockRate':90000},"
		  "{'mimeType':'video/VP8','payloadType':104,'clockRate':90000}],"
		  "'encodings':[{'ssrc':1}]}",
		  -ENOTSUP, "too many codecs (9, at most 8)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cp_ortc_producer p;
		char err[256] = "";
		int r = parse_text(cases[i].kind, cases[i].json, &p, err, sizeof(err));
		if (r != cases[i].code || !strstr(err, cases[i].msg)) {
			fprintf(stderr, "refusal case %zu: r=%d (want %d) err=\"%s\" (want \"%s\")\n",
				i, r, cases[i].code, err, cases[i].msg);
			failures++;
		}
		CHECK(p.consumable == NULL);
		cp_ortc_producer_clear(&p);
	}
	/* NULL kind and NULL parameters; a tiny error buffer truncates safely */
	struct cp_ortc_producer p;
	char tiny[8];
	CHECK_INT(cp_ortc_producer_parse(NULL, NULL, &p, tiny, sizeof(tiny)), -EINVAL);
	CHECK_INT(strlen(tiny), 7);
	CHECK_INT(cp_ortc_producer_parse("video", NULL, &p, NULL, 0), -EINVAL);
}

/* Lenient parts, as mediasoup: falsy optional members are absent, reals with
 * integral values are numbers, unknown extensions are ignored. */
static void test_produce_lenient(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	int r = parse_text("video",
			   "{'mid':'','codecs':[{'mimeType':'VIDEO/vp8','payloadType':96.0,"
			   "'clockRate':90000.0,'channels':2,'parameters':[],'rtcpFeedback':7},"
			   "{'mimeType':'video/RTX','payloadType':97,'clockRate':90000,"
			   "'parameters':{'apt':96.0}}],"
			   "'headerExtensions':[{'uri':'urn:x-unknown','id':9,'encrypt':false},"
			   "{'uri':'urn:ietf:params:rtp-hdrext:sdes:mid','id':1,'parameters':5}],"
			   "'encodings':[{'ssrc':9,'rtx':null,'dtx':'yes','rid':''}],"
			   "'rtcp':{'cname':'','reducedSize':'x'}}",
			   &p, err, sizeof(err));
	CHECK_INT(r, 0);
	if (r)
		fprintf(stderr, "  error: %s\n", err);
	CHECK(p.payload_type == 96 && p.router_pt == 101);
	/* no rtx ssrc in the encoding: no RTX even though there is an RTX codec */
	CHECK(p.rtx_ssrc == 0 && p.rtx_payload_type == 0);
	CHECK(p.n_pt == 2);
	CHECK(p.nack == 0 && p.tcc == 0);
	CHECK_INT(p.ext.mid, 1);
	CHECK_STR(p.cname, "sluice-00000009");
	/* consumable keeps mediasoup's default dtx false */
	CHECK(json_is_false(at(p.consumable, "encodings.0.dtx")));
	cp_ortc_producer_clear(&p);
}

/* Two producer codecs for one router codec: both mapped, listed once. */
static void test_produce_same_router_codec(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	int r = parse_text("video",
			   "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000},"
			   "{'mimeType':'video/VP8','payloadType':98,'clockRate':90000},"
			   "{'mimeType':'video/rtx','payloadType':97,'clockRate':90000,"
			   "'parameters':{'apt':96}},{'mimeType':'video/rtx','payloadType':99,"
			   "'clockRate':90000,'parameters':{'apt':98}}],"
			   "'encodings':[{'ssrc':5,'rtx':{'ssrc':6}}]}",
			   &p, err, sizeof(err));
	CHECK_INT(r, 0);
	CHECK_INT(p.n_pt, 4);
	CHECK(p.pt_map[0].producer_pt == 96 && p.pt_map[0].router_pt == 101);
	CHECK(p.pt_map[1].producer_pt == 98 && p.pt_map[1].router_pt == 101);
	CHECK(p.pt_map[2].producer_pt == 97 && p.pt_map[2].router_pt == 102 && p.pt_map[2].is_rtx);
	CHECK(p.pt_map[3].producer_pt == 99 && p.pt_map[3].router_pt == 102 && p.pt_map[3].is_rtx);
	CHECK_INT(json_array_size(at(p.consumable, "codecs")), 2);
	cp_ortc_producer_clear(&p);
}

/* ------------------------------------------------------------------ */
/* Consumers                                                           */
/* ------------------------------------------------------------------ */

/* What mediasoup-client's device.rtpCapabilities look like for a Chrome. */
static const char *device_caps =
	"{'codecs':["
	"{'kind':'audio','mimeType':'audio/opus','preferredPayloadType':100,'clockRate':48000,"
	"'channels':2,'parameters':{'minptime':10,'useinbandfec':1},"
	"'rtcpFeedback':[{'type':'transport-cc','parameter':''},{'type':'nack','parameter':''}]},"
	"{'kind':'video','mimeType':'video/VP8','preferredPayloadType':101,'clockRate':90000,"
	"'parameters':{},'rtcpFeedback':" VIDEO_FB "},"
	"{'kind':'video','mimeType':'video/rtx','preferredPayloadType':102,'clockRate':90000,"
	"'parameters':{'apt':101},'rtcpFeedback':[]},"
	"{'kind':'video','mimeType':'video/H264','preferredPayloadType':105,'clockRate':90000,"
	"'parameters':{'level-asymmetry-allowed':1,'packetization-mode':1,"
	"'profile-level-id':'42e01f'},'rtcpFeedback':" VIDEO_FB "},"
	"{'kind':'video','mimeType':'video/rtx','preferredPayloadType':106,'clockRate':90000,"
	"'parameters':{'apt':105},'rtcpFeedback':[]}],"
	"'headerExtensions':["
	"{'kind':'audio','uri':'urn:ietf:params:rtp-hdrext:sdes:mid','preferredId':1,"
	"'preferredEncrypt':false,'direction':'sendrecv'},"
	"{'kind':'video','uri':'urn:ietf:params:rtp-hdrext:sdes:mid','preferredId':1},"
	"{'kind':'audio','uri':'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',"
	"'preferredId':4},"
	"{'kind':'video','uri':'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',"
	"'preferredId':4},"
	"{'kind':'video','uri':'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-"
	"extensions-01','preferredId':5},"
	"{'kind':'audio','uri':'urn:ietf:params:rtp-hdrext:ssrc-audio-level','preferredId':10},"
	"{'kind':'video','uri':'urn:3gpp:video-orientation','preferredId':11},"
	"{'kind':'video','uri':'urn:ietf:params:rtp-hdrext:toffset','preferredId':12}]}";

static json_t *consume_text(const struct cp_ortc_producer *p, const char *caps_text,
			    uint32_t ssrc, uint32_t rtx_ssrc, struct sl_msg_consumer_add *m,
			    char *err, size_t errlen)
{
	json_t *caps = J(caps_text);
	json_t *params = cp_ortc_consumer_params(p, caps, ssrc, rtx_ssrc, NULL, m, err, errlen);
	json_decref(caps);
	return params;
}

static void test_consume_vp8(void)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256] = "";

	CHECK_INT(parse_text("video", chrome_vp8, &p, err, sizeof(err)), 0);
	json_t *caps = J(device_caps);
	CHECK_INT(cp_ortc_can_consume(&p, caps), 1);
	json_decref(caps);

	memset(&m, 0xa5, sizeof(m));
	json_t *c = consume_text(&p, device_caps, 5555, 0, &m, err, sizeof(err));
	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "  error: %s\n", err);
		cp_ortc_producer_clear(&p);
		return;
	}
	CHECK_INT(json_array_size(at(c, "codecs")), 2);
	CHECK_STR(sat(c, "codecs.0.mimeType"), "video/VP8");
	CHECK_INT(iat(c, "codecs.0.payloadType"), 101);
	CHECK_STR(sat(c, "codecs.1.mimeType"), "video/rtx");
	CHECK_INT(iat(c, "codecs.1.payloadType"), 102);
	CHECK_INT(iat(c, "codecs.1.parameters.apt"), 101);
	/* transport-cc negotiated: REMB dropped */
	CHECK(has_fb(at(c, "codecs.0"), "transport-cc", ""));
	CHECK(!has_fb(at(c, "codecs.0"), "goog-remb", ""));
	CHECK(has_fb(at(c, "codecs.0"), "nack", "") && has_fb(at(c, "codecs.0"), "nack", "pli") &&
	      has_fb(at(c, "codecs.0"), "ccm", "fir"));
	CHECK_INT(json_array_size(at(c, "headerExtensions")), 5);
	CHECK_INT(iat(ext_by_uri(at(c, "headerExtensions"), CP_ORTC_URI_TCC), "id"), 5);
	CHECK_INT(json_array_size(at(c, "encodings")), 1);
	CHECK_INT(iat(c, "encodings.0.ssrc"), 5555);
	CHECK_INT(iat(c, "encodings.0.rtx.ssrc"), 5556);
	CHECK_STR(sat(c, "rtcp.cname"), "chrome-cname");
	CHECK(json_is_true(at(c, "rtcp.reducedSize")) && json_is_true(at(c, "rtcp.mux")));
	CHECK(at(c, "mid") == NULL);

	CHECK_INT(m.ssrc, 5555);
	CHECK_INT(m.rtx_ssrc, 5556);
	CHECK_INT(m.kind, SL_KIND_VIDEO);
	CHECK_INT(m.rtx_payload_type, 102);
	CHECK_INT(m.n_pt, 1);
	CHECK(m.pt_map[0].from == 96 && m.pt_map[0].to == 101);
	CHECK_INT(m.paused, 1);
	CHECK_INT(m.clock_rate, 90000);
	CHECK_INT(m.ext.mid, 0);
	CHECK_INT(m.ext.abs_send_time, 4);
	CHECK_INT(m.ext.transport_cc, 5);
	CHECK_INT(m.ext.video_orientation, 11);
	CHECK_INT(m.ext.toffset, 12);
	CHECK_INT(m.ext.audio_level, 0);
	CHECK(m.nack && m.pli && m.fir && m.tcc);
	CHECK_INT(m.consumer_id, 0);
	CHECK_INT(m.producer_id, 0);
	json_decref(c);

	/* explicit rtx ssrc and cname */
	caps = J(device_caps);
	c = cp_ortc_consumer_params(&p, caps, 10, 20, "other", &m, err, sizeof(err));
	CHECK(c && iat(c, "encodings.0.rtx.ssrc") == 20 && m.rtx_ssrc == 20);
	CHECK_STR(sat(c, "rtcp.cname"), "other");
	json_decref(c);
	/* ssrc 0xffffffff: rtx wraps past 0 */
	c = cp_ortc_consumer_params(&p, caps, 0xffffffffu, 0, NULL, NULL, err, sizeof(err));
	CHECK(c && iat(c, "encodings.0.rtx.ssrc") == 1);
	json_decref(c);
	/* ssrc 0 and rtx == ssrc refused */
	CHECK(cp_ortc_consumer_params(&p, caps, 0, 0, NULL, &m, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "ssrc") != NULL);
	CHECK(cp_ortc_consumer_params(&p, caps, 9, 9, NULL, &m, err, sizeof(err)) == NULL);
	CHECK(cp_ortc_consumer_params(NULL, caps, 9, 0, NULL, &m, err, sizeof(err)) == NULL);
	json_decref(caps);
	cp_ortc_producer_clear(&p);
}

/* A consumer without RTX: no rtx codec, no rtx ssrc; NACK still fine. */
static void test_simulcast(void)
{
	struct cp_ortc_producer p;
	struct sl_msg_producer_add pm;
	struct sl_msg_consumer_add m;
	char err[256] = "";

	CHECK_INT(parse_text("video", sim_vp8, &p, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  error: %s\n", err);
	CHECK_INT(p.n_layers, 3);
	CHECK_INT(p.ssrc, 100);
	CHECK_INT(p.rtx_ssrc, 101);
	CHECK(p.layer_ssrc[0] == 100 && p.layer_ssrc[1] == 200 && p.layer_ssrc[2] == 300);
	CHECK(p.layer_rtx_ssrc[0] == 101 && p.layer_rtx_ssrc[1] == 201 &&
	      p.layer_rtx_ssrc[2] == 301);
	CHECK_INT(p.codec, SL_CODEC_VP8);
	CHECK_INT(p.temporal_layers, 3);
	CHECK_STR(cp_ortc_producer_type(&p), "simulcast");
	/* consumable: every layer with its own ssrc, no rtx */
	CHECK_INT(json_array_size(json_object_get(p.consumable, "encodings")), 3);
	CHECK_INT(iat(p.consumable, "encodings.2.ssrc"), 300);
	CHECK(at(p.consumable, "encodings.2.rtx") == NULL);

	cp_ortc_producer_to_msg(&p, 7, &pm);
	CHECK_INT(pm.n_layers, 3);
	CHECK_INT(pm.codec, SL_CODEC_VP8);
	CHECK(pm.ssrc == 100 && pm.rtx_ssrc == 101 && pm.layer_ssrc[0] == 100 &&
	      pm.layer_ssrc[1] == 200 && pm.layer_ssrc[2] == 300 && pm.layer_ssrc[3] == 0);
	CHECK(pm.layer_rtx_ssrc[0] == 101 && pm.layer_rtx_ssrc[2] == 301);

	/* the consumer: one encoding, its own ssrc, L3T3, the highest maxBitrate */
	json_t *c = consume_text(&p, device_caps, 5555, 0, &m, err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK_INT(json_array_size(at(c, "encodings")), 1);
		CHECK_INT(iat(c, "encodings.0.ssrc"), 5555);
		CHECK_INT(iat(c, "encodings.0.rtx.ssrc"), 5556);
		CHECK_STR(sat(c, "encodings.0.scalabilityMode"), "L3T3");
		CHECK_INT(iat(c, "encodings.0.maxBitrate"), 900000);
		CHECK(at(c, "encodings.0.rid") == NULL);
		CHECK_INT(m.ssrc, 5555);
		CHECK_INT(m.rtx_ssrc, 5556);
		CHECK(m.n_pt == 1 && m.pt_map[0].from == 96 && m.pt_map[0].to == 101);
	}
	json_decref(c);
	cp_ortc_producer_clear(&p);

	/* two layers without scalabilityMode: L2T1 (mediasoup's default T1) */
	const char *two = "{'codecs':[{'mimeType':'video/VP8','payloadType':96,'clockRate':90000}],"
			  "'encodings':[{'ssrc':1},{'ssrc':2}]}";
	CHECK_INT(parse_text("video", two, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n_layers, 2);
	CHECK_INT(p.rtx_ssrc, 0);
	CHECK_INT(p.temporal_layers, 1);
	c = consume_text(&p, device_caps, 77, 0, &m, err, sizeof(err));
	CHECK(c && strcmp(sat(c, "encodings.0.scalabilityMode"), "L2T1") == 0);
	json_decref(c);
	cp_ortc_producer_clear(&p);

	/* one encoding: simple (L1T3) or svc (L3T3) */
	CHECK_INT(parse_text("video", chrome_h264, &p, err, sizeof(err)), 0);
	CHECK_STR(cp_ortc_producer_type(&p), "simple");
	CHECK_INT(p.n_layers, 1);
	CHECK_INT(p.codec, SL_CODEC_H264);
	cp_ortc_producer_to_msg(&p, 1, &pm);
	CHECK_INT(pm.n_layers, 0);
	cp_ortc_producer_clear(&p);
	const char *svc = "{'codecs':[{'mimeType':'video/VP9','payloadType':98,'clockRate':90000,"
			  "'parameters':{'profile-id':0}}],"
			  "'encodings':[{'ssrc':1,'scalabilityMode':'L3T3_KEY'}]}";
	CHECK_INT(parse_text("video", svc, &p, err, sizeof(err)), 0);
	CHECK_STR(cp_ortc_producer_type(&p), "svc");
	cp_ortc_producer_clear(&p);
}

static void test_consume_no_rtx(void)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256] = "";

	CHECK_INT(parse_text("video", chrome_vp8, &p, err, sizeof(err)), 0);
	json_t *c = consume_text(&p,
				 "{'codecs':[{'mimeType':'video/VP8','preferredPayloadType':101,"
				 "'clockRate':90000,'rtcpFeedback':" VIDEO_FB "}],"
				 "'headerExtensions':[{'kind':'video','uri':'http://www.webrtc.org/"
				 "experiments/rtp-hdrext/abs-send-time','preferredId':4}]}",
				 77, 78, &m, err, sizeof(err));
	CHECK(c != NULL);
	CHECK_INT(json_array_size(at(c, "codecs")), 1);
	CHECK(at(c, "encodings.0.rtx") == NULL);
	CHECK_INT(iat(c, "encodings.0.ssrc"), 77);
	/* abs-send-time without transport-cc: REMB stays, transport-cc goes */
	CHECK(has_fb(at(c, "codecs.0"), "goog-remb", ""));
	CHECK(!has_fb(at(c, "codecs.0"), "transport-cc", ""));
	CHECK_INT(json_array_size(at(c, "headerExtensions")), 1);
	CHECK(m.rtx_ssrc == 0 && m.rtx_payload_type == 0 && m.nack == 1 && m.tcc == 0);
	CHECK(m.ext.abs_send_time == 4 && m.ext.transport_cc == 0 && m.ext.mid == 0);
	json_decref(c);

	/* rtx for another codec only: useless RTX removed */
	c = consume_text(&p,
			 "{'codecs':[{'mimeType':'video/VP8','preferredPayloadType':101,"
			 "'clockRate':90000},{'mimeType':'video/rtx','preferredPayloadType':50,"
			 "'clockRate':90000,'parameters':{'apt':49}}]}",
			 77, 0, &m, err, sizeof(err));
	/* rtx matches by mime only (as mediasoup): it stays, its apt is ours */
	CHECK(c && json_array_size(at(c, "codecs")) == 2 && iat(c, "encodings.0.rtx.ssrc") == 78);
	/* no extensions: neither REMB nor transport-cc */
	CHECK(c && json_array_size(at(c, "codecs.0.rtcpFeedback")) == 0);
	json_decref(c);
	cp_ortc_producer_clear(&p);
}

/* A consumer without the codec cannot consume. */
static void test_consume_no_codec(void)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256] = "";

	CHECK_INT(parse_text("video", chrome_vp8, &p, err, sizeof(err)), 0);
	static const char *cases[] = {
		("{'codecs':[{'mimeType':'video/H264','preferredPayloadType':105,'clockRate':90000,"
		 "'parameters':{'packetization-mode':1,'profile-level-id':'42e01f'}},"
		 "{'mimeType':'video/rtx','preferredPayloadType':106,'clockRate':90000,"
		 "'parameters':{'apt':105}}]}"),
		("{'codecs':[{'mimeType':'video/rtx','preferredPayloadType':102,'clockRate':90000,"
		 "'parameters':{'apt':101}}]}"),
		"{'codecs':[{'mimeType':'video/VP8','preferredPayloadType':101,'clockRate':48000}]}",
		"{}",
		"{'codecs':null,'headerExtensions':false}",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *caps = J(cases[i]);
		CHECK_INT(cp_ortc_can_consume(&p, caps), 0);
		err[0] = '\0';
		CHECK(cp_ortc_consumer_params(&p, caps, 5, 0, NULL, &m, err, sizeof(err)) == NULL);
		CHECK_STR(err, "no compatible media codecs");
		json_decref(caps);
	}
	cp_ortc_producer_clear(&p);
}

static void test_consume_malformed_caps(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	CHECK_INT(parse_text("video", chrome_vp8, &p, err, sizeof(err)), 0);
	static const struct {
		const char *caps, *msg;
	} cases[] = {
		{ "[]", "caps is not an object" },
		{ "{'codecs':{}}", "caps.codecs is not an array" },
		{ "{'codecs':[],'headerExtensions':5}", "caps.headerExtensions is not an array" },
		{ "{'codecs':[{'mimeType':'video/VP8'}]}", "missing codec.clockRate" },
		{ "{'codecs':[{'mimeType':'x/VP8','clockRate':1}]}", "invalid codec.mimeType" },
		{ "{'codecs':[{'mimeType':'video/VP8','clockRate':1,'preferredPayloadType':'a'}]}",
		  "invalid codec.preferredPayloadType" },
		{ "{'headerExtensions':[{'uri':'x','preferredId':1}]}", "invalid ext.kind" },
		{ "{'headerExtensions':[{'kind':'video','preferredId':1}]}", "missing ext.uri" },
		{ "{'headerExtensions':[{'kind':'video','uri':'x'}]}", "missing ext.preferredId" },
		{ "{'headerExtensions':[{'kind':'video','uri':'x','preferredId':1,'direction':1}]}",
		  "invalid ext.direction" },
		{ "{'headerExtensions':[{'kind':'video','uri':'x','preferredId':1,"
		  "'preferredEncrypt':1}]}",
		  "invalid ext.preferredEncrypt" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *caps = J(cases[i].caps);
		CHECK_INT(cp_ortc_can_consume(&p, caps), -EINVAL);
		err[0] = '\0';
		CHECK(cp_ortc_consumer_params(&p, caps, 5, 0, NULL, NULL, err, sizeof(err)) == NULL);
		if (!strstr(err, cases[i].msg)) {
			fprintf(stderr, "caps case %zu: err \"%s\", want \"%s\"\n", i, err,
				cases[i].msg);
			failures++;
		}
		json_decref(caps);
	}
	CHECK_INT(cp_ortc_can_consume(&p, NULL), -EINVAL);
	struct cp_ortc_producer empty = { 0 };
	json_t *caps = J(device_caps);
	CHECK_INT(cp_ortc_can_consume(&empty, caps), -EINVAL);
	json_decref(caps);
	cp_ortc_producer_clear(&p);
}

/* Audio: no RTX and no generic NACK (mediasoup's enableRtx is video only);
 * its transport-cc extension is receive-only, so no transport-cc either. */
static void test_consume_audio(void)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256] = "";

	CHECK_INT(parse_text("audio", chrome_audio, &p, err, sizeof(err)), 0);
	json_t *c = consume_text(&p, device_caps, 31, 32, &m, err, sizeof(err));
	CHECK(c != NULL);
	CHECK_INT(json_array_size(at(c, "codecs")), 1);
	CHECK_INT(iat(c, "codecs.0.payloadType"), 100);
	CHECK_INT(iat(c, "codecs.0.parameters.minptime"), 10);
	CHECK_INT(json_array_size(at(c, "codecs.0.rtcpFeedback")), 0);
	CHECK_INT(json_array_size(at(c, "headerExtensions")), 3);
	CHECK(at(c, "encodings.0.rtx") == NULL);
	CHECK(m.kind == SL_KIND_AUDIO && m.n_pt == 1 && m.pt_map[0].from == 111 &&
	      m.pt_map[0].to == 100);
	CHECK(m.clock_rate == 48000 && m.rtx_ssrc == 0 && m.nack == 0 && m.tcc == 0);
	CHECK(m.ext.audio_level == 10 && m.ext.abs_send_time == 4 && m.ext.mid == 0);
	json_decref(c);
	cp_ortc_producer_clear(&p);
}

/* Extensions whose id differs from the router's are not used. */
static void test_consume_ext_ids(void)
{
	struct cp_ortc_producer p;
	struct sl_msg_consumer_add m;
	char err[256] = "";

	CHECK_INT(parse_text("video", chrome_vp8, &p, err, sizeof(err)), 0);
	json_t *c = consume_text(
		&p,
		"{'codecs':[{'mimeType':'video/VP8','preferredPayloadType':101,'clockRate':90000,"
		"'rtcpFeedback':" VIDEO_FB "}],'headerExtensions':["
		"{'kind':'video','uri':'urn:3gpp:video-orientation','preferredId':3},"
		"{'kind':'video','uri':'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-"
		"extensions-01','preferredId':5}]}",
		40, 0, &m, err, sizeof(err));
	CHECK(c != NULL);
	CHECK_INT(json_array_size(at(c, "headerExtensions")), 1);
	CHECK(m.ext.video_orientation == 0 && m.ext.transport_cc == 5 && m.tcc == 1);
	json_decref(c);
	cp_ortc_producer_clear(&p);
}

/* H264: the consumer's profile must match; VP9 profile-id must match. */
static void test_consume_h264(void)
{
	struct cp_ortc_producer p;
	char err[256] = "";

	CHECK_INT(parse_text("video", chrome_h264, &p, err, sizeof(err)), 0);
	json_t *caps = J(device_caps);
	CHECK_INT(cp_ortc_can_consume(&p, caps), 1);
	struct sl_msg_consumer_add m;
	json_t *c = cp_ortc_consumer_params(&p, caps, 1000, 0, NULL, &m, err, sizeof(err));
	CHECK(c && iat(c, "codecs.0.payloadType") == 105 && iat(c, "codecs.1.payloadType") == 106);
	CHECK(m.pt_map[0].from == 102 && m.pt_map[0].to == 105 && m.rtx_payload_type == 106);
	CHECK_STR(sat(c, "encodings.0.scalabilityMode"), "L1T3");
	CHECK_INT(iat(c, "encodings.0.maxBitrate"), 900000);
	json_decref(c);
	json_decref(caps);

	caps = J("{'codecs':[{'mimeType':'video/H264','preferredPayloadType':105,"
		 "'clockRate':90000,'parameters':{'packetization-mode':1,"
		 "'profile-level-id':'4d001f'}}]}");
	CHECK_INT(cp_ortc_can_consume(&p, caps), 0);
	json_decref(caps);
	caps = J("{'codecs':[{'mimeType':'video/H264','preferredPayloadType':105,"
		 "'clockRate':90000,'parameters':{'profile-level-id':'42e01f'}}]}");
	CHECK_INT(cp_ortc_can_consume(&p, caps), 0);
	json_decref(caps);
	cp_ortc_producer_clear(&p);
}

static void test_set_mid(void)
{
	json_t *o = json_object();

	CHECK_INT(cp_ortc_consumer_set_mid(o, 0), 0);
	CHECK_STR(sat(o, "mid"), "0");
	CHECK_INT(cp_ortc_consumer_set_mid(o, 99999999), 0);
	CHECK_STR(sat(o, "mid"), "99999999");
	json_t *a = json_array();
	CHECK_INT(cp_ortc_consumer_set_mid(a, 1), -EINVAL);
	CHECK_INT(cp_ortc_consumer_set_mid(NULL, 1), -EINVAL);
	json_decref(a);
	json_decref(o);
}

int main(void)
{
	test_router_caps();
	test_produce_audio();
	test_produce_vp8();
	test_produce_h264();
	test_produce_vp9();
	test_produce_refused();
	test_produce_lenient();
	test_produce_same_router_codec();
	test_consume_vp8();
	test_simulcast();
	test_consume_no_rtx();
	test_consume_no_codec();
	test_consume_malformed_caps();
	test_consume_audio();
	test_consume_ext_ids();
	test_consume_h264();
	test_set_mid();
	if (failures) {
		fprintf(stderr, "test_ortc: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_ortc: all passed\n");
	return 0;
}
