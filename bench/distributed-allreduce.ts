/**
 * Rank script of `npm run bench -- distributed` (run by mpirun): times the MPI binding's allreduce (sum, in place) on
 * a Float32Array view of a tensor on the wasm heap, and fets' fused gradient mean (allreduceMean: concatenate into
 * 64 MB buffers, reduce, scale, split) on BERT-shaped gradient lists up to `--fusedMax` floats. Args:
 * `--floats 11000000,109000000 --reps 5 --fusedMax 20000000`.
 * Rank 0 prints one JSON line after CHILD_JSON.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { allreduceMean, initBackend, initWorld } from '@fets/network';
import { CHILD_JSON, median } from './common.js';

const { values } = parseArgs({
  options: {
    floats: { type: 'string', default: '11000000' },
    reps: { type: 'string', default: '5' },
    fusedMax: { type: 'string', default: '20000000' },
  },
});
const world = initWorld();
await initBackend({ backend: 'wasm', quiet: true });
const reps = Number(values.reps);
const out: Record<string, unknown> = {};
for (const n of values.floats!.split(',').map(Number)) {
  const t = tf.fill([n], 0.5);
  const backend = tf.backend() as unknown as { dataIdMap: { get(id: unknown): { memoryOffset: number } }; wasm: { HEAPU8: Uint8Array } };
  const view = new Float32Array(backend.wasm.HEAPU8.buffer, backend.dataIdMap.get(t.dataId).memoryOffset, n);
  world.allreduce(view);
  const binding: number[] = [];
  for (let r = 0; r < reps; r++) {
    world.barrier();
    const t0 = performance.now();
    world.allreduce(view);
    binding.push((performance.now() - t0) / 1000);
  }
  t.dispose();
  if (n > Number(values.fusedMax)) {
    out[String(n)] = { bindingSeconds: binding, bindingMedian: median(binding) };
    continue;
  }
  // The fused mean on a BERT-like list: one embedding-sized tensor (a third) and many 256×256-ish blocks.
  const sizes: number[] = [Math.floor(n / 3)];
  for (let rest = n - sizes[0]!; rest > 0; rest -= 65536) sizes.push(Math.min(65536, rest));
  const grads = sizes.map((s) => tf.fill([s], 0.25));
  tf.dispose(allreduceMean(world, grads) as tf.Tensor[]);
  const fused: number[] = [];
  for (let r = 0; r < reps; r++) {
    world.barrier();
    const t0 = performance.now();
    const m = allreduceMean(world, grads);
    fused.push((performance.now() - t0) / 1000);
    tf.dispose(m as tf.Tensor[]);
  }
  tf.dispose(grads);
  out[String(n)] = {
    tensors: sizes.length,
    bindingSeconds: binding,
    bindingMedian: median(binding),
    fusedSeconds: fused,
    fusedMedian: median(fused),
  };
}
if (world.isChief) console.log(CHILD_JSON + JSON.stringify({ size: world.size, reps, results: out }));
