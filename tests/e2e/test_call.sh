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
ns=sl-e2e-$$
tap=sle$$
shm=/sluice-e2e-$$
prefix=sl-e2e-$$
port=8080
work=$(mktemp -d /tmp/sl-e2e-XXXXXX)
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
dp_pid=""
cp_pid=""
rc=1

stop() { # PID: SIGTERM, bounded wait, then SIGKILL; returns its exit status
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
# Whatever still runs in our namespace (a browser left by a killed node...)
# is ours: stop it before the namespace goes.
reap_ns() {
	local p left
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		left=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
}
cleanup() {
	stop "$cp_pid"
	stop "$dp_pid"
	reap_ns
	ip netns del "$ns" 2>/dev/null
	rm -f "/dev/shm$shm"
	rm -rf "/var/run/dpdk/$prefix"
	if [ "$rc" != 0 ]; then
		for f in "$work"/*.log; do echo "===== $f (last 40 lines)"; tail -n 40 "$f"; done
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
in_ns() { ip netns exec "$ns" "$@"; }

[ -f "$SLUICE_DEMO_BUILD/app.bundle.js" ] || { echo "no demo bundle in $SLUICE_DEMO_BUILD"; exit 1; }
ip netns add "$ns" || exit 1
in_ns ip link set lo up

# (started with ip netns exec itself, not through in_ns: a function run in
# the background is a subshell, and $! would be its PID, not the program's)
ip netns exec "$ns" "$DP_BIN" --no-huge -m 256 --no-pci --no-shconf --file-prefix "$prefix" -l 0,1 \
	--vdev="net_tap0,iface=$tap" -- --ip 198.18.0.1 --shm "$shm" --idle-sleep-us 100 \
	>"$work/dp.log" 2>&1 &
dp_pid=$!
for _ in $(seq 1 300); do
	in_ns ip link show "$tap" >/dev/null 2>&1 && break
	kill -0 "$dp_pid" 2>/dev/null || { echo "the data plane failed to start"; exit 1; }
	sleep 0.1
done
in_ns ip addr add 198.18.0.2/24 dev "$tap" && in_ns ip link set "$tap" up || exit 1

ip netns exec "$ns" env SLUICE_SHM="$shm" SLUICE_HTTP_LISTEN=127.0.0.1 SLUICE_HTTP_PORT=$port \
	SLUICE_JWT_SECRET="$secret" SLUICE_DEMO_DIR="$SLUICE_DEMO_BUILD" SLUICE_LOG_LEVEL=info \
	"$CP_BIN" >"$work/cp.log" 2>&1 &
cp_pid=$!
url=http://127.0.0.1:$port
healthy=0
for _ in $(seq 1 300); do
	[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] && { healthy=1; break; }
	kill -0 "$cp_pid" 2>/dev/null || break
	sleep 0.1
done
[ $healthy = 1 ] || { echo "the control plane did not become healthy"; exit 1; }
[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' "$url/")" = 200 ] ||
	{ echo "the control plane does not serve the demo page"; exit 1; }

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
for name in cp dp; do
	pid_var=${name}_pid
	pid=${!pid_var}
	alive=0
	kill -0 "$pid" 2>/dev/null && alive=1
	stop "$pid"
	st=$?
	printf -v "$pid_var" '%s' ""
	[ $alive = 1 ] || { echo "$name died during the test (status $st)"; rc=1; continue; }
	[ "$st" = 0 ] || { echo "$name exited with status $st on SIGTERM"; rc=1; }
done
exit $rc
