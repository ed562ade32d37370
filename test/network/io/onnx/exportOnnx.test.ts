import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  BERT_ACTIVATIONS,
  type BertForTokenClassification,
  OnnxExportError,
  bertForTokenClassification,
  decodeOnnxModel,
  exportOnnx,
  fromPretrained,
  parseSafetensors,
  savePretrained,
  serializeSafetensors,
  type SafetensorsF32Entry,
} from '@fets/network';
import { errorOf, shared } from '../../../helpers.js';
import { type BertBatch, fetsLogits, maxAbsDiff, onnxLogits, openSession } from './onnxRuntime.js';

const FIXTURE = shared('fixtures', 'bert-tiny-random');

interface Case {
  name: string;
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  logits: number[][][];
}
const cases = (JSON.parse(readFileSync(path.join(FIXTURE, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;
const batchOf = (c: Case): BertBatch => ({ ids: c.input_ids, mask: c.attention_mask, types: c.token_type_ids });

/** A padded batch: random ids and token types, each row's mask 1 on its first `lengths[i]` positions. */
function paddedBatch(rand: () => number, vocab: number, typeVocab: number, lengths: number[], L: number): BertBatch {
  const ids = lengths.map((n) => Array.from({ length: L }, (_, j) => (j < n ? Math.floor(rand() * vocab) : 0)));
  const mask = lengths.map((n) => Array.from({ length: L }, (_, j) => (j < n ? 1 : 0)));
  const types = lengths.map(() => Array.from({ length: L }, () => Math.floor(rand() * typeVocab)));
  return { ids, mask, types };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('exportOnnx (network/io/onnx): a BERT token-classification folder as model.onnx', function () {
  this.timeout(120_000);
  let dir: string;
  let fixtureModel: BertForTokenClassification;
  before(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-onnx-'));
    fixtureModel = await fromPretrained(FIXTURE, { log: () => {} });
  });
  after(async () => {
    fixtureModel.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  for (const opset of [17, 14]) {
    it(`opset ${opset}: onnxruntime-node gives transformers' logits (cases.json) and fets' on the bert-tiny-random fixture (< 1e-4)`, async () => {
      const folder = path.join(dir, `fixture-${opset}`);
      cpSync(FIXTURE, folder, { recursive: true });
      const r = await exportOnnx(folder, { opset });
      expect(r.file).to.equal(path.join(folder, 'model.onnx'));
      expect(r.labels).to.deep.equal(['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']);
      const session = await openSession(r.file);
      try {
        const tensors = tf.memory().numTensors;
        for (const c of cases) {
          const got = await onnxLogits(session, batchOf(c));
          expect(got.dims).to.deep.equal([3, 12, 7]);
          expect(maxAbsDiff(got.data, c.logits.flat(2)), `${c.name}: ONNX vs transformers`).to.be.below(1e-4);
          expect(maxAbsDiff(got.data, fetsLogits(fixtureModel, batchOf(c))), `${c.name}: ONNX vs fets`).to.be.below(1e-4);
        }
        expect(tf.memory().numTensors).to.equal(tensors);
      } finally {
        await session.release();
      }
    });
  }

  it('the graph: int64 inputs input_ids, attention_mask, token_type_ids and float logits, batch and sequence axes named, IR 8', async () => {
    const folder = path.join(dir, 'fixture-17');
    const model = decodeOnnxModel(await readFile(path.join(folder, 'model.onnx')));
    expect(model.ir_version).to.equal(8);
    expect(model.opset_import).to.deep.equal([{ domain: '', version: 17 }]);
    expect(model.producer_name).to.equal('fets');
    const io = (vs: typeof model.graph.input) =>
      vs.map((v) => [
        v.name,
        v.type.tensor_type.elem_type,
        v.type.tensor_type.shape.dim.map((d) => ('dim_param' in d ? d.dim_param : d.dim_value)),
      ]);
    expect(io(model.graph.input)).to.deep.equal([
      ['input_ids', 7, ['batch_size', 'sequence_length']],
      ['attention_mask', 7, ['batch_size', 'sequence_length']],
      ['token_type_ids', 7, ['batch_size', 'sequence_length']],
    ]);
    expect(io(model.graph.output)).to.deep.equal([['logits', 1, ['batch_size', 'sequence_length', 7]]]);
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    for (const op of ['Gather', 'LayerNormalization', 'MatMul', 'Softmax', 'Erf']) expect(ops.has(op), op).to.equal(true);
    // No pooler: token classification does not use it; every other fixture tensor is in the graph, once.
    const names = model.graph.initializer.map((t) => t.name);
    expect(names.filter((n) => n.includes('pooler'))).to.deep.equal([]);
    expect(names.filter((n) => !n.startsWith('/const/'))).to.have.length(41 - 2);
    expect(JSON.parse(model.metadata_props.find((p) => p.key === 'id2label')!.value)).to.deep.include({ '0': 'O', '6': 'I-LOC' });
  });

  it('a model of other sizes made by fets (3 layers, 6 heads, type vocabulary 3): one session, odd sequence lengths, padded batches', async () => {
    const model = bertForTokenClassification({
      vocabSize: 211,
      hiddenSize: 48,
      numHiddenLayers: 3,
      numAttentionHeads: 6,
      intermediateSize: 72,
      maxPositionEmbeddings: 70,
      typeVocabSize: 3,
      id2label: ['O', 'B-A', 'I-A', 'B-B', 'I-B'],
      initializerRange: 0.2,
      seed: 3,
    });
    const folder = path.join(dir, 'sizes');
    try {
      await savePretrained(model, folder);
      const session = await openSession((await exportOnnx(folder)).file);
      const rand = mulberry32(7);
      for (const [lengths, L] of [
        [[1], 1],
        [[7, 3, 5], 7],
        [[13, 1, 9, 12], 13],
        [[31, 31], 31],
        [[70, 2, 45], 70],
      ] as [number[], number][]) {
        const b = paddedBatch(rand, 211, 3, lengths, L);
        const got = await onnxLogits(session, b);
        expect(got.dims).to.deep.equal([lengths.length, L, 5]);
        expect(maxAbsDiff(got.data, fetsLogits(model, b)), `lengths ${lengths} of ${L}`).to.be.below(1e-4);
      }
      await session.release();
    } finally {
      model.dispose();
    }
  });

  it("property: any size, activation, opset and padded batch: the ONNX logits equal fets' forward (< 1e-4)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          layers: fc.integer({ min: 0, max: 3 }),
          heads: fc.integer({ min: 1, max: 4 }),
          headSize: fc.integer({ min: 1, max: 8 }),
          intermediate: fc.integer({ min: 1, max: 40 }),
          vocab: fc.integer({ min: 2, max: 60 }),
          maxPos: fc.integer({ min: 1, max: 24 }),
          typeVocab: fc.integer({ min: 1, max: 3 }),
          labels: fc.integer({ min: 1, max: 6 }),
          act: fc.constantFrom(...BERT_ACTIVATIONS),
          opset: fc.integer({ min: 14, max: 17 }),
          batch: fc.integer({ min: 1, max: 4 }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async (p) => {
          const model = bertForTokenClassification({
            vocabSize: p.vocab,
            hiddenSize: p.heads * p.headSize,
            numHiddenLayers: p.layers,
            numAttentionHeads: p.heads,
            intermediateSize: p.intermediate,
            maxPositionEmbeddings: p.maxPos,
            typeVocabSize: p.typeVocab,
            hiddenAct: p.act,
            numLabels: p.labels,
            initializerRange: 0.2,
            seed: p.seed,
          });
          const folder = path.join(dir, `property-${run++}`);
          try {
            await savePretrained(model, folder);
            const session = await openSession((await exportOnnx(folder, { opset: p.opset })).file);
            const rand = mulberry32(p.seed);
            const L = 1 + Math.floor(rand() * p.maxPos);
            const lengths = Array.from({ length: p.batch }, () => 1 + Math.floor(rand() * L));
            const b = paddedBatch(rand, p.vocab, p.typeVocab, lengths, L);
            const got = await onnxLogits(session, b);
            await session.release();
            expect(got.dims).to.deep.equal([p.batch, L, p.labels]);
            expect(maxAbsDiff(got.data, fetsLogits(model, b))).to.be.below(1e-4);
          } finally {
            model.dispose();
            await rm(folder, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 12, seed: 25 },
    );
  });

  describe('a folder it cannot export: one line naming the file and what was expected', () => {
    const copy = (name: string) => {
      const folder = path.join(dir, name);
      cpSync(FIXTURE, folder, { recursive: true });
      return folder;
    };
    const editConfig = (folder: string, edit: (c: Record<string, unknown>) => void) => {
      const file = path.join(folder, 'config.json');
      const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      edit(c);
      writeFileSync(file, JSON.stringify(c));
      return file;
    };
    const editWeights = (folder: string, edit: (t: Map<string, SafetensorsF32Entry>) => void) => {
      const file = path.join(folder, 'model.safetensors');
      const t = new Map<string, SafetensorsF32Entry>();
      for (const [k, v] of parseSafetensors(readFileSync(file), file).tensors) t.set(k, { shape: v.shape, data: v.data as Float32Array });
      edit(t);
      writeFileSync(file, serializeSafetensors(t));
      return file;
    };

    it('no config.json, no model.safetensors', async () => {
      const empty = path.join(dir, 'empty');
      const e = await errorOf(exportOnnx(empty));
      expect(e).to.be.instanceOf(OnnxExportError);
      expect(e.message).to.equal(`${path.join(empty, 'config.json')}: missing (a model folder has config.json and model.safetensors)`);
      const noWeights = copy('no-weights');
      await rm(path.join(noWeights, 'model.safetensors'));
      expect((await errorOf(exportOnnx(noWeights))).message).to.equal(
        `${path.join(noWeights, 'model.safetensors')}: missing (a model folder has config.json and model.safetensors)`,
      );
    });

    it('another model type, another head', async () => {
      const roberta = copy('roberta');
      const file = editConfig(roberta, (c) => {
        c.model_type = 'roberta';
      });
      expect((await errorOf(exportOnnx(roberta))).message).to.equal(`${file}: model_type: expected "bert", received "roberta"`);
      const seq = copy('sequence');
      const file2 = editConfig(seq, (c) => {
        c.architectures = ['BertForSequenceClassification'];
      });
      expect((await errorOf(exportOnnx(seq))).message).to.equal(
        `${file2}: architectures: expected ["BertForTokenClassification"], received ["BertForSequenceClassification"]`,
      );
    });

    it('labels that do not match the head, a missing weight', async () => {
      const labels = copy('labels');
      editConfig(labels, (c) => {
        c.id2label = { '0': 'O', '1': 'B-X', '2': 'I-X' };
        c.label2id = { O: 0, 'B-X': 1, 'I-X': 2 };
        delete c.num_labels;
      });
      const e = await errorOf(exportOnnx(labels));
      expect(e).to.be.instanceOf(OnnxExportError);
      expect(e.message).to.equal(
        `${path.join(labels, 'model.safetensors')}: classifier.weight: expected shape [3, 32] (from config.json), received [7, 32]`,
      );
      const missing = copy('missing');
      const file = editWeights(missing, (t) => t.delete('bert.encoder.layer.1.output.dense.bias'));
      expect((await errorOf(exportOnnx(missing))).message).to.equal(
        `${file}: bert.encoder.layer.1.output.dense.bias: missing (expected shape [32] from config.json)`,
      );
    });
  });
});
