import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SaveError, WeightsFileError, fileSystem, loadVariables, saveVariables, type AtomicFs } from '@fets/network';
import { forEachBackend } from '../backends.js';

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fets-weights-'));
  created.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(created.map((d) => fs.rm(d, { recursive: true, force: true })));
});

function tinyModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 5, inputShape: [3], activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ seed }) }));
  m.add(tf.layers.layerNormalization());
  m.add(tf.layers.dense({ units: 2, biasInitializer: tf.initializers.randomNormal({ seed: seed + 1 }) }));
  return m;
}

/** Every weight as raw bytes, for bit-exact comparison. */
function weightBytes(m: tf.LayersModel): Buffer[] {
  return m.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer.slice(0)));
}

/** An fs whose rename fails: the write reaches the temporary files but never the targets. */
const failingRename: Partial<AtomicFs> = {
  rename: async () => {
    throw Object.assign(new Error('EIO: simulated failure'), { code: 'EIO' });
  },
};

/** An fs whose second open fails (weights.bin written to a temporary file, model.json not). */
function failingSecondOpen(): Partial<AtomicFs> {
  let n = 0;
  return {
    open: (async (...args: Parameters<typeof fs.open>) => {
      if (++n === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return fs.open(...args);
    }) as typeof fs.open,
  };
}

async function listDir(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

forEachBackend(['wasm', 'cpu'], (backend) => {
  describe('weights on disk', function () {
    this.timeout(30000);

    it('round-trips a tf.LayersModel bit-exactly through fileSystem() and file:// URLs', async () => {
      const dir = await tempDir();
      const m = tinyModel(1);
      const before = tf.memory().numTensors;
      await m.save(fileSystem(dir));
      expect(await listDir(dir)).to.deep.equal(['model.json', 'weights.bin']);
      const back = await tf.loadLayersModel(fileSystem(dir));
      expect(weightBytes(back)).to.deep.equal(weightBytes(m));
      const viaUrl = await tf.loadLayersModel(`file://${dir}`);
      expect(weightBytes(viaUrl)).to.deep.equal(weightBytes(m));
      const dir2 = path.join(await tempDir(), 'nested', 'ckpt');
      await m.save(`file://${dir2}`);
      const viaSavedUrl = await tf.loadLayersModel(fileSystem(path.join(dir2, 'model.json')));
      expect(weightBytes(viaSavedUrl)).to.deep.equal(weightBytes(m));
      const [p1, p2] = tf.tidy(() => {
        const x = tf.tensor2d([[1, -2, 0.5]]);
        return [Array.from((back.predict(x) as tf.Tensor).dataSync()), Array.from((m.predict(x) as tf.Tensor).dataSync())];
      });
      expect(p1).to.deep.equal(p2);
      back.dispose();
      viaUrl.dispose();
      viaSavedUrl.dispose();
      expect(tf.memory().numTensors).to.equal(before);
      m.dispose();
    });

    it('names the truncated weights file with expected and received byte counts', async () => {
      const dir = await tempDir();
      const m = tinyModel(2);
      await m.save(fileSystem(dir));
      const bin = path.join(dir, 'weights.bin');
      const full = (await fs.stat(bin)).size;
      await fs.truncate(bin, full - 8);
      const err = await tf.loadLayersModel(fileSystem(dir)).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WeightsFileError);
      expect((err as WeightsFileError).message).to.equal(
        `${bin}: expected ${full} bytes (from model.json), received ${full - 8} (truncated?)`,
      );
      expect((err as WeightsFileError).expectedBytes).to.equal(full);
      expect((err as WeightsFileError).receivedBytes).to.equal(full - 8);
      await fs.rm(bin);
      const missing = await tf.loadLayersModel(fileSystem(dir)).catch((e: unknown) => e);
      expect((missing as Error).message).to.equal(`${bin}: cannot read a weights file: ENOENT`);
      m.dispose();
    });

    for (const [what, makeFs] of [
      ['a rename fails', () => failingRename],
      ['the second file cannot be created', failingSecondOpen],
    ] as const) {
      it(`keeps the previous checkpoint loadable when ${what}`, async () => {
        const dir = await tempDir();
        const old = tinyModel(3);
        await old.save(fileSystem(dir));
        const newer = tinyModel(4);
        const err = await newer.save(fileSystem(dir, { fs: makeFs() })).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(SaveError);
        expect((err as SaveError).message).to.match(new RegExp(`^cannot write "${dir}/(weights.bin|model.json)"`));
        expect(await listDir(dir)).to.deep.equal(['model.json', 'weights.bin']);
        const back = await tf.loadLayersModel(fileSystem(dir));
        expect(weightBytes(back)).to.deep.equal(weightBytes(old));
        back.dispose();
        old.dispose();
        newer.dispose();
      });
    }

    it('reports an unwritable directory by its path', async () => {
      const base = await tempDir();
      const file = path.join(base, 'not-a-dir');
      await fs.writeFile(file, 'x');
      const m = tinyModel(5);
      const err = await m.save(fileSystem(path.join(file, 'ckpt'))).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SaveError);
      expect((err as Error).message).to.match(new RegExp(`^cannot write "${file}/ckpt" \\(creating the directory\\): ENOTDIR`));
      const err2 = await saveVariables(path.join(file, 'v'), { a: tf.scalar(1) }).catch((e: unknown) => e);
      expect((err2 as Error).message).to.match(new RegExp(`^cannot write "${file}/v"`));
      m.dispose();
    });

    it(`round-trips variables and tensors of every dtype bit-exactly (${backend})`, async () => {
      const dir = await tempDir();
      const vars = {
        'encoder/0/kernel': tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 7)),
        'special values': tf.tensor1d([NaN, -0, Infinity, -Infinity, 1.5e-45, 3.4e38]),
        step: tf.scalar(42, 'int32'),
        mask: tf.tensor2d([[true, false, true]], [1, 3], 'bool'),
        empty: tf.zeros([0, 3]),
      };
      const before = tf.memory().numTensors;
      const manifest = await saveVariables(dir, vars);
      expect(manifest.variables.map((v) => [v.name, v.dtype, v.shape])).to.deep.equal([
        ['encoder/0/kernel', 'float32', [4, 3]],
        ['special values', 'float32', [6]],
        ['step', 'int32', []],
        ['mask', 'bool', [1, 3]],
        ['empty', 'float32', [0, 3]],
      ]);
      const back = await loadVariables(dir);
      expect(Object.keys(back)).to.deep.equal(Object.keys(vars));
      for (const [k, t] of Object.entries(vars)) {
        expect(back[k]!.dtype).to.equal(t.dtype);
        expect(back[k]!.shape).to.deep.equal(t.shape);
        const a = t.dataSync();
        const b = back[k]!.dataSync();
        expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).to.equal(true);
      }
      tf.dispose(Object.values(back));
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose(Object.values(vars));
    });

    it('rejects a truncated variables file and keeps old variables when a save fails', async () => {
      const dir = await tempDir();
      const old = { w: tf.tensor1d([1, 2, 3]) };
      await saveVariables(dir, old);
      const err = await saveVariables(dir, { w: tf.tensor1d([9, 9, 9, 9]) }, { fs: failingRename }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SaveError);
      const back = await loadVariables(dir);
      expect(Array.from(back.w!.dataSync())).to.deep.equal([1, 2, 3]);
      tf.dispose(Object.values(back));
      const bin = path.join(dir, 'variables.bin');
      await fs.truncate(bin, 5);
      const trunc = await loadVariables(dir).catch((e: unknown) => e);
      expect(trunc).to.be.instanceOf(WeightsFileError);
      expect((trunc as Error).message).to.equal(`${bin}: expected 12 bytes (from variables.json), received 5 (truncated?)`);
      await fs.writeFile(path.join(dir, 'variables.json'), '{"format":"other"}');
      const bad = await loadVariables(dir).catch((e: unknown) => e);
      expect((bad as Error).message).to.match(/variables\.json: expected format "fets-variables"/);
      tf.dispose(Object.values(old));
    });
  });
});
