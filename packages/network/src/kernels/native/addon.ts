import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setNativeLoader, type NativeAddon } from './slot.js';
import { notBuiltReason } from '../../io/addonBuildStatus.js';

/**
 * Loading fets' native addon (Node only: this file reads the install-time build's files and `require`s the `.node`
 * binary). Importing it installs the loader in slot.ts, where the kernels look the addon up; `@fets/network` and
 * `@fets/network/kernels` import it, the browser entry does not.
 */

export type { NativeAddon } from './slot.js';

/** Whether the addon runs here, and why not when it does not. */
export type NativeLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string; path: string };

/** The addon's folder (`packages/network/native`), from this file in `src/` or its compiled copy in `dist/`. */
export function nativeDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native');
}

/**
 * Loads the addon from `dir` (default {@link nativeDir}). When the binary is missing, the reason recorded by the
 * install-time build (`build/status.json`) is returned; when it fails to load, the loader's message.
 *
 * @example
 * const r = loadNativeAddon();
 * if (!r.ok) console.log(r.reason);
 */
export function loadNativeAddon(dir: string = nativeDir()): NativeLoad {
  const file = path.join(dir, 'build', 'Release', 'fets_native.node');
  if (!fs.existsSync(file)) {
    return { ok: false, reason: notBuiltReason(dir, file), path: file };
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    if (typeof addon.gemm !== 'function' || typeof addon.info !== 'function') {
      return { ok: false, reason: `${file} is not fets' native addon (no gemm/info)`, path: file };
    }
    return { ok: true, addon, path: file };
  } catch (e) {
    return { ok: false, reason: `${file} failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, path: file };
  }
}

let cached: NativeLoad | undefined;

/** The addon from `FETS_NATIVE_DIR` or {@link nativeDir}, loaded on first use. */
function loadOnce(): NativeAddon | undefined {
  cached ??= loadNativeAddon(process.env.FETS_NATIVE_DIR || undefined);
  return cached.ok ? cached.addon : undefined;
}
setNativeLoader(loadOnce);

/**
 * What the native kernels are: `{ ok: true, isa, threads, … }` or `{ ok: false, reason }`.
 *
 * @example
 * nativeStatus(); // { ok: true, isa: 'avx512', isas: ['avx512', 'avx2', 'generic'], threads: 2, cpus: 2, … }
 */
export function nativeStatus():
  | ({ ok: true; path: string } & ReturnType<NativeAddon['info']>)
  | { ok: false; reason: string; path: string } {
  const addon = loadOnce();
  const c = cached!;
  if (!addon || !c.ok) return c as { ok: false; reason: string; path: string };
  return { ok: true, path: c.path, ...addon.info() };
}

/**
 * Sets the native thread pool's size (default: `FETS_THREADS`, else every CPU this process may use). No effect when
 * the addon is unavailable.
 *
 * @example
 * setNativeThreads(1);
 */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new RangeError(`setNativeThreads: expected an integer from 1 to 256, received ${n}`);
  loadOnce()?.setThreads({ threads: n });
}
