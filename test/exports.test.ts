import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT } from './helpers.js';

/**
 * The public API is pinned: every runtime name each entry point exports is listed in test/exports.json. A change to
 * the API is a decision: update that file in the same commit (`FETS_UPDATE_EXPORTS=1 npx mocha test/exports.test.ts`).
 */
const ENTRIES = [
  '@fets/pipeline',
  '@fets/pipeline/text',
  '@fets/network',
  '@fets/network/browser',
  '@fets/network/kernels',
  '@fets/estimator',
  '@fets/estimator/seqeval',
] as const;
const FILE = path.join(ROOT, 'test', 'exports.json');

describe('public API', () => {
  it('exports exactly the pinned names from each entry point', async () => {
    const actual: Record<string, string[]> = {};
    for (const entry of ENTRIES) actual[entry] = Object.keys(await import(entry)).sort();
    if (process.env.FETS_UPDATE_EXPORTS === '1') fs.writeFileSync(FILE, `${JSON.stringify(actual, null, 2)}\n`);
    const pinned = JSON.parse(fs.readFileSync(FILE, 'utf8')) as Record<string, string[]>;
    for (const entry of ENTRIES) {
      const added = actual[entry]!.filter((n) => !pinned[entry]?.includes(n));
      const removed = (pinned[entry] ?? []).filter((n) => !actual[entry]!.includes(n));
      expect({ added, removed }, `${entry}: the exports changed; if that is intended, update test/exports.json`).to.deep.equal({
        added: [],
        removed: [],
      });
    }
  });

  it('keeps internals out of the main entry points', async () => {
    const network = Object.keys(await import('@fets/network'));
    const pipeline = Object.keys(await import('@fets/pipeline'));
    for (const internal of [
      'fillDropoutMask',
      'geluInto',
      'setSimdLoops',
      'DROPOUT_MASK_KERNEL',
      'benchmarkKernels',
      'bertTrainStep',
      'nativeAddon',
    ]) {
      expect(network, internal).to.not.include(internal);
    }
    // The estimator's top level holds FastEstimator's main classes, not every name of the packages below it.
    const estimator = Object.keys(await import('@fets/estimator'));
    expect(estimator).to.include.members(['Pipeline', 'Network', 'Estimator', 'Trace', 'build', 'op', 'trace', 'dataset']);
    for (const internal of ['crc32c', 'tfRecord', 'encodeEvent', 'collate', 'AsyncQueue', 'writeFileAtomic']) {
      expect(estimator, internal).to.not.include(internal);
      expect(pipeline, internal).to.not.include(internal);
    }
    expect(pipeline).to.include('opOptionsSchema');
  });
});
