/* SPDX-License-Identifier: MIT */
/*
 * RTP header parsing and in-place rewriting for forwarding, RFC 8285 header
 * extensions, RFC 4588 RTX and sequence-number tracking (contracts in
 * dp_rtp.h).
 */
#include <string.h>

#include "dp_bytes.h"
#include "dp_rtp.h"

#define SEQ_MOD 0x10000u
#define SEQ_NONE (SEQ_MOD + 1u) /* bad_seq when no jump is pending */

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static uint8_t ext_form_of(uint16_t profile)
{
	if (profile == DP_RTP_EXT_ONE_BYTE)
		return DP_RTP_EXT_ONE;
	if ((profile & DP_RTP_EXT_TWO_BYTE_MASK) == DP_RTP_EXT_TWO_BYTE)
		return DP_RTP_EXT_TWO;
	return DP_RTP_EXT_OTHER;
}

enum dp_rtp_status dp_rtp_parse(const uint8_t *pkt, size_t len, struct dp_rtp_info *ri)
{
	if (len < DP_RTP_HDR_MIN)
		return DP_RTP_SHORT;
	if (pkt[0] >> 6 != DP_RTP_VERSION)
		return DP_RTP_BAD_VERSION;
	if (len > UINT32_MAX)
		return DP_RTP_MALFORMED;

	memset(ri, 0, sizeof(*ri));
	ri->cc = pkt[0] & 0x0fu;
	ri->marker = pkt[1] >> 7;
	ri->pt = pkt[1] & 0x7fu;
	ri->seq = dp_get_be16(pkt + 2);
	ri->ts = dp_get_be32(pkt + 4);
	ri->ssrc = dp_get_be32(pkt + 8);

	size_t hdr = DP_RTP_HDR_MIN + 4u * ri->cc;
	if (len < hdr)
		return DP_RTP_SHORT;
	if (pkt[0] & 0x10u) {
		if (len - hdr < 4)
			return DP_RTP_SHORT;
		size_t ext_len = 4u * dp_get_be16(pkt + hdr + 2);
		ri->ext_profile = dp_get_be16(pkt + hdr);
		ri->ext_form = ext_form_of(ri->ext_profile);
		ri->ext_off = (uint32_t)hdr;
		ri->ext_len = (uint32_t)ext_len;
		if (len - hdr - 4 < ext_len)
			return DP_RTP_MALFORMED;
		hdr += 4 + ext_len;
	}

	size_t pad = 0;
	if (pkt[0] & 0x20u) {
		pad = pkt[len - 1];
		if (pad == 0 || pad > len - hdr)
			return DP_RTP_MALFORMED;
	}
	ri->hdr_len = (uint32_t)hdr;
	ri->payload_off = (uint32_t)hdr;
	ri->pad_len = (uint32_t)pad;
	ri->payload_len = (uint32_t)(len - hdr - pad);
	return DP_RTP_OK;
}

/* ------------------------------------------------------------------ */
/* Header extension elements                                           */
/* ------------------------------------------------------------------ */

void dp_rtp_ext_iter_init(struct dp_rtp_ext_iter *it, const struct dp_rtp_info *ri)
{
	it->form = ri->ext_form;
	if (ri->ext_form == DP_RTP_EXT_ONE || ri->ext_form == DP_RTP_EXT_TWO) {
		it->pos = ri->ext_off + 4u;
		it->end = it->pos + ri->ext_len;
	} else {
		it->pos = 0;
		it->end = 0;
	}
}

enum dp_rtp_status dp_rtp_ext_next(struct dp_rtp_ext_iter *it, const uint8_t *pkt,
				   struct dp_rtp_ext_elem *e)
{
	while (it->pos < it->end) {
		uint32_t pos = it->pos;
		uint8_t b = pkt[pos];
		uint32_t id, n, data;

		if (b == 0) { /* padding byte */
			it->pos++;
			continue;
		}
		if (it->form == DP_RTP_EXT_ONE) {
			id = b >> 4;
			n = (b & 0x0fu) + 1u;
			if (id == 15) { /* reserved: stop processing (RFC 8285 4.2) */
				it->pos = it->end;
				return DP_RTP_END;
			}
			if (id == 0) /* only 0x00 is padding */
				return DP_RTP_MALFORMED;
			data = pos + 1;
		} else {
			if (it->end - pos < 2)
				return DP_RTP_MALFORMED;
			id = b;
			n = pkt[pos + 1];
			data = pos + 2;
		}
		if (it->end - data < n)
			return DP_RTP_MALFORMED;
		e->id = (uint8_t)id;
		e->len = (uint8_t)n;
		e->hdr = pos;
		e->off = data;
		it->pos = data + n;
		return DP_RTP_OK;
	}
	return DP_RTP_END;
}

