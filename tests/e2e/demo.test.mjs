// SPDX-License-Identifier: MIT
//
// The page half of test_demo.sh: alice and bob open the demo URL with no
// token (dev_mode: the page fetches one from /dev/token), join one room,
// see each other in the participant list and as tiles; alice shares her
// screen, bob gets a screen tile of its own that decodes frames, the tiles'
// overlay shows an inbound bitrate > 0 and a loss and an RTT figure; a
// screenshot of bob's page is written to SLUICE_DEMO_SHOT; carol joins
// during the share and tells alice's camera and screen apart from the join
// answer alone; alice stops the share and the tile goes away on bob's and
// carol's pages; carol shares the page's canvas fallback (getDisplayMedia
// removed) and bob decodes it; bob leaves and alice's list loses him.
//
// Screen capture in headless Chromium: getDisplayMedia with
// --auto-select-desktop-capture-source (+ --enable-usermedia-screen-capturing,
// fake UI). Where that capture fails (no display to capture), the page's
// canvas pattern is used (shareScreen({ allowFallback: true })), and the
// test prints which one it got.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, pollUntil, watchPage } from './lib.mjs';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json'));
const URL_BASE = process.env.SLUICE_URL;
const SHOT = process.env.SLUICE_DEMO_SHOT;
const ROOM = 'demo-room';
const WAIT = { maxTries: 900, stepMs: 100, maxMs: 90000 }; // bound of every wait
let browser;
const pages = {};
const problems = [];

before(async () => {
  assert.ok(URL_BASE && SHOT, 'run test_demo.sh');
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream',
           '--use-fake-ui-for-media-stream', '--enable-usermedia-screen-capturing',
           '--auto-select-desktop-capture-source=Entire screen',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
});
after(async () => {
  if (browser) await browser.close();
});

const snap = (u) => pages[u].evaluate(() => window.sluiceDemo.snapshot());
const names = (s) => (s.participants || []).map((p) => p.userId).sort();
const remoteCams = (s) => (s.tiles || []).filter((t) => !t.local && t.source === 'camera');
const diag = (s) => `${JSON.stringify({ tiles: s.tiles?.map((t) => ({ k: t.peerId, l: t.label, f: t.frames, o: t.overlay })),
                                        participants: s.participants, screen: s.screen })}\n${problems.join('\n')}`;

async function open(user) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 400 } });
  const page = await ctx.newPage();
  watchPage(page, user, problems);
  pages[user] = page;
  // the URL deploy/run.sh prints, plus what a newcomer types in the form
  const q = new URLSearchParams({ room: ROOM, name: user, join: '1' });
  await page.goto(`${URL_BASE}/?${q}#passphrase=demo-pass`);
}

