/* SPDX-License-Identifier: MIT */
/* Configuration of both processes: defaults, file, environment (with the
 * PeerWave MEDIASOUP_* aliases), and one-line errors that name the fix. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../controlplane/cp_config.h"
#include "../../dataplane/dp_config.h"

static void clear_env(void)
{
	const char *vars[] = {"SLUICE_HTTP_PORT", "MEDIASOUP_MIN_PORT", "MEDIASOUP_MAX_PORT",
			      "MEDIASOUP_ANNOUNCED_IP", "MEDIASOUP_LISTEN_IP",
			      "MEDIASOUP_NUM_WORKERS", "SLUICE_RTC_MIN_PORT", "SLUICE_JWT_SECRET",
			      "SLUICE_DEV_MODE"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void test_cp_file_and_env(void)
{
	struct cp_config c;
	char err[512];
	char path[] = "/tmp/sluice-cfg-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# a comment\n"
			   "http_port = 9000\n"
			   "announced_ip = \"203.0.113.7\"\n"
			   "jwt_secret = 0123456789abcdef0123\n"
			   "max_peers_per_room = 60\n";
	CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);

	clear_env();
	cp_config_defaults(&c);
	CHECK_EQ(cp_config_load_file(&c, path, err, sizeof(err)), 0);
	CHECK_EQ(c.http_port, 9000);
	CHECK(strcmp(c.announced_ip, "203.0.113.7") == 0);
	CHECK_EQ(c.max_peers_per_room, 60);

	/* environment wins over the file; PeerWave names are honoured */
	setenv("SLUICE_HTTP_PORT", "9100", 1);
	setenv("MEDIASOUP_MIN_PORT", "41000", 1);
	setenv("MEDIASOUP_MAX_PORT", "41099", 1);
	setenv("MEDIASOUP_ANNOUNCED_IP", "198.51.100.4", 1);
	setenv("MEDIASOUP_LISTEN_IP", "0.0.0.0", 1);
	setenv("MEDIASOUP_NUM_WORKERS", "4", 1);
	CHECK_EQ(cp_config_load_env(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.http_port, 9100);
	CHECK_EQ(c.rtc_min_port, 41000);
	CHECK_EQ(c.rtc_max_port, 41099);
	CHECK_EQ(c.num_workers, 4);
	CHECK(strcmp(c.announced_ip, "198.51.100.4") == 0);
	/* Sluice's own name beats the alias */
	setenv("SLUICE_RTC_MIN_PORT", "41010", 1);
	CHECK_EQ(cp_config_load_env(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.rtc_min_port, 41010);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);

	/* bad values name the key */
	setenv("MEDIASOUP_MAX_PORT", "forty", 1);
	CHECK_EQ(cp_config_load_env(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "MEDIASOUP_MAX_PORT") && strstr(err, "rtc_max_port"));
	clear_env();
	unlink(path);
}

