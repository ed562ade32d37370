/**
 * The PyTorch peer as a user would get it from a tuned install: Debian's python3-torch on OpenBLAS
 * (libopenblas0-pthread), with OpenBLAS's kernels matched to this CPU. OpenBLAS 0.3.21 does not know every CPU model
 * and then falls back to an old core (`OPENBLAS_VERBOSE=2` prints `Core: Prescott`), and an environment may force a
 * narrow one (`OPENBLAS_CORETYPE=Haswell` on an AVX-512 host): products then run at a quarter or half of the speed, and
 * a ratio against that is not a result. Where the core in effect is narrower than the CPU's flags allow,
 * `OPENBLAS_CORETYPE` is set to the matching one (SkylakeX for AVX-512, Haswell for AVX2). The core type used is
 * recorded with every result. (Convolutions run on oneDNN, which picks its own instructions.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHILD_JSON, ROOT } from './common.js';

export const PYTHON = '/usr/bin/python3';

/** Cores OpenBLAS falls back to when it does not know the CPU (older than AVX2). */
const FALLBACK_CORES = /^(prescott|nehalem|core2|katmai|coppermine|northwood|banias|atom|penryn|dunnington|opteron|barcelona|bobcat)$/i;
/** OpenBLAS cores that use AVX-512 (on an AVX-512 CPU any other core, Haswell or Zen included, is half the width). */
const AVX512_CORES = /^(skylakex|cooperlake|sapphirerapids)$/i;

/** Why the peer cannot run, or undefined when `/usr/bin/python3` imports torch. */
export function torchMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} cannot import torch (apt-get install python3-torch libopenblas0-pthread): PyTorch peer skipped`;
  }
}

function cpuFlags(): Set<string> {
  try {
    return new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/** The OpenBLAS core PyTorch runs with the given environment (`Core: …` of OPENBLAS_VERBOSE=2), or 'unknown'. */
export function openblasCore(env: NodeJS.ProcessEnv): string {
  const r = spawnSync(PYTHON, ['-c', 'import torch; torch.ones(2, 2) @ torch.ones(2, 2)'], {
    env: { ...env, OPENBLAS_VERBOSE: '2' },
    encoding: 'utf8',
  });
  return /Core:\s*(\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'unknown';
}

let overrideNoted = false;

/**
 * The peer's environment for `threads` threads: thread counts, passive waiting, and a matched OpenBLAS core. A core
 * set in the environment (`OPENBLAS_CORETYPE`) is kept unless it is narrower than the CPU: this host's environment sets
 * `Haswell` on an AVX-512 CPU, where OpenBLAS's products then run at half speed (88 against 188 GFLOP/s for
 * [2048,256]·[256,1024] on one thread).
 */
export function torchEnv(threads: number): {
  env: NodeJS.ProcessEnv;
  core: string;
  detected: string;
  forced: boolean;
  overridden?: string;
} {
  const t = String(threads);
  // Without PASSIVE, OpenMP and OpenBLAS threads spin against each other (NOTES.md: 2 threads ran 2× slower).
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
  const given = process.env.OPENBLAS_CORETYPE;
  const detected = openblasCore(env);
  const flags = cpuFlags();
  const want = flags.has('avx512f') ? 'SKYLAKEX' : flags.has('avx2') && flags.has('fma') ? 'HASWELL' : undefined;
  // OpenBLAS 0.3.21 does not know every CPU: older than AVX2 is a fallback anywhere, and an AVX2 core is one on an
  // AVX-512 CPU.
  const narrow = FALLBACK_CORES.test(detected) || (want === 'SKYLAKEX' && !AVX512_CORES.test(detected));
  if (want && narrow) {
    if (given && !overrideNoted) {
      process.stderr.write(`bench: OPENBLAS_CORETYPE=${given} is narrower than this CPU; the PyTorch peer runs on ${want}\n`);
      overrideNoted = true;
    }
    const forced = { ...env, OPENBLAS_CORETYPE: want };
    return { env: forced, core: openblasCore(forced), detected, forced: true, ...(given ? { overridden: given } : {}) };
  }
  return { env, core: detected, detected, forced: Boolean(given) };
}

/** Runs bench/torch_step.py with `args` under {@link torchEnv} and returns its JSON plus the core it ran on. */
export function runTorch(threads: number, args: string[]): Record<string, unknown> & { openblasCore: string } {
  const { env, core, detected, forced } = torchEnv(threads);
  const out = execFileSync(PYTHON, [path.join(ROOT, 'bench', 'torch_step.py'), '--threads', String(threads), ...args], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith(CHILD_JSON));
  if (!line) throw new Error(`bench: torch_step.py printed no result line:\n${out}`);
  return {
    ...(JSON.parse(line.slice(CHILD_JSON.length)) as Record<string, unknown>),
    openblasCore: core,
    openblasDetected: detected,
    openblasForced: forced,
  };
}
