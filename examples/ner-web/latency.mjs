#!/usr/bin/env node
// The page's latency per sentence: builds nothing, serves examples/ner-web/dist with a model folder, tags the
// first N sentences of a CoNLL file in Chromium headless and prints the mean, median and p90 milliseconds per
// sentence (wall time) and the page main thread's CPU milliseconds per sentence, with the backend line it shows.
//   node examples/ner-web/latency.mjs --model runs/ner-bert/model --data ../shared/datasets/mit-movie/engtest.bio [--n 200]
//
// Side by side: `--variants` names page set-ups, each measured once per round, in turn, for `--rounds` rounds (one
// browser; a new page each time), then the median over rounds of each one's median, and its ratio to the first:
//   fets       the page as served: fets' wasm kernels, not isolated (the single-thread wasm build)
//   fets-iso   fets' wasm kernels, cross-origin isolated (the threaded build, 1 XNNPACK thread: the page's default)
//   fets-2t    fets' wasm kernels, isolated, 2 XNNPACK threads (`?threads=2`; needs 4+ cores seen, see --cores)
//   plain      tfjs' own wasm kernels, not isolated (the page before fets' kernels were registered)
//   plain-iso, plain-2t  tfjs' own kernels, isolated, with 1 and 2 XNNPACK threads
//   baseline   another build of the page (`--baseline DIR`, e.g. main's dist), not isolated, as it comes
// e.g. --variants plain,fets,fets-iso,baseline --rounds 3
// `--cores N` makes the page see N logical cores (Chromium's emulation), so the threaded build can be tried with
// N/2 threads on a small machine.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'runs/ner-bert/model' },
    data: { type: 'string' },
    n: { type: 'string', default: '200' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    variants: { type: 'string', default: 'fets' },
    rounds: { type: 'string', default: '1' },
    baseline: { type: 'string' },
    cores: { type: 'string' },
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const VARIANTS = {
  fets: { isolate: false, query: '' },
  'fets-iso': { isolate: true, query: '' },
  'fets-2t': { isolate: true, query: '?threads=2' },
  plain: { isolate: false, query: '?kernels=off' },
  'plain-iso': { isolate: true, query: '?kernels=off' },
  'plain-2t': { isolate: true, query: '?kernels=off&threads=2' },
  baseline: { isolate: false, query: '', root: values.baseline },
};
const variants = values.variants.split(',').map((v) => v.trim());
for (const v of variants) {
  if (!(v in VARIANTS)) throw new Error(`latency: unknown variant "${v}" (valid: ${Object.keys(VARIANTS).join(', ')})`);
  if (v === 'baseline' && !values.baseline) throw new Error('latency: variant baseline needs --baseline <built dist folder>');
}
const blocks = readFileSync(values.data, 'utf8').replace(/\r\n/g, '\n').trim().split('\n\n');
const sentences = blocks.slice(0, Number(values.n)).map((b) =>
  b
    .split('\n')
    .map((l) => l.split('\t')[1])
    .join(' '),
);
const browser = await chromium.launch({
  executablePath: values.chromium,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

/** One page of `variant`: its backend line and milliseconds per sentence. */
async function measure(variant) {
  const v = VARIANTS[variant];
  const { server, url } = await serve({ root: v.root ?? path.join(here, 'dist'), model: values.model, isolate: v.isolate });
  try {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    if (values.cores) {
      // navigator.hardwareConcurrency as the page sees it: tfjs sizes its wasm thread pool at half of it.
      await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: Number(values.cores) });
    }
    // CPU time of the page's main thread (Chromium's ThreadTime metric, seconds): on a busy machine it leaves out
    // the time the page waited for a core, which wall time does not.
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const threadTime = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN;
    await page.goto(url + v.query);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 600000 });
    // The page's backend line (a build from before it was exposed: the status line, which names the backend).
    const backend = await page.evaluate(() => window.fetsBackend ?? document.querySelector('#status')?.textContent ?? '');
    await page.evaluate((ss) => {
      for (const s of ss.slice(0, 10)) window.fetsTag(s); // warm-up
    }, sentences);
    const cpu0 = await threadTime();
    const ms = await page.evaluate((ss) => {
      const tag = window.fetsTag;
      return ss.map((s) => {
        const t0 = performance.now();
        tag(s);
        return performance.now() - t0;
      });
    }, sentences);
    const cpuMs = ((await threadTime()) - cpu0) * 1000;
    await page.close();
    const sorted = [...ms].sort((a, b) => a - b);
    return {
      backend,
      cpuMs: cpuMs / ms.length,
      meanMs: ms.reduce((a, b) => a + b, 0) / ms.length,
      medianMs: sorted[sorted.length >> 1],
      p90Ms: sorted[Math.floor(sorted.length * 0.9)],
    };
  } finally {
    server.close();
  }
}

const round2 = (x) => +x.toFixed(2);
try {
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const v of variants) {
      const m = await measure(v);
      runs[v].push(m);
      process.stderr.write(
        `latency: round ${r + 1} ${v}: median ${m.medianMs.toFixed(2)} ms, CPU ${m.cpuMs.toFixed(2)} ms a sentence (${m.backend})\n`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const first = median(runs[variants[0]].map((m) => m.medianMs));
  const firstCpu = median(runs[variants[0]].map((m) => m.cpuMs));
  for (const v of variants) {
    const med = median(runs[v].map((m) => m.medianMs));
    console.log(
      JSON.stringify({
        variant: v,
        sentences: sentences.length,
        rounds: runs[v].length,
        medianMs: round2(med),
        cpuMs: round2(median(runs[v].map((m) => m.cpuMs))),
        meanMs: round2(median(runs[v].map((m) => m.meanMs))),
        p90Ms: round2(median(runs[v].map((m) => m.p90Ms))),
        ...(variants.length > 1
          ? {
              overFirst: +(med / first).toFixed(3),
              cpuOverFirst: +(median(runs[v].map((m) => m.cpuMs)) / firstCpu).toFixed(3),
              roundMedians: runs[v].map((m) => round2(m.medianMs)),
              roundCpu: runs[v].map((m) => round2(m.cpuMs)),
            }
          : {}),
        backend: runs[v][0].backend,
      }),
    );
  }
} finally {
  await browser.close();
}
