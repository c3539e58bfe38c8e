-- SPDX-License-Identifier: MIT
--
-- sluice-ramp.lua - Pktgen-DPDK: replay one sluice-pcapgen pcap at rising
-- packet rates, holding each step, to find where the server starts to drop
-- (read its counters meanwhile: Prometheus drops by reason, rtp_in). Each
-- step restarts the pcap from its first frame, so make the pcap at least
-- as long as the fastest step (sluice-pcapgen --pps P --seconds S gives
-- P x streams x S frames), or the later steps replay SRTP indexes.
--
--   SLUICE_PCAPS=/tmp/pcaps/media.pcap SLUICE_PPS=10000 SLUICE_PPS_MAX=200000 \
--   pktgen -l 0-2 -n 4 -a 0000:01:00.0 -- -P -m "[1:2].0" \
--          -s 0:/tmp/pcaps/media.pcap -f pktgen-scripts/sluice-ramp.lua
--
-- Environment: SLUICE_PORTS (default 0, one port), SLUICE_PCAPS, SLUICE_PPS
-- (first step, default 10000), SLUICE_PPS_MAX (default 10 x the first),
-- SLUICE_STEP (factor between steps, default 1.5), SLUICE_HOLD (seconds
-- per step, default 5), SLUICE_LINK_MBPS, SLUICE_QUIT.
local dir = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
package.path = dir .. "?.lua;" .. package.path
local sp = require("sluice_pcap")
local pg = pktgen

local port = sp.split(os.getenv("SLUICE_PORTS") or "0")[1] or "0"
local path = sp.split(os.getenv("SLUICE_PCAPS"))[1]
if not path then error("SLUICE_PCAPS: the pcap loaded with -s " .. port .. ":FILE is required") end
local info, err = sp.pcap_info(path)
if not info then error(err) end
local pps = sp.env_number("SLUICE_PPS", 10000)
local max = sp.env_number("SLUICE_PPS_MAX", pps * 10)
local step = sp.env_number("SLUICE_STEP", 1.5)
local hold = sp.env_number("SLUICE_HOLD", 5)
if step <= 1 then error("SLUICE_STEP must be > 1") end
local mbps = sp.link_mbps(pg, port)

pg.pcap(port, "on")
printf("sluice-ramp: port %s, %d frames of %.0f bytes avg, %d Mbit/s, %.0f..%.0f pps x%.2f, %d s each\n",
       port, info.frames, info.avg, mbps, pps, max, step, hold)
while pps <= max do
	local pct = sp.rate_percent(pps, info.avg, mbps)
	if pps * hold > info.frames then
		printf("sluice-ramp: %.0f pps x %d s > %d frames: this step replays SRTP indexes\n", pps, hold, info.frames)
	end
	pg.set(port, "rate", pct)
	pg.clr()
	local before = sp.opackets(pg.portStats(port, "port"), port)
	pg.start(port)
	pg.delay(hold * 1000)
	pg.stop(port)
	pg.delay(100)
	local sent = sp.opackets(pg.portStats(port, "port"), port) - before
	printf("sluice-ramp: asked %8.0f pps (%.4f%%): sent %d packets, %.0f pps\n", pps, pct, sent, sent / hold)
	pps = pps * step
end
if os.getenv("SLUICE_QUIT") == "1" then
	pg.quit()
end
