// SPDX-License-Identifier: MIT
//
// The admin API (README "Admin API") and the dev token endpoint, against the
// suite's control plane (SIG_URL: admin_token = SIG_ADMIN_TOKEN, dev_mode on)
// and the one without them (SIG_URL_NODP: both off, 404):
//   - every endpoint refuses a missing or wrong admin token (401 with
//     WWW-Authenticate) and answers 404 where the API is off;
//   - with a room of socket.io-client peers: the room list and one room with
//     peers and stats, 400 / 404 / 405 with Allow;
//   - muting a producer pauses its consumers (consumer-paused to their
//     peers, producer-paused to its own, producerPaused in the stats and in
//     a new consume), unmuting resumes those their peer had resumed;
//   - removing a peer: it gets mediasoup:removed {reason} and is
//     disconnected, the others get producer-closed / consumer-closed /
//     peer-left;
//   - closing a room: every peer gets mediasoup:removed and is disconnected;
//   - /dev/token gives a token that joins its room (and only it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  URL, URL_NODP, uniq, reqOk, reqFail, joinNew, connect, closed, closeAll, opusParams,
} from './lib.mjs';

const ADMIN = process.env.SIG_ADMIN_TOKEN;
if (!ADMIN) throw new Error('run through run_signaling.sh (SIG_ADMIN_TOKEN)');

// An HTTP request; resolves with { status, body (parsed JSON or null), headers }.
async function http(method, path, { token = ADMIN, url = URL, auth } = {}) {
  const headers = {};
  if (auth !== undefined) headers.authorization = auth;
  else if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url + path, { method, headers });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: body stays null */ }
  return { status: res.status, body, headers: res.headers, text };
}

function isError(r, status, code) {
  assert.equal(r.status, status, `${r.status} ${r.text}`);
  assert.equal(r.body.code, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  assert.ok(r.body.error.length > 0);
}

const ENDPOINTS = (ch, peer, prod) => [
  ['GET', '/admin/rooms'],
  ['GET', `/admin/rooms/${ch}`],
  ['DELETE', `/admin/rooms/${ch}`],
  ['DELETE', `/admin/peers/${peer}`],
  ['POST', `/admin/producers/${prod}/pause`],
  ['POST', `/admin/producers/${prod}/resume`],
];

// alice produces audio, bob consumes it (resumed), carol only watches
async function scene(ch) {
  const a = await joinNew(ch, 'alice');
  const b = await joinNew(ch, 'bob');
  const c = await joinNew(ch, 'carol');
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const pa = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(900) });
  await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  const cb = await reqOk(b, 'mediasoup:consume', {
    producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: b.joinAnswer.rtpCapabilities,
  });
  await reqOk(b, 'mediasoup:resume-consumer', { consumerId: cb.consumer.id });
  return { a, b, c, pa, cb };
}

function roomOf(list, ch) {
  return list.rooms.find((r) => r.channelId === ch);
}

