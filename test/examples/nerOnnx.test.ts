import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { readNerConfig } from '../../examples/ner-bert/config.js';
import { buildNer, type NerRun } from '../../examples/ner-bert/recipe.js';
import { OnnxNetwork } from '../../examples/ner-onnx/onnxNetwork.js';
import { TransformersJsTagger } from '../../examples/ner-onnx/transformersJsTagger.js';
import { shared } from '../helpers.js';

const SENTENCES = 500;

/** The first `n` sentences of MIT Movie's engtest.bio, as words. */
function testSentences(n: number): string[][] {
  return readFileSync(shared('datasets', 'mit-movie', 'engtest.bio'), 'utf8')
    .replace(/\r\n/g, '\n')
    .trim()
    .split('\n\n')
    .slice(0, n)
    .map((b) => b.split('\n').map((l) => l.split('\t')[1]!));
}

const sameSpans = (a: fe.TaggedSentence[], b: fe.TaggedSentence[]) =>
  a.filter((s, i) => JSON.stringify(s.entities) === JSON.stringify(b[i]!.entities)).length;

describe('examples/ner-onnx: a trained ner-bert model exported as ONNX, on 500 MIT Movie test sentences', function () {
  this.timeout(300_000);
  let dir: string;
  let folder: string;
  let run: NerRun;
  let sentences: string[][];
  let expected: fe.TaggedSentence[];
  let tagger: fe.TokenTagger;

  before(async () => {
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-ner-onnx-'));
    // A tiny model trained briefly, so that it finds entities; the softmax head, whose per-token argmax is what
    // transformers.js' pipeline decodes (a CRF folder's Viterbi is not).
    const cfg = readNerConfig([
      ...['--model', 'tiny', '--head', 'softmax', '--dataDir', shared('datasets'), '--epochs', '1', '--trainStepsPerEpoch', '100'],
      ...['--batchSize', '16', '--outDir', path.join(dir, 'run'), '--logSteps', '0', '--checkpoints', 'false'],
      ...['--vocab', shared('vocab', 'bert-base-uncased-vocab.txt'), '--evalFraction', '0.02'],
    ]);
    run = await buildNer(cfg);
    await run.estimator.fit();
    // The run's model folder (the recipe's BestModelSaver writes it), with model.onnx added by the command line.
    folder = path.join(dir, 'run', 'model');
    const c = { out: [] as string[], err: [] as string[] };
    const io = { out: (t: string) => void c.out.push(t), err: (t: string) => void c.err.push(t) };
    expect(await fe.runCli(['export', folder, '--format', 'onnx'], io), c.err.join('\n')).to.equal(0);
    expect(c.out.join('\n')).to.match(/fets export: wrote .*model\.onnx$/);
    sentences = testSentences(SENTENCES);
    // What `fets predict <folder>` says: the folder alone (checked, model.onnx's SHA-256 included).
    tagger = await fe.TokenTagger.load(folder);
    expected = await tagger.tag(sentences);
    expect(expected.reduce((n, s) => n + s.entities.length, 0)).to.be.greaterThan(200);
    // The experiment's own tagger (the Pipeline and Network it trained) says the same.
    expect(await new fe.TokenTagger(run.pipeline, run.network).tag(sentences)).to.deep.equal(expected);
  });
  after(async () => {
    tagger?.dispose();
    await run?.pipeline.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("onnxruntime-node's logits equal fets' forward on the padded test batches (< 1e-4)", async () => {
    const net = await OnnxNetwork.load(path.join(folder, 'model.onnx'));
    let worst = 0;
    try {
      for (let i = 0; i < SENTENCES; i += 50) {
        const batch = run.pipeline.transformBatch(
          sentences.slice(i, i + 50).map((words) => ({ words })),
          'infer',
        );
        const onnx = (await net.transform(batch)).yPred as fe.NDArray;
        const fets = tf.tidy(() => {
          const x = batch.x as fe.NDArray;
          const m = batch.xMask as fe.NDArray;
          const t = (a: fe.NDArray) => tf.tensor(a.data as Int32Array, [...a.shape], 'int32');
          return run.model.forward([t(x), t(m)], false).logits.dataSync();
        });
        expect(onnx.size).to.equal(fets.length);
        for (let k = 0; k < fets.length; k++) worst = Math.max(worst, Math.abs((onnx.data[k] as number) - fets[k]!));
      }
    } finally {
      await net.release();
    }
    console.log(`      max |logit difference| ONNX vs fets over ${SENTENCES} sentences: ${worst.toExponential(2)}`);
    expect(worst).to.be.below(1e-4);
  });

  it("fets' TokenTagger on onnxruntime-node gives fets predict's spans on every sentence", async () => {
    const net = await OnnxNetwork.load(path.join(folder, 'model.onnx'));
    try {
      const onnxTagger = new fe.TokenTagger(tagger.pipeline, net as unknown as fe.Network, tagger.options);
      const got = await onnxTagger.tag(sentences);
      const same = sameSpans(got, expected);
      console.log(`      onnxruntime-node: ${same}/${SENTENCES} sentences with identical spans`);
      expect(same).to.equal(SENTENCES);
    } finally {
      await net.release();
    }
  });

  it("transformers.js' token-classification pipeline on the folder gives fets predict's spans on every sentence", async () => {
    const tjs = await TransformersJsTagger.load(folder);
    try {
      const got = await tjs.tag(sentences);
      const same = sameSpans(got, expected);
      console.log(`      transformers.js: ${same}/${SENTENCES} sentences with identical spans`);
      expect(same).to.equal(SENTENCES);
    } finally {
      await tjs.dispose();
    }
  });
});
