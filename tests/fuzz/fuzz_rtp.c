/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for dp_rtp: parse any input; when it parses, walk the
 * extension elements and read the well-known values, then on a copy apply an
 * id remap (map derived from the input) and the forwarding rewrites, and
 * require that the copy still parses with the same payload offset, length
 * and bytes, that a refused remap changed nothing, that the surviving
 * elements are exactly the mapped ones, and that RTX wrap + unwrap restores
 * the packet byte for byte. Also feeds input-derived sequence numbers to the
 * extended-sequence tracker. Any broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_demux.h"
#include "dp_rtp.h"

#define REQUIRE(c)                  \
	do {                        \
		if (!(c))           \
			abort();    \
	} while (0)

static void check_info(const uint8_t *data, size_t size, const struct dp_rtp_info *ri)
{
	REQUIRE(ri->hdr_len >= DP_RTP_HDR_MIN && ri->payload_off == ri->hdr_len);
	REQUIRE((size_t)ri->payload_off + ri->payload_len + ri->pad_len == size);
	REQUIRE(ri->hdr_len >= DP_RTP_HDR_MIN + 4u * ri->cc);
	REQUIRE(ri->pt < 128 && ri->marker < 2);
	REQUIRE(ri->pad_len == 0 || (data[0] & 0x20));
	if (ri->ext_form != DP_RTP_EXT_NONE)
		REQUIRE(ri->ext_off == DP_RTP_HDR_MIN + 4u * ri->cc &&
			ri->ext_off + 4 + ri->ext_len == ri->hdr_len);
	enum dp_demux d = dp_demux_classify(data, size);
	REQUIRE(d == DP_DEMUX_RTP || d == DP_DEMUX_RTCP);
}

/* Walk the elements; exercise the value helpers. Returns the iterator's end status. */
static enum dp_rtp_status walk(const uint8_t *pkt, const struct dp_rtp_info *ri)
{
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	enum dp_rtp_status st;
	uint32_t lo = ri->ext_off + 4, hi = ri->ext_off + 4 + ri->ext_len;

	dp_rtp_ext_iter_init(&it, ri);
	while ((st = dp_rtp_ext_next(&it, pkt, &e)) == DP_RTP_OK) {
		REQUIRE(e.id != 0 && e.hdr >= lo && e.off > e.hdr && e.off + e.len <= hi);
		if (ri->ext_form == DP_RTP_EXT_ONE)
			REQUIRE(e.id <= 14 && e.len >= 1 && e.len <= 16);
		uint32_t v24;
		uint16_t v16;
		int voice;
		uint8_t level;
		const uint8_t *mid;
		size_t mid_len;
		REQUIRE((dp_rtp_ext_get_abs_send_time(pkt, &e, &v24) == DP_RTP_OK) == (e.len == 3));
		REQUIRE((dp_rtp_ext_get_twcc(pkt, &e, &v16) == DP_RTP_OK) == (e.len == 2));
		REQUIRE((dp_rtp_ext_get_audio_level(pkt, &e, &voice, &level) == DP_RTP_OK) ==
			(e.len >= 1));
		if (dp_rtp_ext_get_mid(pkt, &e, &mid, &mid_len) == DP_RTP_OK)
			REQUIRE(mid == pkt + e.off && mid_len == e.len);
		struct dp_rtp_ext_elem f;
		REQUIRE(dp_rtp_ext_find(pkt, ri, e.id, &f) == DP_RTP_OK && f.id == e.id &&
			f.hdr <= e.hdr);
	}
	REQUIRE(st == DP_RTP_END || st == DP_RTP_MALFORMED);
	return st;
}

/* After a successful remap the copy's elements are the mapped originals, in order. */
static void check_remapped(const uint8_t *orig, const uint8_t *copy, const struct dp_rtp_info *ri,
			   const uint8_t map[256])
{
	struct dp_rtp_ext_iter a, b;
	struct dp_rtp_ext_elem ea, eb;

	dp_rtp_ext_iter_init(&a, ri);
	dp_rtp_ext_iter_init(&b, ri);
	while (dp_rtp_ext_next(&a, orig, &ea) == DP_RTP_OK) {
		if (map[ea.id] == 0)
			continue;
		REQUIRE(dp_rtp_ext_next(&b, copy, &eb) == DP_RTP_OK);
		REQUIRE(eb.id == map[ea.id] && eb.len == ea.len && eb.off == ea.off &&
			memcmp(copy + eb.off, orig + ea.off, ea.len) == 0);
	}
	REQUIRE(dp_rtp_ext_next(&b, copy, &eb) == DP_RTP_END);
}

static void check_same_payload(const uint8_t *a, const uint8_t *b, size_t len,
			       const struct dp_rtp_info *ra, const struct dp_rtp_info *rb)
{
	REQUIRE(rb->payload_off == ra->payload_off && rb->payload_len == ra->payload_len &&
		rb->pad_len == ra->pad_len);
	REQUIRE(memcmp(a + ra->payload_off, b + rb->payload_off, len - ra->payload_off) == 0);
}

