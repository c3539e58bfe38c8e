#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""IPv6 seeds for the fuzz_net corpus (tests/fuzz/corpus/fuzz_net/v6_*):
neighbour solicitations (unicast, solicited-node multicast, DAD), ICMPv6
echo, UDP over IPv6, extension-header chains (accepted and refused) and
malformed frames. The harness's data plane is 2001:db8::1, MAC 02:00:00:00:00:01,
UDP ports 40000-40063 (tests/fuzz/fuzz_net.c).

Checksums are computed here, independently of dataplane/dp_net6.c (RFC 8200
8.1 pseudo header + RFC 1071); `--values` prints those test_net6.c pins.
    gen_corpus_net6.py OUTDIR | --values
"""
import ipaddress
import os
import struct
import sys

OUR_MAC = bytes.fromhex("020000000001")
PEER_MAC = bytes.fromhex("020000000002")
OUR = ipaddress.IPv6Address("2001:db8::1").packed
PEER = ipaddress.IPv6Address("2001:db8::2").packed
SNM = ipaddress.IPv6Address("ff02::1:ff00:1").packed
ANY = bytes(16)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4_csum(src, dst, nh, l4):
    return csum(src + dst + struct.pack("!IxxxB", len(l4), nh) + l4)


def eth(payload, dst=OUR_MAC, src=PEER_MAC, etype=0x86DD):
    return dst + src + struct.pack("!H", etype) + payload


def ipv6(nh, payload, src=PEER, dst=OUR, hlim=64, plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB", 0x60000000, plen, nh, hlim) + src + dst + payload


def icmp6(typ, code, body, src=PEER, dst=OUR):
    m = struct.pack("!BBH", typ, code, 0) + body
    c = l4_csum(src, dst, 58, m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def echo_req(src=PEER, dst=OUR, data=b"sluice-ping6"):
    return icmp6(128, 0, struct.pack("!HH", 0x1234, 1) + data, src, dst)


def ns(target=OUR, src=PEER, dst=OUR, sll=PEER_MAC, opt_len=1):
    body = bytes(4) + target
    if sll is not None:
        body += struct.pack("!BB", 1, opt_len) + sll
    return icmp6(135, 0, body, src, dst)


def udp6(payload=b"hello", sport=5000, dport=40000, src=PEER, dst=OUR, csum_override=None):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4_csum(src, dst, 17, u) or 0xFFFF
    if csum_override is not None:
        c = csum_override
    return u[:6] + struct.pack("!H", c) + u[8:]


def opts_hdr(nh, options=b""):
    """hop-by-hop / destination options: padded to 8-byte units with PadN."""
    body = bytes([nh, 0]) + options
    pad = (-len(body)) % 8
    if pad == 1:
        body += b"\0"
    elif pad:
        body += bytes([1, pad - 2]) + bytes(pad - 2)
    return bytes([nh, len(body) // 8 - 1]) + body[2:]


def routing_hdr(nh, segleft):
    return bytes([nh, 2, 0, segleft]) + bytes(4) + PEER + bytes(0)[:0]


def frag_hdr(nh):
    return struct.pack("!BBHI", nh, 0, 1, 0x1234)  # offset 0, M set


def seeds():
    u = udp6()
    chain = opts_hdr(60, b"\x05\x02\x00\x00") + opts_hdr(43) + routing_hdr(17, 0)
    deep = b"".join(opts_hdr(60) for _ in range(9))
    return {
        "v6_ns_unicast": eth(ipv6(58, ns(), hlim=255)),
        "v6_ns_multicast": eth(ipv6(58, ns(dst=SNM), dst=SNM, hlim=255),
                               dst=bytes.fromhex("3333ff000001")),
        "v6_ns_dad": eth(ipv6(58, ns(src=ANY, dst=SNM, sll=None), src=ANY, dst=SNM, hlim=255),
                         dst=bytes.fromhex("3333ff000001")),
        "v6_ns_other": eth(ipv6(58, ns(target=PEER), hlim=255)),
        "v6_ns_hlim64": eth(ipv6(58, ns(), hlim=64)),
        "v6_ns_optlen0": eth(ipv6(58, ns(opt_len=0), hlim=255)),
        "v6_echo": eth(ipv6(58, echo_req())),
        "v6_echo_dstopts": eth(ipv6(60, opts_hdr(58) + echo_req())),
        "v6_udp": eth(ipv6(17, u)),
        "v6_udp_zero_csum": eth(ipv6(17, udp6(csum_override=0))),
        "v6_udp_bad_csum": eth(ipv6(17, udp6(csum_override=0x1234))),
        "v6_ext_chain_ok": eth(ipv6(0, chain + u)),
        "v6_ext_hbh_late": eth(ipv6(60, opts_hdr(0) + opts_hdr(17) + u)),
        "v6_ext_too_deep": eth(ipv6(60, deep[:-8] + opts_hdr(17) + u)),
        "v6_ext_routing_segleft": eth(ipv6(43, routing_hdr(17, 1) + u)),
        "v6_ext_discard_opt": eth(ipv6(60, opts_hdr(17, b"\x80\x02\x00\x00") + u)),
        "v6_ext_truncated": eth(ipv6(60, bytes([17, 4]) + bytes(6))),
        "v6_ext_optlen_overrun": eth(ipv6(60, bytes([17, 0, 1, 9]) + bytes(4) + u)),
        "v6_fragment": eth(ipv6(44, frag_hdr(17) + u)),
        "v6_esp": eth(ipv6(50, bytes(16))),
        "v6_tcp": eth(ipv6(6, bytes(20))),
        "v6_plen_long": eth(ipv6(17, u, plen=len(u) + 40)),
        "v6_short_hdr": eth(ipv6(17, u)[:30]),
        "v6_version4": eth(b"\x45" + ipv6(17, u)[1:]),
        "v6_not_us": eth(ipv6(17, udp6(dst=PEER), dst=PEER)),
    }


def values():
    e = echo_req()
    print("echo request checksum 0x%04x" % struct.unpack("!H", e[2:4]))
    print("udp6 'hello' 5000->40000 checksum 0x%04x" % struct.unpack("!H", udp6()[6:8]))
    na = icmp6(136, 0, bytes([0x60, 0, 0, 0]) + OUR + bytes([2, 1]) + OUR_MAC, OUR, PEER)
    print("NA checksum 0x%04x" % struct.unpack("!H", na[2:4]))
    er = icmp6(129, 0, e[4:], OUR, PEER)
    print("echo reply checksum 0x%04x" % struct.unpack("!H", er[2:4]))


if __name__ == "__main__":
    if sys.argv[1:] == ["--values"]:
        values()
        sys.exit(0)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
