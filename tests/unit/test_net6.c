/* SPDX-License-Identifier: MIT */
/* dp_net6: neighbour solicitations and ICMPv6 echo answered in place with
 * exact bytes, UDP over IPv6 classified with its mandatory checksum, the
 * extension-header chain walked and refused by reason, truncation safe.
 * Checksum values are pinned from tests/fuzz/gen_corpus_net6.py --values
 * (an independent Python implementation of RFC 8200 8.1 + RFC 1071). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sluice/abi.h"
#include "../../dataplane/dp_net.h"

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static uint8_t our_ip[16], peer_ip[16], snm_ip[16], any_ip[16];
static struct dp_net_cfg cfg;

#define NH_HOP 0
#define NH_UDP 17
#define NH_ROUTING 43
#define NH_FRAG 44
#define NH_ICMP6 58
#define NH_DST 60

static void ip6(const char *s, uint8_t out[16])
{
	inet_pton(AF_INET6, s, out);
}

/* A frame under construction: Ethernet + IPv6 header, then whatever is
 * appended; fin() sets the payload length. */
struct fb {
	uint8_t b[512];
	size_t n;
};

static void fb_start(struct fb *f, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		     uint8_t hlim)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, our_mac, 6);
	memcpy(f->b + 6, peer_mac, 6);
	f->b[12] = 0x86, f->b[13] = 0xdd;
	uint8_t *ip = f->b + 14;
	ip[0] = 0x60;
	ip[6] = nh;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	f->n = 54;
}

static void fb_put(struct fb *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

/* An options header (hop-by-hop or destination) of 8 bytes: PadN only,
 * or the 4 option bytes given. */
static void fb_opts(struct fb *f, uint8_t next, const uint8_t *opt4)
{
	uint8_t h[8] = {next, 0, 1, 4, 0, 0, 0, 0};
	if (opt4) {
		h[2] = 1, h[3] = 0; /* PadN of 0 bytes, then the option */
		memcpy(h + 4, opt4, 4);
	}
	fb_put(f, h, 8);
}

/* The l4 bytes (from off to the end) get their checksum at l4 + csum_at. */
static void fb_fin(struct fb *f, size_t l4_off, uint8_t nh, size_t csum_at)
{
	uint8_t *ip = f->b + 14;
	dp_put_be16(ip + 4, (uint16_t)(f->n - 54));
	uint8_t *l4 = f->b + l4_off;
	dp_put_be16(l4 + csum_at, 0);
	uint16_t c = dp_csum6(ip + 8, ip + 24, nh, l4, f->n - l4_off);
	if (nh == NH_UDP && c == 0)
		c = 0xffff;
	dp_put_be16(l4 + csum_at, c);
}

static void put_echo(struct fb *f)
{
	uint8_t e[8] = {128, 0, 0, 0, 0x12, 0x34, 0x00, 0x01};
	fb_put(f, e, 8);
	fb_put(f, "sluice-ping6", 12);
}

static void put_udp(struct fb *f, uint16_t dport, const char *payload)
{
	size_t pl = strlen(payload);
	uint8_t u[8];
	dp_put_be16(u, 5000);
	dp_put_be16(u + 2, dport);
	dp_put_be16(u + 4, (uint16_t)(8 + pl));
	u[6] = u[7] = 0;
	fb_put(f, u, 8);
	fb_put(f, payload, pl);
}

static void put_ns(struct fb *f, const uint8_t target[16], int sll, uint8_t opt_len)
{
	uint8_t h[8] = {135, 0, 0, 0, 0, 0, 0, 0};
	fb_put(f, h, 8);
	fb_put(f, target, 16);
	if (sll) {
		uint8_t o[2] = {1, opt_len};
		fb_put(f, o, 2);
		fb_put(f, peer_mac, 6);
	}
}

static enum dp_net_action run(struct fb *f, struct dp_net_result *r)
{
	return dp_net_input(f->b, f->n, &cfg, r);
}

static void test_checksum_known(void)
{
	struct fb f;
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 64);
	put_echo(&f);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(dp_get_be16(f.b + 56), 0xc7b6);

	fb_start(&f, peer_ip, our_ip, NH_UDP, 64);
	put_udp(&f, 40000, "hello");
	fb_fin(&f, 54, NH_UDP, 6);
	CHECK_EQ(dp_get_be16(f.b + 60), 0xb0c4);

	/* the builder computes the same */
	uint8_t b[128];
	memcpy(b + DP_UDP6_HDRS, "hello", 5);
	CHECK_EQ(dp_net_build_udp6(b, sizeof(b), peer_mac, our_mac, peer_ip, our_ip, htons(5000),
				   htons(40000), 5), DP_UDP6_HDRS + 5);
	CHECK_EQ(dp_get_be16(b + 60), 0xb0c4);
	CHECK_EQ(b[14] >> 4, 6);
	CHECK_EQ(b[14 + 6], NH_UDP);
	CHECK_EQ(b[14 + 7], 64);
	CHECK_EQ(dp_get_be16(b + 14 + 4), 13);
	CHECK_EQ(dp_net_build_udp6(b, DP_UDP6_HDRS + 4, peer_mac, our_mac, peer_ip, our_ip, 1, 1,
				   5), 0);
}

