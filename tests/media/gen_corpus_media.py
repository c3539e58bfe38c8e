#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpora for fuzz_media and fuzz_seqmap (tests/media/).

    gen_corpus_media.py <tests/fuzz/corpus>

fuzz_media inputs are lists of operations (see tests/media/fuzz_media.c):
one byte op (bits 0-2 kind, the rest parameters), then for most kinds a
length byte (x6 or x2) and that many bytes. The seeds cover every kind with
well-formed and broken contents: RTP with one- and two-byte extension
blocks, CSRCs, padding, RTX (with and without an original sequence number),
RTCP compounds with PLI/FIR/RR, STUN from every tuple, DTLS both ways,
commands of every type, raw frames with broken fields, and time passing.
The corpus directories also hold fz-* files: inputs libFuzzer found, kept by
`-merge=1 -use_counters=0` over these seeds (each adds coverage edges).
"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus"


def pad6(b):
    """Pads to a multiple of 6 (the length byte counts units of 6)."""
    return b + b"\0" * ((-len(b)) % 6)


def op(kind, a, body=None, unit=6):
    out = bytes([(a << 3) | kind])
    if body is not None:
        if unit == 6:
            body = pad6(body)
        else:
            body = body + b"\0" * ((-len(body)) % 2)
        n = len(body) // unit
        assert n < 256
        out += bytes([n]) + body
    return out


