import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { MODES, parseCsv, type Mode } from '@fets/pipeline';
import { Summary } from '../summary/summary.js';
import { parseLogFile, parseLoggedValue } from '../plot/parseLogFile.js';
import { RunFileError } from '../plot/runFileError.js';
import { displayPath } from './configFile.js';

export { RunFileError };

/** A run read back from disk. */
export interface SavedRun {
  readonly summary: Summary;
  /** The file it came from. */
  readonly file: string;
  /** How it was read. */
  readonly format: 'log' | 'csv' | 'summary' | 'checkpoint';
}

const MODE_RE = /^(train|eval|test|infer)(?:\((.*)\))?$/;

/**
 * Reads a CSVLogger file (`mode,epoch,step,<keys…>`) into a Summary: each non-empty cell becomes
 * `history[mode][key].get(step)`; rows of a data set id (`eval(ds1)`) record keys as `key(ds1)`.
 *
 * @example
 * const s = parseCsvLog(fs.readFileSync('runs/a/log.csv', 'utf8'), 'a');
 */
export function parseCsvLog(text: string, name: string, file = name): Summary {
  const rows = parseCsv(text, ',', file).map((r) => r.fields);
  const header = rows[0];
  if (header?.[0] !== 'mode' || header[1] !== 'epoch' || header[2] !== 'step') {
    throw new RunFileError(
      `${file}:1: expected a CSVLogger header "mode,epoch,step,…", received "${(header ?? []).join(',').slice(0, 80)}"`,
    );
  }
  const summary = new Summary(name);
  rows.slice(1).forEach((r, i) => {
    const m = MODE_RE.exec(r[0] ?? '');
    const step = Number(r[2]);
    if (!m || !Number.isInteger(step)) {
      throw new RunFileError(
        `${file}:${i + 2}: expected "<mode>,<epoch>,<step>,…" with a mode of ${MODES.join('/')} and an integer step, received "${r.join(',').slice(0, 80)}"`,
      );
    }
    const mode = m[1] as Mode;
    const ds = m[2] ? `(${m[2]})` : '';
    for (let c = 3; c < header.length; c++) {
      const cell = r[c];
      if (cell === undefined || cell === '') continue;
      summary.record(mode, `${header[c]}${ds}`, step, parseLoggedValue(cell));
    }
  });
  return summary;
}

type SummaryJSON = ReturnType<Summary['toJSON']>;
const isSummaryJSON = (v: unknown): v is SummaryJSON =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as SummaryJSON).name === 'string' &&
  !!(v as SummaryJSON).history &&
  typeof (v as SummaryJSON).history === 'object';

const hasRecords = (s: Summary) => Object.values(s.history).some((keys) => Object.keys(keys ?? {}).length > 0);

/**
 * Reads one saved run: a Summary JSON (`fets train --summary`, `Summary.toJSON()`), a RestoreWizard `manifest.json`
 * (its history), a CSVLogger `.csv`, or Logger output (`FastEstimator-Train: step: …;` lines, any other extension).
 * Throws a {@link RunFileError} naming the file when it holds none of these.
 *
 * @example
 * const run = readRunFile('runs/summaries/tiny.json'); // run.summary.history.eval.f1
 */
