/**
 * `npm run bench -- profile [tiny|mini|small] [--by-shape] [--infer] [--reps N]`: where a BERT train step's (or, with
 * `--infer`, an inference pass's) time goes. Runs the
 * step of bench/bertTask.ts on the current backend (FETS_BACKEND, FETS_KERNELS apply), warms up two steps, then
 * times every kernel of `reps` steps (fets's profileKernelTimes, the same timer as the Profiler trace) and prints
 * the per-kernel table averaged per step: kernel, calls, total ms, share of the step.
 */
import * as tf from '@tensorflow/tfjs';
import { formatStepProfile, profileKernelTimes, type StepProfile } from '@fets/network/kernels';
import { describeBackend, getKernelOverrides, initBackend } from '@fets/network';
import { bertBatches, bertInfer, bertTask, bertTrainStep } from './bertTask.js';
import { fmtMs, note, type FigureResult } from './common.js';

/** The average of several profiles (rows matched by kernel key). */
export function averageProfiles(ps: readonly StepProfile[]): StepProfile {
  const n = ps.length;
  const acc = new Map<string, { calls: number; ms: number }>();
  for (const p of ps) {
    for (const r of p.rows) {
      const e = acc.get(r.kernel) ?? { calls: 0, ms: 0 };
      e.calls += r.calls;
      e.ms += r.ms;
      acc.set(r.kernel, e);
    }
  }
  const mean = (f: (p: StepProfile) => number) => ps.reduce((s, p) => s + f(p), 0) / n;
  const wallMs = mean((p) => p.wallMs);
  const rows = [...acc.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls / n, ms: e.ms / n, share: e.ms / n / wallMs }))
    .sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  return { rows, wallMs, kernelMs, outsideMs: wallMs - kernelMs, calls: mean((p) => p.calls), newTensors: mean((p) => p.newTensors) };
}

export async function run(
  options: { size?: string; byShape?: boolean; reps?: number; top?: number; infer?: boolean } = {},
): Promise<FigureResult> {
  const size = options.size ?? 'mini';
  const reps = options.reps ?? 3;
  const info = await initBackend();
  const kernels = tf.getBackend() === 'wasm' ? getKernelOverrides() : null;
  note(`profile: bert-${size} train step on ${describeBackend(info)}, kernels ${JSON.stringify(kernels)}`);
  const { model, optimizer } = bertTask(size);
  const batches = bertBatches(2);
  const infer = options.infer ?? false;
  const once = (i: number) => (infer ? bertInfer(model, batches[i % 2]!) : bertTrainStep(model, optimizer, batches[i % 2]!));
  for (let i = 0; i < 2; i++) await once(i);
  const profiles: StepProfile[] = [];
  for (let i = 0; i < reps; i++) profiles.push(await profileKernelTimes(() => once(i), { byShape: options.byShape ?? false }));
  model.dispose();
  optimizer.dispose();
  const p = averageProfiles(profiles);
  console.log(
    `\nbert-${size} ${infer ? 'inference pass (batch 32 × 64)' : 'train step (batch 32 × 64, AdamW)'} on ${info.name}: per-kernel time, average of ${reps} ${infer ? 'passes' : 'steps'}`,
  );
  console.log(
    formatStepProfile(
      { ...p, rows: p.rows.map((r) => ({ ...r, calls: Math.round(r.calls) })), calls: Math.round(p.calls) },
      { top: options.top ?? 15, indent: '  ' },
    ),
  );
  return {
    rows: [
      {
        figure: `profile: bert-${size} ${infer ? 'inference' : 'train step'}, time in kernels`,
        fets: fmtMs(p.kernelMs),
        reference: `${fmtMs(p.wallMs)} step`,
        ratio: `${((100 * p.kernelMs) / p.wallMs).toFixed(1)}%`,
        goal: '',
        met: '',
      },
    ],
    data: {
      size,
      phase: infer ? 'inference' : 'train',
      backend: info.name,
      threads: info.threads,
      kernels,
      reps,
      byShape: options.byShape ?? false,
      profile: p,
      steps: profiles.map((q) => ({ wallMs: q.wallMs, kernelMs: q.kernelMs })),
    },
  };
}
