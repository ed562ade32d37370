/** `fe.architecture`: model architectures (BERT) and model helpers. */
export {
  BertModel,
  BertForTokenClassification,
  bertModel,
  bertForTokenClassification,
  bertPreset,
  isBertPreset,
  BERT_PRESETS,
  fromPretrained,
  savePretrained,
  readBertConfig,
  functionModel,
} from '@fets/network';
export type { FunctionModel, BertConfigInput, PretrainedBert } from '@fets/network';
// a CRF head for token classification
export { BertCrfForTokenClassification, bertCrfForTokenClassification } from '@fets/network';
// masked-language-model pretraining
export { BertForMaskedLM, bertForMaskedLM } from '@fets/network';
// ELECTRA pretraining (replaced-token detection)
export { ElectraPretraining, electraPretraining, ElectraDiscriminator } from '@fets/network';
// vision: FastEstimator's LeNet and ResNet9
export { lenet, resnet9 } from '@fets/network';
export type { LenetOptions, Resnet9Options } from '@fets/network';