static void remap_and_rewrite(const uint8_t *data, size_t size, const struct dp_rtp_info *ri,
			      uint8_t *copy, enum dp_rtp_status walked)
{
	uint8_t map[256];
	struct dp_rtp_info r2;

	for (size_t i = 0; i < 256; i++) {
		map[i] = (uint8_t)(data[i % size] ^ (uint8_t)i);
		if ((size & 1) && ri->ext_form == DP_RTP_EXT_ONE)
			map[i] %= 15; /* mostly acceptable maps for the one-byte form */
	}
	memcpy(copy, data, size);
	enum dp_rtp_status st = dp_rtp_ext_remap(copy, ri, map);
	if (st == DP_RTP_OK) {
		REQUIRE(walked == DP_RTP_END);
		REQUIRE(dp_rtp_parse(copy, size, &r2) == DP_RTP_OK);
		check_same_payload(data, copy, size, ri, &r2);
		REQUIRE(memcmp(copy, data, ri->ext_off ? ri->ext_off + 4 : ri->hdr_len) == 0);
		check_remapped(data, copy, ri, map);
	} else {
		REQUIRE(st == DP_RTP_BAD_ID || st == DP_RTP_MALFORMED);
		REQUIRE(st != DP_RTP_MALFORMED || walked == DP_RTP_MALFORMED);
		REQUIRE(memcmp(copy, data, size) == 0);
	}

	uint32_t ssrc = ri->ssrc ^ 0x5a5a5a5au, ts = ri->ts + 12345u;
	uint16_t seq = (uint16_t)(ri->seq + 7u);
	uint8_t pt = (uint8_t)(ri->pt ^ 0x15u);
	dp_rtp_set_ssrc(copy, ssrc);
	dp_rtp_set_pt(copy, pt);
	dp_rtp_set_seq(copy, seq);
	dp_rtp_set_ts(copy, ts);
	REQUIRE(dp_rtp_parse(copy, size, &r2) == DP_RTP_OK);
	REQUIRE(r2.ssrc == ssrc && r2.pt == pt && r2.seq == seq && r2.ts == ts &&
		r2.marker == ri->marker);
	check_same_payload(data, copy, size, ri, &r2);
}

static void rtx_roundtrip(const uint8_t *pkt, size_t size, uint8_t *rtx, uint8_t *back)
{
	struct dp_rtp_info ri, rri;
	size_t rn = 0, un = 0;

	REQUIRE(dp_rtp_parse(pkt, size, &ri) == DP_RTP_OK);
	REQUIRE(dp_rtp_rtx_wrap(pkt, size, &ri, rtx, size + 1, &rn, 1, 2, 3) == DP_RTP_NOSPACE);
	REQUIRE(dp_rtp_rtx_wrap(pkt, size, &ri, rtx, size + 2, &rn, ri.ssrc + 1, 97,
				(uint16_t)~ri.seq) == DP_RTP_OK);
	REQUIRE(rn == size + 2);
	REQUIRE(dp_rtp_parse(rtx, rn, &rri) == DP_RTP_OK);
	REQUIRE(rri.payload_len == ri.payload_len + 2 && rri.pad_len == ri.pad_len &&
		rri.hdr_len == ri.hdr_len && rri.pt == 97);
	memcpy(back, rtx, rn);
	REQUIRE(dp_rtp_rtx_unwrap(back, rn, &rri, ri.ssrc, ri.pt, &un) == DP_RTP_OK);
	REQUIRE(un == size && memcmp(back, pkt, size) == 0);
	struct dp_rtp_info again;
	REQUIRE(dp_rtp_parse(back, un, &again) == DP_RTP_OK);
	REQUIRE(memcmp(&again, &rri, sizeof(again)) == 0);

	/* unwrapping the original itself: SHORT exactly when it has < 2 payload bytes */
	uint32_t plen = ri.payload_len;
	memcpy(back, pkt, size);
	enum dp_rtp_status st = dp_rtp_rtx_unwrap(back, size, &ri, 5, 6, &un);
	REQUIRE((st == DP_RTP_SHORT) == (plen < DP_RTP_RTX_OSN_LEN));
	if (st == DP_RTP_OK)
		REQUIRE(un == size - 2 && ri.payload_len == plen - 2 &&
			memcmp(back + ri.payload_off, pkt + ri.payload_off + 2, size - ri.payload_off - 2) == 0);
}

/* Sequence tracking over 16-bit numbers taken from the input. */
static void seq_track(const uint8_t *data, size_t size)
{
	struct dp_rtp_seq s;
	uint32_t ext;

	if (size < 2)
		return;
	dp_rtp_seq_init(&s, (uint16_t)(data[0] << 8 | data[1]));
	for (size_t i = 2; i + 1 < size; i += 2) {
		uint16_t q = (uint16_t)(data[i] << 8 | data[i + 1]);
		uint32_t before = dp_rtp_seq_ext_max(&s);
		enum dp_rtp_seq_result r = dp_rtp_seq_update(&s, q, &ext);
		uint32_t after = dp_rtp_seq_ext_max(&s);
		REQUIRE((uint16_t)ext == q);
		REQUIRE(s.max_seq == (uint16_t)after);
		switch (r) {
		case DP_RTP_SEQ_NEW:
		case DP_RTP_SEQ_RESYNC:
			REQUIRE(after == ext && after - before > 0 && after - before < 0x10000u);
			break;
		case DP_RTP_SEQ_OLD:
		case DP_RTP_SEQ_JUMP:
			REQUIRE(after == before);
			break;
		default:
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_rtp_info ri;
	enum dp_rtp_status st = dp_rtp_parse(data, size, &ri);

	seq_track(data, size);
	REQUIRE(st == DP_RTP_OK || st == DP_RTP_SHORT || st == DP_RTP_BAD_VERSION ||
		st == DP_RTP_MALFORMED);
	if (st != DP_RTP_OK)
		return 0;
	check_info(data, size, &ri);
	enum dp_rtp_status walked = walk(data, &ri);

	uint8_t *copy = malloc(size), *rtx = malloc(size + 2), *back = malloc(size + 2);
	REQUIRE(copy && rtx && back);
	remap_and_rewrite(data, size, &ri, copy, walked);
	rtx_roundtrip(data, size, rtx, back);
	rtx_roundtrip(copy, size, rtx, back);
	free(copy);
	free(rtx);
	free(back);
	return 0;
}
