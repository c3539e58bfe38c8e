// SPDX-License-Identifier: MIT
//
// The fleet (README "Fleet"), run by run_fleet.sh: two nodes (A, B) and one
// Redis in a namespace of their own. The steps depend on each other and run
// in order: REDIRECT to the home and a join there; a new room placed on the
// less loaded node; A killed and its room re-homed on B; Redis stopped
// (running rooms go on, a new room is refused OVERLOADED) and restarted
// (joins work again, B re-registers and re-claims its rooms). Every wait is
// bounded by a number of tries, never asserted on time.

import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import { closed, connect, mint, req, reqOk, uniq } from '../signaling/lib.mjs';

const A = process.env.FLEET_URL_A;
const B = process.env.FLEET_URL_B;
const RP = Number(process.env.FLEET_REDIS_PORT);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One Redis command over RESP (array of bulk strings); resolves with the
// reply parsed just enough for these tests (null, integer, string).
function redis(...args) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: '127.0.0.1', port: RP });
    let buf = '';
    s.setTimeout(5000, () => { s.destroy(); reject(new Error('redis: timeout')); });
    s.on('error', reject);
    s.on('connect', () => {
      s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    s.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const head = buf.slice(0, nl);
      if (head[0] === '$') {
        const n = Number(head.slice(1));
        if (n < 0) { s.end(); resolve(null); return; }
        if (buf.length < nl + 2 + n) return;
        s.end();
        resolve(buf.slice(nl + 2, nl + 2 + n));
      } else if (head[0] === ':') {
        s.end();
        resolve(Number(head.slice(1)));
      } else {
        s.end();
        resolve(head.slice(1));
      }
    });
  });
}

async function metrics(url) {
  const r = await fetch(`${url}/metrics`);
  return r.text();
}

function metric(text, name) {
  const m = text.match(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
}

// Retries check() (truthy = done) up to `tries` times, 100 ms apart.
async function eventually(check, what, tries = 300) {
  let last;
  for (let i = 0; i < tries; i++) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`never happened: ${what} (last: ${last})`);
}

const room = uniq('fleet-x');
const room2 = uniq('fleet-y');
const socks = {};

test('a join on B for a room homed on A answers REDIRECT with A\'s url; the join on A succeeds', async () => {
  // both nodes registered
  await eventually(async () => (await redis('EXISTS', 'sluice:node:node-a')) === 1 &&
    (await redis('EXISTS', 'sluice:node:node-b')) === 1, 'both node records');
  const rec = JSON.parse(await redis('GET', 'sluice:node:node-a'));
  assert.equal(rec.id, 'node-a');
  assert.equal(rec.url, A);
  assert.equal(rec.capacity, 100);
  assert.equal(typeof rec.load, 'number');

  const a1 = await connect({ url: A, sub: 'alice' });
  socks.a1 = a1;
  const j1 = await reqOk(a1, 'mediasoup:join', { channelId: room });
  assert.ok(j1.peerId);
  assert.equal(await redis('GET', `sluice:room:${room}`), 'node-a');
  const pttl = await redis('PTTL', `sluice:room:${room}`);
  assert.ok(pttl > 0 && pttl <= 3000, `room key has the fleet TTL (${pttl})`);

  const token = mint({ sub: 'bob' });
  const b1 = await connect({ url: B, token });
  const r = await req(b1, 'mediasoup:join', { channelId: room });
  assert.equal(r.code, 'REDIRECT', JSON.stringify(r));
  assert.equal(r.url, A);
  assert.equal(typeof r.error, 'string');
  b1.close();

  // the client follows it with the same token
  const b2 = await connect({ url: r.url, token });
  socks.b2 = b2;
  const j2 = await reqOk(b2, 'mediasoup:join', { channelId: room });
  const joined = await a1.inbox.waitFor('mediasoup:peer-joined');
  assert.equal(joined.peerId, j2.peerId);
  assert.equal(joined.userId, 'bob');
  const m = await metrics(B);
  assert.equal(metric(m, 'sluice_fleet_connected'), 1);
  assert.ok(metric(m, 'sluice_fleet_redirects_total') >= 1);
});

