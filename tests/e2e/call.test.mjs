// SPDX-License-Identifier: MIT
//
// call.test.mjs - browsers in a call through Sluice, with the demo page
// (controlplane/demo) and its E2EE. Started by test_call.sh inside the
// test's network namespace, where the control plane serves the page on
// SLUICE_URL (127.0.0.1) and the data plane answers media on 198.18.0.1.
//
// Env: SLUICE_URL, SLUICE_ROOM, SLUICE_TOKENS (JSON { user: token }) with
// users alice, bob, carol (first three), dave (late joiner), eve (wrong
// passphrase); SLUICE_E2E_Y4M (the camera clip; none: Chromium's own
// pattern, too cheap to encode to reach the bitrate), SLUICE_E2E_MIN_KBPS
// (default 450); SLUICE_E2E_TAP (the data plane's tap, where the loss is
// injected; needs nft, root); SLUICE_E2E_LOSS_MS (default 10000).
//
// Asserts, in order (each step waits with a bounded poll, never on time):
//   0. a bad token and a token for another room are refused (error shown);
//   1. three pages join one room; each decodes video (presented frames,
//      decrypted frames) and receives + decrypts audio from both others;
//      each sends video at MIN_VIDEO_KBPS (450) or more, well above the
//      300 kbps its bandwidth estimate starts from (which needs the SFU's
//      transport-cc feedback); mediasoup:get-room-stats shows each peer
//      with both transports ICE + DTLS connected, its video arriving at
//      that rate and media going out to it;
//   2. with ~3% random loss each way between the browsers and the data plane
//      (nftables in the namespace, SLUICE_E2E_LOSS_MS, default 10 s): the
//      SFU NACKs the producers (nackOut of the send transports) and at least
//      two pages got NACKs and retransmitted (outbound-rtp nackCount,
//      retransmittedPacketsSent); every page NACKs (inbound-rtp nackCount)
//      and the SFU answers with RTX (rtxOut of the recv transports); every
//      page decodes more than 3 frames/s of each other page all along (or
//      half the frames the sender encoded, if fewer than 6/s); a
//      report line per page (loss on the wire, NACKs, freezes, frames
//      decoded of those encoded, the SFU's counters); the loss is removed
//      after the window, also on failure;
//   3. a late joiner gets every existing producer, and the others get its;
//      it too sends video at MIN_VIDEO_KBPS or more;
//   4. the late joiner leaves (Leave button): its tile disappears elsewhere;
//   5. a page with a wrong passphrase receives packets but decodes nothing,
//      and nobody decodes its media either;
//   6. "Stop camera" makes alice's tile black at bob, "Start camera" undoes
//      it; the mic button pauses and resumes the audio producer;
//   7. closing a page (socket gone) removes it from the others.
// Reports time to first decoded frame and achieved video bitrate per page
// (with the browser's available outgoing bitrate), and the SFU's view.
// The camera is SLUICE_E2E_Y4M (test_call.sh makes it with gen_y4m.mjs).
// SLUICE_E2E_SHOTS=DIR saves screenshots of the first three pages there;
// SLUICE_E2E_KEEP_GOING=1 runs the later steps after a failed one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { launchChromium, pollUntil, watchPage } from './lib.mjs';

const require = createRequire(new URL('../package.json', import.meta.url));
const { io } = require('socket.io-client');

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
  browser = await launchChromium({ videoFile: process.env.SLUICE_E2E_Y4M });
});

after(async () => {
  if (browser) await browser.close();
  if (problems.length) console.log(problems.join('\n'));
});

// Runs in every page before its own scripts: keeps each RTCPeerConnection
// the page makes in window.__slPcs, so that the test can read getStats
// fields the demo's snapshot leaves out (pageVideo()). Test-only; the page
// sees the same constructor behaviour.
function keepPeerConnections() {
  const Native = window.RTCPeerConnection;
  const pcs = [];
  window.__slPcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      pcs.push(this);
    }
  };
}

