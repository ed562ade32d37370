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

/** A file-name-safe form of a key (`steps/sec` → `steps_sec`). */
export function safeFileName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_');
}
