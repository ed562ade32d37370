/**
 * The cost of the compile-time graph check: generates a script whose Pipeline has N ops (a chain over a typed
 * CoNLL data set: each op reads the key the one before wrote, every third in `'!infer'`, every fifth in `'train'` only
 * with its key overwritten for every mode right after), a Network and an Estimator with a trace, then type-checks it
 * with `tsc --extendedDiagnostics` twice: as written (checked) and with the op list held in a variable (not checked).
 * The difference is the check's cost. Writes bench/results/typegraph-<time>.json.
 *
 *   node --conditions=fets-source --import tsx bench/typeGraph.ts [--ops 30,100]
 *
 * Instantiation counts do not depend on the machine's load; the times do (the load average is recorded).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, writeResult } from './common.js';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '30,100' } } });
const sizes = values.ops!.split(',').map(Number);

/** The generated script: `n` Pipeline ops, checked (`inline`) or held in a variable. */
export function graphSource(n: number, inline: boolean): string {
  const ops: string[] = [];
  let key = 'words';
  for (let i = 0; i < n; i++) {
    const out = `k${i}`;
    const mode = i % 3 === 2 ? `, mode: '!infer'` : '';
    if (i === 0) ops.push(`new fe.op.WordtoId({ inputs: 'words', outputs: '${out}', mapping: (w: string) => w.length })`);
    else if (i % 4 === 1) ops.push(`new fe.op.AttentionMask({ inputs: '${key}', outputs: '${out}'${mode} })`);
    else ops.push(`new fe.op.PadSequence({ inputs: '${key}', outputs: '${out}', maxLen: 8${mode} })`);
    key = out;
  }
  const list = `[\n    ${ops.join(',\n    ')},\n  ]`;
  return `import * as fe from '@fets/estimator';

declare const train: fe.dataset.ConllDataset;
declare const model: fe.Model;

export function graph() {
  ${inline ? '' : `const ops = ${list};\n  `}const pipeline = new fe.Pipeline({ trainData: train, evalData: train, ops: ${inline ? list : 'ops'} });
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: '${key}', outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'k0'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  return new fe.Estimator({ pipeline, network, epochs: 1, traces: [new fe.trace.Accuracy({ trueKey: 'k0', predKey: 'yPred' })] });
}
`;
}

/** Type-checks one generated file; returns tsc's figures. */
function check(
  dir: string,
  name: string,
  source: string,
): { instantiations: number; checkSeconds: number; totalSeconds: number; errors: string } {
  writeFileSync(path.join(dir, `${name}.ts`), source);
  writeFileSync(
    path.join(dir, `${name}.tsconfig.json`),
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, incremental: false, rootDir: '../..' },
      files: [`${name}.ts`],
    }),
  );
  let out: string;
  let errors = '';
  try {
    out = execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, `${name}.tsconfig.json`), '--extendedDiagnostics'],
      {
        encoding: 'utf8',
      },
    );
  } catch (e) {
    out = (e as { stdout: string }).stdout;
    errors = out
      .split('\n')
      .filter((l) => l.includes('error TS'))
      .join('\n');
  }
  const num = (label: string) => Number(new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(out)?.[1] ?? NaN);
  return { instantiations: num('Instantiations'), checkSeconds: num('Check time'), totalSeconds: num('Total time'), errors };
}

const dir = path.join(ROOT, 'bench', '.typegraph');
mkdirSync(dir, { recursive: true });
const results = [];
for (const n of sizes) {
  const checked = check(dir, `graph${n}`, graphSource(n, true));
  const unchecked = check(dir, `graph${n}-variable`, graphSource(n, false));
  const r = { ops: n, checked, unchecked, checkInstantiations: checked.instantiations - unchecked.instantiations };
  results.push(r);
  console.log(
    `${n} ops: ${checked.instantiations.toLocaleString('en-US')} instantiations checked, ${unchecked.instantiations.toLocaleString('en-US')} ` +
      `with the ops in a variable (the check: ${r.checkInstantiations.toLocaleString('en-US')}); check time ${checked.checkSeconds} s vs ` +
      `${unchecked.checkSeconds} s${checked.errors ? `; ERRORS:\n${checked.errors}` : ''}`,
  );
}
rmSync(dir, { recursive: true, force: true });
console.log(`wrote ${writeResult('typegraph', { results })}`);
