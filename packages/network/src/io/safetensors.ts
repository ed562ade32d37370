import { FetsError } from '@fets/pipeline';

/** Element types this parser reads. Floats decode to float32; integers keep their width. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** One decoded tensor: `dtype` as stored in the file, `data` decoded (F16/BF16/F64 → Float32Array, I64 → BigInt64Array). */
export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array;
}

/** A parsed file: `__metadata__` (string → string) and the tensors in header order. */
export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, SafetensorsTensor>;
}

/**
 * A safetensors file is malformed or truncated. Carries the file name and, for length problems, the byte counts.
 *
 * @example
 * // SafetensorsError: model.safetensors: file truncated: expected 217660 bytes, received 1000
 */
export class SafetensorsError extends FetsError {
  constructor(
    readonly file: string,
    message: string,
    readonly expectedBytes?: number,
    readonly receivedBytes?: number,
  ) {
    super(`${file}: ${message}`);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes one IEEE half-precision value (bits in the low 16 bits). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function decode(bytes: Uint8Array, dtype: SafetensorsDType, count: number): SafetensorsTensor['data'] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(bytes).buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8':
      return new Int8Array(new Uint8Array(bytes).buffer);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(bytes);
  }
}

/**
 * Parses a safetensors buffer: 8-byte little-endian header length, JSON header (`__metadata__` plus
 * `{dtype, shape, data_offsets}` per tensor), then the raw little-endian data. Offsets and lengths are checked.
 *
 * @param bytes the whole file
 * @param file name used in error messages
 * @returns metadata and the decoded tensors (floats as float32)
 * @example
 * const { tensors } = parseSafetensors(await readFile('model.safetensors'), 'model.safetensors');
 * tensors.get('classifier.weight')!.shape; // [7, 32]
 */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(file, `file truncated: expected at least 8 bytes, received ${bytes.byteLength}`, 8, bytes.byteLength);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > bytes.byteLength) {
    throw new SafetensorsError(
      file,
      `file truncated: header length ${headerLen} needs ${8 + headerLen} bytes, received ${bytes.byteLength}`,
      8 + headerLen,
      bytes.byteLength,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError(file, 'header is not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) metadata[k] = String(v);
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info?.dtype as SafetensorsDType;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": unsupported dtype ${JSON.stringify(info?.dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`,
      );
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": shape must be a list of non-negative integers, received ${JSON.stringify(shape)}`,
      );
    }
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0) || offs[0] > offs[1]) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": data_offsets must be [begin, end] with 0 <= begin <= end, received ${JSON.stringify(offs)}`,
      );
    }
    const [begin, end] = offs as [number, number];
    const expected = product(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(
        file,
        `tensor "${name}": ${dtype} ${JSON.stringify(shape)} needs ${expected} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`,
        expected,
        end - begin,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      throw new SafetensorsError(
        file,
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] ${e.begin < cursor ? 'overlap the previous tensor' : `leave a gap after byte ${cursor}`}`,
      );
    }
    cursor = e.end;
  }
  if (cursor > dataLen) {
    throw new SafetensorsError(
      file,
      `file truncated: expected ${dataStart + cursor} bytes (header ${dataStart} + data ${cursor}), received ${bytes.byteLength}`,
      dataStart + cursor,
      bytes.byteLength,
    );
  }
  if (cursor < dataLen) {
    throw new SafetensorsError(
      file,
      `trailing bytes: expected ${dataStart + cursor} bytes (header ${dataStart} + data ${cursor}), received ${bytes.byteLength}`,
      dataStart + cursor,
      bytes.byteLength,
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const raw = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(raw, e.dtype, product(e.shape)) });
  }
  return { metadata, tensors };
}

/**
 * Reads and parses a safetensors file from disk (see {@link parseSafetensors}).
 *
 * @example
 * const { tensors } = await readSafetensors('ckpt/model.safetensors');
 */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const { readFile } = await import('node:fs/promises');
  return parseSafetensors(await readFile(path), path);
}

/** A float32 tensor to write: PyTorch shape, row-major data. */
export interface SafetensorsF32Entry {
  shape: readonly number[];
  data: Float32Array;
}

/** A tensor to write: float32 (F32) or int8 (I8, quantized weights). */
export type SafetensorsEntry = SafetensorsF32Entry | { shape: readonly number[]; data: Int8Array };

/**
 * Serialises float32 (and int8) tensors as safetensors, the way `safetensors.torch.save_file` lays them out: `__metadata__`
 * first, tensors sorted by name with contiguous offsets from 0, header padded with spaces to a multiple of 8.
 *
 * @param tensors name → {shape, data}
 * @param metadata string map stored under `__metadata__` (default `{format: 'pt'}`)
 * @returns the file's bytes
 * @example
 * const bytes = serializeSafetensors(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]));
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = Object.create(null); // so a tensor named "__proto__" is an own key
  header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = product(t.shape);
    if (n !== t.data.length) {
      throw new SafetensorsError(
        '<serialize>',
        `tensor "${name}": shape ${JSON.stringify(t.shape)} holds ${n} values, data has ${t.data.length}`,
      );
    }
    const size = t.data.BYTES_PER_ELEMENT;
    header[name] = { dtype: size === 1 ? 'I8' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + n * size] };
    offset += n * size;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.byteLength % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const name of names) {
    const data = tensors.get(name)!.data;
    if (LITTLE_ENDIAN || data instanceof Int8Array) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    else for (let i = 0; i < data.length; i++) view.setFloat32(pos + i * 4, data[i]!, true);
    pos += data.byteLength;
  }
  return out;
}
