/* SPDX-License-Identifier: MIT */
/* cp_metrics - /metrics (Prometheus text format 0.0.4) and /healthz (JSON)
 * rendered from the shared counters. Read-only view of the segment. */
#ifndef CP_METRICS_H
#define CP_METRICS_H

#include "cp_buf.h"
#include "cp_dp.h"

void cp_metrics_render(const struct cp_dp *d, struct cp_buf *b);
/* Returns 1 when healthy (HTTP 200), 0 otherwise (HTTP 503). */
int cp_health_render(const struct cp_dp *d, struct cp_buf *b);

#endif
