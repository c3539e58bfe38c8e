#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_tshark.sh <sluice-pcapgen> <keys.json> - the generator's pcaps, read
# by tshark (Wireshark's dissectors, not ours), are the STUN / SRTP / DTLS
# they claim: frames counted by protocol and by field. Heuristic dissectors
# for RTP and DTLS on, tried before port-based ones (the pcaps use no
# well-known ports). No root, no network: exit 77 (skipped) without tshark.
set -u
GEN=$1
KEYS=$2
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
DIR=$(mktemp -d /tmp/pcapgen-tshark.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
fails=0

# the test dump: send transports lgA0 (audio 1234 + video 5678, GCM) and
# lgB0 (video 9000, AES-CM); 20 pps x 3 s; consent every second
"$GEN" --keys "$KEYS" --out "$DIR" --kind all --pps 20 --seconds 3 --consent-ms 1000 \
	>"$DIR/summary" || { echo "FAIL: sluice-pcapgen"; exit 1; }
cat "$DIR/summary"

ts() { # ts FILE FIELDS... [-- FILTER]: one line per frame
	local f=$1; shift
	local filter=
	local fields=()
	while [ $# -gt 0 ]; do
		if [ "$1" = "--" ]; then filter=$2; break; fi
		fields+=(-e "$1"); shift
	done
	tshark -r "$DIR/$f.pcap" -o udp.try_heuristic_first:TRUE --enable-heuristic rtp_udp \
		--enable-heuristic dtls_udp -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		${filter:+-Y "$filter"} -T fields -E separator=' ' "${fields[@]}" 2>/dev/null
}
expect() { # expect WHAT WANT GOT
	if [ "$2" = "$3" ]; then
		echo "ok   $1: $3"
	else
		echo "FAIL $1: want $2, got $3"
		fails=$((fails + 1))
	fi
}
count() { ts "$@" | wc -l; }
# (tshark 4.0 reads "in {a b c}" sets of integers oddly: spelled out)
KNOWN='(rtp.ssrc == 1234 || rtp.ssrc == 5678 || rtp.ssrc == 9000)'
PORTS='(udp.srcport == 40000 || udp.srcport == 40002)'

# every frame of every pcap: IPv4 and UDP checksums correct (status 1 = good)
for f in "$DIR"/*.pcap; do
	k=$(basename "$f" .pcap)
	n=$(ts "$k" frame.number | wc -l)
	good=$(ts "$k" ip.checksum.status udp.checksum.status | grep -c '^1 1$')
	expect "$k checksums good" "$n" "$good"
done

# media: 2 consent requests at 0, 1, 2 s; 60 RTP packets per SSRC, seq 30000..30059
expect "media frames" 186 "$(count media frame.number)"
expect "media STUN binding requests with USE-CANDIDATE" 6 \
	"$(count media stun.type -- 'stun.type == 0x0001 && stun.att.type == 0x0025 && stun.att.type == 0x0008 && stun.att.type == 0x8028')"
expect "media STUN usernames" "srvufrag00000001:lgA0 srvufrag00000003:lgB0" \
	"$(ts media stun.att.username -- stun | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect "media RTP frames" 180 "$(count media rtp.ssrc -- rtp)"
for ssrc in 1234 5678 9000; do
	expect "media RTP on SSRC $ssrc" 60 "$(count media rtp.seq -- "rtp.ssrc == $ssrc")"
	expect "media first seq on SSRC $ssrc" 30000 \
		"$(ts media rtp.seq -- "rtp.ssrc == $ssrc" | head -1)"
	expect "media last seq on SSRC $ssrc" 30059 \
		"$(ts media rtp.seq -- "rtp.ssrc == $ssrc" | tail -1)"
done
for pair in 111:1234 96:5678 96:9000; do
	expect "media payload type ${pair%%:*} on SSRC ${pair#*:}" 60 \
		"$(count media rtp.seq -- "rtp.p_type == ${pair%%:*} && rtp.ssrc == ${pair#*:}")"
done
expect "media RTP with a one-byte extension block" 180 \
	"$(count media rtp.seq -- 'rtp.ext.profile == 0xbede')"
expect "media video frames ended by the marker (30 fps at 20 pps: every packet)" 120 \
	"$(count media rtp.seq -- 'rtp.marker == 1 && rtp.p_type == 96')"

# attacks: 60 frames each (20 pps x 3 s), + 2 consent requests for the ones on a tuple
expect "stun-auth binding requests with MI and FINGERPRINT" 60 \
	"$(count stun-auth stun.type -- 'stun.type == 0x0001 && stun.att.type == 0x0008 && stun.att.type == 0x8028')"
expect "stun-unknown-user: usernames of no server ufrag" 60 \
	"$(count stun-unknown-user stun.att.username -- 'stun.att.username matches "^pcapgen[0-9a-f]{16}:"')"
expect "stun-malformed: none is RTP or DTLS" 0 "$(count stun-malformed frame.number -- 'rtp || dtls')"
expect "stun-malformed: some are malformed to tshark too" yes \
	"$([ "$(count stun-malformed frame.number -- '_ws.malformed')" -gt 0 ] && echo yes || echo no)"
expect "dtls records (3 of 4 with a real content type)" 45 "$(count dtls dtls.record.content_type -- dtls)"
expect "dtls: none from a transport's port" 0 \
	"$(count dtls frame.number -- "$PORTS")"
expect "random-udp: no STUN, DTLS, RTP or RTCP" 0 \
	"$(count random-udp frame.number -- 'stun || classicstun || dtls || rtp || rtcp')"
expect "srtp-bad-tag RTP on the dump's SSRCs" 60 \
	"$(count srtp-bad-tag rtp.ssrc -- "$KNOWN")"
expect "unknown-ssrc RTP on other SSRCs" 60 \
	"$(count unknown-ssrc rtp.ssrc -- "rtp && !$KNOWN")"
expect "unknown-tuple RTP from unknown ports" 60 \
	"$(count unknown-tuple rtp.ssrc -- "rtp && !$PORTS")"
expect "replay: RTP packets" 60 "$(count replay rtp.seq -- rtp)"
expect "replay: every (SSRC, seq) twice" "30 2" \
	"$(ts replay rtp.ssrc rtp.seq -- rtp | sort | uniq -c | awk '{print $1}' | sort | uniq -c | awk '{print $1, $2}')"
expect "replay: the copies are byte-identical" 30 \
	"$(ts replay data.data rtp.payload -- rtp | sort | uniq -d | wc -l)"

[ $fails -eq 0 ] && echo "pcapgen_tshark: ok" || echo "pcapgen_tshark: $fails failure(s)"
[ $fails -eq 0 ]
