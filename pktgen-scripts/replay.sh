#!/bin/bash
# SPDX-License-Identifier: MIT
#
# replay.sh - replays sluice-pcapgen's pcaps onto a network interface with
# tcpreplay (Debian package tcpreplay), at a given rate.
#
#   replay.sh [--pps N | --mbps M | --multiplier X | --topspeed] [--loop N]
#             [--quiet] IFACE PCAP...
#
#   --pps N         N packets/s in all (tcpreplay --pps)
#   --mbps M        M Mbit/s
#   --multiplier X  X times the pcap's own pace (its timestamps follow
#                   sluice-pcapgen's --pps); the default is that pace (X = 1)
#   --topspeed      as fast as the interface takes them
#   --loop N        play the files N times (0: until interrupted); loops after
#                   the first are preloaded into memory
#   --quiet         only tcpreplay's final statistics
#
# Looping valid media replays the same SRTP indexes: the server counts the
# second round as srtp_replay. For a long run make one long pcap
# (sluice-pcapgen --seconds) instead of looping a short one.
#
# Exit status: 0 when every packet was sent, 1 when tcpreplay failed or
# reported failed packets, 2 bad usage. Needs root (or CAP_NET_RAW).
set -u
usage() {
	sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
rate=()
loop=1
quiet=
while [ $# -gt 0 ]; do
	case $1 in
	--pps) [ $# -ge 2 ] || usage; rate=(--pps="$2"); shift 2 ;;
	--mbps) [ $# -ge 2 ] || usage; rate=(--mbps="$2"); shift 2 ;;
	--multiplier) [ $# -ge 2 ] || usage; rate=(--multiplier="$2"); shift 2 ;;
	--topspeed) rate=(--topspeed); shift ;;
	--loop) [ $# -ge 2 ] || usage; loop=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "replay.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || usage
iface=$1
shift
case $loop in '' | *[!0-9]*) echo "replay.sh: --loop wants a number" >&2; exit 2 ;; esac
command -v tcpreplay >/dev/null || {
	echo "replay.sh: tcpreplay is not installed (apt-get install tcpreplay)" >&2
	exit 1
}
[ -e "/sys/class/net/$iface" ] || { echo "replay.sh: no interface $iface" >&2; exit 1; }
for f in "$@"; do
	[ -r "$f" ] || { echo "replay.sh: cannot read $f" >&2; exit 1; }
done
args=(--intf1="$iface" "${rate[@]}" --loop="$loop")
[ "$loop" != 1 ] && args+=(--preload-pcap)
[ -n "$quiet" ] && args+=(--quiet)
out=$(mktemp /tmp/sluice-replay.XXXXXX)
trap 'rm -f "$out"' EXIT
tcpreplay "${args[@]}" "$@" >"$out" 2>&1
rc=$?
cat "$out"
if [ $rc -ne 0 ]; then
	echo "replay.sh: tcpreplay exited with status $rc" >&2
	exit 1
fi
failed=$(sed -n 's/^[[:space:]]*Failed packets:[[:space:]]*\([0-9]*\).*/\1/p' "$out" | tail -1)
if [ -n "$failed" ] && [ "$failed" -ne 0 ]; then
	echo "replay.sh: $failed packets failed" >&2
	exit 1
fi
exit 0
