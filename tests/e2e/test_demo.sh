#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The demo page as a newcomer meets it (demo.test.mjs): the control plane in
# dev_mode (SLUICE_DEV_MODE=1, as deploy/run.sh runs it) so that the page
# gets its token from /dev/token, two Chromium pages in one room through
# Sluice (tests/lib/sluice_ns.sh: namespace, data plane on a tap, control
# plane serving the demo bundle); participant list, screen share, overlay.
# Writes a screenshot of a page during the call to $SLUICE_DEMO_SHOT.
# Env (ctest sets them): DP_BIN, CP_BIN, SLUICE_DEMO_BUILD, SLUICE_DEMO_SHOT.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DP_BIN:?}" "${CP_BIN:?}" "${SLUICE_DEMO_BUILD:?}" "${SLUICE_DEMO_SHOT:?}"
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init demo
trap sln_cleanup EXIT
trap 'exit 130' INT TERM

[ -f "$SLUICE_DEMO_BUILD/app.bundle.js" ] || sln_fail "no demo bundle in $SLUICE_DEMO_BUILD"
sln_up SLUICE_DEMO_DIR="$SLUICE_DEMO_BUILD" SLUICE_DEV_MODE=1
# dev_mode: the page's token source answers (and names the user asked for)
tok=$(sln_in curl -s -f "$sln_url/dev/token?room=demo-room&name=probe") ||
	sln_fail "GET /dev/token failed in dev_mode"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["userId"]=="probe" and d["token"].count(".")==2, d' "$tok" ||
	sln_fail "/dev/token answered $tok"

rm -f "$SLUICE_DEMO_SHOT"
sln_in env SLUICE_URL="$sln_url" SLUICE_DEMO_SHOT="$SLUICE_DEMO_SHOT" \
	timeout --kill-after=10 400 node --test "$here/demo.test.mjs"
rc=$?
[ "$rc" = 0 ] && { [ -s "$SLUICE_DEMO_SHOT" ] || { echo "FAIL: no screenshot at $SLUICE_DEMO_SHOT"; rc=1; }; }
sln_check_exit || rc=1
[ "$rc" = 0 ] && sln_rc=0
exit $rc