test('admin API: refused without the admin token, 404 where it is off', async () => {
  const ch = uniq('admin-auth');
  const { a, b, c, pa } = await scene(ch);
  for (const [m, p] of ENDPOINTS(ch, a.peerId, pa.producerId)) {
    for (const opts of [{ token: null }, { token: `${ADMIN}x` }, { token: ADMIN.slice(0, -1) },
      { auth: `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}` }, { auth: ADMIN }]) {
      const r = await http(m, p, opts);
      isError(r, 401, 'UNAUTHORIZED');
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    // the control plane without admin_token: the API does not exist
    const off = await http(m, p, { url: URL_NODP });
    assert.equal(off.status, 404, `${m} ${p} on the server without admin_token: ${off.text}`);
    assert.deepEqual(off.body, { error: 'not found' });
  }
  // nothing happened: the room and its peers are all there
  const r = await http('GET', `/admin/rooms/${ch}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.room.peers, 3);
  for (const s of [a, b, c]) assert.equal(s.inbox.of('mediasoup:removed').length, 0);
  closeAll([a, b, c]);
});

test('admin API: rooms with peers and stats; 400, 404, 405', async () => {
  const ch = uniq('admin-list');
  const { a, b, c, pa, cb } = await scene(ch);
  const list = await http('GET', '/admin/rooms');
  assert.equal(list.status, 200);
  assert.match(list.headers.get('content-type'), /^application\/json/);
  const room = roomOf(list.body, ch);
  assert.ok(room, 'the room is listed');
  assert.equal(room.peers, 3);
  assert.equal(room.producers, 1);
  assert.equal(room.consumers, 1);
  assert.equal(room.e2eeEnabled, true);
  assert.deepEqual(room.peerStats.map((p) => p.userId).sort(), ['alice', 'bob', 'carol']);
  const sa = room.peerStats.find((p) => p.peerId === a.peerId);
  assert.equal(sa.producers[0].id, pa.producerId);
  assert.equal(sa.producers[0].paused, false);
  const sb = room.peerStats.find((p) => p.peerId === b.peerId);
  assert.equal(sb.consumers[0].id, cb.consumer.id);
  assert.equal(sb.consumers[0].paused, false);
  assert.equal(sb.consumers[0].producerPaused, false);

  const one = await http('GET', `/admin/rooms/${encodeURIComponent(ch)}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.room.channelId, ch);
  assert.equal(one.body.room.peerStats.length, 3);
  // the same figures as get-room-stats
  const st = await reqOk(c, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(one.body.room.createdAt, st.stats.createdAt);

  isError(await http('GET', `/admin/rooms/${uniq('nope')}`), 404, 'NOT_FOUND');
  isError(await http('DELETE', `/admin/rooms/${uniq('nope')}`), 404, 'NOT_FOUND');
  isError(await http('DELETE', `/admin/peers/${uniq('nope')}`), 404, 'NOT_FOUND');
  isError(await http('POST', `/admin/producers/${uniq('nope')}/pause`), 404, 'NOT_FOUND');
  isError(await http('GET', '/admin/nothing-here'), 404, 'NOT_FOUND');
  isError(await http('POST', `/admin/producers/${pa.producerId}/mute`), 404, 'NOT_FOUND');
  for (const [m, p, allow] of [
    ['POST', '/admin/rooms', 'GET'],
    ['PUT', `/admin/rooms/${ch}`, 'GET, DELETE'],
    ['GET', `/admin/peers/${a.peerId}`, 'DELETE'],
    ['GET', `/admin/producers/${pa.producerId}/pause`, 'POST'],
  ]) {
    const r = await http(m, p);
    isError(r, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(r.headers.get('allow'), allow, `${m} ${p}`);
  }
  isError(await http('DELETE', '/admin/peers/'), 400, 'BAD_REQUEST');
  isError(await http('DELETE', `/admin/rooms/${'r'.repeat(129)}`), 400, 'BAD_REQUEST');
  isError(await http('DELETE', `/admin/peers/${a.peerId}?reason=`), 400, 'BAD_REQUEST');
  isError(await http('DELETE', `/admin/peers/${a.peerId}?reason=${'x'.repeat(129)}`), 400, 'BAD_REQUEST');
  isError(await http('DELETE', `/admin/peers/${a.peerId}?reason=a%01b`), 400, 'BAD_REQUEST');
  isError(await http('DELETE', `/admin/peers/${a.peerId}?reason=%FF`), 400, 'BAD_REQUEST');
  // a request with a body is answered too (after the body)
  const withBody = await fetch(`${URL}/admin/producers/${uniq('nope')}/pause`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ignored: 'x'.repeat(5000) }),
  });
  assert.equal(withBody.status, 404);
  // none of that touched the room
  assert.equal((await http('GET', `/admin/rooms/${ch}`)).body.room.peers, 3);
  for (const s of [a, b, c]) assert.equal(s.inbox.of('mediasoup:removed').length, 0);
  closeAll([a, b, c]);
});

