import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { BackendError } from '../backend/errors.js';
import { nativeKernelsOn } from './native/slot.js';
import type { ConvGeometry as NativeConvGeometry } from './native/calls.js';
import { f32Of, offsetOf, release, reshapeInfo, type KernelArgs, type WasmBackend } from './wasmInternals.js';

/** The whole wasm heap as float32 (valid until the next allocation may grow it). */
const heapF32 = (backend: WasmBackend) => new Float32Array(backend.wasm.HEAPU8.buffer);

/** What a 2-D convolution needs to know of its shapes (NHWC), from tfjs' own `computeConv2DInfo`. */
interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs, depthwise: boolean): ConvGeometry {
  if (attrs.dataFormat === 'NCHW') throw new BackendError('fets conv kernels: dataFormat NCHW is not supported on wasm (use NHWC)');
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * im2col: one row per output position (b, oh, ow), holding the input patch under the filter, `kH·kW·inC` values in
 * the filter's (kh, kw, c) order; zeros where the patch hangs over the padding. `col` is [B·outH·outW, kH·kW·inC].
 * Works on the whole heap by element offsets: each run of channels is one `copyWithin` (a memmove, no view made).
 */
function im2col(heap: Float32Array, xOff: number, colOff: number, g: ConvGeometry): void {
  const { inH, inW, inC, outH, outW, kH, kW } = g;
  const k = kH * kW * inC;
  let row = colOff;
  for (let b = 0; b < g.batch; b++) {
    const xb = xOff + b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, row += k) {
        let dst = row;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
          for (let kw = 0; kw < kW; kw++, dst += inC) {
            const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
            if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) {
              heap.fill(0, dst, dst + inC);
              continue;
            }
            const src = xb + (ih * inW + iw) * inC;
            if (inC >= 8) heap.copyWithin(dst, src, src + inC);
            else for (let c = 0; c < inC; c++) heap[dst + c] = heap[src + c]!;
          }
        }
      }
    }
  }
}

/** col2im: the adjoint of {@link im2col}, each patch value added back to its input position (dx starts at 0). */
function col2im(col: Float32Array, dx: Float32Array, g: ConvGeometry): void {
  const { inH, inW, inC, outH, outW, kH, kW } = g;
  const k = kH * kW * inC;
  dx.fill(0);
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    const xb = b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, row += k) {
        let src = row;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
          for (let kw = 0; kw < kW; kw++, src += inC) {
            const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
            if (ih < 0 || ih >= inH || iw < 0 || iw >= inW) continue;
            const dst = xb + (ih * inW + iw) * inC;
            for (let c = 0; c < inC; c++) dx[dst + c]! += col[src + c]!;
          }
        }
      }
    }
  }
}

/** The geometry as the native addon takes it (see `NativeAddon.im2col`). */
/** The geometry as the native entry points name it (kernels/native/calls.ts ConvGeometry). */
function nativeGeometry(g: ConvGeometry): NativeConvGeometry {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  return { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft };
}

/** im2col of tensor `x` into tensor `col`: in native code on the pool's threads when the addon runs, else in JS. */
function toColumns(backend: WasmBackend, x: TensorInfo, col: TensorInfo, g: ConvGeometry): void {
  const addon = nativeKernelsOn();
  if (addon) addon.im2col(backend.wasm.HEAPU8, { x: offsetOf(backend, x), col: offsetOf(backend, col), ...nativeGeometry(g) });
  else im2col(heapF32(backend), offsetOf(backend, x) >> 2, offsetOf(backend, col) >> 2, g);
}

/** col2im of tensor `col` into tensor `dx` (overwritten), native when the addon runs. */
function fromColumns(backend: WasmBackend, col: TensorInfo, dx: TensorInfo, g: ConvGeometry): void {
  const addon = nativeKernelsOn();
  if (addon) addon.col2im(backend.wasm.HEAPU8, { col: offsetOf(backend, col), dx: offsetOf(backend, dx), ...nativeGeometry(g) });
  else col2im(f32Of(backend, col), f32Of(backend, dx), g);
}

/**
 * One product through the wasm backend's registered BatchMatMul (fets' native GEMM when the addon runs, else the
 * WebAssembly SIMD GEMM or XNNPACK): [1, m, k]·[1, k, n] with optional transposes, as a new tensor.
 */
function product(backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const k = tf.getKernel('BatchMatMul', 'wasm')!;
  return k.kernelFunc({ inputs: { a, b }, attrs: { transposeA, transposeB }, backend: backend as never }) as TensorInfo;
}