async function open(user, pass = PASS, { room = ROOM, token = TOKENS[user] } = {}) {
  const ctx = await browser.newContext();
  await ctx.addInitScript(keepPeerConnections);
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

// The bitrate of a page's encoded video must reach this, "well above" the
// 300 kbps that the browser's bandwidth estimate starts from: the encoder
// only gets more once the SFU's transport-cc feedback lets the estimate
// ramp up (the pages' camera is a clip that is expensive to encode, see
// gen_y4m.mjs; with Chromium's own pattern it stays near 200 kbps).
// The wait goes on to GOAL_KBPS (or its bound) for the report's sake.
const MIN_VIDEO_KBPS = Number(process.env.SLUICE_E2E_MIN_KBPS || 450);
const GOAL_KBPS = Math.max(MIN_VIDEO_KBPS, 600);
const RAMP = { stepMs: 500, windowMs: 2000, maxMs: 30000 }; // bounded wait, not a timing assertion

// Polls a page's own video until the encoder's output (the bytes of the
// encoded frames, counted by the E2EE transform: without the RTP headers,
// retransmissions and the probes that the bandwidth estimator sends as
// RTX) reaches `goal` kbps over the last RAMP.windowMs, or RAMP.maxMs
// passed. Returns the last such bitrate and the best one seen, the RTP send
// bitrate (outbound-rtp bytesSent) over the same window, and the encoder's
// view at that time:
// { kbps, best, rtpKbps, availableOutKbps, width, fps, limit, waitedMs }.
async function videoOut(user, goal = GOAL_KBPS) {
  const page = pages[user];
  const one = () => page.evaluate(async () => {
    const s = await window.sluiceDemo.snapshot();
    const v = s.tiles?.find((t) => t.peerId === 'local')?.media.video ?? {};
    return { t: performance.now(), enc: v.e2ee?.bytesIn ?? 0, rtp: v.bytes ?? 0,
             availableOutKbps: v.availableOutKbps ?? 0, width: v.width ?? 0, fps: v.fps ?? 0,
             limit: v.limit ?? null };
  });
  const samples = [await one()];
  const t0 = samples[0].t;
  let res = { kbps: 0, best: 0 };
  for (;;) {
    await new Promise((r) => setTimeout(r, RAMP.stepMs));
    const b = await one();
    samples.push(b);
    // the newest sample at least windowMs older than b
    let a = null;
    for (const x of samples) if (b.t - x.t >= RAMP.windowMs) a = x;
    if (a) {
      const rate = (k) => Math.round(((b[k] - a[k]) * 8) / (b.t - a.t));
      const { t, enc, rtp, ...view } = b;
      res = { kbps: rate('enc'), best: Math.max(res.best, rate('enc')), rtpKbps: rate('rtp'),
              ...view, waitedMs: Math.round(t - t0) };
      if (res.kbps >= goal || t - t0 >= RAMP.maxMs) return res;
    }
  }
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
function report(user, s, out) {
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
              `video out ${out.kbps} kbps (best ${out.best}, RTP ${out.rtpKbps} kbps, after ` +
              `${out.waitedMs} ms more; ` +
              `${out.width}px ${out.fps} fps, limited by ${out.limit}, available ` +
              `${out.availableOutKbps} kbps; pli got ${lv.pli}, nack got ${lv.nack}, ` +
              `key frames ${lv.keyFrames})`);
  for (const p of parts) console.log(`#   ${user} <- ${p}`);
}

// Each page of `users` sends video at MIN_VIDEO_KBPS or more over a window
// of RAMP.windowMs (measured on all of them at once), with a report line
// per page.
async function assertVideoOut(users, snaps) {
  const outs = await Promise.all(users.map((u) => videoOut(u)));
  users.forEach((u, i) => report(u, snaps[i], outs[i]));
  users.forEach((u, i) =>
    assert.ok(outs[i].best >= MIN_VIDEO_KBPS,
              `${u} sends video at ${outs[i].best} kbps at best (< ${MIN_VIDEO_KBPS}): ` +
              JSON.stringify(outs[i])));
}

// mediasoup:get-room-stats of the room, asked on a socket of its own
// (authenticated with `user`'s token, never joined): the answer's stats.
async function roomStats(user = 'alice') {
  const sock = io(URL_BASE, { transports: ['websocket'], auth: { token: TOKENS[user] },
                              reconnection: false, forceNew: true, timeout: 10000 });
  try {
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('connect_error', reject);
    });
    const r = await sock.timeout(10000).emitWithAck('mediasoup:get-room-stats', { channelId: ROOM });
    assert.ok(r?.stats, `get-room-stats: ${JSON.stringify(r)}`);
    return r.stats;
  } finally {
    sock.close();
  }
}

