import { iob2Constraints } from '../../ops/crf/iob2Constraints.js';
import { LinearChainCrf } from '../../ops/crf/linearChainCrf.js';
import { resolveBertConfig, type BertConfig, type BertConfigInput, type HfBertConfig } from './config.js';
import { BertForTokenClassification } from './tokenClassification.js';

/**
 * {@link BertForTokenClassification} with a linear-chain CRF head: the same encoder and `classifier` (whose logits
 * are the CRF's emission scores), plus the CRF's transitions as parameters of the model (`crf.transitions` [C, C],
 * `crf.start_transitions` [C], `crf.end_transitions` [C]), so the UpdateOp that trains the model trains them and
 * `savePretrained` writes them into `model.safetensors` beside the Hugging Face tensors (transformers ignores them as
 * unused keys). When the labels are IOB2 tags, decoding forbids the transitions IOB2 does not allow.
 * Train with {@link CrfLoss} and decode with {@link TagDecode} (`decode: 'crf'`), both given `model.crf`.
 *
 * @example
 * const model = bertCrfForTokenClassification(bertPreset('mini', { id2label: labels, seed: 0 }));
 * new CrfLoss({ inputs: ['yPred', 'y'], outputs: 'ce', crf: model.crf });
 */
export class BertCrfForTokenClassification extends BertForTokenClassification {
  /** The CRF head (its variables are also in `trainableWeights()` and `namedWeights()`). */
  readonly crf: LinearChainCrf;

  constructor(config: BertConfig) {
    super(config);
    this.crf = new LinearChainCrf({
      numTags: config.numLabels,
      name: `${this.scope}/crf`,
      ...(config.seed === undefined ? {} : { seed: config.seed + 3 }),
    });
    for (const [name, v] of this.crf.namedWeights()) this.params.set(name, v);
    if (config.labels.some((l) => /^[BI]-/.test(l))) this.crf.constraints = iob2Constraints(config.labels);
  }
}

/**
 * Builds a randomly initialised {@link BertCrfForTokenClassification} from fets options or a Hugging Face
 * `config.json` object (as {@link bertForTokenClassification}).
 *
 * @example
 * const model = bertCrfForTokenClassification({ ...miniConfig, id2label: labels, seed: 0 });
 */
export function bertCrfForTokenClassification(config: BertConfigInput | HfBertConfig): BertCrfForTokenClassification {
  return new BertCrfForTokenClassification(resolveBertConfig(config, 'BertForTokenClassification'));
}
