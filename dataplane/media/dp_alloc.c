/*
 * dp_alloc: layer allocation across a transport's consumers (dp_alloc.h).
 */
#include "dp_alloc.h"

#include <stddef.h>

/* The next active layer above `from` (-1: the lowest), up to max_layer;
 * -1 when there is none. */
static int next_layer(const struct dp_alloc_item *x, int from)
{
	unsigned int top = x->max_layer < DP_ALLOC_LAYERS ? x->max_layer : DP_ALLOC_LAYERS - 1;
	for (int l = from + 1; l <= (int)top; l++)
		if (x->layer_bps[l])
			return l;
	return -1;
}

static uint64_t cost(const struct dp_alloc_item *x, int layer)
{
	return layer < 0 ? 0 : x->layer_bps[layer];
}

uint64_t dp_alloc_run(struct dp_alloc_item *it, unsigned int n, uint64_t budget_bps,
		      uint64_t *want_bps)
{
	uint64_t used = 0, want = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct dp_alloc_item *x = &it[i];
		x->layer = -1;
		if (x->cls == DP_ALLOC_AUDIO) {
			x->layer = 0;
			used += x->layer_bps[0];
			want += x->layer_bps[0];
			continue;
		}
		int best = -1;
		for (int l = next_layer(x, -1); l >= 0; l = next_layer(x, l))
			best = l;
		want += cost(x, best);
	}
	/* the lowest layer of every video, by class */
	for (unsigned int c = DP_ALLOC_PRIORITY; c < DP_ALLOC__CLASSES; c++)
		for (unsigned int i = 0; i < n; i++) {
			struct dp_alloc_item *x = &it[i];
			int l = x->cls == c ? next_layer(x, -1) : -1;
			if (l >= 0 && used + cost(x, l) <= budget_bps) {
				x->layer = (int8_t)l;
				used += cost(x, l);
			}
		}
	/* upgrades: a class climbs round robin before the next class */
	for (unsigned int c = DP_ALLOC_PRIORITY; c < DP_ALLOC__CLASSES; c++) {
		int stepped = 1;
		while (stepped) {
			stepped = 0;
			for (unsigned int i = 0; i < n; i++) {
				struct dp_alloc_item *x = &it[i];
				if (x->cls != c || x->layer < 0)
					continue;
				int l = next_layer(x, x->layer);
				if (l < 0)
					continue;
				uint64_t c0 = cost(x, x->layer), c1 = cost(x, l);
				uint64_t extra = c1 > c0 ? c1 - c0 : 0;
				if (used + extra > budget_bps)
					continue;
				used += extra;
				x->layer = (int8_t)l;
				stepped = 1;
			}
		}
	}
	if (want_bps)
		*want_bps = want;
	return used;
}
