/**
 * Recipe variants over seeds: the NER recipe (`examples/ner-bert/train.ts`) once per data set × variant × seed, a few
 * runs at a time (one thread each), and per variant the mean ± standard deviation of test F1, of the eval split's F1
 * (last and best epoch: what settings are chosen on) and of the minutes a run took. Each run writes its own folder
 * (`runs/recipes/<set>/<variant>/s<seed>`: metrics.json, log.txt, the model folder); a run whose metrics.json was
 * written with the same flags is read back instead of run again, so an interrupted table resumes where it stopped.
 *
 *   npm run bench -- recipes --variant scratch-crf="--head crf" \
 *     --variant mlm-crf="--head crf --init runs/pretrain-mit-movie" --seeds 0,1,2 --workers 2
 *
 * A variant's flags are the recipe's own (`--head crf --lr 5e-4 --test false` …); `--test false` makes a tuning run
 * that never scores the test split.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA, execAsync, mean, note, pm, ROOT, std, type FigureResult, type Row } from './common.js';
import { QUALITY_SETS } from './quality.js';

export interface RecipeVariant {
  name: string;
  args: string[];
}

export interface RecipesOptions {
  variants: RecipeVariant[];
  sets: string[];
  seeds: number[];
  /** Runs at a time (each on one thread). */
  workers: number;
  /** Folder of the runs (default runs/recipes). */
  runsDir: string;
}

/** What one run left in its metrics.json, and what the table reads of it. */
interface RunRecord {
  set: string;
  variant: string;
  seed: number;
  args: string[];
  testF1: number | null;
  evalF1: number[];
  minutes: number;
  invalidITags: number | null;
  reused: boolean;
}

/** `name=flags` → a variant (the form `--variant` takes on the command line). */
export function parseVariant(spec: string): RecipeVariant {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (!/^[\w.-]+$/.test(name))
    throw new Error(`bench recipes: --variant: expected name=flags with a name of letters, digits, . _ -, received "${spec}"`);
  return {
    name,
    args:
      eq < 0
        ? []
        : spec
            .slice(eq + 1)
            .split(/\s+/)
            .filter(Boolean),
  };
}

const sameArgs = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

async function runOne(set: string, v: RecipeVariant, seed: number, o: RecipesOptions): Promise<RunRecord> {
  const outDir = path.join(o.runsDir, set, v.name, `s${seed}`);
  const args = [...QUALITY_SETS[set]!, ...v.args, '--seed', String(seed), '--outDir', outDir, '--dataDir', DATA, '--checkpoints', 'false'];
  const metricsFile = path.join(outDir, 'metrics.json');
  const argsFile = path.join(outDir, 'args.json');
  const record = (reused: boolean): RunRecord => {
    const m = JSON.parse(readFileSync(metricsFile, 'utf8')) as {
      f1?: number;
      evalF1?: number[];
      wallSeconds: number;
      invalidITags?: number;
    };
    return {
      set,
      variant: v.name,
      seed,
      args: v.args,
      testF1: m.f1 ?? null,
      evalF1: m.evalF1 ?? [],
      minutes: m.wallSeconds / 60,
      invalidITags: m.invalidITags ?? null,
      reused,
    };
  };
  if (existsSync(metricsFile) && existsSync(argsFile) && sameArgs(JSON.parse(readFileSync(argsFile, 'utf8')) as string[], args)) {
    note(`recipes ${set} ${v.name} seed ${seed}: read back from ${path.relative(ROOT, metricsFile)}`);
    return record(true);
  }
  mkdirSync(outDir, { recursive: true });
  note(`recipes ${set} ${v.name} seed ${seed}: running (${args.join(' ')})`);
  const out = await execAsync(
    process.execPath,
    ['--conditions=fets-source', '--import', 'tsx', path.join(ROOT, 'examples', 'ner-bert', 'train.ts'), ...args],
    { ...process.env, FETS_THREADS: '1', FETS_WASM_THREADS: '1', FETS_QUIET: '1' },
  );
  writeFileSync(path.join(outDir, 'log.txt'), out);
  writeFileSync(argsFile, `${JSON.stringify(args)}\n`);
  const r = record(false);
  note(
    `recipes ${set} ${v.name} seed ${seed}: test F1 ${r.testF1 ?? 'not scored'}, eval F1 ${r.evalF1.join(' ')}, ${r.minutes.toFixed(1)} min`,
  );
  return r;
}

/** Runs `jobs` with at most `workers` at a time, in order of start. */
async function pool<T>(jobs: (() => Promise<T>)[], workers: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

export async function run(o: RecipesOptions): Promise<FigureResult> {
  if (o.variants.length === 0) throw new Error('bench recipes: expected at least one --variant name="flags", received none');
  for (const set of o.sets) {
    if (!QUALITY_SETS[set]) throw new Error(`bench recipes: unknown set "${set}" (valid: ${Object.keys(QUALITY_SETS).join(', ')})`);
  }
  // Seed by seed, so that a table cut short still compares every variant on the same seeds.
  const jobs = o.sets.flatMap((set) => o.seeds.flatMap((seed) => o.variants.map((v) => () => runOne(set, v, seed, o))));
  const runs = await pool(jobs, o.workers);
  const rows: Row[] = [];
  const table: Record<string, unknown>[] = [];
  for (const set of o.sets) {
    for (const v of o.variants) {
      const rs = runs.filter((r) => r.set === set && r.variant === v.name);
      const test = rs.map((r) => r.testF1).filter((x): x is number => x !== null);
      const evalLast = rs.map((r) => r.evalF1.at(-1)).filter((x): x is number => x !== undefined);
      const evalBest = rs.map((r) => Math.max(...r.evalF1)).filter(Number.isFinite);
      const minutes = rs.map((r) => r.minutes);
      table.push({
        set,
        variant: v.name,
        args: v.args,
        seeds: rs.map((r) => r.seed),
        testF1: test.length ? { mean: mean(test), std: std(test), values: test } : null,
        evalF1Last: evalLast.length ? { mean: mean(evalLast), std: std(evalLast), values: evalLast } : null,
        evalF1Best: evalBest.length ? { mean: mean(evalBest), std: std(evalBest), values: evalBest } : null,
        minutes: { mean: mean(minutes), values: minutes },
      });
      rows.push({
        figure: `recipe ${set} ${v.name} (${rs.length} seeds)`,
        fets: test.length ? `test F1 ${pm(test, 4)}` : 'test not scored',
        reference: evalLast.length ? `eval F1 ${pm(evalLast, 4)}` : '',
        ratio: `${mean(minutes).toFixed(1)} min`,
        goal: '',
        met: '',
      });
    }
  }
  return {
    rows,
    data: {
      runsDir: path.relative(ROOT, o.runsDir),
      workers: o.workers,
      threadsPerRun: 1,
      table,
      runs: runs.map((r) => ({ ...r, minutes: Number(r.minutes.toFixed(2)) })),
    },
  };
}
