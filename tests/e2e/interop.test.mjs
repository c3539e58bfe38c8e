// SPDX-License-Identifier: MIT
//
// The page half of test_interop.sh: alice's demo page in the room that one
// sluice-loadgen peer (user lg-0-0) publishes to. The page must receive the
// loadgen's audio and video (RTP packets on its consumers), keep those
// consumers for the whole observation, and raise no page error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, pollUntil, watchPage } from './lib.mjs';

const URL_BASE = process.env.SLUICE_URL;
const ROOM = process.env.SLUICE_ROOM;
const TOKEN = process.env.SLUICE_TOKEN;
const WAIT = { maxTries: 900, stepMs: 100, maxMs: 90000 }; // bound of every wait
let browser;
let page;
const problems = [];

before(async () => {
  assert.ok(URL_BASE && ROOM && TOKEN, 'run test_interop.sh');
  browser = await launchChromium();
});
after(async () => {
  if (browser) await browser.close();
});

const snap = () => page.evaluate(() => window.sluiceDemo.snapshot());
const lgTile = (s) => (s.tiles || []).find((t) => t.label === 'lg-0-0');

test('a Chromium page and a loadgen peer exchange media', { timeout: 240000 }, async () => {
  const ctx = await browser.newContext();
  page = await ctx.newPage();
  watchPage(page, 'alice', problems);
  const q = new URLSearchParams({ room: ROOM, name: 'alice', token: TOKEN, join: '1' });
  await page.goto(`${URL_BASE}/?${q}#passphrase=interop`);
  // the loadgen's audio and video arrive on the page's consumers
  const s = await pollUntil(async () => {
    const v = await snap();
    const t = lgTile(v);
    return t && (t.media.video?.packets ?? 0) > 100 && (t.media.audio?.packets ?? 0) > 100 ? v : null;
  }, WAIT) || await snap();
  const t = lgTile(s);
  assert.ok(t, `no tile for the loadgen peer: ${JSON.stringify(s.tiles?.map((x) => x.label))} ${problems.join('\n')}`);
  assert.ok(t.media.video?.packets > 100, `video from the loadgen: ${JSON.stringify(t.media.video)}`);
  assert.ok(t.media.audio?.packets > 100, `audio from the loadgen: ${JSON.stringify(t.media.audio)}`);
  // the consumers stay alive: packets keep coming on the same consumers
  const v0 = t.media.video, a0 = t.media.audio;
  const later = await pollUntil(async () => {
    const u = lgTile(await snap());
    return u && u.media.video?.packets > v0.packets + 100 && u.media.audio?.packets > a0.packets + 100 ? u : null;
  }, WAIT);
  assert.ok(later, 'the loadgen streams stopped on the page');
  assert.equal(later.media.video.consumerId, v0.consumerId, 'the video consumer was replaced');
  assert.equal(later.media.audio.consumerId, a0.consumerId, 'the audio consumer was replaced');
  // the page publishes too: its local tile has sent packets
  const local = (await snap()).tiles.find((x) => x.peerId === 'local');
  assert.ok(local?.media.video?.packets > 0 && local?.media.audio?.packets > 0,
            `the page did not publish: ${JSON.stringify(local?.media)}`);
  const errors = problems.filter((p) => !/e2ee|decrypt|OperationError/i.test(p));
  assert.deepEqual(errors, [], 'page errors');
});
