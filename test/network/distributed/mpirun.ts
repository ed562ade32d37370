import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMpiBinding } from '@fets/network';

/** The repository root (tests run from anywhere). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The rank scripts beside this file. */
export const RANKS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ranks');

/** Why MPI tests cannot run here (no mpirun: openmpi-bin; no binding: libopenmpi-dev), or undefined. */
export function mpiMissing(): string | undefined {
  if (spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status !== 0) return 'no mpirun (apt-get install openmpi-bin)';
  const b = loadMpiBinding();
  return b.ok ? undefined : `fets' MPI binding: ${b.reason}`;
}

/**
 * For a `before` hook: skips the suite when MPI is missing, or fails it when `FETS_REQUIRE_MPI=1` (CI installs MPI
 * with .ci/install-mpi.sh and requires it).
 */
export function requireMpi(ctx: Mocha.Context): void {
  const why = mpiMissing();
  if (!why) return;
  if (process.env.FETS_REQUIRE_MPI === '1') throw new Error(`MPI tests need MPI: ${why}`);
  console.warn(`    (${why}: the MPI tests are skipped)`);
  ctx.skip();
}

/** The mpirun arguments that let root and more ranks than cores run (CI's containers). */
export function mpirunBase(np: number, mca: readonly string[] = []): string[] {
  const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
  return [...root, '--oversubscribe', '-np', String(np), ...mca];
}

/** What a spawned job did. */
export interface JobResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `node <script> ...args` as `np` ranks under mpirun (the TypeScript sources through tsx) and waits, killing the
 * job after `timeoutMs`. `onStart` receives the mpirun child (to find and kill a rank).
 */
export function runRanks(
  script: string,
  np: number,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number; mca?: string[]; onLine?: (line: string) => void } = {},
): Promise<JobResult> {
  const t0 = performance.now();
  const file = path.isAbsolute(script) ? script : path.join(RANKS, script);
  if (!fs.existsSync(file)) throw new Error(`no rank script ${file}`);
  const argv = [
    ...mpirunBase(np, options.mca),
    process.execPath,
    '--conditions=fets-source',
    '--import',
    'tsx',
    file,
    ...(options.args ?? []),
  ];
  const child = spawn('mpirun', argv, {
    cwd: ROOT,
    env: { FETS_QUIET: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none', ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    if (options.onLine) {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) options.onLine(l);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stderr += `\n(test: killed mpirun after ${options.timeoutMs} ms)`;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}
