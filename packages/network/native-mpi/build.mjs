#!/usr/bin/env node
// Builds fets' optional MPI binding (this folder's binding.gyp) with the node-gyp that ships with npm, during
// `npm install`. Like the kernels addon (../native/build.mjs) it never fails the install: without MPI (no mpicc: the
// libopenmpi-dev package), without a compiler or when the build breaks, it writes build/status.json with the reason;
// single-process training is unchanged, and a distributed launch stops with that reason in one line.
//
//   node packages/network/native-mpi/build.mjs    build (or rebuild) now
//   FETS_MPI_BUILD=0 npm install                  skip the build
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
  const tmp = `${statusFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
  fs.renameSync(tmp, statusFile);
  const line = status.ok
    ? `fets: MPI binding built (${body.seconds.toFixed(1)} s)`
    : `fets: MPI binding not built: ${status.reason}. Training runs in one process (mpirun needs it).`;
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

if (['0', 'false', 'off', 'no'].includes((process.env.FETS_MPI_BUILD ?? '').toLowerCase())) {
  finish({ ok: false, reason: 'skipped (FETS_MPI_BUILD=0)' });
}
// No MPI compiler wrapper: MPI's development files are not installed. Say which package brings them.
const probe = spawnSync(process.execPath, [path.join(here, 'mpiflags.mjs'), 'compile'], { encoding: 'utf8' });
if (probe.status !== 0) finish({ ok: false, reason: `no MPI development files (mpicc not found; install libopenmpi-dev)` });
const dir = nodeDir();
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', '--release', ...(dir ? [`--nodedir=${dir}`] : [])];
const r = spawnSync(cmd, args, { cwd: here, encoding: 'utf8', env: process.env, timeout: 10 * 60 * 1000 });
const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
fs.mkdirSync(path.join(here, 'build'), { recursive: true });
fs.writeFileSync(path.join(here, 'build', 'build.log'), log);
if (r.error) finish({ ok: false, reason: `node-gyp could not run (${r.error.message})` });
if (r.status !== 0 || !fs.existsSync(path.join(here, 'build', 'Release', 'fets_mpi.node'))) {
  const first = log.split('\n').find((l) => /error|not found|No such file|not ok/i.test(l) && !/^gyp info/.test(l));
  finish({
    ok: false,
    reason: `node-gyp exited with ${r.status ?? r.signal}${first ? `: ${first.trim().slice(0, 200)}` : ''} (log: ${path.join(here, 'build', 'build.log')})`,
  });
}
finish({ ok: true });
