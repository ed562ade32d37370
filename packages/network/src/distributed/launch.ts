/** How this process was started with respect to MPI. */
export interface Launch {
  /** What started it: `mpirun (OMPI_COMM_WORLD_SIZE=2)`, `srun (PMI_SIZE=4)`, `--distributed`, … */
  launcher: string;
  /** The world size the launcher announced (undefined when only `--distributed` says so). */
  size: number | undefined;
}

/** Environment variables that MPI launchers set, with the name of the launcher, in the order they are checked. */
const SIZE_VARIABLES: readonly (readonly [string, string])[] = [
  ['OMPI_COMM_WORLD_SIZE', 'mpirun'],
  ['PMIX_SIZE', 'a PMIx launcher'],
  ['PMI_SIZE', 'srun'],
  ['SLURM_NTASKS', 'srun'],
  ['MPI_LOCALNRANKS', 'mpiexec'],
];

/**
 * Whether fets runs under an MPI launcher: its environment (Open MPI's `OMPI_COMM_WORLD_SIZE`, PMIx's `PMIX_RANK`,
 * Slurm's `PMI_SIZE`/`SLURM_NTASKS` with a step id, MPICH's `PMI_RANK`) or `--distributed` among the arguments, or
 * `FETS_DISTRIBUTED=1`. A launch of size 1 counts (one rank still behaves as rank 0 of a world). Undefined: not
 * distributed.
 *
 * @example
 * detectLaunch({ OMPI_COMM_WORLD_SIZE: '2' }, []); // { launcher: 'mpirun (OMPI_COMM_WORLD_SIZE=2)', size: 2 }
 */
export function detectLaunch(
  env: NodeJS.ProcessEnv = typeof process === 'undefined' ? {} : process.env,
  argv: readonly string[] = typeof process === 'undefined' ? [] : process.argv,
): Launch | undefined {
  for (const [name, launcher] of SIZE_VARIABLES) {
    const v = env[name];
    // SLURM_NTASKS is also set inside an salloc shell: only a job step (srun) runs ranks.
    if (name === 'SLURM_NTASKS' && env.SLURM_STEP_ID === undefined) continue;
    if (v !== undefined && /^\d+$/.test(v)) return { launcher: `${launcher} (${name}=${v})`, size: Number(v) };
  }
  if (env.PMIX_RANK !== undefined) return { launcher: `a PMIx launcher (PMIX_RANK=${env.PMIX_RANK})`, size: undefined };
  if (env.PMI_RANK !== undefined) return { launcher: `a PMI launcher (PMI_RANK=${env.PMI_RANK})`, size: undefined };
  if (argv.includes('--distributed')) return { launcher: '--distributed', size: undefined };
  if (['1', 'true', 'yes'].includes((env.FETS_DISTRIBUTED ?? '').toLowerCase())) return { launcher: 'FETS_DISTRIBUTED=1', size: undefined };
  return undefined;
}
