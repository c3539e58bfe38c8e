/* SPDX-License-Identifier: MIT */
/*
 * RTP parsing, RFC 8285 extensions (iterate, remap, values), rewrites,
 * RFC 4588 RTX wrap/unwrap and sequence arithmetic (dp_rtp.h), with exact
 * byte expectations.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dp_rtp.h"
#include "proto_test.h"

/* Parse a copy of exactly len bytes on the heap, so ASan sees over-reads. */
static enum dp_rtp_status parse_exact(const uint8_t *pkt, size_t len, struct dp_rtp_info *ri)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, pkt, len);
	enum dp_rtp_status st = dp_rtp_parse(copy, len, ri);
	free(copy);
	return st;
}

/*
 * A packet: M=1 PT=96 seq 0x1234 ts 0xdeadbeef ssrc 0x11223344, then cc
 * CSRCs (0xc0c0c0c0 + i), the extension block given as hex (its 4-byte
 * header included; "" for none), payload "PAYLOAD" and pad padding bytes.
 */
static size_t mk(uint8_t *p, unsigned cc, const char *ext_hex, unsigned pad)
{
	size_t n = 0, e;
	uint8_t ext[512];

	e = t_hex(ext_hex, ext, sizeof(ext));
	p[n++] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (e ? 0x10 : 0) | cc);
	p[n++] = 0x80 | 96;
	p[n++] = 0x12;
	p[n++] = 0x34;
	p[n++] = 0xde;
	p[n++] = 0xad;
	p[n++] = 0xbe;
	p[n++] = 0xef;
	p[n++] = 0x11;
	p[n++] = 0x22;
	p[n++] = 0x33;
	p[n++] = 0x44;
	for (unsigned i = 0; i < cc; i++) {
		p[n++] = 0xc0;
		p[n++] = 0xc0;
		p[n++] = 0xc0;
		p[n++] = (uint8_t)(0xc0 + i);
	}
	memcpy(p + n, ext, e);
	n += e;
	memcpy(p + n, "PAYLOAD", 7);
	n += 7;
	for (unsigned i = 0; i < pad; i++)
		p[n++] = i + 1 == pad ? (uint8_t)pad : 0;
	return n;
}

/* One-byte block: id 1 abs-send-time 0xabcdef, id 3 twcc 5, one padding byte. */
#define EXT_ONE "be de 00 02  12 ab cd ef  31 00 05  00"
/* Two-byte block: id 20 len 0, id 1 abs-send-time, id 200 mid "v0", padding. */
#define EXT_TWO "10 00 00 03  14 00  01 03 01 02 03  c8 02 76 30  00"

static void test_parse_basic(void)
{
	uint8_t p[128];
	struct dp_rtp_info ri;
	size_t n = mk(p, 0, "", 0);

	CHECK_EQ(n, 19);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.marker, 1);
	CHECK_EQ(ri.pt, 96);
	CHECK_EQ(ri.seq, 0x1234);
	CHECK_EQ(ri.ts, 0xdeadbeefu);
	CHECK_EQ(ri.ssrc, 0x11223344u);
	CHECK_EQ(ri.cc, 0);
	CHECK_EQ(ri.hdr_len, 12);
	CHECK_EQ(ri.payload_off, 12);
	CHECK_EQ(ri.payload_len, 7);
	CHECK_EQ(ri.pad_len, 0);
	CHECK_EQ(ri.ext_form, DP_RTP_EXT_NONE);
	CHECK_EQ(ri.ext_off, 0);

	n = mk(p, 2, EXT_ONE, 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.cc, 2);
	CHECK_EQ(ri.ext_off, 20);
	CHECK_EQ(ri.ext_len, 8);
	CHECK_EQ(ri.ext_profile, 0xbede);
	CHECK_EQ(ri.ext_form, DP_RTP_EXT_ONE);
	CHECK_EQ(ri.hdr_len, 32);
	CHECK_EQ(ri.payload_len, 7);
	CHECK_MEM(p + ri.payload_off, "PAYLOAD", 7);

	n = mk(p, 0, EXT_TWO, 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.ext_form, DP_RTP_EXT_TWO);
	CHECK_EQ(ri.ext_len, 12);
	CHECK_EQ(ri.hdr_len, 28);

	/* an empty extension block is legal */
	n = mk(p, 0, "be de 00 00", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.hdr_len, 16);
	CHECK_EQ(ri.ext_len, 0);
	n = mk(p, 0, "12 34 00 01 ff ff ff ff", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.ext_form, DP_RTP_EXT_OTHER);
	n = mk(p, 0, "10 0f 00 00", 0); /* 0x100X with appbits */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.ext_form, DP_RTP_EXT_TWO);
}

