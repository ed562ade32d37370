/**
 * The named arguments of every entry point of fets' native addon: each kernel is called as `name(heap, args)` (heap:
 * the wasm heap's bytes; offsets in `args` are byte offsets into it, floats 4-byte aligned) and the C++ side reads
 * `args` by name through one typed reader (`native/src/call.h`), which checks each value and each operand's extent.
 * An optional operand is left out (or given as −1).
 */

/** `gemm`: `batch` float32 products C = op(A)·op(B) ([m, k]·[k, n]), operands contiguous per product. */
export interface GemmArgs {
  a: number;
  b: number;
  c: number;
  batch: number;
  m: number;
  n: number;
  k: number;
  /** Whether A (B) advances by one matrix per product (false: one matrix serves every product). */
  aStep: boolean;
  bStep: boolean;
  /** A is stored [k, m] (B [n, k]) and used transposed. */
  transA: boolean;
  transB: boolean;
  /** n floats added to every row of C. */
  bias?: number;
  /** With a bias: 'gelu' applies the exact-erf GELU (value only) as the tiles are stored. */
  activation?: 'none' | 'gelu';
  /**
   * A key (≥ 1) under which B is kept packed in the GEMM's panel layout (batch 1): packed on first use, reused while
   * the same tensor (same key, same place, shape) comes back; `gemmForget` drops it.
   */
  cacheB?: number;
}

/** `dropoutMask`: tf.dropout's multiplier from an Alea state (see dropout.ts), `n` floats at `out`. */
export interface DropoutMaskArgs {
  out: number;
  n: number;
  s0: number;
  s1: number;
  s2: number;
  c: number;
  keep: number;
  scale: number;
}

/** `gelu`: GELU and its derivative over `n` floats. */
export interface GeluArgs {
  x: number;
  y: number;
  d: number;
  n: number;
}

/** `adamw`: one AdamW step over `n` floats (the scalars of adamw.ts). */
export interface AdamWArgs {
  p: number;
  m: number;
  v: number;
  g: number;
  pOut: number;
  mOut: number;
  vOut: number;
  n: number;
  /** β1, 1 − β1, β2, 1 − β2, 1 − β1^t, 1 − β2^t, ε, lr, 1 − lr·wd. */
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  bc1: number;
  bc2: number;
  eps: number;
  lr: number;
  decay: number;
}

/** The arithmetic of `binary` and `binaryRows`. */
export type BinaryOp = 'add' | 'multiply' | 'subtract';

/** `binary`: `out = a op b` over `n` floats. */
export interface BinaryArgs {
  a: number;
  b: number;
  out: number;
  n: number;
  op: BinaryOp;
}

/** `binaryRows`: `out[r, c] = a[r, c] op b[c]` for `rows` rows of `cols` floats. */
export interface BinaryRowsArgs {
  a: number;
  b: number;
  out: number;
  rows: number;
  cols: number;
  op: BinaryOp;
}

/** A 2-D convolution's shapes, NHWC. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/** `im2col`: `col` [B·outH·outW, kH·kW·inC] from `x` [B, H, W, inC], zeros over the padding. */
export interface Im2colArgs extends ConvGeometry {
  x: number;
  col: number;
}

/** `col2im`: the adjoint of im2col, `dx` [B, H, W, inC] the sum of the patches in `col` covering each element. */
export interface Col2imArgs extends ConvGeometry {
  col: number;
  dx: number;
}

/** `maxPoolGrad`: each dy value to its window's first maximum in `x` (the geometry's kernel is the window). */
export interface MaxPoolGradArgs extends ConvGeometry {
  x: number;
  dy: number;
  dx: number;
}

/**
 * `attention` (inference): `out[b·L + i, h·d + c] = Σ_t softmax_t(q_i·k_t·scale + mask[b, t])·v[b·L + t, h·d + c]`
 * with q, k, v and out token-major ([batch·seq, ·], head h at columns h·headDim …, row strides ld* in floats).
 */
export interface AttentionArgs {
  q: number;
  k: number;
  v: number;
  out: number;
  /** Additive mask on keys, [batch, seq] floats. */
  mask?: number;
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  ldq: number;
  ldk: number;
  ldv: number;
  ldo: number;
  scale: number;
}

