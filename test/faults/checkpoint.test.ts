/**
 * Fault catalogue, checkpoints: truncated weight files (safetensors and the tfjs model.json + weights.bin format),
 * configs and checkpoints that do not fit the model, save directories that are or become unwritable, a full disk in
 * the middle of a write. Each case asserts the message and the directory contents afterwards: the last good
 * checkpoint is whole and no temporary file is left.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Pipeline } from '@fets/pipeline';
import {
  CheckpointShapeError,
  CrossEntropy,
  ModelOp,
  Network,
  SafetensorsError,
  UpdateOp,
  parseSafetensors,
  WeightsFileError,
  WeightsMismatchError,
  WeightsShapeError,
  build,
  fileSystem,
  fromPretrained,
  SaveError,
  type Model,
} from '@fets/network';
import {
  BestModelSaver,
  CheckpointError,
  Estimator,
  Logger,
  ModelSaver,
  OutputDirError,
  RestoreWizard,
  Trace,
  loadModelWeights,
  type Data,
} from '@fets/estimator';
import { errorOf, shared } from '../helpers.js';
import { listDir, tinyData, tinyModel, tmpDir, weightsOf } from './fixtures/tiny.js';

const quiet = () => new Logger({ write: () => {} });

/** Logs `score` = the epoch at each eval epoch end, so a BestModelSaver on it (max) saves every epoch. */
class EpochScore extends Trace {
  constructor() {
    super({ mode: 'eval', outputs: 'score' });
  }
  override onEpochEnd(data: Data): void {
    data.writeWithLog('score', this.system.epoch);
  }
}

