#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hostile signaling server for test_loadgen.sh bad: Engine.IO/Socket.IO
over WebSocket (stdlib only), misbehaving by the room of the client's token
(its `room` claim starts with the scenario name):
  garbage  answers mediasoup:join with a frame that is not Socket.IO
  drop     closes the TCP connection when the join arrives
  noice    a normal-looking transport whose ICE candidate never answers
  nodtls   answers ICE binding requests correctly, never DTLS
Usage: fake_server.py HOST PORT"""
import asyncio, base64, hashlib, hmac, json, os, socket, struct, sys, zlib

HOST, PORT = sys.argv[1], int(sys.argv[2])
ICE_PWD = "fakeserverpassword0123456"
UDP_PORTS = {}


def ws_frame(text):
    b = text.encode()
    n = len(b)
    if n < 126:
        hdr = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        hdr = struct.pack("!BBH", 0x81, 126, n)
    else:
        hdr = struct.pack("!BBQ", 0x81, 127, n)
    return hdr + b


async def ws_read(r):
    b0, b1 = await r.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await r.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await r.readexactly(8))
    mask = await r.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytearray(await r.readexactly(n))
    for i in range(n):
        data[i] ^= mask[i % 4]
    return b0 & 0x0F, data.decode(errors="replace")


def token_room(auth):
    try:
        tok = json.loads(auth)["token"]
        pl = tok.split(".")[1]
        pl += "=" * (-len(pl) % 4)
        return json.loads(base64.urlsafe_b64decode(pl)).get("room", "")
    except Exception:
        return ""


class Stun(asyncio.DatagramProtocol):
    """Answers binding requests (nodtls) or nothing at all (noice)."""

    def __init__(self, answer):
        self.answer = answer

    def connection_made(self, tr):
        self.tr = tr

    def datagram_received(self, d, addr):
        if not self.answer or len(d) < 20 or d[0] > 1:
            return  # DTLS and everything else: silence
        txid = d[8:20]
        ip = socket.inet_aton(addr[0])
        xport = addr[1] ^ 0x2112
        xip = bytes(a ^ b for a, b in zip(ip, struct.pack("!I", 0x2112A442)))
        attrs = struct.pack("!HHBBH", 0x0020, 8, 0, 1, xport) + xip
        # MESSAGE-INTEGRITY over the message with the length covering it
        hdr = struct.pack("!HHI", 0x0101, len(attrs) + 24, 0x2112A442) + txid
        mi = hmac.new(ICE_PWD.encode(), hdr + attrs, hashlib.sha1).digest()
        attrs += struct.pack("!HH", 0x0008, 20) + mi
        hdr = struct.pack("!HHI", 0x0101, len(attrs) + 8, 0x2112A442) + txid
        crc = (zlib.crc32(hdr + attrs) ^ 0x5354554E) & 0xFFFFFFFF
        attrs += struct.pack("!HHI", 0x8028, 4, crc)
        self.tr.sendto(hdr + attrs, addr)


async def udp_port(answer):
    loop = asyncio.get_running_loop()
    tr, _ = await loop.create_datagram_endpoint(lambda: Stun(answer), local_addr=(HOST, 0))
    return tr.get_extra_info("sockname")[1]


def transport_answer(port):
    return {"transport": {
        "id": os.urandom(8).hex(),
        "iceParameters": {"usernameFragment": "fakeufrag", "password": ICE_PWD, "iceLite": True},
        "iceCandidates": [{"foundation": "udpcandidate", "priority": 1076302079, "ip": HOST,
                           "address": HOST, "protocol": "udp", "port": port, "type": "host"}],
        "dtlsParameters": {"role": "auto", "fingerprints": [
            {"algorithm": "sha-256", "value": ":".join(["AB"] * 32)}]},
        "e2eeEnabled": True}}


async def client(r, w):
    try:
        req = await r.readuntil(b"\r\n\r\n")
        key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n")
               if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        w.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        w.write(ws_frame('0{"sid":"fake","upgrades":[],"pingInterval":25000,"pingTimeout":20000,'
                         '"maxPayload":1000000}'))
        scenario = ""
        while True:
            op, msg = await ws_read(r)
            if op == 8:
                return
            if msg.startswith("40"):
                scenario = token_room(msg[2:]).split("-")[0]
                w.write(ws_frame('40{"sid":"fakesid"}'))
                continue
            if not msg.startswith("42"):
                continue
            i = 2
            while msg[i].isdigit():
                i += 1
            ack, (ev, payload) = msg[2:i], json.loads(msg[i:])
            if ev == "mediasoup:join":
                if scenario == "garbage":
                    w.write(ws_frame("4\x07garbage{{{"))
                    continue
                if scenario == "drop":
                    w.close()
                    return
                resp = {"peerId": os.urandom(8).hex(), "rtpCapabilities": {"codecs": [],
                        "headerExtensions": []}, "e2eeEnabled": True, "existingProducers": []}
            elif ev == "mediasoup:create-transport":
                resp = transport_answer(await udp_port(scenario == "nodtls"))
            elif ev == "mediasoup:produce":
                resp = {"producerId": os.urandom(8).hex()}
            else:
                resp = {"success": True}
            w.write(ws_frame("43" + ack + json.dumps([resp])))
    except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
        return
    finally:
        w.close()


async def main():
    srv = await asyncio.start_server(client, HOST, PORT)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
