import * as tf from '@tensorflow/tfjs';

/** The backend methods that return a tensor's values to JavaScript (tfjs-backend-webgpu 4.22). */
interface ReadingBackend {
  read(dataId: object): Promise<unknown>;
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown; resource?: unknown } | undefined };
}

/**
 * Counts GPU → CPU read-backs on the current (webgpu) backend while `fn` runs: every `read`/`readSync` (hence
 * `data()`/`dataSync()`/`array()`) of a tensor whose values live only on the GPU. Values still held on the CPU
 * (uploaded batches, small tensors tfjs computes on the CPU) are not read-backs and are not counted.
 */
export async function countReadBacks<T>(fn: () => Promise<T> | T): Promise<{ value: T; reads: number }> {
  const backend = tf.backend() as unknown as ReadingBackend;
  const { read, readSync } = backend;
  let reads = 0;
  const onGpu = (id: object) => {
    const d = backend.tensorMap.get(id);
    return d !== undefined && d.values == null && d.resource != null;
  };
  backend.read = function (this: ReadingBackend, id: object) {
    if (onGpu(id)) reads++;
    return read.call(this, id);
  };
  backend.readSync = function (this: ReadingBackend, id: object) {
    if (onGpu(id)) reads++;
    return readSync.call(this, id);
  };
  try {
    const value = await fn();
    return { value, reads };
  } finally {
    backend.read = read;
    backend.readSync = readSync;
  }
}
