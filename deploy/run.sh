#!/usr/bin/env bash
# The RUN command: installs what is missing, builds, and starts Sluice:
# the data plane on a DPDK virtual device (net_tap; no NIC, no hugepages), the
# control plane, and the demo page. Ctrl-C stops both and removes what it set up.
#
# By default everything runs inside a network namespace (SLUICE_NETNS, default
# "sluice"), with the data plane at 198.18.0.1 and the kernel side of its tap at
# 198.18.0.2, so nothing touches the host's network. Open the demo with a
# browser inside that namespace (the script prints the command). For a real
# host set SLUICE_NETNS= (empty), SLUICE_VDEV (e.g. net_af_xdp0,iface=eth0 or
# a PCI NIC with SLUICE_EAL), SLUICE_IP and SLUICE_ANNOUNCED_IP; see README.
#
# Development mode: the control plane runs with dev_mode (SLUICE_DEV_MODE=1,
# set SLUICE_DEV_MODE=0 to turn it off), so the demo page gets its user token
# from GET /dev/token and the printed URL is all a browser needs. Never
# expose a dev_mode control plane to other people: anyone reaching it gets a
# token.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

: "${SLUICE_NETNS=sluice}"
: "${SLUICE_IP:=198.18.0.1}"
: "${SLUICE_PEER_IP:=198.18.0.2}"
: "${SLUICE_PREFIX_LEN:=24}"
: "${SLUICE_TAP:=sl0}"
: "${SLUICE_VDEV:=net_tap0,iface=$SLUICE_TAP}"
: "${SLUICE_LCORES:=0,1}"
: "${SLUICE_EAL:=--no-huge -m 256 --no-pci --no-shconf}"
: "${SLUICE_SHM:=/sluice}"
: "${SLUICE_HTTP_PORT:=8080}"
: "${SLUICE_HTTP_LISTEN:=127.0.0.1}"
: "${SLUICE_BUILD_DIR:=$top/build}"
: "${SLUICE_IDLE_SLEEP_US:=100}"
: "${SLUICE_DEV_MODE:=1}"
export SLUICE_SHM SLUICE_HTTP_PORT SLUICE_HTTP_LISTEN SLUICE_DEV_MODE

if [ "$(id -u)" != 0 ]; then
	echo "run: needs root for the DPDK virtual device and the namespace: sudo $0" >&2
	exit 1
fi
if [ -z "${SLUICE_SKIP_BUILD:-}" ]; then
	deploy/install-deps.sh
	deploy/build.sh "$SLUICE_BUILD_DIR"
fi
dp_bin=$SLUICE_BUILD_DIR/dataplane/sluice-dataplane
cp_bin=$SLUICE_BUILD_DIR/controlplane/sluice-controlplane

