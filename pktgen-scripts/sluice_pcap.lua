-- SPDX-License-Identifier: MIT
--
-- sluice_pcap.lua - what the Pktgen-DPDK scripts of pktgen-scripts share:
-- reading a pcap's size and pace, the link speed, turning packets/s into
-- Pktgen's rate (percent of the link), and reading settings from the
-- environment. Plain Lua 5.3 (Pktgen-DPDK embeds 5.3 or 5.4): no Pktgen
-- call in here except through the `pg` table handed in, so the tests run it
-- without Pktgen (pktgen-scripts/test_lua.lua).
local M = {}

-- Bytes a frame takes on the wire besides what a pcap holds: preamble and
-- start delimiter 8, FCS 4, inter-frame gap 12.
M.WIRE_OVERHEAD = 24

-- Frames, bytes and duration of a classic pcap file (either byte order,
-- micro- or nanosecond timestamps). nil, message on error.
function M.pcap_info(path)
	local f, err = io.open(path, "rb")
	if not f then
		return nil, err
	end
	local gh = f:read(24)
	if not gh or #gh < 24 then
		f:close()
		return nil, path .. ": not a pcap file (short header)"
	end
	local e, div
	local magic_le = string.unpack("<I4", gh)
	if magic_le == 0xa1b2c3d4 then e, div = "<", 1e6
	elseif magic_le == 0xa1b23c4d then e, div = "<", 1e9
	elseif magic_le == 0xd4c3b2a1 then e, div = ">", 1e6
	elseif magic_le == 0x4d3cb2a1 then e, div = ">", 1e9
	else
		f:close()
		return nil, path .. ": not a classic pcap file (pcapng? convert with editcap -F pcap)"
	end
	local frames, bytes, first, last = 0, 0, nil, nil
	while true do
		local rh = f:read(16)
		if not rh then break end
		if #rh < 16 then
			f:close()
			return nil, path .. ": truncated record header"
		end
		local sec, frac, incl = string.unpack(e .. "I4I4I4", rh)
		local ts = sec + frac / div
		first = first or ts
		last = ts
		if incl > 262144 or not f:seek("cur", incl) then
			f:close()
			return nil, path .. ": bad record length " .. incl
		end
		frames = frames + 1
		bytes = bytes + incl
	end
	local size = f:seek("end")
	f:close()
	if size < 24 + 16 * frames + bytes then
		return nil, path .. ": truncated (the last frame is cut)"
	end
	if frames == 0 then
		return nil, path .. ": no frames"
	end
	local dur = last - first
	return { frames = frames, bytes = bytes, avg = bytes / frames, duration = dur,
		 pps = dur > 0 and (frames - 1) / dur or nil }
end

-- Pktgen's rate is a percentage of the link: what pps frames of avg bytes need.
function M.rate_percent(pps, avg, mbps)
	local pct = pps * (avg + M.WIRE_OVERHEAD) * 8 * 100 / (mbps * 1e6)
	if pct > 100 then pct = 100 end
	if pct < 0.0001 then pct = 0.0001 end
	return pct
end

-- The first "<UP-10000-FD>"-like link state anywhere in a Pktgen table: Mbit/s.
local function find_speed(t, depth)
	if depth > 4 or type(t) ~= "table" then return nil end
	for k, v in pairs(t) do
		if k == "link_state" and type(v) == "string" then
			local s = v:match("UP%-(%d+)%-")
			if s then return tonumber(s) end
		elseif type(v) == "table" then
			local s = find_speed(v, depth + 1)
			if s then return s end
		end
	end
	return nil
end

-- Link speed of port in Mbit/s: $SLUICE_LINK_MBPS, else what Pktgen says, else 10000.
function M.link_mbps(pg, port)
	local env = tonumber(os.getenv("SLUICE_LINK_MBPS") or "")
	if env and env > 0 then return env end
	local ok, info = pcall(pg.portInfo, tostring(port))
	local s = ok and find_speed(info, 0) or nil
	if s and s > 0 then return s end
	return 10000
end

-- "a,b,c" -> { "a", "b", "c" }
function M.split(s)
	local out = {}
	for item in string.gmatch(s or "", "[^,%s]+") do
		out[#out + 1] = item
	end
	return out
end

function M.env_number(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then return default end
	local n = tonumber(v)
	if not n or n <= 0 then
		error(name .. "=" .. v .. ": a positive number expected")
	end
	return n
end

-- opackets of port in what pktgen.portStats(port, "port") returned (the
-- table is keyed by port number in every Pktgen version seen).
function M.opackets(stats, port)
	local p = stats and (stats[tonumber(port)] or stats[tostring(port)])
	return p and (p.opackets or (p.totals and p.totals.pkts_tx)) or 0
end

-- The settings of one replay: ports, their pcaps, pps per port, seconds.
-- One pass of the pcap by default: Pktgen loops a pcap, and a second pass of
-- valid media repeats its SRTP indexes (the server counts srtp_replay).
function M.settings()
	local ports = M.split(os.getenv("SLUICE_PORTS") or "0")
	local pcaps = M.split(os.getenv("SLUICE_PCAPS"))
	if #pcaps ~= #ports then
		error("SLUICE_PCAPS: one pcap per port of SLUICE_PORTS (" .. #ports .. ") expected, got " .. #pcaps)
	end
	local s = { ports = ports, pcaps = {}, pps = {}, seconds = nil, loop = os.getenv("SLUICE_LOOP") == "1" }
	local want_pps = M.env_number("SLUICE_PPS", nil)
	local want_s = M.env_number("SLUICE_SECONDS", nil)
	local longest = 0
	for i, path in ipairs(pcaps) do
		local info, err = M.pcap_info(path)
		if not info then error(err) end
		s.pcaps[i] = info
		s.pps[i] = want_pps or info.pps or 1
		local pass = info.frames / s.pps[i]
		if pass > longest then longest = pass end
	end
	-- whole seconds that stay within one pass (at least 1)
	s.seconds = want_s or math.max(1, math.floor(longest))
	return s
end

return M
