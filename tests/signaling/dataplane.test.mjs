// SPDX-License-Identifier: MIT
//
// With a private data plane + control plane (started here from SIG_DP_BIN /
// SIG_CP_BIN, DTLS handshake timeout 1 s):
//  - a DTLS handshake that never completes closes the transport, and the
//    owner is told its consumers closed (the server caused it);
//  - when the data plane dies, every transport is closed with the right
//    notifications, peers stay joined, create-transport answers OVERLOADED
//    until a new data plane is up, then works again.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { uniq, connect, reqOk, reqFail, closeAll, opusParams, FP } from './lib.mjs';

const ID = `${process.env.SIG_ID}-r`;
const SHM = `/sluice-sig-${ID}`;
const procs = [];
let cpLog = '';
let url;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function start(bin, args, env, onOut) {
  const p = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.exited = new Promise((resolve) => p.once('exit', (code, sig) => resolve({ code, sig })));
  const sink = (d) => onOut?.(d.toString());
  p.stdout.on('data', sink);
  p.stderr.on('data', sink);
  procs.push(p);
  // the wrapper stops what we leave behind if this process dies
  if (process.env.SIG_WORK) appendFileSync(`${process.env.SIG_WORK}/pids`, `${p.pid}\n`);
  return p;
}

function startDataplane() {
  return start(process.env.SIG_DP_BIN, ['--no-huge', '-m', '256', '--no-pci', '--no-shconf',
    '--file-prefix', `sl-sig-${ID}`, '--lcores', '0@0,1@0', '--vdev=net_null0,no-rx=1', '--',
    '--ip', '198.18.0.2', '--shm', SHM, '--idle-sleep-us', '200', '--max-transports', '256'],
  { ASAN_OPTIONS: `detect_leaks=0:${process.env.ASAN_OPTIONS ?? ''}` });
}

async function health() {
  try {
    return (await fetch(`${url}/healthz`)).status;
  } catch {
    return 0;
  }
}

// waits until /healthz answers `status` (polling is the only way to see it)
async function until(status) {
  for (let i = 0; i < 400; i++) {
    if (await health() === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`healthz never became ${status}`);
}

let dp;
let cp;
before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  dp = startDataplane();
  cp = start(process.env.SIG_CP_BIN, [], {
    SLUICE_SHM: SHM, SLUICE_HTTP_LISTEN: '127.0.0.1', SLUICE_HTTP_PORT: String(port),
    SLUICE_JWT_SECRET: process.env.SIG_SECRET, SLUICE_DTLS_TIMEOUT_MS: '1000',
    SLUICE_HEARTBEAT_TIMEOUT_MS: '1000',
  }, (t) => { cpLog += t; });
  await until(200);
});

after(async () => {
  if (cp.exitCode === null) {
    cp.kill('SIGTERM');
    const { code } = await cp.exited;
    assert.equal(code, 0, 'the control plane exits cleanly');
  }
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  rmSync(`/dev/shm${SHM}`, { force: true });
});

async function scene(ch) {
  const a = await connect({ url, sub: 'alice' });
  const b = await connect({ url, sub: 'bob' });
  a.peerId = (await reqOk(a, 'mediasoup:join', { channelId: ch })).peerId;
  const jb = await reqOk(b, 'mediasoup:join', { channelId: ch });
  b.peerId = jb.peerId;
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const { transport: tb } = await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  assert.equal(ta.iceCandidates[0].ip, '198.18.0.2');
  const p = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(777) });
  const c = await reqOk(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: p.producerId, rtpCapabilities: jb.rtpCapabilities });
  return { a, b, ta, tb, p, c };
}

test('a DTLS handshake that never completes closes the transport', async () => {
  const ch = uniq('dtls-timeout');
  const { a, b, tb, p, c } = await scene(ch);
  // b says it is the DTLS client: we wait for a ClientHello that never comes
  await reqOk(b, 'mediasoup:connect-transport', {
    transportId: tb.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP('3C') }] },
  });
  // the server closed b's transport: b is told its consumer is gone
  assert.deepEqual(await b.inbox.waitFor('mediasoup:consumer-closed'), { consumerId: c.consumer.id, producerId: p.producerId });
  const st = await reqOk(a, 'mediasoup:get-room-stats', { channelId: ch });
  assert.ok(!st.stats.transportList.some((t) => t.id === tb.id));
  assert.equal(st.stats.consumers, 0);
  assert.equal(st.stats.producers, 1);
  await reqFail(b, 'mediasoup:resume-consumer', { consumerId: c.consumer.id }, 'NOT_FOUND');
  const line = new RegExp(`transport ${tb.id} .*DTLS failed: .*timed out.*closing the transport`);
  for (let i = 0; i < 200 && !line.test(cpLog); i++) await new Promise((r) => setTimeout(r, 25));
  assert.match(cpLog, line);
  assert.deepEqual(a.inbox.of('mediasoup:consumer-closed'), []);
  // b can create a new recv transport
  await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  closeAll([a, b]);
});

test('the data plane dies and comes back', async () => {
  const ch = uniq('dp-restart');
  const { a, b, p, c } = await scene(ch);
  dp.kill('SIGKILL');
  await dp.exited;
  // every transport closed: a's producer and b's consumer, told to both
  assert.deepEqual(await b.inbox.waitFor('mediasoup:consumer-closed'), { consumerId: c.consumer.id, producerId: p.producerId });
  assert.deepEqual(await b.inbox.waitFor('mediasoup:producer-closed'), { peerId: a.peerId, producerId: p.producerId });
  assert.deepEqual(await a.inbox.waitFor('mediasoup:producer-closed'), { peerId: a.peerId, producerId: p.producerId });
  const st = await reqOk(a, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.peers, 2);
  assert.equal(st.stats.transports, 0);
  assert.equal(st.stats.producers, 0);
  const r = await reqFail(a, 'mediasoup:create-transport', { direction: 'send' }, 'OVERLOADED');
  assert.match(r.error, /data plane/);
  assert.deepEqual(b.inbox.of('mediasoup:peer-left'), []);
  // a new data plane: transports work again, in the same room
  dp = startDataplane();
  await until(200);
  const { transport } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  assert.ok(transport.id);
  await reqOk(a, 'mediasoup:produce', { transportId: transport.id, kind: 'audio', rtpParameters: opusParams(778) });
  assert.equal((await b.inbox.waitFor('mediasoup:new-producer', 2)).kind, 'audio');
  closeAll([a, b]);
});
