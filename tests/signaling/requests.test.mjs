// SPDX-License-Identifier: MIT
//
// Every request of protocol.md through success and failure: payload shapes,
// codes, NOT_JOINED / ALREADY_JOINED, transports (ICE/DTLS parameters,
// limits, connect-transport validation), produce/consume, pause/resume,
// close-producer, get-room-stats, and who receives which notification.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  UUID_RE, uniq, connect, req, reqOk, reqFail, joinNew, closeAll, opusParams, vp8Params, FP,
} from './lib.mjs';

test('malformed payloads are BAD_REQUEST, never a crash or a silence', async () => {
  const s = await connect();
  for (const p of [undefined, null, 'room', 5, [], {}, { channelId: 5 }, { channelId: '' },
    { channelId: null }, { channelId: 'x'.repeat(129) }, { channelId: { a: 1 } }]) {
    await reqFail(s, 'mediasoup:join', p, 'BAD_REQUEST');
  }
  await reqFail(s, 'mediasoup:get-room-stats', {}, 'BAD_REQUEST');
  await reqFail(s, 'mediasoup:get-room-stats', 'x', 'BAD_REQUEST');
  const ch = uniq('malformed');
  await reqOk(s, 'mediasoup:join', { channelId: ch });
  for (const p of [undefined, {}, { direction: 'both' }, { direction: 1 }, 'send'])
    await reqFail(s, 'mediasoup:create-transport', p, 'BAD_REQUEST');
  const t = await reqOk(s, 'mediasoup:create-transport', { direction: 'send' });
  const id = t.transport.id;
  for (const p of [undefined, {}, { transportId: id }, { transportId: 5, dtlsParameters: {} },
    { transportId: id, kind: 'data', rtpParameters: opusParams(5) },
    { transportId: id, kind: 'audio' },
    { transportId: id, kind: 'audio', rtpParameters: [] },
    { transportId: id, kind: 'audio', rtpParameters: { codecs: 'x' } },
    { transportId: id, kind: 'video', rtpParameters: opusParams(6) },
    { transportId: id, kind: 'audio', rtpParameters: { ...opusParams(7), encodings: [{ ssrc: 1 }, { ssrc: 2 }] } },
  ]) await reqFail(s, 'mediasoup:produce', p, 'BAD_REQUEST');
  for (const p of [undefined, {}, { producerPeerId: 'a', producerId: 'b' },
    { producerPeerId: 'a', producerId: 'b', rtpCapabilities: 'x' }, { producerPeerId: 1, producerId: 'b', rtpCapabilities: {} }])
    await reqFail(s, 'mediasoup:consume', p, 'BAD_REQUEST');
  for (const ev of ['mediasoup:resume-consumer', 'mediasoup:pause-consumer'])
    for (const p of [undefined, {}, { consumerId: 1 }]) await reqFail(s, ev, p, 'BAD_REQUEST');
  for (const p of [undefined, {}, { producerId: [] }]) await reqFail(s, 'mediasoup:close-producer', p, 'BAD_REQUEST');
  s.close();
});

test('NOT_JOINED before join, ALREADY_JOINED on a second join, leave when not joined', async () => {
  const s = await connect();
  await reqFail(s, 'mediasoup:create-transport', { direction: 'send' }, 'NOT_JOINED');
  await reqFail(s, 'mediasoup:connect-transport', { transportId: 'x', dtlsParameters: {} }, 'NOT_JOINED');
  await reqFail(s, 'mediasoup:produce', { transportId: 'x', kind: 'audio', rtpParameters: {} }, 'NOT_JOINED');
  await reqFail(s, 'mediasoup:consume', { producerPeerId: 'a', producerId: 'b', rtpCapabilities: {} }, 'NOT_JOINED');
  await reqFail(s, 'mediasoup:resume-consumer', { consumerId: 'x' }, 'NOT_JOINED');
  await reqFail(s, 'mediasoup:pause-consumer', { consumerId: 'x' }, 'NOT_JOINED');
  await reqFail(s, 'mediasoup:close-producer', { producerId: 'x' }, 'NOT_JOINED');
  assert.deepEqual(await reqOk(s, 'mediasoup:leave', {}), { success: true });
  assert.deepEqual(await reqOk(s, 'mediasoup:leave'), { success: true });
  const ch = uniq('twice');
  const r1 = await reqOk(s, 'mediasoup:join', { channelId: ch });
  await reqFail(s, 'mediasoup:join', { channelId: ch }, 'ALREADY_JOINED');
  await reqFail(s, 'mediasoup:join', { channelId: uniq('elsewhere') }, 'ALREADY_JOINED');
  await reqFail(s, 'mediasoup:get-room-stats', { channelId: uniq('nowhere') }, 'NOT_FOUND');
  // leave and join again: same peerId (one per socket)
  await reqOk(s, 'mediasoup:leave', {});
  const r2 = await reqOk(s, 'mediasoup:join', { channelId: ch });
  assert.equal(r2.peerId, r1.peerId);
  s.close();
});

