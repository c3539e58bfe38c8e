#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Protocol interop: one sluice-loadgen peer and one Chromium page (the demo)
# in the same room through Sluice (tests/lib/sluice_ns.sh: namespace, data
# plane on a tap, control plane serving the demo bundle). Each must receive
# the other's audio and video; the page's consumers of the loadgen stay
# alive without errors (the page cannot decrypt the loadgen's payload: it is
# not E2EE-encrypted with the page's key, so frames are dropped by the E2EE
# transform, which is expected and counted, not an error).
# Env (ctest sets them): DP_BIN, CP_BIN, TOKEN_BIN, LG_BIN, SLUICE_DEMO_BUILD.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DP_BIN:?}" "${CP_BIN:?}" "${TOKEN_BIN:?}" "${LG_BIN:?}" "${SLUICE_DEMO_BUILD:?}"
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init iop
trap sln_cleanup EXIT
trap 'exit 130' INT TERM
lg_pid=""

[ -f "$SLUICE_DEMO_BUILD/app.bundle.js" ] || sln_fail "no demo bundle in $SLUICE_DEMO_BUILD"
sln_up SLUICE_DEMO_DIR="$SLUICE_DEMO_BUILD"
room=interop-0
token=$("$TOKEN_BIN" --secret "$sln_secret" --sub alice --room "$room" --ttl 3600) || exit 1

# the loadgen runs until told to stop (SIGTERM), then prints its summary
ip netns exec "$sln_ns" "$LG_BIN" --url "$sln_url" --secret "$sln_secret" --local-ip 198.18.0.2 \
	--room-prefix interop --rooms 1 --peers 1 --seconds 600 --video-kbps 300 \
	--json-out "$sln_work/lg.json" >"$sln_work/lg.log" 2>&1 &
lg_pid=$!

sln_in env SLUICE_URL="$sln_url" SLUICE_ROOM="$room" SLUICE_TOKEN="$token" \
	timeout --kill-after=10 300 node --test "$here/interop.test.mjs"
st=$?
kill -TERM "$lg_pid" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$lg_pid" 2>/dev/null || break; sleep 0.1; done
wait "$lg_pid"
lg_st=$?
cat "$sln_work/lg.log"
[ $st = 0 ] || sln_fail "the page side failed"
[ -s "$sln_work/lg.json" ] || sln_fail "the loadgen wrote no summary (exit $lg_st)"
python3 - "$sln_work/lg.json" <<'PY' || sln_fail "the loadgen side failed"
import json, sys
s = json.load(open(sys.argv[1]))
ok = True
def need(cond, what):
    global ok
    if not cond:
        print("FAIL:", what); ok = False
need(s["peers_connected"] == 1, "the loadgen peer did not connect")
need(s["consumers"] == 2, f"the loadgen consumed {s['consumers']} streams, want the page's 2")
need(s["consumers_receiving"] == 2, "a consumer of the page's media received nothing")
need(s["foreign_packets"] > 100, f"only {s['foreign_packets']} packets of the page arrived")
need(s["peers_failed"] == 0, "a loadgen peer failed")
sys.exit(0 if ok else 1)
PY
sln_check_exit || exit 1
sln_rc=0