static void test_echo(void)
{
	struct fb f;
	struct dp_net_result r;
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 64);
	put_echo(&f);
	fb_fin(&f, 54, NH_ICMP6, 2);
	size_t n = f.n;
	CHECK_EQ(run(&f, &r), DP_NET_REPLY);
	CHECK(r.is_icmp);
	CHECK_EQ(r.reply_len, n);
	CHECK(memcmp(f.b, peer_mac, 6) == 0);
	CHECK(memcmp(f.b + 6, our_mac, 6) == 0);
	CHECK(memcmp(f.b + 14 + 8, our_ip, 16) == 0);
	CHECK(memcmp(f.b + 14 + 24, peer_ip, 16) == 0);
	CHECK_EQ(f.b[54], 129);
	CHECK_EQ(dp_get_be16(f.b + 56), 0xc6b6); /* known value */
	CHECK(memcmp(f.b + 62, "sluice-ping6", 12) == 0);

	/* behind a destination options header: the reply has none */
	fb_start(&f, peer_ip, our_ip, NH_DST, 64);
	fb_opts(&f, NH_ICMP6, NULL);
	put_echo(&f);
	fb_fin(&f, 62, NH_ICMP6, 2);
	n = f.n;
	CHECK_EQ(run(&f, &r), DP_NET_REPLY);
	CHECK_EQ(r.reply_len, n - 8);
	CHECK_EQ(f.b[14 + 6], NH_ICMP6);
	CHECK_EQ(dp_get_be16(f.b + 14 + 4), 20);
	CHECK_EQ(f.b[54], 129);
	CHECK_EQ(dp_get_be16(f.b + 56), 0xc6b6);

	/* from the unspecified address: nobody to answer */
	fb_start(&f, any_ip, our_ip, NH_ICMP6, 64);
	put_echo(&f);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_MALFORMED);

	/* wrong checksum, other types, echo to a multicast group */
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 64);
	put_echo(&f);
	fb_fin(&f, 54, NH_ICMP6, 2);
	f.b[60] ^= 1;
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_ICMP_MALFORMED);
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 255);
	uint8_t rs[8] = {133, 0, 0, 0, 0, 0, 0, 0};
	fb_put(&f, rs, 8);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_ICMP_TYPE);
	fb_start(&f, peer_ip, snm_ip, NH_ICMP6, 64);
	put_echo(&f);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_NOT_US);
}

