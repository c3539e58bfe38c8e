#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deploy/sluice-nic-setup.sh --dry-run on made-up /sys and /proc trees (and a
# stand-in ethtool that only prints): the exact lines it prints for a host to
# change and for one already set up, its errors, and that a dry run changes
# nothing (every file, link and mode of the trees compared before and after).
# Only --dry-run is ever run here: no real device, hugepage or module.
#   nic_setup.sh SRC
set -u
SRC=$1
. "$SRC/tests/deploy/lib.sh"
H=$SRC/deploy/sluice-nic-setup.sh
T=$(mktemp -d /tmp/sl-nic-XXXXXX)
trap 'rm -rf "$T"' EXIT

# a host: 2 MB hugepages (NOW reserved), PCI device 0000:03:00.0 (kernel
# interface eth9) on driver DRV, an IOMMU group when IOMMU=1, vfio-pci
# loaded when VFIO=1, hugetlbfs mounted when MOUNTED=1, eth8 for AF_XDP
make_host() { # DIR NOW DRV IOMMU VFIO MOUNTED
	local d=$1
	mkdir -p "$d/sys/kernel/mm/hugepages/hugepages-2048kB" "$d/sys/bus/pci/drivers/$3" \
		"$d/sys/bus/pci/devices/0000:03:00.0/net/eth9" "$d/sys/kernel/iommu_groups" "$d/proc" \
		"$d/sys/class/net/eth8/device" "$d/sys/bus/pci/drivers/ixgbe"
	echo "$2" >"$d/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	ln -s "../../../bus/pci/drivers/$3" "$d/sys/bus/pci/devices/0000:03:00.0/driver"
	[ "$4" = 1 ] && mkdir -p "$d/sys/kernel/iommu_groups/12"
	[ "$5" = 1 ] && mkdir -p "$d/sys/bus/pci/drivers/vfio-pci"
	echo "sysfs /sys sysfs rw 0 0" >"$d/proc/mounts"
	[ "$6" = 1 ] && echo "hugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0" >>"$d/proc/mounts"
	echo 0x1003 >"$d/sys/class/net/eth8/flags"
	echo 1500 >"$d/sys/class/net/eth8/mtu"
	ln -s ../../../../bus/pci/drivers/ixgbe "$d/sys/class/net/eth8/device/driver"
}
snapshot() { # DIR: every path with its type, mode, link target and content hash
	(cd "$1" && find . -printf '%p %y %m %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}
# run NAME WANT_RC ARGS...: the helper's output into $T/NAME.out; checks rc and
# that the trees did not change
run() {
	local name=$1 want=$2 before rc
	shift 2
	before=$(snapshot "$T/$name")
	SLUICE_ETHTOOL=$T/ethtool "$H" "$@" --sysfs "$T/$name/sys" --procfs "$T/$name/proc" >"$T/$name.out" 2>&1
	rc=$?
	[ $rc -eq "$want" ] && ok "$name: exit $rc" || { fail "$name: exit $rc, want $want"; cat "$T/$name.out"; }
	[ "$before" = "$(snapshot "$T/$name")" ] && ok "$name: nothing changed" || fail "$name: the dry run changed the tree"
}
# expect NAME: the output must be exactly the lines on stdin (paths with @T@)
expect() {
	local want
	want=$(sed "s|@T@|$T/$1|g")
	if [ "$want" = "$(cat "$T/$1.out")" ]; then
		ok "$1: output as expected"
	else
		fail "$1: output differs (< expected, > got)"
		diff <(echo "$want") "$T/$1.out"
	fi
}

# a stand-in ethtool: LRO on, 1 of 4 combined channels (prints only)
cat >"$T/ethtool" <<'ETH'
#!/bin/sh
case $1 in
-k) printf 'Features for %s:\nrx-checksumming: on\nlarge-receive-offload: on\n' "$2" ;;
-l) printf 'Channel parameters for %s:\nPre-set maximums:\nCombined:\t4\nCurrent hardware settings:\nCombined:\t1\n' "$2" ;;
*) echo "ethtool stand-in: $* must not run in a dry run" >&2; exit 9 ;;
esac
ETH
chmod +x "$T/ethtool"

