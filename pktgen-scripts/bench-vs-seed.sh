#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench-vs-seed.sh - the same load scenarios against Sluice and against the
# seed's mediasoup server (../shared/seed-server), one after another on this
# machine, each server in a network namespace of its own, and one table.
# A benchmark, not a test: its figures depend on the machine.
#
#   pktgen-scripts/bench-vs-seed.sh [options]
#     --seconds T        media seconds per run (default 15)
#     --findmax-seconds T  seconds per --find-max window (default 6)
#     --scenarios LIST   comma list of: room50, rooms10x10, fanout, audio200,
#                        findmax (default: all)
#     --servers LIST     comma list of: sluice1, sluice2, seed1, seed2 (default: all)
#     --seed-dir DIR     a set-up copy of the seed server (default: a copy of
#                        ../shared/seed-server in /var/tmp/sluice-seed, set up
#                        with its setup.sh on first use: about 5 minutes)
#     --out FILE         also write the table (markdown) and the raw JSON lines
#                        to FILE and FILE.jsonl
#
# Sluice runs on a veth pair with the data plane on net_af_xdp (netns.sh;
# net_af_packet if AF_XDP is not available) and the control plane on
# 127.0.0.1 in the namespace; "sluice2" gives the data plane two worker
# lcores (two queues on the veth). The seed runs its node process and
# mediasoup workers on 127.0.0.1 in its namespace (MEDIASOUP_NUM_WORKERS 1
# or 2). The load generator (build/pktgen-scripts/loadgen/sluice-loadgen)
# runs in the same namespace and samples the server processes' CPU and RSS.
# Needs root; removes what it creates, also on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${BUILD:-$repo/build}
LG_BIN=${LG_BIN:-$build/pktgen-scripts/loadgen/sluice-loadgen}
CP_BIN=${CP_BIN:-$build/controlplane/sluice-controlplane}
export DP_BIN=${DP_BIN:-$build/dataplane/sluice-dataplane}
seconds=15
fm_seconds=6 # --find-max: seconds per window
scenarios=room50,rooms10x10,fanout,audio200,findmax
servers=sluice1,sluice2,seed1,seed2
seed_dir=""
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--findmax-seconds) fm_seconds=$2; shift 2 ;;
	--scenarios) scenarios=$2; shift 2 ;;
	--servers) servers=$2; shift 2 ;;
	--seed-dir) seed_dir=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h | --help) sed -n '3,30p' "$0"; exit 0 ;;
	*) echo "bench-vs-seed: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
done
for b in "$LG_BIN" "$CP_BIN" "$DP_BIN"; do
	[ -x "$b" ] || { echo "bench-vs-seed: $b missing: build first (deploy/build.sh build)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench-vs-seed: needs root (namespaces, DPDK)" >&2; exit 2; }

secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
results=$(mktemp /tmp/sl-bench-XXXXXX.jsonl)
seed_ns=""
seed_pid=""

# shellcheck source=netns.sh
SLNS_KEEP_TRAP=1
. "$here/netns.sh"
cleanup() {
	[ -n "$seed_pid" ] && { kill -TERM "$seed_pid" 2>/dev/null; wait "$seed_pid" 2>/dev/null; }
	if [ -n "$seed_ns" ]; then
		for p in $(ip netns pids "$seed_ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$seed_ns" 2>/dev/null
	fi
	slns_down 0 >/dev/null 2>&1
	rm -f "$results"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# loadgen arguments of a scenario
scenario_args() {
	case $1 in
	room50) echo "--rooms 1 --peers 50 --video-kbps 500" ;;
	rooms10x10) echo "--rooms 10 --peers 10 --video-kbps 500" ;;
	fanout) echo "--rooms 1 --peers 201 --publishers 1 --video-kbps 500" ;;
	audio200) echo "--rooms 4 --peers 50 --audio-only" ;;
	findmax) echo "--rooms 1 --peers 10 --step 10 --find-max --max-peers 120 --video-kbps 500 --seconds $fm_seconds" ;;
	*) echo "bench-vs-seed: unknown scenario $1" >&2; return 1 ;;
	esac
}

# run_lg NS URL LOCAL_IP SERVER SCENARIO PIDS...: one loadgen run, one JSON line
run_lg() {
	local ns=$1 url=$2 lip=$3 server=$4 scen=$5; shift 5
	local args pidargs=() p js
	args=$(scenario_args "$scen") || return 1
	for p in "$@"; do pidargs+=(--server-pid "$p"); done
	js=$(mktemp /tmp/sl-bench-lg-XXXXXX.json)
	echo "== $server / $scen: sluice-loadgen $args --seconds $seconds"
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$LG_BIN" --url "$url" --secret "$secret" --local-ip "$lip" \
		--join-rate 20 --timeout-ms 20000 --seconds "$seconds" --quiet --max-loss 1 $args "${pidargs[@]}" \
		--json-out "$js" 2>&1 | grep -E '^  (peers|consumers|packets|loss|latency|join|server|loadgen|find-max|NOTE|peer )|^find-max' | head -24
	if [ -s "$js" ]; then
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["server"]=sys.argv[2]; d["scenario"]=sys.argv[3]; print(json.dumps(d))' \
			"$js" "$server" "$scen" >>"$results"
	else
		echo "   (no result: the loadgen wrote no JSON)"
	fi
	rm -f "$js"
}

