// SPDX-License-Identifier: MIT
//
// call.test.mjs - browsers in a call through Sluice, with the demo page
// (controlplane/demo) and its E2EE. Started by test_call.sh inside the
// test's network namespace, where the control plane serves the page on
// SLUICE_URL (127.0.0.1) and the data plane answers media on 198.18.0.1.
//
// Env: SLUICE_URL, SLUICE_ROOM, SLUICE_TOKENS (JSON { user: token }) with
// users alice, bob, carol (first three), dave (late joiner), eve (wrong
// passphrase).
//
// Asserts, in order (each step waits with a bounded poll, never on time):
//   0. a bad token and a token for another room are refused (error shown);
//   1. three pages join one room; each decodes video (presented frames,
//      decrypted frames) and receives + decrypts audio from both others;
//   2. a late joiner gets every existing producer, and the others get its;
//   3. the late joiner leaves (Leave button): its tile disappears elsewhere;
//   4. a page with a wrong passphrase receives packets but decodes nothing,
//      and nobody decodes its media either;
//   5. "Stop camera" makes alice's tile black at bob, "Start camera" undoes
//      it; the mic button pauses and resumes the audio producer;
//   6. closing a page (socket gone) removes it from the others.
// Reports time to first decoded frame and achieved video bitrate per page.
// SLUICE_E2E_SHOTS=DIR saves screenshots of the first three pages there;
// SLUICE_E2E_KEEP_GOING=1 runs the later steps after a failed one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, pollUntil, watchPage } from './lib.mjs';

const URL_BASE = process.env.SLUICE_URL;
const ROOM = process.env.SLUICE_ROOM || 'e2e-room';
const TOKENS = JSON.parse(process.env.SLUICE_TOKENS || '{}');
const PASS = 'the right passphrase';
const T = { timeout: 180000 };
const FRAMES = 20;  // presented frames that count as "decodes video"
const AUDIO = 20;   // decrypted audio frames that count as "receives audio"
const WAIT = { maxTries: 900, stepMs: 100, maxMs: 90000 }; // bound of every wait

let browser;
const pages = {}; // user -> page
const problems = [];
let broken = false; // a step failed: the later ones build on it and are skipped

// A step of the scenario (node:test runs them in order).
function step(name, fn) {
  test(name, T, async (t) => {
    if (broken) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn();
    } catch (e) {
      broken = !process.env.SLUICE_E2E_KEEP_GOING;
      throw e;
    }
  });
}

before(async () => {
  assert.ok(URL_BASE, 'SLUICE_URL not set (run test_call.sh)');
  for (const u of ['alice', 'bob', 'carol', 'dave', 'eve']) assert.ok(TOKENS[u], `no token for ${u}`);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (problems.length) console.log(problems.join('\n'));
});

async function open(user, pass = PASS, { room = ROOM, token = TOKENS[user] } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  watchPage(page, user, problems);
  const q = new URLSearchParams({ room, name: user, token, join: '1' });
  await page.goto(`${URL_BASE}/?${q}#passphrase=${encodeURIComponent(pass)}`);
  pages[user] = page;
  return page;
}

const snap = (page) => page.evaluate(() => window.sluiceDemo.snapshot());
const remotes = (s) => (s.tiles || []).filter((t) => t.peerId !== 'local');

// A remote tile that shows video and plays decrypted audio.
function healthy(t) {
  return t.frames >= FRAMES && (t.media.video?.e2ee?.ok ?? 0) >= FRAMES &&
         (t.media.audio?.packets ?? 0) >= AUDIO && (t.media.audio?.e2ee?.ok ?? 0) >= AUDIO;
}

// Waits until `user`'s page has exactly the remote users `want`, all healthy.
async function waitCall(user, want) {
  const s = await pollUntil(async () => {
    const v = await snap(pages[user]);
    const r = remotes(v);
    const names = r.map((t) => t.label).sort();
    return JSON.stringify(names) === JSON.stringify([...want].sort()) && r.every(healthy) ? v : null;
  }, WAIT) || await snap(pages[user]);
  const r = remotes(s);
  assert.deepEqual(r.map((t) => t.label).sort(), [...want].sort(),
                   `${user} sees ${JSON.stringify(r.map((t) => t.label))}; state ${JSON.stringify(s.state)}\n${problems.join('\n')}`);
  for (const t of r) {
    assert.ok(t.frames >= FRAMES, `${user} <- ${t.label}: ${t.frames} video frames ${JSON.stringify(t.media.video)}`);
    assert.ok(t.media.video.e2ee.ok >= FRAMES && t.media.video.e2ee.dropped === 0,
              `${user} <- ${t.label}: video e2ee ${JSON.stringify(t.media.video.e2ee)}`);
    assert.ok(t.media.audio.packets >= AUDIO && t.media.audio.e2ee.ok >= AUDIO,
              `${user} <- ${t.label}: audio ${JSON.stringify(t.media.audio)}`);
  }
  return s;
}

