import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  SafetensorsError,
  f16ToF32,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  type SafetensorsF32Entry,
} from '@fets/network';
import { shared } from '../../helpers.js';

const FIXTURE = shared('fixtures', 'bert-tiny-random', 'model.safetensors');

/** Builds a safetensors file by hand from a header object and a raw data buffer. */
function build(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + hb.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(data, 8 + hb.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setUint16(i * 2, x, true));
  return b;
}

function catchErr(f: () => unknown): SafetensorsError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(SafetensorsError);
    return e as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors (io/safetensors)', function () {
  it('parses the HF fixture: 41 F32 tensors, metadata, shapes as its README lists', async function () {
    const bytes = readFileSync(FIXTURE);
    expect(createHash('sha256').update(bytes).digest('hex')).to.equal('f9bbb6964b7a52bacb3a488c230181688673713eaa1cd7c300317733d5394988');
    expect(Number(bytes.readBigUInt64LE(0))).to.equal(4376);
    const { metadata, tensors } = await readSafetensors(FIXTURE);
    expect(metadata).to.deep.equal({ format: 'pt' });
    expect(tensors.size).to.equal(41);
    expect(tensors.get('bert.encoder.layer.1.intermediate.dense.weight')!.shape).to.deep.equal([64, 32]);
    expect(tensors.get('classifier.weight')!.shape).to.deep.equal([7, 32]);
    const word = tensors.get('bert.embeddings.word_embeddings.weight')!;
    expect(word.dtype).to.equal('F32');
    expect(Array.from(word.data.slice(0, 32) as Float32Array).every((x) => x === 0)).to.equal(true);
  });

  it('serialize → bytes identical to the HF fixture (sorted header, __metadata__ first, 8-byte padding)', async function () {
    const bytes = readFileSync(FIXTURE);
    const { tensors } = parseSafetensors(bytes, 'fixture');
    const entries = new Map<string, SafetensorsF32Entry>();
    for (const [k, t] of tensors) entries.set(k, { shape: t.shape, data: t.data as Float32Array });
    const out = serializeSafetensors(entries);
    expect(Buffer.from(out).equals(bytes)).to.equal(true);
  });

  it('decodes F16 (normal, subnormal, ±0, ±inf, NaN) and BF16 to float32', function () {
    const f16 = [0x3c00, 0xc000, 0x3555, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7bff];
    const bf16 = [0x3f80, 0xc000, 0x3eab, 0x0000, 0x8000, 0x7f80, 0x7fc0, 0x4049];
    const file = build(
      {
        __metadata__: { format: 'pt' },
        a: { dtype: 'F16', shape: [2, 5], data_offsets: [0, 20] },
        b: { dtype: 'BF16', shape: [8], data_offsets: [20, 36] },
      },
      new Uint8Array([...u16(f16), ...u16(bf16)]),
    );
    const { tensors } = parseSafetensors(file, 'tiny.safetensors');
    const a = Array.from(tensors.get('a')!.data as Float32Array);
    expect(tensors.get('a')!.shape).to.deep.equal([2, 5]);
    expect(a.slice(0, 2)).to.deep.equal([1, -2]);
    expect(a[2]).to.equal(Math.fround(0.333251953125));
    expect(a[3]).to.equal(Math.fround(2 ** -24));
    expect(a[4]).to.equal(Math.fround(1023 * 2 ** -24));
    expect(Object.is(a[5], -0)).to.equal(true);
    expect(a.slice(6, 8)).to.deep.equal([Infinity, -Infinity]);
    expect(Number.isNaN(a[8])).to.equal(true);
    expect(a[9]).to.equal(65504);
    const b = Array.from(tensors.get('b')!.data as Float32Array);
    expect(b.slice(0, 4)).to.deep.equal([1, -2, Math.fround(0.333984375), 0]);
    expect(Object.is(b[4], -0)).to.equal(true);
    expect(b[5]).to.equal(Infinity);
    expect(Number.isNaN(b[6])).to.equal(true);
    expect(b[7]).to.equal(3.140625);
  });

  it('F16 decoding agrees with a bit-level float32 construction on all 65,536 patterns', function () {
    const bits = new Uint32Array(1);
    const f32 = new Float32Array(bits.buffer);
    for (let h = 0; h < 0x10000; h += 1) {
      const sign = (h & 0x8000) << 16;
      let e = (h >> 10) & 31;
      let m = h & 1023;
      if (e === 31) bits[0] = sign | 0x7f800000 | (m << 13);
      else if (e === 0 && m === 0) bits[0] = sign;
      else {
        if (e === 0) {
          e = 1;
          while ((m & 1024) === 0) {
            m <<= 1;
            e -= 1;
          }
          m &= 1023;
        }
        bits[0] = sign | ((e - 15 + 127) << 23) | (m << 13);
      }
      const got = f16ToF32(h);
      if (!Object.is(Math.fround(got), f32[0]) && !(Number.isNaN(got) && Number.isNaN(f32[0]))) {
        throw new Error(`0x${h.toString(16)}: ${got} vs ${f32[0]}`);
      }
    }
  });

  it('reads I64 (e.g. position_ids of old checkpoints) as BigInt64Array', function () {
    const data = new Uint8Array(24);
    const v = new DataView(data.buffer);
    [0n, 1n, 2n].forEach((x, i) => v.setBigInt64(i * 8, x, true));
    const t = parseSafetensors(build({ position_ids: { dtype: 'I64', shape: [1, 3], data_offsets: [0, 24] } }, data)).tensors.get(
      'position_ids',
    )!;
    expect(Array.from(t.data as BigInt64Array)).to.deep.equal([0n, 1n, 2n]);
  });

  it('a truncated file → SafetensorsError naming the file, expected vs received bytes', function () {
    const bytes = readFileSync(FIXTURE);
    const e = catchErr(() => parseSafetensors(bytes.subarray(0, 100_000), 'model.safetensors'));
    expect(e.file).to.equal('model.safetensors');
    expect(e.expectedBytes).to.equal(217_660);
    expect(e.receivedBytes).to.equal(100_000);
    expect(e.message).to.equal('model.safetensors: file truncated: expected 217660 bytes (header 4384 + data 213276), received 100000');
    const h = catchErr(() => parseSafetensors(bytes.subarray(0, 1000), 'model.safetensors'));
    expect(h.message).to.contain('header length 4376 needs 4384 bytes, received 1000');
    expect(catchErr(() => parseSafetensors(bytes.subarray(0, 5), 'x')).message).to.contain('expected at least 8 bytes, received 5');
  });

  it('rejects bad offsets, byte counts, gaps, overlaps, trailing bytes, dtypes and JSON', function () {
    const d8 = new Uint8Array(8);
    expect(catchErr(() => parseSafetensors(build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8))).message).to.contain(
      'F32 [3] needs 12 bytes, data_offsets [0, 8] give 8',
    );
    expect(catchErr(() => parseSafetensors(build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8))).message).to.contain(
      'leave a gap',
    );
    expect(
      catchErr(() =>
        parseSafetensors(
          build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8),
        ),
      ).message,
    ).to.contain('overlap');
    expect(catchErr(() => parseSafetensors(build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, d8))).message).to.contain(
      'trailing bytes',
    );
    expect(catchErr(() => parseSafetensors(build({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, d8))).message).to.contain(
      'unsupported dtype "C64"',
    );
    expect(catchErr(() => parseSafetensors(build({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, d8))).message).to.contain(
      'shape',
    );
    const bad = build({}, new Uint8Array(0));
    bad[8] = 0x5b; // '[' instead of '{'
    expect(catchErr(() => parseSafetensors(bad)).message).to.contain('JSON');
  });

  it('property: serialize then parse returns the same names, shapes and float32 bits', function () {
    const entry = fc
      .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 })
      .chain((shape) =>
        fc
          .array(fc.float({ noNaN: true }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
          .map((values) => ({ shape, data: Float32Array.from(values) })),
      );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__metadata__'),
          entry,
          { maxKeys: 6 },
        ),
        (dict) => {
          const map = new Map(Object.entries(dict));
          const bytes = serializeSafetensors(map);
          const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
          expect(hlen % 8).to.equal(0);
          const { tensors, metadata } = parseSafetensors(bytes);
          expect(metadata).to.deep.equal({ format: 'pt' });
          expect([...tensors.keys()].sort()).to.deep.equal([...map.keys()].sort());
          for (const [k, v] of map) {
            const t = tensors.get(k)!;
            expect(t.shape).to.deep.equal(v.shape);
            expect(Buffer.from((t.data as Float32Array).buffer).equals(Buffer.from(v.data.buffer))).to.equal(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
