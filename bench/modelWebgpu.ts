/**
 * The WebGPU rows of the model-step figure (bench/model.ts): the same BERT train step and inference
 * (bench/bertTask.ts) on tfjs' webgpu backend with fets' WGSL kernels, in a child process with FETS_BACKEND=webgpu,
 * wherever an adapter exists. On a software adapter (lavapipe, SwiftShader) only bert-tiny runs with 2 repetitions:
 * its time proves the path, it says nothing about GPUs. No adapter: one note, no row.
 */
import { adapterLabel, probeWebGpuAdapter, type WebGpuAdapter } from '@fets/network';
import { fmtMs, fmtX, median, note, runChild, type Row } from './common.js';

interface Timing {
  trainMedianMs: number;
  inferMedianMs: number;
  trainMs: number[];
  inferMs: number[];
}

/** What the WebGPU rows measured, for the figure's JSON. */
export interface WebGpuFigure {
  adapter: WebGpuAdapter | null;
  /** Why there is no row (no adapter, the package missing, the child failed). */
  skipped?: string;
  sizes: string[];
  timings: Record<string, Timing>;
}

/**
 * Times the WebGPU rows and returns them with their data. `torch` gives PyTorch's timings per size (1 thread, and
 * CUDA when bench/gpu.sh measured it) for the reference column.
 */
export async function webgpuRows(
  sizes: readonly string[],
  reps: number,
  warmup: number,
  torch: Record<string, Timing | undefined>,
): Promise<{ rows: Row[]; data: WebGpuFigure }> {
  let adapter: WebGpuAdapter;
  try {
    const { provider: _provider, ...a } = await probeWebGpuAdapter();
    adapter = a;
  } catch (e) {
    const skipped = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    note(`model step on WebGPU skipped: ${skipped}`);
    return { rows: [], data: { adapter: null, skipped, sizes: [], timings: {} } };
  }
  const software = adapter.software;
  const run = software ? ['tiny'] : [...sizes];
  const r = software ? Math.min(reps, 2) : reps;
  const w = software ? 1 : warmup;
  note(`model step on WebGPU, ${adapterLabel(adapter)}${software ? ' (software: bert-tiny, 2 reps; proves the path only)' : ''}`);
  const timings: Record<string, Timing> = {};
  try {
    const out = runChild('model-step.ts', ['--sizes', run.join(','), '--reps', String(r), '--warmup', String(w)], {
      FETS_BACKEND: 'webgpu',
    }) as { results: Record<string, Timing> };
    Object.assign(timings, out.results);
  } catch (e) {
    const skipped = `the WebGPU child failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
    note(skipped);
    return { rows: [], data: { adapter, skipped, sizes: run, timings } };
  }
  const rows: Row[] = [];
  const tag = `webgpu on ${adapter.description || adapter.device || adapter.vendor}${software ? ' (software rasteriser: path only)' : ''}`;
  for (const size of run) {
    const t = timings[size]!;
    const ref = torch[size];
    for (const [phase, key] of [
      ['train', 'trainMedianMs'],
      ['inference', 'inferMedianMs'],
    ] as const) {
      rows.push({
        figure: `model: bert-${size} ${phase}, ${tag}`,
        fets: fmtMs(median(key === 'trainMedianMs' ? t.trainMs : t.inferMs)),
        reference: ref ? `${fmtMs(ref[key])} PyTorch 1T` : 'no PyTorch',
        ratio: ref ? fmtX(t[key] / ref[key]) : '',
        goal: '',
        met: '',
      });
    }
  }
  return { rows, data: { adapter, sizes: run, timings } };
}
