import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { z } from 'zod';
import { FetsError, parseOptions } from '@fets/pipeline';
import { atomicWriteFile } from './atomic.js';

/**
 * Downloading from (or resolving in the cache of) the Hugging Face Hub failed. Names the repo, the file and, for
 * HTTP errors, the status.
 *
 * @example
 * // HubError: org/model: config.json: HTTP 401 from https://huggingface.co/org/model/resolve/main/config.json (set HF_TOKEN for private or gated repos)
 */
export class HubError extends FetsError {
  constructor(
    readonly repo: string,
    readonly file: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${repo}: ${file}: ${message}`, options);
  }
}

/**
 * Offline (`offline: true` or `HF_HUB_OFFLINE=1`, or the Hub unreachable) and the file is not in the cache.
 *
 * @example
 * // HubCacheMissError: org/model: model.safetensors: not in the cache (…/models--org--model/snapshots/<commit>) and offline mode is on
 */
export class HubCacheMissError extends HubError {}

/** Options of Hub downloads: cache location, revision, offline mode, endpoint and token, progress output. */
export const hubOptionsSchema = z.strictObject({
  /** Cache root (default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`). */
  cacheDir: z.string().min(1).optional(),
  /** Serve from the cache only (default: `HF_HUB_OFFLINE` is 1/true/yes/on). */
  offline: z.boolean().optional(),
  /** Branch, tag or commit (default `main`). */
  revision: z.string().min(1).default('main'),
  /** Hub base URL (default `$HF_ENDPOINT`, else `https://huggingface.co`). */
  endpoint: z.string().url().optional(),
  /** Bearer token (default `$HF_TOKEN`). */
  token: z.string().min(1).optional(),
  /** Receives progress and report lines (default: stderr). */
  log: z.custom<(line: string) => void>((v) => typeof v === 'function', 'expected a function').optional(),
});

/** Options of {@link hubDownload} (see {@link hubOptionsSchema}). */
export type HubOptions = z.input<typeof hubOptionsSchema>;
type ParsedHubOptions = z.output<typeof hubOptionsSchema>;

const COMMIT_RE = /^[0-9a-f]{40}$/;

