# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# netns.sh - a private network namespace with sluice-dataplane on a fast
# virtual path, for load tools and tests. Source it (bash), then:
#
#   slns_up                     namespace sl-ns-<tag> with a veth pair in it:
#                                 $SLNS_IF_DP  data-plane side (no address; DPDK owns it)
#                                 $SLNS_IF_CL  client side, $SLNS_CL_IP/24 (198.18.0.2)
#                               tx checksum offload off on both (DPDK AF_XDP docs: the
#                               kernel would otherwise send partial checksums). Also
#                               installs the EXIT trap (see below). Returns non-zero on
#                               failure (message on stderr).
#   slns_dp_start [MODE] [-- DATAPLANE OPTIONS...]
#                               starts sluice-dataplane in the namespace on $SLNS_DP_IP
#                               (198.18.0.1) and waits until it is ready and answers ARP.
#                               MODE: auto (default: af_xdp, then af_packet if that
#                               fails), af_xdp, af_packet, or tap (net_tap: the client
#                               side becomes the tap, the veth pair is left down
#                               until slns_down: start tap last, or slns_down/slns_up).
#                               Prints which device it runs on. Sets SLNS_DP_PID,
#                               SLNS_DP_MODE (af_xdp|af_packet|tap), SLNS_IF_CL.
#   slns_exec CMD...            runs CMD in the namespace (a real program: for a
#                               background job use `ip netns exec "$SLNS_NS" CMD &`,
#                               so that $! is the program itself)
#   slns_dp_stop                SIGTERM, bounded wait, SIGKILL; returns the data
#                               plane's exit status (0 = clean stop)
#   slns_dp_echoed              after slns_dp_stop: datagrams the --echo-port
#                               reflector reported (empty if none)
#   slns_dp_log                 prints the data plane's log
#   slns_down [STATUS]          removes everything: data plane, whatever else runs in
#                               the namespace, the namespace (and the veth pair with
#                               it), /dev/shm$SLNS_SHM, /var/run/dpdk/$SLNS_PREFIX, the
#                               work directory. Idempotent. With a non-zero STATUS it
#                               first prints the tail of the data plane's log.
#
# Trap: slns_up sets `trap 'slns_down $?' EXIT` and makes INT/TERM exit, so
# everything goes also on failure. A caller with an EXIT trap of its own sets
# SLNS_KEEP_TRAP=1 before slns_up and calls slns_down from its trap.
#
# Inputs (environment, all optional):
#   SLNS_DP_BIN  the data plane (default: $DP_BIN, else build/dataplane/sluice-dataplane
#                next to this file's repository)
#   SLNS_TAG     unique part of every name (default: the shell's PID)
#   SLNS_LCORES  EAL -l list (default 0,1: main lcore on CPU 0, one worker on CPU 1)
#   SLNS_EAL_LCORES  EAL --lcores map instead of -l, for more lcores than CPUs
#                (e.g. 0@0,1@0,2@1: main and worker 1 share CPU 0)
#   SLNS_QUEUES  queues of the veth pair and of the af_xdp/af_packet port
#                (default 1; one per data-plane worker)
#   SLNS_MEM     EAL -m in MB (default 512)
# Names (set by slns_up): SLNS_NS, SLNS_IF_DP, SLNS_IF_CL, SLNS_SHM, SLNS_PREFIX,
# SLNS_WORK (a temporary directory; SLNS_DP_LOG is in it), SLNS_DP_IP, SLNS_CL_IP.
# Needs root. Traffic stays inside the namespace. Works under `set -euo pipefail`.

SLNS_DP_IP=198.18.0.1
SLNS_CL_IP=198.18.0.2
SLNS_NS=""
SLNS_DP_PID=""
SLNS_DP_MODE=""
SLNS_WORK=""

slns__here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

slns__err() { echo "netns.sh: $*" >&2; }

slns_exec() { ip netns exec "$SLNS_NS" "$@"; }