static void test_padding(void)
{
	uint8_t p[128];
	struct dp_rtp_info ri;
	size_t n = mk(p, 1, EXT_ONE, 4);

	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.pad_len, 4);
	CHECK_EQ(ri.payload_len, 7);
	CHECK_EQ(ri.payload_off + ri.payload_len + ri.pad_len, n);

	p[n - 1] = 0; /* count 0 */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_MALFORMED);
	p[n - 1] = 11; /* all of payload + padding */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.payload_len, 0);
	CHECK_EQ(ri.pad_len, 11);
	p[n - 1] = 12; /* into the header */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_MALFORMED);
	p[n - 1] = 255;
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_MALFORMED);

	/* P set on a header-only packet: the count byte would be header */
	uint8_t h[12] = {0xa0, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
	CHECK_EQ(dp_rtp_parse(h, 12, &ri), DP_RTP_MALFORMED);
	h[0] = 0x80;
	CHECK_EQ(dp_rtp_parse(h, 12, &ri), DP_RTP_OK);
	CHECK_EQ(ri.payload_len, 0);
}

static void test_parse_rejects(void)
{
	uint8_t p[128];
	struct dp_rtp_info ri;
	size_t n = mk(p, 2, EXT_ONE, 4);
	int ok_in_header = 0;

	CHECK_EQ(dp_rtp_parse(p, 11, &ri), DP_RTP_SHORT);
	CHECK_EQ(dp_rtp_parse(p, 0, &ri), DP_RTP_SHORT);
	CHECK_EQ(parse_exact(p, 12, &ri), DP_RTP_SHORT);  /* CSRCs cut */
	CHECK_EQ(parse_exact(p, 20, &ri), DP_RTP_SHORT);  /* block header cut */
	CHECK_EQ(parse_exact(p, 23, &ri), DP_RTP_SHORT);
	CHECK_EQ(parse_exact(p, 24, &ri), DP_RTP_MALFORMED); /* block data cut */
	CHECK_EQ(parse_exact(p, 31, &ri), DP_RTP_MALFORMED);
	for (size_t cut = 0; cut < 32; cut++)
		if (parse_exact(p, cut, &ri) == DP_RTP_OK)
			ok_in_header++;
	CHECK_EQ(ok_in_header, 0);
	/* cuts inside payload/padding: whatever the result, no over-read (ASan) */
	for (size_t cut = 32; cut <= n; cut++)
		(void)parse_exact(p, cut, &ri);

	p[0] = (p[0] & 0x3f) | 0x40; /* version 1 */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_BAD_VERSION);
	p[0] = (p[0] & 0x3f) | 0xc0; /* version 3 */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_BAD_VERSION);
	p[0] = (p[0] & 0x3f);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_BAD_VERSION);

	n = mk(p, 0, "be de ff ff", 0); /* block claims 262140 bytes */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_MALFORMED);
}

