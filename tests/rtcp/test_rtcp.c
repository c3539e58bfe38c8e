/* SPDX-License-Identifier: MIT */
/*
 * RTCP unit tests: main(), shared helpers, datagram validation and the
 * iterator (compound, reduced-size, padding, version, first-packet rules).
 * Type parsers: test_rtcp_parse.c; builders: test_rtcp_build.c; transport-cc:
 * test_rtcp_tcc.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rtcp_test.h"

int rt_failures;
int rt_checks;

void rt_check_bytes(const char *file, int line, const uint8_t *got, size_t got_len,
		    const uint8_t *want, size_t want_len)
{
	rt_checks++;
	if (got_len != want_len) {
		fprintf(stderr, "%s:%d: length %zu, want %zu\n", file, line, got_len, want_len);
		rt_failures++;
		return;
	}
	for (size_t i = 0; i < got_len; i++) {
		if (got[i] != want[i]) {
			fprintf(stderr, "%s:%d: byte %zu is 0x%02x, want 0x%02x\n", file, line, i,
				got[i], want[i]);
			rt_failures++;
			return;
		}
	}
}

int rt_first_pkt(const uint8_t *buf, size_t len, struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_iter it;
	int st = dp_rtcp_iter_init(&it, buf, len);
	if (st != DP_RTCP_OK)
		return st;
	return dp_rtcp_iter_next(&it, pkt) == 1 ? DP_RTCP_OK : DP_RTCP_ERR_SHORT;
}

static struct dp_rtcp_tcc_status tcc_out[65535];

int rt_parse_any(const struct dp_rtcp_pkt *pkt)
{
	struct dp_rtcp_sr sr;
	struct dp_rtcp_rr rr;
	struct dp_rtcp_sdes sdes;
	struct dp_rtcp_bye bye;
	struct dp_rtcp_app app;
	struct dp_rtcp_fb fb;
	struct dp_rtcp_nack nack;
	struct dp_rtcp_fir fir;
	struct dp_rtcp_remb remb;
	struct dp_rtcp_tcc tcc;
	uint16_t lost[8];
	int own = DP_RTCP_ERR_TYPE;
	int st;

#define OWN(call)                                   \
	do {                                        \
		st = (call);                        \
		if (st != DP_RTCP_ERR_TYPE)         \
			own = st;                   \
	} while (0)
	OWN(dp_rtcp_parse_sr(pkt, &sr));
	OWN(dp_rtcp_parse_rr(pkt, &rr));
	OWN(dp_rtcp_parse_sdes(pkt, &sdes));
	if (st == DP_RTCP_OK && sdes.cname)
		(void)(volatile uint8_t)sdes.cname[sdes.cname_len ? sdes.cname_len - 1 : 0];
	OWN(dp_rtcp_parse_bye(pkt, &bye));
	OWN(dp_rtcp_parse_app(pkt, &app));
	OWN(dp_rtcp_parse_nack(pkt, &nack));
	if (st == DP_RTCP_OK) {
		size_t total = dp_rtcp_nack_lost(&nack, lost, 8);
		CHECK(total >= nack.pair_count && total <= 17 * (size_t)nack.pair_count);
	}
	OWN(dp_rtcp_parse_pli(pkt, &fb));
	OWN(dp_rtcp_parse_fir(pkt, &fir));
	OWN(dp_rtcp_parse_remb(pkt, &remb));
	OWN(dp_rtcp_parse_tcc(pkt, &tcc, tcc_out, 65535));
#undef OWN
	/* the generic feedback parser accepts every PT 205/206 */
	st = dp_rtcp_parse_fb(pkt, &fb);
	CHECK(st != DP_RTCP_OK || pkt->pt == DP_RTCP_PT_RTPFB || pkt->pt == DP_RTCP_PT_PSFB);
	return own;
}

/* ---------------------------------------------------------------------- */

static size_t boundaries(const uint8_t *vec, size_t len, size_t *b, size_t cap)
{
	size_t n = 0, off = 0;
	while (off < len && n < cap) {
		struct dp_rtcp_pkt pkt;
		if (dp_rtcp_pkt_parse(vec + off, len - off, &pkt) != DP_RTCP_OK)
			break;
		off += pkt.len;
		b[n++] = off;
	}
	return n;
}

static int is_boundary(const size_t *b, size_t n, size_t v)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] == v)
			return 1;
	return 0;
}

