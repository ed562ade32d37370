import type { TensorInfo } from '@tensorflow/tfjs';
import { nativeAddon } from './native/slot.js';
import { Body, I32, SIMD, V128, assemble, type ValType, type WasmMemory } from './assembler.js';
import { memoryOf, offsetOf, type WasmBackend } from './wasmInternals.js';

/**
 * A single-threaded float32 matrix product C = A·B in WebAssembly SIMD on the tfjs wasm heap, in place of the
 * package's XNNPACK fully-connected operator for 2-D and batched products. XNNPACK treats the right operand as
 * layer weights: every new right operand (every product of a training step: activations, gradients, a fresh
 * transposed weight) creates an operator, allocates and packs it, then runs once. Here B is packed into panels of
 * NR columns (k-major) by a SIMD copy loop in a scratch buffer, and an MR×NR register-tile microkernel
 * (accumulators in v128 locals, A broadcast by `v128.load32_splat`) sweeps all panels for MR rows of A at a time.
 * Sums run over k in order, one multiply and one add per step, so results are the same bits as a naive float32 dot
 * product; or, with `fma`, one fused multiply-add per step (relaxed SIMD, see {@link gemmLoops}).
 */

/** Rows of A per microkernel call. */
export const GEMM_MR = 4;
/** v128 vectors per row of a panel (NR = 4·NV columns). */
const NV = 2;
/** Columns per panel of packed B. */
export const GEMM_NR = 4 * NV;
/** Bytes of packed B one sweep over the rows of A works on (about half of a 512 KiB L2 cache). */
const GEMM_CHUNK_BYTES = 256 * 1024;
/** Packed B up to this size is swept whole for each row block (BERT's layer weights: it stays in L2/L3 and the
 * rows of A are read once); only larger ones are chunked. */
const GEMM_CHUNK_ABOVE = 4 * 1024 * 1024;

interface GemmExports {
  /**
   * `tile{mr}(a, lda, packedB, c, ldc, panels, k)`: C[mr, panels·NR] = A[mr, k]·B (byte strides); `tileT{mr}` reads
   * A transposed (stored [k, ·], lda its row stride).
   */
  [tile: `tile${string}`]: (a: number, lda: number, b: number, c: number, ldc: number, panels: number, k: number) => void;
  /** `pack(b, ldb, dst, panels, k)`: full NR-column panels of B [k, ·] into dst, k-major. */
  pack: (b: number, ldb: number, dst: number, panels: number, k: number) => void;
  /** `packA(a, lda, dst, k)`: GEMM_MR adjacent floats from each of k rows (a transposed A's row block), contiguous. */
  packA: (a: number, lda: number, dst: number, k: number) => void;
}

/**
 * The microkernel for `mr` rows. Row-major A: one pointer per row, each advancing 4 bytes per k. Transposed A
 * (stored [k, m], `transA`): the mr values of one k are adjacent, read at offsets 0, 4, … from one pointer that
 * advances by lda per k.
 */