test('a new room is placed on the less loaded node', async () => {
  // A holds 2 peers, B none: once A has read B's record, A places new rooms on B
  await eventually(async () => metric(await metrics(A), 'sluice_fleet_nodes') === 1, 'A sees B');
  const s = await connect({ url: A, sub: 'carol' });
  const r = await req(s, 'mediasoup:join', { channelId: room2 });
  s.close();
  assert.equal(r.code, 'REDIRECT', JSON.stringify(r));
  assert.equal(r.url, B);
  assert.equal(await redis('GET', `sluice:room:${room2}`), 'node-b');
  const s2 = await connect({ url: B, sub: 'carol' });
  await reqOk(s2, 'mediasoup:join', { channelId: room2 });
  s2.close();
  // the last peer left: B deletes the key (it still names B)
  await eventually(async () => (await redis('EXISTS', `sluice:room:${room2}`)) === 0,
    'room key released on close');
});

test('node A killed: its record expires within the TTL and the room is re-homed on B', async () => {
  // the room key outlives the node here (as it may when A died just after a
  // refresh): the join must take the room over from the dead home. A's
  // peers stay connected: A dies with its room open.
  assert.equal(await redis('PEXPIRE', `sluice:room:${room}`, '60000'), 1);
  process.kill(Number(process.env.FLEET_PID_A), 'SIGKILL');
  await Promise.all([closed(socks.a1), closed(socks.b2)]);
  await eventually(async () => (await redis('EXISTS', 'sluice:node:node-a')) === 0,
    'node-a record gone');
  assert.equal(await redis('GET', `sluice:room:${room}`), 'node-a');
  // the room key may outlive the node: a join on B takes the room over
  const c = await connect({ url: B, sub: 'dave' });
  socks.c = c;
  const j = await reqOk(c, 'mediasoup:join', { channelId: room });
  assert.ok(j.peerId);
  assert.equal(await redis('GET', `sluice:room:${room}`), 'node-b');
  const m = await metrics(B);
  assert.equal(metric(m, 'sluice_fleet_rehomed_total'), 1);
  assert.ok(metric(m, 'sluice_fleet_joins_total{result="here"}') >= 2);
});

test('Redis stopped: the running room goes on, a new room is refused OVERLOADED; Redis back: joins work', async () => {
  process.kill(Number(process.env.FLEET_REDIS_PID), 'SIGTERM');
  await eventually(async () => metric(await metrics(B), 'sluice_fleet_connected') === 0,
    'B notices Redis is gone');
  // the existing peer is still answered
  const st = await reqOk(socks.c, 'mediasoup:get-room-stats', { channelId: room });
  assert.ok(st);
  // a new peer of the running room joins without the directory
  const d = await connect({ url: B, sub: 'erin' });
  await reqOk(d, 'mediasoup:join', { channelId: room });
  const seen = await socks.c.inbox.waitFor('mediasoup:peer-joined');
  assert.equal(seen.userId, 'erin');
  // a room that needs the directory: OVERLOADED with a clear message
  const roomZ = uniq('fleet-z');
  const z = await connect({ url: B, sub: 'frank' });
  const r = await req(z, 'mediasoup:join', { channelId: roomZ });
  assert.equal(r.code, 'OVERLOADED', JSON.stringify(r));
  assert.match(r.error, /directory \(Redis\) is unreachable/);
  const m = await metrics(B);
  assert.ok(metric(m, 'sluice_fleet_joins_total{result="unavailable"}') >= 1);
  assert.ok(metric(m, 'sluice_fleet_directory_errors_total{reason="unreachable"}') >= 1);

  // Redis back (empty: no persistence)
  const child = spawn(process.env.FLEET_REDIS_BIN, ['--port', String(RP), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'no', '--dir', process.env.FLEET_REDIS_DIR, '--daemonize', 'no'],
  { stdio: ['ignore', fs.openSync(`${process.env.FLEET_WORK}/redis2.log`, 'w'), 'inherit'] });
  socks.redis = child;
  fs.appendFileSync(`${process.env.FLEET_WORK}/pids`, `${child.pid}\n`); // run_fleet.sh stops it
  child.unref(); // this process may exit with it running
  await eventually(async () => metric(await metrics(B), 'sluice_fleet_connected') === 1,
    'B reconnects');
  // B re-registers and re-claims its running room
  await eventually(async () => (await redis('GET', `sluice:room:${room}`)) === 'node-b',
    'room re-claimed');
  assert.equal(await redis('EXISTS', 'sluice:node:node-b'), 1);
  const r2 = await reqOk(z, 'mediasoup:join', { channelId: roomZ });
  assert.ok(r2.peerId);
  assert.equal(await redis('GET', `sluice:room:${roomZ}`), 'node-b');
  socks.z = z;
  socks.d = d;
});

