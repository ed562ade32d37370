import * as tf from '@tensorflow/tfjs';
import { BertModel } from './bertModel.js';
import type { BertConfig } from './config.js';
import { SeedStream, activation, initVariable, layerNorm, linear } from './layers.js';

/** The generator's own word table is never read (the shared one is): it is left out of the trained weights. */
const OWN_WORDS = 'embeddings.word_embeddings.weight';

/**
 * ELECTRA's generator (Clark et al. 2020): a small masked language model that shares the discriminator's word
 * embeddings. Its encoder is a {@link BertModel} of its own (smaller) hidden size whose word lookup reads the shared
 * table [V, E] through `generator.embeddings_project` (E → its hidden size), and its prediction head maps back to
 * E (dense, activation, LayerNorm) before the decoder tied to the same shared table, plus a bias
 * (`generator_lm_head.bias`). `forward([ids, mask, positions], training)` → logits [B, P, V] at the positions.
 *
 * @example
 * const gen = new ElectraGenerator(genConfig, discriminator.wordEmbeddings, 'electra/generator');
 * const logits = gen.forward([x, mask, maskedPositions], true); // [B, P, V]
 */
export class ElectraGenerator {
  readonly config: BertConfig;
  readonly bert: BertModel;
  /** The shared word embeddings [V, E] (the discriminator's variable). */
  readonly shared: tf.Variable;
  private readonly params = new Map<string, tf.Variable>();
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  /**
   * @param config the generator's encoder (its `vocabSize` is unused: the shared table gives the vocabulary)
   * @param shared the discriminator's word embeddings [V, E]
   * @param scope variable-name prefix
   */
  constructor(config: BertConfig, shared: tf.Variable, scope: string) {
    this.config = config;
    this.shared = shared;
    this.bert = new BertModel({ ...config, name: 'generator' }, { addPoolingLayer: false, scope: `${scope}/electra` });
    const seeds = new SeedStream(config.seed === undefined ? undefined : config.seed + 5);
    const [V, E] = shared.shape as [number, number];
    const { hiddenSize: H, initializerRange: std } = config;
    const add = (name: string, shape: number[], init: Parameters<typeof initVariable>[1]) =>
      this.params.set(name, initVariable(shape, init, seeds, `${scope}/${name}`));
    add('generator.embeddings_project.weight', [H, E], { kind: 'normal', std });
    add('generator.embeddings_project.bias', [H], { kind: 'zeros' });
    add('generator_predictions.dense.weight', [E, H], { kind: 'normal', std });
    add('generator_predictions.dense.bias', [E], { kind: 'zeros' });
    add('generator_predictions.LayerNorm.weight', [E], { kind: 'ones' });
    add('generator_predictions.LayerNorm.bias', [E], { kind: 'zeros' });
    add('generator_lm_head.bias', [V], { kind: 'zeros' });
    this.act = activation(config.hiddenAct);
    const project = this.p('generator.embeddings_project.weight');
    const projectBias = this.p('generator.embeddings_project.bias');
    this.bert.wordEmbedder = (ids) => linear(tf.gather(this.shared, ids) as tf.Tensor2D, project, projectBias) as tf.Tensor2D;
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  /** Logits [B, P, V] at `positions` [B, P] of `[ids, mask, positions]`. */
  forward(inputs: tf.Tensor[], training: boolean): tf.Tensor3D {
    const [ids, mask, positions] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
    const enc = this.bert.forward([ids, mask], training);
    const [B, L, H] = enc.lastHiddenState.shape;
    const P = positions.shape[1]!;
    const V = this.shared.shape[0]!;
    const logits = tf.tidy(() => {
      const flat = tf.reshape(enc.lastHiddenState, [B * L, H]) as tf.Tensor2D;
      const rows = tf.reshape(tf.add(tf.cast(positions, 'int32'), tf.reshape(tf.range(0, B * L, L, 'int32'), [B, 1])), [B * P]);
      let t = linear(
        tf.gather(flat, rows) as tf.Tensor2D,
        this.p('generator_predictions.dense.weight'),
        this.p('generator_predictions.dense.bias'),
      );
      t = layerNorm(
        this.act(t) as tf.Tensor2D,
        this.p('generator_predictions.LayerNorm.weight'),
        this.p('generator_predictions.LayerNorm.bias'),
        this.config.layerNormEps,
      );
      return tf.reshape(linear(t, this.shared, this.p('generator_lm_head.bias')), [B, P, V]) as tf.Tensor3D;
    });
    enc.lastHiddenState.dispose();
    return logits;
  }

  /** The generator's trained variables: its encoder's (but its unused word table) and its head's; not the shared table. */
  trainableWeights(): tf.Variable[] {
    return [...this.namedWeights().values()];
  }

  /** Its variables by name: `generator.*` (encoder under `generator.electra.`), without the shared table. */
  namedWeights(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [k, v] of this.bert.namedWeights()) if (k !== OWN_WORDS) out.set(`generator.electra.${k}`, v);
    for (const [k, v] of this.params) out.set(k, v);
    return out;
  }

  /** The dropout stream's position (for resumable checkpoints). */
  get randomState(): number {
    return this.bert.randomState;
  }

  set randomState(n: number) {
    this.bert.randomState = n;
  }

  /** Frees its variables (not the shared table). */
  dispose(): void {
    this.bert.dispose();
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
