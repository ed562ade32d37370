import fs from 'node:fs';
import path from 'node:path';

/**
 * Why an optional addon (the kernels in native/, the MPI binding in native-mpi/) has no `.node` file: the reason its
 * install-time build wrote to build/status.json (scripts/gypBuild.mjs), else that it was never built.
 *
 * In: the addon's folder, the missing file, what to install first (e.g. `install libopenmpi-dev, then `). Out: one line.
 */
export function notBuiltReason(dir: string, file: string, installFirst = ''): string {
  try {
    const status = JSON.parse(fs.readFileSync(path.join(dir, 'build', 'status.json'), 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok === false && status.reason) return `the install-time build failed: ${status.reason}`;
  } catch {
    // No status: the build never ran (installed with --ignore-scripts, or a copy of the sources).
  }
  return `not built (no ${file}; ${installFirst}run \`node ${path.join(dir, 'build.mjs')}\`)`;
}