make_host "$T/fresh" 0 ixgbe 1 0 0
run fresh 0 --dry-run --hugepages 1024 --mode pci --pci 0000:03:00.0
expect fresh <<'OUT'
dry run: nothing is changed
would: reserve 1024 2 MB hugepages (now 0) (sh -c echo 1024 > '@T@/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages')
would: mount hugetlbfs on /dev/hugepages (sh -c mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages)
ok: IOMMU present for vfio-pci
would: load the vfio-pci module (modprobe vfio-pci)
note: 0000:03:00.0 is kernel interface eth9; it disappears from the kernel when bound
would: bind 0000:03:00.0 to vfio-pci (now ixgbe) (dpdk-devbind.py --bind=vfio-pci 0000:03:00.0)
OUT

make_host "$T/done" 2048 vfio-pci 1 1 1
run done 0 --dry-run --hugepages 1024 --mode pci --pci 0000:03:00.0
expect done <<'OUT'
dry run: nothing is changed
ok: 2048 2 MB hugepages reserved (>= 1024)
ok: hugetlbfs mounted on /dev/hugepages
ok: 0000:03:00.0 is bound to vfio-pci
OUT

make_host "$T/noiommu" 0 ixgbe 0 1 1
run noiommu 1 --dry-run --hugepages 0 --mode pci --pci 0000:03:00.0
grep -q '^error: no IOMMU groups: enable the IOMMU' "$T/noiommu.out" && ok "noiommu: says how to enable the IOMMU" ||
	fail "noiommu: no IOMMU error"

make_host "$T/badpci" 0 ixgbe 1 1 1
run badpci 1 --dry-run --mode pci --pci 03:00.0
grep -q "^error: --mode pci needs --pci DDDD:BB:DD.F" "$T/badpci.out" && ok "badpci: names the format" || fail "badpci: message"
make_host "$T/nodev" 0 ixgbe 1 1 1
run nodev 1 --dry-run --mode pci --pci 0000:04:00.0
grep -q "^error: no PCI device 0000:04:00.0" "$T/nodev.out" && ok "nodev: names the device" || fail "nodev: message"

make_host "$T/xdp" 512 ixgbe 1 1 1
run xdp 0 --dry-run --hugepages 512 --mode af_xdp --iface eth8 --queues 2
expect xdp <<OUT
dry run: nothing is changed
ok: 512 2 MB hugepages reserved (>= 512)
ok: hugetlbfs mounted on /dev/hugepages
ok: interface eth8 present
ok: eth8 is up
ok: eth8 MTU 1500 fits an AF_XDP frame
note: eth8 driver ixgbe (zero-copy AF_XDP needs driver support; copy mode works everywhere)
would: turn LRO off on eth8 (XDP refuses it) ($T/ethtool -K eth8 lro off)
ok: eth8 has 1 combined channels
would: set eth8 to 2 combined channels (now 1) ($T/ethtool -L eth8 combined 2)
OUT

make_host "$T/jumbo" 0 ixgbe 1 1 1
echo 9000 >"$T/jumbo/sys/class/net/eth8/mtu"
echo 0x1002 >"$T/jumbo/sys/class/net/eth8/flags"
run jumbo 1 --dry-run --mode af_xdp --iface eth8
grep -q "^would: bring eth8 up (ip link set eth8 up)" "$T/jumbo.out" && ok "jumbo: would bring the interface up" || fail "jumbo: link up"
grep -q "^error: eth8 MTU 9000 is above 3498" "$T/jumbo.out" && ok "jumbo: refuses a 9000 MTU" || fail "jumbo: MTU error"

make_host "$T/empty" 0 ixgbe 1 1 1
run empty 0 --dry-run --hugepages "" --mode "" --pci "" --iface ""
expect empty <<'OUT'
dry run: nothing is changed
ok: hugepages not managed (--hugepages 0)
ok: no NIC step (--mode none)
OUT

"$H" --dry-run --bogus >"$T/bogus.out" 2>&1
[ $? -eq 2 ] && grep -q "unknown option '--bogus'" "$T/bogus.out" && ok "unknown option: exit 2 with its name" || fail "unknown option"
"$H" --dry-run --mode >"$T/noval.out" 2>&1
[ $? -eq 2 ] && grep -q -- "--mode needs a value" "$T/noval.out" && ok "missing value: exit 2" || fail "missing value"

echo "nic_setup: $failures failed"
[ $failures -eq 0 ]
