/*
 * dp_alloc: shares one consumer transport's estimated bandwidth (dp_bwe)
 * across its consumers by priority, and picks each video consumer's
 * spatial layer.
 *
 * Policy, in this order:
 *  1. audio always (its bitrate is taken off the budget even beyond it);
 *  2. the lowest active layer of every video, in priority order (the
 *     active speakers' and screen-share video before the rest, then input
 *     order): a video whose lowest layer does not fit is paused;
 *  3. upgrades in priority order: within a class, round robin one layer
 *     step at a time while the next step fits; a class climbs as far as it
 *     can before the next class climbs. No consumer goes above its
 *     preferred layer.
 * So everyone stays visible while the budget allows, and the speaker's
 * video gets the first upgrade.
 *
 * Pure, no state between runs: the caller (the transport's lcore) runs it
 * when the estimate or the layers' bitrates change, and applies the
 * result (a spatial switch still waits for a key frame of the target).
 */
#ifndef SLUICE_DP_ALLOC_H
#define SLUICE_DP_ALLOC_H

#include <stdint.h>

#define DP_ALLOC_LAYERS 4u

enum dp_alloc_class {
	DP_ALLOC_AUDIO = 0,   /* always forwarded */
	DP_ALLOC_PRIORITY = 1,/* an active speaker's camera, a screen share */
	DP_ALLOC_VIDEO = 2,   /* any other video */
	DP_ALLOC__CLASSES
};

struct dp_alloc_item {
	uint8_t cls;                          /* in: enum dp_alloc_class */
	uint8_t max_layer;                    /* in: the preferred (highest wanted) layer */
	uint32_t layer_bps[DP_ALLOC_LAYERS];  /* in: each spatial layer's bitrate, 0 = not
					       * active; audio: layer_bps[0] */
	int8_t layer;                         /* out: the layer to forward, -1 paused */
};

/* Allocates budget_bps over it[0 .. n). Returns the bits/s the chosen
 * layers use; *want_bps (may be NULL) gets what every consumer at its
 * preferred (active) layer would use: when it is above the budget, layers
 * are held back and probing for more bandwidth makes sense. */
uint64_t dp_alloc_run(struct dp_alloc_item *it, unsigned int n, uint64_t budget_bps,
		      uint64_t *want_bps);

#endif
