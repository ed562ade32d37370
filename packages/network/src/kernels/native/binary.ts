import type { TensorInfo } from '@tensorflow/tfjs';
import { offsetOf, runOriginal, type KernelArgs, type WasmBackend } from '../wasmInternals.js';
import { nativeAddon } from './slot.js';
import type { BinaryOp } from './calls.js';

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Below this many elements the package kernel is as fast (no thread hand-off pays). */
const MIN_ELEMENTS = 4096;

/**
 * A wasm `Add` / `Multiply` / `Sub` that runs float32 operands of one shape, or a row vector broadcast over the rows
 * of the other (`[..., n] op [n]`, a bias), on the native addon (every thread, the CPU's vector width), and
 * everything else (other broadcasting, int32, small tensors) on the package kernel.
 *
 * In: inputs {a, b}. Out: a op b, a's shape.
 */
export function nativeBinary(name: 'Add' | 'Multiply' | 'Sub', op: BinaryOp) {
  return function binary(args: KernelArgs): TensorInfo {
    const backend = args.backend as WasmBackend;
    const a = args.inputs.a!;
    const b = args.inputs.b!;
    const addon = nativeAddon();
    const size = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
    if (!addon || a.dtype !== 'float32' || b.dtype !== 'float32' || Math.max(size(a), size(b)) < MIN_ELEMENTS) {
      return runOriginal(name, { a, b }, args.attrs ?? {}, backend);
    }
    // The heap is read after makeOutput: an allocation may grow it (and detach the old buffer).
    if (sameShape(a.shape, b.shape)) {
      const out = backend.makeOutput([...a.shape], 'float32');
      addon.binary(backend.wasm.HEAPU8, { a: offsetOf(backend, a), b: offsetOf(backend, b), out: offsetOf(backend, out), n: size(a), op });
      return out;
    }
    // A row vector broadcast over the rows of the other operand (a dense layer's bias): [..., n] op [n].
    const rowsOf = (big: TensorInfo, small: TensorInfo) => {
      const s = small.shape.filter((d, i) => !(d === 1 && i < small.shape.length - 1));
      const n = big.shape[big.shape.length - 1]!;
      return big.shape.length >= 1 && s.length === 1 && s[0] === n && n > 0 ? size(big) / n : 0;
    };
    const rowsB = rowsOf(a, b);
    const rowsA = op !== 'subtract' && !rowsB ? rowsOf(b, a) : 0;
    if (rowsB || rowsA) {
      const [big, small, rows] = rowsB ? [a, b, rowsB] : [b, a, rowsA];
      const n = big.shape[big.shape.length - 1]!;
      const out = backend.makeOutput([...big.shape], 'float32');
      addon.binaryRows(backend.wasm.HEAPU8, {
        a: offsetOf(backend, big),
        b: offsetOf(backend, small),
        out: offsetOf(backend, out),
        rows,
        cols: n,
        op,
      });
      return out;
    }
    return runOriginal(name, { a, b }, args.attrs ?? {}, backend);
  };
}
