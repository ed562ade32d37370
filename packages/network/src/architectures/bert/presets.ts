import { ConfigError, nearestName } from '@fets/pipeline';
import type { BertConfigInput } from './config.js';

/**
 * Sizes of Google's compact BERTs (Turc et al. 2019, "Well-Read Students Learn Better"; the `google/bert_uncased_L-*`
 * checkpoints) and of bert-base: layers, hidden size, attention heads; the feed-forward size is 4 × hidden.
 * vocabSize 30,522 (bert-base-uncased's WordPiece vocabulary).
 */
export const BERT_PRESETS = {
  tiny: { numHiddenLayers: 2, hiddenSize: 128, numAttentionHeads: 2 },
  mini: { numHiddenLayers: 4, hiddenSize: 256, numAttentionHeads: 4 },
  small: { numHiddenLayers: 4, hiddenSize: 512, numAttentionHeads: 8 },
  medium: { numHiddenLayers: 8, hiddenSize: 512, numAttentionHeads: 8 },
  base: { numHiddenLayers: 12, hiddenSize: 768, numAttentionHeads: 12 },
} as const;

/** A preset name. */
export type BertPresetName = keyof typeof BERT_PRESETS;

/** True when `name` is a preset name. */
export function isBertPreset(name: string): name is BertPresetName {
  return Object.hasOwn(BERT_PRESETS, name);
}

/**
 * The options of a preset size, with overrides (e.g. `numLabels`, `maxPositionEmbeddings`, `seed`).
 *
 * @example
 * const model = bertForTokenClassification(bertPreset('mini', { numLabels: 25, seed: 0 }));
 */
export function bertPreset(name: string, overrides: Partial<BertConfigInput> = {}): BertConfigInput {
  if (!isBertPreset(name)) {
    const near = nearestName(name, Object.keys(BERT_PRESETS));
    throw new ConfigError(
      'bertPreset',
      [],
      `bertPreset: unknown size "${name}"${near ? `, did you mean "${near}"?` : ''} (valid: ${Object.keys(BERT_PRESETS).join(', ')})`,
    );
  }
  const p = BERT_PRESETS[name];
  return { vocabSize: 30522, intermediateSize: 4 * p.hiddenSize, ...p, ...overrides };
}