static void test_ext_iterate_and_values(void)
{
	uint8_t p[128];
	struct dp_rtp_info ri;
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	size_t n = mk(p, 0, EXT_ONE, 0);

	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	dp_rtp_ext_iter_init(&it, &ri);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_OK);
	CHECK(e.id == 1 && e.len == 3 && e.hdr == 16 && e.off == 17);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_OK);
	CHECK(e.id == 3 && e.len == 2 && e.hdr == 20 && e.off == 21);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_END);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_END);

	uint32_t ast = 0;
	uint16_t tw = 0;
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 1, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_abs_send_time(p, &e, &ast), DP_RTP_OK);
	CHECK_EQ(ast, 0xabcdef);
	CHECK_EQ(dp_rtp_ext_get_twcc(p, &e, &tw), DP_RTP_BAD_LEN);
	CHECK_EQ(dp_rtp_ext_set_abs_send_time(p, &e, 0x1123456), DP_RTP_OK); /* masked to 24 bits */
	CHECK(p[17] == 0x12 && p[18] == 0x34 && p[19] == 0x56);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 3, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_twcc(p, &e, &tw), DP_RTP_OK);
	CHECK_EQ(tw, 5);
	CHECK_EQ(dp_rtp_ext_set_twcc(p, &e, 0xfffe), DP_RTP_OK);
	CHECK(p[21] == 0xff && p[22] == 0xfe);
	CHECK_EQ(dp_rtp_ext_get_abs_send_time(p, &e, &ast), DP_RTP_BAD_LEN);
	CHECK_EQ(dp_rtp_ext_set_abs_send_time(p, &e, 1), DP_RTP_BAD_LEN);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 2, &e), DP_RTP_NOT_FOUND);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 0, &e), DP_RTP_NOT_FOUND);

	/* audio level and mid */
	n = mk(p, 0, "be de 00 02  10 85  22 61 62 63  00 00", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	int voice = -1;
	uint8_t level = 0;
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 1, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_audio_level(p, &e, &voice, &level), DP_RTP_OK);
	CHECK(voice == 1 && level == 5);
	CHECK_EQ(dp_rtp_ext_set_audio_level(p, &e, 0, 127), DP_RTP_OK);
	CHECK_EQ(p[17], 0x7f);
	CHECK_EQ(dp_rtp_ext_set_audio_level(p, &e, 1, 200), DP_RTP_OK); /* 7 bits kept */
	CHECK_EQ(p[17], 0xc8);
	CHECK_EQ(dp_rtp_ext_get_audio_level(p, &e, &voice, &level), DP_RTP_OK);
	CHECK(voice == 1 && level == 72);
	const uint8_t *mid;
	size_t mid_len;
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 2, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_mid(p, &e, &mid, &mid_len), DP_RTP_OK);
	CHECK(mid_len == 3 && memcmp(mid, "abc", 3) == 0);
	CHECK_EQ(dp_rtp_ext_set_mid(p, &e, (const uint8_t *)"xyz", 3), DP_RTP_OK);
	CHECK_MEM(p + 19, "xyz", 3);
	CHECK_EQ(dp_rtp_ext_set_mid(p, &e, (const uint8_t *)"xy", 2), DP_RTP_BAD_LEN);

	/* two-byte form */
	n = mk(p, 0, EXT_TWO, 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	dp_rtp_ext_iter_init(&it, &ri);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_OK);
	CHECK(e.id == 20 && e.len == 0 && e.hdr == 16 && e.off == 18);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_OK);
	CHECK(e.id == 1 && e.len == 3 && e.off == 20);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_OK);
	CHECK(e.id == 200 && e.len == 2 && e.off == 25);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_END);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 1, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_abs_send_time(p, &e, &ast), DP_RTP_OK);
	CHECK_EQ(ast, 0x010203);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 200, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_mid(p, &e, &mid, &mid_len), DP_RTP_OK);
	CHECK(mid_len == 2 && memcmp(mid, "v0", 2) == 0);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 20, &e), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_get_mid(p, &e, &mid, &mid_len), DP_RTP_BAD_LEN);
	CHECK_EQ(dp_rtp_ext_get_audio_level(p, &e, &voice, &level), DP_RTP_BAD_LEN);
}

