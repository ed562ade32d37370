import { z } from 'zod';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FetsError } from '../../core/errors.js';
import { downloadFile, type ProgressStream } from '../../io/download.js';

/** The files of a data set could not be found (and could not, or may not, be downloaded). */
export class DatasetNotFoundError extends FetsError {
  constructor(
    message: string,
    readonly missing: string[],
    readonly searched: string[],
  ) {
    super(message);
  }
}

/** Where a loader looks for its files and how it may fetch them. */
export interface LocateRequest {
  /** Name used in messages, e.g. `mitMovie.loadData`. */
  owner: string;
  /** Folder name under $FETS_DATA_DIR and under the cache, e.g. `mit-movie`. */
  folder: string;
  /** File names needed. */
  files: readonly string[];
  /** A folder given by the user: the files must be there. */
  rootDir?: string | undefined;
  /** Base URL to download from (a file's URL is baseUrl + name); none means the data set cannot be downloaded. */
  baseUrl?: string | undefined;
  /** Root of the fets cache (default $FETS_CACHE_DIR, else ~/.fets); downloads go to <cacheDir>/datasets/<folder>. */
  cacheDir?: string | undefined;
  /** Never download (default: true when FETS_OFFLINE=1). */
  offline?: boolean | undefined;
  progress?: 'auto' | 'bar' | 'lines' | 'none' | undefined;
  stream?: ProgressStream | undefined;
  /** Environment to read (default process.env; tests pass their own). */
  env?: NodeJS.ProcessEnv | undefined;
}

const allIn = (dir: string, files: readonly string[]) => files.every((f) => fs.existsSync(path.join(dir, f)));

/** Whether an environment value means "on" (1, true, yes). */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/**
 * Finds a data set's files: in `rootDir` if given (they must be there), else in `$FETS_DATA_DIR/<folder>`, else in
 * the cache `<cacheDir>/datasets/<folder>`, downloading what is missing there unless offline. Returns each file's path.
 *
 * @example
 * const paths = await locateFiles({ owner: 'mitMovie.loadData', folder: 'mit-movie', files: ['engtrain.bio'] });
 */
export async function locateFiles(req: LocateRequest): Promise<Record<string, string>> {
  const env = req.env ?? process.env;
  const at = (dir: string) => Object.fromEntries(req.files.map((f) => [f, path.join(dir, f)]));
  if (req.rootDir !== undefined) {
    const missing = req.files.filter((f) => !fs.existsSync(path.join(req.rootDir!, f)));
    if (missing.length > 0) {
      throw new DatasetNotFoundError(
        `${req.owner}: rootDir ${req.rootDir} has no ${missing.join(', ')} (expected: ${req.files.join(', ')}); ` +
          `leave rootDir out to use $FETS_DATA_DIR/${req.folder} or the cache`,
        missing,
        [req.rootDir],
      );
    }
    return at(req.rootDir);
  }
  const searched: string[] = [];
  const dataDir = env.FETS_DATA_DIR;
  if (dataDir) {
    const dir = path.join(dataDir, req.folder);
    if (allIn(dir, req.files)) return at(dir);
    searched.push(dir);
  }
  const cacheRoot = req.cacheDir ?? env.FETS_CACHE_DIR ?? path.join(os.homedir(), '.fets');
  const cache = path.join(cacheRoot, 'datasets', req.folder);
  const missing = req.files.filter((f) => !fs.existsSync(path.join(cache, f)));
  if (missing.length === 0) return at(cache);
  searched.push(cache);
  const offline = req.offline ?? envFlag(env.FETS_OFFLINE);
  if (req.baseUrl === undefined || offline) {
    const why =
      req.baseUrl === undefined
        ? 'this data set has no download URL'
        : `downloads are off (${req.offline ? 'offline: true' : 'FETS_OFFLINE is set'})`;
    throw new DatasetNotFoundError(
      `${req.owner}: ${missing.join(', ')} not found and ${why}. Looked in: ${searched.join(', ')}` +
        `${dataDir ? '' : ' ($FETS_DATA_DIR is not set)'}. Put ${req.files.join(', ')} in a folder and pass ` +
        `{ rootDir }, or set FETS_DATA_DIR to a folder holding ${req.folder}/${req.files[0]}.`,
      missing,
      searched,
    );
  }
  const base = req.baseUrl.endsWith('/') ? req.baseUrl : `${req.baseUrl}/`;
  for (const f of missing) {
    await downloadFile(`${base}${f}`, path.join(cache, f), {
      label: `${req.folder}/${f}`,
      progress: req.progress ?? 'auto',
      ...(req.stream ? { stream: req.stream } : {}),
    });
  }
  return at(cache);
}

/** Options every downloading loader takes (mitMovie, mnist, cifar10, …); a loader extends it with its own. */
export const loaderOptionsSchema = z.strictObject({
  /** A folder holding the files (they must be there). */
  rootDir: z.string().min(1).optional(),
  /** Never download (default: FETS_OFFLINE=1). */
  offline: z.boolean().optional(),
  /** Root of the cache (default $FETS_CACHE_DIR, else ~/.fets). */
  cacheDir: z.string().min(1).optional(),
  /** Base URL of the files (default: the data set's usual host). */
  baseUrl: z.string().url().optional(),
  /** Download progress: a bar on a TTY, plain lines when piped ('auto'), or none. */
  progress: z.enum(['auto', 'bar', 'lines', 'none']).default('auto'),
  /** Where progress goes (default standard error). */
  stream: z
    .custom<ProgressStream>((v) => v !== null && typeof v === 'object' && typeof (v as ProgressStream).write === 'function')
    .optional(),
});
