import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BertForTokenClassification, savePretrained } from '@fets/network';
import { BertTokenize, FetsError } from '@fets/pipeline';
import type { Estimator } from '../estimator/estimator.js';

/** The experiment has nothing `fets export` can write (no BertTokenize, not one token classifier). */
export class ExportError extends FetsError {}

/** What `labels.json` of an exported folder holds besides the labels: how the page must tokenize. */
export interface ExportedTokenization {
  labels: string[];
  lowercase: boolean;
  stripAccents: boolean;
  maxLen: number;
}

/**
 * Writes what a browser needs to run a trained token classifier (`fets export`): `config.json` and
 * `model.safetensors` (Hugging Face layout, as savePretrained), `vocab.txt` (the tokenizer's vocabulary in id order)
 * and `labels.json` (label names, the tokenizer's casing, BertTokenize's maxLen). Returns the files written.
 *
 * @example
 * await exportTokenClassifier(estimator, 'runs/ner-web-model');
 */
export async function exportTokenClassifier(estimator: Estimator, dir: string): Promise<string[]> {
  const tokenize = estimator.pipeline.ops.find((o): o is BertTokenize => o instanceof BertTokenize);
  if (!tokenize) throw new ExportError('fets export: the Pipeline has no BertTokenize op (nothing says how to tokenize)');
  const models = ((estimator.network as { models?: readonly unknown[] }).models ?? []).filter(
    (m): m is BertForTokenClassification => m instanceof BertForTokenClassification,
  );
  if (models.length !== 1)
    throw new ExportError(`fets export: expected one BertForTokenClassification in the Network, found ${models.length}`);
  await savePretrained(models[0]!, dir);
  const tok = tokenize.tokenizer;
  const vocab: string[] = [];
  for (const [token, id] of tok.vocab) vocab[id] = token;
  await writeFile(path.join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  const meta: ExportedTokenization = {
    labels: [...tokenize.labels],
    lowercase: tok.options.lowercase,
    stripAccents: tok.options.stripAccents ?? tok.options.lowercase,
    maxLen: tokenize.maxLen,
  };
  await writeFile(path.join(dir, 'labels.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return ['config.json', 'model.safetensors', 'vocab.txt', 'labels.json'].map((f) => path.join(dir, f));
}
