import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ROOT } from '../../helpers.js';

const run = promisify(execFile);

describe("fets' wasm kernels on the threaded wasm build (a shared heap, as a cross-origin isolated page has)", () => {
  it('the GEMM, GELU and LayerNorm run on the shared heap and match the cpu backend', async function () {
    this.timeout(300_000);
    const fixture = path.join(ROOT, 'test/network/kernels/fixtures/threadedWasmKernels.ts');
    const { stdout } = await run(process.execPath, ['--conditions=fets-source', '--import', 'tsx', fixture], {
      cwd: ROOT,
      // No native addon (as in a browser), the threaded wasm build.
      env: { ...process.env, FETS_BACKEND: 'wasm', FETS_WASM_THREADS: '2', FETS_NATIVE_DIR: path.join(ROOT, 'no-such-native-dir') },
      timeout: 280_000,
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      status: { kernels: string[]; gemm: string; threads: number; sharedMemory: boolean };
      worst: { name: string; rel: number };
      gemmCalls: number;
    };
    expect(r.status.sharedMemory, 'threaded build: the heap is a SharedArrayBuffer').to.equal(true);
    expect(r.status.threads).to.equal(2);
    expect(r.status.gemm).to.equal('simd');
    expect(r.status.kernels).to.include.members(['BatchMatMul', 'FetsGelu', 'FetsLayerNorm']);
    // 20 products, each on fets' GEMM (the batched ones once per matrix or as one product).
    expect(r.gemmCalls).to.be.at.least(20);
    expect(r.worst.rel, `largest relative difference (${r.worst.name})`).to.be.below(1e-5);
  });
});
