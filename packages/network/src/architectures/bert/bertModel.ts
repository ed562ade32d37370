import * as tf from '@tensorflow/tfjs';
import { linearFused } from '../../kernels/native/linear.js';
import { attentionFused } from '../../kernels/native/attention.js';
import { attentionTrainFused } from '../../kernels/native/attentionTrain.js';
import { addLayerNorm } from '../../kernels/addLayerNorm.js';
import { int8LinearFor } from '../../int8/int8Model.js';
import { FetsError } from '@fets/pipeline';
import type { FunctionModel } from '../functionModel.js';
import { resolveBertConfig, type BertConfig, type BertConfigInput, type HfBertConfig } from './config.js';
import { FLOAT32_MIN, SeedStream, activation, dropout, initVariable, layerNorm, linear, type ParamInit } from './layers.js';

/**
 * The inputs given to a BERT model do not fit it (rank, shapes, sequence longer than the position table).
 *
 * @example
 * // BertInputError: BertModel: inputIds: sequence length 600 exceeds maxPositionEmbeddings 512
 */
export class BertInputError extends FetsError {
  constructor(
    readonly model: string,
    readonly input: string,
    message: string,
  ) {
    super(`${model}: ${input}: ${message}`);
  }
}

/** What {@link BertModel.forward} returns. `lastHiddenState` is [B, L, H]; `pooledOutput` [B, H]. */
export interface BertOutput {
  lastHiddenState: tf.Tensor3D;
  pooledOutput?: tf.Tensor2D;
  /** Embedding output, then the output of each layer (when asked for), each [B, L, H]. */
  hiddenStates?: tf.Tensor3D[];
}

let instances = 0;

/** A unique prefix for the tfjs variable registry (variable names must be unique process-wide). */
export function uniqueScope(name: string): string {
  return `${name}_${instances++}`;
}

/**
 * The BERT encoder of Hugging Face `BertModel`: word + position + token-type embeddings with LayerNorm, then
 * post-LayerNorm layers of masked multi-head self-attention and an erf-GELU feed-forward; optional tanh pooler on
 * the first token. Parameters use HF names (no `bert.` prefix) and PyTorch shapes (`Linear`: [out, in]).
 *
 * `call([inputIds, attentionMask, tokenTypeIds?], training)` → `lastHiddenState` [B, L, H], or
 * `[lastHiddenState, pooledOutput]` when the pooler is present.
 *
 * @example
 * const bert = bertModel({ hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512, seed: 0 });
 * const [hidden, pooled] = bert.call([ids, mask], false) as tf.Tensor[];
 */
export class BertModel implements FunctionModel {
  /** Hugging Face class name, written to `config.json` `architectures`. */
  readonly architecture = 'BertModel';
  readonly name: string;
  readonly config: BertConfig;
  readonly addPoolingLayer: boolean;
  /** WordPiece vocabulary (from `vocab.txt`) when the model was loaded with one; saved with the model. */
  vocab: string[] | undefined;
  private readonly params = new Map<string, tf.Variable>();
  private readonly seeds: SeedStream;

  /** Seeds drawn so far by the encoder (init and dropout): a checkpoint keeps it so resumed dropout masks continue. */
  get randomState(): number {
    return this.seeds.state;
  }

  set randomState(n: number) {
    this.seeds.state = n;
  }
  private readonly act: (x: tf.Tensor) => tf.Tensor;
  private readonly scope: string;
  /**
   * Replaces the word-embedding lookup when set: ids [N] → word vectors [N, H] (ELECTRA's generator reads the
   * discriminator's shared table through a projection). The model's own table is then unused.
   */
  wordEmbedder: ((ids: tf.Tensor1D) => tf.Tensor2D) | undefined;