export function readRunFile(file: string): SavedRun {
  const shown = displayPath(path.resolve(file));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RunFileError(
      `${shown}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  const base = path.basename(file).replace(/\.[^.]+$/, '');
  if (/\.json$/i.test(file)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new RunFileError(`${shown}: not valid JSON: ${(e as Error).message}`);
    }
    if (isSummaryJSON(json)) return { summary: Summary.fromJSON(json), file: shown, format: 'summary' };
    const manifest = json as { summary?: unknown };
    if (manifest && typeof manifest === 'object' && isSummaryJSON(manifest.summary)) {
      const s = Summary.fromJSON(manifest.summary);
      return {
        summary: Summary.fromJSON({ ...s.toJSON(), name: path.basename(path.dirname(path.dirname(path.resolve(file)))) }),
        file: shown,
        format: 'checkpoint',
      };
    }
    throw new RunFileError(
      `${shown}: expected a Summary JSON ({ name, history }) or a RestoreWizard manifest.json, received keys ${Object.keys(json ?? {}).join(', ') || 'none'}`,
    );
  }
  if (/\.csv$/i.test(file)) return { summary: parseCsvLog(text, base, shown), file: shown, format: 'csv' };
  let summary: Summary;
  try {
    summary = parseLogFile(text, base);
  } catch (e) {
    throw new RunFileError(`${shown}: ${(e as Error).message}`);
  }
  if (!hasRecords(summary))
    throw new RunFileError(
      `${shown}: no FastEstimator-Train/Eval/Test lines (expected the Logger's output, a CSVLogger .csv or a Summary .json)`,
    );
  return { summary, file: shown, format: 'log' };
}

const RUN_EXT = /\.(log|txt|out|csv|json)$/i;

/**
 * Reads every run named: files as {@link readRunFile}; a folder contributes its RestoreWizard checkpoint (`latest`)
 * and its `.log/.txt/.out/.csv/.json` files that hold a run (others, e.g. `metrics.json`, are skipped). Runs with the
 * same name are told apart by their file path. Throws when nothing readable is found.
 *
 * @example
 * const runs = readRuns(['runs/summaries', 'runs/old/train.log']);
 */
export function readRuns(paths: readonly string[]): SavedRun[] {
  const runs: SavedRun[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new RunFileError(`${p}: no such file or folder (looked for ${path.resolve(p)})`);
    if (!statSync(p).isDirectory()) {
      runs.push(readRunFile(p));
      continue;
    }
    const found: SavedRun[] = [];
    const latest = path.join(p, 'latest');
    if (existsSync(latest) && statSync(latest).isFile()) {
      const manifest = path.join(p, readFileSync(latest, 'utf8').trim(), 'manifest.json');
      if (existsSync(manifest)) found.push(readRunFile(manifest));
    }
    for (const f of readdirSync(p).sort()) {
      const full = path.join(p, f);
      if (!RUN_EXT.test(f) || !statSync(full).isFile()) continue;
      try {
        found.push(readRunFile(full));
      } catch (e) {
        if (!(e instanceof RunFileError)) throw e;
      }
    }
    if (found.length === 0)
      throw new RunFileError(
        `${displayPath(path.resolve(p))}: no saved runs in this folder (looked for Logger .log/.txt, CSVLogger .csv, Summary .json files and a RestoreWizard checkpoint)`,
      );
    runs.push(...found);
  }
  if (runs.length === 0) throw new RunFileError('no runs given');
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.summary.name, (counts.get(r.summary.name) ?? 0) + 1);
  return runs.map((r) =>
    (counts.get(r.summary.name) ?? 0) > 1 ? { ...r, summary: Summary.fromJSON({ ...r.summary.toJSON(), name: r.file }) } : r,
  );
}

/**
 * A comparison table of runs: one row per (mode, key) with a numeric series, one column per run holding the last
 * value (and the step it was logged at).
 *
 * @example
 * console.log(compareRuns(readRuns(['a.log', 'b.log'])).join('\n'));
 */
export function compareRuns(runs: readonly SavedRun[], keys?: readonly string[], modes?: readonly Mode[]): string[] {
  const rows = new Map<string, { mode: Mode; key: string }>();
  for (const r of runs) {
    for (const [mode, byKey] of Object.entries(r.summary.history) as [Mode, Record<string, Map<number, unknown>>][]) {
      if (modes && !modes.includes(mode)) continue;
      for (const key of Object.keys(byKey)) {
        if (keys && !keys.includes(key)) continue;
        if (r.summary.series(mode, key).length > 0) rows.set(`${mode}\u0000${key}`, { mode, key });
      }
    }
  }
  const order = (m: Mode) => MODES.indexOf(m);
  const sorted = [...rows.values()].sort((a, b) => order(a.mode) - order(b.mode) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const header = ['mode', 'key', ...runs.map((r) => r.summary.name)];
  const body = sorted.map(({ mode, key }) => [
    mode,
    key,
    ...runs.map((r) => {
      const s = r.summary.series(mode, key);
      const last = s[s.length - 1];
      return last ? `${Number(last[1].toPrecision(5))} @${last[0]}` : '';
    }),
  ]);
  const all = [header, ...body];
  const w = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  return all.map((row) =>
    row
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd(),
  );
}
