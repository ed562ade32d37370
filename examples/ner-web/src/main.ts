/// <reference lib="dom" />
/** The page: type a sentence, see its entities highlighted (the model runs here, on tfjs' wasm backend). */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
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

async function main(): Promise<void> {
  setWasmPaths(new URL('./', location.href).href);
  await tf.setBackend('wasm');
  const tagger = await WebTagger.load(new URL('model/', location.href).href);
  const input = $<HTMLInputElement>('text');
  const status = $('status');
  const run = () => {
    const t0 = performance.now();
    const r = tagger.tag(input.value);
    const ms = performance.now() - t0;
    render(r.words, r.entities);
    status.textContent = `${r.words.length} words, ${r.entities.length} entities, ${ms.toFixed(1)} ms (tfjs ${tf.getBackend()})`;
    status.dataset.ms = ms.toFixed(2);
  };
  input.addEventListener('input', run);
  // For tests and the curious: tag text from the console.
  (window as unknown as { fetsTag: (t: string) => unknown }).fetsTag = (t: string) => tagger.tag(t);
  status.textContent = `model loaded (${tagger.labels.length} labels, tfjs ${tf.getBackend()}); type a sentence`;
  document.body.dataset.ready = 'true';
  if (input.value) run();
}

main().catch((e) => {
  $('status').textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  document.body.dataset.ready = 'error';
});
