# Shared helpers of the integration tests (sourced). Every test gets unique
# names from its PID, registers what it creates, and removes it on exit,
# also on failure. Traffic stays on loopback or inside namespaces made here.
set -uo pipefail

SL_PIDS=()
SL_NETNS=()
SL_SHMS=()
SL_PREFIXES=() # EAL --file-prefix values: /var/run/dpdk/<prefix> (made even with --no-shconf)
SL_FAILS=0
SL_PASSES=0

sl_cleanup() {
	local p
	for p in "${SL_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${SL_PIDS[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in "${SL_NETNS[@]}"; do ip netns del "$p" 2>/dev/null; done
	for p in "${SL_SHMS[@]}"; do rm -f "/dev/shm$p"; done
	for p in "${SL_PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
}
trap sl_cleanup EXIT
trap 'exit 130' INT TERM

ok()   { SL_PASSES=$((SL_PASSES + 1)); echo "ok - $*"; }
fail() { SL_FAILS=$((SL_FAILS + 1)); echo "FAIL - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
finish() {
	echo "$SL_PASSES passed, $SL_FAILS failed"
	[ "$SL_FAILS" = 0 ]
	exit $?
}

# wait_until MAX_TENTHS COMMAND...: polls every 0.1 s; returns 1 if never true
wait_until() {
	local n=$1; shift
	for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}

sl_netns_new() { # NAME
	ip netns add "$1" && SL_NETNS+=("$1") && ip netns exec "$1" ip link set lo up
}

# A free TCP port on 127.0.0.1
sl_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sl_start_dp NETNS SHM TAP LCORES [extra dp options...]: starts the data
# plane in NETNS on a net_tap; sets DP_PID; logs to $WORK/dp.log
sl_start_dp() {
	local ns=$1 shm=$2 tap=$3 lcores=$4; shift 4
	SL_PREFIXES+=("sl-${shm#/}")
	ip netns exec "$ns" "$DP_BIN" --no-huge -m 256 --no-pci --no-shconf \
		--file-prefix "sl-${shm#/}" --lcores "$lcores" --vdev="net_tap0,iface=$tap" \
		-- --ip 198.18.0.1 --shm "$shm" --idle-sleep-us 100 "$@" >>"$WORK/dp.log" 2>&1 &
	DP_PID=$!
	SL_PIDS+=("$DP_PID")
	SL_SHMS+=("$shm")
}

sl_dp_ready() { grep -q "sluice-dataplane: ready" "$WORK/dp.log"; }

sl_up_tap() { # NETNS TAP
	ip netns exec "$1" ip link show "$2" >/dev/null 2>&1 || return 1
	ip netns exec "$1" ip addr replace 198.18.0.2/24 dev "$2" &&
		ip netns exec "$1" ip link set "$2" up
}

# metric NAME_WITH_LABELS: value from the control plane's /metrics
metric() {
	curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v k="$1" '$1 == k {print $2}'
}
health_code() {
	curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/healthz"
}