static int walk_all(const uint8_t *buf, size_t len)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	int st = dp_rtcp_iter_init(&it, buf, len);
	size_t sum = 0;
	while (dp_rtcp_iter_next(&it, &pkt)) {
		CHECK_EQ(pkt.offset, sum);
		sum += pkt.len;
		rt_parse_any(&pkt);
	}
	if (st == DP_RTCP_OK)
		CHECK_EQ(sum, len);
	else
		CHECK_EQ(sum, 0);
	return st;
}

void rt_sweep_malformed(const uint8_t *vec, size_t len)
{
	size_t b[64];
	size_t nb = boundaries(vec, len, b, 64);
	CHECK(nb > 0 && b[nb - 1] == len);

	for (size_t l = 0; l <= len; l++) {
		uint8_t *cp = malloc(l ? l : 1);
		memcpy(cp, vec, l);
		int st = walk_all(l ? cp : NULL, l);
		if (st == DP_RTCP_OK)
			CHECK(is_boundary(b, nb, l));
		if (l == len)
			CHECK_EQ(st, DP_RTCP_OK);
		free(cp);
	}

	uint8_t *cp = malloc(len);
	memcpy(cp, vec, len);
	unsigned int truth = (unsigned int)((vec[2] << 8) | vec[3]);
	for (unsigned int v = 0; v <= 0xffff; v++) {
		if (v == truth)
			continue;
		cp[2] = (uint8_t)(v >> 8);
		cp[3] = (uint8_t)v;
		int st = walk_all(cp, len);
		if (st == DP_RTCP_OK)
			CHECK(is_boundary(b, nb, ((size_t)v + 1) * 4));
		struct dp_rtcp_pkt pkt;
		if (dp_rtcp_pkt_parse(cp, len, &pkt) == DP_RTCP_OK)
			rt_parse_any(&pkt);
	}
	free(cp);
}

/* ---------------------------------------------------------------------- */
/* Datagram validation                                                     */

static const uint8_t rr_empty[] = { 0x80, 0xc9, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04 };
static const uint8_t pli[] = { 0x81, 0xce, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
			       0x00, 0x00, 0x00, 0x02 };

static void test_iter_basic(void)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	uint8_t buf[64];

	/* RR + PLI compound */
	memcpy(buf, rr_empty, sizeof(rr_empty));
	memcpy(buf + sizeof(rr_empty), pli, sizeof(pli));
	size_t len = sizeof(rr_empty) + sizeof(pli);
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, len), DP_RTCP_OK);
	CHECK_EQ(it.reduced, 0);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.pt, DP_RTCP_PT_RR);
	CHECK_EQ(pkt.count, 0);
	CHECK_EQ(pkt.len, 8);
	CHECK_EQ(pkt.body_len, 4);
	CHECK_EQ(pkt.offset, 0);
	CHECK(pkt.hdr == buf && pkt.body == buf + 4);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.pt, DP_RTCP_PT_PSFB);
	CHECK_EQ(pkt.count, DP_RTCP_FMT_PLI);
	CHECK_EQ(pkt.offset, 8);
	CHECK_EQ(pkt.len, 12);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);
	CHECK_EQ(it.index, 2);

	/* reduced-size: a single PLI */
	CHECK_EQ(dp_rtcp_iter_init(&it, pli, sizeof(pli)), DP_RTCP_OK);
	CHECK_EQ(it.reduced, 1);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.pt, DP_RTCP_PT_PSFB);
	struct dp_rtcp_fb fb;
	CHECK_EQ(dp_rtcp_parse_pli(&pkt, &fb), DP_RTCP_OK);
	CHECK_EQ(fb.sender_ssrc, 1);
	CHECK_EQ(fb.media_ssrc, 2);
	CHECK_EQ(fb.fci_len, 0);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);

	/* reduced-size: PLI then RR (feedback batched by a browser) */
	memcpy(buf, pli, sizeof(pli));
	memcpy(buf + sizeof(pli), rr_empty, sizeof(rr_empty));
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, len), DP_RTCP_OK);
	CHECK_EQ(it.reduced, 1);

	/* empty / NULL */
	CHECK_EQ(dp_rtcp_iter_init(&it, NULL, 0), DP_RTCP_ERR_SHORT);
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 0), DP_RTCP_ERR_SHORT);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);
}

