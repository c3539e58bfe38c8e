#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run_media_e2e.sh - runs one end-to-end media test against a real
# sluice-dataplane in a network namespace of its own.
#
#   run_media_e2e.sh <sluice-dataplane> <test-program> <workers> [test args...]
#
# Creates namespace sl-media-<pid>-<workers>, starts the data plane in it on
# net_tap (interface slm<pid>, one queue per worker, 198.18.0.1), gives the
# kernel side 198.18.0.2/24, and runs the test program in the namespace with
# <shm-name> <interface> [test args...]. Everything it made is removed on
# exit, also on failure or interruption. Waits are bounded polls; nothing is
# asserted about time. Needs root (exit 77 = skipped otherwise).
#
# The data plane is stopped with SIGTERM at the end and must exit 0 after
# "stopped": with a sanitizer build that covers teardown and LeakSanitizer
# (no ASAN_OPTIONS needed: the EAL frees what it holds in rte_eal_cleanup).
# KEEP_LOG=1 keeps the data plane's log file also on success.
set -u
DP=$1
TEST=$2
WORKERS=$3
shift 3

ID=$$
NS=sl-media-$ID-$WORKERS
IF=slm$ID
SHM=/sluice-media-$ID
PREFIX=sl-media-$ID
LOG=$(mktemp /tmp/sl-media-dp.XXXXXX)
DP_PID=

cleanup() {
	local rc=$?
	if [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -TERM "$DP_PID" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "$DP_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$DP_PID" 2>/dev/null
		wait "$DP_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -f "/dev/shm${SHM}"
	rm -rf "/var/run/dpdk/$PREFIX"
	if [ $rc -ne 0 ]; then
		echo "---- data plane log ($LOG) ----"
		tail -n 40 "$LOG"
	else
		[ -n "${KEEP_LOG:-}" ] || rm -f "$LOG"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespace, tap device)"
	exit 77
fi
case $WORKERS in
1) LCORES=0@0,1@1 ;;
2) LCORES=0@0,1@0,2@1 ;;
3) LCORES=0@0,1@0,2@1,3@1 ;;
4) LCORES=0@0,1@0,2@0,3@1,4@1 ;;
*) echo "workers: 1..4"; exit 2 ;;
esac

ip netns add "$NS" || exit 1
ip netns exec "$NS" ip link set lo up || exit 1

ip netns exec "$NS" "$DP" --lcores "$LCORES" --no-huge -m 256 --no-pci --no-shconf \
	--file-prefix "$PREFIX" --vdev="net_tap0,iface=$IF" --log-level=lib.eal:error -- \
	--ip 198.18.0.1 --shm "$SHM" --idle-sleep-us 50 --ice-timeout-ms 600000 \
	--mbufs 4095 >"$LOG" 2>&1 &
DP_PID=$!

ready=0
for _ in $(seq 1 600); do # up to 60 s: EAL start under ASan is slow
	if grep -q "sluice-dataplane: ready" "$LOG"; then
		ready=1
		break
	fi
	kill -0 "$DP_PID" 2>/dev/null || break
	sleep 0.1
done
if [ $ready -ne 1 ]; then
	echo "FAIL: the data plane did not start"
	exit 1
fi
ip netns exec "$NS" ip addr add 198.18.0.2/24 dev "$IF" || exit 1
ip netns exec "$NS" ip link set "$IF" up || exit 1

ip netns exec "$NS" "$TEST" "$SHM" "$IF" "$@"
rc=$?
if ! kill -0 "$DP_PID" 2>/dev/null; then
	echo "FAIL: the data plane died during the test"
	exit 1
fi
# a clean stop is part of the test: teardown frees every transport, stream
# and handoff ring (and the sanitizers see it)
kill -TERM "$DP_PID"
stopped=0
for _ in $(seq 1 300); do
	if ! kill -0 "$DP_PID" 2>/dev/null; then
		stopped=1
		break
	fi
	sleep 0.1
done
if [ $stopped -ne 1 ]; then
	echo "FAIL: the data plane did not stop on SIGTERM"
	exit 1
fi
wait "$DP_PID"
dprc=$?
DP_PID=
if [ $dprc -ne 0 ] || ! grep -q "sluice-dataplane: stopped" "$LOG"; then
	echo "FAIL: the data plane exited with status $dprc"
	exit 1
fi
exit $rc
