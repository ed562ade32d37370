/**
 * A few loops in WebAssembly SIMD (128-bit, as the tfjs wasm backend's own build), assembled at run time from
 * bytecode and run on the tfjs wasm heap (the module imports the backend's `WebAssembly.Memory`), so the fused
 * kernels work on tensors in place without copies. JS loops are scalar: about 4× slower per element than the
 * package's SIMD kernels, which loses for the fusions heavy in division, square root or exp (AdamW, GELU).
 *
 * Only what these loops need is encoded: i32/f32 scalars, v128 loads/stores and f32x4/i32x4 arithmetic.
 */

/** A `WebAssembly.Memory` (the WebAssembly JS API is not in this project's lib typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: object };
    };
  }
).WebAssembly;

/** Value types of the assembler. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
/** One of {@link I32}, {@link F32}, {@link V128}. */
export type ValType = typeof I32 | typeof F32 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function f32Bytes(v: number): number[] {
  return [...new Uint8Array(new Float32Array([v]).buffer)];
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/** SIMD opcodes (after the 0xfd prefix) used here. */
export const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  f32x4Splat: 0x13,
  and: 0x4e,
  xor: 0x51,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Max: 0xe9,
  i32x4TruncSatF32x4S: 0xf8,
  f32x4ExtractLane: 0x1f,
  /** Relaxed SIMD: a·b + c, fused where the CPU has FMA. */
  f32x4RelaxedMadd: 0x105,
} as const;

/** A function body under construction: stack-machine code over numbered locals (parameters first). */
export class Body {
  readonly code: number[] = [];
  private readonly extra: ValType[] = [];
  constructor(private readonly params: ValType[]) {}

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.extra.push(t);
    return this.params.length + this.extra.length - 1;
  }
  get(i: number): this {
    this.code.push(0x20, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.code.push(0x21, ...uleb(i));
    return this;
  }
  tee(i: number): this {
    this.code.push(0x22, ...uleb(i));
    return this;
  }
  i32(c: number): this {
    this.code.push(0x41, ...sleb(c));
    return this;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  simd(opcode: number, ...immediates: number[]): this {
    this.code.push(0xfd, ...uleb(opcode), ...immediates);
    return this;
  }
  /** Pushes f32x4 with all lanes `c`. */
  splat(c: number): this {
    return this.simd(SIMD.const, ...f32Bytes(c), ...f32Bytes(c), ...f32Bytes(c), ...f32Bytes(c));
  }
  /** Pushes i32x4 with all lanes `c` (as raw bits). */
  splatBits(c: number): this {
    const b = [...new Uint8Array(new Int32Array([c]).buffer)];
    return this.simd(SIMD.const, ...b, ...b, ...b, ...b);
  }
  /** v128.load from the address in local `ptr`. */
  load(ptr: number): this {
    return this.get(ptr).simd(SIMD.load, 0, 0);
  }
  /** v128.store of the value produced by `value` to the address in local `ptr`. */
  store(ptr: number, value: () => void): this {
    this.get(ptr);
    value();
    return this.simd(SIMD.store, 0, 0);
  }
  /** Pushes the f32 constant `c`. */
  f32(c: number): this {
    return this.op(0x43, ...f32Bytes(c));
  }
  /** The sum of the four lanes of the f32x4 in local `v` (as an f32 on the stack). */
  hsum(v: number): this {
    this.get(v).simd(SIMD.f32x4ExtractLane, 0).get(v).simd(SIMD.f32x4ExtractLane, 1).op(0x92);
    this.get(v).simd(SIMD.f32x4ExtractLane, 2).get(v).simd(SIMD.f32x4ExtractLane, 3).op(0x92);
    return this.op(0x92);
  }
  /** `local += step` for each of `ptrs`. */
  advance(ptrs: number[], step: number): this {
    for (const p of ptrs) this.get(p).i32(step).op(0x6a).set(p);
    return this;
  }
  /** `while (count-- > 0) body()`, count an i32 local. */
  repeat(count: number, body: () => void): this {
    this.op(0x02, 0x40); // block
    this.get(count).op(0x45).op(0x0d, 0); // i32.eqz; br_if 0
    this.op(0x03, 0x40); // loop
    body();
    this.get(count).i32(1).op(0x6b).tee(count).op(0x0d, 0); // count - 1; br_if 0 (loop)
    this.op(0x0b, 0x0b); // end loop, end block
    return this;
  }
  encode(): number[] {
    const groups: number[][] = this.extra.map((t) => [1, t]);
    const body = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module of exported functions, importing `env.memory`. */
export function assemble(fns: { name: string; params: ValType[]; body: Body }[], shared: boolean): Uint8Array {
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0]);
  const limits = shared ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body.encode()))),
  ];
  return new Uint8Array(bytes);
}

