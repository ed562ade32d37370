import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FetsError } from '@fets/pipeline';

/**
 * A file could not be written (directory missing or not writable, disk full, ...). Names the path and the
 * operation that failed; the original `fs` error is the `cause`.
 *
 * @example
 * // FileWriteError: cannot write "/ro/ckpt/weights.bin": EACCES: permission denied (while creating a temporary file)
 */
export class FileWriteError extends FetsError {
  constructor(
    readonly path: string,
    readonly operation: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot write "${path}": ${reason} (while ${operation})`, { cause });
  }
}

/** The file-system calls atomic writes use; replaceable in tests to simulate failures. */
export interface AtomicFs {
  open: typeof fs.open;
  rename: typeof fs.rename;
  rm: typeof fs.rm;
}

const realFs: AtomicFs = { open: fs.open, rename: fs.rename, rm: fs.rm };

/** Options of {@link atomicWriteFile} and {@link atomicWriteFiles}. */
export interface AtomicWriteOptions {
  /** File-system calls to use (tests inject failing ones). Default: node:fs/promises. */
  fs?: Partial<AtomicFs>;
  /** fsync the file and its directory (default true; turning it off trades durability for speed). */
  sync?: boolean;
}

/** Bytes or text to write. */
export type FileData = string | Uint8Array | ArrayBuffer | readonly (Uint8Array | ArrayBuffer)[];

function toChunks(data: FileData): Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  if (data instanceof ArrayBuffer) return [new Uint8Array(data)];
  return data.map((d) => (d instanceof Uint8Array ? d : new Uint8Array(d)));
}

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function fsyncDir(dir: string, io: AtomicFs): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await io.open(dir, 'r');
    await h.sync();
  } catch (e) {
    // Some file systems refuse fsync on a directory (EINVAL/EISDIR/EPERM); the rename itself is already done.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    await h?.close();
  }
}

async function writeTemp(target: string, data: FileData, io: AtomicFs, sync: boolean): Promise<string> {
  const tmp = tempName(target);
  let h: fs.FileHandle | undefined;
  try {
    h = await io.open(tmp, 'wx', 0o644);
    for (const chunk of toChunks(data)) {
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await h.write(chunk, off, chunk.byteLength - off);
        off += bytesWritten;
      }
    }
    if (sync) await h.sync();
    await h.close();
    h = undefined;
    return tmp;
  } catch (e) {
    await h?.close().catch(() => undefined);
    await io.rm(tmp, { force: true }).catch(() => undefined);
    throw new FileWriteError(target, 'writing a temporary file in the same directory', e);
  }
}

/**
 * Writes several files so that each either keeps its old content or gets its complete new content: every file is
 * first written to a temporary file in its own directory and fsync'ed; only when all temporaries are complete are they
 * renamed over their targets (in the given order), then the directories are fsync'ed. If any write fails, no target
 * is touched and the temporaries are removed.
 *
 * Keys in: `files` maps target path → data. Out: nothing; throws `FileWriteError` naming the path on failure.
 *
 * @example
 * await atomicWriteFiles({ 'ckpt/model.json': json, 'ckpt/weights.bin': bytes });
 */
export async function atomicWriteFiles(
  files: Record<string, FileData> | readonly [string, FileData][],
  options: AtomicWriteOptions = {},
): Promise<void> {
  const io: AtomicFs = { ...realFs, ...options.fs };
  const sync = options.sync ?? true;
  const entries = Array.isArray(files) ? [...files] : Object.entries(files);
  const temps: [string, string][] = [];
  try {
    for (const [target, data] of entries) temps.push([await writeTemp(target, data, io, sync), target]);
  } catch (e) {
    await Promise.all(temps.map(([tmp]) => io.rm(tmp, { force: true }).catch(() => undefined)));
    throw e;
  }
  const dirs = new Set<string>();
  for (let i = 0; i < temps.length; i++) {
    const [tmp, target] = temps[i]!;
    try {
      await io.rename(tmp, target);
    } catch (e) {
      await Promise.all(temps.slice(i).map(([t]) => io.rm(t, { force: true }).catch(() => undefined)));
      throw new FileWriteError(target, 'renaming the temporary file over the target', e);
    }
    dirs.add(path.dirname(target));
  }
  if (sync) {
    for (const dir of dirs) {
      try {
        await fsyncDir(dir, io);
      } catch (e) {
        throw new FileWriteError(dir, 'syncing the directory', e);
      }
    }
  }
}

/**
 * Writes one file atomically: temporary file in the same directory, fsync, rename over the target, fsync the
 * directory. A crash or failure leaves either the old file or the complete new one, never a partial file.
 *
 * In: target path, data (string is UTF-8). Throws `FileWriteError` naming the path when it cannot be written.
 *
 * @example
 * await atomicWriteFile('runs/ner/checkpoint.json', JSON.stringify(state));
 */
export async function atomicWriteFile(target: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  await atomicWriteFiles([[target, data]], options);
}
