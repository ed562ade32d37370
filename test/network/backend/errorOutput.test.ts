import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers.js';

describe('network/backend: error output after the wasm backend loads', function () {
  this.timeout(60_000);
  it('an uncaught error is reported at the user code, not as the minified wasm glue', () => {
    const dir = mkdtempSync(path.join(ROOT, 'test', '.tmp-'));
    const script = path.join(dir, 'boom.ts');
    writeFileSync(script, "import { initBackend } from '@fets/network';\nawait initBackend();\nthrow new Error('boom from user code');\n");
    const r = spawnSync(process.execPath, ['--conditions=fets-source', '--import', 'tsx', script], {
      encoding: 'utf8',
      env: { ...process.env, FETS_QUIET: '1' },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/Error: boom from user code/);
    expect(r.stderr).to.match(/boom\.ts:3/);
    expect(r.stderr.length).to.be.below(4000);
  });
});
