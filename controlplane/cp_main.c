/* SPDX-License-Identifier: MIT */
/*
 * sluice-controlplane: configuration, the HTTP/WebSocket server and the
 * channel to the data plane, all on one libwebsockets event loop.
 *
 *   sluice-controlplane [-c FILE] [--check-config]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "cp_app.h"
#include "cp_config.h"
#include "cp_dp.h"
#include "cp_http.h"
#include "cp_log.h"
#include "cp_metrics.h"

#define TICK_US 5000 /* event-ring poll and liveness check period */

static volatile sig_atomic_t quit;
static struct lws_context *ctx;
static struct cp_app app;
static lws_sorted_usec_list_t tick_sul;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
	if (ctx)
		lws_cancel_service(ctx);
}

static void tick(lws_sorted_usec_list_t *sul)
{
	cp_dp_tick(&app.dp);
	cp_app_tick(&app);
	lws_sul_schedule(ctx, 0, &tick_sul, tick, TICK_US);
}

static int route_health(void *user, const char *q, struct cp_buf *b, const char **ctype)
{
	struct cp_app *a = user;
	*ctype = "application/json";
	return cp_health_render(&a->dp, b) ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE;
}

static int route_metrics(void *user, const char *q, struct cp_buf *b, const char **ctype)
{
	struct cp_app *a = user;
	*ctype = "text/plain; version=0.0.4; charset=utf-8";
	cp_metrics_render(&a->dp, b);
	cp_app_metrics(a, b);
	return HTTP_STATUS_OK;
}

static void usage(void)
{
	printf("usage: sluice-controlplane [-c FILE] [--check-config]\n"
	       "  -c FILE          configuration file (key = value lines)\n"
	       "  --check-config   validate the configuration and exit\n"
	       "Environment: SLUICE_<KEY> for every key; MEDIASOUP_LISTEN_IP, "
	       "MEDIASOUP_ANNOUNCED_IP,\nMEDIASOUP_MIN_PORT, MEDIASOUP_MAX_PORT, "
	       "MEDIASOUP_NUM_WORKERS are honoured too.\n");
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	int check_only = 0;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "--check-config")) {
			check_only = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "sluice-controlplane: unknown argument '%s' (see --help)\n",
				argv[i]);
			return 2;
		}
	}
	cp_config_defaults(&app.cfg);
	if (cp_config_load_file(&app.cfg, file, err, sizeof(err)) ||
	    cp_config_load_env(&app.cfg, err, sizeof(err)) ||
	    cp_config_validate(&app.cfg, err, sizeof(err))) {
		fprintf(stderr, "sluice-controlplane: configuration: %s\n", err);
		return 2;
	}
	if (check_only) {
		printf("configuration ok\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (cp_app_init(&app, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-controlplane: %s\n", err);
		return 2;
	}
	cp_http_route("/healthz", 0, route_health, NULL, &app);
	cp_http_route("/metrics", 0, route_metrics, NULL, &app);

	struct cp_http_cfg hc;
	memset(&hc, 0, sizeof(hc));
	hc.listen = app.cfg.http_listen;
	hc.port = app.cfg.http_port;
	hc.static_dir = app.cfg.demo_dir;
	hc.timeout_ms = app.cfg.http_timeout_ms;
	cp_app_http(&app, &hc);
	ctx = cp_http_start(&hc, err, sizeof(err));
	if (!ctx) {
		fprintf(stderr, "sluice-controlplane: %s\n", err);
		cp_app_fini(&app);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	app.lws = ctx;
	CP_INFO("controlplane: listening on http://%s:%d (signaling /socket.io/, health "
		"/healthz, metrics /metrics), data plane segment %s",
		app.cfg.http_listen, app.cfg.http_port, app.cfg.shm);
	lws_sul_schedule(ctx, 0, &tick_sul, tick, 1);
	while (!quit)
		if (lws_service(ctx, 0) < 0)
			break;
	CP_INFO("controlplane: stopping");
	/* sockets first: their disconnects still need the signaling state */
	lws_context_destroy(ctx);
	ctx = NULL;
	cp_app_fini(&app);
	return 0;
}
