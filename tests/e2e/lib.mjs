// SPDX-License-Identifier: MIT
//
// lib.mjs - helpers shared by the browser tests: a tiny static HTTP server on
// 127.0.0.1 and a headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core, from `npm ci --prefix tests`).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'package.json'));

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const DEMO_SRC = path.resolve(here, '../../controlplane/demo');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
                '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

// Serves files below each root: mounts = { '/prefix/': '/dir', ... }.
// Resolves with { url, close() } once listening on 127.0.0.1 (free port).
export function serveStatic(mounts) {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!u.pathname.startsWith(prefix)) continue;
      const file = path.join(dir, decodeURIComponent(u.pathname.slice(prefix.length)));
      if (!file.startsWith(dir + path.sep) && file !== dir) break;
      fs.readFile(file, (err, body) => {
        if (err) { res.writeHead(404); res.end('not found'); return; }
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
                             'cache-control': 'no-store' });
        res.end(body);
      });
      return;
    }
    res.writeHead(404);
    res.end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
    }));
  });
}

// Headless Chromium with a fake camera and microphone (a moving test
// pattern and a beep) and the permission prompt auto-accepted. videoFile: a
// Y4M file that every page's fake camera plays instead (in a loop).
export async function launchChromium({ videoFile } = {}) {
  const { chromium } = require('playwright-core');
  const args = ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream',
                '--use-fake-ui-for-media-stream', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--no-first-run',
                '--autoplay-policy=no-user-gesture-required'];
  if (videoFile) args.push(`--use-file-for-fake-video-capture=${videoFile}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// Polls fn() (async) every stepMs until it returns a truthy value, or
// maxTries polls were made, or maxMs passed; returns the last value. A bound
// on work, not an assertion on time.
export async function pollUntil(fn, { maxTries = 600, stepMs = 100, maxMs = 90000 } = {}) {
  const end = Date.now() + maxMs;
  let v;
  for (let i = 0; i < maxTries && Date.now() < end; i++) {
    v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return v;
}

// Collects a page's console errors and uncaught exceptions (for failure output).
export function watchPage(page, tag, sink) {
  page.on('console', (m) => { if (m.type() === 'error') sink.push(`[${tag}] console: ${m.text()}`); });
  page.on('pageerror', (e) => sink.push(`[${tag}] pageerror: ${e.message}`));
}
