#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd units: systemd-analyze verify of both, as installed for prefix
# /usr (inside a DESTDIR root, so the commands they name exist), must print
# nothing; the same checker does complain about a broken copy (so silence
# means something). Then the unit relations the operator relies on: the
# control plane after and wanting the data plane, nothing that propagates a
# stop or restart between them, restart on failure, journald, the NIC helper
# outside the sandbox, and the hardening that must stay off for DPDK.
#   systemd_units.sh BUILD SRC     (exit 77 = skipped: no systemd-analyze)
set -u
BUILD=$1 SRC=$2
. "$SRC/tests/deploy/lib.sh"
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not found (apt-get install systemd)"
	exit 77
fi
T=$(mktemp -d /tmp/sl-units-XXXXXX)
trap 'rm -rf "$T"' EXIT
R=$T/root
install_to "$R" /usr || { echo "FAIL: cmake --install"; exit 1; }
U=/lib/systemd/system
dpu=$R$U/sluice-dataplane.service cpu=$R$U/sluice-controlplane.service

if verify_root "$R" $U/sluice-dataplane.service $U/sluice-controlplane.service; then
	ok "systemd-analyze verify: both units clean"
else
	fail "systemd-analyze verify complained (above)"
fi
# the checker sees a broken unit: an unknown key and a missing command
sed -e 's/^PrivateTmp=yes/PrivateTmp=yes\nHardenMe=please/' -e 's|^ExecStart=/usr/bin/|ExecStart=/usr/bin/missing-|' \
	"$cpu" >"$R$U/sluice-broken.service"
if verify_root "$R" $U/sluice-broken.service >"$T/broken.out" 2>&1; then
	fail "systemd-analyze verify passed a broken unit: the check proves nothing"
else
	grep -q "HardenMe" "$T/broken.out" && grep -q "missing-sluice-controlplane" "$T/broken.out" &&
		ok "systemd-analyze verify reports a broken copy (unknown key, missing command)" ||
		{ fail "broken copy: unexpected verify output"; cat "$T/broken.out"; }
fi
rm -f "$R$U/sluice-broken.service"

key() { grep -E "^$2=" "$1" | tail -1 | cut -d= -f2-; } # key FILE NAME: its value

# ordering and independence
[ "$(key "$cpu" After)" = "network-online.target sluice-dataplane.service" ] &&
	ok "control plane After= the data plane" || fail "control plane After=: '$(key "$cpu" After)'"
[ "$(key "$cpu" Wants)" = "network-online.target sluice-dataplane.service" ] &&
	ok "control plane Wants= the data plane" || fail "control plane Wants=: '$(key "$cpu" Wants)'"
for u in "$dpu" "$cpu"; do
	n=$(basename "$u")
	if grep -nE '^(BindsTo|Requires|Requisite|PartOf|PropagatesStopTo|StopPropagatedFrom|PropagatesReloadTo|Conflicts)=' "$u"; then
		fail "$n: a dependency that propagates stops or restarts"
	else
		ok "$n: no BindsTo/Requires/PartOf/Requisite/Propagates*: a restart of one leaves the other up"
	fi
	[ "$(key "$u" Restart)" = on-failure ] && ok "$n: Restart=on-failure" || fail "$n: Restart='$(key "$u" Restart)'"
	[ "$(key "$u" StandardOutput)" = journal ] && [ "$(key "$u" StandardError)" = journal ] &&
		ok "$n: logs to the journal" || fail "$n: StandardOutput/StandardError not journal"
	for h in NoNewPrivileges=yes ProtectHome=yes PrivateTmp=yes; do
		grep -qx "$h" "$u" && ok "$n: $h" || fail "$n: $h missing"
	done
	grep -q '^EnvironmentFile=-/etc/sluice/sluice.conf$' "$u" && ok "$n: EnvironmentFile=-/etc/sluice/sluice.conf" ||
		fail "$n: no EnvironmentFile"
done
# the data plane: what DPDK needs stays reachable
grep -qx 'ProtectSystem=full' "$dpu" && ok "data plane: ProtectSystem=full (/dev, /run and /var stay writable)" ||
	fail "data plane: ProtectSystem is not full"
for off in PrivateDevices ProtectKernelTunables MemoryDenyWriteExecute PrivateNetwork DevicePolicy; do
	if grep -qE "^$off=" "$dpu"; then fail "data plane: $off= set (breaks /dev/vfio, /dev/hugepages or the PMDs)"; fi
done
ok "data plane: no PrivateDevices/ProtectKernelTunables/MemoryDenyWriteExecute/PrivateNetwork/DevicePolicy"
caps=$(key "$dpu" CapabilityBoundingSet)
for c in CAP_IPC_LOCK CAP_SYS_ADMIN CAP_NET_ADMIN CAP_NET_RAW; do
	[[ " $caps " == *" $c "* ]] && ok "data plane keeps $c" || fail "data plane: $c not in CapabilityBoundingSet"
done
[ "$(key "$dpu" LimitMEMLOCK)" = infinity ] && ok "data plane: LimitMEMLOCK=infinity" || fail "data plane: LimitMEMLOCK"
grep -q '^ExecStartPre=+/usr/libexec/sluice/sluice-nic-setup ' "$dpu" &&
	ok "data plane: the NIC helper runs first, outside the sandbox ('+')" || fail "data plane: no privileged ExecStartPre helper"
# the control plane: no capability it does not use, a config error not retried
[ "$(key "$cpu" CapabilityBoundingSet)" = CAP_NET_BIND_SERVICE ] && ok "control plane: only CAP_NET_BIND_SERVICE" ||
	fail "control plane: CapabilityBoundingSet '$(key "$cpu" CapabilityBoundingSet)'"
[ "$(key "$cpu" RestartPreventExitStatus)" = 2 ] && grep -q '^ExecStartPre=/usr/bin/sluice-controlplane --check-config$' "$cpu" &&
	ok "control plane: the configuration checked first, exit 2 not restarted" || fail "control plane: no --check-config / RestartPreventExitStatus=2"

# systemd's own exposure score (offline), kept from getting worse:
# measured 5.3 for the data plane (it must keep device and kernel access)
# and 2.3 for the control plane
exposure() { # UNIT: the overall exposure level, e.g. 2.3
	systemd-analyze security --offline=yes --root="$R" "$U/$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
for pair in sluice-dataplane.service:6.0 sluice-controlplane.service:3.0; do
	u=${pair%%:*} max=${pair#*:}
	e=$(exposure "$u")
	if [ -z "$e" ]; then
		echo "note: systemd-analyze security --offline gave no score for $u"
	elif awk -v e="$e" -v m="$max" 'BEGIN { exit !(e <= m) }'; then
		ok "$u: systemd-analyze security exposure $e (<= $max)"
	else
		fail "$u: exposure $e above $max: hardening weakened"
	fi
done

echo "systemd_units: $failures failed"
[ $failures -eq 0 ]
