#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package: cpack builds it from the build tree (into a temp dir);
# dpkg-deb -c lists exactly the install tree of prefix /usr with its modes;
# dpkg-deb -I shows the runtime Depends (found by dpkg-shlibdeps, plus the
# DPDK ring driver the EAL loads), the Recommends, the conffile and the
# maintainer scripts; each Depends package exists in Debian's apt lists; and
# dpkg --dry-run -i (which changes nothing) accepts it on this Debian 12 host.
#   deb_package.sh BUILD SRC [OUTDIR]   (OUTDIR: keep the .deb there)
set -u
BUILD=$1 SRC=$2 OUT=${3:-}
. "$SRC/tests/deploy/lib.sh"
T=$(mktemp -d /tmp/sl-deb-XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! cpack --config "$BUILD/CPackConfig.cmake" -B "$T" >"$T/cpack.log" 2>&1; then
	cat "$T/cpack.log"
	echo "FAIL: cpack"
	exit 1
fi
deb=$(ls "$T"/sluice_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "FAIL: cpack made no sluice_*.deb"; ls "$T"; exit 1; }
ok "cpack: $(basename "$deb"), $(stat -c %s "$deb") bytes"
[ -n "$OUT" ] && cp "$deb" "$OUT/"

dpkg-deb -c "$deb" >"$T/list"
got=$(awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' "$T/list" | sort)
want=$(expected_files /usr)
if [ "$got" = "$want" ]; then
	ok "dpkg-deb -c: the $(echo "$got" | wc -l) files of the install tree"
else
	fail "dpkg-deb -c differs from the install tree (< missing, > unexpected)"
	diff <(echo "$want") <(echo "$got")
fi
mode() { awk -v f="./$1" '$6 == f { print $1 " " $2 }' "$T/list"; }
[ "$(mode etc/sluice/sluice.conf)" = "-rw------- root/root" ] && ok "etc/sluice/sluice.conf -rw------- root/root" ||
	fail "etc/sluice/sluice.conf: '$(mode etc/sluice/sluice.conf)'"
for f in usr/bin/sluice-dataplane usr/bin/sluice-controlplane usr/libexec/sluice/sluice-nic-setup; do
	[ "$(mode $f)" = "-rwxr-xr-x root/root" ] && ok "$f -rwxr-xr-x root/root" || fail "$f: '$(mode $f)'"
done

dpkg-deb -I "$deb" >"$T/info"
sed -n '1,200p' "$T/info"
dep=$(dpkg-deb -f "$deb" Depends)
for p in libc6 libssl3 libsrtp2-1 libwebsockets17 libjansson4 librte-eal23 librte-ethdev23 \
	librte-mbuf23 librte-mempool23 librte-ring23 librte-mempool-ring23; do
	[[ ", $dep," == *", $p "* || ", $dep," == *", $p,"* ]] && ok "Depends: $p" || fail "Depends lacks $p: $dep"
done
rec=$(dpkg-deb -f "$deb" Recommends)
for p in dpdk ethtool; do
	[[ ", $rec," == *", $p,"* ]] && ok "Recommends: $p" || fail "Recommends lacks $p: $rec"
done
mkdir "$T/ctl"
dpkg-deb -e "$deb" "$T/ctl"
[ "$(cat "$T/ctl/conffiles" 2>/dev/null)" = /etc/sluice/sluice.conf ] && ok "conffiles: /etc/sluice/sluice.conf" ||
	fail "conffiles: '$(cat "$T/ctl/conffiles" 2>/dev/null)'"
for s in postinst prerm postrm; do
	[ -x "$T/ctl/$s" ] && sh -n "$T/ctl/$s" && ok "$s: executable, valid sh" || fail "$s missing, not executable or not sh"
done

# every Depends package is one Debian 12 has (apt lists of this host)
if apt-cache show libc6 >/dev/null 2>&1; then
	for p in $(echo "$dep" | tr ',' '\n' | sed 's/(.*)//; s/|.*//' | tr -d ' '); do
		apt-cache show "$p" >/dev/null 2>&1 && ok "apt knows $p" || fail "Depends names $p, which apt does not know"
	done
else
	echo "note: no apt lists here (apt-get update): package names not looked up"
fi
if [ "$(id -u)" != 0 ]; then
	echo "note: not root: dpkg --dry-run -i not tried"
elif dpkg --dry-run -i "$deb" >"$T/dry" 2>&1; then
	ok "dpkg --dry-run -i: its dependencies are satisfied on this host"
elif grep -q "lock" "$T/dry"; then
	echo "note: dpkg is busy (another apt or dpkg holds its lock): dpkg --dry-run -i not checked"
	cat "$T/dry"
else
	fail "dpkg --dry-run -i refused it"
	cat "$T/dry"
fi
echo "deb_package: $failures failed"
[ $failures -eq 0 ]
