// The install-time build both optional addons share (native/ the kernels, native-mpi/ the MPI binding): node-gyp
// from npm, Node's headers without a download, and a build that never fails `npm install`. Whatever happens it
// writes <addon>/build/status.json (atomically) with the reason, prints one line and exits 0; fets reads the status
// at run time and says why an addon is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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

/**
 * Builds the addon in `dir` (its binding.gyp) into build/Release/<target>.node and exits the process.
 * @param {object} o
 * @param {string} o.dir the addon's folder
 * @param {string} o.target the .node file's base name
 * @param {string} o.skipVariable environment variable that skips the build when 0/false/off/no
 * @param {(seconds: number) => string} o.builtLine the line printed after a build
 * @param {(reason: string) => string} o.failedLine the line printed when there is no addon
 * @param {() => string | undefined} [o.precheck] a reason not to try (a missing toolchain), or undefined
 */
export function gypBuild({ dir, target, skipVariable, builtLine, failedLine, precheck }) {
  const started = Date.now();
  const buildDir = path.join(dir, 'build');
  const finish = (status) => {
    fs.mkdirSync(buildDir, { recursive: true });
    const seconds = (Date.now() - started) / 1000;
    const body = { ...status, node: process.version, arch: process.arch, seconds };
    const file = path.join(buildDir, 'status.json');
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
    fs.renameSync(tmp, file);
    process.stderr.write(`${status.ok ? builtLine(seconds) : failedLine(status.reason)}\n`);
    process.exit(0);
  };
  if (['0', 'false', 'off', 'no'].includes((process.env[skipVariable] ?? '').toLowerCase())) {
    finish({ ok: false, reason: `skipped (${skipVariable}=0)` });
  }
  const missing = precheck?.();
  if (missing) finish({ ok: false, reason: missing });
  const nodedir = nodeDir();
  const [cmd, ...pre] = nodeGyp();
  const args = [...pre, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', env: process.env, timeout: 10 * 60 * 1000 });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const logFile = path.join(buildDir, 'build.log');
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(logFile, log);
  if (r.error) finish({ ok: false, reason: `node-gyp could not run (${r.error.message})` });
  if (r.status !== 0 || !fs.existsSync(path.join(buildDir, 'Release', `${target}.node`))) {
    // The first compiler or gyp error line says most; the whole log is kept beside the status.
    const first = log.split('\n').find((l) => /error|not found|No such file|not ok/i.test(l) && !/^gyp info/.test(l));
    finish({
      ok: false,
      reason: `node-gyp exited with ${r.status ?? r.signal}${first ? `: ${first.trim().slice(0, 200)}` : ''} (log: ${logFile})`,
    });
  }
  finish({ ok: true });
}
