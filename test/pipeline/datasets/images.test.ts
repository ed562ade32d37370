import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import {
  DataFormatError,
  DatasetNotFoundError,
  type NDArray,
  cifar10,
  mnist,
  mnistDigits,
  parseCifarBatches,
  parseIdx,
} from '@fets/pipeline';

/** An IDX file of unsigned bytes with the given dimensions. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 0x08, dims.length]);
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...data]);
}

/** CIFAR records: label, then 1,024 red, green and blue bytes; pixel p of image i has red i, green p % 256, blue 7. */
function cifarRecords(n: number): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = i % 10;
    for (let p = 0; p < 1024; p++) {
      out[i * 3073 + 1 + p] = i;
      out[i * 3073 + 1 + 1024 + p] = p % 256;
      out[i * 3073 + 1 + 2048 + p] = 7;
    }
  }
  return out;
}

describe('pipeline/datasets: image data sets', function () {
  this.timeout(60_000);
  let tmp: string;
  let server: http.Server;
  let baseUrl: string;
  const files: Record<string, Uint8Array> = {};
  const requests: string[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-images-'));
    const img = (n: number) => Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7) % 256);
    files['train-images-idx3-ubyte.gz'] = gzipSync(idx([3, 28, 28], img(3)));
    files['train-labels-idx1-ubyte.gz'] = gzipSync(idx([3], Uint8Array.of(5, 0, 4)));
    files['t10k-images-idx3-ubyte.gz'] = gzipSync(idx([2, 28, 28], img(2)));
    files['t10k-labels-idx1-ubyte.gz'] = gzipSync(idx([2], Uint8Array.of(7, 2)));
    // A real tar.gz made by the system's tar: cifar-10-batches-bin/ with tiny batches.
    const src = path.join(tmp, 'tar-src', 'cifar-10-batches-bin');
    fs.mkdirSync(src, { recursive: true });
    for (let b = 1; b <= 5; b++) fs.writeFileSync(path.join(src, `data_batch_${b}.bin`), cifarRecords(2));
    fs.writeFileSync(path.join(src, 'test_batch.bin'), cifarRecords(3));
    execFileSync('tar', ['-czf', path.join(tmp, 'cifar.tgz'), '-C', path.join(tmp, 'tar-src'), 'cifar-10-batches-bin']);
    files['cifar-10-binary.tar.gz'] = fs.readFileSync(path.join(tmp, 'cifar.tgz'));
    server = http.createServer((req, res) => {
      const name = path.basename(req.url ?? '');
      requests.push(name);
      const body = files[name];
      if (!body) res.writeHead(404).end('not here');
      else res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`;
  });
  after(() => {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    delete process.env.FETS_DATA_DIR;
    delete process.env.FETS_OFFLINE;
    requests.length = 0;
  });

  it('parseIdx reads plain and gzipped IDX; a wrong magic or length names the file', () => {
    const raw = idx([2, 2], Uint8Array.of(1, 2, 3, 4));
    expect(parseIdx(raw, 'a')).to.deep.equal({ dims: [2, 2], data: Uint8Array.of(1, 2, 3, 4) });
    expect(parseIdx(gzipSync(raw), 'a.gz').dims).to.deep.equal([2, 2]);
    expect(() => parseIdx(Uint8Array.of(1, 2, 3, 4), 'bad.idx')).to.throw(DataFormatError, /^bad\.idx:1: expected an IDX file/);
    expect(() => parseIdx(raw.subarray(0, raw.length - 1), 'short.idx')).to.throw(
      DataFormatError,
      /expected 4 bytes for dimensions \[2, 2\], received 3/,
    );
  });

  it('parseCifarBatches turns CHW records channels-last; a partial record is an error', () => {
    const ds = parseCifarBatches([cifarRecords(2)], ['b.bin']);
    const s = ds.get(1) as { x: NDArray; y: number };
    expect(s.y).to.equal(1);
    expect(s.x.shape).to.deep.equal([32, 32, 3]);
    expect([...s.x.data.slice(0, 6)]).to.deep.equal([1, 0, 7, 1, 1, 7]);
    expect(() => parseCifarBatches([new Uint8Array(3074)], ['odd.bin'])).to.throw(
      DataFormatError,
      /odd\.bin:1: expected records of 3073 bytes/,
    );
  });

  it('mnist.loadData downloads the four IDX files into the cache (from 127.0.0.1), then reads them offline', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const { train, test, classes } = await mnist.loadData({ baseUrl, cacheDir, progress: 'none' });
    expect(requests.sort()).to.deep.equal(
      Object.keys(files)
        .filter((f) => f.includes('idx'))
        .sort(),
    );
    expect(train.length).to.equal(3);
    expect(test.length).to.equal(2);
    expect(classes).to.have.length(10);
    const s = train.get(0) as { x: NDArray; y: number };
    expect(s.y).to.equal(5);
    expect(s.x.shape).to.deep.equal([28, 28]);
    expect(Number(s.x.data[1])).to.equal(7);
    requests.length = 0;
    const again = await mnist.loadData({ baseUrl, cacheDir, offline: true, progress: 'none' });
    expect(requests).to.deep.equal([]);
    expect(again.test.get(1).y).to.equal(2);
    let err: unknown;
    await mnist.loadData({ cacheDir: path.join(tmp, 'empty'), offline: true }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(DatasetNotFoundError);
    expect(String(err)).to.match(/mnist\.loadData/);
  });

  it('cifar10.loadData downloads the archive and reads its batches without a tar program; or reads extracted batches', async () => {
    const cacheDir = path.join(tmp, 'cache-cifar');
    const { train, test, classes } = await cifar10.loadData({ baseUrl, cacheDir, progress: 'none' });
    expect(requests).to.deep.equal(['cifar-10-binary.tar.gz']);
    expect(train.length).to.equal(10);
    expect(test.length).to.equal(3);
    expect(classes[0]).to.equal('airplane');
    expect(Number((test.get(2).x as NDArray).data[0])).to.equal(2);
    const extracted = await cifar10.loadData({ rootDir: path.join(tmp, 'tar-src') });
    expect(extracted.train.length).to.equal(10);
  });

  it("mnistDigits: the npm package's 10,000 digits, split 8,000 / 2,000 by seed, the same on every call", () => {
    const a = mnistDigits.loadData({ seed: 0 });
    const b = mnistDigits.loadData({ seed: 0 });
    const c = mnistDigits.loadData({ seed: 1 });
    expect(a.train.length).to.equal(8000);
    expect(a.test.length).to.equal(2000);
    expect(b.test.get(17)).to.deep.equal(a.test.get(17));
    expect(c.test.get(17)).to.not.deep.equal(a.test.get(17));
    const counts = new Array(10).fill(0);
    for (let i = 0; i < a.test.length; i++) counts[a.test.get(i).y as number]++;
    expect(counts.every((n) => n > 150 && n < 260)).to.equal(true);
    const x = a.train.get(0).x as NDArray;
    expect(x.shape).to.deep.equal([28, 28]);
    const px = [...(x.data as Int32Array)];
    expect(Math.min(...px)).to.equal(0);
    expect(Math.max(...px)).to.be.within(200, 255);
  });
});
