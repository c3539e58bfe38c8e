// SPDX-License-Identifier: MIT
//
// build.mjs - bundles the demo page into OUTDIR (node build.mjs OUTDIR):
//   app.bundle.js   app.js + e2ee.js + mediasoup-client + socket.io-client
//   e2ee-worker.js  the encoded-transform worker (+ e2ee.js)
//   index.html, style.css  copied
// Run by the sluice-demo CMake target after npm-ci.cmake.

import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUTDIR');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  format: 'esm',
  // browsers with RTCRtpScriptTransform (E2EE needs it)
  target: ['chrome111', 'firefox117', 'safari17'],
  minify: true,
  logLevel: 'warning',
  absWorkingDir: here,
};
await esbuild.build({ ...common, entryPoints: ['app.js'], sourcemap: true,
                      outfile: path.join(out, 'app.bundle.js') });
await esbuild.build({ ...common, entryPoints: ['e2ee-worker.js'],
                      outfile: path.join(out, 'e2ee-worker.js') });
for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(here, f), path.join(out, f));
