#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The fleet test (README "Fleet"): inside a network namespace of its own
# (loopback only) it starts
#   - redis-server on 127.0.0.1:<free port>, no persistence (--save '',
#     --appendonly no), its files in a temporary directory;
#   - two nodes "node-a" and "node-b", each a sluice-dataplane (net_null, no
#     network, like tests/signaling) and a sluice-controlplane attached to it
#     with redis_url pointing at that Redis and a 3 s fleet_ttl_ms;
# and runs tests/fleet/fleet.test.mjs (npm socket.io-client) in the same
# namespace: REDIRECT to a room's home, the choice of a home by load, node A
# killed (SIGKILL) and its room re-homed on B, Redis stopped (running rooms go
# on, new rooms are refused OVERLOADED) and restarted (joins work again).
# Everything is stopped by PID and removed on exit (trap EXIT), also after a
# failure; node B must exit 0 on SIGTERM at the end.
#
#   run_fleet.sh DATAPLANE CONTROLPLANE [NODE] [REDIS_SERVER]
# (FLEET_KEEP=1 keeps the logs.)
set -u
DP_BIN=$1
CP_BIN=$2
NODE=${3:-node}
REDIS_BIN=${4:-redis-server}
HERE=$(cd "$(dirname "$0")" && pwd)
ID=$$
NS=slfleet-$ID
WORK=$(mktemp -d /tmp/sl-fleet-XXXXXX)
SECRET="fleet-test-secret-$ID-0123456789abcdef"
PIDS=()
status=1

if [ "$(id -u)" -ne 0 ]; then
	echo "run_fleet: needs root (ip netns)"
	exit 1
fi

