/* SPDX-License-Identifier: MIT */
/*
 * dp_nack - loss recovery: consumers' NACKs answered from the fans'
 * retransmission buffers, and NACKs of our own to producers for the
 * packets that did not arrive. Contract and memory in dp_nack.h;
 * ownership in dp_media_int.h (everything on the owner lcore, no locks, no
 * allocation on the packet path, no logging).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_random.h>

#include "dp_media_int.h"
#include "dp_nack.h"
#include "dp_rtp.h"

/* One missing producer sequence number. */
struct dp_nack_ent {
	uint16_t seq;
	uint8_t tries;     /* NACKs that named it */
	uint8_t pad[5];
	uint64_t first_ns; /* when the gap was seen */
	uint64_t last_ns;  /* last NACK naming it; 0 = none yet */
};

/* The missing list of one producer: e[0 .. n), oldest first (the order the
 * gaps were seen in, which is sequence order within one run). */
struct dp_nack_rx {
	uint32_t n;
	uint16_t max_seq;  /* newest seq seen (valid if have_max) */
	uint8_t have_max;
	uint8_t pad;
	struct dp_nack_ent e[DP_NACK_MAX];
};

_Static_assert(sizeof(struct dp_rtx_pkt) == 24 + DP_RTX_PKT_MAX, "memory figure in dp_nack.h");
_Static_assert(sizeof(struct dp_fwd_tag) == 24, "memory figure in dp_nack.h");

/* ------------------------------------------------------------------ */
/* Command side                                                       */
/* ------------------------------------------------------------------ */

