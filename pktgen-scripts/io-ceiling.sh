#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# io-ceiling.sh - the ceiling of the I/O path the load tools use: plain UDP
# (no SRTP, no ICE) from sluice-udpblast through sluice-dataplane's
# --echo-port reflector and back, inside a namespace of its own (netns.sh).
# For each path (default: the veth pair on net_af_xdp, falling back to
# net_af_packet, then net_tap for comparison) and each payload size it prints:
#   raw      what one blaster thread pushes at full speed, what comes back,
#            and the blaster's CPU (100% = the blaster is the limit)
#   ceiling  the highest echoed packets/s with < 0.1% loss, found by a
#            bisection over the target rate below the raw rate (a rate that
#            fails is tried twice)
# and, per path, the data plane's received packets per burst-loop iteration
# over all runs (far below the burst of 32: the worker had headroom).
# Media results read as a share of the ceiling of the same path.
#
#   sudo pktgen-scripts/io-ceiling.sh [--paths "auto tap"] [--sizes "1200 200"]
#        [--seconds 3] [--steps 6] [--sports 4] [--threads 1] [--json-out FILE]
#
# The data plane busy-polls (--idle-sleep-us 0) with its worker on CPU 1
# (SLNS_LCORES, default 0,1); the blaster is pinned to CPU 0 (BLAST_CPU).
# Env: DP_BIN / BLAST_BIN (default: the build/ next to this script). Root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BLAST_BIN=${BLAST_BIN:-$here/../build/pktgen-scripts/sluice-udpblast}
BLAST_CPU=${BLAST_CPU:-0}
paths="auto tap"
sizes="1200 200"
seconds=3
steps=6
sports=4
threads=1
json_out=""
max_loss=0.001
while [ $# -gt 0 ]; do
	case $1 in
	--paths) paths=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--steps) steps=$2; shift ;;
	--sports) sports=$2; shift ;;
	--threads) threads=$2; shift ;;
	--json-out) json_out=$2; shift ;;
	-h | --help) sed -n '3,25p' "$0"; exit 0 ;;
	*) echo "io-ceiling.sh: unknown option '$1' (see --help)" >&2; exit 1 ;;
	esac
	shift
done
[ -x "$BLAST_BIN" ] || { echo "io-ceiling.sh: no blaster at $BLAST_BIN (build first, or set BLAST_BIN)" >&2; exit 1; }
# shellcheck source=netns.sh
. "$here/netns.sh"

# json FILE KEY: a number from udpblast's one-line JSON
json() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }
# blast SIZE RATE OUT: one run; the JSON lands in OUT
blast() {
	slns_exec taskset -c "$BLAST_CPU" "$BLAST_BIN" --dst "$SLNS_DP_IP" --port 9 --src "$SLNS_CL_IP" \
		--size "$1" --rate "$2" --seconds "$seconds" --sports "$sports" --threads "$threads" --drain-ms 500 \
		--json-out "$3" >/dev/null
}
# passes OUT: loss below max_loss
passes() { awk -v l="$(json "$1" loss_ratio)" -v m=$max_loss 'BEGIN { exit !(l < m) }'; }

results=()
# measure PATH SIZE: prints one table row, appends a JSON object to results
measure() {
	local path=$1 size=$2 out=$SLNS_WORK/run.json
	blast "$size" 0 "$out" || { echo "io-ceiling.sh: udpblast failed" >&2; return 1; }
	local raw_sent raw_recv raw_loss raw_cpu best=0 best_loss=none lo=0 hi mid
	raw_sent=$(json "$out" sent_pps)
	raw_recv=$(json "$out" received_pps)
	raw_loss=$(json "$out" loss_ratio)
	raw_cpu=$(json "$out" cpu_pct)
	hi=${raw_sent%.*}
	if passes "$out"; then
		best=${raw_recv%.*}
		best_loss=$raw_loss
	else
		for _ in $(seq 1 "$steps"); do
			mid=$(( (lo + hi) / 2 ))
			blast "$size" "$mid" "$out" || return 1
			# a rate fails only when a second try fails too: a blip of the shared
			# machine should not end the search low
			passes "$out" || blast "$size" "$mid" "$out" || return 1
			if passes "$out"; then
				lo=$mid
				local r
				r=$(json "$out" received_pps)
				[ "${r%.*}" -gt "$best" ] && { best=${r%.*}; best_loss=$(json "$out" loss_ratio); }
			else
				hi=$mid
			fi
		done
	fi
	printf '%-10s %7s %12.0f %12.0f %9.4f%% %8.0f%% %16s %12s\n' "$SLNS_DP_MODE" "$size" "$raw_sent" \
		"$raw_recv" "$(awk -v l="$raw_loss" 'BEGIN { print l * 100 }')" "$raw_cpu" "$best" \
		"$([ "$best_loss" = none ] && echo - || awk -v l="$best_loss" 'BEGIN { printf "%.4f%%", l * 100 }')"
	results+=("{\"path\": \"$SLNS_DP_MODE\", \"payload_bytes\": $size, \"raw_sent_pps\": $raw_sent, \"raw_echoed_pps\": $raw_recv, \"raw_loss_ratio\": $raw_loss, \"raw_blaster_cpu_pct\": $raw_cpu, \"ceiling_echoed_pps\": $best}")
}

echo "io-ceiling: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r);" \
	"blaster on CPU $BLAST_CPU, data plane lcores ${SLNS_LCORES:-0,1} (busy poll);" \
	"$seconds s per run, $sports source ports, $threads blaster thread(s), ceiling = max echoed/s at < 0.1% loss;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) (others share these CPUs)"
header_done=0
for path in $paths; do
	slns_up || exit 1
	slns_dp_start "$path" -- --echo-port 9 --idle-sleep-us 0 || exit 1
	if [ $header_done = 0 ]; then
		printf '%-10s %7s %12s %12s %10s %9s %16s %12s\n' path payload "raw sent/s" "raw echo/s" \
			"raw loss" "blast CPU" "ceiling echo/s" "at loss"
		header_done=1
	fi
	for size in $sizes; do measure "$path" "$size" || exit 1; done
	slns_dp_stop || echo "io-ceiling.sh: the data plane exited with status $? on SIGTERM" >&2
	# how busy the worker was: received packets per burst-loop iteration (32 = full bursts)
	sed -n "s/.*reflected; workers: \(.*\)/  data plane on net_$SLNS_DP_MODE, all runs: \1/p" "$SLNS_DP_LOG"
	slns_down 0
done
echo "io-ceiling: done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$json_out" ]; then
	(IFS=,; echo "[${results[*]}]") >"$json_out"
fi
