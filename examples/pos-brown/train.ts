/**
 * `npm run pos`: part-of-speech tagging on the Brown corpus (seeded 10% of sentences held out), printing the held-out
 * token accuracy next to the most-frequent-tag baseline, and writing runs/pos-brown/metrics.json.
 * Flags: --model window|tiny|mini --tagset simplified|brown --epochs N --batchSize N --lr X --minCount N --heldOut F
 * --trainStepsPerEpoch N --outDir DIR --rootDir DIR --predict "a sentence" (see config.ts for all).
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { readPosConfig } from './config.js';
import { buildPos, mostFrequentTagAccuracy, tagSentence } from './recipe.js';

const t0 = performance.now();
await fe.runScript('pos-brown', async () => {
  const cfg = readPosConfig();
  await fe.initBackend();
  fe.enableDeterministic(cfg.seed);
  fe.say(`pos-brown: ${JSON.stringify(cfg)}`);
  const run = buildPos(cfg);
  const baseline = mostFrequentTagAccuracy(run.data.train, run.data.test);
  let heldOutWords = 0;
  for (let i = 0; i < run.data.test.length; i++) heldOutWords += (run.data.test.get(i).words as string[]).length;
  fe.say(
    `pos-brown: Brown (${cfg.tagset} tags): ${run.data.train.length} train / ${run.data.test.length} held-out sentences ` +
      `(${run.data.train.tokenCount} / ${heldOutWords} words), ` +
      `${run.labels.length} tags, ${run.vocab.size} words, ${run.suffixes.size} suffixes; model ${cfg.model}; ` +
      `most-frequent-tag baseline ${baseline.toFixed(4)}`,
  );
  const summary = await run.estimator.fit();

  const history = summary.history.eval?.accuracy;
  const perEpoch = history ? [...history.values()].map(Number) : [];
  const accuracy = perEpoch[perEpoch.length - 1];
  if (accuracy === undefined) throw new fe.FetsError('pos-brown: no eval accuracy was logged');
  const wallSeconds = (performance.now() - t0) / 1000;
  fe.say(
    `\npos-brown: held-out token accuracy ${accuracy.toFixed(4)} (baseline ${baseline.toFixed(4)}), wall time ${wallSeconds.toFixed(1)} s`,
  );
  const out = {
    accuracy,
    accuracyPerEpoch: perEpoch,
    mostFrequentTagBaseline: baseline,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    tagset: cfg.tagset,
    numTags: run.labels.length,
    trainSentences: run.data.train.length,
    heldOutSentences: run.data.test.length,
    heldOut: cfg.heldOut,
    model: cfg.model,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    backend: fe.getBackendInfo()?.name,
  };
  await fe.writeResult(path.join(cfg.outDir, 'metrics.json'), out);
  fe.say(`pos-brown: wrote ${path.join(cfg.outDir, 'metrics.json')}`);

  for (const sentence of cfg.predict) {
    const tagged = await tagSentence(run, sentence);
    fe.say(`predict: ${tagged.map(([w, t]) => `${w}/${t}`).join(' ')}`);
  }
});
