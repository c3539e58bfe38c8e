// SPDX-License-Identifier: MIT
//
// End-to-end test of the Socket.IO layer (controlplane/sio) with the npm
// socket.io-client v4 (websocket transport) and raw `ws` clients, against
// tests/sio/sio_test_server (path in $SIO_TEST_SERVER).
//
// Two server instances: one with protocol defaults for pings (so that the
// socket.io clients never race a heartbeat) and maxPayload 100000, one with
// short pings (250 ms / 1000 ms) and a 1500 ms connect timeout for the
// heartbeat tests. Every wait is on an event; the node:test timeouts are
// only a safety net, no assertion depends on elapsed time.
//
// Run: SIO_TEST_SERVER=/path/sio_test_server node --test tests/sio/sio.test.mjs
// (npm packages: npm install --prefix tests)

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { io } from "socket.io-client";
import WebSocket from "ws";

const SERVER = process.env.SIO_TEST_SERVER;
if (!SERVER) throw new Error("set SIO_TEST_SERVER to the sio_test_server binary");

const MAX_PAYLOAD = 100000;
const EIO_PATH = "/socket.io/?EIO=4&transport=websocket";
const T = { timeout: 20000 };

// ---------------------------------------------------------------- server

class Server {
  constructor(args) {
    this.args = args;
    this.lines = [];
    this.waiters = [];
  }

  async start() {
    this.proc = spawn(SERVER, ["0", ...this.args.map(String)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.exited = once(this.proc, "exit");
    let buf = "";
    this.proc.stdout.setEncoding("utf8");
    this.proc.stdout.on("data", (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => !(w.pred(line) && (w.resolve(line), true)));
      }
    });
    const port = await this.waitLine((l) => l.startsWith("PORT "));
    this.port = Number(port.split(" ")[1]);
    assert.ok(this.port > 0);
    this.url = `http://127.0.0.1:${this.port}`;
  }

  // resolves with the first line (already seen or future) matching pred
  waitLine(pred) {
    const seen = this.lines.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  alive() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop() {
    assert.ok(this.alive(), "server died during the tests");
    this.proc.kill("SIGTERM");
    const [code, signal] = await this.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, "server must exit cleanly (no crash, no leak)");
  }
}

// ------------------------------------------------------------ helpers

function client(srv, opts = {}) {
  return io(srv.url + (opts.nsp ?? ""), {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: { token: "good" },
    ...opts,
  });
}

function connected(sock) {
  return new Promise((resolve, reject) => {
    sock.once("connect", () => resolve(sock));
    sock.once("connect_error", reject);
  });
}

function connectError(sock) {
  return new Promise((resolve, reject) => {
    sock.once("connect", () => reject(new Error("unexpected connect")));
    sock.once("connect_error", resolve);
  });
}

