/**
 * The NER recipe as a `fets` experiment: the same schema as `npm run ner` (config.ts) and the same build (recipe.ts),
 * driven by the command line with YAML configs and overrides:
 *
 *   npm run fets -- check examples/ner-bert/experiment.ts --config examples/ner-bert/configs/tiny.yaml
 *   npm run fets -- train examples/ner-bert/experiment.ts --config examples/ner-bert/configs/bc5cdr-chem.yaml \
 *     --config examples/ner-bert/configs/tiny.yaml --set epochs=2 --summary bc5cdr-tiny --test
 *   npm run fets -- test examples/ner-bert/experiment.ts --load runs/ner-bert
 *
 * `dataDir` defaults to $FETS_DATA_DIR (e.g. FETS_DATA_DIR=../shared/datasets), `outDir` is resolved from the
 * working directory.
 */
import path from 'node:path';
import * as fe from '@fets/estimator';
import { nerConfigSchema } from './config.js';
import { buildNer } from './recipe.js';

export default fe.defineExperiment({
  name: 'ner-bert',
  description: 'BERT token classification (NER) with entity-level F1 (seqeval, strict IOB2)',
  schema: nerConfigSchema,
  async build(params) {
    const cfg = { ...params, outDir: path.resolve(params.outDir), dataDir: params.dataDir ?? process.env.FETS_DATA_DIR };
    fe.enableDeterministic(cfg.seed);
    return (await buildNer(cfg)).estimator;
  },
});