stop() { # stop PID: SIGTERM, then wait for it, then SIGKILL
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
	# processes the suite started (the restarted Redis) and ours
	if [ -f "$WORK/pids" ]; then
		while read -r pid; do stop "$pid"; done <"$WORK/pids"
	fi
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop "${PIDS[$i]}"; done
	for n in a b; do
		rm -f "/dev/shm/sluice-fleet-$ID-$n" "/dev/shm/sluice-fleet-$ID-$n-r"
		rm -rf "/var/run/dpdk/sl-fleet-$ID-$n"
	done
	ip netns del "$NS" 2>/dev/null || true
	if [ "$status" -ne 0 ]; then
		for f in "$WORK"/*.log; do
			echo "===== $f (last 60 lines)"
			tail -n 60 "$f"
		done
	fi
	if [ -n "${FLEET_KEEP:-}" ]; then
		echo "run_fleet: logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

command -v "$REDIS_BIN" >/dev/null || { echo "run_fleet: $REDIS_BIN not found (apt-get install redis-server)"; exit 1; }
ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up || exit 1
inns() { ip netns exec "$NS" "$@"; }

# the namespace is new: any port is free in it; still ask the kernel
free_port() {
	inns "$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# http_get PORT PATH: the body of GET http://127.0.0.1:PORT/PATH in the namespace
http_status() {
	inns bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" 2>/dev/null || { echo 000; exit; }
		printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
		read -r -t 5 line <&3; line=${line#HTTP/1.? }; echo "${line:0:3}"' _ "$1" "$2"
}

wait_healthy() { # PORT: until /healthz says 200 (data plane attached); bounded
	for _ in $(seq 1 1200); do
		[ "$(http_status "$1" /healthz)" = "200" ] && return 0
		sleep 0.05
	done
	return 1
}

RP=$(free_port)
PA=$(free_port)
PB=$(free_port)
while [ "$PA" = "$RP" ]; do PA=$(free_port); done
while [ "$PB" = "$RP" ] || [ "$PB" = "$PA" ]; do PB=$(free_port); done

REDIS_ARGS=(--port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK"
	--daemonize no --protected-mode yes)
# not through inns (a function: in the background it would be a subshell
# and $! its PID); ip netns exec execs the command, so $! is the command
ip netns exec "$NS" "$REDIS_BIN" "${REDIS_ARGS[@]}" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")

export ASAN_OPTIONS=${ASAN_OPTIONS:-}
start_node() { # n port ip: a data plane and its control plane
	local n=$1 port=$2 ip=$3
	ASAN_OPTIONS="detect_leaks=0:$ASAN_OPTIONS" ip netns exec "$NS" "$DP_BIN" --no-huge -m 256 --no-pci \
		--no-shconf --file-prefix "sl-fleet-$ID-$n" --lcores "0@0,1@0" \
		--vdev=net_null0,no-rx=1 -- --ip "$ip" --shm "/sluice-fleet-$ID-$n" \
		--idle-sleep-us 500 --max-transports 256 >"$WORK/dataplane-$n.log" 2>&1 &
	PIDS+=("$!")
	ip netns exec "$NS" env SLUICE_SHM="/sluice-fleet-$ID-$n" SLUICE_HTTP_LISTEN=127.0.0.1 \
		SLUICE_HTTP_PORT="$port" SLUICE_JWT_SECRET="$SECRET" SLUICE_LOG_LEVEL=info \
		SLUICE_REDIS_URL="redis://127.0.0.1:$RP" SLUICE_NODE_ID="node-$n" \
		SLUICE_PUBLIC_URL="http://127.0.0.1:$port" SLUICE_NODE_CAPACITY=100 \
		SLUICE_FLEET_TTL_MS=3000 \
		"$CP_BIN" >"$WORK/controlplane-$n.log" 2>&1 &
	CP_LAST=$!
	PIDS+=("$CP_LAST")
}
start_node a "$PA" 198.18.0.1
CPA_PID=$CP_LAST
start_node b "$PB" 198.18.0.2
CPB_PID=$CP_LAST

for p in "$PA" "$PB"; do
	if ! wait_healthy "$p"; then
		echo "run_fleet: the control plane on port $p did not attach to its data plane" \
			"(/healthz: $(http_status "$p" /healthz))"
		exit 1
	fi
done

# the configuration check names the fix
if SLUICE_REDIS_URL=redis://127.0.0.1:1 SLUICE_JWT_SECRET="$SECRET" "$CP_BIN" --check-config \
	>"$WORK/check.out" 2>&1; then
	echo "run_fleet: --check-config accepted redis_url without public_url"
	exit 1
fi
if ! grep -q "public_url must be set" "$WORK/check.out"; then
	echo "run_fleet: the configuration error does not name public_url: $(cat "$WORK/check.out")"
	exit 1
fi

export SIG_URL="http://127.0.0.1:$PA" SIG_URL_NODP="http://127.0.0.1:$PB" SIG_SECRET="$SECRET"
export FLEET_URL_A="http://127.0.0.1:$PA" FLEET_URL_B="http://127.0.0.1:$PB"
export FLEET_PID_A="$CPA_PID" FLEET_REDIS_PID="$REDIS_PID" FLEET_REDIS_PORT="$RP"
export FLEET_REDIS_BIN="$REDIS_BIN" FLEET_REDIS_DIR="$WORK" FLEET_WORK="$WORK"
export NODE_PATH="$HERE/../node_modules"
# --test-force-exit: a handle left open (a keep-alive fetch, the restarted
# Redis child) must not keep the runner waiting
inns env "PATH=$PATH" "$NODE" --test --test-force-exit --test-timeout=120000 "$HERE/fleet.test.mjs"
rc=$?

# node B survived everything and exits cleanly (leak-free under ASan)
if ! kill -0 "$CPB_PID" 2>/dev/null; then
	echo "run_fleet: node B's control plane died during the tests"
	rc=1
else
	kill -TERM "$CPB_PID" 2>/dev/null
	wait "$CPB_PID"
	code=$?
	if [ "$code" -ne 0 ]; then
		echo "run_fleet: node B's control plane exited with $code on SIGTERM"
		rc=1
	fi
fi
status=$rc
exit $rc
