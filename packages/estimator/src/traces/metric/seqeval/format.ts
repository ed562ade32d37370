import type { SeqevalReport } from './report.js';

/**
 * Renders a report as seqeval's `classification_report` text: one row per entity type, then the micro, macro and
 * weighted averages, with precision, recall, f1-score (4 decimals) and support.
 *
 * @example
 * console.log(formatSeqevalReport(seqevalReport(yTrue, yPred, { mode: 'strict', scheme: 'IOB2' })));
 */
export function formatSeqevalReport(report: SeqevalReport, digits = 4): string {
  const rows = Object.entries(report);
  const width = Math.max(12, ...rows.map(([k]) => k.length));
  const head = ['precision', 'recall', 'f1-score', 'support'];
  const fmt = (v: number) => (Number.isNaN(v) ? 'nan' : v.toFixed(digits));
  const lines = [`${''.padStart(width)} ${head.map((h) => h.padStart(9)).join(' ')}`, ''];
  const entity = rows.filter(([k]) => !k.endsWith(' avg'));
  const avgs = rows.filter(([k]) => k.endsWith(' avg'));
  for (const [name, r] of entity) {
    lines.push(
      `${name.padStart(width)} ${[fmt(r.precision), fmt(r.recall), fmt(r['f1-score'])].map((x) => x.padStart(9)).join(' ')} ${String(r.support).padStart(9)}`,
    );
  }
  lines.push('');
  for (const [name, r] of avgs) {
    lines.push(
      `${name.padStart(width)} ${[fmt(r.precision), fmt(r.recall), fmt(r['f1-score'])].map((x) => x.padStart(9)).join(' ')} ${String(r.support).padStart(9)}`,
    );
  }
  return lines.join('\n');
}
