# SPDX-License-Identifier: MIT
# Shared by the tests/deploy shell tests (sourced). BUILD and SRC must be set.

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
failures=0

# expected_files PREFIX: the files `cmake --install --prefix PREFIX` must put
# under DESTDIR, one per line, sorted, without the leading slash.
expected_files() {
	local p=${1#/} etc unit
	if [ "$1" = /usr ]; then etc=etc unit=lib/systemd/system
	else etc=$p/etc unit=$p/lib/systemd/system; fi
	{
		echo "$etc/sluice/sluice.conf"
		echo "$unit/sluice-controlplane.service"
		echo "$unit/sluice-dataplane.service"
		for b in sluice-controlplane sluice-dataplane sluice-token; do echo "$p/bin/$b"; done
		[ -x "$BUILD/pktgen-scripts/loadgen/sluice-loadgen" ] && echo "$p/bin/sluice-loadgen"
		echo "$p/libexec/sluice/sluice-nic-setup"
		echo "$p/share/doc/sluice/README.md"
		echo "$p/share/doc/sluice/sluice.conf.example"
		if [ -d "$BUILD/demo" ]; then
			(cd "$BUILD/demo" && find . -type f | sed "s|^\./|$p/share/sluice/demo/|")
		fi
	} | sort
}

# install_to DIR PREFIX: cmake --install of the build into DESTDIR=DIR.
install_to() {
	DESTDIR=$1 cmake --install "$BUILD" --prefix "$2" >"$1.log" 2>&1 ||
		{ cat "$1.log"; return 1; }
}

# verify_root ROOT UNIT...: systemd-analyze verify of units inside ROOT, with
# the host's own units copied in (sysinit.target and the rest). Prints what
# it says; fails on any output or a non-zero exit.
verify_root() {
	local root=$1 out rc
	shift
	mkdir -p "$root/lib/systemd/system"
	cp -an /lib/systemd/system/. "$root/lib/systemd/system/" 2>/dev/null || true
	out=$(systemd-analyze verify --root="$root" "$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	[ $rc -eq 0 ] && [ -z "$out" ]
}
