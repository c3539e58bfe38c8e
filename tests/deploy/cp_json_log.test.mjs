// SPDX-License-Identifier: MIT
//
// Drives a room through its life cycle against a control plane that logs
// JSON (run by cp_json_log.sh): two peers join, alice produces audio on a
// send transport, bob consumes it on a recv transport, alice leaves, bob
// disconnects. Writes the ids to $JSONLOG_IDS for the shell to find in the
// log lines.

import { test } from 'node:test';
import fs from 'node:fs';
import { uniq, reqOk, joinNew, opusParams } from '../signaling/lib.mjs';

test('room life cycle for the JSON log check', async () => {
  const ch = uniq('jsonlog');
  const a = await joinNew(ch, 'alice');
  const b = await joinNew(ch, 'bob');
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const pa = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(700) });
  const { transport: tb } = await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  const cb = await reqOk(b, 'mediasoup:consume', {
    producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: b.joinAnswer.rtpCapabilities,
  });
  await reqOk(a, 'mediasoup:leave', {});
  await b.inbox.waitFor('mediasoup:peer-left');
  const gone = new Promise((resolve) => b.once('disconnect', resolve));
  b.disconnect();
  await gone;
  a.close();
  fs.writeFileSync(process.env.JSONLOG_IDS, JSON.stringify({
    room: ch, a: a.peerId, b: b.peerId, ta: ta.id, tb: tb.id, producer: pa.producerId, consumer: cb.consumer.id,
  }));
});
