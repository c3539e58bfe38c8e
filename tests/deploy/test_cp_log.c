/* SPDX-License-Identifier: MIT */
/* cp_log: JSON escaping (quotes, control characters, every kind of invalid
 * UTF-8, cuts on character boundaries), the json and text line formats, the
 * log_format key, and real cp_log() output read back from stderr. Every JSON
 * line is parsed with jansson, which refuses invalid JSON and invalid UTF-8. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../../controlplane/cp_config.h"
#include "../../controlplane/cp_log.h"
#include "../unit/check.h"

static int esc_is(const char *src, const char *want)
{
	char out[256];
	cp_log_json_escape(out, sizeof(out), src);
	if (strcmp(out, want)) {
		fprintf(stderr, "escape: got '%s', want '%s'\n", out, want);
		return 0;
	}
	return 1;
}

/* "src" escaped, wrapped in quotes and parsed: the decoded string. */
static int round_trip(const char *src, char *decoded, size_t cap)
{
	static char esc[8192], doc[8300];
	cp_log_json_escape(esc, sizeof(esc), src);
	snprintf(doc, sizeof(doc), "[\"%s\"]", esc);
	json_error_t e;
	json_t *j = json_loads(doc, 0, &e);
	if (!j)
		return 0;
	snprintf(decoded, cap, "%s", json_string_value(json_array_get(j, 0)));
	json_decref(j);
	return 1;
}

