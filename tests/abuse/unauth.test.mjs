// SPDX-License-Identifier: MIT
//
// Limits before trust, the auth deadline (issue 12 item 1): 2,000 sockets
// connect without a token and never authenticate (200 from each of ten
// source addresses, under the per-address cap). Every one is closed by the
// server after auth_timeout_ms (default 10 s), each counted once in
// sluice_sio_limit_total{limit="auth_timeout_ms"}, the connection gauge
// returns to its value before, and the control plane's memory is bounded:
// at most 64 kB per open socket, and it does not accumulate: of three such
// waves, the third grows the resident set by little more than the second
// (the allocator settles over the first two).
// Meanwhile a peer with a token joins a room and is answered.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  openMany, metrics, series, untilMetrics, rssKb, allClosed, legitRoundTrip,
} from './lib.mjs';

const N = 2000;
const ADDRS = Array.from({ length: 10 }, (_, i) => `127.0.0.${10 + i}`);
const AUTH = 'sluice_sio_limit_total{limit="auth_timeout_ms"}';
const CONNS = 'sluice_sio_connections';

async function wave(base) {
  const before = await metrics();
  const socks = await openMany(N, ADDRS, { auth: {} });
  const rssPeak = rssKb();
  const legitMs = await legitRoundTrip('127.0.0.2', `abuse-legit-${crypto.randomUUID()}`);
  await allClosed(socks, 120000);
  const after = await untilMetrics((t) => series(t, CONNS) === series(before, CONNS),
    'the connection gauge back to its value before', 60000);
  for (const s of socks) {
    assert.equal(s.reasons.length, 1);
    assert.notEqual(s.reasons[0], 'io client disconnect', 'closed by the server');
  }
  assert.equal(series(after, AUTH) - series(before, AUTH), N, 'each closed socket counted once');
  return { rssPeak, rssAfter: rssKb(), legitMs, base };
}

test('2,000 token-less sockets are closed after the deadline, memory bounded', { timeout: 600000 }, async () => {
  const rss0 = rssKb();
  const w1 = await wave(rss0);
  const w2 = await wave(w1.rssAfter);
  const w3 = await wave(w2.rssAfter);
  const grow1 = w1.rssPeak - rss0;
  const grow2 = w2.rssPeak - rss0;
  const grow3 = w3.rssPeak - rss0;
  console.log(`# unauth: rss before ${rss0} kB; peaks of three waves +${grow1} / +${grow2} / +${grow3} kB, ` +
    `after them ${w1.rssAfter} / ${w2.rssAfter} / ${w3.rssAfter} kB; ` +
    `legit join+stats during the waves: ${w1.legitMs} / ${w2.legitMs} / ${w3.legitMs} ms`);
  // bounded: at most 64 kB per open socket at the peak (lws buffers, the
  // Engine.IO/Socket.IO state; a sanitizer build included) ...
  assert.ok(grow1 <= N * 64, `wave 1 grew the control plane by ${grow1} kB`);
  // ... and nothing accumulates: the allocator settles after the first
  // waves (measured +6.3 / +11.9 / +13.4 MB and +7.0 / +7.2 / +9.9 MB), a
  // per-socket leak of 3 kB or more would add 6 MB or more per wave
  assert.ok(grow3 <= grow2 + Math.max(6144, grow1 * 0.75),
    `wave 3 grew it to +${grow3} kB (waves 1, 2: +${grow1}, +${grow2} kB)`);
});
