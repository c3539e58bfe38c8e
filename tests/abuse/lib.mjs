// SPDX-License-Identifier: MIT
//
// Helpers of the abuse suite (tests/abuse, run by run_abuse.sh inside the
// namespace it creates): the signaling suite's tokens, requests and inbox
// (../signaling/lib.mjs, pointed at this suite's control plane), sockets
// from a chosen source address on the namespace's loopback, /metrics
// series and the control plane's resident memory. Every wait is on a
// condition; the deadlines are only a safety net.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after } from 'node:test';
import { mint, require, Inbox, req, reqOk, reqFail, WAIT_MS } from '../signaling/lib.mjs';

export { mint, req, reqOk, reqFail, WAIT_MS, require };
export const URL = process.env.SIG_URL;
export const CP_PID = Number(process.env.AB_CP_PID);
const { io } = require('socket.io-client');

const live = new Set();
after(() => { for (const s of live) s.close(); });

// A socket.io-client socket from source address `from` (127.0.0.0/8 of the
// namespace's loopback). Resolves with the socket, or rejects with the
// connect_error. auth {} = no token (the socket must `authenticate`).
export function connectFrom(from, { auth, sub = 'abuse' } = {}) {
  const a = auth !== undefined ? auth : { token: mint({ sub }) };
  const sock = io(URL, {
    transports: ['websocket'], auth: a, reconnection: false, forceNew: true,
    timeout: WAIT_MS, localAddress: from,
  });
  sock.inbox = new Inbox(sock);
  sock.reasons = [];
  sock.on('disconnect', (reason) => sock.reasons.push(reason));
  live.add(sock);
  return new Promise((resolve, reject) => {
    sock.once('connect', () => resolve(sock));
    sock.once('connect_error', (err) => { sock.close(); live.delete(sock); reject(err); });
  });
}

// Opens n sockets from the given addresses (round robin), `batch` at a time.
export async function openMany(n, addrs, opts = {}, batch = 100) {
  const socks = [];
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    socks.push(...await Promise.all(Array.from({ length: k },
      (_, j) => connectFrom(addrs[(i + j) % addrs.length], opts))));
  }
  return socks;
}

export async function metrics() {
  const r = await fetch(`${URL}/metrics`);
  assert.equal(r.status, 200);
  return r.text();
}

// The value of one whole series line, e.g. series(t, 'sluice_sio_connections')
// or series(t, 'sluice_sio_limit_total{limit="auth_timeout_ms"}'); NaN if absent.
export function series(text, name) {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `)) return Number(line.slice(name.length + 1));
  }
  return NaN;
}

// The sum over lcores of a data-plane series (name{lcore="i"} or with more labels).
export function sumLcores(text, name, extra = '') {
  const re = new RegExp(`^${name}\\{lcore="\\d+"${extra}\\} (\\d+)$`, 'gm');
  return [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
}

export const limit = async (key) => series(await metrics(), `sluice_sio_limit_total{limit="${key}"}`);

// Polls /metrics until pred(text) holds (every 100 ms, up to ms).
export async function untilMetrics(pred, what, ms = 60000) {
  const end = Date.now() + ms;
  let text = '';
  while (Date.now() < end) {
    text = await metrics();
    if (pred(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// The control plane's resident set in kB (VmRSS of /proc/PID/status).
export function rssKb(pid = CP_PID) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  assert.ok(m, 'VmRSS of the control plane');
  return Number(m[1]);
}

// Until every socket has seen its disconnect.
export function allClosed(socks, ms = 60000) {
  return new Promise((resolve, reject) => {
    const left = () => socks.filter((s) => s.reasons.length === 0).length;
    const timer = setTimeout(() => reject(new Error(`${left()} of ${socks.length} sockets still open`)), ms);
    const check = () => { if (left() === 0) { clearTimeout(timer); clearInterval(iv); resolve(); } };
    const iv = setInterval(check, 50);
    check();
  });
}

// A join + get-room-stats round trip of a legitimate peer; returns ms taken
// (a figure for the README, never asserted).
export async function legitRoundTrip(from, channelId) {
  const t0 = Date.now();
  const s = await connectFrom(from, { sub: 'legit' });
  await reqOk(s, 'mediasoup:join', { channelId });
  const st = await reqOk(s, 'mediasoup:get-room-stats', { channelId });
  assert.equal(st.stats.peers, 1);
  await reqOk(s, 'mediasoup:leave', {});
  s.close();
  return Date.now() - t0;
}