/** A float32 scratch tensor [rows, cols] on the wasm heap. */
function scratch(backend: WasmBackend, rows: number, cols: number): TensorInfo {
  return backend.makeOutput([1, rows, cols], 'float32');
}

/**
 * `Conv2DBackpropFilter` for wasm (missing in tfjs-backend-wasm 4.22): dW = im2col(x)ᵀ · dy, one GEMM of
 * [K, B·outH·outW]·[B·outH·outW, outC] with K = kH·kW·inC. NHWC, any stride, padding (`same`, `valid`, explicit)
 * and dilation. In: x [B, H, W, inC], dy [B, outH, outW, outC]; attrs as tfjs'. Out: [kH, kW, inC, outC].
 */
export function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  const g = geometry(x!.shape, attrs.filterShape, attrs, false);
  const m = g.batch * g.outH * g.outW;
  const k = g.kH * g.kW * g.inC;
  const col = scratch(backend, m, k);
  toColumns(backend, x!, col, g);
  const dy2 = reshapeInfo(backend, dy!, [1, m, g.outC]);
  const dw = product(backend, col, dy2, true, false);
  release(backend, col, dy2);
  const out = reshapeInfo(backend, dw, [g.kH, g.kW, g.inC, g.outC]);
  release(backend, dw);
  return out;
}

/**
 * `Conv2DBackpropInput` for wasm on the same GEMM: dcol = dy · Wᵀ ([B·outH·outW, outC]·[outC, K]), then col2im adds
 * each patch back. In: dy [B, outH, outW, outC], filter [kH, kW, inC, outC]; attrs {inputShape, …}. Out: [B, H, W, inC].
 */
export function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  const g = geometry(attrs.inputShape, filter!.shape, attrs, false);
  // Without the addon, as a forward convolution when that GEMM is wide enough (inC columns) and the padding adds
  // little work, since col2im in JavaScript is slow: ResNet9's 3×3 layers ran 1.1–3× faster that way, though slower
  // for a few input channels or a small output. With the addon's col2im the product + col2im is as fast or faster on
  // every LeNet and ResNet9 shape (LeNet conv2 1.0 vs 1.9 ms, ResNet9 res3 15 vs 19 ms, 1 thread, 2026-12-07).
  const fullWork = (g.inH * g.inW) / (g.outH * g.outW);
  const unit = g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1;
  if (!nativeKernelsOn() && unit && g.inC >= 16 && fullWork <= 1.5) return fullCorrelation(backend, dy!, filter!, g);
  const m = g.batch * g.outH * g.outW;
  const k = g.kH * g.kW * g.inC;
  const dy2 = reshapeInfo(backend, dy!, [1, m, g.outC]);
  const w2 = reshapeInfo(backend, filter!, [1, k, g.outC]);
  const dcol = product(backend, dy2, w2, false, true);
  release(backend, dy2, w2);
  const dx = backend.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
  fromColumns(backend, dcol, dx, g);
  release(backend, dcol);
  return dx;
}

/**
 * The input gradient of a stride-1, undilated convolution as a forward one: dx = dy convolved with the filter turned
 * 180° and its channel axes swapped, padded by kH − 1 − padTop (and kW − 1 − padLeft), so that im2col copies runs of
 * channels instead of col2im adding every patch back.
 */
function fullCorrelation(backend: WasmBackend, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const { kH, kW, inC, outC } = g;
  const wt = backend.makeOutput([1, kH * kW * outC, inC], 'float32');
  const src = f32Of(backend, filter);
  const dst = f32Of(backend, wt);
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const from = ((kH - 1 - kh) * kW + (kW - 1 - kw)) * inC * outC;
      const to = (kh * kW + kw) * outC * inC;
      for (let ci = 0; ci < inC; ci++) for (let co = 0; co < outC; co++) dst[to + co * inC + ci] = src[from + ci * outC + co]!;
    }
  }
  const t: ConvGeometry = {
    ...g,
    inH: g.outH,
    inW: g.outW,
    inC: outC,
    outH: g.inH,
    outW: g.inW,
    outC: inC,
    padTop: kH - 1 - g.padTop,
    padLeft: kW - 1 - g.padLeft,
  };
  const m = g.batch * g.inH * g.inW;
  const col = scratch(backend, m, kH * kW * outC);
  toColumns(backend, dy, col, t);
  const dx = product(backend, col, wt, false, false);
  release(backend, col, wt);
  const out = reshapeInfo(backend, dx, [g.batch, g.inH, g.inW, inC]);
  release(backend, dx);
  return out;
}

