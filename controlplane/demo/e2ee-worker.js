// SPDX-License-Identifier: MIT
//
// e2ee-worker.js - the worker behind every RTCRtpScriptTransform of a page
// (see e2ee.js for the frame format). One worker serves all the senders and
// receivers of an E2eeSession; each transform is told its side, kind and id
// in its options.
//
// Messages from the page: { seq, type: 'key', keyId, key } (a CryptoKey) and
// { seq, type: 'stats' }; each is answered { seq, result } or { seq, error }.
// Per-stream counters (frames in, ok, dropped by reason, bytes, and a short
// hex sample of the last frame before and after the transform, Date.now() of
// the first frame, first key frame, first frame passed) are kept for
// the page's stats line and for the tests.

import { KeyRing, IvSource, clearBytes, encryptFrame, decryptFrame } from './e2ee.js';

const ring = new KeyRing();
const streams = new Map(); // id -> counters
const SAMPLE = 24;         // bytes of the last frame kept as hex

function hex(u8) {
  let s = '';
  for (let i = 0; i < Math.min(u8.length, SAMPLE); i++) s += u8[i].toString(16).padStart(2, '0');
  return s;
}

function counters(opts) {
  const c = { side: opts.side, kind: opts.kind, frames: 0, ok: 0, dropped: 0, reasons: {},
              bytesIn: 0, bytesOut: 0, lastIn: '', lastOut: '', lastInLen: 0, lastOutLen: 0,
              keyFrames: 0, firstAt: 0, firstKeyAt: 0, firstOkAt: 0 };
  streams.set(String(opts.id), c);
  return c;
}

// Notes a frame (and when the first, the first key frame came: Date.now()).
function seen(c, frame, len) {
  const now = Date.now();
  c.frames++;
  c.bytesIn += len;
  if (!c.firstAt) c.firstAt = now;
  if (frame.type === 'key') {
    c.keyFrames++;
    if (!c.firstKeyAt) c.firstKeyAt = now;
  }
}

function passed(c, data, out) {
  c.lastIn = hex(data); c.lastInLen = data.length;
  c.lastOut = hex(out); c.lastOutLen = out.length;
  c.ok++;
  c.bytesOut += out.length;
  if (!c.firstOkAt) c.firstOkAt = Date.now();
}

function drop(c, reason) {
  c.dropped++;
  c.reasons[reason] = (c.reasons[reason] || 0) + 1;
}

// The transform of one sender: encrypt with the current key, or drop the
// frame while there is no key.
function sendTransform(opts, c) {
  const ivs = new IvSource();
  return async (frame, controller) => {
    const data = new Uint8Array(frame.data);
    seen(c, frame, data.length);
    const key = ring.get(ring.current);
    if (!key) return drop(c, 'no-key');
    let out;
    try {
      out = await encryptFrame(key, ring.current, ivs.next(), data,
                               clearBytes(opts.kind, frame.type, data.length));
    } catch {
      return drop(c, 'encrypt');
    }
    passed(c, data, out);
    frame.data = out.buffer;
    controller.enqueue(frame);
  };
}

// The transform of one receiver: decrypt, or drop the frame.
function recvTransform(opts, c) {
  return async (frame, controller) => {
    const data = new Uint8Array(frame.data);
    seen(c, frame, data.length);
    const r = await decryptFrame(ring, data);
    if (!r.ok) return drop(c, r.reason);
    passed(c, data, r.data);
    frame.data = r.data.buffer;
    controller.enqueue(frame);
  };
}

function setup(transformer) {
  const opts = transformer.options || {};
  const c = counters(opts);
  const fn = opts.side === 'send' ? sendTransform(opts, c) : recvTransform(opts, c);
  transformer.readable
    .pipeThrough(new TransformStream({ transform: fn }))
    .pipeTo(transformer.writable)
    .catch(() => {}); // the stream ends when its sender/receiver goes away
}

self.onrtctransform = (ev) => setup(ev.transformer);

self.onmessage = (ev) => {
  const m = ev.data || {};
  try {
    if (m.type === 'key') {
      ring.set(m.keyId, m.key);
      self.postMessage({ seq: m.seq, result: { keyId: m.keyId } });
    } else if (m.type === 'stats') {
      self.postMessage({ seq: m.seq, result: Object.fromEntries(streams) });
    } else {
      self.postMessage({ seq: m.seq, error: `unknown message ${m.type}` });
    }
  } catch (e) {
    self.postMessage({ seq: m.seq, error: String(e && e.message || e) });
  }
};
