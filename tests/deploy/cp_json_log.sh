#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# log_format=json on a real control plane: sluice-dataplane (DPDK null
# device, no network) and sluice-controlplane on a free 127.0.0.1 port with
# SLUICE_LOG_FORMAT=json; cp_json_log.test.mjs (socket.io-client) takes a
# room through join, transports, produce, consume, leave and disconnect.
# Every line the control plane wrote must be one JSON object with ts, level,
# component, msg; the life-cycle lines must carry the room, peer and
# transport ids as fields, equal to the ids the client saw. Both processes
# run with their units' capability bounding sets.
#   cp_json_log.sh DATAPLANE CONTROLPLANE NODE SRC
set -u
DP_BIN=$1 CP_BIN=$2 NODE=$3 SRC=$4
ID=$$
SHM=/sluice-jsonlog-$ID
W=$(mktemp -d /tmp/sl-jsonlog-XXXXXX)
SECRET="jsonlog-secret-$ID-0123456789abcdef"
DP_PID= CP_PID= status=1
stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
}
cleanup() {
	stop "$CP_PID"
	stop "$DP_PID"
	rm -f "/dev/shm$SHM"
	rm -rf "/var/run/dpdk/sl-jsonlog-$ID"
	[ $status -ne 0 ] && tail -n 40 "$W"/*.log
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Both processes run with the capability bounding sets of their units
# (setpriv, no_new_privs), as systemd would start them: the control plane
# must attach and log with CAP_NET_BIND_SERVICE only.
caps_of() { # UNIT: CapabilityBoundingSet= as setpriv's -all,+cap,...
	local c out=-all
	for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$SRC/deploy/systemd/$1"); do
		c=${c#CAP_}
		out="$out,+$(echo "$c" | tr A-Z a-z)"
	done
	echo "$out"
}
dp_priv=() cp_priv=()
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	dp_priv=(setpriv --no-new-privs --inh-caps=-all --bounding-set="$(caps_of sluice-dataplane.service)" --)
	cp_priv=(setpriv --no-new-privs --inh-caps=-all --bounding-set="$(caps_of sluice-controlplane.service)" --)
	echo "data plane: ${dp_priv[*]}"
	echo "control plane: ${cp_priv[*]}"
else
	echo "note: no setpriv or not root: the processes keep this shell's capabilities"
fi

port=$("$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" "${dp_priv[@]}" "$DP_BIN" --no-huge -m 256 --no-pci --no-shconf \
	--file-prefix "sl-jsonlog-$ID" --lcores "0@0,1@0" --vdev=net_null0,no-rx=1 -- \
	--ip 198.18.0.1 --shm "$SHM" --idle-sleep-us 200 --max-transports 256 >"$W/dataplane.log" 2>&1 &
DP_PID=$!
env SLUICE_SHM="$SHM" SLUICE_HTTP_LISTEN=127.0.0.1 SLUICE_HTTP_PORT="$port" SLUICE_JWT_SECRET="$SECRET" \
	SLUICE_LOG_FORMAT=json SLUICE_LOG_LEVEL=debug "${cp_priv[@]}" "$CP_BIN" 2>"$W/controlplane.log" &
CP_PID=$!
healthy=0
for _ in $(seq 1 1200); do
	if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
		printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3
		read -r -t 5 line <&3 || true
		exec 3<&- 3>&-
		case ${line:-} in *" 200 "*) healthy=1; break ;; esac
	fi
	kill -0 "$CP_PID" 2>/dev/null || break
	sleep 0.05
done
[ $healthy = 1 ] || { echo "FAIL: the control plane did not become healthy"; exit 1; }

if [ ${#cp_priv[@]} -gt 0 ]; then
	eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$CP_PID/status")
	[ "$eff" = 0000000000000400 ] && echo "ok: the control plane runs with CapEff $eff (CAP_NET_BIND_SERVICE only) and is healthy" ||
		{ echo "FAIL: control plane CapEff $eff, want 0000000000000400"; exit 1; }
fi
export SIG_URL="http://127.0.0.1:$port" SIG_URL_NODP="http://127.0.0.1:$port" SIG_SECRET="$SECRET"
export JSONLOG_IDS="$W/ids.json" NODE_PATH="$SRC/tests/node_modules"
"$NODE" --test --test-timeout=120000 "$SRC/tests/deploy/cp_json_log.test.mjs" || { echo "FAIL: the client script"; exit 1; }
kill -TERM "$CP_PID"
wait "$CP_PID"
rc=$?
CP_PID=
[ $rc -eq 0 ] || { echo "FAIL: the control plane exited $rc on SIGTERM"; exit 1; }

python3 - "$W/controlplane.log" "$W/ids.json" <<'PY'
import json, sys
ids = json.load(open(sys.argv[2]))
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
objs, bad = [], 0
for line in lines:
    try:
        o = json.loads(line)
        assert isinstance(o, dict) and {"ts", "level", "component", "msg"} <= o.keys()
        objs.append(o)
    except Exception as e:
        bad += 1
        print("FAIL: not a JSON log object:", line[:200])
print(f"{len(objs)} JSON lines, {bad} bad")
fails = bad

def need(what, pred, **fields):
    global fails
    hits = [o for o in objs if o["component"] == "signal" and pred(o["msg"])
            and all(o.get(k) == v for k, v in fields.items())]
    extra = {k for k in ("room", "peer", "transport") if k not in fields}
    hits = [o for o in hits if not any(k in o for k in extra)]
    if hits:
        print("ok:", what, "->", json.dumps(hits[0])[:220])
    else:
        fails += 1
        print("FAIL:", what, "with", fields)

r, a, b, ta, tb = ids["room"], ids["a"], ids["b"], ids["ta"], ids["tb"]
need("peer a joined", lambda m: m.startswith(f"peer {a} ") and "joined room" in m, room=r, peer=a)
need("peer b joined", lambda m: m.startswith(f"peer {b} ") and "joined room" in m, room=r, peer=b)
need("send transport created", lambda m: m.startswith(f"transport {ta} (send"), room=r, peer=a, transport=ta)
need("recv transport created", lambda m: m.startswith(f"transport {tb} (recv"), room=r, peer=b, transport=tb)
need("producer created", lambda m: m.startswith(f"producer {ids['producer']} (audio"), room=r, peer=a, transport=ta)
need("consumer created", lambda m: m.startswith(f"consumer {ids['consumer']} "), room=r, peer=b, transport=tb)
need("consumer closed", lambda m: m == f"consumer {ids['consumer']} (peer {b}) closed", room=r, peer=b, transport=tb)
need("producer closed", lambda m: m == f"producer {ids['producer']} (peer {a}) closed", room=r, peer=a, transport=ta)
need("send transport closed", lambda m: m.startswith(f"transport {ta} (peer {a}") and m.endswith("closed"), room=r, peer=a, transport=ta)
need("peer a left", lambda m: m.startswith(f"peer {a} (user alice) left room"), room=r, peer=a)
need("peer b disconnected", lambda m: f"(peer {b}) disconnected" in m, room=r, peer=b)
need("room closed", lambda m: m == f"room {r} closed (last peer left)", room=r)
need("socket connected", lambda m: f"connected as peer {a} " in m, peer=a)
comps = sorted({o["component"] for o in objs})
print("components:", comps, "levels:", sorted({o["level"] for o in objs}))
print(f"cp_json_log: {fails} failed")
sys.exit(1 if fails else 0)
PY
status=$?
exit $status