slns_up() {
	[ -z "$SLNS_NS" ] || { slns__err "slns_up: already up ($SLNS_NS)"; return 1; }
	local tag=${SLNS_TAG:-$$}
	SLNS_DP_BIN=${SLNS_DP_BIN:-${DP_BIN:-$slns__here/../build/dataplane/sluice-dataplane}}
	[ -x "$SLNS_DP_BIN" ] || { slns__err "no data plane at $SLNS_DP_BIN (set SLNS_DP_BIN)"; return 1; }
	[ "$(id -u)" = 0 ] || { slns__err "needs root (network namespaces, DPDK vdevs)"; return 1; }
	SLNS_NS=sl-ns-$tag
	SLNS_IF_DP=slnA$tag
	SLNS_IF_CL=slnB$tag
	SLNS_SHM=/sluice-ns-$tag
	SLNS_PREFIX=sl-ns-$tag
	if [ "${SLNS_KEEP_TRAP:-0}" != 1 ]; then
		trap 'slns_down $?' EXIT
		trap 'exit 130' INT TERM
	fi
	SLNS_WORK=$(mktemp -d /tmp/sl-ns-XXXXXX) || return 1
	SLNS_DP_LOG=$SLNS_WORK/dp.log
	ip netns add "$SLNS_NS" || { SLNS_NS=""; slns__err "cannot create the namespace"; return 1; }
	slns_exec ip link set lo up &&
		slns_exec ip link add "$SLNS_IF_DP" numrxqueues "${SLNS_QUEUES:-1}" numtxqueues "${SLNS_QUEUES:-1}" \
			type veth peer name "$SLNS_IF_CL" numrxqueues "${SLNS_QUEUES:-1}" numtxqueues "${SLNS_QUEUES:-1}" &&
		slns_exec ip link set "$SLNS_IF_DP" up &&
		slns_exec ip addr add "$SLNS_CL_IP/24" dev "$SLNS_IF_CL" &&
		slns_exec ip link set "$SLNS_IF_CL" up || { slns__err "cannot set up the veth pair"; return 1; }
	local i
	for i in "$SLNS_IF_DP" "$SLNS_IF_CL"; do
		slns_exec ethtool -K "$i" tx off >/dev/null 2>&1 ||
			{ slns__err "ethtool -K $i tx off failed"; return 1; }
	done
}

slns__ready() { grep -q "sluice-dataplane: ready" "$SLNS_DP_LOG"; }

# slns__launch VDEV [dp options...]: starts the data plane, waits (bounded)
# for "ready"; returns 1 if it exited or never became ready.
slns__launch() {
	local vdev=$1; shift
	local lc=(-l "${SLNS_LCORES:-0,1}")
	[ -n "${SLNS_EAL_LCORES:-}" ] && lc=(--lcores "$SLNS_EAL_LCORES")
	: >"$SLNS_DP_LOG"
	ip netns exec "$SLNS_NS" "$SLNS_DP_BIN" --no-huge -m "${SLNS_MEM:-512}" --no-pci --no-shconf \
		--file-prefix "$SLNS_PREFIX" "${lc[@]}" --vdev="$vdev" \
		-- --ip "$SLNS_DP_IP" --shm "$SLNS_SHM" "$@" >>"$SLNS_DP_LOG" 2>&1 &
	SLNS_DP_PID=$!
	local _
	for _ in $(seq 1 300); do
		slns__ready && return 0
		kill -0 "$SLNS_DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	slns_dp_stop >/dev/null 2>&1 || true
	rm -f "/dev/shm$SLNS_SHM"
	rm -rf "/var/run/dpdk/$SLNS_PREFIX"
	return 1
}

