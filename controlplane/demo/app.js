// SPDX-License-Identifier: MIT
//
// app.js - the Sluice demo page: joins a room over Socket.IO (protocol.md),
// sends camera + microphone and receives every other peer's media with
// mediasoup-client, every frame end-to-end encrypted by e2ee.js in a worker.
// Bundled with mediasoup-client and socket.io-client into app.bundle.js by
// esbuild at build time (controlplane/demo/CMakeLists.txt).
//
// Flow: connect (auth: { token }) -> mediasoup:join -> Device.load -> recv
// and send transports -> produce audio + VP8 video (E2EE transform set in
// onRtpSender, before any frame is encoded) -> consume every existing and
// every new producer (E2EE transform set in onRtpReceiver) -> resume.
//
// Screen sharing: a second video producer (appData { source: 'screen' })
// from getDisplayMedia (or, where the browser has none, a canvas test
// pattern: shareScreen({ allowFallback: true }), which the tests use). The
// server's mediasoup:new-producer and existingProducers do not carry appData
// (protocol.md), so a receiving page tells a screen apart by order: a peer's
// first video producer is its camera (the page produces it at join, before
// anything else), every further video producer of the peer is a screen and
// gets a tile of its own, keyed by its producerId.
//
// Participant list: ourselves, every peer-joined, and the user of every
// producer we hear of (the join answer lists producers, not peers: a peer
// that joined before us and produces nothing is not listed); peer-left
// removes. Per-tile overlay: inbound bitrate, loss and RTT from getStats of
// the tile's consumers, every second (updateStats).
//
// window.sluiceDemo exposes join/leave/shareScreen/stopScreen/snapshot for
// the browser tests.

import { Device } from 'mediasoup-client';
import { io } from 'socket.io-client';
import { E2eeSession, e2eeSupported } from './e2ee.js';

const WORKER_URL = 'e2ee-worker.js';
const REQUEST_TIMEOUT_MS = 15000;
const STATS_INTERVAL_MS = 1000;
const $ = (id) => document.getElementById(id);

// The one call of this page; null when not in a call.
let call = null;

// ------------------------------------------------------------------ UI bits

function setStatus(text) { $('status').textContent = text; }

function showError(err) {
  const msg = err instanceof Error ? err.message : String(err);
  console.error('sluice demo:', msg);
  $('error').textContent = msg;
  $('error').hidden = false;
}

function clearError() { $('error').hidden = true; }

// The user id in a JWT's payload (for display only; the server checks it).
function tokenSubject(token) {
  try {
    const b64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(b64)).sub || '?';
  } catch {
    return '?';
  }
}

