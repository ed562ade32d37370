import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../../core/options.js';
import { ConllDataset } from '../conllDataset.js';
import { LabelVocab } from '../labelVocab.js';
import { locateFiles } from './locate.js';
import type { NerData } from './mitMovie.js';

const bc5cdrOptionsSchema = z.strictObject({
  rootDir: z.string().min(1).optional(),
  labelOrder: z.enum(['sorted', 'first-seen']).default('sorted'),
});

/** Options of {@link bc5cdrChem.loadData}. */
export type Bc5cdrChemOptions = z.input<typeof bc5cdrOptionsSchema>;

/**
 * BC5CDR chemical mentions (the BLURB NER task): `token<TAB>tag` files in IOB2 (`B-Chemical`, `I-Chemical`, `O`),
 * cased biomedical text. No public download URL: the files must be on disk.
 */
export const bc5cdrChem = {
  /**
   * Loads `train.tsv` and `devel.tsv` (and `test.tsv` if present) from `rootDir`, else `$FETS_DATA_DIR/bc5cdr-chem/`.
   *
   * @returns `{ train, evalData (devel), test?, labels }`; samples are `{ words: string[], tags: string[] }`.
   * @example
   * const { train, evalData, labels } = await bc5cdrChem.loadData({ rootDir: '../shared/datasets/bc5cdr-chem' });
   * labels.labels; // ['O', 'B-Chemical', 'I-Chemical']
   */
  async loadData(options: Bc5cdrChemOptions = {}): Promise<NerData> {
    const o = parseOptions('bc5cdrChem.loadData', bc5cdrOptionsSchema, options);
    const paths = await locateFiles({
      owner: 'bc5cdrChem.loadData',
      folder: 'bc5cdr-chem',
      files: ['train.tsv', 'devel.tsv'],
      rootDir: o.rootDir,
    });
    const train = new ConllDataset(paths['train.tsv']!, { format: 'bc5cdr' });
    const evalData = new ConllDataset(paths['devel.tsv']!, { format: 'bc5cdr' });
    const testPath = path.join(path.dirname(paths['train.tsv']!), 'test.tsv');
    const labels = LabelVocab.fromTags(train.tagSequences(), { order: o.labelOrder });
    if (!fs.existsSync(testPath)) return { train, evalData, labels };
    return { train, evalData, test: new ConllDataset(testPath, { format: 'bc5cdr' }), labels };
  },
};
