/**
 * `npm run ner`: fine-tunes BERT for named-entity recognition (MIT Movie by default) and scores the test split.
 * Flags: --dataset mit-movie|bc5cdr-chem|<folder> --model tiny|mini|<pretrained folder> --init <folder> --epochs N
 * --head softmax|crf --decode argmax|constrained --batchSize N --maxLen N --lr X --dataDir DIR --outDir DIR --config file.yaml --profile 20 (kernel time table of step 20; see config.ts for all).
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { readNerConfig } from './config.js';
import { buildNer } from './recipe.js';

await fe.runScript('ner-bert', async () => {
  const t0 = performance.now();
  const cfg = readNerConfig();
  await fe.initBackend();
  fe.enableDeterministic(cfg.seed);
  fe.say(`ner-bert: ${JSON.stringify(cfg)}`);
  const run = await buildNer(cfg);
  fe.say(
    `ner-bert: ${cfg.dataset}: ${run.splits.train.length} train / ${run.splits.evalData.length} eval / ${run.splits.test?.length ?? 0} test sentences, ` +
      `${run.splits.labels.length} labels, model ${cfg.model}${cfg.init ? ` from ${cfg.init}` : ''}`,
  );
  const windowed = (ds: unknown) => (ds instanceof fe.dataset.WindowedDataset ? ds.splitSentences : 0);
  const split = [run.pipeline.data.train, run.pipeline.data.eval, run.pipeline.data.test].map(windowed);
  if (split.some((n) => n > 0)) {
    fe.say(`ner-bert: sentences longer than maxLen ${cfg.maxLen}, read in overlapping windows: ${split.join(' / ')} (train / eval / test)`);
  }
  const summary = await run.estimator.fit();
  // Data-parallel (mpirun): every rank tests, rank 0 reports and writes.
  const chief = run.estimator.system.world.isChief;

  let metrics: Record<string, unknown> = {};
  if (run.splits.test && cfg.test) {
    await run.estimator.test();
    if (!chief) return;
    const report = run.seqeval.lastReport;
    if (!report) throw new fe.FetsError('ner-bert: the test epoch produced no seqeval report');
    const gold = report['micro avg']!.support;
    const sentences = run.seqeval.yTrue.length;
    const words = run.seqeval.yTrue.reduce((n, s) => n + s.length, 0);
    fe.say(`\nTest (${run.splits.testSplit}: ${sentences} sentences, ${words} words, ${gold} gold entities), seqeval strict IOB2:`);
    fe.say(fe.seqeval.formatSeqevalReport(report));
    const files = run.estimator.traces.flatMap((t) => (t instanceof fe.trace.TagPredictions ? t.written : []));
    if (files.length) fe.say(`ner-bert: test predictions in ${files.join(' and ')}`);
    const micro = report['micro avg']!;
    // Tags strict IOB2 reads as broken (an I-X after neither B-X nor I-X): what constrained decoding removes.
    const invalidI = run.seqeval.yPred.reduce((n, tags) => n + fe.op.countInvalidIob2(tags), 0);
    const predictedI = run.seqeval.yPred.reduce((n, tags) => n + tags.filter((t) => t.startsWith('I-')).length, 0);
    fe.say(
      `ner-bert: ${invalidI} of ${predictedI} predicted I- tags follow neither B-X nor I-X (head ${cfg.head}, decode ${cfg.decode ?? 'default'})`,
    );
    metrics = {
      invalidITags: invalidI,
      predictedITags: predictedI,
      precision: micro.precision,
      recall: micro.recall,
      f1: micro['f1-score'],
      perType: Object.fromEntries(Object.entries(report).filter(([k]) => !k.endsWith(' avg'))),
      averages: { micro: report['micro avg'], macro: report['macro avg'], weighted: report['weighted avg'] },
    };
  }
  if (!chief) return;
  const wallSeconds = (performance.now() - t0) / 1000;
  const out: Record<string, unknown> = {
    ...metrics,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    dataset: cfg.dataset,
    split: run.splits.testSplit,
    scheme: 'IOB2',
    mode: 'strict',
    model: cfg.model,
    head: cfg.head,
    decode: cfg.decode ?? (cfg.head === 'crf' ? 'constrained' : 'argmax'),
    ...(cfg.head === 'crf' ? { crfLrScale: cfg.crfLrScale } : {}),
    ...(cfg.average > 0 ? { average: cfg.average, averageSelect: cfg.averageSelect } : {}),
    init: cfg.init ?? null,
    // Eval-split F1 after each epoch: what settings are chosen on (the test split is scored once, above).
    evalF1: summary.series('eval', 'f1').map(([, v]) => Number(v.toFixed(4))),
    seed: cfg.seed,
    epochs: cfg.epochs,
    backend: fe.getBackendInfo()?.name,
  };
  await fe.writeResult(path.join(cfg.outDir, 'metrics.json'), out);
  fe.say(`ner-bert: wrote ${path.join(cfg.outDir, 'metrics.json')} (f1 ${String(out.f1 ?? 'n/a')}, ${out.wallSeconds} s)`);

  const saver = run.estimator.traces.find((t): t is fe.trace.BestModelSaver => t instanceof fe.trace.BestModelSaver);
  const folderPath = saver?.folderPath ?? (cfg.average > 0 ? path.join(cfg.outDir, 'model') : undefined);
  if (folderPath) {
    const folder = path.relative(process.cwd(), folderPath) || '.';
    fe.say(`ner-bert: the best model is one folder, ${folder} (copy it anywhere): npm run fets -- predict ${folder} --input text.txt`);
  }

  // Raw text → entity spans, as `fets predict` does (the same Pipeline and Network, infer mode).
  const tagger = new fe.TokenTagger(run.pipeline, run.network);
  const tagged = await tagger.tag(cfg.predict.map((sentence) => sentence.trim().split(/\s+/)));
  for (const [i, { entities }] of tagged.entries()) {
    fe.say(`predict: "${cfg.predict[i]}" → ${entities.map((e) => `[${e.type}: ${e.text}]`).join(' ') || '(no entities)'}`);
  }
});