/**
 * `adamw(p, m, v, g, pOut, mOut, vOut, n4, β1, 1−β1, β2, 1−β2, bc1, bc2, ε, lr, decay)`: 4·n4 elements of
 * `m' = m·β1 + g·(1−β1)`, `v' = v·β2 + g²·(1−β2)`, `p' = p·decay − ((m'/bc1)/(√(v'/bc2) + ε))·lr`, every operation in
 * float32 in the order of the elementwise tfjs ops it replaces (so the results are the same bits).
 */
function adamwBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32];
  const b = new Body(params);
  const [pp, pm, pv, pg, po, mo, vo, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  const scalars = [8, 9, 10, 11, 12, 13, 14, 15, 16].map((i) => {
    const l = b.local(V128);
    b.get(i).simd(SIMD.f32x4Splat).set(l);
    return l;
  });
  const [B1, C1, B2, C2, BC1, BC2, EPS, LR, DEC] = scalars as [number, number, number, number, number, number, number, number, number];
  const G = b.local(V128);
  const M = b.local(V128);
  const V = b.local(V128);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  b.repeat(n, () => {
    b.load(pg).set(G);
    b.load(pm).get(B1);
    mul();
    b.get(G).get(C1);
    mul();
    add();
    b.set(M);
    b.store(mo, () => b.get(M));
    b.load(pv).get(B2);
    mul();
    b.get(G).get(G);
    mul();
    b.get(C2);
    mul();
    add();
    b.set(V);
    b.store(vo, () => b.get(V));
    b.store(po, () => {
      b.load(pp).get(DEC);
      mul();
      b.get(M).get(BC1).simd(SIMD.f32x4Div);
      b.get(V).get(BC2).simd(SIMD.f32x4Div).simd(SIMD.f32x4Sqrt).get(EPS);
      add();
      b.simd(SIMD.f32x4Div).get(LR);
      mul();
      b.simd(SIMD.f32x4Sub);
    });
    b.advance([pp, pm, pv, pg, po, mo, vo], 16);
  });
  return { params, body: b };
}

/**
 * `gelu(x, y, d, n4)`: for 4·n4 elements, with e = exp(−x²/2) and erf by Abramowitz & Stegun 7.1.26 (|error| ≤
 * 1.5e-7), Φ = (1 + erf(x/√2))/2, `y = x·Φ`, `d = Φ + x·e/√(2π)` (the derivative). exp(t) for t ≤ 0 is
 * 2^k·P(r), t = k·ln2 + r, P of degree 6, t clamped at −87.
 */
function geluBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32];
  const b = new Body(params);
  const [px, py, pd, n] = [0, 1, 2, 3];
  const X = b.local(V128);
  const Z = b.local(V128);
  const T = b.local(V128);
  const K = b.local(V128);
  const R = b.local(V128);
  const E = b.local(V128);
  const CDF = b.local(V128);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  const sub = () => b.simd(SIMD.f32x4Sub);
  b.repeat(n, () => {
    b.load(px).tee(X).simd(SIMD.f32x4Abs).splat(Math.SQRT1_2);
    mul();
    b.set(Z);
    // T = max(−z², −87); K = nearest(T·log2 e); R = T − K·ln2_hi − K·ln2_lo
    b.get(Z).get(Z);
    mul();
    b.simd(SIMD.f32x4Neg).splat(-87).simd(SIMD.f32x4Max).tee(T).splat(Math.LOG2E);
    mul();
    b.simd(SIMD.f32x4Nearest).set(K);
    b.get(T).get(K).splat(0.693359375);
    mul();
    sub();
    b.get(K).splat(-2.1219444e-4);
    mul();
    sub();
    b.set(R);
    // P(R) by Horner, then × 2^K (K + 127 shifted into the exponent field).
    b.splat(1 / 720);
    for (const c of [1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1]) {
      b.get(R);
      mul();
      b.splat(c);
      add();
    }
    b.get(K).simd(SIMD.i32x4TruncSatF32x4S).splatBits(127).simd(SIMD.i32x4Add).i32(23).simd(SIMD.i32x4Shl);
    mul();
    b.set(E);
    // t = 1/(1 + p·z); erf(|x|/√2) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e
    b.splat(1).splat(1).get(Z).splat(0.3275911);
    mul();
    add();
    b.simd(SIMD.f32x4Div).set(T);
    b.splat(1).splat(1.061405429);
    for (const c of [-1.453152027, 1.421413741, -0.284496736, 0.254829592]) {
      b.get(T);
      mul();
      b.splat(c);
      add();
    }
    b.get(T);
    mul();
    b.get(E);
    mul();
    sub();
    // Signed erf: copy x's sign bit; Φ = 0.5 + 0.5·erf.
    b.get(X).splatBits(-0x80000000).simd(SIMD.and).simd(SIMD.xor).splat(0.5);
    mul();
    b.splat(0.5);
    add();
    b.set(CDF);
    b.store(py, () => {
      b.get(X).get(CDF);
      mul();
    });
    b.store(pd, () => {
      b.get(CDF).get(X).get(E);
      mul();
      b.splat(1 / Math.sqrt(2 * Math.PI));
      mul();
      add();
    });
    b.advance([px, py, pd], 16);
  });
  return { params, body: b };
}

