import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FetsError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';

/** Writable text output with an optional TTY flag (process.stderr, a test's capture stream). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const downloadOptionsSchema = z.strictObject({
  progress: z.enum(['auto', 'bar', 'lines', 'none']).default('auto'),
  stream: z
    .custom<ProgressStream>((v) => v !== null && typeof v === 'object' && typeof (v as ProgressStream).write === 'function')
    .optional(),
  label: z.string().optional(),
  timeoutMs: z.number().int().min(1).default(120_000),
});

/** Options of {@link downloadFile}. */
export type DownloadOptions = z.input<typeof downloadOptionsSchema>;

/** A download failed: HTTP status, network error, or a body shorter than announced. Nothing is left at the target. */
export class DownloadError extends FetsError {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const size = (n: number) => (n >= 1e5 ? mb(n) : `${n} B`);

/** Reports progress as a redrawn bar (TTY) or as a few plain lines (piped): start, each quarter, done. */
class Progress {
  #lastDraw = 0;
  #lastQuarter = 0;
  constructor(
    readonly mode: 'bar' | 'lines' | 'none',
    readonly out: ProgressStream,
    readonly label: string,
    readonly total: number | undefined,
  ) {
    if (mode === 'lines') out.write(`${label}: downloading${total ? ` ${size(total)}` : ''}\n`);
  }
  update(received: number): void {
    const t = this.total;
    if (this.mode === 'bar') {
      const now = Date.now();
      if (now - this.#lastDraw < 100) return;
      this.#lastDraw = now;
      this.out.write(`\r${this.label} ${this.#bar(received)}`);
    } else if (this.mode === 'lines' && t) {
      const quarter = Math.floor((4 * received) / t);
      if (quarter > this.#lastQuarter && quarter < 4) {
        this.#lastQuarter = quarter;
        this.out.write(`${this.label}: ${quarter * 25}% (${size(received)} of ${size(t)})\n`);
      }
    }
  }
  done(received: number, ms: number): void {
    if (this.mode === 'bar') this.out.write(`\r${this.label} ${this.#bar(received, true)}\n`);
    else if (this.mode === 'lines') this.out.write(`${this.label}: done, ${size(received)} in ${(ms / 1000).toFixed(1)} s\n`);
  }
  #bar(received: number, finished = false): string {
    const t = this.total ?? (finished ? received : undefined);
    if (!t) return `${size(received)}`;
    const frac = Math.min(1, received / t);
    const width = 30;
    const full = Math.round(frac * width);
    return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${Math.floor(frac * 100)}% ${size(received)}/${size(t)}`;
  }
}

/**
 * Downloads `url` to `dest` atomically: the body streams into a temporary file beside `dest`, which is renamed into
 * place only when complete (a failed or interrupted download leaves no partial `dest`). Progress goes to `stream`
 * (default stderr): a bar on a TTY, plain lines when piped (`progress: 'auto'`), or as chosen.
 *
 * @returns the number of bytes written.
 * @example
 * await downloadFile('https://example.org/engtrain.bio', '/home/me/.fets/datasets/mit-movie/engtrain.bio');
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<number> {
  const o = parseOptions('downloadFile', downloadOptionsSchema, options);
  const out: ProgressStream = o.stream ?? process.stderr;
  const mode = o.progress === 'auto' ? (out.isTTY ? 'bar' : 'lines') : o.progress;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.part`;
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  let file: fs.promises.FileHandle | undefined;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal });
    } catch (e) {
      throw new DownloadError(`download of ${url} failed: ${(e as Error).message}`, url, undefined, { cause: e });
    }
    if (!res.ok || res.body === null) {
      throw new DownloadError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`.trim(), url, res.status);
    }
    const header = res.headers.get('content-length');
    const total = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
    const progress = new Progress(mode, out, o.label ?? path.basename(dest), total);
    file = await fs.promises.open(tmp, 'w');
    let received = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await file.write(chunk);
        received += chunk.length;
        progress.update(received);
      }
    } catch (e) {
      throw new DownloadError(`download of ${url} failed after ${received} bytes: ${(e as Error).message}`, url, res.status, {
        cause: e,
      });
    }
    await file.close();
    file = undefined;
    if (total !== undefined && received !== total) {
      throw new DownloadError(`download of ${url} is incomplete: received ${received} of ${total} bytes`, url, res.status);
    }
    fs.renameSync(tmp, dest);
    progress.done(received, Date.now() - started);
    return received;
  } finally {
    clearTimeout(timer);
    await file?.close();
    fs.rmSync(tmp, { force: true });
  }
}
