import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, keysSchema, modeSpecSchema, opOptionsSchema } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';
import type { TagConstraints } from './iob2Constraints.js';
import { positionsFromLabels, positionsFromWordIds, type LabelledPositions } from './labelledPositions.js';
import { LinearChainCrf } from './linearChainCrf.js';
import { decodeSequence, type TagDecoding } from './decodeSequence.js';
import type { ViterbiScores } from './viterbi.js';

const tagDecodeSchema = opOptionsSchema.extend({
  /** `[scores [B, L, C], positions [B, L]]`: emission scores (logits) and what marks the tagged positions. */
  inputs: keysSchema,
  /** Key of the tag ids `[B, L]` (int32; `ignoreIndex` at untagged positions). */
  outputs: z.string().min(1),
  /** Default every mode but train (decoding is not differentiated; training needs the loss only). */
  mode: modeSpecSchema.default('!train'),
  /**
   * 'crf': Viterbi with the CRF's transitions; 'constrained': Viterbi over the log-softmax of the scores with zero
   * transitions, only the constraints (the softmax head without invalid tags); 'argmax': each position alone.
   */
  decode: z.enum(['crf', 'constrained', 'argmax']),
  /** The CRF (required by `decode: 'crf'`); its `constraints` apply unless `constraints` is given here. */
  crf: z.custom<LinearChainCrf>((v) => v instanceof LinearChainCrf, 'expected a LinearChainCrf').optional(),
  /** Forbidden transitions (e.g. `iob2Constraints(labels)`); required by 'constrained'; `null`: none, not even the CRF's. */
  constraints: z
    .custom<TagConstraints>((v) => typeof v === 'object' && v !== null && 'allowed' in v, 'expected TagConstraints')
    .nullable()
    .optional(),
  /** How the second input marks tagged positions: labels ≠ `ignoreIndex`, or BertTokenize's `wordIds` (first sub-token of each word). */
  positionsFrom: z.enum(['labels', 'wordIds']).default('wordIds'),
  /** Label of untagged positions, in and out. */
  ignoreIndex: z.number().int().default(-100),
});

/** Options of {@link TagDecode}. */
export type TagDecodeOptions = z.input<typeof tagDecodeSchema>;

/**
 * Decodes emission scores into tag ids over each sentence's tagged positions (compacted as {@link CrfLoss} does):
 * Viterbi with a CRF's transitions (`decode: 'crf'`), Viterbi with IOB2 constraints over a softmax head's
 * log-probabilities (`'constrained'`), or the per-position argmax. Writes `[B, L]` int32 ids, `ignoreIndex`
 * elsewhere, which SeqEval, TagPredictions, Accuracy and TokenTagger read as predictions.
 *
 * @example
 * new TagDecode({ inputs: ['yPred', 'wordIds'], outputs: 'yTag', decode: 'crf', crf: model.crf });
 */
export class TagDecode extends TensorOp<typeof tagDecodeSchema> {
  readonly decode: TagDecoding;

  constructor(options: TagDecodeOptions) {
    super(options, tagDecodeSchema);
    const o = this.options;
    this.decode = o.decode;
    if (this.inputs.length !== 2 || this.outputs.length !== 1) {
      throw new ConfigError(
        this.name,
        [],
        `${this.name}: expected inputs [scores, positions] and one output, received inputs [${this.inputs}]`,
      );
    }
    if (o.decode === 'crf' && !o.crf) throw new ConfigError(this.name, [], `${this.name}: decode 'crf' needs a crf`);
    if (o.decode === 'constrained' && !o.constraints) {
      throw new ConfigError(this.name, [], `${this.name}: decode 'constrained' needs constraints (e.g. iob2Constraints(labels))`);
    }
  }

  /** Key of the tag ids written. */
  get outputKey(): string {
    return this.outputs[0]!;
  }

  override forward([scores, marks]: tf.Tensor[]): tf.Tensor2D {
    const o = this.options;
    if (scores!.rank !== 3 || marks!.rank !== 2 || marks!.shape[0] !== scores!.shape[0] || marks!.shape[1] !== scores!.shape[1]) {
      throw new OpError(
        this.name,
        undefined,
        `expected scores [B, L, C] and positions [B, L], received [${scores!.shape}] and [${marks!.shape}]`,
      );
    }
    const [B, L, C] = scores!.shape as [number, number, number];
    if (o.crf && o.crf.numTags !== C)
      throw new OpError(this.name, this.inputs[0], `expected ${o.crf.numTags} tags (the CRF's), received ${C}`);
    const m = marks!.dataSync();
    const pos: LabelledPositions =
      o.positionsFrom === 'labels' ? positionsFromLabels(m, B, L, o.ignoreIndex) : positionsFromWordIds(m, B, L);
    const e = scores!.dataSync();
    const out = new Int32Array(B * L).fill(o.ignoreIndex);
    const vs: ViterbiScores = { numTags: C };
    const constraints = o.constraints === null ? undefined : (o.constraints ?? o.crf?.constraints);
    if (this.decode === 'crf') {
      vs.transitions = o.crf!.transitions.dataSync();
      vs.start = o.crf!.startTransitions.dataSync();
      vs.end = o.crf!.endTransitions.dataSync();
    }
    if (this.decode !== 'argmax' && constraints) vs.constraints = constraints;
    pos.lengths.forEach((len, r) => {
      const rows = pos.index.subarray(r * pos.steps, r * pos.steps + len);
      const path = decodeSequence(e, rows, this.decode, vs);
      for (let t = 0; t < len; t++) out[rows[t]!] = path[t]!;
    });
    return tf.tensor2d(out, [B, L], 'int32');
  }
}
