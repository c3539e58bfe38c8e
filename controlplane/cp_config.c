/* SPDX-License-Identifier: MIT */
/* cp_config - see cp_config.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_config.h"
#include "cp_log.h"
#include "fleet/cp_fleet_dir.h"

enum kind { K_STR, K_INT, K_BOOL, K_IP };

struct key {
	const char *name;
	const char *alias_env; /* PeerWave's name, or NULL */
	enum kind kind;
	size_t off;
	size_t size; /* strings */
	long lo, hi; /* ints */
};

#define S(n, a) {#n, a, K_STR, offsetof(struct cp_config, n), sizeof(((struct cp_config *)0)->n), 0, 0}
#define IP(n, a) {#n, a, K_IP, offsetof(struct cp_config, n), sizeof(((struct cp_config *)0)->n), 0, 0}
#define I(n, a, lo, hi) {#n, a, K_INT, offsetof(struct cp_config, n), 0, lo, hi}
#define B(n) {#n, NULL, K_BOOL, offsetof(struct cp_config, n), 0, 0, 1}

static const struct key keys[] = {
	IP(http_listen, NULL),
	I(http_port, NULL, 1, 65535),
	S(shm, NULL),
	IP(listen_ip, "MEDIASOUP_LISTEN_IP"),
	S(announced_ip, "MEDIASOUP_ANNOUNCED_IP"),
	I(rtc_min_port, "MEDIASOUP_MIN_PORT", 1024, 65535),
	I(rtc_max_port, "MEDIASOUP_MAX_PORT", 1024, 65535),
	I(num_workers, "MEDIASOUP_NUM_WORKERS", 0, 64),
	S(jwt_secret, NULL),
	S(jwt_secret_file, NULL),
	B(dev_mode),
	S(admin_token, NULL),
	S(admin_token_file, NULL),
	I(heartbeat_timeout_ms, NULL, 100, 60000),
	I(ping_interval_ms, NULL, 100, 600000),
	I(ping_timeout_ms, NULL, 100, 600000),
	I(max_payload, NULL, 1024, 100000000),
	I(max_rooms, NULL, 1, 1000000),
	I(max_peers_per_room, NULL, 1, 100000),
	I(max_transports_per_peer, NULL, 1, 64),
	I(max_requests_per_sec, NULL, 1, 100000),
	I(dtls_timeout_ms, NULL, 1000, 600000),
	S(dtls_cert, NULL),
	S(dtls_key, NULL),
	S(demo_dir, NULL),
	S(log_level, NULL),
	S(log_format, NULL),
	S(placement, NULL),
	I(room_affinity_max, NULL, 0, 100000),
	I(auth_timeout_ms, NULL, 100, 600000),
	I(max_connections, NULL, 1, 1000000),
	I(max_connections_per_ip, NULL, 1, 1000000),
	I(max_payload_unauth, NULL, 256, 100000000),
	I(max_rate_violations, NULL, 1, 1000000),
	I(http_timeout_ms, NULL, 1000, 600000),
	I(max_consumers_per_peer, NULL, 1, 100000),
	I(max_producers_per_transport, NULL, 1, 1024),
	I(max_app_data_bytes, NULL, 2, 100000000),
	I(max_codec_parameters_bytes, NULL, 2, 100000000),
	/* fleet */
	S(redis_url, NULL),
	S(node_id, NULL),
	S(public_url, NULL),
	I(node_capacity, NULL, 1, 10000000),
	I(fleet_ttl_ms, NULL, 1000, 3600000),
	I(reconcile_interval_ms, NULL, 0, 86400000),
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

void cp_config_defaults(struct cp_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->http_listen, sizeof(c->http_listen), "127.0.0.1");
	c->http_port = 8080;
	snprintf(c->shm, sizeof(c->shm), "/sluice");
	snprintf(c->listen_ip, sizeof(c->listen_ip), "0.0.0.0");
	c->rtc_min_port = 40000;
	c->rtc_max_port = 40099;
	c->heartbeat_timeout_ms = 1000;
	c->ping_interval_ms = 25000;
	c->ping_timeout_ms = 20000;
	c->max_payload = 1000000;
	c->max_rooms = 10000;
	c->max_peers_per_room = 500;
	c->max_transports_per_peer = 2;
	c->max_requests_per_sec = 200;
	c->dtls_timeout_ms = 30000;
	snprintf(c->log_level, sizeof(c->log_level), "info");
	snprintf(c->log_format, sizeof(c->log_format), "text");
	snprintf(c->placement, sizeof(c->placement), "auto");
	c->room_affinity_max = 64;
	c->auth_timeout_ms = 10000;
	c->max_connections = 10000;
	c->max_connections_per_ip = 256;
	c->max_payload_unauth = 4096;
	c->max_rate_violations = 1000;
	c->http_timeout_ms = 10000;
	/* a 100-peer room: 99 others x (audio, video, screen video + audio) = 396 */
	c->max_consumers_per_peer = 400;
	c->max_producers_per_transport = 32;
	c->max_app_data_bytes = 4096;
	c->max_codec_parameters_bytes = 1024;
	/* fleet */
	c->node_capacity = 1000;
	c->fleet_ttl_ms = 10000;
	c->reconcile_interval_ms = 10000;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

int cp_config_set(struct cp_config *c, const char *name, const char *v, const char *origin,
		  char *err, size_t errlen)
{
	const struct key *k = find_key(name);
	if (!k) {
		snprintf(err, errlen, "%s: unknown key '%s' (see README, Configuration)", origin, name);
		return -1;
	}
	char *dst = (char *)c + k->off;
	switch (k->kind) {
	case K_IP: {
		unsigned char buf[16];
		if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1) {
			snprintf(err, errlen, "%s: %s must be an IP address like 127.0.0.1 (got '%s')",
				 origin, name, v);
			return -1;
		}
	}
	/* fallthrough */
	case K_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "%s: %s is longer than %zu characters", origin, name,
				 k->size - 1);
			return -1;
		}
		snprintf(dst, k->size, "%s", v);
		return 0;
	case K_INT:
	case K_BOOL: {
		char *end;
		errno = 0;
		long x;
		if (k->kind == K_BOOL && (!strcmp(v, "true") || !strcmp(v, "yes")))
			x = 1;
		else if (k->kind == K_BOOL && (!strcmp(v, "false") || !strcmp(v, "no")))
			x = 0;
		else
			x = strtol(v, &end, 10);
		if ((k->kind == K_INT || isdigit((unsigned char)v[0])) &&
		    (errno || *v == '\0' || *end != '\0' || x < k->lo || x > k->hi)) {
			snprintf(err, errlen, "%s: %s must be %s %ld..%ld (got '%s')", origin, name,
				 k->kind == K_BOOL ? "a boolean or" : "a whole number in", k->lo,
				 k->hi, v);
			return -1;
		}
		if (k->kind == K_BOOL && !isdigit((unsigned char)v[0]) && strcmp(v, "true") &&
		    strcmp(v, "yes") && strcmp(v, "false") && strcmp(v, "no")) {
			snprintf(err, errlen, "%s: %s must be true or false (got '%s')", origin, name, v);
			return -1;
		}
		*(int *)(void *)dst = (int)x;
		return 0;
	}
	}
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int cp_config_load_file(struct cp_config *c, const char *path, char *err, size_t errlen)
{
	if (!path)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read config file %s: %s (fix the path given with -c)",
			 path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		char origin[300];
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		if (!eq) {
			snprintf(err, errlen, "%s: expected 'key = value'", origin);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *val = trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = '\0';
			val++;
		}
		rc = cp_config_set(c, trim(s), val, origin, err, errlen);
	}
	fclose(f);
	return rc;
}

