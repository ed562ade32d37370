/**
 * A bounded FIFO between one producer and one consumer: `push` waits while the queue is full, `shift` waits while it
 * is empty. This is what bounds the Pipeline's prefetch (memory does not grow with the data set).
 *
 * @example
 * const q = new AsyncQueue<number>(4); await q.push(1); q.close(); await q.shift(); // { value: 1, done: false }
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private error: unknown = undefined;
  private waitingConsumer: (() => void) | undefined;
  private waitingProducer: (() => void) | undefined;

  constructor(readonly capacity: number) {}

  /** Number of queued items. */
  get size(): number {
    return this.items.length;
  }

  /** Adds an item, waiting while the queue is full. Returns false if the consumer has gone away. */
  async push(item: T): Promise<boolean> {
    while (this.items.length >= this.capacity && !this.closed) {
      await new Promise<void>((r) => (this.waitingProducer = r));
    }
    if (this.closed) return false;
    this.items.push(item);
    this.wake('consumer');
    return true;
  }

  /** Takes the next item, waiting while the queue is empty; `done` once closed and drained. */
  async shift(): Promise<IteratorResult<T, undefined>> {
    while (this.items.length === 0) {
      if (this.error !== undefined) throw this.error;
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((r) => (this.waitingConsumer = r));
    }
    const value = this.items.shift() as T;
    this.wake('producer');
    return { value, done: false };
  }

  /** No more items will come (producer side) or none are wanted (consumer side). */
  close(): void {
    this.closed = true;
    this.wake('consumer');
    this.wake('producer');
  }

  /** The producer failed: the consumer's next `shift` throws `error` once queued items are drained. */
  fail(error: unknown): void {
    this.error = error ?? new Error('AsyncQueue failed');
    this.close();
  }

  private wake(who: 'consumer' | 'producer'): void {
    const r = who === 'consumer' ? this.waitingConsumer : this.waitingProducer;
    if (who === 'consumer') this.waitingConsumer = undefined;
    else this.waitingProducer = undefined;
    r?.();
  }
}