static void test_ext_malformed(void)
{
	uint8_t p[128], before[128];
	struct dp_rtp_info ri;
	struct dp_rtp_ext_iter it;
	struct dp_rtp_ext_elem e;
	uint8_t map[256];
	size_t n;

	for (int i = 0; i < 256; i++)
		map[i] = (uint8_t)(i <= 14 ? 14 - i + 1 : 0);

	/* one-byte element longer than the block */
	n = mk(p, 0, "be de 00 01  12 01 02 03  00", 0);
	p[16] = 0x14; /* id 1, 5 bytes: runs past the 4-byte block */
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 1, &e), DP_RTP_MALFORMED);
	memcpy(before, p, n);
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_MALFORMED);
	CHECK_MEM(p, before, n);

	/* id 0 with a length is not padding */
	n = mk(p, 0, "be de 00 01  02 01 02 03", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 1, &e), DP_RTP_MALFORMED);

	/* id 15 stops processing: what follows is not seen nor rewritten */
	n = mk(p, 0, "be de 00 02  10 aa  f3 21 00 00  00 00", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	dp_rtp_ext_iter_init(&it, &ri);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_OK);
	CHECK_EQ(e.id, 1);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_END);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 2, &e), DP_RTP_NOT_FOUND);
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_OK);
	CHECK(p[16] == 0xe0 && p[18] == 0xf3 && p[19] == 0x21);

	/* two-byte element header or data past the block */
	n = mk(p, 0, "10 00 00 01  05 03 01 02", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 5, &e), DP_RTP_MALFORMED);
	n = mk(p, 0, "10 00 00 01  00 00 00 07", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_find(p, &ri, 7, &e), DP_RTP_MALFORMED);

	/* other profiles have no elements, and remap leaves them alone */
	n = mk(p, 0, "12 34 00 01 15 16 17 18", 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	dp_rtp_ext_iter_init(&it, &ri);
	CHECK_EQ(dp_rtp_ext_next(&it, p, &e), DP_RTP_END);
	memcpy(before, p, n);
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_OK);
	CHECK_MEM(p, before, n);
}

static void test_ext_remap(void)
{
	uint8_t p[128], exp[128], before[128];
	struct dp_rtp_info ri, ri2;
	uint8_t map[256] = {0};
	size_t n = mk(p, 1, EXT_ONE, 3);

	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	map[1] = 5; /* abs-send-time: 1 -> 5 */
	map[3] = 0; /* twcc: removed */
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_OK);
	size_t e = mk(exp, 1, "be de 00 02  52 ab cd ef  00 00 00  00", 3);
	CHECK_EQ(e, n);
	CHECK_MEM(p, exp, n);
	CHECK_EQ(dp_rtp_parse(p, n, &ri2), DP_RTP_OK);
	CHECK_EQ(ri2.payload_off, ri.payload_off);
	CHECK_EQ(ri2.payload_len, ri.payload_len);
	CHECK_EQ(ri2.pad_len, ri.pad_len);
	struct dp_rtp_ext_elem el;
	CHECK_EQ(dp_rtp_ext_find(p, &ri2, 5, &el), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_find(p, &ri2, 3, &el), DP_RTP_NOT_FOUND);
	CHECK_EQ(dp_rtp_ext_find(p, &ri2, 1, &el), DP_RTP_NOT_FOUND);

	/* ids that do not fit the one-byte form: refused, nothing changed */
	n = mk(p, 1, EXT_ONE, 3);
	map[1] = 1;
	map[3] = 15;
	memcpy(before, p, n);
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_BAD_ID);
	CHECK_MEM(p, before, n);
	map[3] = 200;
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_BAD_ID);
	CHECK_MEM(p, before, n);
	map[3] = 14;
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_OK);
	CHECK(p[20] == 0x12 && p[24] == 0xe1);

	/* two-byte form: 20 removed, 1 -> 255, 200 -> 7 */
	memset(map, 0, sizeof(map));
	map[1] = 255;
	map[200] = 7;
	n = mk(p, 0, EXT_TWO, 0);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_OK);
	e = mk(exp, 0, "10 00 00 03  00 00  ff 03 01 02 03  07 02 76 30  00", 0);
	CHECK_EQ(e, n);
	CHECK_MEM(p, exp, n);
	CHECK_EQ(dp_rtp_parse(p, n, &ri2), DP_RTP_OK);
	CHECK_EQ(ri2.payload_off, ri.payload_off);
	CHECK_EQ(ri2.payload_len, ri.payload_len);
	CHECK_EQ(dp_rtp_ext_find(p, &ri2, 7, &el), DP_RTP_OK);
	CHECK_EQ(el.off, 25);

	/* identity map changes nothing */
	for (int i = 0; i < 256; i++)
		map[i] = (uint8_t)i;
	n = mk(p, 0, EXT_TWO, 0);
	memcpy(before, p, n);
	CHECK_EQ(dp_rtp_ext_remap(p, &ri, map), DP_RTP_OK);
	CHECK_MEM(p, before, n);
}