test('two pages with dev tokens: participants, screen share, overlay, screenshot',
     { timeout: 300000 }, async () => {
  await open('alice');
  await open('bob');
  for (const [u, other] of [['alice', 'bob'], ['bob', 'alice']]) {
    const s = await pollUntil(async () => {
      const v = await snap(u);
      const t = remoteCams(v).find((x) => x.label === other);
      return v.joined && names(v).join() === 'alice,bob' && t && t.frames > 10 ? v : null;
    }, WAIT) || await snap(u);
    assert.ok(s.joined, `${u} did not join: ${await pages[u].textContent('#error')} ${problems.join('\n')}`);
    assert.equal(s.userId, u, `${u}'s dev token names the user`);
    assert.deepEqual(names(s), ['alice', 'bob'], `${u}'s participant list: ${diag(s)}`);
    const li = await pages[u].$$eval('#participant-list li', (els) => els.map((e) => e.textContent).sort());
    assert.deepEqual(li, [`${u} (you)`, other].sort(), `${u}'s list on the page`);
    assert.ok(remoteCams(s).find((x) => x.label === other)?.frames > 10, `${u} sees ${other}: ${diag(s)}`);
  }

  // alice shares her screen
  const source = await pages.alice.evaluate(() => window.sluiceDemo.shareScreen({ allowFallback: true }));
  console.log(`# screen source on alice's page: ${source}` +
              (source === 'canvas' ? ' (getDisplayMedia failed in headless Chromium: canvas pattern)' : ''));
  const a = await snap('alice');
  assert.ok(a.screen?.producerId, `alice's screen producer: ${diag(a)}`);
  assert.ok(a.tiles.find((t) => t.peerId === 'local-screen'), 'alice has a preview tile of her screen');

  // bob: a tile of its own for it, decoding frames, with numbers in its overlay
  const s = await pollUntil(async () => {
    const v = await snap('bob');
    const t = v.screenTiles?.[0];
    return t && t.frames > 10 && t.videoWidth > 0 && t.overlay?.kbps > 0 && t.overlay.rttMs !== null ? v : null;
  }, WAIT) || await snap('bob');
  assert.equal(s.screenTiles?.length, 1, `bob's screen tiles: ${diag(s)}`);
  const st = s.screenTiles[0];
  assert.equal(st.peerId, `screen:${a.screen.producerId}`, 'the screen tile is keyed by the producer');
  assert.equal(st.label, 'alice screen');
  assert.ok(st.frames > 10 && st.videoWidth > 0, `bob decodes alice's screen: ${diag(s)}`);
  assert.ok(st.media.video?.e2ee?.ok > 0, `the screen is E2EE-decrypted: ${JSON.stringify(st.media.video?.e2ee)}`);
  assert.equal(a.e2ee['send-screen']?.side, 'send', 'the screen goes through the E2EE sender transform');
  assert.ok(st.overlay?.kbps > 0, `screen overlay bitrate: ${JSON.stringify(st.overlay)}`);
  assert.equal(typeof st.overlay.lossPct, 'number');
  assert.equal(typeof st.overlay.rttMs, 'number', `screen overlay RTT: ${JSON.stringify(st.overlay)}`);
  assert.match(st.overlayText, /↓ \d+ kbps · loss [\d.]+% · rtt [\d.]+ ms/);
  // the camera tile still there, with its own numbers
  const cam = remoteCams(s).find((t) => t.label === 'alice');
  assert.ok(cam?.overlay?.kbps > 0, `camera overlay: ${JSON.stringify(cam?.overlay)}`);
  console.log(`# bob <- alice screen: ${st.frames} frames ${st.videoWidth}px, overlay ${st.overlayText}`);
  console.log(`# bob <- alice camera: overlay ${cam.overlayText}`);

  await pages.bob.screenshot({ path: SHOT });
  console.log(`# screenshot: ${SHOT}`);

  // a late joiner: alice's producers come in the join answer (camera first)
  await open('carol');
  const c = await pollUntil(async () => {
    const v = await snap('carol');
    return names(v).join() === 'alice,bob,carol' && v.screenTiles?.[0]?.frames > 5 &&
      remoteCams(v).filter((t) => t.frames > 5).length === 2 ? v : null;
  }, WAIT) || await snap('carol');
  assert.deepEqual(names(c), ['alice', 'bob', 'carol'], `carol's participant list: ${diag(c)}`);
  assert.deepEqual(c.screenTiles?.map((t) => [t.peerId, t.label]),
                   [[`screen:${a.screen.producerId}`, 'alice screen']], `carol's screen tiles: ${diag(c)}`);
  assert.deepEqual(remoteCams(c).map((t) => t.label).sort(), ['alice', 'bob'], `carol's cameras: ${diag(c)}`);
  assert.ok(c.screenTiles[0].frames > 5, `carol decodes alice's screen: ${diag(c)}`);
  const b3 = await pollUntil(async () => {
    const v = await snap('bob');
    return names(v).join() === 'alice,bob,carol' ? v : null;
  }, WAIT) || await snap('bob');
  assert.deepEqual(names(b3), ['alice', 'bob', 'carol'], `bob's list after carol joined: ${diag(b3)}`);

  // stop sharing: the tile goes away on the others' pages, the camera stays
  await pages.alice.evaluate(() => window.sluiceDemo.stopScreen());
  for (const u of ['bob', 'carol']) {
    const s2 = await pollUntil(async () => {
      const v = await snap(u);
      return v.screenTiles?.length === 0 ? v : null;
    }, WAIT) || await snap(u);
    assert.equal(s2.screenTiles.length, 0, `${u} still has a screen tile: ${diag(s2)}`);
    assert.equal(await pages[u].$$eval('.tile.screen', (e) => e.length), 0, `${u}: no screen tile in the DOM`);
    assert.ok(remoteCams(s2).find((t) => t.label === 'alice'), `${u}: alice's camera tile stays`);
  }
  const a2 = await snap('alice');
  assert.equal(a2.screen, null);
  assert.equal(a2.tiles.filter((t) => t.source === 'screen').length, 0, 'alice\'s preview tile is gone');

  // the page's fallback where a browser has no getDisplayMedia: carol's
  // canvas pattern, decoded (lit pixels) on bob's page, then stopped
  const src = await pages.carol.evaluate(() => {
    navigator.mediaDevices.getDisplayMedia = undefined;
    return window.sluiceDemo.shareScreen({ allowFallback: true });
  });
  assert.equal(src, 'canvas', 'no getDisplayMedia: the canvas pattern');
  const f = await pollUntil(async () => {
    const t = (await snap('bob')).screenTiles?.[0];
    return t && t.label === 'carol screen' && t.frames > 5 && t.lit > 0 ? t : null;
  }, WAIT) || (await snap('bob')).screenTiles;
  assert.ok(f?.frames > 5 && f.lit > 0, `bob <- carol's canvas screen: ${JSON.stringify(f)}`);
  await pages.carol.evaluate(() => window.sluiceDemo.stopScreen());
  const f2 = await pollUntil(async () => ((await snap('bob')).screenTiles?.length === 0 ? true : null), WAIT);
  assert.ok(f2, 'carol\'s canvas screen tile stays on bob\'s page');

  // bob leaves: alice's list loses him
  await pages.bob.evaluate(() => window.sluiceDemo.leave());
  const s3 = await pollUntil(async () => {
    const v = await snap('alice');
    return names(v).join() === 'alice,carol' && remoteCams(v).length === 1 ? v : null;
  }, WAIT) || await snap('alice');
  assert.deepEqual(names(s3), ['alice', 'carol'], `alice's list after bob left: ${diag(s3)}`);
  assert.deepEqual(remoteCams(s3).map((t) => t.label), ['carol'], `alice's tiles after bob left: ${diag(s3)}`);
  const errors = problems.filter((p) => !/favicon/i.test(p));
  assert.deepEqual(errors, [], 'page errors');
});
