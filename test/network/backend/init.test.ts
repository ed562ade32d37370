import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  BackendError,
  defaultCandidates,
  describeBackend,
  getBackendInfo,
  initBackend,
  selectBackend,
  type BackendCandidate,
} from '@fets/network';
import { ROOT } from '../../helpers.js';

const run = promisify(execFile);
const fixture = path.join(ROOT, 'test/network/backend/fixtures/initBackend.ts');

/** Runs the fixture in a fresh process with `env` added; returns its JSON line and stderr. */
async function child(env: Record<string, string>) {
  const { stdout, stderr } = await run(process.execPath, ['--conditions=fets-source', '--import', 'tsx', fixture], {
    cwd: ROOT,
    env: { ...process.env, FETS_QUIET: '', ...env },
    timeout: 50000,
  });
  return { out: JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>, stderr };
}

const cpuCandidate = (name: string): BackendCandidate => ({
  name,
  kind: 'cpu',
  load: async () => {
    await tf.setBackend('cpu');
    return { name: tf.getBackend(), kind: 'cpu', package: '@tensorflow/tfjs-backend-cpu', simd: null, threads: 1 };
  },
});
const failing = (name: string, kind: BackendCandidate['kind'] = 'tensorflow'): BackendCandidate => ({
  name,
  kind,
  load: async () => {
    throw new Error(`${name} is not installed\nsecond line`);
  },
});

describe('backend selection', function () {
  this.timeout(60000);
  after(async () => {
    await tf.setBackend('wasm');
  });

  it('chooses wasm on this machine (native packages absent), once, for concurrent callers too', async () => {
    if (getBackendInfo()) await tf.setBackend(getBackendInfo()!.name); // an earlier test file may have switched tf
    const p1 = initBackend({ quiet: true });
    const p2 = initBackend({ quiet: true });
    expect(p1).to.equal(p2);
    const info = await p1;
    expect(info.kind).to.equal('wasm');
    expect(info.name).to.equal('wasm');
    expect(info.simd).to.equal(true);
    // webgpu: no adapter, or (here, on lavapipe) a software one, which only FETS_BACKEND=webgpu accepts.
    expect(info.tried.map((t) => t.name)).to.deep.equal(['tensorflow-gpu', 'webgpu', 'tensorflow']);
    expect(info.tried[1]!.error).to.match(/adapter|webgpu|GPU device/);
    expect(info.tried[0]!.error).to.match(/tfjs-node-gpu/);
    expect(getBackendInfo()).to.equal(info);
    expect(await initBackend()).to.equal(info);
  });

  it('falls through a loader that throws to the next one and records why', async () => {
    const info = await selectBackend([failing('broken-a'), failing('broken-b', 'wasm'), cpuCandidate('fake-cpu')]);
    expect(info.name).to.equal('cpu');
    expect(tf.getBackend()).to.equal('cpu');
    expect(info.tried).to.deep.equal([
      { name: 'broken-a', error: 'broken-a is not installed' },
      { name: 'broken-b', error: 'broken-b is not installed' },
    ]);
  });

  it('with a forced kind tries only those candidates and fails with every reason listed', async () => {
    const info = await selectBackend([failing('x', 'wasm'), cpuCandidate('c1')], 'cpu');
    expect(info.tried).to.deep.equal([]);
    const err = await selectBackend([failing('gpu'), failing('native'), cpuCandidate('c2')], 'tensorflow').catch((e) => e);
    expect(err).to.be.instanceOf(BackendError);
    expect(err.message)
      .to.match(/FETS_BACKEND=tensorflow/)
      .and.match(/gpu: gpu is not installed/)
      .and.match(/native:/);
  });

  it('the default candidates list native GPU, WebGPU, native, wasm, cpu in that order', () => {
    expect(defaultCandidates({ wasmThreads: 1 }).map((c) => [c.name, c.kind])).to.deep.equal([
      ['tensorflow-gpu', 'tensorflow'],
      ['webgpu', 'webgpu'],
      ['tensorflow', 'tensorflow'],
      ['wasm', 'wasm'],
      ['cpu', 'cpu'],
    ]);
  });

  it('describes a backend in one line', () => {
    const base = { name: 'wasm', kind: 'wasm' as const, package: 'p', simd: true, threads: 2 };
    expect(describeBackend(base)).to.equal('fets: backend wasm (SIMD, 2 threads)');
    expect(describeBackend({ ...base, name: 'cpu', kind: 'cpu', simd: null, threads: 1 })).to.equal('fets: backend cpu (1 thread)');
  });

  it('rejects unknown options', () => {
    expect(() => initBackend({ thread: 2 } as never)).to.throw(/initBackend: unknown option "thread", did you mean "threads"/);
  });

  describe('in a fresh process', () => {
    it('FETS_BACKEND=cpu forces cpu and logs one line to stderr', async () => {
      const { out, stderr } = await child({ FETS_BACKEND: 'cpu' });
      expect(out).to.deep.include({ name: 'cpu', kind: 'cpu', threads: 1 });
      expect(stderr.split('\n').filter((l) => l.startsWith('fets:'))).to.deep.equal(['fets: backend cpu (1 thread)']);
    });

    it('FETS_WASM_THREADS=1 starts the single-thread SIMD build; FETS_QUIET=1 silences the line', async () => {
      const { out, stderr } = await child({ FETS_WASM_THREADS: '1', FETS_QUIET: '1' });
      expect(out).to.deep.include({ name: 'wasm', threads: 1, simd: true });
      expect(stderr).to.not.match(/fets: backend/);
    });

    it('the threaded wasm build starts with 2 threads and the process still exits', async () => {
      const { out, stderr } = await child({ FETS_WASM_THREADS: '2' });
      expect(out).to.deep.include({ name: 'wasm', threads: 2, simd: true });
      expect(stderr).to.match(/fets: backend wasm \(SIMD, (2 threads|2 wasm threads, native kernels [^,]+, \d+ threads?)\)/);
    });

    it('FETS_BACKEND=tensorflow fails naming both native packages; a bad FETS_BACKEND is named', async () => {
      const { out } = await child({ FETS_BACKEND: 'tensorflow' });
      expect(out.error).to.equal('BackendError');
      expect(out.message)
        .to.match(/tfjs-node-gpu/)
        .and.match(/tfjs-node'/);
      const bad = await child({ FETS_BACKEND: 'webgl' });
      expect(bad.out.message).to.equal('FETS_BACKEND: expected one of tensorflow, webgpu, wasm, cpu, received "webgl"');
    });
  });
});
