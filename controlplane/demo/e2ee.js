// SPDX-License-Identifier: MIT
//
// e2ee.js - end-to-end encryption of encoded media frames for the Sluice demo.
//
// Sluice (the SFU) forwards what the browsers send and never holds a media
// key. Each browser encrypts every encoded frame before packetization, with
// an encoded transform (RTCRtpScriptTransform) running e2ee-worker.js, and
// decrypts every received frame the same way.
//
// Key:   AES-256-GCM, derived from the room passphrase with PBKDF2-SHA-256,
//        salt "sluice-e2ee/v1/" + room name, PBKDF2_ITERATIONS iterations.
//        Everyone in a room who knows the passphrase derives the same key.
// Frame: [header, clear] [AES-GCM(payload) || tag 16] [IV 12] [clearLen 1] [keyId 1]
//   - header: the first clearLen bytes of the frame, left in clear so that
//     the packetizer, the SFU and the receiver's depacketizer can still see
//     what they look at (VP8: 10 bytes of a key frame, 3 of a delta frame,
//     i.e. the frame tag and the key-frame start code + size; Opus: the TOC
//     byte). It is authenticated as additional data, as are the clearLen and
//     keyId bytes, so tampering with any byte of the frame fails decryption.
//   - IV: 8 random bytes chosen per encryptor (per sending stream) followed
//     by a 32-bit big-endian frame counter, so IVs never repeat within a
//     stream and collide across the streams sharing a key with chance 2^-64.
//   - keyId: which key of the ring encrypted the frame (rotation: a receiver
//     keeps the last KEYRING_SIZE keys, so frames in flight still decrypt).
// A frame that fails (unknown key, short, forged, wrong passphrase) is
// dropped, never passed on: the decoder then gets nothing for that stream.
//
// The functions above the "browser side" line are pure and run in Node's
// WebCrypto as well (unit-tested by tests/e2e/e2ee.test.mjs); E2eeSession
// below is the page side and needs a browser.

export const PBKDF2_ITERATIONS = 200000;
export const IV_LEN = 12;
export const TAG_LEN = 16;
export const TRAILER_LEN = IV_LEN + 2; // IV, clearLen, keyId
export const OVERHEAD = TAG_LEN + TRAILER_LEN;
export const KEYRING_SIZE = 4;
const SALT_PREFIX = 'sluice-e2ee/v1/';
const utf8 = new TextEncoder();

// Derives the room key. Returns a non-extractable AES-GCM CryptoKey (it can
// still be posted to a worker: CryptoKey is structured-cloneable).
export async function deriveKey(passphrase, room, iterations = PBKDF2_ITERATIONS) {
  if (typeof passphrase !== 'string' || passphrase.length === 0)
    throw new TypeError('empty passphrase');
  if (typeof room !== 'string' || room.length === 0) throw new TypeError('empty room name');
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', utf8.encode(passphrase), 'PBKDF2', false,
                                      ['deriveKey']);
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: utf8.encode(SALT_PREFIX + room), iterations },
    base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

// Number of leading bytes of a frame that stay in clear.
// kind: 'audio' | 'video'; frameType: RTCEncodedVideoFrame.type ('key',
// 'delta', 'empty') or undefined for audio; len: the frame's length.
export function clearBytes(kind, frameType, len) {
  let n;
  if (kind === 'audio') n = 1;           // Opus TOC byte
  else if (frameType === 'key') n = 10;  // VP8 frame tag (3) + start code (3) + size (4)
  else n = 3;                            // VP8 frame tag
  return Math.min(n, len);
}

// Source of unique IVs for one sending stream (see the header comment).
export class IvSource {
  constructor() {
    this.prefix = new Uint8Array(8);
    this.counter = 0;
    globalThis.crypto.getRandomValues(this.prefix);
  }

  next() {
    if (this.counter > 0xffffffff) { // 2^32 frames: new random prefix
      globalThis.crypto.getRandomValues(this.prefix);
      this.counter = 0;
    }
    const iv = new Uint8Array(IV_LEN);
    iv.set(this.prefix);
    new DataView(iv.buffer).setUint32(8, this.counter++);
    return iv;
  }
}

// The keys a side knows, by key id (0..255); `current` encrypts.
export class KeyRing {
  constructor() {
    this.keys = new Map();
    this.current = -1;
  }