const kbit = (bps) => Math.round((bps ?? 0) / 1000);

// What is wrong with one peer of peerStats (null: nothing): both transports
// up (ICE connected, DTLS connected), the SFU receives its video well above
// the start rate on its send transport and sends it media on its recv one.
function peerProblem(p) {
  const tr = (dir) => p.transports.find((t) => t.direction === dir);
  for (const dir of ['send', 'recv']) {
    const t = tr(dir);
    if (!t) return `no ${dir} transport`;
    if (!['connected', 'completed'].includes(t.iceState)) return `${dir} ICE ${t.iceState}`;
    if (t.dtlsState !== 'connected') return `${dir} DTLS ${t.dtlsState}`;
  }
  if (!(tr('send').rxBitrate >= MIN_VIDEO_KBPS * 1000))
    return `the SFU receives ${kbit(tr('send').rxBitrate)} kbps (< ${MIN_VIDEO_KBPS})`;
  if (!(tr('recv').txBitrate > 0)) return 'the SFU sends it nothing';
  return null;
}

function statsLine(p) {
  const t = (x) => `${x.direction}: ICE ${x.iceState}, DTLS ${x.dtlsState}, rx ${kbit(x.rxBitrate)} ` +
                   `kbps, tx ${kbit(x.txBitrate)} kbps, rtt ${x.rttMs ?? '-'} ms, lost ${x.packetsLost}` +
                   `/${x.remotePacketsLost}, nack ${x.nackIn}/${x.nackOut}, pli ${x.pliIn}/${x.pliOut}`;
  return `# SFU ${p.userId}: ${p.transports.map(t).join('; ')}`;
}

// get-room-stats shows each of `users` as a healthy peer (polled, bounded:
// each peer must pass once); prints the figures of each.
async function assertRoomStats(users) {
  const seen = {}; // user -> its passing peerStats entry
  let last;
  await pollUntil(async () => {
    last = await roomStats();
    for (const p of last.peerStats ?? []) if (!seen[p.userId] && !peerProblem(p)) seen[p.userId] = p;
    return users.every((u) => seen[u]);
  }, { stepMs: 500, maxMs: RAMP.maxMs, maxTries: 100 });
  assert.ok(Array.isArray(last.peerStats), `get-room-stats has no peerStats: ${JSON.stringify(last)}`);
  assert.deepEqual(last.peerStats.map((p) => p.userId).sort(), [...users].sort());
  for (const u of users) {
    const p = seen[u] ?? last.peerStats.find((x) => x.userId === u);
    console.log(statsLine(p));
    assert.equal(peerProblem(p), null, `get-room-stats, ${u}: ${JSON.stringify(p)}`);
  }
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
  const snaps = [];
  for (const u of trio) {
    let s = await waitCall(u, trio.filter((x) => x !== u));
    // the page's own sender: it may have started after the others' frames
    // arrived (a late joiner produces after it consumes), so wait for it too
    const localOf = (v) => v.tiles.find((t) => t.peerId === 'local');
    s = await pollUntil(async () => {
      const v = await snap(pages[u]);
      return localOf(v)?.media?.video?.e2ee?.ok > FRAMES ? v : null;
    }, WAIT) || await snap(pages[u]);
    const local = localOf(s);
    assert.equal(local.media.video.codec, 'video/VP8');
    assert.ok(local.media.video.e2ee.ok > FRAMES && local.media.video.e2ee.dropped === 0,
              `${u} sends: video e2ee ${JSON.stringify(local.media.video.e2ee)}`);
    snaps.push(s);
  }
  await assertVideoOut(trio, snaps);
  await assertRoomStats(trio);
  // SLUICE_E2E_SHOTS=DIR: screenshots of the pages, to look at
  if (process.env.SLUICE_E2E_SHOTS)
    for (const u of trio) await pages[u].screenshot({ path: `${process.env.SLUICE_E2E_SHOTS}/${u}.png` });
});

