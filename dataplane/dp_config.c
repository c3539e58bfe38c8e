/* SPDX-License-Identifier: MIT */
/* dp_config - see dp_config.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/abi.h"
#include "dp_config.h"

void dp_config_usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --ip A.B.C.D [options]\n"
	       "  --ip A.B.C.D          IPv4 address the data plane answers on (required)\n"
	       "  --ip6 ADDR            also answer on this IPv6 address (NDP, ICMPv6 echo,\n"
	       "                        ICE and media over IPv6); \"\" = IPv4 only (default)\n"
	       "  --shm NAME            shared-memory segment (default %s)\n"
	       "  --port N              ethdev port id (default 0)\n"
	       "  --port-base P         UDP port of worker 0; worker i uses P+i (default 40000)\n"
	       "  --idle-sleep-us US    sleep when idle; 0 = busy poll (default 100)\n"
	       "  --idle-sleep-max-us US  after ~1000 idle sleeps the sleep doubles up to this\n"
	       "                        (default 500: an idle box stays cheap, a packet waits at\n"
	       "                        most this long)\n"
	       "  --srtp-engine E       ipsec-mb or libsrtp (default: ipsec-mb when it works here)\n"
	       "  --max-transports N    transport table size (default 16384)\n"
	       "  --slots N             packet slots for DTLS relay, power of two (default 4096)\n"
	       "  --ice-timeout-ms MS   ICE consent timeout (default 30000)\n"
	       "  --mbufs N             mbufs per worker (default 8191)\n"
	       "  --no-udp-csum-check   accept UDP with wrong checksums\n"
	       "  --echo-port N         measurement aid, off by default: reflect every UDP\n"
	       "                        datagram to port N (outside the worker ports) back\n"
	       "                        to its sender, no media processing\n",
	       prog, SL_SHM_NAME_DEFAULT);
}

static int num(const char *opt, const char *v, unsigned long lo, unsigned long hi,
	       unsigned long *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long x = v ? strtoul(v, &end, 10) : 0;
	if (!v || errno || *end || end == v || x < lo || x > hi) {
		snprintf(err, errlen, "%s needs a number in %lu..%lu (got '%s')", opt, lo, hi,
			 v ? v : "");
		return -EINVAL;
	}
	*out = x;
	return 0;
}

/* --ip6: "" is off; else a unicast address a host can have on a link
 * (not ::, ::1, multicast, link-local or IPv4-mapped). */
static int parse_ip6(struct dp_config *c, const char *v, char *err, size_t errlen)
{
	struct in6_addr a;
	if (v && !v[0]) {
		c->ipv6_on = 0;
		return 0;
	}
	if (!v || inet_pton(AF_INET6, v, &a) != 1 || IN6_IS_ADDR_UNSPECIFIED(&a) ||
	    IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_MULTICAST(&a) || IN6_IS_ADDR_LINKLOCAL(&a) ||
	    IN6_IS_ADDR_V4MAPPED(&a)) {
		snprintf(err, errlen, "--ip6 needs a global IPv6 address like 2001:db8::1 (not ::, "
			 "loopback, multicast, link-local or IPv4-mapped; \"\" for IPv4 only) "
			 "(got '%s')", v ? v : "");
		return -EINVAL;
	}
	memcpy(c->ipv6, &a, 16);
	c->ipv6_on = 1;
	return 0;
}

