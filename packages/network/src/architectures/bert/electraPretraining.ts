import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions, seededRandom } from '@fets/pipeline';
import type { FunctionModel } from '../functionModel.js';
import { BertInputError, uniqueScope } from './bertModel.js';
import { resolveBertConfig, type BertConfig, type BertConfigInput, type HfBertConfig } from './config.js';
import { ElectraDiscriminator } from './electraDiscriminator.js';
import { ElectraGenerator } from './electraGenerator.js';
import { SeedStream } from './layers.js';

export const electraOptionsSchema = z.strictObject({
  /** The generator's hidden size (and heads) as a share of the discriminator's (ELECTRA-Small: 1/4). */
  generatorScale: z.number().gt(0).max(1).default(0.25),
  /** Label of positions outside the replaced-token loss (padding) in the `rtdLabels` output. */
  ignoreIndex: z.number().int().default(-100),
});

/** Options of {@link ElectraPretraining}. */
export type ElectraOptions = z.input<typeof electraOptionsSchema>;

/** The generator's encoder config for a discriminator config and a scale: hidden, heads and FFN scaled, same depth. */
export function generatorConfig(config: BertConfig, scale: number): BertConfig {
  const heads = Math.max(1, Math.round(config.numAttentionHeads * scale));
  const hidden = heads * Math.max(1, Math.round((config.hiddenSize * scale) / heads));
  const ffn = Math.max(1, Math.round((config.intermediateSize * hidden) / config.hiddenSize));
  // The generator embeds words through the discriminator's shared table, so its config asks for no second table of
  // its own (vocabSize 1: one row, never looked up) rather than another vocabulary-sized copy.
  return { ...config, hiddenSize: hidden, numAttentionHeads: heads, intermediateSize: ffn, vocabSize: 1, padTokenId: 0 };
}

/**
 * ELECTRA pretraining (Clark et al. 2020, replaced-token detection) as one trainable model: a small
 * {@link ElectraGenerator} predicts the masked tokens; its predictions are sampled (seeded, from its softmax) into
 * the masked positions; the {@link ElectraDiscriminator} reads the corrupted sequence and tells, at every token,
 * whether it was replaced (a sampled token equal to the original counts as not replaced). Generator and
 * discriminator share the word embeddings and train together (loss = MLM + λ·RTD, λ = 50 in the paper); the
 * discriminator is the encoder kept for fine-tuning (`savePretrained(model.discriminator, dir)`).
 *
 * `call([x, mask, maskedPositions, maskedLabels], training)` → `[mlmLogits [B, P, V], rtdLogits [B, L],
 * rtdLabels [B, L]]` (int32: 1 replaced, 0 original, `ignoreIndex` at padding). `x` is the masked input
 * (`MaskTokens`), `maskedLabels` the original ids at the positions (−100 in unused slots).
 *
 * @example
 * const electra = electraPretraining(bertPreset('mini', { vocabSize: 30522, seed: 0 }), { generatorScale: 0.25 });
 * const [mlmLogits, rtdLogits, rtdLabels] = electra.call([x, mask, positions, labels], true);
 */
export class ElectraPretraining implements FunctionModel {
  readonly name: string;
  readonly discriminator: ElectraDiscriminator;
  readonly generator: ElectraGenerator;
  readonly ignoreIndex: number;
  /** Seeds of the replacement sampling (one per step). */
  private readonly samples: SeedStream;

  constructor(config: BertConfig, options: ElectraOptions = {}) {
    const o = parseOptions('ElectraPretraining', electraOptionsSchema, options);
    this.name = config.name ?? 'electra';
    this.ignoreIndex = o.ignoreIndex;
    this.discriminator = new ElectraDiscriminator(config);
    const gen = generatorConfig(config, o.generatorScale);
    this.generator = new ElectraGenerator(
      { ...gen, seed: config.seed === undefined ? undefined : config.seed + 11 },
      this.discriminator.wordEmbeddings,
      uniqueScope('electra_gen'),
    );
    this.samples = new SeedStream(config.seed === undefined ? undefined : config.seed + 13);
  }

  /** The discriminator's config (the saved encoder's). */
  get config(): BertConfig {
    return this.discriminator.config;
  }

