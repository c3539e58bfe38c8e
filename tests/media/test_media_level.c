/* SPDX-License-Identifier: MIT */
/*
 * test_media_level - RFC 6464 audio levels end to end (dataplane/media/
 * dp_level.c), two worker lcores, run by run_media_e2e.sh like
 * test_media_e2e: this program plays the control plane (cp_dp) and three
 * producer browsers, and checks the SL_MSG_AUDIO_LEVELS events:
 *  - producer P (lcore 0, audio-level id 1, AES-GCM) sends 20 packets,
 *    levels alternating 20 (voice flag set) and 40 (flag clear): its
 *    entries add up to exactly 20 packets, 10 with voice, a mean of 30
 *    (+-1: an interval boundary may split the sequence and each entry's
 *    mean is rounded), loudest 20;
 *  - producer Q (lcore 1, audio-level id 7 in a two-byte block, AES-CM)
 *    sends 12 packets at level 80 without voice: exactly 12 packets, 0
 *    voice, mean and loudest 80 -- its own negotiated id, from its own
 *    lcore;
 *  - producer R negotiated no audio level but its packets carry an element
 *    with id 1: never reported; a packet of P whose level element has
 *    length 0 (two-byte form) is forwarded but not counted;
 *  - once the senders stop, no entry names them any more (silence);
 *  - every event validates (sl_evt_validate) with the real limits, none was
 *    refused for lack of room in the event ring.
 * Waits are bounded polls; nothing is asserted about time.
 *
 *   test_media_level <shm-name> <tap-interface>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "media_harness.h"

#define T_P 1u
#define T_Q 2u
#define T_R 3u
#define PROD_P 100u
#define PROD_Q 101u
#define PROD_R 102u
#define SSRC_P 0x0a0a0001u
#define SSRC_Q 0x0a0a0002u
#define SSRC_R 0x0a0a0003u
#define EXT_P 1
#define EXT_Q 7
#define POLLS 200 /* x ~20 ms */

static struct mh H;
static struct browser P, Q, R;

/* Totals of the entries seen per producer. */
struct tot {
	uint32_t packets, voice, level_sum, loudest, entries;
};
static struct tot g_tot[3];

static int audio_producer(unsigned int lcore, uint32_t tid, uint32_t id, uint32_t ssrc,
			  uint8_t ext_id)
{
	struct sl_msg m;
	memset(&m, 0, sizeof(m));
	m.h.type = SL_MSG_PRODUCER_ADD;
	m.h.transport_id = tid;
	struct sl_msg_producer_add *a = &m.u.producer_add;
	a->producer_id = id;
	a->ssrc = ssrc;
	a->kind = SL_KIND_AUDIO;
	a->payload_type = 111;
	a->n_pt = 1;
	a->pts[0] = 111;
	a->clock_rate = 48000;
	a->ext.audio_level = ext_id;
	return mh_cmd(&H, lcore, &m);
}

/* An Opus-like packet: a one-byte block with the audio level as element id
 * (or, two_byte, a 0x1000 block; len0: that element with no data), 40
 * payload bytes. */
static size_t build_audio(uint8_t *p, uint32_t ssrc, uint16_t seq, uint8_t id, int voice,
			  uint8_t level, int two_byte, int len0)
{
	memset(p, 0, 64);
	p[0] = 0x90;
	p[1] = 111;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	uint32_t ts = (uint32_t)seq * 960u;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	uint8_t lv = (uint8_t)((voice ? 0x80u : 0) | (level & 0x7fu));
	if (!two_byte) {
		p[12] = 0xbe, p[13] = 0xde, p[14] = 0, p[15] = 1;
		p[16] = (uint8_t)(id << 4 | 0);
		p[17] = lv; /* 18, 19: padding */
	} else {
		p[12] = 0x10, p[13] = 0x00, p[14] = 0, p[15] = 1;
		p[16] = id;
		p[17] = len0 ? 0 : 1;
		p[18] = len0 ? 0 : lv; /* len0: a padding byte */
	}
	for (size_t i = 0; i < 40; i++)
		p[20 + i] = (uint8_t)(seq + i);
	return 60;
}

static int send_audio(struct browser *b, uint32_t ssrc, uint16_t seq, uint8_t id, int voice,
		      uint8_t level, int two_byte, int len0)
{
	uint8_t rtp[128];
	size_t n = build_audio(rtp, ssrc, seq, id, voice, level, two_byte, len0);
	return br_send_srtp(b, rtp, n, NULL) > 0 ? 0 : -1;
}

/* Takes every pending AUDIO_LEVELS event into g_tot; counts the events. */
static unsigned int collect(void)
{
	struct sl_valid_ctx v = {.max_transports = H.hdr->max_transports,
				 .n_slots = H.hdr->n_slots, .n_lcores = H.hdr->n_lcores,
				 .max_ids = 1u << 20};
	struct sl_msg ev;
	unsigned int n = 0;
	while (mh_take_event(&H, SL_MSG_AUDIO_LEVELS, SL_INVALID_ID, &ev) == 0) {
		n++;
		CHECK_EQ(sl_evt_validate(&ev, &v), SL_VALID_OK);
		CHECK_EQ(ev.h.transport_id, SL_INVALID_ID);
		CHECK(ev.u.audio_levels.interval_ms > 0);
		for (unsigned int i = 0; i < ev.u.audio_levels.n && i < SL_LEVELS_MAX; i++) {
			const struct sl_level_entry *e = &ev.u.audio_levels.e[i];
			CHECK(e->producer_id >= PROD_P && e->producer_id <= PROD_Q);
			if (e->producer_id < PROD_P || e->producer_id > PROD_R)
				continue;
			struct tot *t = &g_tot[e->producer_id - PROD_P];
			if (t->entries == 0 || e->loudest < t->loudest)
				t->loudest = e->loudest;
			t->entries++;
			t->packets += e->packets;
			t->voice += e->voice;
			t->level_sum += (uint32_t)e->level * e->packets;
		}
	}
	return n;
}