// A video tile: one per remote peer with media, plus our own. Counts the
// frames the <video> presents (requestVideoFrameCallback).
function makeTile(key, label, local, source = 'camera') {
  const el = document.createElement('div');
  el.className = (local ? 'tile local' : 'tile') + (source === 'screen' ? ' screen' : '');
  el.dataset.peer = key;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true; // sound goes through the <audio> element
  const audio = document.createElement('audio');
  audio.autoplay = true;
  const name = document.createElement('div');
  name.className = 'label';
  name.textContent = label;
  const state = document.createElement('div');
  state.className = 'state';
  const stats = document.createElement('div');
  stats.className = 'stats';
  el.append(video, audio, name, state, stats);
  $('grid').append(el);
  const tile = { key, label, local, source, el, video, audio, state, stats,
                 stream: new MediaStream(), audioStream: new MediaStream(),
                 consumers: new Set(), frames: 0, firstFrameMs: null, last: {},
                 overlay: null };
  video.srcObject = tile.stream;
  audio.srcObject = tile.audioStream;
  const onFrame = () => {
    tile.frames++;
    if (tile.firstFrameMs === null && call) tile.firstFrameMs = performance.now() - call.t0;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return tile;
}

function tileAddTrack(tile, track) {
  const s = track.kind === 'audio' ? tile.audioStream : tile.stream;
  s.addTrack(track);
  // re-assigning restarts playback with the new track set
  if (track.kind === 'audio') tile.audio.srcObject = s;
  else tile.video.srcObject = s;
}

function removeTile(tile) {
  tile.el.remove();
  call.tiles.delete(tile.key);
}

// The participant list: call.participants (peerId -> userId; ours: 'local').
function renderParticipants() {
  const list = $('participant-list');
  if (!call) { list.replaceChildren(); $('participants').hidden = true; return; }
  const items = [...call.participants].map(([peerId, userId]) => {
    const li = document.createElement('li');
    li.dataset.peer = peerId;
    li.textContent = peerId === 'local' ? `${userId} (you)` : userId;
    return li;
  });
  list.replaceChildren(...items);
  $('participant-count').textContent = String(items.length);
  $('participants').hidden = false;
}

function addParticipant(peerId, userId) {
  if (!call || !peerId || peerId === call.peerId || call.gone.has(peerId)) return;
  if (call.participants.get(peerId) === userId) return;
  call.participants.set(peerId, userId || '?');
  renderParticipants();
}

// ------------------------------------------------------------- signaling

async function request(event, payload = {}) {
  if (!call?.socket) throw new Error(`${event}: not connected`);
  const res = await call.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, payload);
  if (res && res.error) {
    const e = new Error(`${event}: ${res.error} (${res.code})`);
    e.code = res.code;
    if (res.code === 'REDIRECT') e.url = res.url; // fleet: the room's home node
    throw e;
  }
  return res;
}

function connectSocket(token, url = location.origin) {
  const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(new Error(`cannot connect: ${e.message}`));
    });
  });
}

// Transport of one direction, wired to the signaling.
async function createTransport(direction) {
  const { transport: t } = await request('mediasoup:create-transport', { direction });
  const opts = { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates,
                 dtlsParameters: t.dtlsParameters };
  const tr = direction === 'send' ? call.device.createSendTransport(opts)
                                  : call.device.createRecvTransport(opts);
  tr.on('connect', ({ dtlsParameters }, ok, fail) => {
    request('mediasoup:connect-transport', { transportId: tr.id, dtlsParameters })
      .then(() => ok(), fail);
  });
  if (direction === 'send') {
    tr.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      request('mediasoup:produce', { transportId: tr.id, kind, rtpParameters, appData })
        .then((r) => ok({ id: r.producerId }), fail);
    });
  }
  tr.on('connectionstatechange', (s) => {
    call.state[direction] = s;
    if (s === 'connected' && !call.connectedAt[direction])
      call.connectedAt[direction] = Date.now() - call.t0Epoch;
    if (s === 'failed') showError(`${direction} transport failed (ICE/DTLS)`);
    renderStates();
  });
  call.state[direction] = tr.connectionState;
  return tr;
}

// ------------------------------------------------------------- consumers

// The tile of a remote producer: key = peerId for its camera and
// microphone, 'screen:<producerId>' for a screen.
function remoteTile(key, label, source) {
  let tile = call.tiles.get(key);
  if (!tile) {
    tile = makeTile(key, label, false, source);
    call.tiles.set(key, tile);
    if (call.activeSpeaker?.peerId === key) tile.el.classList.add('speaking');
  }
  return tile;
}

// Camera or screen, decided when the producer is first heard of (in the
// order the server sends them): appData.source when a server passes it,
// else a peer's second and later video producers are screens.
function classify(p) {
  if (p.kind !== 'video') return 'camera';
  if (p.appData?.source === 'screen') return 'screen';
  if (p.appData?.source) return 'camera';
  const cam = call.cameraOf.get(p.peerId);
  if (!cam || cam === p.producerId || call.gone.has(cam)) {
    call.cameraOf.set(p.peerId, p.producerId);
    return 'camera';
  }
  return 'screen';
}

