// SPDX-License-Identifier: MIT
//
// 200 sockets join 20 rooms concurrently (10 per room, the room limit):
// every peer-joined notification is accounted for (each pair of a room is
// announced exactly once, to the peer that joined first; never to itself,
// never across rooms); then all leave concurrently and every peer-left is
// accounted for the same way (each pair once, to the later leaver).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniq, connect, reqOk, reqFail } from './lib.mjs';

const ROOMS = 20;
const PER_ROOM = 10;
const PAIRS = ROOMS * (PER_ROOM * (PER_ROOM - 1)) / 2;

function countAll(socks, name) {
  return socks.reduce((n, s) => n + s.inbox.of(name).length, 0);
}

// resolves once the sockets have received `want` events `name` in total
function untilTotal(socks, name, want) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${countAll(socks, name)} of ${want} ${name}`)), 90000);
    const check = () => {
      if (countAll(socks, name) >= want) { clearTimeout(timer); resolve(); }
    };
    for (const s of socks) s.onAny(check);
    check();
  });
}

// each unordered pair of a room announced exactly once by `name`
function checkPairs(socks, byPeer, name) {
  for (const s of socks) {
    for (const n of s.inbox.of(name)) {
      const o = byPeer.get(n.peerId);
      assert.ok(o, `${name}: a known peer`);
      assert.notEqual(o, s, `${name}: never about itself`);
      assert.equal(o.room, s.room, `${name}: only from its own room`);
      assert.deepEqual(n, { userId: o.user, peerId: o.peerId });
    }
  }
  const heard = (s, o) => s.inbox.of(name).filter((n) => n.peerId === o.peerId).length;
  for (const s of socks) for (const o of socks) {
    if (s !== o && s.room === o.room && s.peerId < o.peerId)
      assert.equal(heard(s, o) + heard(o, s), 1, `${name}: each pair once`);
  }
}

test('200 sockets, 20 rooms, all notifications accounted for', { timeout: 180000 }, async () => {
  const rooms = Array.from({ length: ROOMS }, (_, i) => uniq(`load${i}`));
  const socks = await Promise.all(Array.from({ length: ROOMS * PER_ROOM }, (_, i) =>
    connect({ sub: `u${i}` }).then((s) => Object.assign(s, { room: rooms[i % ROOMS], user: `u${i}` }))));
  const answers = await Promise.all(socks.map((s) => reqOk(s, 'mediasoup:join', { channelId: s.room })));
  socks.forEach((s, i) => { s.peerId = answers[i].peerId; });
  assert.equal(new Set(socks.map((s) => s.peerId)).size, socks.length, 'peerIds are unique');
  const byPeer = new Map(socks.map((s) => [s.peerId, s]));

  await untilTotal(socks, 'mediasoup:peer-joined', PAIRS);
  // a round trip on every socket: nothing more is on its way
  await Promise.all(socks.map((s) => reqOk(s, 'mediasoup:get-room-stats', { channelId: s.room })
    .then((st) => assert.equal(st.stats.peers, PER_ROOM))));
  assert.equal(countAll(socks, 'mediasoup:peer-joined'), PAIRS);
  checkPairs(socks, byPeer, 'mediasoup:peer-joined');

  // the room limit holds
  const extra = await connect({ sub: 'extra' });
  await reqFail(extra, 'mediasoup:join', { channelId: rooms[0] }, 'ROOM_FULL');
  extra.close();

  // everyone leaves at once; the peer-left of earlier leavers reach a socket
  // before the answer to its own leave
  const leaves = await Promise.all(socks.map((s) => reqOk(s, 'mediasoup:leave', {})));
  assert.ok(leaves.every((r) => r.success === true));
  assert.equal(countAll(socks, 'mediasoup:peer-left'), PAIRS);
  checkPairs(socks, byPeer, 'mediasoup:peer-left');
  for (const room of rooms)
    await reqFail(socks.find((s) => s.room === room), 'mediasoup:get-room-stats', { channelId: room }, 'NOT_FOUND');
  for (const s of socks) s.close();
});
