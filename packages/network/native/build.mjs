#!/usr/bin/env node
// Builds fets' native kernels (this folder's binding.gyp) with the node-gyp that ships with npm, during
// `npm install`. It never fails the install: when there is no compiler, no Node headers or the build breaks, it
// writes build/status.json with the reason, and fets runs on its WebAssembly SIMD kernels instead (and says why once).
//
//   node packages/network/native/build.mjs        build (or rebuild) now
//   FETS_NATIVE_BUILD=0 npm install               skip the build
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gypBuild } from '../scripts/gypBuild.mjs';

gypBuild({
  dir: path.dirname(fileURLToPath(import.meta.url)),
  target: 'fets_native',
  skipVariable: 'FETS_NATIVE_BUILD',
  builtLine: (seconds) => `fets: native kernels built (${seconds.toFixed(1)} s)`,
  failedLine: (reason) => `fets: native kernels not built: ${reason}. fets will use its WebAssembly SIMD kernels.`,
});
