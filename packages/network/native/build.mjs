#!/usr/bin/env node
// Builds fets' native kernels (this folder's binding.gyp) with the node-gyp that ships with npm, during
// `npm install`. It never fails the install: when there is no compiler, no Node headers or the build breaks, it
// writes build/status.json with the reason, and fets runs on its WebAssembly SIMD kernels instead (and says why once).
//
//   node packages/network/native/build.mjs        build (or rebuild) now
//   FETS_NATIVE_BUILD=0 npm install               skip the build
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const statusFile = path.join(here, 'build', 'status.json');
const started = Date.now();

function finish(status) {
  fs.mkdirSync(path.dirname(statusFile), { recursive: true });
  const body = { ...status, node: process.version, arch: process.arch, seconds: (Date.now() - started) / 1000 };
  fs.writeFileSync(statusFile, `${JSON.stringify(body, null, 2)}\n`);
  const line = status.ok
    ? `fets: native kernels built (${body.seconds.toFixed(1)} s)`
    : `fets: native kernels not built: ${status.reason}. fets will use its WebAssembly SIMD kernels.`;
  process.stderr.write(`${line}\n`);
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else the copy inside npm next to this node, else one on the PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return [process.execPath, c];
  return ['node-gyp'];
}

/** Node's headers without a download: npm's nodedir setting, else the prefix this node was installed under. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

if (['0', 'false', 'off', 'no'].includes((process.env.FETS_NATIVE_BUILD ?? '').toLowerCase())) {
  finish({ ok: false, reason: 'skipped (FETS_NATIVE_BUILD=0)' });
}
const dir = nodeDir();
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', '--release', ...(dir ? [`--nodedir=${dir}`] : [])];
const r = spawnSync(cmd, args, { cwd: here, encoding: 'utf8', env: process.env, timeout: 10 * 60 * 1000 });
const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
fs.mkdirSync(path.join(here, 'build'), { recursive: true });
fs.writeFileSync(path.join(here, 'build', 'build.log'), log);
if (r.error) finish({ ok: false, reason: `node-gyp could not run (${r.error.message})` });
if (r.status !== 0 || !fs.existsSync(path.join(here, 'build', 'Release', 'fets_native.node'))) {
  // The first compiler or gyp error line says most; the whole log is kept beside the status.
  const first = log.split('\n').find((l) => /error|not found|No such file|not ok/i.test(l) && !/^gyp info/.test(l));
  finish({
    ok: false,
    reason: `node-gyp exited with ${r.status ?? r.signal}${first ? `: ${first.trim().slice(0, 200)}` : ''} (log: ${path.join(here, 'build', 'build.log')})`,
  });
}
finish({ ok: true });