// Outbound video bitrate of a page over about `ms` (report only).
async function videoKbps(page, ms = 3000) {
  const one = () => page.evaluate(async () => {
    const s = await window.sluiceDemo.snapshot();
    const local = s.tiles.find((t) => t.peerId === 'local');
    return { t: performance.now(), bytes: local?.media.video?.bytes ?? 0 };
  });
  const a = await one();
  await new Promise((r) => setTimeout(r, ms));
  const b = await one();
  return Math.round(((b.bytes - a.bytes) * 8) / (b.t - a.t));
}

async function waitGone(user, gone) {
  const s = await pollUntil(async () => {
    const v = await snap(pages[user]);
    return remotes(v).every((t) => t.label !== gone) ? v : null;
  }, WAIT) || await snap(pages[user]);
  assert.ok(remotes(s).every((t) => t.label !== gone), `${user} still shows ${gone}`);
}

// One report line per page: per remote peer, when (ms after the page's join
// started) its first video frame reached the receiver transform, the first
// key frame, the first decrypted frame and the first presented frame, and
// the receiver's feedback/loss counters; for the page's own video, what
// limits the encoder and the feedback it got from the SFU.
function report(user, s, kbps) {
  const rel = (t) => (t ? `${t - s.t0}` : '-');
  const parts = remotes(s).map((t) => {
    const v = t.media.video || {};
    const e = v.e2ee || {};
    return `${t.label}: first frame in ${rel(e.firstAt)}, key ${rel(e.firstKeyAt)}, ` +
           `decrypted ${rel(e.firstOkAt)}, shown ${Math.round(t.firstFrameMs)} ms ` +
           `(pli sent ${v.pli}, nack sent ${v.nack}, lost ${v.lost})`;
  });
  const lv = s.tiles.find((t) => t.peerId === 'local')?.media.video || {};
  console.log(`# ${user}: connected send ${s.connectedAt.send} ms, recv ${s.connectedAt.recv} ms; ` +
              `video out ${kbps} kbps (${lv.width}px, limited by ${lv.limit}, available ` +
              `${lv.availableOutKbps} kbps, pli got ${lv.pli}, nack got ${lv.nack}, ` +
              `key frames ${lv.keyFrames})`);
  for (const p of parts) console.log(`#   ${user} <- ${p}`);
}

// The page shows the server's refusal and stays out of the call.
async function refused(page, pattern) {
  await page.waitForSelector('#error:not([hidden])', { timeout: 30000 });
  const text = await page.textContent('#error');
  assert.match(text, pattern);
  assert.equal((await snap(page)).joined, false);
  assert.equal(await page.isVisible('#join-form'), true);
  await page.context().close();
}

step('a bad token, or a token for another room, is refused on the page', async () => {
  await refused(await open('alice', PASS, { token: 'not.a.token' }), /unauthorized/i);
  await refused(await open('alice', PASS, { room: 'another-room' }), /FORBIDDEN/);
});

step('three pages: everyone decodes everyone (E2EE), with a report', async () => {
  await open('alice');
  await open('bob');
  await open('carol');
  const trio = ['alice', 'bob', 'carol'];
  for (const u of trio) {
    const s = await waitCall(u, trio.filter((x) => x !== u));
    const local = s.tiles.find((t) => t.peerId === 'local');
    assert.equal(local.media.video.codec, 'video/VP8');
    assert.ok(local.media.video.e2ee.ok > FRAMES && local.media.video.e2ee.dropped === 0);
    report(u, s, await videoKbps(pages[u]));
  }
  // SLUICE_E2E_SHOTS=DIR: screenshots of the pages, to look at
  if (process.env.SLUICE_E2E_SHOTS)
    for (const u of trio) await pages[u].screenshot({ path: `${process.env.SLUICE_E2E_SHOTS}/${u}.png` });
});

