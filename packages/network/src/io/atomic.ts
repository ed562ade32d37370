// Through the module object, looked up at call time: fault tests replace `fs.open` to simulate a full disk.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FetsError } from '@fets/pipeline';

/**
 * A file could not be saved (directory missing or read-only, disk full, ...). The one error every fets writer throws:
 * it names who was saving (`owner`, when known), the file, the stage that failed, the system's reason (the `fs`
 * error is the `cause`) and what was kept, since every write is atomic.
 *
 * @example
 * // SaveError: BestModelSaver: cannot write "runs/m_best_loss.safetensors" (writing the temporary file): ENOSPC: no
 * //   space left on device, write; the previous file is unchanged and no temporary file is left
 */
export class SaveError extends FetsError {
  constructor(
    /** Who was saving (a trace's or function's name), or undefined. */
    readonly owner: string | undefined,
    /** The file or folder that could not be written. */
    readonly path: string,
    /** What was being done: `creating the temporary file`, `renaming the temporary file over the target`, ... */
    readonly stage: string,
    /** What is left as it was. */
    readonly kept: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${owner ? `${owner}: ` : ''}cannot write "${path}" (${stage}): ${reason}; ${kept}`, { cause });
  }
}

/** The file-system calls atomic writes use; replaceable in tests to simulate failures. */
export interface AtomicFs {
  open: typeof fs.open;
  rename: typeof fs.rename;
  rm: typeof fs.rm;
}

const realFs: AtomicFs = {
  open: (...a: Parameters<typeof fs.open>) => fs.open(...a),
  rename: (...a: Parameters<typeof fs.rename>) => fs.rename(...a),
  rm: (...a: Parameters<typeof fs.rm>) => fs.rm(...a),
};

/** Options of {@link atomicWriteFile}, {@link atomicWriteFiles} and {@link atomicWriteFolder}. */
export interface AtomicWriteOptions {
  /** Who is saving, named first in a {@link SaveError} (a trace's name). */
  owner?: string;
  /** File-system calls to use (tests inject failing ones). Default: node:fs/promises. */
  fs?: Partial<AtomicFs>;
  /** fsync the file and its directory (default true; turning it off trades durability for speed). */
  sync?: boolean;
}

/** Bytes or text to write. */
export type FileData = string | Uint8Array | ArrayBuffer | readonly (Uint8Array | ArrayBuffer)[];

const KEPT_FILE = 'the previous file is unchanged and no temporary file is left';

function toChunks(data: FileData): Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  if (data instanceof ArrayBuffer) return [new Uint8Array(data)];
  return data.map((d) => (d instanceof Uint8Array ? d : new Uint8Array(d)));
}

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** fsyncs a file or directory; file systems that refuse it on a directory (EINVAL, EISDIR, ...) are let be. */
async function syncPath(p: string, io: AtomicFs): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await io.open(p, 'r');
    await h.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    await h?.close();
  }
}

/**
 * Creates `file` (which must not exist), writes `data` and fsyncs it. `stage` is updated as the write proceeds so the
 * caller's error names what failed; on failure the file is removed.
 */
async function writeNew(file: string, data: FileData, io: AtomicFs, sync: boolean, stage: { now: string }): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await io.open(file, 'wx', 0o644);
    stage.now = stage.now.replace('creating', 'writing');
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
  } catch (e) {
    await h?.close().catch(() => undefined);
    await io.rm(file, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Writes several files so that each either keeps its old content or gets its complete new content: every file is
 * first written to a temporary file in its own directory and fsync'ed; only when all temporaries are complete are they
 * renamed over their targets (in the given order), then the directories are fsync'ed. If any write fails, no target
 * is touched and the temporaries are removed.
 *
 * In: `files` maps target path → data. Throws {@link SaveError} naming the path and the stage on failure.
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
  const keptAll = entries.length > 1 ? 'no file was changed and no temporary file is left' : KEPT_FILE;
  const temps: [string, string][] = [];
  const removeTemps = (from: number) => Promise.all(temps.slice(from).map(([t]) => io.rm(t, { force: true }).catch(() => undefined)));
  for (const [target, data] of entries) {
    const tmp = tempName(target);
    const stage = { now: 'creating the temporary file' };
    try {
      await writeNew(tmp, data, io, sync, stage);
    } catch (e) {
      await removeTemps(0);
      throw new SaveError(options.owner, target, stage.now, keptAll, e);
    }
    temps.push([tmp, target]);
  }
  const dirs = new Set<string>();
  for (let i = 0; i < temps.length; i++) {
    const [tmp, target] = temps[i]!;
    try {
      await io.rename(tmp, target);
    } catch (e) {
      await removeTemps(i);
      const kept = i === 0 ? keptAll : `${temps.slice(0, i).length} of ${temps.length} files were replaced; no temporary file is left`;
      throw new SaveError(options.owner, target, 'renaming the temporary file over the target', kept, e);
    }
    dirs.add(path.dirname(target));
  }
  if (!sync) return;
  for (const dir of dirs) {
    try {
      await syncPath(dir, io);
    } catch (e) {
      throw new SaveError(options.owner, dir, 'syncing the directory', 'the files are in place but may not be on disk yet', e);
    }
  }
}

/**
 * Writes one file atomically: temporary file in the same directory, fsync, rename over the target, fsync the
 * directory. A crash or failure leaves either the old file or the complete new one, never a partial file.
 *
 * In: target path, data (a string is UTF-8). Throws {@link SaveError} naming the owner, the path and the stage.
 *
 * @example
 * await atomicWriteFile('runs/ner/checkpoint.json', JSON.stringify(state), { owner: 'CSVLogger' });
 */
export async function atomicWriteFile(target: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  await atomicWriteFiles([[target, data]], options);
}

/** Options of {@link atomicWriteFolder}. */
export interface AtomicFolderOptions extends AtomicWriteOptions {
  /** Temporary folder to fill (default: a hidden sibling of the target). A checkpoint store names its own to clean up. */
  temp?: string;
  /** What stays as it was when the write fails (ends the error message). */
  kept?: string;
}

/**
 * Writes a whole folder atomically: `fill` puts its files into a temporary folder beside `target` (each written and
 * fsync'ed as it comes), the folder is fsync'ed and renamed over `target`. A crash or failure leaves `target` as it
 * was and removes the temporary folder; a failure is a {@link SaveError} naming the file being written.
 *
 * In: the target folder, `fill(put)` where `put(name, data)` writes one file. Out: the target path.
 *
 * @example
 * await atomicWriteFolder('runs/ckpt/epoch-0003', async (put) => {
 *   await put('weights.safetensors', bytes);
 *   await put('manifest.json', JSON.stringify(manifest));
 * });
 */
export async function atomicWriteFolder(
  target: string,
  fill: (put: (name: string, data: FileData) => Promise<void>) => Promise<void>,
  options: AtomicFolderOptions = {},
): Promise<string> {
  const io: AtomicFs = { ...realFs, ...options.fs };
  const sync = options.sync ?? true;
  const tmp = options.temp ?? tempName(target);
  let current = tmp;
  const stage = { now: 'creating the temporary folder' };
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await io.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp);
    await fill(async (name, data) => {
      current = path.join(tmp, name);
      stage.now = 'writing the temporary folder';
      await writeNew(current, data, io, sync, stage);
    });
    current = tmp;
    stage.now = 'syncing the temporary folder';
    if (sync) await syncPath(tmp, io);
    current = target;
    stage.now = 'moving the folder into place';
    await io.rm(target, { recursive: true, force: true });
    await io.rename(tmp, target);
    if (sync) await syncPath(path.dirname(target), io);
  } catch (e) {
    await io.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof SaveError) throw e;
    throw new SaveError(options.owner, current, stage.now, options.kept ?? 'no temporary file is left', e);
  }
  return target;
}
