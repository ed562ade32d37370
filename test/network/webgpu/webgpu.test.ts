/**
 * The WebGPU suite (suite/*.gpu.ts) in its own process: tfjs' webgpu backend is process-global, so it cannot share
 * mocha's process with the cpu/wasm tests. Runs on lavapipe (Mesa's software Vulkan, bookworm-backports) where no GPU
 * exists. Without a WebGPU adapter it is skipped with the reason, and fails when FETS_REQUIRE_WEBGPU=1 (CI).
 * Mesa's shader cache is kept in node_modules/.cache/fets-mesa-shaders between runs (a cold one costs ~1 min here).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../../helpers.js';

const SUITE = path.join('test', 'network', 'webgpu', 'suite');

describe('network/webgpu: the WebGPU suite in its own process (lavapipe in CI)', function () {
  // Minutes on lavapipe: 2.5 min of the suite at load average 9 on 2 cores, past 10 min at load average 12.
  this.timeout(1_260_000);

  it('every fets WebGPU kernel, BERT token classification, masked-LM pretraining, LeNet and ResNet9 training pass on a real webgpu backend', async function () {
    const cache = path.join(ROOT, 'node_modules', '.cache', 'fets-mesa-shaders');
    mkdirSync(cache, { recursive: true });
    const args = [
      path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
      '--timeout',
      '300000',
      '--require',
      path.join(SUITE, 'setup.gpu.ts'),
      path.join(SUITE, 'kernels.gpu.ts'),
      path.join(SUITE, 'recipeKernels.gpu.ts'),
      path.join(SUITE, 'training.gpu.ts'),
      path.join(SUITE, 'recipes.gpu.ts'),
    ];
    const env = {
      ...process.env,
      FETS_BACKEND: 'webgpu',
      FETS_QUIET: '1',
      MESA_SHADER_CACHE_DIR: process.env.MESA_SHADER_CACHE_DIR ?? cache,
    };
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    // Killed before mocha's timeout, so that a stuck suite leaves no process behind and its output is shown.
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_200_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const unavailable = /FETS_WEBGPU_UNAVAILABLE: (.*)/.exec(out);
    if (code === 3 && unavailable) {
      // setup.gpu.ts exits with 3 only when FETS_REQUIRE_WEBGPU is not 1.
      console.log(`      skipped: ${unavailable[1]}`);
      this.skip();
    }
    const summary = out
      .split('\n')
      .filter((l) => /passing|failing|pending|adapter:/.test(l))
      .join('\n');
    console.log(summary);
    expect(code, out.slice(-6000)).to.equal(0);
    expect(out).to.match(/\d+ passing/);
  });
});
