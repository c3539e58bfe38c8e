/* SPDX-License-Identifier: MIT */
/* cp_fleet_dir - see cp_fleet_dir.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_fleet_dir.h"

static int url_fail(char *err, size_t errlen, const char *what, const char *url)
{
	snprintf(err, errlen, "redis_url %s (got '%.80s'): use redis://IP:PORT, "
		 "redis://:PASSWORD@IP:PORT/DB or unix:///path/redis.sock", what, url);
	return -1;
}

/* host[:port][/db] after the scheme and optional credentials */
static int parse_hostport(const char *s, const char *url, struct cp_fleet_redis_addr *a,
			  char *err, size_t errlen)
{
	const char *host = s, *hend;
	if (*s == '[') {
		host = s + 1;
		hend = strchr(host, ']');
		if (!hend)
			return url_fail(err, errlen, "has an unclosed '['", url);
		s = hend + 1;
	} else {
		hend = host + strcspn(host, ":/");
		s = hend;
	}
	size_t hl = (size_t)(hend - host);
	if (hl == 0 || hl >= sizeof(a->host))
		return url_fail(err, errlen, "needs a host", url);
	memcpy(a->host, host, hl);
	a->host[hl] = '\0';
	if (!strcmp(a->host, "localhost"))
		snprintf(a->host, sizeof(a->host), "127.0.0.1");
	unsigned char b[16];
	if (inet_pton(AF_INET, a->host, b) != 1 && inet_pton(AF_INET6, a->host, b) != 1)
		return url_fail(err, errlen, "must name the host by IP address (no DNS lookup "
				"on the event loop)", url);
	char *end;
	if (*s == ':') {
		errno = 0;
		long p = strtol(s + 1, &end, 10);
		if (errno || end == s + 1 || p < 1 || p > 65535)
			return url_fail(err, errlen, "has a bad port", url);
		a->port = (int)p;
		s = end;
	}
	if (*s == '/' && s[1]) {
		errno = 0;
		long d = strtol(s + 1, &end, 10);
		if (errno || *end || d < 0 || d > 1000)
			return url_fail(err, errlen, "has a bad database number", url);
		a->db = (int)d;
		s = end;
	} else if (*s == '/') {
		s++;
	}
	if (*s)
		return url_fail(err, errlen, "has trailing characters", url);
	return 0;
}

int cp_fleet_redis_url_parse(const char *url, struct cp_fleet_redis_addr *a, char *err,
			     size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->port = 6379;
	if (!strncmp(url, "unix://", 7)) {
		const char *path = url + 7;
		if (path[0] != '/' || strlen(path) >= sizeof(a->path))
			return url_fail(err, errlen, "needs an absolute socket path", url);
		snprintf(a->path, sizeof(a->path), "%s", path);
		return 0;
	}
	if (strncmp(url, "redis://", 8))
		return url_fail(err, errlen, "must start with redis:// or unix://", url);
	const char *s = url + 8;
	const char *at = strrchr(s, '@');
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		const char *pw = colon ? colon + 1 : s; /* user:password or password */
		size_t pl = (size_t)(at - pw);
		if (pl == 0 || pl >= sizeof(a->password))
			return url_fail(err, errlen, "has an empty or long password", url);
		memcpy(a->password, pw, pl);
		a->password[pl] = '\0';
		s = at + 1;
	}
	return parse_hostport(s, url, a, err, errlen);
}

int cp_fleet_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > CP_FLEET_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int cp_fleet_node_json(const struct cp_fleet_node *n, char *buf, size_t len)
{
	json_t *o = json_pack("{sssssssIsI}", "id", n->id, "url", n->url, "media", n->media,
			      "capacity", (json_int_t)n->capacity, "load", (json_int_t)n->load);
	if (!o)
		return -1;
	size_t need = json_dumpb(o, buf, len, JSON_COMPACT);
	json_decref(o);
	if (need == 0 || need >= len)
		return -1;
	buf[need] = '\0';
	return (int)need;
}

static int str_member(json_t *o, const char *key, char *dst, size_t size, int required,
		      char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!v && !required) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "node record: '%s' must be a string of at most %zu bytes",
			 key, size - 1);
		return -1;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int uint_member(json_t *o, const char *key, uint32_t *dst, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX) {
		snprintf(err, errlen, "node record: '%s' must be a whole number >= 0", key);
		return -1;
	}
	*dst = (uint32_t)json_integer_value(v);
	return 0;
}

int cp_fleet_node_parse(const char *json, size_t len, struct cp_fleet_node *n, char *err,
			size_t errlen)
{
	memset(n, 0, sizeof(*n));
	if (len > CP_FLEET_RECORD_MAX) {
		snprintf(err, errlen, "node record: longer than %d bytes", CP_FLEET_RECORD_MAX);
		return -1;
	}
	json_error_t je;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	int rc = -1;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "node record: not a JSON object");
		goto out;
	}
	if (str_member(o, "id", n->id, sizeof(n->id), 1, err, errlen) ||
	    str_member(o, "url", n->url, sizeof(n->url), 1, err, errlen) ||
	    str_member(o, "media", n->media, sizeof(n->media), 0, err, errlen) ||
	    uint_member(o, "capacity", &n->capacity, err, errlen) ||
	    uint_member(o, "load", &n->load, err, errlen))
		goto out;
	if (!cp_fleet_id_valid(n->id)) {
		snprintf(err, errlen, "node record: bad id");
		goto out;
	}
	if (n->url[0] == '\0' || n->capacity == 0) {
		snprintf(err, errlen, "node record: empty url or capacity 0");
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* -1, 0, 1 as a's load per capacity is below, equal, above b's */
static int cmp_load(const struct cp_fleet_node *a, const struct cp_fleet_node *b)
{
	uint64_t x = (uint64_t)a->load * b->capacity, y = (uint64_t)b->load * a->capacity;
	return x < y ? -1 : x > y ? 1 : 0;
}

int cp_fleet_choose_home(const struct cp_fleet_node *nodes, size_t n, int self)
{
	int best = -1;
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].capacity == 0 || nodes[i].load >= nodes[i].capacity)
			continue;
		if (best < 0) {
			best = (int)i;
			continue;
		}
		int c = cmp_load(&nodes[i], &nodes[best]);
		if (c < 0 || (c == 0 && (int)i == self) ||
		    (c == 0 && best != self && strcmp(nodes[i].id, nodes[best].id) < 0))
			best = (int)i;
	}
	return best;
}
