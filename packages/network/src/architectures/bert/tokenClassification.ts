import * as tf from '@tensorflow/tfjs';
import type { FunctionModel } from '../functionModel.js';
import { BertModel, uniqueScope } from './bertModel.js';
import { resolveBertConfig, type BertConfig, type BertConfigInput, type HfBertConfig } from './config.js';
import { SeedStream, dropout, initVariable, linear } from './layers.js';

/** What {@link BertForTokenClassification.forward} returns: `logits` [B, L, numLabels], and with hidden states asked for, the encoder's outputs. */
export interface TokenClassificationOutput {
  logits: tf.Tensor3D;
  lastHiddenState?: tf.Tensor3D;
  hiddenStates?: tf.Tensor3D[];
}

/**
 * Hugging Face `BertForTokenClassification`: a {@link BertModel} without pooler (parameters `bert.*`), dropout
 * (`classifierDropout`, else `hiddenDropoutProb`) and a linear head `classifier` [numLabels, H].
 *
 * `call([inputIds, attentionMask, tokenTypeIds?], training)` → logits [B, L, numLabels].
 *
 * @example
 * const model = bertForTokenClassification({ ...miniConfig, numLabels: labels.length, seed: 0 });
 * const logits = model.call([ids, mask], false) as tf.Tensor3D;
 */
export class BertForTokenClassification implements FunctionModel {
  /** Hugging Face class name, written to `config.json` `architectures`. */
  readonly architecture = 'BertForTokenClassification';
  readonly name: string;
  readonly config: BertConfig;
  readonly bert: BertModel;
  private readonly params = new Map<string, tf.Variable>();
  private readonly seeds: SeedStream;

  constructor(config: BertConfig) {
    this.config = config;
    this.name = config.name ?? 'BertForTokenClassification';
    const scope = uniqueScope('bert_token_cls');
    this.bert = new BertModel({ ...config, name: this.name }, { addPoolingLayer: false, scope: `${scope}/bert` });
    this.seeds = new SeedStream(config.seed === undefined ? undefined : config.seed + 1);
    const std = config.initializerRange;
    this.params.set('classifier.weight', initVariable([config.numLabels, config.hiddenSize], { kind: 'normal', std }, this.seeds, `${scope}/classifier.weight`));
    this.params.set('classifier.bias', initVariable([config.numLabels], { kind: 'zeros' }, this.seeds, `${scope}/classifier.bias`));
  }

  /** WordPiece vocabulary (from `vocab.txt`), saved with the model. */
  get vocab(): string[] | undefined {
    return this.bert.vocab;
  }

  set vocab(v: string[] | undefined) {
    this.bert.vocab = v;
  }

  /** The label names, by id. */
  get labels(): string[] {
    return this.config.labels;
  }

  /**
   * Logits per token, and the encoder's hidden states when asked for.
   *
   * @example
   * const { logits } = model.forward([ids, mask], false); // [B, L, numLabels]
   */
  forward(inputs: tf.Tensor[], training: boolean, outputHiddenStates = false): TokenClassificationOutput {
    const enc = this.bert.forward(inputs, training, outputHiddenStates);
    const [B, L, H] = enc.lastHiddenState.shape;
    const rate = this.config.classifierDropout ?? this.config.hiddenDropoutProb;
    const logits = tf.tidy(() => {
      const h = dropout(tf.reshape(enc.lastHiddenState, [B * L, H]) as tf.Tensor2D, rate, training, this.seeds);
      const y = linear(h, this.params.get('classifier.weight')!, this.params.get('classifier.bias')!);
      return tf.reshape(y, [B, L, this.config.numLabels]) as tf.Tensor3D;
    });
    if (!outputHiddenStates) {
      enc.lastHiddenState.dispose();
      return { logits };
    }
    return { logits, lastHiddenState: enc.lastHiddenState, hiddenStates: enc.hiddenStates! };
  }

  /** `FunctionModel.call`: logits [B, L, numLabels]. */
  call(inputs: tf.Tensor[], training: boolean): tf.Tensor {
    return this.forward(inputs, training).logits;
  }

  /** Every variable (all trainable). */
  trainableWeights(): tf.Variable[] {
    return [...this.bert.trainableWeights(), ...this.params.values()];
  }

  /** HF names: `bert.*` then `classifier.weight`, `classifier.bias`. */
  namedWeights(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [k, v] of this.bert.namedWeights()) out.set(`bert.${k}`, v);
    for (const [k, v] of this.params) out.set(k, v);
    return out;
  }

  /** Frees every variable. */
  dispose(): void {
    this.bert.dispose();
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

/**
 * Builds a randomly initialised {@link BertForTokenClassification} (HF `_init_weights`, seeded by `seed`) from fets
 * options or a Hugging Face `config.json` object; `numLabels` comes from `id2label` when absent.
 *
 * @example
 * const model = bertForTokenClassification({ ...readBertConfig('config.json'), numLabels: 25, seed: 0 });
 */
export function bertForTokenClassification(config: BertConfigInput | HfBertConfig): BertForTokenClassification {
  return new BertForTokenClassification(resolveBertConfig(config, 'BertForTokenClassification'));
}
