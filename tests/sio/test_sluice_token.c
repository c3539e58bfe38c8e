/* SPDX-License-Identifier: MIT */
/*
 * Runs the sluice-token CLI (path in argv[1]) and verifies what it prints
 * with cp_jwt_verify: secret from --secret, --secret-file and the
 * environment, every flag, and the usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cp_jwt.h"

static int g_fail;
static const char *g_bin;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
			__LINE__, #cond); \
		g_fail++; \
	} \
} while (0)

/* Run "<bin> <args>" through the shell; capture the first stdout line.
 * Returns the exit status, or -1. */
static int run(const char *args, char *out, size_t cap)
{
	char cmd[1024];
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>/dev/null", g_bin, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	out[0] = '\0';
	if (fgets(out, (int)cap, p))
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static enum cp_jwt_status check(const char *tok, const char *secret,
				struct cp_jwt_claims *c)
{
	return cp_jwt_verify(tok, strlen(tok), (const uint8_t *)secret,
			     strlen(secret), (int64_t)time(NULL), c);
}

int main(int argc, char **argv)
{
	char tok[CP_JWT_MAX_LEN + 2], path[] = "/tmp/sluice-token-test-XXXXXX";
	struct cp_jwt_claims c;
	int64_t before, after;
	FILE *f;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /path/to/sluice-token\n", argv[0]);
		return 2;
	}
	g_bin = argv[1];
	unsetenv("SLUICE_JWT_SECRET");

	/* --secret with every option */
	before = (int64_t)time(NULL);
	CHECK(run("--secret s3cret --sub alice --room r1 --ttl 60 --no-pub",
		  tok, sizeof(tok)) == 0);
	after = (int64_t)time(NULL);
	CHECK(check(tok, "s3cret", &c) == CP_JWT_OK);
	CHECK(strcmp(c.sub, "alice") == 0 && c.has_room &&
	      strcmp(c.room, "r1") == 0 && !c.pub && c.sub_media);
	CHECK(c.exp >= before + 60 && c.exp <= after + 60);
	CHECK(check(tok, "other", &c) == CP_JWT_BAD_SIGNATURE);

	/* defaults: ttl 3600, no room, both rights */
	before = (int64_t)time(NULL);
	CHECK(run("--secret k --sub bob", tok, sizeof(tok)) == 0);
	after = (int64_t)time(NULL);
	CHECK(check(tok, "k", &c) == CP_JWT_OK);
	CHECK(!c.has_room && c.pub && c.sub_media);
	CHECK(c.exp >= before + 3600 && c.exp <= after + 3600);
	CHECK(run("--secret k --sub bob --no-sub", tok, sizeof(tok)) == 0);
	CHECK(check(tok, "k", &c) == CP_JWT_OK && c.pub && !c.sub_media);

	/* secret from a file (trailing newline cut) */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs("file-secret\n", f);
		fclose(f);
		char args[256];
		snprintf(args, sizeof(args), "--secret-file '%s' --sub carol",
			 path);
		CHECK(run(args, tok, sizeof(tok)) == 0);
		CHECK(check(tok, "file-secret", &c) == CP_JWT_OK &&
		      strcmp(c.sub, "carol") == 0);
		unlink(path);
		CHECK(run(args, tok, sizeof(tok)) == 1); /* file gone */
	}

	/* secret from the environment; --secret wins over it */
	setenv("SLUICE_JWT_SECRET", "env-secret", 1);
	CHECK(run("--sub dave", tok, sizeof(tok)) == 0);
	CHECK(check(tok, "env-secret", &c) == CP_JWT_OK &&
	      strcmp(c.sub, "dave") == 0);
	CHECK(run("--secret cli --sub dave", tok, sizeof(tok)) == 0);
	CHECK(check(tok, "cli", &c) == CP_JWT_OK);
	unsetenv("SLUICE_JWT_SECRET");

	/* usage errors */
	CHECK(run("--sub erin", tok, sizeof(tok)) == 2);          /* no secret */
	CHECK(run("--secret k", tok, sizeof(tok)) == 2);          /* no sub */
	CHECK(run("--secret k --sub e --ttl 0", tok, sizeof(tok)) == 2);
	CHECK(run("--secret k --sub e --ttl 12x", tok, sizeof(tok)) == 2);
	CHECK(run("--secret k --sub e --bogus", tok, sizeof(tok)) == 2);
	CHECK(run("--secret k --sub e extra", tok, sizeof(tok)) == 2);
	CHECK(run("--secret '' --sub e", tok, sizeof(tok)) == 2);

	if (g_fail) {
		fprintf(stderr, "test_sluice_token: %d check(s) failed\n",
			g_fail);
		return 1;
	}
	printf("test_sluice_token: ok\n");
	return 0;
}
