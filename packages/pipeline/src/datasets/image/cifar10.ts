import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DataFormatError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { loaderOptionsSchema, locateFiles } from '../ner/locate.js';
import { ImageArrayDataset } from './imageArrayDataset.js';
import type { ImageData } from './mnist.js';
import { untar } from './tar.js';

/** Where the CIFAR-10 binary archive is downloaded from (Alex Krizhevsky's page). */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/';
const ARCHIVE = 'cifar-10-binary.tar.gz';
const TRAIN = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const TEST = 'test_batch.bin';
const RECORD = 1 + 3 * 32 * 32;

const cifarOptions = loaderOptionsSchema.extend({
  /** A folder holding the six `.bin` batch files (as extracted: `cifar-10-batches-bin`) or the archive. */
  rootDir: z.string().min(1).optional(),
  baseUrl: z.string().url().default(CIFAR10_URL),
});

/** Options of {@link cifar10.loadData}. */
export type Cifar10Options = z.input<typeof cifarOptions>;

/**
 * Reads CIFAR-10 binary batches: records of 1 label byte and 3,072 pixel bytes (1,024 red, then green, then blue,
 * row-major 32×32), turned channels-last. A length that is not a whole number of records is a DataFormatError.
 *
 * @example
 * const ds = parseCifarBatches([readFileSync('test_batch.bin')], ['test_batch.bin']);   // 10,000 images
 */
export function parseCifarBatches(batches: readonly Uint8Array[], names: readonly string[]): ImageArrayDataset {
  const n = batches.reduce((a, b, i) => {
    if (b.length % RECORD !== 0) throw new DataFormatError(`expected records of ${RECORD} bytes, received ${b.length} bytes`, names[i]!, 1);
    return a + b.length / RECORD;
  }, 0);
  const pixels = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  let i = 0;
  for (const b of batches) {
    for (let r = 0; r < b.length / RECORD; r++, i++) {
      const rec = r * RECORD;
      labels[i] = b[rec]!;
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) pixels[i * 3072 + p * 3 + c] = b[rec + 1 + c * 1024 + p]!;
      }
    }
  }
  return new ImageArrayDataset(pixels, labels, [32, 32, 3]);
}

/** CIFAR-10: 50,000 training and 10,000 test 32×32 colour images of 10 classes (FastEstimator's `cifar10.load_data`). */
export const cifar10 = {
  /**
   * Reads the six batch files from `rootDir` (extracted, or its `cifar-10-batches-bin/`), else `$FETS_DATA_DIR/cifar-10/`,
   * else the archive in the cache, downloading it there if missing (unless offline). Samples are
   * `{ x: NDArray int32 [32, 32, 3] (0–255), y: class }`.
   *
   * @example
   * const { train, test, classes } = await cifar10.loadData();
   */
  async loadData(options: Cifar10Options = {}): Promise<ImageData> {
    const o = parseOptions('cifar10.loadData', cifarOptions, options);
    const classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    const dirs = [
      o.rootDir,
      o.rootDir && path.join(o.rootDir, 'cifar-10-batches-bin'),
      process.env.FETS_DATA_DIR && path.join(process.env.FETS_DATA_DIR, 'cifar-10'),
    ];
    for (const dir of dirs) {
      if (dir && [...TRAIN, TEST].every((f) => fs.existsSync(path.join(dir, f)))) {
        const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
        return { train: parseCifarBatches(TRAIN.map(read), TRAIN), test: parseCifarBatches([read(TEST)], [TEST]), classes };
      }
    }
    const paths = await locateFiles({
      owner: 'cifar10.loadData',
      folder: 'cifar-10',
      files: [ARCHIVE],
      rootDir: o.rootDir,
      baseUrl: o.baseUrl,
      cacheDir: o.cacheDir,
      offline: o.offline,
      progress: o.progress,
      stream: o.stream,
    });
    const archive = paths[ARCHIVE]!;
    const files = untar(new Uint8Array(fs.readFileSync(archive)), archive);
    const get = (f: string) => {
      const bytes = files.get(`cifar-10-batches-bin/${f}`);
      if (!bytes) throw new DataFormatError(`expected cifar-10-batches-bin/${f} in the archive`, archive, 1);
      return bytes;
    };
    return { train: parseCifarBatches(TRAIN.map(get), TRAIN), test: parseCifarBatches([get(TEST)], [TEST]), classes };
  },
};
