// SPDX-License-Identifier: MIT
//
// mediasoup-client compatibility: the answers of join, create-transport and
// consume are handed to mediasoup-client (v3, FakeHandler with Chrome-like
// capabilities) exactly as they come: Device.load, createSendTransport /
// createRecvTransport, produce (its 'connect' and 'produce' events go
// through connect-transport and produce) and consume.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { uniq, reqOk, joinNew, closeAll, require } from './lib.mjs';

const msc = require('mediasoup-client');
const { FakeMediaStreamTrack } = createRequire(require.resolve('mediasoup-client'))('fake-mediastreamtrack');

const URI = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  abs: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  tcc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  level: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
};

function chromeCaps() {
  const fb = [{ type: 'goog-remb', parameter: '' }, { type: 'transport-cc', parameter: '' },
    { type: 'ccm', parameter: 'fir' }, { type: 'nack', parameter: '' }, { type: 'nack', parameter: 'pli' }];
  const v = (mimeType, pt, parameters = {}) => ({ kind: 'video', mimeType, preferredPayloadType: pt, clockRate: 90000, parameters, rtcpFeedback: fb });
  const rtx = (pt, apt) => ({ kind: 'video', mimeType: 'video/rtx', preferredPayloadType: pt, clockRate: 90000, parameters: { apt }, rtcpFeedback: [] });
  const ext = (kind, uri, preferredId) => ({ kind, uri, preferredId, preferredEncrypt: false, direction: 'sendrecv' });
  return {
    codecs: [
      { kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 111, clockRate: 48000, channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 }, rtcpFeedback: [{ type: 'transport-cc', parameter: '' }] },
      v('video/VP8', 96), rtx(97, 96),
      v('video/H264', 102, { 'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42e01f' }), rtx(103, 102),
    ],
    headerExtensions: [
      ext('audio', URI.level, 1), ext('audio', URI.abs, 2), ext('audio', URI.tcc, 3), ext('audio', URI.mid, 4),
      ext('video', URI.abs, 2), ext('video', URI.tcc, 3), ext('video', URI.mid, 4),
    ],
  };
}

function handlerFactory() {
  return msc.FakeHandler.createFactory({
    generateNativeRtpCapabilities: () => chromeCaps(),
    generateNativeSctpCapabilities: () => ({ numStreams: { OS: 1024, MIS: 1024 } }),
    generateLocalDtlsParameters: () => ({
      role: 'auto',
      fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('5C').join(':') }],
    }),
  });
}

async function device(sock) {
  const d = new msc.Device({ handlerFactory: handlerFactory() });
  await d.load({ routerRtpCapabilities: sock.joinAnswer.rtpCapabilities });
  return d;
}

// wires a mediasoup-client transport's events to our signaling
function wire(sock, transport) {
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    reqOk(sock, 'mediasoup:connect-transport', { transportId: transport.id, dtlsParameters })
      .then(() => callback(), errback);
  });
  transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
    reqOk(sock, 'mediasoup:produce', { transportId: transport.id, kind, rtpParameters, appData })
      .then(({ producerId }) => callback({ id: producerId }), errback);
  });
}

test('mediasoup-client takes our answers as they are', async () => {
  const ch = uniq('msc');
  const a = await joinNew(ch, 'sender');
  const b = await joinNew(ch, 'receiver');
  const da = await device(a);
  const db = await device(b);
  assert.equal(da.loaded, true);
  assert.ok(da.canProduce('audio') && da.canProduce('video'));

  const { transport: sendInfo } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const send = da.createSendTransport(sendInfo);
  wire(a, send);
  const audio = await send.produce({ track: new FakeMediaStreamTrack({ kind: 'audio' }) });
  const video = await send.produce({ track: new FakeMediaStreamTrack({ kind: 'video' }) });
  assert.equal(audio.kind, 'audio');
  assert.equal(video.kind, 'video');
  assert.equal(video.rtpParameters.codecs[0].mimeType, 'video/VP8');

  const news = await b.inbox.waitFor('mediasoup:new-producer', 2);
  assert.ok(news);
  const { transport: recvInfo } = await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  const recv = db.createRecvTransport(recvInfo);
  wire(b, recv);
  const consumers = [];
  for (const n of b.inbox.of('mediasoup:new-producer')) {
    const { consumer: info } = await reqOk(b, 'mediasoup:consume', {
      producerPeerId: n.peerId, producerId: n.producerId, rtpCapabilities: db.rtpCapabilities,
    });
    const consumer = await recv.consume(info); // {id, producerId, kind, rtpParameters, ...}
    assert.equal(consumer.id, info.id);
    assert.equal(consumer.kind, n.kind);
    assert.equal(consumer.track.kind, n.kind);
    assert.equal(consumer.rtpParameters.mid, info.rtpParameters.mid);
    await reqOk(b, 'mediasoup:resume-consumer', { consumerId: consumer.id });
    consumers.push(consumer);
  }
  assert.deepEqual(consumers.map((x) => x.rtpParameters.mid), ['0', '1']);
  // the server saw the connects
  const st = await reqOk(a, 'mediasoup:get-room-stats', { channelId: ch });
  assert.equal(st.stats.producers, 2);
  assert.equal(st.stats.consumers, 2);
  assert.ok(st.stats.transportList.every((t) => t.dtlsState === 'connecting'));

  // closing on the client side and the server side agree
  await reqOk(a, 'mediasoup:close-producer', { producerId: audio.id });
  const closedEvt = await b.inbox.waitFor('mediasoup:consumer-closed');
  assert.equal(closedEvt.producerId, audio.id);
  consumers.find((x) => x.id === closedEvt.consumerId).close();
  audio.close();
  send.close();
  recv.close();
  closeAll([a, b]);
});
