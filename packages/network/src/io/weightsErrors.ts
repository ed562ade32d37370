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
    return new WeightsFileError(
      file,
      `expected ${expected} bytes (from ${manifest}), received ${received}${hint}`,
      expected,
      received,
    );
  }
}