/**
 * `lnForward(x, gamma, beta, y, mean, rstd, rows, h4, 1/h, eps)`: LayerNorm of `rows` rows of h = 4·h4 floats: per
 * row μ = Σx/h, σ² = Σ(x − μ)²/h, rstd = 1/√(σ² + eps), `y = ((x − μ)·rstd)·γ + β` (the order of the tfjs ops);
 * μ and rstd stored per row. Sums in four float32 lanes.
 */
function lnForwardBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32];
  const b = new Body(params);
  const [px, pg, pb, py, pm, pr, rows, h4, invH, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [p, q, g, bb, n] = [b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const [ACC, M, R] = [b.local(V128), b.local(V128), b.local(V128)];
  const [mean, rstd] = [b.local(F32), b.local(F32)];
  const sub = () => b.simd(SIMD.f32x4Sub);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  b.repeat(rows, () => {
    // Σx
    b.splat(0).set(ACC).get(px).set(p).get(h4).set(n);
    b.repeat(n, () => {
      b.get(ACC).load(p);
      add();
      b.set(ACC).advance([p], 16);
    });
    b.hsum(ACC).get(invH).op(0x94).tee(mean).simd(SIMD.f32x4Splat).set(M);
    // Σ(x − μ)²
    b.splat(0).set(ACC).get(px).set(p).get(h4).set(n);
    b.repeat(n, () => {
      b.get(ACC).load(p).get(M);
      sub();
      b.set(R).get(R).get(R);
      mul();
      add();
      b.set(ACC).advance([p], 16);
    });
    b.f32(1).hsum(ACC).get(invH).op(0x94).get(eps).op(0x92).op(0x91).op(0x95).tee(rstd).simd(SIMD.f32x4Splat).set(R);
    // y = ((x − μ)·rstd)·γ + β
    b.get(px).set(p).get(py).set(q).get(pg).set(g).get(pb).set(bb).get(h4).set(n);
    b.repeat(n, () => {
      b.store(q, () => {
        b.load(p).get(M);
        sub();
        b.get(R);
        mul();
        b.load(g);
        mul();
        b.load(bb);
        add();
      });
      b.advance([p, q, g, bb], 16);
    });
    b.get(pm).get(mean).op(0x38, 2, 0).get(pr).get(rstd).op(0x38, 2, 0);
    b.advance([pm, pr], 4);
    b.get(px).get(h4).i32(16).op(0x6c).op(0x6a).set(px);
    b.get(py).get(h4).i32(16).op(0x6c).op(0x6a).set(py);
  });
  return { params, body: b };
}

/**
 * `lnBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h4, 1/h)`: with x̂ = (x − μ)·rstd and g = dy·γ,
 * `dx = rstd·((g − mean(g)) − x̂·mean(g·x̂))`; `dgamma += dy·x̂`, `dbeta += dy` over rows (both zeroed by the caller).
 */
function lnBackwardBody(): { params: ValType[]; body: Body } {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32];
  const b = new Body(params);
  const [pdy, px, pg, pm, pr, pdx, pdg, pdb, rows, h4, invH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [d, x, g, o, dg, db, n] = [b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32), b.local(I32)];
  const [M, R, XH, D, GJ, SG, SGX, MG, MGX] = Array.from({ length: 9 }, () => b.local(V128)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const sub = () => b.simd(SIMD.f32x4Sub);
  const mul = () => b.simd(SIMD.f32x4Mul);
  const add = () => b.simd(SIMD.f32x4Add);
  const xhat = () => {
    b.load(x).get(M);
    sub();
    b.get(R);
    mul();
    b.set(XH);
  };
  b.repeat(rows, () => {
    b.get(pm).op(0x2a, 2, 0).simd(SIMD.f32x4Splat).set(M);
    b.get(pr).op(0x2a, 2, 0).simd(SIMD.f32x4Splat).set(R);
    b.splat(0).set(SG).splat(0).set(SGX);
    b.get(pdy).set(d).get(px).set(x).get(pg).set(g).get(pdg).set(dg).get(pdb).set(db).get(h4).set(n);
    b.repeat(n, () => {
      xhat();
      b.load(d).set(D);
      b.get(D).load(g);
      mul();
      b.set(GJ);
      b.get(SG).get(GJ);
      add();
      b.set(SG);
      b.get(SGX).get(GJ).get(XH);
      mul();
      add();
      b.set(SGX);
      b.store(dg, () => {
        b.load(dg).get(D).get(XH);
        mul();
        add();
      });
      b.store(db, () => {
        b.load(db).get(D);
        add();
      });
      b.advance([d, x, g, dg, db], 16);
    });
    b.hsum(SG).get(invH).op(0x94).simd(SIMD.f32x4Splat).set(MG);
    b.hsum(SGX).get(invH).op(0x94).simd(SIMD.f32x4Splat).set(MGX);
    b.get(pdy).set(d).get(px).set(x).get(pg).set(g).get(pdx).set(o).get(h4).set(n);
    b.repeat(n, () => {
      xhat();
      b.store(o, () => {
        b.load(d).load(g);
        mul();
        b.get(MG);
        sub();
        b.get(XH).get(MGX);
        mul();
        sub();
        b.get(R);
        mul();
      });
      b.advance([d, x, g, o], 16);
    });
    b.advance([pm, pr], 4);
    for (const ptr of [pdy, px, pdx]) b.get(ptr).get(h4).i32(16).op(0x6c).op(0x6a).set(ptr);
  });
  return { params, body: b };
}

/** The assembled loops, bound to one wasm memory. */
export interface SimdLoops {
  adamw(
    p: number,
    m: number,
    v: number,
    g: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n4: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    bc1: number,
    bc2: number,
    epsilon: number,
    learningRate: number,
    decay: number,
  ): void;
  gelu(x: number, y: number, d: number, n4: number): void;
  lnForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    rstd: number,
    rows: number,
    h4: number,
    invH: number,
    eps: number,
  ): void;
  lnBackward(
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    rstd: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    rows: number,
    h4: number,
    invH: number,
  ): void;
}

