import type { BertActivation, BertConfig } from '../../architectures/bert/config.js';
import { FLOAT32_MIN } from '../../architectures/bert/layers.js';
import { CRF_TENSORS } from '../modelFolder/manifest.js';
import type { SafetensorsTensor } from '../safetensors.js';
import { OnnxExportError } from './errors.js';
import { GraphBuilder } from './graphBuilder.js';
import { OnnxDataType, type OnnxGraph } from './proto.js';

/** Names of the graph's inputs and output, as Hugging Face's exports (and transformers.js) name them. */
export const BERT_ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
/** The graph's output: logits [batch_size, sequence_length, numLabels]. */
export const BERT_ONNX_OUTPUT = 'logits';
/**
 * The further outputs of a CRF head's graph (constants: the CRF's scores, for Viterbi over the logits): name →
 * tensor of `model.safetensors`. `transitions` [numLabels, numLabels] (tag j after tag i at [i, j]),
 * `start_transitions` and `end_transitions` [numLabels].
 */
export const CRF_ONNX_OUTPUTS = {
  transitions: CRF_TENSORS.transitions,
  start_transitions: CRF_TENSORS.start,
  end_transitions: CRF_TENSORS.end,
} as const;

/**
 * The checkpoint's tensors by Hugging Face name, without the `bert.` prefix of the encoder and with legacy
 * `LayerNorm.gamma`/`beta` renamed; each read once, its shape checked against the config.
 */
class Weights {
  private readonly byName = new Map<string, SafetensorsTensor>();

  constructor(
    tensors: ReadonlyMap<string, SafetensorsTensor>,
    private readonly file: string,
  ) {
    for (const [key, t] of tensors) {
      const name = key
        .replace(/^bert\./, '')
        .replace(/LayerNorm\.gamma$/, 'LayerNorm.weight')
        .replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
      this.byName.set(name, t);
    }
  }

  /** The float32 values of `name` (without `bert.`), checked to have `shape`. */
  get(name: string, shape: readonly number[]): Float32Array {
    const t = this.byName.get(name);
    const shown = /^(classifier|crf)\./.test(name) ? name : `bert.${name}`;
    if (t === undefined) throw new OnnxExportError(this.file, `${shown}: missing (expected shape [${shape.join(', ')}] from config.json)`);
    const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
    if (!same) {
      throw new OnnxExportError(
        this.file,
        `${shown}: expected shape [${shape.join(', ')}] (from config.json), received [${t.shape.join(', ')}]`,
      );
    }
    if (!(t.data instanceof Float32Array))
      throw new OnnxExportError(this.file, `${shown}: expected a floating-point tensor, received ${t.dtype}`);
    return t.data;
  }

  /** A PyTorch `Linear` weight [out, in], transposed to the [in, out] that `MatMul(x, W)` takes. */
  kernel(name: string, out: number, inp: number): Float32Array {
    const w = this.get(name, [out, inp]);
    const t = new Float32Array(w.length);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = w[o * inp + i]!;
    return t;
  }
}

/**
 * Builds the ONNX graph of Hugging Face's `BertForTokenClassification` in inference (no dropout) from a config and
 * the checkpoint's tensors (HF names, PyTorch shapes):
 *
 * - embeddings: `Gather` of `input_ids` in the word table + the first `sequence_length` rows of the position table
 *   + `Gather` of `token_type_ids`, then LayerNorm;
 * - the additive mask `(1 − attention_mask) · float32.min`, shape [batch_size, 1, 1, sequence_length], as HF's
 *   `get_extended_attention_mask`;
 * - `numHiddenLayers` post-LayerNorm encoder layers: Q, K, V projections split into heads (`Reshape` + `Transpose`),
 *   `softmax(QKᵀ/√d + mask)·V`, output projection, residual, LayerNorm; feed-forward with the config's activation
 *   (`gelu`: exact erf form `0.5·x·(1 + erf(x/√2))`), residual, LayerNorm;
 * - the classifier: logits [batch_size, sequence_length, numLabels];
 * - with `crf` (a model folder whose head is a CRF): the CRF's scores as further outputs ({@link CRF_ONNX_OUTPUTS}),
 *   constants of the graph, so that a runtime's user runs Viterbi over the logits with them.
 *
 * Inputs are int64 [batch_size, sequence_length] (both axes dynamic). The pooler, if the checkpoint has one, is not
 * part of token classification and is left out. `opset` 17 uses `LayerNormalization`; 14–16 spell LayerNorm out
 * (`ReduceMean`, `Sqrt`, `Div`). `file` (the weights file) is named in errors.
 *
 * @throws OnnxExportError naming the file and tensor when a weight is missing or its shape differs from the config
 *   (a CRF's transitions of another size than the labels included)
 * @example
 * const graph = bertTokenClassificationGraph(resolveBertConfig(json), tensors, 17, 'model.safetensors');
 */
