#!/usr/bin/env bash
# sluice-nic-setup: prepares the host for the data plane. sluice-dataplane.service
# runs it (ExecStartPre) with the SLUICE_HUGEPAGES and SLUICE_NIC_* keys of
# /etc/sluice/sluice.conf; an operator can run it by hand, first with --dry-run.
#
#   sluice-nic-setup [--dry-run] [--hugepages N] [--mode none|pci|af_xdp]
#                    [--pci DDDD:BB:DD.F] [--driver vfio-pci] [--iface NAME]
#                    [--queues N]
#
#   --hugepages N  at least N 2 MB pages reserved and hugetlbfs mounted on
#                  /dev/hugepages (0 or empty: leave hugepages alone)
#   --mode pci     the device --pci bound to --driver (default vfio-pci) with
#                  dpdk-devbind.py; the IOMMU checked (vfio needs it)
#   --mode af_xdp  the interface --iface checked for AF_XDP: present, up, LRO
#                  off (XDP refuses LRO), MTU that fits one page, channels >=
#                  --queues (ethtool -L when fewer)
#   --mode none    no NIC step (virtual devices, tests)
#   --dry-run      prints every change it would make ("would: ..."), changes
#                  nothing, and exits 0 unless a check fails
#   --sysfs DIR, --procfs DIR   read (and write) another tree than /sys and
#                  /proc: for the tests
#
# Every finding is one line: "ok: ...", "would: ..." (dry run), "do: ..." (a
# change made), "error: ..." (exit 1, with the fix). Empty option values are
# treated as "not set", so the unit can pass unset keys through.
set -euo pipefail

dry=0
hugepages=""
mode="none"
pci=""
driver="vfio-pci"
iface=""
queues=""
sysfs=/sys
procfs=/proc
devbind=${SLUICE_DEVBIND:-dpdk-devbind.py}
ethtool=${SLUICE_ETHTOOL:-ethtool}
failed=0

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '%s\n' "$*"; }
err() { say "error: $*"; failed=1; }

# change DESCRIPTION CMD...: runs CMD unless --dry-run, says what it did.
change() {
	local what=$1
	shift
	if [ $dry = 1 ]; then
		say "would: $what ($*)"
	else
		say "do: $what ($*)"
		"$@" || { err "$what failed: $*"; return 1; }
	fi
}

need_value() { [ $# -ge 2 ] || { say "error: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) dry=1; shift; continue ;;
	-h|--help) usage; exit 0 ;;
	--hugepages|--mode|--pci|--driver|--iface|--queues|--sysfs|--procfs) need_value "$@" ;;
	*) say "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	case $1 in
	--hugepages) hugepages=$2 ;;
	--mode) mode=${2:-none} ;;
	--pci) pci=$2 ;;
	--driver) driver=${2:-vfio-pci} ;;
	--iface) iface=$2 ;;
	--queues) queues=$2 ;;
	--sysfs) sysfs=$2 ;;
	--procfs) procfs=$2 ;;
	esac
	shift 2
done

is_count() { [[ $1 =~ ^[0-9]{1,7}$ ]]; }

# --- hugepages -------------------------------------------------------------
setup_hugepages() {
	[ -z "$hugepages" ] || [ "$hugepages" = 0 ] && { say "ok: hugepages not managed (--hugepages 0)"; return 0; }
	is_count "$hugepages" || { err "--hugepages needs a page count like 1024 (got '$hugepages')"; return 0; }
	local nr=$sysfs/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	if [ ! -e "$nr" ]; then
		err "$nr is missing: the kernel has no 2 MB hugepages (CONFIG_HUGETLBFS)"
		return 0
	fi
	local now
	now=$(cat "$nr")
	if [ "$now" -ge "$hugepages" ]; then
		say "ok: $now 2 MB hugepages reserved (>= $hugepages)"
	else
		change "reserve $hugepages 2 MB hugepages (now $now)" \
			sh -c "echo $hugepages > '$nr'"
		if [ $dry = 0 ]; then
			now=$(cat "$nr")
			[ "$now" -ge "$hugepages" ] ||
				err "only $now of $hugepages hugepages could be reserved: memory is fragmented; reserve them at boot (hugepages=$hugepages on the kernel command line)"
		fi
	fi
	if awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" { f = 1 } END { exit !f }' "$procfs/mounts"; then
		say "ok: hugetlbfs mounted on /dev/hugepages"
	else
		change "mount hugetlbfs on /dev/hugepages" \
			sh -c 'mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages'
	fi
}

