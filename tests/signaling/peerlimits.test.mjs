// SPDX-License-Identifier: MIT
//
// Per-peer limits and the token's lifetime (README "Limits"), against the
// main control plane (data plane attached), which run_signaling.sh starts
// with max_consumers_per_peer 4 and max_producers_per_transport 6:
//  - a second consume of the same producer by the same peer, a consume past
//    max_consumers_per_peer, a produce past max_producers_per_transport, an
//    oversized appData or codec `parameters` are BAD_REQUEST and counted in
//    sluice_signal_limit_total{limit=...};
//  - past the token's exp, join / create-transport / connect-transport /
//    produce / consume answer UNAUTHENTICATED, nothing is closed and the
//    existing consumers still pause and resume; authenticate with a fresh
//    token of the same user renews the session (another user's is
//    FORBIDDEN).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { URL, uniq, mint, joinNew, req, reqOk, reqFail, closeAll, opusParams, FP } from './lib.mjs';

const MAX_CONSUMERS = 4;
const MAX_PRODUCERS = 6;

// sluice_signal_limit_total by limit, from /metrics
async function limits() {
  const text = await (await fetch(`${URL}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^sluice_signal_limit_total\{limit="([a-z_]+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

const produce = (s, transportId, ssrc, extra = {}) => req(s, 'mediasoup:produce',
  { transportId, kind: 'audio', rtpParameters: opusParams(ssrc), ...extra });
const consume = (s, owner, producerId) => req(s, 'mediasoup:consume',
  { producerPeerId: owner.peerId, producerId, rtpCapabilities: s.joinAnswer.rtpCapabilities });

function assertCode(r, code, re) {
  assert.equal(r.code, code, JSON.stringify(r));
  assert.deepEqual(Object.keys(r).sort(), ['code', 'error']);
  if (re) assert.match(r.error, re);
}

test('per-peer limits: duplicate consume, consumer and producer caps, sizes', async () => {
  const before = await limits();
  assert.ok(Number.isInteger(before.max_consumers_per_peer), 'the counter family is exported');
  const ch = uniq('plim');
  const a = await joinNew(ch, 'alice');
  const b = await joinNew(ch, 'bob');
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });

  // sizes: appData 4096 and codec parameters 1024 bytes of compact JSON
  assertCode(await produce(a, ta.id, 500, { appData: { note: 'x'.repeat(5000) } }), 'BAD_REQUEST', /appData/);
  const params = opusParams(500);
  params.codecs[0].parameters = { 'x-long': 'y'.repeat(1100) };
  assertCode(await req(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: params }),
    'BAD_REQUEST', /parameters/);

  // max_producers_per_transport
  const prods = [];
  for (let i = 0; i < MAX_PRODUCERS; i++) {
    const r = await produce(a, ta.id, 1000 + i * 10, { appData: { i } });
    assert.equal(r.code, undefined, JSON.stringify(r));
    prods.push(r.producerId);
  }
  assertCode(await produce(a, ta.id, 2000), 'BAD_REQUEST', /max_producers_per_transport/);

  // one consumer per producer per peer
  const c0 = await consume(b, a, prods[0]);
  assert.equal(c0.code, undefined, JSON.stringify(c0));
  assertCode(await consume(b, a, prods[0]), 'BAD_REQUEST', /already consumes/);
  // max_consumers_per_peer
  for (let i = 1; i < MAX_CONSUMERS; i++) await reqOk(b, 'mediasoup:consume',
    { producerPeerId: a.peerId, producerId: prods[i], rtpCapabilities: b.joinAnswer.rtpCapabilities });
  assertCode(await consume(b, a, prods[MAX_CONSUMERS]), 'BAD_REQUEST', /max_consumers_per_peer/);
  // the consumers b holds still work
  assert.deepEqual(await reqOk(b, 'mediasoup:resume-consumer', { consumerId: c0.consumer.id }), { success: true });
  // closing a producer closes b's consumer of it: a place is free again
  await reqOk(a, 'mediasoup:close-producer', { producerId: prods[0] });
  await b.inbox.waitFor('mediasoup:consumer-closed');
  await reqOk(b, 'mediasoup:consume',
    { producerPeerId: a.peerId, producerId: prods[MAX_CONSUMERS], rtpCapabilities: b.joinAnswer.rtpCapabilities });
  const st = await reqOk(b, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.producers, MAX_PRODUCERS - 1);
  assert.equal(st.stats.consumers, MAX_CONSUMERS);

  const after = await limits();
  for (const k of ['max_app_data_bytes', 'max_codec_parameters_bytes', 'max_producers_per_transport',
    'one_consumer_per_producer', 'max_consumers_per_peer'])
    assert.ok(after[k] >= before[k] + 1, `${k}: ${before[k]} -> ${after[k]}`);
  closeAll([a, b]);
});

// authenticate with a token that expires in ~2 s; retried (bounded) when
// the answer comes too late for it
async function shortLived(s, sub) {
  for (let i = 0; i < 5; i++) {
    const r = await req(s, 'authenticate', { token: mint({ sub, exp: Math.floor(Date.now() / 1000) + 2 }) });
    if (r.code === undefined) return;
  }
  throw new Error('could not authenticate with a short-lived token');
}

test('token lifetime: nothing new after exp, nothing closed, a fresh token renews', async () => {
  const ch = uniq('exp');
  const e = await joinNew(ch, 'erin');
  const f = await joinNew(ch, 'frank');
  const { transport: te } = await reqOk(e, 'mediasoup:create-transport', { direction: 'send' });
  const { transport: re } = await reqOk(e, 'mediasoup:create-transport', { direction: 'recv' });
  const { transport: tf } = await reqOk(f, 'mediasoup:create-transport', { direction: 'send' });
  await reqOk(f, 'mediasoup:create-transport', { direction: 'recv' });
  const pe = await reqOk(e, 'mediasoup:produce', { transportId: te.id, kind: 'audio', rtpParameters: opusParams(3100) });
  const pf = await reqOk(f, 'mediasoup:produce', { transportId: tf.id, kind: 'audio', rtpParameters: opusParams(3200) });
  const ce = await reqOk(e, 'mediasoup:consume', { producerPeerId: f.peerId, producerId: pf.producerId, rtpCapabilities: e.joinAnswer.rtpCapabilities });
  const cf = await reqOk(f, 'mediasoup:consume', { producerPeerId: e.peerId, producerId: pe.producerId, rtpCapabilities: f.joinAnswer.rtpCapabilities });
  await reqOk(f, 'mediasoup:resume-consumer', { consumerId: cf.consumer.id });
  const before = await limits();

  // e's session now ends with a token of ~2 s; wait for it (join is refused
  // ALREADY_JOINED while the token is valid, UNAUTHENTICATED after)
  await shortLived(e, 'erin');
  let r;
  for (let i = 0; i < 200; i++) {
    r = await req(e, 'mediasoup:join', { channelId: ch });
    if (r.code !== 'ALREADY_JOINED') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assertCode(r, 'UNAUTHENTICATED', /expired/);

  const pf2 = await reqOk(f, 'mediasoup:produce', { transportId: tf.id, kind: 'audio', rtpParameters: opusParams(3300) });
  assertCode(await req(e, 'mediasoup:create-transport', { direction: 'send' }), 'UNAUTHENTICATED', /expired/);
  assertCode(await req(e, 'mediasoup:connect-transport',
    { transportId: re.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP() }] } }),
  'UNAUTHENTICATED');
  assertCode(await produce(e, te.id, 3400), 'UNAUTHENTICATED');
  assertCode(await consume(e, f, pf2.producerId), 'UNAUTHENTICATED');

  // what exists goes on: e's consumer pauses and resumes, f's consumer of
  // e's producer is untouched, nobody was told anything closed
  assert.deepEqual(await reqOk(e, 'mediasoup:pause-consumer', { consumerId: ce.consumer.id }), { success: true });
  assert.deepEqual(await reqOk(e, 'mediasoup:resume-consumer', { consumerId: ce.consumer.id }), { success: true });
  assert.deepEqual(await reqOk(f, 'mediasoup:pause-consumer', { consumerId: cf.consumer.id }), { success: true });
  const st = await reqOk(f, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.transports, 4);
  assert.equal(st.stats.producers, 3);
  assert.equal(st.stats.consumers, 2);
  for (const s of [e, f]) for (const n of ['mediasoup:producer-closed', 'mediasoup:consumer-closed', 'mediasoup:peer-left'])
    assert.deepEqual(s.inbox.of(n), [], `${n} to ${s === e ? 'e' : 'f'}`);
  const mid = await limits();
  assert.ok(mid.token_exp >= before.token_exp + 5, `token_exp: ${before.token_exp} -> ${mid.token_exp}`);

  // renewal: another user's token is refused, an expired one too, erin's fresh one renews
  assertCode(await req(e, 'authenticate', { token: mint({ sub: 'mallory' }) }), 'FORBIDDEN');
  assertCode(await req(e, 'authenticate', { token: mint({ sub: 'erin', exp: Math.floor(Date.now() / 1000) - 10 }) }), 'UNAUTHENTICATED');
  assertCode(await produce(e, te.id, 3400), 'UNAUTHENTICATED');
  assert.deepEqual(await reqOk(e, 'authenticate', { token: mint({ sub: 'erin' }) }), { success: true, userId: 'erin' });
  await reqOk(e, 'mediasoup:produce', { transportId: te.id, kind: 'audio', rtpParameters: opusParams(3400) });
  await reqOk(e, 'mediasoup:consume', { producerPeerId: f.peerId, producerId: pf2.producerId, rtpCapabilities: e.joinAnswer.rtpCapabilities });
  closeAll([e, f]);
});
