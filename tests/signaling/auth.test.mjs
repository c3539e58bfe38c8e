// SPDX-License-Identifier: MIT
//
// Transport and authentication: socket.io-client over websocket, polling
// refused, wrong namespace, bad/expired/future/unsigned tokens, the
// authenticate event, room/pub/sub_media claims, unknown events, binary
// packets and oversized frames.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  URL, SECRET, UUID_RE, mint, uniq, connect, req, reqOk, reqFail, closed, joinNew,
  closeAll, opusParams, require,
} from './lib.mjs';

const WebSocket = require('ws');

test('HTTP long-polling is refused like a socket.io server does', async () => {
  const r = await fetch(`${URL}/socket.io/?EIO=4&transport=polling`);
  assert.equal(r.status, 400);
  assert.deepEqual(await r.json(), { code: 0, message: 'Transport unknown' });
});

test('a valid token connects and joins; the answer has the protocol shape', async () => {
  const s = await connect({ sub: 'alice' });
  const ch = uniq('auth-ok');
  const r = await reqOk(s, 'mediasoup:join', { channelId: ch });
  assert.deepEqual(Object.keys(r).sort(), ['e2eeEnabled', 'existingProducers', 'peerId', 'rtpCapabilities']);
  assert.match(r.peerId, UUID_RE);
  assert.equal(r.e2eeEnabled, true);
  assert.deepEqual(r.existingProducers, []);
  const mimes = r.rtpCapabilities.codecs.map((c) => c.mimeType);
  for (const m of ['audio/opus', 'video/VP8', 'video/VP9', 'video/H264', 'video/rtx']) assert.ok(mimes.includes(m), m);
  const h264 = r.rtpCapabilities.codecs.filter((c) => c.mimeType === 'video/H264');
  assert.deepEqual(h264.map((c) => c.parameters['profile-level-id']).sort(), ['42e01f', '4d0032']);
  assert.ok(h264.every((c) => c.parameters['packetization-mode'] === 1));
  const vp8 = r.rtpCapabilities.codecs.find((c) => c.mimeType === 'video/VP8');
  const fb = vp8.rtcpFeedback.map((f) => `${f.type} ${f.parameter}`.trim());
  for (const f of ['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc']) assert.ok(fb.includes(f), f);
  assert.ok(Array.isArray(r.rtpCapabilities.headerExtensions));
  // stats of the new room
  const st = await reqOk(s, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.channelId, ch);
  assert.equal(st.stats.peers, 1);
  assert.equal(st.stats.producers, 0);
  assert.equal(st.stats.consumers, 0);
  assert.equal(st.stats.e2eeEnabled, true);
  assert.ok(Math.abs(st.stats.createdAt - Date.now()) < 60000, 'createdAt is ms since the epoch');
  s.close();
});

test('bad tokens are refused with CONNECT_ERROR unauthorized', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    'wrong secret': mint({ sub: 'x' }, { secret: 'another-secret-0123456789' }),
    expired: mint({ sub: 'x', exp: now - 10 }),
    'not yet valid': mint({ sub: 'x', nbf: now + 3600 }),
    'no sub': mint({ sub: undefined }),
    'no exp': mint({ sub: 'x', exp: undefined }),
    'alg none': mint({ sub: 'x' }, { header: { alg: 'none', typ: 'JWT' } }),
    garbage: 'not.a.token',
    'pub not boolean': mint({ sub: 'x', pub: 'yes' }),
  };
  for (const [what, token] of Object.entries(cases)) {
    await assert.rejects(connect({ token }), (err) => {
      assert.equal(err.message, 'unauthorized', what);
      return true;
    }, what);
  }
  // the token must be a string
  await assert.rejects(connect({ auth: { token: 42 } }), /unauthorized/);
});

test('without a token: only authenticate works until it succeeds', async () => {
  const s = await connect({ auth: {} });
  const ch = uniq('late-auth');
  await reqFail(s, 'mediasoup:join', { channelId: ch }, 'UNAUTHENTICATED');
  await reqFail(s, 'mediasoup:get-room-stats', { channelId: ch }, 'UNAUTHENTICATED');
  await reqFail(s, 'mediasoup:leave', {}, 'UNAUTHENTICATED');
  await reqFail(s, 'authenticate', { token: mint({ sub: 'y', exp: 1 }) }, 'UNAUTHENTICATED');
  await reqFail(s, 'authenticate', { token: 'a.b.c' }, 'UNAUTHENTICATED');
  await reqFail(s, 'authenticate', {}, 'BAD_REQUEST');
  await reqFail(s, 'authenticate', { token: 7 }, 'BAD_REQUEST');
  const ok = await reqOk(s, 'authenticate', { token: mint({ sub: 'late-user' }) });
  assert.deepEqual(ok, { success: true, userId: 'late-user' });
  // another user on the same socket is refused; the same user may refresh
  await reqFail(s, 'authenticate', { token: mint({ sub: 'someone-else' }) }, 'FORBIDDEN');
  await reqOk(s, 'authenticate', { token: mint({ sub: 'late-user' }) });
  await reqOk(s, 'mediasoup:join', { channelId: ch });
  s.close();
});

