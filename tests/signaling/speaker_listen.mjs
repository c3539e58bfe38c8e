// SPDX-License-Identifier: MIT
//
// A listening peer for test_speaker_e2e.sh: joins a room with npm
// socket.io-client, records who produces audio (existingProducers of the
// join answer and mediasoup:new-producer) and every mediasoup:active-speaker
// notification, and after SECONDS prints one JSON object:
//   { "peerId": ..., "audio": { producerId: peerId }, "speakers": [notification...] }
// It produces nothing. Exit 1 when it cannot connect or join.
//
//   node speaker_listen.mjs URL SECRET ROOM SECONDS

import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'package.json'));
const { io } = require('socket.io-client');

const [url, secret, room, seconds] = process.argv.slice(2);
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const h = b64({ alg: 'HS256', typ: 'JWT' });
const p = b64({ sub: 'listener', exp: Math.floor(Date.now() / 1000) + 3600 });
const token = `${h}.${p}.${crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;

const out = { peerId: null, audio: {}, speakers: [], joinedAt: 0 };
const sock = io(url, { transports: ['websocket'], auth: { token }, reconnection: false,
                       forceNew: true, timeout: 20000 });
sock.on('mediasoup:new-producer', (n) => { if (n.kind === 'audio') out.audio[n.producerId] = n.peerId; });
sock.on('mediasoup:active-speaker', (n) => out.speakers.push({ ...n, t: Date.now() - out.joinedAt }));
sock.once('connect_error', (e) => { console.error(`connect: ${e.message}`); process.exit(1); });
sock.once('connect', async () => {
  try {
    const r = await sock.timeout(20000).emitWithAck('mediasoup:join', { channelId: room });
    if (r.code) throw new Error(`join: ${JSON.stringify(r)}`);
    out.peerId = r.peerId;
    out.joinedAt = Date.now();
    for (const e of r.existingProducers || []) if (e.kind === 'audio') out.audio[e.producerId] = e.peerId;
    console.error(`listener joined ${room} as ${r.peerId}`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  setTimeout(() => {
    console.log(JSON.stringify(out));
    sock.close();
    process.exit(0);
  }, Number(seconds) * 1000);
});
