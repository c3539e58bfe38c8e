#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The abuse suite (issue 12): a whole Sluice (data plane on net_tap + control
# plane) in a network namespace of its own (tests/lib/sluice_ns.sh), with the
# default limits, and the Node files given (default: every *.test.mjs here)
# run inside that namespace, one after another (they read shared counters):
# real socket.io-client / ws sockets from several 127.0.0.x source addresses
# of the namespace's loopback. Both planes must still run at the end and
# exit 0 on SIGTERM (under ASan: no leak of the thousands of sockets).
#
#   DP_BIN=... CP_BIN=... run_abuse.sh [FILE.test.mjs...]
# Needs root (exit 77 = skipped otherwise).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespace, tap device)"
	exit 77
fi
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init abu
trap sln_cleanup EXIT

# the defaults of every limit (auth_timeout_ms 10 s, 256 per address, 4 kB
# before auth, 10,000 connections); a larger file limit for the thousands of sockets
ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true
# (under ASan a tiny quarantine, so that freed memory is reused and the
# memory bound of unauth.test.mjs means the same in both builds; leak
# checking at exit stays on)
sln_up ASAN_OPTIONS="quarantine_size_mb=1:${ASAN_OPTIONS:-}"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/*.test.mjs)
sln_in env SIG_URL="$sln_url" SIG_URL_NODP="$sln_url" SIG_SECRET="$sln_secret" \
	AB_CP_PID="$sln_cp_pid" \
	timeout --kill-after=10 900 node --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
rc=$?
sln_check_exit || rc=1
[ "$rc" = 0 ] && sln_rc=0
exit $rc
