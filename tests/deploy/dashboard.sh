#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Every query of deploy/grafana/sluice-dashboard.json returns a series from
# Debian's prometheus scraping a live Sluice that carries a call (three
# sluice-loadgen peers: audio, video, RTCP, so per-transport bitrate, loss
# and RTT exist), all in a namespace of the test's own (tests/lib/sluice_ns.sh).
# Prometheus uses deploy/prometheus/prometheus.yml with the scrape interval
# cut to 1 s. Waits are bounded by tries; nothing asserts on elapsed time.
# Env (ctest sets them): DP_BIN, CP_BIN, LG_BIN. Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${DP_BIN:?}" "${CP_BIN:?}" "${LG_BIN:?}"
PROM=${PROMETHEUS:-$(command -v prometheus || echo /usr/bin/prometheus)}
[ -x "$PROM" ] || { echo "FAIL: no prometheus (deploy/install-deps.sh --test installs Debian's)"; exit 1; }
# shellcheck source=../lib/sluice_ns.sh
. "$here/../lib/sluice_ns.sh"
sln_init dash
trap sln_cleanup EXIT
trap 'exit 130' INT TERM
w=$sln_work
sln_up
ip netns exec "$sln_ns" "$LG_BIN" --url "$sln_url" --secret "$sln_secret" --local-ip 198.18.0.2 \
	--rooms 1 --peers 3 --seconds 600 --video-kbps 300 --quiet >"$w/lg.log" 2>&1 &

sed -e 's/scrape_interval: 5s/scrape_interval: 1s/' "$src/deploy/prometheus/prometheus.yml" >"$w/prom.yml"
ip netns exec "$sln_ns" "$PROM" --config.file="$w/prom.yml" --storage.tsdb.path="$w/tsdb" \
	--web.listen-address=127.0.0.1:9091 --log.level=warn >"$w/prometheus.log" 2>&1 &
api=http://127.0.0.1:9091/api/v1
# query EXPR: prints the number of series the instant query returns
query() {
	sln_in curl -s --max-time 5 --get "$api/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
    print(len(d["data"]["result"]) if d.get("status") == "success" else -1)
except Exception:
    print(-1)'
}
python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["panels"]:
    for t in p["targets"]:
        print(p["title"] + "\t" + t["expr"])' "$src/deploy/grafana/sluice-dashboard.json" >"$w/queries.tsv" ||
	sln_fail "the dashboard JSON does not parse"
n=$(wc -l <"$w/queries.tsv")
[ "$n" -ge 10 ] || sln_fail "only $n queries in the dashboard"
# every query gets up to 120 tries 0.5 s apart: the first scrapes, the
# call's set-up, and rate() windows need a few samples
bad=0
while IFS=$'\t' read -r title expr; do
	got=-1
	for _ in $(seq 1 120); do
		got=$(query "$expr")
		[ "$got" -gt 0 ] 2>/dev/null && break
		sleep 0.5
	done
	if [ "$got" -gt 0 ] 2>/dev/null; then
		echo "ok   $got series  $title: $expr"
	else
		echo "FAIL no series   $title: $expr"
		bad=1
	fi
done <"$w/queries.tsv"
[ $bad = 0 ] || sln_fail "dashboard queries without a series (prometheus log: $(tail -3 "$w/prometheus.log"))"
grep -q 'FAILED' "$w/lg.log" && sln_fail "a loadgen peer failed: $(grep -m1 FAILED "$w/lg.log")"
sln_check_exit || exit 1
sln_rc=0