// ------------------------------------------------------------ packet loss
//
// Random loss inside the test's namespace, with nftables (tc netem is not
// available in every kernel) on the kernel side of the data plane's tap
// (SLUICE_E2E_TAP, 198.18.0.2), between the browsers and the data plane
// (198.18.0.1), on the media ports: ~3% (1 in LOSS_MOD) of the UDP towards
// the SFU is dropped on the tap's egress hook, ~3% of the UDP from it on its
// ingress hook (netdev egress: Linux >= 5.16). Not on the output hook: a
// packet dropped there fails the browser's sendmsg() (EPERM), which
// Chromium handles itself: the SFU hardly saw those drops as gaps (measured:
// 6 NACKs for 282 drops). Past egress the send has succeeded, as on a real
// network.
// The first rule of each chain counts every packet it sees, the second the
// ones it drops. node runs in the namespace (test_call.sh), so nft here acts
// on the test's own namespace and nothing else; the namespace's removal
// takes the table with it.
const LOSS_TABLE = 'sl_loss';
const LOSS_MOD = 33;
const LOSS_MS = Number(process.env.SLUICE_E2E_LOSS_MS || 10000);
const MEDIA_PORTS = '40000-40099'; // rtc_min_port-rtc_max_port (defaults)
const DP_IP = '198.18.0.1';

