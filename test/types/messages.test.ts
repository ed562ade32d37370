/**
 * tsc's messages for a miswired graph name the key and the mode: each `@ts-expect-error` of miswired.ts and
 * customOp.ts is removed in memory and the error that comes back at the next line must contain the comment's text.
 * One program for both files (about 40 s under load: it type-checks fets' sources).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { ROOT } from '../helpers.js';

const FILES = ['test/types/miswired.ts', 'test/types/customOp.ts'].map((f) => path.join(ROOT, f));
const MARK = '// @ts-expect-error ';

/** The expected messages: one per marked line, with the line (0-based) the error must be reported on. */
function expectations(text: string): { line: number; message: string }[] {
  return text.split('\n').flatMap((l, i) => (l.trim().startsWith(MARK) ? [{ line: i + 1, message: l.trim().slice(MARK.length) }] : []));
}

const unmarked = (text: string) =>
  text
    .split('\n')
    .map((l) => (l.trim().startsWith(MARK) ? '' : l))
    .join('\n');

/** The diagnostics of each file with its marks removed: file → [{ line, message }]. */
function diagnostics(): Map<string, { line: number; message: string }[]> {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const compile = { ...options, noEmit: true, composite: false, incremental: false };
  const host = ts.createCompilerHost(compile);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    FILES.includes(path.resolve(name))
      ? ts.createSourceFile(name, unmarked(readFileSync(name, 'utf8')), lang)
      : original(name, lang, ...rest);
  const program = ts.createProgram({ rootNames: FILES, options: compile, host });
  return new Map(
    FILES.map((f) => {
      const source = program.getSourceFile(f)!;
      return [
        f,
        ts.getPreEmitDiagnostics(program, source).map((d) => ({
          line: source.getLineAndCharacterOfPosition(d.start ?? 0).line,
          message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        })),
      ];
    }),
  );
}

describe('types: the graph check at compile time', function () {
  this.timeout(240_000);
  let got: Map<string, { line: number; message: string }[]>;
  before(() => {
    got = diagnostics();
  });

  for (const file of FILES) {
    it(`${path.basename(file)}: each error names the key and the mode, and no other error comes`, () => {
      const want = expectations(readFileSync(file, 'utf8'));
      expect(want.length).to.be.at.least(path.basename(file) === 'miswired.ts' ? 7 : 2);
      const all = got.get(file)!;
      for (const w of want) {
        const at = all.filter((d) => d.line === w.line).map((d) => d.message);
        expect(at.join('\n'), `line ${w.line + 1}: ${at.join(' / ')}`).to.include(`"${w.message}"`);
      }
      expect(all.length, all.map((d) => `${d.line + 1}: ${d.message}`).join('\n')).to.equal(want.length);
    });
  }
});
