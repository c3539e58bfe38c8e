/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for cp_sio_parse: every Engine.IO and Socket.IO packet form,
 * every error status, the JSON decoding rules and every encoder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_sio_parse.h"

static int g_fail;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
			__LINE__, #cond); \
		g_fail++; \
	} \
} while (0)

#define S(lit) (const uint8_t *)(lit), (const uint8_t *)(lit) + sizeof(lit) - 1

/* parse a whole Socket.IO packet given as a C string literal */
static enum cp_sio_status sp(const char *s, struct cp_sio_packet *p)
{
	return cp_sio_parse((const uint8_t *)s, (const uint8_t *)s + strlen(s),
			    p);
}

static enum cp_sio_status sp_dec(const char *s, json_t **out)
{
	struct cp_sio_packet p;
	enum cp_sio_status st = sp(s, &p);

	*out = NULL;
	if (st != CP_SIO_OK)
		return st;
	return cp_sio_decode(&p, CP_SIO_DEFAULT_MAX_DEPTH, out);
}

static int nsp_is(const struct cp_sio_packet *p, const char *s)
{
	return p->nsp_len == strlen(s) && memcmp(p->nsp, s, p->nsp_len) == 0;
}

static void test_eio(void)
{
	struct cp_eio_packet e;

	CHECK(cp_eio_parse(NULL, NULL, 0, &e) == CP_SIO_ESHORT);
	CHECK(cp_eio_parse(S(""), 0, &e) == CP_SIO_ESHORT);
	CHECK(cp_eio_parse(S("4hello"), 1, &e) == CP_SIO_EBINARY);
	CHECK(cp_eio_parse(S("7"), 0, &e) == CP_SIO_ETYPE);
	CHECK(cp_eio_parse(S("x2"), 0, &e) == CP_SIO_ETYPE);
	CHECK(cp_eio_parse(S("/"), 0, &e) == CP_SIO_ETYPE);
	for (int t = 0; t <= 6; t++) {
		char b[2] = { (char)('0' + t), 0 };
		CHECK(cp_eio_parse((const uint8_t *)b, (const uint8_t *)b + 1,
				   0, &e) == CP_SIO_OK);
		CHECK((int)e.type == t && e.data_len == 0);
	}
	CHECK(cp_eio_parse(S("2probe"), 0, &e) == CP_SIO_OK);
	CHECK(e.type == CP_EIO_PING && e.data_len == 5 &&
	      memcmp(e.data, "probe", 5) == 0);
	CHECK(cp_eio_parse(S("42[\"a\"]"), 0, &e) == CP_SIO_OK);
	CHECK(e.type == CP_EIO_MESSAGE && e.data_len == 6 && e.data[0] == '2');
}

