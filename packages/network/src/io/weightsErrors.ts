import { FetsError } from '@fets/pipeline';

/**
 * A weights file on disk does not match its manifest: shorter or longer than the shapes and dtypes listed, missing,
 * or its manifest is malformed. Names the file and, for size mismatches, the expected and received byte counts.
 *
 * @example
 * // WeightsFileError: runs/ner/weights.bin: expected 1048576 bytes (from model.json), received 524288 (truncated?)
 */
export class WeightsFileError extends FetsError {
  constructor(
    readonly file: string,
    message: string,
    readonly expectedBytes?: number,
    readonly receivedBytes?: number,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }

  /** The size-mismatch form: `file: expected N bytes (from manifest), received M`. */
  static sizeMismatch(file: string, manifest: string, expected: number, received: number): WeightsFileError {
    const hint = received < expected ? ' (truncated?)' : '';
    return new WeightsFileError(file, `expected ${expected} bytes (from ${manifest}), received ${received}${hint}`, expected, received);
  }
}

/**
 * A weights file does not fit the model it is loaded into: weights the model needs are missing from the file
 * (typically a checkpoint of another model). Names the file, the model, the missing weights and the file's weights
 * the model does not use.
 *
 * @example
 * // WeightsMismatchError: ckpt/m.safetensors: does not fit model "m": 2 of its 4 weights are missing from the file:
 * //   dense_1/kernel, dense_1/bias; the file has 2 weights the model does not use: head/kernel, head/bias
 */
export class WeightsMismatchError extends FetsError {
  constructor(
    readonly file: string,
    readonly model: string,
    readonly expectedCount: number,
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
  ) {
    const list = (names: readonly string[]) =>
      `${names.slice(0, 20).join(', ')}${names.length > 20 ? `, … (${names.length - 20} more)` : ''}`;
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} of its ${expectedCount} weights are missing from the file: ${list(missing)}`);
    if (unexpected.length) parts.push(`the file has ${unexpected.length} weights the model does not use: ${list(unexpected)}`);
    else parts.push('the file has no other weights');
    super(`${file}: does not fit model "${model}": ${parts.join('; ')}`);
  }
}

/**
 * A weight in a file has another shape than the model's variable of the same name (a config that does not match the
 * checkpoint). Names the file, the weight, the expected (model) and received (file) shapes.
 *
 * @example
 * // WeightsShapeError: ckpt/m.safetensors: weight "dense_1/kernel": expected shape [16, 3] (the model's), received [16, 5] (in the file)
 */
export class WeightsShapeError extends FetsError {
  constructor(
    readonly file: string,
    readonly weight: string,
    readonly expected: readonly number[],
    readonly received: readonly number[],
  ) {
    super(
      `${file}: weight "${weight}": expected shape [${expected.join(', ')}] (the model's), received [${received.join(', ')}] (in the file)`,
    );
  }
}
