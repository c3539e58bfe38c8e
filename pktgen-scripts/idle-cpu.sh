#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# idle-cpu.sh - what an idle Sluice box costs: the data plane's CPU % (per
# process and per worker lcore thread) over SECONDS (default 10) with the
# control plane attached and no media, and how fast an idle lcore wakes for
# a packet: ping RTTs to the data plane (it answers ICMP echo itself) spaced
# 0.5 s apart, so every echo request finds the lcore asleep.
#   pktgen-scripts/idle-cpu.sh [SECONDS] [MODE]   (MODE: auto|af_xdp|af_packet|tap)
# A benchmark, not a test. Needs root; removes what it creates.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../build}
export DP_BIN=${DP_BIN:-$build/dataplane/sluice-dataplane}
CP_BIN=${CP_BIN:-$build/controlplane/sluice-controlplane}
secs=${1:-10}
mode=${2:-auto}
# shellcheck source=netns.sh
. "$here/netns.sh"
slns_up || exit 1
slns_dp_start "$mode" -- ${SLUICE_DP_ARGS:-} >/dev/null || exit 1
ip netns exec "$SLNS_NS" env SLUICE_SHM="$SLNS_SHM" SLUICE_HTTP_LISTEN=127.0.0.1 SLUICE_HTTP_PORT=8080 \
	SLUICE_JWT_SECRET=idle-cpu-benchmark-secret-0123456789 SLUICE_LOG_LEVEL=warn "$CP_BIN" \
	>"$SLNS_WORK/cp.log" 2>&1 &
cp_pid=$!
sleep 2
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "$1"; }
declare -A t0
for t in /proc/"$SLNS_DP_PID"/task/*; do t0[$t]=$(ticks "$t/stat"); done
p0=$(ticks /proc/"$SLNS_DP_PID"/stat)
c0=$(ticks /proc/"$cp_pid"/stat)
sleep "$secs"
p1=$(ticks /proc/"$SLNS_DP_PID"/stat)
c1=$(ticks /proc/"$cp_pid"/stat)
echo "idle for $secs s on net_$SLNS_DP_MODE (data plane options: ${SLUICE_DP_ARGS:-defaults}):"
awk -v a="$p0" -v b="$p1" -v hz="$hz" -v s="$secs" 'BEGIN { printf "  data plane  %.2f%% of a core\n", 100 * (b - a) / hz / s }'
for t in /proc/"$SLNS_DP_PID"/task/*; do
	n=$(cat "$t/comm")
	awk -v a="${t0[$t]:-0}" -v b="$(ticks "$t/stat")" -v hz="$hz" -v s="$secs" -v n="$n" \
		'BEGIN { if (b > a) printf "    %-16s %.2f%%\n", n, 100 * (b - a) / hz / s }'
done
awk -v a="$c0" -v b="$c1" -v hz="$hz" -v s="$secs" 'BEGIN { printf "  control plane %.2f%% of a core\n", 100 * (b - a) / hz / s }'
echo "  wake-up: ping to the data plane every 0.5 s (each finds the lcore idle):"
slns_exec ping -c 10 -i 0.5 -I "$SLNS_IF_CL" "$SLNS_DP_IP" | tail -1 | sed 's/^/    /'
kill -TERM "$cp_pid"
wait "$cp_pid" 2>/dev/null
