import * as tf from '@tensorflow/tfjs';
import { BertWithHead } from './bertWithHead.js';
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
export class BertForTokenClassification extends BertWithHead {
  /** Hugging Face class name, written to `config.json` `architectures`. */
  readonly architecture = 'BertForTokenClassification';
  private readonly seeds: SeedStream;

  /**
   * The dropout seed streams' positions (encoder, classifier), saved with a RestoreWizard checkpoint: a resumed run
   * draws the masks the uninterrupted run would have.
   */
  override getRandomState(): number[] {
    return [this.bert.randomState, this.seeds.state];
  }

  /** Restores {@link getRandomState}. */
  override setRandomState(state: readonly number[]): void {
    if (state[0] !== undefined) this.bert.randomState = state[0];
    if (state[1] !== undefined) this.seeds.state = state[1];
  }

  constructor(config: BertConfig) {
    super(config, 'BertForTokenClassification', 'bert_token_cls');
    const scope = this.scope;
    this.seeds = new SeedStream(config.seed === undefined ? undefined : config.seed + 1);
    const std = config.initializerRange;
    this.params.set(
      'classifier.weight',
      initVariable([config.numLabels, config.hiddenSize], { kind: 'normal', std }, this.seeds, `${scope}/classifier.weight`),
    );
    this.params.set('classifier.bias', initVariable([config.numLabels], { kind: 'zeros' }, this.seeds, `${scope}/classifier.bias`));
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
