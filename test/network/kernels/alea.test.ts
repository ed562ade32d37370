import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { ALEA_MULTIPLIER, aleaChunkStarts, aleaSeed } from '@fets/network/kernels';

/**
 * Replays Alea's draws from the chunk starts as the WebGPU dropout kernel does (the lag-3 multiply-with-carry step in
 * integers: A·x₁ + c < 2⁵³ is exact in a double), each draw rounded to float32 as randomUniform's buffer holds it.
 */
function replay(starts: Uint32Array, chunk: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k * chunk < n; k++) {
    let [x1, x2, x3, c] = Array.from(starts.subarray(4 * k, 4 * k + 4)) as [number, number, number, number];
    for (let i = k * chunk; i < Math.min(n, (k + 1) * chunk); i++) {
      const t = ALEA_MULTIPLIER * x1 + c;
      const lo = t % 4294967296;
      c = Math.floor(t / 4294967296);
      [x1, x2, x3] = [x2, x3, lo];
      out[i] = lo / 4294967296;
    }
  }
  return out;
}

describe('kernels/alea: jumping the seeded Alea stream (the WebGPU dropout mask)', () => {
  let previous = '';
  before(async () => {
    previous = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it("chunk starts replay tf.randomUniform's draws on the cpu backend exactly, for any seed, chunk and length", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.string({ maxLength: 12 })),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 3000 }),
        (seed, chunk, n) => {
          const chunks = Math.ceil(n / chunk);
          const ours = replay(aleaChunkStarts(aleaSeed(String(seed)), chunk, chunks), chunk, n);
          const ref = tf.tidy(() => tf.randomUniform([n], 0, 1, 'float32', seed).dataSync() as Float32Array);
          expect(Buffer.from(ours.buffer).equals(Buffer.from(ref.buffer))).to.equal(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a far jump (draw 2·10⁶ + 3) equals stepping there one draw at a time', () => {
    const st = aleaSeed('far');
    const far = 2_000_003;
    const jumped = aleaChunkStarts(st, far, 2).subarray(4);
    const stepped = replay(aleaChunkStarts(st, far + 1, 1), far + 1, far + 1);
    expect(replay(jumped, 1, 1)[0]).to.equal(stepped[far]);
  });
});
