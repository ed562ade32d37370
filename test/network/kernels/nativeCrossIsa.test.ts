import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { nativeDir } from '@fets/network/kernels';

/** An executable on the PATH, or undefined. */
function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

const SOURCES = ['test/gemm_check.cc', 'src/gemm.cc', 'src/microkernels.cc', 'src/pool.cc'];

describe('native GEMM, every microkernel (standalone check, also aarch64 NEON under qemu)', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-gemm-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('this CPU: every variant it runs (AVX-512, AVX2, portable C) against a float64 product', function () {
    const gxx = which('g++');
    if (!gxx) this.skip();
    const bin = path.join(dir, 'gemm_check');
    execFileSync(gxx!, ['-O2', '-std=c++17', '-pthread', ...SOURCES, '-o', bin], { cwd: nativeDir() });
    const out = execFileSync(bin, { encoding: 'utf8' });
    expect(out).to.match(/ 0 failures\n$/);
    expect(out).to.include('generic: checked');
  });

  it('aarch64: the NEON microkernel, cross-compiled and run under qemu-aarch64', function () {
    const gxx = which('aarch64-linux-gnu-g++');
    const qemu = which('qemu-aarch64');
    if (!gxx || !qemu) {
      // .ci/run installs both (Debian: g++-aarch64-linux-gnu, qemu-user).
      if (process.env.FETS_REQUIRE_CROSS === '1') throw new Error('aarch64-linux-gnu-g++ or qemu-aarch64 is missing');
      this.skip();
    }
    const bin = path.join(dir, 'gemm_check_arm');
    execFileSync(gxx!, ['-O2', '-std=c++17', '-pthread', '-static', ...SOURCES, '-o', bin], { cwd: nativeDir() });
    const out = execFileSync(qemu!, [bin], { encoding: 'utf8' });
    expect(out).to.include('neon: checked');
    expect(out).to.match(/ 0 failures\n$/);
  });
});
