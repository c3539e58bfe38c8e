#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Active speaker end to end: Sluice (data plane on a net_tap, control plane)
# in a network namespace of its own (tests/lib/sluice_ns.sh), three
# sluice-loadgen peers producing audio only in room spk-0 (their Opus
# packets carry ssrc-audio-level with a talking pattern: level -20 dBov for
# 1 s out of every 3 s, -90 otherwise, phase by SSRC), and a listening
# Socket.IO peer (speaker_listen.mjs, npm socket.io-client) in the same
# room. Asserts that the listener gets mediasoup:active-speaker
# notifications, each { peerId, producerId, volume } with exactly those
# keys, naming an audio producer of the room and its own peer, volume an
# integer in [-70, 0] (the decision's threshold), no two in a row naming the
# same producer; and that both planes exit 0 on SIGTERM. Prints the number
# of notifications and distinct speakers.
# Env (ctest sets them): DP_BIN, CP_BIN, LG_BIN, NODE. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${DP_BIN:?}" "${CP_BIN:?}" "${LG_BIN:?}"
NODE=${NODE:-node}
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespace, tap device)"
	exit 77
fi
[ -d "$here/../node_modules/socket.io-client" ] || {
	echo "FAIL: tests/node_modules missing (cd tests && npm ci)"
	exit 1
}
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init spk
trap sln_cleanup EXIT
trap 'exit 130' INT TERM
fail() { sln_fail "$@"; }
work=$sln_work
SECONDS_MEDIA=9

sln_up
dp_pid=$sln_dp_pid
cp_pid=$sln_cp_pid
# the listener joins first and listens a little longer than the media lasts
sln_in "$NODE" "$here/speaker_listen.mjs" "$sln_url" "$sln_secret" spk-0 $((SECONDS_MEDIA + 8)) \
	>"$work/listen.json" 2>"$work/listen.log" &
listen_pid=$!
for _ in $(seq 1 200); do
	grep -q "listener joined" "$work/listen.log" 2>/dev/null && break
	kill -0 $listen_pid 2>/dev/null || fail "the listener exited: $(cat "$work/listen.log")"
	sleep 0.1
done
grep -q "listener joined" "$work/listen.log" || fail "the listener did not join"
sln_in timeout 120 "$LG_BIN" --url "$sln_url" --secret "$sln_secret" --local-ip 198.18.0.2 \
	--rooms 1 --peers 3 --audio-only --room-prefix spk --seconds $SECONDS_MEDIA \
	--json-out "$work/lg.json" >"$work/lg.log" 2>&1
st=$?
[ $st = 0 ] || { cat "$work/lg.log"; fail "the loadgen exited with status $st"; }
wait $listen_pid || fail "the listener failed: $(cat "$work/listen.log")"
python3 - "$work/listen.json" <<'PY' || fail "active-speaker notifications wrong (above)"
import json, sys
out = json.load(open(sys.argv[1]))
audio, sp = out["audio"], out["speakers"]
ok = True
def bad(msg):
    global ok
    ok = False
    print("BAD:", msg)
if len(audio) != 3:
    bad(f"want 3 audio producers in the room, saw {len(audio)}")
if not sp:
    bad("no mediasoup:active-speaker notification")
prev = None
for n in sp:
    if sorted(k for k in n if k != "t") != ["peerId", "producerId", "volume"]:
        bad(f"keys {sorted(n)}")
    if n.get("producerId") not in audio:
        bad(f"{n} names no audio producer of the room")
    elif audio[n["producerId"]] != n.get("peerId"):
        bad(f"{n}: that producer belongs to peer {audio[n['producerId']]}")
    v = n.get("volume")
    if not isinstance(v, int) or isinstance(v, bool) or not -70 <= v <= 0:
        bad(f"volume {v!r} not an integer in [-70, 0]")
    if n.get("peerId") == out["peerId"]:
        bad("names the listener, which produces nothing")
    if prev == n.get("producerId"):
        bad(f"two notifications in a row name {prev}")
    prev = n.get("producerId")
print(f"active-speaker: {len(sp)} notifications, {len({n['producerId'] for n in sp})} distinct "
      f"speakers of 3, volumes {sorted({n['volume'] for n in sp})}, "
      f"first after {sp[0]['t'] if sp else '-'} ms")
sys.exit(0 if ok else 1)
PY
sln_check_exit || exit 1
sln_rc=0
