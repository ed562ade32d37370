import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  ConfigFileError,
  FetsError,
  deepMerge,
  findPathMiss,
  parseSetOverride,
  readConfigFile,
  resolveParams,
  schemaPaths,
} from '@fets/estimator';

const schema = z.strictObject({
  units: z.number().int().min(1).default(8),
  lr: z.number().positive().default(0.01),
  name: z.string().optional(),
  tags: z.array(z.string()).default([]),
  model: z
    .strictObject({ hidden: z.number().int().default(4), act: z.enum(['relu', 'tanh']).default('relu') })
    .default({ hidden: 4, act: 'relu' }),
  extra: z.record(z.string(), z.number()).optional(),
  loose: z.looseObject({ known: z.number().optional() }).optional(),
  either: z.union([z.number(), z.strictObject({ low: z.number(), high: z.number() })]).optional(),
  layers: z.array(z.strictObject({ width: z.number() })).optional(),
});

describe('cli: parameters (files, merge, --set, validation)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-params-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  describe('deepMerge', () => {
    it('merges plain objects key by key, later files win, arrays and scalars are replaced whole', () => {
      const a = { units: 4, model: { hidden: 2, act: 'relu' }, tags: ['a', 'b'] };
      const b = { model: { hidden: 8 }, tags: ['c'] };
      expect(deepMerge(a, b)).to.deep.equal({ units: 4, model: { hidden: 8, act: 'relu' }, tags: ['c'] });
      expect(a.model.hidden).to.equal(2); // inputs untouched
    });

    it('property: every leaf of the last object is in the result; leaves only in the first keep their value', () => {
      const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.string(), fc.array(fc.integer(), { maxLength: 3 }));
      const obj = fc.letrec((tie) => ({
        node: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof({ maxDepth: 3 }, leaf, tie('node')), { maxKeys: 4 }),
      })).node as fc.Arbitrary<Record<string, unknown>>;
      const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
      fc.assert(
        fc.property(obj, obj, (a, b) => {
          const m = deepMerge(a, b);
          const check = (x: Record<string, unknown>, y: Record<string, unknown>, out: Record<string, unknown>) => {
            for (const [k, v] of Object.entries(y)) {
              if (isObj(v) && isObj(x[k])) check(x[k] as Record<string, unknown>, v, out[k] as Record<string, unknown>);
              else if (isObj(v)) expect(out[k]).to.deep.equal(deepMerge(v));
              else expect(out[k]).to.deep.equal(v);
            }
            for (const [k, v] of Object.entries(x)) if (!(k in y)) expect(out[k]).to.deep.equal(isObj(v) ? deepMerge(v) : v);
          };
          check(a, b, m);
          expect(deepMerge(a)).to.deep.equal(a);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('parseSetOverride', () => {
    it('reads the value as YAML: numbers, booleans, null, lists, maps; anything else stays text', () => {
      const v = (arg: string) => parseSetOverride(arg).value;
      expect(v('lr=1e-3')).to.equal(0.001);
      expect(v('units=16')).to.equal(16);
      expect(v('flag=true')).to.equal(true);
      expect(v('name=null')).to.equal(null);
      expect(v('tags=[a, b]')).to.deep.equal(['a', 'b']);
      expect(v('model={hidden: 3}')).to.deep.equal({ hidden: 3 });
      expect(v('name=bert-tiny')).to.equal('bert-tiny');
      expect(v('name=')).to.equal('');
      expect(v('name=a=b')).to.equal('a=b');
      expect(v("name='007'")).to.equal('007');
      expect(parseSetOverride('model.hidden=3').path).to.deep.equal(['model', 'hidden']);
    });

    it('rejects an argument without "=", an empty path segment and a value that is not YAML', () => {
      expect(() => parseSetOverride('units')).to.throw(FetsError, '--set "units": expected key.path=value');
      expect(() => parseSetOverride('model..hidden=1')).to.throw(
        FetsError,
        'expected a key path of names separated by dots before "=", received "model..hidden"',
      );
      expect(() => parseSetOverride('=1')).to.throw(FetsError, 'received ""');
      expect(() => parseSetOverride('tags=[a, b')).to.throw(FetsError, '--set "tags=[a, b": the value is not valid YAML');
    });
  });

  describe('findPathMiss (does a --set path exist in the schema?)', () => {
    it('accepts declared keys through optional/default wrappers, any record key, loose objects, array indices, union members', () => {
      for (const p of [
        'units',
        'model.hidden',
        'model.act',
        'extra.anything',
        'loose.known',
        'loose.other',
        'either',
        'either.low',
        'layers.0.width',
        'tags.2',
      ]) {
        expect(findPathMiss(schema, p.split('.')), p).to.equal(undefined);
      }
    });

    it('names the failing segment, the keys valid there and the nearest path', () => {
      expect(findPathMiss(schema, ['unit'])).to.deep.include({ index: 0, nearest: 'units' });
      expect(findPathMiss(schema, ['modle', 'hidden'])).to.deep.include({ index: 0, nearest: 'model.hidden' });
      expect(findPathMiss(schema, ['modle', 'hiden'])).to.deep.include({ index: 0, nearest: 'model' });
      const m = findPathMiss(schema, ['model', 'hiden'])!;
      expect(m).to.deep.include({ index: 1, nearest: 'model.hidden' });
      expect(m.valid).to.deep.equal(['hidden', 'act']);
      expect(findPathMiss(schema, ['units', 'x'])).to.deep.include({ index: 1, leafType: 'number' });
      expect(findPathMiss(schema, ['layers', 'x'])).to.deep.include({ index: 1, leafType: 'array' });
      expect(findPathMiss(schema, ['either', 'mid'])).to.deep.include({ index: 1 });
      expect(findPathMiss(schema, ['zzzzzz'])!.nearest).to.equal(undefined);
    });

    it('schemaPaths lists the leaf paths', () => {
      expect(schemaPaths(schema)).to.include.members(['units', 'model.hidden', 'model.act', 'loose.known', 'either.low', 'either.high']);
    });
  });

  describe('readConfigFile', () => {
    it('reads YAML and records the line of every key path', () => {
      const f = readConfigFile(file('a.yaml', '# comment\nunits: 4\nmodel:\n  hidden: 16\ntags:\n  - x\n  - y\n'));
      expect(f.values).to.deep.equal({ units: 4, model: { hidden: 16 }, tags: ['x', 'y'] });
      expect(f.origins.get('units')).to.match(/a\.yaml:2$/);
      expect(f.origins.get('model.hidden')).to.match(/a\.yaml:4$/);
      expect(f.origins.get('tags.1')).to.match(/a\.yaml:7$/);
    });

    it('reads JSON; an empty file is {}', () => {
      expect(readConfigFile(file('b.json', '{\n  "units": 3,\n  "model": {"act": "tanh"}\n}\n')).values).to.deep.equal({
        units: 3,
        model: { act: 'tanh' },
      });
      expect(readConfigFile(file('empty.yaml', '# nothing\n')).values).to.deep.equal({});
    });

    it('throws ConfigFileError file:line on a syntax error, a duplicate key, a non-mapping top level, a missing file', () => {
      const bad = file('bad.yaml', 'units: 4\nmodel: {hidden: 3\nlr: 1\n');
      expect(() => readConfigFile(bad)).to.throw(ConfigFileError, /bad\.yaml:\d+: column \d+: /);
      expect(() => readConfigFile(file('quote.yaml', 'a: 1\nb: "open\nc: 2\n'))).to.throw(
        ConfigFileError,
        /quote\.yaml:2: column 4: Missing closing "quote \(still open at line 4\): "b: \\"open"$/,
      );
      expect(() => readConfigFile(file('flow.yaml', 'a: [1, [2, 3]\nb: 1\n'))).to.throw(
        ConfigFileError,
        /flow\.yaml:1: column 4: .*end with a \] \(still open at line 2\): "a: \[1, \[2, 3\]"$/,
      );
      expect(() => readConfigFile(file('dup.yaml', 'units: 1\nlr: 2\nunits: 3\n'))).to.throw(
        ConfigFileError,
        /dup\.yaml:3: column 1: Map keys must be unique/,
      );
      expect(() => readConfigFile(file('list.yaml', '- 1\n- 2\n'))).to.throw(
        ConfigFileError,
        'list.yaml:1: expected a mapping of parameters (key: value lines) at the top level, received array(2) [1,2]',
      );
      expect(() => readConfigFile(path.join(dir, 'missing.yaml'))).to.throw(
        ConfigFileError,
        `missing.yaml: cannot read parameter file: no such file (looked for ${path.join(dir, 'missing.yaml')})`,
      );
    });
  });

  describe('resolveParams', () => {
    it('merges files in order, then --set in order, then fills defaults', () => {
      const a = file('r1.yaml', 'units: 4\nmodel:\n  hidden: 16\n  act: tanh\n');
      const b = file('r2.yaml', 'units: 5\nmodel:\n  hidden: 32\n');
      const { params, origins } = resolveParams('t', schema, { configs: [a, b], sets: ['model.hidden=64', 'lr=0.5', 'tags=[p, q]'] });
      expect(params).to.deep.include({ units: 5, lr: 0.5, tags: ['p', 'q'], model: { hidden: 64, act: 'tanh' } });
      expect(origins.get('units')).to.match(/r2\.yaml:1$/);
      expect(origins.get('model.act')).to.match(/r1\.yaml:4$/);
      expect(origins.get('model.hidden')).to.equal('--set model.hidden=64');
      expect(resolveParams('t', schema).params).to.deep.include({ units: 8, lr: 0.01, model: { hidden: 4, act: 'relu' } });
    });

    it('says where a bad value came from: the file and line, or the --set', () => {
      const a = file('v.yaml', 'units: 4\nlr: -1\n');
      expect(() => resolveParams('t', schema, { configs: [a] })).to.throw(
        ConfigError,
        /^t: lr: Too small: expected number to be >0, received -1 \(from .*v\.yaml:2\)$/,
      );
      expect(() => resolveParams('t', schema, { configs: [a], sets: ['lr=2', 'units=0'] })).to.throw(
        ConfigError,
        't: units: Too small: expected number to be >=1, received 0 (from --set units=0)',
      );
    });

    it('rejects a --set path the schema does not have, naming it and the nearest valid path', () => {
      expect(() => resolveParams('t', schema, { sets: ['model.hiden=3'] })).to.throw(
        ConfigError,
        't: --set model.hiden=3: "model.hiden" is not a parameter; did you mean "model.hidden"? (valid under "model": hidden, act)',
      );
      expect(() => resolveParams('t', schema, { sets: ['units.x=3'] })).to.throw(
        ConfigError,
        '"units" is a number, it has no key "x" (set it whole: --set units=…)',
      );
      expect(() => resolveParams('t', schema, { sets: ['modle.hidden=3'] })).to.throw(
        ConfigError,
        '"modle.hidden" is not a parameter (no "modle"); did you mean "model.hidden"?',
      );
    });

    it('rejects unknown keys in files with "did you mean", and a --set replaces what the files gave below its path', () => {
      const a = file('u.yaml', 'unitz: 4\n');
      expect(() => resolveParams('t', schema, { configs: [a] })).to.throw(
        ConfigError,
        /t: unknown option "unitz", did you mean "units"\? \(valid: .*\) \(from .*u\.yaml:1\)/,
      );
      const b = file('m.yaml', 'model:\n  hidden: 3\n');
      const r = resolveParams('t', schema, { configs: [b], sets: ['model={act: tanh}'] });
      expect(r.params.model).to.deep.equal({ hidden: 4, act: 'tanh' });
      expect(r.origins.has('model.hidden')).to.equal(false);
    });
  });
});
