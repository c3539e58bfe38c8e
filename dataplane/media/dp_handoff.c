/* SPDX-License-Identifier: MIT */
/*
 * dp_handoff - the rings between worker lcores.
 *
 * One single-producer/single-consumer rte_ring per ordered pair (src, dst)
 * of workers, created at start in DPDK memory (not in the control plane's
 * segment: it carries mbuf pointers). Elements are struct dp_handoff by
 * value: the mbuf and what the receiver needs to go on without parsing
 * again. Two kinds travel:
 *  - RAW: a datagram that arrived on src's queue for dst's UDP port (the
 *    owner of a transport is the owner of its port); dst runs the whole
 *    media input on it.
 *  - FANOUT: a reference to a producer's plaintext RTP packet; dst forwards
 *    it to its own consumers of that producer.
 *  - KEYFRAME (no mbuf): a consumer on src sent PLI/FIR for a producer of
 *    dst (src learnt dst from the producer's fan-out descriptors); dst
 *    asks the producer (dp_feedback_keyframe), without a round trip
 *    through the control plane.
 * A full ring drops the packet (ring_full on src); the counters handoff_out
 * (src) and handoff_in (dst) count what went through.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_media.h"
#include "dp_media_int.h"

_Static_assert(sizeof(struct dp_handoff) % 4 == 0, "rte_ring element size");

static unsigned int ring_entries(unsigned int n_lcores)
{
	/* n*(n-1) rings: keep the total bounded for many lcores */
	if (n_lcores <= 8)
		return DP_HANDOFF_RING;
	return n_lcores <= 16 ? DP_HANDOFF_RING / 2 : DP_HANDOFF_RING / 4;
}

int dp_handoff_create(struct dp_lcore *lcs, unsigned int n, char *err, size_t errlen)
{
	unsigned int entries = ring_entries(n);
	for (unsigned int s = 0; s < n; s++) {
		for (unsigned int d = 0; d < n; d++) {
			if (s == d)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "slho%u_%u", s, d);
			struct rte_ring *r = rte_ring_create_elem(
				name, sizeof(struct dp_handoff), entries, (int)SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!r) {
				snprintf(err, errlen,
					 "cannot create handoff ring %s (%u entries): %s; give the "
					 "EAL more memory (-m)", name, entries,
					 rte_strerror(rte_errno));
				return -ENOMEM;
			}
			lcs[s].media->ho_out[d] = r;
			lcs[d].media->ho_in[s] = r;
		}
	}
	return 0;
}

void dp_handoff_free(struct dp_lcore *lcs, unsigned int n)
{
	struct dp_handoff h;
	for (unsigned int s = 0; s < n; s++) {
		struct dp_media *md = lcs[s].media;
		if (!md)
			continue;
		for (unsigned int d = 0; d < n; d++) {
			struct rte_ring *r = md->ho_out[d];
			if (!r)
				continue;
			while (rte_ring_dequeue_elem(r, &h, sizeof(h)) == 0)
				rte_pktmbuf_free(h.m);
			rte_ring_free(r);
			md->ho_out[d] = NULL;
			if (lcs[d].media)
				lcs[d].media->ho_in[s] = NULL;
		}
	}
}

void dp_handoff_raw(struct dp_media *md, unsigned int dst, struct rte_mbuf *m,
		    const struct dp_udp_info *u)
{
	struct dp_handoff h;
	struct rte_ring *r = md->ho_out[dst];
	memset(&h, 0, sizeof(h));
	h.m = m;
	h.kind = DP_HO_RAW;
	h.u.udp = *u;
	if (!r || rte_ring_sp_enqueue_elem(r, &h, sizeof(h)) != 0) {
		dp_count_drop(md->lc, SL_DROP_RING_FULL);
		rte_pktmbuf_free(m);
		return;
	}
	md->lc->ctr->handoff_out++;
}

int dp_handoff_keyframe(struct dp_media *md, unsigned int dst, uint32_t producer_id)
{
	struct dp_handoff h;
	struct rte_ring *r = dst < md->n_lcores ? md->ho_out[dst] : NULL;
	memset(&h, 0, sizeof(h));
	h.kind = DP_HO_KEYFRAME;
	h.producer_id = producer_id;
	if (!r || rte_ring_sp_enqueue_elem(r, &h, sizeof(h)) != 0)
		return -ENOBUFS; /* not counted: the caller takes the event path */
	md->lc->ctr->handoff_out++;
	return 0;
}

int dp_handoff_fanout(struct dp_media *md, unsigned int dst, const struct dp_handoff *h)
{
	struct rte_ring *r = dst < md->n_lcores ? md->ho_out[dst] : NULL;
	if (!r || rte_ring_sp_enqueue_elem(r, (void *)(uintptr_t)h, sizeof(*h)) != 0) {
		dp_count_drop(md->lc, SL_DROP_RING_FULL);
		rte_pktmbuf_free(h->m); /* the reference taken for dst */
		return -ENOBUFS;
	}
	md->lc->ctr->handoff_out++;
	return 0;
}

unsigned int dp_media_poll(struct dp_lcore *lc)
{
	struct dp_media *md = lc->media;
	struct dp_handoff hs[DP_HANDOFF_BURST];
	unsigned int total = 0;

	if (!md)
		return 0;
	for (unsigned int s = 0; s < md->n_lcores; s++) {
		struct rte_ring *r = md->ho_in[s];
		if (!r)
			continue;
		unsigned int n = rte_ring_sc_dequeue_burst_elem(r, hs, sizeof(hs[0]),
								DP_HANDOFF_BURST, NULL);
		if (n == 0)
			continue;
		md->now_ns = dp_media_clock(md);
		lc->ctr->handoff_in += n;
		for (unsigned int i = 0; i < n; i++) {
			hs[i].src = (uint8_t)s;
			if (hs[i].kind == DP_HO_RAW)
				dp_media_input_local(md, hs[i].m, &hs[i].u.udp);
			else if (hs[i].kind == DP_HO_FANOUT)
				dp_forward_fanout_in(md, &hs[i]);
			else if (dp_feedback_keyframe(md, hs[i].producer_id) != 0)
				dp_count_drop(lc, SL_DROP_NO_PRODUCER); /* gone meanwhile */
		}
		total += n;
	}
	return total;
}