function tileBody(mr: number, transA: boolean, fma: boolean): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32];
  const b = new Body(params);
  const [pa, lda, pb, pc, ldc, panels, K] = [0, 1, 2, 3, 4, 5, 6];
  const rows = Array.from({ length: transA ? 1 : mr }, () => b.local(I32));
  const k = b.local(I32);
  const acc = Array.from({ length: mr * NV }, () => b.local(V128));
  const bv = Array.from({ length: NV }, () => b.local(V128));
  const av = b.local(V128);
  const rowAddress = (base: number, stride: number, r: number) => {
    b.get(base);
    if (r > 0) b.get(stride).i32(r).op(0x6c).op(0x6a); // + r·stride
  };
  b.repeat(panels, () => {
    for (const a of acc) b.splat(0).set(a);
    for (let r = 0; r < rows.length; r++) {
      rowAddress(pa, lda, r);
      b.set(rows[r]!);
    }
    b.get(K).set(k);
    b.repeat(k, () => {
      for (let v = 0; v < NV; v++)
        b.get(pb)
          .simd(SIMD.load, 4, 16 * v)
          .set(bv[v]!);
      for (let r = 0; r < mr; r++) {
        if (transA)
          b.get(rows[0]!)
            .simd(SIMD.load32Splat, 2, 4 * r)
            .set(av);
        else b.get(rows[r]!).simd(SIMD.load32Splat, 2, 0).set(av);
        for (let v = 0; v < NV; v++) {
          const i = r * NV + v;
          if (fma) b.get(av).get(bv[v]!).get(acc[i]!).simd(SIMD.f32x4RelaxedMadd).set(acc[i]!);
          else b.get(acc[i]!).get(av).get(bv[v]!).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(acc[i]!);
        }
        if (!transA) b.get(rows[r]!).i32(4).op(0x6a).set(rows[r]!);
      }
      if (transA) b.get(rows[0]!).get(lda).op(0x6a).set(rows[0]!);
      b.get(pb)
        .i32(16 * NV)
        .op(0x6a)
        .set(pb);
    });
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < NV; v++) {
        rowAddress(pc, ldc, r);
        b.get(acc[r * NV + v]!).simd(SIMD.store, 4, 16 * v);
      }
    }
    b.get(pc)
      .i32(16 * NV)
      .op(0x6a)
      .set(pc);
  });
  return { params, body: b };
}

function packBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32];
  const q = new Body(params);
  const [src, ldb, dst, panels, K] = [0, 1, 2, 3, 4];
  const s = q.local(I32);
  const k = q.local(I32);
  q.repeat(panels, () => {
    q.get(src).set(s);
    q.get(K).set(k);
    q.repeat(k, () => {
      for (let v = 0; v < NV; v++) {
        q.get(dst);
        q.get(s).simd(SIMD.load, 4, 16 * v);
        q.simd(SIMD.store, 4, 16 * v);
      }
      q.get(dst)
        .i32(16 * NV)
        .op(0x6a)
        .set(dst);
      q.get(s).get(ldb).op(0x6a).set(s);
    });
    q.get(src)
      .i32(16 * NV)
      .op(0x6a)
      .set(src);
  });
  return { params, body: q };
}

/** `packA(src, lda, dst, k)`: 16 bytes (GEMM_MR floats) from each of k rows of stride lda, stored contiguously. */
function packABody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32];
  const q = new Body(params);
  const [src, lda, dst, K] = [0, 1, 2, 3];
  q.repeat(K, () => {
    q.get(dst);
    q.get(src).simd(SIMD.load, 4, 0);
    q.simd(SIMD.store, 4, 0);
    q.get(dst).i32(16).op(0x6a).set(dst);
    q.get(src).get(lda).op(0x6a).set(src);
  });
  return { params, body: q };
}

const modules = new WeakMap<WasmMemory, Map<boolean, GemmExports | null>>();

function compile(memory: WasmMemory, fma: boolean): GemmExports | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const fns = [
    ...Array.from({ length: GEMM_MR }, (_, i) => ({ name: `tile${i + 1}`, ...tileBody(i + 1, false, fma) })),
    ...Array.from({ length: GEMM_MR }, (_, i) => ({ name: `tileT${i + 1}`, ...tileBody(i + 1, true, fma) })),
    { name: 'pack', ...packBody() },
    { name: 'packA', ...packABody() },
  ];
  const bytes = assemble(fns, shared);
  const WA = (
    globalThis as unknown as {
      WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: object } };
    }
  ).WebAssembly;
  return new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports as GemmExports;
}

let relaxedFlagSet = false;

/**
 * The compiled GEMM loops for a wasm memory, or null when they do not compile here. With `fma`, the microkernel
 * uses relaxed-SIMD `f32x4.relaxed_madd` (a fused multiply-add on x86 with FMA3, about 1.25× the throughput measured
 * here); Node 20's V8 has relaxed SIMD behind `--experimental-wasm-relaxed-simd`, which is then set at run time
 * (`v8.setFlagsFromString`; on by default from V8 11.4, Node 22). When that does not compile, null.
 */