int dp_nack_consumer_add(struct dp_consumer *c, struct dp_fan *fan,
			 const struct sl_msg_consumer_add *a)
{
	if (!a->nack || a->kind != SL_KIND_VIDEO)
		return 0; /* audio: losses are concealed, not repaired */
	c->nk = calloc(1, sizeof(*c->nk));
	if (!c->nk)
		return -ENOMEM;
	c->nk->rtx_seq = (uint16_t)rte_rand(); /* RFC 3550: a random start */
	if (!fan->rtx) {
		fan->rtx = calloc(1, sizeof(*fan->rtx)); /* zero: every slot empty */
		if (!fan->rtx) {
			free(c->nk);
			c->nk = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void dp_nack_consumer_free(struct dp_consumer *c)
{
	free(c->nk);
	c->nk = NULL;
}

void dp_nack_fan_free(struct dp_fan *fan)
{
	free(fan->rtx);
	fan->rtx = NULL;
}

int dp_nack_producer_add(struct dp_producer *p, const struct sl_msg_producer_add *a)
{
	if (!a->nack)
		return 0;
	p->nk = calloc(1, sizeof(*p->nk));
	return p->nk ? 0 : -ENOMEM;
}

void dp_nack_producer_free(struct dp_producer *p)
{
	free(p->nk);
	p->nk = NULL;
}

/* ------------------------------------------------------------------ */
/* Consumers' NACKs                                                   */
/* ------------------------------------------------------------------ */

void dp_nack_keep(struct dp_rtx_buf *b, const uint8_t *rtp, uint32_t len,
		  const struct dp_rtp_info *ri, const struct sl_ext_ids *ext, uint64_t now_ns)
{
	if (len > DP_RTX_PKT_MAX)
		return;
	struct dp_rtx_pkt *k = &b->p[ri->seq & (DP_RTX_SLOTS - 1u)];
	/* a very late packet must not push out the newer one of its slot */
	if (k->ns && k->ssrc == ri->ssrc && dp_seq16_diff(ri->seq, k->seq) < 0)
		return;
	k->ssrc = ri->ssrc;
	k->seq = ri->seq;
	k->len = (uint16_t)len;
	k->ns = now_ns ? now_ns : 1;
	k->ext = *ext;
	memcpy(k->data, rtp, len);
}

struct nack_ctx {
	struct dp_media *md;
	struct dp_transport *t;
	struct dp_consumer *c;
};

/* One consumer seq asked for: resend, or count the miss. A seq resent to
 * this consumer less than DP_RTX_MIN_GAP_NS ago or DP_RTX_MAX_SENDS times
 * already is neither (a NACK storm must not multiply). */
static int answer_one(uint16_t seq, void *arg)
{
	struct nack_ctx *x = arg;
	struct dp_consumer *c = x->c;
	struct dp_rtx_buf *b = c->fan->rtx;
	uint64_t now = x->md->now_ns;
	uint16_t in;

	x->t->ctr->nack_seqs_in++;
	if (c->paused)
		return 0;
	if (!c->nk || !b || dp_seqmap_unmap(&c->seq, seq, &in) != 0) {
		x->t->ctr->rtx_miss++;
		return 0;
	}
	const struct dp_rtx_pkt *k = &b->p[in & (DP_RTX_SLOTS - 1u)];
	struct dp_fwd_tag *s = &c->nk->sent[seq & (DP_RTX_SLOTS - 1u)];
	if (!k->ns || k->seq != in || k->ssrc != c->seq.src_ssrc ||
	    now - k->ns > DP_RTX_MAX_AGE_NS || !s->valid || s->seq != seq) {
		x->t->ctr->rtx_miss++;
		return 0;
	}
	if (s->sends >= DP_RTX_MAX_SENDS || (s->last_ns && now - s->last_ns < DP_RTX_MIN_GAP_NS))
		return 0;
	if (dp_forward_resend(x->md, c, k, s) == 0) {
		s->sends++;
		s->last_ns = now ? now : 1;
	}
	return 0;
}

void dp_nack_input(struct dp_media *md, struct dp_transport *t, const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_nack nack;
	if (dp_rtcp_parse_nack(pkt, &nack) != DP_RTCP_OK)
		return;
	t->ctr->nack_in++;
	struct nack_ctx x = {.md = md, .t = t};
	x.c = dp_htab_get(&md->cons_ssrc, (uint64_t)t->id << 32 | nack.media_ssrc);
	if (!x.c)
		return; /* not a consumer of this transport (or gone) */
	dp_rtcp_nack_foreach(&nack, answer_one, &x);
}

/* ------------------------------------------------------------------ */
/* NACKs to producers                                                 */
/* ------------------------------------------------------------------ */

/* Appends the n seqs from first on (n <= DP_NACK_MAX), the oldest entries
 * making room. */
static void missing_add(struct dp_nack_rx *q, uint16_t first, uint32_t n, uint64_t now)
{
	if (q->n + n > DP_NACK_MAX) {
		uint32_t drop = q->n + n - DP_NACK_MAX;
		memmove(&q->e[0], &q->e[drop], (q->n - drop) * sizeof(q->e[0]));
		q->n -= drop;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct dp_nack_ent *e = &q->e[q->n++];
		memset(e, 0, sizeof(*e));
		e->seq = (uint16_t)(first + i);
		e->first_ns = now ? now : 1;
	}
}

static void missing_del(struct dp_nack_rx *q, uint16_t seq)
{
	for (uint32_t i = q->n; i > 0; i--) { /* late ones are mostly recent */
		if (q->e[i - 1].seq != seq)
			continue;
		memmove(&q->e[i - 1], &q->e[i], (q->n - i) * sizeof(q->e[0]));
		q->n--;
		return;
	}
}

void dp_nack_rx(struct dp_media *md, struct dp_producer *p, uint16_t seq)
{
	struct dp_nack_rx *q = p->nk;
	if (!q)
		return;
	if (!q->have_max) {
		q->have_max = 1;
		q->max_seq = seq;
		return;
	}
	int32_t d = dp_seq16_diff(seq, q->max_seq);
	if (d > (int32_t)DP_NACK_JUMP || d < -(int32_t)DP_NACK_JUMP) {
		q->n = 0; /* a restart or a jump: nothing to ask for */
		q->max_seq = seq;
		return;
	}
	if (d > 1) {
		uint32_t n = (uint32_t)d - 1u;
		uint16_t first = (uint16_t)(q->max_seq + 1u);
		if (n > DP_NACK_MAX) { /* only the newest can make it in time */
			first = (uint16_t)(seq - DP_NACK_MAX);
			n = DP_NACK_MAX;
		}
		missing_add(q, first, n, md->now_ns);
	}
	if (d > 0)
		q->max_seq = seq;
	else if (d < 0 && q->n)
		missing_del(q, seq);
}

/* Drops expired entries of p's list and sends one NACK with the entries
 * due (never asked, or asked DP_NACK_RETRY_NS ago). */
static void nack_send(struct dp_media *md, struct dp_producer *p, uint64_t now)
{
	struct dp_nack_rx *q = p->nk;
	struct dp_transport *t = dp_tp_get(md, p->transport_id);
	int can = t && !dp_tp_blocked(t);
	uint16_t seqs[DP_NACK_MAX];
	size_t n_due = 0;
	uint32_t k = 0;
	for (uint32_t i = 0; i < q->n; i++) {
		struct dp_nack_ent e = q->e[i];
		if (e.tries >= DP_NACK_MAX_TRIES || now - e.first_ns > DP_NACK_MAX_AGE_NS)
			continue; /* given up */
		if (can && (!e.last_ns || now - e.last_ns >= DP_NACK_RETRY_NS)) {
			seqs[n_due++] = e.seq;
			e.tries++;
			e.last_ns = now;
		}
		q->e[k++] = e;
	}
	q->n = k;
	if (n_due == 0)
		return;
	struct rte_mbuf *m = dp_feedback_rtcp_mbuf(md, t);
	if (!m)
		return;
	uint8_t *b = rte_pktmbuf_mtod_offset(m, uint8_t *, DP_UDP4_HDRS);
	/* 128 seqs need at most 524 bytes: the builder cannot fail */
	size_t len = dp_rtcp_build_nack(b, DP_RTCP_BUF_MAX, DP_SERVER_SSRC, p->ssrc, seqs, n_due);
	if (dp_feedback_rtcp_send(md, t, m, (uint32_t)len) == 0)
		t->ctr->nack_out++;
}

void dp_nack_timer(struct dp_media *md, uint64_t now_ns)
{
	if (now_ns - md->nack_last_ns < DP_NACK_TICK_NS)
		return;
	md->nack_last_ns = now_ns;
	struct dp_htab_ent *e;
	uint32_t pos = 0;
	while ((e = dp_htab_next(&md->prod_id, &pos)) != NULL) {
		struct dp_producer *p = e->val;
		if (p->nk && p->nk->n)
			nack_send(md, p, now_ns);
	}
}