test('create-transport answers mediasoup WebRtcTransport parameters; one per direction', async () => {
  const s = await joinNew(uniq('transports'));
  const { transport: t } = await reqOk(s, 'mediasoup:create-transport', { direction: 'send' });
  assert.deepEqual(Object.keys(t).sort(), ['dtlsParameters', 'e2eeEnabled', 'iceCandidates', 'iceParameters', 'id']);
  assert.match(t.id, UUID_RE);
  assert.equal(t.e2eeEnabled, true);
  assert.equal(t.iceParameters.iceLite, true);
  assert.match(t.iceParameters.usernameFragment, /^[A-Za-z0-9]{16}$/);
  assert.match(t.iceParameters.password, /^[A-Za-z0-9]{32}$/);
  assert.equal(t.iceCandidates.length, 1);
  const c = t.iceCandidates[0];
  assert.equal(c.foundation, 'udpcandidate');
  assert.equal(c.type, 'host');
  assert.equal(c.protocol, 'udp');
  assert.equal(c.ip, '198.18.0.1');
  assert.equal(c.address, '198.18.0.1');
  assert.ok([40000, 40001].includes(c.port), `port ${c.port}`);
  assert.ok(Number.isInteger(c.priority) && c.priority > 0);
  assert.equal(t.dtlsParameters.role, 'auto');
  assert.equal(t.dtlsParameters.fingerprints.length, 1);
  assert.equal(t.dtlsParameters.fingerprints[0].algorithm, 'sha-256');
  assert.match(t.dtlsParameters.fingerprints[0].value, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  const again = await reqFail(s, 'mediasoup:create-transport', { direction: 'send' }, 'BAD_REQUEST');
  assert.match(again.error, /send transport/);
  const { transport: r } = await reqOk(s, 'mediasoup:create-transport', { direction: 'recv' });
  assert.notEqual(r.id, t.id);
  assert.notEqual(r.iceParameters.usernameFragment, t.iceParameters.usernameFragment);
  assert.equal(r.dtlsParameters.fingerprints[0].value, t.dtlsParameters.fingerprints[0].value);
  await reqFail(s, 'mediasoup:create-transport', { direction: 'recv' }, 'BAD_REQUEST');
  s.close();
});

test('connect-transport validates dtlsParameters and ownership', async () => {
  const ch = uniq('connect');
  const a = await joinNew(ch, 'a');
  const b = await joinNew(ch, 'b');
  const { transport: t } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const good = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP('AB') }] };
  await reqFail(a, 'mediasoup:connect-transport', { transportId: 'nope', dtlsParameters: good }, 'NOT_FOUND');
  await reqFail(b, 'mediasoup:connect-transport', { transportId: t.id, dtlsParameters: good }, 'NOT_FOUND');
  for (const dp of [undefined, null, 'x', {}, { fingerprints: [] }, { fingerprints: {} },
    { fingerprints: ['AB'] }, { fingerprints: [{ algorithm: 'sha-256' }] },
    { fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] },
    { fingerprints: [{ algorithm: 'sha-256', value: FP('ZZ') }] },
    { fingerprints: [{ algorithm: 'sha-256', value: `${FP('AB')}:CD` }] },
    { fingerprints: [{ algorithm: 'md5', value: 'AB:CD' }] },
    { role: 'boss', fingerprints: good.fingerprints },
    { role: 7, fingerprints: good.fingerprints },
  ]) await reqFail(a, 'mediasoup:connect-transport', { transportId: t.id, dtlsParameters: dp }, 'BAD_REQUEST');
  // hex without colons and lower case are fine
  assert.deepEqual(await reqOk(a, 'mediasoup:connect-transport', {
    transportId: t.id, dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'SHA-256', value: 'ab'.repeat(32) }] },
  }), { success: true });
  const again = await reqFail(a, 'mediasoup:connect-transport', { transportId: t.id, dtlsParameters: good }, 'BAD_REQUEST');
  assert.match(again.error, /already/);
  const st = await reqOk(a, 'mediasoup:get-room-stats', { channelId: ch });
  const mine = st.stats.transportList.find((x) => x.id === t.id);
  assert.equal(mine.dtlsState, 'connecting'); // no browser behind it: stays connecting
  assert.equal(mine.iceState, 'new');
  closeAll([a, b]);
});

