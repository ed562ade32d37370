import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { atomicWriteFiles, SaveError } from './atomic.js';
import { WeightsFileError } from './weightsErrors.js';
import { manifestByteLength, type WeightsIOOptions } from './weights.js';

/** Manifest file of {@link saveVariables}. */
export const VARIABLES_JSON = 'variables.json';
/** Binary file of {@link saveVariables}: every tensor's bytes, in manifest order. */
export const VARIABLES_BIN = 'variables.bin';
const FORMAT = 'fets-variables';

/** One entry of `variables.json`. */
export interface VariableSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  /** Byte offset in variables.bin. */
  offset: number;
  byteLength: number;
}

/** The `variables.json` manifest. */
export interface VariablesManifest {
  format: typeof FORMAT;
  version: 1;
  file: string;
  byteLength: number;
  variables: VariableSpec[];
}

/**
 * Saves named tensors or variables (a function model's weights) to `dir` as `variables.json` (names, shapes,
 * dtypes, offsets) + `variables.bin` (raw little-endian bytes), atomically: a failed save leaves the previous pair
 * loadable.
 *
 * In: directory, record name → tf.Variable | tf.Tensor (float32, int32 or bool). Throws SaveError naming the
 * path when the directory cannot be written.
 *
 * @example
 * await saveVariables('runs/ner/epoch-3', { 'encoder/0/query/kernel': wq, ... });
 */
export async function saveVariables(
  dir: string,
  vars: Record<string, tf.Tensor | tf.Variable>,
  options: WeightsIOOptions = {},
): Promise<VariablesManifest> {
  const specs: VariableSpec[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(vars)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
      throw new SaveError(
        undefined,
        path.join(dir, VARIABLES_BIN),
        'saving',
        'nothing was written',
        new Error(`variable "${name}": unsupported dtype ${t.dtype}`),
      );
    }
    const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    specs.push({ name, shape: [...t.shape], dtype: t.dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const manifest: VariablesManifest = { format: FORMAT, version: 1, file: VARIABLES_BIN, byteLength: offset, variables: specs };
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new SaveError(undefined, dir, 'creating the directory', 'nothing was written', e);
  }
  await atomicWriteFiles(
    [
      [path.join(dir, VARIABLES_BIN), chunks],
      [path.join(dir, VARIABLES_JSON), JSON.stringify(manifest, null, 1)],
    ],
    options,
  );
  return manifest;
}

async function readNamed(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new WeightsFileError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, undefined, undefined, {
      cause: e,
    });
  }
}

/**
 * Loads what {@link saveVariables} wrote: a record name → new tf.Tensor (the caller owns and disposes them, or
 * assigns them into variables). Checks the manifest and that `variables.bin` has exactly the bytes it lists.
 *
 * Throws WeightsFileError naming the file: missing file, malformed manifest, or a size mismatch with expected and
 * received byte counts.
 *
 * @example
 * const loaded = await loadVariables('runs/ner/epoch-3');
 * for (const [name, v] of Object.entries(model.variables)) { v.assign(loaded[name]); }
 * tf.dispose(Object.values(loaded));
 */
export async function loadVariables(dir: string): Promise<Record<string, tf.Tensor>> {
  const jsonPath = path.join(dir, VARIABLES_JSON);
  let manifest: VariablesManifest;
  try {
    manifest = JSON.parse((await readNamed(jsonPath)).toString('utf8')) as VariablesManifest;
  } catch (e) {
    if (e instanceof WeightsFileError) throw e;
    throw new WeightsFileError(jsonPath, `not valid JSON: ${(e as Error).message}`, undefined, undefined, { cause: e });
  }
  if (manifest.format !== FORMAT || !Array.isArray(manifest.variables)) {
    throw new WeightsFileError(
      jsonPath,
      `expected format "${FORMAT}" with a variables list, received format ${JSON.stringify(manifest.format)}`,
    );
  }
  const binPath = path.join(dir, manifest.file ?? VARIABLES_BIN);
  const bin = await readNamed(binPath);
  const expected = manifestByteLength(manifest.variables.map((v) => ({ name: v.name, shape: v.shape, dtype: v.dtype })));
  if (bin.byteLength !== expected) throw WeightsFileError.sizeMismatch(binPath, VARIABLES_JSON, expected, bin.byteLength);
  const out: Record<string, tf.Tensor> = {};
  let offset = 0;
  for (const v of manifest.variables) {
    const n = v.shape.reduce((p, d) => p * d, 1);
    const bytes = bin.subarray(offset, offset + (v.dtype === 'bool' ? n : 4 * n));
    offset += bytes.byteLength;
    // Copy into an aligned buffer: Buffer slices may start at any byte offset.
    const copy = new Uint8Array(bytes).buffer;
    const values = v.dtype === 'float32' ? new Float32Array(copy) : v.dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
    out[v.name] = tf.tensor(values, v.shape, v.dtype);
  }
  return out;
}
