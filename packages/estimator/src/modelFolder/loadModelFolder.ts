import { existsSync, statSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  MODEL_FOLDER_MANIFEST,
  ModelFolderMissingError,
  addToManifest,
  atomicWriteFiles,
  atomicWriteFolder,
  readModelFolder,
  type LoadedModelFolder,
  type ModelFolderManifest,
} from '@fets/network';

/** Reads files of a folder on disk: bytes, or undefined when the file does not exist. */
function diskReader(dir: string): (name: string) => Promise<Uint8Array | undefined> {
  return async (name) => {
    try {
      return new Uint8Array(await fsp.readFile(path.join(dir, name)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
}

/** True when `target` is a folder: `fets predict` and `fets export` then read it as a model folder, not an experiment file. */
export function isFolderPath(target: string): boolean {
  return existsSync(target) && statSync(target).isDirectory();
}

/**
 * Checks and loads a model folder from disk (see `readModelFolder` in @fets/network for what is checked): each missing,
 * damaged or inconsistent file is a one-line ModelFolderError naming it.
 *
 * @example
 * const { model, tokenizer, labels, manifest } = await loadModelFolder('runs/ner-bert/model');
 */
export async function loadModelFolder(dir: string): Promise<LoadedModelFolder> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelFolderMissingError(dir, [], `looked for ${path.resolve(dir)}`);
  }
  return readModelFolder(dir, diskReader(dir));
}

/**
 * Copies a model folder to `out` after checking it (a damaged folder is refused with the file named), atomically:
 * every file of the folder, `fets.json`-listed or not (e.g. a `model.onnx` beside it). Returns the names copied.
 *
 * @example
 * await copyModelFolder('runs/ner-bert/model', 'deploy/ner');
 */
export async function copyModelFolder(dir: string, out: string): Promise<string[]> {
  const loaded = await loadModelFolder(dir);
  loaded.model.dispose();
  const names = (await fsp.readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
  names.sort((a, b) => Number(a === MODEL_FOLDER_MANIFEST) - Number(b === MODEL_FOLDER_MANIFEST) || (a < b ? -1 : 1));
  await atomicWriteFolder(
    out,
    async (put) => {
      for (const name of names) await put(name, await fsp.readFile(path.join(dir, name)));
    },
    { owner: 'copyModelFolder', kept: `${out} is unchanged and no temporary folder is left` },
  );
  return names;
}

/**
 * Adds files to a checked model folder (e.g. `model.onnx` from an exporter) and records their SHA-256 in `fets.json`,
 * atomically (the files first, `fets.json` last), so the folder is still checked as a whole on load.
 *
 * @example
 * await addFilesToModelFolder('runs/ner-bert/model', { 'model.onnx': bytes });
 */
export async function addFilesToModelFolder(
  dir: string,
  files: Readonly<Record<string, Uint8Array>>,
  /** Keys of `fets.json` to set besides the checksums (e.g. `int8`). */
  manifestKeys: Partial<Omit<ModelFolderManifest, 'sha256'>> = {},
): Promise<void> {
  const loaded = await loadModelFolder(dir);
  loaded.model.dispose();
  const manifest = await addToManifest({ ...loaded.manifest, ...manifestKeys }, files);
  await atomicWriteFiles(
    [
      ...Object.entries(files).map(([n, b]): [string, Uint8Array] => [path.join(dir, n), b]),
      [path.join(dir, MODEL_FOLDER_MANIFEST), manifest],
    ],
    { owner: 'addFilesToModelFolder' },
  );
}
