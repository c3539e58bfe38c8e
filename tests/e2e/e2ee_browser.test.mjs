// SPDX-License-Identifier: MIT
//
// e2ee_browser.test.mjs - the demo's E2EE transforms in a real Chromium,
// without any server: loopback.html connects two RTCPeerConnections inside
// one page, sends the fake camera + microphone through the sender transform
// (controlplane/demo/e2ee-worker.js, or its bundle from the build when
// SLUICE_DEMO_BUILD names <build>/demo) and receives through the receiver
// transform.
//   - same passphrase: the remote video decodes frames (requestVideoFrameCallback
//     count and non-black pixels), audio frames decrypt, what leaves the sender
//     transform differs from what enters it (beyond the clear header) and is
//     OVERHEAD bytes longer;
//   - different passphrase: packets arrive but every frame fails
//     authentication and is dropped, so nothing decodes;
//   - key rotation: the sender moves to key id 1 (new passphrase); a receiver
//     without it drops frames as 'no-key', and decodes again once it has it.
// Every wait is a bounded poll; nothing asserts on elapsed time.
//
// Run (as test_e2ee_browser.sh does, inside a network namespace):
//   node --test tests/e2e/e2ee_browser.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic, launchChromium, pollUntil, watchPage, DEMO_SRC } from './lib.mjs';
import { OVERHEAD } from '../../controlplane/demo/e2ee.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD = process.env.SLUICE_DEMO_BUILD || '';
const T = { timeout: 120000 };

let server;
let browser;
const problems = [];

before(async () => {
  const mounts = { '/demo/': DEMO_SRC };
  if (BUILD) {
    assert.ok(fs.existsSync(path.join(BUILD, 'e2ee-worker.js')), `no worker bundle in ${BUILD}`);
    mounts['/bundle/'] = BUILD;
  }
  mounts['/'] = here;
  server = await serveStatic(mounts);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (problems.length) console.log(problems.join('\n'));
});

async function loopback(sendPass, recvPass) {
  const page = await browser.newPage();
  watchPage(page, `${sendPass}/${recvPass}`, problems);
  await page.goto(`${server.url}/loopback.html`);
  const workerUrl = BUILD ? '/bundle/e2ee-worker.js' : '/demo/e2ee-worker.js';
  await page.evaluate((o) => window.startLoopback(o),
                      { sendPass, recvPass, room: 'loopback-room', workerUrl });
  return page;
}

const status = (page) => page.evaluate(() => window.loopbackStatus());

test('same passphrase: video decodes, audio decrypts, ciphertext != plaintext', T, async () => {
  const page = await loopback('correct horse battery', 'correct horse battery');
  const s = await pollUntil(async () => {
    const v = await status(page);
    return v.frames > 30 && v.lit > 0 && (v.rx['rx-audio']?.ok ?? 0) > 20 ? v : null;
  }, { maxTries: 600 }) || await status(page);
  console.log(`# loopback: time to first decoded frame ${s.firstFrameMs?.toFixed(0)} ms, ` +
              `${s.frames} frames, ice ${s.ice}, codec ${s.inbound.video?.codec}`);
  assert.ok(s.frames > 30, `decoded frames: ${s.frames} ${JSON.stringify(s)}`);
  assert.ok(s.lit > 0, 'the remote video is not all black');
  assert.equal(s.inbound.video.codec, 'video/VP8');
  assert.ok(s.inbound.video.framesDecoded > 30);

  const txv = s.tx['tx-video'];
  const rxv = s.rx['rx-video'];
  assert.ok(txv.ok > 30 && txv.keyFrames >= 1, JSON.stringify(txv));
  assert.equal(txv.dropped, 0);
  assert.ok(rxv.ok > 30, JSON.stringify(rxv));
  assert.equal(rxv.dropped, 0, JSON.stringify(rxv.reasons));
  for (const c of [txv, s.tx['tx-audio']]) {
    // the sample is the first 24 bytes: 3 (video delta) or 1 (audio) in clear
    const clear = c.kind === 'audio' ? 1 : 3;
    assert.equal(c.lastOutLen, c.lastInLen + OVERHEAD);
    assert.equal(c.lastOut.slice(0, 2 * clear), c.lastIn.slice(0, 2 * clear));
    assert.notEqual(c.lastOut.slice(2 * 10), c.lastIn.slice(2 * 10), 'payload encrypted');
  }
  // the receiver gets what the sender made and restores the plaintext size
  assert.equal(rxv.bytesIn - rxv.bytesOut, rxv.ok * OVERHEAD);
  await page.evaluate(() => window.stopLoopback());
  await page.close();
});

test('different passphrase: packets arrive, nothing decodes', T, async () => {
  const page = await loopback('correct horse battery', 'wrong passphrase');
  const s = await pollUntil(async () => {
    const v = await status(page);
    const rv = v.rx['rx-video'];
    return (v.inbound.video?.packets ?? 0) > 100 && rv && rv.dropped > 30 &&
           (v.rx['rx-audio']?.dropped ?? 0) > 20 ? v : null;
  }, { maxTries: 600 }) || await status(page);
  const rxv = s.rx['rx-video'];
  console.log(`# wrong key: ${s.inbound.video?.packets} video packets received, ` +
              `${rxv?.dropped} frames dropped ${JSON.stringify(rxv?.reasons)}, ${s.frames} shown`);
  assert.ok(s.inbound.video.packets > 100, 'media packets reach the receiver');
  assert.ok(rxv.dropped > 30 && rxv.reasons.auth === rxv.dropped, JSON.stringify(rxv));
  assert.equal(rxv.ok, 0, 'no frame decrypts with the wrong key');
  assert.equal(s.rx['rx-audio'].ok, 0);
  assert.equal(s.inbound.video.framesDecoded, 0);
  assert.equal(s.frames, 0, 'no video frame is shown');
  assert.equal(s.videoWidth, 0);
  assert.ok(s.tx['tx-video'].ok > 30, 'the sender kept encrypting');
  await page.evaluate(() => window.stopLoopback());
  await page.close();
});

test('key rotation: unknown key id drops, the new key decodes again', T, async () => {
  const page = await loopback('first passphrase', 'first passphrase');
  const rxv = async () => (await status(page)).rx['rx-video'] || { ok: 0, dropped: 0, reasons: {} };
  assert.ok(await pollUntil(async () => (await rxv()).ok > 30), 'decodes with key 0');
  await page.evaluate(() => window.rekey('tx', 'second passphrase', 'loopback-room', 1));
  const dropping = await pollUntil(async () => {
    const v = await rxv();
    return (v.reasons['no-key'] ?? 0) > 10 ? v : null;
  });
  assert.ok(dropping, `frames under key 1 are dropped as no-key: ${JSON.stringify(await rxv())}`);
  assert.equal(dropping.reasons.auth, undefined, 'no frame fails authentication');
  const okBefore = dropping.ok;
  await page.evaluate(() => window.rekey('rx', 'second passphrase', 'loopback-room', 1));
  const again = await pollUntil(async () => {
    const v = await rxv();
    return v.ok > okBefore + 30 ? v : null;
  });
  assert.ok(again, 'decrypts again with key 1');
  const framesNow = (await status(page)).frames;
  assert.ok(await pollUntil(async () => (await status(page)).frames > framesNow + 10),
            'video is shown again (a key frame came: the receiver asked for one)');
  await page.evaluate(() => window.stopLoopback());
  await page.close();
});
