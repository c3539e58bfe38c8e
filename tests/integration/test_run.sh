#!/usr/bin/env bash
# The README's RUN command (deploy/run.sh) on this build: it starts both
# processes in its own namespace, answers /healthz there, and Ctrl-C (SIGINT)
# stops everything and removes the namespace and the segment. Needs root.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/sl-run-XXXXXX)
export SLUICE_NETNS=sl-run-$$ SLUICE_SHM=/sluice-run-$$ SLUICE_TAP=slr$$
export SLUICE_HTTP_PORT=18$(( $$ % 900 + 100 )) SLUICE_SKIP_BUILD=1
export SLUICE_BUILD_DIR=$(dirname "$(dirname "$DP_BIN")")
export SLUICE_JWT_SECRET=test-secret-0123456789abcdef
SL_NETNS+=("$SLUICE_NETNS")   # in case run.sh dies before its own cleanup
SL_SHMS+=("$SLUICE_SHM")

# as from a terminal: SIGINT at its default disposition (a background job of a
# script would otherwise start with SIGINT ignored)
python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
	"$top/deploy/run.sh" >"$WORK/run.log" 2>&1 &
RUN_PID=$!
SL_PIDS+=("$RUN_PID")
check "run.sh says ready" wait_until 900 grep -q "run: ready" "$WORK/run.log"
check "it prints the signaling URL" grep -q "signaling:  http://127.0.0.1:$SLUICE_HTTP_PORT/socket.io/" "$WORK/run.log"
check "healthz 200 inside its namespace" \
	ip netns exec "$SLUICE_NETNS" curl -sf "http://127.0.0.1:$SLUICE_HTTP_PORT/healthz" -o /dev/null
check "the data plane answers ping inside the namespace" \
	ip netns exec "$SLUICE_NETNS" ping -c 2 -i 0.2 -W 2 198.18.0.1
check "segment exists while running" [ -e "/dev/shm$SLUICE_SHM" ]

kill -INT "$RUN_PID"
wait_until 300 bash -c "! kill -0 $RUN_PID 2>/dev/null"
wait "$RUN_PID"
check "run.sh reports cleanup" grep -q "stopped and cleaned up" "$WORK/run.log"
check "namespace removed" bash -c "! ip netns list | awk '{print \$1}' | grep -qx $SLUICE_NETNS"
check "segment removed" [ ! -e "/dev/shm$SLUICE_SHM" ]
check "data plane stopped cleanly" grep -q "sluice-dataplane: stopped" "$WORK/run.log"
[ "$SL_FAILS" = 0 ] || cat "$WORK/run.log"
rm -rf "$WORK"
finish