static void test_rewrites(void)
{
	uint8_t p[128], exp[128];
	struct dp_rtp_info ri;
	size_t n = mk(p, 0, "", 0);

	mk(exp, 0, "", 0);
	dp_rtp_set_ssrc(p, 0xa1b2c3d4u);
	dp_rtp_set_pt(p, 111);
	dp_rtp_set_seq(p, 0xfffe);
	dp_rtp_set_ts(p, 0x01020304u);
	exp[1] = 0x80 | 111;
	exp[2] = 0xff;
	exp[3] = 0xfe;
	exp[4] = 1;
	exp[5] = 2;
	exp[6] = 3;
	exp[7] = 4;
	exp[8] = 0xa1;
	exp[9] = 0xb2;
	exp[10] = 0xc3;
	exp[11] = 0xd4;
	CHECK_MEM(p, exp, n);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK(ri.marker == 1 && ri.pt == 111 && ri.seq == 0xfffe && ri.ts == 0x01020304u &&
	      ri.ssrc == 0xa1b2c3d4u);

	p[1] = 96; /* marker clear stays clear */
	dp_rtp_set_pt(p, 0xff); /* only 7 bits are taken */
	CHECK_EQ(p[1], 0x7f);
}

static void test_rtx(void)
{
	uint8_t p[128], orig[128], rtx[130], exp[130];
	struct dp_rtp_info ri, rri;
	size_t n = mk(p, 1, EXT_ONE, 4), rn = 0, un = 0;

	memcpy(orig, p, n);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_rtx_wrap(p, n, &ri, rtx, sizeof(rtx), &rn, 0x55667788u, 97, 0x0102),
		 DP_RTP_OK);
	CHECK_EQ(rn, n + 2);
	CHECK_MEM(p, orig, n); /* the original is untouched */

	/* expected: header with new pt/seq/ssrc, OSN 0x1234, payload, padding */
	memcpy(exp, orig, ri.hdr_len);
	exp[1] = 0x80 | 97;
	exp[2] = 0x01;
	exp[3] = 0x02;
	exp[8] = 0x55;
	exp[9] = 0x66;
	exp[10] = 0x77;
	exp[11] = 0x88;
	exp[ri.hdr_len] = 0x12;
	exp[ri.hdr_len + 1] = 0x34;
	memcpy(exp + ri.hdr_len + 2, orig + ri.hdr_len, n - ri.hdr_len);
	CHECK_MEM(rtx, exp, rn);

	CHECK_EQ(dp_rtp_parse(rtx, rn, &rri), DP_RTP_OK);
	CHECK_EQ(rri.payload_len, ri.payload_len + 2);
	CHECK_EQ(rri.pad_len, ri.pad_len);
	CHECK_EQ(rri.ssrc, 0x55667788u);
	CHECK_EQ(rri.seq, 0x0102);

	CHECK_EQ(dp_rtp_rtx_unwrap(rtx, rn, &rri, 0x11223344u, 96, &un), DP_RTP_OK);
	CHECK_EQ(un, n);
	CHECK_MEM(rtx, orig, n);
	CHECK_EQ(rri.seq, 0x1234);
	CHECK_EQ(rri.ssrc, 0x11223344u);
	CHECK_EQ(rri.pt, 96);
	CHECK_EQ(rri.payload_len, ri.payload_len);
	struct dp_rtp_info again;
	CHECK_EQ(dp_rtp_parse(rtx, un, &again), DP_RTP_OK);
	CHECK_MEM(&again, &rri, sizeof(again));

	/* output too small at every size */
	int bad = 0;
	for (size_t cap = 0; cap < n + 2; cap++)
		if (dp_rtp_rtx_wrap(p, n, &ri, rtx, cap, &rn, 1, 97, 1) != DP_RTP_NOSPACE)
			bad++;
	CHECK_EQ(bad, 0);
	/* an info of another packet is refused */
	CHECK_EQ(dp_rtp_rtx_wrap(p, n - 1, &ri, rtx, sizeof(rtx), &rn, 1, 97, 1),
		 DP_RTP_MALFORMED);

	/* an RTX payload without room for the OSN */
	uint8_t h[13] = {0x80, 97, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x12};
	CHECK_EQ(dp_rtp_parse(h, 13, &rri), DP_RTP_OK);
	CHECK_EQ(dp_rtp_rtx_unwrap(h, 13, &rri, 1, 96, &un), DP_RTP_SHORT);

	/* padding-only RTX (probe) round trip: OSN then padding */
	n = mk(p, 0, "", 0);
	n = 12;
	p[0] |= 0x20;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 3;
	memcpy(orig, p, n);
	CHECK_EQ(dp_rtp_parse(p, n, &ri), DP_RTP_OK);
	CHECK_EQ(ri.payload_len, 0);
	CHECK_EQ(dp_rtp_rtx_wrap(p, n, &ri, rtx, sizeof(rtx), &rn, 9, 97, 9), DP_RTP_OK);
	CHECK_EQ(dp_rtp_parse(rtx, rn, &rri), DP_RTP_OK);
	CHECK_EQ(rri.payload_len, 2);
	CHECK_EQ(dp_rtp_rtx_unwrap(rtx, rn, &rri, 0x11223344u, 96, &un), DP_RTP_OK);
	CHECK_EQ(un, n);
	CHECK_MEM(rtx, orig, n);
}

