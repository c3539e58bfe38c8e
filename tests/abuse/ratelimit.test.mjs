// SPDX-License-Identifier: MIT
//
// Limits before trust, the request rate (issue 12 item 1; defaults
// max_requests_per_sec 200, max_rate_violations 1000 within 10 s): an
// authenticated raw WebSocket sends 5,000 events without an ack (counted
// per frame before any JSON is parsed; within the budget each is parsed
// and ignored) as fast as it can: the frames past the budget are dropped
// and counted (max_requests_per_sec), and once 1,000 were dropped the
// socket is closed (1008) and counted once (max_rate_violations).
// Another socket meanwhile is answered as usual.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { require, mint, limit, connectFrom, req, WAIT_MS } from './lib.mjs';

const WebSocket = require('ws');
const WS_URL = `${process.env.SIG_URL.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;

function openAuthed() {
  const ws = new WebSocket(WS_URL, { localAddress: '127.0.0.6' });
  ws.closedWith = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no CONNECT answer')), WAIT_MS);
    ws.on('message', (buf) => {
      const f = buf.toString();
      if (f.startsWith('0')) ws.send(`40${JSON.stringify({ token: mint({ sub: 'flooder' }) })}`);
      else if (f.startsWith('40')) { clearTimeout(timer); resolve(ws); }
    });
    ws.once('error', reject);
  });
}

test('a socket that keeps exceeding the request rate is dropped, then closed', { timeout: 120000 }, async () => {
  const r0 = await limit('max_requests_per_sec');
  const v0 = await limit('max_rate_violations');
  const other = await connectFrom('127.0.0.7', { sub: 'bystander' });
  const ws = await openAuthed();
  const N = 5000;
  for (let i = 0; i < N && ws.readyState === WebSocket.OPEN; i++) ws.send(`42["no-such-event",{"i":${i}}]`);
  // 1008 when the close frame gets through; 1006 when the server's close
  // overtakes it behind the flood (seen under ASan): closed either way
  const code = await ws.closedWith;
  assert.ok(code === 1008 || code === 1006, `close code ${code}`);
  const r1 = await limit('max_requests_per_sec');
  const v1 = await limit('max_rate_violations');
  assert.equal(v1 - v0, 1, 'closed once, counted once');
  assert.ok(r1 - r0 >= 1000, `${r1 - r0} frames dropped by the rate limit`);
  // the other socket is answered as usual
  const a = await req(other, 'mediasoup:get-room-stats', { channelId: 'none' });
  assert.equal(a.code, 'NOT_FOUND');
  other.close();
  console.log(`# ratelimit: ${r1 - r0} frames dropped before the close`);
});
