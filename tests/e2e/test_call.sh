#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The browser call through Sluice (call.test.mjs), all inside a network
# namespace of its own, sl-e2e-$$:
#   - sluice-dataplane on a net_tap (sle$$) answering 198.18.0.1, kernel side
#     of the tap 198.18.0.2/24 (EAL without hugepages or PCI);
#   - sluice-controlplane on 127.0.0.1 in the namespace, serving the demo
#     bundle (SLUICE_DEMO_BUILD = <build>/demo);
#   - node + headless Chromium in the namespace, so that the browsers reach
#     the page on 127.0.0.1 and the media on 198.18.0.1, and nothing else;
#     call.test.mjs injects packet loss on the tap with nft (an nftables
#     table of its own, in this namespace only: it goes with the namespace);
#     the pages' camera plays a Y4M clip made by gen_y4m.mjs (in the work
#     directory), hard enough to encode that the video bitrate follows the
#     browser's bandwidth estimate.
# Env (ctest sets them): DP_BIN, CP_BIN, TOKEN_BIN, SLUICE_DEMO_BUILD.
# Everything is removed on exit, also on failure. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DP_BIN:?}" "${CP_BIN:?}" "${TOKEN_BIN:?}" "${SLUICE_DEMO_BUILD:?}"
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init e2e
trap sln_cleanup EXIT
trap 'exit 130' INT TERM
in_ns() { sln_in "$@"; }
work=$sln_work
secret=$sln_secret
url=$sln_url

[ -f "$SLUICE_DEMO_BUILD/app.bundle.js" ] || sln_fail "no demo bundle in $SLUICE_DEMO_BUILD"
sln_up SLUICE_DEMO_DIR="$SLUICE_DEMO_BUILD"
tap=$sln_tap
[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' "$url/")" = 200 ] ||
	sln_fail "the control plane does not serve the demo page"

room=e2e-room
tokens="{"
for u in alice bob carol dave eve; do
	t=$("$TOKEN_BIN" --secret "$secret" --sub "$u" --room "$room" --ttl 3600) || exit 1
	tokens="$tokens\"$u\":\"$t\","
done
tokens="${tokens%,}}"

# The pages' camera: a clip that is expensive to encode (the built-in fake
# camera's pattern compresses too well to show the bandwidth ramp-up).
# SLUICE_E2E_CAMERA="ARGS": other gen_y4m.mjs options than its defaults.
# shellcheck disable=SC2086
node "$here/gen_y4m.mjs" "$work/camera.y4m" ${SLUICE_E2E_CAMERA:-} ||
	{ echo "cannot generate the camera clip"; exit 1; }

in_ns env SLUICE_URL="$url" SLUICE_ROOM="$room" SLUICE_TOKENS="$tokens" SLUICE_E2E_Y4M="$work/camera.y4m" \
	SLUICE_E2E_TAP="$tap" \
	timeout --kill-after=10 780 node --test "$here/call.test.mjs"
rc=$?
# Both must still run and exit 0 on SIGTERM (a sanitizer report aborts them).
sln_check_exit || rc=1
[ "$rc" = 0 ] && sln_rc=0
exit $rc
