// SPDX-License-Identifier: MIT
//
// Limits and the absent data plane, against the second control plane
// (SIG_URL_NODP): no data plane attached, max_rooms 2, max_peers_per_room
// 2, max_requests_per_sec 5. The tests of this file run one after another
// and leave no room behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { URL_NODP, uniq, connect, req, reqOk, reqFail } from './lib.mjs';

const c = (sub) => connect({ url: URL_NODP, sub });

// leave (answered: the server has removed the peer) and close
async function done(...socks) {
  for (const s of socks) {
    if (s.connected) await reqOk(s, 'mediasoup:leave', {});
    s.close();
  }
}

test('create-transport answers OVERLOADED while no data plane is attached', async () => {
  const s = await c('nodp');
  await reqOk(s, 'mediasoup:join', { channelId: uniq('nodp') });
  const r = await reqFail(s, 'mediasoup:create-transport', { direction: 'send' }, 'OVERLOADED');
  assert.match(r.error, /data plane/);
  await done(s);
  const health = await fetch(`${URL_NODP}/healthz`);
  assert.equal(health.status, 503);
});

test('max_rooms: a third room is OVERLOADED until one closes', async () => {
  const s1 = await c('r1');
  const s2 = await c('r2');
  const s3 = await c('r3');
  await reqOk(s1, 'mediasoup:join', { channelId: uniq('room-a') });
  await reqOk(s2, 'mediasoup:join', { channelId: uniq('room-b') });
  const r = await reqFail(s3, 'mediasoup:join', { channelId: uniq('room-c') }, 'OVERLOADED');
  assert.match(r.error, /room limit/);
  await reqOk(s1, 'mediasoup:leave', {});
  await reqOk(s3, 'mediasoup:join', { channelId: uniq('room-c') });
  await done(s1, s2, s3);
});

test('max_peers_per_room: the third peer gets ROOM_FULL', async () => {
  const ch = uniq('full');
  const s1 = await c('p1');
  const s2 = await c('p2');
  const s3 = await c('p3');
  await reqOk(s1, 'mediasoup:join', { channelId: ch });
  await reqOk(s2, 'mediasoup:join', { channelId: ch });
  await reqFail(s3, 'mediasoup:join', { channelId: ch }, 'ROOM_FULL');
  // a full room was not joined: s3 can still join another room later
  s2.disconnect();
  await s1.inbox.waitFor('mediasoup:peer-left');
  await reqOk(s3, 'mediasoup:join', { channelId: ch });
  await done(s1, s3);
});

test('max_requests_per_sec: a burst past the budget is OVERLOADED', async () => {
  const s = await c('burst');
  const answers = await Promise.all(Array.from({ length: 30 },
    () => req(s, 'mediasoup:get-room-stats', { channelId: 'none' })));
  const codes = answers.map((a) => a.code);
  assert.deepEqual(codes.slice(0, 5), Array(5).fill('NOT_FOUND'));
  assert.ok(codes.filter((x) => x === 'OVERLOADED').length >= 20, codes.join(','));
  assert.ok(answers.filter((a) => a.code === 'OVERLOADED').every((a) => /too many requests/.test(a.error)));
  s.close();
});
