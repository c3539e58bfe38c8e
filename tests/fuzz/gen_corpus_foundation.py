#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_net, fuzz_abi and fuzz_cpconfig (run once;
the files are committed). Frames and messages are built by hand here so the
seeds do not depend on the code under test."""
import os, struct, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

US = bytes([2,0,0,0,0,1]); PEER = bytes([2,0,0,0,0,2])
IP_US = bytes([198,18,0,1]); IP_PEER = bytes([198,18,0,2])

def ipv4(proto, payload, flags=0x4000, dst=IP_US):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20+len(payload), 1, flags, 64, proto, 0, IP_PEER, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def eth(t, p): return US + PEER + struct.pack("!H", t) + p

def udp(dport, payload, good=True):
    u = struct.pack("!HHHH", 5000, dport, 8+len(payload), 0) + payload
    ph = IP_PEER + IP_US + struct.pack("!BBH", 0, 17, len(u))
    c = csum(ph + u) or 0xffff
    if not good: c ^= 0x1111
    return u[:6] + struct.pack("!H", c) + u[8:]

def icmp_echo():
    b = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"pingdata" * 4
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]

def arp(tpa=IP_US, op=1):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, PEER, IP_PEER, b"\0"*6, tpa) + b"\0"*18

def w(d, name, data):
    os.makedirs(os.path.join(root, d), exist_ok=True)
    open(os.path.join(root, d, name), "wb").write(data)

net = {
    "arp_req": eth(0x0806, arp()),
    "arp_other": eth(0x0806, arp(tpa=bytes([198,18,0,9]))),
    "arp_reply": eth(0x0806, arp(op=2)),
    "icmp_echo": eth(0x0800, ipv4(1, icmp_echo())),
    "udp_ok": eth(0x0800, ipv4(17, udp(40000, b"\x00\x01\x00\x00" + b"x"*20))),
    "udp_badsum": eth(0x0800, ipv4(17, udp(40000, b"hello", good=False))),
    "udp_port": eth(0x0800, ipv4(17, udp(53, b"hello"))),
    "udp_frag": eth(0x0800, ipv4(17, udp(40000, b"hello"), flags=0x2000)),
    "ipv6": eth(0x86dd, b"\x60" + b"\0"*39),
    "vlan": eth(0x8100, b"\0\x01\x08\x00" + ipv4(1, icmp_echo())),
    "short": b"\x01\x02\x03",
    "ip_opts": eth(0x0800, b"\x46" + ipv4(17, udp(40000, b"x"))[1:]),
}
for k, v in net.items(): w("fuzz_net", k, v)

MSG = 256
def msg(t, tid, payload=b"", seq=1):
    m = struct.pack("<HHIII", t, 0, seq, tid, 0) + payload
    return m + b"\0" * (MSG - len(m))
abi = {
    "noop": msg(3, 0xffffffff, struct.pack("<QII", 123, 0, 0)),
    "hello_garbage": msg(1, 0xffffffff, struct.pack("<II", 1, 22) + b"\x10\x00"*22),
    "create": msg(5, 1, b"abcd".ljust(32, b"\0") + b"passwordpassword1234".ljust(64, b"\0") + struct.pack("<HHI", 40000, 0, 0)),
    "srtp": msg(7, 2, struct.pack("<HBB", 7, 16, 12) + b"k"*92),
    "send": msg(15, 3, struct.pack("<IHH", 5, 100, 0) + b"\x04"),
    "dtls_evt": msg(19, 3, struct.pack("<IHH", 5, 100, 0) + b"\x04"),
    "fanout": msg(10, 0xffffffff, struct.pack("<IIQ", 1, 0, 3)),
    "bad_type": msg(999, 0),
    # SL_MSG_AUDIO_LEVELS: interval, n, then (producer, packets, voice, level, loudest)
    "audio_levels": msg(23, 0xffffffff, struct.pack("<IHH", 300, 3, 0) +
                        struct.pack("<IBBBB", 1, 15, 10, 30, 20) +
                        struct.pack("<IBBBB", 2, 15, 0, 127, 127) +
                        struct.pack("<IBBBB", 511, 255, 255, 0, 0), seq=0),
    "audio_levels_bad": msg(23, 0xffffffff, struct.pack("<IHH", 300, 1, 0) +
                            struct.pack("<IBBBB", 1, 15, 16, 30, 20), seq=0),
    "audio_levels_full": msg(23, 0xffffffff, struct.pack("<IHH", 300, 29, 0) +
                             b"".join(struct.pack("<IBBBB", i, 1 + i, i % 2, 40 + i, 40)
                                      for i in range(29)), seq=0),
    # SL_MSG_LIST_OBJECTS (kind, cursor) and SL_MSG_OBJECT_LIST pages
    # (kind, done, n, cursor, next, pad, ids)
    "list_objects": msg(24, 0xffffffff, struct.pack("<BBBBI", 2, 0, 0, 0, 4096)),
    "list_objects_bad_kind": msg(24, 0xffffffff, struct.pack("<BBBBI", 9, 0, 0, 0, 0)),
    "object_list": msg(25, 0xffffffff, struct.pack("<BBHIII", 1, 0, 3, 0, 61, 0) +
                       struct.pack("<III", 3, 7, 60), seq=5),
    "object_list_full": msg(25, 0xffffffff, struct.pack("<BBHIII", 3, 1, 56, 100, 512, 0) +
                            b"".join(struct.pack("<I", i) for i in range(100, 156)), seq=6),
    "object_list_unordered": msg(25, 0xffffffff, struct.pack("<BBHIII", 2, 0, 2, 0, 100, 0) +
                                 struct.pack("<II", 9, 4), seq=7),
    "object_list_out_of_range": msg(25, 0xffffffff, struct.pack("<BBHIII", 1, 1, 1, 0, 64, 0) +
                                    struct.pack("<I", 64), seq=8),
}
for k, v in abi.items(): w("fuzz_abi", k, v)

cfg = {
    "ok": b"http_port = 8080\njwt_secret = 0123456789abcdef0123\n# c\nannounced_ip = 203.0.113.1\n",
    "bad": b"http_port = nope\n",
    "noeq": b"justtext\n",
    "quoted": b'demo_dir = "/tmp/x"\ndev_mode = true\n',
    "ports": b"rtc_min_port = 50000\nrtc_max_port = 40000\ndev_mode = 1\n",
}
for k, v in cfg.items(): w("fuzz_cpconfig", k, v)
