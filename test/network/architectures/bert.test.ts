import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  type BertForTokenClassification,
  BertInputError,
  type BertModel,
  CheckpointShapeError,
  bertForTokenClassification,
  bertModel,
  fromPretrained,
  readSafetensors,
  savePretrained,
  serializeSafetensors,
  type SafetensorsF32Entry,
} from '@fets/network';
import { ConfigError } from '@fets/pipeline';
import { shared } from '../../helpers.js';

const FIXTURE = shared('fixtures', 'bert-tiny-random');

interface Case {
  name: string;
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  hidden_states: number[][][][];
  last_hidden_state: number[][][];
  pooler_output: number[][];
  logits: number[][][];
  argmax_label_ids: number[][];
}
const cases = (JSON.parse(readFileSync(path.join(FIXTURE, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;

function maxAbsDiff(t: tf.Tensor, ref: unknown): number {
  const a = t.dataSync();
  const b = (ref as number[]).flat(4) as number[];
  expect(a.length).to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function inputs(c: Case): tf.Tensor[] {
  return [
    tf.tensor2d(c.input_ids, undefined, 'int32'),
    tf.tensor2d(c.attention_mask, undefined, 'int32'),
    tf.tensor2d(c.token_type_ids, undefined, 'int32'),
  ];
}

const tiny = {
  vocabSize: 50,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 24,
  maxPositionEmbeddings: 16,
  numLabels: 3,
  initializerRange: 0.2,
};

describe('BERT (architectures/bert)', function () {
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  let base: BertModel;
  let tok: BertForTokenClassification;

  before(async function () {
    await tf.setBackend('cpu');
    base = await fromPretrained(FIXTURE, { architecture: 'BertModel', log });
    tok = await fromPretrained(FIXTURE, { log });
  });
  after(() => {
    base.dispose();
    tok.dispose();
  });

  it('reproduces every hidden state, pooled output and logits of Hugging Face on all 4 fixture cases (< 1e-4)', function () {
    const worst = { hidden: 0, pooled: 0, logits: 0 };
    for (const c of cases) {
      tf.tidy(() => {
        const x = inputs(c);
        const out = base.forward(x, false, true);
        expect(out.hiddenStates).to.have.length(3);
        out.hiddenStates!.forEach((h, i) => (worst.hidden = Math.max(worst.hidden, maxAbsDiff(h, c.hidden_states[i]))));
        worst.hidden = Math.max(worst.hidden, maxAbsDiff(out.lastHiddenState, c.last_hidden_state));
        worst.pooled = Math.max(worst.pooled, maxAbsDiff(out.pooledOutput!, c.pooler_output));
        const logits = tok.call(x, false);
        worst.logits = Math.max(worst.logits, maxAbsDiff(logits, c.logits));
        expect(tf.argMax(logits, -1).arraySync(), c.name).to.deep.equal(c.argmax_label_ids);
      });
    }
    console.log(
      `      max |diff| vs HF: hidden ${worst.hidden.toExponential(2)}, pooled ${worst.pooled.toExponential(2)}, logits ${worst.logits.toExponential(2)}`,
    );
    expect(worst.hidden).to.be.below(1e-4);
    expect(worst.pooled).to.be.below(1e-4);
    expect(worst.logits).to.be.below(1e-4);
  });

  it('the attention mask matters (ignoring it moves the logits), so parity is not vacuous', function () {
    const c = cases[0]!;
    const d = tf.tidy(() => {
      const [ids, , types] = inputs(c);
      return maxAbsDiff(tok.call([ids!, tf.onesLike(ids!), types!], false), c.logits);
    });
    expect(d).to.be.above(0.1);
  });

  it('reports unused and newly initialised keys in one line each, as transformers does', function () {
    expect(logs).to.include(
      `Some weights of the model checkpoint at ${FIXTURE} were not used when initializing BertModel: ['classifier.bias', 'classifier.weight']`,
    );
    expect(logs).to.include(
      `Some weights of the model checkpoint at ${FIXTURE} were not used when initializing BertForTokenClassification: ['bert.pooler.dense.bias', 'bert.pooler.dense.weight']`,
    );
    expect(logs.filter((l) => l.includes('newly initialized'))).to.deep.equal([]);
    expect(tok.labels).to.deep.equal(['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']);
  });

  it('savePretrained → fromPretrained round-trips every tensor bit-exactly, header keys = fixture minus pooler', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-bert-'));
    try {
      tok.vocab = ['[PAD]', 'a', 'b'];
      await savePretrained(tok, dir);
      const written = await readSafetensors(path.join(dir, 'model.safetensors'));
      const fixture = await readSafetensors(path.join(FIXTURE, 'model.safetensors'));
      expect(written.metadata).to.deep.equal({ format: 'pt' });
      const expectedKeys = [...fixture.tensors.keys()].filter((k) => !k.startsWith('bert.pooler.')).sort();
      expect([...written.tensors.keys()]).to.deep.equal(expectedKeys);
      for (const k of expectedKeys) {
        expect(written.tensors.get(k)!.shape, k).to.deep.equal(fixture.tensors.get(k)!.shape);
        expect(
          Buffer.from((written.tensors.get(k)!.data as Float32Array).buffer).equals(
            Buffer.from((fixture.tensors.get(k)!.data as Float32Array).buffer),
          ),
          k,
        ).to.equal(true);
      }
      const bytes = readFileSync(path.join(dir, 'model.safetensors'));
      expect(Number(bytes.readBigUInt64LE(0)) % 8).to.equal(0);
      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
      expect(config.architectures).to.deep.equal(['BertForTokenClassification']);
      expect(config.id2label['3']).to.equal('B-ORG');
      expect(config.hidden_act).to.equal('gelu');
      expect(config.transformers_version).to.equal('4.31.0');
      const lines: string[] = [];
      const again = await fromPretrained(dir, { log: (l) => lines.push(l) });
      try {
        expect(lines).to.deep.equal([]);
        expect(again.vocab).to.deep.equal(['[PAD]', 'a', 'b']);
        const a = again.namedWeights();
        for (const [k, v] of tok.namedWeights()) {
          expect(Buffer.from(a.get(k)!.dataSync().buffer).equals(Buffer.from(v.dataSync().buffer)), k).to.equal(true);
        }
      } finally {
        again.dispose();
      }
    } finally {
      tok.vocab = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads a bare BertModel checkpoint (no prefix, old position_ids buffer, LayerNorm gamma/beta) into a new head', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-bert-'));
    try {
      await savePretrained(base, dir);
      const st = await readSafetensors(path.join(dir, 'model.safetensors'));
      expect([...st.tensors.keys()].every((k) => !k.startsWith('bert.'))).to.equal(true);
      // Rewrite in the old layout: gamma/beta names + an int64 position_ids buffer.
      const entries = new Map<string, SafetensorsF32Entry>();
      for (const [k, t] of st.tensors)
        entries.set(k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), {
          shape: t.shape,
          data: t.data as Float32Array,
        });
      const f32 = serializeSafetensors(entries);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path.join(dir, 'model.safetensors'), withI64Buffer(f32, 'embeddings.position_ids', 64));
      const lines: string[] = [];
      const m = await fromPretrained(dir, { numLabels: 5, seed: 3, log: (l) => lines.push(l) });
      try {
        expect(lines).to.deep.equal([
          `Some weights of BertForTokenClassification were not initialized from the model checkpoint at ${dir} and are newly initialized: ['classifier.bias', 'classifier.weight']`,
          `Some weights of the model checkpoint at ${dir} were not used when initializing BertForTokenClassification: ['pooler.dense.bias', 'pooler.dense.weight']`,
        ]);
        expect(m.labels).to.deep.equal(['LABEL_0', 'LABEL_1', 'LABEL_2', 'LABEL_3', 'LABEL_4']);
        const c = cases[1]!;
        const d = tf.tidy(() => maxAbsDiff(m.forward(inputs(c), false, true).lastHiddenState!, c.last_hidden_state));
        expect(d).to.be.below(1e-4);
      } finally {
        m.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a checkpoint whose shape disagrees with the config → CheckpointShapeError naming the parameter and both shapes', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-bert-'));
    try {
      await savePretrained(tok, dir);
      let err: unknown;
      try {
        await fromPretrained(dir, { numLabels: 5, log: () => {} });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(CheckpointShapeError);
      expect((err as CheckpointShapeError).parameter).to.equal('classifier.weight');
      expect((err as CheckpointShapeError).expected).to.deep.equal([5, 32]);
      expect((err as CheckpointShapeError).received).to.deep.equal([7, 32]);
      expect((err as Error).message).to.contain('classifier.weight: expected shape [5, 32] (from the config), received [7, 32]');
      const lines: string[] = [];
      const m = await fromPretrained(dir, { numLabels: 5, ignoreMismatchedSizes: true, log: (l) => lines.push(l) });
      m.dispose();
      expect(lines).to.have.length(1);
      expect(lines[0]).to.contain('classifier.weight: found shape [7, 32] in the checkpoint and [5, 32] in the model instantiated');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('config: HF config.json or camelCase options, numLabels from id2label, validation errors name the key', function () {
    const hf = JSON.parse(readFileSync(path.join(FIXTURE, 'config.json'), 'utf8'));
    delete hf.num_labels;
    const m = bertForTokenClassification({ ...hf, vocab_size: 40, seed: 1 } as never);
    try {
      expect(m.config.numLabels).to.equal(7);
      expect(m.config.vocabSize).to.equal(40);
      expect(m.namedWeights().get('classifier.weight')!.shape).to.deep.equal([7, 32]);
      expect(m.config.hf.transformers_version).to.equal('4.31.0');
    } finally {
      m.dispose();
    }
    expect(() => bertModel({ hiddenSize: 30, numAttentionHeads: 4 })).to.throw(ConfigError, /hiddenSize/);
    expect(() => bertModel({ hiddenSize: 32, numHiddenLayer: 2 } as never)).to.throw(ConfigError, /did you mean "numHiddenLayers"/);
    expect(() => bertModel({ ...hf, hidden_act: 'mish' })).to.throw(ConfigError, /hidden_act/);
    expect(() => bertModel({ ...hf, position_embedding_type: 'relative_key' })).to.throw(ConfigError, /position_embedding_type/);
  });

  it('seeded init follows HF _init_weights (normal std, zero pad row, LayerNorm 1/0, biases 0) and repeats', function () {
    const a = bertForTokenClassification({ ...tiny, seed: 7 });
    const b = bertForTokenClassification({ ...tiny, seed: 7 });
    const c = bertForTokenClassification({ ...tiny, seed: 8 });
    try {
      const wa = a.namedWeights();
      const word = wa.get('bert.embeddings.word_embeddings.weight')!;
      expect(Array.from(word.dataSync().slice(0, 16))).to.deep.equal(new Array(16).fill(0));
      const std = tf.tidy(
        () =>
          tf
            .moments(tf.slice(word, [1, 0], [49, 16]))
            .variance.sqrt()
            .dataSync()[0]!,
      );
      expect(std).to.be.closeTo(0.2, 0.02);
      expect(Array.from(wa.get('bert.encoder.layer.1.output.LayerNorm.weight')!.dataSync())).to.deep.equal(new Array(16).fill(1));
      expect(Array.from(wa.get('bert.encoder.layer.0.attention.self.key.bias')!.dataSync())).to.deep.equal(new Array(16).fill(0));
      expect(wa.get('bert.encoder.layer.0.intermediate.dense.weight')!.shape).to.deep.equal([24, 16]);
      const same = [...wa].every(([k, v]) => tf.tidy(() => tf.equal(v, b.namedWeights().get(k)!).all().dataSync()[0] === 1));
      expect(same).to.equal(true);
      const q = 'bert.encoder.layer.0.attention.self.query.weight';
      expect(tf.tidy(() => tf.equal(wa.get(q)!, c.namedWeights().get(q)!).all().dataSync()[0])).to.equal(0);
      expect(a.trainableWeights()).to.have.length(5 + 16 * 2 + 2);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it('dropout only when training, seeded dropout repeats across identically seeded models', function () {
    const a = bertForTokenClassification({ ...tiny, seed: 5 });
    const b = bertForTokenClassification({ ...tiny, seed: 5 });
    try {
      tf.tidy(() => {
        const ids = tf.tensor2d(
          [
            [1, 5, 9, 2],
            [1, 7, 0, 0],
          ],
          undefined,
          'int32',
        );
        const mask = tf.tensor2d(
          [
            [1, 1, 1, 1],
            [1, 1, 0, 0],
          ],
          undefined,
          'int32',
        );
        const e1 = a.call([ids, mask], false);
        const e2 = a.call([ids, mask], false);
        expect(tf.equal(e1, e2).all().dataSync()[0]).to.equal(1);
        const t1 = a.call([ids, mask], true);
        const t2 = b.call([ids, mask], true);
        expect(tf.equal(t1, t2).all().dataSync()[0]).to.equal(1);
        expect(tf.sub(t1, e1).abs().max().dataSync()[0]).to.be.above(1e-3);
        const t3 = a.call([ids, mask], true);
        expect(tf.sub(t1, t3).abs().max().dataSync()[0]).to.be.above(1e-3);
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('gradients flow: finite, non-zero gradients for every trainable variable; no tensor leaks', function () {
    const m = bertForTokenClassification({ ...tiny, seed: 0, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    try {
      const ids = tf.tensor2d(
        [
          [1, 5, 9, 2, 3],
          [1, 7, 4, 0, 0],
        ],
        undefined,
        'int32',
      );
      const mask = tf.tensor2d(
        [
          [1, 1, 1, 1, 1],
          [1, 1, 1, 0, 0],
        ],
        undefined,
        'int32',
      );
      const types = tf.tensor2d(
        [
          [0, 0, 1, 1, 1],
          [0, 1, 1, 0, 0],
        ],
        undefined,
        'int32',
      );
      const labels = tf.oneHot(
        tf.tensor2d(
          [
            [0, 1, 2, 1, 0],
            [2, 2, 1, 0, 0],
          ],
          undefined,
          'int32',
        ),
        3,
      );
      const step = () =>
        tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, m.call([ids, mask, types], true)) as tf.Scalar, m.trainableWeights());
      const { value, grads } = step();
      expect(Number.isFinite(value.dataSync()[0]!)).to.equal(true);
      const byVar = new Map(m.trainableWeights().map((v) => [v.name, v]));
      for (const [name, v] of m.namedWeights()) {
        const g = grads[v.name];
        expect(g, name).to.not.equal(undefined);
        const [finite, nonZero] = tf.tidy(() => [tf.isFinite(g!).all().dataSync()[0], tf.abs(g!).max().dataSync()[0]]);
        expect(finite, name).to.equal(1);
        expect(nonZero, name).to.be.above(0);
        expect(byVar.get(v.name)).to.equal(v);
      }
      value.dispose();
      tf.dispose(grads);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const r = step();
        r.value.dispose();
        tf.dispose(r.grads);
        tf.dispose(m.call([ids, mask], true));
        tf.dispose(m.forward([ids, mask, types], false, true) as never);
      }
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose([ids, mask, types, labels]);
    } finally {
      m.dispose();
    }
  });

  it("inference frees each layer's intermediates when the layer ends: the peak grows by about one hidden state a layer", async function () {
    const [B, L, H] = [8, 32, 64];
    // Bytes a pass holds at its peak beyond what was allocated before it (the weights).
    const transient = async (layers: number) => {
      const m = bertModel({ vocabSize: 100, hiddenSize: H, numHiddenLayers: layers, numAttentionHeads: 4, intermediateSize: 256, seed: 1 });
      const ids = tf.tensor2d(
        Array.from({ length: B * L }, (_, i) => 1 + (i % 97)),
        [B, L],
        'int32',
      );
      const mask = tf.ones([B, L], 'int32');
      const before = tf.memory();
      const info = await tf.profile(() => {
        const out = m.forward([ids, mask], false);
        for (const t of Object.values(out)) (t as tf.Tensor).dispose();
      });
      expect(tf.memory().numTensors).to.equal(before.numTensors);
      tf.dispose([ids, mask]);
      m.dispose();
      return info.peakBytes - before.numBytes;
    };
    const two = await transient(2);
    const six = await transient(6);
    // Kept to the pass's end: each layer's output (one hidden state of B·L·H floats). Before, every intermediate of every
    // layer (Q, K, V, context, the intermediate layer at 4 H, …: about 15 hidden states a layer) stayed until the end.
    const hidden = B * L * H * 4;
    expect(six - two).to.be.at.most(4 * 2 * hidden);
    expect(six - two).to.be.at.least(4 * hidden);
  });

  it('rejects inputs that do not fit (rank, mask shape, too long) with BertInputError', function () {
    const m = bertModel({ ...tiny, seed: 0 });
    try {
      const ids = tf.zeros([2, 20], 'int32');
      expect(() => m.call([ids], false)).to.throw(BertInputError, /sequence length 20 exceeds maxPositionEmbeddings 16/);
      expect(() => m.call([tf.zeros([2, 3], 'int32'), tf.zeros([2, 4], 'int32')], false)).to.throw(
        BertInputError,
        /attentionMask: expected shape \[2, 3\]/,
      );
      expect(() => m.call([tf.zeros([6], 'int32')], false)).to.throw(BertInputError, /inputIds: expected shape \[B, L\]/);
      const allMasked = tf.tidy(
        () => m.call([tf.tensor2d([[1, 2, 3]], undefined, 'int32'), tf.zeros([1, 3], 'int32')], false) as tf.Tensor[],
      );
      expect(tf.tidy(() => tf.isFinite(allMasked[0]!).all().dataSync()[0])).to.equal(1); // uniform attention, as HF
      tf.dispose(allMasked);
      const out = m.call([tf.zeros([2, 3], 'int32')], false) as tf.Tensor[];
      expect(out.map((t) => t.shape)).to.deep.equal([
        [2, 3, 16],
        [2, 16],
      ]);
      tf.dispose(out);
    } finally {
      m.dispose();
    }
  });
});

/** Appends an int64 tensor (values 0..n-1, shape [1, n]) to a safetensors file, as old HF checkpoints carry. */
function withI64Buffer(file: Uint8Array, name: string, n: number): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const hlen = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + hlen)));
  const dataLen = file.byteLength - 8 - hlen;
  header[name] = { dtype: 'I64', shape: [1, n], data_offsets: [dataLen, dataLen + 8 * n] };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + dataLen + 8 * n);
  const ov = new DataView(out.buffer);
  ov.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(file.subarray(8 + hlen), 8 + hb.length);
  for (let i = 0; i < n; i++) ov.setBigInt64(8 + hb.length + dataLen + 8 * i, BigInt(i), true);
  return out;
}
