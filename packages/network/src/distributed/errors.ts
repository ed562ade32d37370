import { FetsError } from '@fets/pipeline';

/**
 * An MPI call failed (the communicator returns errors instead of aborting). Carries the operation, MPI's error code
 * and class, and this rank.
 *
 * @example
 * // MpiError: fets mpi MPI_Allreduce: MPI_ERR_TRUNCATE: message truncated (rank 1 of 2)
 */
export class MpiError extends FetsError {
  constructor(
    readonly operation: string,
    readonly mpiCode: number | undefined,
    readonly mpiClass: number | undefined,
    readonly rank: number,
    readonly size: number,
    message: string,
  ) {
    super(`${message} (rank ${rank} of ${size})`);
  }
}

/**
 * A distributed launch (mpirun, srun, or `--distributed`) where the MPI binding cannot run: the one line names the
 * package that is missing and the binding's own reason.
 *
 * @example
 * // MpiUnavailableError: launched by mpirun (OMPI_COMM_WORLD_SIZE=2) but fets' MPI binding is not built: no MPI development files (mpicc not found; install libopenmpi-dev)
 */
export class MpiUnavailableError extends FetsError {
  constructor(
    readonly launcher: string,
    readonly reason: string,
  ) {
    super(`launched by ${launcher} but fets' MPI binding is not available: ${reason}`);
  }
}

/**
 * Ranks disagree on something that must be equal everywhere (the model's variables, a resumed checkpoint's world
 * size): the message names what and the values.
 *
 * @example
 * // DistributedMismatchError: broadcastVariables: rank 1 has 201 variables, rank 0 has 203
 */
export class DistributedMismatchError extends FetsError {}

/** Turns an error thrown by the binding (code `ERR_FETS_MPI`) into an {@link MpiError}; other errors pass through. */
export function mpiErrorOf(e: unknown, rank: number, size: number): unknown {
  if (!(e instanceof Error) || (e as { code?: string }).code !== 'ERR_FETS_MPI') return e;
  const x = e as Error & { operation?: string; mpiCode?: number; mpiClass?: number };
  return new MpiError(x.operation ?? 'mpi', x.mpiCode, x.mpiClass, rank, size, x.message);
}
