import { Dataset, IterableDataset, type DataDict } from '@fets/pipeline';

/** n samples {x: i, y: i % 3}. */
export class Range extends Dataset {
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): DataDict {
    return { x: i, y: i % 3 };
  }
}

/** A streaming source of n samples {x: i, seq: [i, i+1, ...] of length i % 5 + 1}. */
export class Counter extends IterableDataset {
  constructor(readonly n: number) {
    super();
  }
  override get length(): number {
    return this.n;
  }
  override keys(): string[] {
    return ['x', 'seq'];
  }
  *iterate(): Iterable<DataDict> {
    for (let i = 0; i < this.n; i++) yield { x: i, seq: Array.from({ length: (i % 5) + 1 }, (_, k) => i + k) };
  }
}
