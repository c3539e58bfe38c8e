/* SPDX-License-Identifier: MIT */
/*
 * sluice-token: mint an HS256 access token for the Sluice control plane.
 *
 *   sluice-token --secret S | --secret-file F  --sub USER [--room R]
 *                [--ttl SECONDS] [--no-pub] [--no-sub]
 *
 * The secret is taken from --secret, else --secret-file (its content, with
 * trailing CR/LF/space removed), else the environment variable
 * SLUICE_JWT_SECRET. (--secret is visible to other local users in the
 * process list: prefer the file or the environment.) The token goes to
 * stdout followed by a newline. Exit status: 0 ok, 1 error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp_jwt.h"

#define TOKEN_DEFAULT_TTL 3600
#define TOKEN_MAX_TTL (10LL * 365 * 24 * 3600)
#define SECRET_FILE_MAX 4096

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-token (--secret S | --secret-file F) --sub USER\n"
		"                    [--room R] [--ttl SECONDS] [--no-pub] [--no-sub]\n"
		"  the secret may also come from $SLUICE_JWT_SECRET\n"
		"  --ttl      lifetime in seconds (default %d)\n"
		"  --no-pub   token may not produce media (pub=false)\n"
		"  --no-sub   token may not consume media (sub_media=false)\n",
		TOKEN_DEFAULT_TTL);
}

/* Read a secret file into buf (NUL-terminated), trailing whitespace cut.
 * Returns its length or -1. */
static long read_secret_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "sluice-token: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, cap - 1, f);
	if (ferror(f) || (n == cap - 1 && fgetc(f) != EOF)) {
		fprintf(stderr, "sluice-token: %s: unreadable or longer than %zu bytes\n",
			path, cap - 2);
		fclose(f);
		return -1;
	}
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
			 buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return (long)n;
}

static int parse_ttl(const char *s, long long *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !end || *end || v <= 0 || v > TOKEN_MAX_TTL)
		return -1;
	*out = v;
	return 0;
}

static int copy_claim(char *dst, size_t max, const char *src,
		      const char *what)
{
	size_t n = strlen(src);

	if (n == 0 || n > max) {
		fprintf(stderr, "sluice-token: %s must be 1..%zu bytes\n", what,
			max);
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 's' },
		{ "secret-file", required_argument, NULL, 'f' },
		{ "sub", required_argument, NULL, 'u' },
		{ "room", required_argument, NULL, 'r' },
		{ "ttl", required_argument, NULL, 't' },
		{ "no-pub", no_argument, NULL, 'P' },
		{ "no-sub", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *secret = NULL, *secret_file = NULL, *sub = NULL;
	const char *room = NULL;
	static char file_secret[SECRET_FILE_MAX];
	struct cp_jwt_claims c;
	long long ttl = TOKEN_DEFAULT_TTL;
	char token[CP_JWT_MAX_LEN + 1];
	size_t secret_len;
	ssize_t n;
	int opt;

	memset(&c, 0, sizeof(c));
	c.pub = true;
	c.sub_media = true;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': secret = optarg; break;
		case 'f': secret_file = optarg; break;
		case 'u': sub = optarg; break;
		case 'r': room = optarg; break;
		case 'P': c.pub = false; break;
		case 'S': c.sub_media = false; break;
		case 't':
			if (parse_ttl(optarg, &ttl) != 0) {
				fprintf(stderr, "sluice-token: bad --ttl '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !sub) {
		usage(stderr);
		return 2;
	}
	if (!secret && secret_file) {
		if (read_secret_file(secret_file, file_secret,
				     sizeof(file_secret)) < 0)
			return 1;
		secret = file_secret;
	}
	if (!secret)
		secret = getenv("SLUICE_JWT_SECRET");
	if (!secret || !*secret) {
		fprintf(stderr, "sluice-token: no secret (--secret, --secret-file "
				"or SLUICE_JWT_SECRET)\n");
		return 2;
	}
	secret_len = strlen(secret);
	if (copy_claim(c.sub, CP_JWT_SUB_MAX, sub, "--sub") != 0)
		return 2;
	if (room) {
		if (copy_claim(c.room, CP_JWT_ROOM_MAX, room, "--room") != 0)
			return 2;
		c.has_room = true;
	}
	c.exp = (int64_t)time(NULL) + ttl;
	n = cp_jwt_mint(token, sizeof(token), (const uint8_t *)secret,
			secret_len, &c);
	if (n < 0) {
		fprintf(stderr, "sluice-token: cannot mint token: %s\n",
			strerror((int)-n));
		return 1;
	}
	printf("%s\n", token);
	return 0;
}