async function consume(p) {
  const cl = call;
  if (!cl || cl.consumed.has(p.producerId) || p.peerId === cl.peerId) return;
  cl.consumed.add(p.producerId);
  addParticipant(p.peerId, p.userId);
  const source = classify(p);
  const tileKey = source === 'screen' ? `screen:${p.producerId}` : p.peerId;
  const res = await request('mediasoup:consume', {
    producerPeerId: p.peerId, producerId: p.producerId,
    rtpCapabilities: cl.device.recvRtpCapabilities });
  const c = res.consumer;
  const consumer = await cl.recvTransport.consume({
    id: c.id, producerId: c.producerId, kind: c.kind, rtpParameters: c.rtpParameters,
    onRtpReceiver: (r) => cl.e2ee.attachReceiver(r, c.kind, c.id),
    appData: { peerId: p.peerId, userId: p.userId, tileKey, source },
  });
  if (call !== cl) return; // left meanwhile (teardown closed the transport)
  cl.consumers.set(consumer.id, consumer);
  const tile = remoteTile(tileKey, source === 'screen' ? `${p.userId} screen` : p.userId, source);
  tile.consumers.add(consumer.id);
  tileAddTrack(tile, consumer.track);
  // closed while we were setting it up: the notification found nothing to drop
  if (cl.gone.has(p.peerId) || cl.gone.has(p.producerId) || cl.gone.has(consumer.id)) {
    dropConsumer(consumer.id);
    return;
  }
  await request('mediasoup:resume-consumer', { consumerId: consumer.id });
}

function consumeLogged(p) {
  consume(p).catch((e) => {
    if (e.code !== 'NOT_FOUND') showError(e); // NOT_FOUND: closed meanwhile
  });
}

function dropConsumer(consumerId) {
  const consumer = call.consumers.get(consumerId);
  if (!consumer) return;
  call.consumers.delete(consumerId);
  consumer.close();
  const tile = call.tiles.get(consumer.appData.tileKey);
  if (!tile) return;
  tile.stream.removeTrack(consumer.track);
  tile.audioStream.removeTrack(consumer.track);
  tile.consumers.delete(consumerId);
  if (tile.consumers.size === 0) removeTile(tile);
}

function consumerByProducer(producerId) {
  for (const c of call.consumers.values()) if (c.producerId === producerId) return c;
  return null;
}

function wireNotifications(socket) {
  socket.on('mediasoup:new-producer', (p) => {
    if (!call.ready) call.pending.push(p);
    else consumeLogged(p);
  });
  socket.on('mediasoup:producer-closed', ({ producerId }) => {
    call.gone.add(producerId);
    const c = consumerByProducer(producerId);
    if (c) dropConsumer(c.id);
  });
  socket.on('mediasoup:consumer-closed', ({ consumerId }) => {
    call.gone.add(consumerId);
    dropConsumer(consumerId);
  });
  // Sluice's addition (README "Protocol additions"): the room's dominant
  // speaker changed; its tile (ours: 'local') gets the 'speaking' class.
  socket.on('mediasoup:active-speaker', ({ peerId, producerId, volume }) => {
    if (!call) return;
    call.activeSpeaker = { peerId, producerId, volume };
    const key = peerId === call.peerId ? 'local' : peerId;
    for (const tile of call.tiles.values())
      tile.el.classList.toggle('speaking', tile.key === key);
  });
  socket.on('mediasoup:peer-joined', ({ userId, peerId }) => {
    console.info(`sluice demo: ${userId} joined (${peerId})`);
    addParticipant(peerId, userId);
  });
  socket.on('mediasoup:peer-left', ({ peerId }) => {
    call.gone.add(peerId);
    if (call.participants.delete(peerId)) renderParticipants();
    for (const c of [...call.consumers.values()])
      if (c.appData.peerId === peerId) dropConsumer(c.id);
    const tile = call.tiles.get(peerId);
    if (tile) removeTile(tile);
  });
  socket.on('disconnect', (reason) => {
    if (call && call.socket === socket && !call.leaving) {
      showError(`disconnected from the server: ${reason}`);
      teardown();
    }
  });
}

