import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, DownloadError, downloadFile } from '@fets/pipeline';

describe('pipeline/io: downloadFile', () => {
  let tmp: string;
  let server: http.Server;
  let url: string;
  const body = Buffer.alloc(1_000_000, 'abcdefghij');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-dl-'));
    server = http.createServer((req, res) => {
      if (req.url === '/big.bin') {
        res.writeHead(200, { 'content-length': String(body.length) });
        // several writes so progress sees intermediate sizes
        for (let i = 0; i < 10; i++) res.write(body.subarray(i * 100_000, (i + 1) * 100_000));
        res.end();
      } else res.writeHead(500, 'Broken').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('streams to a temp file and renames it into place, reporting quarters in line mode', async () => {
    const lines: string[] = [];
    const dest = path.join(tmp, 'sub', 'dir', 'big.bin');
    const n = await downloadFile(`${url}/big.bin`, dest, { progress: 'lines', stream: { write: (s: string) => lines.push(s) } });
    expect(n).to.equal(body.length);
    expect(fs.readFileSync(dest).equals(body)).to.equal(true);
    expect(fs.readdirSync(path.dirname(dest))).to.deep.equal(['big.bin']);
    const text = lines.join('');
    expect(text).to.match(/^big\.bin: downloading 1\.0 MB\n/);
    expect(text).to.contain('big.bin: 25% (');
    expect(text).to.contain('big.bin: 75% (');
    expect(text).to.match(/big\.bin: done, 1\.0 MB in \d+\.\d s\n$/);
  });

  it('HTTP errors and refused connections are DownloadErrors; the target is untouched', async () => {
    const dest = path.join(tmp, 'x.bin');
    fs.writeFileSync(dest, 'old');
    let err: unknown;
    try {
      await downloadFile(`${url}/nothing`, dest, { progress: 'none' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DownloadError).with.property('status', 500);
    expect((err as Error).message).to.equal(`download of ${url}/nothing failed: HTTP 500 Broken`);
    expect(fs.readFileSync(dest, 'utf8')).to.equal('old');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    err = undefined;
    try {
      await downloadFile(`http://127.0.0.1:${port}/a`, dest, { progress: 'none' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DownloadError);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.part'))).to.deep.equal([]);
  });

  it('validates its options', async () => {
    let err: unknown;
    try {
      await downloadFile(`${url}/big.bin`, path.join(tmp, 'y'), { progres: 'none' } as never);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
  });
});