  // Adds (or replaces) a key and makes it current; forgets the oldest beyond
  // KEYRING_SIZE.
  set(keyId, key) {
    if (!Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new RangeError('keyId');
    this.keys.delete(keyId);
    this.keys.set(keyId, key);
    this.current = keyId;
    while (this.keys.size > KEYRING_SIZE) this.keys.delete(this.keys.keys().next().value);
  }

  get(keyId) { return this.keys.get(keyId); }
}

function aad(header, clearLen, keyId) {
  const a = new Uint8Array(header.length + 2);
  a.set(header);
  a[header.length] = clearLen;
  a[header.length + 1] = keyId;
  return a;
}

// Encrypts one frame. data: Uint8Array (the encoded frame); clearLen: from
// clearBytes(); iv: 12 bytes from IvSource.next(). Returns a new Uint8Array
// of data.length + OVERHEAD bytes in the frame format above.
export async function encryptFrame(key, keyId, iv, data, clearLen) {
  if (iv.length !== IV_LEN) throw new RangeError('iv length');
  if (clearLen < 0 || clearLen > data.length || clearLen > 255) throw new RangeError('clearLen');
  const header = data.subarray(0, clearLen);
  const ct = new Uint8Array(await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: aad(header, clearLen, keyId), tagLength: 128 },
    key, data.subarray(clearLen)));
  const out = new Uint8Array(clearLen + ct.length + TRAILER_LEN);
  out.set(header, 0);
  out.set(ct, clearLen);
  out.set(iv, clearLen + ct.length);
  out[out.length - 2] = clearLen;
  out[out.length - 1] = keyId;
  return out;
}

// Decrypts one frame. keys: a KeyRing (or anything with get(keyId)).
// Returns { ok: true, data, keyId } or { ok: false, reason } with reason
// 'short' (cannot hold header, tag and trailer), 'no-key' (unknown key id)
// or 'auth' (wrong key, or the frame was altered). Never throws for bad
// input.
export async function decryptFrame(keys, data) {
  if (data.length < OVERHEAD) return { ok: false, reason: 'short' };
  const clearLen = data[data.length - 2];
  const keyId = data[data.length - 1];
  if (data.length < clearLen + OVERHEAD) return { ok: false, reason: 'short' };
  const key = keys.get(keyId);
  if (!key) return { ok: false, reason: 'no-key' };
  const header = data.subarray(0, clearLen);
  const ivAt = data.length - TRAILER_LEN;
  const iv = data.subarray(ivAt, ivAt + IV_LEN);
  let pt;
  try {
    pt = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: aad(header, clearLen, keyId), tagLength: 128 },
      key, data.subarray(clearLen, ivAt));
  } catch {
    return { ok: false, reason: 'auth' };
  }
  const out = new Uint8Array(clearLen + pt.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(pt), clearLen);
  return { ok: true, data: out, keyId };
}

// ---------------------------------------------------------- browser side

// True when this browser can run the encoded transforms E2EE needs.
export function e2eeSupported() {
  return typeof globalThis.RTCRtpScriptTransform === 'function' &&
         typeof globalThis.Worker === 'function';
}

// One E2EE worker and the transforms of one page (or one call).
//   const s = new E2eeSession('e2ee-worker.js');
//   await s.setPassphrase(pass, room, 0);     // before any media flows
//   s.attachSender(rtpSender, 'video', id);   // e.g. in mediasoup-client's onRtpSender
//   s.attachReceiver(rtpReceiver, 'video', id);
//   await s.stats();  // { [id]: { side, kind, frames, ok, dropped, reasons, ... } }
// A sender with no key yet drops its frames (never sends plaintext).
export class E2eeSession {
  constructor(workerUrl) {
    if (!e2eeSupported()) throw new Error('this browser has no RTCRtpScriptTransform: E2EE impossible');
    this.worker = new Worker(workerUrl, { type: 'module' });
    this.seq = 0;
    this.waiting = new Map();
    this.worker.onmessage = (ev) => {
      const w = this.waiting.get(ev.data.seq);
      if (!w) return;
      this.waiting.delete(ev.data.seq);
      if (ev.data.error) w.reject(new Error(ev.data.error));
      else w.resolve(ev.data.result);
    };
    this.worker.onerror = (ev) => {
      for (const w of this.waiting.values()) w.reject(new Error(`e2ee worker: ${ev.message}`));
      this.waiting.clear();
    };
  }

  call(type, args = {}) {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ seq, type, ...args });
    });
  }

  // Derives the key here (PBKDF2 is slow on purpose) and hands it to the
  // worker as the current key with this id; resolves once the worker has it.
  async setPassphrase(passphrase, room, keyId = 0, iterations = PBKDF2_ITERATIONS) {
    const key = await deriveKey(passphrase, room, iterations);
    await this.call('key', { keyId, key });
  }

  attachSender(sender, kind, id) {
    sender.transform = new globalThis.RTCRtpScriptTransform(this.worker, { side: 'send', kind, id });
  }

  attachReceiver(receiver, kind, id) {
    receiver.transform = new globalThis.RTCRtpScriptTransform(this.worker, { side: 'recv', kind, id });
  }

  stats() { return this.call('stats'); }

  close() {
    this.worker.terminate();
    for (const w of this.waiting.values()) w.reject(new Error('e2ee session closed'));
    this.waiting.clear();
  }
}