static void test_ns(void)
{
	struct fb f;
	struct dp_net_result r;
	/* unicast, with the source link-layer option */
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 255);
	put_ns(&f, our_ip, 1, 1);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_REPLY);
	CHECK(r.is_nd);
	CHECK_EQ(r.reply_len, 14 + 40 + 32);
	CHECK(memcmp(f.b, peer_mac, 6) == 0);
	CHECK(memcmp(f.b + 6, our_mac, 6) == 0);
	CHECK_EQ(f.b[14 + 7], 255);
	CHECK_EQ(dp_get_be16(f.b + 14 + 4), 32);
	CHECK(memcmp(f.b + 14 + 8, our_ip, 16) == 0);
	CHECK(memcmp(f.b + 14 + 24, peer_ip, 16) == 0);
	uint8_t *na = f.b + 54;
	CHECK_EQ(na[0], 136);
	CHECK_EQ(na[4], 0x60); /* Solicited, Override */
	CHECK(memcmp(na + 8, our_ip, 16) == 0);
	CHECK_EQ(na[24], 2);
	CHECK_EQ(na[25], 1);
	CHECK(memcmp(na + 26, our_mac, 6) == 0);
	CHECK_EQ(dp_get_be16(na + 2), 0x8a73); /* known value */

	/* to our solicited-node group: answered the same way */
	fb_start(&f, peer_ip, snm_ip, NH_ICMP6, 255);
	put_ns(&f, our_ip, 1, 1);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_REPLY);
	CHECK(memcmp(f.b + 14 + 24, peer_ip, 16) == 0);
	CHECK_EQ(dp_get_be16(f.b + 56), 0x8a73);

	/* DAD (source ::): defended to all nodes, Solicited clear; 78 bytes
	 * leave no room for the target option */
	fb_start(&f, any_ip, snm_ip, NH_ICMP6, 255);
	put_ns(&f, our_ip, 0, 0);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_REPLY);
	CHECK_EQ(r.reply_len, 78);
	static const uint8_t mc_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	CHECK(memcmp(f.b, mc_mac, 6) == 0);
	CHECK_EQ(f.b[14 + 24], 0xff);
	CHECK_EQ(f.b[14 + 39], 1);
	CHECK_EQ(f.b[54 + 4], 0x20);
	CHECK_EQ(dp_csum6(f.b + 22, f.b + 38, NH_ICMP6, f.b + 54, 24), 0);

	/* refused: another target, hop limit, option length 0, DAD to unicast */
	uint8_t other[16];
	ip6("2001:db8::9", other);
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 255);
	put_ns(&f, other, 1, 1);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_NDP_NOT_US);
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 64);
	put_ns(&f, our_ip, 1, 1);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_NDP_MALFORMED);
	fb_start(&f, peer_ip, our_ip, NH_ICMP6, 255);
	put_ns(&f, our_ip, 1, 0);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_NDP_MALFORMED);
	fb_start(&f, any_ip, our_ip, NH_ICMP6, 255);
	put_ns(&f, our_ip, 0, 0);
	fb_fin(&f, 54, NH_ICMP6, 2);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_NDP_MALFORMED);
}

static void test_udp(void)
{
	struct fb f;
	struct dp_net_result r;
	fb_start(&f, peer_ip, our_ip, NH_UDP, 64);
	put_udp(&f, 40001, "hello");
	fb_fin(&f, 54, NH_UDP, 6);
	CHECK_EQ(run(&f, &r), DP_NET_UDP);
	CHECK_EQ(r.udp.family, 6);
	CHECK_EQ(r.udp.payload_off, 62);
	CHECK_EQ(r.udp.payload_len, 5);
	CHECK(memcmp(r.udp.src_addr, peer_ip, 16) == 0);
	CHECK(memcmp(r.udp.dst_addr, our_ip, 16) == 0);
	CHECK_EQ(ntohs(r.udp.src_port), 5000);
	CHECK_EQ(ntohs(r.udp.dst_port), 40001);
	CHECK(memcmp(r.udp.src_mac, peer_mac, 6) == 0);

	/* checksum: wrong, or zero (mandatory in IPv6); off: accepted */
	f.b[61] ^= 0x40;
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_UDP_CHECKSUM);
	f.b[60] = f.b[61] = 0;
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_UDP_CHECKSUM);
	cfg.verify_udp_csum = 0;
	CHECK_EQ(run(&f, &r), DP_NET_UDP);
	cfg.verify_udp_csum = 1;

	/* port range, to a group, not to us, IPv6 off */
	fb_start(&f, peer_ip, our_ip, NH_UDP, 64);
	put_udp(&f, 39999, "x");
	fb_fin(&f, 54, NH_UDP, 6);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_UDP_PORT);
	fb_start(&f, peer_ip, snm_ip, NH_UDP, 64);
	put_udp(&f, 40000, "x");
	fb_fin(&f, 54, NH_UDP, 6);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_NOT_US);
	fb_start(&f, peer_ip, peer_ip, NH_UDP, 64);
	put_udp(&f, 40000, "x");
	fb_fin(&f, 54, NH_UDP, 6);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_NOT_US);
	fb_start(&f, peer_ip, our_ip, NH_UDP, 64);
	put_udp(&f, 40000, "x");
	fb_fin(&f, 54, NH_UDP, 6);
	cfg.ipv6_on = 0;
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_ETH_TYPE);
	cfg.ipv6_on = 1;
	/* UDP length past the IPv6 payload */
	dp_put_be16(f.b + 58, 20);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_UDP_MALFORMED);
}

