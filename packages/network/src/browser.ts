/**
 * `@fets/network/browser`: what a web page needs to run a fets BERT on @tensorflow/tfjs: the token-classification
 * model, its Hugging Face config reader, and weights from safetensors bytes (files are fetched by the page).
 */
export { BertForTokenClassification, bertForTokenClassification } from './architectures/bert/tokenClassification.js';
export { BertCrfForTokenClassification, bertCrfForTokenClassification } from './architectures/bert/crfTokenClassification.js';
export { viterbiPath } from './ops/crf/viterbi.js';
export { decodeSequence } from './ops/crf/decodeSequence.js';
export type { TagDecoding } from './ops/crf/decodeSequence.js';
export { fromHfConfig } from './architectures/bert/config.js';
export { loadWeights } from './architectures/bert/pretrained.js';
export { parseSafetensors } from './io/safetensors.js';
// The model folder (fets.json + Hugging Face's files): checked and loaded from fetched bytes.
export { readModelFolder } from './io/modelFolder/readFolder.js';
export type { FolderReader, LoadedModelFolder } from './io/modelFolder/readFolder.js';
export { ModelFolderError } from './io/modelFolder/errors.js';
export { headDecoding } from './io/modelFolder/headDecoding.js';
export type { CrfScores, HeadDecoding } from './io/modelFolder/headDecoding.js';