static void test_cp_errors(void)
{
	struct cp_config c;
	char err[512];
	clear_env();
	cp_config_defaults(&c);
	/* no secret and no dev mode: refused, naming the variable */
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "SLUICE_JWT_SECRET") != NULL);
	CHECK_EQ(cp_config_set(&c, "jwt_secret", "changeme", "test", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK_EQ(cp_config_set(&c, "dev_mode", "true", "test", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);

	CHECK_EQ(cp_config_set(&c, "http_port", "70000", "f:3", err, sizeof(err)), -1);
	CHECK(strstr(err, "f:3") && strstr(err, "http_port"));
	CHECK_EQ(cp_config_set(&c, "no_such_key", "1", "f:4", err, sizeof(err)), -1);
	CHECK(strstr(err, "unknown key"));
	CHECK_EQ(cp_config_set(&c, "http_listen", "localhost", "f:5", err, sizeof(err)), -1);
	CHECK_EQ(cp_config_set(&c, "dev_mode", "maybe", "f:6", err, sizeof(err)), -1);
	CHECK_EQ(cp_config_set(&c, "rtc_min_port", "50000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "rtc_max_port", "40000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "rtc_min_port"));
	/* limits before trust: defaults, ranges, cross-checks naming the fix */
	cp_config_defaults(&c);
	CHECK_EQ(c.auth_timeout_ms, 10000);
	CHECK_EQ(c.max_payload_unauth, 4096);
	CHECK_EQ(c.max_connections_per_ip, 256);
	CHECK_EQ(cp_config_set(&c, "auth_timeout_ms", "0", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "auth_timeout_ms"));
	CHECK_EQ(cp_config_set(&c, "http_timeout_ms", "10", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "http_timeout_ms"));
	CHECK_EQ(cp_config_set(&c, "dev_mode", "true", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_payload_unauth", "200000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_payload", "100000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "max_payload_unauth") && strstr(err, "lower"));
	CHECK_EQ(cp_config_set(&c, "max_payload_unauth", "4096", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_connections", "10", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_connections_per_ip", "11", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "max_connections_per_ip"));
	CHECK_EQ(cp_config_set(&c, "max_connections_per_ip", "10", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_rate_violations", "5", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);
	/* per-peer limits: defaults, ranges, cross-checks naming the fix */
	cp_config_defaults(&c);
	CHECK_EQ(c.max_consumers_per_peer, 400);
	CHECK_EQ(c.max_producers_per_transport, 32);
	CHECK_EQ(c.max_app_data_bytes, 4096);
	CHECK_EQ(c.max_codec_parameters_bytes, 1024);
	CHECK_EQ(cp_config_set(&c, "max_consumers_per_peer", "0", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "max_consumers_per_peer") && strstr(err, "1..100000"));
	CHECK_EQ(cp_config_set(&c, "max_producers_per_transport", "5000", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "max_producers_per_transport"));
	CHECK_EQ(cp_config_set(&c, "max_app_data_bytes", "1", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "max_app_data_bytes"));
	CHECK_EQ(cp_config_set(&c, "max_codec_parameters_bytes", "x", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "max_codec_parameters_bytes"));
	CHECK_EQ(cp_config_set(&c, "dev_mode", "true", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_consumers_per_peer", "1000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_producers_per_transport", "4", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.max_consumers_per_peer, 1000);
	CHECK_EQ(c.max_producers_per_transport, 4);
	CHECK_EQ(cp_config_set(&c, "max_app_data_bytes", "2000000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "max_app_data_bytes") && strstr(err, "raise max_payload"));
	CHECK_EQ(cp_config_set(&c, "max_app_data_bytes", "4096", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_set(&c, "max_codec_parameters_bytes", "2000000", "t", err, sizeof(err)), 0);
	CHECK_EQ(cp_config_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "max_codec_parameters_bytes") && strstr(err, "raise max_payload"));
	/* reconciliation between the planes: default 10 s, 0 turns it off */
	cp_config_defaults(&c);
	CHECK_EQ(c.reconcile_interval_ms, 10000);
	CHECK_EQ(cp_config_set(&c, "reconcile_interval_ms", "0", "t", err, sizeof(err)), 0);
	CHECK_EQ(c.reconcile_interval_ms, 0);
	CHECK_EQ(cp_config_set(&c, "reconcile_interval_ms", "-1", "t", err, sizeof(err)), -1);
	CHECK(strstr(err, "reconcile_interval_ms"));
	setenv("SLUICE_RECONCILE_INTERVAL_MS", "2500", 1);
	CHECK_EQ(cp_config_load_env(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.reconcile_interval_ms, 2500);
	unsetenv("SLUICE_RECONCILE_INTERVAL_MS");
	setenv("SLUICE_MAX_CONSUMERS_PER_PEER", "7", 1);
	CHECK_EQ(cp_config_load_env(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.max_consumers_per_peer, 7);
	unsetenv("SLUICE_MAX_CONSUMERS_PER_PEER");
	CHECK_EQ(cp_config_load_file(&c, "/nonexistent/sluice.conf", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/sluice.conf"));
}

static void test_dp_config(void)
{
	struct dp_config c;
	char err[256];
	char *ok[] = {"--ip", "198.18.0.1", "--port-base", "41000", "--idle-sleep-us", "0",
		      "--slots", "1024", "--shm", "/x"};
	CHECK_EQ(dp_config_parse(&c, 10, ok, err, sizeof(err)), 0);
	CHECK_EQ(c.port_base, 41000);
	CHECK_EQ(c.idle_sleep_us, 0);
	CHECK_EQ(c.n_slots, 1024);
	CHECK(strcmp(c.shm_name, "/x") == 0);
	struct in_addr a = {.s_addr = c.ipv4};
	CHECK(strcmp(inet_ntoa(a), "198.18.0.1") == 0);

	CHECK_EQ(dp_config_parse(&c, 0, NULL, err, sizeof(err)), -22);
	CHECK(strstr(err, "--ip"));
	char *bad_ip[] = {"--ip", "300.1.1.1"};
	CHECK_EQ(dp_config_parse(&c, 2, bad_ip, err, sizeof(err)), -22);
	char *bad_slots[] = {"--ip", "198.18.0.1", "--slots", "1000"};
	CHECK_EQ(dp_config_parse(&c, 4, bad_slots, err, sizeof(err)), -22);
	CHECK(strstr(err, "power of two"));
	char *missing[] = {"--ip", "198.18.0.1", "--port-base"};
	CHECK_EQ(dp_config_parse(&c, 3, missing, err, sizeof(err)), -22);
	char *unknown[] = {"--ip", "198.18.0.1", "--frobnicate"};
	CHECK_EQ(dp_config_parse(&c, 3, unknown, err, sizeof(err)), -22);
	CHECK(strstr(err, "--frobnicate"));
	/* the adaptive idle sleep's bound; SRTP engine names */
	char *adapt[] = {"--ip", "198.18.0.1"};
	CHECK_EQ(dp_config_parse(&c, 2, adapt, err, sizeof(err)), 0);
	CHECK_EQ(c.idle_sleep_us, 100);
	CHECK_EQ(c.idle_sleep_max_us, 500);
	char *adapt2[] = {"--ip", "198.18.0.1", "--idle-sleep-max-us", "1000"};
	CHECK_EQ(dp_config_parse(&c, 4, adapt2, err, sizeof(err)), 0);
	CHECK_EQ(c.idle_sleep_max_us, 1000);
	char *adapt_bad[] = {"--ip", "198.18.0.1", "--idle-sleep-max-us", "0"};
	CHECK_EQ(dp_config_parse(&c, 4, adapt_bad, err, sizeof(err)), -22);
	CHECK(strstr(err, "--idle-sleep-max-us"));
	char *eng_bad[] = {"--ip", "198.18.0.1", "--srtp-engine", "nss"};
	CHECK_EQ(dp_config_parse(&c, 4, eng_bad, err, sizeof(err)), -22);
	CHECK(strstr(err, "ipsec-mb"));
	/* --ip6: an address, "" (off, what the unit passes by default), refusals */
	char *v6[] = {"--ip", "198.18.0.1", "--ip6", "2001:db8::1"};
	CHECK_EQ(dp_config_parse(&c, 4, v6, err, sizeof(err)), 0);
	CHECK_EQ(c.ipv6_on, 1);
	CHECK_EQ(c.ipv6[0], 0x20);
	CHECK_EQ(c.ipv6[15], 1);
	char *v6_off[] = {"--ip", "198.18.0.1", "--ip6", ""};
	CHECK_EQ(dp_config_parse(&c, 4, v6_off, err, sizeof(err)), 0);
	CHECK_EQ(c.ipv6_on, 0);
	const char *bad6[] = {"198.18.0.1", "::", "::1", "ff02::1", "fe80::1", "::ffff:198.18.0.1",
			      "2001:db8::zz"};
	for (unsigned int i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		char *argv6[] = {"--ip", "198.18.0.1", "--ip6", (char *)bad6[i]};
		err[0] = 0;
		CHECK_EQ(dp_config_parse(&c, 4, argv6, err, sizeof(err)), -22);
		CHECK(strstr(err, "--ip6 needs a global IPv6 address like 2001:db8::1"));
	}
	char *v6_missing[] = {"--ip", "198.18.0.1", "--ip6"};
	CHECK_EQ(dp_config_parse(&c, 3, v6_missing, err, sizeof(err)), -22);
}

int main(void)
{
	test_cp_file_and_env();
	test_cp_errors();
	test_dp_config();
	return check_report("test_config");
}