test('admin API: muting a producer pauses its consumers, unmuting resumes them', async () => {
  const ch = uniq('admin-mute');
  const { a, b, c, pa, cb } = await scene(ch);
  const consumerOf = async (peerId) => {
    const r = await http('GET', `/admin/rooms/${ch}`);
    return r.body.room.peerStats.find((p) => p.peerId === peerId).consumers[0];
  };

  const m = await http('POST', `/admin/producers/${pa.producerId}/pause`);
  assert.equal(m.status, 200, m.text);
  assert.deepEqual(m.body, { producerId: pa.producerId, paused: true, consumersPaused: 1 });
  assert.deepEqual(await b.inbox.waitFor('mediasoup:consumer-paused'),
    { consumerId: cb.consumer.id, producerId: pa.producerId });
  assert.deepEqual(await a.inbox.waitFor('mediasoup:producer-paused'), { producerId: pa.producerId });
  assert.equal(c.inbox.of('mediasoup:consumer-paused').length, 0);
  assert.equal(c.inbox.of('mediasoup:producer-paused').length, 0);
  let cons = await consumerOf(b.peerId);
  assert.equal(cons.producerPaused, true);
  assert.equal(cons.paused, false); // bob did not pause it himself
  const st = await reqOk(b, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.peerStats.find((p) => p.peerId === a.peerId).producers[0].paused, true);
  // muting again changes nothing
  const again = await http('POST', `/admin/producers/${pa.producerId}/pause`);
  assert.deepEqual(again.body, { producerId: pa.producerId, paused: true, consumersPaused: 0 });

  // carol consumes the muted producer: told producerPaused, and her resume
  // does not unmute it
  await reqOk(c, 'mediasoup:create-transport', { direction: 'recv' });
  const cc = await reqOk(c, 'mediasoup:consume', {
    producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: c.joinAnswer.rtpCapabilities,
  });
  assert.equal(cc.consumer.producerPaused, true);
  await reqOk(c, 'mediasoup:resume-consumer', { consumerId: cc.consumer.id });
  cons = await consumerOf(c.peerId);
  assert.equal(cons.producerPaused, true);
  assert.equal(cons.paused, false);
  // bob pauses his consumer himself while muted
  await reqOk(b, 'mediasoup:pause-consumer', { consumerId: cb.consumer.id });

  // unmute: carol's consumer resumes, bob's stays paused (his own wish)
  const u = await http('POST', `/admin/producers/${pa.producerId}/resume`);
  assert.equal(u.status, 200, u.text);
  assert.deepEqual(u.body, { producerId: pa.producerId, paused: false, consumersResumed: 1 });
  assert.deepEqual(await b.inbox.waitFor('mediasoup:consumer-resumed'),
    { consumerId: cb.consumer.id, producerId: pa.producerId });
  assert.deepEqual(await c.inbox.waitFor('mediasoup:consumer-resumed'),
    { consumerId: cc.consumer.id, producerId: pa.producerId });
  assert.deepEqual(await a.inbox.waitFor('mediasoup:producer-resumed'), { producerId: pa.producerId });
  cons = await consumerOf(b.peerId);
  assert.equal(cons.producerPaused, false);
  assert.equal(cons.paused, true);
  cons = await consumerOf(c.peerId);
  assert.equal(cons.producerPaused, false);
  assert.equal(cons.paused, false);
  // a consume after the unmute is told producerPaused: false
  const d = await joinNew(ch, 'dave');
  await reqOk(d, 'mediasoup:create-transport', { direction: 'recv' });
  const cd = await reqOk(d, 'mediasoup:consume', {
    producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: d.joinAnswer.rtpCapabilities,
  });
  assert.equal(cd.consumer.producerPaused, false);
  closeAll([a, b, c, d]);
});

test('admin API: removing a peer notifies it, disconnects it and tells the others', async () => {
  const ch = uniq('admin-remove');
  const { a, b, c, pa, cb } = await scene(ch);
  const gone = new Promise((resolve) => a.once('disconnect', (reason) =>
    resolve({ reason, removedFirst: a.inbox.of('mediasoup:removed').length === 1 })));
  const r = await http('DELETE', `/admin/peers/${a.peerId}?reason=spam`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { removed: a.peerId, channelId: ch, reason: 'spam' });
  assert.deepEqual(await a.inbox.waitFor('mediasoup:removed'), { reason: 'spam' });
  const g = await gone;
  assert.equal(g.reason, 'io server disconnect');
  assert.ok(g.removedFirst, 'mediasoup:removed came before the disconnect');
  // the others: as when a leaves on its own
  assert.deepEqual(await b.inbox.waitFor('mediasoup:consumer-closed'),
    { consumerId: cb.consumer.id, producerId: pa.producerId });
  for (const s of [b, c]) {
    assert.deepEqual(await s.inbox.waitFor('mediasoup:peer-left'), { userId: 'alice', peerId: a.peerId });
    assert.deepEqual(s.inbox.of('mediasoup:producer-closed'), [{ peerId: a.peerId, producerId: pa.producerId }]);
    assert.equal(s.inbox.of('mediasoup:removed').length, 0);
  }
  // a's notifications: only removed
  assert.deepEqual(a.inbox.events.map((e) => e.name).filter((n) => n !== 'mediasoup:peer-joined'),
    ['mediasoup:removed']);
  const room = (await http('GET', `/admin/rooms/${ch}`)).body.room;
  assert.equal(room.peers, 2);
  assert.equal(room.producers, 0);
  assert.equal(room.consumers, 0);
  isError(await http('DELETE', `/admin/peers/${a.peerId}`), 404, 'NOT_FOUND');
  isError(await http('POST', `/admin/producers/${pa.producerId}/pause`), 404, 'NOT_FOUND');

  // a peer that never joined can be removed too; default reason
  const lone = await connect({ sub: 'lonely' });
  const join = await reqOk(lone, 'mediasoup:join', { channelId: uniq('admin-lone') });
  const loneGone = closed(lone);
  const r2 = await http('DELETE', `/admin/peers/${join.peerId}`);
  assert.equal(r2.status, 200);
  assert.equal(r2.body.reason, 'removed by the operator');
  assert.deepEqual(await lone.inbox.waitFor('mediasoup:removed'), { reason: 'removed by the operator' });
  assert.equal(await loneGone, 'io server disconnect');
  closeAll([b, c]);
});