sluice_run() { # WORKERS SCENARIO
	local workers=$1 scen=$2 cp_pid
	# two workers on this 2-core box: the main lcore shares CPU 0 with worker 1
	SLNS_EAL_LCORES=""
	SLNS_QUEUES=$workers
	[ "$workers" = 2 ] && SLNS_EAL_LCORES=0@0,1@0,2@1
	export SLNS_EAL_LCORES SLNS_QUEUES
	SLNS_TAG=b$$ slns_up || return 1
	if ! slns_dp_start auto -- --idle-sleep-us 100 >/dev/null; then
		echo "   sluice: the data plane did not start"
		slns_down 1
		return 1
	fi
	ip netns exec "$SLNS_NS" env SLUICE_SHM="$SLNS_SHM" SLUICE_HTTP_LISTEN=127.0.0.1 \
		SLUICE_HTTP_PORT=8080 SLUICE_JWT_SECRET="$secret" SLUICE_LOG_LEVEL=warn \
		"$CP_BIN" >"$SLNS_WORK/cp.log" 2>&1 &
	cp_pid=$!
	for _ in $(seq 1 100); do
		[ "$(slns_exec curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz)" = 200 ] && break
		sleep 0.1
	done
	run_lg "$SLNS_NS" http://127.0.0.1:8080 "$SLNS_CL_IP" "sluice-${workers}lc-$SLNS_DP_MODE" "$scen" "$SLNS_DP_PID" "$cp_pid"
	# where Sluice dropped packets, by reason (nothing listed: no drops)
	slns_exec curl -s http://127.0.0.1:8080/metrics |
		awk '/^sluice_drops_total/ && $2 > 0 { print "   server drop " $1 " " $2 }' | head -20
	kill -TERM "$cp_pid" 2>/dev/null
	wait "$cp_pid" 2>/dev/null
	slns_down 0
	SLNS_NS=""
}

seed_setup() {
	if [ -z "$seed_dir" ]; then
		seed_dir=/var/tmp/sluice-seed/seed-server
		if [ ! -d "$seed_dir" ]; then
			mkdir -p /var/tmp/sluice-seed && cp -r "$repo/../shared/seed-server" /var/tmp/sluice-seed/ ||
				{ echo "bench-vs-seed: cannot copy ../shared/seed-server" >&2; return 1; }
		fi
	fi
	if [ ! -x "$seed_dir/node_modules/mediasoup/worker/out/Release/mediasoup-worker" ]; then
		echo "== setting up the seed server in $seed_dir (setup.sh, once)"
		(cd "$seed_dir" && ./setup.sh) || return 1
	fi
}

seed_run() { # WORKERS SCENARIO
	local workers=$1 scen=$2 pids
	seed_ns=sl-seed-$$
	ip netns add "$seed_ns" && ip netns exec "$seed_ns" ip link set lo up || return 1
	(cd "$seed_dir" && exec ip netns exec "$seed_ns" env PORT=3000 HOST=127.0.0.1 \
		JWT_SECRET="$secret" MEDIASOUP_NUM_WORKERS="$workers" MEDIASOUP_LISTEN_IP=127.0.0.1 \
		MEDIASOUP_ANNOUNCED_IP=127.0.0.1 MEDIASOUP_MIN_PORT=40000 MEDIASOUP_MAX_PORT=49999 \
		MEDIASOUP_ENABLE_TCP=0 ./run.sh) >"/tmp/sl-seed-$$.log" 2>&1 &
	seed_pid=$!
	pids=""
	for _ in $(seq 1 300); do
		pids=$(ip netns exec "$seed_ns" curl -s http://127.0.0.1:3000/stats 2>/dev/null |
			python3 -c 'import json,sys
d=json.load(sys.stdin)
w=d["workers"]["workers"]
print(" ".join(str(x["pid"]) for x in w))' 2>/dev/null) && [ -n "$pids" ] && break
		sleep 0.2
	done
	[ -n "$pids" ] || { echo "   seed: no worker PIDs from /stats"; tail -5 "/tmp/sl-seed-$$.log"; }
	# the node process (run.sh execs node) and its workers
	# shellcheck disable=SC2086
	run_lg "$seed_ns" http://127.0.0.1:3000 127.0.0.1 "mediasoup-${workers}w" "$scen" "$seed_pid" $pids
	kill -TERM "$seed_pid" 2>/dev/null
	wait "$seed_pid" 2>/dev/null
	seed_pid=""
	for p in $(ip netns pids "$seed_ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$seed_ns"
	seed_ns=""
	rm -f "/tmp/sl-seed-$$.log"
}

IFS=, read -r -a scen_list <<<"$scenarios"
IFS=, read -r -a server_list <<<"$servers"
case ",$servers," in *,seed*) seed_setup || { echo "bench-vs-seed: no seed server"; exit 1; } ;; esac
for s in "${server_list[@]}"; do
	for sc in "${scen_list[@]}"; do
		case $s in
		sluice1) sluice_run 1 "$sc" ;;
		sluice2) sluice_run 2 "$sc" ;;
		seed1) seed_run 1 "$sc" ;;
		seed2) seed_run 2 "$sc" ;;
		*) echo "bench-vs-seed: unknown server $s" >&2; exit 2 ;;
		esac
	done
done

table=$(python3 "$here/bench_table.py" "$results" "$(date -u +%Y-%m-%d) on $(nproc) cores, $seconds s per run")
echo
echo "$table"
if [ -n "$out" ]; then
	echo "$table" >"$out"
	cp "$results" "$out.jsonl"
fi
