// SPDX-License-Identifier: MIT
//
// Limits before trust, the payload limit until authenticated (issue 12
// item 1, default max_payload_unauth 4096): over a raw WebSocket (npm ws,
// Engine.IO v4 framing by hand, so the close code is seen):
//  - a socket that connected without a token sends one 5,000-byte frame:
//    closed with status 1009, counted in
//    sluice_sio_limit_total{limit="max_payload_unauth"};
//  - one just under the limit is parsed and answered (UNAUTHENTICATED for
//    a garbage token), the socket stays open;
//  - a socket that authenticated in CONNECT sends the same 5,000 bytes:
//    answered, not closed, not counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { require, mint, limit, WAIT_MS } from './lib.mjs';

const WebSocket = require('ws');
const WS_URL = `${process.env.SIG_URL.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
const KEY = 'max_payload_unauth';
const LIMIT = 4096;

// Opens an Engine.IO socket and a Socket.IO CONNECT with `auth`; resolves
// once the CONNECT is answered. ws.frames holds what arrived after that.
function open(auth) {
  const ws = new WebSocket(WS_URL, { localAddress: '127.0.0.5' });
  ws.frames = [];
  ws.closedWith = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no CONNECT answer')), WAIT_MS);
    ws.on('message', (buf) => {
      const f = buf.toString();
      if (f.startsWith('0')) ws.send(`40${JSON.stringify(auth)}`);
      else if (f === '2') ws.send('3'); // ping -> pong
      else if (f.startsWith('40')) { clearTimeout(timer); resolve(ws); }
      else ws.frames.push(f);
    });
    ws.once('error', reject);
  });
}

// An event frame `42[...]` with an ack id, padded to exactly `size` bytes
// by the token string.
function frameOfSize(size, id) {
  const head = `42${id}["authenticate",{"token":"`;
  const tail = '"}]';
  return head + 'x'.repeat(size - head.length - tail.length) + tail;
}

function answer(ws, id) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer ${id}`)), WAIT_MS);
    const check = () => {
      const f = ws.frames.find((x) => x.startsWith(`43${id}[`));
      if (f) { clearTimeout(timer); ws.off('message', check); resolve(JSON.parse(f.slice(`43${id}`.length))[0]); }
    };
    ws.on('message', check);
    check();
  });
}

test('before auth: a frame past max_payload_unauth closes with 1009; after auth it does not', { timeout: 120000 }, async () => {
  const c0 = await limit(KEY);

  // just under the limit: parsed and answered, still open
  const a = await open({});
  a.send(frameOfSize(LIMIT - 16, 1));
  const r = await answer(a, 1);
  assert.equal(r.code, 'UNAUTHENTICATED');
  assert.equal(a.readyState, WebSocket.OPEN);
  assert.equal(await limit(KEY), c0);

  // past it: closed with 1009, counted once
  a.send(frameOfSize(5000, 2));
  assert.equal(await a.closedWith, 1009);
  assert.equal(await limit(KEY), c0 + 1);

  // authenticated in CONNECT: the same frame is answered (the token is
  // garbage, the session stays), not closed, not counted
  const b = await open({ token: mint({ sub: 'preauth' }) });
  b.send(frameOfSize(5000, 3));
  const rb = await answer(b, 3);
  assert.ok(typeof rb.code === 'string' || rb.userId !== undefined, JSON.stringify(rb).slice(0, 200));
  assert.equal(b.readyState, WebSocket.OPEN);
  assert.equal(await limit(KEY), c0 + 1);
  a.terminate();
  b.close();
});