/** The dropout of `attentionTrain` / `attentionTrainGrad`: tf.dropout's multiplier from an Alea state (keep < 1: on). */
export interface AttentionDropoutArgs {
  /** 1 − rate as float32; 1 (or absent): no dropout. */
  keep?: number;
  /** float32(1 / keep), the kept probabilities' multiplier. */
  dropScale?: number;
  /** The seeded Alea state (see alea.ts) of the probabilities' mask. */
  s0?: number;
  s1?: number;
  s2?: number;
  c?: number;
}

/**
 * `attentionTrain`: `attention`'s context, and `probs` [batch, heads, seq, seq] (the softmax, before dropout) for the
 * gradient; with dropout the context uses probs ⊙ tf.dropout's multiplier of the [batch, heads·seq, seq] probabilities.
 */
export interface AttentionTrainArgs extends AttentionArgs, AttentionDropoutArgs {
  probs: number;
}

/** `attentionTrainGrad`: dq, dk, dv (token-major, the strides of q, k, v) from the context's gradient `dout` (stride ldo). */
export interface AttentionTrainGradArgs extends AttentionDropoutArgs {
  q: number;
  k: number;
  v: number;
  probs: number;
  dout: number;
  dq: number;
  dk: number;
  dv: number;
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  ldq: number;
  ldk: number;
  ldv: number;
  ldo: number;
  scale: number;
}

/** `columnSum`: `out[c] = Σ_r x[r, c]` over `rows` rows of `cols` floats (fixed row chunks: any thread count, same bits). */
export interface ColumnSumArgs {
  x: number;
  out: number;
  rows: number;
  cols: number;
}

/**
 * `layerNorm`: `y = LayerNorm(x + residual)` over rows of h floats (biased variance); `sum` receives x + residual,
 * `mean` and `rstd` (1/√(σ² + eps)) one value per row, each when given.
 */
export interface LayerNormArgs {
  x: number;
  residual?: number;
  gamma: number;
  beta: number;
  y: number;
  sum?: number;
  mean?: number;
  rstd?: number;
  rows: number;
  h: number;
  eps: number;
}

/** `layerNormGrad`: dx, dγ, dβ of layerNorm from its input `x` (the sum with a residual) and statistics. */
export interface LayerNormGradArgs {
  dy: number;
  x: number;
  gamma: number;
  mean: number;
  rstd: number;
  dx: number;
  dgamma: number;
  dbeta: number;
  rows: number;
  h: number;
}

/**
 * `int8Pack` → a handle: a dense layer's weights quantized per output channel, `q` [n, k] int8 bytes row-major in
 * [−127, 127] and `scales` n floats (w ≈ q·scale), copied out of the heap and packed for the int8 kernel in use.
 */
export interface Int8PackArgs {
  q: number;
  scales: number;
  n: number;
  k: number;
}

/**
 * `int8Linear`: `y[m, n] = act(sx[m]·sw[n]·Σ_k qx[m, k]·q[n, k] + bias[n])`, x [m, k] floats quantized per row at
 * run time (qx = round(x / sx), sx = max|x_row| / qmax), products in int32.
 */
export interface Int8LinearArgs {
  x: number;
  y: number;
  bias?: number;
  m: number;
  n: number;
  k: number;
  handle: number;
  activation?: 'none' | 'gelu';
}

/** `int8GemmRaw` (tests): `c[m, n]` int32 = Σ_k a[m, k]·q[n, k], `a` m·k unsigned bytes, through the kernel's packing and threads. */
export interface Int8GemmRawArgs {
  a: number;
  c: number;
  m: number;
  n: number;
  k: number;
  handle: number;
}

/** `int8Info`: the int8 kernel in use, those this CPU runs, its activation range and tile, the weights held. */
export interface Int8Info {
  kernel: string;
  kernels: string[];
  /** Largest |q| of the quantized activations (127, or 63 for `avx2-u8s8`). */
  qmax: number;
  mr: number;
  nr: number;
  kg: number;
  /** Weight sets held (handles) and their bytes (int8 copy and packed panels). */
  weights: number;
  bytes: number;
}
