/* SPDX-License-Identifier: MIT */
/*
 * dp_stream - producer streams and consumers of one lcore (the command
 * side; the packet side is dp_forward.c).
 *
 * A producer stream lives on its transport's lcore, found by (transport,
 * SSRC) for media and RTX, and by producer id. PRODUCER_FANOUT tells it
 * which other lcores hold consumers of it.
 *
 * A consumer lives on its transport's lcore, in the dp_fan list of its
 * producer id on that lcore: the producer's lcore forwards to its own list
 * directly and hands a reference of the plaintext to every other lcore of
 * the fan-out mask, which forwards to its list. So a consumer may be added
 * before its producer exists anywhere, and removing a producer leaves its
 * consumers in place (they simply receive nothing) until the control plane
 * removes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_media_int.h"
#include "dp_nack.h"

static uint64_t ssrc_key(uint32_t tid, uint32_t ssrc)
{
	return (uint64_t)tid << 32 | ssrc;
}

/* One stream of a producer: layer l with its SSRCs (calloc'ed, nack state
 * made), or NULL. */
static struct dp_producer *producer_new(uint32_t tid, const struct sl_msg_producer_add *a,
					unsigned int l, unsigned int n)
{
	struct dp_producer *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->id = a->producer_id;
	p->transport_id = tid;
	p->ssrc = n > 1 ? a->layer_ssrc[l] : a->ssrc;
	p->rtx_ssrc = n > 1 ? a->layer_rtx_ssrc[l] : a->rtx_ssrc;
	p->kind = a->kind;
	p->pt = a->payload_type;
	p->rtx_pt = a->rtx_payload_type;
	p->clock_rate = a->clock_rate;
	p->ext = a->ext;
	p->fir_only = a->fir && !a->pli;
	p->layer = (uint8_t)l;
	p->n_layers = (uint8_t)n;
	p->codec = a->codec;
	if (dp_nack_producer_add(p, a) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* Removes one stream (layer) from the tables and frees it. */
static void producer_free(struct dp_media *md, struct dp_producer *p)
{
	dp_htab_del(&md->prod_id, dp_sim_key(p->id, p->layer));
	dp_htab_del(&md->prod_ssrc, ssrc_key(p->transport_id, p->ssrc));
	if (p->rtx_ssrc)
		dp_htab_del(&md->prod_ssrc, ssrc_key(p->transport_id, p->rtx_ssrc));
	struct dp_transport *t = dp_tp_get(md, p->transport_id);
	if (t)
		t->n_producers--;
	dp_feedback_kf_forget(md, p);
	dp_nack_producer_free(p);
	free(p);
}

/* A simulcast producer is one stream per layer (see struct dp_producer);
 * t->n_producers counts streams, the lcore's producers counter producers. */
int dp_producer_add(struct dp_media *md, const struct sl_msg *cmd)
{
	const struct sl_msg_producer_add *a = &cmd->u.producer_add;
	uint32_t tid = cmd->h.transport_id;
	struct dp_transport *t = dp_tp_get(md, tid);
	unsigned int n = a->n_layers > 1 ? a->n_layers : 1;
	struct dp_producer *ps[SL_SIM_LAYERS_MAX];

	if (!t)
		return -ENOENT;
	if (dp_htab_get(&md->prod_id, a->producer_id))
		return -EEXIST;
	if (n > 1) {
		int r = dp_simulcast_check(md, tid, a);
		if (r)
			return r;
	} else if (a->rtx_ssrc == a->ssrc || dp_htab_get(&md->prod_ssrc, ssrc_key(tid, a->ssrc)) ||
		   (a->rtx_ssrc && dp_htab_get(&md->prod_ssrc, ssrc_key(tid, a->rtx_ssrc)))) {
		return -EEXIST;
	}
	if (dp_htab_reserve(&md->prod_id, md->prod_id.count + n) ||
	    dp_htab_reserve(&md->prod_ssrc, md->prod_ssrc.count + 2 * n))
		return -ENOMEM;
	if (a->ext.transport_cc && dp_feedback_tcc_enable(t) != 0)
		return -ENOMEM;
	for (unsigned int l = 0; l < n; l++) {
		ps[l] = producer_new(tid, a, l, n);
		if (!ps[l]) {
			while (l-- > 0) {
				dp_nack_producer_free(ps[l]);
				free(ps[l]);
			}
			return -ENOMEM;
		}
	}
	/* cannot fail after the reserve */
	for (unsigned int l = 0; l < n; l++) {
		struct dp_producer *p = ps[l];
		dp_htab_put(&md->prod_id, dp_sim_key(p->id, l), p);
		dp_htab_put(&md->prod_ssrc, ssrc_key(tid, p->ssrc), p);
		if (p->rtx_ssrc)
			dp_htab_put(&md->prod_ssrc, ssrc_key(tid, p->rtx_ssrc), p);
		t->n_producers++;
	}
	md->lc->ctr->producers++;
	return 0;
}

int dp_producer_remove(struct dp_media *md, uint32_t producer_id)
{
	struct dp_producer *p = dp_htab_get(&md->prod_id, producer_id);
	if (!p)
		return -ENOENT;
	for (unsigned int l = 1; l < p->n_layers; l++) {
		struct dp_producer *q = dp_htab_get(&md->prod_id, dp_sim_key(producer_id, l));
		if (q)
			producer_free(md, q);
	}
	producer_free(md, p);
	md->lc->ctr->producers--;
	return 0;
}

int dp_producer_fanout(struct dp_media *md, const struct sl_msg *cmd)
{
	const struct sl_msg_producer_fanout *f = &cmd->u.producer_fanout;
	struct dp_producer *p = dp_htab_get(&md->prod_id, f->producer_id);
	if (!p)
		return -ENOENT;
	/* our own consumers are found in our fan list; never hand to ourselves */
	for (unsigned int l = 1; l < p->n_layers; l++) {
		struct dp_producer *q = dp_htab_get(&md->prod_id, dp_sim_key(p->id, l));
		if (q)
			q->lcore_mask = f->lcore_mask & ~(1ull << md->lc->index);
	}
	p->lcore_mask = f->lcore_mask & ~(1ull << md->lc->index);
	return 0;
}

int dp_consumer_add(struct dp_media *md, const struct sl_msg *cmd)
{
	const struct sl_msg_consumer_add *a = &cmd->u.consumer_add;
	struct dp_transport *t = dp_tp_get(md, cmd->h.transport_id);

	if (!t)
		return -ENOENT;
	if (dp_htab_get(&md->cons_id, a->consumer_id) ||
	    dp_htab_get(&md->cons_ssrc, ssrc_key(t->id, a->ssrc)))
		return -EEXIST;
	if (dp_htab_reserve(&md->cons_id, md->cons_id.count + 1) ||
	    dp_htab_reserve(&md->cons_ssrc, md->cons_ssrc.count + 1) ||
	    dp_htab_reserve(&md->fans, md->fans.count + 1))
		return -ENOMEM;
	if (!t->bwe && (a->ext.transport_cc || a->kind == SL_KIND_VIDEO)) {
		t->bwe = malloc(sizeof(*t->bwe)); /* freed with the transport */
		if (!t->bwe)
			return -ENOMEM;
		dp_bwe_init(t->bwe, NULL);
	}
	struct dp_fan *fan = dp_htab_get(&md->fans, a->producer_id);
	int new_fan = fan == NULL;
	if (new_fan) {
		fan = calloc(1, sizeof(*fan));
		if (!fan)
			return -ENOMEM;
		fan->producer_id = a->producer_id;
	}
	struct dp_consumer *c = calloc(1, sizeof(*c));
	if (!c) {
		if (new_fan)
			free(fan);
		return -ENOMEM;
	}
	c->id = a->consumer_id;
	c->producer_id = a->producer_id;
	c->transport_id = t->id;
	c->ssrc = a->ssrc;
	c->rtx_ssrc = a->rtx_ssrc;
	c->clock_rate = a->clock_rate;
	c->kind = a->kind;
	c->rtx_pt = a->rtx_payload_type;
	c->paused = a->paused;
	c->ext = a->ext;
	if (dp_nack_consumer_add(c, fan, a) != 0) {
		free(c);
		if (new_fan) {
			dp_nack_fan_free(fan);
			free(fan);
		}
		return -ENOMEM;
	}
	memset(c->pt_map, 0xff, sizeof(c->pt_map));
	for (unsigned int i = 0; i < a->n_pt && i < SL_PT_MAP_MAX; i++)
		c->pt_map[a->pt_map[i].from & 0x7f] = a->pt_map[i].to & 0x7f;
	dp_seqmap_init(&c->seq);
	dp_simulcast_reset(c);
	if (new_fan) {
		fan->sim_best = -1;
		dp_htab_put(&md->fans, fan->producer_id, fan);
	}
	dp_htab_put(&md->cons_id, c->id, c);
	dp_htab_put(&md->cons_ssrc, ssrc_key(t->id, c->ssrc), c);
	c->fan = fan;
	c->next = fan->head;
	fan->head = c;
	fan->n++;
	t->n_consumers++;
	md->lc->ctr->consumers++;
	return 0;
}

int dp_consumer_remove(struct dp_media *md, uint32_t consumer_id)
{
	struct dp_consumer *c = dp_htab_del(&md->cons_id, consumer_id);
	if (!c)
		return -ENOENT;
	dp_htab_del(&md->cons_ssrc, ssrc_key(c->transport_id, c->ssrc));
	struct dp_fan *fan = c->fan;
	for (struct dp_consumer **pp = &fan->head; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (--fan->n == 0) {
		dp_htab_del(&md->fans, fan->producer_id);
		dp_nack_fan_free(fan);
		free(fan);
	}
	struct dp_transport *t = dp_tp_get(md, c->transport_id);
	if (t)
		t->n_consumers--;
	md->lc->ctr->consumers--;
	dp_nack_consumer_free(c);
	free(c);
	return 0;
}

int dp_consumer_pause(struct dp_media *md, uint32_t consumer_id, int paused)
{
	struct dp_consumer *c = dp_htab_get(&md->cons_id, consumer_id);
	if (!c)
		return -ENOENT;
	if (c->paused && !paused) {
		dp_seqmap_resync(&c->seq); /* continue at last sent + 1 */
		dp_simulcast_reset(c);     /* simulcast: restart on a key frame */
	}
	c->paused = (uint8_t)(paused != 0);
	return 0;
}

/* Ids of the entries of tab whose object belongs to transport tid; the
 * caller frees the array. Collected first: deleting while walking an
 * open-addressing table could skip entries. */
static uint32_t *collect(struct dp_htab *tab, uint32_t tid, uint32_t n, int producers,
			 uint32_t *found)
{
	uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
	uint32_t pos = 0, k = 0;
	struct dp_htab_ent *e;
	*found = 0;
	if (!ids)
		return NULL;
	while (k < n && (e = dp_htab_next(tab, &pos)) != NULL) {
		uint32_t owner = producers ? ((struct dp_producer *)e->val)->transport_id
					   : ((struct dp_consumer *)e->val)->transport_id;
		if (owner == tid)
			ids[k++] = (uint32_t)e->key;
	}
	*found = k;
	return ids;
}

void dp_stream_purge_transport(struct dp_media *md, struct dp_transport *t)
{
	uint32_t n, *ids;
	if (t->n_producers) {
		ids = collect(&md->prod_id, t->id, t->n_producers, 1, &n);
		for (uint32_t i = 0; ids && i < n; i++)
			dp_producer_remove(md, ids[i]);
		free(ids);
	}
	if (t->n_consumers) {
		ids = collect(&md->cons_id, t->id, t->n_consumers, 0, &n);
		for (uint32_t i = 0; ids && i < n; i++)
			dp_consumer_remove(md, ids[i]);
		free(ids);
	}
}
