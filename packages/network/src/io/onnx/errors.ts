import { FetsError } from '@fets/pipeline';

/**
 * A model cannot be written as ONNX: its folder lacks a file, its config is not a BERT token classifier, a weight is
 * missing or has the wrong shape. Names the file or tensor and what was expected.
 *
 * @example
 * // OnnxExportError: runs/ner/model/model.safetensors: classifier.weight: expected shape [25, 256] (from config.json), received [7, 256]
 */
export class OnnxExportError extends FetsError {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}