  constructor(config: BertConfig, options: { addPoolingLayer?: boolean; scope?: string } = {}) {
    this.config = config;
    this.name = config.name ?? 'BertModel';
    this.addPoolingLayer = options.addPoolingLayer ?? true;
    this.scope = options.scope ?? uniqueScope('bert');
    this.seeds = new SeedStream(config.seed);
    this.act = activation(config.hiddenAct);
    const { hiddenSize: H, intermediateSize: I, initializerRange: std } = config;
    const normal: ParamInit = { kind: 'normal', std };
    const zeros: ParamInit = { kind: 'zeros' };
    const ones: ParamInit = { kind: 'ones' };
    const emb = (n: number): ParamInit => ({ kind: 'normal', std, zeroRow: n > (config.padTokenId ?? n) ? config.padTokenId : null });
    this.add('embeddings.word_embeddings.weight', [config.vocabSize, H], emb(config.vocabSize));
    this.add('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, H], { kind: 'normal', std });
    this.add('embeddings.token_type_embeddings.weight', [config.typeVocabSize, H], { kind: 'normal', std });
    this.add('embeddings.LayerNorm.weight', [H], ones);
    this.add('embeddings.LayerNorm.bias', [H], zeros);
    for (let i = 0; i < config.numHiddenLayers; i++) {
      const p = `encoder.layer.${i}.`;
      for (const m of ['query', 'key', 'value']) {
        this.add(`${p}attention.self.${m}.weight`, [H, H], normal);
        this.add(`${p}attention.self.${m}.bias`, [H], zeros);
      }
      this.add(`${p}attention.output.dense.weight`, [H, H], normal);
      this.add(`${p}attention.output.dense.bias`, [H], zeros);
      this.add(`${p}attention.output.LayerNorm.weight`, [H], ones);
      this.add(`${p}attention.output.LayerNorm.bias`, [H], zeros);
      this.add(`${p}intermediate.dense.weight`, [I, H], normal);
      this.add(`${p}intermediate.dense.bias`, [I], zeros);
      this.add(`${p}output.dense.weight`, [H, I], normal);
      this.add(`${p}output.dense.bias`, [H], zeros);
      this.add(`${p}output.LayerNorm.weight`, [H], ones);
      this.add(`${p}output.LayerNorm.bias`, [H], zeros);
    }
    if (this.addPoolingLayer) {
      this.add('pooler.dense.weight', [H, H], normal);
      this.add('pooler.dense.bias', [H], zeros);
    }
  }

  private add(name: string, shape: number[], init: ParamInit): void {
    this.params.set(name, initVariable(shape, init, this.seeds, `${this.scope}/${name}`));
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  /**
   * Runs the encoder and returns named outputs.
   *
   * @param inputs `[inputIds, attentionMask?, tokenTypeIds?]`, int32 [B, L] (mask: 1 = attend, 0 = masked)
   * @param training dropout on when true
   * @param outputHiddenStates also return the embedding output and every layer's output
   * @example
   * const { lastHiddenState, pooledOutput } = bert.forward([ids, mask], false);
   */
  forward(inputs: tf.Tensor[], training: boolean, outputHiddenStates = false): BertOutput {
    const [rawIds, rawMask, rawTypes] = inputs;
    if (rawIds === undefined)
      throw new BertInputError(this.name, 'inputIds', 'expected [inputIds, attentionMask?, tokenTypeIds?], received no inputs');
    if (rawIds.rank !== 2) throw new BertInputError(this.name, 'inputIds', `expected shape [B, L], received [${rawIds.shape.join(', ')}]`);
    const [B, L] = rawIds.shape as [number, number];
    for (const [label, t] of [
      ['attentionMask', rawMask],
      ['tokenTypeIds', rawTypes],
    ] as const) {
      if (t !== undefined && (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== L)) {
        throw new BertInputError(this.name, label, `expected shape [${B}, ${L}] (as inputIds), received [${t.shape.join(', ')}]`);
      }
    }
    if (L > this.config.maxPositionEmbeddings) {
      throw new BertInputError(
        this.name,
        'inputIds',
        `sequence length ${L} exceeds maxPositionEmbeddings ${this.config.maxPositionEmbeddings}`,
      );
    }
    const { hiddenSize: H, numAttentionHeads: nh, layerNormEps: eps } = this.config;
    const d = H / nh;
    const hiddenRate = this.config.hiddenDropoutProb;
    const attnRate = this.config.attentionProbsDropoutProb;
    return tf.tidy(() => {
      const ids = tf.reshape(rawIds.dtype === 'int32' ? rawIds : tf.cast(rawIds, 'int32'), [B * L]);
      // Embeddings: word + position (0..L-1, as HF, whatever the mask) + token type.
      const looked = this.wordEmbedder
        ? this.wordEmbedder(ids as tf.Tensor1D)
        : tf.gather(this.p('embeddings.word_embeddings.weight'), ids);
      const words = tf.reshape(looked, [B, L, H]);
      const positions = tf.slice(this.p('embeddings.position_embeddings.weight'), [0, 0], [L, H]);
      const typeTable = this.p('embeddings.token_type_embeddings.weight');
      const types =
        rawTypes === undefined
          ? tf.slice(typeTable, [0, 0], [1, H])
          : tf.reshape(tf.gather(typeTable, tf.reshape(rawTypes.dtype === 'int32' ? rawTypes : tf.cast(rawTypes, 'int32'), [B * L])), [
              B,
              L,
              H,
            ]);
      let h = tf.reshape(tf.add(tf.add(words, positions), types), [B * L, H]) as tf.Tensor2D;
      h = layerNorm(h, this.p('embeddings.LayerNorm.weight'), this.p('embeddings.LayerNorm.bias'), eps);
      h = dropout(h, hiddenRate, training, this.seeds);
      const hidden: tf.Tensor2D[] = outputHiddenStates ? [h] : [];
      // Additive mask on keys: (1 - mask) * finfo(float32).min, broadcast over heads and query rows: [B, 1, L].
      const maskAdd =
        rawMask === undefined ? undefined : tf.reshape(tf.mul(tf.sub(1, tf.cast(rawMask, 'float32')), FLOAT32_MIN), [B, 1, L]);
      const scale = Math.sqrt(d);
      // Without a gradient (inference, evaluation) the native kernels take the fused paths below, and each layer's
      // intermediates are freed when the layer ends (its own tidy) instead of when the pass does: bert-base at 32 × 64
      // kept ~0.9 GB of them alive, and reused memory is still in cache. Under a tape they are the tape's anyway.
      const taped = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
      const inference = !training && !taped;
      const layer = (i: number, h: tf.Tensor2D): tf.Tensor2D => {
        const p = `encoder.layer.${i}.`;
        // [B*L, H] → [B*nh, L, d] (queries, values) and [B*nh, d, L] (keys): plain batched matMuls, no transposeB.
        const heads = (x: tf.Tensor2D, perm: number[], shape: [number, number, number]) =>
          tf.reshape(tf.transpose(tf.reshape(x, [B, L, nh, d]), perm), shape) as tf.Tensor3D;
        const qh = linear(h, this.p(`${p}attention.self.query.weight`), this.p(`${p}attention.self.query.bias`));
        const kh = linear(h, this.p(`${p}attention.self.key.weight`), this.p(`${p}attention.self.key.bias`));
        const vh = linear(h, this.p(`${p}attention.self.value.weight`), this.p(`${p}attention.self.value.bias`));
        // Without a gradient the native kernels run attention per (sequence, head) in one call that reads Q, K and V
        // in place: no head transposes, no [B, nh, L, L] scores. With a gradient, the training kernels (the same dropout masks, drawn from the same seed stream) and their
        // gradient, token-major too.
        const fusedCtx = inference
          ? attentionFused(qh, kh, vh, maskAdd, L, nh)
          : attentionTrainFused(qh, kh, vh, maskAdd, L, nh, training ? attnRate : 0, () => this.seeds.next());
        const ctx =
          fusedCtx ??
          (() => {
            const q = heads(qh, [0, 2, 1, 3], [B * nh, L, d]);
            const k = heads(kh, [0, 2, 3, 1], [B * nh, d, L]);
            const v = heads(vh, [0, 2, 1, 3], [B * nh, L, d]);
            let scores = tf.reshape(tf.div(tf.matMul(q, k), scale), [B, nh * L, L]);
            if (maskAdd !== undefined) scores = tf.add(scores, maskAdd);
            let probs = tf.softmax(scores, -1);
            probs = dropout(probs, attnRate, training, this.seeds);
            const ctx3 = tf.matMul(tf.reshape(probs, [B * nh, L, L]) as tf.Tensor3D, v);
            return tf.reshape(tf.transpose(tf.reshape(ctx3, [B, nh, L, d]), [0, 2, 1, 3]), [B * L, H]) as tf.Tensor2D;
          })();
        let a = linear(ctx, this.p(`${p}attention.output.dense.weight`), this.p(`${p}attention.output.dense.bias`));
        a = dropout(a, hiddenRate, training, this.seeds);
        a = addLayerNorm(a, h, this.p(`${p}attention.output.LayerNorm.weight`), this.p(`${p}attention.output.LayerNorm.bias`), eps);
        const w1 = this.p(`${p}intermediate.dense.weight`);
        const b1 = this.p(`${p}intermediate.dense.bias`);
        // Without a gradient (inference, evaluation) the native kernels apply GELU as the product's tiles are stored.
        const fused =
          inference && this.config.hiddenAct === 'gelu'
            ? (int8LinearFor(a, w1, b1, 'gelu') ?? linearFused(a, w1 as tf.Tensor2D, b1, 'gelu'))
            : undefined;
        const inter = fused ?? (this.act(linear(a, w1, b1)) as tf.Tensor2D);
        let o = linear(inter, this.p(`${p}output.dense.weight`), this.p(`${p}output.dense.bias`));
        o = dropout(o, hiddenRate, training, this.seeds);
        return addLayerNorm(o, a, this.p(`${p}output.LayerNorm.weight`), this.p(`${p}output.LayerNorm.bias`), eps);
      };
      for (let i = 0; i < this.config.numHiddenLayers; i++) {
        const x = h;
        h = inference ? tf.tidy(() => layer(i, x)) : layer(i, x);
        if (outputHiddenStates) hidden.push(h);
      }
      const lastHiddenState = tf.reshape(h, [B, L, H]) as tf.Tensor3D;
      const out: BertOutput = { lastHiddenState };
      if (this.addPoolingLayer) {
        const first = tf.reshape(tf.slice(lastHiddenState, [0, 0, 0], [B, 1, H]), [B, H]) as tf.Tensor2D;
        out.pooledOutput = tf.tanh(linear(first, this.p('pooler.dense.weight'), this.p('pooler.dense.bias')));
      }
      if (outputHiddenStates) out.hiddenStates = hidden.map((x) => tf.reshape(x, [B, L, H]) as tf.Tensor3D);
      return out as unknown as tf.TensorContainer;
    }) as unknown as BertOutput;
  }

  /** `FunctionModel.call`: `lastHiddenState`, or `[lastHiddenState, pooledOutput]` with a pooler. */
  call(inputs: tf.Tensor[], training: boolean): tf.Tensor | tf.Tensor[] {
    const out = this.forward(inputs, training);
    return out.pooledOutput === undefined ? out.lastHiddenState : [out.lastHiddenState, out.pooledOutput];
  }

  /** Every variable (all trainable). */
  trainableWeights(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** HF parameter name (no `bert.` prefix) → variable, in HF's state-dict order. */
  namedWeights(): Map<string, tf.Variable> {
    return new Map(this.params);
  }

  /** Frees every variable. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

/**
 * Builds a randomly initialised {@link BertModel} (HF `_init_weights`, seeded by `seed`) from fets options or a
 * Hugging Face `config.json` object.
 *
 * @example
 * const bert = bertModel({ ...readBertConfig('config.json'), seed: 0 });
 */
export function bertModel(config: BertConfigInput | HfBertConfig, options: { addPoolingLayer?: boolean } = {}): BertModel {
  return new BertModel(resolveBertConfig(config, 'BertModel'), options);
}
