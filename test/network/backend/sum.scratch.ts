import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../packages/network/src/backend/init.js';
import { setKernelOverrides } from '../../../packages/network/src/kernels/registry.js';
await initBackend();
setKernelOverrides({ Sum: false });
const be = tf.backend() as any;
function view(base: tf.TensorInfo, elemOff: number, shape: number[]) {
  const d = be.dataIdMap.get(base.dataId);
  const id = be.dataIdNextNumber++;
  const dataId = { id };
  const size = shape.reduce((a, b) => a * b, 1);
  be.dataIdMap.set(dataId, { id, memoryOffset: d.memoryOffset + 4 * elemOff, shape, dtype: 'float32', refCount: 1 });
  be.wasm.tfjs.registerTensor(id, size, d.memoryOffset + 4 * elemOff);
  return { dataId, shape, dtype: 'float32' } as tf.TensorInfo;
}
function unview(v: tf.TensorInfo) { const d = be.dataIdMap.get(v.dataId); be.wasm.tfjs.disposeData(d.id); be.dataIdMap.delete(v.dataId); }
const add = tf.getKernel('Add', 'wasm')!.kernelFunc;
function halving(x: tf.Tensor2D): tf.Tensor {
  let [m, n] = x.shape;
  let cur: tf.TensorInfo = { dataId: x.dataId, shape: [m, n], dtype: 'float32' } as any;
  let owned = false;
  const extras: tf.TensorInfo[] = [];
  while (m > 1) {
    const h = Math.floor(m / 2);
    const top = view(cur, 0, [h, n]); const bot = view(cur, h * n, [h, n]);
    const s = add({ inputs: { a: top, b: bot }, backend: be, attrs: {} }) as tf.TensorInfo;
    unview(top); unview(bot);
    if (m % 2 === 1) extras.push(view(cur, 2 * h * n, [1, n])), (extras as any).keep = true;
    if (owned && !(m % 2 === 1)) be.disposeData(cur.dataId);
    cur = s; owned = true; m = h;
  }
  return tf.engine().makeTensorFromTensorInfo(cur) as tf.Tensor;
}
const x = tf.randomNormal([2048, 1024]) as tf.Tensor2D;
const ref = tf.sum(x, 0);
const h = halving(x);
console.log('maxdiff', tf.max(tf.abs(tf.sub(ref, h.reshape([1024])))).dataSync()[0]);
for (const [nm, f] of [['orig', () => tf.sum(x, 0)], ['halving', () => halving(x)]] as const) {
  const ts = []; for (let i = 0; i < 9; i++) { const t0 = performance.now(); const o = f(); o.dataSync(); ts.push(performance.now() - t0); o.dispose(); }
  ts.sort((a, b) => a - b); console.log(nm, ts[4].toFixed(2), 'ms');
}
