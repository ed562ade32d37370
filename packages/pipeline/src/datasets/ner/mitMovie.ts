import { z } from 'zod';
import { parseOptions } from '../../core/options.js';
import { ConllDataset } from '../conllDataset.js';
import { LabelVocab } from '../labelVocab.js';
import { loaderOptionsSchema, locateFiles } from './locate.js';

/** Where FastEstimator's `mitmovie_ner` downloads the MIT Movie "eng" corpus from. */
export const MIT_MOVIE_URL = 'https://groups.csail.mit.edu/sls/downloads/movie/';

const mitMovieOptionsSchema = loaderOptionsSchema.extend({
  baseUrl: z.string().url().default(MIT_MOVIE_URL),
  /** Order of the labels: sorted by entity type (default) or as first seen in train. */
  labelOrder: z.enum(['sorted', 'first-seen']).default('sorted'),
});

/** Options of {@link mitMovie.loadData}. */
export type MitMovieOptions = z.input<typeof mitMovieOptionsSchema>;

/** What a NER loader returns: sentence data sets (`{ words, tags }`) and the label vocabulary of the train split. */
export interface NerData {
  /** Training sentences. */
  train: ConllDataset;
  /** Evaluation sentences (for MIT Movie the same object as `test`: the corpus has no separate dev set). */
  evalData: ConllDataset;
  /** Test sentences, if the corpus has them. */
  test?: ConllDataset;
  /** Labels built from the train split only (O first, then by entity type, B before I). */
  labels: LabelVocab;
}

/**
 * The MIT Movie "eng" corpus (FastEstimator's `mitmovie_ner`, without its flaws: nothing dropped, labels built
 * deterministically from train only): 9,775 train and 2,443 test sentences, lower-cased words, 12 entity types in IOB2.
 */
export const mitMovie = {
  /**
   * Loads `engtrain.bio` and `engtest.bio` from `rootDir`, else `$FETS_DATA_DIR/mit-movie/`, else the cache
   * (`$FETS_CACHE_DIR` or `~/.fets`, under `datasets/mit-movie`), downloading them there from MIT if missing (atomic
   * writes, progress on stderr). `offline: true` or `FETS_OFFLINE=1` forbids the download (a clear error instead).
   *
   * @returns `{ train, evalData, test, labels }`; samples are `{ words: string[], tags: string[] }`.
   * @example
   * const { train, evalData, labels } = await mitMovie.loadData();
   * labels.length; // 25
   */
  async loadData(options: MitMovieOptions = {}): Promise<NerData & { test: ConllDataset }> {
    const o = parseOptions('mitMovie.loadData', mitMovieOptionsSchema, options);
    const paths = await locateFiles({
      owner: 'mitMovie.loadData',
      folder: 'mit-movie',
      files: ['engtrain.bio', 'engtest.bio'],
      rootDir: o.rootDir,
      baseUrl: o.baseUrl,
      cacheDir: o.cacheDir,
      offline: o.offline,
      progress: o.progress,
      stream: o.stream,
    });
    const train = new ConllDataset(paths['engtrain.bio']!, { format: 'mit-movie' });
    const test = new ConllDataset(paths['engtest.bio']!, { format: 'mit-movie' });
    const labels = LabelVocab.fromTags(train.tagSequences(), { order: o.labelOrder });
    return { train, evalData: test, test, labels };
  },
};
