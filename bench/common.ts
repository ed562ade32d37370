/**
 * Shared pieces of `npm run bench`: paths, medians, the results writer (bench/results/<figure>-<timestamp>.json), the
 * table every figure contributes rows to, and running a bench script in a child process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeStatus } from '@fets/network';
import * as tf from '@tensorflow/tfjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Data sets: FETS_DATA_DIR, default ../shared/datasets; the vocabularies are in ../vocab next to it. */
export const DATA = process.env.FETS_DATA_DIR ?? path.join(ROOT, '..', 'shared', 'datasets');
export const VOCAB = path.join(DATA, '..', 'vocab', 'bert-base-uncased-vocab.txt');

/** One line of the final table. */
export interface Row {
  figure: string;
  /** fets's figure, formatted. */
  fets: string;
  /** The reference it is compared with (hand loop, PyTorch, …), formatted; '' when none. */
  reference: string;
  /** fets / reference (or the measured share), formatted; '' when none. */
  ratio: string;
  goal: string;
  /** 'yes' | 'no' | '' (no goal). */
  met: string;
}

/** What each figure's `run` returns: its table rows and the raw numbers written to JSON. */
export interface FigureResult {
  rows: Row[];
  data: Record<string, unknown>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean of a sample. */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n − 1; 0 for fewer than two values). */
export const std = (xs: readonly number[]): number =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
/** `mean ± std` with `digits` decimals. */
export const pm = (xs: readonly number[], digits = 3): string => `${mean(xs).toFixed(digits)} ± ${std(xs).toFixed(digits)}`;

/** The difference of two samples' means and its standard error (unpaired). */
export function meanDiff(a: readonly number[], b: readonly number[]): { diff: number; se: number } {
  return { diff: mean(a) - mean(b), se: Math.sqrt(std(a) ** 2 / a.length + std(b) ** 2 / b.length) };
}

/**
 * Median milliseconds of a kernel call (`fn` in a tidy, after `warmup` calls). The wasm and cpu backends run a kernel
 * to completion before returning, so no read-back is timed: copying a result out (`dataSync`) costs 0.1–3 ms per MB here,
 * varying with V8's collection of the copies, which once made LeNet conv2 look 4× slower than its kernel.
 */
export function timeKernel(fn: () => tf.Tensor, reps: number, warmup = 2): number {
  if (!['wasm', 'cpu'].includes(tf.getBackend())) {
    throw new Error(`bench: timeKernel expects a synchronous backend (wasm, cpu), running on ${tf.getBackend()}`);
  }
  for (let i = 0; i < warmup; i++) tf.tidy(fn).dispose();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const t = tf.tidy(fn);
    ms.push(performance.now() - t0);
    t.dispose();
  }
  return median(ms);
}

export const fmtMs = (ms: number): string => `${ms.toLocaleString('en-US', { maximumFractionDigits: ms < 10 ? 2 : ms < 100 ? 1 : 0 })} ms`;
export const fmtX = (r: number): string => `${r.toFixed(2)}×`;
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The CPU's flags from /proc/cpuinfo, as lscpu prints them (undefined off Linux). */
function cpuFlags(): string[] | undefined {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
  } catch {
    return undefined; // not Linux
  }
}

/** The machine and software a result was measured on (kept with every JSON file). */
export function environment(): Record<string, unknown> {
  const load = os.loadavg();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    // The vector extensions native peers (PyTorch's OpenBLAS) can use; WebAssembly SIMD is 128-bit on every host.
    cpuSimd: cpuFlags()?.filter((f) => /^(sse4_2|avx|avx2|fma|avx512\w*|amx_\w+)$/.test(f)),
    cpuFlags: cpuFlags()?.join(' '),
    // fets' native kernels as this process sees them (variant, threads), or why they are off.
    native: (() => {
      const s = nativeStatus();
      return s.ok ? { isa: s.isa, threads: Number(process.env.FETS_THREADS) || s.threads, cpus: s.cpus } : { off: s.reason };
    })(),
    loadAverage: load.map((v) => Number(v.toFixed(2))),
    nice: os.getPriority(),
    // The kernel set and backend asked for ("on": every fets wasm kernel; `UnsortedSegmentSum` alone: plain tfjs).
    kernels: process.env.FETS_KERNELS ?? 'on',
    backend: process.env.FETS_BACKEND ?? 'auto',
  };
}

/** fets' native addon as {@link nativeStatus} reports it, with its file relative to the repository (results travel). */
export function nativeRecord(): ReturnType<typeof nativeStatus> {
  const s = nativeStatus();
  return { ...s, path: s.path ? path.relative(ROOT, s.path) : s.path };
}

/** Writes bench/results/<figure>-<timestamp>.json and returns its path relative to the repo. */
export function writeResult(figure: string, data: Record<string, unknown>): string {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${figure}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ figure, environment: environment(), ...data }, null, 2)}\n`);
  return path.relative(ROOT, file);
}

/** The final table: figure / fets / reference / ratio / goal / met. */
export function formatTable(rows: readonly Row[]): string {
  const head: Row = { figure: 'figure', fets: 'fets', reference: 'reference', ratio: 'ratio', goal: 'goal', met: 'met' };
  const cols = ['figure', 'fets', 'reference', 'ratio', 'goal', 'met'] as const;
  const w = cols.map((c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
  const line = (r: Row) => cols.map((c, i) => (i === 0 ? r[c].padEnd(w[i]!) : r[c].padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** Marker of the JSON line a child bench process prints last. */
export const CHILD_JSON = 'FETS_BENCH_JSON ';

/**
 * Runs a command (its stderr to ours) and returns the JSON of the last result line it printed: the text after
 * {@link CHILD_JSON}, or, with `bareJson`, also a line that is a JSON object as a whole (a C program's).
 */
export function execJson(
  file: string,
  args: string[],
  o: { cwd: string; env: Record<string, string>; what: string; bareJson?: boolean },
): unknown {
  const out = execFileSync(file, args, {
    cwd: o.cwd,
    env: { ...process.env, FETS_QUIET: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  const line = out
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(CHILD_JSON) || (o.bareJson === true && l.startsWith('{')));
  if (!line) throw new Error(`bench: ${o.what} printed no result line; its output:\n${out}`);
  return JSON.parse(line.startsWith(CHILD_JSON) ? line.slice(CHILD_JSON.length) : line);
}

/** `node … <root>/bench/<script>` (TypeScript through tsx, fets packages from source): the arguments for {@link execJson}. */
export const tsxArgs = (script: string, root = ROOT): string[] => [
  '--conditions=fets-source',
  '--import',
  'tsx',
  path.join(root, 'bench', script),
];

/**
 * Runs `node … bench/<script>` with extra env and returns the JSON it printed after {@link CHILD_JSON}. Its stderr
 * goes to ours.
 */
export function runChild(script: string, args: string[], env: Record<string, string>): unknown {
  return execJson(process.execPath, [...tsxArgs(script), ...args], { cwd: ROOT, env, what: script });
}

/** Prints a progress note to stderr (the table goes to stdout). */
export function note(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

/**
 * Runs a command to its end without blocking this process (so two sides can run side by side); resolves with its
 * stdout, rejects with the tail of its stderr.
 */
export function execAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(args[0] ?? cmd)} exited ${code}:\n${err.slice(-3000)}`)),
    );
  });
}
