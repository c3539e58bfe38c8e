/* SPDX-License-Identifier: MIT */
/*
 * cp_admin - the operator's HTTP endpoints on the control plane's server
 * (README "Admin API"):
 *   /admin/...   the admin API (cp_admin_req.h lists the routes), on only
 *                when admin_token is set (else every /admin/ path is 404
 *                like any missing file); each request needs
 *                "Authorization: Bearer <admin_token>" (else 401,
 *                WWW-Authenticate: Bearer). Answers are JSON; failures are
 *                {error, code} with code UNAUTHORIZED (401), BAD_REQUEST
 *                (400), NOT_FOUND (404), METHOD_NOT_ALLOWED (405, with
 *                Allow), OVERLOADED (503: data plane busy) or INTERNAL (500).
 *   /dev/token   GET ?room=R&name=N: a user token signed with jwt_secret,
 *                for the demo page; only with dev_mode (else 404).
 * Borrowed: the struct cp_app (config, signaling state). Event loop only.
 */
#ifndef CP_ADMIN_H
#define CP_ADMIN_H

struct cp_app;

/* Registers both routes (call before cp_http_start) and logs whether the
 * admin API and the dev token endpoint are on. */
void cp_admin_http(struct cp_app *a);

#endif
