#!/usr/bin/env node
// Builds fets' optional MPI binding (this folder's binding.gyp) with the node-gyp that ships with npm, during
// `npm install`. Like the kernels addon it never fails the install: without MPI (no mpicc: the libopenmpi-dev
// package), without a compiler or when the build breaks, it writes build/status.json with the reason;
// single-process training is unchanged, and a distributed launch stops with that reason in one line.
//
//   node packages/network/native-mpi/build.mjs    build (or rebuild) now
//   FETS_MPI_BUILD=0 npm install                  skip the build
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gypBuild } from '../scripts/gypBuild.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
gypBuild({
  dir: here,
  target: 'fets_mpi',
  skipVariable: 'FETS_MPI_BUILD',
  builtLine: (seconds) => `fets: MPI binding built (${seconds.toFixed(1)} s)`,
  failedLine: (reason) => `fets: MPI binding not built: ${reason}. Training runs in one process (mpirun needs it).`,
  // No MPI compiler wrapper: MPI's development files are not installed. Say which package brings them.
  precheck: () =>
    spawnSync(process.execPath, [path.join(here, 'mpiflags.mjs'), 'compile'], { encoding: 'utf8' }).status === 0
      ? undefined
      : 'no MPI development files (mpicc not found; install libopenmpi-dev)',
});
