import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Network, getModelName, type Model } from '@fets/network';
import { FetsError } from '@fets/pipeline';
import type { NetworkLike } from '../core/networkLike.js';
import { safeFileName } from '../traces/io/fileSafety.js';
import { loadModelWeights } from '../traces/io/modelWeights.js';
import { checkpointDamage, type CheckpointManifest } from '../traces/io/checkpointStore.js';
import { displayPath } from './configFile.js';

/** `--load` points at nothing usable for the Network's models. */
export class LoadWeightsError extends FetsError {}

/** One model's weights put back. */
export interface LoadedWeights {
  readonly model: string;
  readonly file: string;
  /** Names in the file the model does not use. */
  readonly unused: readonly string[];
}

const modelName = (m: Model): string => {
  try {
    return getModelName(m);
  } catch {
    return m.name;
  }
};

/** The weights file for one model in a folder: RestoreWizard's latest checkpoint, else BestModelSaver's, else ModelSaver's newest. */
function fileInDir(dir: string, name: string, files: readonly string[]): string {
  const latest = path.join(dir, 'latest');
  if (existsSync(latest) && statSync(latest).isFile()) {
    const ckpt = path.join(dir, readFileSync(latest, 'utf8').trim());
    const manifestFile = path.join(ckpt, 'manifest.json');
    let manifest: CheckpointManifest;
    try {
      manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as typeof manifest;
    } catch (e) {
      throw new LoadWeightsError(
        `--load ${displayPath(dir)}: a RestoreWizard folder whose checkpoint manifest cannot be read (${manifestFile}): ${(e as Error).message}`,
      );
    }
    const damage = checkpointDamage(ckpt, manifest);
    if (damage) {
      throw new LoadWeightsError(
        `--load ${displayPath(dir)}: checkpoint ${path.basename(ckpt)} is damaged: ${damage}; resume the run (--resume) to continue from the previous checkpoint`,
      );
    }
    const entry = manifest.models?.find((m) => m.name === name);
    if (!entry) {
      throw new LoadWeightsError(
        `--load ${displayPath(dir)}: the checkpoint ${ckpt} holds models ${(manifest.models ?? []).map((m) => `"${m.name}"`).join(', ') || 'none'}, not "${name}"`,
      );
    }
    return path.join(ckpt, entry.weights);
  }
  const stem = safeFileName(name);
  const best = files.filter((f) => f.startsWith(`${stem}_best_`) && f.endsWith('.safetensors'));
  if (best.length === 1) return path.join(dir, best[0]!);
  if (best.length > 1) {
    throw new LoadWeightsError(
      `--load ${displayPath(dir)}: several best-model files for model "${name}" (${best.join(', ')}); pass one file with --load ${displayPath(path.join(dir, best[0]!))}`,
    );
  }
  const epochs = files
    .map((f) => ({ f, m: new RegExp(`^${stem.replace(/[.]/g, '\\.')}_epoch_(\\d+)\\.safetensors$`).exec(f) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]));
  if (epochs.length > 0) return path.join(dir, epochs[0]!.f);
  const plain = `${stem}.safetensors`;
  if (files.includes(plain)) return path.join(dir, plain);
  const have = files.filter((f) => f.endsWith('.safetensors'));
  throw new LoadWeightsError(
    `--load ${displayPath(dir)}: no weights for model "${name}": expected ${stem}_best_<metric>.safetensors (BestModelSaver), ` +
      `${stem}_epoch_<n>.safetensors (ModelSaver) or a RestoreWizard folder (have: ${have.join(', ') || 'no .safetensors files'})`,
  );
}

/**
 * Loads saved weights into the models of a Network for `fets test --load`: `target` is a `.safetensors` file (one
 * model, or the model whose name starts the file name) or a folder written by BestModelSaver
 * (`<model>_best_<metric>.safetensors`), ModelSaver (newest `<model>_epoch_<n>.safetensors`) or RestoreWizard (its
 * `latest` checkpoint). Every model of the Network must find its weights; shapes must match.
 *
 * @example
 * loadSavedWeights(estimator.network, 'runs/ner-bert'); // [{ model: 'bert', file: 'runs/ner-bert/bert_best_f1.safetensors', … }]
 */
export function loadSavedWeights(network: NetworkLike, target: string): LoadedWeights[] {
  if (!(network instanceof Network))
    throw new LoadWeightsError('--load: the Estimator runs no @fets/network Network, so there are no models to load into');
  const models = [...network.models];
  if (models.length === 0) throw new LoadWeightsError('--load: the Network runs no model (no ModelOp)');
  if (!existsSync(target)) throw new LoadWeightsError(`--load ${target}: no such file or folder (looked for ${path.resolve(target)})`);
  const out: LoadedWeights[] = [];
  if (statSync(target).isDirectory()) {
    const files = readdirSync(target).sort();
    for (const m of models) {
      const file = fileInDir(target, modelName(m), files);
      out.push({ model: modelName(m), file, unused: loadModelWeights(m, file) });
    }
    return out;
  }
  if (!target.endsWith('.safetensors')) throw new LoadWeightsError(`--load ${target}: expected a .safetensors file or a folder of them`);
  const base = path.basename(target);
  const model =
    models.length === 1
      ? models[0]!
      : models.find((m) => base === `${safeFileName(modelName(m))}.safetensors` || base.startsWith(`${safeFileName(modelName(m))}_`));
  if (!model) {
    throw new LoadWeightsError(
      `--load ${target}: the Network has ${models.length} models (${models.map((m) => `"${modelName(m)}"`).join(', ')}) and the file name names none of them; pass the folder instead`,
    );
  }
  out.push({ model: modelName(model), file: target, unused: loadModelWeights(model, target) });
  return out;
}
