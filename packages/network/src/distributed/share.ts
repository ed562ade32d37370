import os from 'node:os';
import type { World } from './world.js';

/**
 * The kernel threads one rank uses by default: its share of this machine's cores among the ranks that run here
 * (at least 1), so N ranks on one machine do not oversubscribe it. `FETS_THREADS` still overrides it.
 *
 * @example
 * threadsPerRank({ localSize: 2 } as World, 8); // 4
 */
export function threadsPerRank(world: Pick<World, 'localSize'>, cpus: number = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cpus / Math.max(1, world.localSize)));
}

/**
 * The part of the backend line that names the world, printed once by rank 0:
 * `data-parallel over 2 ranks (Open MPI v4.1.4, launched by mpirun (OMPI_COMM_WORLD_SIZE=2); 2 on this machine)`.
 */
export function describeWorld(world: World): string {
  const lib = world.info?.library ?? 'MPI';
  const by = world.launch ? `, launched by ${world.launch.launcher}` : '';
  return `data-parallel over ${world.size} ranks (${lib}${by}; ${world.localSize} on this machine)`;
}
