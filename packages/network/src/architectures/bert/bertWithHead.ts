import type * as tf from '@tensorflow/tfjs';
import type { FunctionModel } from '../functionModel.js';
import { BertModel, uniqueScope } from './bertModel.js';
import type { BertConfig } from './config.js';

/**
 * What every BERT model with a task head shares: a {@link BertModel} without pooler (parameters `bert.*`) plus the
 * head's own variables under their Hugging Face names, the vocabulary, and the `FunctionModel` plumbing (`call`,
 * weights by name, `dispose`). A subclass adds its head's variables to `params` in its constructor and implements
 * `forward`.
 *
 * @example
 * class MyHead extends BertWithHead {
 *   constructor(config: BertConfig) { super(config, 'MyHead', 'my_head'); this.params.set('head.weight', …); }
 *   forward(inputs: tf.Tensor[], training: boolean) { … return { logits }; }
 * }
 */
export abstract class BertWithHead implements FunctionModel {
  /** Hugging Face class name, written to `config.json` `architectures`. */
  abstract readonly architecture: string;
  readonly name: string;
  readonly config: BertConfig;
  readonly bert: BertModel;

  /** The dropout seed stream's position, saved with a RestoreWizard checkpoint (a resumed run draws the same masks). */
  getRandomState(): number[] {
    return [this.bert.randomState];
  }

  /** Restores {@link getRandomState}. */
  setRandomState(state: readonly number[]): void {
    if (state[0] !== undefined) this.bert.randomState = state[0];
  }
  /** Variable scope of this instance (unique per model). */
  protected readonly scope: string;
  /** The head's variables by Hugging Face name. */
  protected readonly params = new Map<string, tf.Variable>();

  constructor(config: BertConfig, defaultName: string, scopePrefix: string) {
    this.config = config;
    this.name = config.name ?? defaultName;
    this.scope = uniqueScope(scopePrefix);
    this.bert = new BertModel({ ...config, name: this.name }, { addPoolingLayer: false, scope: `${this.scope}/bert` });
  }

  /** Logits (and, when asked, hidden states) for `[inputIds, attentionMask, …]`. */
  abstract forward(inputs: tf.Tensor[], training: boolean): { logits: tf.Tensor };

  /** WordPiece vocabulary (from `vocab.txt`), saved with the model. */
  get vocab(): string[] | undefined {
    return this.bert.vocab;
  }

  set vocab(v: string[] | undefined) {
    this.bert.vocab = v;
  }

  /** `FunctionModel.call`: the logits of {@link forward}. */
  call(inputs: tf.Tensor[], training: boolean): tf.Tensor {
    return this.forward(inputs, training).logits;
  }

  /** Every variable (all trainable): the encoder's, then the head's. */
  trainableWeights(): tf.Variable[] {
    return [...this.bert.trainableWeights(), ...this.params.values()];
  }

  /** HF names: `bert.*`, then the head's. */
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
