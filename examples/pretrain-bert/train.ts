/**
 * `npm run pretrain`: masked-language-model pretraining of BERT on the Brown corpus (plus, by option, the words of an
 * NER training split or plain-text files), then a Hugging Face folder (config.json, model.safetensors, vocab.txt) in
 * outDir that `npm run ner -- --init <outDir>` fine-tunes.
 * Flags: --objective mlm|electra --generatorScale 0.25 --rtdWeight 50 --model tiny|mini|<folder> --minutes N --epochs N --trainStepsPerEpoch N --batchSize N --maxLen N --lr X
 * --nerTrain mit-movie|<file> --nerRepeat N --text file.txt --wholeWord true --outDir DIR --config file.yaml (config.ts).
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { readPretrainConfig } from './config.js';
import { buildPretrain, maxPredictionsOf } from './recipe.js';

const t0 = performance.now();
await fe.runScript('pretrain-bert', async () => {
  const cfg = readPretrainConfig();
  await fe.initBackend();
  fe.enableDeterministic(cfg.seed);
  fe.say(`pretrain-bert: ${JSON.stringify(cfg)}`);
  const run = await buildPretrain(cfg);
  for (const line of run.data.sources) fe.say(`pretrain-bert: ${line}`);
  const s = run.data.train.stats;
  fe.say(
    `pretrain-bert: ${s.sequences} training sequences of at most ${cfg.maxLen} tokens (mean ${s.meanLength.toFixed(1)}, ${s.tokens} tokens, ` +
      `${s.truncatedSentences} overlong sentences cut), ${run.data.evalData?.length ?? 0} held-out sequences; ` +
      `model ${cfg.model} (${run.model.trainableWeights().reduce((n, v) => n + v.size, 0)} parameters), ` +
      `${maxPredictionsOf(cfg)} predictions per sequence, schedule over ${run.totalSteps} steps${cfg.minutes ? ` or ${cfg.minutes} min` : ''}`,
  );
  const setupSeconds = (performance.now() - t0) / 1000;
  const tFit = performance.now();
  const summary = await run.estimator.fit();
  const fitSeconds = (performance.now() - tFit) / 1000;

  await fe.architecture.savePretrained(run.saved, cfg.outDir);
  const last = (mode: 'train' | 'eval', key: string) => {
    const h = summary.history[mode]?.[key];
    return h && h.size > 0 ? Number([...h.values()].at(-1)) : null;
  };
  const evalLoss = last('eval', 'mlm_loss');
  const steps = run.estimator.system.globalStep;
  const stepsHere = run.counter.steps;
  const out = {
    steps,
    stepsThisRun: stepsHere,
    epochs: run.estimator.system.epoch,
    stoppedByBudget: run.budget?.stoppedAt !== undefined,
    fitStepsPerSecond: Number((stepsHere / fitSeconds).toFixed(3)),
    sequencesSeen: steps * cfg.batchSize,
    eval: { mlmLoss: evalLoss, perplexity: evalLoss === null ? null : Math.exp(evalLoss), mlmAccuracy: last('eval', 'mlm_accuracy') },
    train: { mlmLoss: last('train', 'mlm_loss'), mlmAccuracy: last('train', 'mlm_accuracy') },
    ...(cfg.objective === 'electra'
      ? {
          electra: {
            generatorScale: cfg.generatorScale,
            rtdWeight: cfg.rtdWeight,
            // The per-epoch figures (the step's rtd_loss is not kept per epoch): the token-weighted mean replaced-token loss
            // against the best constant answer's, and the combined objective MLM + λ·RTD.
            eval: {
              loss: last('eval', 'loss'),
              rtdLoss: last('eval', 'rtd_mean_loss'),
              rtdBaseLoss: last('eval', 'rtd_base_loss'),
              rtdAccuracy: last('eval', 'rtd_accuracy'),
              replaced: last('eval', 'rtd_replaced'),
            },
            train: {
              rtdLoss: last('train', 'rtd_mean_loss'),
              rtdBaseLoss: last('train', 'rtd_base_loss'),
              rtdAccuracy: last('train', 'rtd_accuracy'),
              replaced: last('train', 'rtd_replaced'),
            },
          },
        }
      : {}),
    packing: s,
    setupSeconds: Number(setupSeconds.toFixed(1)),
    wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    objective: cfg.objective,
    model: cfg.model,
    maxLen: cfg.maxLen,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    backend: fe.getBackendInfo()?.name,
  };
  await fe.writeResult(path.join(cfg.outDir, 'pretrain.json'), out);
  fe.say(
    `pretrain-bert: ${stepsHere} steps in ${fitSeconds.toFixed(0)} s${steps !== stepsHere ? ` (${steps} in all, with the restored run)` : ''} (${out.fitStepsPerSecond} steps/s); held-out MLM loss ${evalLoss?.toFixed(3) ?? 'n/a'}, ` +
      `accuracy ${out.eval.mlmAccuracy?.toFixed(3) ?? 'n/a'}` +
      (out.electra
        ? `; replaced-token accuracy ${out.electra.eval.rtdAccuracy?.toFixed(3) ?? 'n/a'} (${((1 - (out.electra.eval.replaced ?? 0)) * 100).toFixed(1)}% original)`
        : '') +
      `; wrote ${cfg.outDir} (config.json, model.safetensors, vocab.txt, pretrain.json)`,
  );
  fe.say(`pretrain-bert: fine-tune it with: npm run ner -- --init ${path.relative(process.cwd(), cfg.outDir) || '.'}`);
});
