import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { HubCacheMissError, HubError, fromPretrained, hubCacheDir, hubDownload, hubOffline } from '@fets/network';
import { shared } from '../../helpers.js';

const FIXTURE = shared('fixtures', 'bert-tiny-random');
const REPO = 'fets-test/bert-tiny-random';
const COMMIT = `${'a'.repeat(8)}0123456789abcdef0123456789abcdef`;
const VOCAB = '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n';

interface Served {
  body: Buffer;
  etag: string;
  lfs: boolean;
}

/** A stand-in for huggingface.co: /{repo}/resolve/{rev}/{file}; LFS files answer HEAD with a 302 to /cdn/<sha256>. */
function startHub(): Promise<{ url: string; requests: { method: string; url: string; auth?: string }[]; close(): Promise<void> }> {
  const files = new Map<string, Served>();
  const add = (name: string, body: Buffer, lfs: boolean) =>
    files.set(name, {
      body,
      lfs,
      etag: createHash(lfs ? 'sha256' : 'sha1')
        .update(body)
        .digest('hex'),
    });
  add('config.json', readFileSync(path.join(FIXTURE, 'config.json')), false);
  add('model.safetensors', readFileSync(path.join(FIXTURE, 'model.safetensors')), true);
  add('vocab.txt', Buffer.from(VOCAB), false);
  const requests: { method: string; url: string; auth?: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(req.url!);
    if (cdn) {
      const f = [...files.values()].find((x) => x.etag === cdn[1]);
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': f.body.length, etag: `"${f.etag}"` });
      return void res.end(req.method === 'HEAD' ? undefined : f.body);
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url!);
    const f = m && m[1] === REPO && (m[2] === 'main' || m[2] === COMMIT) ? files.get(decodeURIComponent(m[3]!)) : undefined;
    if (!f) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    if (f.lfs) {
      res.writeHead(302, {
        location: `http://${req.headers.host}/cdn/${f.etag}`,
        'x-repo-commit': COMMIT,
        'x-linked-etag': `"${f.etag}"`,
        'x-linked-size': String(f.body.length),
      });
      return void res.end();
    }
    res.writeHead(200, { 'content-length': f.body.length, 'x-repo-commit': COMMIT, etag: `"${f.etag}"` });
    res.end(req.method === 'HEAD' ? undefined : f.body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

const ENV_KEYS = ['HF_HOME', 'HF_HUB_CACHE', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'HF_TOKEN'] as const;

describe('Hugging Face Hub download + cache (io/hub)', function () {
  const saved: Record<string, string | undefined> = {};
  let home: string;
  let hub: Awaited<ReturnType<typeof startHub>>;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);

  before(async function () {
    await tf.setBackend('cpu');
    for (const k of ENV_KEYS) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
    home = await mkdtemp(path.join(os.tmpdir(), 'fets-hf-home-'));
    process.env.HF_HOME = home;
    hub = await startHub();
    process.env.HF_ENDPOINT = hub.url;
  });
  after(async function () {
    await hub.close();
    await rm(home, { recursive: true, force: true });
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('cache root and offline flag follow HF_HUB_CACHE / HF_HOME / HF_HUB_OFFLINE', function () {
    expect(hubCacheDir()).to.equal(path.join(home, 'hub'));
    process.env.HF_HUB_CACHE = '/tmp/elsewhere';
    expect(hubCacheDir()).to.equal('/tmp/elsewhere');
    expect(hubCacheDir('/x')).to.equal('/x');
    delete process.env.HF_HUB_CACHE;
    expect(hubOffline()).to.equal(false);
    process.env.HF_HUB_OFFLINE = 'TRUE';
    expect(hubOffline()).to.equal(true);
    expect(hubOffline(false)).to.equal(false);
    delete process.env.HF_HUB_OFFLINE;
  });

  it('downloads config, weights and vocab into the standard HF cache layout, with a bearer token', async function () {
    process.env.HF_TOKEN = 'hf_secret_test';
    try {
      const model = await fromPretrained(REPO, { log });
      try {
        expect(model.vocab).to.deep.equal(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'hello']);
        const local = await fromPretrained(FIXTURE, { log: () => {} });
        const a = local.namedWeights();
        for (const [k, v] of model.namedWeights()) {
          expect(Buffer.from(v.dataSync().buffer).equals(Buffer.from(a.get(k)!.dataSync().buffer)), k).to.equal(true);
        }
        local.dispose();
      } finally {
        model.dispose();
      }
    } finally {
      delete process.env.HF_TOKEN;
    }
    const repoDir = path.join(home, 'hub', 'models--fets-test--bert-tiny-random');
    expect(readFileSync(path.join(repoDir, 'refs', 'main'), 'utf8')).to.equal(COMMIT);
    const weightsSha = createHash('sha256')
      .update(readFileSync(path.join(FIXTURE, 'model.safetensors')))
      .digest('hex');
    const snapWeights = path.join(repoDir, 'snapshots', COMMIT, 'model.safetensors');
    expect(lstatSync(snapWeights).isSymbolicLink()).to.equal(true);
    expect(readlinkSync(snapWeights)).to.equal(path.join('..', '..', 'blobs', weightsSha));
    expect(readFileSync(path.join(repoDir, 'blobs', weightsSha)).equals(readFileSync(path.join(FIXTURE, 'model.safetensors')))).to.equal(
      true,
    );
    const configSha1 = createHash('sha1')
      .update(readFileSync(path.join(FIXTURE, 'config.json')))
      .digest('hex');
    expect(existsSync(path.join(repoDir, 'blobs', configSha1))).to.equal(true);
    const gets = hub.requests.filter((r) => r.method === 'GET').map((r) => r.url);
    expect(gets.filter((u) => u.startsWith('/cdn/'))).to.deep.equal([`/cdn/${weightsSha}`]);
    expect(hub.requests.every((r) => r.auth === 'Bearer hf_secret_test')).to.equal(true);
    expect(lines.some((l) => l.startsWith(`Downloading ${REPO}/model.safetensors (212.6 kB) from ${hub.url}/cdn/`))).to.equal(true);
    expect(lines).to.include(
      `Some weights of the model checkpoint at ${REPO} were not used when initializing BertForTokenClassification: ['bert.pooler.dense.bias', 'bert.pooler.dense.weight']`,
    );
  });

  it('a second load only asks for metadata (HEAD): files come from the cache', async function () {
    const before = hub.requests.length;
    const p = await hubDownload(REPO, 'model.safetensors', { log });
    expect(p).to.equal(path.join(home, 'hub', 'models--fets-test--bert-tiny-random', 'snapshots', COMMIT, 'model.safetensors'));
    expect(hub.requests.slice(before).map((r) => r.method)).to.deep.equal(['HEAD']);
  });

  it('a file the repo lacks: HubError naming it (404); optional files give null', async function () {
    let err: unknown;
    try {
      await hubDownload(REPO, 'pytorch_model.bin', { log });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HubError);
    expect((err as HubError).status).to.equal(404);
    expect((err as Error).message).to.contain('pytorch_model.bin: not found on the Hub');
    expect(await hubDownload(REPO, 'tokenizer.json', { log }, true)).to.equal(null);
  });

  it('offline (HF_HUB_OFFLINE=1 or offline: true) serves from the cache without touching the network', async function () {
    const before = hub.requests.length;
    process.env.HF_HUB_OFFLINE = '1';
    try {
      const m = await fromPretrained(REPO, { architecture: 'BertModel', log: () => {} });
      expect(m.vocab).to.have.length(5);
      m.dispose();
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    const m2 = await fromPretrained(REPO, { offline: true, revision: COMMIT, log: () => {} });
    m2.dispose();
    expect(hub.requests.length).to.equal(before);
  });

  it('offline with an empty cache → HubCacheMissError naming the missing file', async function () {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'fets-hf-empty-'));
    try {
      let err: unknown;
      try {
        await fromPretrained(REPO, { offline: true, cacheDir: empty, log: () => {} });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(HubCacheMissError);
      expect((err as HubCacheMissError).file).to.equal('config.json');
      expect((err as Error).message).to.match(
        /^fets-test\/bert-tiny-random: config\.json: not in the cache \(looked for .*refs\/main\) and offline mode is on/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('an unreachable Hub falls back to the cache; with nothing cached the error names the file', async function () {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    const p = await hubDownload(REPO, 'config.json', { endpoint: dead, log });
    expect(p).to.equal(path.join(home, 'hub', 'models--fets-test--bert-tiny-random', 'snapshots', COMMIT, 'config.json'));
    let err: unknown;
    try {
      await hubDownload('fets-test/other', 'config.json', { endpoint: dead, log });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(HubCacheMissError);
    expect((err as Error).message).to.contain('config.json: not in the cache');
    expect((err as Error).message).to.contain('is unreachable');
  });

  it('a local folder missing model.safetensors → HubError naming the file', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-hf-local-'));
    try {
      const { copyFileSync } = await import('node:fs');
      copyFileSync(path.join(FIXTURE, 'config.json'), path.join(dir, 'config.json'));
      let err: unknown;
      try {
        await fromPretrained(dir, { log: () => {} });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(HubError);
      expect((err as Error).message).to.contain('model.safetensors: missing from the local folder');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
