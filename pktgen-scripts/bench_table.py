#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench-vs-seed.sh's table: one markdown row per (server, scenario) from the
loadgen's --json-out lines. Usage: bench_table.py RESULTS.jsonl TITLE"""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"Measured {sys.argv[2]}.\n")
print("| server | scenario | peers up | consumer streams | rx pkts/s | loss | latency p50 / p99 ms "
      "| join p50 / p99 ms | server CPU % | CPU % per 100k pkts/s | server RSS MB | loadgen CPU % "
      "| loadgen socket drops |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
fm_rows = [r for r in rows if r["scenario"] == "findmax"]
rows = [r for r in rows if r["scenario"] != "findmax"]
for r in rows:
    cpu = sum(s["cpu_pct"] for s in r["servers"])
    rss = sum(s["rss_kb"] for s in r["servers"]) / 1024
    pps = r.get("rx_pps", 0)
    per = cpu / (pps / 1e5) if pps > 0 else 0
    lat = r["latency_us"]
    scen = r["scenario"]
    fm = r.get("find_max")
    if scen == "findmax":
        scen = (f"find-max: held {fm['peers']} peers / {fm['consumers']} streams" if fm
                else "find-max: first step failed") + f" (last window {r['peers']} peers)"
    print(f"| {r['server']} | {scen} | {r['peers_connected']}/{r['peers']} | {r['consumers']} "
          f"| {pps:,.0f} | {100 * r['loss_ratio']:.3f}% | {lat['p50'] / 1000:.2f} / {lat['p99'] / 1000:.2f} "
          f"| {r['join_ms']['p50']} / {r['join_ms']['p99']} | {cpu:.0f} | {per:.1f} | {rss:.0f} "
          f"| {r['loadgen']['cpu_pct']:.0f} | {r.get('rx_socket_drops', 0)} |")

if fm_rows:
    print("\n--find-max (one room, +10 peers per window, 500 kbps video + audio each): the last "
          "load that held (<= 0.1% loss, p99 <= 50 ms, every peer up), and the window that "
          "did not\n")
    print("| server | held: peers | consumer streams | rx pkts/s | p99 ms | next window: peers | loss | p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in fm_rows:
        fm = r.get("find_max")
        held = (f"{fm['peers']} | {fm['consumers']} | {fm.get('rx_pps', 0):,.0f} | {fm['p99_us'] / 1000:.2f}"
                if fm else "none | - | - | -")
        print(f"| {r['server']} | {held} | {r['peers']} ({r['peers_connected']} up) "
              f"| {100 * r['loss_ratio']:.3f}% | {r['latency_us']['p99'] / 1000:.2f} |")
