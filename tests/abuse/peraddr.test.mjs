// SPDX-License-Identifier: MIT
//
// Limits before trust, the per-address cap (issue 12 item 1, default
// max_connections_per_ip 256): 256 sockets with tokens from 127.0.0.3 are
// accepted, the 257th from that address is refused and counted in
// sluice_sio_limit_total{limit="max_connections_per_ip"}; a socket from
// another address is accepted meanwhile; once one of the 256 closes, the
// address gets one connection again (the count is released on close).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectFrom, openMany, limit, metrics, series, untilMetrics, req } from './lib.mjs';

const CAP = 256; // the default (run_abuse.sh does not change it)
const KEY = 'max_connections_per_ip';

test('per-address cap: the 257th socket of one address is refused, others are not', { timeout: 300000 }, async () => {
  const c0 = await limit(KEY);
  const socks = await openMany(CAP, ['127.0.0.3']);
  assert.equal(socks.length, CAP);
  assert.equal(await limit(KEY), c0, 'nothing refused up to the cap');
  await assert.rejects(connectFrom('127.0.0.3'), 'the 257th is refused');
  assert.equal(await limit(KEY), c0 + 1, 'and counted');
  // another address is not affected, and its socket works
  const other = await connectFrom('127.0.0.4');
  const r = await req(other, 'mediasoup:get-room-stats', { channelId: 'none' });
  assert.equal(r.code, 'NOT_FOUND');
  // the gauge counts every one of them
  const conns = series(await metrics(), 'sluice_sio_connections');
  assert.ok(conns >= CAP + 1, `sluice_sio_connections ${conns}`);
  // closing one releases its count: the address is admitted again
  socks[0].close();
  await untilMetrics((t) => series(t, 'sluice_sio_connections') === conns - 1, 'one connection fewer');
  const again = await connectFrom('127.0.0.3');
  assert.ok(again.connected);
  assert.equal(await limit(KEY), c0 + 1, 'no further refusal');
  for (const s of [...socks, other, again]) s.close();
  await untilMetrics((t) => series(t, 'sluice_sio_connections') <= conns - CAP - 1, 'the sockets closed');
});
