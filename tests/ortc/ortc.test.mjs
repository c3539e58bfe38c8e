// SPDX-License-Identifier: MIT
//
// ortc.test.mjs - checks controlplane/ortc against mediasoup-client's own
// code (node --test). Needs ORTC_TOOL (path of the ortc_tool binary; ctest
// sets it) and `npm install --prefix tests`.
//
// A mediasoup-client Device with the FakeHandler and Chrome-like native
// capabilities loads our router capabilities, produces through a send
// transport (its rtpParameters are what a browser would send), our tool turns
// them into consumer parameters for device.rtpCapabilities, and those must
// pass mediasoup-client's validation and be accepted by a recv transport's
// consume().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'package.json'));
const msc = require('mediasoup-client');
// a dependency of mediasoup-client: resolve it from there
const { FakeMediaStreamTrack } = createRequire(require.resolve('mediasoup-client'))('fake-mediastreamtrack');

const TOOL = process.env.ORTC_TOOL;
if (!TOOL) throw new Error('set ORTC_TOOL to the ortc_tool binary');

const URI = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  rrid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  abs: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  tcc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  level: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  orient: 'urn:3gpp:video-orientation',
  toffset: 'urn:ietf:params:rtp-hdrext:toffset',
  playout: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
};

function tool(args, input) {
  const out = execFileSync(TOOL, args, {
    input: input === undefined ? undefined : JSON.stringify(input),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const videoFb = () => [
  { type: 'goog-remb', parameter: '' },
  { type: 'transport-cc', parameter: '' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'nack', parameter: '' },
  { type: 'nack', parameter: 'pli' },
];

function videoCodec(mimeType, pt, parameters = {}) {
  return {
    kind: 'video', mimeType, preferredPayloadType: pt, clockRate: 90000,
    parameters, rtcpFeedback: videoFb(),
  };
}

function rtx(pt, apt) {
  return {
    kind: 'video', mimeType: 'video/rtx', preferredPayloadType: pt, clockRate: 90000,
    parameters: { apt }, rtcpFeedback: [],
  };
}

function ext(kind, uri, preferredId) {
  return { kind, uri, preferredId, preferredEncrypt: false, direction: 'sendrecv' };
}

// Native capabilities of a Chrome-like browser (its own PTs and ids).
function chromeCaps({ withRtx = true, withVp8 = true } = {}) {
  const codecs = [
    {
      kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: 111, clockRate: 48000,
      channels: 2, parameters: { minptime: 10, useinbandfec: 1 },
      rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
    },
  ];
  const add = (codec, rtxPt) => {
    codecs.push(codec);
    if (withRtx) codecs.push(rtx(rtxPt, codec.preferredPayloadType));
  };
  if (withVp8) add(videoCodec('video/VP8', 96), 97);
  add(videoCodec('video/VP9', 98, { 'profile-id': 0 }), 99);
  add(videoCodec('video/H264', 102, {
    'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42001f',
  }), 103);
  add(videoCodec('video/H264', 106, {
    'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42e01f',
  }), 107);
  add(videoCodec('video/H264', 127, {
    'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '4d001f',
  }), 125);
  add(videoCodec('video/AV1', 45), 46);
  return {
    codecs,
    headerExtensions: [
      ext('audio', URI.level, 1), ext('audio', URI.abs, 2), ext('audio', URI.tcc, 3),
      ext('audio', URI.mid, 4),
      ext('video', URI.toffset, 14), ext('video', URI.abs, 2), ext('video', URI.orient, 13),
      ext('video', URI.tcc, 3), ext('video', URI.playout, 12), ext('video', URI.mid, 4),
      ext('video', URI.rid, 10), ext('video', URI.rrid, 11),
    ],
  };
}

function fakeParameters(nativeCaps) {
  return {
    generateNativeRtpCapabilities: () => structuredClone(nativeCaps),
    generateNativeSctpCapabilities: () => ({ numStreams: { OS: 1024, MIS: 1024 } }),
    generateLocalDtlsParameters: () => ({
      role: 'auto',
      fingerprints: [{
        algorithm: 'sha-256',
        value: '82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD',
      }],
    }),
  };
}

let nextId = 1;
function remoteTransport() {
  return {
    id: `t${nextId++}`,
    iceParameters: { iceLite: true, usernameFragment: 'abcdefgh12345678', password: 'p'.repeat(32) },
    iceCandidates: [{
      foundation: 'udpcandidate', priority: 1078862079, ip: '198.18.0.1', address: '198.18.0.1',
      protocol: 'udp', port: 40000, type: 'host',
    }],
    dtlsParameters: {
      role: 'auto',
      fingerprints: [{
        algorithm: 'sha-256',
        value: 'A9:F4:E0:D2:74:D3:0F:D9:AA:6F:35:1A:9B:70:0A:D8:6F:6E:28:75:1C:B1:6D:C2:E7:45:5B:4C:9F:5E:44:5E',
      }],
    },
  };
}

const routerCaps = tool(['caps']);

async function loadDevice(nativeCaps) {
  const device = new msc.Device({ handlerFactory: msc.FakeHandler.createFactory(fakeParameters(nativeCaps)) });
  await device.load({ routerRtpCapabilities: structuredClone(routerCaps) });
  return device;
}

// Produces a fake track and returns the rtpParameters the client sends.
async function produce(device, kind, codecMime) {
  const transport = device.createSendTransport(remoteTransport());
  transport.on('connect', (_params, callback) => callback());
  let sent;
  transport.on('produce', ({ kind: k, rtpParameters }, callback) => {
    sent = { kind: k, rtpParameters };
    callback({ id: `p${nextId++}` });
  });
  const codec = codecMime
    ? device.rtpCapabilities.codecs.find((c) => c.mimeType.toLowerCase() === codecMime.toLowerCase())
    : undefined;
  const producer = await transport.produce({ track: new FakeMediaStreamTrack({ kind }), codec });
  assert.equal(producer.kind, kind);
  assert.equal(sent.kind, kind);
  return structuredClone(sent.rtpParameters);
}

async function consume(device, kind, rtpParameters) {
  const transport = device.createRecvTransport(remoteTransport());
  transport.on('connect', (_params, callback) => callback());
  return transport.consume({ id: `c${nextId++}`, producerId: 'p', kind, rtpParameters });
}

// Consumer parameters from our tool, checked with mediasoup-client.
function consumerParams(kind, producerParams, device) {
  const res = tool(['consume'], {
    kind, rtpParameters: producerParams, rtpCapabilities: device.rtpCapabilities,
    ssrc: 424242, cname: 'sluice-test',
  });
  assert.equal(res.ok, true, `ortc_tool: ${res.stage}: ${res.error}`);
  assert.equal(res.canConsume, 1);
  const copy = structuredClone(res.rtpParameters);
  msc.ortc.validateAndNormalizeRtpParameters(copy); // throws when invalid
  assert.ok(msc.ortc.canReceive(structuredClone(res.rtpParameters), device.rtpCapabilities));
  assert.equal(res.rtpParameters.mid, undefined);
  assert.equal(res.rtpParameters.encodings.length, 1);
  assert.equal(res.rtpParameters.encodings[0].ssrc, 424242);
  assert.deepEqual(res.rtpParameters.rtcp, { cname: 'sluice-test', reducedSize: true, mux: true });
  assert.equal(res.consumerMsg.paused, true);
  assert.equal(res.consumerMsg.ssrc, 424242);
  assert.equal(res.consumerMsg.ext.mid, 0);
  return res;
}

test('router capabilities load into a mediasoup-client Device', async () => {
  const copy = structuredClone(routerCaps);
  msc.ortc.validateAndNormalizeRtpCapabilities(copy);
  const mimes = routerCaps.codecs.map((c) => `${c.mimeType}/${c.preferredPayloadType}`);
  assert.deepEqual(mimes, [
    'audio/opus/100', 'video/VP8/101', 'video/rtx/102', 'video/VP9/103', 'video/rtx/104',
    'video/H264/105', 'video/rtx/106', 'video/H264/107', 'video/rtx/108',
  ]);
  const device = await loadDevice(chromeCaps());
  assert.equal(device.loaded, true);
  assert.equal(device.canProduce('audio'), true);
  assert.equal(device.canProduce('video'), true);
  // the device receives with the router's payload types and ids
  const recv = device.rtpCapabilities;
  assert.ok(recv.codecs.some((c) => c.mimeType === 'video/VP8' && c.preferredPayloadType === 101));
  assert.ok(recv.codecs.some((c) => c.mimeType === 'video/H264' && c.preferredPayloadType === 105));
  assert.ok(recv.codecs.some((c) => c.mimeType === 'video/H264' && c.preferredPayloadType === 107));
  assert.ok(recv.headerExtensions.some((e) => e.uri === URI.mid && e.preferredId === 1));
});

test('video VP8 simulcast (3 SSRC layers, L1T3): one consumer encoding, L3T3', async () => {
  const device = await loadDevice(chromeCaps());
  const sent = await produce(device, 'video');
  // what mediasoup-client sends for simulcast with explicit SSRCs
  sent.encodings = [
    { ssrc: 1111, rtx: { ssrc: 1112 }, scalabilityMode: 'L1T3', maxBitrate: 100000 },
    { ssrc: 2222, rtx: { ssrc: 2223 }, scalabilityMode: 'L1T3', maxBitrate: 300000 },
    { ssrc: 3333, rtx: { ssrc: 3334 }, scalabilityMode: 'L1T3', maxBitrate: 900000 },
  ];
  msc.ortc.validateAndNormalizeRtpParameters(structuredClone(sent));
  const res = consumerParams('video', sent, device);
  assert.equal(res.producer.type, 'simulcast');
  assert.deepEqual(res.producer.layers, [[1111, 1112], [2222, 2223], [3333, 3334]]);
  const c = res.rtpParameters;
  assert.equal(c.encodings[0].scalabilityMode, 'L3T3');
  assert.equal(c.encodings[0].maxBitrate, 900000);
  assert.equal(c.encodings[0].rtx.ssrc, 424243);
  const consumer = await consume(device, 'video', c);
  assert.equal(consumer.kind, 'video');
  assert.equal(consumer.rtpParameters.encodings[0].scalabilityMode, 'L3T3');
  // rid-only encodings (a browser's simulcast) are refused with a clear error
  sent.encodings = [{ rid: 'r0' }, { rid: 'r1' }, { rid: 'r2' }];
  const bad = tool(['consume'], {
    kind: 'video', rtpParameters: sent, rtpCapabilities: device.rtpCapabilities, ssrc: 5,
  });
  assert.equal(bad.ok, false);
  assert.match(bad.error, /rid-based encodings are not supported/);
});

test('audio: produce with Chrome PTs, consume with router PTs', async () => {
  const device = await loadDevice(chromeCaps());
  const sent = await produce(device, 'audio');
  assert.equal(sent.codecs[0].payloadType, 111);
  const res = consumerParams('audio', sent, device);
  const p = res.producer;
  assert.equal(p.payloadType, 111);
  assert.equal(p.routerPayloadType, 100);
  assert.deepEqual(p.ptMap, [[111, 100, false]]);
  assert.equal(p.ssrc, sent.encodings[0].ssrc);
  assert.equal(p.ext.audioLevel, 1);
  assert.equal(p.ext.mid, 4);
  assert.equal(p.ext.transportCc, 3);
  assert.equal(p.routerExt.audioLevel, 10);
  assert.equal(p.tcc, true);
  const c = res.rtpParameters;
  assert.deepEqual(c.codecs.map((x) => x.payloadType), [100]);
  assert.equal(c.encodings[0].rtx, undefined);
  // audio: no generic NACK, no RTX (mediasoup's enableRtx is video only)
  assert.ok(!c.codecs[0].rtcpFeedback.some((f) => f.type === 'nack'));
  assert.deepEqual(res.consumerMsg.ptMap, [[111, 100]]);
  assert.equal(res.consumerMsg.ext.audioLevel, 10);
  const consumer = await consume(device, 'audio', c);
  assert.equal(consumer.kind, 'audio');
  assert.equal(consumer.track.kind, 'audio');
  assert.equal(consumer.rtpParameters.codecs[0].payloadType, 100);
});

test('video VP8 with RTX: mapped and consumable', async () => {
  const device = await loadDevice(chromeCaps());
  const sent = await produce(device, 'video');
  assert.equal(sent.codecs[0].mimeType, 'video/VP8');
  const res = consumerParams('video', sent, device);
  assert.deepEqual(res.producer.ptMap, [[96, 101, false], [97, 102, true]]);
  assert.equal(res.producer.rtxSsrc, sent.encodings[0].rtx.ssrc);
  assert.equal(res.producer.ext.videoOrientation, 13);
  assert.equal(res.producer.routerExt.videoOrientation, 11);
  assert.ok(res.producer.nack && res.producer.pli && res.producer.fir && res.producer.tcc);
  const c = res.rtpParameters;
  assert.deepEqual(c.codecs.map((x) => `${x.mimeType}/${x.payloadType}`), ['video/VP8/101', 'video/rtx/102']);
  assert.equal(c.encodings[0].rtx.ssrc, 424243);
  assert.ok(c.codecs[0].rtcpFeedback.some((f) => f.type === 'transport-cc'));
  assert.ok(!c.codecs[0].rtcpFeedback.some((f) => f.type === 'goog-remb'));
  for (const e of c.headerExtensions) {
    const r = routerCaps.headerExtensions.find((x) => x.kind === 'video' && x.uri === e.uri);
    assert.equal(e.id, r.preferredId, e.uri);
  }
  assert.deepEqual(res.consumerMsg.ptMap, [[96, 101]]);
  assert.equal(res.consumerMsg.rtxPayloadType, 102);
  assert.equal(res.consumerMsg.rtxSsrc, 424243);
  const consumer = await consume(device, 'video', c);
  assert.equal(consumer.kind, 'video');
  assert.equal(consumer.track.kind, 'video');
});

test('video H264 and VP9 chosen by codec', async () => {
  const device = await loadDevice(chromeCaps());
  const h264 = await produce(device, 'video', 'video/H264');
  assert.equal(h264.codecs[0].mimeType, 'video/H264');
  let res = consumerParams('video', h264, device);
  assert.equal(res.producer.routerPayloadType, 105);
  assert.equal(res.rtpParameters.codecs[0].parameters['profile-level-id'], '42e01f');
  assert.equal(res.rtpParameters.codecs[0].parameters['packetization-mode'], 1);
  await consume(device, 'video', res.rtpParameters);

  const vp9 = await produce(device, 'video', 'video/VP9');
  res = consumerParams('video', vp9, device);
  assert.equal(res.producer.routerPayloadType, 103);
  assert.deepEqual(res.rtpParameters.codecs.map((x) => x.payloadType), [103, 104]);
  await consume(device, 'video', res.rtpParameters);
});

test('consumers with server-assigned mids share a recv transport', async () => {
  const device = await loadDevice(chromeCaps());
  const sent = await produce(device, 'video');
  const transport = device.createRecvTransport(remoteTransport());
  transport.on('connect', (_params, callback) => callback());
  for (const mid of [0, 1, 2]) {
    const res = tool(['consume'], {
      kind: 'video', rtpParameters: sent, rtpCapabilities: device.rtpCapabilities,
      ssrc: 1000 + 2 * mid, mid,
    });
    assert.equal(res.ok, true, res.error);
    assert.equal(res.rtpParameters.mid, String(mid));
    msc.ortc.validateAndNormalizeRtpParameters(structuredClone(res.rtpParameters));
    const consumer = await transport.consume({
      id: `c${nextId++}`, producerId: 'p', kind: 'video', rtpParameters: res.rtpParameters,
    });
    assert.equal(consumer.rtpParameters.mid, String(mid));
  }
});

test('a consumer without RTX gets no RTX', async () => {
  const sender = await loadDevice(chromeCaps());
  const receiver = await loadDevice(chromeCaps({ withRtx: false }));
  const sent = await produce(sender, 'video');
  const res = consumerParams('video', sent, receiver);
  assert.deepEqual(res.rtpParameters.codecs.map((x) => x.mimeType), ['video/VP8']);
  assert.equal(res.rtpParameters.encodings[0].rtx, undefined);
  assert.equal(res.consumerMsg.rtxSsrc, 0);
  assert.equal(res.consumerMsg.rtxPayloadType, 0);
  const consumer = await consume(receiver, 'video', res.rtpParameters);
  assert.equal(consumer.kind, 'video');
});

test('a consumer without the codec cannot consume', async () => {
  const sender = await loadDevice(chromeCaps());
  const receiver = await loadDevice(chromeCaps({ withVp8: false }));
  assert.equal(receiver.canProduce('video'), true); // it still has H264
  const sent = await produce(sender, 'video');
  const res = tool(['consume'], { kind: 'video', rtpParameters: sent, rtpCapabilities: receiver.rtpCapabilities });
  assert.equal(res.ok, false);
  assert.equal(res.stage, 'consume');
  assert.equal(res.canConsume, 0);
  assert.match(res.error, /no compatible media codecs/);
});

test('malformed producer parameters are refused with a message', () => {
  const res = tool(['consume'], {
    kind: 'video',
    rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: '96', clockRate: 90000 }] },
    rtpCapabilities: routerCaps,
  });
  assert.equal(res.ok, false);
  assert.equal(res.stage, 'produce');
  assert.match(res.error, /payloadType/);
});
