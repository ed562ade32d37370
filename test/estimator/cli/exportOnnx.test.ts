import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { ModelFolderChecksumError, parseSafetensors, sha256Hex } from '@fets/network';
import { errorOf, shared } from '../../helpers.js';
import { sentences, tempDir, tinyCrfModel, tinyModel, tinyTokenize } from '../modelFolder/tinyFolder.js';
import { OnnxNetwork } from '../../../examples/ner-onnx/onnxNetwork.js';

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('cli: fets export <folder> --format onnx', function () {
  this.timeout(60_000);
  let dir: string;
  let folder: string;
  before(async () => {
    await fe.initBackend();
    dir = tempDir('export-onnx');
    folder = path.join(dir, 'model');
    const model = tinyModel();
    await fe.saveModelFolder(folder, model, { tokenize: tinyTokenize(10) });
    model.dispose();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes model.onnx beside the rest and records its SHA-256 in fets.json; the folder still loads, and the ONNX tagger's spans are fets'", async () => {
    const c = collect();
    expect(await fe.runCli(['export', folder, '--format', 'onnx'], c.io), c.err.join('\n')).to.equal(0);
    expect(c.out).to.deep.equal([`fets export: wrote ${path.join(folder, 'model.onnx')}`]);
    const bytes = readFileSync(path.join(folder, 'model.onnx'));
    const manifest = JSON.parse(readFileSync(path.join(folder, 'fets.json'), 'utf8')) as { sha256: Record<string, string> };
    expect(manifest.sha256['model.onnx']).to.equal(await sha256Hex(bytes));
    const tagger = await fe.TokenTagger.load(folder);
    const net = await OnnxNetwork.load(path.join(folder, 'model.onnx'));
    try {
      // Sentences longer than maxLen 10 are read in windows: the same windows feed both models.
      const words = sentences(40, 14);
      const onnx = new fe.TokenTagger(tagger.pipeline, net as unknown as fe.Network, tagger.options);
      expect(await onnx.tag(words)).to.deep.equal(await tagger.tag(words));
    } finally {
      tagger.dispose();
      await net.release();
    }
  });

  it("a crf folder: model.onnx also outputs the CRF's scores; Viterbi over onnxruntime's logits with them gives fets predict's tags", async () => {
    const crfDir = path.join(dir, 'crf');
    const model = tinyCrfModel(5, true);
    await fe.saveModelFolder(crfDir, model, { tokenize: tinyTokenize(10) });
    model.dispose();
    const c = collect();
    expect(await fe.runCli(['export', crfDir, '--format', 'onnx'], c.io), c.err.join('\n')).to.equal(0);
    const tagger = await fe.TokenTagger.load(crfDir);
    const net = await OnnxNetwork.load(path.join(crfDir, 'model.onnx'));
    const plain = await OnnxNetwork.load(path.join(folder, 'model.onnx'));
    try {
      expect(net.session.outputNames).to.deep.equal(['logits', 'transitions', 'start_transitions', 'end_transitions']);
      expect(await plain.crfScores(), "a softmax folder's model has no CRF outputs").to.equal(undefined);
      const crf = (await net.crfScores())!;
      const tensors = parseSafetensors(readFileSync(path.join(crfDir, 'model.safetensors'))).tensors;
      const stored = (n: string) => Array.from(tensors.get(n)!.data as Float32Array);
      expect(Array.from(crf.transitions)).to.deep.equal(stored('crf.transitions'));
      expect(Array.from(crf.start)).to.deep.equal(stored('crf.start_transitions'));
      expect(Array.from(crf.end)).to.deep.equal(stored('crf.end_transitions'));
      const words = sentences(60, 14, 3);
      const want = await tagger.tag(words);
      const onnx = new fe.TokenTagger(tagger.pipeline, net as unknown as fe.Network, { ...tagger.options, crf });
      expect(await onnx.tag(words)).to.deep.equal(want);
      // The CRF's scores decide here: the ONNX logits' per-word argmax gives other tags.
      const argmax = await new fe.TokenTagger(tagger.pipeline, net as unknown as fe.Network, {
        ...tagger.options,
        head: { type: 'softmax' },
      }).tag(words);
      expect(argmax.flatMap((s, i) => s.tags.filter((t, j) => t !== want[i]!.tags[j])).length).to.be.greaterThan(10);
    } finally {
      tagger.dispose();
      await net.release();
      await plain.release();
    }
  });

  it('with --out: a checked copy of the folder with model.onnx added; the source is left as it was', async () => {
    const source = path.join(dir, 'source');
    const model = tinyModel(5);
    await fe.saveModelFolder(source, model, { tokenize: tinyTokenize(10) });
    model.dispose();
    const before = readdirSync(source).sort();
    const out = path.join(dir, 'deploy');
    const c = collect();
    expect(await fe.runCli(['export', source, '--format', 'onnx', '--out', out], c.io), c.err.join('\n')).to.equal(0);
    expect(readdirSync(source).sort()).to.deep.equal(before);
    expect(readdirSync(out).sort()).to.deep.equal([...before, 'model.onnx'].sort());
    (await fe.TokenTagger.load(out)).dispose();
  });

  it("a Hugging Face folder without fets.json (transformers' save_pretrained): model.onnx alone, in the folder or in --out", async () => {
    const hf = path.join(dir, 'hf');
    cpSync(shared('fixtures', 'bert-tiny-random'), hf, { recursive: true });
    const c = collect();
    expect(await fe.runCli(['export', hf, '--format', 'onnx'], c.io), c.err.join('\n')).to.equal(0);
    expect(c.out).to.deep.equal([`fets export: wrote ${path.join(hf, 'model.onnx')}`]);
    const out = path.join(dir, 'hf-onnx');
    expect(await fe.runCli(['export', hf, '--format', 'onnx', '--out', out], c.io), c.err.join('\n')).to.equal(0);
    expect(readdirSync(out)).to.deep.equal(['model.onnx']);
    expect(readFileSync(path.join(out, 'model.onnx'))).to.deep.equal(readFileSync(path.join(hf, 'model.onnx')));
  });

  it('a damaged model.onnx is refused on load, named; --out is still required for a copy', async () => {
    const damaged = path.join(dir, 'damaged');
    const c = collect();
    expect(await fe.runCli(['export', folder, '--format', 'onnx', '--out', damaged], c.io), c.err.join('\n')).to.equal(0);
    const file = path.join(damaged, 'model.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(file, bytes);
    const e = await errorOf(fe.TokenTagger.load(damaged));
    expect(e).to.be.instanceOf(ModelFolderChecksumError);
    expect(e.message).to.match(/model\.onnx: damaged or changed/);

    const d = collect();
    expect(await fe.runCli(['export', folder], d.io)).to.equal(1);
    expect(d.err.join('\n')).to.match(/fets export: --out <dir>: required \(except with --format onnx or --quantize on a model folder\)/);
    expect(existsSync(path.join(folder, 'model.onnx'))).to.equal(true);
  });
});
