/* SPDX-License-Identifier: MIT */
/*
 * cp_config - control-plane configuration: defaults, then a file of
 * "key = value" lines (# comments), then environment variables (which win).
 * Sluice's own variables are SLUICE_<KEY upper-case>; the PeerWave/mediasoup
 * names MEDIASOUP_LISTEN_IP, MEDIASOUP_ANNOUNCED_IP, MEDIASOUP_MIN_PORT,
 * MEDIASOUP_MAX_PORT and MEDIASOUP_NUM_WORKERS are honoured as aliases.
 * Every error is one line that names the key and the fix.
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct cp_config {
	char http_listen[64];      /* http_listen: address of the HTTP/WebSocket server */
	int http_port;             /* http_port */
	char shm[64];              /* shm: the data plane's segment */
	char listen_ip[64];        /* listen_ip (MEDIASOUP_LISTEN_IP): informational */
	char announced_ip[64];     /* announced_ip (MEDIASOUP_ANNOUNCED_IP): ICE candidate address; empty = data-plane address */
	int rtc_min_port;          /* rtc_min_port (MEDIASOUP_MIN_PORT) */
	int rtc_max_port;          /* rtc_max_port (MEDIASOUP_MAX_PORT) */
	int num_workers;           /* num_workers (MEDIASOUP_NUM_WORKERS): lcores to place on; 0 = all */
	char jwt_secret[256];      /* jwt_secret */
	char jwt_secret_file[256]; /* jwt_secret_file */
	int dev_mode;              /* dev_mode: allows an empty/default secret and
				    * serves GET /dev/token (README "Admin API") */
	char admin_token[256];     /* admin_token: Bearer token of /admin/; empty = admin API off */
	char admin_token_file[256]; /* admin_token_file: read admin_token from this file */
	int heartbeat_timeout_ms;  /* heartbeat_timeout_ms: data plane considered dead after */
	int ping_interval_ms;      /* ping_interval_ms (Engine.IO) */
	int ping_timeout_ms;       /* ping_timeout_ms */
	int max_payload;           /* max_payload bytes of one Socket.IO frame */
	int max_rooms;
	int max_peers_per_room;
	int max_transports_per_peer;
	int max_requests_per_sec;  /* per socket */
	int dtls_timeout_ms;
	char dtls_cert[256];       /* PEM; empty = generate at start */
	char dtls_key[256];
	char demo_dir[256];        /* static files served at / (the demo page) */
	char log_level[16];
	char log_format[16];       /* log_format: text | json (one object per line) */
	char placement[16];        /* placement: auto | round-robin */
	int room_affinity_max;     /* room_affinity_max: transports of a room kept on one lcore; 0 = off */
	/* limits before trust (README "Limits") */
	int auth_timeout_ms;       /* a socket not authenticated by then is closed */
	int max_connections;       /* WebSocket connections in total */
	int max_connections_per_ip; /* WebSocket connections per source address */
	int max_payload_unauth;    /* max_payload until the socket authenticated */
	int max_rate_violations;   /* frames refused by the rate limit (in 10 s) before closing */
	int http_timeout_ms;       /* idle / slow HTTP connections (headers, keep-alive) */
	/* per-peer limits (README "Limits") */
	int max_consumers_per_peer;      /* consumers one peer may hold */
	int max_producers_per_transport; /* producers on one send transport */
	int max_app_data_bytes;          /* produce appData, serialized compact JSON */
	int max_codec_parameters_bytes;  /* each codec's parameters in produce, serialized */
	/* fleet: a shared room directory on Redis (README "Fleet", controlplane/fleet) */
	char redis_url[256];       /* redis_url: redis://IP:PORT ...; empty = no fleet (alone) */
	char node_id[65];          /* node_id: this node's id; empty = <hostname>-<pid> */
	char public_url[257];      /* public_url: signaling URL clients use to reach this node */
	int node_capacity;         /* node_capacity: peers this node accepts new rooms up to */
	int fleet_ttl_ms;          /* fleet_ttl_ms: directory entries expire after */
	int reconcile_interval_ms;       /* compare objects with the data plane; 0 = never */
};

void cp_config_defaults(struct cp_config *c);
/* Loads a file (path may be NULL). Returns 0 or -1 with err set. */
int cp_config_load_file(struct cp_config *c, const char *path, char *err, size_t errlen);
/* Applies environment variables from envp-style getenv. Returns 0 or -1. */
int cp_config_load_env(struct cp_config *c, char *err, size_t errlen);
/* Cross-field checks and secret loading. Returns 0 or -1 with err set. */
int cp_config_validate(struct cp_config *c, char *err, size_t errlen);
/* Sets one key from a string (file and env use it). Returns 0 or -1. */
int cp_config_set(struct cp_config *c, const char *key, const char *value, const char *origin,
		  char *err, size_t errlen);

#endif