step('a late joiner gets the existing producers and is seen by all', async () => {
  await open('dave');
  const s = await waitCall('dave', ['alice', 'bob', 'carol']);
  report('dave (late)', s, await videoKbps(pages.dave));
  for (const u of ['alice', 'bob', 'carol'])
    await waitCall(u, ['alice', 'bob', 'carol', 'dave'].filter((x) => x !== u));
});

step('a page that leaves disappears from the others', async () => {
  await pages.dave.click('#leave');
  const s = await pollUntil(async () => {
    const v = await snap(pages.dave);
    return v.joined === false ? v : null;
  }, WAIT);
  assert.ok(s, 'dave left');
  for (const u of ['alice', 'bob', 'carol']) await waitGone(u, 'dave');
  await pages.dave.context().close();
});

step('a wrong passphrase: packets arrive, nothing decodes, both ways', async () => {
  await open('eve', 'not the passphrase');
  const s = await pollUntil(async () => {
    const v = await snap(pages.eve);
    const r = remotes(v);
    return r.length === 3 && r.every((t) => (t.media.video?.packets ?? 0) > 50 &&
                                            (t.media.video?.e2ee?.dropped ?? 0) > 10 &&
                                            (t.media.audio?.e2ee?.dropped ?? 0) > 10) ? v : null;
  }, WAIT) || await snap(pages.eve);
  const r = remotes(s);
  assert.equal(r.length, 3, `eve sees ${r.map((t) => t.label)}`);
  for (const t of r) {
    assert.ok(t.media.video.packets > 50, `eve <- ${t.label}: packets arrive`);
    assert.equal(t.frames, 0, `eve <- ${t.label}: no picture`);
    assert.equal(t.media.video.framesDecoded, 0);
    assert.equal(t.media.video.e2ee.ok, 0);
    assert.equal(t.media.video.e2ee.reasons.auth, t.media.video.e2ee.dropped);
    assert.equal(t.media.audio.e2ee.ok, 0);
  }
  // and the others cannot decode eve
  const a = await pollUntil(async () => {
    const v = await snap(pages.alice);
    const e = remotes(v).find((t) => t.label === 'eve');
    return e && (e.media.video?.packets ?? 0) > 50 && (e.media.video?.e2ee?.dropped ?? 0) > 10 ? e : null;
  }, WAIT);
  assert.ok(a, 'alice receives eve\'s packets');
  assert.equal(a.frames, 0);
  assert.equal(a.media.video.e2ee.ok, 0);
  await pages.eve.context().close(); // also checks leaving by disconnect
  for (const u of ['alice', 'bob', 'carol']) await waitGone(u, 'eve');
});

// bob's view of alice's video: pixels that are not black
async function aliceLitAtBob() {
  const t = remotes(await snap(pages.bob)).find((x) => x.label === 'alice');
  return t ? t.lit : -1;
}

step('"Stop camera" turns alice black for bob, "Start camera" brings her back', async () => {
  assert.ok(await aliceLitAtBob() > 0, 'alice is visible at bob before');
  await pages.alice.click('#mute-video');
  assert.equal(await pages.alice.textContent('#mute-video'), 'Start camera');
  assert.equal((await snap(pages.alice)).paused.video, true);
  const dark = await pollUntil(async () => (await aliceLitAtBob()) === 0, WAIT);
  assert.ok(dark, 'alice goes black at bob');
  await pages.alice.click('#mute-video');
  assert.equal((await snap(pages.alice)).paused.video, false);
  const back = await pollUntil(async () => (await aliceLitAtBob()) > 0, WAIT);
  assert.ok(back, 'alice is visible at bob again');
  await pages.alice.click('#mute-audio');
  assert.equal(await pages.alice.textContent('#mute-audio'), 'Unmute mic');
  assert.equal((await snap(pages.alice)).paused.audio, true);
  await pages.alice.click('#mute-audio');
  assert.equal((await snap(pages.alice)).paused.audio, false);
});

step('closing a page removes it from the others, the rest goes on', async () => {
  await pages.carol.context().close();
  for (const u of ['alice', 'bob']) await waitGone(u, 'carol');
  await waitCall('alice', ['bob']);
  await waitCall('bob', ['alice']);
});
