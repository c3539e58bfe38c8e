/* SPDX-License-Identifier: MIT */
/*
 * test_speaker - the active-speaker decision (controlplane/signal/
 * cp_speaker.c) on level sequences, with the clock passed in:
 *  - one talker in a silent room is named at the first decision, with its
 *    volume in dBov (packet-weighted mean over the window, rounded);
 *  - a level quieter than the threshold never names anyone;
 *  - hysteresis: a louder challenger takes over only after `hold`
 *    consecutive decisions, a challenger that wins once then falls back does
 *    not, nor one that is louder by less than the margin;
 *  - the speaker going silent keeps it named (nothing new to say) until
 *    someone else wins hold decisions; samples older than the window are
 *    forgotten;
 *  - removing the speaker's source makes the next decision name the
 *    loudest left at once; removing a challenger or another source names
 *    nobody new; a room that is silent after the removal names nobody;
 *  - bad input (0 packets, the reserved id) is refused; levels above 127
 *    are clamped; many sources grow the table.
 */
#include <errno.h>
#include <string.h>

#include "../unit/check.h"
#include "cp_speaker.h"

#define STEP 300u /* ms between reports and decisions, as cp_audio does */

static uint64_t g_t;

/* One round: every source i with levels[i] >= 0 reports 15 packets at that
 * level, then a decision. Returns the decision's result; *id / *vol out. */
static int round3(struct cp_speaker *sp, const int levels[3], uint32_t *id, int *vol)
{
	g_t += STEP;
	for (uint32_t i = 0; i < 3; i++)
		if (levels[i] >= 0)
			CHECK_EQ(cp_speaker_level(sp, 10 + i, g_t, 15, (uint32_t)levels[i]), 0);
	return cp_speaker_decide(sp, g_t, id, vol);
}

static void test_first_and_threshold(void)
{
	struct cp_speaker sp;
	uint32_t id;
	int vol;
	cp_speaker_init(&sp, NULL);
	g_t = 1000;
	/* nobody sends: nothing */
	CHECK_EQ(cp_speaker_decide(&sp, g_t, &id, &vol), 0);
	CHECK_EQ(id, CP_SPEAKER_NONE);
	/* quieter than -70 dBov: nothing */
	int quiet[3] = {90, 127, -1};
	for (int i = 0; i < 5; i++)
		CHECK_EQ(round3(&sp, quiet, &id, &vol), 0);
	CHECK_EQ(id, CP_SPEAKER_NONE);
	/* source 11 starts talking at -30: its window (1000 ms = the last 4
	 * samples, 15 packets each) still holds its silent samples (127), so
	 * its mean crosses the -70 threshold at the third talking sample and
	 * then it is named at once (no speaker yet: no hysteresis) */
	int talk[3] = {90, 30, -1};
	CHECK_EQ(round3(&sp, talk, &id, &vol), 0); /* mean of 127,127,127,30 = -103: too quiet */
	CHECK_EQ(round3(&sp, talk, &id, &vol), 0); /* 127,127,30,30: -79 */
	CHECK_EQ(round3(&sp, talk, &id, &vol), 1); /* 127,30,30,30: -54 (rounded) */
	CHECK_EQ(id, 11);
	CHECK_EQ(vol, -54);
	CHECK_EQ(cp_speaker_volume(&sp, 11, g_t), -54);
	CHECK_EQ(round3(&sp, talk, &id, &vol), 0); /* the same speaker: no change */
	CHECK_EQ(id, 11);
	CHECK_EQ(cp_speaker_volume(&sp, 11, g_t), -30);
	cp_speaker_fini(&sp);
}

static void test_hysteresis(void)
{
	struct cp_speaker sp;
	struct cp_speaker_cfg cfg;
	uint32_t id;
	int vol;
	cp_speaker_cfg_default(&cfg);
	cfg.hold = 3;
	cp_speaker_init(&sp, &cfg);
	g_t = 50000;
	int a[3] = {20, 60, 127};
	CHECK_EQ(round3(&sp, a, &id, &vol), 1);
	CHECK_EQ(id, 10);
	CHECK_EQ(vol, -20);
	/* 11 louder for two rounds (the window averages it in), then back */
	int b[3] = {20, 5, 127};
	for (int i = 0; i < 6; i++)
		round3(&sp, a, &id, &vol); /* settle: windows full of a */
	CHECK_EQ(id, 10);
	CHECK_EQ(round3(&sp, b, &id, &vol), 0); /* 11: 60,60,60,5 -> -46: quieter */
	CHECK_EQ(round3(&sp, b, &id, &vol), 0); /* -33 */
	CHECK_EQ(round3(&sp, b, &id, &vol), 0); /* -19: louder by 1 < margin 3 */
	CHECK_EQ(sp.wins, 0);
	CHECK_EQ(round3(&sp, b, &id, &vol), 0); /* -5: win 1 */
	CHECK_EQ(sp.wins, 1);
	CHECK_EQ(round3(&sp, b, &id, &vol), 0); /* win 2 */
	CHECK_EQ(round3(&sp, a, &id, &vol), 0); /* 5,5,5,60 -> -19: no win: count restarts */
	CHECK_EQ(sp.wins, 0);
	CHECK_EQ(id, 10);
	/* now 11 keeps winning: the third consecutive win switches */
	for (int i = 0; i < 4; i++)
		round3(&sp, a, &id, &vol);
	int w = 0, changed_at = -1;
	for (int i = 0; i < 10 && changed_at < 0; i++) {
		int c = round3(&sp, b, &id, &vol);
		if (sp.wins)
			w++;
		if (c)
			changed_at = i;
	}
	CHECK(changed_at >= 0);
	CHECK_EQ(id, 11);
	CHECK(vol <= -5 && vol > -20);
	CHECK_EQ(w, 2); /* two counted wins, the third switched */
	cp_speaker_fini(&sp);
}

