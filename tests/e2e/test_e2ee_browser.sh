#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs e2ee_browser.test.mjs inside a network namespace of its own: Chromium
# gathers no ICE candidates on loopback, so the namespace gets a veth pair
# with 198.18.1.1/24 on one end; the two peer connections of the test page
# then meet at that address, which never leaves the namespace. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=sl-e2eb-$$
cleanup() {
	# anything still running in our namespace (a browser of a killed node) is ours
	local p left
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		left=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$left" ] && break
		sleep 0.1
	done
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns" || exit 1
ip netns exec "$ns" sh -e -c '
	ip link set lo up
	ip link add sle2a type veth peer name sle2b
	ip addr add 198.18.1.1/24 dev sle2a
	ip link set sle2a up
	ip link set sle2b up' || exit 1
ip netns exec "$ns" timeout --kill-after=10 240 node --test "$here/e2ee_browser.test.mjs"
