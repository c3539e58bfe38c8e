#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
Writes the seed corpora of fuzz_stun and fuzz_rtp:
    tests/fuzz/corpus/fuzz_stun/*.bin, tests/fuzz/corpus/fuzz_rtp/*.bin
Valid messages (so the fuzzer starts deep in the parsers; the STUN requests
carry a MESSAGE-INTEGRITY under the harness's fixed key) and edge cases
(truncation, bad lengths, element layouts at the limits). Independent of the
C code: HMAC-SHA1 and CRC-32 come from Python's hmac and zlib, which also
cross-checks the C implementation when the replay runs.

Usage: tests/proto/gen_corpus.py   (rewrites both directories)
"""
import hashlib
import hmac
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")
FUZZ_KEY = b"fuzzpassword0123456789ab"  # KEY in tests/fuzz/fuzz_stun.c
MAGIC = 0x2112A442
TXID = bytes.fromhex("b7e7a701bc34d686fa87dfae")


def hx(s):
    return bytes.fromhex("".join(s.split()))


# ---------------------------------------------------------------- STUN


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def stun(mtype, attrs, key=None, fingerprint=True, txid=TXID):
    body = b"".join(attrs)

    def hdr(n):
        return struct.pack("!HHI", mtype, n, MAGIC) + txid

    if key is not None:
        mac = hmac.new(key, hdr(len(body) + 24) + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if fingerprint:
        crc = zlib.crc32(hdr(len(body) + 8) + body) ^ 0x5354554E
        body += attr(0x8028, struct.pack("!I", crc))
    return hdr(len(body)) + body


RFC5769_REQUEST = hx("""
00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
80 28 00 04 e5 7a 3b cf""")
RFC5769_V4 = hx("""
01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
00 20 00 08 00 01 a1 47 e1 12 a6 43
00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
80 28 00 04 c0 7d 4c 96""")
RFC5769_V6 = hx("""
01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
80 28 00 04 c8 fb 0b 4c""")


def stun_seeds():
    user = attr(0x0006, b"srvufrag01234567:brws")
    prio = attr(0x0024, struct.pack("!I", 0x6E7F1EFF))
    ctlg = attr(0x802A, struct.pack("!Q", 0x1122334455667788))
    ctld = attr(0x8029, struct.pack("!Q", 0x0102030405060708))
    usec = attr(0x0025, b"")
    goog = attr(0xC057, struct.pack("!HH", 1, 10))
    s = {}
    s["rfc5769_request"] = RFC5769_REQUEST
    s["rfc5769_response_v4"] = RFC5769_V4
    s["rfc5769_response_v6"] = RFC5769_V6
    s["chrome_nominate"] = stun(0x0001, [user, goog, ctlg, usec, prio], FUZZ_KEY)
    s["chrome_check"] = stun(0x0001, [user, goog, ctlg, prio], FUZZ_KEY)
    s["controlled_check"] = stun(0x0001, [user, prio, ctld], FUZZ_KEY)
    s["no_fingerprint"] = stun(0x0001, [user, prio, ctlg], FUZZ_KEY, fingerprint=False)
    s["no_integrity"] = stun(0x0001, [user, prio, ctlg])
    s["header_only"] = stun(0x0001, [], fingerprint=False)
    s["indication"] = stun(0x0011, [])
    s["error_401"] = stun(0x0111, [attr(0x0009, b"\0\0\x04\x01Unauthorized")])
    s["error_420"] = stun(0x0111, [attr(0x0009, b"\0\0\x04\x14Unknown Attribute"),
                                   attr(0x000A, struct.pack("!HHH", 0x31, 0x7FFF, 2))], FUZZ_KEY)
    s["unknown_required"] = stun(0x0001, [attr(0x0031, b"x"), attr(0x7FFF, b""), user, prio],
                                 FUZZ_KEY)
    s["many_unknown"] = stun(0x0001, [attr(0x0040 + i, b"") for i in range(12)])
    # attributes after MI: shift in a PRIORITY of odd size and a second MI, then FP
    base = stun(0x0001, [user, prio], FUZZ_KEY, fingerprint=False)
    tail = attr(0x0024, b"\1\2\3\4\5\6\7") + attr(0x0008, b"abc")
    body = base[20:] + tail
    hdrf = struct.pack("!HHI", 0x0001, len(body) + 8, MAGIC) + TXID
    crc = zlib.crc32(hdrf + body) ^ 0x5354554E
    body += attr(0x8028, struct.pack("!I", crc))
    s["after_integrity"] = struct.pack("!HHI", 0x0001, len(body), MAGIC) + TXID + body
    s["duplicates"] = stun(0x0001, [user, attr(0x0006, b"other:user"), prio, prio, ctld, ctlg],
                           FUZZ_KEY)
    s["username_max"] = stun(0x0001, [attr(0x0006, b"a:" + b"u" * 510)], FUZZ_KEY)
    s["username_too_long"] = stun(0x0001, [attr(0x0006, b"a:" + b"u" * 511)])
    s["xma_bad_family"] = stun(0x0101, [attr(0x0020, b"\0\3\1\2\3\4\5\6")])
    s["xma_v6_short"] = stun(0x0101, [attr(0x0020, b"\0\2\1\2\3\4\5\6")])
    s["error_bad_class"] = stun(0x0111, [attr(0x0009, b"\0\0\x07\x01")])
    s["mi_wrong_size"] = stun(0x0001, [attr(0x0008, b"\0" * 16)])
    s["fp_not_last"] = stun(0x0001, [attr(0x8028, b"\0\0\0\0"), user], fingerprint=False)
    s["priority_wrong_size"] = stun(0x0001, [attr(0x0024, b"\0" * 8)])
    good = s["chrome_nominate"]
    s["truncated"] = good[:-6]
    s["trailing"] = good + b"\0\0\0\0"
    s["len_not_mult4"] = good[:2] + struct.pack("!H", len(good) - 22) + good[4:-2]
    s["attr_overrun"] = good[:22] + b"\0\x08" + good[24:26] + b"\x0f\xff" + good[28:]
    s["bad_cookie"] = good[:4] + b"\x21\x12\xa4\x43" + good[8:]
    s["top_bits"] = b"\x40" + good[1:]
    s["huge_length"] = good[:2] + b"\xff\xfc" + good[4:]
    s["one_byte"] = b"\x00"
    s["empty"] = b""
    return s


# ---------------------------------------------------------------- RTP


def rtp(pt=111, seq=0x1234, ts=0x01020304, ssrc=0xAABBCCDD, marker=0, csrcs=(), ext=None,
        payload=b"\x01\x02\x03\x04", pad=0, version=2):
    b0 = version << 6 | (0x20 if pad else 0) | (0x10 if ext is not None else 0) | len(csrcs)
    out = struct.pack("!BBHII", b0, marker << 7 | pt, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext is not None:
        out += ext
    out += payload
    if pad:
        out += b"\0" * (pad - 1) + bytes([pad])
    return out


def ext_block(profile, data):
    data = data + b"\0" * (-len(data) % 4)
    return struct.pack("!HH", profile, len(data) // 4) + data


def one(i, v):
    return bytes([i << 4 | (len(v) - 1)]) + v


def two(i, v):
    return bytes([i, len(v)]) + v


def rtp_seeds():
    s = {}
    s["minimal"] = rtp(payload=b"")
    s["opus_one_byte"] = rtp(ext=ext_block(0xBEDE, one(1, b"\x85") + one(2, b"\x12\x34\x56") +
                                           one(3, b"\x00\x07") + one(4, b"0")),
                             payload=b"\xfc" + bytes(range(60)))
    s["vp8_two_byte"] = rtp(pt=96, marker=1, csrcs=(0x11111111, 0x22222222),
                            ext=ext_block(0x1000, two(20, b"") + two(1, b"\xab\xcd\xef") +
                                          two(200, b"video0") + b"\0" + two(3, b"\x00\x09")),
                            payload=b"\x90\x80\x00\x9d\x01\x2a" + bytes(100))
    s["padding"] = rtp(ext=ext_block(0xBEDE, one(3, b"\x01\x02")), pad=4)
    s["padding_only_probe"] = rtp(pt=96, payload=b"", pad=224)
    s["rtx"] = rtp(pt=97, seq=7, ssrc=0x55667788, payload=b"\x12\x34" + b"orig-payload")
    s["ext_id15_stop"] = rtp(ext=ext_block(0xBEDE, one(1, b"\x01") + b"\xf3" + one(2, b"ab")))
    s["ext_id0_len"] = rtp(ext=ext_block(0xBEDE, b"\x03\x01\x02\x03"))
    s["ext_elem_overrun"] = rtp(ext=ext_block(0xBEDE, b"\x1f\x01\x02\x03"))
    s["ext_two_overrun"] = rtp(ext=ext_block(0x1000, b"\x05\xff\x01\x02"))
    s["ext_block_past_end"] = rtp(ext=b"\xbe\xde\x00\x40", payload=b"")
    s["ext_other_profile"] = rtp(ext=ext_block(0x1234, b"\x11\x22\x33\x44"))
    s["ext_appbits"] = rtp(ext=ext_block(0x100F, two(7, b"x")))
    s["ext_empty"] = rtp(ext=b"\xbe\xde\x00\x00")
    s["ext_mid16"] = rtp(ext=ext_block(0xBEDE, one(14, b"m" * 16)))
    s["ext_header_cut"] = rtp(ext=b"\xbe\xde\x00\x01", payload=b"")[:14]
    s["pad_zero"] = rtp(payload=b"abc", pad=1)[:-1] + b"\0"
    s["pad_too_long"] = rtp(payload=b"abc", pad=1)[:-1] + b"\x20"
    s["version1"] = rtp(version=1)
    s["csrc_cut"] = rtp(csrcs=tuple(range(15)))[:40]
    s["rtcp_like"] = rtp(pt=72, marker=1, payload=b"\0" * 16)
    s["large"] = rtp(pt=96, ext=ext_block(0xBEDE, one(5, b"\x00\x01")), payload=bytes(1200))
    s["seq_wrap"] = rtp(seq=0xFFFF, payload=b"\xff\xfe\x00\x00\x00\x01\x7f\xff\x80\x00")
    s["short"] = b"\x80\x60\x00"
    return s


def write(name, seeds):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".bin"):
            os.remove(os.path.join(d, f))
    for k, v in seeds.items():
        with open(os.path.join(d, k + ".bin"), "wb") as fh:
            fh.write(v)


if __name__ == "__main__":
    write("fuzz_stun", stun_seeds())
    write("fuzz_rtp", rtp_seeds())
