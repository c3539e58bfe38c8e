#!/usr/bin/env bash
# Issue 2 end to end: the data plane in a namespace answers ARP and ping, the
# control plane attaches and exposes counters, each process survives the
# other's death, and bad configuration stops start-up with a clear line.
# Needs root. DP_BIN, CP_BIN set by ctest.
. "$(dirname "$0")/lib.sh"
SL_PREFIXES+=("sl-dup-$$" "sl-bad-$$" "sl-bad2-$$" "sl-bad3-$$")
WORK=$(mktemp -d /tmp/sl-found-XXXXXX)
SL_SHMS+=()
NS=sl-found-$$
TAP=slf$$
SHM=/sluice-found-$$
HTTP_PORT=$(sl_free_port)
export SLUICE_SHM=$SHM SLUICE_HTTP_PORT=$HTTP_PORT SLUICE_DEV_MODE=1

sl_netns_new "$NS" || { echo "cannot create a namespace (root needed)"; exit 1; }
sl_start_dp "$NS" "$SHM" "$TAP" "0@0,1@1"
check "data plane reports ready" wait_until 600 sl_dp_ready
check "tap comes up" wait_until 100 sl_up_tap "$NS" "$TAP"

check "ping the data plane" ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 198.18.0.1
check "ARP resolved to the data plane's MAC" \
	bash -c "ip netns exec $NS ip neigh show 198.18.0.1 | grep -q lladdr"

"$CP_BIN" >"$WORK/cp.log" 2>&1 &
CP_PID=$!
SL_PIDS+=("$CP_PID")
check "control plane healthy" wait_until 600 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP_PORT/healthz)\" = 200 ]"
check "no-op round trip logged" grep -q "answered the no-op round trip" "$WORK/cp.log"
check "healthz lists lcore 0 with hello ok" \
	bash -c "curl -s http://127.0.0.1:$HTTP_PORT/healthz | grep -q '\"hello\":\"ok\"'"

# counters through /metrics
arp=$(metric 'sluice_arp_replies_total{lcore="0"}')
icmp=$(metric 'sluice_icmp_echo_replies_total{lcore="0"}')
check "ARP replies counted ($arp)" [ "${arp:-0}" -ge 1 ]
check "ICMP echo replies counted ($icmp)" [ "${icmp:-0}" -ge 3 ]
check "tx packets counted" [ "$(metric 'sluice_tx_packets_total{lcore="0"}')" -ge 4 ]

# drops by reason: UDP to a port we do not serve, and an IPv4 packet of another protocol
before=$(metric 'sluice_drops_total{lcore="0",reason="udp_port"}')
ip netns exec "$NS" bash -c 'for i in 1 2 3; do echo x > /dev/udp/198.18.0.1/9; done' 2>/dev/null
check "UDP to an unserved port is counted as udp_port" wait_until 100 bash -c \
	"[ \"\$(curl -sf http://127.0.0.1:$HTTP_PORT/metrics | awk '\$1 == \"sluice_drops_total{lcore=\\\"0\\\",reason=\\\"udp_port\\\"}\" {print \$2}')\" -ge $((before + 3)) ]"

# killing the control plane leaves the data plane answering
kill -KILL "$CP_PID"; wait "$CP_PID" 2>/dev/null
check "data plane answers with the control plane dead" ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 198.18.0.1

# a new control plane attaches to the running data plane
"$CP_BIN" >"$WORK/cp2.log" 2>&1 &
CP_PID=$!
SL_PIDS+=("$CP_PID")
check "restarted control plane healthy" wait_until 600 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP_PORT/healthz)\" = 200 ]"

# killing the data plane turns /healthz unhealthy
t0=$(date +%s%N)
kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null
check "healthz unhealthy after the data plane died" wait_until 100 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP_PORT/healthz)\" = 503 ]"
echo "# healthz turned 503 after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check "metrics say dataplane_up 0" [ "$(metric sluice_dataplane_up)" = 0 ]