// ------------------------------------------------------------ join/leave

// Fleet (README "Fleet"): a node that is not the room's home answers the
// join with REDIRECT and the home's url; reconnect there with the same token
// (a few hops at most: the directory only moves a room when its home died).
const MAX_REDIRECTS = 3;
async function connectAndJoin(token, room) {
  let url = location.origin;
  for (let hop = 0; ; hop++) {
    call.socket = await connectSocket(token, url);
    wireNotifications(call.socket);
    try {
      return await request('mediasoup:join', { channelId: room });
    } catch (e) {
      const next = e.code === 'REDIRECT' && hop < MAX_REDIRECTS && /^https?:\/\//.test(e.url ?? '');
      if (!next) throw e;
      console.info(`sluice demo: room "${room}" lives on ${e.url}: reconnecting there`);
      const old = call.socket;
      call.socket = null; // its disconnect is ours, not a failure
      old.close();
      url = e.url;
    }
  }
}

// opts: { room, name, token, passphrase, keyId }
async function join(opts) {
  if (call) throw new Error('already in a call');
  if (!e2eeSupported())
    throw new Error('this browser cannot encrypt media frames (no RTCRtpScriptTransform); ' +
                    'E2EE is mandatory here');
  const userId = tokenSubject(opts.token);
  call = {
    room: opts.room, name: opts.name || userId, userId, keyId: Number(opts.keyId) || 0,
    t0: performance.now(), t0Epoch: Date.now(), connectedAt: {}, state: {},
    tiles: new Map(),      // peerId (or 'local') -> tile
    consumers: new Map(),  // consumerId -> mediasoup-client Consumer
    producers: new Map(),  // kind -> mediasoup-client Producer (camera, microphone)
    screen: null,          // our screen share: { producer, track, source, stop }
    cameraOf: new Map(),   // peerId -> producerId of its camera (classify)
    participants: new Map(), // peerId -> userId, ours under 'local'
    consumed: new Set(),   // producerIds asked for (no double consume)
    gone: new Set(),       // peer/producer/consumer ids closed by the server
    pending: [],           // new-producer notifications before we are ready
    activeSpeaker: null,   // the last mediasoup:active-speaker
    ready: false, leaving: false,
  };
  setStatus('connecting');
  try {
    call.e2ee = new E2eeSession(WORKER_URL);
    await call.e2ee.setPassphrase(opts.passphrase, opts.room, call.keyId);
    const res = await connectAndJoin(opts.token, opts.room);
    call.peerId = res.peerId;
    call.participants.set('local', userId);
    renderParticipants();
    call.device = new Device();
    await call.device.load({ routerRtpCapabilities: res.rtpCapabilities });
    call.recvTransport = await createTransport('recv');
    call.sendTransport = await createTransport('send');
    await startMedia();
    call.ready = true;
    for (const p of [...res.existingProducers, ...call.pending]) consumeLogged(p);
    call.pending = [];
    call.statsTimer = setInterval(() => updateStats().catch(() => {}), STATS_INTERVAL_MS);
    setStatus(`in room "${opts.room}" as ${userId}`);
    $('room-info').textContent = `E2EE key id ${call.keyId}`;
    return { peerId: call.peerId };
  } catch (e) {
    const dropped = call === null; // the server went away meanwhile
    teardown();
    throw dropped ? new Error(`the connection closed while joining (${e.message})`) : e;
  }
}

// Camera + microphone, produced through the send transport (video as VP8:
// the codec whose clear header bytes e2ee.js keeps).
async function startMedia() {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } } });
  call.localStream = stream;
  const tile = makeTile('local', `${call.name} (you)`, true);
  call.tiles.set('local', tile);
  const vp8 = call.device.rtpCapabilities.codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
  if (!vp8) throw new Error('the server offers no VP8: the E2EE header rules need it');
  for (const track of stream.getTracks()) {
    if (track.kind === 'video') tileAddTrack(tile, track);
    const producer = await call.sendTransport.produce({
      track, stopTracks: false, codec: track.kind === 'video' ? vp8 : undefined,
      appData: { displayName: call.name },
      onRtpSender: (s) => call.e2ee.attachSender(s, track.kind, `send-${track.kind}`),
    });
    call.producers.set(track.kind, producer);
  }
}

