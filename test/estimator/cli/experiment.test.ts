import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  BestModelSaver,
  ExperimentError,
  LoadWeightsError,
  ModelSaver,
  type Network,
  buildExperiment,
  defineExperiment,
  initBackend,
  isExperiment,
  loadExperiment,
  loadSavedWeights,
  runCli,
  saveModelWeights,
} from '@fets/estimator';
import { namedVariables } from '@fets/network';
import { ROOT, errorOf } from '../../helpers.js';
import { buildDense, denseSchema } from './fixtures/dense.js';

const FIXTURE = path.join(ROOT, 'test/estimator/cli/fixtures/dense.ts');

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) },
    out,
    err,
    text: () => out.join('\n'),
    errText: () => err.join('\n'),
  };
}

describe('cli: experiments, weights, runCli in process', function () {
  this.timeout(60_000);
  let tmp: string;
  let repoTmp: string;
  before(async () => {
    await initBackend({ quiet: true });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'fets-exp-'));
    repoTmp = path.join(ROOT, 'test', `.tmp-cli-exp-${process.pid}`);
    mkdirSync(repoTmp, { recursive: true });
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(repoTmp, { recursive: true, force: true });
  });

  describe('defineExperiment / loadExperiment', () => {
    it('defineExperiment checks its argument and brands the result', () => {
      const e = defineExperiment({ schema: z.strictObject({}), build: () => buildDense(denseSchema.parse({})) });
      expect(isExperiment(e)).to.equal(true);
      expect(isExperiment({ schema: z.strictObject({}), build: () => 0 })).to.equal(false);
      expect(() => defineExperiment({ schema: {} as z.ZodType, build: () => buildDense(denseSchema.parse({})) })).to.throw(
        ExperimentError,
        'defineExperiment: schema: expected a zod schema (e.g. z.strictObject({...})), received Object {}',
      );
      expect(() => defineExperiment({ schema: z.strictObject({}), build: 3 as never })).to.throw(
        ExperimentError,
        'defineExperiment: build: expected a function (params) => Estimator, received 3',
      );
    });

    it('loads a .ts experiment: its default export and its name', async () => {
      const l = await loadExperiment(FIXTURE);
      expect(l.name).to.equal('dense');
      expect(l.file).to.equal(FIXTURE);
      expect(isExperiment(l.experiment)).to.equal(true);
    });

    it('a missing file, a folder, a file without the default export, a file that throws: ExperimentError naming it', async () => {
      const missing = path.join(tmp, 'nope.ts');
      expect((await errorOf(loadExperiment(missing))).message).to.equal(`experiment file not found: ${missing} (looked for ${missing})`);
      expect((await errorOf(loadExperiment(tmp))).message).to.equal(`experiment file ${tmp} is a directory; expected a .ts or .js file`);
      const noDefault = path.join(repoTmp, 'named.ts');
      writeFileSync(noDefault, 'export const params = 1;\nexport function build(): number { return 1; }\n');
      const e = await errorOf(loadExperiment(noDefault));
      expect(e).to.be.instanceOf(ExperimentError);
      expect(e.message).to.equal(
        `experiment file ${path.relative(process.cwd(), noDefault)}: expected \`export default defineExperiment({ schema, build })\`, the default export is undefined (exports: build, params)`,
      );
      const throws = path.join(repoTmp, 'throws.ts');
      writeFileSync(throws, 'throw new Error("no GPU here");\nexport default 1;\n');
      expect((await errorOf(loadExperiment(throws))).message).to.equal(
        `cannot load experiment file ${path.relative(process.cwd(), throws)}: no GPU here`,
      );
    });

    it('build must return an Estimator', async () => {
      const f = path.join(repoTmp, 'notEstimator.ts');
      writeFileSync(
        f,
        "import { z } from 'zod';\nimport { defineExperiment } from '@fets/estimator';\nexport default defineExperiment({ schema: z.strictObject({}), build: () => ({ fit: 1 }) as never });\n",
      );
      const l = await loadExperiment(f);
      const e = await errorOf(buildExperiment(l, {}, { command: 'check', runName: undefined }));
      expect(e.message).to.equal('experiment notEstimator: build(params) must return an Estimator, returned Object {"fit":1}');
    });
  });

  describe('loadSavedWeights (fets test --load)', () => {
    const weights = (n: Network) => [...namedVariables(n.models[0]!)].map(([, v]) => Array.from(v.dataSync()));

    it('finds BestModelSaver and newest ModelSaver files in a folder, or takes a file; weights equal the saved ones', async () => {
      const saved = buildDense(denseSchema.parse({ units: 3 }));
      const net = saved.network as Network;
      const dir = path.join(tmp, 'best');
      new BestModelSaver({ model: net.models[0]!, saveDir: dir, metric: 'accuracy' });
      await saveModelWeights(net.models[0]!, path.join(dir, 'dense_best_accuracy.safetensors'));
      const fresh = buildDense(denseSchema.parse({ units: 3, seed: 1 }));
      const fnet = fresh.network as Network;
      const loaded = loadSavedWeights(fnet, dir);
      expect(loaded).to.deep.equal([{ model: 'dense', file: path.join(dir, 'dense_best_accuracy.safetensors'), unused: [] }]);
      expect(weights(fnet)).to.deep.equal(weights(net));

      const epochs = path.join(tmp, 'epochs');
      new ModelSaver({ model: net.models[0]!, saveDir: epochs });
      for (const e of [2, 10, 9]) await saveModelWeights(net.models[0]!, path.join(epochs, `dense_epoch_${e}.safetensors`));
      expect(loadSavedWeights(fnet, epochs)[0]!.file).to.equal(path.join(epochs, 'dense_epoch_10.safetensors'));
      expect(loadSavedWeights(fnet, path.join(epochs, 'dense_epoch_2.safetensors'))[0]!.file).to.equal(
        path.join(epochs, 'dense_epoch_2.safetensors'),
      );
    });

    it('names what is wrong: nothing for the model, two best files, a shape mismatch, a missing path', async () => {
      const net = buildDense(denseSchema.parse({ units: 3 })).network as Network;
      const empty = path.join(tmp, 'empty');
      mkdirSync(empty, { recursive: true });
      writeFileSync(path.join(empty, 'other_best_f1.safetensors'), '');
      expect(() => loadSavedWeights(net, empty)).to.throw(
        LoadWeightsError,
        /no weights for model "dense": expected dense_best_<metric>\.safetensors \(BestModelSaver\), dense_epoch_<n>\.safetensors \(ModelSaver\) or a RestoreWizard folder \(have: other_best_f1\.safetensors\)/,
      );
      const two = path.join(tmp, 'two');
      mkdirSync(two, { recursive: true });
      for (const m of ['f1', 'loss']) await saveModelWeights(net.models[0]!, path.join(two, `dense_best_${m}.safetensors`));
      expect(() => loadSavedWeights(net, two)).to.throw(
        LoadWeightsError,
        /several best-model files for model "dense" \(dense_best_f1\.safetensors, dense_best_loss\.safetensors\); pass one file with --load/,
      );
      const wider = buildDense(denseSchema.parse({ units: 5 })).network as Network;
      expect(() => loadSavedWeights(wider, path.join(two, 'dense_best_f1.safetensors'))).to.throw(
        /dense_best_f1\.safetensors: .*expected shape \[4, 5\].*received \[4, 3\]/,
      );
      expect(() => loadSavedWeights(net, path.join(tmp, 'gone'))).to.throw(LoadWeightsError, /--load .*gone: no such file or folder/);
    });
  });

  describe('runCli in process', () => {
    it('check prints the params and the graph and returns 0; a bad --set returns 1 with the ConfigError', async () => {
      const c = collect();
      expect(await runCli(['check', FIXTURE, '--set', 'units=3', '--set', 'model.activation=tanh'], c.io)).to.equal(0);
      expect(c.text()).to.include('fets: dense params (--set units=3, --set model.activation=tanh):\n  units: 3\n');
      expect(c.text()).to.include('    activation: tanh');
      expect(c.text()).to.match(/1\. +ModelOp +x → yPred +yPred float32 \[16, 2\]/);
      expect(c.text()).to.match(/fets check: ok: dense: train, eval, test checked \(one batch each, no weights changed\) in \d+\.\d s/);
      const bad = collect();
      expect(await runCli(['check', FIXTURE, '--set', 'epoch=2'], bad.io)).to.equal(1);
      expect(bad.errText()).to.include('ConfigError: dense: --set epoch=2: "epoch" is not a parameter; did you mean "epochs"?');
    });

    it("help and version return 0; an unknown command or option returns 1 with commander's message", async () => {
      const h = collect();
      expect(await runCli(['--help'], h.io)).to.equal(0);
      expect(h.text()).to.match(/Commands:[\s\S]*train[\s\S]*test[\s\S]*check[\s\S]*logs[\s\S]*plot/);
      const v = collect();
      expect(await runCli(['--version'], v.io)).to.equal(0);
      expect(v.text().trim()).to.match(/^\d+\.\d+\.\d+$/);
      const u = collect();
      expect(await runCli(['trian', FIXTURE], u.io)).to.equal(1);
      expect(u.errText()).to.include("error: unknown command 'trian'");
      const o = collect();
      expect(await runCli(['check', FIXTURE, '--sett', 'x=1'], o.io)).to.equal(1);
      expect(o.errText()).to.include("error: unknown option '--sett'");
      const m = collect();
      expect(await runCli(['logs', ROOT, '--modes', 'training'], m.io)).to.equal(1);
      expect(m.errText()).to.include('ConfigError: --modes: unknown mode "training" (valid: train, eval, test, infer)');
    });
  });
});
