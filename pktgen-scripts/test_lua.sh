#!/bin/bash
# SPDX-License-Identifier: MIT
# test_lua.sh <sluice-pcapgen> <keys.json> - runs test_lua.lua (the Pktgen-DPDK
# scripts against a stand-in pktgen table) on a pcap sluice-pcapgen makes.
# Exit 77 (skipped) without lua5.3.
set -u
command -v lua5.3 >/dev/null || { echo "SKIP: no lua5.3"; exit 77; }
D=$(mktemp -d /tmp/pktgen-lua.XXXXXX)
trap 'rm -rf "$D"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
"$1" --keys "$2" --out "$D/media.pcap" --pps 20 --seconds 3 >"$D/summary" || exit 1
cat "$D/summary"
frames=$(sed -n 's/.* frames=\([0-9]*\).*/\1/p' "$D/summary")
bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$D/summary")
cd "$D" && lua5.3 "$here/test_lua.lua" "$here" "$D/media.pcap" "$frames" "$bytes"
