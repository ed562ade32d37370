import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FetsError } from '@fets/pipeline';
import { build, functionModel, serializeSafetensors } from '@fets/network';

describe('network/build: weightsPath', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = mkdtempSync(path.join(tmpdir(), 'fets-build-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const model = (tag: string) => {
    const w = tf.variable(tf.zeros([2, 2]), true, `${tag}_w`);
    const b = tf.variable(tf.zeros([2]), true, `${tag}_b`);
    return { w, b, m: functionModel({ name: tag, call: ([x]) => tf.add(tf.matMul(x!, w), b), variables: [w, b] }) };
  };

  it("loads a safetensors file into the model by weight name, and names the file's unused weights in one line", () => {
    const file = path.join(dir, 'ok.safetensors');
    writeFileSync(
      file,
      serializeSafetensors(
        new Map([
          ['ok_w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
          ['ok_b', { shape: [2], data: new Float32Array([5, 6]) }],
          ['unused', { shape: [1], data: new Float32Array([0]) }],
        ]),
      ),
    );
    const { w, b, m } = model('ok');
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warned.push(line);
    try {
      build(m, 'sgd', { weightsPath: file });
    } finally {
      console.warn = warn;
    }
    expect(warned).to.deep.equal([`build: 1 weight of ${file} not used by model "ok": unused`]);
    expect(Array.from(w.dataSync())).to.deep.equal([1, 2, 3, 4]);
    expect(Array.from(b.dataSync())).to.deep.equal([5, 6]);
    m.dispose();
  });

  it('a missing weight or a shape mismatch is an error naming the file, the weight and both shapes', () => {
    const file = path.join(dir, 'bad.safetensors');
    writeFileSync(file, serializeSafetensors(new Map([['bad_w', { shape: [4], data: new Float32Array(4) }]])));
    const a = model('bad');
    expect(() => build(a.m, 'sgd', { weightsPath: file })).to.throw(FetsError, /missing from the file: bad_b/);
    writeFileSync(
      file,
      serializeSafetensors(
        new Map([
          ['bad_w', { shape: [4], data: new Float32Array(4) }],
          ['bad_b', { shape: [2], data: new Float32Array(2) }],
        ]),
      ),
    );
    expect(() => build(a.m, 'sgd', { weightsPath: file })).to.throw(
      FetsError,
      /bad\.safetensors: weight "bad_w": expected shape \[2, 2\] \(the model's\), received \[4\] \(in the file\)/,
    );
    expect(() => build(a.m, 'sgd', { weightsPath: path.join(dir, 'nope.safetensors') })).to.throw(FetsError, /cannot read/);
    a.m.dispose();
  });
});