// Closes everything of the call locally (no signaling).
function teardown() {
  if (!call) return;
  const c = call;
  c.leaving = true; // closing the socket below fires 'disconnect' at once
  clearInterval(c.statsTimer);
  for (const consumer of c.consumers.values()) consumer.close();
  for (const producer of c.producers.values()) producer.close();
  c.screen?.producer.close();
  c.screen?.stop();
  c.sendTransport?.close();
  c.recvTransport?.close();
  c.localStream?.getTracks().forEach((t) => t.stop());
  c.socket?.close();
  c.e2ee?.close();
  $('grid').replaceChildren();
  call = null;
  renderParticipants();
  $('share-screen').textContent = 'Share screen';
  setStatus('not connected');
  $('controls').hidden = true;
  $('join-form').hidden = false;
}

async function leave() {
  if (!call) return;
  call.leaving = true;
  try {
    await request('mediasoup:leave');
  } catch (e) {
    console.warn('sluice demo: leave:', e.message);
  }
  teardown();
}

// ---------------------------------------------------------- screen share

// A canvas test pattern as a 'screen' (1280x720, 10 fps): used only when the
// browser has no getDisplayMedia and the caller allowed it. Returns
// { track, stop }.
function canvasScreen() {
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  const g = canvas.getContext('2d');
  let n = 0;
  const draw = () => {
    n++;
    g.fillStyle = '#20324a';
    g.fillRect(0, 0, 1280, 720);
    g.fillStyle = '#3d8bfd';
    g.fillRect((n * 16) % 1280, 200, 160, 320);
    g.fillStyle = '#e8eaed';
    g.font = '64px sans-serif';
    g.fillText(`screen (canvas) ${n}`, 80, 120);
  };
  draw();
  const timer = setInterval(draw, 100);
  const track = canvas.captureStream(10).getVideoTracks()[0];
  return { track, stop: () => { clearInterval(timer); track.stop(); } };
}

// Starts sharing: getDisplayMedia, or the canvas pattern when the browser
// has none (or refuses) and opts.allowFallback. The producer's appData says
// { source: 'screen' }; E2EE as for the camera. Resolves with the source
// used: 'display' or 'canvas'.
async function shareScreen(opts = {}) {
  const cl = call;
  if (!cl?.ready) throw new Error('not in a call');
  if (cl.screen) return cl.screen.source;
  let cap = null, source = 'display';
  if (navigator.mediaDevices.getDisplayMedia) {
    try {
      const st = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10 } },
                                                                audio: false });
      const track = st.getVideoTracks()[0];
      cap = { track, stop: () => st.getTracks().forEach((t) => t.stop()) };
    } catch (e) {
      if (!opts.allowFallback) throw new Error(`screen capture refused: ${e.message}`);
      console.warn(`sluice demo: getDisplayMedia failed (${e.message}): canvas pattern instead`);
    }
  } else if (!opts.allowFallback) {
    throw new Error('this browser cannot capture the screen (no getDisplayMedia)');
  }
  if (!cap) { cap = canvasScreen(); source = 'canvas'; }
  if (call !== cl || cl.screen) { cap.stop(); throw new Error('the call changed meanwhile'); }
  const vp8 = cl.device.rtpCapabilities.codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
  cl.screen = { producer: null, track: cap.track, source, stop: cap.stop };
  try {
    const producer = await cl.sendTransport.produce({
      track: cap.track, stopTracks: false, codec: vp8,
      appData: { source: 'screen', displayName: cl.name },
      onRtpSender: (s) => cl.e2ee.attachSender(s, 'video', 'send-screen'),
    });
    if (call !== cl) { producer.close(); cap.stop(); throw new Error('left meanwhile'); }
    cl.screen.producer = producer;
  } catch (e) {
    cap.stop();
    if (call === cl) cl.screen = null;
    throw e;
  }
  const tile = makeTile('local-screen', `${cl.name} screen (you)`, true, 'screen');
  cl.tiles.set('local-screen', tile);
  tileAddTrack(tile, cap.track);
  // the browser's own "stop sharing" ends the track
  cap.track.addEventListener('ended', () => { if (call === cl) stopScreen().catch(showError); });
  $('share-screen').textContent = 'Stop sharing';
  return source;
}

