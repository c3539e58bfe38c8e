/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for sluice-pcapgen's key dump parser (pg_keys.c): any
 * input either parses into a dump whose every field is inside its limits,
 * or fails with a message and leaves the dump empty. A dump that parses is
 * then given to the generator for every kind, with a tiny packet budget:
 * each run either succeeds with frames that fit PG_FRAME_MAX or fails with
 * a message. Any broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pg_gen.h"
#include "pg_keys.h"

#define REQUIRE(c)               \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static int count_sink(void *user, uint64_t ts, const uint8_t *frame, size_t len)
{
	(void)ts;
	REQUIRE(frame && len >= 42 && len <= PG_FRAME_MAX);
	(*(uint64_t *)user)++;
	return 0;
}

static void check_transport(const struct pg_transport *t)
{
	REQUIRE(memchr(t->peer, 0, sizeof(t->peer)));
	REQUIRE(strlen(t->local_ufrag) >= 1 && strlen(t->remote_ufrag) >= 1);
	REQUIRE(memchr(t->local_pwd, 0, sizeof(t->local_pwd)));
	REQUIRE(strlen(t->remote_pwd) >= 1 && strlen(t->remote_pwd) < PG_PWD_MAX);
	REQUIRE(t->local_port && t->remote_port);
	REQUIRE(t->key_len && t->salt_len && t->key_len + t->salt_len <= SL_SRTP_MASTER_MAX);
	REQUIRE(t->n_streams <= PG_MAX_STREAMS);
	REQUIRE(t->send || t->n_streams == 0);
	for (unsigned int j = 0; j < t->n_streams; j++) {
		const struct pg_stream *s = &t->streams[j];
		REQUIRE(s->kind == PG_AUDIO || s->kind == PG_VIDEO);
		REQUIRE(s->pt <= 127 && s->rtx_pt <= 127 && s->clock > 0 && s->ssrc);
		REQUIRE(s->ext_mid <= 14 && s->ext_audio_level <= 14 && s->ext_abs_send_time <= 14 &&
			s->ext_twcc <= 14);
		REQUIRE(s->mid_len == strlen(s->mid) && s->mid_len <= PG_MID_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_dump d;
	char err[PG_ERR_MAX];
	memset(err, 'x', sizeof(err));
	if (pg_keys_parse((const char *)data, size, &d, err, sizeof(err)) != 0) {
		REQUIRE(d.n == 0 && d.t == NULL);
		REQUIRE(memchr(err, 0, sizeof(err)) && err[0]);
		return 0;
	}
	REQUIRE(d.n >= 1 && d.n <= PG_MAX_TRANSPORTS && d.t);
	for (unsigned int i = 0; i < d.n; i++)
		check_transport(&d.t[i]);
	if (d.n <= 64) { /* keep one input cheap: SRTP contexts cost ~0.1 ms each */
		struct pg_opts o;
		pg_opts_default(&o);
		o.pps = 2;
		o.seconds = 1;
		o.count = 3;
		for (unsigned int k = 0; k < PG_KIND__COUNT; k++) {
			uint64_t n = 0;
			struct pg_stats st;
			struct pg_sink s = {.frame = count_sink, .user = &n};
			char gerr[256] = "";
			int rc = pg_generate(&d, (enum pg_kind)k, &o, &s, &st, gerr, sizeof(gerr));
			REQUIRE(rc == 0 ? n == st.frames && n > 0 : gerr[0] != '\0');
		}
	}
	pg_keys_free(&d);
	REQUIRE(d.n == 0 && d.t == NULL);
	return 0;
}
