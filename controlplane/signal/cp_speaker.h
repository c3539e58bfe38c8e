/* SPDX-License-Identifier: MIT */
/*
 * cp_speaker - the dominant-speaker decision of one room, from the audio
 * levels the data plane reports (SL_MSG_AUDIO_LEVELS). A pure module: no
 * I/O, no clock of its own (times are passed in), no logging; it allocates
 * only its table of sources.
 *
 * Model (the idea of mediasoup's AudioLevelObserver, with hysteresis like
 * its ActiveSpeakerObserver): each source (an audio producer, by its
 * data-plane id) has the samples of the last window_ms; its volume is the
 * packet-weighted mean level of those samples in dBov (negative, 0
 * loudest). A source is a candidate when its volume is at least
 * threshold_dbov. At each decision (cp_speaker_decide, every few hundred ms):
 *  - no speaker yet (start, or the speaker was removed): the loudest
 *    candidate becomes the speaker at once;
 *  - else a louder candidate takes over only after winning `hold`
 *    consecutive decisions by at least margin_db over the speaker (whose
 *    volume counts as -127 when it is silent); a different challenger, or a
 *    decision it does not win, restarts the count.
 * A silent room keeps its last speaker (nothing to announce); removing the
 * speaker's source makes the next decision start afresh.
 */
#ifndef CP_SPEAKER_H
#define CP_SPEAKER_H

#include <stdint.h>

#define CP_SPEAKER_NONE 0xffffffffu
#define CP_SPEAKER_SAMPLES 8u   /* samples kept per source (>= window / interval) */
#define CP_SPEAKER_SILENT (-127) /* dBov of silence */

struct cp_speaker_cfg {
	int threshold_dbov;  /* quieter than this (e.g. -70): not a candidate */
	int margin_db;       /* a challenger must be this much louder (>= 0) */
	uint32_t window_ms;  /* samples older than this are forgotten */
	uint32_t hold;       /* consecutive decisions a challenger must win (>= 1) */
};

/* The defaults: -70 dBov, 3 dB, 1000 ms, 2 decisions. */
void cp_speaker_cfg_default(struct cp_speaker_cfg *c);

struct cp_speaker_sample {
	uint64_t t_ms;       /* when it was reported; 0 = unused */
	uint32_t packets;    /* packets in it (>= 1) */
	uint32_t level_sum;  /* packets x mean level (-dBov) */
};

struct cp_speaker_src {
	uint32_t id;
	uint32_t pos;        /* next slot of s[] */
	struct cp_speaker_sample s[CP_SPEAKER_SAMPLES];
};

struct cp_speaker {
	struct cp_speaker_cfg cfg;
	struct cp_speaker_src *src;  /* [n], unordered */
	uint32_t n, cap;
	uint32_t current;            /* the speaker's id or CP_SPEAKER_NONE */
	uint32_t challenger;         /* CP_SPEAKER_NONE when none */
	uint32_t wins;               /* consecutive decisions the challenger won */
};

/* cfg NULL: the defaults. */
void cp_speaker_init(struct cp_speaker *sp, const struct cp_speaker_cfg *cfg);
void cp_speaker_fini(struct cp_speaker *sp);

/* One interval of source id reported at now_ms: packets (>= 1) with mean
 * level `level` in -dBov (0..127; larger values are clamped). A new id gets
 * a source. 0, -EINVAL (packets 0 or id CP_SPEAKER_NONE) or -ENOMEM. */
int cp_speaker_level(struct cp_speaker *sp, uint32_t id, uint64_t now_ms, uint32_t packets,
		     uint32_t level);

/* Forgets source id (its producer closed). Returns 1 when it was the
 * speaker (the next decision picks a new one), else 0. */
int cp_speaker_remove(struct cp_speaker *sp, uint32_t id);

/* The volume of id over the window ending at now_ms in dBov (rounded to an
 * integer, CP_SPEAKER_SILENT when it has no samples in the window). */
int cp_speaker_volume(const struct cp_speaker *sp, uint32_t id, uint64_t now_ms);

/* A decision at now_ms. Returns 1 when the speaker changed: *id and
 * *volume (dBov) name the new one; else 0 (and *id is the current one or
 * CP_SPEAKER_NONE). */
int cp_speaker_decide(struct cp_speaker *sp, uint64_t now_ms, uint32_t *id, int *volume);

#endif
