import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { FetsError, describeValue } from '@fets/pipeline';

/**
 * A parameter file could not be read or is not YAML/JSON holding a mapping. The message starts with `file:line:` (just
 * `file:` when the file cannot be read at all).
 *
 * @example
 * // ConfigFileError: configs/bad.yaml:3: column 5: Nested mappings are not allowed in compact mappings: "a: b: c"
 */
export class ConfigFileError extends FetsError {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`);
  }
}

/** A parameter file's contents: the values and, for every key path in it, where it was written (`file:line`). */
export interface ConfigFile {
  readonly file: string;
  readonly values: Record<string, unknown>;
  /** Dotted key path → `file:line` of the key (every level: `model`, `model.hidden`, …). */
  readonly origins: ReadonlyMap<string, string>;
}

/** A plain object (not an array, not null, not a class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The path as shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function collectOrigins(
  node: YamlNode | null | undefined,
  prefix: string[],
  lines: LineCounter,
  file: string,
  out: Map<string, string>,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = [...prefix, key];
      const start = (pair.key as YamlNode | null)?.range?.[0];
      if (start !== undefined) out.set(at.join('.'), `${file}:${lines.linePos(start).line}`);
      collectOrigins(pair.value as YamlNode | null, at, lines, file, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const at = [...prefix, String(i)];
      const start = (item as YamlNode | null)?.range?.[0];
      if (start !== undefined) out.set(at.join('.'), `${file}:${lines.linePos(start).line}`);
      collectOrigins(item as YamlNode | null, at, lines, file, out);
    });
  }
}

/**
 * For "missing closing quote / bracket" errors (which YAML reports where it gave up, often the end of the file), the
 * line and column where the unclosed quote or bracket was opened, scanning back from the reported line.
 */
function unclosedOpening(lines: readonly string[], errLine: number, message: string): { line: number; col: number } | undefined {
  const quote = /closing "quote/.test(message) ? '"' : /closing 'quote/.test(message) ? "'" : undefined;
  const bracket = /end with a \]|flow sequence/i.test(message)
    ? ['[', ']']
    : /end with a \}|flow mapping/i.test(message)
      ? ['{', '}']
      : undefined;
  if (!quote && !bracket) return undefined;
  let depth = 0;
  for (let l = Math.min(errLine, lines.length); l >= 1; l--) {
    const text = lines[l - 1]!;
    if (quote) {
      const idx = [...text.matchAll(quote === '"' ? /(?<!\\)"/g : /'/g)].map((m) => m.index!);
      if (idx.length % 2 === 1) return { line: l, col: idx[idx.length - 1]! + 1 };
      continue;
    }
    for (let c = text.length - 1; c >= 0; c--) {
      if (text[c] === bracket![1]) depth++;
      else if (text[c] === bracket![0]) {
        if (depth === 0) return { line: l, col: c + 1 };
        depth--;
      }
    }
  }
  return undefined;
}

/**
 * Reads a parameter file: YAML, or JSON (read as YAML 1.2, of which JSON is a subset). The top level must be a mapping
 * (an empty file is `{}`). Syntax errors and duplicate keys throw a {@link ConfigFileError} `file:line: …`; a missing
 * file throws one naming the resolved path.
 *
 * @example
 * const { values, origins } = readConfigFile('examples/ner-bert/configs/tiny.yaml');
 * values.model; // 'tiny'; origins.get('model') → 'examples/ner-bert/configs/tiny.yaml:2'
 */
export function readConfigFile(file: string): ConfigFile {
  const shown = displayPath(path.resolve(file));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `no such file (looked for ${path.resolve(file)})`
        : code === 'EISDIR'
          ? 'is a directory, expected a .yaml or .json file'
          : (e as Error).message;
    throw new ConfigFileError(`cannot read parameter file: ${why}`, shown, undefined);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const at = lines.linePos(err.pos[0]);
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const textLines = text.split(/\r?\n/);
    const open = unclosedOpening(textLines, at.line, what);
    const line = open?.line ?? at.line;
    const col = open?.col ?? at.col;
    const note = open && open.line !== at.line ? ` (still open at line ${at.line})` : '';
    throw new ConfigFileError(`column ${col}: ${what}${note}: ${JSON.stringify((textLines[line - 1] ?? '').trim())}`, shown, line);
  }
  let values: unknown;
  try {
    values = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ConfigFileError(`cannot read parameter file: ${(e as Error).message}`, shown, 1);
  }
  if (values === null || values === undefined) values = {};
  if (!isPlainObject(values)) {
    throw new ConfigFileError(
      `expected a mapping of parameters (key: value lines) at the top level, received ${describeValue(values)}`,
      shown,
      1,
    );
  }
  const origins = new Map<string, string>();
  collectOrigins(doc.contents as YamlNode | null, [], lines, shown, origins);
  return { file: shown, values, origins };
}

/**
 * Deep-merges parameter objects left to right: plain objects merge key by key, anything else (numbers, strings,
 * arrays) from a later object replaces the earlier value. The inputs are not modified.
 *
 * @example
 * deepMerge({ a: 1, m: { x: 1, y: 2 } }, { m: { y: 3 } }); // { a: 1, m: { x: 1, y: 3 } }
 */
export function deepMerge(...objects: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of objects) {
    for (const [k, v] of Object.entries(o)) {
      const prev = out[k];
      out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : isPlainObject(v) ? deepMerge(v) : v;
    }
  }
  return out;
}