test('admin API: closing a room removes and disconnects every peer', async () => {
  const ch = uniq('admin-close');
  const { a, b, c } = await scene(ch);
  const gone = [a, b, c].map((s) => closed(s));
  const r = await http('DELETE', `/admin/rooms/${ch}?reason=meeting%20over`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { closed: ch, peersRemoved: 3, reason: 'meeting over' });
  for (const s of [a, b, c]) {
    assert.deepEqual(await s.inbox.waitFor('mediasoup:removed'), { reason: 'meeting over' });
    // nobody hears the others go: they are all removed
    assert.equal(s.inbox.of('mediasoup:peer-left').length, 0);
    assert.equal(s.inbox.of('mediasoup:producer-closed').length, 0);
  }
  assert.deepEqual(await Promise.all(gone), Array(3).fill('io server disconnect'));
  isError(await http('GET', `/admin/rooms/${ch}`), 404, 'NOT_FOUND');
  assert.equal(roomOf((await http('GET', '/admin/rooms')).body, ch), undefined);
  // the room can be used again
  const d = await joinNew(ch, 'dave');
  assert.equal((await http('GET', `/admin/rooms/${ch}`)).body.room.peers, 1);
  // every action is counted in /metrics
  const metrics = await (await fetch(`${URL}/metrics`)).text();
  for (const action of ['close_room', 'remove_peer']) {
    const m = metrics.match(new RegExp(`^sluice_admin_actions_total\\{action="${action}"\\} (\\d+)$`, 'm'));
    assert.ok(m && Number(m[1]) >= 1, `sluice_admin_actions_total{action="${action}"}`);
  }
  closeAll([d]);
});

test('/dev/token: 404 without dev_mode; its token joins its room', async () => {
  const ch = uniq('dev-token');
  const off = await http('GET', `/dev/token?room=${ch}&name=x`, { url: URL_NODP, token: null });
  assert.equal(off.status, 404);
  assert.deepEqual(off.body, { error: 'not found' });

  const r = await http('GET', `/dev/token?room=${encodeURIComponent(ch)}&name=Ada%20L`, { token: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.userId, 'Ada L');
  assert.equal(r.body.room, ch);
  assert.ok(r.body.exp > Date.now() / 1000);
  const s = await connect({ token: r.body.token });
  const j = await reqOk(s, 'mediasoup:join', { channelId: ch });
  assert.ok(j.peerId);
  const st = await reqOk(s, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.peerStats[0].userId, 'Ada L');
  // the room claim holds: another room is refused
  await reqOk(s, 'mediasoup:leave', {});
  await reqFail(s, 'mediasoup:join', { channelId: uniq('other') }, 'FORBIDDEN');

  // no name: a guest; no room: any room
  const g = await http('GET', '/dev/token', { token: null });
  assert.equal(g.status, 200);
  assert.match(g.body.userId, /^guest-[0-9a-f]{6}$/);
  assert.equal(g.body.room, null);
  const s2 = await connect({ token: g.body.token });
  await reqOk(s2, 'mediasoup:join', { channelId: uniq('any') });

  isError(await http('POST', '/dev/token', { token: null }), 405, 'METHOD_NOT_ALLOWED');
  isError(await http('GET', `/dev/token?room=${'r'.repeat(129)}`, { token: null }), 400, 'BAD_REQUEST');
  isError(await http('GET', `/dev/token?name=${'n'.repeat(65)}`, { token: null }), 400, 'BAD_REQUEST');
  isError(await http('GET', '/dev/token?name=', { token: null }), 400, 'BAD_REQUEST');
  isError(await http('GET', '/dev/token?name=a%09b', { token: null }), 400, 'BAD_REQUEST');
  assert.equal((await http('GET', '/dev/other', { token: null })).status, 404);
  closeAll([s, s2]);
});
