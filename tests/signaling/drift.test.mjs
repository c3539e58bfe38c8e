// SPDX-License-Identifier: MIT
//
// No drift between the planes (issue 12 item 5), with a private data plane
// (one worker lcore) + control plane started here from SIG_DP_BIN /
// SIG_CP_BIN, reconciliation every second:
//  - N peers (rooms of 10; each a send and a recv transport, an audio
//    producer and a consumer of every other producer of its room) over
//    socket.io-client: the data plane's sluice_transports / producers /
//    consumers gauges (/metrics) show exactly them;
//  - every socket closes at once: the gauges return to 0;
//  - the reconciliation rounds that ran meanwhile found no orphan on either
//    side (nothing was in drift, nothing was closed wrongly) and no answer
//    of the data plane was lost.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { uniq, connect, reqOk, opusParams } from './lib.mjs';

const N = 500;
const ROOM = 10;
const ID = `${process.env.SIG_ID}-d`;
const SHM = `/sluice-sig-${ID}`;
const procs = [];
let url;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function start(bin, args, env) {
  const p = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  p.exited = new Promise((resolve) => p.once('exit', (code, sig) => resolve({ code, sig })));
  procs.push(p);
  if (process.env.SIG_WORK) appendFileSync(`${process.env.SIG_WORK}/pids`, `${p.pid}\n`);
  return p;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function metrics() {
  try {
    return await (await fetch(`${url}/metrics`)).text();
  } catch {
    return '';
  }
}

// the sum over lcores of a data-plane gauge
function gauge(text, name) {
  return [...text.matchAll(new RegExp(`^${name}\\{lcore="\\d+"\\} (\\d+)$`, 'gm'))]
    .reduce((n, m) => n + Number(m[1]), 0);
}

const series = (text, re) => Number(text.match(re)?.[1]);

// polls /metrics until the three gauges are t, p, c (bounded)
async function gauges(t, p, c) {
  let text = '';
  for (let i = 0; i < 1200; i++) {
    text = await metrics();
    if (gauge(text, 'sluice_transports') === t && gauge(text, 'sluice_producers') === p &&
        gauge(text, 'sluice_consumers') === c) return text;
    await sleep(50);
  }
  assert.fail(`gauges: transports ${gauge(text, 'sluice_transports')} (want ${t}), producers ` +
    `${gauge(text, 'sluice_producers')} (${p}), consumers ${gauge(text, 'sluice_consumers')} (${c})`);
}

let cp;
before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  start(process.env.SIG_DP_BIN, ['--no-huge', '-m', '256', '--no-pci', '--no-shconf',
    '--file-prefix', `sl-sig-${ID}`, '--lcores', '0@0,1@0', '--vdev=net_null0,no-rx=1', '--',
    '--ip', '198.18.0.3', '--shm', SHM, '--idle-sleep-us', '200', '--max-transports', '2048'],
  { ASAN_OPTIONS: `detect_leaks=0:${process.env.ASAN_OPTIONS ?? ''}` });
  cp = start(process.env.SIG_CP_BIN, [], {
    SLUICE_SHM: SHM, SLUICE_HTTP_LISTEN: '127.0.0.1', SLUICE_HTTP_PORT: String(port),
    SLUICE_JWT_SECRET: process.env.SIG_SECRET, SLUICE_LOG_LEVEL: 'warn',
    SLUICE_MAX_CONNECTIONS_PER_IP: '5000', SLUICE_MAX_PEERS_PER_ROOM: String(ROOM),
    SLUICE_RECONCILE_INTERVAL_MS: '1000', SLUICE_PING_INTERVAL_MS: '5000',
    SLUICE_PING_TIMEOUT_MS: '60000',
  });
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  throw new Error('the private control plane never became healthy');
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
  rmSync(`/var/run/dpdk/sl-sig-${ID}`, { recursive: true, force: true });
});

async function peer(ch, i) {
  const s = await connect({ url, sub: `drift${i}` });
  const j = await reqOk(s, 'mediasoup:join', { channelId: ch });
  s.peerId = j.peerId;
  s.caps = j.rtpCapabilities;
  const { transport: ts } = await reqOk(s, 'mediasoup:create-transport', { direction: 'send' });
  await reqOk(s, 'mediasoup:create-transport', { direction: 'recv' });
  s.producerId = (await reqOk(s, 'mediasoup:produce', { transportId: ts.id, kind: 'audio', rtpParameters: opusParams(10000 + i) })).producerId;
  return s;
}

test(`${N} peers on one lcore disconnect at once: the data plane's gauges return to 0`, async () => {
  const socks = [];
  for (let r = 0; r < N / ROOM; r++) {
    const ch = uniq('drift');
    const room = await Promise.all([...Array(ROOM).keys()].map((k) => peer(ch, r * ROOM + k)));
    await Promise.all(room.map(async (a) => {
      for (const b of room) {
        if (a !== b) await reqOk(a, 'mediasoup:consume', { producerPeerId: b.peerId, producerId: b.producerId, rtpCapabilities: a.caps });
      }
    }));
    socks.push(...room);
  }
  let text = await gauges(2 * N, N, N * (ROOM - 1));
  assert.equal(series(text, /^sluice_signal_consumers (\d+)$/m), N * (ROOM - 1));

  for (const s of socks) s.close();
  text = await gauges(0, 0, 0);
  for (let i = 0; i < 400 && series(text, /^sluice_sockets (\d+)$/m) !== 0; i++) {
    await sleep(50);
    text = await metrics();
  }
  assert.equal(series(text, /^sluice_signal_transports (\d+)$/m), 0);
  // rounds ran during all of this and found both planes in agreement
  const before = series(text, /^sluice_reconcile_rounds_total\{result="done"\} (\d+)$/m);
  let after = before;
  for (let i = 0; i < 400 && after <= before; i++) {
    await sleep(50);
    text = await metrics();
    after = series(text, /^sluice_reconcile_rounds_total\{result="done"\} (\d+)$/m);
  }
  assert.ok(after > before, 'a reconciliation round completes');
  assert.equal(series(text, /^sluice_reconcile_orphans_total\{side="dataplane"\} (\d+)$/m), 0);
  assert.equal(series(text, /^sluice_reconcile_orphans_total\{side="controlplane"\} (\d+)$/m), 0);
  assert.equal(series(text, /^sluice_dp_answers_total\{fate="lost"\} (\d+)$/m), 0);
});
