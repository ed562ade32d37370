import { expect } from 'chai';
import fc from 'fast-check';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { atomicWriteFile, atomicWriteFiles, SaveError } from '@fets/network';

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fets-atomic-'));
  created.push(dir);
  return dir;
}

describe('atomicWriteFile', () => {
  after(async () => {
    await Promise.all(created.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('writes and replaces content exactly, leaving no temporary files', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'state.json');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 5000 })), async (data) => {
        await atomicWriteFile(file, data);
        const back = await fs.readFile(file);
        expect(back.equals(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data))).to.equal(true);
      }),
      { numRuns: 30 },
    );
    expect(await fs.readdir(dir)).to.deep.equal(['state.json']);
  });

  it('leaves the old file and no temporary file when the write fails midway', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'ckpt.bin');
    await atomicWriteFile(file, 'old');
    const failingOpen = (async (p: string, flags: string, mode?: number) => {
      const h = await fs.open(p, flags, mode);
      const write = h.write.bind(h);
      let calls = 0;
      (h as unknown as { write: unknown }).write = async (...args: unknown[]) => {
        if (++calls > 1) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return (write as (...a: unknown[]) => unknown)(...args);
      };
      return h;
    }) as unknown as typeof fs.open;
    const err = await atomicWriteFile(file, [new Uint8Array(10), new Uint8Array(10)], { fs: { open: failingOpen } }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SaveError);
    expect((err as SaveError).path).to.equal(file);
    expect((err as Error).message).to.equal(
      `cannot write "${file}" (writing the temporary file): ENOSPC: no space left on device; the previous file is unchanged and no temporary file is left`,
    );
    expect(await fs.readFile(file, 'utf8')).to.equal('old');
    expect(await fs.readdir(dir)).to.deep.equal(['ckpt.bin']);
  });

  it('writes several files or none of them', async () => {
    const dir = await tempDir();
    await atomicWriteFiles({ [path.join(dir, 'a')]: 'A1', [path.join(dir, 'b')]: 'B1' });
    const err = await atomicWriteFiles({ [path.join(dir, 'a')]: 'A2', [path.join(dir, 'missing', 'b')]: 'B2' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SaveError);
    expect((err as SaveError).path).to.equal(path.join(dir, 'missing', 'b'));
    expect(await fs.readFile(path.join(dir, 'a'), 'utf8')).to.equal('A1');
    expect((await fs.readdir(dir)).sort()).to.deep.equal(['a', 'b']);
  });
});