static void test_connect(void)
{
	struct cp_sio_packet p;
	json_t *v;

	CHECK(sp("0", &p) == CP_SIO_OK);
	CHECK(p.type == CP_SIO_CONNECT && nsp_is(&p, "/") && p.ack_id == -1 &&
	      p.json_len == 0 && cp_sio_nsp_is_root(&p));
	CHECK(cp_sio_decode(&p, 32, &v) == CP_SIO_OK && v == NULL);

	CHECK(sp_dec("0{\"token\":\"abc\"}", &v) == CP_SIO_OK);
	CHECK(json_is_object(v) &&
	      strcmp(json_string_value(json_object_get(v, "token")), "abc") == 0);
	json_decref(v);

	CHECK(sp("0/admin,", &p) == CP_SIO_OK);
	CHECK(nsp_is(&p, "/admin") && p.json_len == 0 && !cp_sio_nsp_is_root(&p));
	CHECK(sp("0/admin", &p) == CP_SIO_OK && nsp_is(&p, "/admin"));
	CHECK(sp("0/admin,{\"a\":1}", &p) == CP_SIO_OK);
	CHECK(nsp_is(&p, "/admin") && p.json_len == 7);
	CHECK(sp("0/,{}", &p) == CP_SIO_OK && cp_sio_nsp_is_root(&p));
	CHECK(sp("0/", &p) == CP_SIO_OK && cp_sio_nsp_is_root(&p));

	/* shapes */
	CHECK(sp_dec("0[1]", &v) == CP_SIO_EPAYLOAD && v == NULL);
	CHECK(sp_dec("0\"s\"", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("0{", &v) == CP_SIO_EJSON);
	/* ack id on CONNECT */
	CHECK(sp("01{}", &p) == CP_SIO_EACKID);
}

static void test_disconnect(void)
{
	struct cp_sio_packet p;
	json_t *v;

	CHECK(sp("1", &p) == CP_SIO_OK && p.type == CP_SIO_DISCONNECT);
	CHECK(cp_sio_decode(&p, 32, &v) == CP_SIO_OK && v == NULL);
	CHECK(sp("1/chat,", &p) == CP_SIO_OK && nsp_is(&p, "/chat"));
	CHECK(sp("1{}", &p) == CP_SIO_EPAYLOAD);
	CHECK(sp("17", &p) == CP_SIO_EACKID);
}

static void test_event(void)
{
	struct cp_sio_packet p;
	json_t *v;

	CHECK(sp("2[\"hello\",{\"a\":1}]", &p) == CP_SIO_OK);
	CHECK(p.type == CP_SIO_EVENT && p.ack_id == -1 && nsp_is(&p, "/"));
	CHECK(cp_sio_decode(&p, 32, &v) == CP_SIO_OK);
	CHECK(strcmp(cp_sio_event_name(v), "hello") == 0);
	CHECK(json_integer_value(json_object_get(json_array_get(v, 1), "a")) == 1);
	json_decref(v);

	CHECK(sp("212[\"x\"]", &p) == CP_SIO_OK && p.ack_id == 12);
	CHECK(sp("20[\"x\"]", &p) == CP_SIO_OK && p.ack_id == 0);
	CHECK(sp("2/chat,7[\"x\",1]", &p) == CP_SIO_OK);
	CHECK(nsp_is(&p, "/chat") && p.ack_id == 7 && p.json_len == 7);
	CHECK(sp("29223372036854775807[\"x\"]", &p) == CP_SIO_OK);
	CHECK(p.ack_id == INT64_MAX);
	CHECK(sp("29223372036854775808[\"x\"]", &p) == CP_SIO_EACKID);
	CHECK(sp("299999999999999999999999[\"x\"]", &p) == CP_SIO_EACKID);

	/* missing payload */
	CHECK(sp("2", &p) == CP_SIO_EPAYLOAD);
	CHECK(sp("25", &p) == CP_SIO_EPAYLOAD);
	CHECK(sp("2/chat", &p) == CP_SIO_EPAYLOAD);
	CHECK(sp("2/chat,", &p) == CP_SIO_EPAYLOAD);

	/* shapes */
	CHECK(sp_dec("2[]", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("2{\"a\":1}", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("2[1,2]", &v) == CP_SIO_EPAYLOAD);   /* numeric name */
	CHECK(sp_dec("2[\"connect\"]", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("2[\"disconnect\",1]", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("2[\"removeListener\"]", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("2\"x\"", &v) == CP_SIO_EPAYLOAD);

	/* JSON errors */
	CHECK(sp_dec("2[\"x\",]", &v) == CP_SIO_EJSON);
	CHECK(sp_dec("2[\"x\"]junk", &v) == CP_SIO_EJSON);
	CHECK(sp_dec("2[\"x\",{\"a\":1,\"a\":2}]", &v) == CP_SIO_EJSON);
	CHECK(sp_dec("2[\"x\\u0000y\"]", &v) == CP_SIO_EJSON);
	CHECK(sp_dec("2[\"\xc3\x28\"]", &v) == CP_SIO_EJSON);
	CHECK(sp_dec("2[\"x\",99999999999999999999999]", &v) == CP_SIO_EJSON);
	CHECK(sp_dec("2[\"x\",1e400]", &v) == CP_SIO_EJSON);
	CHECK(v == NULL);

	/* UTF-8 name is fine, extra args are kept in the array */
	CHECK(sp_dec("2[\"h\xc3\xa9llo\",1,2]", &v) == CP_SIO_OK);
	CHECK(strcmp(cp_sio_event_name(v), "h\xc3\xa9llo") == 0 &&
	      json_array_size(v) == 3);
	json_decref(v);
	CHECK(cp_sio_event_name(NULL) == NULL);
}

static void test_ack_and_error(void)
{
	struct cp_sio_packet p;
	json_t *v;

	CHECK(sp("3[]", &p) == CP_SIO_EACKID);           /* id required */
	CHECK(sp("35", &p) == CP_SIO_EPAYLOAD);
	CHECK(sp("35[]", &p) == CP_SIO_OK && p.type == CP_SIO_ACK &&
	      p.ack_id == 5);
	CHECK(sp_dec("35[1,{\"b\":true}]", &v) == CP_SIO_OK);
	CHECK(json_array_size(v) == 2);
	json_decref(v);
	CHECK(sp_dec("35{}", &v) == CP_SIO_EPAYLOAD);

	CHECK(sp_dec("4{\"message\":\"no\"}", &v) == CP_SIO_OK);
	CHECK(json_is_object(v));
	json_decref(v);
	CHECK(sp_dec("4\"text\"", &v) == CP_SIO_OK && json_is_string(v));
	json_decref(v);
	CHECK(sp_dec("4[1]", &v) == CP_SIO_EPAYLOAD);
	CHECK(sp_dec("4", &v) == CP_SIO_OK && v == NULL);
	CHECK(sp("41{}", &p) == CP_SIO_EACKID);
}

static void test_type_and_short(void)
{
	struct cp_sio_packet p;

	CHECK(sp("", &p) == CP_SIO_ESHORT);
	CHECK(cp_sio_parse(NULL, NULL, &p) == CP_SIO_ESHORT);
	CHECK(sp("7", &p) == CP_SIO_ETYPE);
	CHECK(sp("a[]", &p) == CP_SIO_ETYPE);
	CHECK(sp("/2", &p) == CP_SIO_ETYPE);
	CHECK(sp("-1", &p) == CP_SIO_ETYPE);
}

static void test_namespace(void)
{
	struct cp_sio_packet p;
	char buf[CP_SIO_NSP_MAX + 16];

	CHECK(sp("0/ad min,", &p) == CP_SIO_ENAMESPACE);
	CHECK(sp("0/ad\x01min,", &p) == CP_SIO_ENAMESPACE);
	CHECK(sp("0/\xc3\xa9,", &p) == CP_SIO_ENAMESPACE);
	CHECK(sp("0/a\x7f,", &p) == CP_SIO_ENAMESPACE);
	CHECK(sp("0/a?x=1&y=[]!,", &p) == CP_SIO_OK);
	CHECK(nsp_is(&p, "/a?x=1&y=[]!"));

	/* exactly CP_SIO_NSP_MAX bytes pass, one more fails */
	buf[0] = '0';
	buf[1] = '/';
	memset(buf + 2, 'n', CP_SIO_NSP_MAX - 1);
	buf[CP_SIO_NSP_MAX + 1] = ',';
	buf[CP_SIO_NSP_MAX + 2] = '\0';
	CHECK(sp(buf, &p) == CP_SIO_OK && p.nsp_len == CP_SIO_NSP_MAX);
	buf[CP_SIO_NSP_MAX + 1] = 'n';
	buf[CP_SIO_NSP_MAX + 2] = ',';
	buf[CP_SIO_NSP_MAX + 3] = '\0';
	CHECK(sp(buf, &p) == CP_SIO_ENAMESPACE);
	/* without the comma, too */
	buf[CP_SIO_NSP_MAX + 2] = '\0';
	CHECK(sp(buf, &p) == CP_SIO_ENAMESPACE);
}

static void test_binary(void)
{
	struct cp_sio_packet p;
	json_t *v;

	CHECK(sp("51-[\"x\",{\"_placeholder\":true,\"num\":0}]", &p) ==
	      CP_SIO_EBINARY);
	CHECK(p.type == CP_SIO_BINARY_EVENT && p.attachments == 1 &&
	      p.ack_id == -1 && cp_sio_nsp_is_root(&p));
	CHECK(cp_sio_decode(&p, 32, &v) == CP_SIO_EBINARY && v == NULL);
	CHECK(sp("52-/chat,3[\"x\"]", &p) == CP_SIO_EBINARY);
	CHECK(p.attachments == 2 && nsp_is(&p, "/chat") && p.ack_id == 3);
	CHECK(sp("61-4[]", &p) == CP_SIO_EBINARY && p.type == CP_SIO_BINARY_ACK &&
	      p.ack_id == 4);
	/* malformed headers are still "binary unsupported", fields default */
	CHECK(sp("5-[\"x\"]", &p) == CP_SIO_EBINARY && p.attachments == 0);
	CHECK(sp("50-[\"x\"]", &p) == CP_SIO_EBINARY && p.attachments == 0);
	CHECK(sp("51[\"x\"]", &p) == CP_SIO_EBINARY && p.attachments == 0);
	CHECK(sp("5", &p) == CP_SIO_EBINARY);
	CHECK(sp("599999999999-[]", &p) == CP_SIO_EBINARY && p.attachments == 0);
	/* but a bad namespace or ack id inside a good header is reported */
	CHECK(sp("51-/a b,[]", &p) == CP_SIO_ENAMESPACE);
	CHECK(sp("51-99999999999999999999[]", &p) == CP_SIO_EACKID);
	CHECK(sp("61-[]", &p) == CP_SIO_EACKID);
}

static void test_depth(void)
{
	char buf[256];
	size_t n = 0;
	json_t *v;

	/* 2["x", + k nested arrays: total depth k+1 */
	for (int k = 31; k <= 32; k++) {
		n = (size_t)snprintf(buf, sizeof(buf), "2[\"x\",");
		for (int i = 0; i < k; i++)
			buf[n++] = '[';
		for (int i = 0; i < k; i++)
			buf[n++] = ']';
		buf[n++] = ']';
		buf[n] = '\0';
		CHECK(sp_dec(buf, &v) == (k == 31 ? CP_SIO_OK : CP_SIO_EDEPTH));
		json_decref(v);
	}
	/* brackets inside strings, escaped quotes, do not count */
	CHECK(cp_json_depth_ok(S("[\"[[[[\\\"[[[\",{\"k\":\"{{{{\"}]"), 2) == 0);
	CHECK(cp_json_depth_ok(S("[[[]]]"), 2) == -1);
	CHECK(cp_json_depth_ok(S("[[],[],[]]"), 2) == 0);
	CHECK(cp_json_depth_ok(S("]]]]][[["), 3) == 0);
	CHECK(cp_json_depth_ok(S("\"\\"), 0) == 0);
}

/* ------------------------------------------------------------ encoders */

#define ENC_CHECK(call, expect) do { \
	char b_[512]; \
	memset(b_, '#', sizeof(b_)); \
	ssize_t n_ = (call); \
	CHECK(n_ == (ssize_t)strlen(expect)); \
	CHECK(n_ >= 0 && n_ < (ssize_t)sizeof(b_) && \
	      memcmp(b_, expect, (size_t)n_) == 0 && b_[n_] == '#'); \
} while (0)

static void test_encoders(void)
{
	json_t *d = json_pack("{si}", "a", 1);
	char small[4];

	ENC_CHECK(cp_eio_encode_open(b_, sizeof(b_), "abc", 25000, 20000,
				     1000000),
		  "0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":25000,"
		  "\"pingTimeout\":20000,\"maxPayload\":1000000}");
	CHECK(cp_eio_encode_open(NULL, 0, "a b", 1, 1, 1) == -EINVAL);
	CHECK(cp_eio_encode_open(NULL, 0, "", 1, 1, 1) == -EINVAL);
	CHECK(cp_eio_encode_open(NULL, 0, NULL, 1, 1, 1) == -EINVAL);
	ENC_CHECK(cp_eio_encode(b_, sizeof(b_), CP_EIO_PING, NULL, 0), "2");
	ENC_CHECK(cp_eio_encode(b_, sizeof(b_), CP_EIO_PONG,
				(const uint8_t *)"probe", 5), "3probe");
	CHECK(cp_eio_encode(NULL, 0, (enum cp_eio_type)7, NULL, 0) == -EINVAL);

	ENC_CHECK(cp_sio_encode_connect_ok(b_, sizeof(b_), NULL, 0, "Zz_-09"),
		  "40{\"sid\":\"Zz_-09\"}");
	ENC_CHECK(cp_sio_encode_connect_ok(b_, sizeof(b_), "/admin", 6, "s"),
		  "40/admin,{\"sid\":\"s\"}");
	ENC_CHECK(cp_sio_encode_connect_ok(b_, sizeof(b_), "/", 1, "s"),
		  "40{\"sid\":\"s\"}");
	CHECK(cp_sio_encode_connect_ok(NULL, 0, "admin", 5, "s") == -EINVAL);
	CHECK(cp_sio_encode_connect_ok(NULL, 0, "/a b", 4, "s") == -EINVAL);
	CHECK(cp_sio_encode_connect_ok(NULL, 0, NULL, 0, "s\"") == -EINVAL);

	ENC_CHECK(cp_sio_encode_connect_error(b_, sizeof(b_), NULL, 0,
					      "unauthorized"),
		  "44{\"message\":\"unauthorized\"}");
	ENC_CHECK(cp_sio_encode_connect_error(b_, sizeof(b_), "/ns", 3,
					      "Invalid namespace"),
		  "44/ns,{\"message\":\"Invalid namespace\"}");
	ENC_CHECK(cp_sio_encode_connect_error(b_, sizeof(b_), NULL, 0,
					      "a\"b\\c\nd\x01\xc3\xa9"),
		  "44{\"message\":\"a\\\"b\\\\c\\u000ad\\u0001\xc3\xa9\"}");
	CHECK(cp_sio_encode_connect_error(NULL, 0, NULL, 0, "\xc3\x28") ==
	      -EINVAL);
	CHECK(cp_sio_encode_connect_error(NULL, 0, NULL, 0, "\xed\xa0\x80") ==
	      -EINVAL); /* surrogate */
	CHECK(cp_sio_encode_connect_error(NULL, 0, NULL, 0, "\xc0\xaf") ==
	      -EINVAL); /* overlong */
	CHECK(cp_sio_encode_connect_error(NULL, 0, NULL, 0, "\xf4\x90\x80\x80")
	      == -EINVAL); /* > U+10FFFF */
	CHECK(cp_sio_encode_connect_error(NULL, 0, NULL, 0, "\xe2\x82") ==
	      -EINVAL); /* truncated */

	ENC_CHECK(cp_sio_encode_event(b_, sizeof(b_), NULL, 0, "hello", d),
		  "42[\"hello\",{\"a\":1}]");
	ENC_CHECK(cp_sio_encode_event(b_, sizeof(b_), NULL, 0, "hello", NULL),
		  "42[\"hello\"]");
	ENC_CHECK(cp_sio_encode_event(b_, sizeof(b_), "/x", 2, "e", NULL),
		  "42/x,[\"e\"]");
	CHECK(cp_sio_encode_event(NULL, 0, NULL, 0, "connect", d) == -EINVAL);
	CHECK(cp_sio_encode_event(NULL, 0, NULL, 0, NULL, d) == -EINVAL);

	ENC_CHECK(cp_sio_encode_ack(b_, sizeof(b_), NULL, 0, 5, d),
		  "435[{\"a\":1}]");
	ENC_CHECK(cp_sio_encode_ack(b_, sizeof(b_), NULL, 0, 0, NULL), "430[]");
	ENC_CHECK(cp_sio_encode_ack(b_, sizeof(b_), NULL, 0, INT64_MAX, NULL),
		  "439223372036854775807[]");
	CHECK(cp_sio_encode_ack(NULL, 0, NULL, 0, -1, d) == -EINVAL);

	ENC_CHECK(cp_sio_encode(b_, sizeof(b_), CP_SIO_DISCONNECT, NULL, 0, -1,
				NULL), "41");
	ENC_CHECK(cp_sio_encode(b_, sizeof(b_), CP_SIO_EVENT, "/c", 2, 9, d),
		  "42/c,9{\"a\":1}");
	CHECK(cp_sio_encode(NULL, 0, CP_SIO_BINARY_EVENT, NULL, 0, -1, d) ==
	      -EINVAL);
	CHECK(cp_sio_encode(NULL, 0, (enum cp_sio_type)9, NULL, 0, -1, d) ==
	      -EINVAL);

	/* truncation: returns the full length, never writes past cap */
	memset(small, '#', sizeof(small));
	CHECK(cp_sio_encode_event(small, 3, NULL, 0, "hello", d) == 19);
	CHECK(memcmp(small, "42[", 3) == 0 && small[3] == '#');
	memset(small, '#', sizeof(small));
	CHECK(cp_sio_encode_ack(small, 2, NULL, 0, 5, d) == 12);
	CHECK(small[2] == '#');
	json_decref(d);
}

/* encode -> parse -> decode gives back the same fields */
static void roundtrip(enum cp_sio_type t, const char *nsp, int64_t ack,
		      const char *json)
{
	json_t *d = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	struct cp_eio_packet e;
	struct cp_sio_packet p;
	json_t *v = NULL;
	char buf[512];
	ssize_t n = cp_sio_encode(buf, sizeof(buf), t, nsp,
				  nsp ? strlen(nsp) : 0, ack, d);

	CHECK(n > 0 && n < (ssize_t)sizeof(buf));
	CHECK(cp_eio_parse((uint8_t *)buf, (uint8_t *)buf + n, 0, &e) ==
	      CP_SIO_OK && e.type == CP_EIO_MESSAGE);
	CHECK(cp_sio_parse(e.data, e.data + e.data_len, &p) == CP_SIO_OK);
	CHECK(p.type == t && p.ack_id == ack);
	CHECK(nsp_is(&p, nsp ? nsp : "/"));
	CHECK(cp_sio_decode(&p, 32, &v) == CP_SIO_OK);
	CHECK((d == NULL && v == NULL) || (d && v && json_equal(d, v)));
	json_decref(d);
	json_decref(v);
}

static void test_roundtrip(void)
{
	roundtrip(CP_SIO_CONNECT, NULL, -1, NULL);
	roundtrip(CP_SIO_CONNECT, "/a", -1, "{\"token\":\"t\"}");
	roundtrip(CP_SIO_DISCONNECT, "/b", -1, NULL);
	roundtrip(CP_SIO_EVENT, NULL, -1, "[\"e\",1.5,null,\"\\u00e9\"]");
	roundtrip(CP_SIO_EVENT, "/c", 0, "[\"e\",{\"n\":-12}]");
	roundtrip(CP_SIO_ACK, NULL, 77, "[]");
	roundtrip(CP_SIO_CONNECT_ERROR, "/d", -1, "{\"message\":\"m\"}");
	roundtrip(CP_SIO_CONNECT_ERROR, NULL, -1, "\"just text\"");
}

static void test_sid(void)
{
	uint8_t rnd[CP_SIO_SID_LEN];
	char sid[CP_SIO_SID_LEN + 1];
	int seen[128] = { 0 }, distinct = 0;

	for (int base = 0; base < 256; base += CP_SIO_SID_LEN) {
		for (int i = 0; i < CP_SIO_SID_LEN; i++)
			rnd[i] = (uint8_t)(base + i);
		cp_sio_make_sid(rnd, sid);
		CHECK(strlen(sid) == CP_SIO_SID_LEN);
		for (int i = 0; i < CP_SIO_SID_LEN; i++) {
			char c = sid[i];
			CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_');
			if (!seen[(int)c]++)
				distinct++;
		}
	}
	CHECK(distinct == 64); /* every symbol reachable */
	CHECK(strcmp(cp_sio_status_str(CP_SIO_EACKID), "bad ack id") == 0);
	CHECK(strcmp(cp_sio_status_str((enum cp_sio_status)99), "unknown") == 0);
}

int main(void)
{
	test_eio();
	test_connect();
	test_disconnect();
	test_event();
	test_ack_and_error();
	test_type_and_short();
	test_namespace();
	test_binary();
	test_depth();
	test_encoders();
	test_roundtrip();
	test_sid();
	if (g_fail) {
		fprintf(stderr, "test_sio_parse: %d check(s) failed\n", g_fail);
		return 1;
	}
	printf("test_sio_parse: ok\n");
	return 0;
}
