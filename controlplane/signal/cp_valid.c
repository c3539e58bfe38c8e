/* SPDX-License-Identifier: MIT */
/* cp_valid - see cp_valid.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_valid.h"

const char *cp_sig_code_name(enum cp_sig_code c)
{
	static const char *const names[CP_SIG__COUNT] = {
		"OK", "UNAUTHENTICATED", "FORBIDDEN", "BAD_REQUEST", "NOT_FOUND",
		"NOT_JOINED", "ALREADY_JOINED", "ROOM_FULL", "OVERLOADED", "INTERNAL",
		"REDIRECT",
	};
	return (unsigned)c < CP_SIG__COUNT ? names[c] : "INTERNAL";
}

static enum cp_sig_code bad(char *err, size_t errlen, const char *fmt, const char *a)
{
	if (errlen)
		snprintf(err, errlen, fmt, a);
	return CP_SIG_BAD_REQUEST;
}

enum cp_sig_code cp_valid_object(const json_t *payload, char *err, size_t errlen)
{
	if (!json_is_object(payload))
		return bad(err, errlen, "the payload must be an object%s", "");
	return CP_SIG_OK;
}

enum cp_sig_code cp_valid_string(const json_t *payload, const char *key, size_t max,
				 const char **out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(payload, key);
	*out = NULL;
	if (!v)
		return bad(err, errlen, "missing '%s'", key);
	if (!json_is_string(v))
		return bad(err, errlen, "'%s' must be a string", key);
	size_t len = json_string_length(v);
	const char *s = json_string_value(v);
	if (len == 0)
		return bad(err, errlen, "'%s' must not be empty", key);
	if (len > max || strlen(s) != len) {
		if (errlen)
			snprintf(err, errlen, "'%s' is too long or contains NUL (at most %zu bytes)",
				 key, max);
		return CP_SIG_BAD_REQUEST;
	}
	*out = s;
	return CP_SIG_OK;
}

enum cp_sig_code cp_valid_json_size(const json_t *v, size_t max, const char *what, char *err,
				    size_t errlen)
{
	/* with no buffer json_dumpb only counts the bytes it would write */
	size_t n = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	if (n > max) {
		if (errlen)
			snprintf(err, errlen, "%s is too large: %zu bytes of JSON, at most %zu", what,
				 n, max);
		return CP_SIG_BAD_REQUEST;
	}
	return CP_SIG_OK;
}

enum cp_sig_code cp_valid_direction(const json_t *payload, int *is_send, char *err, size_t errlen)
{
	const char *d;
	if (cp_valid_string(payload, "direction", 8, &d, err, errlen) != CP_SIG_OK ||
	    (strcmp(d, "send") && strcmp(d, "recv")))
		return bad(err, errlen, "'direction' must be \"send\" or \"recv\"%s", "");
	*is_send = !strcmp(d, "send");
	return CP_SIG_OK;
}

enum cp_sig_code cp_valid_kind(const json_t *payload, int *kind, char *err, size_t errlen)
{
	const char *k;
	if (cp_valid_string(payload, "kind", 8, &k, err, errlen) != CP_SIG_OK ||
	    (strcmp(k, "audio") && strcmp(k, "video")))
		return bad(err, errlen, "'kind' must be \"audio\" or \"video\"%s", "");
	*kind = !strcmp(k, "audio") ? 1 : 2;
	return CP_SIG_OK;
}

size_t cp_valid_fp_len(const char *a)
{
	if (!strcasecmp(a, "sha-1"))
		return 20;
	if (!strcasecmp(a, "sha-224"))
		return 28;
	if (!strcasecmp(a, "sha-256"))
		return 32;
	if (!strcasecmp(a, "sha-384"))
		return 48;
	if (!strcasecmp(a, "sha-512"))
		return 64;
	return 0;
}

int cp_valid_fp_value(const char *v, size_t len)
{
	size_t n = strlen(v);
	int colons;
	if (n == len * 2)
		colons = 0;
	else if (n == len * 3 - 1)
		colons = 1;
	else
		return 0;
	for (size_t i = 0, k = 0; i < len; i++) {
		if (!isxdigit((unsigned char)v[k]) || !isxdigit((unsigned char)v[k + 1]))
			return 0;
		k += 2;
		if (colons && i + 1 < len) {
			if (v[k] != ':')
				return 0;
			k++;
		}
	}
	return 1;
}

/* The rank of an algorithm: higher is preferred, 0 unknown. */
static int fp_rank(const char *a)
{
	static const char *const order[] = {"sha-1", "sha-224", "sha-256", "sha-384", "sha-512"};
	for (int i = 0; i < 5; i++)
		if (!strcasecmp(a, order[i]))
			return i + 1;
	return 0;
}

static enum cp_sig_code dtls_role(const json_t *dp, const char **role, char *err, size_t errlen)
{
	const json_t *r = json_object_get(dp, "role");
	*role = "auto";
	if (!r || json_is_null(r))
		return CP_SIG_OK;
	const char *s = json_string_value(r);
	if (!s || (strcmp(s, "auto") && strcmp(s, "client") && strcmp(s, "server")))
		return bad(err, errlen,
			   "dtlsParameters.role must be \"auto\", \"client\" or \"server\"%s", "");
	*role = s;
	return CP_SIG_OK;
}

enum cp_sig_code cp_valid_dtls_parameters(const json_t *dp, struct cp_dtls_remote *out,
					  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(dp))
		return bad(err, errlen, "'dtlsParameters' must be an object%s", "");
	if (dtls_role(dp, &out->role, err, errlen) != CP_SIG_OK)
		return CP_SIG_BAD_REQUEST;
	const json_t *fps = json_object_get(dp, "fingerprints");
	if (!json_is_array(fps) || json_array_size(fps) == 0)
		return bad(err, errlen, "dtlsParameters.fingerprints must be a non-empty array%s",
			   "");
	int best = 0;
	size_t n = json_array_size(fps);
	for (size_t i = 0; i < n && i < CP_VALID_FP_MAX; i++) {
		const json_t *f = json_array_get(fps, i);
		const char *a = json_string_value(json_object_get(f, "algorithm"));
		const char *v = json_string_value(json_object_get(f, "value"));
		if (!json_is_object(f) || !a || !v)
			return bad(err, errlen, "each fingerprint must be {algorithm, value} "
						"strings%s", "");
		int rank = fp_rank(a);
		if (rank == 0)
			continue; /* an algorithm we do not know: like mediasoup, skip it */
		if (!cp_valid_fp_value(v, cp_valid_fp_len(a)))
			return bad(err, errlen, "the %s fingerprint value is not hex byte pairs of "
						"the right length", a);
		if (rank > best) {
			best = rank;
			out->algorithm = a;
			out->value = v;
		}
	}
	if (!best)
		return bad(err, errlen, "dtlsParameters.fingerprints has no supported algorithm "
					"(sha-1, sha-224, sha-256, sha-384, sha-512)%s", "");
	return CP_SIG_OK;
}
