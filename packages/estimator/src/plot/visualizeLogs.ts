import { atomicWriteFile } from '@fets/network';
import path from 'node:path';
import { z } from 'zod';
import * as vl from 'vega-lite';
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { ConfigError, MODES, parseOptions, type Mode } from '@fets/pipeline';
import { Summary } from '../summary/summary.js';
import { checkWritable } from '../traces/io/fileSafety.js';

const schema = z.strictObject({
  /** Where to write: `.svg` or `.png` (rendered with resvg). Omit to only return the SVG text. */
  savePath: z
    .string()
    .regex(/\.(svg|png)$/i, 'expected a path ending in .svg or .png')
    .optional(),
  /** Keys to draw (default: every numeric key of any run, losses first then alphabetical). */
  keys: z.array(z.string().min(1)).min(1).optional(),
  /** Modes to draw (default all recorded). */
  modes: z.array(z.enum(MODES)).min(1).optional(),
  /** Panels per row. */
  columns: z.number().int().min(1).default(3),
  /** Width and height of each panel in pixels. */
  panelWidth: z.number().int().min(50).default(300),
  panelHeight: z.number().int().min(50).default(200),
  /** Title above the panels. */
  title: z.string().optional(),
});

/** Options of {@link visualizeLogs}. */
export type VisualizeLogsOptions = z.input<typeof schema>;

/** One plotted point. */
export interface PlotPoint {
  run: string;
  mode: Mode;
  series: string;
  key: string;
  step: number;
  value: number;
}

/** The points to draw from some summaries: finite numeric values of the chosen keys and modes. */
export function plotPoints(summaries: readonly Summary[], keys?: readonly string[], modes?: readonly Mode[]): PlotPoint[] {
  const multi = summaries.length > 1;
  const points: PlotPoint[] = [];
  for (const s of summaries) {
    for (const [mode, byKey] of Object.entries(s.history) as [Mode, Record<string, Map<number, unknown>>][]) {
      if (modes && !modes.includes(mode)) continue;
      for (const key of Object.keys(byKey)) {
        if (keys && !keys.includes(key)) continue;
        for (const [step, value] of s.series(mode, key)) {
          if (!Number.isFinite(value)) continue;
          points.push({ run: s.name, mode, series: multi ? `${s.name} ${mode}` : mode, key, step, value });
        }
      }
    }
  }
  return points;
}

const keyOrder = (a: string, b: string) => {
  const la = /loss/i.test(a) ? 0 : 1;
  const lb = /loss/i.test(b) ? 0 : 1;
  return la - lb || (a < b ? -1 : a > b ? 1 : 0);
};

/**
 * Draws loss and metric curves of one or more runs (FastEstimator's `visualize_logs`): one panel per key, one line
 * per run and mode (train/eval/test), x = training step. Renders with vega-lite + vega to SVG, and to PNG with resvg
 * when `savePath` ends in `.png`; the file is written atomically. Returns the SVG text.
 *
 * @example
 * await visualizeLogs([tinySummary, miniSummary], { savePath: 'runs/compare.png', keys: ['ce', 'f1'] });
 */
export async function visualizeLogs(summaries: Summary | readonly Summary[], options: VisualizeLogsOptions = {}): Promise<string> {
  const o = parseOptions('visualizeLogs', schema, options);
  const list = summaries instanceof Summary ? [summaries] : [...summaries];
  if (list.length === 0 || !list.every((s) => s instanceof Summary)) {
    throw new ConfigError('visualizeLogs', [], 'visualizeLogs: summaries: expected a Summary or a non-empty list of Summaries');
  }
  const points = plotPoints(list, o.keys, o.modes);
  if (points.length === 0) {
    throw new ConfigError(
      'visualizeLogs',
      [],
      `visualizeLogs: nothing to draw: no finite numeric values${o.keys ? ` for keys ${o.keys.join(', ')}` : ''}${o.modes ? ` in modes ${o.modes.join(', ')}` : ''}`,
    );
  }
  if (o.savePath) checkWritable(path.dirname(path.resolve(o.savePath)), 'visualizeLogs', 'savePath');
  const keys = [...new Set(points.map((p) => p.key))].sort(keyOrder);
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    background: 'white',
    data: { values: points },
    facet: { field: 'key', type: 'nominal', title: null, sort: keys, header: { labelFontSize: 13, labelFontWeight: 'bold' } },
    columns: o.columns,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: o.panelWidth,
      height: o.panelHeight,
      mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: 'run' },
        strokeDash: { field: 'mode', type: 'nominal', legend: null },
      },
    },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (o.savePath) {
    const png = /\.png$/i.test(o.savePath);
    await atomicWriteFile(
      o.savePath,
      png ? new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng() : svg,
    );
  }
  return svg;
}
