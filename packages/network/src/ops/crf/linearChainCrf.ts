import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import type { TagConstraints } from './iob2Constraints.js';

const crfSchema = z.strictObject({
  /** Number of tags (the emission scores' last axis). */
  numTags: z.number().int().min(1),
  /** Prefix of the variables' names (made unique per instance): `<name>/crf.transitions`, … */
  name: z.string().min(1).default('crf'),
  /** Seed of the initial values (uniform in ±`initRange`, as pytorch-crf); unseeded when absent. */
  seed: z.number().int().optional(),
  /** Half-width of the uniform initialisation. */
  initRange: z.number().min(0).default(0.1),
});

/** Options of {@link LinearChainCrf}. */
export type LinearChainCrfOptions = z.input<typeof crfSchema>;

/** Checkpoint names of the CRF's parameters (pytorch-crf's, under `crf.`). */
export const CRF_WEIGHT_NAMES = ['crf.transitions', 'crf.start_transitions', 'crf.end_transitions'] as const;

let instances = 0;

/**
 * The parameters of a linear-chain CRF over `numTags` tags: `transitions` [C, C] (score of tag j following tag i),
 * `startTransitions` [C] and `endTransitions` [C] (scores of the first and last tag of a sequence), plus optional
 * decoding constraints (e.g. {@link iob2Constraints}) that forbid some transitions at decoding time only. The
 * variables are trainable: hand them to the model an UpdateOp trains (a BERT model with a CRF head holds them; any
 * `functionModel` can list {@link variables}). {@link CrfLoss} and {@link TagDecode} read them.
 *
 * @example
 * const crf = new LinearChainCrf({ numTags: labels.length, seed: 0 });
 * crf.constraints = iob2Constraints(labels);
 * const model = functionModel({ name: 'tagger', call, variables: [...encoderVars, ...crf.variables] });
 */
export class LinearChainCrf {
  readonly numTags: number;
  readonly transitions: tf.Variable;
  readonly startTransitions: tf.Variable;
  readonly endTransitions: tf.Variable;
  /** Transitions forbidden when decoding (none by default). */
  constraints: TagConstraints | undefined;

  constructor(options: LinearChainCrfOptions) {
    const o = parseOptions('LinearChainCrf', crfSchema, options);
    this.numTags = o.numTags;
    const scope = `${o.name}_${instances++}`;
    const C = o.numTags;
    const make = (shape: number[], name: string, k: number) => {
      const seed = o.seed === undefined ? undefined : o.seed * 7 + k;
      const init = tf.randomUniform(shape, -o.initRange, o.initRange, 'float32', seed);
      const v = tf.variable(init, true, `${scope}/${name}`, 'float32');
      init.dispose();
      return v;
    };
    this.transitions = make([C, C], CRF_WEIGHT_NAMES[0], 0);
    this.startTransitions = make([C], CRF_WEIGHT_NAMES[1], 1);
    this.endTransitions = make([C], CRF_WEIGHT_NAMES[2], 2);
  }

  /** The three variables: transitions, start, end. */
  get variables(): tf.Variable[] {
    return [this.transitions, this.startTransitions, this.endTransitions];
  }

  /** The variables by checkpoint name (`crf.transitions`, `crf.start_transitions`, `crf.end_transitions`). */
  namedWeights(): Map<string, tf.Variable> {
    return new Map(CRF_WEIGHT_NAMES.map((n, i) => [n, this.variables[i]!]));
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
