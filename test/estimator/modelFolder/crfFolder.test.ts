import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import { parseSafetensors, serializeSafetensors, type SafetensorsF32Entry } from '@fets/network';
import { errorOf } from '../../helpers.js';
import { LABELS, sentences, tempDir, tinyCrfModel, tinyModel, tinyTokenize } from './tinyFolder.js';

/** The sentences that fit one window of maxLen 10 (8 sub-tokens): their tags come from one decoded sequence. */
const oneWindow = <T extends { words: string[] }>(tagged: T[]): T[] => {
  const tokenizer = tinyTokenize(10).tokenizer;
  return tagged.filter((s) => s.words.reduce((n, w) => n + tokenizer.wordToIds(w).length, 0) <= 8);
};

/** Rewrites fets.json's checksums for the files as they are now (a folder edited by hand, consistent but wrong). */
async function reseal(folder: string): Promise<void> {
  const file = path.join(folder, 'fets.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  for (const name of Object.keys(manifest.sha256)) manifest.sha256[name] = await fe.io.sha256Hex(readFileSync(path.join(folder, name)));
  writeFileSync(file, JSON.stringify(manifest));
}

/** Rewrites model.safetensors with `edit` applied to its tensors, then reseals the folder. */
async function editWeights(folder: string, edit: (t: Map<string, SafetensorsF32Entry>) => void): Promise<void> {
  const file = path.join(folder, 'model.safetensors');
  const entries = new Map<string, SafetensorsF32Entry>();
  for (const [k, t] of parseSafetensors(readFileSync(file)).tensors) entries.set(k, { shape: t.shape, data: t.data as Float32Array });
  edit(entries);
  writeFileSync(file, serializeSafetensors(entries, { format: 'pt' }));
  await reseal(folder);
}

function collect() {
  const err: string[] = [];
  return { err, io: { out: () => {}, err: (t: string) => void err.push(t) } };
}

describe('model folder: the CRF head (transitions in model.safetensors, Viterbi in fets predict and TokenTagger)', function () {
  this.timeout(60_000);
  let dir: string;
  let folder: string;
  let model: fe.architecture.BertCrfForTokenClassification;
  let pipeline: fe.Pipeline;
  let network: fe.Network;
  let tokenize: fe.op.BertTokenize;
  /** Sentences longer than one window among them. */
  const input = sentences(60, 24, 13);

  before(async () => {
    await fe.initBackend();
    dir = tempDir('crf-folder');
    const words = sentences(48, 12, 5);
    const tags = words.map((s, i) => s.map((_, j) => LABELS[(i + j) % LABELS.length]!));
    const data = () => new fe.dataset.NumpyDataset({ words, tags });
    tokenize = new fe.op.BertTokenize({
      inputs: ['words', 'tags'],
      outputs: ['x', 'y', 'wordIds'],
      tokenizer: tinyTokenize(10).tokenizer,
      labels: LABELS,
      maxLen: 10,
      returnWordIds: true,
    });
    model = fe.build(tinyCrfModel(), 'adam', { modelName: 'bert' });
    pipeline = new fe.Pipeline({
      trainData: data(),
      evalData: data(),
      batchSize: 8,
      ops: [tokenize, new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' })],
    });
    network = new fe.Network([
      new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
      new fe.op.CrfLoss({ inputs: ['yPred', 'y'], outputs: 'ce', crf: model.crf }),
      new fe.op.TagDecode({ inputs: ['yPred', 'wordIds'], outputs: 'yTag', decode: 'crf', crf: model.crf }),
      new fe.op.UpdateOp({ model, lossName: 'ce' }),
    ]);
    // A few steps of training, then transitions strong enough that Viterbi's path differs from the argmax often (so
    // the comparisons below can tell a CRF decoder from a per-word one).
    await new fe.Estimator({
      pipeline,
      network,
      epochs: 1,
      trainStepsPerEpoch: 4,
      traces: [new fe.trace.Logger({ write: () => {} })],
    }).fit();
    const C = LABELS.length;
    model.crf.transitions.assign(tf.randomUniform([C, C], -4, 4, 'float32', 11));
    model.crf.startTransitions.assign(tf.randomUniform([C], -2, 2, 'float32', 12));
    folder = path.join(dir, 'model');
    await fe.saveModelFolder(folder, model, { tokenize });
    writeFileSync(path.join(dir, 'in.txt'), `${input.map((s) => s.join(' ')).join('\n')}\n`);
  });
  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const inProcess = () => new fe.TokenTagger(new fe.Pipeline({ ops: pipeline.ops as fe.op.NumpyOp[] }), network);

  it("fets.json records the crf head; model.safetensors holds the CRF's scores under crf.*, bit for bit", () => {
    const fets = JSON.parse(readFileSync(path.join(folder, 'fets.json'), 'utf8'));
    expect(fets.head).to.deep.equal({
      type: 'crf',
      constraints: 'iob2',
      tensors: { transitions: 'crf.transitions', start: 'crf.start_transitions', end: 'crf.end_transitions' },
    });
    const tensors = parseSafetensors(readFileSync(path.join(folder, 'model.safetensors'))).tensors;
    expect(tensors.get('crf.transitions')!.shape).to.deep.equal([LABELS.length, LABELS.length]);
    expect(Array.from(tensors.get('crf.transitions')!.data as Float32Array)).to.deep.equal(Array.from(model.crf.transitions.dataSync()));
    expect(Array.from(tensors.get('crf.start_transitions')!.data as Float32Array)).to.deep.equal(
      Array.from(model.crf.startTransitions.dataSync()),
    );
    expect(Array.from(tensors.get('crf.end_transitions')!.data as Float32Array)).to.deep.equal(
      Array.from(model.crf.endTransitions.dataSync()),
    );
  });

  it("TokenTagger.load(folder) gives the in-process Network's Viterbi tags (TagDecode), long sentences in the same windows; no leak", async () => {
    expect(input.filter((s) => s.length > 8).length, 'sentences longer than one window').to.be.greaterThan(20);
    const want = await inProcess().tag(input);
    const loaded = await fe.TokenTagger.load(folder);
    expect(loaded.options.head.type).to.equal('crf');
    const before = tf.memory().numTensors;
    const got = await loaded.tag(input);
    expect(tf.memory().numTensors).to.equal(before);
    expect(got).to.deep.equal(want);
    // The same folder decoded per word (argmax, as before the crf head) differs: the transitions matter here.
    const argmax = new fe.TokenTagger(loaded.pipeline, loaded.network, { ...loaded.options, head: { type: 'softmax' } });
    const perWord = await argmax.tag(input);
    const differ = perWord.flatMap((s, i) => s.tags.filter((t, j) => t !== want[i]!.tags[j])).length;
    expect(differ, 'words whose Viterbi tag is not their argmax').to.be.greaterThan(20);
    // IOB2 constraints: no I-X after O or another type within a window (a long sentence's tags come from several).
    expect(oneWindow(got).reduce((n, s) => n + fe.op.countInvalidIob2(s.tags), 0)).to.equal(0);
    loaded.dispose();
  });

  it('fets predict <folder> prints the same spans; a copy (fets export --out) loads the same CRF', async () => {
    const file = path.join(dir, 'in.txt');
    const want = (await inProcess().tag(input)).map((s) => ({ words: s.words, entities: s.entities }));
    const copy = path.join(dir, 'copy');
    const e = collect();
    expect(await fe.runCli(['export', folder, '--out', copy], e.io), e.err.join('\n')).to.equal(0);
    for (const target of [folder, copy]) {
      const out = path.join(dir, 'out.jsonl');
      const c = collect();
      expect(await fe.runCli(['predict', target, '--input', file, '--out', out], c.io), c.err.join('\n')).to.equal(0);
      const got = readFileSync(out, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(got).to.deep.equal(want);
    }
  });

  it('round trip: the loaded model is a BertCrfForTokenClassification with the same transitions and constraints; saved again, the same bytes', async () => {
    const loaded = await fe.loadModelFolder(folder);
    const back = loaded.model as fe.architecture.BertCrfForTokenClassification;
    expect(back).to.be.instanceOf(fe.architecture.BertCrfForTokenClassification);
    expect(Array.from(back.crf.transitions.dataSync())).to.deep.equal(Array.from(model.crf.transitions.dataSync()));
    expect(back.crf.constraints).to.deep.equal(fe.op.iob2Constraints(LABELS));
    const again = path.join(dir, 'again');
    await fe.saveModelFolder(again, back, { tokenize });
    for (const name of ['model.safetensors', 'config.json', 'fets.json']) {
      expect(readFileSync(path.join(again, name)).equals(readFileSync(path.join(folder, name))), name).to.equal(true);
    }
    back.dispose();
  });

  it("constraints 'none' is recorded and honoured: Viterbi with the transitions alone", async () => {
    const free = path.join(dir, 'free');
    await fe.saveModelFolder(free, model, { tokenize, head: { type: 'crf', constraints: 'none' } });
    const noConstraints = new fe.Network([
      new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
      new fe.op.TagDecode({ inputs: ['yPred', 'wordIds'], outputs: 'yTag', decode: 'crf', crf: model.crf, constraints: null }),
    ]);
    const want = await new fe.TokenTagger(new fe.Pipeline({ ops: pipeline.ops as fe.op.NumpyOp[] }), noConstraints).tag(input);
    const loaded = await fe.TokenTagger.load(free);
    expect(await loaded.tag(input)).to.deep.equal(want);
    loaded.dispose();
  });

  it('a transitions tensor of the wrong shape, or none, is refused in one line naming the file; so is a head that does not fit the model', async () => {
    const bad = path.join(dir, 'bad');
    await fe.saveModelFolder(bad, model, { tokenize });
    const C = LABELS.length;
    await editWeights(bad, (t) => t.set('crf.transitions', { shape: [C - 1, C - 1], data: new Float32Array((C - 1) * (C - 1)) }));
    const e = await errorOf(fe.TokenTagger.load(bad));
    expect(e).to.be.instanceOf(fe.ModelFolderMismatchError);
    expect(e.message).to.equal(
      `${bad}/model.safetensors: crf.transitions: expected shape [${C}, ${C}] (config.json's id2label has ${C} labels), received [${C - 1}, ${C - 1}]`,
    );
    const c = collect();
    expect(await fe.runCli(['predict', bad, '--input', path.join(dir, 'in.txt')], c.io)).to.equal(1);
    expect(c.err.filter((l) => !l.startsWith('fets: model folder'))).to.deep.equal([`ModelFolderMismatchError: ${e.message}`]);

    await fe.saveModelFolder(bad, model, { tokenize });
    await editWeights(bad, (t) => t.delete('crf.end_transitions'));
    const gone = await errorOf(fe.TokenTagger.load(bad));
    expect(gone).to.be.instanceOf(fe.ModelFolderFormatError);
    expect(gone.message).to.equal(`${bad}/model.safetensors: no tensor "crf.end_transitions" (fets.json's head is "crf")`);

    const plain = tinyModel();
    const asCrf = await errorOf(fe.saveModelFolder(path.join(dir, 'x'), plain, { tokenize, head: { type: 'crf', constraints: 'iob2' } }));
    expect(asCrf.message).to.match(/^saveModelFolder: modelFolder\.head: "crf" needs a BertCrfForTokenClassification, received "/);
    plain.dispose();
    const asSoftmax = await errorOf(fe.saveModelFolder(path.join(dir, 'y'), model, { tokenize, head: { type: 'softmax' } }));
    expect(asSoftmax.message).to.equal(
      'saveModelFolder: modelFolder.head: expected "crf" for a BertCrfForTokenClassification, received "softmax" (its transitions would go unused)',
    );
  });
});

describe("model folder: a softmax head's constrained decoding (--decode constrained) is recorded and honoured", function () {
  this.timeout(60_000);
  it("fets.json's softmax head with constraints 'iob2' decodes as TagDecode 'constrained' does, and differs from the argmax", async () => {
    await fe.initBackend();
    const dir = tempDir('constrained-folder');
    const model = tinyModel(9);
    try {
      const tokenize = new fe.op.BertTokenize({
        inputs: ['words', 'tags'],
        outputs: ['x', 'y', 'wordIds'],
        tokenizer: tinyTokenize(10).tokenizer,
        labels: LABELS,
        maxLen: 10,
        returnWordIds: true,
      });
      const folder = path.join(dir, 'model');
      await fe.saveModelFolder(folder, model, { tokenize, head: { type: 'softmax', constraints: 'iob2' } });
      expect(JSON.parse(readFileSync(path.join(folder, 'fets.json'), 'utf8')).head).to.deep.equal({ type: 'softmax', constraints: 'iob2' });
      const pipeline = new fe.Pipeline({ ops: [tokenize, new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' })] });
      const network = new fe.Network([
        new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
        new fe.op.TagDecode({
          inputs: ['yPred', 'wordIds'],
          outputs: 'yTag',
          decode: 'constrained',
          constraints: fe.op.iob2Constraints(LABELS),
        }),
      ]);
      const input = sentences(60, 24, 17);
      const want = await new fe.TokenTagger(pipeline, network).tag(input);
      const loaded = await fe.TokenTagger.load(folder);
      const got = await loaded.tag(input);
      expect(got).to.deep.equal(want);
      expect(oneWindow(got).reduce((n, s) => n + fe.op.countInvalidIob2(s.tags), 0)).to.equal(0);
      const argmax = await new fe.TokenTagger(loaded.pipeline, loaded.network, { ...loaded.options, head: { type: 'softmax' } }).tag(input);
      expect(
        oneWindow(argmax).reduce((n, s) => n + fe.op.countInvalidIob2(s.tags), 0),
        'invalid I- tags of the argmax',
      ).to.be.greaterThan(0);
      loaded.dispose();
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
