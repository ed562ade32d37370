import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CSVDataset, ImageFolderDataset, type NDArray, Pipeline, ReadImage, encodePng } from '@fets/pipeline';

describe('pipeline: ReadImage and ImageFolderDataset', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-folder-'));
    for (const [cls, n] of [
      ['cat', 2],
      ['dog', 1],
    ] as const) {
      fs.mkdirSync(path.join(root, cls));
      for (let i = 0; i < n; i++) {
        const px = Uint8Array.from({ length: 4 * 3 * 3 }, (_, j) => (j * 10 + i) % 256);
        fs.writeFileSync(path.join(root, cls, `${i}.png`), encodePng(px, 4, 3, 3));
      }
    }
    fs.writeFileSync(path.join(root, 'dog', 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('one folder per class: paths and labels, classes sorted; ReadImage decodes the pixels exactly', async () => {
    const ds = new ImageFolderDataset(root);
    expect(ds.classes).to.deep.equal(['cat', 'dog']);
    expect(ds.length).to.equal(4); // cat/0, cat/1, dog/0, dog/broken
    expect(ds.get(2).y).to.equal(1);
    const x = new ReadImage({ inputs: 'x', outputs: 'x' }).forward(ds.get(1).x) as NDArray;
    expect(x.shape).to.deep.equal([4, 3, 3]);
    expect([...x.data.slice(0, 4)]).to.deep.equal([1, 11, 21, 31]);
    const grey = new ReadImage({ inputs: 'x', outputs: 'x', channels: 1 }).forward(ds.get(0).x) as NDArray;
    expect(grey.shape).to.deep.equal([4, 3, 1]);
    expect(Number(grey.data[0])).to.equal(10);
  });

  it("a CSV of image paths and labels: CSVDataset + ReadImage with parentPath, batched (FastEstimator's pairing)", async () => {
    const csv = path.join(root, 'labels.csv');
    fs.writeFileSync(csv, 'x,y\ncat/0.png,0\ndog/0.png,1\ncat/1.png,0\n');
    const p = new Pipeline({
      trainData: new CSVDataset(csv),
      batchSize: 3,
      shuffle: false,
      ops: [new ReadImage({ inputs: 'x', outputs: 'x', parentPath: root })],
    });
    const batch = (await p.getResults()) as Record<string, NDArray>;
    expect(batch.x!.shape).to.deep.equal([3, 4, 3, 3]);
    expect(Array.from(batch.y!.data as Int32Array)).to.deep.equal([0, 1, 0]);
    // Row 2 is cat/1.png: its first pixel is (1, 11, 21) as written.
    expect(Array.from((batch.x!.data as Int32Array | Float32Array).slice(2 * 36, 2 * 36 + 3), Number)).to.deep.equal([1, 11, 21]);
  });

  it('a corrupt image file names the op, the key, the file and the sample', async () => {
    const p = new Pipeline({
      trainData: new ImageFolderDataset(root),
      batchSize: 1,
      shuffle: false,
      ops: [new ReadImage({ inputs: 'x', outputs: 'x' })],
    });
    let err: unknown;
    try {
      for await (const _ of p.batches({ mode: 'train' })) void _;
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(
      /ReadImage \(key "x"\): .*broken\.png:1: cannot decode the image: .*\[sample 3 of the train data, .*broken\.png\]/,
    );
  });
});
