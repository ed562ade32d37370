/** @fets/network. Explicit exports, grouped by idea. @packageDocumentation */
export {};
// architectures
export type { FunctionModel } from './architectures/functionModel.js';
export {
  BERT_ACTIVATIONS,
  bertConfigSchema,
  hfBertConfigSchema,
  fromHfConfig,
  resolveBertConfig,
  readBertConfig,
  toHfConfig,
  isHfConfig,
} from './architectures/bert/config.js';
export type { BertActivation, BertConfig, BertConfigInput, HfBertConfig } from './architectures/bert/config.js';
export { FLOAT32_MIN, SeedStream } from './architectures/bert/layers.js';
export { BertModel, BertInputError, bertModel } from './architectures/bert/bertModel.js';
export type { BertOutput } from './architectures/bert/bertModel.js';
export { BertForTokenClassification, bertForTokenClassification } from './architectures/bert/tokenClassification.js';
export type { TokenClassificationOutput } from './architectures/bert/tokenClassification.js';
export {
  CheckpointShapeError,
  loadWeights,
  fromPretrained,
  savePretrained,
  fromPretrainedOptionsSchema,
} from './architectures/bert/pretrained.js';
export type { LoadReport, PretrainedBert, FromPretrainedOptions } from './architectures/bert/pretrained.js';
// io: safetensors, hub
export {
  SafetensorsError,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  f16ToF32,
} from './io/safetensors.js';
export type { SafetensorsDType, SafetensorsTensor, SafetensorsFile, SafetensorsF32Entry } from './io/safetensors.js';
export {
  HubError,
  HubCacheMissError,
  hubOptionsSchema,
  hubCacheDir,
  hubOffline,
  hubEndpoint,
  repoCacheDir,
  hubDownload,
  resolveModelFiles,
} from './io/hub.js';
export type { HubOptions } from './io/hub.js';
