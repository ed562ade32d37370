/**
 * Child process of the model-step figure (bench/model.ts): times the BERT train step and inference of bench/bertTask.ts
 * on the backend FETS_BACKEND picks, with the wasm kernel replacements FETS_KERNELS selects, and prints one JSON line.
 * Args: `--sizes tiny,mini --reps 5 --warmup 2`.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, getKernelOverrides, initBackend } from '@fets/network';
import { nativeOn } from '@fets/network/kernels';
import { bertBatches, bertInfer, bertTask, bertTrainStep } from './bertTask.js';
import { CHILD_JSON, median, nativeRecord } from './common.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'tiny,mini' },
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
  },
});
const reps = Number(values.reps);
const warmup = Number(values.warmup);
const info = await initBackend();
const batches = bertBatches(2);
const results: Record<string, unknown> = {};
for (const size of values.sizes!.split(',')) {
  const { model, optimizer } = bertTask(size);
  // Wall time and this process's CPU time (user + system, every thread) per repetition: on one thread, CPU time
  // leaves out the time the process waited for a core, so it stays comparable on a loaded machine.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const train: number[] = [];
  const trainCpu: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await bertTrainStep(model, optimizer, batches[i % batches.length]!);
    if (i >= warmup) {
      train.push(performance.now() - t0);
      trainCpu.push(cpuMs() - c0);
    }
  }
  const infer: number[] = [];
  const inferCpu: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await bertInfer(model, batches[i % batches.length]!);
    if (i >= warmup) {
      infer.push(performance.now() - t0);
      inferCpu.push(cpuMs() - c0);
    }
  }
  results[size] = {
    trainMs: train,
    trainMedianMs: median(train),
    inferMs: infer,
    inferMedianMs: median(infer),
    trainCpuMs: trainCpu,
    trainCpuMedianMs: median(trainCpu),
    inferCpuMs: inferCpu,
    inferCpuMedianMs: median(inferCpu),
  };
  process.stderr.write(
    `bench: model step ${size} on ${describeBackend(info)}, kernels ${process.env.FETS_KERNELS ?? 'on'}: ` +
      `train ${median(train).toFixed(0)} ms, inference ${median(infer).toFixed(0)} ms\n`,
  );
  model.dispose();
  optimizer.dispose();
}
console.log(
  CHILD_JSON +
    JSON.stringify({
      backend: info.name,
      threads: info.threads,
      simd: info.simd,
      adapter: info.adapter ?? null,
      kernels: tf.getBackend() === 'wasm' ? getKernelOverrides() : null,
      native: nativeOn() ? nativeRecord() : null,
      reps,
      warmup,
      results,
    }),
);