static void test_escape(void)
{
	char d[256];
	CHECK(esc_is("plain text 123", "plain text 123"));
	CHECK(esc_is("a\"b\\c", "a\\\"b\\\\c"));
	CHECK(esc_is("l1\nl2\r\t", "l1\\nl2\\r\\t"));
	CHECK(esc_is("\x01\x1f\x7f", "\\u0001\\u001f\x7f"));
	CHECK(esc_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	/* invalid UTF-8 -> U+FFFD per bad byte */
	CHECK(esc_is("a\x80z", "a\xef\xbf\xbdz"));                        /* stray continuation */
	CHECK(esc_is("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"));             /* overlong '/' */
	CHECK(esc_is("\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")); /* overlong */
	CHECK(esc_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")); /* surrogate */
	CHECK(esc_is("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"));
	CHECK(esc_is("\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd"));
	CHECK(esc_is("x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd")); /* sequence cut by the end */
	CHECK(esc_is("\xf0\x9f\x98", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"));
	CHECK(round_trip("he said \"hi\"\n\x02\xc3", d, sizeof(d)));
	CHECK(!strcmp(d, "he said \"hi\"\n\x02\xef\xbf\xbd"));
}

static void test_cut(void)
{
	char out[16];
	CHECK_EQ(cp_log_json_escape(out, 4, "ab\"c"), 2); /* \" does not fit whole */
	CHECK(!strcmp(out, "ab"));
	CHECK_EQ(cp_log_json_escape(out, 5, "ab\"c"), 4);
	CHECK(!strcmp(out, "ab\\\""));
	CHECK_EQ(cp_log_json_escape(out, 6, "\x01"), 0); /* \u0001 needs 6 + NUL */
	CHECK_EQ(cp_log_json_escape(out, 7, "\x01"), 6);
	CHECK_EQ(cp_log_json_escape(out, 3, "\xe2\x82\xac"), 0); /* euro sign not split */
	CHECK_EQ(cp_log_json_escape(out, 4, "\xe2\x82\xac"), 3);
	CHECK_EQ(cp_log_json_escape(out, 1, "abc"), 0);
	CHECK(out[0] == '\0');
}

/* Random byte strings (a fixed LCG): every escape parses as a JSON string. */
static void test_random(void)
{
	uint32_t x = 12345;
	int bad = 0;
	for (int i = 0; i < 20000; i++) {
		char src[64], d[512];
		int n = 1 + i % 63;
		for (int k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			src[k] = (char)(1 + (x >> 16) % 255); /* no NUL inside */
		}
		src[n] = '\0';
		if (!round_trip(src, d, sizeof(d)))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static json_t *parse_line(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);
	if (!j)
		fprintf(stderr, "not JSON (%s): %s\n", e.text, line);
	return j;
}

static const char *field(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static void test_format(void)
{
	static char line[16384];
	const char *ts = "2026-01-02T03:04:05.678Z";
	cp_log_format_line(line, sizeof(line), CP_LOG_JSON, ts, CP_LOG_INFO, "room-1", "peer-2",
			   "tr-3", "signal: transport tr-3 (peer peer-2) closed");
	json_t *j = parse_line(line);
	CHECK(j != NULL);
	if (j) {
		CHECK(!strcmp(field(j, "ts"), ts));
		CHECK(!strcmp(field(j, "level"), "info"));
		CHECK(!strcmp(field(j, "component"), "signal"));
		CHECK(!strcmp(field(j, "msg"), "transport tr-3 (peer peer-2) closed"));
		CHECK(!strcmp(field(j, "room"), "room-1"));
		CHECK(!strcmp(field(j, "peer"), "peer-2"));
		CHECK(!strcmp(field(j, "transport"), "tr-3"));
		CHECK_EQ(json_object_size(j), 7);
		json_decref(j);
	}
	/* no ids, no component prefix, hostile bytes everywhere */
	cp_log_format_line(line, sizeof(line), CP_LOG_JSON, ts, CP_LOG_WARN, NULL,
			   "p\"\xff\n", NULL, "Upper: \"quoted\"\tand\x01 \xc3(");
	j = parse_line(line);
	CHECK(j != NULL);
	if (j) {
		CHECK(!strcmp(field(j, "level"), "warn"));
		CHECK(!strcmp(field(j, "component"), "controlplane"));
		CHECK(!strcmp(field(j, "msg"), "Upper: \"quoted\"\tand\x01 \xef\xbf\xbd("));
		CHECK(!strcmp(field(j, "peer"), "p\"\xef\xbf\xbd\n"));
		CHECK(json_object_get(j, "room") == NULL);
		CHECK(json_object_get(j, "transport") == NULL);
		json_decref(j);
	}
	/* a message of the largest size, all control bytes: still one object */
	static char big[CP_LOG_MSG_MAX];
	memset(big, '\x02', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cp_log_format_line(line, sizeof(line), CP_LOG_JSON, ts, CP_LOG_DEBUG, "r", "p", "t", big);
	j = parse_line(line);
	CHECK(j != NULL);
	if (j) {
		CHECK_EQ(strlen(field(j, "msg")), CP_LOG_MSG_MAX - 1);
		CHECK(!strcmp(field(j, "transport"), "t"));
		json_decref(j);
	}
	/* text: as before, ids only in the message */
	cp_log_format_line(line, sizeof(line), CP_LOG_TEXT, ts, CP_LOG_INFO, "r", "p", "t",
			   "signal: hello");
	CHECK(!strcmp(line, "2026-01-02T03:04:05.678Z info  signal: hello"));
}

static void test_config(void)
{
	struct cp_config c;
	char err[512];
	cp_config_defaults(&c);
	CHECK(!strcmp(c.log_format, "text"));
	CHECK_EQ(cp_config_set(&c, "dev_mode", "true", "test", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "log_format", "xml", "test", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "log_format must be text or json") != NULL);
	CHECK_EQ(cp_config_set(&c, "log_format", "json", "test", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);
	enum cp_log_format f;
	CHECK_EQ(cp_log_parse_format("json", &f), 0);
	CHECK_EQ(f, CP_LOG_JSON);
	CHECK_EQ(cp_log_parse_format("JSON", &f), -1);
}

/* cp_log() itself, with stderr sent to a file and read back line by line. */
static void test_real_output(void)
{
	FILE *tmp = tmpfile();
	CHECK(tmp != NULL);
	if (!tmp)
		return;
	int saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	cp_log_set_format(CP_LOG_JSON);
	cp_log_set_level(CP_LOG_INFO);
	CP_INFO_IDS("r1", "p1", NULL, "signal: peer %s joined room %s", "p1", "r1");
	CP_WARN("dataplane: \"%s\" went away\n", "x");
	CP_DBG_IDS("r1", "p1", "t1", "signal: not shown at info");
	CP_ERR_IDS(NULL, NULL, "t9", "signal: transport %s: DTLS failed", "t9");
	cp_log_set_format(CP_LOG_TEXT);
	CP_INFO("signal: text line");
	dup2(saved, STDERR_FILENO);
	close(saved);

	rewind(tmp);
	static char line[16384];
	int n = 0;
	while (fgets(line, sizeof(line), tmp)) {
		size_t len = strlen(line);
		CHECK(len > 0 && line[len - 1] == '\n');
		line[--len] = '\0';
		n++;
		if (n == 4) {
			CHECK(strstr(line, " info  signal: text line") != NULL);
			continue;
		}
		json_t *j = parse_line(line);
		CHECK(j != NULL);
		if (!j)
			continue;
		if (n == 1) {
			CHECK(!strcmp(field(j, "msg"), "peer p1 joined room r1"));
			CHECK(!strcmp(field(j, "room"), "r1") && !strcmp(field(j, "peer"), "p1"));
			CHECK(json_object_get(j, "transport") == NULL);
		} else if (n == 2) {
			CHECK(!strcmp(field(j, "component"), "dataplane"));
			CHECK(!strcmp(field(j, "msg"), "\"x\" went away\n"));
		} else if (n == 3) {
			CHECK(!strcmp(field(j, "level"), "error"));
			CHECK(!strcmp(field(j, "transport"), "t9"));
		}
		CHECK(strlen(field(j, "ts")) == 24);
		json_decref(j);
	}
	CHECK_EQ(n, 4);
	fclose(tmp);
}

int main(void)
{
	test_escape();
	test_cut();
	test_random();
	test_format();
	test_config();
	test_real_output();
	return check_report("test_cp_log");
}
