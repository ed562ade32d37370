/**
 * `npm run bench -- distributed`: data-parallel training on MPI, three figures side by side in one run.
 *  1. samples/s of bert-mini training (global batch 32): 1 process × 2 threads, 2 ranks × 1 thread over shared
 *     memory, 2 ranks over TCP (`--mca btl tcp,self`, the transport between machines);
 *  2. allreduce time and bus bandwidth of fets' MPI binding (in place on the wasm heap) against a C loop compiled with
 *     mpicc (bench/allreduce_loop.c), on bert-mini's and bert-base's gradient sizes, over shared memory and TCP;
 *  3. fets' fused gradient mean (pack into 64 MB buffers, reduce, scale, unpack) on the same sizes.
 * docs/distributed.md turns these into the scaling model. Needs openmpi-bin and libopenmpi-dev.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { bertPreset, resolveBertConfig } from '@fets/network';
import { ROOT, execJson, fmtX, median, note, runChild, tsxArgs, type FigureResult, type Row } from './common.js';
import { LABELS } from './bertTask.js';

/** Trainable floats of a BERT token classifier of a preset size (= its gradient's length). */
export function gradientFloats(size: string): number {
  const c = resolveBertConfig(bertPreset(size, { numLabels: LABELS }), 'bench');
  const h = c.hiddenSize;
  const emb = (c.vocabSize + c.maxPositionEmbeddings + c.typeVocabSize) * h + 2 * h;
  const layer = 4 * (h * h + h) + 2 * 2 * h + (h * c.intermediateSize + c.intermediateSize) + (c.intermediateSize * h + h);
  return emb + c.numHiddenLayers * layer + (h * LABELS + LABELS);
}

const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
const TCP = ['--mca', 'btl', 'tcp,self'];

/** Runs `mpirun -np N <cmd…>` and returns the JSON line rank 0 printed (after CHILD_JSON, or the whole line for C). */
function mpirunJson(np: number, mca: string[], cmd: string[], env: Record<string, string> = {}): unknown {
  const args = [...root, '--oversubscribe', '-np', String(np), ...mca, ...cmd];
  return execJson('mpirun', args, { cwd: ROOT, env, what: `distributed: ${cmd.join(' ')}`, bareJson: true });
}

const tsx = (script: string) => [process.execPath, ...tsxArgs(script)];
const busGBs = (floats: number, seconds: number, ranks: number) => (((2 * (ranks - 1)) / ranks) * ((4 * floats) / seconds)) / 1e9;

export async function run(o: { reps: number; quick: boolean }): Promise<FigureResult> {
  if (spawnSync('mpicc', ['--version']).status !== 0)
    throw new Error('bench distributed: no mpicc (apt-get install libopenmpi-dev openmpi-bin)');
  const exe = path.join(os.tmpdir(), `fets-allreduce-loop-${process.pid}`);
  execFileSync('mpicc', ['-O2', path.join(ROOT, 'bench', 'allreduce_loop.c'), '-o', exe]);
  // FETS_BENCH_DISTRIBUTED=allreduce (or training) runs one half only.
  const parts = process.env.FETS_BENCH_DISTRIBUTED ?? 'training,allreduce';
  const steps = o.quick ? 2 : o.reps;
  const warmup = o.quick ? 1 : 2;
  const stepArgs = ['--size', 'mini', '--steps', String(steps), '--warmup', String(warmup)];

  type Step = { samplesPerSecond: number; stepMedianMs: number };
  const rows: Row[] = [];
  const training: Record<string, Step> = {};
  if (parts.includes('training')) {
    note('bert-mini training: 1 process × 2 threads');
    const one = runChild('distributed-step.ts', stepArgs, { FETS_THREADS: '2' }) as Step;
    note('bert-mini training: 2 ranks × 1 thread, shared memory');
    const shm = mpirunJson(2, [], [...tsx('distributed-step.ts'), ...stepArgs], { FETS_THREADS: '1' }) as Step;
    note('bert-mini training: 2 ranks × 1 thread, TCP (btl tcp,self)');
    const tcp = mpirunJson(2, TCP, [...tsx('distributed-step.ts'), ...stepArgs], { FETS_THREADS: '1' }) as Step;
    Object.assign(training, { oneProcess2Threads: one, twoRanksShm: shm, twoRanksTcp: tcp });
    for (const [label, r] of [
      ['2 ranks shm', shm],
      ['2 ranks TCP', tcp],
    ] as const) {
      rows.push({
        figure: `distributed: mini samples/s, ${label} vs 1 process × 2 threads`,
        fets: `${r.samplesPerSecond.toFixed(1)} /s`,
        reference: `${one.samplesPerSecond.toFixed(1)} /s`,
        ratio: fmtX(r.samplesPerSecond / one.samplesPerSecond),
        goal: '',
        met: '',
      });
    }
  }

  const sizes = { mini: gradientFloats('mini'), base: gradientFloats('base') };
  const floats = Object.values(sizes).join(',');
  const reps = String(o.quick ? 2 : Math.max(3, o.reps));
  const allreduce: Record<string, unknown> = {};
  const transports: [string, readonly string[]][] = parts.includes('allreduce')
    ? [
        ['shm', []],
        ['tcp', TCP],
      ]
    : [];
  for (const [transport, mca] of transports) {
    note(`allreduce on ${transport}: fets binding and fused mean (${floats} floats)`);
    const fets = mpirunJson(
      2,
      [...mca],
      [...tsx('distributed-allreduce.ts'), '--floats', floats, '--reps', reps, '--fusedMax', String(sizes.mini)],
    ) as {
      results: Record<string, { bindingMedian: number; fusedMedian?: number }>;
    };
    const c: Record<string, { seconds: number[] }> = {};
    for (const [name, n] of Object.entries(sizes)) {
      note(`allreduce on ${transport}: C loop, ${name} (${n} floats)`);
      c[name] = mpirunJson(2, [...mca], [exe, String(n), reps]) as { seconds: number[] };
      const f = fets.results[String(n)]!;
      const cs = median(c[name]!.seconds);
      rows.push({
        figure: `distributed: allreduce ${name} (${((4 * n) / 1e6).toFixed(0)} MB) ${transport}, binding vs C`,
        fets: `${(f.bindingMedian * 1000).toFixed(1)} ms (${busGBs(n, f.bindingMedian, 2).toFixed(2)} GB/s)`,
        reference: `${(cs * 1000).toFixed(1)} ms (${busGBs(n, cs, 2).toFixed(2)} GB/s)`,
        ratio: fmtX(f.bindingMedian / cs),
        goal: '≤ 1.1×',
        met: f.bindingMedian / cs <= 1.1 ? 'yes' : 'no',
      });
      if (f.fusedMedian === undefined) continue;
      rows.push({
        figure: `distributed: fused mean ${name} ${transport} (pack, reduce, unpack) vs C allreduce`,
        fets: `${(f.fusedMedian * 1000).toFixed(1)} ms`,
        reference: `${(cs * 1000).toFixed(1)} ms`,
        ratio: fmtX(f.fusedMedian / cs),
        goal: '',
        met: '',
      });
    }
    allreduce[transport] = { fets, c };
  }
  spawnSync('rm', ['-f', exe]);
  return {
    rows,
    data: {
      load: os.loadavg(),
      gradientFloats: sizes,
      training,
      allreduce,
    },
  };
}
