import { INT8_FILE, quantizeModelWeights, serializeInt8Layers } from '@fets/network';
import { addFilesToModelFolder, loadModelFolder } from './loadModelFolder.js';

/** Quantization schemes `fets export --quantize` writes. */
export const QUANTIZE_SCHEMES = ['int8'] as const;
/** One of {@link QUANTIZE_SCHEMES}. */
export type QuantizeScheme = (typeof QUANTIZE_SCHEMES)[number];

/**
 * Adds `model.int8.safetensors` to a checked model folder: the dense layers' weights (each encoder layer's query,
 * key, value, attention output, intermediate and output, and the classifier) quantized per output channel from
 * `model.safetensors`, which stays as it was (the folder still loads in float32 everywhere: ONNX, the page,
 * transformers). `fets.json` records the file (its `int8` key and SHA-256), atomically. Returns the layers written.
 *
 * @example
 * await addInt8ToModelFolder('runs/ner-bert/model'); // then fets predict runs/ner-bert/model --int8
 */
export async function addInt8ToModelFolder(dir: string): Promise<string[]> {
  const loaded = await loadModelFolder(dir);
  let layers: ReturnType<typeof quantizeModelWeights>;
  try {
    layers = quantizeModelWeights(loaded.model);
  } finally {
    loaded.model.dispose();
  }
  const names = [...layers.keys()];
  await addFilesToModelFolder(
    dir,
    { [INT8_FILE]: serializeInt8Layers(layers) },
    { int8: { file: INT8_FILE, scheme: 'symmetric-per-channel', layers: names } },
  );
  return names;
}
