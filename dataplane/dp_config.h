/* SPDX-License-Identifier: MIT */
/*
 * dp_config - the data plane's own options (after the EAL options and "--").
 * Parsing is pure: a bad option fills err with one line that names the fix.
 */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct dp_config {
	char shm_name[64];       /* --shm, default SL_SHM_NAME_DEFAULT */
	uint32_t ipv4;           /* --ip, network order, required */
	uint8_t ipv6_on;         /* --ip6 given with an address ("" = off) */
	uint8_t ipv6[16];        /* --ip6: a global unicast IPv6 address */
	uint16_t port_id;        /* --port: ethdev port id, default 0 */
	uint16_t port_base;      /* --port-base: lcore i serves UDP port_base+i; 40000 */
	uint32_t idle_sleep_us;  /* --idle-sleep-us: 0 = busy poll; default 100 */
	uint32_t idle_sleep_max_us; /* --idle-sleep-max-us: adaptive idle sleep bound; 500 */
	char srtp_engine[16];    /* --srtp-engine ipsec-mb|libsrtp; "" = auto */
	uint32_t max_transports; /* --max-transports, default 16384 */
	uint32_t n_slots;        /* --slots, power of two, default 4096 */
	uint32_t ice_timeout_ms; /* --ice-timeout-ms, default 30000 */
	uint32_t n_mbufs;        /* --mbufs per worker, default 8191 */
	uint8_t verify_udp_csum; /* --no-udp-csum-check clears it */
	uint16_t echo_port;      /* --echo-port: reflect UDP to this port (dp_echo.h,
				  * a measurement aid); 0 = off, the default */
};

/* Returns 0, 1 when --help was asked (usage printed), or -EINVAL with err set. */
int dp_config_parse(struct dp_config *c, int argc, char **argv, char *err, size_t errlen);
void dp_config_usage(const char *prog);

#endif