static void test_iter_errors(void)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	uint8_t buf[64];
	size_t len = sizeof(rr_empty) + sizeof(pli);

	/* version 1 in the first and in the second sub-packet */
	memcpy(buf, rr_empty, sizeof(rr_empty));
	buf[0] = 0x40;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, sizeof(rr_empty)), DP_RTCP_ERR_VERSION);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);
	memcpy(buf, rr_empty, sizeof(rr_empty));
	memcpy(buf + 8, pli, sizeof(pli));
	buf[8] = 0xc1; /* version 3 */
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, len), DP_RTCP_ERR_VERSION);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 0);

	/* first sub-packet SDES / APP / BYE: neither compound nor reduced-size */
	static const uint8_t sdes_first[] = { 0x80, 0xca, 0x00, 0x00 };
	CHECK_EQ(dp_rtcp_iter_init(&it, sdes_first, 4), DP_RTCP_ERR_FIRST);
	static const uint8_t bye_first[] = { 0x81, 0xcb, 0x00, 0x01, 1, 2, 3, 4 };
	CHECK_EQ(dp_rtcp_iter_init(&it, bye_first, 8), DP_RTCP_ERR_FIRST);

	/* trailing bytes that are not a whole header */
	memcpy(buf, rr_empty, 8);
	buf[8] = 0x80;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 9), DP_RTCP_ERR_SHORT);
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 11), DP_RTCP_ERR_SHORT);

	/* declared length past the end */
	memcpy(buf, rr_empty, 8);
	buf[3] = 2;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 8), DP_RTCP_ERR_SHORT);
}

static void test_padding(void)
{
	struct dp_rtcp_iter it;
	struct dp_rtcp_pkt pkt;
	uint8_t buf[64];

	/* RR + PLI with 4 bytes of padding on the last: OK, body excludes it */
	memcpy(buf, rr_empty, 8);
	memcpy(buf + 8, pli, 12);
	buf[8] |= 0x20;
	buf[11] = 3;
	memset(buf + 20, 0, 4);
	buf[23] = 4;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 24), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.padding, 1);
	CHECK_EQ(pkt.len, 16);
	CHECK_EQ(pkt.body_len, 8);

	/* pad count 0, and pad count reaching into the header */
	buf[23] = 0;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 24), DP_RTCP_ERR_PADDING);
	buf[23] = 13;
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 24), DP_RTCP_ERR_PADDING);
	buf[23] = 12; /* the whole body is padding: allowed, body_len 0 */
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 24), DP_RTCP_OK);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(dp_rtcp_iter_next(&it, &pkt), 1);
	CHECK_EQ(pkt.body_len, 0);
	CHECK_EQ(dp_rtcp_parse_pli(&pkt, &(struct dp_rtcp_fb){ 0 }), DP_RTCP_ERR_LENGTH);

	/* P bit on the first of two sub-packets */
	memcpy(buf, rr_empty, 8);
	memcpy(buf + 8, pli, 12);
	buf[0] |= 0x20;
	buf[7] = 4; /* a valid pad count for the RR alone */
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 20), DP_RTCP_ERR_PADDING);
	CHECK_EQ(dp_rtcp_iter_init(&it, buf, 8), DP_RTCP_OK);

	/* a header-only packet cannot be padded */
	static const uint8_t rr_p[] = { 0xa0, 0xc9, 0x00, 0x00 };
	CHECK_EQ(dp_rtcp_pkt_parse(rr_p, 4, &pkt), DP_RTCP_ERR_PADDING);
}

static void test_status_str(void)
{
	CHECK(strcmp(dp_rtcp_status_str(DP_RTCP_OK), "ok") == 0);
	CHECK(strcmp(dp_rtcp_status_str(DP_RTCP_ERR_OVERFLOW), "overflow") == 0);
	CHECK(strcmp(dp_rtcp_status_str(-100), "unknown") == 0);
	for (int s = DP_RTCP_ERR_OVERFLOW; s <= DP_RTCP_OK; s++)
		CHECK(strcmp(dp_rtcp_status_str(s), "unknown") != 0);
}

int main(void)
{
	test_iter_basic();
	test_iter_errors();
	test_padding();
	test_status_str();
	rt_sweep_malformed(pli, sizeof(pli));
	test_parse_suite();
	test_build_suite();
	test_tcc_suite();
	if (rt_failures) {
		fprintf(stderr, "test_rtcp: %d of %d checks failed\n", rt_failures, rt_checks);
		return 1;
	}
	printf("test_rtcp: %d checks passed\n", rt_checks);
	return 0;
}
