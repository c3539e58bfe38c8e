// SPDX-License-Identifier: MIT
//
// Helpers of the signaling suite: tokens (HS256 with node:crypto), socket.io
// clients (npm socket.io-client, websocket transport), requests with acks,
// and an inbox of notifications per socket with waits on conditions (every
// wait is on an event; timeouts are only a safety net).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after } from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const require = createRequire(path.join(here, '..', 'package.json'));
const { io } = require('socket.io-client');

export const URL = process.env.SIG_URL;
export const URL_NODP = process.env.SIG_URL_NODP;
export const SECRET = process.env.SIG_SECRET;
if (!URL || !URL_NODP || !SECRET) throw new Error('run through run_signaling.sh (SIG_URL, SIG_URL_NODP, SIG_SECRET)');

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const WAIT_MS = 20000;

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');

// A token signed with `secret`; claims override the defaults (exp in 1 h).
export function mint(claims = {}, { secret = SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const payload = { sub: 'user', exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const h = b64(header);
  const p = b64(payload);
  const sig = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

export const uniq = (prefix) => `${prefix}-${crypto.randomUUID()}`;

// every socket of the file is closed at its end, even after a failed test
// (an open socket would keep the test process alive)
const live = new Set();
after(() => { for (const s of live) s.close(); });

// Records every event a socket receives.
export class Inbox {
  constructor(sock) {
    this.events = [];
    this.waiters = [];
    sock.onAny((name, data) => {
      this.events.push({ name, data });
      this.waiters = this.waiters.filter((w) => !(w.check() && (w.resolve(), true)));
    });
  }

  of(name) {
    return this.events.filter((e) => e.name === name).map((e) => e.data);
  }

  // Resolves once pred() is true (checked now and after every event).
  until(pred, what = 'condition') {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
      this.waiters.push({ check: pred, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  // Resolves with the data of the n-th event `name` (1-based count).
  async waitFor(name, n = 1) {
    await this.until(() => this.of(name).length >= n, `${n} x ${name}`);
    return this.of(name)[n - 1];
  }
}

// Connects; resolves with the socket (inbox attached as sock.inbox) or
// rejects with the connect_error.
export function connect({ url = URL, token, auth, sub = 'user', claims = {}, nsp = '' } = {}) {
  const a = auth !== undefined ? auth : { token: token ?? mint({ sub, ...claims }) };
  const sock = io(url + nsp, {
    transports: ['websocket'], auth: a, reconnection: false, forceNew: true, timeout: WAIT_MS,
  });
  sock.inbox = new Inbox(sock);
  live.add(sock);
  return new Promise((resolve, reject) => {
    sock.once('connect', () => resolve(sock));
    sock.once('connect_error', (err) => { sock.close(); reject(err); });
  });
}

// A request with ack; resolves with the answer.
export function req(sock, event, payload) {
  return sock.timeout(WAIT_MS).emitWithAck(event, payload);
}

// A request that must fail with `code`; returns the answer.
export async function reqFail(sock, event, payload, code) {
  const r = await req(sock, event, payload);
  assert.equal(r.code, code, `${event} ${JSON.stringify(payload)?.slice(0, 200)} -> ${JSON.stringify(r)}`);
  assert.equal(typeof r.error, 'string');
  assert.ok(r.error.length > 0);
  assert.deepEqual(Object.keys(r).sort(), ['code', 'error']);
  return r;
}

export async function reqOk(sock, event, payload) {
  const r = await req(sock, event, payload);
  assert.equal(r.code, undefined, `${event} failed: ${JSON.stringify(r)}`);
  return r;
}

export function closed(sock) {
  if (sock.disconnected && !sock.active) return Promise.resolve('already');
  return new Promise((resolve) => sock.once('disconnect', (reason) => resolve(reason)));
}

export async function joinNew(channelId, sub = 'user', claims = {}) {
  const sock = await connect({ sub, claims });
  const res = await reqOk(sock, 'mediasoup:join', { channelId });
  sock.peerId = res.peerId;
  sock.joinAnswer = res;
  return sock;
}

export function closeAll(socks) {
  for (const s of socks) s.close();
}

// rtpParameters as a browser (mediasoup-client) sends them for audio/opus.
export function opusParams(ssrc) {
  return {
    mid: '0',
    codecs: [{
      mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2,
      parameters: { minptime: 10, useinbandfec: 1 },
      rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
    }],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4, encrypt: false, parameters: {} },
      { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 1, encrypt: false, parameters: {} },
    ],
    encodings: [{ ssrc, dtx: false }],
    rtcp: { cname: `cname-${ssrc}`, reducedSize: true },
  };
}

export function vp8Params(ssrc) {
  const fb = [
    { type: 'goog-remb', parameter: '' }, { type: 'transport-cc', parameter: '' },
    { type: 'ccm', parameter: 'fir' }, { type: 'nack', parameter: '' }, { type: 'nack', parameter: 'pli' },
  ];
  return {
    mid: '1',
    codecs: [
      { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: fb },
      { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4, encrypt: false, parameters: {} },
      { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 2, encrypt: false, parameters: {} },
    ],
    encodings: [{ ssrc, rtx: { ssrc: ssrc + 1 } }],
    rtcp: { cname: `cname-${ssrc}`, reducedSize: true },
  };
}

export const FP = (byte = 'AB') => Array(32).fill(byte).join(':');
