#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sluice-nic-setup --dry-run --mode af_xdp on a real interface: a veth pair in
# a network namespace of this test (real /sys of the namespace, real
# ethtool). An up veth passes every check; a down one with a 9000 MTU gets
# "would: bring v0 up" and the MTU error; and the dry run leaves it down.
#   nic_setup_veth.sh SRC      (exit 77 = skipped: not root)
set -u
SRC=$1
. "$SRC/tests/deploy/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace)"; exit 77; }
command -v ethtool >/dev/null || { echo "SKIP: ethtool not installed"; exit 77; }
NS=sl-nic-$$
H=$SRC/deploy/sluice-nic-setup.sh
trap 'ip netns del "$NS" 2>/dev/null' EXIT
ip netns add "$NS" || { echo "FAIL: ip netns add"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link add v0 type veth peer name v1
in_ns ip link set v0 up
in_ns ip link set v1 up

out=$(in_ns "$H" --dry-run --mode af_xdp --iface v0 --queues 1 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] && ok "up veth: exit 0" || fail "up veth: exit $rc"
for l in "ok: interface v0 present" "ok: v0 is up" "ok: v0 MTU 1500 fits an AF_XDP frame" "ok: LRO off on v0" \
	"note: v0 driver none (zero-copy AF_XDP needs driver support; copy mode works everywhere)" \
	"note: ethtool -l v0 shows no channel count (n/a): one queue"; do
	grep -qxF "$l" <<<"$out" && ok "up veth: '$l'" || fail "up veth: no line '$l'"
done
grep -q '^would:' <<<"$out" && fail "up veth: a change proposed for a ready interface"
out=$(in_ns "$H" --dry-run --mode af_xdp --iface v0 --queues 2 2>&1)
[ $? -eq 1 ] && grep -q "^error: --queues 2: v0 has no settable channels" <<<"$out" &&
	ok "up veth, --queues 2: refused, a veth has one queue" || fail "up veth, --queues 2: $out"

in_ns ip link set v0 down
in_ns ip link set v0 mtu 9000
out=$(in_ns "$H" --dry-run --mode af_xdp --iface v0 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 1 ] && ok "down veth, MTU 9000: exit 1" || fail "down veth: exit $rc, want 1"
grep -qxF "would: bring v0 up (ip link set v0 up)" <<<"$out" && ok "down veth: would bring it up" || fail "down veth: no 'would: bring v0 up'"
grep -q "^error: v0 MTU 9000 is above 3498" <<<"$out" && ok "down veth: MTU error" || fail "down veth: no MTU error"
in_ns ip -o link show v0 | grep -q "state DOWN" && ok "the dry run left v0 down" || fail "the dry run changed v0's state"
out=$(in_ns "$H" --dry-run --mode af_xdp --iface nosuch0 2>&1)
[ $? -eq 1 ] && grep -q "^error: no interface nosuch0" <<<"$out" && ok "missing interface: error" || fail "missing interface"
echo "nic_setup_veth: $failures failed"
[ $failures -eq 0 ]