export function gemmLoops(memory: WasmMemory | undefined, fma = false): GemmExports | null {
  if (!memory) return null;
  let byFma = modules.get(memory);
  if (!byFma) modules.set(memory, (byFma = new Map()));
  if (byFma.has(fma)) return byFma.get(fma)!;
  let out: GemmExports | null = null;
  try {
    out = compile(memory, fma);
  } catch {
    if (fma && !relaxedFlagSet) {
      relaxedFlagSet = true;
      try {
        const v8 =
          typeof process !== 'undefined' ? (process.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined) : undefined;
        if (!v8) throw new Error('not Node.js: relaxed SIMD stays as the engine has it');
        v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
        out = compile(memory, fma);
      } catch {
        out = null;
      }
    }
  }
  byFma.set(fma, out);
  return out;
}

const wasmProducts = { count: 0 };

/**
 * How many `gemmProducts` calls ran on the WebAssembly GEMM (not the native addon, not XNNPACK) in this process.
 *
 * @example
 * const before = wasmGemmCalls(); tf.matMul(a, b); wasmGemmCalls() - before; // 1
 */
export function wasmGemmCalls(): number {
  return wasmProducts.count;
}

/** Sizes of {@link gemmProducts}. */
export interface GemmDims {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** 1 when a (b) has one matrix per batch entry, 0 when one matrix serves all. */
  aStep: number;
  bStep: number;
  /** a is stored [k, m] (b [n, k]) and used transposed. */
  transA?: boolean;
  transB?: boolean;
  /** Use the fused multiply-add microkernel when it compiles (see {@link gemmLoops}). */
  fma?: boolean;
  /** Run on the native addon's GEMM when it is loaded (all threads, the CPU's vector width). */
  native?: boolean;
}

/**
 * `out[i] = op(a[i])·op(b[i])` for `batch` products of [m, k]·[k, n] (op: transpose when `transA`/`transB`; a, b
 * row-major as stored; `aStep`/`bStep` 0 for a broadcast operand). Returns false (nothing written) when the loops
 * are not available. `out` must hold batch·m·n floats.
 *
 * @example
 * gemmProducts(backend, a, b, out, { batch: 1, m: 2048, k: 256, n: 1024, aStep: 0, bStep: 0 });
 */
