import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { bertPreset, fromHfConfig } from '@fets/network';
import { shared } from '../../helpers.js';

describe('network/architectures: BERT presets', () => {
  for (const size of ['tiny', 'mini'] as const) {
    it(`${size} equals the Hugging Face config.json in ../shared/models/bert-${size}`, () => {
      const hf = JSON.parse(readFileSync(shared('models', `bert-${size}`, 'config.json'), 'utf8'));
      const fromHf = fromHfConfig(hf) as Record<string, unknown>;
      const preset = bertPreset(size) as Record<string, unknown>;
      for (const k of ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize']) {
        expect(preset[k], k).to.equal(fromHf[k]);
      }
    });
  }
  it('rejects an unknown size with a suggestion', () => {
    expect(() => bertPreset('mni')).to.throw(/unknown size "mni", did you mean "mini"/);
  });
});
