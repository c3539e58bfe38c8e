#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The .deb on a fresh Debian 12: debootstrap (minbase, from this host's own
# apt mirror) makes a chroot in a temp dir; apt installs the package there
# with its declared dependencies only (no Recommends); then, in the chroot:
# the files are where dpkg -L says, postinst made a root-only JWT secret, no
# library is missing (ldd), the example configuration passes
# --check-config, and the packaged data plane (DPDK null device, no NIC) and
# control plane start from it in a private mount and network namespace, the
# control plane reports healthy and logs JSON lines; last, purge leaves no
# /etc/sluice.
# Skipped (exit 77) without root, debootstrap or a reachable mirror.
#   deb_chroot.sh BUILD SRC
set -u
BUILD=$1 SRC=$2
. "$SRC/tests/deploy/lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip "debootstrap not installed (apt-get install debootstrap)"
command -v unshare >/dev/null || skip "unshare not found (util-linux)"
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || skip "no Debian bookworm mirror in this host's apt sources"

T=$(mktemp -d /tmp/sl-chroot-XXXXXX)
R=$T/root
trap 'rm -rf --one-file-system "$T"' EXIT

cpack --config "$BUILD/CPackConfig.cmake" -B "$T/deb" >"$T/cpack.log" 2>&1 || { cat "$T/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb=$(ls "$T"/deb/sluice_*_amd64.deb | head -1)
echo "== debootstrap bookworm (minbase) into $R"
if ! debootstrap --variant=minbase bookworm "$R" "$mirror" >"$T/debootstrap.log" 2>&1; then
	tail -5 "$T/debootstrap.log"
	skip "debootstrap from this host's mirror failed (offline?): the package was not installed in a chroot"
fi
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$deb" "$R/tmp/sluice.deb"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -qq >"$T/apt.log" 2>&1 || { tail -5 "$T/apt.log"; skip "apt-get update in the chroot failed (offline?)"; }
if in_root apt-get install -y -qq --no-install-recommends /tmp/sluice.deb >>"$T/apt.log" 2>&1; then
	ok "apt-get install ./sluice.deb on a fresh Debian 12: $(grep -c '^Setting up' "$T/apt.log") packages set up"
else
	tail -20 "$T/apt.log"
	echo "FAIL: the package does not install on a fresh Debian 12"
	exit 1
fi
[ "$(in_root dpkg-query -W -f='${Status}' sluice)" = "install ok installed" ] && ok "dpkg: sluice installed" || fail "dpkg status"
for f in $(expected_files /usr); do
	[ -e "$R/$f" ] || fail "/$f missing after install"
done
ok "every file of the install tree is in place"
in_root dpkg -L sluice | grep -qx /etc/sluice/sluice.conf && ok "dpkg -L lists /etc/sluice/sluice.conf" || fail "dpkg -L"
s=$R/etc/sluice/jwt.secret
[ "$(stat -c %a "$s" 2>/dev/null)" = 600 ] && grep -qE '^[0-9a-f]{64}$' "$s" &&
	ok "postinst: /etc/sluice/jwt.secret, 64 hex characters, mode 600" || fail "postinst: no root-only secret"
for b in sluice-dataplane sluice-controlplane sluice-token; do
	if in_root ldd /usr/bin/$b | grep "not found"; then fail "$b: a library is missing"; else ok "$b: every library found"; fi
done
out=$(in_root /bin/sh -c 'set -a; . /etc/sluice/sluice.conf; exec /usr/bin/sluice-controlplane --check-config' 2>&1)
[ "$out" = "configuration ok" ] && ok "the installed sluice.conf passes --check-config" || fail "--check-config: $out"

# run both from the package: a private mount + network namespace (nothing
# reaches the host), the null PMD (installed for this test), JSON logs
in_root apt-get install -y -qq --no-install-recommends librte-net-null23 >>"$T/apt.log" 2>&1 ||
	fail "apt-get install librte-net-null23"
cat >"$R/tmp/run.sh" <<'RUN'
set -a; . /etc/sluice/sluice.conf; set +a
export SLUICE_HTTP_PORT=18080 SLUICE_LOG_FORMAT=json SLUICE_SHM=/sluice-chroot
/usr/bin/sluice-dataplane --no-huge -m 256 --no-pci --no-shconf --file-prefix sl-chroot -l 0-1 \
	--vdev=net_null0,no-rx=1 -- --ip 198.18.0.1 --shm /sluice-chroot >/tmp/dp.log 2>&1 &
dp=$!
/usr/bin/sluice-controlplane 2>/tmp/cp.log &
cp=$!
healthy=0
for _ in $(seq 1 600); do
	if { exec 3<>/dev/tcp/127.0.0.1/18080; } 2>/dev/null; then
		printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3
		read -r line <&3
		exec 3<&- 3>&-
		case $line in *" 200 "*) healthy=1; break ;; esac
	fi
	sleep 0.1
done
echo "healthy=$healthy"
kill -TERM $cp; wait $cp; echo "cp_exit=$?"
kill -TERM $dp; wait $dp; echo "dp_exit=$?"
RUN
unshare --mount --net --propagation private /bin/sh -c "
	ip link set lo up
	mount -t proc proc '$R/proc' && mount -t sysfs sysfs '$R/sys' && mount -t tmpfs tmpfs '$R/dev/shm' &&
	chroot '$R' /bin/bash /tmp/run.sh" >"$T/run.out" 2>&1
cat "$T/run.out"
grep -qx healthy=1 "$T/run.out" && ok "packaged data plane + control plane: /healthz 200 in the chroot" ||
	{ fail "not healthy in the chroot"; tail -20 "$R/tmp/dp.log" "$R/tmp/cp.log"; }
grep -qx cp_exit=0 "$T/run.out" && ok "control plane exits 0 on SIGTERM" || fail "control plane exit"
grep -qx dp_exit=0 "$T/run.out" && ok "data plane exits 0 on SIGTERM" || fail "data plane exit"
if python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert {"ts", "level", "component", "msg"} <= o.keys(), line
    n += 1
assert n >= 2, n
print("json lines:", n)' "$R/tmp/cp.log"; then
	ok "every control-plane log line is a JSON object"
else
	fail "control-plane log is not JSON lines"; head -5 "$R/tmp/cp.log"
fi

in_root apt-get purge -y -qq sluice >>"$T/apt.log" 2>&1 && ok "apt-get purge sluice" || fail "purge"
[ ! -e "$R/etc/sluice" ] && ok "purge removed /etc/sluice (secret included)" || { fail "/etc/sluice left: $(ls -la "$R/etc/sluice")"; }
echo "deb_chroot: $failures failed"
[ $failures -eq 0 ]