export function gemmProducts(backend: WasmBackend, a: TensorInfo, b: TensorInfo, out: TensorInfo, dims: GemmDims): boolean {
  const addon = dims.native ? nativeAddon() : undefined;
  if (addon) {
    const { batch, m, k, n, aStep, bStep } = dims;
    addon.gemm(backend.wasm.HEAPU8, {
      a: offsetOf(backend, a),
      b: offsetOf(backend, b),
      c: offsetOf(backend, out),
      batch,
      m,
      n,
      k,
      aStep: aStep !== 0,
      bStep: bStep !== 0,
      transA: Boolean(dims.transA),
      transB: Boolean(dims.transB),
    });
    return true;
  }
  const memory = memoryOf(backend);
  const g = (dims.fma ? gemmLoops(memory, true) : null) ?? gemmLoops(memory, false);
  if (!g) return false;
  wasmProducts.count += 1;
  const { batch, m, k, n, aStep, bStep } = dims;
  const transA = Boolean(dims.transA);
  const transB = Boolean(dims.transB);
  const panels = Math.ceil(n / GEMM_NR);
  const full = Math.floor(n / GEMM_NR);
  const np = panels * GEMM_NR;
  const chunk = 4 * k * np <= GEMM_CHUNK_ABOVE ? panels : Math.max(1, Math.floor(GEMM_CHUNK_BYTES / (4 * k * GEMM_NR)));
  // Scratch: packed B (k × np) and, when n is not a multiple of NR, a padded C (m × np) per product.
  const packed = backend.makeOutput([k * np], 'float32');
  // A transposed: each full block of MR rows is first gathered k-major (16 bytes per k), so the microkernel reads
  // it contiguously rather than at a stride of m floats for every panel.
  const packedA = transA && m >= GEMM_MR ? backend.makeOutput([k * GEMM_MR], 'float32') : undefined;
  const padded = np !== n ? backend.makeOutput([m * np], 'float32') : undefined;
  try {
    const aOff = offsetOf(backend, a);
    const bOff = offsetOf(backend, b);
    const oOff = offsetOf(backend, out);
    const pOff = offsetOf(backend, packed);
    const paOff = packedA ? offsetOf(backend, packedA) : 0;
    const cBase = padded ? offsetOf(backend, padded) : 0;
    let packedFor = -1;
    for (let i = 0; i < batch; i++) {
      const bi = i * bStep;
      const bAt = bOff + 4 * bi * k * n;
      if (packedFor !== bi && transB) {
        // b stored [n, k]: panel p, step kk holds b[p·NR + j][kk], zero-padded past n (a gather, in JS).
        const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
        const src = bAt / 4;
        const dst = pOff / 4;
        for (let p = 0; p < panels; p++) {
          const cols = Math.min(GEMM_NR, n - p * GEMM_NR);
          for (let j = 0; j < GEMM_NR; j++) {
            const d = dst + p * k * GEMM_NR + j;
            if (j >= cols) {
              for (let kk = 0; kk < k; kk++) heap[d + kk * GEMM_NR] = 0;
              continue;
            }
            const s = src + (p * GEMM_NR + j) * k;
            for (let kk = 0; kk < k; kk++) heap[d + kk * GEMM_NR] = heap[s + kk]!;
          }
        }
        packedFor = bi;
      }
      if (packedFor !== bi) {
        if (full > 0) g.pack(bAt, 4 * n, pOff, full, k);
        if (full < panels) {
          // The last, partial panel: zero-padded columns, packed in JS (k × NR floats).
          const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
          const src = bAt / 4;
          const dst = pOff / 4 + full * k * GEMM_NR;
          const cols = n - full * GEMM_NR;
          for (let kk = 0; kk < k; kk++) {
            const s = src + kk * n + full * GEMM_NR;
            const d = dst + kk * GEMM_NR;
            for (let j = 0; j < GEMM_NR; j++) heap[d + j] = j < cols ? heap[s + j]! : 0;
          }
        }
        packedFor = bi;
      }
      const aAt = aOff + 4 * i * aStep * m * k;
      const cAt = padded ? cBase : oOff + 4 * i * m * n;
      const ldc = 4 * np;
      // Panels in chunks that stay in cache while every row block of A sweeps them (B is read from memory once,
      // not once per MR rows: for [80, 256]·[256, 30522] that is 31 MB instead of 20 × 31 MB). Each element of C is
      // still one tile's sum over all of k, in order, so the bits do not depend on the chunking.
      for (let p0 = 0; p0 < panels; p0 += chunk) {
        const cp = Math.min(chunk, panels - p0);
        const pb = pOff + 4 * p0 * k * GEMM_NR;
        const c0 = cAt + 4 * p0 * GEMM_NR;
        for (let r = 0; r < m; r += GEMM_MR) {
          const mr = Math.min(GEMM_MR, m - r);
          if (transA && mr === GEMM_MR && packedA) {
            g.packA(aAt + 4 * r, 4 * m, paOff, k);
            g[`tileT${mr}`](paOff, 16, pb, c0 + r * ldc, ldc, cp, k);
          } else if (transA) g[`tileT${mr}`](aAt + 4 * r, 4 * m, pb, c0 + r * ldc, ldc, cp, k);
          else g[`tile${mr}`](aAt + 4 * r * k, 4 * k, pb, c0 + r * ldc, ldc, cp, k);
        }
      }
      if (padded) {
        const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
        const from = cBase / 4;
        const to = oOff / 4 + i * m * n;
        for (let r = 0; r < m; r++) heap.copyWithin(to + r * n, from + r * np, from + r * np + n);
      }
    }
  } finally {
    backend.disposeData(packed.dataId);
    if (padded) backend.disposeData(padded.dataId);
    if (packedA) backend.disposeData(packedA.dataId);
  }
  return true;
}
