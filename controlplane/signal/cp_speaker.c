/* SPDX-License-Identifier: MIT */
/*
 * cp_speaker - the dominant-speaker decision of a room (contract in
 * cp_speaker.h). Pure: no I/O, no globals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_speaker.h"

void cp_speaker_cfg_default(struct cp_speaker_cfg *c)
{
	c->threshold_dbov = -70;
	c->margin_db = 3;
	c->window_ms = 1000;
	c->hold = 2;
}

void cp_speaker_init(struct cp_speaker *sp, const struct cp_speaker_cfg *cfg)
{
	memset(sp, 0, sizeof(*sp));
	if (cfg)
		sp->cfg = *cfg;
	else
		cp_speaker_cfg_default(&sp->cfg);
	if (sp->cfg.hold == 0)
		sp->cfg.hold = 1;
	if (sp->cfg.margin_db < 0)
		sp->cfg.margin_db = 0;
	sp->current = CP_SPEAKER_NONE;
	sp->challenger = CP_SPEAKER_NONE;
}

void cp_speaker_fini(struct cp_speaker *sp)
{
	free(sp->src);
	sp->src = NULL;
	sp->n = sp->cap = 0;
}

static struct cp_speaker_src *src_find(const struct cp_speaker *sp, uint32_t id)
{
	for (uint32_t i = 0; i < sp->n; i++)
		if (sp->src[i].id == id)
			return &sp->src[i];
	return NULL;
}

static struct cp_speaker_src *src_add(struct cp_speaker *sp, uint32_t id)
{
	if (sp->n == sp->cap) {
		uint32_t cap = sp->cap ? sp->cap * 2 : 8;
		struct cp_speaker_src *a = realloc(sp->src, (size_t)cap * sizeof(*a));
		if (!a)
			return NULL;
		sp->src = a;
		sp->cap = cap;
	}
	struct cp_speaker_src *s = &sp->src[sp->n++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	return s;
}

int cp_speaker_level(struct cp_speaker *sp, uint32_t id, uint64_t now_ms, uint32_t packets,
		     uint32_t level)
{
	if (packets == 0 || id == CP_SPEAKER_NONE)
		return -EINVAL;
	struct cp_speaker_src *s = src_find(sp, id);
	if (!s && !(s = src_add(sp, id)))
		return -ENOMEM;
	if (level > (uint32_t)-CP_SPEAKER_SILENT)
		level = (uint32_t)-CP_SPEAKER_SILENT;
	struct cp_speaker_sample *x = &s->s[s->pos];
	s->pos = (s->pos + 1) % CP_SPEAKER_SAMPLES;
	x->t_ms = now_ms ? now_ms : 1; /* 0 marks an unused slot */
	x->packets = packets;
	x->level_sum = packets * level;
	return 0;
}

int cp_speaker_remove(struct cp_speaker *sp, uint32_t id)
{
	struct cp_speaker_src *s = src_find(sp, id);
	if (s) {
		*s = sp->src[sp->n - 1];
		sp->n--;
	}
	if (sp->challenger == id) {
		sp->challenger = CP_SPEAKER_NONE;
		sp->wins = 0;
	}
	if (sp->current != id)
		return 0;
	sp->current = CP_SPEAKER_NONE;
	return 1;
}

/* Packet-weighted mean in dBov of the samples within the window. */
static int src_volume(const struct cp_speaker *sp, const struct cp_speaker_src *s,
		      uint64_t now_ms)
{
	uint64_t packets = 0, sum = 0;
	for (unsigned int i = 0; i < CP_SPEAKER_SAMPLES; i++) {
		const struct cp_speaker_sample *x = &s->s[i];
		if (!x->t_ms || x->t_ms > now_ms || now_ms - x->t_ms >= sp->cfg.window_ms)
			continue;
		packets += x->packets;
		sum += x->level_sum;
	}
	if (!packets)
		return CP_SPEAKER_SILENT;
	return -(int)((sum + packets / 2) / packets);
}

int cp_speaker_volume(const struct cp_speaker *sp, uint32_t id, uint64_t now_ms)
{
	const struct cp_speaker_src *s = src_find(sp, id);
	return s ? src_volume(sp, s, now_ms) : CP_SPEAKER_SILENT;
}

/* The loudest candidate (ties: the current speaker, then the lower id). */
static uint32_t loudest(const struct cp_speaker *sp, uint64_t now_ms, int *vol)
{
	uint32_t best = CP_SPEAKER_NONE;
	int bv = CP_SPEAKER_SILENT - 1;
	for (uint32_t i = 0; i < sp->n; i++) {
		const struct cp_speaker_src *s = &sp->src[i];
		int v = src_volume(sp, s, now_ms);
		if (v < sp->cfg.threshold_dbov)
			continue;
		int better = v > bv || (v == bv && best != sp->current &&
					(s->id == sp->current || s->id < best));
		if (better) {
			best = s->id;
			bv = v;
		}
	}
	*vol = bv;
	return best;
}

int cp_speaker_decide(struct cp_speaker *sp, uint64_t now_ms, uint32_t *id, int *volume)
{
	int v;
	uint32_t l = loudest(sp, now_ms, &v);

	*id = sp->current;
	*volume = CP_SPEAKER_SILENT;
	if (l == CP_SPEAKER_NONE || l == sp->current) {
		sp->challenger = CP_SPEAKER_NONE;
		sp->wins = 0;
		return 0;
	}
	if (sp->current != CP_SPEAKER_NONE) {
		int cv = cp_speaker_volume(sp, sp->current, now_ms);
		if (v < cv + sp->cfg.margin_db) { /* not clearly louder: no challenge */
			sp->challenger = CP_SPEAKER_NONE;
			sp->wins = 0;
			return 0;
		}
		if (sp->challenger != l) {
			sp->challenger = l;
			sp->wins = 0;
		}
		if (++sp->wins < sp->cfg.hold)
			return 0;
	}
	sp->current = l;
	sp->challenger = CP_SPEAKER_NONE;
	sp->wins = 0;
	*id = l;
	*volume = v;
	return 1;
}
