import { FetsError } from '@fets/pipeline';

/**
 * A model folder cannot be used: a file missing, damaged, unreadable or inconsistent with another. Every subclass
 * names the file; `folder` is the folder as given.
 */
export class ModelFolderError extends FetsError {
  constructor(
    /** The model folder (path or URL as given). */
    readonly folder: string,
    /** The file at fault (one of `files` when several are). */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Files a model folder must hold are absent (or the folder itself: `files` is then empty). */
export class ModelFolderMissingError extends ModelFolderError {
  constructor(
    folder: string,
    /** The missing file names (none when the folder itself is missing). */
    readonly files: readonly string[],
    why = 'a model folder holds config.json, model.safetensors, the tokenizer files and fets.json (written by BestModelSaver or ModelSaver with modelFolder)',
  ) {
    super(
      folder,
      files[0] ?? folder,
      files.length ? `${folder}: missing ${files.join(', ')} (${why})` : `${folder}: no such folder (${why})`,
    );
  }
}

/** A file's SHA-256 differs from the one `fets.json` records: the file was damaged or changed after it was written. */
export class ModelFolderChecksumError extends ModelFolderError {
  constructor(
    folder: string,
    file: string,
    /** SHA-256 recorded in fets.json. */
    readonly expected: string,
    /** SHA-256 of the file as read. */
    readonly received: string,
  ) {
    super(
      folder,
      file,
      `${folder}/${file}: damaged or changed: its SHA-256 is ${received.slice(0, 16)}…, fets.json records ${expected.slice(0, 16)}…`,
    );
  }
}

/** A file cannot be parsed, or holds a value the format does not allow. */
export class ModelFolderFormatError extends ModelFolderError {
  constructor(folder: string, file: string, problem: string, options?: { cause?: unknown }) {
    super(folder, file, `${folder}/${file}: ${problem}`, options);
  }
}

/** The folder holds another kind of model (another `model_type`, architecture or task). */
export class ModelFolderTypeError extends ModelFolderError {
  constructor(
    folder: string,
    file: string,
    /** Which field. */
    readonly field: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(folder, file, `${folder}/${file}: ${field}: expected ${expected}, received ${received} (a model of another type)`);
  }
}

/** Two files disagree: the vocabulary and the embedding size, the labels and the head, the tokenizer files. */
export class ModelFolderMismatchError extends ModelFolderError {
  constructor(
    folder: string,
    file: string,
    /** What disagrees, e.g. `tokens` or `labels`. */
    readonly what: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(folder, file, `${folder}/${file}: ${what}: expected ${expected}, received ${received}`);
  }
}