  /** WordPiece vocabulary, saved with the discriminator. */
  get vocab(): string[] | undefined {
    return this.discriminator.vocab;
  }

  set vocab(v: string[] | undefined) {
    this.discriminator.vocab = v;
  }

  /** The random streams' positions (discriminator dropout, generator dropout, sampling), for resumable checkpoints. */
  getRandomState(): number[] {
    return [...this.discriminator.getRandomState(), this.generator.randomState, this.samples.state];
  }

  /** Restores {@link getRandomState}. */
  setRandomState(state: readonly number[]): void {
    this.discriminator.setRandomState(state.slice(0, 1));
    if (state[1] !== undefined) this.generator.randomState = state[1];
    if (state[2] !== undefined) this.samples.state = state[2];
  }

  call(inputs: tf.Tensor[], training: boolean): tf.Tensor[] {
    const [x, mask, positions, labels] = inputs;
    if (!x || !mask || !positions || !labels) {
      throw new BertInputError(this.name, 'inputs', 'expected [x, attentionMask, maskedPositions, maskedLabels]');
    }
    if (positions.rank !== 2 || labels.rank !== 2 || positions.shape[1] !== labels.shape[1] || positions.shape[0] !== x.shape[0]) {
      throw new BertInputError(
        this.name,
        'maskedPositions',
        `expected positions and labels [B, P], received [${positions.shape}] and [${labels.shape}]`,
      );
    }
    const mlmLogits = this.generator.forward([x, mask, positions], training);
    const [B, L] = x.shape as [number, number];
    const P = positions.shape[1]!;
    const V = mlmLogits.shape[2];
    // Sample a replacement at each used slot from the generator's softmax (no gradient flows through the sample).
    const probsT = tf.tidy(() => tf.softmax(tf.reshape(mlmLogits, [B * P, V])));
    const probs = probsT.dataSync();
    probsT.dispose();
    const pos = positions.dataSync();
    const orig = labels.dataSync();
    const ids = Int32Array.from(x.dataSync());
    const m = mask.dataSync();
    const rtd = new Int32Array(B * L);
    for (let k = 0; k < B * L; k++) rtd[k] = m[k] ? 0 : this.ignoreIndex;
    // Training draws a new seed each step; evaluation always the same one (held-out figures compare across epochs).
    const rand = seededRandom(training ? this.samples.next() : 0x5eed);
    for (let k = 0; k < B * P; k++) {
      if (orig[k] === this.ignoreIndex) continue;
      const u = rand();
      let acc = 0;
      let pick = V - 1;
      for (let v = 0; v < V; v++) {
        acc += probs[k * V + v]!;
        if (u < acc) {
          pick = v;
          break;
        }
      }
      const at = Math.floor(k / P) * L + pos[k]!;
      ids[at] = pick;
      rtd[at] = pick === orig[k] ? 0 : 1;
    }
    const corrupted = tf.tensor2d(ids, [B, L], 'int32');
    const rtdLogits = this.discriminator.forward([corrupted, mask], training).logits;
    corrupted.dispose();
    return [mlmLogits, rtdLogits, tf.tensor2d(rtd, [B, L], 'int32')];
  }

  /** The discriminator's variables (with the shared embeddings), then the generator's. */
  trainableWeights(): tf.Variable[] {
    return [...this.discriminator.trainableWeights(), ...this.generator.trainableWeights()];
  }

  /** Discriminator names (`bert.*`, `discriminator_predictions.*`) and generator names (`generator.*`). */
  namedWeights(): Map<string, tf.Variable> {
    return new Map([...this.discriminator.namedWeights(), ...this.generator.namedWeights()]);
  }

  /** Frees both models. */
  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
  }
}

/**
 * Builds a randomly initialised {@link ElectraPretraining} from the discriminator's config (fets options or a Hugging
 * Face `config.json` object).
 *
 * @example
 * const electra = electraPretraining(bertPreset('mini', { seed: 0 }), { generatorScale: 0.25 });
 */
export function electraPretraining(config: BertConfigInput | HfBertConfig, options: ElectraOptions = {}): ElectraPretraining {
  return new ElectraPretraining(resolveBertConfig(config, 'BertForMaskedLM'), options);
}
