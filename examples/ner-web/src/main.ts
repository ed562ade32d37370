/// <reference lib="dom" />
/**
 * The page: type a sentence, see its entities highlighted (the model runs here: on the GPU through tfjs' WebGPU
 * backend when the browser offers an adapter, else on tfjs' wasm backend with fets' WebAssembly kernels registered;
 * the status line names which). The wasm backend runs its threaded build when the page is cross-origin isolated
 * (`serve.mjs --isolate` sends the COOP/COEP headers), else the single-thread one; either way with one XNNPACK
 * thread unless `?threads=N`.
 *
 * Query parameters, for measurements (latency.mjs) and tests: `?kernels=off` plain tfjs wasm (no fets kernels),
 * `?backend=wasm` skip WebGPU, `?threads=N` XNNPACK's thread count in the threaded build.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { formatWasmKernelStatus, registerWasmKernels, registerWebGpuKernels, wasmKernelStatus } from '@fets/network/browser';
import { WebTagger, type Span } from './tagger.js';

const params = new URL(location.href).searchParams;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function render(words: string[], entities: Span[]): void {
  const out = $('output');
  out.replaceChildren();
  let w = 0;
  for (const e of [...entities, { type: '', first: words.length, last: words.length - 1, text: '' }]) {
    if (e.first > w) out.append(document.createTextNode(`${words.slice(w, e.first).join(' ')} `));
    if (e.type) {
      const mark = document.createElement('mark');
      mark.className = 'entity';
      mark.dataset.type = e.type;
      mark.dataset.first = String(e.first);
      mark.dataset.last = String(e.last);
      mark.textContent = e.text;
      const label = document.createElement('span');
      label.className = 'type';
      label.textContent = e.type;
      mark.append(label);
      out.append(mark, document.createTextNode(' '));
    }
    w = e.last + 1;
  }
}

/**
 * WebGPU when the browser has an adapter (with fets' WGSL kernels), else wasm with fets' WebAssembly kernels; returns
 * the backend's description for the status line.
 */
async function chooseBackend(): Promise<string> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let why = 'this browser has no navigator.gpu';
  if (params.get('backend') === 'wasm') why = 'skipped (?backend=wasm)';
  else if (gpu) {
    why = 'no WebGPU adapter';
    if (await gpu.requestAdapter().catch(() => null)) {
      registerWebGpuKernels();
      if (await tf.setBackend('webgpu').catch(() => false)) return 'tfjs webgpu + fets kernels';
      why = 'the webgpu backend did not start';
    }
  }
  setWasmPaths(new URL('./', location.href).href);
  // One XNNPACK thread unless asked: fets' kernels (the products among them) run on this thread, and tfjs' pool
  // threads spin while they wait, which was measured many times slower on a busy machine (docs/web.md).
  const threads = Number(params.get('threads'));
  setThreadsCount(Number.isInteger(threads) && threads > 0 ? threads : 1);
  await tf.setBackend('wasm');
  const kernels =
    params.get('kernels') === 'off'
      ? `its own kernels only (?kernels=off; ${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'})`
      : formatWasmKernelStatus(registerWasmKernels());
  const isolation = crossOriginIsolated ? '; threaded build' : '';
  return `tfjs wasm + ${kernels}${isolation}; WebGPU off: ${why}`;
}

async function main(): Promise<void> {
  const described = await chooseBackend();
  const tagger = await WebTagger.load(new URL('model/', location.href).href);
  const input = $<HTMLInputElement>('text');
  const status = $('status');
  const run = () => {
    const t0 = performance.now();
    const r = tagger.tag(input.value);
    const ms = performance.now() - t0;
    render(r.words, r.entities);
    status.textContent = `${r.words.length} words, ${r.entities.length} entities, ${ms.toFixed(1)} ms (${described})`;
    status.dataset.ms = ms.toFixed(2);
  };
  input.addEventListener('input', run);
  // For tests and the curious: tag text from the console.
  (window as unknown as { fetsTag: (t: string) => unknown }).fetsTag = (t: string) => tagger.tag(t);
  // What serves: the backend line, and fets' wasm kernels with their call counts (the browser test reads both).
  Object.assign(window, { fetsBackend: described, fetsKernels: () => (tf.getBackend() === 'wasm' ? wasmKernelStatus() : undefined) });
  status.textContent = `model loaded (${tagger.labels.length} labels, ${described}); type a sentence`;
  document.body.dataset.ready = 'true';
  if (input.value) run();
}

main().catch((e) => {
  $('status').textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  document.body.dataset.ready = 'error';
});
