import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../../core/errors.js';

/** An IDX array: its dimensions and its unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Reads an IDX file (the MNIST and Fashion-MNIST format: magic 0x00000803 for ubyte images, 0x00000801 for ubyte
 * labels, then big-endian dimensions, then the bytes), gzipped or not. A wrong magic number, element type or length
 * is a DataFormatError naming the file.
 *
 * @example
 * const { dims, data } = parseIdx(readFileSync('train-images-idx3-ubyte.gz'), 'train-images-idx3-ubyte.gz');
 * dims; // [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new DataFormatError('expected an IDX file (magic 0x0000 then type and rank), received other bytes', file, 1);
  }
  if (raw[2] !== 0x08) throw new DataFormatError(`expected unsigned bytes (type 0x08), received type 0x${raw[2]!.toString(16)}`, file, 1);
  const rank = raw[3]!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * rank;
  const n = dims.reduce((a, b) => a * b, 1);
  if (raw.length - start !== n) {
    throw new DataFormatError(`expected ${n} bytes for dimensions [${dims.join(', ')}], received ${raw.length - start}`, file, 1);
  }
  return { dims, data: raw.subarray(start) };
}