# The client side answers: ARP for the data plane resolves (bounded).
slns__arp_ok() {
	local _
	for _ in $(seq 1 50); do
		slns_exec ping -c 1 -W 1 -I "$SLNS_IF_CL" "$SLNS_DP_IP" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

slns__start_tap() {
	local tap=slnT${SLNS_TAG:-$$}
	slns_exec ip addr flush dev "$SLNS_IF_CL" || return 1
	slns_exec ip link set "$SLNS_IF_CL" down || return 1
	slns__launch "net_tap0,iface=$tap" "$@" || return 1
	slns_exec ip addr add "$SLNS_CL_IP/24" dev "$tap" && slns_exec ip link set "$tap" up || return 1
	SLNS_IF_CL=$tap
}

slns_dp_start() {
	local mode=auto
	if [ $# -gt 0 ] && [ "$1" != -- ]; then mode=$1; shift; fi
	if [ "${1:-}" = -- ]; then shift; fi
	[ -n "$SLNS_NS" ] || { slns__err "slns_dp_start: call slns_up first"; return 1; }
	[ -z "$SLNS_DP_PID" ] || { slns__err "slns_dp_start: a data plane already runs"; return 1; }
	case $mode in
	auto | af_xdp)
		if slns__launch "net_af_xdp0,iface=$SLNS_IF_DP,queue_count=${SLNS_QUEUES:-1}" "$@"; then
			SLNS_DP_MODE=af_xdp
		elif [ "$mode" = auto ]; then
			echo "netns.sh: net_af_xdp failed to start (last lines of its log):" >&2
			tail -n 5 "$SLNS_DP_LOG" >&2
			echo "netns.sh: falling back to net_af_packet" >&2
			slns__launch "net_af_packet0,iface=$SLNS_IF_DP,qpairs=${SLNS_QUEUES:-1}" "$@" || { slns__err "net_af_packet failed too"; return 1; }
			SLNS_DP_MODE=af_packet
		else
			slns__err "net_af_xdp failed to start"; return 1
		fi ;;
	af_packet)
		slns__launch "net_af_packet0,iface=$SLNS_IF_DP,qpairs=${SLNS_QUEUES:-1}" "$@" || { slns__err "net_af_packet failed to start"; return 1; }
		SLNS_DP_MODE=af_packet ;;
	tap)
		slns__start_tap "$@" || { slns__err "net_tap failed to start"; return 1; }
		SLNS_DP_MODE=tap ;;
	*) slns__err "slns_dp_start: unknown mode '$mode' (auto, af_xdp, af_packet, tap)"; return 1 ;;
	esac
	slns__arp_ok || { slns__err "the data plane does not answer ping on $SLNS_IF_CL"; return 1; }
	echo "netns.sh: sluice-dataplane pid $SLNS_DP_PID on net_$SLNS_DP_MODE" \
		"($([ "$SLNS_DP_MODE" = tap ] && echo "tap $SLNS_IF_CL" || echo "veth $SLNS_IF_DP"))," \
		"$SLNS_DP_IP <- client $SLNS_CL_IP on $SLNS_IF_CL in namespace $SLNS_NS"
}

slns_dp_stop() {
	local pid=$SLNS_DP_PID st _
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	st=0
	wait "$pid" 2>/dev/null || st=$?
	SLNS_DP_PID=""
	return $st
}

slns_dp_echoed() {
	sed -n 's/.*echo port [0-9]*: \([0-9]*\) datagrams reflected.*/\1/p' "$SLNS_DP_LOG" | tail -n 1
}

slns_dp_log() { cat "$SLNS_DP_LOG"; }

slns_down() {
	local status=${1:-0} p left _
	if [ "$status" != 0 ] && [ -n "$SLNS_WORK" ] && [ -s "${SLNS_DP_LOG:-}" ]; then
		echo "netns.sh: ===== data plane log (last 30 lines)" >&2
		tail -n 30 "$SLNS_DP_LOG" >&2
	fi
	slns_dp_stop || true
	if [ -n "$SLNS_NS" ]; then
		# anything still running in our namespace was started by our caller
		for p in $(ip netns pids "$SLNS_NS" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
		for _ in $(seq 1 50); do
			left=$(ip netns pids "$SLNS_NS" 2>/dev/null)
			[ -z "$left" ] && break
			sleep 0.1
		done
		for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
		ip netns del "$SLNS_NS" 2>/dev/null || true
		rm -f "/dev/shm$SLNS_SHM"
		rm -rf "/var/run/dpdk/$SLNS_PREFIX"
		SLNS_NS=""
	fi
	[ -z "$SLNS_WORK" ] || rm -rf "$SLNS_WORK"
	SLNS_WORK=""
	return "$status"
}