/**
 * `Conv2D` for wasm as im2col + one GEMM (y = im2col(x) · W): on the native GEMM, 1 thread, batch 32, it took 0.19–0.99×
 * the time of the package's XNNPACK convolution on LeNet's and ResNet9's shapes (alternating A/B in one process,
 * 2026-12-07; the wider the layer, the larger the gain). In: x [B, H, W, inC], filter [kH, kW, inC, outC]. Out: [B, outH, outW, outC].
 */
export function conv2D(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, filter } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs;
  const g = geometry(x!.shape, filter!.shape, attrs, false);
  const m = g.batch * g.outH * g.outW;
  const k = g.kH * g.kW * g.inC;
  const w2 = reshapeInfo(backend, filter!, [1, k, g.outC]);
  let y: TensorInfo;
  if (g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0) {
    // A 1×1 convolution is already a product: no copy.
    const x2 = reshapeInfo(backend, x!, [1, m, k]);
    y = product(backend, x2, w2, false, false);
    release(backend, x2);
  } else {
    const col = scratch(backend, m, k);
    toColumns(backend, x!, col, g);
    y = product(backend, col, w2, false, false);
    release(backend, col);
  }
  release(backend, w2);
  const out = reshapeInfo(backend, y, [g.batch, g.outH, g.outW, g.outC]);
  release(backend, y);
  return out;
}

/**
 * Calls `tap(dyRow, xRow, wRow)` for every (output position, filter tap) of a depthwise convolution whose input pixel
 * lies inside the image: the offsets of dy[b, oh, ow, 0], x[b, ih, iw, 0] and W[kh, kw, 0, 0].
 */
function forEachDepthwiseTap(g: ConvGeometry, mult: number, tap: (dyRow: number, xRow: number, wRow: number) => void): void {
  const oc = g.inC * mult;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const dyRow = ((b * g.outH + oh) * g.outW + ow) * oc;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
            if (iw < 0 || iw >= g.inW) continue;
            tap(dyRow, ((b * g.inH + ih) * g.inW + iw) * g.inC, (kh * g.kW + kw) * g.inC * mult);
          }
        }
      }
    }
  }
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (missing in 4.22), direct loops: dW[kh, kw, c, q] = Σ x[b, ih, iw, c] ·
 * dy[b, oh, ow, c·mult + q]. In: x [B, H, W, inC], dy [B, outH, outW, inC·mult]; attrs {filterShape [kH, kW, inC, mult]}.
 */
export function depthwiseBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  const g = geometry(x!.shape, attrs.filterShape, attrs, true);
  const mult = attrs.filterShape[3]!;
  const out = backend.makeOutput([g.kH, g.kW, g.inC, mult], 'float32');
  const xv = f32Of(backend, x!);
  const dyv = f32Of(backend, dy!);
  const dw = f32Of(backend, out);
  dw.fill(0);
  forEachDepthwiseTap(g, mult, (dyRow, xRow, wRow) => {
    for (let c = 0; c < g.inC; c++) {
      const xv1 = xv[xRow + c]!;
      for (let q = 0; q < mult; q++) dw[wRow + c * mult + q]! += xv1 * dyv[dyRow + c * mult + q]!;
    }
  });
  return out;
}

/**
 * `DepthwiseConv2dNativeBackpropInput` for wasm (missing in 4.22), direct loops: dx[b, ih, iw, c] += Σ_q dy[b, oh, ow,
 * c·mult + q] · W[kh, kw, c, q]. In: dy, filter [kH, kW, inC, mult]; attrs {inputShape}. Out: [B, H, W, inC].
 */
export function depthwiseBackpropInput(args: KernelArgs): TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  const g = geometry(attrs.inputShape, filter!.shape, attrs, true);
  const mult = filter!.shape[3]!;
  const out = backend.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
  const dyv = f32Of(backend, dy!);
  const wv = f32Of(backend, filter!);
  const dx = f32Of(backend, out);
  dx.fill(0);
  forEachDepthwiseTap(g, mult, (dyRow, xRow, wRow) => {
    for (let c = 0; c < g.inC; c++) {
      let sum = 0;
      for (let q = 0; q < mult; q++) sum += dyv[dyRow + c * mult + q]! * wv[wRow + c * mult + q]!;
      dx[xRow + c]! += sum;
    }
  });
  return out;
}