/** The Hub cache root: `cacheDir`, else `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
export function hubCacheDir(cacheDir?: string): string {
  if (cacheDir) return cacheDir;
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  return path.join(process.env.HF_HOME || path.join(homedir(), '.cache', 'huggingface'), 'hub');
}

/** Whether offline mode is on: the option, else `HF_HUB_OFFLINE` set to 1/true/yes/on. */
export function hubOffline(offline?: boolean): boolean {
  if (offline !== undefined) return offline;
  return ['1', 'true', 'yes', 'on'].includes((process.env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
}

/** The Hub base URL: the option, else `$HF_ENDPOINT`, else `https://huggingface.co` (no trailing slash). */
export function hubEndpoint(endpoint?: string): string {
  return (endpoint || process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** The cache folder of a model repo: `<cache>/models--{org}--{name}`. */
export function repoCacheDir(repo: string, cacheDir?: string): string {
  return path.join(hubCacheDir(cacheDir), `models--${repo.split('/').join('--')}`);
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function normaliseEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

function validateRepo(repo: string, file: string): void {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repo) || repo.includes('..')) {
    throw new HubError(repo, file, 'not a local folder and not a Hub repo id ("name" or "org/name")');
  }
  if (file.split('/').some((part) => part === '..' || part === '')) throw new HubError(repo, file, 'invalid file path');
}

/** Resolves a file in the cache: snapshots/<commit>/<file>, with the commit from refs/<revision> unless a hash. */
function cachedPath(repo: string, file: string, o: ParsedHubOptions): { path?: string; where: string; noExist: boolean } {
  const dir = repoCacheDir(repo, o.cacheDir);
  let commit: string | undefined = COMMIT_RE.test(o.revision) ? o.revision : undefined;
  if (commit === undefined) {
    const ref = path.join(dir, 'refs', o.revision);
    if (!existsSync(ref)) return { where: ref, noExist: false };
    commit = readFileSync(ref, 'utf8').trim();
  }
  const snap = path.join(dir, 'snapshots', commit, ...file.split('/'));
  if (existsSync(snap)) return { path: snap, where: snap, noExist: false };
  return { where: snap, noExist: existsSync(path.join(dir, '.no_exist', commit, ...file.split('/'))) };
}

interface RemoteInfo {
  commit: string;
  etag: string;
  downloadUrl: string;
  size?: number;
}

/** HEAD the resolve URL without following cross-host redirects (as huggingface_hub): commit, etag, final URL. */
async function remoteInfo(repo: string, file: string, o: ParsedHubOptions, token: string | undefined): Promise<RemoteInfo | 'missing'> {
  const endpoint = hubEndpoint(o.endpoint);
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  let url = `${endpoint}/${repo}/resolve/${encodeURIComponent(o.revision)}/${encoded}`;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'fets/0.1' };
  if (token) headers.authorization = `Bearer ${token}`;
  for (let hop = 0; hop < 6; hop++) {
    const res = await fetch(url, { method: 'HEAD', headers, redirect: 'manual' });
    if (res.status === 404) return 'missing';
    if (res.status === 401 || res.status === 403) {
      const hint = token ? 'the token has no access to this repo' : 'set HF_TOKEN for private or gated repos';
      throw new HubError(repo, file, `HTTP ${res.status} from ${url} (${hint})`, res.status);
    }
    const commit = res.headers.get('x-repo-commit') ?? (COMMIT_RE.test(o.revision) ? o.revision : undefined);
    const etag = normaliseEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
    const sizeHeader = res.headers.get('x-linked-size') ?? res.headers.get('content-length');
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (!location) throw new HubError(repo, file, `HTTP ${res.status} from ${url} without a Location header`, res.status);
      const next = new URL(location, url);
      if (next.origin === new URL(url).origin && (commit === undefined || etag === undefined)) {
        url = next.toString(); // a renamed repo: follow relative redirects, as huggingface_hub does
        continue;
      }
      if (commit === undefined || etag === undefined) {
        throw new HubError(repo, file, `the Hub did not send X-Repo-Commit / ETag headers for ${url}`, res.status);
      }
      return { commit, etag, downloadUrl: next.toString(), size: sizeHeader ? Number(sizeHeader) : undefined };
    }
    if (!res.ok) throw new HubError(repo, file, `HTTP ${res.status} from ${url}`, res.status);
    if (commit === undefined || etag === undefined) {
      throw new HubError(repo, file, `the Hub did not send X-Repo-Commit / ETag headers for ${url}`, res.status);
    }
    return { commit, etag, downloadUrl: url, size: sizeHeader ? Number(sizeHeader) : undefined };
  }
  throw new HubError(repo, file, `too many redirects from ${url}`);
}

async function downloadBlob(
  repo: string,
  file: string,
  info: RemoteInfo,
  blob: string,
  token: string | undefined,
  endpoint: string,
  log: (line: string) => void,
): Promise<void> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'fets/0.1' };
  if (token && new URL(info.downloadUrl).origin === new URL(endpoint).origin) headers.authorization = `Bearer ${token}`;
  const res = await fetch(info.downloadUrl, { headers });
  if (!res.ok || !res.body) throw new HubError(repo, file, `HTTP ${res.status} from ${info.downloadUrl}`, res.status);
  const total = Number(res.headers.get('content-length') ?? info.size ?? NaN);
  log(`Downloading ${repo}/${file}${Number.isFinite(total) ? ` (${formatBytes(total)})` : ''} from ${info.downloadUrl}`);
  const tmp = `${blob}.${process.pid}-${Math.random().toString(36).slice(2)}.incomplete`;
  const started = Date.now();
  let received = 0;
  let lastLog = started;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    const now = Date.now();
    if (now - lastLog > 2000 && Number.isFinite(total)) {
      lastLog = now;
      log(`  ${file}: ${formatBytes(received)} / ${formatBytes(total)} (${((100 * received) / total).toFixed(0)}%)`);
    }
  });
  try {
    await streamPipeline(body, createWriteStream(tmp));
    if (Number.isFinite(total) && received !== total) {
      throw new HubError(repo, file, `download incomplete: expected ${total} bytes, received ${received}`);
    }
    await rename(tmp, blob);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e instanceof HubError ? e : new HubError(repo, file, `download failed: ${(e as Error).message}`, undefined, { cause: e });
  }
  log(`  ${file}: ${formatBytes(received)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function linkSnapshot(blob: string, snap: string): Promise<void> {
  await mkdir(path.dirname(snap), { recursive: true });
  const tmp = `${snap}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await symlink(path.relative(path.dirname(snap), blob), tmp);
  } catch {
    await copyFile(blob, tmp); // file systems without symlinks (as huggingface_hub does)
  }
  await rename(tmp, snap);
}

