#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# IPv6 end to end, in a namespace of its own (tests/lib/sluice_ns.sh): the
# data plane on a net_tap with --ip6 2001:db8::1, and the kernel side of the
# tap made IPv6-only (its IPv4 address removed, 2001:db8::2/64 added). Then:
#  - NDP: the kernel resolves 2001:db8::1 (ip -6 neigh shows the data
#    plane's MAC, not FAILED/INCOMPLETE) and the data plane counted
#    neighbour advertisements (sluice_nd_replies_total);
#  - ping -6 is answered (sluice_icmp_echo_replies_total grows);
#  - frames the data plane must refuse (a fragment, a routing header with
#    segments left, a too long extension-header chain, a UDP datagram with
#    a zero checksum), sent from a raw socket, are counted under their
#    reasons (ip_fragment, ip6_ext_hdr, udp_checksum), and the data plane
#    keeps answering;
#  - sluice-loadgen --family 6 (2 peers, audio + video, both publish and
#    consume each other) joins over the IPv6 candidate of the create-transport
#    answer: every peer connects, every consumer receives, packets flow
#    both ways, zero SRTP failures on either side.
# Env (ctest sets them): DP_BIN, CP_BIN, LG_BIN. Needs root. Everything is
# removed on exit, also on failure.
set -uo pipefail
: "${DP_BIN:?}" "${CP_BIN:?}" "${LG_BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init ip6
trap sln_cleanup EXIT
trap 'exit 130' INT TERM
fail() { sln_fail "$@"; }
DP6=2001:db8::1
CL6=2001:db8::2
work=$sln_work

SLN_DP_ARGS="--ip6 $DP6" sln_up
tap=$sln_tap
grep -q "ip6 $DP6" "$SLNS_DP_LOG" || fail "the data plane does not report --ip6 $DP6"
dp_mac=$(sed -n 's/.* mac \([0-9a-f:]*\) ip .*/\1/p' "$SLNS_DP_LOG" | head -n 1)
[ -n "$dp_mac" ] || fail "no MAC in the data plane's ready line"

# the kernel side becomes IPv6-only
sln_in sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=0" "net.ipv6.conf.$tap.accept_dad=0" ||
	fail "cannot enable IPv6 on $tap"
sln_in ip -4 addr flush dev "$tap" || fail "cannot remove the IPv4 address of $tap"
sln_in ip -6 addr add "$CL6/64" dev "$tap" nodad || fail "cannot add $CL6 to $tap"
[ -z "$(sln_in ip -4 -o addr show dev "$tap")" ] || fail "$tap still has an IPv4 address"