function nft(args, input) {
  const r = spawnSync('nft', args, { input, encoding: 'utf8', timeout: 10000 });
  if (r.error) throw new Error(`nft ${args.join(' ')}: ${r.error.message} ` +
                               '(deploy/install-deps.sh --test installs nftables)');
  assert.equal(r.status, 0, `nft ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function addLoss() {
  const tap = process.env.SLUICE_E2E_TAP;
  assert.ok(tap, 'SLUICE_E2E_TAP not set (run test_call.sh)');
  const chain = (hook, dir, port) => {
    const match = `ip ${dir} ${DP_IP} udp ${port} ${MEDIA_PORTS}`;
    return `  chain ${hook} {\n` +
           `    type filter hook ${hook} device "${tap}" priority 0; policy accept;\n` +
           `    ${match} counter\n` +
           `    ${match} numgen random mod ${LOSS_MOD} 0 counter drop\n` +
           '  }\n';
  };
  nft(['-f', '-'], `table netdev ${LOSS_TABLE} {\n${chain('egress', 'daddr', 'dport')}` +
                   `${chain('ingress', 'saddr', 'sport')}}\n`);
}

// { egress: { seen, dropped }, ingress: { seen, dropped } } of the table.
function lossCounters() {
  const out = { egress: { seen: 0, dropped: 0 }, ingress: { seen: 0, dropped: 0 } };
  const rules = JSON.parse(nft(['-j', 'list', 'table', 'netdev', LOSS_TABLE])).nftables
    .filter((x) => x.rule).map((x) => x.rule);
  for (const r of rules) {
    const c = r.expr.find((e) => e.counter)?.counter;
    const drop = r.expr.some((e) => 'drop' in e);
    if (c && out[r.chain]) out[r.chain][drop ? 'dropped' : 'seen'] = c.packets;
  }
  return out;
}

// Quiet (it runs in a finally); the step then checks the table is gone.
function removeLoss() {
  spawnSync('nft', ['delete', 'table', 'netdev', LOSS_TABLE], { timeout: 10000 });
}

// A page's video RTP counters summed over its peer connections' getStats:
// sent (its producer) and received (its consumers), with the fields the
// demo's snapshot has no room for.
const pageVideo = (user) => pages[user].evaluate(async () => {
  const o = { out: { packets: 0, retransmitted: 0, nack: 0, frames: 0 },
              in: { packets: 0, lost: 0, nack: 0, freezes: null, freezeS: null } };
  const add = (k, v) => { if (v !== undefined) o.in[k] = (o.in[k] ?? 0) + v; };
  for (const pc of window.__slPcs ?? []) {
    if (pc.connectionState === 'closed') continue;
    let rep;
    try { rep = await pc.getStats(); } catch { continue; }
    for (const r of rep.values()) {
      if (r.kind !== 'video') continue;
      if (r.type === 'outbound-rtp') {
        o.out.packets += r.packetsSent ?? 0;
        o.out.retransmitted += r.retransmittedPacketsSent ?? 0;
        o.out.nack += r.nackCount ?? 0;
        o.out.frames += r.framesEncoded ?? 0;
      } else if (r.type === 'inbound-rtp') {
        o.in.packets += r.packetsReceived ?? 0;
        o.in.lost += r.packetsLost ?? 0;
        o.in.nack += r.nackCount ?? 0;
        add('freezes', r.freezeCount);
        add('freezeS', r.totalFreezesDuration);
      }
    }
  }
  return o;
});

// Per remote label: its video tile's decoded frames and the PLIs sent for it.
async function tileVideo(user) {
  const res = {};
  for (const t of remotes(await snap(pages[user]))) {
    const v = t.media.video ?? {};
    res[t.label] = { frames: v.framesDecoded ?? 0, pli: v.pli ?? 0 };
  }
  return res;
}

// b - a for each number of b (null where either is not a number)
const diff = (b, a) => Object.fromEntries(Object.keys(b).map((k) =>
  [k, typeof b[k] === 'number' && typeof a?.[k] === 'number' ? b[k] - a[k] : null]));
const pct = (x) => `${(100 * x).toFixed(2)}%`;

// The SFU's NACK/RTX counters summed over the transports of each direction,
// per user of `users` and in total, as the change from stats `st0` to `st`:
// { send: { total, [user] }, recv: { total, [user] } } of
// { nackIn, nackOut, rtxOut, rtxMiss, packetsLost, remotePacketsLost }.
function sfuDelta(st, st0, users) {
  const keys = ['nackIn', 'nackOut', 'rtxOut', 'rtxMiss', 'packetsLost', 'remotePacketsLost'];
  const sum = (stats, dir, user) => {
    const o = Object.fromEntries(keys.map((k) => [k, 0]));
    for (const p of stats.peerStats ?? []) {
      if (user && p.userId !== user) continue;
      for (const t of p.transports.filter((x) => x.direction === dir))
        for (const k of keys) o[k] += t[k] ?? 0;
    }
    return o;
  };
  const res = {};
  for (const dir of ['send', 'recv']) {
    res[dir] = { total: diff(sum(st, dir), sum(st0, dir)) };
    for (const u of users) res[dir][u] = diff(sum(st, dir, u), sum(st0, dir, u));
  }
  return res;
}

step('~3% random packet loss each way: NACK/RTX recover it, video keeps flowing', async () => {
  const trio = ['alice', 'bob', 'carol'];
  const grab = () => Promise.all(trio.map(async (u) => ({ raw: await pageVideo(u),
                                                         tiles: await tileVideo(u) })));
  const sfu0 = await roomStats();
  const before = await grab();
  const t0 = Date.now();
  let after, t1, drops;
  try {
    addLoss();
    await new Promise((r) => setTimeout(r, LOSS_MS)); // the loss window, not a wait for an event
    after = await grab();
    t1 = Date.now();
    drops = lossCounters();
  } finally {
    removeLoss();
  }
  assert.doesNotMatch(nft(['list', 'tables', 'netdev']), new RegExp(`\\b${LOSS_TABLE}\\b`),
                      'the loss table is still there');
  const secs = (t1 - t0) / 1000;
  // The SFU's counters reach get-room-stats with the data plane's periodic
  // stats: polled (bounded) until both directions show NACK/RTX.
  let sfu;
  await pollUntil(async () => {
    sfu = sfuDelta(await roomStats(), sfu0, trio);
    return sfu.send.total.nackOut > 0 && sfu.recv.total.rtxOut > 0;
  }, { stepMs: 500, maxMs: 5000, maxTries: 20 });
  const { send, recv } = sfu;
  const d = trio.map((u, i) => ({ out: diff(after[i].raw.out, before[i].raw.out),
                                  in: diff(after[i].raw.in, before[i].raw.in) }));
  const decoded = (i, o) => (after[i].tiles[o]?.frames ?? 0) - (before[i].tiles[o]?.frames ?? 0);

  const share = (c) => `${c.dropped}/${c.seen} (${pct(c.dropped / c.seen)})`;
  console.log(`# loss: ${secs.toFixed(1)} s at 1/${LOSS_MOD} each way; dropped towards the SFU ` +
              `${share(drops.egress)}, from it ${share(drops.ingress)}; SFU: send transports nackOut ` +
              `${send.total.nackOut}, lost ${send.total.packetsLost}; recv transports nackIn ` +
              `${recv.total.nackIn}, rtxOut ${recv.total.rtxOut}, rtxMiss ${recv.total.rtxMiss}, lost as ` +
              `receivers report ${recv.total.remotePacketsLost}`);
  trio.forEach((u, i) => {
    const r = d[i];
    // Chromium counts a packet that RTX recovered as lost all the same (its
    // packetsLost follows the drops towards the page): that is the loss on
    // the wire. What recovery left shows in frames: per sender, the frames
    // it encoded in the window and the ones this page decoded (sampled a
    // few ms apart), and the PLIs the page sent (it gave up on a frame).
    const wire = r.in.lost / (r.in.packets + r.in.lost);
    const from = trio.filter((x) => x !== u).map((o) => {
      const pli = (after[i].tiles[o]?.pli ?? 0) - (before[i].tiles[o]?.pli ?? 0);
      return `${o} ${decoded(i, o)}/${d[trio.indexOf(o)].out.frames} frames, pli ${pli}`;
    }).join('; ');
    const f = (x, dec = 0) => (x === null ? '-' : x.toFixed(dec));
    console.log(`#   ${u}: in: +${r.in.packets} received, +${r.in.lost} lost on the wire ` +
                `(${pct(wire)}), nack sent +${r.in.nack}, freezes +${f(r.in.freezes)} ` +
                `(${f(r.in.freezeS, 2)} s); decoded/encoded: ${from}; out: +${r.out.packets} sent, ` +
                `nack got +${r.out.nack}, retransmitted +${r.out.retransmitted}; SFU: send nackOut ` +
                `+${send[u].nackOut}, recv nackIn +${recv[u].nackIn} rtxOut +${recv[u].rtxOut} ` +
                `rtxMiss +${recv[u].rtxMiss}`);
  });

  const all = JSON.stringify({ drops, sfu, pages: d });
  assert.ok(drops.egress.dropped > 0 && drops.ingress.dropped > 0, `no loss injected: ${all}`);
  // the SFU NACKed the producers, and they retransmitted
  assert.ok(send.total.nackOut > 0, `the SFU sent no NACK to producers: ${all}`);
  const resent = trio.filter((u, i) => d[i].out.nack > 0 && d[i].out.retransmitted > 0);
  assert.ok(resent.length >= 2, `only [${resent}] got NACKs and retransmitted: ${all}`);
  // the consumers NACKed, and the SFU answered with RTX
  assert.ok(recv.total.rtxOut > 0, `the SFU answered no consumer NACK with RTX: ${all}`);
  trio.forEach((u, i) => assert.ok(d[i].in.nack > 0, `${u} sent no NACK: ${all}`));
  // video kept flowing from everyone to everyone: more than 3 frames/s
  // (the clip is 15/s; without the answers to consumers' NACKs a page decodes
  // < 1/s under this loss), or half of what the sender encoded if a loaded
  // machine made its encoder go below 6/s
  trio.forEach((u, i) => {
    for (const o of trio.filter((x) => x !== u)) {
      const enc = d[trio.indexOf(o)].out.frames;
      assert.ok(decoded(i, o) > Math.min(3 * secs, enc / 2),
                `${u} decoded ${decoded(i, o)} frames of ${o} (which encoded ${enc}) in ${secs} s`);
    }
  });
});

step('a late joiner gets the existing producers and is seen by all', async () => {
  await open('dave');
  const s = await waitCall('dave', ['alice', 'bob', 'carol']);
  for (const u of ['alice', 'bob', 'carol'])
    await waitCall(u, ['alice', 'bob', 'carol', 'dave'].filter((x) => x !== u));
  await assertVideoOut(['dave'], [s]);
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
