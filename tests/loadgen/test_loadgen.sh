#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# sluice-loadgen against Sluice, inside a network namespace of its own
# (sl-lg-$$): the data plane on a net_tap (198.18.0.1; kernel side of the
# tap 198.18.0.2/24), the control plane on 127.0.0.1 in the namespace, the
# load generator in the namespace with its UDP sockets on 198.18.0.2.
#   test_loadgen.sh clean   2 rooms x 4 peers, 5 s: every peer connects,
#                           every consumer stream receives, zero loss,
#                           latency reported
#   test_loadgen.sh loss    the same with 3% random loss on the tap, both
#                           directions (nftables, as e2e_call does): the
#                           loadgen's NACKs are answered with RTX and loss
#                           after repair stays under 0.5%
#   test_loadgen.sh run ARGS...  (by hand) the loadgen with these arguments
#                           against the same set-up; prints its output
#   test_loadgen.sh bad     the loadgen against a server that answers
#                           garbage / drops the socket / never completes
#                           DTLS: a per-peer error and a bounded exit 1
# Env (ctest sets them): DP_BIN, CP_BIN, LG_BIN. Needs root. Everything is
# removed on exit, also on failure.
set -uo pipefail
mode=${1:-clean}
shift || true
: "${DP_BIN:?}" "${CP_BIN:?}" "${LG_BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init lg
trap sln_cleanup EXIT
trap 'exit 130' INT TERM
fail() { sln_fail "$@"; }
work=$sln_work
secret=$sln_secret
port=$sln_port
in_ns() { sln_in "$@"; }
# json FIELD: a number of the loadgen's --json-out (dotted path)
json() { python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$work/lg.json" "$1"; }

if [ "$mode" = bad ]; then
	sln_ns_up
	# A fake server in the namespace: a Socket.IO endpoint that answers
	# garbage, and one whose transports point at a UDP port nobody
	# answers (ICE never completes). python3 speaks just enough WebSocket.
	in_ns python3 "$(dirname "$0")/fake_server.py" 127.0.0.1 $port >"$work/fake.log" 2>&1 &
	for _ in $(seq 1 100); do
		in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break
		sleep 0.1
	done
	for scenario in garbage drop noice nodtls; do
		start=$(date +%s)
		in_ns timeout 60 "$LG_BIN" --url "http://127.0.0.1:$port" --secret "$secret" \
			--room-prefix "$scenario" --rooms 1 --peers 2 --seconds 1 --timeout-ms 1500 \
			--json-out "$work/lg.json" >"$work/lg-$scenario.log" 2>&1
		st=$?
		[ $st = 124 ] && fail "$scenario: the loadgen hung (killed by timeout)"
		[ $st = 1 ] || fail "$scenario: exit status $st, want 1"
		[ "$(json peers_failed)" = 2 ] || fail "$scenario: want 2 failed peers"
		grep -q 'FAILED' "$work/lg-$scenario.log" || fail "$scenario: no per-peer error printed"
		echo "$scenario: exit 1 in $(( $(date +%s) - start )) s; $(grep -m1 FAILED "$work/lg-$scenario.log")"
	done
	sln_rc=0
	exit 0
fi

sln_up
tap=$sln_tap
dp_pid=$sln_dp_pid
cp_pid=$sln_cp_pid
extra=()
if [ "$mode" = loss ]; then
	# 1 in 33 media packets dropped each way between the loadgen and Sluice
	in_ns nft -f - <<NFT || fail "nft (deploy/install-deps.sh --test installs nftables)"
table netdev sl_lg_loss {
  chain egress {
    type filter hook egress device "$tap" priority 0; policy accept;
    ip daddr 198.18.0.1 udp dport 40000-40099 numgen random mod 33 0 counter drop
  }
  chain ingress {
    type filter hook ingress device "$tap" priority 0; policy accept;
    ip saddr 198.18.0.1 udp sport 40000-40099 numgen random mod 33 0 counter drop
  }
}
NFT
	extra=(--max-loss 0.1) # audio has no repair: its 3% stay
fi

if [ "$mode" = run ]; then
	in_ns "$LG_BIN" --url "http://127.0.0.1:$port" --secret "$secret" --local-ip 198.18.0.2 \
		--server-pid "$dp_pid" --server-pid "$cp_pid" "$@"
	sln_rc=0
	exit 0
fi

in_ns timeout 120 "$LG_BIN" --url "http://127.0.0.1:$port" --secret "$secret" --local-ip 198.18.0.2 \
	--rooms 2 --peers 4 --seconds 5 --video-kbps 300 --server-pid "$dp_pid" --server-pid "$cp_pid" \
	--dump-keys "$work/keys.json" \
	--json-out "$work/lg.json" "${extra[@]}" >"$work/lg.log" 2>&1
st=$?
cat "$work/lg.log"
[ $st = 0 ] || fail "the loadgen exited with status $st"
[ -s "$work/lg.json" ] || fail "no --json-out"
[ "$(json peers_connected)" = 8 ] || fail "want 8 peers connected"
# every peer consumes the audio and video of the 3 others of its room
[ "$(json consumers)" = 48 ] || fail "want 48 consumers, got $(json consumers)"
[ "$(json consumers_receiving)" = 48 ] || fail "not every consumer stream received"
p50=$(json latency_us.p50)
[ "$p50" -gt 0 ] || fail "no latency measured"
rx=$(json rx_packets)
[ "$rx" -gt 1000 ] || fail "only $rx packets received"
if [ "$mode" = clean ]; then
	[ "$(json lost_packets)" = 0 ] || fail "loss on a clean path: $(json lost_packets)"
	# the key dump is what the pcap generator reads (pktgen-scripts/README.md)
	if [ -n "${PCAPGEN_BIN:-}" ]; then
		"$PCAPGEN_BIN" --keys "$work/keys.json" --out "$work/pcap" --kind all --seconds 1 --pps 50 \
			>"$work/pcapgen.log" 2>&1 || fail "sluice-pcapgen refused the loadgen's key dump"
		[ -s "$work/pcap/media.pcap" ] || fail "no media.pcap from the key dump"
		echo "pcapgen: $(grep -c pcap "$work/pcapgen.log") pcaps from the loadgen's --dump-keys"
	fi
else
	dropped=$(in_ns nft -j list table netdev sl_lg_loss | python3 -c 'import json,sys
print(sum(r["expr"][-2]["counter"]["packets"] for r in (x["rule"] for x in json.load(sys.stdin)["nftables"] if "rule" in x)))')
	echo "nftables dropped $dropped packets"
	[ "$dropped" -gt 50 ] || fail "the loss rules dropped only $dropped packets"
	[ "$(json rtx_recovered)" -gt 0 ] || fail "no packet was recovered by RTX"
	# video: 3% dropped each way, repaired by NACK/RTX down to what a lost
	# NACK or a lost retransmission leaves
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["video_loss_ratio"]; sys.exit(0 if v < 0.01 else 1)' \
		"$work/lg.json" || fail "video loss after repair $(json video_loss_ratio) >= 1%"
	[ "$(json nack_sent)" -gt 0 ] || fail "no NACK sent"
fi
sln_check_exit || exit 1
sln_rc=0
