/** `fe.io`: files in and out (safetensors, Hugging Face Hub cache, downloads, ONNX export). */
export { parseSafetensors, readSafetensors, serializeSafetensors, hubDownload, resolveModelFiles } from '@fets/network';
export { readModelFolder, modelFolderFiles, sha256Hex, tokenizerFiles } from '@fets/network';
export { exportOnnx, OnnxExportError } from '@fets/network';
export { downloadFile } from '@fets/pipeline';
