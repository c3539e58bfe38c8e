# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by the tests that run Sluice in a network namespace of their own:
# the data plane on a net_tap (198.18.0.1; kernel side 198.18.0.2/24), the
# control plane on 127.0.0.1 in the namespace. Everything is removed by
# sln_cleanup (the caller's EXIT trap), also on failure.
#
#   sln_init TAG           names: namespace sl-TAG-$$, tap, shm, EAL prefix,
#                          a work directory $sln_work, a JWT secret $sln_secret
#   sln_up [CP_ENV...]     namespace + data plane + control plane (extra env
#                          for the control plane as VAR=value), waits for
#                          /healthz; exits 1 with a message on failure
#   sln_in CMD...          runs CMD in the namespace
#   sln_stop PID           SIGTERM, bounded wait, SIGKILL; returns the status
#   sln_check_exit         both planes still alive and exit 0 on SIGTERM
#                          (a sanitizer report aborts them); returns 1 if not
#   sln_cleanup            stops what runs, removes namespace, shm, EAL files;
#                          prints the logs when $sln_rc != 0
# Needs DP_BIN and CP_BIN. Port: $sln_port (8080), URL: $sln_url.
sln_init() {
	sln_ns=sl-$1-$$
	sln_tap=sl${1:0:4}$$
	sln_shm=/sluice-$1-$$
	sln_prefix=sl-$1-$$
	sln_port=8080
	sln_url=http://127.0.0.1:$sln_port
	sln_work=$(mktemp -d "/tmp/sl-$1-XXXXXX")
	sln_secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	sln_dp_pid=""
	sln_cp_pid=""
	sln_rc=1
}

sln_in() { ip netns exec "$sln_ns" "$@"; }

sln_stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Whatever still runs in our namespace is ours: stop it before it goes.
sln_reap() {
	local p left
	for p in $(ip netns pids "$sln_ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		left=$(ip netns pids "$sln_ns" 2>/dev/null)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
}

sln_cleanup() {
	sln_stop "$sln_cp_pid"
	sln_stop "$sln_dp_pid"
	sln_reap
	ip netns del "$sln_ns" 2>/dev/null
	rm -f "/dev/shm$sln_shm"
	rm -rf "/var/run/dpdk/$sln_prefix"
	if [ "$sln_rc" != 0 ]; then
		for f in "$sln_work"/*.log; do
			[ -f "$f" ] || continue
			echo "===== $f (last 60 lines)"
			tail -n 60 "$f"
		done
	fi
	rm -rf "$sln_work"
}

sln_fail() { echo "FAIL: $*"; exit 1; }

sln_up() {
	: "${DP_BIN:?}" "${CP_BIN:?}"
	ip netns add "$sln_ns" || sln_fail "ip netns add $sln_ns"
	sln_in ip link set lo up
	# (started with ip netns exec itself: $! of a function would be a subshell)
	ip netns exec "$sln_ns" "$DP_BIN" --no-huge -m 256 --no-pci --no-shconf \
		--file-prefix "$sln_prefix" -l 0,1 --vdev="net_tap0,iface=$sln_tap" -- \
		--ip 198.18.0.1 --shm "$sln_shm" --idle-sleep-us 100 >"$sln_work/dp.log" 2>&1 &
	sln_dp_pid=$!
	for _ in $(seq 1 300); do
		sln_in ip link show "$sln_tap" >/dev/null 2>&1 && break
		kill -0 "$sln_dp_pid" 2>/dev/null || sln_fail "the data plane failed to start"
		sleep 0.1
	done
	sln_in ip addr add 198.18.0.2/24 dev "$sln_tap" && sln_in ip link set "$sln_tap" up ||
		sln_fail "cannot configure $sln_tap"
	ip netns exec "$sln_ns" env SLUICE_SHM="$sln_shm" SLUICE_HTTP_LISTEN=127.0.0.1 \
		SLUICE_HTTP_PORT=$sln_port SLUICE_JWT_SECRET="$sln_secret" SLUICE_LOG_LEVEL=info "$@" \
		"$CP_BIN" >"$sln_work/cp.log" 2>&1 &
	sln_cp_pid=$!
	for _ in $(seq 1 300); do
		[ "$(sln_in curl -s -o /dev/null -w '%{http_code}' "$sln_url/healthz")" = 200 ] && return 0
		kill -0 "$sln_cp_pid" 2>/dev/null || break
		sleep 0.1
	done
	sln_fail "the control plane did not become healthy"
}

sln_check_exit() {
	local name pid alive st bad=0
	for name in cp dp; do
		if [ $name = cp ]; then pid=$sln_cp_pid; else pid=$sln_dp_pid; fi
		alive=0
		kill -0 "$pid" 2>/dev/null && alive=1
		sln_stop "$pid"
		st=$?
		if [ $name = cp ]; then sln_cp_pid=""; else sln_dp_pid=""; fi
		[ $alive = 1 ] || { echo "$name died during the test (status $st)"; bad=1; continue; }
		[ "$st" = 0 ] || { echo "$name exited with status $st on SIGTERM"; bad=1; }
	done
	return $bad
}