test('produce, consume, pause/resume and close-producer with notifications', async () => {
  const ch = uniq('media');
  const a = await joinNew(ch, 'alice');
  const b = await joinNew(ch, 'bob');
  const c = await joinNew(ch, 'carol');
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const { transport: ra } = await reqOk(a, 'mediasoup:create-transport', { direction: 'recv' });
  await reqFail(a, 'mediasoup:produce', { transportId: ra.id, kind: 'audio', rtpParameters: opusParams(100) }, 'BAD_REQUEST');
  await reqFail(b, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(100) }, 'NOT_FOUND');
  const pa = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(100), appData: { x: 1 } });
  assert.deepEqual(Object.keys(pa), ['producerId']);
  assert.match(pa.producerId, UUID_RE);
  await reqFail(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(100) }, 'BAD_REQUEST'); // same ssrc
  const pv = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'video', rtpParameters: vp8Params(200) });
  for (const s of [b, c]) {
    const n = await s.inbox.waitFor('mediasoup:new-producer', 2);
    assert.deepEqual(s.inbox.of('mediasoup:new-producer'), [
      { userId: 'alice', peerId: a.peerId, producerId: pa.producerId, kind: 'audio' },
      { userId: 'alice', peerId: a.peerId, producerId: pv.producerId, kind: 'video' },
    ]);
    assert.ok(n);
  }
  // a late joiner sees both producers in existingProducers
  const d = await joinNew(ch, 'dave');
  assert.deepEqual(d.joinAnswer.existingProducers.map((p) => p.producerId).sort(), [pa.producerId, pv.producerId].sort());
  assert.ok(d.joinAnswer.existingProducers.every((p) => p.userId === 'alice' && p.peerId === a.peerId));

  const caps = b.joinAnswer.rtpCapabilities;
  await reqFail(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: caps }, 'BAD_REQUEST'); // no recv transport
  const { transport: rb } = await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  await reqFail(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: 'nope', rtpCapabilities: caps }, 'NOT_FOUND');
  await reqFail(b, 'mediasoup:consume', { producerPeerId: b.peerId, producerId: pa.producerId, rtpCapabilities: caps }, 'NOT_FOUND');
  const noOpus = { ...caps, codecs: caps.codecs.filter((x) => x.kind !== 'audio') };
  await reqFail(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: noOpus }, 'BAD_REQUEST');
  await reqFail(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: { codecs: 'x' } }, 'BAD_REQUEST');
  const ca = await reqOk(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: caps });
  const cv = await reqOk(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pv.producerId, rtpCapabilities: caps, transportId: rb.id });
  for (const [r, kind, mid] of [[ca, 'audio', '0'], [cv, 'video', '1']]) {
    const k = r.consumer;
    assert.deepEqual(Object.keys(k).sort(), ['e2eeEnabled', 'id', 'kind', 'producerId', 'producerPaused', 'rtpParameters', 'type']);
    assert.match(k.id, UUID_RE);
    assert.equal(k.kind, kind);
    assert.equal(k.type, 'simple');
    assert.equal(k.producerPaused, false);
    assert.equal(k.e2eeEnabled, true);
    assert.equal(k.rtpParameters.mid, mid);
    assert.equal(k.rtpParameters.encodings.length, 1);
    assert.ok(k.rtpParameters.encodings[0].ssrc > 0);
    assert.equal(k.rtpParameters.rtcp.reducedSize, true);
  }
  assert.equal(ca.consumer.rtpParameters.rtcp.cname, 'cname-100');
  assert.equal(cv.consumer.rtpParameters.codecs[0].mimeType, 'video/VP8');
  assert.equal(cv.consumer.rtpParameters.encodings[0].rtx.ssrc, cv.consumer.rtpParameters.encodings[0].ssrc + 1);
  // a transportId that is not a recv transport of this peer
  await reqFail(b, 'mediasoup:consume', { producerPeerId: a.peerId, producerId: pv.producerId, rtpCapabilities: caps, transportId: ta.id }, 'BAD_REQUEST');

  // pause/resume: own consumers only
  assert.deepEqual(await reqOk(b, 'mediasoup:resume-consumer', { consumerId: ca.consumer.id }), { success: true });
  assert.deepEqual(await reqOk(b, 'mediasoup:pause-consumer', { consumerId: ca.consumer.id }), { success: true });
  await reqFail(a, 'mediasoup:resume-consumer', { consumerId: ca.consumer.id }, 'NOT_FOUND');
  await reqFail(b, 'mediasoup:pause-consumer', { consumerId: 'nope' }, 'NOT_FOUND');

  const st = await reqOk(c, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.peers, 4);
  assert.equal(st.stats.producers, 2);
  assert.equal(st.stats.consumers, 2);
  assert.equal(st.stats.transportList.length, 3);
  // room-affine placement: a small room stays on one lcore
  assert.equal(new Set(st.stats.transportList.map((x) => x.lcore)).size, 1);
  assert.ok(st.stats.lcores.length >= 1);
  assert.ok(st.stats.lcores.some((l) => l.transports >= 3 && l.consumers >= 2));

  // only the owner closes a producer
  await reqFail(b, 'mediasoup:close-producer', { producerId: pa.producerId }, 'NOT_FOUND');
  await reqFail(a, 'mediasoup:close-producer', { producerId: 'nope' }, 'NOT_FOUND');
  assert.deepEqual(await reqOk(a, 'mediasoup:close-producer', { producerId: pa.producerId }), { success: true });
  assert.deepEqual(await b.inbox.waitFor('mediasoup:consumer-closed'), { consumerId: ca.consumer.id, producerId: pa.producerId });
  for (const s of [b, c, d])
    assert.deepEqual(await s.inbox.waitFor('mediasoup:producer-closed'), { peerId: a.peerId, producerId: pa.producerId });
  await reqFail(b, 'mediasoup:resume-consumer', { consumerId: ca.consumer.id }, 'NOT_FOUND');
  await reqFail(a, 'mediasoup:close-producer', { producerId: pa.producerId }, 'NOT_FOUND');
  // a round trip to a: everything a would have received has arrived by now
  await reqOk(a, 'mediasoup:get-room-stats', { channelId: ch });
  assert.deepEqual(a.inbox.of('mediasoup:producer-closed'), []);
  assert.deepEqual(a.inbox.of('mediasoup:consumer-closed'), []);
  assert.deepEqual(a.inbox.of('mediasoup:new-producer'), []);
  assert.equal(c.inbox.of('mediasoup:consumer-closed').length, 0);
  const st2 = await reqOk(c, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st2.stats.producers, 1);
  assert.equal(st2.stats.consumers, 1);
  closeAll([a, b, c, d]);
});

