#!/usr/bin/env node
// Prints the compiler or linker flags of the MPI installed here, for binding.gyp (`node mpiflags.mjs compile|link`):
// Open MPI's `mpicc -showme:compile|link`, else MPICH's `mpicc -compile_info|-link_info` (minus the compiler name).
// Exits non-zero with one line on stderr when there is no mpicc, so build.mjs can say which package is missing.
import { spawnSync } from 'node:child_process';

const what = process.argv[2] === 'link' ? 'link' : 'compile';
const mpicc = process.env.MPICC || 'mpicc';

function run(args) {
  const r = spawnSync(mpicc, args, { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

let flags = run([`-showme:${what}`]);
if (flags === undefined) {
  const info = run([what === 'link' ? '-link_info' : '-compile_info']);
  // MPICH prints the whole command: drop the compiler and keep -I/-L/-l/-Wl flags.
  if (info) flags = info.split(/\s+/).filter((f) => /^-(I|L|l|Wl|D|pthread)/.test(f)).join(' ');
}
if (flags === undefined) {
  process.stderr.write(`${mpicc} not found or not an MPI compiler wrapper (install libopenmpi-dev)\n`);
  process.exit(1);
}
// Only the flags node-gyp needs: include paths and defines to compile; library paths, libraries and rpaths to link.
const keep = what === 'link' ? /^-(L|l|Wl|pthread)/ : /^-(I|D|pthread)/;
process.stdout.write(flags.split(/\s+/).filter((f) => keep.test(f)).join(' '));
