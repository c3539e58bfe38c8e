#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The plain-UDP echo path: sluice-dataplane --echo-port on net_af_xdp (or
# net_af_packet when AF_XDP is not available) on a veth pair in a namespace
# of its own (netns.sh), sluice-udpblast sends 20000 datagrams at a modest
# rate from the client side and takes the echoes back. Passes when >= 95%
# come back with valid checksums (the kernel's UDP socket drops bad ones),
# none is duplicated, and the data plane's echo counter agrees (at least
# what came back, at most what was sent). No timing assertions: the rate is
# only a pace. Env (ctest sets them): DP_BIN, BLAST_BIN; PKTGEN_ECHO_MODE
# (auto, af_xdp, af_packet, tap: see netns.sh) picks the path. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DP_BIN:?}" "${BLAST_BIN:?}"
# shellcheck source=netns.sh
. "$here/netns.sh"

fails=0
ok()   { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
# json FILE KEY: a number from udpblast's one-line JSON
json() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$1"; }

slns_up || exit 1
slns_dp_start "${PKTGEN_ECHO_MODE:-auto}" -- --echo-port 9 --idle-sleep-us 100 || exit 1
ok "data plane up on net_$SLNS_DP_MODE"

count=20000
for size in 1200 200; do
	out=$SLNS_WORK/blast-$size.json
	if ! slns_exec "$BLAST_BIN" --dst "$SLNS_DP_IP" --port 9 --src "$SLNS_CL_IP" --size $size \
		--count $count --rate 5000 --sports 4 --drain-ms 2000 --json-out "$out"; then
		fail "udpblast ($size B) ran"
		continue
	fi
	sent=$(json "$out" sent)
	recv=$(json "$out" received)
	dups=$(json "$out" duplicates)
	[ "$sent" = $count ] && ok "$size B: sent $sent" || fail "$size B: sent $sent of $count"
	[ "$recv" -ge $((count * 95 / 100)) ] && ok "$size B: $recv echoes back (>= 95%)" ||
		fail "$size B: only $recv of $sent echoes back"
	[ "$dups" = 0 ] && ok "$size B: no duplicates" || fail "$size B: $dups duplicates"
	total_sent=$(( ${total_sent:-0} + sent ))
	total_recv=$(( ${total_recv:-0} + recv ))
done

# another non-media port is not echoed (dropped as udp_port, as without --echo-port)
out=$SLNS_WORK/other.json
slns_exec "$BLAST_BIN" --dst "$SLNS_DP_IP" --port 10 --size 200 --count 100 --rate 1000 \
	--drain-ms 300 --json-out "$out" >/dev/null || fail "udpblast to port 10 ran"
[ "$(json "$out" sent)" = 100 ] && [ "$(json "$out" received)" = 0 ] &&
	ok "port 10: 100 sent, none echoed" || fail "port 10: $(cat "$out")"
total_sent=$(( ${total_sent:-0} + $(json "$out" sent) ))
slns_dp_stop && ok "data plane stops cleanly" || fail "data plane exit status $? on SIGTERM"
echoed=$(slns_dp_echoed)
if [ -n "$echoed" ] && [ "$echoed" -ge "${total_recv:-0}" ] && [ "$echoed" -le "${total_sent:-0}" ]; then
	ok "echo counter $echoed between received ${total_recv:-0} and sent ${total_sent:-0}"
else
	fail "echo counter '${echoed}' vs received ${total_recv:-0}, sent ${total_sent:-0}"
fi
echo "$fails failed"
[ $fails = 0 ]
