/**
 * The generator's cost: training steps per second of ELECTRA against masked-LM pretraining of the same model
 * (`npm run pretrain -- --objective electra|mlm`), on the same text, batch and sequence length. Each repetition
 * fits `steps` steps of one then of the other (alternating, so load drifts hit both alike); the figure is the ratio
 * of the medians.
 *
 *   npm run bench -- electra            bert-mini, batch 32, maxLen 32 (the configs/mit-movie.yaml shape)
 */
import { buildPretrain } from '../examples/pretrain-bert/recipe.js';
import { readPretrainConfig } from '../examples/pretrain-bert/config.js';
import { initBackend } from '@fets/estimator';
import { DATA, median, note, type FigureResult } from './common.js';

export interface ElectraOptions {
  model: string;
  steps: number;
  reps: number;
}

async function stepsPerSecond(objective: 'mlm' | 'electra', o: ElectraOptions): Promise<() => Promise<number>> {
  const cfg = readPretrainConfig([
    ...['--objective', objective, '--model', o.model, '--brown', 'false', '--nerTrain', 'mit-movie', '--dataDir', DATA],
    ...['--epochs', '1', '--trainStepsPerEpoch', String(o.steps), '--batchSize', '32', '--maxLen', '32'],
    ...['--dropout', '0', '--restore', 'false', '--logSteps', '0', '--outDir', `/tmp/fets-bench-electra-${objective}`],
  ]);
  const run = await buildPretrain(cfg);
  // One epoch of `steps` steps per call (each fit runs the configured epoch again on the trained model).
  return async () => {
    const t0 = performance.now();
    await run.estimator.fit();
    return o.steps / ((performance.now() - t0) / 1000);
  };
}

export async function run(o: ElectraOptions): Promise<FigureResult> {
  await initBackend({ quiet: true });
  const mlm = await stepsPerSecond('mlm', o);
  const electra = await stepsPerSecond('electra', o);
  // Warm-up (kernels, optimizer slots), then alternating repetitions.
  await mlm();
  await electra();
  const m: number[] = [];
  const e: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    m.push(await mlm());
    e.push(await electra());
    note(`electra: rep ${r + 1}: MLM ${m.at(-1)!.toFixed(3)} steps/s, ELECTRA ${e.at(-1)!.toFixed(3)} steps/s`);
  }
  const ratio = median(e) / median(m);
  return {
    rows: [
      {
        figure: `ELECTRA / MLM pretraining steps per second (${o.model}, batch 32 × 32, ${o.steps} steps × ${o.reps})`,
        fets: `${median(e).toFixed(3)} steps/s`,
        reference: `MLM ${median(m).toFixed(3)} steps/s`,
        ratio: ratio.toFixed(3),
        goal: '',
        met: '',
      },
    ],
    data: { mlm: m, electra: e, ratio, options: o },
  };
}
