// SPDX-License-Identifier: MIT
//
// Life cycle: leave, disconnect and ping timeout close everything a peer
// owned and tell the others (producer-closed, consumer-closed, peer-left),
// never the peer itself; the room closes with its last peer; /metrics shows
// the gauges and the per-lcore placement.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  URL, mint, uniq, reqOk, reqFail, joinNew, closeAll, opusParams, vp8Params, require,
} from './lib.mjs';

const WebSocket = require('ws');

// a producing peer `a` with audio+video, consumed by b; c only watches
async function scene(ch) {
  const a = await joinNew(ch, 'alice');
  const b = await joinNew(ch, 'bob');
  const c = await joinNew(ch, 'carol');
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const { transport: ra } = await reqOk(a, 'mediasoup:create-transport', { direction: 'recv' });
  const pa = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(300) });
  const pv = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'video', rtpParameters: vp8Params(400) });
  await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  const { transport: tb } = await reqOk(b, 'mediasoup:create-transport', { direction: 'send' });
  const pb = await reqOk(b, 'mediasoup:produce', { transportId: tb.id, kind: 'audio', rtpParameters: opusParams(500) });
  const caps = b.joinAnswer.rtpCapabilities;
  const ca = await reqOk(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: caps });
  const cv = await reqOk(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pv.producerId, rtpCapabilities: caps });
  // a consumes b's audio on its recv transport
  const cb = await reqOk(a, 'mediasoup:consume', { producerPeerId: b.peerId, producerId: pb.producerId, rtpCapabilities: caps });
  assert.ok(ra.id && cb.consumer.id);
  return { a, b, c, pa, pv, pb, ca, cv, cb };
}

async function expectCleanup(ch, sc, leaver, how) {
  const { a, b, c, pa, pv, ca, cv } = sc;
  await how();
  // b: its consumers of a's producers closed, both producers closed, a left
  await b.inbox.waitFor('mediasoup:peer-left');
  await b.inbox.until(() => b.inbox.of('mediasoup:consumer-closed').length === 2, 'consumer-closed x2');
  assert.deepEqual(b.inbox.of('mediasoup:consumer-closed').sort((x, y) => x.consumerId.localeCompare(y.consumerId)),
    [{ consumerId: ca.consumer.id, producerId: pa.producerId }, { consumerId: cv.consumer.id, producerId: pv.producerId }]
      .sort((x, y) => x.consumerId.localeCompare(y.consumerId)));
  for (const s of [b, c]) {
    await s.inbox.waitFor('mediasoup:peer-left');
    assert.deepEqual(s.inbox.of('mediasoup:producer-closed').map((e) => e.producerId).sort(), [pa.producerId, pv.producerId].sort());
    assert.ok(s.inbox.of('mediasoup:producer-closed').every((e) => e.peerId === a.peerId));
    assert.deepEqual(s.inbox.of('mediasoup:peer-left'), [{ userId: 'alice', peerId: a.peerId }]);
  }
  assert.equal(c.inbox.of('mediasoup:consumer-closed').length, 0);
  // the notifications came before peer-left
  const names = b.inbox.events.map((e) => e.name);
  assert.ok(names.lastIndexOf('mediasoup:producer-closed') < names.indexOf('mediasoup:peer-left'));
  // a's consumer of b's producer is gone without telling b anything about it
  const st = await reqOk(c, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.peers, 2);
  assert.equal(st.stats.producers, 1); // b's
  assert.equal(st.stats.consumers, 0);
  assert.ok(st.stats.transportList.every((t) => t.peerId !== a.peerId));
  assert.equal(st.stats.transports, 2);
  if (leaver === 'leave') {
    // the leaver heard nothing of its own cleanup
    assert.deepEqual(a.inbox.of('mediasoup:producer-closed'), []);
    assert.deepEqual(a.inbox.of('mediasoup:consumer-closed'), []);
    assert.deepEqual(a.inbox.of('mediasoup:peer-left'), []);
  }
}