/* UDP behind the chain built by add(f): the expected action and reason. */
static void chain_case(void (*add)(struct fb *), uint8_t first, enum dp_net_action want,
		       unsigned int reason, int line)
{
	struct fb f;
	struct dp_net_result r;
	fb_start(&f, peer_ip, our_ip, first, 64);
	add(&f);
	size_t l4 = f.n;
	put_udp(&f, 40000, "chained");
	fb_fin(&f, l4, NH_UDP, 6);
	enum dp_net_action a = run(&f, &r);
	if (a != want || (want == DP_NET_DROP && r.drop_reason != reason))
		fprintf(stderr, "chain case at line %d: action %d reason %s\n", line, a,
			sl_drop_name(r.drop_reason));
	CHECK_EQ(a, want);
	if (want == DP_NET_DROP)
		CHECK_EQ(r.drop_reason, reason);
	else
		CHECK_EQ(r.udp.payload_off, l4 + 8);
}

static void add_ok(struct fb *f)
{
	static const uint8_t ra[4] = {0x05, 0x02, 0x00, 0x00}; /* router alert: skip */
	uint8_t rt[8] = {NH_UDP, 0, 0, 0, 0, 0, 0, 0};          /* segments left 0 */
	fb_opts(f, NH_DST, ra);
	fb_opts(f, NH_ROUTING, NULL);
	rt[0] = NH_UDP;
	fb_put(f, rt, 8);
}
static void add_hbh_late(struct fb *f)
{
	fb_opts(f, NH_HOP, NULL);
	fb_opts(f, NH_UDP, NULL);
}
static void add_deep(struct fb *f)
{
	for (unsigned int i = 0; i < DP_IP6_EXT_MAX; i++)
		fb_opts(f, NH_DST, NULL);
	fb_opts(f, NH_UDP, NULL); /* the 9th */
}
static void add_max(struct fb *f)
{
	for (unsigned int i = 0; i + 1 < DP_IP6_EXT_MAX; i++)
		fb_opts(f, NH_DST, NULL);
	fb_opts(f, NH_UDP, NULL); /* the 8th: still walked */
}
static void add_segleft(struct fb *f)
{
	uint8_t rt[8] = {NH_UDP, 0, 0, 1, 0, 0, 0, 0};
	fb_put(f, rt, 8);
}
static void add_discard(struct fb *f)
{
	static const uint8_t o[4] = {0x80, 0x02, 0x00, 0x00}; /* action 10 */
	fb_opts(f, NH_UDP, o);
}
static void add_frag(struct fb *f)
{
	uint8_t fr[8] = {NH_UDP, 0, 0, 1, 0, 0, 0x12, 0x34};
	fb_put(f, fr, 8);
}
static void add_overrun(struct fb *f)
{
	uint8_t h[8] = {NH_UDP, 0, 1, 9, 0, 0, 0, 0}; /* PadN longer than the header */
	fb_put(f, h, 8);
}
static void add_hdr_long(struct fb *f)
{
	uint8_t h[8] = {NH_UDP, 200, 1, 4, 0, 0, 0, 0}; /* 1608 bytes claimed */
	fb_put(f, h, 8);
}