function estimatorFor(model: Model, epochs: number, traces: Trace[]): Estimator {
  return new Estimator({
    pipeline: new Pipeline({ trainData: tinyData(48), evalData: tinyData(16), batchSize: 8, seed: 1 }),
    network: new Network([
      new ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
      new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
      new UpdateOp({ model, lossName: 'ce' }),
    ]),
    epochs,
    traces: [...traces, quiet()],
  });
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
const eacces = (p: string) =>
  Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES', errno: -13, syscall: 'open' });

/** Replaces a member of the shared fs.promises object for the duration of `fn` (the savers look it up per call). */
async function patched<K extends 'open' | 'writeFile'>(key: K, impl: (typeof fsp)[K], fn: () => Promise<void>): Promise<void> {
  const real = fsp[key];
  (fsp as Record<K, unknown>)[key] = impl;
  try {
    await fn();
  } finally {
    (fsp as Record<K, unknown>)[key] = real;
  }
}

/** Files of a directory with their sizes and a checksum (to prove nothing changed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listDir(dir)) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) for (const [k, v] of Object.entries(snapshot(p))) out[`${f}/${k}`] = v;
    else {
      const b = fs.readFileSync(p);
      out[f] = `${b.length}:${b.reduce((h, x) => (h * 31 + x) >>> 0, 7)}`;
    }
  }
  return out;
}

describe('faults/checkpoint: weights files and save directories', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('K1 a truncated safetensors weights file: SafetensorsError naming the file, expected and received bytes; the model is untouched', async () => {
    const dir = tmpDir('k1');
    const model = tinyModel();
    await estimatorFor(model, 1, [
      new EpochScore(),
      new BestModelSaver({ model, saveDir: dir, metric: 'score', saveBestMode: 'max', write: () => {} }),
    ]).fit();
    const file = path.join(dir, 'm_best_score.safetensors');
    const full = fs.readFileSync(file);
    fs.writeFileSync(file, full.subarray(0, full.length - 40));
    const fresh = tinyModel('m', 3, 9);
    const before = weightsOf(fresh);
    const e = (() => {
      try {
        loadModelWeights(fresh, file);
      } catch (err) {
        return err as SafetensorsError;
      }
      throw new Error('expected an error');
    })();
    expect(e).to.be.instanceOf(SafetensorsError);
    const header = full.readUInt32LE(0) + 8;
    expect(e.message).to.equal(
      `${file}: file truncated: expected ${full.length} bytes (header ${header} + data ${full.length - header}), received ${full.length - 40}`,
    );
    expect([e.expectedBytes, e.receivedBytes]).to.deep.equal([full.length, full.length - 40]);
    expect(weightsOf(fresh)).to.deep.equal(before);
  });

  it('K2 a truncated tfjs weights.bin (model.json + weights.bin): WeightsFileError with expected vs received bytes', async () => {
    const dir = tmpDir('k2');
    const model = tinyModel() as tf.LayersModel;
    await model.save(fileSystem(dir));
    expect(listDir(dir)).to.deep.equal(['model.json', 'weights.bin']);
    const bin = path.join(dir, 'weights.bin');
    const size = fs.statSync(bin).size;
    fs.truncateSync(bin, size - 12);
    const e = await errorOf(tf.loadLayersModel(fileSystem(dir)));
    expect(e).to.be.instanceOf(WeightsFileError);
    expect(e.message).to.equal(`${bin}: expected ${size} bytes (from model.json), received ${size - 12} (truncated?)`);
  });

  it('K3 a truncated RestoreWizard checkpoint, the only one: fit() refuses to resume (no silent fresh start), names the file; nothing is deleted', async () => {
    const dir = tmpDir('k3');
    await estimatorFor(tinyModel(), 1, [new RestoreWizard({ directory: dir })]).fit();
    const weights = path.join(dir, 'epoch-0001', 'm.safetensors');
    fs.truncateSync(weights, 100);
    const before = snapshot(dir);
    const model = tinyModel();
    const w0 = weightsOf(model);
    const e = await errorOf(estimatorFor(model, 2, [new RestoreWizard({ directory: dir })]).fit());
    // Its SHA-256 no longer matches the manifest's, and there is no earlier checkpoint to fall back on.
    expect(e).to.be.instanceOf(CheckpointError);
    expect(e.message).to.equal(
      `RestoreWizard: ${path.join(dir, 'latest')} names checkpoint "epoch-0001", which is damaged (m.safetensors: SHA-256 differs from the ` +
        `one manifest.json records), and no other checkpoint in ${dir} is complete`,
    );
    expect(snapshot(dir)).to.deep.equal(before);
    expect(weightsOf(model)).to.deep.equal(w0);
  });

  it("K4 a config that does not match the weights' shapes: the tensor, expected and received shape are named (dense and BERT)", async () => {
    const dir = tmpDir('k4');
    const three = tinyModel('m', 3);
    await estimatorFor(three, 1, [new ModelSaver({ model: three, saveDir: dir, write: () => {} })]).fit();
    const file = path.join(dir, 'm_epoch_1.safetensors');
    const five = tinyModel('m', 5);
    expect(() => loadModelWeights(five, file)).to.throw(
      WeightsShapeError,
      `${file}: weight "layers.1.kernel": expected shape [8, 5] (the model's), received [8, 3] (in the file)`,
    );
    // A Hugging Face folder whose config.json was edited (intermediate_size 64 → 48).
    const bert = tmpDir('k4-bert');
    const src = shared('fixtures', 'bert-tiny-random');
    fs.copyFileSync(path.join(src, 'model.safetensors'), path.join(bert, 'model.safetensors'));
    const config = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(bert, 'config.json'), JSON.stringify({ ...config, intermediate_size: 48 }));
    const e = (await errorOf(fromPretrained(bert, { log: () => {} }))) as CheckpointShapeError;
    expect(e).to.be.instanceOf(CheckpointShapeError);
    expect(e.message).to.equal(
      `${path.join(bert, 'model.safetensors')}: bert.encoder.layer.0.intermediate.dense.weight: expected shape [48, 32] (from the config), received [64, 32]`,
    );
  });

  it('K5 a checkpoint from another model: WeightsMismatchError naming the missing and the unexpected weights', async () => {
    const bertFile = shared('fixtures', 'bert-tiny-random', 'model.safetensors');
    const model = tinyModel();
    const e = (() => {
      try {
        loadModelWeights(model, bertFile);
      } catch (err) {
        return err as WeightsMismatchError;
      }
      throw new Error('expected an error');
    })();
    expect(e).to.be.instanceOf(WeightsMismatchError);
    expect(e.missing).to.deep.equal(['layers.0.kernel', 'layers.0.bias', 'layers.1.kernel', 'layers.1.bias']);
    expect(e.unexpected).to.include('bert.embeddings.word_embeddings.weight');
    expect(e.message).to.match(
      new RegExp(
        `^${bertFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: does not fit model "m": 4 of its 4 weights are missing from the file: ` +
          `layers\\.0\\.kernel, layers\\.0\\.bias, layers\\.1\\.kernel, layers\\.1\\.bias; the file has ${e.unexpected.length} weights the model does not use: bert\\.`,
      ),
    );
    // A RestoreWizard checkpoint of a two-layer "m" resumed by a one-layer "m": refused, naming the extra weights.
    const dir = tmpDir('k5');
    await estimatorFor(tinyModel(), 1, [new RestoreWizard({ directory: dir })]).fit();
    const oneLayer = build(
      () => tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4] }), tf.layers.dense({ units: 3, useBias: false })] }),
      'adam',
      { modelName: 'm' },
    );
    const r = (await errorOf(estimatorFor(oneLayer, 2, [new RestoreWizard({ directory: dir })]).fit())) as WeightsMismatchError;
    expect(r).to.be.instanceOf(WeightsMismatchError);
    expect(r.message).to.equal(
      `${path.join(dir, 'epoch-0001', 'm.safetensors')}: does not fit model "m": the file has 1 weights the model does not use: layers.1.bias`,
    );
  });

  it('K6 an unwritable save directory: OutputDirError at construction, before any step, for every saver', () => {
    const dir = tmpDir('k6');
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'not a directory');
    const target = path.join(blocker, 'ckpt');
    const model = tinyModel();
    const cases: [string, () => unknown][] = [
      ['BestModelSaver: saveDir', () => new BestModelSaver({ model, saveDir: target })],
      ['ModelSaver: saveDir', () => new ModelSaver({ model, saveDir: target })],
      ['RestoreWizard: directory', () => new RestoreWizard({ directory: target })],
    ];
    for (const [what, make] of cases) {
      expect(make, what).to.throw(OutputDirError, `${what} "${target}": cannot write there: ENOTDIR: not a directory`);
    }
    expect(listDir(dir)).to.deep.equal(['a-file']);
  });

  it('K7 a save directory that turns read-only mid-run: SaveError naming the file; the previous checkpoint is intact', async () => {
    const dir = tmpDir('k7');
    const model = tinyModel();
    const saver = new ModelSaver({ model, saveDir: dir, write: () => {} });
    const e = await errorOf(
      patched(
        'open',
        (async (...args: Parameters<typeof fsp.open>) => {
          const p = String(args[0]);
          if (p.includes('m_epoch_2')) throw eacces(p);
          return realOpen(...args);
        }) as typeof fsp.open,
        async () => {
          await estimatorFor(model, 2, [saver]).fit();
        },
      ),
    );
    const target = path.join(dir, 'm_epoch_2.safetensors');
    expect(e).to.be.instanceOf(SaveError);
    expect(e.message).to.match(
      new RegExp(
        `^ModelSaver: cannot write "${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" \\(creating the temporary file\\): EACCES: permission denied, open '.*\\.tmp'; ` +
          'the previous file is unchanged and no temporary file is left$',
      ),
    );
    expect(listDir(dir)).to.deep.equal(['m_epoch_1.safetensors']);
    const back = tinyModel('m', 3, 5);
    loadModelWeights(back, path.join(dir, 'm_epoch_1.safetensors'));
  });

  it('K8 a full disk while BestModelSaver writes (ENOSPC after half the bytes): SaveError; the previous best file is byte-identical; no temp file', async () => {
    const dir = tmpDir('k8');
    const model = tinyModel();
    const best = path.join(dir, 'm_best_score.safetensors');
    let before: Buffer | undefined;
    class Snapshot extends Trace {
      override onEpochEnd(): void {
        if (this.system.epoch === 1 && this.system.mode === 'eval') before = fs.readFileSync(best);
      }
    }
    const saver = new BestModelSaver({ model, saveDir: dir, metric: 'score', saveBestMode: 'max', write: () => {} });
    let failedWrites = 0;
    const e = await errorOf(
      patched(
        'open',
        (async (...args: Parameters<typeof fsp.open>) => {
          const h = await realOpen(...args);
          if (String(args[0]).includes('m_best_score') && before !== undefined) {
            const write = h.write.bind(h) as (b: Uint8Array, off: number, len: number) => Promise<unknown>;
            (h as unknown as { write: unknown }).write = async (bytes: Uint8Array, off: number, len: number) => {
              await write(bytes, off, len >> 1);
              failedWrites++;
              throw enospc();
            };
          }
          return h;
        }) as typeof fsp.open,
        async () => {
          await estimatorFor(model, 2, [new EpochScore(), saver, new Snapshot({ mode: 'eval', inputs: 'score' })]).fit();
        },
      ),
    );
    expect(failedWrites).to.equal(1);
    expect(e).to.be.instanceOf(SaveError);
    expect(e.message).to.equal(
      `BestModelSaver: cannot write "${best}" (writing the temporary file): ENOSPC: no space left on device, write; ` +
        'the previous file is unchanged and no temporary file is left',
    );
    expect(listDir(dir)).to.deep.equal(['m_best_score.safetensors']);
    expect(fs.readFileSync(best).equals(before!)).to.equal(true);
  });

  it('K9 a full disk while RestoreWizard writes epoch 2: SaveError; latest still names epoch-0001, which resumes; no temp folder', async () => {
    const dir = tmpDir('k9');
    const model = tinyModel();
    const e = await errorOf(
      patched(
        'open',
        (async (...args: Parameters<typeof fsp.open>) => {
          const h = await realOpen(...args);
          const p = String(args[0]);
          if (p.includes('.epoch-0002.tmp') && p.endsWith('optimizer-0.safetensors')) {
            const write = h.write.bind(h) as (b: Uint8Array, off: number, len: number) => Promise<unknown>;
            (h as unknown as { write: unknown }).write = async (bytes: Uint8Array, off: number) => {
              await write(bytes, off, 64);
              throw enospc();
            };
          }
          return h;
        }) as typeof fsp.open,
        async () => {
          await estimatorFor(model, 3, [new RestoreWizard({ directory: dir })]).fit();
        },
      ),
    );
    expect(e).to.be.instanceOf(SaveError);
    expect(e.message).to.equal(
      `RestoreWizard: cannot write "${path.join(dir, `.epoch-0002.tmp-${process.pid}`, 'm.optimizer-0.safetensors')}" (writing the temporary folder): ` +
        'ENOSPC: no space left on device, write; the previous checkpoint (epoch-0001) stays latest and no temporary file is left',
    );
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'latest']);
    expect(fs.readFileSync(path.join(dir, 'latest'), 'utf8')).to.equal('epoch-0001\n');
    const wizard = new RestoreWizard({ directory: dir });
    const resumed = estimatorFor(tinyModel(), 3, [wizard]);
    await resumed.fit();
    expect(wizard.restoredEpoch).to.equal(1);
    expect(resumed.system.globalStep).to.equal(18);
    expect(listDir(dir)).to.deep.equal(['epoch-0002', 'epoch-0003', 'latest']);
  });

  it('K10 `latest` names a checkpoint folder that is gone: the newest complete checkpoint is used, and says so', async () => {
    const dir = tmpDir('k10');
    await estimatorFor(tinyModel(), 2, [new RestoreWizard({ directory: dir, keep: 2 })]).fit();
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'epoch-0002', 'latest']);
    fs.rmSync(path.join(dir, 'epoch-0002'), { recursive: true });
    const lines: string[] = [];
    const realWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const wizard = new RestoreWizard({ directory: dir, keep: 2 });
    try {
      await estimatorFor(tinyModel(), 2, [wizard]).fit();
    } finally {
      process.stderr.write = realWrite;
    }
    expect(wizard.restoredEpoch).to.equal(1);
    expect(lines.join('')).to.include(
      `FastEstimator-RestoreWizard: checkpoint "epoch-0002" named by ${path.join(dir, 'latest')} is unreadable; using ${path.join(dir, 'epoch-0001')}`,
    );
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'epoch-0002', 'latest']);
  });

  it("K12 4,096 random bytes in the middle of the newest checkpoint's weights: the resume checks SHA-256, says so, uses the previous one", async () => {
    const dir = tmpDir('k12');
    // Wide enough that the weights file is 16 KB: 4,096 bytes land in the tensor data, away from the header.
    const wide = (seed: number) =>
      build(
        () =>
          tf.sequential({
            layers: [
              tf.layers.dense({
                units: 512,
                inputShape: [4],
                activation: 'tanh',
                kernelInitializer: tf.initializers.glorotUniform({ seed }),
              }),
              tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
            ],
          }),
        () => tf.train.adam(0.01),
        { modelName: 'm' },
      );
    const first = wide(1);
    const saved: Record<string, number[]>[] = [];
    class Snapshot extends Trace {
      constructor() {
        super({ mode: 'eval' });
      }
      override onEpochEnd(): void {
        saved.push(weightsOf(first));
      }
    }
    await estimatorFor(first, 2, [new Snapshot(), new RestoreWizard({ directory: dir })]).fit();
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'epoch-0002', 'latest']);
    const weights = path.join(dir, 'epoch-0002', 'm.safetensors');
    const bytes = fs.readFileSync(weights);
    const mid = Math.floor(bytes.length / 2) - 2048;
    // Random bytes, not zeros: the header stays valid, so only a checksum can tell.
    let x = 12345;
    for (let i = 0; i < 4096 && mid + i < bytes.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bytes[mid + i] = x >>> 24;
    }
    fs.writeFileSync(weights, bytes);
    expect(bytes.length).to.be.greaterThan(16_000);
    expect(parseSafetensors(bytes, weights).tensors.size, 'the damaged file still parses').to.equal(4);
    const lines: string[] = [];
    const realWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const model = wide(1);
    const wizard = new RestoreWizard({ directory: dir });
    let restored: Record<string, number[]> | undefined;
    class AtStart extends Trace {
      override onBegin(): void {
        restored = weightsOf(model);
      }
    }
    try {
      // One epoch more than the checkpoint: the restored weights are looked at before it trains.
      await estimatorFor(model, 2, [wizard, new AtStart()]).fit();
    } finally {
      process.stderr.write = realWrite;
    }
    expect(lines.join('')).to.include(
      `FastEstimator-RestoreWizard: checkpoint "epoch-0002" named by ${path.join(dir, 'latest')} is damaged ` +
        `(m.safetensors: SHA-256 differs from the one manifest.json records); using ${path.join(dir, 'epoch-0001')}`,
    );
    expect(wizard.restoredEpoch).to.equal(1);
    expect(restored).to.deep.equal(saved[0]);
    // Epoch 2 trained again and checkpointed whole.
    expect(listDir(dir)).to.deep.equal(['epoch-0001', 'epoch-0002', 'latest']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'epoch-0002', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.files).sort()).to.deep.equal(['m.optimizer-0.safetensors', 'm.safetensors']);
  });

  it("K11 a Hugging Face folder holding another model's weights: fromPretrained refuses (WeightsMismatchError), no silent random init", async () => {
    const dir = tmpDir('k11');
    const model = tinyModel();
    await estimatorFor(model, 1, [new ModelSaver({ model, saveDir: dir, write: () => {} })]).fit();
    const bert = tmpDir('k11-bert');
    fs.copyFileSync(path.join(dir, 'm_epoch_1.safetensors'), path.join(bert, 'model.safetensors'));
    fs.copyFileSync(shared('fixtures', 'bert-tiny-random', 'config.json'), path.join(bert, 'config.json'));
    const logged: string[] = [];
    const e = (await errorOf(fromPretrained(bert, { log: (l) => logged.push(l) }))) as WeightsMismatchError;
    expect(e).to.be.instanceOf(WeightsMismatchError);
    expect(e.message).to.match(
      new RegExp(
        `^${path.join(bert, 'model.safetensors').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: does not fit model "BertForTokenClassification": ` +
          `${e.missing.length} of its ${e.missing.length} weights are missing from the file: bert\\.embeddings\\.word_embeddings\\.weight, .*; ` +
          'the file has 4 weights the model does not use: layers\\.0\\.bias, layers\\.0\\.kernel, layers\\.1\\.bias, layers\\.1\\.kernel$',
      ),
    );
    expect(logged).to.deep.equal([]);
  });
});

const realOpen = fsp.open;
