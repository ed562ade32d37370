/**
 * tsc's messages for a miswired graph name the key and the mode: each `@ts-expect-error` of miswired.ts is removed in
 * memory and the error that comes back at the next line must contain the comment's text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { ROOT } from '../helpers.js';

const FILE = path.join(ROOT, 'test/types/miswired.ts');
const MARK = '// @ts-expect-error ';

/** The expected messages: one per marked line, with the line (0-based) the error must be reported on. */
function expectations(text: string): { line: number; message: string }[] {
  return text.split('\n').flatMap((l, i) => (l.trim().startsWith(MARK) ? [{ line: i + 1, message: l.trim().slice(MARK.length) }] : []));
}

function diagnostics(text: string): { line: number; message: string }[] {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const host = ts.createCompilerHost({ ...options, noEmit: true, composite: false, incremental: false });
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    path.resolve(name) === FILE ? ts.createSourceFile(name, text, lang) : original(name, lang, ...rest);
  const program = ts.createProgram({ rootNames: [FILE], options: { ...options, noEmit: true, composite: false }, host });
  const source = program.getSourceFile(FILE)!;
  return ts.getPreEmitDiagnostics(program, source).map((d) => ({
    line: source.getLineAndCharacterOfPosition(d.start ?? 0).line,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

describe('types: the graph check at compile time', function () {
  this.timeout(240_000);

  it('names the key and the mode of every miswiring of the README script', () => {
    const text = readFileSync(FILE, 'utf8');
    const want = expectations(text);
    expect(want.length).to.be.at.least(7);
    const got = diagnostics(
      text
        .split('\n')
        .map((l) => (l.trim().startsWith(MARK) ? '' : l))
        .join('\n'),
    );
    for (const w of want) {
      const at = got.filter((d) => d.line === w.line).map((d) => d.message);
      expect(at.join('\n'), `line ${w.line + 1}: ${at.join(' / ')}`).to.include(`"${w.message}"`);
    }
    expect(got.length, got.map((d) => `${d.line + 1}: ${d.message}`).join('\n')).to.equal(want.length);
  });
});
