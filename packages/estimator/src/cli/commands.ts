import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { stringify as toYaml } from 'yaml';
import { INT8_FILE, initBackend, atomicWriteFile } from '@fets/network';
import { ConfigError, FetsError, MODES, type Mode } from '@fets/pipeline';
import { batchGrid } from '../plot/batchGrid.js';
import type { Estimator } from '../estimator/estimator.js';
import { visualizeLogs } from '../plot/visualizeLogs.js';
import { checkWritable, safeFileName } from '../traces/io/fileSafety.js';
import { checkEstimator, formatCheckReport } from './check.js';
import { displayPath } from './configFile.js';
import { buildExperiment, loadExperiment, type ExperimentCommand, type LoadedExperiment } from './experiment.js';
import { loadSavedWeights } from './loadWeights.js';
import { EXPORT_FORMATS, ExportError, exportModelFolder, exportTokenClassifier, type ExportFormat } from './export.js';
import { PredictInputError, openInput, openOutput, predictStream, type PredictStats } from './predict.js';
import { isFolderPath } from '../modelFolder/loadModelFolder.js';
import { TokenTagger } from '../predict/tokenTagger.js';
import { QUANTIZE_SCHEMES, type QuantizeScheme } from '../modelFolder/int8Folder.js';
import { resolveParams } from './params.js';
import { compareRuns, readRuns } from './runFiles.js';

/** Where the command line writes (process streams by default; tests pass collectors). */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

