// SPDX-License-Identifier: MIT
//
// e2ee.test.mjs - unit tests of the demo's frame crypto
// (controlplane/demo/e2ee.js) on Node's WebCrypto: node --test e2ee.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deriveKey, clearBytes, encryptFrame, decryptFrame, IvSource, KeyRing,
  OVERHEAD, IV_LEN, TRAILER_LEN, KEYRING_SIZE, PBKDF2_ITERATIONS,
} from '../../controlplane/demo/e2ee.js';

const ITER = 1000; // fast derivations for most tests; one test uses the real count

function frame(len, seed = 1) {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (i * 31 + seed * 7) & 0xff;
  return f;
}

async function ring(pass, room = 'room-1', keyId = 0, iter = ITER) {
  const r = new KeyRing();
  r.set(keyId, await deriveKey(pass, room, iter));
  return r;
}

test('PBKDF2 iteration count is at least 100000', () => {
  assert.ok(PBKDF2_ITERATIONS >= 100000);
});

test('round trip with the real iteration count, audio and video', async () => {
  const r = await ring('correct horse', 'room-1', 0, PBKDF2_ITERATIONS);
  const ivs = new IvSource();
  for (const [kind, type, len] of [['video', 'key', 1200], ['video', 'delta', 300],
                                   ['audio', undefined, 80]]) {
    const pt = frame(len, len);
    const n = clearBytes(kind, type, pt.length);
    const ct = await encryptFrame(r.get(0), 0, ivs.next(), pt, n);
    assert.equal(ct.length, pt.length + OVERHEAD);
    const back = await decryptFrame(r, ct);
    assert.equal(back.ok, true, `${kind}/${type}`);
    assert.equal(back.keyId, 0);
    assert.deepEqual(back.data, pt);
  }
});

test('same passphrase and room derive the same key, on separate sides', async () => {
  const tx = await ring('pw', 'r');
  const rx = await ring('pw', 'r');
  const pt = frame(500);
  const ct = await encryptFrame(tx.get(0), 0, new IvSource().next(), pt, 10);
  assert.deepEqual((await decryptFrame(rx, ct)).data, pt);
});

test('wrong passphrase or other room fails authentication', async () => {
  const tx = await ring('right');
  const pt = frame(400);
  const ct = await encryptFrame(tx.get(0), 0, new IvSource().next(), pt, 10);
  assert.deepEqual(await decryptFrame(await ring('wrong'), ct), { ok: false, reason: 'auth' });
  assert.deepEqual(await decryptFrame(await ring('right', 'room-2'), ct),
                   { ok: false, reason: 'auth' });
});

test('unknown key id is reported, short frames are rejected', async () => {
  const tx = await ring('k', 'room-1', 7);
  const ct = await encryptFrame(tx.get(7), 7, new IvSource().next(), frame(100), 3);
  assert.equal(ct[ct.length - 1], 7);
  assert.deepEqual(await decryptFrame(await ring('k', 'room-1', 6), ct),
                   { ok: false, reason: 'no-key' });
  for (const len of [0, 1, OVERHEAD - 1])
    assert.deepEqual(await decryptFrame(tx, new Uint8Array(len)), { ok: false, reason: 'short' });
  // a clearLen byte that claims more header than the frame holds
  const bad = new Uint8Array(OVERHEAD + 5);
  bad[bad.length - 2] = 200;
  bad[bad.length - 1] = 7;
  assert.deepEqual(await decryptFrame(tx, bad), { ok: false, reason: 'short' });
});

test('flipping any single byte fails (header, ciphertext, tag, IV, clearLen)', async () => {
  const r = await ring('tamper');
  const pt = frame(64);
  const ct = await encryptFrame(r.get(0), 0, new IvSource().next(), pt, 10);
  // every byte except the key id (a changed key id is 'no-key', checked above)
  for (let i = 0; i < ct.length - 1; i++) {
    const t = ct.slice();
    t[i] ^= 0x01;
    const res = await decryptFrame(r, t);
    assert.equal(res.ok, false, `byte ${i} of ${ct.length}`);
  }
  assert.equal((await decryptFrame(r, ct)).ok, true);
});