enum dp_rtp_status dp_rtp_ext_find(const uint8_t *pkt, const struct dp_rtp_info *ri,
				   uint8_t id, struct dp_rtp_ext_elem *e)
{
	struct dp_rtp_ext_iter it;
	enum dp_rtp_status st;

	dp_rtp_ext_iter_init(&it, ri);
	while ((st = dp_rtp_ext_next(&it, pkt, e)) == DP_RTP_OK)
		if (e->id == id)
			return DP_RTP_OK;
	return st == DP_RTP_END ? DP_RTP_NOT_FOUND : st;
}

/* Does every element of the block map to an id its form can carry? */
static enum dp_rtp_status remap_check(const uint8_t *pkt, const struct dp_rtp_info *ri,
				      const uint8_t map[256])
{
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	enum dp_rtp_status st;

	dp_rtp_ext_iter_init(&it, ri);
	while ((st = dp_rtp_ext_next(&it, pkt, &e)) == DP_RTP_OK)
		if (it.form == DP_RTP_EXT_ONE && map[e.id] > DP_RTP_ONE_BYTE_ID_MAX)
			return DP_RTP_BAD_ID;
	return st == DP_RTP_END ? DP_RTP_OK : st;
}

enum dp_rtp_status dp_rtp_ext_remap(uint8_t *pkt, const struct dp_rtp_info *ri,
				    const uint8_t map[256])
{
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	enum dp_rtp_status st = remap_check(pkt, ri, map);

	if (st != DP_RTP_OK)
		return st;
	/* rewriting behind the cursor never changes what lies ahead of it */
	dp_rtp_ext_iter_init(&it, ri);
	while (dp_rtp_ext_next(&it, pkt, &e) == DP_RTP_OK) {
		uint8_t nid = map[e.id];
		if (nid == 0)
			memset(pkt + e.hdr, 0, e.off + e.len - e.hdr);
		else if (it.form == DP_RTP_EXT_ONE)
			pkt[e.hdr] = (uint8_t)(nid << 4 | (e.len - 1u));
		else
			pkt[e.hdr] = nid;
	}
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_get_abs_send_time(const uint8_t *pkt,
						const struct dp_rtp_ext_elem *e, uint32_t *v24)
{
	if (e->len != 3)
		return DP_RTP_BAD_LEN;
	*v24 = dp_get_be24(pkt + e->off);
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_set_abs_send_time(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
						uint32_t v24)
{
	if (e->len != 3)
		return DP_RTP_BAD_LEN;
	dp_put_be24(pkt + e->off, v24 & 0xffffffu);
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_get_twcc(const uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				       uint16_t *seq)
{
	if (e->len != 2)
		return DP_RTP_BAD_LEN;
	*seq = dp_get_be16(pkt + e->off);
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_set_twcc(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				       uint16_t seq)
{
	if (e->len != 2)
		return DP_RTP_BAD_LEN;
	dp_put_be16(pkt + e->off, seq);
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_get_audio_level(const uint8_t *pkt,
					      const struct dp_rtp_ext_elem *e, int *voice,
					      uint8_t *level)
{
	if (e->len < 1)
		return DP_RTP_BAD_LEN;
	uint8_t b = pkt[e->off];
	*voice = b >> 7;
	*level = b & 0x7fu;
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_set_audio_level(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
					      int voice, uint8_t level)
{
	if (e->len < 1)
		return DP_RTP_BAD_LEN;
	pkt[e->off] = (uint8_t)((voice ? 0x80u : 0) | (level & 0x7fu));
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_get_mid(const uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				      const uint8_t **mid, size_t *mid_len)
{
	if (e->len < 1)
		return DP_RTP_BAD_LEN;
	*mid = pkt + e->off;
	*mid_len = e->len;
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_ext_set_mid(uint8_t *pkt, const struct dp_rtp_ext_elem *e,
				      const uint8_t *mid, size_t mid_len)
{
	if (mid_len == 0 || mid_len != e->len)
		return DP_RTP_BAD_LEN;
	memcpy(pkt + e->off, mid, mid_len);
	return DP_RTP_OK;
}

/* ------------------------------------------------------------------ */
/* RTX                                                                 */
/* ------------------------------------------------------------------ */

/* Does ri describe a packet of this length? */
static int info_matches(size_t len, const struct dp_rtp_info *ri)
{
	return ri->hdr_len >= DP_RTP_HDR_MIN &&
	       (size_t)ri->hdr_len + ri->payload_len + ri->pad_len == len;
}

enum dp_rtp_status dp_rtp_rtx_wrap(const uint8_t *pkt, size_t len, const struct dp_rtp_info *ri,
				   uint8_t *out, size_t cap, size_t *out_len,
				   uint32_t rtx_ssrc, uint8_t rtx_pt, uint16_t rtx_seq)
{
	if (!info_matches(len, ri))
		return DP_RTP_MALFORMED;
	if (cap < DP_RTP_RTX_OSN_LEN || cap - DP_RTP_RTX_OSN_LEN < len)
		return DP_RTP_NOSPACE;

	size_t hdr = ri->hdr_len;
	memcpy(out, pkt, hdr);
	/* OSN from the packet bytes: the caller may have rewritten seq since parsing */
	memcpy(out + hdr, pkt + 2, DP_RTP_RTX_OSN_LEN);
	memcpy(out + hdr + DP_RTP_RTX_OSN_LEN, pkt + hdr, len - hdr);
	dp_rtp_set_ssrc(out, rtx_ssrc);
	dp_rtp_set_pt(out, rtx_pt);
	dp_rtp_set_seq(out, rtx_seq);
	*out_len = len + DP_RTP_RTX_OSN_LEN;
	return DP_RTP_OK;
}

enum dp_rtp_status dp_rtp_rtx_unwrap(uint8_t *pkt, size_t len, struct dp_rtp_info *ri,
				     uint32_t orig_ssrc, uint8_t orig_pt, size_t *new_len)
{
	if (!info_matches(len, ri))
		return DP_RTP_MALFORMED;
	if (ri->payload_len < DP_RTP_RTX_OSN_LEN)
		return DP_RTP_SHORT;

	size_t hdr = ri->hdr_len;
	uint16_t osn = dp_get_be16(pkt + hdr);
	memmove(pkt + hdr, pkt + hdr + DP_RTP_RTX_OSN_LEN, len - hdr - DP_RTP_RTX_OSN_LEN);
	dp_rtp_set_seq(pkt, osn);
	dp_rtp_set_ssrc(pkt, orig_ssrc);
	dp_rtp_set_pt(pkt, orig_pt);

	ri->seq = osn;
	ri->ssrc = orig_ssrc;
	ri->pt = orig_pt & 0x7fu;
	ri->payload_len -= DP_RTP_RTX_OSN_LEN;
	*new_len = len - DP_RTP_RTX_OSN_LEN;
	return DP_RTP_OK;
}

/* ------------------------------------------------------------------ */
/* Sequence numbers                                                    */
/* ------------------------------------------------------------------ */

void dp_rtp_seq_init(struct dp_rtp_seq *s, uint16_t seq)
{
	s->cycles = 0;
	s->max_seq = seq;
	s->base = seq;
	s->received = 1;
	s->bad_seq = SEQ_NONE;
}

enum dp_rtp_seq_result dp_rtp_seq_update(struct dp_rtp_seq *s, uint16_t seq, uint32_t *ext)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);
	uint32_t ext_max = dp_rtp_seq_ext_max(s);

	if (udelta == 0) { /* duplicate of the newest */
		s->received++;
		*ext = ext_max;
		return DP_RTP_SEQ_OLD;
	}
	if (udelta < DP_RTP_SEQ_MAX_DROPOUT) { /* in order, maybe with a gap */
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD;
		s->max_seq = seq;
		s->bad_seq = SEQ_NONE;
		s->received++;
		*ext = dp_rtp_seq_ext_max(s);
		return DP_RTP_SEQ_NEW;
	}
	if (udelta <= SEQ_MOD - DP_RTP_SEQ_MAX_MISORDER) { /* a big jump */
		*ext = ext_max + udelta;
		if (seq != s->bad_seq) {
			s->bad_seq = (uint16_t)(seq + 1u);
			return DP_RTP_SEQ_JUMP;
		}
		/* two in a row: the source restarted its numbering */
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD;
		s->max_seq = seq;
		s->bad_seq = SEQ_NONE;
		s->base = *ext;
		s->received = 1;
		return DP_RTP_SEQ_RESYNC;
	}
	/* within MAX_MISORDER behind the newest: late or duplicate */
	s->received++;
	*ext = ext_max - (SEQ_MOD - udelta);
	return DP_RTP_SEQ_OLD;
}

const char *dp_rtp_status_name(enum dp_rtp_status s)
{
	switch (s) {
	case DP_RTP_OK: return "ok";
	case DP_RTP_SHORT: return "short";
	case DP_RTP_BAD_VERSION: return "bad_version";
	case DP_RTP_MALFORMED: return "malformed";
	case DP_RTP_END: return "end";
	case DP_RTP_NOT_FOUND: return "not_found";
	case DP_RTP_BAD_ID: return "bad_id";
	case DP_RTP_BAD_LEN: return "bad_len";
	case DP_RTP_NOSPACE: return "nospace";
	}
	return "?";
}