int dp_config_parse(struct dp_config *c, int argc, char **argv, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->shm_name, sizeof(c->shm_name), "%s", SL_SHM_NAME_DEFAULT);
	c->port_base = 40000;
	c->idle_sleep_us = 100;
	c->idle_sleep_max_us = 500;
	c->max_transports = 16384;
	c->n_slots = SL_SLOTS_DEFAULT;
	c->ice_timeout_ms = 30000;
	c->n_mbufs = 8191;
	c->verify_udp_csum = 1;
	int have_ip = 0;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long x;
		int rc = 0;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			dp_config_usage("sluice-dataplane");
			return 1;
		} else if (!strcmp(o, "--no-udp-csum-check")) {
			c->verify_udp_csum = 0;
			continue;
		} else if (!strcmp(o, "--ip")) {
			struct in_addr a;
			if (!v || inet_pton(AF_INET, v, &a) != 1 || a.s_addr == 0) {
				snprintf(err, errlen, "--ip needs an IPv4 address like 198.18.0.1 (got '%s')",
					 v ? v : "");
				return -EINVAL;
			}
			c->ipv4 = a.s_addr;
			have_ip = 1;
		} else if (!strcmp(o, "--ip6")) {
			rc = parse_ip6(c, v, err, errlen);
		} else if (!strcmp(o, "--shm")) {
			if (!v || v[0] != '/' || strlen(v) >= sizeof(c->shm_name) || strchr(v + 1, '/')) {
				snprintf(err, errlen, "--shm needs a name like /sluice (got '%s')", v ? v : "");
				return -EINVAL;
			}
			snprintf(c->shm_name, sizeof(c->shm_name), "%s", v);
		} else if (!strcmp(o, "--port")) {
			rc = num(o, v, 0, 1023, &x, err, errlen);
			c->port_id = (uint16_t)x;
		} else if (!strcmp(o, "--port-base")) {
			rc = num(o, v, 1024, 65535 - SL_MAX_LCORES, &x, err, errlen);
			c->port_base = (uint16_t)x;
		} else if (!strcmp(o, "--idle-sleep-us")) {
			rc = num(o, v, 0, 100000, &x, err, errlen);
			c->idle_sleep_us = (uint32_t)x;
		} else if (!strcmp(o, "--idle-sleep-max-us")) {
			rc = num(o, v, 1, 100000, &x, err, errlen);
			c->idle_sleep_max_us = (uint32_t)x;
		} else if (!strcmp(o, "--srtp-engine")) {
			if (!v || (strcmp(v, "ipsec-mb") && strcmp(v, "libsrtp"))) {
				snprintf(err, errlen, "--srtp-engine needs ipsec-mb or libsrtp (got '%s')",
					 v ? v : "");
				return -EINVAL;
			}
			snprintf(c->srtp_engine, sizeof(c->srtp_engine), "%s", v);
		} else if (!strcmp(o, "--max-transports")) {
			rc = num(o, v, 1, 1u << 20, &x, err, errlen);
			c->max_transports = (uint32_t)x;
		} else if (!strcmp(o, "--slots")) {
			rc = num(o, v, 64, 1u << 20, &x, err, errlen);
			if (!rc && (x & (x - 1))) {
				snprintf(err, errlen, "--slots must be a power of two (got %lu)", x);
				rc = -EINVAL;
			}
			c->n_slots = (uint32_t)x;
		} else if (!strcmp(o, "--ice-timeout-ms")) {
			rc = num(o, v, 100, 3600000, &x, err, errlen);
			c->ice_timeout_ms = (uint32_t)x;
		} else if (!strcmp(o, "--echo-port")) {
			rc = num(o, v, 1, 65535, &x, err, errlen);
			c->echo_port = (uint16_t)x;
		} else if (!strcmp(o, "--mbufs")) {
			rc = num(o, v, 511, 1u << 22, &x, err, errlen);
			c->n_mbufs = (uint32_t)x;
		} else {
			snprintf(err, errlen, "unknown option '%s' (see --help)", o);
			return -EINVAL;
		}
		if (rc)
			return rc;
		i++; /* consumed the value */
	}
	if (c->echo_port >= c->port_base && c->echo_port < c->port_base + SL_MAX_LCORES) {
		snprintf(err, errlen, "--echo-port %u collides with the worker ports from "
			 "--port-base %u (up to %u workers): pick a port outside them, e.g. 9",
			 c->echo_port, c->port_base, SL_MAX_LCORES);
		return -EINVAL;
	}
	if (!have_ip) {
		snprintf(err, errlen, "missing --ip: give the address the data plane answers on, "
				      "e.g. -- --ip 198.18.0.1");
		return -EINVAL;
	}
	return 0;
}