// Stops sharing: closes the producer here and on the server
// (mediasoup:close-producer: the others get producer-closed).
async function stopScreen() {
  const cl = call;
  const sh = cl?.screen;
  if (!sh?.producer) return;
  cl.screen = null;
  sh.producer.close();
  sh.stop();
  const tile = cl.tiles.get('local-screen');
  if (tile) removeTile(tile);
  $('share-screen').textContent = 'Share screen';
  await request('mediasoup:close-producer', { producerId: sh.producer.id });
}

// --------------------------------------------------------- controls, stats

function togglePause(kind, button, onText, offText) {
  const p = call?.producers.get(kind);
  if (!p) return;
  if (p.paused) p.resume(); else p.pause();
  button.textContent = p.paused ? offText : onText;
}

async function rotateKey() {
  const pass = $('passphrase').value;
  const next = (call.keyId + 1) & 0xff;
  await call.e2ee.setPassphrase(pass, call.room, next);
  call.keyId = next;
  $('room-info').textContent = `E2EE key id ${next}`;
}

function renderStates() {
  if (!call) return;
  for (const tile of call.tiles.values())
    tile.state.textContent = tile.local ? `send: ${call.state.send || '-'}`
                                        : `recv: ${call.state.recv || '-'}`;
}

function rtpOf(report, type) {
  const out = {};
  for (const r of report.values()) {
    if (r.type !== type) continue;
    out.packets = r.packetsReceived ?? r.packetsSent ?? 0;
    out.bytes = r.bytesReceived ?? r.bytesSent ?? 0;
    out.framesDecoded = r.framesDecoded ?? 0;
    out.framesEncoded = r.framesEncoded ?? 0;
    out.fps = r.framesPerSecond ?? 0;
    out.totalSamplesReceived = r.totalSamplesReceived ?? 0;
    out.codec = report.get(r.codecId)?.mimeType ?? null;
    // diagnostics: feedback seen (outbound: received from the SFU; inbound:
    // sent to it), losses, key frames, what limits the encoder
    out.pli = r.pliCount ?? 0;
    out.fir = r.firCount ?? 0;
    out.nack = r.nackCount ?? 0;
    out.lost = r.packetsLost ?? 0;
    out.keyFrames = r.keyFramesDecoded ?? r.keyFramesEncoded ?? 0;
    out.width = r.frameWidth ?? 0;
    out.limit = r.qualityLimitationReason ?? null;
  }
  // the transport's selected pair (else the nominated, succeeded one)
  let selected = null;
  for (const r of report.values())
    if (r.type === 'transport' && r.selectedCandidatePairId) selected = report.get(r.selectedCandidatePairId);
  if (!selected)
    for (const r of report.values())
      if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') selected = r;
  if (selected) {
    out.availableOutKbps = Math.round((selected.availableOutgoingBitrate ?? 0) / 1000);
    // sub-millisecond on loopback: kept to 0.1 ms; null until measured
    out.rttMs = selected.currentRoundTripTime === undefined ? null
      : Math.round(selected.currentRoundTripTime * 10000) / 10;
  }
  return out;
}

// rtpOf() of a producer's or consumer's stats; {} once it is closed.
async function rtpStats(pc, type) {
  try {
    return rtpOf(await pc.getStats(), type);
  } catch {
    return {};
  }
}

