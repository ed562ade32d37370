import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { atomicWriteFiles, SaveError, type AtomicWriteOptions } from './atomic.js';
import { WeightsFileError } from './weightsErrors.js';

/** File names of a saved tf.LayersModel directory (the tfjs-node `file://` layout). */
export const MODEL_JSON = 'model.json';
/** The single binary file holding every weight of a saved model. */
export const WEIGHTS_BIN = 'weights.bin';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes the manifest entries describe (quantized entries count their stored dtype). */
export function manifestByteLength(specs: readonly tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const s of specs) {
    const n = s.shape.reduce((p, d) => p * d, 1);
    const dtype = s.quantization?.dtype ?? s.dtype;
    const per = BYTES[dtype];
    if (per === undefined) throw new WeightsFileError('weights manifest', `weight "${s.name}": unsupported dtype ${dtype}`);
    total += n * per;
  }
  return total;
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new SaveError(undefined, dir, 'creating the directory', 'nothing was written', e);
  }
}

/** Reads a whole file; a missing file becomes a WeightsFileError naming it. */
async function readFileNamed(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WeightsFileError(file, `cannot read ${what}: ${code ?? (e as Error).message}`, undefined, undefined, { cause: e });
  }
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Options of {@link fileSystem}, {@link saveVariables}. */
export type WeightsIOOptions = AtomicWriteOptions;

/**
 * A tf.io.IOHandler for a directory on disk, without tfjs-node: `save` writes `model.json` + `weights.bin`
 * atomically (temporary files, fsync, rename; a failed save leaves the previous pair intact), `load` reads them back
 * bit-exactly and checks `weights.bin` against the manifest. `file://` URLs are routed here too.
 *
 * In: a directory path (or `file://` URL; a path ending in `model.json` names the file itself).
 * Out: an IOHandler for `model.save(...)` / `tf.loadLayersModel(...)`.
 *
 * @example
 * await model.save(fileSystem('runs/ner/best'));
 * const back = await tf.loadLayersModel(fileSystem('runs/ner/best'));   // or tf.loadLayersModel('file://runs/ner/best')
 */
export function fileSystem(target: string, options: WeightsIOOptions = {}): tf.io.IOHandler {
  const p = target.startsWith('file://') ? target.slice('file://'.length) : target;
  const isJson = path.basename(p) === MODEL_JSON;
  const dir = isJson ? path.dirname(p) : p;
  const jsonPath = path.join(dir, MODEL_JSON);
  const binPath = path.join(dir, WEIGHTS_BIN);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new SaveError(undefined, jsonPath, 'saving', 'nothing was written', new Error('binary model topologies are not supported'));
      }
      const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) modelJson.modelInitializer = artifacts.modelInitializer;
      await ensureDir(dir);
      // weights.bin first: a model.json never points at a weights file older than itself.
      await atomicWriteFiles(
        [
          [binPath, new Uint8Array(data)],
          [jsonPath, JSON.stringify(modelJson)],
        ],
        options,
      );
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(modelJson.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? [])),
          weightDataBytes: data.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const text = (await readFileNamed(jsonPath, 'the model manifest')).toString('utf8');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new WeightsFileError(jsonPath, `not valid JSON: ${(e as Error).message}`, undefined, undefined, { cause: e });
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          const groupSpecs = group.weights;
          const files = await Promise.all(group.paths.map((f) => readFileNamed(path.join(dir, f), 'a weights file')));
          const received = files.reduce((n, b) => n + b.byteLength, 0);
          const expected = manifestByteLength(groupSpecs);
          if (received !== expected) {
            const named = group.paths.length === 1 ? path.join(dir, group.paths[0]!) : `${dir}/{${group.paths.join(',')}}`;
            throw WeightsFileError.sizeMismatch(named, MODEL_JSON, expected, received);
          }
          specs.push(...groupSpecs);
          buffers.push(...files.map(toArrayBuffer));
        }
        return [specs, buffers.length === 1 ? buffers[0]! : tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

let routersRegistered = false;

/**
 * Registers the `file://` save and load routers (done when @fets/network is imported; calling again is harmless), so
 * `model.save('file://dir')` and `tf.loadLayersModel('file://dir')` work without tfjs-node.
 *
 * @example
 * registerFileRouters(); await model.save('file:///tmp/m');
 */
export function registerFileRouters(): void {
  if (routersRegistered) return;
  routersRegistered = true;
  const route = (url: string | string[], _options?: tf.io.LoadOptions): tf.io.IOHandler =>
    (typeof url === 'string' && url.startsWith('file://') ? fileSystem(url) : null) as tf.io.IOHandler;
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
}
registerFileRouters();
