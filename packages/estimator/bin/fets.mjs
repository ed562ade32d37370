#!/usr/bin/env node
// The `fets` command (packages/estimator/src/cli). Works from a fresh clone without a build: it re-runs Node on the
// TypeScript sources with tsx and the `fets-source` export condition, so experiment files may be `.ts` and import
// `@fets/estimator` from source (worker threads inherit both flags). The exit code, or the signal that ended the run,
// is passed back. Signals: the run shares this process group, so a terminal's Ctrl+C (SIGINT) reaches it directly,
// exactly once (forwarding it too would make the Estimator's "finish the step, checkpoint, exit 130" see a second
// SIGINT and exit at once); SIGTERM and SIGHUP sent to this process are forwarded. Run via `npm run fets -- …`, it
// starts in the folder npm was called from (INIT_CWD), as an installed bin would.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let args;
try {
  args = ['--conditions=fets-source', '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))];
} catch {
  // No tsx installed (a published install without dev dependencies): the built JavaScript, for .js experiment files.
  args = [fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))];
}
const cwd = process.env.npm_lifecycle_event === 'fets' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();

const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd,
});

const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
const ignore = () => {};
const handlers = { SIGINT: ignore, SIGTERM: forward, SIGHUP: forward };
for (const [s, h] of Object.entries(handlers)) process.on(s, h);

child.on('error', (e) => {
  process.stderr.write(`fets: cannot start node: ${e.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  for (const [s, h] of Object.entries(handlers)) process.off(s, h);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