// Per-kind RTP numbers of our producers (outbound) or of one peer's consumers
// (inbound), plus the E2EE worker's counters of the same streams. cl: the
// call object (the global may become null while this awaits).
async function mediaStats(cl, tile, e2ee) {
  const res = {};
  if (tile.key === 'local') {
    for (const [kind, p] of [...cl.producers])
      res[kind] = { ...await rtpStats(p, 'outbound-rtp'), e2ee: e2ee[`send-${kind}`] };
  } else if (tile.key === 'local-screen') {
    const p = cl.screen?.producer;
    if (p) res.video = { ...await rtpStats(p, 'outbound-rtp'), e2ee: e2ee['send-screen'] };
  } else {
    for (const id of [...tile.consumers]) {
      const c = cl.consumers.get(id);
      if (c) res[c.kind] = { consumerId: id, ...await rtpStats(c, 'inbound-rtp'), e2ee: e2ee[id] };
    }
  }
  return res;
}

async function updateStats() {
  const cl = call;
  if (!cl) return;
  const e2ee = await cl.e2ee.stats(); // rejects once the call is gone: caught by the timer
  const now = performance.now();
  for (const tile of [...cl.tiles.values()]) {
    const m = await mediaStats(cl, tile, e2ee);
    const dt = (now - (tile.last.t || now)) / 1000;
    const delta = (kind, field) => {
      const b = m[kind]?.[field] ?? 0;
      return b - (tile.last[kind]?.[field] ?? b);
    };
    const kbps = (kind) => (dt > 0 ? Math.round((delta(kind, 'bytes') * 8) / dt / 1000) : 0);
    // loss over the last interval, of the packets expected (received + lost)
    const lost = delta('video', 'lost') + delta('audio', 'lost');
    const got = delta('video', 'packets') + delta('audio', 'packets');
    const rtts = [m.video?.rttMs, m.audio?.rttMs].filter((x) => typeof x === 'number');
    if (dt > 0) {
      tile.overlay = {
        dir: tile.local ? 'out' : 'in', kbps: kbps('video') + kbps('audio'),
        videoKbps: kbps('video'), audioKbps: kbps('audio'),
        lossPct: got + lost > 0 ? Math.round((Math.max(lost, 0) * 1000) / (got + lost)) / 10 : 0,
        lostTotal: (m.video?.lost ?? 0) + (m.audio?.lost ?? 0),
        rttMs: rtts.length ? rtts[0] : null, fps: m.video?.fps ?? 0,
      };
    }
    const o = tile.overlay;
    const v = m.video?.e2ee;
    tile.stats.textContent = o
      ? `${o.dir === 'in' ? '↓' : '↑'} ${o.kbps} kbps` +
        (tile.local ? '' : ` · loss ${o.lossPct}%`) +
        ` · rtt ${o.rttMs === null ? '-' : `${o.rttMs} ms`}` +
        (v ? ` · e2ee ok ${v.ok}/drop ${v.dropped}` : '')
      : 'measuring…';
    tile.last = { t: now, video: { ...m.video }, audio: { ...m.audio } };
  }
  renderStates();
}

// Pixels of a tile's video that are not (near) black, in a 32x18 sample.
function litPixels(video) {
  if (!video.videoWidth) return 0;
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 18;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.drawImage(video, 0, 0, 32, 18);
  const px = g.getImageData(0, 0, 32, 18).data;
  let lit = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] > 60) lit++;
  return lit;
}

