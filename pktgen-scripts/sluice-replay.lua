-- SPDX-License-Identifier: MIT
--
-- sluice-replay.lua - Pktgen-DPDK: replay sluice-pcapgen pcaps at a given
-- packet rate, one pcap per port, and print what was sent each second.
--
-- Pktgen loads the pcaps itself (-s PORT:FILE); tell the script the same
-- files so it can turn packets/s into Pktgen's rate (percent of the link):
--
--   SLUICE_PORTS=0 SLUICE_PCAPS=/tmp/pcaps/media.pcap SLUICE_PPS=20000 \
--   pktgen -l 0-2 -n 4 -a 0000:01:00.0 -- -P -m "[1:2].0" \
--          -s 0:/tmp/pcaps/media.pcap -f pktgen-scripts/sluice-replay.lua
--
-- Environment:
--   SLUICE_PORTS      ports, "0" or "0,1" (default 0)
--   SLUICE_PCAPS      the pcap of each port, same order (required)
--   SLUICE_PPS        packets/s per port (default: the pcap's own pace)
--   SLUICE_SECONDS    how long (default: one pass of the longest pcap)
--   SLUICE_LOOP       1: allow more than one pass (later passes of valid
--                     media are SRTP replays to the server)
--   SLUICE_LINK_MBPS  link speed when Pktgen's link state does not say
--   SLUICE_QUIT       1: quit Pktgen at the end
local dir = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
package.path = dir .. "?.lua;" .. package.path
local sp = require("sluice_pcap")
local pg = pktgen

local s = sp.settings()
local portlist = table.concat(s.ports, ",")
for i, port in ipairs(s.ports) do
	local info, pps = s.pcaps[i], s.pps[i]
	local mbps = sp.link_mbps(pg, port)
	local pct = sp.rate_percent(pps, info.avg, mbps)
	local passes = pps * s.seconds / info.frames
	printf("sluice-replay: port %s: %d frames of %.0f bytes avg, %.0f pps = %.4f%% of %d Mbit/s, %d s (%.2f passes)\n",
	       port, info.frames, info.avg, pps, pct, mbps, s.seconds, passes)
	if passes > 1.0001 and not s.loop then
		printf("sluice-replay: port %s: more than one pass: shortened to one (SLUICE_LOOP=1 to repeat)\n", port)
		s.seconds = math.max(1, math.floor(info.frames / pps))
	end
	pg.pcap(port, "on")
	pg.set(port, "rate", pct)
end

pg.clr()
local base = pg.portStats(portlist, "port")
local last = {}
for _, port in ipairs(s.ports) do last[port] = sp.opackets(base, port) end
pg.start(portlist)
for t = 1, s.seconds do
	pg.delay(1000)
	local st = pg.portStats(portlist, "port")
	local line = {}
	for _, port in ipairs(s.ports) do
		local o = sp.opackets(st, port)
		line[#line + 1] = string.format("port %s %d pps", port, o - last[port])
		last[port] = o
	end
	printf("sluice-replay: %3d s: %s\n", t, table.concat(line, ", "))
end
pg.stop(portlist)
pg.delay(100)
local fin = pg.portStats(portlist, "port")
for _, port in ipairs(s.ports) do
	local sent = sp.opackets(fin, port) - sp.opackets(base, port)
	printf("sluice-replay: port %s: sent %d packets in %d s (%.0f pps)\n", port, sent, s.seconds, sent / s.seconds)
end
if os.getenv("SLUICE_QUIT") == "1" then
	pg.quit()
end
