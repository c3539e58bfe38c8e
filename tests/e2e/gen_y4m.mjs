// SPDX-License-Identifier: MIT
//
// gen_y4m.mjs - writes a Y4M (YUV4MPEG2, 4:2:0) clip that is expensive to
// encode, for Chromium's --use-file-for-fake-video-capture (which loops it):
// the built-in fake camera (a flat moving pattern) compresses so well that
// the encoder never uses the bandwidth the congestion controller allows,
// and the browser test could not tell a bandwidth estimate that ramps up
// from one stuck at the start rate.
//
//   node gen_y4m.mjs OUT.y4m [--width 640] [--height 360] [--fps 15]
//                    [--frames 30] [--block 16] [--change 0.2] [--seed 1]
//
// The defaults (what test_call.sh uses) make 10 MB in well under a second;
// in the 3+1 page call on 2 cores each page then encodes 0.65-2 Mbit/s of
// video, at 640x360 or 480x270, 4-15 fps (see call.test.mjs).
//
// Picture: a grid of --block x --block squares of random colour (luma
// 48..239, so that the picture is never near black), scrolled diagonally by
// a few pixels per frame, of which the fraction --change gets a new random
// colour every frame; plus a bright bar sweeping across, to look at. Each
// frame thus has a lot of new detail, and motion that the encoder's motion
// search partly finds. Deterministic for a given seed (xorshift32). The
// width and height must be even; the last frame does not join the first
// seamlessly (the loop shows a cut, which only costs a bigger frame).
// Exits 0 after writing the whole file, 2 on bad arguments, 1 on I/O error.

import fs from 'node:fs';

function parseArgs(argv) {
  const o = { width: 640, height: 360, fps: 15, frames: 30, block: 16, change: 0.2, seed: 1 };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { rest.push(a); continue; }
    const k = a.slice(2);
    if (!(k in o) || i + 1 >= argv.length) return null;
    const v = Number(argv[++i]);
    if (!Number.isFinite(v)) return null;
    o[k] = v;
  }
  if (rest.length !== 1) return null;
  o.out = rest[0];
  const ints = ['width', 'height', 'fps', 'frames', 'block', 'seed'];
  if (ints.some((k) => !Number.isInteger(o[k]) || o[k] <= 0)) return null;
  if (o.width % 2 || o.height % 2 || o.width > 4096 || o.height > 4096) return null;
  if (o.block % 2 || o.frames > 10000 || o.change < 0 || o.change > 1) return null;
  return o;
}

// xorshift32: a small deterministic generator (not for anything secret).
function rng(seed) {
  let s = (seed >>> 0) || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

// The block grid: one Y, U, V value per block, with a margin so that the
// scrolled window never runs off it (it wraps around instead).
function makeGrid(o, next) {
  const gw = Math.ceil(o.width / o.block) + 1;
  const gh = Math.ceil(o.height / o.block) + 1;
  const y = new Uint8Array(gw * gh);
  const u = new Uint8Array(gw * gh);
  const v = new Uint8Array(gw * gh);
  const fill = (i) => {
    const r = next();
    y[i] = 48 + (r & 0xff) % 192;
    u[i] = 16 + ((r >>> 8) & 0xff) % 225;
    v[i] = 16 + ((r >>> 16) & 0xff) % 225;
  };
  for (let i = 0; i < gw * gh; i++) fill(i);
  return { gw, gh, y, u, v, fill };
}

// One frame (Y plane, then U, V at half resolution) into buf, for frame n.
function renderFrame(o, g, n, buf) {
  const { width: w, height: h, block: b } = o;
  const ox = (n * 3) % (g.gw * b); // scroll offset in luma pixels
  const oy = (n * 2) % (g.gh * b);
  const bar = Math.floor((n * 8) % w); // the sweeping bar's left edge
  for (let yy = 0; yy < h; yy++) {
    const row = g.gw * (Math.floor((yy + oy) / b) % g.gh);
    const base = yy * w;
    for (let xx = 0; xx < w; xx++) {
      const inBar = xx >= bar && xx < bar + 16;
      buf[base + xx] = inBar ? 235 : g.y[row + (Math.floor((xx + ox) / b) % g.gw)];
    }
  }
  const cw = w / 2;
  const ch = h / 2;
  for (const [plane, off] of [[g.u, w * h], [g.v, w * h + cw * ch]]) {
    for (let yy = 0; yy < ch; yy++) {
      const row = g.gw * (Math.floor((2 * yy + oy) / b) % g.gh);
      const base = off + yy * cw;
      for (let xx = 0; xx < cw; xx++) {
        const inBar = 2 * xx >= bar && 2 * xx < bar + 16;
        buf[base + xx] = inBar ? 128 : plane[row + (Math.floor((2 * xx + ox) / b) % g.gw)];
      }
    }
  }
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!o) {
    console.error('usage: node gen_y4m.mjs OUT.y4m [--width W] [--height H] [--fps N] ' +
                  '[--frames N] [--block N] [--change 0..1] [--seed N]');
    return 2;
  }
  const next = rng(o.seed);
  const g = makeGrid(o, next);
  const frameBytes = (o.width * o.height * 3) / 2;
  const buf = Buffer.alloc(frameBytes);
  const changed = Math.round(o.change * g.gw * g.gh);
  let fd;
  try {
    fd = fs.openSync(o.out, 'w');
    fs.writeSync(fd, `YUV4MPEG2 W${o.width} H${o.height} F${o.fps}:1 Ip A1:1 C420jpeg\n`);
    for (let n = 0; n < o.frames; n++) {
      for (let i = 0; i < changed; i++) g.fill(next() % (g.gw * g.gh));
      renderFrame(o, g, n, buf);
      fs.writeSync(fd, 'FRAME\n');
      fs.writeSync(fd, buf);
    }
    fs.closeSync(fd);
  } catch (e) {
    console.error(`gen_y4m: ${o.out}: ${e.message}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
