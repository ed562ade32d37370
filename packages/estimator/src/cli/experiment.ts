import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { FetsError, describeValue } from '@fets/pipeline';
import type { Estimator } from '../estimator/estimator.js';
import { displayPath } from './configFile.js';

/** Which command is building the experiment. */
export type ExperimentCommand = 'train' | 'test' | 'check' | 'predict' | 'export' | 'show';

/** What `build` is told besides the parameters. */
export interface ExperimentContext {
  /** The command running: `check` builds without training, `test` and `predict` will load saved weights next. */
  readonly command: ExperimentCommand;
  /** The run name given with `--summary`, if any. */
  readonly runName: string | undefined;
}

/** What an experiment file declares: its parameters and how to build an Estimator from them. */
export interface ExperimentDefinition<S extends z.ZodType> {
  /** Name used in messages and as the default run name (default: the file's base name). */
  readonly name?: string;
  /** One line shown by `fets check` / `fets train`. */
  readonly description?: string;
  /** The parameters: a zod object schema with defaults (`z.strictObject` so unknown keys are rejected). */
  readonly schema: S;
  /** Builds Pipeline, Network and Estimator from validated parameters. */
  readonly build: (params: z.output<S>, context: ExperimentContext) => Estimator | Promise<Estimator>;
}

const BRAND = Symbol.for('fets.experiment');

/** An experiment made by {@link defineExperiment}. */
export type Experiment<S extends z.ZodType = z.ZodType> = ExperimentDefinition<S> & { readonly [BRAND]: true };

/** An experiment file is missing, failed to load, or does not export an experiment. */
export class ExperimentError extends FetsError {}

const isZodSchema = (v: unknown): v is z.ZodType =>
  !!v && typeof v === 'object' && typeof (v as { safeParse?: unknown }).safeParse === 'function' && '_zod' in v;

/**
 * Declares an experiment for the `fets` command line: the file's default export. `schema` lists every parameter with
 * its default; `build` turns validated parameters into an Estimator. `fets train|test|check <file>` merge
 * `--config` files and `--set` overrides, validate them with `schema`, print them, and call `build`.
 *
 * @example
 * // experiment.ts
 * import { z } from 'zod';
 * import * as fe from '@fets/estimator';
 * export default fe.defineExperiment({
 *   schema: z.strictObject({ epochs: z.number().int().min(1).default(2), hidden: z.number().int().min(1).default(16) }),
 *   build: (p) => new fe.Estimator({ pipeline, network: makeNetwork(p.hidden), epochs: p.epochs }),
 * });
 * // shell: npx fets train experiment.ts --set hidden=32
 */
export function defineExperiment<S extends z.ZodType>(definition: ExperimentDefinition<S>): Experiment<S> {
  if (!definition || typeof definition !== 'object') {
    throw new ExperimentError(`defineExperiment: expected { schema, build }, received ${describeValue(definition)}`);
  }
  if (!isZodSchema(definition.schema)) {
    throw new ExperimentError(
      `defineExperiment: schema: expected a zod schema (e.g. z.strictObject({...})), received ${describeValue(definition.schema)}`,
    );
  }
  if (typeof definition.build !== 'function') {
    throw new ExperimentError(
      `defineExperiment: build: expected a function (params) => Estimator, received ${describeValue(definition.build)}`,
    );
  }
  return Object.freeze({ ...definition, [BRAND]: true as const });
}

/** True for what {@link defineExperiment} returns (also across copies of the package). */
export function isExperiment(v: unknown): v is Experiment {
  return !!v && typeof v === 'object' && (v as Record<symbol, unknown>)[BRAND] === true;
}

/** A loaded experiment file. */
export interface LoadedExperiment {
  readonly experiment: Experiment;
  /** Absolute path of the file. */
  readonly file: string;
  /** The experiment's name (its `name`, else the file's base name). */
  readonly name: string;
}

/**
 * Imports an experiment file (`.ts` works when the process runs under tsx, as the `fets` bin does) and returns its
 * default export, which must be made by {@link defineExperiment}. A missing file, an import failure and a wrong export
 * are `ExperimentError`s naming the file.
 *
 * @example
 * const { experiment, name } = await loadExperiment('examples/ner-bert/experiment.ts');
 */
export async function loadExperiment(file: string): Promise<LoadedExperiment> {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  if (!existsSync(abs)) throw new ExperimentError(`experiment file not found: ${shown} (looked for ${abs})`);
  if (statSync(abs).isDirectory()) throw new ExperimentError(`experiment file ${shown} is a directory; expected a .ts or .js file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof FetsError) throw e;
    const why = (e as Error)?.message ?? String(e);
    const hint = /require\(\) ES Module|Cannot use import statement outside a module/.test(why)
      ? ' (experiment files are ES modules: keep them in a package whose package.json says "type": "module", or name them .mts)'
      : '';
    throw new ExperimentError(`cannot load experiment file ${shown}: ${why}${hint}`, { cause: e });
  }
  const exp = mod.default;
  if (!isExperiment(exp)) {
    const names = Object.keys(mod).join(', ') || 'nothing';
    throw new ExperimentError(
      `experiment file ${shown}: expected \`export default defineExperiment({ schema, build })\`, ` +
        `the default export is ${describeValue(exp)} (exports: ${names})`,
    );
  }
  return { experiment: exp, file: abs, name: exp.name ?? path.basename(abs).replace(/\.[cm]?[jt]s$/, '') };
}

/** Calls `build` and checks it returned an Estimator (duck-typed, so a second copy of the package still passes). */
export async function buildExperiment<S extends z.ZodType>(
  loaded: LoadedExperiment,
  params: z.output<S>,
  context: ExperimentContext,
): Promise<Estimator> {
  const est = await loaded.experiment.build(params, context);
  const ok =
    !!est &&
    typeof est === 'object' &&
    typeof (est as Estimator).fit === 'function' &&
    typeof (est as Estimator).test === 'function' &&
    'pipeline' in est &&
    'network' in est;
  if (!ok) throw new ExperimentError(`experiment ${loaded.name}: build(params) must return an Estimator, returned ${describeValue(est)}`);
  return est;
}