metric() { # metric NAME{LABELS}: its value in /metrics (0 when absent)
	sln_in curl -s "$sln_url/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}

# NDP and ping -6 (bounded retries: the first echo may wait for NDP)
ok=0
for _ in $(seq 1 20); do
	sln_in ping -6 -c 1 -W 1 -I "$tap" "$DP6" >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.2
done
[ $ok = 1 ] || fail "ping -6 $DP6 not answered"
sln_in ping -6 -c 3 -i 0.2 -W 2 -I "$tap" "$DP6" >"$work/ping.log" 2>&1 ||
	fail "ping -6: $(tail -n 2 "$work/ping.log")"
echo "ping -6: $(grep -E 'packets transmitted' "$work/ping.log")"
neigh=$(sln_in ip -6 neigh show "$DP6" dev "$tap")
echo "ip -6 neigh: $neigh"
[[ $neigh == *"lladdr $dp_mac"* ]] || fail "ip -6 neigh does not show the data plane's MAC $dp_mac"
[[ $neigh == *FAILED* || $neigh == *INCOMPLETE* ]] && fail "neighbour entry not resolved: $neigh"
nd=$(metric 'sluice_nd_replies_total{lcore="0"}')
echo_replies=$(metric 'sluice_icmp_echo_replies_total{lcore="0"}')
echo "data plane: $nd neighbour advertisements, $echo_replies echo replies"
[ "$nd" -ge 1 ] || fail "no neighbour advertisement counted"
[ "$echo_replies" -ge 4 ] || fail "only $echo_replies echo replies counted"

# frames to refuse, counted by reason (seeds of tests/fuzz/gen_corpus_net6.py
# with this tap's and this data plane's MACs)
drop() { metric "sluice_drops_total{lcore=\"0\",reason=\"$1\"}"; }
before=$(for r in ip_fragment ip6_ext_hdr udp_checksum; do drop $r; done | tr '\n' ' ')
tap_mac=$(sln_in cat "/sys/class/net/$tap/address")
sln_in python3 - "$here/../fuzz" "$tap" "$tap_mac" "$dp_mac" <<'PY' || fail "cannot send the refused frames"
import socket, sys
sys.path.insert(0, sys.argv[1])
import gen_corpus_net6 as g
g.PEER_MAC = bytes.fromhex(sys.argv[3].replace(":", ""))
g.OUR_MAC = bytes.fromhex(sys.argv[4].replace(":", ""))
seeds = g.seeds()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
for name in ("v6_fragment", "v6_ext_routing_segleft", "v6_ext_too_deep", "v6_udp_zero_csum"):
    s.send(seeds[name])
PY
ok=0
for _ in $(seq 1 50); do
	after=$(for r in ip_fragment ip6_ext_hdr udp_checksum; do drop $r; done | tr '\n' ' ')
	read -r f0 e0 u0 <<<"$before"
	read -r f1 e1 u1 <<<"$after"
	[ $((f1 - f0)) -ge 1 ] && [ $((e1 - e0)) -ge 2 ] && [ $((u1 - u0)) -ge 1 ] && { ok=1; break; }
	sleep 0.1
done
echo "drops ip_fragment ip6_ext_hdr udp_checksum: before $before, after $after"
[ $ok = 1 ] || fail "the refused frames were not counted under their reasons"
sln_in ping -6 -c 1 -W 2 -I "$tap" "$DP6" >/dev/null 2>&1 || fail "no answer after the refused frames"

# a client joins over IPv6 and exchanges media
json() { python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$work/lg.json" "$1"; }
sln_in timeout 120 "$LG_BIN" --url "$sln_url" --secret "$sln_secret" --family 6 --local-ip "$CL6" \
	--rooms 1 --peers 2 --seconds 4 --video-kbps 200 --server-pid "$sln_dp_pid" \
	--server-pid "$sln_cp_pid" --json-out "$work/lg.json" >"$work/lg.log" 2>&1
st=$?
cat "$work/lg.log"
[ $st = 0 ] || fail "the loadgen exited with status $st"
[ "$(json peers_connected)" = 2 ] || fail "want 2 peers connected over IPv6"
[ "$(json consumers)" = 4 ] || fail "want 4 consumers, got $(json consumers)"
[ "$(json consumers_receiving)" = 4 ] || fail "not every consumer stream received"
tx=$(json tx_packets) rx=$(json rx_packets)
[ "$tx" -gt 100 ] || fail "the loadgen sent only $tx packets"
[ "$rx" -gt 100 ] || fail "the loadgen received only $rx packets"
[ "$(json srtp_failures)" = 0 ] || fail "$(json srtp_failures) SRTP failures at the loadgen"
rtp_in=$(metric 'sluice_rtp_in_total{lcore="0"}')
rtp_out=$(metric 'sluice_rtp_out_total{lcore="0"}')
auth=$(drop srtp_auth)
echo "loadgen over IPv6: tx $tx rx $rx; data plane rtp in $rtp_in out $rtp_out, srtp_auth drops $auth"
[ "$rtp_in" -gt 100 ] && [ "$rtp_out" -gt 100 ] || fail "media did not flow both ways through the data plane"
[ "$auth" = 0 ] || fail "$auth SRTP authentication failures at the data plane"
grep -q "\[$CL6\]:" "$sln_work/cp.log" || fail "the control plane logged no IPv6 tuple ([$CL6]:port)"
sln_check_exit || exit 1
sln_rc=0