// Everything the tests look at, in one JSON-able object.
async function snapshot() {
  const cl = call;
  if (!cl) return { joined: false };
  let e2ee;
  try {
    e2ee = await cl.e2ee.stats();
  } catch (e) {
    if (call !== cl) return { joined: false }; // left meanwhile
    throw e;
  }
  const tiles = [];
  for (const tile of [...cl.tiles.values()]) {
    tiles.push({ peerId: tile.key, label: tile.label, source: tile.source, local: tile.local,
                 frames: tile.frames, firstFrameMs: tile.firstFrameMs,
                 videoWidth: tile.video.videoWidth, lit: litPixels(tile.video),
                 overlay: tile.overlay, overlayText: tile.stats.textContent,
                 media: await mediaStats(cl, tile, e2ee) });
  }
  return { joined: cl.ready && call === cl, peerId: cl.peerId, userId: cl.userId,
           room: cl.room, keyId: cl.keyId, state: { ...cl.state }, t0: cl.t0Epoch,
           paused: Object.fromEntries([...cl.producers].map(([k, p]) => [k, p.paused])),
           connectedAt: { ...cl.connectedAt }, tiles, e2ee,
           activeSpeaker: cl.activeSpeaker,
           screen: cl.screen ? { source: cl.screen.source, producerId: cl.screen.producer?.id ?? null }
                             : null,
           screenTiles: tiles.filter((t) => t.source === 'screen' && !t.local),
           participants: [...cl.participants].map(([peerId, userId]) => ({ peerId, userId })) };
}

window.sluiceDemo = { join, leave, shareScreen, stopScreen, snapshot };

// ------------------------------------------------------------------ wiring

function formValues() {
  return { room: $('room').value.trim(), name: $('name').value.trim(),
           token: $('token').value.trim(), passphrase: $('passphrase').value,
           keyId: Number($('key-id').value) || 0 };
}

async function onJoin(ev) {
  ev.preventDefault();
  clearError();
  $('join').disabled = true;
  try {
    if (devToken) $('token').value = (await fetchDevToken()) ?? $('token').value;
    await join(formValues());
    $('join-form').hidden = true;
    $('controls').hidden = false;
    $('mute-audio').textContent = 'Mute mic';
    $('mute-video').textContent = 'Stop camera';
  } catch (e) {
    showError(e);
  } finally {
    $('join').disabled = false;
  }
}

// Development mode (deploy/run.sh sets dev_mode): with no token in the URL
// the page asks the control plane for one, GET /dev/token?room=&name= (404
// unless dev_mode: then the token field stays for the user to fill). Such a
// token names the room and user, so it is fetched again at join time.
let devToken = false;

async function fetchDevToken() {
  const q = new URLSearchParams();
  if ($('room').value.trim()) q.set('room', $('room').value.trim());
  if ($('name').value.trim()) q.set('name', $('name').value.trim());
  const res = await fetch(`/dev/token?${q}`);
  return res.ok ? (await res.json()).token : null;
}

// Fills the form from ?room=&name=&token=&keyId= and #passphrase= (the
// token from /dev/token when the URL has none), and joins at once with
// &join=1.
async function fromUrl() {
  const q = new URLSearchParams(location.search);
  const h = new URLSearchParams(location.hash.slice(1));
  for (const [param, field] of [['room', 'room'], ['name', 'name'], ['token', 'token'],
                                ['keyId', 'key-id']])
    if (q.has(param)) $(field).value = q.get(param);
  if (h.has('passphrase')) $('passphrase').value = h.get('passphrase');
  if (!q.has('token')) {
    const t = await fetchDevToken().catch(() => null);
    if (t) { $('token').value = t; devToken = true; }
  }
  if (q.get('join') === '1' && $('join-form').checkValidity())
    $('join-form').requestSubmit();
}

$('join-form').addEventListener('submit', onJoin);
$('leave').addEventListener('click', () => leave().catch(showError));
$('mute-audio').addEventListener('click', (e) =>
  togglePause('audio', e.target, 'Mute mic', 'Unmute mic'));
$('mute-video').addEventListener('click', (e) =>
  togglePause('video', e.target, 'Stop camera', 'Start camera'));
$('rekey').addEventListener('click', () => rotateKey().catch(showError));
$('share-screen').addEventListener('click', () =>
  (call?.screen ? stopScreen() : shareScreen()).catch(showError));
fromUrl().catch(showError);
