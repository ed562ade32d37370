import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FetsError } from '@fets/pipeline';

/**
 * A directory a trace must write to cannot be created or written. Names the trace, the option, the path and the
 * system's reason; thrown when the trace is constructed, before any training step.
 *
 * @example
 * // OutputDirError: BestModelSaver: saveDir "/ro/runs": cannot write there: EACCES: permission denied, open '/ro/runs/.fets-…'
 */
export class OutputDirError extends FetsError {
  constructor(
    readonly owner: string,
    readonly option: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(`${owner}: ${option} "${path}": cannot write there: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Makes sure `dir` exists (created with its parents if missing) and that a file can be created and removed in it;
 * throws {@link OutputDirError} naming `owner`, `option` and the path otherwise. Synchronous, so traces call it in
 * their constructor and a bad directory fails before training starts.
 *
 * @example
 * checkWritable('runs/ner', 'BestModelSaver', 'saveDir');
 */
export function checkWritable(dir: string, owner = 'checkWritable', option = 'dir'): void {
  const probe = path.join(dir, `.fets-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error('it exists and is not a directory');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(probe, '');
  } catch (e) {
    throw new OutputDirError(owner, option, dir, e);
  }
  fs.rmSync(probe, { force: true });
}

/**
 * A file could not be saved (disk full, directory made read-only or removed after the check, ...). Names the owner
 * (trace), the file, the stage that failed and the system's reason, and says what was kept: the write is atomic, so
 * the previous file is unchanged and no temporary file is left.
 *
 * @example
 * // SaveError: BestModelSaver: cannot write "runs/m_best_loss.safetensors" (writing the temporary file): ENOSPC: no space
 * //   left on device; the previous file is unchanged and no temporary file is left
 */
export class SaveError extends FetsError {
  constructor(
    readonly owner: string,
    readonly path: string,
    readonly stage: string,
    readonly kept: string,
    cause: unknown,
  ) {
    super(`${owner}: cannot write "${path}" (${stage}): ${cause instanceof Error ? cause.message : String(cause)}; ${kept}`, { cause });
  }
}

/**
 * Writes a file so that readers see either its previous content or the complete new content, never a partial file:
 * the bytes go to a temporary file in the same directory, are flushed to disk, and the temporary file is renamed over
 * the target (then the directory is flushed). On failure the temporary file is removed, the target is untouched and
 * a {@link SaveError} naming `owner` and the file is thrown.
 *
 * @example
 * await writeFileAtomic('runs/ner/model_best_f1.safetensors', bytes, 'BestModelSaver');
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, owner = 'writeFileAtomic'): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let h: fs.promises.FileHandle | undefined;
  let stage = 'creating the temporary file';
  try {
    h = await fs.promises.open(tmp, 'wx', 0o644);
    stage = 'writing the temporary file';
    await h.writeFile(data);
    await h.sync();
    await h.close();
    h = undefined;
    stage = 'renaming the temporary file over the target';
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await h?.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw new SaveError(owner, target, stage, 'the previous file is unchanged and no temporary file is left', e);
  }
  try {
    const d = await fs.promises.open(path.dirname(target), 'r');
    await d.sync().catch(() => undefined);
    await d.close();
  } catch {
    // Some file systems do not allow opening or syncing a directory; the rename is already complete.
  }
}

/** A file-name-safe form of a key (`steps/sec` → `steps_sec`). */
export function safeFileName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}
