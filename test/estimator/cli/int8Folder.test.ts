import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import {
  INT8_FILE,
  Int8FolderError,
  Int8TapeError,
  int8Available,
  int8Layers,
  parseInt8Layers,
  parseSafetensors,
  quantizeInt8,
  releaseInt8,
  useInt8,
} from '@fets/network';
import { errorOf } from '../../helpers.js';
import { sentences, tempDir, tinyModel, tinyTokenize } from '../modelFolder/tinyFolder.js';

function collect() {
  const err: string[] = [];
  return { err, io: { out: () => {}, err: (t: string) => void err.push(t) } };
}

/** Tags per word of `fets predict <folder> … --format conll`, one array per sentence. */
async function predictTags(folder: string, input: string, out: string, extra: string[]): Promise<string[][]> {
  const c = collect();
  expect(
    await fe.runCli(['predict', folder, '--input', input, '--out', out, '--format', 'conll', ...extra], c.io),
    c.err.join('\n'),
  ).to.equal(0);
  return readFileSync(out, 'utf8')
    .trim()
    .split(/\n\n+/)
    .map((block) => block.split('\n').map((l) => l.split(/\s+/).at(-1)!));
}

describe('model folder in int8: fets export --quantize int8, fets predict --int8, TokenTagger.load(folder, { int8 })', function () {
  this.timeout(120_000);
  let dir: string;
  let folder: string;
  let plain: string;
  let inFile: string;
  const input = sentences(60, 24, 17);

  before(async function () {
    await fe.initBackend();
    if (!int8Available()) this.skip(); // the native addon is built by npm install; nativeGemm's tests fail without it
    dir = tempDir('int8-folder');
    plain = path.join(dir, 'plain');
    folder = path.join(dir, 'model');
    const model = tinyModel(7);
    await fe.saveModelFolder(plain, model, { tokenize: tinyTokenize(10) });
    await fe.saveModelFolder(folder, model, { tokenize: tinyTokenize(10) });
    model.dispose();
    inFile = path.join(dir, 'in.txt');
    writeFileSync(inFile, `${input.map((s) => s.join(' ')).join('\n')}\n`);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('export --quantize int8 adds model.int8.safetensors (the per-channel quantization of model.safetensors) and records it; the float files stay as they were', async () => {
    const floatBytes = readFileSync(path.join(folder, 'model.safetensors'));
    const c = collect();
    expect(await fe.runCli(['export', folder, '--quantize', 'int8'], c.io), c.err.join('\n')).to.equal(0);
    expect(readFileSync(path.join(folder, 'model.safetensors')).equals(floatBytes)).to.equal(true);
    const manifest = JSON.parse(readFileSync(path.join(folder, 'fets.json'), 'utf8'));
    expect(manifest.int8.file).to.equal(INT8_FILE);
    expect(manifest.int8.scheme).to.equal('symmetric-per-channel');
    // 2 layers × (query, key, value, attention output, intermediate, output) + the classifier.
    expect(manifest.int8.layers).to.have.length(13);
    expect(manifest.sha256[INT8_FILE]).to.match(/^[0-9a-f]{64}$/);
    const floats = parseSafetensors(floatBytes).tensors;
    const int8 = parseInt8Layers(readFileSync(path.join(folder, INT8_FILE)), folder);
    for (const name of manifest.int8.layers as string[]) {
      const f = floats.get(name)!;
      const want = quantizeInt8(f.data as Float32Array, f.shape[0]!, f.shape[1]!);
      expect(Array.from(int8.get(name)!.q), name).to.deep.equal(Array.from(want.q));
      expect(Array.from(int8.get(name)!.scales), name).to.deep.equal(Array.from(want.scales));
      // |w − q·scale| ≤ scale / 2 per value (plus float32 rounding).
      const w = f.data as Float32Array;
      const k = f.shape[1]!;
      const worst = w.reduce(
        (m, v, i) => Math.max(m, Math.abs(v - want.q[i]! * want.scales[Math.floor(i / k)]!) / want.scales[Math.floor(i / k)]!),
        0,
      );
      expect(worst, name).to.be.at.most(0.5 + 1e-5);
    }
  });

  it('predict --int8, TokenTagger.load({ int8: true }) and int8: "quantize" give the same tags; close to float32, and the folder still loads in float32', async () => {
    const floatTagger = await fe.TokenTagger.load(folder);
    const float = await floatTagger.tag(input);
    floatTagger.dispose();
    const folderInt8 = await fe.TokenTagger.load(folder, { int8: true });
    expect(int8Layers(folderInt8.network.models[0] as never)).to.have.length(13);
    const before = tf.memory().numTensors;
    const viaFolder = await folderInt8.tag(input);
    await folderInt8.tag(input);
    expect(tf.memory().numTensors, 'no tensor leaked').to.equal(before);
    folderInt8.dispose();
    const quantized = await fe.TokenTagger.load(plain, { int8: 'quantize' });
    const viaQuantize = await quantized.tag(input);
    quantized.dispose();
    expect(viaQuantize.map((s) => s.tags)).to.deep.equal(viaFolder.map((s) => s.tags));
    const cli = await predictTags(folder, inFile, path.join(dir, 'out.conll'), ['--int8']);
    expect(cli).to.deep.equal(viaFolder.map((s) => s.tags));
    // Float32 against int8 on 60 sentences of a random tiny model: nearly every word keeps its tag.
    const words = float.flatMap((s) => s.tags).length;
    const same = float.flatMap((s, i) => s.tags.filter((t, j) => t === viaFolder[i]!.tags[j])).length;
    expect(same / words, `${same} of ${words} words`).to.be.at.least(0.95);
    const floatCli = await predictTags(folder, inFile, path.join(dir, 'float.conll'), []);
    expect(floatCli).to.deep.equal(float.map((s) => s.tags));
  });

  it('logits: int8 against float32 of the same model within 5% of the logits range (tiny model, 60 sentences)', async () => {
    const tagger = await fe.TokenTagger.load(folder);
    const model = tagger.network.models[0] as fe.architecture.BertForTokenClassification;
    const ids = tf.tensor2d(
      Array.from({ length: 4 * 10 }, (_, i) => 5 + (i % 20)),
      [4, 10],
      'int32',
    );
    const float = tf.tidy(() => model.call([ids], false).dataSync()) as Float32Array;
    useInt8(model);
    const int8 = tf.tidy(() => model.call([ids], false).dataSync()) as Float32Array;
    releaseInt8(model);
    const range = float.reduce((m: number, v: number) => Math.max(m, Math.abs(v)), 0);
    const worst = float.reduce((m: number, v: number, i: number) => Math.max(m, Math.abs(v - int8[i]!)), 0);
    expect(worst, `max |int8 − float32| ${worst} of logits up to ${range}`).to.be.at.most(0.05 * range);
    expect(worst).to.be.greaterThan(0, 'int8 differs from float32 at all (the int8 path ran)');
    ids.dispose();
    tagger.dispose();
  });

  it('refuses int8 under a gradient tape (Int8TapeError, one line)', async () => {
    const tagger = await fe.TokenTagger.load(folder, { int8: true });
    const model = tagger.network.models[0] as fe.architecture.BertForTokenClassification;
    const ids = tf.tensor2d([[2, 5, 6, 3]], [1, 4], 'int32');
    const e = (() => {
      try {
        tf.variableGrads(() => tf.sum(model.call([ids], true)) as tf.Scalar);
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e).to.be.instanceOf(Int8TapeError);
    expect(e!.message).to.match(
      /^int8 linear bert\.encoder\.layer\.0\.attention\.self\.query\.weight: inference only, called under a gradient tape/,
    );
    expect(e!.message).not.to.include('\n');
    ids.dispose();
    tagger.dispose();
  });

  it('int8 on a folder without int8 weights: one line naming the file (TokenTagger and fets predict, exit 1); a damaged int8 file is refused', async () => {
    const e = await errorOf(fe.TokenTagger.load(plain, { int8: true }));
    expect(e).to.be.instanceOf(Int8FolderError);
    expect(e.message).to.equal(
      `${plain}/${INT8_FILE}: not in the folder (fets.json records no int8 weights): write it with \`fets export ${plain} --quantize int8\`, or quantize at load (int8: 'quantize')`,
    );
    const c = collect();
    expect(await fe.runCli(['predict', plain, '--input', inFile, '--int8'], c.io)).to.equal(1);
    expect(c.err.join('\n')).to.include(`${INT8_FILE}: not in the folder`);
    const bad = collect();
    expect(await fe.runCli(['predict', plain, '--input', inFile, '--int8', 'fast'], bad.io)).to.equal(1);
    expect(bad.err.join('\n')).to.include('--int8: expected no value or "quantize", received "fast"');
    // One byte changed in the int8 file: the folder's checksums refuse it, naming the file.
    const damaged = path.join(dir, 'damaged');
    const copy = collect();
    expect(await fe.runCli(['export', folder, '--out', damaged], copy.io), copy.err.join('\n')).to.equal(0);
    const file = path.join(damaged, INT8_FILE);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    const d = await errorOf(fe.TokenTagger.load(damaged, { int8: true }));
    expect(d.message).to.include(INT8_FILE);
    expect(d.constructor.name).to.equal('ModelFolderChecksumError');
  });
});
