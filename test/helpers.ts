import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared (read-only data, fixtures, vocabularies); overridable with FETS_SHARED_DIR. */
export const SHARED = process.env.FETS_SHARED_DIR ?? path.resolve(ROOT, '..', 'shared');
/** Path of a file under ../shared. */
export const shared = (...parts: string[]): string => path.join(SHARED, ...parts);

/** The error a promise rejects with (fails if it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