static void test_seq_arith(void)
{
	CHECK_EQ(dp_seq16_diff(1, 65535), 2);
	CHECK_EQ(dp_seq16_diff(65535, 1), -2);
	CHECK_EQ(dp_seq16_diff(5, 5), 0);
	CHECK_EQ(dp_seq16_diff(0x7fff, 0), 32767);
	CHECK_EQ(dp_seq16_diff(0x8000, 0), -32768);
	CHECK_EQ(dp_seq16_diff(0, 0x8000), -32768);
	CHECK(dp_seq16_lt(65535, 0));
	CHECK(!dp_seq16_lt(0, 65535));
	CHECK(!dp_seq16_lt(7, 7));
	CHECK(dp_seq16_lt(100, 30000));
	CHECK(!dp_seq16_lt(100, 40000));
}

static void test_seq_track(void)
{
	struct dp_rtp_seq s;
	uint32_t ext = 0;

	dp_rtp_seq_init(&s, 65530);
	CHECK_EQ(dp_rtp_seq_ext_max(&s), 65530);
	for (uint16_t q = 65531; q != 2; q++) {
		CHECK_EQ(dp_rtp_seq_update(&s, q, &ext), DP_RTP_SEQ_NEW);
	}
	CHECK_EQ(ext, 65537); /* seq 1 after one wrap */
	CHECK_EQ(s.cycles, 65536);
	CHECK_EQ(dp_rtp_seq_expected(&s), 8);
	CHECK_EQ(s.received, 8);

	/* late packet from before the wrap */
	CHECK_EQ(dp_rtp_seq_update(&s, 65533, &ext), DP_RTP_SEQ_OLD);
	CHECK_EQ(ext, 65533);
	CHECK_EQ(dp_rtp_seq_update(&s, 1, &ext), DP_RTP_SEQ_OLD); /* duplicate */
	CHECK_EQ(ext, 65537);
	CHECK_EQ(dp_rtp_seq_ext_max(&s), 65537);

	/* a gap below MAX_DROPOUT is loss, not a jump */
	CHECK_EQ(dp_rtp_seq_update(&s, 1 + 2999, &ext), DP_RTP_SEQ_NEW);
	CHECK_EQ(ext, 65537 + 2999);
	CHECK_EQ(dp_rtp_seq_expected(&s), 8 + 2999);

	/* a jump: first one refused, the next in sequence resyncs */
	uint32_t before = dp_rtp_seq_ext_max(&s);
	CHECK_EQ(dp_rtp_seq_update(&s, 40000, &ext), DP_RTP_SEQ_JUMP);
	CHECK_EQ(dp_rtp_seq_ext_max(&s), before);
	CHECK_EQ(dp_rtp_seq_update(&s, 3001, &ext), DP_RTP_SEQ_NEW); /* stream goes on */
	CHECK_EQ(dp_rtp_seq_update(&s, 40000, &ext), DP_RTP_SEQ_JUMP);
	CHECK_EQ(dp_rtp_seq_update(&s, 40001, &ext), DP_RTP_SEQ_RESYNC);
	CHECK_EQ(ext, 65536 + 40001);
	CHECK_EQ(dp_rtp_seq_ext_max(&s), 65536 + 40001);
	CHECK_EQ(s.received, 1);
	CHECK_EQ(dp_rtp_seq_expected(&s), 1);
	CHECK_EQ(dp_rtp_seq_update(&s, 40002, &ext), DP_RTP_SEQ_NEW);
	CHECK_EQ(dp_rtp_seq_expected(&s), 2);

	/* a backwards restart continues forward, across a wrap */
	CHECK_EQ(dp_rtp_seq_update(&s, 10, &ext), DP_RTP_SEQ_JUMP);
	CHECK_EQ(dp_rtp_seq_update(&s, 11, &ext), DP_RTP_SEQ_RESYNC);
	CHECK_EQ(ext, 2 * 65536 + 11);
	CHECK(ext > 65536 + 40002);

	/* less than MAX_MISORDER behind is old, MAX_MISORDER behind a jump */
	dp_rtp_seq_init(&s, 1000);
	CHECK_EQ(dp_rtp_seq_update(&s, 1000 - 99, &ext), DP_RTP_SEQ_OLD);
	CHECK_EQ(ext, 901);
	CHECK_EQ(dp_rtp_seq_update(&s, 1000 - 100, &ext), DP_RTP_SEQ_JUMP);
	/* an early reordered packet before the first wraps modulo 2^32 */
	dp_rtp_seq_init(&s, 0);
	CHECK_EQ(dp_rtp_seq_update(&s, 65535, &ext), DP_RTP_SEQ_OLD);
	CHECK_EQ(ext, 0xffffffffu);
}

int main(void)
{
	test_parse_basic();
	test_padding();
	test_parse_rejects();
	test_ext_iterate_and_values();
	test_ext_malformed();
	test_ext_remap();
	test_rewrites();
	test_rtx();
	test_seq_arith();
	test_seq_track();
	CHECK(strcmp(dp_rtp_status_name(DP_RTP_BAD_ID), "bad_id") == 0);
	return t_done("test_rtp");
}