test('a token for one room may not join or inspect another', async () => {
  const allowed = uniq('allowed');
  const s = await connect({ sub: 'roomy', claims: { room: allowed } });
  await reqFail(s, 'mediasoup:join', { channelId: uniq('other') }, 'FORBIDDEN');
  const otherCh = uniq('other-room');
  const other = await joinNew(otherCh);
  await reqFail(s, 'mediasoup:get-room-stats', { channelId: otherCh }, 'FORBIDDEN');
  await reqOk(s, 'mediasoup:join', { channelId: allowed });
  closeAll([s, other]);
});

test('pub=false may not produce, sub_media=false may not consume', async () => {
  const ch = uniq('claims');
  const a = await joinNew(ch, 'viewer', { pub: false });
  const b = await joinNew(ch, 'listener', { sub_media: false });
  const ta = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  await reqFail(a, 'mediasoup:produce', {
    transportId: ta.transport.id, kind: 'audio', rtpParameters: opusParams(1111),
  }, 'FORBIDDEN');
  const tb = await reqOk(b, 'mediasoup:create-transport', { direction: 'send' });
  const p = await reqOk(b, 'mediasoup:produce', {
    transportId: tb.transport.id, kind: 'audio', rtpParameters: opusParams(2222),
  });
  await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  await reqFail(b, 'mediasoup:consume', {
    producerPeerId: b.peerId, producerId: p.producerId, rtpCapabilities: b.joinAnswer.rtpCapabilities,
  }, 'FORBIDDEN');
  closeAll([a, b]);
});

test('other namespaces get CONNECT_ERROR Invalid namespace', async () => {
  await assert.rejects(connect({ nsp: '/admin' }), (err) => {
    assert.equal(err.message, 'Invalid namespace');
    return true;
  });
});

test('unknown events: BAD_REQUEST with an ack, ignored without', async () => {
  const s = await connect();
  const r = await reqFail(s, 'mediasoup:teleport', { x: 1 }, 'BAD_REQUEST');
  assert.match(r.error, /unknown event/);
  s.emit('no-such-event', { a: 1 }); // no ack: no answer, no harm
  await reqFail(s, 'whatever', undefined, 'BAD_REQUEST');
  await reqOk(s, 'mediasoup:join', { channelId: uniq('after-unknown') });
  s.close();
});

test('binary packets are refused with an error, the socket stays usable', async () => {
  const s = await connect();
  const errorEvent = s.inbox.waitFor('error');
  const r = await req(s, 'mediasoup:join', { channelId: 'bin', blob: Buffer.from([1, 2, 3]) });
  assert.equal(r.code, 'BAD_REQUEST');
  assert.deepEqual(await errorEvent, { message: 'binary packets are not supported' });
  s.emit('mediasoup:join', Buffer.from('no ack'));
  await reqOk(s, 'mediasoup:join', { channelId: uniq('after-binary') });
  s.close();
});

test('a frame larger than maxPayload closes the connection', async () => {
  const s = await connect();
  const gone = closed(s);
  s.emit('mediasoup:join', { channelId: 'x'.repeat(120000) });
  assert.equal(await gone, 'transport close');
  // the server is fine
  const t = await connect();
  await reqOk(t, 'mediasoup:join', { channelId: uniq('after-big') });
  t.close();
});

test('a raw Engine.IO client sees the open packet of protocol.md', async () => {
  const ws = new WebSocket(`${URL.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const [first] = await new Promise((resolve, reject) => {
    ws.once('message', (d) => resolve([d.toString()]));
    ws.once('error', reject);
  });
  assert.equal(first[0], '0');
  const open = JSON.parse(first.slice(1));
  assert.deepEqual(open.upgrades, []);
  assert.equal(open.pingInterval, 1000);
  assert.equal(open.pingTimeout, 3000);
  assert.equal(open.maxPayload, 100000);
  assert.match(open.sid, /^[A-Za-z0-9_-]{20}$/);
  // CONNECT with a token in the auth object
  ws.send(`40${JSON.stringify({ token: mint({ sub: 'raw' }) })}`);
  const ack = await new Promise((resolve) => ws.once('message', (d) => resolve(d.toString())));
  assert.match(ack, /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
  ws.close();
});

test('a token with an unknown kid and extra claims still works (HS256 only)', async () => {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ sub: 'kid', exp: Math.floor(Date.now() / 1000) + 60, extra: [1] })).toString('base64url');
  const sig = crypto.createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url');
  const s = await connect({ token: `${h}.${p}.${sig}` });
  await reqOk(s, 'mediasoup:join', { channelId: uniq('kid') });
  s.close();
});
