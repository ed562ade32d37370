/** @fets/network. Explicit exports, grouped by idea. @packageDocumentation */
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
export { BertWithHead } from './architectures/bert/bertWithHead.js';
export { BertForTokenClassification, bertForTokenClassification } from './architectures/bert/tokenClassification.js';
export type { TokenClassificationOutput } from './architectures/bert/tokenClassification.js';
export { BertCrfForTokenClassification, bertCrfForTokenClassification } from './architectures/bert/crfTokenClassification.js';
export { ElectraGenerator } from './architectures/bert/electraGenerator.js';
export { ElectraDiscriminator } from './architectures/bert/electraDiscriminator.js';
export { ElectraPretraining, electraPretraining, electraOptionsSchema, generatorConfig } from './architectures/bert/electraPretraining.js';
export type { ElectraOptions } from './architectures/bert/electraPretraining.js';
export { ReplacedTokenLoss } from './architectures/bert/replacedTokenLoss.js';
export type { ReplacedTokenLossOptions } from './architectures/bert/replacedTokenLoss.js';
export {
  CheckpointShapeError,
  loadWeights,
  fromPretrained,
  savePretrained,
  fromPretrainedOptionsSchema,
} from './architectures/bert/pretrained.js';
export type { LoadReport, PretrainedBert, FromPretrainedOptions } from './architectures/bert/pretrained.js';
export { lenet, lenetOptions } from './architectures/vision/lenet.js';
export type { LenetOptions } from './architectures/vision/lenet.js';
export { resnet9, resnet9Options } from './architectures/vision/resnet9.js';
export type { Resnet9Options } from './architectures/vision/resnet9.js';
// io: safetensors, hub
export {
  SafetensorsError,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  f16ToF32,
} from './io/safetensors.js';
export type { SafetensorsDType, SafetensorsTensor, SafetensorsFile, SafetensorsF32Entry, SafetensorsEntry } from './io/safetensors.js';
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
// ops (TensorOps, ModelOp, UpdateOp, meta ops)
export { CutMixBatch, cutMixOptions } from './ops/tensor/augmentation/cutMixBatch.js';
export type { CutMixOptions } from './ops/tensor/augmentation/cutMixBatch.js';
export { MixUpBatch, mixUpOptions } from './ops/tensor/augmentation/mixUpBatch.js';
export type { MixUpOptions } from './ops/tensor/augmentation/mixUpBatch.js';
export { TensorOp } from './ops/tensorOp.js';
export { makeStepState } from './stepState.js';
export type { StepState, StepStateInput } from './stepState.js';
export { LambdaOp } from './ops/tensor/lambdaOp.js';
export type { LambdaOpOptions } from './ops/tensor/lambdaOp.js';
export { Delete } from './ops/tensor/delete.js';
export { Reshape } from './ops/tensor/reshape.js';
export type { ReshapeOptions } from './ops/tensor/reshape.js';
export { Argmax } from './ops/tensor/argmax.js';
export type { ArgmaxOptions } from './ops/tensor/argmax.js';
export { Average } from './ops/tensor/average.js';
export { Permute, Transpose } from './ops/tensor/permute.js';
export type { PermuteOptions } from './ops/tensor/permute.js';
export { Sometimes } from './ops/meta/sometimes.js';
export type { SometimesOptions } from './ops/meta/sometimes.js';
export { OneOf } from './ops/meta/oneOf.js';
export { Repeat } from './ops/meta/repeat.js';
export type { RepeatOptions } from './ops/meta/repeat.js';
export { Fuse } from './ops/meta/fuse.js';
export { ModelOp } from './ops/modelOp.js';
export type { ModelOpOptions } from './ops/modelOp.js';
export { UpdateOp, NonFiniteLossError, clipByGlobalNorm } from './ops/updateOp.js';
export type { UpdateOpOptions, UpdateOutcome } from './ops/updateOp.js';
// losses
export { LossOp, lossOptionsSchema, meanLastAxis } from './ops/loss/lossOp.js';
export type { LossOptions } from './ops/loss/lossOp.js';
export { CrossEntropy } from './ops/loss/crossEntropy.js';
export type { CrossEntropyOptions, CrossEntropyForm } from './ops/loss/crossEntropy.js';
export { sparseSoftmaxCrossEntropy } from './ops/loss/sparseSoftmaxCrossEntropy.js';
export { MeanSquaredError } from './ops/loss/meanSquaredError.js';
export type { MeanSquaredErrorOptions } from './ops/loss/meanSquaredError.js';
export { L1Loss } from './ops/loss/l1Loss.js';
export type { L1LossOptions } from './ops/loss/l1Loss.js';
export { FocalLoss } from './ops/loss/focalLoss.js';
export type { FocalLossOptions } from './ops/loss/focalLoss.js';
export { L2Regularization } from './ops/loss/l2Regularization.js';
export type { L2RegularizationOptions } from './ops/loss/l2Regularization.js';
// CRF head: linear-chain CRF loss, Viterbi decoding, IOB2 constraints
export { LinearChainCrf, CRF_WEIGHT_NAMES } from './ops/crf/linearChainCrf.js';
export type { LinearChainCrfOptions } from './ops/crf/linearChainCrf.js';
export { CrfLoss } from './ops/crf/crfLoss.js';
export type { CrfLossOptions } from './ops/crf/crfLoss.js';
export { TagDecode } from './ops/crf/tagDecode.js';
export type { TagDecodeOptions } from './ops/crf/tagDecode.js';
export { iob2Constraints, countInvalidIob2 } from './ops/crf/iob2Constraints.js';
export type { TagConstraints } from './ops/crf/iob2Constraints.js';
export { crfLogPartition, crfGoldScore, compactEmissions, stepMask } from './ops/crf/crfScores.js';
export { compactPositions, positionsFromLabels, positionsFromWordIds } from './ops/crf/labelledPositions.js';
export type { LabelledPositions } from './ops/crf/labelledPositions.js';
export { viterbiPath } from './ops/crf/viterbi.js';
export type { ViterbiScores } from './ops/crf/viterbi.js';
export { decodeSequence } from './ops/crf/decodeSequence.js';
export type { TagDecoding } from './ops/crf/decodeSequence.js';
// build, optimizers, models
export {
  build,
  isBuilt,
  getModelName,
  getOptimizer,
  getAllOptimizers,
  selectOptimizer,
  getLearningRate,
  setLearningRate,
  describeModel,
} from './build.js';
export type { BuildOptions, OptimizerSpec } from './build.js';
export { Adam } from './optimizers/adam.js';
export type { AdamOptions } from './optimizers/adam.js';
export { AdamW, OptimizerStateError } from './optimizers/adamw.js';
export type { AdamWOptions } from './optimizers/adamw.js';
export { LrGroups } from './optimizers/lrGroups.js';
export type { LrGroupsOptions } from './optimizers/lrGroups.js';
export {
  OPTIMIZER_NAMES,
  makeOptimizer,
  isOptimizer,
  optimizerLearningRate,
  setOptimizerLearningRate,
} from './optimizers/optimizers.js';
export type { OptimizerName } from './optimizers/optimizers.js';
export {
  functionModel,
  isLayersModel,
  isFunctionModel,
  isModel,
  trainableVariables,
  namedVariables,
  callModel,
} from './model.js';
export type { Model } from './model.js';
// network
export { Network, feedForward } from './network.js';
export type { NetworkOptions, StepResult } from './network.js';
export type { UpdateRecord } from './trainPasses.js';
export { flattenOps, currentOps, keyFlow, checkKeys } from './graph.js';
export type { NetworkOpEntry } from './graph.js';
export { toTensor, toNDArray, tensorsIn } from './tensorData.js';
// architectures: BERT preset sizes
export { BERT_PRESETS, bertPreset, isBertPreset } from './architectures/bert/presets.js';
export type { BertPresetName } from './architectures/bert/presets.js';
// build: weights file
export { loadWeightsFile } from './build.js';
// backend
export { initBackend, getBackendInfo, selectBackend, describeBackend, defaultWasmThreads } from './backend/init.js';
export type { BackendInfo, InitBackendOptions } from './backend/init.js';
export { defaultCandidates, BACKEND_KINDS } from './backend/candidates.js';
export type { BackendCandidate, BackendKind, LoadedBackend, CandidateOptions } from './backend/candidates.js';
export { BackendError } from './backend/errors.js';
export { loadWasmBackend } from './backend/wasm.js';
export type { WasmStatus } from './backend/wasm.js';
export {
  adapterLabel,
  describeAdapterInfo,
  gpuDeviceNodes,
  loadWebGpuBackend,
  probeWebGpuAdapter,
  webGpuStatus,
} from './backend/webgpu.js';
export type { WebGpuAdapter, WebGpuStatus } from './backend/webgpu.js';
// kernels: the switches (the kernel layer itself is `@fets/network/kernels`)
export { getKernelOverrides, setKernelOverrides } from './kernels/registry.js';
export type { KernelOverride, KernelOverrideSettings } from './kernels/registry.js';
export { nativeStatus, setNativeThreads } from './kernels/native/addon.js';
// distributed: data-parallel training on MPI (mpirun, srun)
export { World, initWorld, getWorld, worldIfStarted } from './distributed/world.js';
export { detectLaunch } from './distributed/launch.js';
export type { Launch } from './distributed/launch.js';
export { loadMpiBinding, mpiBindingDir } from './distributed/binding.js';
export type { MpiBinding, MpiInfo, MpiLoad, ReducibleArray } from './distributed/binding.js';
export { MpiError, MpiUnavailableError, DistributedMismatchError } from './distributed/errors.js';
export { allreduceMean, broadcastTensors, fusionGroups, DEFAULT_FUSION_BYTES } from './distributed/fusion.js';
export { broadcastModel, ensureModelSynced, markModelUnsynced } from './distributed/syncModel.js';
export { threadsPerRank, describeWorld } from './distributed/share.js';
// io
export { atomicWriteFile, atomicWriteFiles, atomicWriteFolder, SaveError } from './io/atomic.js';
export type { AtomicFolderOptions, AtomicFs, AtomicWriteOptions, FileData } from './io/atomic.js';
export { fileSystem, registerFileRouters, manifestByteLength, MODEL_JSON, WEIGHTS_BIN } from './io/weights.js';
export type { WeightsIOOptions } from './io/weights.js';
export { saveVariables, loadVariables, VARIABLES_JSON, VARIABLES_BIN } from './io/variables.js';
export type { VariableSpec, VariablesManifest } from './io/variables.js';
export { WeightsFileError } from './io/weightsErrors.js';
// io/modelFolder: one folder that runs anywhere (Hugging Face's files plus fets.json, checked on load)
export {
  CRF_TENSORS,
  MODEL_FOLDER_FILES,
  MODEL_FOLDER_MANIFEST,
  modelFolderConstraintsSchema,
  modelFolderHeadSchema,
  modelFolderInt8Schema,
  modelFolderManifestSchema,
  modelFolderTextSchema,
} from './io/modelFolder/manifest.js';
export type { ModelFolderHead, ModelFolderManifest, ModelFolderText } from './io/modelFolder/manifest.js';
export {
  ModelFolderChecksumError,
  ModelFolderError,
  ModelFolderFormatError,
  ModelFolderMismatchError,
  ModelFolderMissingError,
  ModelFolderTypeError,
} from './io/modelFolder/errors.js';
export { sha256Hex } from './io/modelFolder/checksum.js';
export { tokenizerFiles, readTokenizerFiles } from './io/modelFolder/tokenizerFiles.js';
export type { TokenizerTexts } from './io/modelFolder/tokenizerFiles.js';
export { modelFolderFiles, addToManifest } from './io/modelFolder/folderFiles.js';
export type { ModelFolderParts } from './io/modelFolder/folderFiles.js';
export { readModelFolder } from './io/modelFolder/readFolder.js';
export type { FolderReader, LoadedModelFolder } from './io/modelFolder/readFolder.js';
export { headDecoding, HeadDecodingError } from './io/modelFolder/headDecoding.js';
export type { CrfScores, HeadDecoding } from './io/modelFolder/headDecoding.js';
// int8: dense layers with int8 weights at inference (fets export --quantize int8, fets predict --int8)
export { quantizeInt8, roundHalfEven, INT8_LAYER_PATTERN, int8ScaleName } from './int8/quantize.js';
export type { QuantizedMatrix } from './int8/quantize.js';
export { useInt8, releaseInt8, int8Layers, int8LinearFor, quantizeModelWeights } from './int8/int8Model.js';
export type { Int8Quantizable } from './int8/int8Model.js';
export { INT8_FILE, serializeInt8Layers, parseInt8Layers, int8FolderLayers } from './int8/int8File.js';
export { Int8Error, Int8TapeError, Int8UnavailableError, Int8StaleError, Int8FolderError } from './int8/errors.js';
export { Int8Weights, int8Linear, int8Available, INT8_LINEAR_KERNEL } from './kernels/native/int8Linear.js';
// io/onnx: a BERT token-classification folder as an ONNX model (fets export --format onnx)
export { buildOnnxModel, exportOnnx, onnxExportOptionsSchema } from './io/onnx/export.js';
export type { BuiltOnnxModel, OnnxExportOptions, OnnxExportResult } from './io/onnx/export.js';
export { OnnxExportError } from './io/onnx/errors.js';
export { decodeOnnxModel, encodeOnnxModel } from './io/onnx/proto.js';
export type { OnnxModel } from './io/onnx/proto.js';
export { BERT_ONNX_INPUTS, BERT_ONNX_OUTPUT, CRF_ONNX_OUTPUTS } from './io/onnx/bertGraph.js';
// faults catalogue: typed errors for bad labels, weights that do not fit, non-finite inputs
export { LabelRangeError } from './ops/loss/crossEntropy.js';
export { WeightsMismatchError, WeightsShapeError } from './io/weightsErrors.js';
export type { NonFiniteInput } from './ops/updateOp.js';
// architectures/bert: masked-language-model head (pretraining)
export { BertForMaskedLM, bertForMaskedLM } from './architectures/bert/maskedLM.js';
export type { MaskedLMOutput } from './architectures/bert/maskedLM.js';
// layers with fused kernels: the same values on every backend
export { dropoutSeeded } from './kernels/dropout.js';
export { geluErf } from './kernels/gelu.js';
export { layerNormLastAxis } from './kernels/layerNorm.js';