# a restarted data plane (the stale segment of the killed one is replaced) is re-attached
sl_start_dp "$NS" "$SHM" "$TAP" "0@0,1@1"
check "data plane restarts over a stale segment" wait_until 600 bash -c "[ \$(grep -c 'sluice-dataplane: ready' $WORK/dp.log) -ge 2 ]"
check "control plane re-attached" wait_until 600 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP_PORT/healthz)\" = 200 ]"
check "attach count is 2" [ "$(metric sluice_dataplane_attaches_total)" = 2 ]
check "tap back up" wait_until 100 sl_up_tap "$NS" "$TAP"
check "ping after restart" ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 198.18.0.1

# a second data plane on the same segment is refused with a clear line
ip netns exec "$NS" "$DP_BIN" --no-huge -m 256 --no-pci --no-shconf --file-prefix "sl-dup-$$" \
	-l 0,1 --vdev="net_null0" -- --ip 198.18.0.1 --shm "$SHM" >"$WORK/dup.log" 2>&1
check "second data plane refused (exit 2)" [ $? = 2 ]
check "refusal names the running owner" grep -q "belongs to a running data plane" "$WORK/dup.log"

# SIGTERM stops the data plane cleanly and removes its segment
kill -TERM "$DP_PID"; wait "$DP_PID"; rc=$?
check "data plane exits 0 on SIGTERM" [ "$rc" = 0 ]
check "segment removed" [ ! -e "/dev/shm$SHM" ]

# bad configuration: one line that names the fix, non-zero exit
"$DP_BIN" --no-huge -m 256 --no-pci --no-shconf --file-prefix "sl-bad-$$" -l 0,1 \
	--vdev=net_null0 -- --shm "$SHM-x" >"$WORK/bad1.log" 2>&1
check "data plane without --ip refused" grep -q "missing --ip" "$WORK/bad1.log"
"$DP_BIN" --no-huge -m 256 --no-pci --no-shconf --file-prefix "sl-bad2-$$" -l 0,1 \
	-- --ip 198.18.0.1 --shm "$SHM-y" >"$WORK/bad2.log" 2>&1
check "data plane without a device names --vdev" grep -q "no network device.*--vdev" "$WORK/bad2.log"
"$DP_BIN" --no-huge -m 256 --no-pci --no-shconf --file-prefix "sl-bad3-$$" -l 0 \
	--vdev=net_null0 -- --ip 198.18.0.1 --shm "$SHM-z" >"$WORK/bad3.log" 2>&1
check "data plane with one lcore names -l" grep -q "give 2 to 65 lcores" "$WORK/bad3.log"
env -u SLUICE_DEV_MODE "$CP_BIN" >"$WORK/bad4.log" 2>&1
check "control plane without a secret names SLUICE_JWT_SECRET" grep -q "SLUICE_JWT_SECRET" "$WORK/bad4.log"
SLUICE_HTTP_PORT=$HTTP_PORT "$CP_BIN" >"$WORK/bad5.log" 2>&1
check "busy port named" grep -q "port $HTTP_PORT on 127.0.0.1 is busy" "$WORK/bad5.log"
SLUICE_HTTP_PORT=99999 "$CP_BIN" >"$WORK/bad6.log" 2>&1
check "bad port value named" grep -q "http_port must be" "$WORK/bad6.log"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$DP_BIN" --no-huge -m 256 --no-pci \
		--no-shconf --in-memory -l 0,1 --vdev=net_tap0,iface=slfx$$ -- --ip 198.18.0.1 \
		--shm "$SHM-p" >"$WORK/bad7.log" 2>&1
	rc=$?
	check "data plane without privileges fails (rc $rc)" [ "$rc" != 0 ]
	check "and says to run as root" grep -q "root" "$WORK/bad7.log"
fi
rm -rf "$WORK"
finish
