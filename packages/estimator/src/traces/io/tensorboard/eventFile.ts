import { maskedCrc32c } from './crc32c.js';

/** A minimal protobuf writer: just the wire types an Event with scalar and text summaries needs. */
class ProtoWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  double(field: number, v: number): this {
    this.key(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  int64(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** One value of a summary: a scalar (`simple_value`) or a text (a string tensor tagged for the text plugin). */
export type SummaryValue = { tag: string; value: number } | { tag: string; text: string };

/** What one Event record holds: `fileVersion` (first record) or summary values at a step. */
export interface EventRecord {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: readonly SummaryValue[];
}

/**
 * Encodes a TensorFlow `Event` message: wall_time (1, double), step (2, int64), file_version (3, string),
 * summary (5) { value (1) { tag (1), simple_value (2, float) | metadata (9) { plugin_data (1) { plugin_name (1) } },
 * tensor (8) { dtype (1) = DT_STRING, tensor_shape (2) {}, string_val (8) } } }.
 *
 * @example
 * encodeEvent({ wallTime: Date.now() / 1000, step: 10, values: [{ tag: 'loss', value: 0.5 }] });
 */
export function encodeEvent(e: EventRecord): Uint8Array {
  const w = new ProtoWriter().double(1, e.wallTime).int64(2, e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  if (e.values && e.values.length > 0) {
    const summary = new ProtoWriter();
    for (const v of e.values) {
      const val = new ProtoWriter().string(1, v.tag);
      if ('value' in v) val.float(2, v.value);
      else {
        val.message(9, new ProtoWriter().message(1, new ProtoWriter().string(1, 'text')));
        val.message(8, new ProtoWriter().int64(1, 7).message(2, new ProtoWriter()).string(8, v.text));
      }
      summary.message(1, val);
    }
    w.message(5, summary);
  }
  return w.finish();
}

/**
 * Frames one record as TFRecord: uint64 little-endian length, masked CRC-32C of those 8 bytes, the data, masked
 * CRC-32C of the data.
 *
 * @example
 * fs.appendFileSync(file, tfRecord(encodeEvent(event)));
 */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
