// SPDX-License-Identifier: MIT
//
// Per-peer statistics: get-room-stats keeps the protocol's fields and adds
// peerStats (every peer with its transports, producers and consumers and
// their figures; the data plane here receives nothing, so the figures are
// zero and the states those of transports nobody connected); /metrics has
// the per-transport series labelled room/peer/transport/direction, with
// room names escaped as Prometheus requires.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { URL, uniq, reqOk, joinNew, opusParams } from './lib.mjs';

const TRANSPORT_NUMBERS = [
  'rxBitrate', 'txBitrate', 'packetsLost', 'remotePacketsLost', 'rxPackets', 'txPackets',
  'rxBytes', 'txBytes', 'nackIn', 'nackOut', 'rtxOut', 'rtxMiss', 'pliIn', 'pliOut', 'pliSuppressed',
];
const STREAM_NUMBERS = ['bitrate', 'packets', 'bytes', 'lost', 'jitter'];

async function scene(ch) {
  const a = await joinNew(ch, 'alice');
  const b = await joinNew(ch, 'bob');
  const { transport: ta } = await reqOk(a, 'mediasoup:create-transport', { direction: 'send' });
  const pa = await reqOk(a, 'mediasoup:produce', { transportId: ta.id, kind: 'audio', rtpParameters: opusParams(700) });
  const { transport: rb } = await reqOk(b, 'mediasoup:create-transport', { direction: 'recv' });
  const cb = await reqOk(b, 'mediasoup:consume', {
    producerPeerId: a.peerId, producerId: pa.producerId, rtpCapabilities: b.joinAnswer.rtpCapabilities,
  });
  return { a, b, ta, rb, pa, cb };
}

function checkTransport(t, id, direction) {
  assert.equal(t.id, id);
  assert.equal(t.direction, direction);
  assert.equal(t.iceState, 'new');
  assert.equal(t.dtlsState, 'new');
  assert.equal(t.rttMs, null, 'no RTT before any report');
  for (const k of TRANSPORT_NUMBERS) {
    assert.ok(Number.isInteger(t[k]) && t[k] >= 0, `${k}: ${t[k]}`);
  }
}

test('get-room-stats: peerStats with every transport, producer and consumer', async () => {
  const ch = uniq('peer-stats');
  const { a, b, ta, rb, pa, cb } = await scene(ch);
  const { stats } = await reqOk(b, 'mediasoup:get-room-stats', { channelId: ch });
  // the protocol's fields stay
  assert.equal(stats.channelId, ch);
  assert.equal(stats.peers, 2);
  assert.equal(stats.producers, 1);
  assert.equal(stats.consumers, 1);
  assert.equal(stats.e2eeEnabled, true);
  assert.equal(typeof stats.createdAt, 'number');
  // transportList has the same figures
  assert.equal(stats.transportList.length, 2);
  checkTransport(stats.transportList.find((t) => t.id === ta.id), ta.id, 'send');
  checkTransport(stats.transportList.find((t) => t.id === rb.id), rb.id, 'recv');

  assert.equal(stats.peerStats.length, 2);
  const sa = stats.peerStats.find((p) => p.peerId === a.peerId);
  const sb = stats.peerStats.find((p) => p.peerId === b.peerId);
  assert.ok(sa && sb);
  assert.equal(sa.userId, 'alice');
  assert.equal(sb.userId, 'bob');
  assert.equal(sa.transports.length, 1);
  checkTransport(sa.transports[0], ta.id, 'send');
  assert.equal(sb.transports.length, 1);
  checkTransport(sb.transports[0], rb.id, 'recv');

  assert.equal(sa.producers.length, 1);
  const p = sa.producers[0];
  assert.equal(p.id, pa.producerId);
  assert.equal(p.kind, 'audio');
  assert.equal(p.transportId, ta.id);
  for (const k of STREAM_NUMBERS) assert.equal(p[k], 0, `producer ${k}`);
  assert.equal(sa.consumers.length, 0);

  assert.equal(sb.producers.length, 0);
  assert.equal(sb.consumers.length, 1);
  const c = sb.consumers[0];
  assert.equal(c.id, cb.consumer.id);
  assert.equal(c.producerId, pa.producerId);
  assert.equal(c.kind, 'audio');
  assert.equal(c.transportId, rb.id);
  assert.equal(c.paused, true);
  assert.equal(c.rttMs, null);
  for (const k of STREAM_NUMBERS) assert.equal(c[k], 0, `consumer ${k}`);

  // a peer leaving takes its entry along
  a.close();
  await b.inbox.waitFor('mediasoup:peer-left');
  const after = (await reqOk(b, 'mediasoup:get-room-stats', { channelId: ch })).stats;
  assert.deepEqual(after.peerStats.map((x) => x.peerId), [b.peerId]);
  assert.equal(after.peerStats[0].consumers.length, 0);
  b.close();
});

// The label value of a room name as the Prometheus text format writes it.
const esc = (s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

test('/metrics: per-transport series with escaped labels', async () => {
  const ch = uniq('we"ird\\room\nname');
  const { a, b, ta, rb } = await scene(ch);
  const text = await (await fetch(`${URL}/metrics`)).text();
  const labels = (sock, t, dir) =>
    `{room="${esc(ch)}",peer="${sock.peerId}",transport="${t.id}",direction="${dir}"`;
  const la = labels(a, ta, 'send');
  const lb = labels(b, rb, 'recv');
  const lines = text.split('\n');
  const has = (line) => lines.includes(line);
  assert.ok(has(`sluice_transport_ice_state${la},state="new"} 1`), 'ice state of a');
  assert.ok(has(`sluice_transport_dtls_state${lb},state="new"} 1`), 'dtls state of b');
  for (const name of [
    'sluice_transport_rx_bitrate_bps', 'sluice_transport_tx_bitrate_bps',
    'sluice_transport_packets_lost_total', 'sluice_transport_remote_packets_lost',
    'sluice_transport_nack_in_total', 'sluice_transport_nack_out_total',
    'sluice_transport_rtx_out_total', 'sluice_transport_rtx_miss_total',
    'sluice_transport_pli_in_total', 'sluice_transport_pli_out_total',
    'sluice_transport_pli_suppressed_total',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), name);
    for (const l of [la, lb]) assert.ok(has(`${name}${l}} 0`), `${name}${l}}`);
  }
  assert.match(text, /^# TYPE sluice_transport_rtt_seconds gauge$/m);
  assert.ok(!text.includes(`sluice_transport_rtt_seconds${la}`), 'no RTT series before a report');
  // the raw room name never appears: every line is one sample or comment
  assert.ok(!text.includes(ch));
  for (const line of lines) {
    if (line && !line.startsWith('#')) assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? -?[0-9.e+-]+$/, line);
  }
  // the series go with the transports: a's are gone once b saw it leave
  a.close();
  await b.inbox.waitFor('mediasoup:peer-left');
  const later = await (await fetch(`${URL}/metrics`)).text();
  assert.ok(!later.includes(la), 'no series of a closed transport');
  assert.ok(later.includes(`sluice_transport_ice_state${lb},state="new"} 1`));
  b.close();
});
