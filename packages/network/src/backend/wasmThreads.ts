import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

/**
 * Making the multi-threaded wasm build of tfjs-backend-wasm 4.22 load in Node.
 *
 * As shipped, the threaded build cannot start in Node: (1) the `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to
 * false under Node; (2) the pthread worker script is handed to `new Worker()` as a `blob:` URL, which
 * `worker_threads` cannot open; (3) the worker then imports the main script from a Blob, also unreadable there, and
 * that script is the bundle's factory source, which refers to the bundler's `require$$N` aliases; (4) the XNNPACK
 * pool is capped at (logical cores / 2), i.e. 1 thread on a 2-core machine.
 *
 * The fix, applied only while the backend initialises: record the two Blobs' text (a `Blob` subclass), write them
 * to files in the OS temp directory (prefixing the main script with the `require$$N` definitions read from the
 * bundle's header, and the worker with a `URL.createObjectURL` that points at the main script file), hand out the
 * worker file's path from `URL.createObjectURL`, and report (2 × threads) logical cores so the cap allows `threads`.
 * Every patch is undone when initialisation ends.
 */

const requireHere = createRequire(import.meta.url);

/** The directory holding the package's `.wasm` files, with a trailing separator (for `setWasmPaths`). */
export function wasmDistDir(): string {
  return path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep;
}

/** `var require$$0 = require('fs'), ...` definitions the factory source needs, read from the bundle header. */
function bundlePrelude(): string {
  const bundle = fs.readFileSync(requireHere.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8').slice(0, 4000);
  const defs = [...bundle.matchAll(/^var (require\$\$\d+) = require\('([^']+)'\);$/gm)].map(
    (m) => `${m[1]}=require(${JSON.stringify(m[2])})`,
  );
  return `var ${[...defs, 'commonjsGlobal=globalThis', '_scriptDir=undefined'].join(',')};\n`;
}

function tempDir(): string {
  const dir = path.join(os.tmpdir(), `fets-tfjs-wasm-${tf.version_core}-${process.getuid?.() ?? 'u'}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function contentPath(dir: string, stem: string, text: string): string {
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
  return path.join(dir, `${stem}-${hash}.cjs`);
}

/**
 * Writes `text` to a content-addressed file (skipped when an identical one exists) and returns its path. Synchronous
 * because Emscripten's `locateFile` is; a temporary file plus rename keeps concurrent processes from reading a
 * partial script.
 */
function writeScript(dir: string, stem: string, text: string): string {
  const file = contentPath(dir, stem, text);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Runs `init` (which must call `tf.setBackend('wasm')`) with the threaded build enabled for `threads` threads, then
 * undoes the patches. Throws whatever `init` throws.
 *
 * @example
 * await withThreadedWasm(2, () => tf.setBackend('wasm'));
 */
export async function withThreadedWasm<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const dir = tempDir();
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const origCpus = os.cpus;
  const recorded = new WeakMap<Blob, string>();
  let mainPath: string | undefined;
  const prelude = bundlePrelude();

  class RecordingBlob extends OrigBlob {
    constructor(parts?: ConstructorParameters<typeof Blob>[0], options?: ConstructorParameters<typeof Blob>[1]) {
      super(parts ?? [], options);
      if (parts?.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        recorded.set(this, text);
        if (options?.type === 'text/javascript' && text.startsWith('var WasmBackendModuleThreadedSimd')) {
          mainPath = writeScript(dir, 'main', prelude + text);
        }
      }
    }
  }
  const createObjectURL = (obj: Blob): string => {
    const text = recorded.get(obj);
    if (text !== undefined && obj.type === 'application/javascript' && mainPath !== undefined) {
      const head = '"use strict";';
      const shim = `URL.createObjectURL=()=>${JSON.stringify(mainPath)};URL.revokeObjectURL=()=>{};`;
      const body = text.startsWith(head) ? head + shim + text.slice(head.length) : shim + text;
      return writeScript(dir, 'worker', body);
    }
    return origCreate(obj);
  };
  const cpus = os.cpus();
  const fakeCpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL;
  (os as { cpus: typeof os.cpus }).cpus = fakeCpus;
  try {
    const out = await init();
    unrefWorkers();
    return out;
  } finally {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    (os as { cpus: typeof os.cpus }).cpus = origCpus;
  }
}

/**
 * Emscripten `ref()`s a worker while it runs a pthread; XNNPACK's pool threads run for the life of the process, so
 * the process would never exit by itself. The main thread waits for the pool synchronously inside each kernel, so
 * nothing needs the workers to keep the event loop alive: unref them.
 */
function unrefWorkers(): void {
  const backend = tf.findBackend('wasm') as unknown as {
    wasm?: { PThread?: { runningWorkers: unknown[]; unusedWorkers: unknown[] } };
  } | null;
  const pt = backend?.wasm?.PThread;
  if (!pt) return;
  for (const w of [...pt.runningWorkers, ...pt.unusedWorkers]) (w as { unref?: () => void }).unref?.();
}
