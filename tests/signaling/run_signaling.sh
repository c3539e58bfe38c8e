#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs the Node signaling suite (tests/signaling/*.test.mjs) against real
# processes:
#   - sluice-dataplane with NO network: EAL --no-huge --no-pci, the null PMD
#     (net_null, no-rx: it receives nothing and its tx goes nowhere), two
#     worker lcores (both pinned to CPU 0), its own shm name;
#   - sluice-controlplane "main" on a free 127.0.0.1 port, attached to it,
#     with a test secret, short Engine.IO pings (1 s / 3 s) for the
#     ping-timeout test, 10 peers per room, 100 requests/s, 100 kB payloads,
#     4 consumers per peer and 6 producers per transport (peerlimits), the
#     admin API on (SIG_ADMIN_TOKEN) and dev_mode (GET /dev/token);
#   - sluice-controlplane "nodp" on another port with NO data plane and tiny
#     limits (2 rooms, 2 peers per room, 5 requests/s) for the limit tests;
#     no admin token and no dev_mode (admin: both answer 404 there).
# The suites may also start private instances (SIG_DP_BIN / SIG_CP_BIN).
# Everything is stopped by PID on exit and /dev/shm entries are removed; both
# control planes must exit 0 on SIGTERM (leak-free under ASan).
#
#   run_signaling.sh DATAPLANE CONTROLPLANE [NODE]
# (SIG_TESTS="auth load" runs only those files; SIG_KEEP=1 keeps the logs.)
set -u
DP_BIN=$1
CP_BIN=$2
NODE=${3:-node}
HERE=$(cd "$(dirname "$0")" && pwd)
ID=$$
SHM=/sluice-sig-$ID
WORK=$(mktemp -d /tmp/sl-sig-XXXXXX)
SECRET="sig-test-secret-$ID-0123456789abcdef"
ADMIN_TOKEN="sig-admin-token-$ID-$RANDOM$RANDOM"
DP_PID= CP_PID= CP2_PID=
status=1

