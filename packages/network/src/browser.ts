/**
 * `@fets/network/browser`: what a web page needs to run a fets BERT on @tensorflow/tfjs: the token-classification
 * model, its Hugging Face config reader, weights from safetensors bytes (files are fetched by the page), and fets'
 * kernels for tfjs' wasm and webgpu backends. Nothing here loads the native addon or a Node.js module.
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
// fets' kernels: WebAssembly (the GEMM assembled at run time, GELU, LayerNorm, …) and WGSL
export { formatWasmKernelStatus, registerWasmKernels, wasmKernelOptionsSchema, wasmKernelStatus } from './kernels/wasmKernels.js';
export type { WasmKernelOptions, WasmKernelStatus } from './kernels/wasmKernels.js';
export { registerWebGpuKernels } from './kernels/webgpu/register.js';
