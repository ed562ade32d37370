import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { ConfigError, NDArray, batchGrid, runCli } from '@fets/estimator';
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

  it('outlines bounding boxes in red where they are, skipping padding rows; a bad box key is a clear error', async () => {
    // Two grey 16×16 images; image 0 has a box at x 2–10, y 4–12 (coco [2, 4, 8, 8], class 1) and a padding row.
    const x = new NDArray(new Int32Array(2 * 16 * 16).fill(128), [2, 16, 16], 'int32');
    const boxes = new NDArray(Float32Array.of(2, 4, 8, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), [2, 2, 5], 'float32');
    const bytes = await batchGrid({ x, y: new NDArray(Int32Array.of(0, 1), [2], 'int32'), b: boxes }, { boxKey: 'b', tile: 64 });
    const png = PNG.sync.read(Buffer.from(bytes));
    const red = (px: number, py: number) => {
      const at = (py * png.width + px) * 4;
      return png.data[at]! > 180 && png.data[at + 1]! < 80 && png.data[at + 2]! < 80;
    };
    // Tiles are enlarged 4× and start 6 px in: the box's left edge is at x = 6 + 2·4, its top at y = 6 + 4·4.
    expect(red(6 + 2 * 4, 6 + 8 * 4), 'left edge').to.equal(true);
    expect(red(6 + 6 * 4, 6 + 4 * 4), 'top edge').to.equal(true);
    expect(red(6 + 6 * 4, 6 + 8 * 4), 'inside').to.equal(false);
    // Image 1 (only padding rows) has no red at all.
    const x1 = 6 + 64 + 6;
    let reds = 0;
    for (let py = 6; py < 6 + 64; py++) for (let px = x1; px < x1 + 64; px++) if (red(px, py)) reds++;
    expect(reds).to.equal(0);
    await batchGrid({ x, b: new NDArray(new Float32Array(8), [2, 4], 'float32') }, { boxKey: 'b' }).then(
      () => expect.fail('expected an error'),
      (e: unknown) => {
        expect(e).to.be.instanceOf(ConfigError);
        expect(String(e)).to.match(/key "b" should hold boxes \[B, N, 4\+\].*received shape \[2, 4\]/);
      },
    );
  });
});