static void test_silence_and_window(void)
{
	struct cp_speaker sp;
	uint32_t id;
	int vol;
	cp_speaker_init(&sp, NULL); /* hold 2, margin 3, window 1000 */
	g_t = 90000;
	int a[3] = {25, -1, -1};
	CHECK_EQ(round3(&sp, a, &id, &vol), 1);
	CHECK_EQ(id, 10);
	/* everybody stops sending (DTX): the speaker stays, no notification */
	int none[3] = {-1, -1, -1};
	for (int i = 0; i < 10; i++)
		CHECK_EQ(round3(&sp, none, &id, &vol), 0);
	CHECK_EQ(id, 10);
	CHECK_EQ(cp_speaker_volume(&sp, 10, g_t), CP_SPEAKER_SILENT); /* window forgot it */
	/* someone else talks: louder than the silent speaker, needs 2 wins */
	int b[3] = {-1, -1, 40};
	CHECK_EQ(round3(&sp, b, &id, &vol), 0);
	CHECK_EQ(round3(&sp, b, &id, &vol), 1);
	CHECK_EQ(id, 12);
	CHECK_EQ(vol, -40);
	cp_speaker_fini(&sp);
}

static void test_removal(void)
{
	struct cp_speaker sp;
	uint32_t id;
	int vol;
	cp_speaker_init(&sp, NULL);
	g_t = 200000;
	int a[3] = {10, 30, 50};
	CHECK_EQ(round3(&sp, a, &id, &vol), 1);
	CHECK_EQ(id, 10);
	/* removing another source changes nothing */
	CHECK_EQ(cp_speaker_remove(&sp, 12), 0);
	CHECK_EQ(cp_speaker_remove(&sp, 999), 0);
	CHECK_EQ(cp_speaker_decide(&sp, g_t, &id, &vol), 0);
	CHECK_EQ(id, 10);
	/* the speaker's producer closes: the loudest left at the next decision */
	CHECK_EQ(cp_speaker_remove(&sp, 10), 1);
	CHECK_EQ(cp_speaker_volume(&sp, 10, g_t), CP_SPEAKER_SILENT);
	CHECK_EQ(cp_speaker_decide(&sp, g_t, &id, &vol), 1);
	CHECK_EQ(id, 11);
	CHECK_EQ(vol, -30);
	/* a challenger removed mid-count: its wins are gone */
	int b[3] = {-1, 30, 5};
	round3(&sp, b, &id, &vol);
	round3(&sp, b, &id, &vol);
	round3(&sp, b, &id, &vol);
	if (id == 11) { /* not switched yet: 12 counted wins */
		CHECK(sp.challenger == 12);
		CHECK_EQ(cp_speaker_remove(&sp, 12), 0);
		CHECK_EQ(sp.challenger, CP_SPEAKER_NONE);
		CHECK_EQ(sp.wins, 0);
	} else {
		CHECK_EQ(id, 12);
		CHECK_EQ(cp_speaker_remove(&sp, 12), 1);
	}
	/* the last source goes: nobody left, nobody named */
	cp_speaker_remove(&sp, 11);
	cp_speaker_remove(&sp, 12);
	CHECK_EQ(sp.n, 0);
	CHECK_EQ(cp_speaker_decide(&sp, g_t, &id, &vol), 0);
	CHECK_EQ(id, CP_SPEAKER_NONE);
	cp_speaker_fini(&sp);
}

static void test_input(void)
{
	struct cp_speaker sp;
	uint32_t id;
	int vol;
	cp_speaker_init(&sp, NULL);
	CHECK_EQ(cp_speaker_level(&sp, 1, 100, 0, 10), -EINVAL);
	CHECK_EQ(cp_speaker_level(&sp, CP_SPEAKER_NONE, 100, 5, 10), -EINVAL);
	CHECK_EQ(sp.n, 0);
	CHECK_EQ(cp_speaker_level(&sp, 1, 100, 5, 200), 0); /* clamped to 127 */
	CHECK_EQ(cp_speaker_volume(&sp, 1, 100), -127);
	/* 100 sources: the table grows; the loudest is named */
	for (uint32_t i = 0; i < 100; i++)
		CHECK_EQ(cp_speaker_level(&sp, 1000 + i, 200, 10, i == 77 ? 12 : 40 + i % 20), 0);
	CHECK_EQ(sp.n, 101);
	CHECK_EQ(cp_speaker_decide(&sp, 200, &id, &vol), 1);
	CHECK_EQ(id, 1077);
	CHECK_EQ(vol, -12);
	/* a sample from the future (clock went back) is not counted */
	CHECK_EQ(cp_speaker_volume(&sp, 1077, 150), CP_SPEAKER_SILENT);
	cp_speaker_fini(&sp);
}

int main(void)
{
	test_first_and_threshold();
	test_hysteresis();
	test_silence_and_window();
	test_removal();
	test_input();
	return check_report("test_speaker");
}
