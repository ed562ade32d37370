import { FetsError } from '@fets/pipeline';

/** Int8 inference could not be used as asked. */
export class Int8Error extends FetsError {}

/**
 * An int8 layer was run under a gradient tape (training or tf.grad): int8 weights are for inference only.
 *
 * @example
 * // Int8TapeError: int8 linear bert.encoder.layer.0.attention.self.query.weight: inference only, called under a gradient tape (training); load the model without int8 to train it
 */
export class Int8TapeError extends Int8Error {
  constructor(readonly layer: string) {
    super(`int8 linear ${layer}: inference only, called under a gradient tape (training); load the model without int8 to train it`);
  }
}

/** The int8 kernel is not available here (no native addon, or another backend than wasm). */
export class Int8UnavailableError extends Int8Error {
  constructor(
    readonly owner: string,
    readonly reason: string,
  ) {
    super(`${owner}: int8 inference needs fets' native kernels on the wasm backend: ${reason}`);
  }
}

/** A variable's values changed after it was quantized (assigned): its int8 copy no longer matches. */
export class Int8StaleError extends Int8Error {
  constructor(readonly layer: string) {
    super(`int8 linear ${layer}: the float weights were assigned after quantization; quantize the model again (useInt8)`);
  }
}

/** A model folder's int8 file is missing or does not fit the model. */
export class Int8FolderError extends Int8Error {
  constructor(
    readonly folder: string,
    readonly file: string,
    detail: string,
  ) {
    super(`${folder}/${file}: ${detail}`);
  }
}