interface ModelCommandOptions {
  config: string[];
  set: string[];
  summary?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

const EXPERIMENT_ARG = 'experiment file (.ts/.js) whose default export is defineExperiment({ schema, build })';
const FOLDER_OR_EXPERIMENT_ARG = `a model folder (runs/<name>/model: no other option needed), or an ${EXPERIMENT_ARG}`;

function addParamOptions(cmd: Command, runName = true, argument = EXPERIMENT_ARG): Command {
  cmd
    .argument('<experiment>', argument)
    .option('-c, --config <file>', 'YAML/JSON parameter file; repeat to deep-merge several in order', collect, [])
    .option(
      '--set <key.path=value>',
      'override one parameter after the files (value read as YAML: 3, true, [a, b]); repeatable',
      collect,
      [],
    );
  if (runName) cmd.option('--summary <name>', 'name of the run (Summary name); also saves the Summary as JSON in --summary-dir');
  return cmd;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The validated parameters as shown at the start of a run. */
export function formatParams(name: string, params: unknown, opts: { config: readonly string[]; set: readonly string[] }): string {
  const from = [...opts.config.map((c) => displayPath(path.resolve(c))), ...opts.set.map((s) => `--set ${s}`)];
  const body = toYaml(params ?? {}, { indent: 2, lineWidth: 0 }).trimEnd();
  return `fets: ${name} params${from.length ? ` (${from.join(', ')})` : ' (defaults)'}:\n${body
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

async function prepare(
  file: string,
  opts: ModelCommandOptions,
  command: ExperimentCommand,
  io: CliIO,
): Promise<{ loaded: LoadedExperiment; estimator: Estimator }> {
  const loaded = await loadExperiment(file);
  const { params } = resolveParams(loaded.name, loaded.experiment.schema, { configs: opts.config, sets: opts.set });
  // predict writes its results to standard output: what it says about itself goes to standard error.
  const say = command === 'predict' ? io.err : io.out;
  if (loaded.experiment.description) say(`fets: ${loaded.name}: ${loaded.experiment.description}`);
  say(formatParams(loaded.name, params, opts));
  await initBackend();
  const estimator = await buildExperiment(loaded, params, { command, runName: opts.summary });
  return { loaded, estimator };
}

/** Fails before any work when the Summary could not be saved at the end. */
function checkSummaryDir(name: string | undefined, dir: string, command: string): void {
  if (name) checkWritable(dir, `fets ${command}`, '--summary-dir');
}

async function saveSummary(estimator: Estimator, name: string | undefined, dir: string, io: CliIO): Promise<void> {
  if (!name) return;
  const file = path.join(dir, `${safeFileName(name)}.json`);
  await atomicWriteFile(file, `${JSON.stringify(estimator.getSummary().toJSON())}\n`);
  io.out(`fets: saved the Summary to ${displayPath(path.resolve(file))}`);
}

/** A model folder needs no experiment options: --config, --set and --load would be ignored, so they are refused. */
function folderOnly(command: string, folder: string, opts: ModelCommandOptions & { load?: string }): void {
  const given = [...(opts.config.length ? ['--config'] : []), ...(opts.set.length ? ['--set'] : []), ...(opts.load ? ['--load'] : [])];
  if (given.length > 0) {
    throw new ConfigError(
      `fets ${command}`,
      [],
      `fets ${command}: ${given.join(', ')}: not used with a model folder (${displayPath(path.resolve(folder))} holds its own settings and weights)`,
    );
  }
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

function parseList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

function parseModes(v: string | undefined): Mode[] | undefined {
  const list = parseList(v);
  for (const m of list ?? []) {
    if (!(MODES as readonly string[]).includes(m))
      throw new ConfigError('--modes', [], `--modes: unknown mode "${m}" (valid: ${MODES.join(', ')})`);
  }
  return list as Mode[] | undefined;
}

/**
 * The `fets` program (commander): `train`, `test`, `check` on an experiment file, `logs` / `plot` on saved runs.
 * `io` receives everything printed.
 *
 * @example
 * await createProgram().parseAsync(['check', 'examples/ner-bert/experiment.ts'], { from: 'user' });
 */
export function createProgram(io: CliIO = processIO): Command {
  const program = new Command('fets')
    .description('fets command line: train, test and check experiments; compare saved runs')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run fets help <command> for its options)');

  addParamOptions(program.command('train').description('train: merge parameters, build the experiment, Estimator.fit()'))
    .option('--summary-dir <dir>', 'folder for the --summary JSON file', 'runs/summaries')
    .option('--test', 'run the test epoch after training (when the Pipeline has testData)')
    .option('--no-warmup', 'skip the warm-up batch before training')
    .option('--resume', "continue from the experiment's last checkpoint (--set resume=true; the experiment needs a resume parameter)")
    .action(async (file: string, opts: ModelCommandOptions & { summaryDir: string; test?: boolean; warmup: boolean; resume?: boolean }) => {
      const t0 = performance.now();
      checkSummaryDir(opts.summary, opts.summaryDir, 'train');
      if (opts.resume) opts.set = [...opts.set, 'resume=true'];
      const { estimator } = await prepare(file, opts, 'train', io);
      try {
        await estimator.fit({ ...(opts.summary ? { summary: opts.summary } : {}), warmup: opts.warmup });
        if (opts.test) {
          if (estimator.pipeline.modes.includes('test')) await estimator.test();
          else io.err('fets: --test: the Pipeline has no testData; skipped');
        }
      } finally {
        await estimator.pipeline.close();
      }
      await saveSummary(estimator, opts.summary, opts.summaryDir, io);
      io.out(`fets: train finished in ${seconds(t0)} s`);
    });

  addParamOptions(program.command('test').description('test: build the experiment, load saved weights, Estimator.test()'))
    .option('--load <path>', 'weights: a .safetensors file, or a folder from BestModelSaver / ModelSaver / RestoreWizard')
    .option('--summary-dir <dir>', 'folder for the --summary JSON file', 'runs/summaries')
    .action(async (file: string, opts: ModelCommandOptions & { load?: string; summaryDir: string }) => {
      const t0 = performance.now();
      checkSummaryDir(opts.summary, opts.summaryDir, 'test');
      const { estimator } = await prepare(file, opts, 'test', io);
      try {
        if (opts.load) {
          for (const w of loadSavedWeights(estimator.network, opts.load)) {
            io.out(
              `fets: loaded model "${w.model}" from ${displayPath(path.resolve(w.file))}${w.unused.length ? ` (${w.unused.length} weights in the file unused)` : ''}`,
            );
          }
        } else {
          io.err('fets: no --load given: testing the weights build() made');
        }
        await estimator.test(opts.summary ? { summary: opts.summary } : {});
      } finally {
        await estimator.pipeline.close();
      }
      await saveSummary(estimator, opts.summary, opts.summaryDir, io);
      io.out(`fets: test finished in ${seconds(t0)} s`);
    });

  addParamOptions(
    program
      .command('predict')
      .description(
        'tag raw text with a model folder (runs/<name>/model) or a trained token-classification experiment: one sentence a line in, one result a line out',
      ),
    false,
    FOLDER_OR_EXPERIMENT_ARG,
  )
    .option('--load <path>', 'weights: a .safetensors file, or a folder from BestModelSaver / ModelSaver / RestoreWizard')
    .option('--input <file>', 'sentences, one a line ("-": standard input)', '-')
    .addOption(
      new Option('--format <format>', 'jsonl: entity spans per sentence; conll: a tag per word')
        .choices(['jsonl', 'conll'])
        .default('jsonl'),
    )
    .option('--out <file>', 'write the results to this file (default: standard output)')
    .option('--batch-size <n>', 'sentences per Network call', '32')
    .option(
      '--int8 [source]',
      "int8 inference (model folder): the folder's model.int8.safetensors (fets export --quantize int8), or 'quantize' the float weights at load",
    )
    .action(
      async (
        file: string,
        opts: ModelCommandOptions & {
          load?: string;
          input: string;
          format: 'jsonl' | 'conll';
          out?: string;
          batchSize: string;
          int8?: true | string;
        },
      ) => {
        const batchSize = Number(opts.batchSize);
        if (!Number.isInteger(batchSize) || batchSize < 1)
          throw new PredictInputError(`fets predict: --batch-size: expected a positive integer, received "${opts.batchSize}"`);
        const run = async (source: Estimator | TokenTagger, input: Readable) => {
          const output = openOutput(opts.out);
          const stats: PredictStats = await predictStream(source, input, output, { format: opts.format, batchSize });
          if (output !== process.stdout) await new Promise<void>((resolve) => output.end(resolve));
          io.err(
            `fets predict: ${stats.sentences} sentences (${stats.words} words) in ${stats.seconds.toFixed(1)} s: ` +
              `${(stats.sentences / Math.max(stats.seconds, 1e-9)).toFixed(0)} sentences/s`,
          );
        };
        if (opts.int8 !== undefined && opts.int8 !== true && opts.int8 !== 'quantize')
          throw new PredictInputError(`fets predict: --int8: expected no value or "quantize", received "${opts.int8}"`);
        if (isFolderPath(file)) {
          folderOnly('predict', file, opts);
          const input = openInput(opts.input);
          await initBackend();
          const tagger = await TokenTagger.load(file, opts.int8 ? { int8: opts.int8 as true | 'quantize' } : {});
          if (opts.int8) io.err(`fets: int8 inference (${opts.int8 === true ? INT8_FILE : 'quantized at load'})`);
          io.err(`fets: model folder ${displayPath(path.resolve(file))}: ${tagger.labels.length} labels, maxLen ${tagger.tokenize.maxLen}`);
          try {
            await run(tagger, input);
          } finally {
            tagger.dispose();
          }
          return;
        }
        if (opts.int8) throw new PredictInputError('fets predict: --int8: only with a model folder (fets predict <folder> --int8)');
        const input = openInput(opts.input);
        const { estimator } = await prepare(file, opts, 'predict', io);
        try {
          if (opts.load) {
            for (const w of loadSavedWeights(estimator.network, opts.load))
              io.err(`fets: loaded model "${w.model}" from ${displayPath(path.resolve(w.file))}`);
          } else {
            io.err('fets: no --load given: predicting with the weights build() made');
          }
          await run(estimator, input);
        } finally {
          await estimator.pipeline.close();
        }
      },
    );

  addParamOptions(
    program
      .command('export')
      .description(
        'copy a model folder, checked (fets export <folder> --out <dir>), add model.onnx to it (--format onnx), or write one from an experiment and its saved weights (--load)',
      ),
    false,
    FOLDER_OR_EXPERIMENT_ARG,
  )
    .option('--load <path>', 'weights: a .safetensors file, or a folder from BestModelSaver / ModelSaver / RestoreWizard')
    .option('--out <dir>', 'folder to write (config.json, model.safetensors, the tokenizer files, fets.json)')
    .addOption(
      new Option('--format <format>', 'folder: the folder; onnx: also model.onnx (into the model folder itself when no --out)')
        .choices([...EXPORT_FORMATS])
        .default('folder'),
    )
    .addOption(
      new Option('--quantize <scheme>', 'also write model.int8.safetensors: the dense layers in int8 (fets predict --int8)').choices([
        ...QUANTIZE_SCHEMES,
      ]),
    )
    .action(
      async (
        file: string,
        opts: ModelCommandOptions & { load?: string; out?: string; format: ExportFormat; quantize?: QuantizeScheme },
      ) => {
        if (isFolderPath(file)) {
          folderOnly('export', file, opts);
          if (opts.quantize) await initBackend(); // quantizing reads the float weights back from the model's variables
          const files = await exportModelFolder(file, opts.out, opts.format, opts.quantize);
          io.out(`fets export: wrote ${files.map((f) => displayPath(path.resolve(f))).join(', ')}`);
          return;
        }
        if (!opts.out) throw new ExportError('fets export: --out <dir>: expected the folder to write');
        const out = opts.out;
        const { estimator } = await prepare(file, opts, 'export', io);
        try {
          if (opts.load) {
            for (const w of loadSavedWeights(estimator.network, opts.load))
              io.out(`fets: loaded model "${w.model}" from ${displayPath(path.resolve(w.file))}`);
          } else {
            io.err('fets: no --load given: exporting the weights build() made');
          }
          const files = await exportTokenClassifier(estimator, out);
          if (opts.format === 'onnx') files.push(...(await exportModelFolder(out, out, 'onnx')));
          if (opts.quantize) files.push(...(await exportModelFolder(out, undefined, 'folder', opts.quantize)));
          io.out(`fets export: wrote ${files.map((f) => displayPath(path.resolve(f))).join(', ')}`);
        } finally {
          await estimator.pipeline.close();
        }
      },
    );

  addParamOptions(
    program
      .command('check')
      .description('validate only: build Pipeline, Network, Estimator; one batch per mode through the graph; print it'),
    false,
  ).action(async (file: string, opts: ModelCommandOptions) => {
    const t0 = performance.now();
    const { loaded, estimator } = await prepare(file, opts, 'check', io);
    try {
      const report = await checkEstimator(estimator);
      io.out(formatCheckReport(report));
      io.out(
        `fets check: ok: ${loaded.name}: ${report.modes.map((m) => m.mode + (m.dsId ? `(${m.dsId})` : '')).join(', ')} checked ` +
          `(one batch each, no weights changed) in ${seconds(t0)} s`,
      );
    } finally {
      await estimator.pipeline.close();
    }
  });

  addParamOptions(
    program.command('show').description("draw one batch after the Pipeline's ops (augmentation included) as a PNG grid with its labels"),
    false,
  )
    .addOption(new Option('--mode <mode>', 'which split and ops').choices(['train', 'eval', 'test']).default('train'))
    .addOption(new Option('-o, --out <file>', 'PNG to write').default('runs/batch.png'))
    .option('--image <key>', 'key of the images (default: the first key holding images)')
    .option('--label <key>', 'key of the labels (default: y)')
    .option('--boxes <key>', 'key of bounding boxes [B, N, 4+] to outline (default: none)')
    .addOption(new Option('--box-format <format>', 'layout of the boxes').choices(['coco', 'pascal_voc']).default('coco'))
    .action(
      async (
        file: string,
        opts: ModelCommandOptions & {
          mode: Mode;
          out: string;
          image?: string;
          label?: string;
          boxes?: string;
          boxFormat: 'coco' | 'pascal_voc';
        },
      ) => {
        const { estimator } = await prepare(file, opts, 'show', io);
        try {
          const batch = await estimator.pipeline.getResults({ mode: opts.mode });
          if (Array.isArray(batch) || batch === undefined)
            throw new ConfigError('fets show', [], `fets show: the ${opts.mode} split gave no batch`);
          await batchGrid(
            batch,
            {
              ...(opts.image ? { imageKey: opts.image } : {}),
              ...(opts.label ? { labelKey: opts.label } : {}),
              ...(opts.boxes ? { boxKey: opts.boxes, boxFormat: opts.boxFormat } : {}),
            },
            opts.out,
          );
          io.out(`fets show: wrote ${displayPath(path.resolve(opts.out))} (one ${opts.mode} batch)`);
        } finally {
          await estimator.pipeline.close();
        }
      },
    );

  for (const [name, what] of [
    ['logs', 'compare runs: Logger output (fets train … | tee run.log), CSVLogger .csv, Summary .json, folders'],
    ['plot', 'the same as logs (FastEstimator has both names; typical input: runs/summaries from fets train --summary)'],
  ] as const) {
    program
      .command(name)
      .description(`${what}; prints the last values side by side and draws the curves`)
      .argument('<paths...>', 'files or folders of saved runs')
      .addOption(new Option('-o, --out <file>', 'image to write (.svg or .png)').default('runs/logs.svg'))
      .option('--keys <a,b>', 'keys to compare (default: every numeric key)')
      .option('--modes <train,eval>', 'modes to compare (default: all)')
      .option('--title <text>', 'title above the curves')
      .action(async (paths: string[], opts: { out: string; keys?: string; modes?: string; title?: string }) => {
        const keys = parseList(opts.keys);
        const modes = parseModes(opts.modes);
        const runs = readRuns(paths);
        for (const r of runs) io.out(`fets: run "${r.summary.name}" from ${r.file} (${r.format})`);
        io.out(compareRuns(runs, keys, modes).join('\n'));
        await visualizeLogs(
          runs.map((r) => r.summary),
          { savePath: opts.out, ...(keys ? { keys } : {}), ...(modes ? { modes } : {}), ...(opts.title ? { title: opts.title } : {}) },
        );
        io.out(`fets: wrote ${displayPath(path.resolve(opts.out))}`);
      });
  }
  return program;
}

/**
 * Runs the `fets` command line on `argv` (without node and script) and returns the exit code: 0 on success, 1 with
 * the error's message (`ConfigError: …`, `PipelineError: …`) on `io.err` when anything fails (an error carrying its
 * own `exitCode`, such as an interrupted fit's 130, returns that).
 *
 * @example
 * const code = await runCli(['check', 'examples/ner-bert/experiment.ts', '--config', 'examples/ner-bert/configs/tiny.yaml']);
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof FetsError) {
      io.err(`${e.name}: ${e.message}`);
      // e.g. TrainingInterruptedError carries 130, what a shell reports for Ctrl+C.
      const code = (e as { exitCode?: unknown }).exitCode;
      return typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1;
    }
    const err = e as Error;
    io.err(`fets: unexpected ${err?.name ?? 'error'}: ${err?.stack ?? String(e)}`);
    return 1;
  }
}
