import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { runCli } from '@fets/estimator';
import { ROOT } from '../../helpers.js';

describe('estimator/plot: a batch as a PNG grid (fets show)', function () {
  this.timeout(120_000);

  it('fets show draws one augmented MNIST batch with its labels: the PNG decodes and has the grid size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-show-'));
    const out = path.join(dir, 'batch.png');
    const said: string[] = [];
    const io = { out: (t: string) => void said.push(t), err: (t: string) => void said.push(t) };
    const code = await runCli(['show', path.join(ROOT, 'examples', 'mnist', 'experiment.ts'), '--set', `outDir=${dir}`, '--out', out], io);
    expect(code, said.join('\n')).to.equal(0);
    expect(said.at(-1)).to.match(/fets show: wrote .*batch\.png \(one train batch\)/);
    const png = PNG.sync.read(fs.readFileSync(out));
    // 32 digits of 28×28 enlarged 3× in a 6×6 grid, 6 px apart, 14 px of caption under each.
    expect([png.width, png.height]).to.deep.equal([6 + 6 * (84 + 6), 6 + 6 * (84 + 14 + 6)]);
    // Not blank: the digits are drawn (dark pixels on white).
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 128) dark++;
    expect(dark).to.be.greaterThan(5000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
