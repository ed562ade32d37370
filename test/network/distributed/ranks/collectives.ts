// Rank script of collectives.test.ts (run under `mpirun -np 2`): property tests of the MPI binding's allreduce,
// broadcast and allgatherv, and of the fused gradient mean, on random sizes (one of them past a 64 MB fusion buffer).
// Every rank draws the same cases (same fast-check seed), so the collectives line up; data depend on the rank, and
// each rank checks the result against the sum it computes itself. Prints `ok <cases>` on success.
import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { allreduceMean, broadcastTensors, initBackend, initWorld } from '@fets/network';

const world = initWorld();
await initBackend({ backend: 'wasm', quiet: true });
if (world.size < 2) throw new Error(`expected at least 2 ranks, got ${world.size}`);
const size = world.size;
/** A small integer per (rank, index, case): sums of these are exact in float32. */
const value = (rank: number, i: number, salt: number) => ((i * 7 + rank * 13 + salt) % 17) - 8;
const sumOver = (i: number, salt: number) => Array.from({ length: size }, (_, r) => value(r, i, salt)).reduce((a, b) => a + b, 0);
let cases = 0;
const params = { seed: 20261207, numRuns: 15, endOnFailure: true };

// allreduce on a Float32Array view into the wasm heap (the tensor's own memory: no copy).
fc.assert(
  fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 1000 }), (n, salt) => {
    const t = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => value(world.rank, i, salt)));
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: unknown): { memoryOffset: number } }; wasm: { HEAPU8: Uint8Array } };
    const view = new Float32Array(backend.wasm.HEAPU8.buffer, backend.dataIdMap.get(t.dataId).memoryOffset, n);
    world.allreduce(view);
    const got = t.dataSync();
    t.dispose();
    cases++;
    for (let i = 0; i < n; i++) if (got[i] !== sumOver(i, salt)) return false;
    return true;
  }),
  params,
);

// allreduce max/min and float64.
fc.assert(
  fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 1000 }), (n, salt) => {
    const a = Float64Array.from({ length: n }, (_, i) => value(world.rank, i, salt));
    const mx = Float32Array.from(a);
    world.allreduce(a);
    world.allreduce(mx, 'max');
    cases++;
    for (let i = 0; i < n; i++) {
      if (a[i] !== sumOver(i, salt)) return false;
      if (mx[i] !== Math.max(...Array.from({ length: size }, (_, r) => value(r, i, salt)))) return false;
    }
    return true;
  }),
  params,
);

// broadcast from a random root.
fc.assert(
  fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: size - 1 }), (n, root) => {
    const a = Int32Array.from({ length: n }, (_, i) => value(world.rank, i, root));
    world.broadcast(a, root);
    cases++;
    for (let i = 0; i < n; i++) if (a[i] !== value(root, i, root)) return false;
    return true;
  }),
  params,
);

// allgatherv: a different length on every rank, empty included.
fc.assert(
  fc.property(fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: size, maxLength: size }), (lengths) => {
    const mine = Uint8Array.from({ length: lengths[world.rank]! }, (_, i) => (i + world.rank) & 255);
    const all = world.allgather(mine);
    cases++;
    return all.length === size && all.every((b, r) => b.length === lengths[r] && b.every((x, i) => x === ((i + r) & 255)));
  }),
  params,
);

// The fused gradient mean over random tensor lists, with small fusion buffers (many groups) and nulls.
fc.assert(
  fc.property(
    fc.array(fc.option(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }), { nil: null }), {
      minLength: 1,
      maxLength: 12,
    }),
    fc.integer({ min: 4, max: 20_000 }),
    (shapes, fusionBytes) => {
      const ts = shapes.map((s, k) =>
        s
          ? tf.tensor(
              Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => value(world.rank, i, k)),
              s,
            )
          : null,
      );
      const before = tf.memory().numTensors;
      const mean = allreduceMean(world, ts, fusionBytes);
      cases++;
      const ok = mean.every((m, k) => {
        if (!m || !ts[k]) return m === ts[k];
        const got = m.dataSync();
        return m.shape.join() === ts[k]!.shape.join() && got.every((x, i) => Math.abs(x - sumOver(i, k) / size) < 1e-6);
      });
      const leaked = tf.memory().numTensors - before - mean.filter((m) => m).length;
      tf.dispose([...ts.filter((t) => t), ...mean.filter((m) => m)] as tf.Tensor[]);
      return ok && leaked === 0;
    },
  ),
  params,
);

// Past one 64 MB fusion buffer: 17 M + 1 floats as two tensors (two groups), then broadcast of the same.
{
  const n = 17 * 1024 * 1024 + 1;
  const a = tf.tidy(() => tf.add(tf.zeros([n]), world.rank + 1));
  const b = tf.tidy(() => tf.fill([3, 5], 2 * (world.rank + 1)));
  const [ma, mb] = allreduceMean(world, [a, b]);
  const want = (size + 1) / 2;
  const da = ma!.dataSync();
  if (da[0] !== want || da[n - 1] !== want || da[n >> 1] !== want)
    throw new Error(`fused mean past 64 MB: ${da[0]} ${da[n - 1]}, expected ${want}`);
  if (!mb!.dataSync().every((x) => x === 2 * want)) throw new Error('fused mean: the second group is wrong');
  const [ba] = broadcastTensors(world, [a]);
  const db = ba!.dataSync();
  if (db[0] !== 1 || db[n - 1] !== 1) throw new Error(`broadcast past 64 MB: ${db[0]}, expected rank 0's 1`);
  tf.dispose([a, b, ma!, mb!, ba!]);
  cases++;
}
world.barrier();
console.log(`ok ${cases} rank ${world.rank}`);
