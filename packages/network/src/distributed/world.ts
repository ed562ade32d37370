import { loadMpiBinding, type MpiBinding, type MpiInfo, type ReducibleArray } from './binding.js';
import { MpiUnavailableError, mpiErrorOf } from './errors.js';
import { detectLaunch, type Launch } from './launch.js';

/**
 * The ranks of a data-parallel job and their collectives: MPI's world when launched by mpirun/srun, else a world
 * of one process whose collectives do nothing. Every collective must be called by every rank in the same order.
 *
 * @example
 * const world = getWorld();
 * world.allreduce(grads);             // in place: the sum over ranks
 * if (world.isChief) writeLog();      // rank 0 writes
 */
export class World {
  readonly rank: number;
  readonly size: number;
  /** Rank among the ranks on this machine, and how many there are (they share its cores). */
  readonly localRank: number;
  readonly localSize: number;
  /** Whether this is rank 0, the one that writes logs, checkpoints and predictions. */
  readonly isChief: boolean;
  /** What started the job (undefined: one process, not launched by MPI). */
  readonly launch: Launch | undefined;
  /** The MPI library (`Open MPI v4.1.4`) and thread level, when distributed. */
  readonly info: MpiInfo | undefined;

  constructor(
    private readonly binding: MpiBinding | undefined,
    launch?: Launch,
  ) {
    this.info = binding ? binding.init() : undefined;
    this.rank = this.info?.rank ?? 0;
    this.size = this.info?.size ?? 1;
    this.localRank = this.info?.localRank ?? 0;
    this.localSize = this.info?.localSize ?? 1;
    this.isChief = this.rank === 0;
    this.launch = launch;
  }

  /** Whether more than one rank runs (collectives do work). */
  get distributed(): boolean {
    return this.size > 1;
  }

  private call<T>(f: (b: MpiBinding) => T, alone: () => T): T {
    if (!this.binding || this.size === 1) return alone();
    try {
      return f(this.binding);
    } catch (e) {
      throw mpiErrorOf(e, this.rank, this.size);
    }
  }

  /** In place: `data` becomes the element-wise sum (or max, min) over the ranks. */
  allreduce(data: ReducibleArray, op: 'sum' | 'max' | 'min' = 'sum'): void {
    this.call(
      (b) => b.allreduce(data, op),
      () => undefined,
    );
  }

  /** The element-wise sums of `values` over the ranks (float64: exact for counts below 2^53). */
  sum(values: readonly number[]): number[] {
    const a = Float64Array.from(values);
    this.allreduce(a);
    return Array.from(a);
  }

  /** In place: `data` (the same byte length on every rank) becomes rank `root`'s. */
  broadcast(data: ReducibleArray, root = 0): void {
    this.call(
      (b) => b.broadcast(data, root),
      () => undefined,
    );
  }

  /** Every rank's bytes, in rank order (lengths may differ). */
  allgather(bytes: Uint8Array): Uint8Array[] {
    return this.call(
      (b) => b.allgatherv(bytes),
      () => [bytes],
    );
  }

  /** Every rank's JSON-serialisable value, in rank order. */
  allgatherJson<T>(value: T): T[] {
    const parts = this.allgather(new TextEncoder().encode(JSON.stringify(value)));
    const dec = new TextDecoder();
    return parts.map((p) => JSON.parse(dec.decode(p)) as T);
  }

  /** Returns when every rank has called it. */
  barrier(): void {
    this.call(
      (b) => b.barrier(),
      () => undefined,
    );
  }

  /** Ends every rank of the job now with `code` (MPI_Abort); in one process, exits. */
  abort(code: number): never {
    if (this.binding && this.size > 1) this.binding.abort(code);
    process.exit(code);
  }
}

let current: World | undefined;

/**
 * Starts the world once per process: under an MPI launcher (see {@link detectLaunch}) it loads the MPI binding and
 * initialises MPI, else it is a world of one. Throws {@link MpiUnavailableError} (one line naming the missing
 * package) when launched by MPI without a working binding. A rank that exits non-zero aborts the whole job
 * (MPI_Abort), so no rank waits in a collective for it.
 *
 * @example
 * const world = initWorld(); // under `mpirun -np 2`: world.size === 2
 */
export function initWorld(options: { launch?: Launch | null; binding?: MpiBinding } = {}): World {
  if (current) return current;
  const launch = options.launch === null ? undefined : (options.launch ?? detectLaunch());
  if (!launch) {
    current = new World(undefined);
    return current;
  }
  let binding = options.binding;
  if (!binding) {
    const load = loadMpiBinding();
    if (!load.ok) throw new MpiUnavailableError(launch.launcher, load.reason);
    binding = load.binding;
  }
  try {
    current = new World(binding, launch);
  } catch (e) {
    throw mpiErrorOf(e, 0, launch.size ?? 1);
  }
  const world = current;
  if (world.size > 1) {
    // MPI_Finalize waits for every rank; after a failure it would wait for ranks stuck in a collective. Exit without
    // it: mpirun then forwards this rank's output (its error, printed once) and ends every other rank.
    process.on('exit', (code) => {
      if (code !== 0) binding.skipFinalize();
    });
  }
  return world;
}

/**
 * The process's world: the one {@link initWorld} started, else (not started yet) started now.
 *
 * @example
 * getWorld().isChief; // true in one process
 */
export function getWorld(): World {
  return current ?? initWorld();
}

/** The world if it was started, without starting it (for code that must not initialise MPI as a side effect). */
export function worldIfStarted(): World | undefined {
  return current;
}
