# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by the tests that run a whole Sluice (data plane + control plane) in
# a network namespace of their own. The namespace and the data plane come from
# pktgen-scripts/netns.sh (one library for both: here on its net_tap path,
# data plane 198.18.0.1, kernel side of the tap 198.18.0.2/24); this file adds
# the control plane on 127.0.0.1 in the namespace, a JWT secret, and the
# checks every such test ends with.
#
#   sln_init TAG           names (TAG: at most 4 characters), a work directory
#                          $sln_work, a JWT secret $sln_secret
#   sln_ns_up              only the namespace (tests with a fake server): $sln_ns
#   sln_up [CP_ENV...]     namespace + data plane + control plane (extra env
#                          for the control plane as VAR=value; extra data-plane
#                          options in $SLN_DP_ARGS, split on spaces), waits for
#                          /healthz; exits 1 with a message on failure.
#                          Sets sln_ns, sln_tap, sln_dp_pid, sln_cp_pid
#   sln_in CMD...          runs CMD in the namespace
#   sln_stop PID           SIGTERM, bounded wait, SIGKILL; returns the status
#   sln_check_exit         both planes still alive and exit 0 on SIGTERM
#                          (a sanitizer report aborts them); returns 1 if not
#   sln_cleanup            the caller's EXIT trap: stops what runs, removes the
#                          namespace, shm, EAL files (netns.sh's slns_down);
#                          prints the logs when $sln_rc != 0
# Needs DP_BIN and CP_BIN. Port: $sln_port (8080), URL: $sln_url.
sln__here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../pktgen-scripts/netns.sh
. "$sln__here/../../pktgen-scripts/netns.sh"

sln_init() {
	SLNS_TAG=$1$$
	SLNS_KEEP_TRAP=1
	sln_port=8080
	sln_url=http://127.0.0.1:$sln_port
	sln_work=$(mktemp -d "/tmp/sl-$1-XXXXXX")
	sln_secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	sln_ns=""
	sln_tap=""
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

sln_cleanup() {
	sln_stop "$sln_cp_pid"
	if [ "$sln_rc" != 0 ]; then
		for f in "$sln_work"/*.log ${SLNS_DP_LOG:+"$SLNS_DP_LOG"}; do
			[ -f "$f" ] || continue
			echo "===== $f (last 60 lines)"
			tail -n 60 "$f"
		done
	fi
	slns_down 0 # the data plane, whatever else runs in the namespace, the rest
	rm -rf "$sln_work"
}

sln_fail() { echo "FAIL: $*"; exit 1; }

sln_ns_up() {
	: "${DP_BIN:?}"
	slns_up || sln_fail "cannot create the test's namespace"
	sln_ns=$SLNS_NS
}

sln_up() {
	: "${DP_BIN:?}" "${CP_BIN:?}"
	sln_ns_up
	# shellcheck disable=SC2086 # SLN_DP_ARGS: extra data-plane options, split on spaces
	slns_dp_start tap -- --idle-sleep-us 100 ${SLN_DP_ARGS:-} >/dev/null || sln_fail "the data plane failed to start"
	sln_tap=$SLNS_IF_CL
	sln_dp_pid=$SLNS_DP_PID
	ip netns exec "$sln_ns" env SLUICE_SHM="$SLNS_SHM" SLUICE_HTTP_LISTEN=127.0.0.1 \
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
	local alive st bad=0
	alive=0
	kill -0 "$sln_cp_pid" 2>/dev/null && alive=1
	sln_stop "$sln_cp_pid"
	st=$?
	sln_cp_pid=""
	[ $alive = 1 ] || { echo "cp died during the test (status $st)"; bad=1; }
	[ $alive = 1 ] && [ "$st" != 0 ] && { echo "cp exited with status $st on SIGTERM"; bad=1; }
	alive=0
	kill -0 "$SLNS_DP_PID" 2>/dev/null && alive=1
	slns_dp_stop
	st=$?
	[ $alive = 1 ] || { echo "dp died during the test (status $st)"; bad=1; }
	[ $alive = 1 ] && [ "$st" != 0 ] && { echo "dp exited with status $st on SIGTERM"; bad=1; }
	return $bad
}
