import { LambdaOp, RemoveIf, Sometimes, type NumpyOp } from '@fets/pipeline';

/** The ops of the worker test, built the same way on the main thread and in each worker. */
export function createOps(): NumpyOp[] {
  return [
    new LambdaOp({ fn: (x: number) => Array.from({ length: (x % 4) + 1 }, (_, k) => x * 10 + k), inputs: 'x', outputs: 'seq' }),
    new Sometimes({ op: new LambdaOp({ fn: (x: number) => -x, inputs: 'x', outputs: 'x' }), prob: 0.5 }),
    new RemoveIf({ fn: (y: number) => y === 2, inputs: 'y' }),
  ];
}