# --- a PCI device for DPDK --------------------------------------------------
setup_pci() {
	[[ $pci =~ ^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]] ||
		{ err "--mode pci needs --pci DDDD:BB:DD.F like 0000:03:00.0 (got '$pci'; lspci -D lists them)"; return 0; }
	local dev=$sysfs/bus/pci/devices/$pci
	[ -e "$dev" ] || { err "no PCI device $pci ($dev missing; lspci -D lists them)"; return 0; }
	local cur=none
	[ -L "$dev/driver" ] && cur=$(basename "$(readlink "$dev/driver")")
	if [ "$cur" = "$driver" ]; then
		say "ok: $pci is bound to $driver"
		return 0
	fi
	if [ "$driver" = vfio-pci ]; then
		if [ -z "$(ls -A "$sysfs/kernel/iommu_groups" 2>/dev/null)" ] &&
		   [ "$(cat "$sysfs/module/vfio/parameters/enable_unsafe_noiommu_mode" 2>/dev/null)" != Y ]; then
			err "no IOMMU groups: enable the IOMMU (intel_iommu=on or amd_iommu=on, iommu=pt) or load vfio with enable_unsafe_noiommu_mode=1"
		else
			say "ok: IOMMU present for vfio-pci"
		fi
		if [ ! -d "$sysfs/bus/pci/drivers/vfio-pci" ]; then
			change "load the vfio-pci module" modprobe vfio-pci
		else
			say "ok: vfio-pci module loaded"
		fi
	fi
	local ifs=""
	[ -d "$dev/net" ] && ifs=$(ls "$dev/net" | tr '\n' ' ')
	[ -n "$ifs" ] && say "note: $pci is kernel interface ${ifs% }; it disappears from the kernel when bound"
	command -v "$devbind" >/dev/null 2>&1 || [ $dry = 1 ] ||
		{ err "$devbind not found: apt-get install dpdk"; return 0; }
	change "bind $pci to $driver (now $cur)" "$devbind" --bind="$driver" "$pci"
}

# --- AF_XDP prerequisites ---------------------------------------------------
setup_af_xdp() {
	[ -n "$iface" ] || { err "--mode af_xdp needs --iface NAME"; return 0; }
	local d=$sysfs/class/net/$iface
	[ -e "$d" ] || { err "no interface $iface ($d missing; ip link lists them)"; return 0; }
	say "ok: interface $iface present"
	local flags
	flags=$(cat "$d/flags" 2>/dev/null || echo 0)
	if (( flags & 1 )); then
		say "ok: $iface is up"
	else
		change "bring $iface up" ip link set "$iface" up
	fi
	local mtu
	mtu=$(cat "$d/mtu" 2>/dev/null || echo 0)
	if [ "$mtu" -gt 3498 ]; then
		err "$iface MTU $mtu is above 3498: AF_XDP frames must fit one 4 KB page (ip link set $iface mtu 1500)"
	else
		say "ok: $iface MTU $mtu fits an AF_XDP frame"
	fi
	local drv=none
	[ -L "$d/device/driver" ] && drv=$(basename "$(readlink "$d/device/driver")")
	say "note: $iface driver $drv (zero-copy AF_XDP needs driver support; copy mode works everywhere)"
	command -v "$ethtool" >/dev/null 2>&1 || { err "$ethtool not found: apt-get install ethtool"; return 0; }
	local lro
	lro=$("$ethtool" -k "$iface" 2>/dev/null | awk -F': ' '$1 == "large-receive-offload" { print $2 }')
	case $lro in
	on*) change "turn LRO off on $iface (XDP refuses it)" "$ethtool" -K "$iface" lro off ;;
	"") say "note: ethtool -k $iface shows no LRO setting" ;;
	*) say "ok: LRO off on $iface" ;;
	esac
	local chans
	chans=$("$ethtool" -l "$iface" 2>/dev/null |
		awk '/^Current hardware settings/ { cur = 1 } cur && $1 == "Combined:" { print $2; exit }')
	if ! is_count "$chans"; then
		# virtual devices (veth: "n/a") have no channel count: not settable
		say "note: ethtool -l $iface shows no channel count (${chans:-none}): one queue"
		[ -n "$queues" ] && [ "$queues" != 1 ] &&
			err "--queues $queues: $iface has no settable channels (use queue_count=1)"
		return 0
	fi
	say "ok: $iface has $chans combined channels"
	if [ -n "$queues" ]; then
		is_count "$queues" || { err "--queues needs a number (got '$queues')"; return 0; }
		[ "$chans" -ge "$queues" ] ||
			change "set $iface to $queues combined channels (now $chans)" "$ethtool" -L "$iface" combined "$queues"
	fi
}

[ $dry = 1 ] && say "dry run: nothing is changed"
setup_hugepages
case $mode in
none) say "ok: no NIC step (--mode none)" ;;
pci) setup_pci ;;
af_xdp) setup_af_xdp ;;
*) err "--mode must be none, pci or af_xdp (got '$mode')" ;;
esac
exit $failed