// A raw WebSocket with an async message queue.
class Raw {
  constructor(srv, path = EIO_PATH) {
    this.ws = new WebSocket(`ws://127.0.0.1:${srv.port}${path}`);
    this.queue = [];
    this.waiting = [];
    this.ws.on("message", (data, isBinary) => {
      const m = isBinary ? data : data.toString();
      const w = this.waiting.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.failed = new Promise((resolve) => {
      this.ws.on("error", resolve);
      this.ws.on("unexpected-response", (_req, res) => resolve(res.statusCode));
    });
  }

  opened() {
    return once(this.ws, "open");
  }

  next() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(s, opts = {}) {
    this.ws.send(s, opts);
  }

  // open, read the Engine.IO open packet, return it parsed
  async handshake() {
    await this.opened();
    const open = await this.next();
    assert.equal(open[0], "0");
    return JSON.parse(open.slice(1));
  }

  // handshake + CONNECT with a good token; returns the socket sid
  async connect(auth = { token: "good" }) {
    const open = await this.handshake();
    this.send("40" + JSON.stringify(auth));
    const ok = await this.next();
    assert.match(ok, /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    return open.sid;
  }
}

// ------------------------------------------------------------ the tests

describe("socket.io server (default pings)", () => {
  const srv = new Server([25000, 20000, MAX_PAYLOAD, 45000]);
  before(() => srv.start());
  after(() => srv.stop());

  test("long-polling is refused with HTTP 400 and the exact JSON body", T, async () => {
    const r = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(r.status, 400);
    assert.match(r.headers.get("content-type"), /^application\/json/);
    assert.equal(await r.text(), '{"code":0,"message":"Transport unknown"}');
  });

  test("connect, emit with ack", T, async () => {
    const s = await connected(client(srv));
    assert.match(s.io.engine.id, /^[A-Za-z0-9_-]{20}$/);
    const r = await s.emitWithAck("hello", { a: 1, s: "é\n\"" });
    assert.deepEqual(r, { echo: { a: 1, s: "é\n\"" }, event: "hello" });
    const r2 = await s.emitWithAck("nothing");
    assert.deepEqual(r2, { echo: null, event: "nothing" });
    const id = s.io.engine.id; // engine.io-client forgets it on close
    s.disconnect();
    const line = await srv.waitLine((l) => l.startsWith(`DISCONNECT ${id} `));
    assert.equal(line, `DISCONNECT ${id} client namespace disconnect`);
  });

  test("many acks in flight are answered in order of arrival", T, async () => {
    const s = await connected(client(srv));
    const order = [];
    const all = [];
    for (let i = 0; i < 300; i++) {
      all.push(new Promise((resolve) =>
        s.emit("req", { i }, (r) => {
          order.push(r.echo.i);
          assert.deepEqual(r, { echo: { i }, event: "req" });
          resolve();
        })));
    }
    await Promise.all(all);
    assert.deepEqual(order, [...Array(300).keys()]);
    s.disconnect();
  });

  test("notifications go to every other socket, never back", T, async () => {
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => connected(client(srv))));
    const gotA = [];
    a.on("notice", (n) => gotA.push(n));
    const nb = once(b, "notice");
    const nc = once(c, "notice");
    const r = await a.emitWithAck("broadcast", { x: 42 });
    assert.deepEqual(r, { echo: { x: 42 }, event: "broadcast" });
    const [[vb], [vc]] = await Promise.all([nb, nc]);
    assert.deepEqual(vb, { from: a.io.engine.id, payload: { x: 42 } });
    assert.deepEqual(vc, vb);
    // the server queues notices before the ack: had one been sent to a, it
    // would have arrived before the ack we already have
    assert.deepEqual(gotA, []);
    [a, b, c].forEach((s) => s.disconnect());
  });

  test("bad or missing token: connect_error unauthorized", T, async () => {
    const e1 = await connectError(client(srv, { auth: { token: "bad" } }));
    assert.equal(e1.message, "unauthorized");
    const e2 = await connectError(client(srv, { auth: undefined }));
    assert.equal(e2.message, "unauthorized");
    const e3 = await connectError(client(srv, { auth: { token: 7 } }));
    assert.equal(e3.message, "unauthorized");
    await srv.waitLine((l) => l === "REFUSE");
  });

  test("other namespace: connect_error Invalid namespace", T, async () => {
    const e = await connectError(client(srv, { nsp: "/admin" }));
    assert.equal(e.message, "Invalid namespace");
  });

  test("a frame over maxPayload disconnects the client", T, async () => {
    const s = await connected(client(srv));
    const id = s.io.engine.id;
    const gone = once(s, "disconnect");
    s.emit("huge", "x".repeat(MAX_PAYLOAD + 10));
    const [reason] = await gone;
    assert.equal(reason, "transport close");
    assert.equal(await srv.waitLine((l) => l.startsWith(`DISCONNECT ${id} `)),
      `DISCONNECT ${id} transport error`);
    // a message just under the limit is fine
    const t = await connected(client(srv));
    const big = "y".repeat(MAX_PAYLOAD - 100);
    const r = await t.emitWithAck("almost", big);
    assert.equal(r.echo, big);
    t.disconnect();
  });

  test("binary emit: error event and error ack, socket and server live on", T, async () => {
    const s = await connected(client(srv));
    const errs = [];
    s.on("error", (e) => errs.push(e));
    const r = await s.emitWithAck("bin", Buffer.from([1, 2, 3]));
    assert.deepEqual(r, { error: "binary packets are not supported", code: "BAD_REQUEST" });
    // the error event is queued before the ack
    assert.deepEqual(errs, [{ message: "binary packets are not supported" }]);
    s.emit("bin-noack", { b: Buffer.from([9]) });
    const r2 = await s.emitWithAck("after", 1);
    assert.deepEqual(r2, { echo: 1, event: "after" });
    assert.equal(errs.length, 2);
    s.disconnect();
    const t = await connected(client(srv));
    t.disconnect();
    assert.ok(srv.alive());
  });

  test("server-side close: io server disconnect", T, async () => {
    const s = await connected(client(srv));
    const id = s.io.engine.id;
    const gone = once(s, "disconnect");
    const r = await s.emitWithAck("close-me", null);
    assert.deepEqual(r, { echo: null, event: "close-me" });
    const [reason] = await gone;
    assert.equal(reason, "io server disconnect");
    assert.equal(await srv.waitLine((l) => l.startsWith(`DISCONNECT ${id} `)),
      `DISCONNECT ${id} server namespace disconnect`);
  });

  test("large outbound event arrives intact", T, async () => {
    const s = await connected(client(srv));
    const got = once(s, "big");
    await s.emitWithAck("big", 700000);
    const [v] = await got;
    assert.equal(v.length, 700000);
    assert.ok(/^x+$/.test(v));
    s.disconnect();
  });

  test("50 concurrent clients", T, async () => {
    const socks = await Promise.all(Array.from({ length: 50 }, () => connected(client(srv))));
    const ids = new Set(socks.map((s) => s.io.engine.id));
    assert.equal(ids.size, 50);
    const rs = await Promise.all(socks.map((s, i) => s.emitWithAck("n", i)));
    rs.forEach((r, i) => assert.deepEqual(r, { echo: i, event: "n" }));
    const notices = socks.slice(1).map((s) => once(s, "notice"));
    await socks[0].emitWithAck("broadcast", "all");
    const got = await Promise.all(notices);
    got.forEach(([n]) => assert.deepEqual(n, { from: socks[0].io.engine.id, payload: "all" }));
    socks.forEach((s) => s.disconnect());
  });

  // ---- raw WebSocket clients

  test("raw: open packet fields", T, async () => {
    const r = new Raw(srv);
    const open = await r.handshake();
    assert.match(open.sid, /^[A-Za-z0-9_-]{20}$/);
    assert.deepEqual(open, {
      sid: open.sid, upgrades: [], pingInterval: 25000, pingTimeout: 20000,
      maxPayload: MAX_PAYLOAD,
    });
    r.ws.close();
  });

  test("raw: exact wire format of connect, event with ack, namespaces", T, async () => {
    const r = new Raw(srv);
    await r.handshake();
    r.send("40/admin,");
    assert.equal(await r.next(), '44/admin,{"message":"Invalid namespace"}');
    r.send('40{"token":"nope"}');
    assert.equal(await r.next(), '44{"message":"unauthorized"}');
    r.send('40{"token":"good"}');
    assert.match(await r.next(), /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
    r.send('421["hi",{"x":1},"ignored"]');
    assert.equal(await r.next(), '431[{"echo":{"x":1},"event":"hi"}]');
    r.send('4212["bare"]');
    assert.equal(await r.next(), '4312[{"echo":null,"event":"bare"}]');
    r.send('43999[]'); // client ACK: ignored
    r.send("6");       // noop: ignored
    r.send("2probe");  // EIO3-style ping: answered
    assert.equal(await r.next(), "3probe");
    r.ws.close();
  });

  test("raw: emits inside on_connect follow the 40; refused ones vanish", T, async () => {
    const r = new Raw(srv);
    const open = await r.handshake();
    r.send('40{"token":"bad","welcome":true}');
    assert.equal(await r.next(), '44{"message":"unauthorized"}');
    r.send('40{"token":"good","welcome":true}');
    assert.match(await r.next(), /^40\{"sid":/);
    assert.equal(await r.next(), `42["welcome",{"sid":"${open.sid}"}]`);
    r.send('421["x"]');
    assert.equal(await r.next(), '431[{"echo":null,"event":"x"}]');
    r.ws.close();
  });

  test("raw: fragmented messages are reassembled", T, async () => {
    const r = new Raw(srv);
    await r.handshake();
    r.send('40{"tok', { fin: false });
    r.send('en":"go', { fin: false });
    r.send('od"}', { fin: true });
    assert.match(await r.next(), /^40\{"sid":/);
    r.send('427["fr', { fin: false });
    r.send('ag",2]', { fin: true });
    assert.equal(await r.next(), '437[{"echo":2,"event":"frag"}]');
    r.ws.close();
  });

  test("raw: fragments adding up past maxPayload close with 1009", T, async () => {
    const r = new Raw(srv);
    await r.connect();
    const chunk = "z".repeat(30000);
    r.send('42["f","', { fin: false });
    for (let i = 0; i < 4; i++) r.send(chunk, { fin: false });
    r.send('"]', { fin: true });
    const { code } = await r.closed;
    assert.equal(code, 1009);
  });

  test("raw: a single text frame past maxPayload closes with 1009", T, async () => {
    const r = new Raw(srv);
    await r.handshake();
    r.send("4" + "q".repeat(MAX_PAYLOAD));
    const { code } = await r.closed;
    assert.equal(code, 1009);
  });

  test("raw: binary frames are dropped, the connection lives on", T, async () => {
    const r = new Raw(srv);
    await r.handshake();
    r.send(Buffer.from([0x34, 0x32, 0xff, 0x00]));
    r.send('40{"token":"good"}');
    assert.match(await r.next(), /^40\{"sid":/);
    r.send('451-3["b",{"_placeholder":true,"num":0}]');
    r.send(Buffer.from([1, 2, 3]));
    assert.equal(await r.next(), '42["error",{"message":"binary packets are not supported"}]');
    assert.equal(await r.next(),
      '433[{"error":"binary packets are not supported","code":"BAD_REQUEST"}]');
    r.send('461-5[{"_placeholder":true,"num":0}]');
    assert.equal(await r.next(), '42["error",{"message":"binary packets are not supported"}]');
    r.send('424["still-here"]');
    assert.equal(await r.next(), '434[{"echo":null,"event":"still-here"}]');
    r.ws.close();
  });

  for (const [name, frames] of [
    ["garbage", ["hello"]],
    ["empty frame", [""]],
    ["EVENT before CONNECT", ['42["x"]']],
    ["bad socket.io type", ["49"]],
    ["open packet from client", ["0"]],
    ["upgrade packet", ["5"]],
    ["second CONNECT", ['40{"token":"good"}', '40{"token":"good"}']],
    ["bad JSON after CONNECT", ['40{"token":"good"}', '42["x",']],
    ["EVENT on another namespace", ['40{"token":"good"}', '42/admin,["x"]']],
    ["reserved event name", ['40{"token":"good"}', '42["connect"]']],
    ["duplicate keys", ['40{"token":"good"}', '42["x",{"a":1,"a":2}]']],
    ["too deep", ['40{"token":"good"}', "42[\"x\"," + "[".repeat(40) + "]".repeat(40) + "]"]],
    ["ack id overflow", ['40{"token":"good"}', '4299999999999999999999["x"]']],
    ["bad namespace bytes", ["40/a b,"]],
    ["CONNECT_ERROR from client", ['44{"message":"x"}']],
    ["CONNECT with an array", ["40[1]"]],
  ]) {
    test(`raw: ${name} closes the connection with 1002`, T, async () => {
      const r = new Raw(srv);
      await r.handshake();
      for (const f of frames) r.send(f);
      const { code } = await r.closed;
      assert.equal(code, 1002);
      assert.ok(srv.alive());
    });
  }

  test("raw: a burst below the queue bound is delivered in order", T, async () => {
    const r = new Raw(srv);
    await r.connect();
    r.send('42["flood",1000]');
    for (let i = 0; i < 1000; i++) assert.equal(await r.next(), `42["f",{"i":${i}}]`);
    r.send('421["after-flood"]');
    assert.equal(await r.next(), '431[{"echo":null,"event":"after-flood"}]');
    r.ws.close();
  });

  test("raw: overflowing the outbound queue closes (forced close)", T, async () => {
    const r = new Raw(srv);
    const sid = await r.connect();
    r.send('42["flood",5000]');
    await r.closed;
    assert.equal(await srv.waitLine((l) => l.startsWith(`DISCONNECT ${sid} `)),
      `DISCONNECT ${sid} forced close`);
    assert.ok(r.queue.length < 5000);
  });

  test("raw: engine close packet closes", T, async () => {
    const r = new Raw(srv);
    const open = await r.handshake();
    r.send('40{"token":"good"}');
    await r.next();
    r.send("1");
    const { code } = await r.closed;
    assert.equal(code, 1000);
    assert.equal(await srv.waitLine((l) => l.startsWith(`DISCONNECT ${open.sid} `)),
      `DISCONNECT ${open.sid} transport close`);
  });

  test("raw: parse error reason reaches on_disconnect", T, async () => {
    const r = new Raw(srv);
    const sid = await r.connect();
    r.send("4x");
    await r.closed;
    assert.equal(await srv.waitLine((l) => l.startsWith(`DISCONNECT ${sid} `)),
      `DISCONNECT ${sid} parse error`);
  });

  for (const path of [
    "/other/?EIO=4&transport=websocket",
    "/socket.io/?EIO=3&transport=websocket",
    "/socket.io/?transport=websocket",
    "/socket.io/?EIO=4&transport=polling",
    "/socket.io/?EIO=4&transport=websocket&sid=abc",
  ]) {
    test(`raw: upgrade refused for ${path}`, T, async () => {
      const r = new Raw(srv, path);
      let opened = false;
      r.ws.on("open", () => { opened = true; });
      await r.failed;
      assert.equal(opened, false);
      assert.notEqual(r.ws.readyState, WebSocket.OPEN);
    });
  }

  test("the server is still alive after everything", T, async () => {
    const s = await connected(client(srv));
    assert.deepEqual(await s.emitWithAck("last", true), { echo: true, event: "last" });
    s.disconnect();
    assert.ok(srv.alive());
  });
});

describe("heartbeat (short pings)", () => {
  const srv = new Server([250, 1000, MAX_PAYLOAD, 1500]);
  before(() => srv.start());
  after(() => srv.stop());

  test("open packet carries the configured values", T, async () => {
    const r = new Raw(srv);
    const open = await r.handshake();
    assert.equal(open.pingInterval, 250);
    assert.equal(open.pingTimeout, 1000);
    assert.equal(open.maxPayload, MAX_PAYLOAD);
    r.ws.close();
  });

  test("a client that answers pings stays connected", T, async () => {
    const r = new Raw(srv);
    await r.connect();
    let pings = 0;
    let closed = false;
    r.closed.then(() => { closed = true; });
    while (pings < 5) {
      const m = await r.next();
      assert.equal(m, "2");
      pings++;
      r.send("3");
      r.send("3"); // an unsolicited pong is ignored
    }
    // still usable after five heartbeats
    r.send('421["alive"]');
    let m;
    while ((m = await r.next()) === "2") r.send("3");
    assert.equal(m, '431[{"echo":null,"event":"alive"}]');
    assert.equal(closed, false);
    r.ws.close();
  });

  test("a client that does not answer pings is dropped (ping timeout)", T, async () => {
    const r = new Raw(srv);
    const sid = await r.connect();
    const seen = [];
    r.ws.on("message", (d) => seen.push(d.toString()));
    await r.closed;
    const msgs = [...r.queue, ...seen];
    assert.ok(msgs.includes("2"), "a ping was sent before the close");
    assert.equal(await srv.waitLine((l) => l.startsWith(`DISCONNECT ${sid} `)),
      `DISCONNECT ${sid} ping timeout`);
  });

  test("garbage frames from a raw client: closed", T, async () => {
    const r = new Raw(srv);
    await r.handshake();
    r.send("\u0001\u0002garbage");
    const { code } = await r.closed;
    assert.equal(code, 1002);
  });

  test("a client that never sends CONNECT is dropped (connect timeout)", T, async () => {
    const r = new Raw(srv);
    await r.handshake();
    let pings = 0;
    r.ws.on("message", (d) => { if (d.toString() === "2") { pings++; r.ws.send("3"); } });
    for (const m of r.queue.splice(0)) if (m === "2") { pings++; r.send("3"); }
    await r.closed;
    assert.ok(pings >= 1, "heartbeats were answered, yet it was closed");
  });

  test("socket.io client survives several short heartbeats", T, async () => {
    const s = await connected(client(srv));
    let pings = 0;
    s.io.engine.on("ping", () => pings++);
    while (pings < 3) await once(s.io.engine, "ping");
    assert.equal(s.connected, true);
    assert.deepEqual(await s.emitWithAck("hb", pings), { echo: pings, event: "hb" });
    s.disconnect();
  });
});
