#!/usr/bin/env node
// Builds the page into examples/ner-web/dist/: the app bundled by esbuild for browsers (fets' sources, tfjs), the
// page, and tfjs-backend-wasm's .wasm files. Node's built-in modules some fets files import (for files on disk) are
// replaced by an inert module: the page never reaches those code paths; the tokenizer and text ops import none.
import { cpSync, mkdirSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
mkdirSync(out, { recursive: true });

const inertNodeModules = {
  name: 'inert-node-builtins',
  setup(build) {
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      args.path.startsWith('node:') || builtins.has(args.path) ? { path: args.path, namespace: 'inert' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'inert' }, () => ({
      contents:
        'const f = new Proxy(function () {}, { get: (_, k) => (k === Symbol.toPrimitive ? () => "" : k === "__esModule" ? false : f), apply: () => f, construct: () => f });\nmodule.exports = f;',
      loader: 'js',
    }));
  },
};

const t0 = performance.now();
const result = await esbuild.build({
  entryPoints: [path.join(here, 'src', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  conditions: ['fets-source'],
  minify: true,
  sourcemap: true,
  metafile: true,
  plugins: [inertNodeModules],
  logLevel: 'warning',
});
cpSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  cpSync(path.join(wasmDir, f), path.join(out, f));
}
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
process.stderr.write(
  `ner-web: built ${path.relative(process.cwd(), out)}/ (${(bytes / 1024 / 1024).toFixed(1)} MB with the source map) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
