import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Pipeline } from '@fets/pipeline';
import { build, initBackend } from '@fets/network';
import { CSVLogger, type Data, Estimator, TensorBoard, Trace } from '@fets/estimator';
// Internal to the TensorBoard writer: tested here, not exported.
import { crc32c, maskedCrc32c } from '../../../../packages/estimator/src/traces/io/tensorboard/crc32c.js';
import { Range, ScriptedNetwork, memoryLogger } from '../fakes.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fets-logs-'));

/** Writes `late` at eval epoch ends; listed after the file writers, so they must still see it. */
class Late extends Trace {
  constructor() {
    super({ outputs: 'late', mode: 'eval' });
  }
  override onEpochEnd(data: Data) {
    data.writeWithLog('late', this.system.epoch * 10);
  }
}

/** A protobuf field: number, wire type, and its value (varint as bigint, fixed as bytes, length-delimited as bytes). */
interface Field {
  no: number;
  wire: number;
  v: bigint | Uint8Array;
}

/** Decodes one protobuf message into its fields (written for the test, independent of the encoder). */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      const x = b[i++]!;
      r |= BigInt(x & 0x7f) << s;
      s += 7n;
      if (!(x & 0x80)) return r;
    }
  };
  while (i < b.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) out.push({ no: key >> 3, wire, v: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      out.push({ no: key >> 3, wire, v: b.subarray(i, i + n) });
      i += n;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push({ no: key >> 3, wire, v: b.subarray(i, i + n) });
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

interface Ev {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Record<string, number>;
  texts: Record<string, string>;
}

/** Reads a TFRecord file of Event protos, checking both masked CRCs of every record. */
function readEvents(file: string): Ev[] {
  const buf = new Uint8Array(fs.readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const evs: Ev[] = [];
  let o = 0;
  while (o < buf.length) {
    const len = Number(dv.getBigUint64(o, true));
    expect(dv.getUint32(o + 8, true)).to.equal(maskedCrc32c(buf.subarray(o, o + 8)));
    const data = buf.subarray(o + 12, o + 12 + len);
    expect(dv.getUint32(o + 12 + len, true)).to.equal(maskedCrc32c(data));
    o += 16 + len;
    const ev: Ev = { wallTime: 0, step: 0, scalars: {}, texts: {} };
    const td = new TextDecoder();
    for (const f of fields(data)) {
      if (f.no === 1) ev.wallTime = new DataView((f.v as Uint8Array).slice().buffer).getFloat64(0, true);
      if (f.no === 2) ev.step = Number(f.v as bigint);
      if (f.no === 3) ev.fileVersion = td.decode(f.v as Uint8Array);
      if (f.no === 5) {
        for (const val of fields(f.v as Uint8Array).filter((x) => x.no === 1)) {
          const vf = fields(val.v as Uint8Array);
          const tag = td.decode(vf.find((x) => x.no === 1)!.v as Uint8Array);
          const simple = vf.find((x) => x.no === 2);
          if (simple) ev.scalars[tag] = new DataView((simple.v as Uint8Array).slice().buffer).getFloat32(0, true);
          const tensor = vf.find((x) => x.no === 8);
          if (tensor) ev.texts[tag] = td.decode(fields(tensor.v as Uint8Array).find((x) => x.no === 8)!.v as Uint8Array);
        }
      }
    }
    evs.push(ev);
  }
  return evs;
}

/** Parses simple CSV (quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells: string[] = [];
      let cur = '';
      let q = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (q) {
          if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
          else if (c === '"') q = false;
          else cur += c;
        } else if (c === '"') q = true;
        else if (c === ',') cells.push(cur), (cur = '');
        else cur += c;
      }
      cells.push(cur);
      return cells;
    });
}

describe('estimator/traces/io CSVLogger and TensorBoard', () => {
  // TensorBoard's graph summary builds a tfjs model: pick the backend here so the file also passes when run alone.
  before(() => initBackend({ quiet: true }));

  it('crc32c matches the Castagnoli check value and RFC 3720 vectors', () => {
    const enc = new TextEncoder();
    expect(crc32c(enc.encode('123456789'))).to.equal(0xe3069283);
    expect(crc32c(new Uint8Array(32))).to.equal(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).to.equal(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).to.equal(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).to.equal(0);
  });

  it('TensorBoard writes TFRecord event files per mode that decode back to the logged scalars', async () => {
    const dir = tmp();
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'head' })] }), 'sgd', {
      modelName: 'tbm',
    });
    const tb = new TensorBoard({ logDir: dir, updateFreq: 2, writeGraph: true, models: [model] });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), evalData: new Range(4), batchSize: 2 }),
      network: new ScriptedNetwork({ trainLoss: (s) => 1 / s, evalLoss: (e) => 0.25 * e }),
      epochs: 2,
      name: 'exp1',
      traces: [tb, new Late(), memoryLogger()],
    });
    const summary = await est.fit({ warmup: false });
    expect([...tb.files.keys()].sort()).to.deep.equal(['eval', 'train']);
    for (const f of tb.files.values()) expect(path.basename(f)).to.match(/^events\.out\.tfevents\.\d+\./);
    expect(path.dirname(tb.files.get('train')!)).to.equal(path.join(dir, 'exp1', 'train'));
    const train = readEvents(tb.files.get('train')!);
    expect(train[0]!.fileVersion).to.equal('brain.Event:2');
    expect(train[0]!.wallTime).to.be.closeTo(Date.now() / 1000, 60);
    expect(train[1]!.texts['graph/tbm']).to.match(/\| head \| Dense \| \[null,2\] \| 8 \|/);
    const lossSteps = train.filter((e) => 'loss' in e.scalars).map((e) => [e.step, e.scalars.loss]);
    expect(lossSteps).to.deep.equal([2, 4, 6, 8].map((s) => [s, Math.fround(1 / s)]));
    expect(train.find((e) => 'epoch_time(sec)' in e.scalars)?.step).to.equal(4);
    const evalEv = readEvents(tb.files.get('eval')!);
    const evalLoss = evalEv.filter((e) => 'loss' in e.scalars).map((e) => [e.step, e.scalars.loss, e.scalars.late]);
    expect(evalLoss).to.deep.equal([
      [4, 0.25, 10],
      [8, 0.5, 20],
    ]);
    expect([...summary.history.eval!.loss!.entries()]).to.deep.equal([
      [4, 0.25],
      [8, 0.5],
    ]);
  });

  it('CSVLogger writes one row per logged step and epoch end, with keys written by later traces', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sub', 'log.csv');
    const csv = new CSVLogger({ filename: file });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), evalData: new Range(4), batchSize: 2 }),
      network: new ScriptedNetwork({ trainLoss: (s) => 1 / s, evalLoss: (e) => 0.25 * e }),
      epochs: 2,
      logSteps: 2,
      traces: [csv, new Late(), memoryLogger()],
    });
    const summary = await est.fit({ warmup: false });
    const rows = parseCsv(fs.readFileSync(file, 'utf8'));
    const header = rows[0]!;
    expect(header.slice(0, 4)).to.deep.equal(['mode', 'epoch', 'step', 'loss']);
    expect(header).to.include.members(['late', 'epoch_time(sec)', 'steps/sec']);
    const col = (name: string) => header.indexOf(name);
    const trainLoss = rows.filter((r) => r[0] === 'train' && r[col('loss')] !== '').map((r) => [Number(r[2]), Number(r[col('loss')])]);
    expect(trainLoss).to.deep.equal([...summary.history.train!.loss!.entries()]);
    const evalRows = rows.filter((r) => r[0] === 'eval');
    expect(evalRows.map((r) => [r[1], r[2], r[col('loss')], r[col('late')]])).to.deep.equal([
      ['1', '4', '0.25', '10'],
      ['2', '8', '0.5', '20'],
    ]);
    expect(rows.every((r) => r.length === header.length)).to.equal(true);
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['log.csv']);
    const blocked = path.join(dir, 'sub', 'log.csv', 'x.csv');
    expect(() => new CSVLogger({ filename: blocked })).to.throw(/CSVLogger: filename ".*log\.csv": cannot write there/);
  });

  it('CSVLogger keeps the training rows when test() runs after fit(), and a new fit() starts afresh', async () => {
    const file = path.join(tmp(), 'log.csv');
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(8), evalData: new Range(4), testData: new Range(6), batchSize: 2 }),
      network: new ScriptedNetwork({ trainLoss: (s) => 1 / s, evalLoss: (e) => 0.25 * e }),
      epochs: 2,
      logSteps: 2,
      traces: [new CSVLogger({ filename: file }), memoryLogger()],
    });
    await est.fit({ warmup: false });
    const modes = () =>
      parseCsv(fs.readFileSync(file, 'utf8'))
        .slice(1)
        .map((r) => r[0]);
    const afterFit = modes();
    expect(afterFit).to.include.members(['train', 'eval']);
    await est.test();
    expect(modes()).to.deep.equal([...afterFit, 'test']);
    await est.fit({ warmup: false });
    expect(modes()).to.deep.equal(afterFit);
  });
});
