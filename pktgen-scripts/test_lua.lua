-- SPDX-License-Identifier: MIT
--
-- test_lua.lua <pktgen-scripts dir> <pcap> <frames> <bytes> - the Pktgen-DPDK
-- scripts without Pktgen: sluice_pcap.lua's pcap reader and rate arithmetic
-- against a pcap sluice-pcapgen made (frames/bytes from its summary), then
-- sluice-replay.lua and sluice-ramp.lua run against a stand-in `pktgen`
-- table that records the calls and "sends" at the rate it was given.
local dir, pcap, want_frames, want_bytes = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
package.path = dir .. "/?.lua;" .. package.path
local sp = require("sluice_pcap")
local fails = 0
local function check(c, what)
	print((c and "ok   " or "FAIL ") .. what)
	if not c then fails = fails + 1 end
end

-- the reader
local info, err = sp.pcap_info(pcap)
check(info ~= nil, "pcap_info reads " .. pcap .. (err and (": " .. err) or ""))
check(info.frames == want_frames, "frames " .. info.frames .. " == " .. want_frames)
check(info.bytes == want_bytes, "bytes " .. info.bytes .. " == " .. want_bytes)
-- media at 20 pps x 3 streams (+ consent requests) over 3 s
check(info.pps > 55 and info.pps < 70, string.format("pace %.1f pps ~ 60", info.pps))
check(sp.pcap_info("/nonexistent.pcap") == nil, "a missing file is an error")
local tmp = os.tmpname()
local f = io.open(tmp, "wb"); f:write("this is no pcap file, it is text"); f:close()
local none, msg = sp.pcap_info(tmp)
check(none == nil and msg:find("not a classic pcap"), "a text file is an error: " .. tostring(msg))
f = io.open(tmp, "wb"); f:write(string.pack("<I4I2I2I4I4I4I4", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)); f:close()
none, msg = sp.pcap_info(tmp)
check(none == nil and msg:find("no frames"), "an empty pcap is an error: " .. tostring(msg))
local src = io.open(pcap, "rb"); local all = src:read("a"); src:close()
f = io.open(tmp, "wb"); f:write(all:sub(1, #all - 10)); f:close()
none, msg = sp.pcap_info(tmp)
check(none == nil and msg:find("truncated"), "a cut pcap is an error: " .. tostring(msg))
os.remove(tmp)
-- 10000 pps of 1000-byte frames on 10 Gbit/s: 10000 * 1024 * 8 / 1e10 = 0.8192 %
check(math.abs(sp.rate_percent(10000, 1000, 10000) - 0.8192) < 1e-9, "rate_percent")
check(sp.rate_percent(1e9, 1500, 1000) == 100, "rate_percent is capped at 100")

-- a stand-in for Pktgen's Lua API
local LINK = 25000
local calls, out = {}, {}
local st = { rate = {}, on = {}, sent = {} }
local env = {}
os.getenv = function(k) return env[k] end
local function ports(pl)
	local t = {}
	for p in tostring(pl):gmatch("[^,]+") do t[#t + 1] = p end
	return t
end
local function rec(s) calls[#calls + 1] = s end
pktgen = {
	pcap = function(p, s) rec("pcap " .. p .. " " .. s) end,
	set = function(p, what, v) rec("set " .. p .. " " .. what); if what == "rate" then st.rate[p] = v end end,
	clr = function() rec("clr") end,
	start = function(pl) rec("start " .. pl); for _, p in ipairs(ports(pl)) do st.on[p] = true end end,
	stop = function(pl) rec("stop " .. pl); for _, p in ipairs(ports(pl)) do st.on[p] = false end end,
	delay = function(ms)
		for p, on in pairs(st.on) do
			if on then
				local pps = st.rate[p] / 100 * LINK * 1e6 / ((info.avg + sp.WIRE_OVERHEAD) * 8)
				st.sent[p] = (st.sent[p] or 0) + pps * ms / 1000
			end
		end
	end,
	portStats = function(pl)
		local t = {}
		for _, p in ipairs(ports(pl)) do t[tonumber(p)] = { opackets = math.floor((st.sent[p] or 0) + 0.5) } end
		return t
	end,
	portInfo = function(p) return { [tonumber(p)] = { VxLAN = { link_state = "<UP-" .. LINK .. "-FD>" } }, n = 1 } end,
	quit = function() rec("quit") end,
}
printf = function(fmt, ...) out[#out + 1] = string.format(fmt, ...); io.write(out[#out]) end

local function run(script, e)
	calls, out, st = {}, {}, { rate = {}, on = {}, sent = {} }
	env = e
	local ok, e2 = pcall(dofile, dir .. "/" .. script)
	return ok, e2, table.concat(calls, "; "), table.concat(out)
end

-- one pass at 100 pps: frames / 100 s
local ok, e, c, o = run("sluice-replay.lua", { SLUICE_PCAPS = pcap, SLUICE_PPS = "100", SLUICE_QUIT = "1" })
check(ok, "sluice-replay.lua runs" .. (ok and "" or (": " .. tostring(e))))
local secs = math.max(1, math.floor(info.frames / 100))
check(c == "pcap 0 on; set 0 rate; clr; start 0; stop 0; quit", "calls: " .. c)
check(math.abs(st.rate["0"] - sp.rate_percent(100, info.avg, LINK)) < 1e-12, "rate from the link state")
local sent = tonumber(o:match("port 0: sent (%d+) packets"))
check(sent and math.abs(sent - 100 * secs) <= 1, "sent " .. tostring(sent) .. " ~ " .. 100 * secs .. " in one pass")
check(o:find(secs .. " s %(") ~= nil, "one pass: " .. secs .. " s")
-- asking for more than one pass is cut to one unless SLUICE_LOOP=1
ok, e, c, o = run("sluice-replay.lua", { SLUICE_PCAPS = pcap, SLUICE_PPS = "100", SLUICE_SECONDS = "30" })
check(ok and o:find("shortened to one") ~= nil, "more than one pass is refused")
ok, e, c, o = run("sluice-replay.lua", { SLUICE_PCAPS = pcap, SLUICE_PPS = "100", SLUICE_SECONDS = "30", SLUICE_LOOP = "1", SLUICE_LINK_MBPS = "10000" })
sent = tonumber(o:match("port 0: sent (%d+) packets"))
-- the script believes 10 Gbit/s, the stand-in link is 25: 2.5 x what it asked
check(ok and sent and math.abs(sent - 3000 * LINK / 10000) <= 1, "SLUICE_LOOP=1: 30 s at 100 pps on a link believed 10G, sent " .. tostring(sent))
check(math.abs(st.rate["0"] - sp.rate_percent(100, info.avg, 10000)) < 1e-12, "SLUICE_LINK_MBPS wins over the link state")
-- two ports need two pcaps
ok, e = run("sluice-replay.lua", { SLUICE_PORTS = "0,1", SLUICE_PCAPS = pcap })
check(not ok and tostring(e):find("one pcap per port"), "two ports, one pcap: " .. tostring(e))
ok, e, c = run("sluice-replay.lua", { SLUICE_PORTS = "0,1", SLUICE_PCAPS = pcap .. "," .. pcap, SLUICE_PPS = "50" })
check(ok and c == "pcap 0 on; set 0 rate; pcap 1 on; set 1 rate; clr; start 0,1; stop 0,1", "two ports: " .. c)
ok, e = run("sluice-replay.lua", { SLUICE_PCAPS = pcap, SLUICE_PPS = "-5" })
check(not ok and tostring(e):find("SLUICE_PPS"), "a bad SLUICE_PPS is an error")

-- the ramp: 100, 200, 400 pps, 2 s each
ok, e, c, o = run("sluice-ramp.lua", { SLUICE_PCAPS = pcap, SLUICE_PPS = "100", SLUICE_PPS_MAX = "400", SLUICE_STEP = "2", SLUICE_HOLD = "2" })
check(ok, "sluice-ramp.lua runs" .. (ok and "" or (": " .. tostring(e))))
local steps = {}
for asked, got in o:gmatch("asked%s+(%d+) pps[^\n]*, (%d+) pps\n") do steps[#steps + 1] = { tonumber(asked), tonumber(got) } end
check(#steps == 3 and steps[1][1] == 100 and steps[3][1] == 400, "three steps: " .. #steps)
for _, s in ipairs(steps) do
	check(math.abs(s[2] - s[1]) <= 1, "step " .. s[1] .. " sent " .. s[2] .. " pps")
end

print(fails == 0 and "test_lua: ok" or ("test_lua: " .. fails .. " failure(s)"))
os.exit(fails == 0 and 0 or 1)
