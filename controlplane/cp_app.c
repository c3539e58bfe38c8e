/* SPDX-License-Identifier: MIT */
/* cp_app - foundation build: the data-plane channel only; see cp_app.h. */
#include "cp_app.h"
#include "cp_http.h"
#include "cp_log.h"

int cp_app_init(struct cp_app *a, char *err, size_t errlen)
{
	cp_dp_init(&a->dp, a->cfg.shm, a->cfg.heartbeat_timeout_ms, NULL);
	return 0;
}

void cp_app_http(struct cp_app *a, struct cp_http_cfg *hc)
{
}

void cp_app_tick(struct cp_app *a)
{
}

void cp_app_metrics(struct cp_app *a, struct cp_buf *b)
{
}

void cp_app_fini(struct cp_app *a)
{
	cp_dp_fini(&a->dp);
}
