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

const SOURCES = ['test/int8_check.cc', 'src/int8/int8gemm.cc', 'src/int8/int8kernels.cc', 'src/pool.cc'];

describe('native int8 GEMM, every kernel (standalone check, also aarch64 under qemu)', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-int8-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('this CPU: every int8 kernel it runs, exact against brute-force integer and float32 arithmetic, 1-3 threads', function () {
    const gxx = which('g++');
    if (!gxx) this.skip();
    const bin = path.join(dir, 'int8_check');
    execFileSync(gxx!, ['-O2', '-std=c++17', '-ffp-contract=off', '-pthread', ...SOURCES, '-o', bin], { cwd: nativeDir() });
    const out = execFileSync(bin, { encoding: 'utf8' });
    expect(out).to.match(/, 0 failed\n$/);
    expect(out).to.include('generic');
  });

  // -ffp-contract=off as in binding.gyp: aarch64's GCC otherwise fuses a*b+c into one FMA, and the check compares the
  // float epilogue bit for bit with the same arithmetic written out.
  it('aarch64: the portable kernel, cross-compiled and run under qemu-aarch64', function () {
    const gxx = which('aarch64-linux-gnu-g++');
    const qemu = which('qemu-aarch64');
    if (!gxx || !qemu) {
      // .ci/run installs both (Debian: g++-aarch64-linux-gnu, qemu-user).
      if (process.env.FETS_REQUIRE_CROSS === '1') throw new Error('aarch64-linux-gnu-g++ or qemu-aarch64 is missing');
      this.skip();
    }
    const bin = path.join(dir, 'int8_check_arm');
    execFileSync(gxx!, ['-O2', '-std=c++17', '-ffp-contract=off', '-pthread', '-static', ...SOURCES, '-o', bin], { cwd: nativeDir() });
    const out = execFileSync(qemu!, [bin], { encoding: 'utf8' });
    expect(out).to.include('1 variants (generic)');
    expect(out).to.match(/, 0 failed\n$/);
  });
});