int cp_config_load_env(struct cp_config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		char env[96];
		snprintf(env, sizeof(env), "SLUICE_");
		for (size_t j = 0; keys[i].name[j] && j < 80; j++)
			env[7 + j] = (char)toupper((unsigned char)keys[i].name[j]), env[8 + j] = '\0';
		const char *v = getenv(env);
		const char *origin = env;
		if (!v && keys[i].alias_env) {
			v = getenv(keys[i].alias_env);
			origin = keys[i].alias_env;
		}
		if (v && cp_config_set(c, keys[i].name, v, origin, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Reads the file key `key` names into dst (size bytes), whitespace trimmed. */
static int load_secret_file(const char *key, const char *path, char *dst, size_t size,
			    char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s %s: %s (fix the path or unset %s)", key, path,
			 strerror(errno), key);
		return -1;
	}
	char buf[256];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(dst, size, "%s", trim(buf));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

#define ADMIN_TOKEN_MIN 16

/* admin_token: off when empty; else 16+ visible ASCII characters (it goes
 * in an HTTP header) and not the user-token secret. */
static int check_admin_token(const struct cp_config *c, char *err, size_t errlen)
{
	const char *t = c->admin_token;
	if (!t[0])
		return 0;
	for (const char *q = t; *q; q++)
		if (*q < 0x21 || *q > 0x7e) {
			snprintf(err, errlen, "admin_token must be printable ASCII without spaces "
				 "(it is sent as 'Authorization: Bearer <admin_token>'): make one "
				 "with 'head -c 32 /dev/urandom | base64'");
			return -1;
		}
	if (strlen(t) < ADMIN_TOKEN_MIN) {
		snprintf(err, errlen, "admin_token is shorter than %d characters: set "
			 "SLUICE_ADMIN_TOKEN (or admin_token_file) to a random string of %d+ "
			 "characters, or leave it empty to turn the admin API off",
			 ADMIN_TOKEN_MIN, ADMIN_TOKEN_MIN);
		return -1;
	}
	if (!strcmp(t, c->jwt_secret)) {
		snprintf(err, errlen, "admin_token equals jwt_secret: the admin token must be a "
			 "separate secret (users' tokens are signed with jwt_secret)");
		return -1;
	}
	return 0;
}

/* The fleet keys (README "Fleet"): only checked when redis_url is set. */
static int validate_fleet(struct cp_config *c, char *err, size_t errlen)
{
	struct cp_fleet_redis_addr ra;
	if (c->redis_url[0] == '\0')
		return 0;
	if (cp_fleet_redis_url_parse(c->redis_url, &ra, err, errlen))
		return -1;
	if (strncmp(c->public_url, "http://", 7) && strncmp(c->public_url, "https://", 8)) {
		snprintf(err, errlen, "public_url must be set with redis_url: the http(s):// URL "
			 "clients use to reach this node's signaling (got '%s')", c->public_url);
		return -1;
	}
	for (const char *u = c->public_url; *u; u++)
		if (*u <= ' ' || *u > '~' || *u == '"' || *u == '\\') {
			snprintf(err, errlen, "public_url must be a plain URL (printable ASCII, no "
				 "spaces, quotes or backslashes; percent-encode the rest)");
			return -1;
		}
	if (c->node_id[0] == '\0') {
		char host[40] = "node";
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		for (char *h = host; *h; h++)
			if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.')
				*h = '_';
		snprintf(c->node_id, sizeof(c->node_id), "%s-%ld", host, (long)getpid());
	}
	if (!cp_fleet_id_valid(c->node_id)) {
		snprintf(err, errlen, "node_id must be 1..64 characters of A-Z a-z 0-9 . _ - "
			 "(got '%s')", c->node_id);
		return -1;
	}
	return 0;
}

int cp_config_validate(struct cp_config *c, char *err, size_t errlen)
{
	if (validate_fleet(c, err, errlen))
		return -1;
	enum cp_log_level lvl;
	enum cp_log_format fmt;
	if (cp_log_parse_level(c->log_level, &lvl) != 0) {
		snprintf(err, errlen, "log_level must be error, warn, info or debug (got '%s')",
			 c->log_level);
		return -1;
	}
	if (cp_log_parse_format(c->log_format, &fmt) != 0) {
		snprintf(err, errlen, "log_format must be text or json (got '%s')", c->log_format);
		return -1;
	}
	if (strcmp(c->placement, "auto") && strcmp(c->placement, "round-robin")) {
		snprintf(err, errlen, "placement must be auto or round-robin (got '%s')",
			 c->placement);
		return -1;
	}
	if (c->rtc_min_port > c->rtc_max_port) {
		snprintf(err, errlen, "rtc_min_port (%d) is above rtc_max_port (%d): swap them",
			 c->rtc_min_port, c->rtc_max_port);
		return -1;
	}
	if (c->shm[0] != '/' || strchr(c->shm + 1, '/')) {
		snprintf(err, errlen, "shm must look like /sluice (got '%s')", c->shm);
		return -1;
	}
	if (c->ping_timeout_ms >= c->ping_interval_ms + 600000) {
		snprintf(err, errlen, "ping_timeout_ms is unreasonably large");
		return -1;
	}
	if (c->max_payload_unauth > c->max_payload) {
		snprintf(err, errlen, "max_payload_unauth (%d) is above max_payload (%d): lower "
			 "max_payload_unauth or raise max_payload", c->max_payload_unauth,
			 c->max_payload);
		return -1;
	}
	if (c->max_connections_per_ip > c->max_connections) {
		snprintf(err, errlen, "max_connections_per_ip (%d) is above max_connections (%d): "
			 "lower max_connections_per_ip or raise max_connections",
			 c->max_connections_per_ip, c->max_connections);
		return -1;
	}
	if (c->max_app_data_bytes > c->max_payload) {
		snprintf(err, errlen, "max_app_data_bytes (%d) is above max_payload (%d): lower "
			 "max_app_data_bytes or raise max_payload", c->max_app_data_bytes,
			 c->max_payload);
		return -1;
	}
	if (c->max_codec_parameters_bytes > c->max_payload) {
		snprintf(err, errlen, "max_codec_parameters_bytes (%d) is above max_payload (%d): "
			 "lower max_codec_parameters_bytes or raise max_payload",
			 c->max_codec_parameters_bytes, c->max_payload);
		return -1;
	}
	if (c->jwt_secret_file[0] &&
	    load_secret_file("jwt_secret_file", c->jwt_secret_file, c->jwt_secret,
			     sizeof(c->jwt_secret), err, errlen) != 0)
		return -1;
	if (c->admin_token_file[0] &&
	    load_secret_file("admin_token_file", c->admin_token_file, c->admin_token,
			     sizeof(c->admin_token), err, errlen) != 0)
		return -1;
	if (check_admin_token(c, err, errlen))
		return -1;
	if (!c->dev_mode && (strlen(c->jwt_secret) < 16 || !strcmp(c->jwt_secret, "secret") ||
			     !strcmp(c->jwt_secret, "changeme"))) {
		snprintf(err, errlen,
			 "jwt_secret is empty, short or a default: set SLUICE_JWT_SECRET (or "
			 "jwt_secret_file) to a random string of 16+ characters, or dev_mode = "
			 "true for a development run");
		return -1;
	}
	if ((c->dtls_cert[0] != '\0') != (c->dtls_key[0] != '\0')) {
		snprintf(err, errlen, "dtls_cert and dtls_key go together: set both or neither");
		return -1;
	}
	cp_log_set_level(lvl);
	cp_log_set_format(fmt);
	return 0;
}
