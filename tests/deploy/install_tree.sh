#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cmake --install into a DESTDIR, for prefix /usr (the package's) and
# /usr/local (cmake's default): exactly the expected files, with their modes;
# the units and the configuration name the paths of that prefix; the
# installed binaries carry no build-tree RUNPATH and start (--help).
#   install_tree.sh BUILD SRC
set -u
BUILD=$1 SRC=$2
. "$SRC/tests/deploy/lib.sh"
T=$(mktemp -d /tmp/sl-inst-XXXXXX)
trap 'rm -rf "$T"' EXIT

check_prefix() {
	local prefix=$1 d=$T/root${1//\//_} p=${1#/} etc unit
	if [ "$prefix" = /usr ]; then etc=/etc unit=/lib/systemd/system
	else etc=$prefix/etc unit=$prefix/lib/systemd/system; fi
	install_to "$d" "$prefix" || { fail "cmake --install --prefix $prefix failed"; return; }
	local got want
	got=$(cd "$d" && find . -type f -o -type l | sed 's|^\./||' | sort)
	want=$(expected_files "$prefix")
	if [ "$got" = "$want" ]; then
		ok "prefix $prefix: $(echo "$got" | wc -l) files, as expected"
	else
		fail "prefix $prefix: installed files differ (< missing, > unexpected; update tests/deploy/lib.sh when a file is added on purpose)"
		diff <(echo "$want") <(echo "$got")
	fi
	# modes
	local f m
	for f in bin/sluice-controlplane bin/sluice-dataplane bin/sluice-token libexec/sluice/sluice-nic-setup; do
		m=$(stat -c %a "$d/$p/$f" 2>/dev/null)
		[ "$m" = 755 ] && ok "$p/$f mode 755" || fail "$p/$f mode '$m', want 755"
	done
	m=$(stat -c %a "$d$etc/sluice/sluice.conf" 2>/dev/null)
	[ "$m" = 600 ] && ok "$etc/sluice/sluice.conf mode 600 (it may hold the secret)" ||
		fail "$etc/sluice/sluice.conf mode '$m', want 600"
	# the units name this prefix's paths, and nothing of the build tree
	local dpu=$d$unit/sluice-dataplane.service cpu=$d$unit/sluice-controlplane.service
	grep -q "^ExecStart=$prefix/bin/sluice-dataplane " "$dpu" && ok "data plane unit runs $prefix/bin/sluice-dataplane" ||
		fail "data plane unit: ExecStart is not $prefix/bin/sluice-dataplane: $(grep ^ExecStart= "$dpu")"
	grep -q "^ExecStartPre=+$prefix/libexec/sluice/sluice-nic-setup " "$dpu" && ok "data plane unit runs the NIC helper first" ||
		fail "data plane unit: no ExecStartPre of $prefix/libexec/sluice/sluice-nic-setup"
	grep -q "^ExecStart=$prefix/bin/sluice-controlplane$" "$cpu" && ok "control plane unit runs $prefix/bin/sluice-controlplane" ||
		fail "control plane unit: ExecStart is not $prefix/bin/sluice-controlplane"
	for u in "$dpu" "$cpu"; do
		grep -q "^EnvironmentFile=-$etc/sluice/sluice.conf$" "$u" && ok "$(basename "$u") reads $etc/sluice/sluice.conf" ||
			fail "$(basename "$u"): EnvironmentFile is not $etc/sluice/sluice.conf"
		if grep -n "$BUILD\|$SRC" "$u"; then fail "$(basename "$u") names the build or source tree"; fi
	done
	grep -q "^Environment=SLUICE_SHM=/sluice SLUICE_DEMO_DIR=$prefix/share/sluice/demo$" "$cpu" &&
		ok "control plane unit: demo page at $prefix/share/sluice/demo" ||
		fail "control plane unit: the demo dir is not $prefix/share/sluice/demo"
	grep -q "^SLUICE_DEMO_DIR=$prefix/share/sluice/demo$" "$d$etc/sluice/sluice.conf" &&
	grep -q "^SLUICE_JWT_SECRET_FILE=$etc/sluice/jwt.secret$" "$d$etc/sluice/sluice.conf" &&
		ok "$etc/sluice/sluice.conf names this prefix's demo dir and secret file" ||
		fail "$etc/sluice/sluice.conf: SLUICE_DEMO_DIR or SLUICE_JWT_SECRET_FILE not rewritten to the prefix"
	# binaries: no RUNPATH into the build, and they start
	for f in sluice-controlplane sluice-dataplane sluice-token; do
		if readelf -d "$d/$p/bin/$f" | grep -E 'R(UN)?PATH' | grep -q "$BUILD"; then
			fail "$f keeps a RUNPATH into the build tree"
		fi
	done
	"$d/$p/bin/sluice-controlplane" --help >"$T/help" 2>&1 && grep -q "usage: sluice-controlplane" "$T/help" &&
		ok "installed sluice-controlplane --help runs" || { fail "installed sluice-controlplane --help"; cat "$T/help"; }
	"$d/$p/libexec/sluice/sluice-nic-setup" --help | grep -q -- "--dry-run" &&
		ok "installed sluice-nic-setup --help runs" || fail "installed sluice-nic-setup --help"
}

check_prefix /usr
check_prefix /usr/local
echo "install_tree: $failures failed"
[ $failures -eq 0 ]