/**
 * Returns the local path of `file` from Hub repo `repo`, downloading it into the standard Hugging Face cache when
 * needed: `models--{org}--{name}/blobs/<etag>`, `snapshots/<commit>/<file>` (a relative symlink, or a copy), and
 * `refs/<revision>`. Offline (`offline` or `HF_HUB_OFFLINE=1`) serves from the cache only; an unreachable Hub falls
 * back to the cache. Sends `Authorization: Bearer $HF_TOKEN` when a token is set.
 *
 * @param optional when true, a file the repo lacks (HTTP 404, or absent from the cache offline) gives `null`
 * @example
 * const configPath = await hubDownload('google/bert_uncased_L-2_H-128_A-2', 'config.json');
 */
export async function hubDownload(repo: string, file: string, options: HubOptions = {}, optional = false): Promise<string | null> {
  const o = parseOptions('hubDownload', hubOptionsSchema, options);
  validateRepo(repo, file);
  const log = o.log ?? defaultLog;
  const fromCache = (reason: string, cause?: unknown): string | null => {
    const hit = cachedPath(repo, file, o);
    if (hit.path) return hit.path;
    if (optional) return null;
    throw new HubCacheMissError(repo, file, `not in the cache (looked for ${hit.where}) and ${reason}`, undefined, { cause });
  };
  if (hubOffline(o.offline)) return fromCache('offline mode is on (offline: true or HF_HUB_OFFLINE=1)');
  const token = o.token ?? (process.env.HF_TOKEN || undefined);
  let info: RemoteInfo | 'missing';
  try {
    info = await remoteInfo(repo, file, o, token);
  } catch (e) {
    if (e instanceof HubError) throw e;
    return fromCache(`the Hub at ${hubEndpoint(o.endpoint)} is unreachable (${(e as Error).message})`, e);
  }
  const dir = repoCacheDir(repo, o.cacheDir);
  if (info === 'missing') {
    if (optional) return null;
    throw new HubError(repo, file, `not found on the Hub at ${hubEndpoint(o.endpoint)} (revision ${o.revision})`, 404);
  }
  if (info.commit !== o.revision) {
    await mkdir(path.join(dir, 'refs', path.dirname(o.revision)), { recursive: true });
    await atomicWriteFile(path.join(dir, 'refs', o.revision), info.commit);
  }
  const snap = path.join(dir, 'snapshots', info.commit, ...file.split('/'));
  if (existsSync(snap)) return snap;
  const blob = path.join(dir, 'blobs', info.etag);
  if (!existsSync(blob)) {
    await mkdir(path.dirname(blob), { recursive: true });
    await downloadBlob(repo, file, info, blob, token, hubEndpoint(o.endpoint), log);
  }
  await linkSnapshot(blob, snap);
  return snap;
}

/**
 * Local paths of a model's files: from `nameOrPath` when it is a local folder, else from the Hub (see
 * {@link hubDownload}). Files in `optional` may be absent (their path is `null`).
 *
 * @example
 * const files = await resolveModelFiles('runs/ner-bert', ['config.json', 'model.safetensors'], ['vocab.txt']);
 */
export async function resolveModelFiles(
  nameOrPath: string,
  required: readonly string[],
  optional: readonly string[] = [],
  options: HubOptions = {},
): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  if (existsSync(nameOrPath) && statSync(nameOrPath).isDirectory()) {
    for (const f of required) {
      const p = path.join(nameOrPath, f);
      if (!existsSync(p)) throw new HubError(nameOrPath, f, `missing from the local folder ${path.resolve(nameOrPath)}`);
      out[f] = p;
    }
    for (const f of optional) {
      const p = path.join(nameOrPath, f);
      out[f] = existsSync(p) ? p : null;
    }
    return out;
  }
  for (const f of required) out[f] = await hubDownload(nameOrPath, f, options);
  for (const f of optional) out[f] = await hubDownload(nameOrPath, f, options, true);
  return out;
}