test('header bytes stay in clear, the rest does not', async () => {
  const r = await ring('hdr');
  const ivs = new IvSource();
  const cases = [['video', 'key', 10], ['video', 'delta', 3], ['audio', undefined, 1]];
  for (const [kind, type, want] of cases) {
    const pt = frame(256, want);
    const n = clearBytes(kind, type, pt.length);
    assert.equal(n, want);
    const ct = await encryptFrame(r.get(0), 0, ivs.next(), pt, n);
    assert.deepEqual(ct.subarray(0, n), pt.subarray(0, n));
    assert.equal(ct[ct.length - 2], n);
    // the encrypted part differs from the plaintext (equal bytes by chance: few)
    let same = 0;
    for (let i = n; i < pt.length; i++) if (ct[i] === pt[i]) same++;
    assert.ok(same < 16, `${same} bytes equal to the plaintext`);
  }
  // frames shorter than the header are kept whole (and still authenticated)
  assert.equal(clearBytes('video', 'key', 4), 4);
  const tiny = frame(4);
  const ct = await encryptFrame(r.get(0), 0, ivs.next(), tiny, 4);
  assert.deepEqual((await decryptFrame(r, ct)).data, tiny);
  const empty = await encryptFrame(r.get(0), 0, ivs.next(), new Uint8Array(0), 0);
  assert.equal(empty.length, OVERHEAD);
  assert.equal((await decryptFrame(r, empty)).data.length, 0);
});

test('IVs are unique per stream and across streams, and sit in the trailer', async () => {
  const seen = new Set();
  for (let s = 0; s < 4; s++) {
    const ivs = new IvSource();
    for (let i = 0; i < 2000; i++) {
      const iv = ivs.next();
      assert.equal(iv.length, IV_LEN);
      const h = Buffer.from(iv).toString('hex');
      assert.ok(!seen.has(h), `IV repeated: ${h}`);
      seen.add(h);
    }
  }
  const r = await ring('iv');
  const ivs = new IvSource();
  const iv1 = ivs.next();
  const pt = frame(50);
  const a = await encryptFrame(r.get(0), 0, iv1, pt, 1);
  const b = await encryptFrame(r.get(0), 0, ivs.next(), pt, 1);
  assert.deepEqual(a.subarray(a.length - TRAILER_LEN, a.length - 2), iv1);
  assert.notDeepEqual(a, b, 'same plaintext, different IV: different ciphertext');
});

test('key ring: rotation keeps recent keys, forgets old ones', async () => {
  const r = new KeyRing();
  const keys = [];
  for (let id = 0; id < KEYRING_SIZE + 2; id++) {
    keys.push(await deriveKey(`pass-${id}`, 'rot', ITER));
    r.set(id, keys[id]);
    assert.equal(r.current, id);
  }
  const pt = frame(100);
  const last = KEYRING_SIZE + 1;
  const ctNew = await encryptFrame(keys[last], last, new IvSource().next(), pt, 3);
  assert.deepEqual((await decryptFrame(r, ctNew)).data, pt);
  const prev = last - 1; // a frame in flight under the previous key still decrypts
  const ctPrev = await encryptFrame(keys[prev], prev, new IvSource().next(), pt, 3);
  assert.equal((await decryptFrame(r, ctPrev)).ok, true);
  const ctOld = await encryptFrame(keys[0], 0, new IvSource().next(), pt, 3);
  assert.equal((await decryptFrame(r, ctOld)).reason, 'no-key');
  assert.throws(() => r.set(256, keys[0]), RangeError);
});

test('bad arguments are refused', async () => {
  await assert.rejects(deriveKey('', 'room', ITER), TypeError);
  await assert.rejects(deriveKey('pw', '', ITER), TypeError);
  const r = await ring('args');
  await assert.rejects(encryptFrame(r.get(0), 0, new Uint8Array(8), frame(10), 1), RangeError);
  await assert.rejects(encryptFrame(r.get(0), 0, new IvSource().next(), frame(10), 11),
                       RangeError);
});
