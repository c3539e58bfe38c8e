#!/usr/bin/env bash
# Installs every build, run and test dependency of Sluice from Debian 12's apt
# (and the test suite's npm packages with --test). Idempotent: prints nothing
# when everything is already there.
#   deploy/install-deps.sh          build + run dependencies
#   deploy/install-deps.sh --test   also test dependencies (node packages, clang runtime)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config libdpdk-dev dpdk libsrtp2-dev libipsec-mb-dev libssl-dev
      libwebsockets-dev libjansson-dev libhiredis-dev iproute2 iputils-ping curl ethtool procps
      python3 util-linux)
want_test=0
[ "${1:-}" = "--test" ] && want_test=1
if [ $want_test = 1 ]; then
	pkgs+=(clang libclang-rt-14-dev chromium nftables) # chromium: the browser tests (tests/e2e); nftables: their packet loss
	pkgs+=(tshark tcpreplay lua5.3) # pktgen-scripts: pcaps read by tshark, replayed by tcpreplay; the Lua scripts checked by lua5.3
	pkgs+=(systemd debootstrap prometheus) # tests/deploy: systemd-analyze verify of the units; the .deb installed in a Debian 12 chroot; the dashboard queries
	pkgs+=(redis-server) # the fleet test (tests/fleet) starts its own
fi
# node + npm bundle the demo page at build time (and run the Node tests)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages: ${missing[*]}; run as root (sudo $0 $*)" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the installed tree is missing or older than the lock file:
# tests/ (test clients, playwright-core) and controlplane/demo (the demo
# page's bundle; its CMake target would install them too)
if [ $want_test = 1 ]; then
	for d in tests controlplane/demo; do
		[ -f "$d/package-lock.json" ] || continue
		if [ ! -d "$d/node_modules" ] || [ "$d/package-lock.json" -nt "$d/node_modules" ]; then
			echo "install-deps: installing node packages of $d"
			npm ci --prefix "$d" --no-audit --no-fund --loglevel=error >/dev/null
			touch "$d/node_modules"
		fi
	done
fi
