#!/usr/bin/env node
// Serves the built page (examples/ner-web/dist) and a model folder (`npm run ner` writes runs/ner-bert/model; `fets
// export <folder> --out …` copies one) at /model/ on localhost. `npm run ner:web` builds, then runs this.
//
// With `--isolate` every response carries the cross-origin isolation headers (COOP same-origin, COEP require-corp),
// so the page may use SharedArrayBuffer and tfjs runs its threaded wasm build (docs/web.md: measured no faster here,
// and its XNNPACK threads much slower on a busy machine; fets' kernels run on the page's thread either way).
//
//   node examples/ner-web/serve.mjs [--model runs/ner-bert/model] [--port 8080] [--isolate]
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

/** The headers that make a page cross-origin isolated (`crossOriginIsolated`: SharedArrayBuffer, wasm threads). */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/** Starts the server; resolves with it and its URL once it listens. `isolate` adds {@link ISOLATION_HEADERS}. */
export function serve({ root, model, port = 0, host = '127.0.0.1', isolate = false }) {
  const extra = isolate ? ISOLATION_HEADERS : {};
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rel = decodeURIComponent(url.pathname);
    const [base, sub] = rel.startsWith('/model/')
      ? [model, rel.slice('/model/'.length)]
      : [root, rel === '/' ? 'index.html' : rel.slice(1)];
    const file = path.resolve(base, sub);
    if (!file.startsWith(path.resolve(base)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain', ...extra }).end(`not found: ${rel}`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      ...extra,
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({ server, url: `http://${host}:${addr.port}/` });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'runs/ner-bert/model' },
      port: { type: 'string', default: '8080' },
      isolate: { type: 'boolean', default: false },
    },
  });
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.join(here, 'dist');
  if (!existsSync(path.join(root, 'app.js'))) throw new Error(`ner-web: ${root} is not built: node ${path.join(here, 'build.mjs')}`);
  if (!existsSync(path.join(values.model, 'fets.json'))) {
    throw new Error(
      `ner-web: no model folder in ${values.model} (no fets.json): train with npm run ner (it writes runs/ner-bert/model), or ` +
        `for a run saved before model folders: npm run fets -- export examples/ner-bert/experiment.ts --load runs/ner-bert --out ${values.model}`,
    );
  }
  const { url } = await serve({ root, model: values.model, port: Number(values.port), isolate: values.isolate });
  process.stderr.write(`ner-web: serving ${url} (model: ${values.model}); Ctrl+C stops\n`);
}