stop() { # stop PID: SIGTERM, then wait for it
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	# processes a suite started and could not stop (it died)
	if [ -f "$WORK/pids" ]; then
		while read -r pid; do stop "$pid"; done <"$WORK/pids"
	fi
	stop "$CP2_PID"
	stop "$CP_PID"
	stop "$DP_PID"
	rm -f "/dev/shm${SHM}" "/dev/shm${SHM}-r" "/dev/shm${SHM}-d" "/dev/shm/sluice-sig-none-$ID"
	# EAL runtime directories of our --file-prefix (created even with --no-shconf)
	rm -rf "/var/run/dpdk/sl-sig-$ID" "/var/run/dpdk/sl-sig-$ID-r" "/var/run/dpdk/sl-sig-$ID-d"
	if [ "$status" -ne 0 ]; then
		for f in "$WORK"/*.log; do
			echo "===== $f (last 60 lines)"
			tail -n 60 "$f"
		done
	fi
	if [ -n "${SIG_KEEP:-}" ]; then
		echo "run_signaling: logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	"$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# http_status PORT PATH: the status code of GET http://127.0.0.1:PORT/PATH
# (bash's /dev/tcp: no curl needed), or 000 when nothing answers
http_status() {
	local line=
	if exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null; then
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
		read -r -t 5 line <&3 || true
		exec 3<&- 3>&-
	fi
	line=${line#HTTP/1.? }
	echo "${line:0:3}" | grep -E '^[0-9]{3}$' || echo 000
}

# wait_http PORT: until the server answers at all (any status); bounded
wait_http() {
	for _ in $(seq 1 1200); do
		[ "$(http_status "$1" /healthz)" != "000" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_healthy PORT: until /healthz says 200 (data plane attached); bounded
wait_healthy() {
	for _ in $(seq 1 1200); do
		[ "$(http_status "$1" /healthz)" = "200" ] && return 0
		sleep 0.05
	done
	return 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-}
DP_ARGS=(--no-huge -m 256 --no-pci --no-shconf --file-prefix "sl-sig-$ID"
	--lcores "0@0,1@0,2@0" --vdev=net_null0,no-rx=1 --
	--ip 198.18.0.1 --shm "$SHM" --idle-sleep-us 200 --max-transports 1024)
# the data plane runs without leak checking (DPDK keeps its allocations)
ASAN_OPTIONS="detect_leaks=0:$ASAN_OPTIONS" "$DP_BIN" "${DP_ARGS[@]}" >"$WORK/dataplane.log" 2>&1 &
DP_PID=$!

P1=$(free_port)
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done

env SLUICE_SHM="$SHM" SLUICE_HTTP_LISTEN=127.0.0.1 SLUICE_HTTP_PORT="$P1" \
	SLUICE_JWT_SECRET="$SECRET" SLUICE_PING_INTERVAL_MS=1000 SLUICE_PING_TIMEOUT_MS=3000 \
	SLUICE_MAX_PEERS_PER_ROOM=10 SLUICE_MAX_REQUESTS_PER_SEC=100 SLUICE_MAX_PAYLOAD=100000 \
	SLUICE_MAX_ROOMS=1000 SLUICE_DTLS_TIMEOUT_MS=60000 SLUICE_LOG_LEVEL=info \
	SLUICE_MAX_CONSUMERS_PER_PEER=4 SLUICE_MAX_PRODUCERS_PER_TRANSPORT=6 \
	SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" SLUICE_DEV_MODE=1 \
	"$CP_BIN" >"$WORK/controlplane.log" 2>&1 &
CP_PID=$!
env SLUICE_SHM="/sluice-sig-none-$ID" SLUICE_HTTP_LISTEN=127.0.0.1 SLUICE_HTTP_PORT="$P2" \
	SLUICE_JWT_SECRET="$SECRET" SLUICE_MAX_ROOMS=2 SLUICE_MAX_PEERS_PER_ROOM=2 \
	SLUICE_MAX_REQUESTS_PER_SEC=5 SLUICE_ANNOUNCED_IP=203.0.113.7 \
	"$CP_BIN" >"$WORK/controlplane-nodp.log" 2>&1 &
CP2_PID=$!

if ! wait_http "$P2"; then
	echo "run_signaling: the no-data-plane control plane did not start"
	exit 1
fi
if ! wait_healthy "$P1"; then
	echo "run_signaling: the control plane did not attach to the data plane" \
		"(/healthz: $(http_status "$P1" /healthz))"
	exit 1
fi

export SIG_URL="http://127.0.0.1:$P1" SIG_URL_NODP="http://127.0.0.1:$P2" SIG_SECRET="$SECRET"
export SIG_ADMIN_TOKEN="$ADMIN_TOKEN"
export SIG_DP_BIN="$DP_BIN" SIG_CP_BIN="$CP_BIN" SIG_ID="$ID" SIG_WORK="$WORK"
export NODE_PATH="$HERE/../node_modules"
# SIG_TESTS (optional): a subset, e.g. SIG_TESTS="auth requests"
files=()
if [ -n "${SIG_TESTS:-}" ]; then
	for t in $SIG_TESTS; do files+=("$HERE/$t.test.mjs"); done
else
	files=("$HERE"/*.test.mjs)
fi
"$NODE" --test --test-timeout=240000 "${files[@]}"
rc=$?

# both control planes and the data plane must have survived the suite
for pair in "dataplane:$DP_PID" "controlplane:$CP_PID" "controlplane-nodp:$CP2_PID"; do
	if ! kill -0 "${pair#*:}" 2>/dev/null; then
		echo "run_signaling: ${pair%%:*} died during the tests"
		rc=1
	fi
done
# a clean, leak-free exit of each control plane
for pair in "controlplane:$CP_PID" "controlplane-nodp:$CP2_PID"; do
	pid=${pair#*:}
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	code=$?
	if [ "$code" -ne 0 ]; then
		echo "run_signaling: ${pair%%:*} exited with $code on SIGTERM"
		rc=1
	fi
done
CP_PID= CP2_PID=
status=$rc
exit $rc