static void test_chains(void)
{
	chain_case(add_ok, NH_HOP, DP_NET_UDP, 0, __LINE__);
	chain_case(add_max, NH_DST, DP_NET_UDP, 0, __LINE__);
	chain_case(add_hbh_late, NH_DST, DP_NET_DROP, SL_DROP_IP6_EXT, __LINE__);
	chain_case(add_deep, NH_DST, DP_NET_DROP, SL_DROP_IP6_EXT, __LINE__);
	chain_case(add_segleft, NH_ROUTING, DP_NET_DROP, SL_DROP_IP6_EXT, __LINE__);
	chain_case(add_discard, NH_DST, DP_NET_DROP, SL_DROP_IP6_EXT, __LINE__);
	chain_case(add_frag, NH_FRAG, DP_NET_DROP, SL_DROP_IP_FRAGMENT, __LINE__);
	chain_case(add_overrun, NH_DST, DP_NET_DROP, SL_DROP_IP_MALFORMED, __LINE__);
	chain_case(add_hdr_long, NH_DST, DP_NET_DROP, SL_DROP_IP_MALFORMED, __LINE__);

	struct fb f;
	struct dp_net_result r;
	fb_start(&f, peer_ip, our_ip, 50, 64); /* ESP */
	fb_put(&f, "0123456789abcdef", 16);
	fb_fin(&f, 54, 50, 0);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP6_EXT);
	fb_start(&f, peer_ip, our_ip, 6, 64); /* TCP */
	fb_put(&f, "0123456789abcdef0123", 20);
	fb_fin(&f, 54, 6, 16);
	CHECK_EQ(run(&f, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_PROTO);
}

static void test_malformed(void)
{
	struct fb f;
	struct dp_net_result r;
	fb_start(&f, peer_ip, our_ip, NH_DST, 64);
	add_ok(&f);
	size_t l4 = f.n;
	put_udp(&f, 40000, "chained");
	fb_fin(&f, l4, NH_UDP, 6);
	/* the payload length past the frame, a version of 4, a group source */
	struct fb g = f;
	dp_put_be16(g.b + 18, (uint16_t)(g.n - 54 + 1));
	CHECK_EQ(run(&g, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_MALFORMED);
	g = f;
	g.b[14] = 0x40;
	CHECK_EQ(run(&g, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_MALFORMED);
	g = f;
	g.b[22] = 0xff;
	CHECK_EQ(run(&g, &r), DP_NET_DROP);
	CHECK_EQ(r.drop_reason, SL_DROP_IP_MALFORMED);
	/* every truncation of valid frames: dropped, never read past the end */
	struct fb v[3];
	fb_start(&v[0], peer_ip, our_ip, NH_ICMP6, 255);
	put_ns(&v[0], our_ip, 1, 1);
	fb_fin(&v[0], 54, NH_ICMP6, 2);
	fb_start(&v[1], peer_ip, our_ip, NH_DST, 64);
	fb_opts(&v[1], NH_ICMP6, NULL);
	put_echo(&v[1]);
	fb_fin(&v[1], 62, NH_ICMP6, 2);
	v[2] = f;
	for (int k = 0; k < 3; k++) {
		for (size_t len = 0; len < v[k].n; len++) {
			uint8_t *b = malloc(len ? len : 1);
			memcpy(b, v[k].b, len);
			CHECK_EQ(dp_net_input(b, len, &cfg, &r), DP_NET_DROP);
			free(b);
		}
	}
}

int main(void)
{
	ip6("2001:db8::1", our_ip);
	ip6("2001:db8::2", peer_ip);
	ip6("ff02::1:ff00:1", snm_ip);
	memcpy(cfg.mac, our_mac, 6);
	inet_pton(AF_INET, "198.18.0.1", &cfg.ipv4);
	memcpy(cfg.ipv6, our_ip, 16);
	cfg.ipv6_on = 1;
	cfg.port_min = 40000;
	cfg.port_max = 40003;
	cfg.verify_udp_csum = 1;
	test_checksum_known();
	test_echo();
	test_ns();
	test_udp();
	test_chains();
	test_malformed();
	return check_report("test_net6");
}