# A JWT secret for this installation, made once.
if [ -z "${SLUICE_JWT_SECRET:-}" ] && [ -z "${SLUICE_JWT_SECRET_FILE:-}" ]; then
	SLUICE_JWT_SECRET_FILE=$SLUICE_BUILD_DIR/jwt-secret
	[ -s "$SLUICE_JWT_SECRET_FILE" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$SLUICE_JWT_SECRET_FILE")
	export SLUICE_JWT_SECRET_FILE
fi
# The demo page: the bundle the build made (controlplane/demo, needs node).
if [ -z "${SLUICE_DEMO_DIR:-}" ] && [ -d "$SLUICE_BUILD_DIR/demo" ]; then
	SLUICE_DEMO_DIR=$SLUICE_BUILD_DIR/demo
fi
[ -n "${SLUICE_DEMO_DIR:-}" ] && export SLUICE_DEMO_DIR
tok_bin=$SLUICE_BUILD_DIR/controlplane/sio/sluice-token

ns_exec=()
made_ns=0
dp_pid=""
cp_pid=""
cleanup() {
	trap - INT TERM EXIT
	[ -n "$cp_pid" ] && kill -TERM "$cp_pid" 2>/dev/null && wait "$cp_pid" 2>/dev/null || true
	[ -n "$dp_pid" ] && kill -TERM "$dp_pid" 2>/dev/null && wait "$dp_pid" 2>/dev/null || true
	[ $made_ns = 1 ] && ip netns del "$SLUICE_NETNS" 2>/dev/null || true
	rm -f "/dev/shm${SLUICE_SHM}"
	rm -rf "/var/run/dpdk/sluice-$$" # EAL runtime dir (--file-prefix below)
	echo "run: stopped and cleaned up"
}
trap cleanup INT TERM EXIT

if [ -n "$SLUICE_NETNS" ]; then
	if ip netns list | awk '{print $1}' | grep -qx "$SLUICE_NETNS"; then
		echo "run: namespace $SLUICE_NETNS exists already: another run.sh? stop it or set SLUICE_NETNS" >&2
		exit 1
	fi
	ip netns add "$SLUICE_NETNS"
	made_ns=1
	ip netns exec "$SLUICE_NETNS" ip link set lo up
	ns_exec=(ip netns exec "$SLUICE_NETNS")
fi

prefix=sluice-$$
"${ns_exec[@]}" "$dp_bin" $SLUICE_EAL --file-prefix "$prefix" -l "$SLUICE_LCORES" \
	--vdev="$SLUICE_VDEV" -- --ip "$SLUICE_IP" --shm "$SLUICE_SHM" \
	--idle-sleep-us "$SLUICE_IDLE_SLEEP_US" &
dp_pid=$!

# The tap appears once the data plane has started its port.
if [[ "$SLUICE_VDEV" == net_tap* ]]; then
	for _ in $(seq 1 300); do
		"${ns_exec[@]}" ip link show "$SLUICE_TAP" >/dev/null 2>&1 && break
		kill -0 "$dp_pid" 2>/dev/null || { echo "run: the data plane failed to start" >&2; exit 1; }
		sleep 0.1
	done
	"${ns_exec[@]}" ip addr add "$SLUICE_PEER_IP/$SLUICE_PREFIX_LEN" dev "$SLUICE_TAP"
	"${ns_exec[@]}" ip link set "$SLUICE_TAP" up
fi

"${ns_exec[@]}" "$cp_bin" ${SLUICE_CONFIG:+-c "$SLUICE_CONFIG"} &
cp_pid=$!

url=http://$SLUICE_HTTP_LISTEN:$SLUICE_HTTP_PORT
for _ in $(seq 1 300); do
	"${ns_exec[@]}" curl -sf "$url/healthz" >/dev/null 2>&1 && break
	kill -0 "$cp_pid" 2>/dev/null || { echo "run: the control plane failed to start" >&2; exit 1; }
	kill -0 "$dp_pid" 2>/dev/null || { echo "run: the data plane stopped" >&2; exit 1; }
	sleep 0.1
done
pfx=""
[ -n "$SLUICE_NETNS" ] && pfx="ip netns exec $SLUICE_NETNS "
# the E2EE passphrase of the printed URL (in the fragment: never sent to a server)
pass=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
if [ "$SLUICE_DEV_MODE" = 1 ] || [ "$SLUICE_DEV_MODE" = true ] || [ "$SLUICE_DEV_MODE" = yes ]; then
	open_url="$url/?room=demo#passphrase=$pass"
	tok_hint="   a token:    none needed: dev_mode, the page gets one from $url/dev/token
               (open the same URL in a second window to see two peers)"
else
	open_url="$url/?room=demo&token=TOKEN#passphrase=$pass"
	tok_hint="   a token:    $tok_bin --secret-file ${SLUICE_JWT_SECRET_FILE:-<your secret file>} --sub alice --room demo
               (put it in the URL for TOKEN; everyone in the room uses the same passphrase)"
fi
cat <<MSG

== Sluice is running (data plane pid $dp_pid, control plane pid $cp_pid)
   signaling:  $url/socket.io/  (Socket.IO v4, protocol.md)
   demo page:  $open_url
   health:     $url/healthz     metrics: $url/metrics
   media:      udp://$SLUICE_IP:40000+ on ${SLUICE_VDEV%%,*}${SLUICE_NETNS:+ (namespace $SLUICE_NETNS)}
$tok_hint
${SLUICE_NETNS:+   these addresses live in namespace $SLUICE_NETNS: e.g. ${pfx}curl $url/healthz
   browser:    ${pfx}chromium --no-sandbox --user-data-dir=/tmp/sluice-browser '$open_url'
}Ctrl-C stops both.
MSG
echo "run: ready"
wait -n "$dp_pid" "$cp_pid" || true
echo "run: a process exited; stopping" >&2
