/**
 * Figure int8 (issue #30): bert-mini inference (batch 32 × 64, bench/bertTask.ts) with the dense layers in int8
 * (`useInt8`: weights per output channel, activations per token) against the same weights in float32, both on fets'
 * native kernels, in one process, interleaved repetition by repetition, on 1 and 2 threads; each int8 kernel this CPU
 * runs (`avx2`: vpmaddwd on int16, 8-bit activations; `avx2-u8s8`: vpmaddubsw, 7-bit activations). Wall and CPU time
 * (user + system, every thread) per pass; the PyTorch peer's float32 inference (bench/torch_step.py, OpenBLAS matched
 * to the CPU) beside it when python3-torch is installed. Goal (issue #30's moonshot): int8 ≤ 0.5× PyTorch's float time.
 *
 *   npm run bench -- int8 [--reps 5] [--no-peer]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, releaseInt8, setNativeThreads, useInt8 } from '@fets/network';
import { nativeAddon } from '@fets/network/kernels';
import { bertBatches, bertInfer, bertTask } from './bertTask.js';
import { fmtMs, fmtX, median, note, type FigureResult, type Row } from './common.js';
import { runTorch, torchMissing } from './torchPeer.js';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Options: timed passes per setting and thread count (after 2 warm-up passes), thread counts, the PyTorch peer. */
export async function run(options: { reps?: number; threads?: number[]; peer?: boolean } = {}): Promise<FigureResult> {
  const reps = options.reps ?? 5;
  const threadCounts = options.threads ?? [1, 2];
  await initBackend({ quiet: true });
  const addon = nativeAddon();
  if (tf.getBackend() !== 'wasm' || !addon) throw new Error('bench int8: needs the wasm backend with fets native kernels');
  const kernels = addon.int8Info().kernels.filter((k) => k !== 'generic');
  const batches = bertBatches(2);
  // Two models with the same weights (same seed): one stays float32, one runs its dense layers in int8.
  const float = bertTask('mini', 0).model;
  const int8 = bertTask('mini', 0).model;
  useInt8(int8);
  const settings = [
    { key: 'float32', model: float, kernel: '' },
    ...kernels.map((kernel) => ({ key: `int8 ${kernel}`, model: int8, kernel })),
  ];
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (const threads of threadCounts) {
    setNativeThreads(threads);
    for (let i = 0; i < 2 + reps; i++) {
      // Rotating order, so that no setting always runs first in a round.
      for (let s = 0; s < settings.length; s++) {
        const set = settings[(s + i) % settings.length]!;
        if (set.kernel) addon.int8SetKernel({ name: set.kernel });
        const t0 = performance.now();
        const c0 = cpuMs();
        await bertInfer(set.model, batches[i % batches.length]!);
        if (i < 2) continue;
        (wall[`${set.key} t${threads}`] ??= []).push(performance.now() - t0);
        (cpu[`${set.key} t${threads}`] ??= []).push(cpuMs() - c0);
      }
    }
  }
  addon.int8SetKernel({ name: '' });
  releaseInt8(int8);
  float.dispose();
  int8.dispose();
  const torch: Record<string, { wall: number; cpu?: number }> = {};
  const missing = options.peer === false ? 'skipped (--no-peer)' : torchMissing();
  if (missing) note(`int8: PyTorch peer: ${missing}`);
  else
    for (const t of threadCounts) {
      const r = runTorch(t, ['--sizes', 'mini', '--reps', String(reps), '--warmup', '2']);
      const m = (r.results as Record<string, { inferMedianMs: number; inferCpuMedianMs?: number }>).mini!;
      torch[`t${t}`] = { wall: m.inferMedianMs, ...(m.inferCpuMedianMs !== undefined ? { cpu: m.inferCpuMedianMs } : {}) };
    }
  const rows: Row[] = [];
  for (const t of threadCounts) {
    const f = `float32 t${t}`;
    for (const kernel of kernels) {
      const k = `int8 ${kernel} t${t}`;
      const ratio = median(wall[k]!.map((v, i) => v / wall[f]![i]!));
      const cpuRatio = median(cpu[k]!.map((v, i) => v / cpu[f]![i]!));
      rows.push({
        figure: `bert-mini inference int8 (${kernel}) / float32, ${t} thread${t > 1 ? 's' : ''} (CPU time ${fmtX(cpuRatio)})`,
        fets: fmtMs(median(wall[k]!)),
        reference: fmtMs(median(wall[f]!)),
        ratio: fmtX(ratio),
        goal: '',
        met: '',
      });
      const peer = torch[`t${t}`];
      if (peer) {
        const r = median(wall[k]!) / peer.wall;
        rows.push({
          figure: `bert-mini inference int8 (${kernel}) / PyTorch float32, ${t} thread${t > 1 ? 's' : ''}`,
          fets: fmtMs(median(wall[k]!)),
          reference: fmtMs(peer.wall),
          ratio: fmtX(r),
          goal: '≤ 0.50×',
          met: r <= 0.5 ? 'yes' : 'no',
        });
      }
    }
  }
  return { rows, data: { reps, threadCounts, kernels, wallMs: wall, cpuMs: cpu, torch } };
}
