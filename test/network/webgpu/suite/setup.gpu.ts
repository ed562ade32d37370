/**
 * Root hook of the WebGPU suite (run in its own process by ../webgpu.test.ts): starts fets on the webgpu backend
 * and proves it is really WebGPU, so the suite cannot pass on a CPU path. Without an adapter it fails, or, when
 * FETS_REQUIRE_WEBGPU is not 1, exits with code 3 so that the parent test is skipped with the reason.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { initBackend } from '@fets/network';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    let info: Awaited<ReturnType<typeof initBackend>>;
    try {
      info = await initBackend({ backend: 'webgpu', quiet: true });
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
      if (process.env.FETS_REQUIRE_WEBGPU !== '1') {
        process.stdout.write(`FETS_WEBGPU_UNAVAILABLE: ${why}\n`);
        process.exit(3);
      }
      throw e;
    }
    expect(info.kind).to.equal('webgpu');
    expect(tf.getBackend()).to.equal('webgpu');
    expect(info.adapter, 'the adapter the backend runs on').to.not.equal(undefined);
    expect(await tf.setBackend('webgpu')).to.equal(true);
    // tfjs hands small ops on CPU-resident inputs (gather, slice, transpose, …) to its cpu kernels; off here, so that
    // every kernel under test really runs as a shader.
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const a = info.adapter!;
    process.stdout.write(`    adapter: ${a.vendor} ${a.architecture} (${a.description})${a.software ? ', software' : ''}\n`);
  },
};