test('placement checks the chosen node is alive; records that do not parse are counted', async () => {
  // B holds 3 peers (c, d, z); a node record with load 0 appears in the directory
  const ghost = { id: 'node-ghost', url: 'http://127.0.0.1:9', media: '198.18.0.9', capacity: 100, load: 0 };
  assert.equal(await redis('SET', 'sluice:node:node-ghost', JSON.stringify(ghost), 'PX', '60000'), 'OK');
  await redis('SADD', 'sluice:nodes', 'node-ghost');
  await redis('SET', 'sluice:node:node-bad', '{"id":"node-bad","url":', 'PX', '60000');
  await redis('SADD', 'sluice:nodes', 'node-bad');
  await eventually(async () => {
    const m = await metrics(B);
    return metric(m, 'sluice_fleet_nodes') === 1 &&
      metric(m, 'sluice_fleet_directory_errors_total{reason="record"}') >= 1;
  }, 'B lists node-ghost and counts node-bad');
  // the less loaded ghost gets the new room
  const v = await connect({ url: B, sub: 'gina' });
  const rv = await req(v, 'mediasoup:join', { channelId: uniq('fleet-v') });
  assert.equal(rv.code, 'REDIRECT', JSON.stringify(rv));
  assert.equal(rv.url, ghost.url);
  // the ghost dies before B's next listing: B checks, forgets it, keeps the room
  assert.equal(await redis('DEL', 'sluice:node:node-ghost'), 1);
  const roomW = uniq('fleet-w');
  const rw = await reqOk(v, 'mediasoup:join', { channelId: roomW });
  assert.ok(rw.peerId);
  assert.equal(await redis('GET', `sluice:room:${roomW}`), 'node-b');
  v.close();
});

test('Redis hangs (SIGSTOP): the event loop does not wait, commands time out, joins recover', async () => {
  const pid = socks.redis.pid;
  const before = metric(await metrics(B), 'sluice_fleet_directory_errors_total{reason="timeout"}');
  process.kill(pid, 'SIGSTOP');
  try {
    // a join that needs the directory is answered (OVERLOADED) once its command times out
    const h = await connect({ url: B, sub: 'hank' });
    const r = await req(h, 'mediasoup:join', { channelId: uniq('fleet-h') });
    assert.equal(r.code, 'OVERLOADED', JSON.stringify(r));
    // meanwhile the running room is served (nothing on the loop waits for Redis)
    await reqOk(socks.c, 'mediasoup:get-room-stats', { channelId: room });
    const m = await metrics(B);
    assert.ok(metric(m, 'sluice_fleet_directory_errors_total{reason="timeout"}') > before);
    h.close();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await eventually(async () => {
    const s = await connect({ url: B, sub: 'ivan' });
    const r = await req(s, 'mediasoup:join', { channelId: uniq('fleet-i') });
    s.close();
    return r.peerId !== undefined;
  }, 'joins work again after SIGCONT');
  socks.z.close();
  socks.d.close();
  socks.c.close();
});
