import type { Mode } from '@fets/pipeline';
import { RunFileError } from './runFileError.js';
import { Summary } from '../summary/summary.js';

const TAGS: Record<string, Mode> = { Train: 'train', Eval: 'eval', Test: 'test' };
const LINE = /^\s*FastEstimator-(Train|Eval|Test)(?:\(([^)]*)\))?:\s*(.*)$/;
const PAIR = /([^;:]+?):\s*(.*?);(?=\s|$)/g;

/** A logged value from its printed form: numbers (incl. NaN, ±Infinity), JSON arrays/objects, else the text. */
export function parseLoggedValue(text: string): unknown {
  const t = text.trim();
  if (t === 'NaN') return NaN;
  if (t === 'Infinity') return Infinity;
  if (t === '-Infinity') return -Infinity;
  if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  }
  return t;
}

/**
 * Reads FastEstimator log lines back into a Summary (FastEstimator's `parse_log_file`): every
 * `FastEstimator-Train: step: 100; loss: 0.52; …;`, `FastEstimator-Eval: step: 400; epoch: 1; f1: 0.8;` and
 * `FastEstimator-Test…` line becomes records `history[mode][key].get(step)`; `step` and `epoch` are positions, not
 * values; other lines (Start, Finish, warnings, progress) are skipped. A Train/Eval/Test line without a step is an
 * error naming its line number.
 *
 * @example
 * const summary = parseLogFile(fs.readFileSync('train.log', 'utf8'), 'bert-tiny');
 * summary.history.eval!.f1!.get(2000);
 */
export function parseLogFile(text: string, name = 'experiment'): Summary {
  const summary = new Summary(name);
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const m = LINE.exec(line);
    if (!m) return;
    const mode = TAGS[m[1]!]!;
    const pairs = new Map<string, string>();
    for (const p of (m[3]! + (m[3]!.trimEnd().endsWith(';') ? '' : ';')).matchAll(PAIR)) pairs.set(p[1]!.trim(), p[2]!);
    const stepText = pairs.get('step');
    const step = stepText === undefined ? NaN : Number(stepText);
    if (!Number.isInteger(step)) {
      throw new RunFileError(
        `parseLogFile: line ${i + 1}: expected "step: <integer>;" in a FastEstimator-${m[1]} line, received "${line.trim().slice(0, 80)}"`,
      );
    }
    for (const [k, v] of pairs) if (k !== 'step' && k !== 'epoch') summary.record(mode, k, step, parseLoggedValue(v));
  });
  return summary;
}