export function bertTokenClassificationGraph(
  config: BertConfig,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  opset: number,
  file: string,
  crf = false,
): OnnxGraph {
  const w = new Weights(tensors, file);
  const { hiddenSize: H, numAttentionHeads: nh, intermediateSize: I, layerNormEps: eps, numLabels: C } = config;
  const d = H / nh;
  const g = new GraphBuilder();
  const dims = ['batch_size', 'sequence_length'];
  const ids = g.input('input_ids', OnnxDataType.INT64, dims);
  const mask = g.input('attention_mask', OnnxDataType.INT64, dims);
  const types = g.input('token_type_ids', OnnxDataType.INT64, dims);

  const layerNorm = (x: string, prefix: string, scope: string): string => {
    const gamma = g.weight(`bert.${prefix}.weight`, w.get(`${prefix}.weight`, [H]), [H]);
    const beta = g.weight(`bert.${prefix}.bias`, w.get(`${prefix}.bias`, [H]), [H]);
    if (opset >= 17) {
      return g.node('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: eps }, `${scope}/LayerNorm`, undefined, ['epsilon']);
    }
    const mean = g.node('ReduceMean', [x], { axes: [-1], keepdims: 1 }, `${scope}/LayerNorm/ReduceMean`);
    const centred = g.node('Sub', [x, mean], {}, `${scope}/LayerNorm/Sub`);
    const square = g.node('Mul', [centred, centred], {}, `${scope}/LayerNorm/Square`);
    const variance = g.node('ReduceMean', [square], { axes: [-1], keepdims: 1 }, `${scope}/LayerNorm/ReduceMean_1`);
    const std = g.node('Sqrt', [g.node('Add', [variance, g.float(eps)], {}, `${scope}/LayerNorm/AddEps`)], {}, `${scope}/LayerNorm/Sqrt`);
    const normed = g.node('Div', [centred, std], {}, `${scope}/LayerNorm/Div`);
    return g.node('Add', [g.node('Mul', [normed, gamma], {}, `${scope}/LayerNorm/Mul`), beta], {}, `${scope}/LayerNorm/Add`);
  };
  /** `x·Wᵀ + b` for the PyTorch Linear `name` [out, in]. */
  const linear = (x: string, name: string, out: number, inp: number, scope: string, bertPrefix = 'bert.'): string => {
    const kernel = g.weight(`${bertPrefix}${name}.weight.T`, w.kernel(`${name}.weight`, out, inp), [inp, out]);
    const bias = g.weight(`${bertPrefix}${name}.bias`, w.get(`${name}.bias`, [out]), [out]);
    return g.node('Add', [g.node('MatMul', [x, kernel], {}, `${scope}/MatMul`), bias], {}, `${scope}/Add`);
  };

  // Embeddings.
  const wordTable = g.weight('bert.embeddings.word_embeddings.weight', w.get('embeddings.word_embeddings.weight', [config.vocabSize, H]), [
    config.vocabSize,
    H,
  ]);
  const posTable = g.weight(
    'bert.embeddings.position_embeddings.weight',
    w.get('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, H]),
    [config.maxPositionEmbeddings, H],
  );
  const typeTable = g.weight(
    'bert.embeddings.token_type_embeddings.weight',
    w.get('embeddings.token_type_embeddings.weight', [config.typeVocabSize, H]),
    [config.typeVocabSize, H],
  );
  const words = g.node('Gather', [wordTable, ids], { axis: 0 }, '/embeddings/word_embeddings/Gather');
  const shape = g.node('Shape', [ids], {}, '/embeddings/Shape');
  const seqLen = g.node('Slice', [shape, g.int64([1]), g.int64([2]), g.int64([0])], {}, '/embeddings/SequenceLength');
  const positions = g.node('Slice', [posTable, g.int64([0]), seqLen, g.int64([0])], {}, '/embeddings/position_embeddings/Slice');
  const tokenTypes = g.node('Gather', [typeTable, types], { axis: 0 }, '/embeddings/token_type_embeddings/Gather');
  const summed = g.node(
    'Add',
    [g.node('Add', [words, positions], {}, '/embeddings/AddPositions'), tokenTypes],
    {},
    '/embeddings/AddTokenTypes',
  );
  let h = layerNorm(summed, 'embeddings.LayerNorm', '/embeddings');

  // The additive attention mask on keys, [B, 1, 1, L].
  const maskFloat = g.node('Cast', [mask], { to: OnnxDataType.FLOAT }, '/mask/Cast');
  const inverted = g.node('Sub', [g.float(1), maskFloat], {}, '/mask/Sub');
  const additive = g.node('Mul', [inverted, g.float(FLOAT32_MIN)], {}, '/mask/Mul');
  const maskAdd = g.node('Unsqueeze', [additive, g.int64([1, 2])], {}, '/mask/Unsqueeze');

  for (let i = 0; i < config.numHiddenLayers; i++) {
    // Shapes for Reshape (0 keeps the input's dimension): [B, L, H] ↔ [B, L, heads, d]. Constants are shared.
    const headShape = g.int64([0, 0, nh, d]);
    const mergedShape = g.int64([0, 0, H]);
    const p = `encoder.layer.${i}.`;
    const s = `/encoder/layer.${i}`;
    const split = (x: string, perm: number[], name: string) =>
      g.node(
        'Transpose',
        [g.node('Reshape', [x, headShape], {}, `${s}/attention/self/${name}/Reshape`)],
        { perm },
        `${s}/attention/self/${name}/Transpose`,
      );
    const q = split(linear(h, `${p}attention.self.query`, H, H, `${s}/attention/self/query`), [0, 2, 1, 3], 'query');
    const k = split(linear(h, `${p}attention.self.key`, H, H, `${s}/attention/self/key`), [0, 2, 3, 1], 'key');
    const v = split(linear(h, `${p}attention.self.value`, H, H, `${s}/attention/self/value`), [0, 2, 1, 3], 'value');
    const scores = g.node(
      'Div',
      [g.node('MatMul', [q, k], {}, `${s}/attention/self/MatMul`), g.float(Math.sqrt(d))],
      {},
      `${s}/attention/self/Div`,
    );
    const probs = g.node(
      'Softmax',
      [g.node('Add', [scores, maskAdd], {}, `${s}/attention/self/AddMask`)],
      { axis: -1 },
      `${s}/attention/self/Softmax`,
    );
    const context = g.node('MatMul', [probs, v], {}, `${s}/attention/self/MatMul_1`);
    const merged = g.node(
      'Reshape',
      [g.node('Transpose', [context], { perm: [0, 2, 1, 3] }, `${s}/attention/self/Transpose`), mergedShape],
      {},
      `${s}/attention/self/Reshape`,
    );
    const attended = linear(merged, `${p}attention.output.dense`, H, H, `${s}/attention/output/dense`);
    const a = layerNorm(
      g.node('Add', [attended, h], {}, `${s}/attention/output/Residual`),
      `${p}attention.output.LayerNorm`,
      `${s}/attention/output`,
    );
    const inner = activation(
      g,
      config.hiddenAct,
      linear(a, `${p}intermediate.dense`, I, H, `${s}/intermediate/dense`),
      `${s}/intermediate`,
    );
    const o = linear(inner, `${p}output.dense`, H, I, `${s}/output/dense`);
    h = layerNorm(g.node('Add', [o, a], {}, `${s}/output/Residual`), `${p}output.LayerNorm`, `${s}/output`);
  }

  const logits = linear(h, 'classifier', C, H, '/classifier', '');
  g.output(logits, BERT_ONNX_OUTPUT, OnnxDataType.FLOAT, ['batch_size', 'sequence_length', C]);
  if (crf) {
    for (const [out, name] of Object.entries(CRF_ONNX_OUTPUTS)) {
      const shape = out === 'transitions' ? [C, C] : [C];
      g.output(g.weight(name, w.get(name, shape), shape), out, OnnxDataType.FLOAT, shape);
    }
  }
  return g.graph('BertForTokenClassification', 'BERT token classification: logits for each token (fets export --format onnx)');
}

/** The feed-forward activation of a BERT config, as ONNX nodes. */
function activation(g: GraphBuilder, act: BertActivation, x: string, scope: string): string {
  switch (act) {
    case 'gelu': {
      const erf = g.node('Erf', [g.node('Div', [x, g.float(Math.SQRT2)], {}, `${scope}/gelu/Div`)], {}, `${scope}/gelu/Erf`);
      const half = g.node('Mul', [x, g.float(0.5)], {}, `${scope}/gelu/MulHalf`);
      return g.node('Mul', [half, g.node('Add', [erf, g.float(1)], {}, `${scope}/gelu/Add`)], {}, `${scope}/gelu/Mul`);
    }
    case 'gelu_new':
    case 'gelu_pytorch_tanh': {
      const cube = g.node('Mul', [g.node('Mul', [x, x], {}, `${scope}/gelu/Square`), x], {}, `${scope}/gelu/Cube`);
      const poly = g.node('Add', [x, g.node('Mul', [cube, g.float(0.044715)], {}, `${scope}/gelu/MulCube`)], {}, `${scope}/gelu/Poly`);
      const tanh = g.node(
        'Tanh',
        [g.node('Mul', [poly, g.float(Math.sqrt(2 / Math.PI))], {}, `${scope}/gelu/Scale`)],
        {},
        `${scope}/gelu/Tanh`,
      );
      const half = g.node('Mul', [x, g.float(0.5)], {}, `${scope}/gelu/MulHalf`);
      return g.node('Mul', [half, g.node('Add', [tanh, g.float(1)], {}, `${scope}/gelu/Add`)], {}, `${scope}/gelu/Mul`);
    }
    case 'relu':
      return g.node('Relu', [x], {}, `${scope}/Relu`);
    case 'silu':
    case 'swish':
      return g.node('Mul', [x, g.node('Sigmoid', [x], {}, `${scope}/Sigmoid`)], {}, `${scope}/Silu`);
    case 'tanh':
      return g.node('Tanh', [x], {}, `${scope}/Tanh`);
  }
}