def rtp(ssrc=0x1000, pt=96, seq=1, ts=0, payload=b"\x11" * 40, ext=None, csrc=(), pad=0,
        marker=0):
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext else 0) | len(csrc)
    h = struct.pack("!BBHII", b0, (marker << 7) | pt, seq, ts, ssrc)
    for c in csrc:
        h += struct.pack("!I", c)
    if ext:
        prof, data = ext
        data = data + b"\0" * ((-len(data)) % 4)
        h += struct.pack("!HH", prof, len(data) // 4) + data
    body = payload
    if pad:
        body += b"\0" * (pad - 1) + bytes([pad])
    return h + body


ONE = 0xBEDE
EXT_ONE = (ONE, bytes([0x10, ord("0"), 0x22, 1, 2, 3, 0x31, 0, 7, 0x40, 0x85]))
EXT_TWO = (0x1000, bytes([1, 1, ord("0"), 3, 2, 0, 9, 200, 0, 2, 3, 1, 2, 3]))
EXT_BAD = (ONE, bytes([0x1F, 1]))  # element runs past the block


def rtcp_rr(ssrc=1):
    return struct.pack("!BBHI", 0x80, 201, 1, ssrc)


def rtcp_rb(ssrc, lost=3, jitter=10, lsr=0, dlsr=0, frac=16):
    """One report block (cumulative loss as 24-bit two's complement)."""
    return struct.pack("!IIIIII", ssrc, (frac << 24) | (lost & 0xFFFFFF), 0x10005, jitter, lsr,
                       dlsr)


def rtcp_rr_blocks(blocks, ssrc=1, rc=None):
    body = b"".join(blocks)
    rc = len(blocks) if rc is None else rc
    return struct.pack("!BBHI", 0x80 | rc, 201, (4 + len(body)) // 4, ssrc) + body


def rtcp_sr_blocks(blocks, ssrc=1):
    body = b"".join(blocks)
    return struct.pack("!BBHIQIII", 0x80 | len(blocks), 200, 6 + 6 * len(blocks), ssrc,
                       0xE000000080000000, 1234, 5, 500) + body


def rtcp_pli(media, sender=1):
    return struct.pack("!BBHII", 0x81, 206, 2, sender, media)


def rtcp_fir(media, sender=1):
    return struct.pack("!BBHIIIBBH", 0x84, 206, 4, sender, 0, media, 1, 0, 0)


def rtcp_nack(media, pairs, sender=1):
    fci = b"".join(struct.pack("!HH", pid, blp) for pid, blp in pairs)
    return struct.pack("!BBHII", 0x81, 205, 2 + len(pairs), sender, media) + fci


def stun_like():
    # a Binding request header with a USERNAME only (no MI/FP: refused)
    user = b"uf0:remote"
    attr = struct.pack("!HH", 6, len(user)) + user + b"\0" * ((-len(user)) % 4)
    return struct.pack("!HHI", 1, len(attr), 0x2112A442) + b"\x01" * 12 + attr


def msg(type_, tid=0, payload=b""):
    """A struct sl_msg (little-endian host layout), 256 bytes."""
    m = struct.pack("<HHIII", type_, 0, 0, tid, 0) + payload
    return m + b"\0" * (256 - len(m))


# the harness's transports: id -> lcore
LCORE = {0: 0, 1: 1, 2: 0, 3: 1}


def cmd(type_, tid, payload=b"", lcore=None):
    """Op 5: the 256 bytes of a command for the lcore of transport tid."""
    lc = LCORE.get(tid, 0) if lcore is None else lcore
    return bytes([(lc << 3) | 5]) + msg(type_, tid, payload)


def frame(dst_port=40000, src_ip=(198, 18, 1, 9), udp_payload=b"\x80\x60" + b"x" * 30,
          mutate=None):
    mac_dst = b"\xff" * 6  # patched to ours by the harness when asked
    mac_src = b"\x02\0\0\0\0\x42"
    udp_len = 8 + len(udp_payload)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                               bytes(src_ip), bytes([198, 18, 0, 1])))
    s = sum(struct.unpack("!10H", bytes(ip)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    ip[10:12] = struct.pack("!H", (~s) & 0xFFFF)
    udp = struct.pack("!HHHH", 5009, dst_port, udp_len, 0) + udp_payload
    f = bytearray(mac_dst + mac_src + b"\x08\x00" + bytes(ip) + udp)
    if mutate:
        mutate(f)
    return bytes(f)


def vp8(key, pid=5, tl0=9, start=True, x=True):
    """A VP8 payload: descriptor (X, I with a 15-bit picture id, L), then
    the payload header (P bit clear on a key frame) and filler."""
    if not x:
        return bytes([0x10 if start else 0, 0 if key else 1]) + b"\x33" * 30
    return (bytes([0x90 if start else 0x80, 0xC0, 0x80 | (pid >> 8), pid & 0xFF, tl0,
                   0 if key else 1]) + b"\x33" * 30)


def media_seeds():
    s = {}
    # producer 1 is simulcast: layers 0x1000, 0x1100, 0x1200 (dp_simulcast.c)
    s["sim_switch"] = (op(2, 0, rtp(seq=30, payload=vp8(True, 1, 1))) +
                       op(2, 0, rtp(seq=31, payload=vp8(False, 2, 2))) +
                       op(2, 0, rtp(ssrc=0x1100, seq=900, payload=vp8(False, 70, 3))) +
                       op(2, 0, rtp(ssrc=0x1100, seq=901, payload=vp8(True, 71, 4))) +
                       op(2, 0, rtp(seq=32, payload=vp8(False, 3, 3))) +
                       op(2, 0, rtp(ssrc=0x1200, seq=5, payload=vp8(True, 0x7FFF, 255))) +
                       op(2, 0, rtp(ssrc=0x1100, seq=902, payload=vp8(False, 72, 5))) +
                       op(2, 0, rtp(ssrc=0x1200, seq=6, payload=vp8(False, 0, 0))))
    s["sim_rtx_nack"] = (op(2, 0, rtp(ssrc=0x1100, seq=40, payload=vp8(True))) +
                         op(2, 0, rtp(ssrc=0x1100, seq=42, payload=vp8(False, 7, 10))) +
                         op(2, 0, rtp(ssrc=0x2100, pt=97, seq=3,
                                      payload=struct.pack("!H", 41) + vp8(False, 6, 10))) +
                         op(3, 0, rtcp_nack(0x3000, [(41, 0)])))
    s["sim_short_desc"] = (op(2, 0, rtp(ssrc=0x1200, seq=1, payload=b"\x90")) +
                           op(2, 0, rtp(ssrc=0x1200, seq=2, payload=b"\x90\x80")) +
                           op(2, 0, rtp(ssrc=0x1200, seq=3, payload=b"\x90\xC0\x80")) +
                           op(2, 0, rtp(ssrc=0x1200, seq=4, payload=vp8(True, x=False))) +
                           op(6, 9) + op(2, 0, rtp(seq=50, payload=vp8(True, x=False))))
    # IPv6 tuples (6, 7): C1 and C2 nominate them, P's media reaches them
    # over IPv6; then 6 moves to P (not nominating) and P's own tuple wins back
    s["v6_consumers"] = (op(4, 1) + bytes([6]) + op(4, 2) + bytes([7]) +
                         op(2, 0, rtp(seq=60, payload=vp8(True, 1, 1))) +
                         op(2, 0, rtp(seq=61, ext=EXT_ONE, payload=vp8(False, 2, 2))) +
                         op(3, 0, rtcp_nack(0x3000, [(60, 0)])) +
                         op(4, 0) + bytes([6 | 8]) + op(2, 0, rtp(seq=62, payload=vp8(False, 3, 3))) +
                         op(6, 12) + op(2, 0, rtp(seq=63, payload=vp8(True, 4, 4))))
    s["v6_udp_garbage"] = (op(1, (6 << 1)) + bytes([2]) + b"\x16\xfe\xfd" + b"\0" * 9 +
                           op(1, (7 << 1) | 1) + bytes([1]) + b"\x80\x60\0\x01\0\0")
    s["rtp_plain"] = op(2, 0, rtp(seq=10))
    s["rtp_ext_one"] = op(2, 0, rtp(seq=11, ext=EXT_ONE))
    s["rtp_ext_two"] = op(2, 0, rtp(seq=12, ext=EXT_TWO, csrc=(7, 8)))
    s["rtp_ext_bad"] = op(2, 0, rtp(seq=13, ext=EXT_BAD))
    s["rtp_padding"] = op(2, 0, rtp(seq=14, pad=8, ext=EXT_ONE))
    s["rtp_pt_unmapped"] = op(2, 0, rtp(seq=15, pt=111)) + op(2, 0, rtp(seq=16, pt=98))
    s["rtx_repair"] = (op(2, 0, rtp(seq=20, ext=EXT_ONE)) +
                       op(2, 0, rtp(ssrc=0x2000, pt=97, seq=500,
                                    payload=struct.pack("!H", 21) + b"\x22" * 30,
                                    ext=EXT_ONE)) +
                       op(2, 0, rtp(seq=22)))
    s["rtx_dup"] = (op(2, 0, rtp(seq=30)) +
                    op(2, 0, rtp(ssrc=0x2000, pt=97, seq=501, payload=struct.pack("!H", 30))))
    s["rtx_probe"] = op(2, 0, rtp(ssrc=0x2000, pt=97, seq=502, payload=b"", pad=64))
    s["rtx_short"] = op(2, 0, rtp(ssrc=0x2000, pt=97, seq=503, payload=b"\x01"))
    s["rtp_unknown_ssrc"] = op(2, 0, rtp(ssrc=0xDEAD, seq=1))
    s["rtp_replay"] = op(2, 0, rtp(seq=40)) + op(2, 0, rtp(seq=40))
    s["rtp_wrap_jump"] = b"".join(op(2, 0, rtp(seq=q & 0xFFFF)) for q in
                                  (65534, 65535, 0, 1, 30000, 30001, 2))
    s["rtcp_pli_fir"] = op(3, 0, rtcp_pli(0x3001)) + op(3, 0, rtcp_rr() + rtcp_fir(0x3003), 2)
    # consumers' receiver reports (C1 holds consumers 0x3000 and 0x3002):
    # blocks in RRs and SRs, negative and huge losses, an unknown SSRC, an
    # LSR naming no SR, a report count larger than the blocks; time passes
    # so that the gauges and STREAM_STATS run over them
    s["rtcp_consumer_rr"] = (op(2, 0, rtp(seq=300)) + op(6, 9) +
                             op(3, 0, rtcp_rr_blocks([rtcp_rb(0x3000, 5, 77, 0x1234, 65536),
                                                      rtcp_rb(0x3002, 0xFFFFFE),
                                                      rtcp_rb(0x9999, 0x7FFFFF)]), 2) +
                             op(3, 0, rtcp_sr_blocks([rtcp_rb(0x3000, 2, lsr=0xFFFFFFFF,
                                                              dlsr=0xFFFFFFFF)]) +
                                rtcp_pli(0x3000), 2) +
                             op(3, 0, rtcp_rr_blocks([rtcp_rb(0x3002)], rc=2), 2) +
                             op(2, 0, rtp(seq=301)) + op(6, 9) + op(6, 9))
    s["rtcp_bad"] = op(3, 0, b"\x80\xc9\x00\x05" + b"\0" * 4, 2) + op(3, 0, b"\x81\xce", 2)
    s["udp_from_all"] = b"".join(op(1, (src << 1) | (dst << 4), body)
                                 for src in range(8) for dst in (0, 1)
                                 for body in (b"\x16\xfe\xfd" + b"d" * 20,) if src % 3 == 0)
    s["udp_kinds"] = b"".join(op(1, 2 << 1, body) for body in
                              (b"", b"\x00", stun_like(), b"\x17\xfe\xfd\0\0", b"\x80",
                               b"\x80\xc8\0\0", b"\x41" * 12, b"\xff" * 30))
    stun = lambda t, src, nom=True: bytes([(t << 3) | 4, src | (0 if nom else 8)])
    s["stun_moves"] = b"".join(stun(t, src, nom) for t, src, nom in
                               ((0, 0, 1), (0, 4, 1), (1, 4, 0), (2, 1, 1), (3, 7, 0), (0, 0, 1)))
    s["stun_evict"] = b"".join(stun(1, src, False) for src in range(4, 8)) + stun(1, 1)
    s["dtls_in_out"] = op(1, 0, b"\x16\xfe\xfd" + b"h" * 60) + op(7, 0, b"\x16\xfe\xfd" + b"o" * 30)
    s["dtls_out_all"] = b"".join(op(7, t, b"\x14\xfe\xfd\0\1") for t in range(4)) + op(7, 1, b"")
    s["time_timeout"] = op(6, 31) + op(2, 0, rtp(seq=50)) + stun(0, 0) + op(2, 0, rtp(seq=51))
    s["time_small"] = op(6, 0) + op(6, 3) + op(6, 9)
    # commands: pause/resume/remove consumers, destroy, keys, producer churn
    ref = lambda i: struct.pack("<I", i)
    s["cmd_pause_resume"] = (cmd(13, 1, ref(10)) + op(2, 0, rtp(seq=60)) +
                             cmd(14, 1, ref(10)) + op(2, 0, rtp(seq=61)))
    s["cmd_destroy"] = cmd(6, 1) + op(2, 0, rtp(seq=70)) + cmd(6, 0) + op(2, 0, rtp(seq=71))
    s["cmd_remove"] = (cmd(12, 1, ref(10)) + cmd(9, 0, ref(1)) + op(2, 0, rtp(seq=80)) +
                       cmd(11, 2, struct.pack("<IIIIBBBB", 50, 2, 0x4444, 0, 2, 0, 1, 0) +
                           bytes([96, 96]) + b"\0" * 14 + struct.pack("<I", 90000)))
    keys = struct.pack("<HBB", 7, 16, 12) + bytes(range(46)) + bytes(range(46, 92))
    s["cmd_rekey"] = cmd(7, 0, keys) + op(2, 0, rtp(seq=90))
    s["cmd_bad"] = (cmd(99, 0) + cmd(5, 0, b"\0" * 100) +
                    cmd(10, 0, struct.pack("<IIQ", 1, 0, 1 << 40)) +
                    cmd(10, 0, struct.pack("<IIQ", 1, 0, 1)) + op(2, 0, rtp(seq=95)))
    s["raw_frames"] = b"".join(op(0, 2 | lane, f) for lane in (0, 1) for f in (
        frame(),
        frame(dst_port=40001),
        frame(mutate=lambda f: f.__setitem__(14, 0x65)),
        frame(mutate=lambda f: f.__setitem__(12, 0x86)),
        frame(mutate=lambda f: f.__setitem__(23, 6)),
        frame(mutate=lambda f: f.__setitem__(slice(38, 40), b"\xff\xff")),
        frame(udp_payload=b""),
        b"\x00" * 14,
        frame()[:30],
    ))
    s["mixed"] = (stun(1, 1) + op(2, 0, rtp(seq=100, ext=EXT_ONE)) + op(1, 6, b"\x80\x60junk") +
                  op(3, 0, rtcp_pli(0x3000)) + op(6, 1) + op(7, 2, b"\x16abc") +
                  op(0, 3, frame()) + op(2, 0, rtp(seq=101)))
    # RTCP to producers: transport-cc feedback (arrivals out of order,
    # duplicated, with gaps, across the wrap and a jump; then time passes)
    # and key-frame requests (rate limit, unknown producer, other lcore)
    tcc = lambda q: (ONE, bytes([0x10, ord("0"), 0x22, 1, 2, 3, 0x31, q >> 8, q & 0xFF, 0x40,
                                 0x85]))
    s["tcc_feedback"] = (b"".join(op(2, 0, rtp(seq=200 + i, ext=tcc(q))) for i, q in
                                  enumerate((65533, 65535, 65534, 0, 0, 3, 2, 9000, 9001)))
                         + op(6, 0) + op(2, 0, rtp(seq=220, ext=tcc(9005))) +
                         op(2, 0, rtp(ssrc=0x2000, pt=97, seq=504, payload=b"", pad=64,
                                      ext=tcc(9006))) + op(6, 0) + op(6, 2))
    kf = lambda pid: struct.pack("<II", pid, 10)
    s["keyframe_req"] = (cmd(22, 0, kf(1)) + cmd(22, 0, kf(1)) + op(6, 5) + cmd(22, 0, kf(1)) +
                         cmd(22, 0, kf(2)) + cmd(22, 3, kf(2)) + cmd(22, 0, kf(77)) +
                         cmd(22, 0, kf(1 << 30)))
    # loss recovery: consumers' NACKs (C1: RTX, C2: plain resends; a seq
    # twice in one datagram, unknown SSRC, never forwarded, too old after
    # time passes, broken FCI) and NACKs to the producer for its gaps (late
    # and RTX arrivals, a jump, expiry)
    nk = lambda t, body: op(3, t, body, 2)
    s["nack_consumers"] = (b"".join(op(2, 0, rtp(seq=300 + i, ext=EXT_ONE)) for i in range(8)) +
                           nk(0, rtcp_nack(0x3000, [(301, 0b101)])) +
                           nk(1, rtcp_nack(0x3001, [(302, 1), (306, 0)])) +
                           nk(0, rtcp_nack(0x3000, [(303, 0)]) + rtcp_nack(0x3000, [(303, 0)])) +
                           nk(0, rtcp_nack(0x3002, [(1, 0xFFFF)]) + rtcp_nack(0xDEAD, [(2, 0)])) +
                           nk(0, rtcp_nack(0x3000, [(400, 0), (200, 0xFFFF)])) + op(6, 10) +
                           nk(0, rtcp_nack(0x3000, [(304, 0)])) +
                           nk(1, struct.pack("!BBHII", 0x81, 205, 2, 1, 0x3001)))
    s["nack_producer"] = (op(2, 0, rtp(seq=400)) + op(2, 0, rtp(seq=403)) + op(6, 0) +
                          op(2, 0, rtp(seq=401)) + op(6, 0) +
                          op(2, 0, rtp(ssrc=0x2000, pt=97, seq=600,
                                       payload=struct.pack("!H", 402) + b"\x22" * 30)) +
                          op(2, 0, rtp(seq=410)) + op(2, 0, rtp(seq=3000)) +
                          op(2, 0, rtp(seq=3004)) + op(6, 0) + op(6, 1) + op(6, 12) +
                          op(2, 0, rtp(seq=60000)) + op(2, 0, rtp(seq=60002)) + op(6, 0))
    # budgets (dp_budget.c): SRTCP from new sender SSRCs (C1 learns 8, then
    # drops), DTLS after the keys (application data, handshake past the late
    # budget, an alert) and many in a row, consumers' PLIs routed to the
    # producer on the data plane (C1 is on the other lcore: the KEYFRAME
    # handoff once media came through it) and deferred to the window's end
    s["budget_rtcp_ssrcs"] = (b"".join(op(3, 0, rtcp_rr(0x100 + i), 2) for i in range(12)) +
                              op(3, 0, rtcp_pli(0x3000, sender=0x105), 2) +
                              op(3, 0, rtcp_pli(0x3000, sender=0x10B), 2))
    s["budget_dtls_after_keys"] = (b"".join(op(1, 0, bytes([ct, 0xFE, 0xFD]) + b"a" * 20)
                                            for ct in (23, 23, 40, 63)) +
                                   b"".join(op(1, 0, b"\x16\xfe\xfd" + b"h" * 30)
                                            for _ in range(12)) +
                                   op(1, 0, b"\x15\xfe\xfd" + b"\0" * 10))
    s["budget_keyframe_routed"] = (op(2, 0, rtp(seq=700)) + op(3, 0, rtcp_pli(0x3000), 2) +
                                   op(6, 0) + op(3, 0, rtcp_pli(0x3002), 2) +
                                   op(3, 8, rtcp_pli(0x3001), 2) + op(6, 5) + op(6, 9))
    return s


def seqmap_seeds():
    def p(step, ssrc=0, tsd=375):
        return bytes([ssrc << 2, (step >> 8) & 0xFF, step & 0xFF, tsd & 0xFF])

    resume = bytes([2, 0, 0, 0])

    def time(ms):
        return bytes([3, (ms >> 8) & 0xFF, ms & 0xFF, 0])

    s = {}
    s["steady"] = b"".join(p(1) for _ in range(20))
    s["reorder"] = p(1) + p(2) + p(0xFFFF) + p(2) + p(0xFFFE) + p(3)
    s["pause_resume"] = b"".join(p(1) for _ in range(5)) + resume + time(500) + p(40) + p(1)
    s["source_change"] = p(1) + p(1) + p(300, 1) + p(1, 1) + p(1, 0) + time(20) + p(5, 2)
    s["restart"] = p(1) + p(1) + b"".join(p(0x9000) if i == 0 else p(1) for i in range(20))
    s["dups"] = p(1) + p(0) + p(0) + p(0xFFFF) + p(1) + p(1)
    s["wrap"] = b"".join(p(0x3000) for _ in range(8)) + p(1)
    s["old_then_resume"] = p(1) + p(0x8100) + resume + p(1) + p(0xFFFD) + p(4)
    return s


def write(name, seeds):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)


write("fuzz_media", media_seeds())
write("fuzz_seqmap", seqmap_seeds())
