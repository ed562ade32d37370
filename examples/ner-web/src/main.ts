/// <reference lib="dom" />
/**
 * The page: type a sentence, see its entities highlighted (the model runs here: on the GPU through tfjs' WebGPU
 * backend when the browser offers an adapter, else on tfjs' wasm backend; the status line names which).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWebGpuKernels } from '@fets/network/kernels';
import { WebTagger, type Span } from './tagger.js';

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

/** WebGPU when the browser has an adapter (with fets' WGSL kernels), else wasm; returns why WebGPU does not serve. */
async function chooseBackend(): Promise<string> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let why = 'this browser has no navigator.gpu';
  if (gpu) {
    why = 'no WebGPU adapter';
    if (await gpu.requestAdapter().catch(() => null)) {
      registerWebGpuKernels();
      if (await tf.setBackend('webgpu').catch(() => false)) return '';
      why = 'the webgpu backend did not start';
    }
  }
  setWasmPaths(new URL('./', location.href).href);
  await tf.setBackend('wasm');
  return why;
}

async function main(): Promise<void> {
  const noGpu = await chooseBackend();
  const backend = () => `tfjs ${tf.getBackend()}${noGpu ? `; WebGPU off: ${noGpu}` : ''}`;
  const tagger = await WebTagger.load(new URL('model/', location.href).href);
  const input = $<HTMLInputElement>('text');
  const status = $('status');
  const run = () => {
    const t0 = performance.now();
    const r = tagger.tag(input.value);
    const ms = performance.now() - t0;
    render(r.words, r.entities);
    status.textContent = `${r.words.length} words, ${r.entities.length} entities, ${ms.toFixed(1)} ms (${backend()})`;
    status.dataset.ms = ms.toFixed(2);
  };
  input.addEventListener('input', run);
  // For tests and the curious: tag text from the console.
  (window as unknown as { fetsTag: (t: string) => unknown }).fetsTag = (t: string) => tagger.tag(t);
  status.textContent = `model loaded (${tagger.labels.length} labels, ${backend()}); type a sentence`;
  document.body.dataset.ready = 'true';
  if (input.value) run();
}

main().catch((e) => {
  $('status').textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  document.body.dataset.ready = 'error';
});
