import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { bc5cdrChem, ConfigError, DatasetNotFoundError, DownloadError, mitMovie, seededRandom } from '@fets/pipeline';
import { shared, errorOf } from '../../helpers.js';

/** A generated MIT-Movie-style file: `TAG<TAB>word` lines, blank line between sentences. */
function generateBio(sentences: number, seed: number): string {
  const r = seededRandom(seed);
  const types = ['ACTOR', 'YEAR', 'GENRE'];
  let out = '';
  for (let s = 0; s < sentences; s++) {
    const n = 2 + Math.floor(r() * 8);
    let inside: string | undefined;
    for (let t = 0; t < n; t++) {
      const x = r();
      let tag = 'O';
      if (x < 0.2) inside = types[Math.floor(r() * types.length)]!;
      if (x < 0.2) tag = `B-${inside}`;
      else if (x < 0.35 && inside) tag = `I-${inside}`;
      else inside = undefined;
      out += `${tag}\tw${Math.floor(r() * 1000)}\n`;
    }
    out += '\n';
  }
  return out;
}

class Capture {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

describe('pipeline/datasets/ner: mitMovie and bc5cdrChem loaders', () => {
  const saved = { ...process.env };
  let tmp: string;
  let server: http.Server;
  let baseUrl: string;
  const requests: string[] = [];
  const files: Record<string, Buffer> = {
    'engtrain.bio': Buffer.from(generateBio(3000, 1)),
    'engtest.bio': Buffer.from(generateBio(500, 2)),
  };
  let mode: 'ok' | 'missing-test' | 'truncated' = 'ok';

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-ner-'));
    server = http.createServer((req, res) => {
      const name = path.basename(req.url ?? '');
      requests.push(name);
      const body = files[name];
      if (!body || (mode === 'missing-test' && name === 'engtest.bio')) {
        res.writeHead(404).end('not here');
        return;
      }
      if (mode === 'truncated') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(body.subarray(0, 1000));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/movie/`;
  });

  beforeEach(() => {
    delete process.env.FETS_DATA_DIR;
    delete process.env.FETS_OFFLINE;
    process.env.FETS_CACHE_DIR = path.join(tmp, 'never-used-cache');
    requests.length = 0;
    mode = 'ok';
  });

  after(async () => {
    for (const k of ['FETS_DATA_DIR', 'FETS_OFFLINE', 'FETS_CACHE_DIR']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('loads MIT Movie from rootDir: all sentences, labels from train', async () => {
    const { train, evalData, test, labels } = await mitMovie.loadData({ rootDir: shared('datasets/mit-movie') });
    expect([train.length, train.tokenCount, test.length, test.tokenCount]).to.deep.equal([9_775, 99_491, 2_443, 24_686]);
    expect(evalData).to.equal(test);
    expect(labels.length).to.equal(25);
    expect(labels.labels.slice(0, 3)).to.deep.equal(['O', 'B-ACTOR', 'I-ACTOR']);
    expect(train.get(0)).to.deep.equal({
      words: ['what', 'movies', 'star', 'bruce', 'willis'],
      tags: ['O', 'O', 'O', 'B-ACTOR', 'I-ACTOR'],
    });
  });

  it('finds the files under $FETS_DATA_DIR (MIT Movie and BC5CDR)', async () => {
    process.env.FETS_DATA_DIR = shared('datasets');
    const m = await mitMovie.loadData({ offline: true });
    expect(m.train.length).to.equal(9_775);
    const b = await bc5cdrChem.loadData();
    expect([b.train.length, b.evalData.length, b.test]).to.deep.equal([4_560, 4_581, undefined]);
    expect(b.labels.labels).to.deep.equal(['O', 'B-Chemical', 'I-Chemical']);
    expect(b.train.tokenCount).to.equal(118_170);
  });

  it('downloads into the cache from a local server, with plain progress lines when piped, then reuses the cache', async () => {
    const cacheDir = path.join(tmp, 'cache1');
    const stream = new Capture(false);
    const { train, test, labels } = await mitMovie.loadData({ baseUrl, cacheDir, stream });
    expect(requests).to.deep.equal(['engtrain.bio', 'engtest.bio']);
    const dir = path.join(cacheDir, 'datasets', 'mit-movie');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['engtest.bio', 'engtrain.bio']);
    expect(fs.readFileSync(path.join(dir, 'engtrain.bio')).equals(files['engtrain.bio']!)).to.equal(true);
    expect([train.length, test.length]).to.deep.equal([3000, 500]);
    expect(labels.labels).to.deep.equal(['O', 'B-ACTOR', 'I-ACTOR', 'B-GENRE', 'I-GENRE', 'B-YEAR', 'I-YEAR']);
    const lines = stream.text.split('\n');
    expect(lines[0]).to.match(/^mit-movie\/engtrain\.bio: downloading /);
    expect(stream.text).to.match(/mit-movie\/engtrain\.bio: done, /);
    expect(stream.text).to.match(/mit-movie\/engtest\.bio: done, /);
    expect(stream.text).to.not.contain('\r');
    await mitMovie.loadData({ baseUrl, cacheDir, stream, offline: true });
    expect(requests).to.have.length(2);
  });

  it('draws a progress bar on a TTY; FETS_CACHE_DIR sets the cache root', async () => {
    process.env.FETS_CACHE_DIR = path.join(tmp, 'cache-env');
    const stream = new Capture(true);
    await mitMovie.loadData({ baseUrl, stream });
    expect(fs.existsSync(path.join(tmp, 'cache-env', 'datasets', 'mit-movie', 'engtest.bio'))).to.equal(true);
    expect(stream.text).to.match(/\rmit-movie\/engtrain\.bio \[#{30}\] 100% /);
    expect(stream.text.endsWith('\n')).to.equal(true);
  });

  it('a failed download leaves no file behind (HTTP 404, truncated body)', async () => {
    const cacheDir = path.join(tmp, 'cache-fail');
    const dir = path.join(cacheDir, 'datasets', 'mit-movie');
    mode = 'missing-test';
    const e = await errorOf(mitMovie.loadData({ baseUrl, cacheDir, progress: 'none' }));
    expect(e).to.be.instanceOf(DownloadError);
    expect(e.message).to.contain(`${baseUrl}engtest.bio failed: HTTP 404`);
    expect(fs.readdirSync(dir)).to.deep.equal(['engtrain.bio']);
    fs.rmSync(dir, { recursive: true });
    mode = 'truncated';
    const t = await errorOf(mitMovie.loadData({ baseUrl, cacheDir, progress: 'none' }));
    expect(t).to.be.instanceOf(DownloadError);
    expect(t.message).to.match(/engtrain\.bio (failed after|is incomplete)/);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('offline (option or FETS_OFFLINE=1) gives a clear error naming the missing file and the env var', async () => {
    const cacheDir = path.join(tmp, 'cache-offline');
    const e = await errorOf(mitMovie.loadData({ baseUrl, cacheDir, offline: true }));
    expect(e).to.be.instanceOf(DatasetNotFoundError);
    expect(e.message).to.contain('mitMovie.loadData: engtrain.bio, engtest.bio not found and downloads are off (offline: true)');
    expect(e.message).to.contain('FETS_DATA_DIR');
    process.env.FETS_OFFLINE = '1';
    const f = await errorOf(mitMovie.loadData({ baseUrl, cacheDir }));
    expect(f.message).to.contain('FETS_OFFLINE is set');
    expect(requests).to.deep.equal([]);
  });

  it('rootDir without the files, BC5CDR without data, bad options: clear errors', async () => {
    const e = await errorOf(mitMovie.loadData({ rootDir: tmp }));
    expect(e).to.be.instanceOf(DatasetNotFoundError);
    expect(e.message).to.contain(`rootDir ${tmp} has no engtrain.bio, engtest.bio`);
    const b = await errorOf(bc5cdrChem.loadData());
    expect(b.message).to.match(/bc5cdrChem\.loadData: train\.tsv, devel\.tsv not found and this data set has no download URL/);
    const c = await errorOf(mitMovie.loadData({ rootdir: tmp } as never));
    expect(c).to.be.instanceOf(ConfigError);
    expect(c.message).to.contain('did you mean "rootDir"');
  });
});
