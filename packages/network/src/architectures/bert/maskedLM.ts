import * as tf from '@tensorflow/tfjs';
import { BertInputError } from './bertModel.js';
import { BertWithHead } from './bertWithHead.js';
import { resolveBertConfig, type BertConfig, type BertConfigInput, type HfBertConfig } from './config.js';
import { SeedStream, activation, initVariable, layerNorm, linear } from './layers.js';

/** What {@link BertForMaskedLM.forward} returns. */
export interface MaskedLMOutput {
  /** Vocabulary logits: [B, P, vocabSize] at the gathered positions, or [B, L, vocabSize] for every token. */
  logits: tf.Tensor3D;
  /** The encoder's output [B, L, H], when asked for. */
  lastHiddenState?: tf.Tensor3D;
}

/** Word-embedding parameter the decoder shares (its transpose is the output projection). */
const EMBEDDINGS = 'bert.embeddings.word_embeddings.weight';

/**
 * Hugging Face `BertForMaskedLM`: a {@link BertModel} without pooler (parameters `bert.*`) and the prediction head
 * `cls.predictions`: `transform` (dense H→H, the config's activation, LayerNorm), then a decoder TIED to the word
 * embeddings (logits = h · Eᵀ, one variable shared with the input lookup, so both uses train it) plus a bias
 * `cls.predictions.bias` [vocabSize].
 *
 * `call([inputIds, attentionMask, maskedPositions?, tokenTypeIds?], training)`: with `maskedPositions` (int32 [B, P],
 * positions into each sequence, e.g. from `MaskTokens`), the head runs only at those positions and the logits are
 * [B, P, vocabSize] (padding slots may hold any valid position: their labels are ignored); without them, logits are
 * [B, L, vocabSize]. Note the order: positions come before token types, unlike {@link BertModel}.
 *
 * Checkpoints: `savePretrained` writes `bert.*` and `cls.predictions.*` (no decoder weight: it is the embedding
 * matrix); `fromPretrained(…, { architecture: 'BertForMaskedLM' })` accepts an HF `cls.predictions.decoder.weight` /
 * `.bias` silently (tied), and a token-classification model loaded from this folder reports `cls.*` as unused.
 *
 * @example
 * const mlm = bertForMaskedLM(bertPreset('mini', { seed: 0 }));
 * const logits = mlm.call([ids, mask, maskedPositions], true) as tf.Tensor3D; // [B, P, 30522]
 */
export class BertForMaskedLM extends BertWithHead {
  /** Hugging Face class name, written to `config.json` `architectures`. */
  readonly architecture = 'BertForMaskedLM';
  /** `config.json` gets no `id2label` (the model has no labels). */
  readonly saveLabels = false;
  /** Checkpoint names that are other parameters of this model (HF's tied decoder): accepted on load, never saved. */
  readonly tiedWeights: ReadonlyMap<string, string> = new Map([
    ['cls.predictions.decoder.weight', EMBEDDINGS],
    ['cls.predictions.decoder.bias', 'cls.predictions.bias'],
  ]);
  private readonly act: (x: tf.Tensor) => tf.Tensor;

  constructor(config: BertConfig) {
    super(config, 'BertForMaskedLM', 'bert_mlm');
    const scope = this.scope;
    const seeds = new SeedStream(config.seed === undefined ? undefined : config.seed + 2);
    const { hiddenSize: H, vocabSize: V, initializerRange: std } = config;
    const add = (name: string, shape: number[], init: Parameters<typeof initVariable>[1]) =>
      this.params.set(name, initVariable(shape, init, seeds, `${scope}/${name}`));
    add('cls.predictions.transform.dense.weight', [H, H], { kind: 'normal', std });
    add('cls.predictions.transform.dense.bias', [H], { kind: 'zeros' });
    add('cls.predictions.transform.LayerNorm.weight', [H], { kind: 'ones' });
    add('cls.predictions.transform.LayerNorm.bias', [H], { kind: 'zeros' });
    add('cls.predictions.bias', [V], { kind: 'zeros' });
    this.act = activation(config.hiddenAct);
  }

  /** The word-embedding matrix [vocabSize, H], shared by the input lookup and the decoder. */
  get wordEmbeddings(): tf.Variable {
    return this.bert.namedWeights().get('embeddings.word_embeddings.weight')!;
  }

  private p(name: string): tf.Variable {
    return this.params.get(name)!;
  }

  /**
   * Logits at the masked positions (or at every token), and the encoder output when asked for.
   *
   * @param inputs `[inputIds, attentionMask?, maskedPositions?, tokenTypeIds?]`, int32 [B, L] (positions [B, P])
   * @example
   * const { logits } = mlm.forward([ids, mask, positions], false); // [B, P, vocabSize]
   */
  forward(inputs: tf.Tensor[], training: boolean, outputHiddenState = false): MaskedLMOutput {
    const [ids, mask, positions, types] = inputs;
    const encoderInputs = [ids, mask, types].filter((t): t is tf.Tensor => t !== undefined);
    if (mask === undefined && types !== undefined) {
      throw new BertInputError(this.name, 'attentionMask', 'expected an attention mask when token type ids are given');
    }
    const enc = this.bert.forward(encoderInputs, training);
    const [B, L, H] = enc.lastHiddenState.shape;
    if (positions !== undefined && (positions.rank !== 2 || positions.shape[0] !== B)) {
      enc.lastHiddenState.dispose();
      throw new BertInputError(this.name, 'maskedPositions', `expected shape [${B}, P], received [${positions.shape.join(', ')}]`);
    }
    const logits = tf.tidy(() => {
      const flat = tf.reshape(enc.lastHiddenState, [B * L, H]) as tf.Tensor2D;
      let h = flat;
      let P = L;
      if (positions !== undefined) {
        P = positions.shape[1]!;
        // Row b·L + position of every slot: one gather over the flattened batch.
        const offsets = tf.reshape(tf.range(0, B * L, L, 'int32'), [B, 1]);
        const rows = tf.reshape(tf.add(tf.cast(positions, 'int32'), offsets), [B * P]);
        h = tf.gather(flat, rows) as tf.Tensor2D;
      }
      let t = linear(h, this.p('cls.predictions.transform.dense.weight'), this.p('cls.predictions.transform.dense.bias'));
      t = this.act(t) as tf.Tensor2D;
      t = layerNorm(
        t,
        this.p('cls.predictions.transform.LayerNorm.weight'),
        this.p('cls.predictions.transform.LayerNorm.bias'),
        this.config.layerNormEps,
      );
      // Decoder tied to the embeddings: E [V, H] is a PyTorch Linear weight [out, in]; linear's gradient avoids the
      // transposed products that are slow on wasm.
      const y = linear(t, this.wordEmbeddings, this.p('cls.predictions.bias'));
      return tf.reshape(y, [B, P, this.config.vocabSize]) as tf.Tensor3D;
    });
    if (!outputHiddenState) {
      enc.lastHiddenState.dispose();
      return { logits };
    }
    return { logits, lastHiddenState: enc.lastHiddenState };
  }
}

/**
 * Builds a randomly initialised {@link BertForMaskedLM} (HF `_init_weights`, seeded by `seed`) from fets options or
 * a Hugging Face `config.json` object.
 *
 * @example
 * const mlm = bertForMaskedLM(bertPreset('mini', { seed: 0, maxPositionEmbeddings: 512 }));
 */
export function bertForMaskedLM(config: BertConfigInput | HfBertConfig): BertForMaskedLM {
  return new BertForMaskedLM(resolveBertConfig(config, 'BertForMaskedLM'));
}
