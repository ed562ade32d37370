import type { TensorInfo } from '@tensorflow/tfjs';
import { ALEA_MULTIPLIER, aleaChunkStarts, aleaSeed } from '../alea.js';
import type { KernelArgs } from '../wasmInternals.js';
import { type FetsProgram, WORKGROUP, type WebGpuBackendLike } from './program.js';

/**
 * Draws one thread replays: the host jumps the stream to each chunk's start, one BigInt product (~1 µs) per chunk, so at
 * most MAX_CHUNKS of them (~2 ms) per mask; past 256 × 2048 draws the chunks grow instead (a GPU thread steps fast).
 */
const MIN_CHUNK = 256;
const MAX_CHUNKS = 2048;

/** What the backend's `makeTensorInfo`/`disposeData` give fets (tfjs-backend-webgpu 4.22). */
interface TensorMaking {
  makeTensorInfo(shape: number[], dtype: 'int32', values: Int32Array): TensorInfo;
  disposeData(dataId: object): boolean;
}

/**
 * WGSL: Alea's step in 32-bit integers (x₁ ← x₂ ← x₃ ← low word of A·x₁ + c, c ← high word; the 32×32-bit product
 * from four 16-bit ones), the draw as float32 exactly as the CPU rounds it (x / 2³² from two exact halves, one
 * correctly rounded addition) and tf.dropout's test `fround(u + keep) ≥ 1`.
 */
const body = `
      fn fetsMulWide(a : u32, b : u32) -> vec2<u32> {
        let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
        let ll = al * bl; let lh = al * bh; let hl = ah * bl;
        let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
        return vec2<u32>((ll & 0xffffu) | (mid << 16u), ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u));
      }
      fn main(index : i32) {
        if (index >= uniforms.chunks) { return; }
        var x1 = bitcast<u32>(starts[4 * index]);
        var x2 = bitcast<u32>(starts[4 * index + 1]);
        var x3 = bitcast<u32>(starts[4 * index + 2]);
        var c = bitcast<u32>(starts[4 * index + 3]);
        let first = index * uniforms.chunk;
        let last = min(first + uniforms.chunk, uniforms.size);
        for (var i = first; i < last; i = i + 1) {
          let t = fetsMulWide(${ALEA_MULTIPLIER}u, x1);
          let lo = t.x + c;
          c = t.y + select(0u, 1u, lo < t.x);
          x1 = x2;
          x2 = x3;
          x3 = lo;
          let u = f32(lo >> 16u) * (1.0 / 65536.0) + f32(lo & 0xffffu) * (1.0 / 4294967296.0);
          result[i] = select(0.0, uniforms.scale, u + uniforms.keep >= 1.0);
        }
      }`;

/**
 * `FetsDropoutMask` on WebGPU: no inputs; attrs {shape, rate, seed}. Out: float32 `shape` holding tf.dropout's
 * multiplier bit for bit, the mask the CPU backends draw for the same seed: the seeded Alea stream is an integer
 * multiply-with-carry generator, so the host computes its state at the start of every chunk of draws (a jump ahead,
 * see {@link aleaChunkStarts}) and one GPU thread per chunk replays the chunk.
 */
export function dropoutMaskWebGpu(args: KernelArgs): TensorInfo {
  const backend = args.backend as unknown as WebGpuBackendLike & TensorMaking;
  const shape = [...(args.attrs!.shape as number[])];
  const n = shape.reduce((p, d) => p * d, 1);
  const keep = Math.fround(1 - Number(args.attrs!.rate));
  const chunk = Math.max(MIN_CHUNK, Math.ceil(n / MAX_CHUNKS));
  const chunks = Math.max(1, Math.ceil(n / chunk));
  const st = aleaSeed(String(args.attrs!.seed ?? Math.random()));
  const starts = backend.makeTensorInfo([4 * chunks], 'int32', new Int32Array(aleaChunkStarts(st, chunk, chunks).buffer));
  const program: FetsProgram = {
    variableNames: ['starts'],
    outputShape: shape,
    shaderKey: 'fets_dropout_alea',
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(chunks / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms: 'chunks : i32, chunk : i32, keep : f32, scale : f32,',
    getUserCode: () => body,
  };
  try {
    return backend.runWebGPUProgram(program, [starts], 'float32', [
      { type: 'int32', data: [chunks] },
      { type: 'int32', data: [chunk] },
      { type: 'float32', data: [keep] },
      { type: 'float32', data: [Math.fround(1 / keep)] },
    ]);
  } finally {
    backend.disposeData(starts.dataId);
  }
}
