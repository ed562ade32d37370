import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { atomicWriteFile, getWorld } from '@fets/network';

/**
 * Prints a line of a script's report once per job: every rank of an `mpirun -np N` job runs the same script, and only
 * rank 0 (the chief) prints, as Hugging Face Accelerate's `accelerator.print` does. In one process it is
 * `console.log`. Call it after `initBackend()` (which starts the world under a launcher).
 *
 * @example
 * fe.say(`mnist: test accuracy ${accuracy.toFixed(4)}`);
 */
export function say(line: string): void {
  if (getWorld().isChief) console.log(line);
}

/**
 * Writes a script's result (e.g. `metrics.json`) as indented JSON, atomically (temporary file, fsync, rename), from
 * rank 0 only, creating its folder. Other ranks write nothing and return at once, so N ranks never race on one file.
 *
 * In: the target path and a JSON-serialisable value. Out: whether this rank wrote it.
 *
 * @example
 * await fe.writeResult(path.join(cfg.outDir, 'metrics.json'), { accuracy, wallSeconds });
 */
export async function writeResult(file: string, value: unknown): Promise<boolean> {
  if (!getWorld().isChief) return false;
  await mkdir(path.dirname(file), { recursive: true });
  await atomicWriteFile(file, `${JSON.stringify(value, null, 2)}\n`, { owner: 'writeResult' });
  return true;
}
