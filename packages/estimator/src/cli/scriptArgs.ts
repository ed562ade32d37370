import type { z } from 'zod';
import { FetsError } from '@fets/pipeline';
import { resolveParams } from './params.js';

/** The type under optional/default/nullable wrappers of a schema key. */
function baseType(t: unknown): string {
  let s = t as { _zod?: { def?: { type?: string; innerType?: unknown } } };
  for (let i = 0; i < 8 && s?._zod?.def; i++) {
    const def = s._zod.def;
    if (
      def.type === 'optional' ||
      def.type === 'default' ||
      def.type === 'nullable' ||
      def.type === 'readonly' ||
      def.type === 'prefault'
    ) {
      s = def.innerType as typeof s;
    } else return def.type ?? 'unknown';
  }
  return 'unknown';
}

/** The element type of an array key (`number`, `string`, …). */
function elementType(t: unknown): string {
  let s = t as { _zod?: { def?: { type?: string; innerType?: unknown; element?: unknown } } };
  for (let i = 0; i < 8 && s?._zod?.def; i++) {
    const def = s._zod.def;
    if (def.type === 'array') return baseType(def.element);
    s = def.innerType as typeof s;
  }
  return 'unknown';
}

/** The command-line usage of a script whose parameters are `schema`: every key with its default. */
export function scriptUsage(name: string, command: string, schema: z.ZodObject): string {
  const defaults = (schema.safeParse({}).data ?? {}) as Record<string, unknown>;
  const lines = Object.keys(schema.shape).map((k) => {
    const type = baseType(schema.shape[k]);
    const d = defaults[k];
    return `  --${k} <${type === 'array' ? 'a,b|repeat' : type}>${d === undefined ? '' : `  (default ${JSON.stringify(d)})`}`;
  });
  return [`usage: ${command} [--config file.yaml …] [--key value …]`, `${name} parameters:`, ...lines].join('\n');
}

/**
 * Reads a script's parameters the way `fets train` does: `--config file.yaml|json` (repeatable, deep-merged in
 * order), then each `--key value` flag as an override (`--set key=value`; numbers and booleans read as YAML), a
 * boolean flag alone meaning true, list keys from repeated flags (number lists also from commas); validated by the schema with "did you
 * mean" for unknown keys and the flag named in every error. `--help` throws {@link ScriptHelp} with the usage.
 *
 * @example
 * const cfg = readScriptParams('ner-bert', 'npm run ner --', nerConfigSchema, process.argv.slice(2));
 */
export function readScriptParams<S extends z.ZodObject>(name: string, command: string, schema: S, argv: readonly string[]): z.output<S> {
  const configs: string[] = [];
  const values = new Map<string, unknown[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new ScriptHelp(scriptUsage(name, command, schema));
    if (!arg.startsWith('--'))
      throw new ScriptArgsError(`${name}: unexpected argument "${arg}" (flags are --key value; --help lists them)`);
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    const type = key in schema.shape ? baseType(schema.shape[key]) : 'unknown';
    if (value === undefined) {
      const next = argv[i + 1];
      if (type === 'boolean' && (next === undefined || next.startsWith('--'))) value = 'true';
      else if (next === undefined) throw new ScriptArgsError(`${name}: --${key}: expected a value`);
      else value = argv[++i]!;
    }
    if (key === 'config') {
      configs.push(value);
      continue;
    }
    // Number lists also take commas (`--profile 20,500`); other lists grow by repeating the flag.
    const parsed: unknown[] =
      type === 'array' && elementType(schema.shape[key]) === 'number'
        ? value
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v !== '')
        : [value];
    values.set(key, [...(values.get(key) ?? []), ...parsed]);
  }
  const sets: string[] = [];
  for (const [key, vs] of values) {
    const type = key in schema.shape ? baseType(schema.shape[key]) : 'unknown';
    if (type === 'array') {
      // Elements that read as numbers stay numbers; the rest are strings (JSON is YAML).
      sets.push(`${key}=${JSON.stringify(vs.map((v) => (v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v)))}`);
    } else if (type === 'string') {
      sets.push(`${key}=${JSON.stringify(vs.at(-1))}`);
    } else {
      sets.push(`${key}=${String(vs.at(-1))}`);
    }
  }
  try {
    return resolveParams(name, schema, { configs, sets }).params;
  } catch (e) {
    // Name the flag as the user wrote it.
    if (e instanceof Error) e.message = e.message.replace(/--set (\w+)=/g, '--$1 ');
    throw e;
  }
}

/** `--help` was asked for: the message is the usage. */
export class ScriptHelp extends FetsError {}

/** A script's command line is malformed (a stray argument, a flag without its value). */
export class ScriptArgsError extends FetsError {}

/**
 * Runs a script's main function the way the `fets` command line does: a fets error (bad flag, bad data) prints one
 * line and exits with 1 (or the error's own exit code, 130 after Ctrl+C); `--help` prints the usage and exits 0.
 *
 * @example
 * await runScript('ner-bert', async () => { … });
 */
export async function runScript(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (e instanceof ScriptHelp) {
      process.stdout.write(`${e.message}\n`);
      process.exit(0);
    }
    if (e instanceof FetsError) {
      process.stderr.write(`${name}: ${e.name}: ${e.message}\n`);
      const code = (e as { exitCode?: unknown }).exitCode;
      process.exit(typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1);
    }
    throw e;
  }
}