test('leave closes everything of the peer and tells the others', async () => {
  const ch = uniq('leave');
  const sc = await scene(ch);
  await expectCleanup(ch, sc, 'leave', async () => {
    assert.deepEqual(await reqOk(sc.a, 'mediasoup:leave', {}), { success: true });
  });
  // a can join again (it keeps its socket and peerId)
  const again = await reqOk(sc.a, 'mediasoup:join', { channelId: ch });
  assert.equal(again.peerId, sc.a.peerId);
  assert.deepEqual(again.existingProducers.map((p) => p.producerId), [sc.pb.producerId]);
  await sc.b.inbox.waitFor('mediasoup:peer-joined', 1);
  closeAll([sc.a, sc.b, sc.c]);
});

test('disconnect closes everything of the peer and tells the others', async () => {
  const ch = uniq('disconnect');
  const sc = await scene(ch);
  await expectCleanup(ch, sc, 'disconnect', async () => { sc.a.disconnect(); });
  closeAll([sc.b, sc.c]);
});

test('the room closes with its last peer', async () => {
  const ch = uniq('last');
  const a = await joinNew(ch, 'a1');
  const b = await joinNew(ch, 'b1');
  const { transport } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  assert.ok(transport.id);
  assert.deepEqual(await a.inbox.waitFor('mediasoup:peer-joined'), { userId: 'b1', peerId: b.peerId });
  b.disconnect();
  assert.deepEqual(await a.inbox.waitFor('mediasoup:peer-left'), { userId: 'b1', peerId: b.peerId });
  await reqOk(a, 'mediasoup:leave', {});
  await reqFail(a, 'mediasoup:get-room-stats', { channelId: ch }, 'NOT_FOUND');
  a.close();
});

test('a socket that stops answering pings leaves its room', async () => {
  const ch = uniq('ping');
  const watcher = await joinNew(ch, 'watcher');
  const ws = new WebSocket(`${URL.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames = [];
  let peerId;
  const joined = new Promise((resolve, reject) => {
    ws.on('message', (d) => {
      const f = d.toString();
      frames.push(f);
      if (f.startsWith('0')) ws.send(`40${JSON.stringify({ token: mint({ sub: 'silent' }) })}`);
      else if (f.startsWith('40')) ws.send(`421${JSON.stringify(['mediasoup:join', { channelId: ch }])}`);
      else if (f.startsWith('431')) { peerId = JSON.parse(f.slice(3))[0].peerId; resolve(); }
      // pings ("2") are deliberately never answered
    });
    ws.on('error', reject);
  });
  await joined;
  assert.deepEqual(await watcher.inbox.waitFor('mediasoup:peer-joined'), { userId: 'silent', peerId });
  const gone = new Promise((resolve) => ws.on('close', resolve));
  assert.deepEqual(await watcher.inbox.waitFor('mediasoup:peer-left'), { userId: 'silent', peerId });
  await gone;
  assert.ok(frames.includes('2'), 'the server pinged');
  const st = await reqOk(watcher, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.peers, 1);
  watcher.close();
});

test('/metrics shows rooms, peers, transports and per-lcore placement', async () => {
  const ch = uniq('metrics');
  const a = await joinNew(ch, 'm');
  await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const text = await (await fetch(`${URL}/metrics`)).text();
  const val = (re) => Number(text.match(re)?.[1]);
  assert.ok(val(/^sluice_rooms (\d+)$/m) >= 1);
  assert.ok(val(/^sluice_peers (\d+)$/m) >= 1);
  assert.ok(val(/^sluice_sockets (\d+)$/m) >= 1);
  assert.ok(val(/^sluice_signal_transports (\d+)$/m) >= 1);
  assert.equal(val(/^sluice_placement_usable_lcores (\d+)$/m), 2);
  const perLcore = [...text.matchAll(/^sluice_placement_transports\{lcore="(\d+)"\} (\d+)$/gm)];
  assert.equal(perLcore.length, 2);
  assert.ok(perLcore.reduce((n, m) => n + Number(m[2]), 0) >= 1);
  assert.match(text, /^sluice_signal_answers_total\{code="OK"\} \d+$/m);
  assert.match(text, /^sluice_dataplane_up 1$/m);
  a.close();
});
