#!/usr/bin/env node
// The page's latency per sentence: builds nothing, serves examples/ner-web/dist with a model folder, tags the
// first N sentences of a CoNLL file in Chromium headless and prints the mean and median milliseconds per sentence.
//   node examples/ner-web/latency.mjs --model runs/ner-bert/model --data ../shared/datasets/mit-movie/engtest.bio [--n 200]
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
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const blocks = readFileSync(values.data, 'utf8').replace(/\r\n/g, '\n').trim().split('\n\n');
const sentences = blocks.slice(0, Number(values.n)).map((b) =>
  b
    .split('\n')
    .map((l) => l.split('\t')[1])
    .join(' '),
);
const { server, url } = await serve({ root: path.join(here, 'dist'), model: values.model });
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
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120000 });
  const ms = await page.evaluate((ss) => {
    const tag = window.fetsTag;
    for (const s of ss.slice(0, 10)) tag(s); // warm-up
    return ss.map((s) => {
      const t0 = performance.now();
      tag(s);
      return performance.now() - t0;
    });
  }, sentences);
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  console.log(
    JSON.stringify({
      sentences: ms.length,
      meanMs: +mean.toFixed(2),
      medianMs: +sorted[sorted.length >> 1].toFixed(2),
      p90Ms: +sorted[Math.floor(sorted.length * 0.9)].toFixed(2),
    }),
  );
} finally {
  await browser.close();
  server.close();
}
