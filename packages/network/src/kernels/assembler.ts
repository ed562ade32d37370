/**
 * A small WebAssembly assembler: the fused kernels' loops are written as stack-machine code (`Body`), assembled at
 * run time into a module that imports the tfjs wasm backend's `WebAssembly.Memory`, so they run on tensors in place
 * without copies. JS loops are scalar: about 4× slower per element than the package's SIMD kernels, which loses for
 * the fusions heavy in division, square root or exp (AdamW, GELU). Each kernel keeps its own loop body beside it
 * (adamw.ts, gelu.ts, layerNorm.ts, gemm.ts); {@link wasmLoops} compiles one once per memory.
 *
 * Only what the loops need is encoded: i32/f32 scalars, v128 loads/stores and f32x4/i32x4 arithmetic.
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

const cache = new WeakMap<WasmMemory, Map<string, object | null>>();
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
 * The exported functions of the module `fns` assembles, bound to `memory` (compiled once per memory and `key`), or
 * null when the loops are off or this engine cannot compile them (no wasm SIMD): callers then use their JS loops.
 *
 * @example
 * const loops = wasmLoops<{ gelu(x: number, y: number, d: number, n4: number): void }>(memory, 'gelu', () => [{ name: 'gelu', ...geluBody() }]);
 */
export function wasmLoops<T extends object>(
  memory: WasmMemory | undefined,
  key: string,
  fns: () => { name: string; params: ValType[]; body: Body }[],
): T | null {
  if (!enabled || !memory) return null;
  let byKey = cache.get(memory);
  if (!byKey) cache.set(memory, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key) as T | null;
  let loops: T | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    loops = new WA.Instance(new WA.Module(assemble(fns(), shared)), { env: { memory } }).exports as T;
  } catch {
    loops = null;
  }
  byKey.set(key, loops);
  return loops;
}