test('requests answer in any order without waiting for each other', async () => {
  const s = await joinNew(uniq('parallel'));
  const answers = await Promise.all([
    req(s, 'mediasoup:create-transport', { direction: 'send' }),
    req(s, 'mediasoup:get-room-stats', { channelId: 'nope-' + Date.now() }),
    req(s, 'mediasoup:create-transport', { direction: 'recv' }),
    req(s, 'mediasoup:teleport', {}),
    req(s, 'mediasoup:leave', {}),
  ]);
  assert.ok(answers[0].transport);
  assert.equal(answers[1].code, 'NOT_FOUND');
  assert.ok(answers[2].transport);
  assert.equal(answers[3].code, 'BAD_REQUEST');
  assert.deepEqual(answers[4], { success: true });
  s.close();
});

test('the request budget per socket answers OVERLOADED past the limit', async () => {
  const s = await connect();
  const n = 400; // the server allows 100 per second with a burst of 100
  const answers = await Promise.all(Array.from({ length: n },
    () => req(s, 'mediasoup:get-room-stats', { channelId: 'budget-none' })));
  const codes = answers.map((r) => r.code);
  assert.equal(codes[0], 'NOT_FOUND');
  assert.ok(codes.includes('OVERLOADED'), 'some requests over the budget');
  assert.ok(codes.every((c) => c === 'NOT_FOUND' || c === 'OVERLOADED'));
  assert.ok(codes.filter((c) => c === 'NOT_FOUND').length >= 100);
  s.close();
});