const cache = new WeakMap<WasmMemory, SimdLoops | null>();
let enabled = true;

/**
 * Turns the SIMD loops off (the fused kernels then run their JS loops) or back on; returns the previous setting.
 * For tests and comparisons.
 *
 * @example
 * const was = setSimdLoops(false);
 */
export function setSimdLoops(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/**
 * The SIMD loops for `memory` (compiled once per memory), or null when this engine cannot compile them (no wasm
 * SIMD): callers then use their JS loops.
 *
 * @example
 * const loops = simdLoops(backend.wasm.asm.memory);
 */
export function simdLoops(memory: WasmMemory | undefined): SimdLoops | null {
  if (!enabled || !memory) return null;
  if (cache.has(memory)) return cache.get(memory)!;
  let loops: SimdLoops | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = assemble(
      [
        { name: 'adamw', ...adamwBody() },
        { name: 'gelu', ...geluBody() },
        { name: 'lnForward', ...lnForwardBody() },
        { name: 'lnBackward', ...lnBackwardBody() },
      ],
      shared,
    );
    const instance = new WA.Instance(new WA.Module(bytes), { env: { memory } });
    loops = instance.exports as unknown as SimdLoops;
  } catch {
    loops = null;
  }
  cache.set(memory, loops);
  return loops;
}
