import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Pipeline, seededRandom } from '@fets/pipeline';
import { atomicWriteFile, build, namedVariables, readSafetensors } from '@fets/network';
import {
  BestModelSaver,
  Estimator,
  ModelSaver,
  OutputDirError,
  Trace,
  checkWritable,
  loadModelWeights,
  saveModelWeights,
} from '@fets/estimator';
import { Range, ScriptedNetwork, memoryLogger } from '../fakes.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fets-savers-'));
const weightsOf = (m: tf.LayersModel) => new Map([...namedVariables(m)].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));

/** A network stand-in that sets the model's weights to fresh random values at every training step. */
function randomizingNetwork(model: tf.LayersModel, evalLoss: number[]) {
  const rng = seededRandom(11);
  return new ScriptedNetwork({
    evalLoss: (e) => evalLoss[e - 1]!,
    onTrainStep: () =>
      tf.tidy(() => {
        for (const v of namedVariables(model).values())
          v.assign(
            tf.tensor(
              Float32Array.from({ length: v.size }, () => rng() * 2 - 1),
              v.shape,
            ),
          );
      }),
  });
}

describe('estimator/traces/io BestModelSaver, ModelSaver, file safety', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('saves on each new best, logs since_best/min like FastEstimator, reloads the best bit-exactly at the end', async () => {
    const dir = tmp();
    const model = build(
      () => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2 })] }),
      'adam',
      {
        modelName: 'clf',
      },
    );
    const atEval = new Map<number, Map<string, Float32Array>>();
    class Snap extends Trace {
      override onEpochEnd() {
        atEval.set(this.system.epoch, weightsOf(model));
      }
    }
    const lines: string[] = [];
    const saver = new BestModelSaver({ model, saveDir: dir, loadBestFinal: true, write: (l) => lines.push(l) });
    const before = tf.memory().numTensors;
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), evalData: new Range(2), batchSize: 2 }),
      network: randomizingNetwork(model, [3, 1, 2, 0.5, 4]),
      epochs: 5,
      traces: [saver, new Snap({ mode: 'eval' }), memoryLogger()],
    });
    const summary = await est.fit({ warmup: false });
    expect([...summary.history.eval!.since_best_loss!.values()]).to.deep.equal([0, 0, 1, 0, 1]);
    expect([...summary.history.eval!.min_loss!.values()]).to.deep.equal([3, 1, 1, 0.5, 0.5]);
    expect(saver.modelPath).to.equal(path.join(dir, 'clf_best_loss.safetensors'));
    expect(lines.filter((l) => l.startsWith('FastEstimator-BestModelSaver: Saved model to')).length).to.equal(3);
    expect(lines.at(-1)).to.equal(`FastEstimator-BestModelSaver: Restoring model from ${saver.modelPath}`);
    // The file holds epoch 4's weights, bit for bit; after onEnd the model holds them again (epoch 5 changed them).
    const best = atEval.get(4)!;
    const file = await readSafetensors(saver.modelPath);
    for (const [k, v] of best) {
      expect(Buffer.from((file.tensors.get(k)!.data as Float32Array).buffer).equals(Buffer.from(v.buffer))).to.equal(true);
    }
    expect(weightsOf(model)).to.deep.equal(best);
    expect(atEval.get(5)).to.not.deep.equal(best);
    expect(fs.readdirSync(dir)).to.deep.equal(['clf_best_loss.safetensors']);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('saveModelWeights → loadModelWeights round-trips random weights bit-exactly (incl. -0, subnormals, extremes)', async () => {
    const dir = tmp();
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [7] })] }), 'sgd', { modelName: 'rt' });
    const special = [-0, 1.4e-45, -3.4028234663852886e38, 3.4028234663852886e38, 1e-38, Math.fround(Math.PI)];
    const rng = seededRandom(5);
    tf.tidy(() => {
      for (const v of namedVariables(model).values()) {
        const d = Float32Array.from({ length: v.size }, (_, i) =>
          i < special.length ? special[i]! : (rng() - 0.5) * 10 ** Math.floor(rng() * 20 - 10),
        );
        v.assign(tf.tensor(d, v.shape));
      }
    });
    const saved = weightsOf(model);
    await saveModelWeights(model, path.join(dir, 'w.safetensors'));
    tf.tidy(() => namedVariables(model).forEach((v) => v.assign(tf.zerosLike(v))));
    loadModelWeights(model, path.join(dir, 'w.safetensors'));
    for (const [k, v] of weightsOf(model)) expect(Buffer.from(v.buffer).equals(Buffer.from(saved.get(k)!.buffer))).to.equal(true, k);
  });

  it('an unwritable saveDir fails at construction, naming the trace, option and path', () => {
    const dir = tmp();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] }), 'sgd');
    const bad = path.join(file, 'ckpt');
    expect(() => new BestModelSaver({ model, saveDir: bad })).to.throw(
      OutputDirError,
      `BestModelSaver: saveDir "${bad}": cannot write there: `,
    );
    expect(() => new ModelSaver({ model, saveDir: bad })).to.throw(/ModelSaver: saveDir ".*a-file\/ckpt": cannot write there: ENOTDIR/);
    expect(() => checkWritable(file)).to.throw(/checkWritable: dir ".*a-file": cannot write there: it exists and is not a directory/);
    const fresh = path.join(dir, 'new', 'nested');
    checkWritable(fresh);
    expect(fs.readdirSync(fresh)).to.deep.equal([]);
  });

  it('atomicWriteFile: a reader never sees a partial file; a failed rename leaves the target and no temporary', async () => {
    const dir = tmp();
    const target = path.join(dir, 'weights.bin');
    const old = new Uint8Array(1 << 20).fill(1);
    const next = new Uint8Array(8 << 20).fill(2);
    fs.writeFileSync(target, old);
    let done = false;
    const p = atomicWriteFile(target, next).then(() => (done = true));
    const seen = new Set<string>();
    while (!done) {
      const b = fs.readFileSync(target);
      const kind =
        b.length === old.length && b.every((x) => x === 1)
          ? 'old'
          : b.length === next.length && b[0] === 2 && b[b.length - 1] === 2
            ? 'new'
            : 'partial';
      seen.add(kind);
      await new Promise((r) => setImmediate(r));
    }
    await p;
    expect(seen.has('partial')).to.equal(false);
    expect(seen.has('old')).to.equal(true);
    expect(fs.readFileSync(target).length).to.equal(next.length);
    const asDir = path.join(dir, 'occupied');
    fs.mkdirSync(asDir);
    fs.writeFileSync(path.join(asDir, 'keep'), 'k');
    let err: unknown;
    await atomicWriteFile(asDir, 'data').catch((e) => (err = e));
    expect(String(err)).to.match(/cannot write ".*occupied"/);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['occupied', 'weights.bin']);
  });

  it('ModelSaver saves every `frequency` epochs and keeps the newest `maxToKeep`', async () => {
    const dir = tmp();
    const model = build(() => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] }), 'sgd', { modelName: 'ms' });
    const saver = new ModelSaver({ model, saveDir: dir, frequency: 2, maxToKeep: 2, write: () => {} });
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: new Range(2), batchSize: 2 }),
      network: randomizingNetwork(model, []),
      epochs: 6,
      traces: [saver, memoryLogger()],
    });
    await est.fit({ warmup: false });
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['ms_epoch_4.safetensors', 'ms_epoch_6.safetensors']);
    const file = await readSafetensors(path.join(dir, 'ms_epoch_6.safetensors'));
    for (const [k, v] of weightsOf(model)) expect(Array.from(file.tensors.get(k)!.data as Float32Array)).to.deep.equal(Array.from(v));
    expect(file.metadata.epoch).to.equal('6');
  });
});