static int setup(void)
{
	if (br_connect(&H, &P, 0, T_P, SL_SRTP_AEAD_AES_128_GCM, 1) ||
	    br_connect(&H, &Q, 1, T_Q, SL_SRTP_AES128_CM_SHA1_80, 2) ||
	    br_connect(&H, &R, 0, T_R, SL_SRTP_AES128_CM_SHA1_80, 3))
		return -1;
	if (audio_producer(0, T_P, PROD_P, SSRC_P, EXT_P) ||
	    audio_producer(1, T_Q, PROD_Q, SSRC_Q, EXT_Q) ||
	    audio_producer(0, T_R, PROD_R, SSRC_R, 0))
		return -1;
	return 0;
}

static void test_levels(void)
{
	struct sl_transport_counters *tp = mh_tc(&H, T_P), *tq = mh_tc(&H, T_Q),
				     *tr = mh_tc(&H, T_R);
	for (uint16_t i = 0; i < 20; i++)
		CHECK_EQ(send_audio(&P, SSRC_P, (uint16_t)(100 + i), EXT_P, i % 2 == 0,
				    i % 2 == 0 ? 20 : 40, 0, 0), 0);
	/* a level element without data: forwarded, not counted */
	CHECK_EQ(send_audio(&P, SSRC_P, 120, EXT_P, 1, 0, 1, 1), 0);
	for (uint16_t i = 0; i < 12; i++)
		CHECK_EQ(send_audio(&Q, SSRC_Q, (uint16_t)(500 + i), EXT_Q, 0, 80, 1, 0), 0);
	for (uint16_t i = 0; i < 5; i++)
		CHECK_EQ(send_audio(&R, SSRC_R, (uint16_t)(900 + i), EXT_P, 1, 10, 0, 0), 0);
	CHECK_EQ(mh_wait_ge(&H, &tp->rtp_in, 21), 21);
	CHECK_EQ(mh_wait_ge(&H, &tq->rtp_in, 12), 12);
	CHECK_EQ(mh_wait_ge(&H, &tr->rtp_in, 5), 5);

	for (int i = 0; i < POLLS && (g_tot[0].packets < 20 || g_tot[1].packets < 12); i++) {
		collect();
		usleep(20000);
	}
	struct tot *p = &g_tot[0], *q = &g_tot[1];
	CHECK_EQ(p->packets, 20);
	CHECK_EQ(p->voice, 10);
	CHECK_EQ(p->loudest, 20);
	CHECK(p->entries >= 1 && p->entries <= 2);
	/* mean 30; each entry's mean is rounded when an interval split it */
	CHECK(p->level_sum >= 29 * 20 && p->level_sum <= 31 * 20);
	CHECK_EQ(q->packets, 12);
	CHECK_EQ(q->voice, 0);
	CHECK_EQ(q->loudest, 80);
	CHECK_EQ(q->level_sum, 80 * 12);
	CHECK_EQ(g_tot[2].entries, 0); /* R negotiated no audio level */

	/* silence: the senders stopped, nothing names them any more (a few
	 * report intervals pass) */
	struct tot before[2] = {*p, *q};
	for (int i = 0; i < 60; i++) {
		collect();
		usleep(20000);
	}
	CHECK_EQ(p->entries, before[0].entries);
	CHECK_EQ(q->entries, before[1].entries);
	CHECK_EQ(g_tot[2].entries, 0);

	/* talking again: a new interval with the new level */
	for (uint16_t i = 0; i < 6; i++)
		CHECK_EQ(send_audio(&P, SSRC_P, (uint16_t)(200 + i), EXT_P, 1, 3, 0, 0), 0);
	for (int i = 0; i < POLLS && p->packets < 26; i++) {
		collect();
		usleep(20000);
	}
	CHECK_EQ(p->packets, 26);
	CHECK_EQ(p->voice, 16);
	CHECK_EQ(p->loudest, 3);
	CHECK_EQ(p->level_sum - before[0].level_sum, 3 * 6);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <shm-name> <tap-interface>\n", argv[0]);
		return 2;
	}
	if (mh_init(&H, argv[1]) != 0 || dp_srtp_global_init() != 0)
		return 1;
	if (H.hdr->n_lcores < 2) {
		fprintf(stderr, "test_media_level needs 2 worker lcores\n");
		return 1;
	}
	int rc = setup();
	CHECK_EQ(rc, 0);
	if (rc == 0)
		test_levels();
	CHECK_EQ(mh_drops(&H, SL_DROP_EVT_RING_FULL), 0);
	CHECK_EQ(mh_drops(&H, SL_DROP_RTP_MALFORMED), 0);
	br_close(&P);
	br_close(&Q);
	br_close(&R);
	mh_fini(&H);
	return check_report("test_media_level");
}
