import * as tf from '@tensorflow/tfjs';
import { BertWithHead } from './bertWithHead.js';
import type { BertConfig } from './config.js';
import { SeedStream, activation, initVariable, linear } from './layers.js';

/**
 * ELECTRA's discriminator (Clark et al. 2020): a BERT encoder (parameters `bert.*`, so `fromPretrained` loads it
 * into a token classifier for fine-tuning) and the replaced-token-detection head `discriminator_predictions`
 * (dense H → H, the activation, dense H → 1), one logit per token: was this token replaced by the generator?
 * `call([ids, mask, tokenTypes?], training)` → logits [B, L]. `savePretrained` writes it as `ElectraForPreTraining`
 * with `model_type: bert`.
 *
 * @example
 * const disc = new ElectraDiscriminator(bertPreset('mini', { seed: 0 }));
 * const logits = disc.call([ids, mask], true); // [B, L]
 */
export class ElectraDiscriminator extends BertWithHead {
  /** Hugging Face class name, written to `config.json` `architectures`. */
  readonly architecture = 'ElectraForPreTraining';
  /** `config.json` gets no `id2label` (the model has no labels). */
  readonly saveLabels = false;
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(config: BertConfig) {
    super(config, 'ElectraDiscriminator', 'electra_disc');
    const seeds = new SeedStream(config.seed === undefined ? undefined : config.seed + 4);
    const { hiddenSize: H, initializerRange: std } = config;
    const add = (name: string, shape: number[], init: Parameters<typeof initVariable>[1]) =>
      this.params.set(name, initVariable(shape, init, seeds, `${this.scope}/${name}`));
    add('discriminator_predictions.dense.weight', [H, H], { kind: 'normal', std });
    add('discriminator_predictions.dense.bias', [H], { kind: 'zeros' });
    add('discriminator_predictions.dense_prediction.weight', [1, H], { kind: 'normal', std });
    add('discriminator_predictions.dense_prediction.bias', [1], { kind: 'zeros' });
    this.act = activation(config.hiddenAct);
  }

  /** The word-embedding matrix [vocabSize, H], which the generator shares. */
  get wordEmbeddings(): tf.Variable {
    return this.bert.namedWeights().get('embeddings.word_embeddings.weight')!;
  }

  /** One replaced-token logit per position, [B, L]. */
  forward(inputs: tf.Tensor[], training: boolean): { logits: tf.Tensor } {
    const enc = this.bert.forward(inputs, training);
    const [B, L, H] = enc.lastHiddenState.shape;
    const p = (n: string) => this.params.get(`discriminator_predictions.${n}`)!;
    const logits = tf.tidy(() => {
      const h = tf.reshape(enc.lastHiddenState, [B * L, H]) as tf.Tensor2D;
      const t = this.act(linear(h, p('dense.weight'), p('dense.bias'))) as tf.Tensor2D;
      return tf.reshape(linear(t, p('dense_prediction.weight'), p('dense_prediction.bias')), [B, L]);
    });
    enc.lastHiddenState.dispose();
    return { logits };
  }
}
