import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../helpers.js';

/** The `fets` bin of the repository. */
export const FETS_BIN = path.join(ROOT, 'packages/estimator/bin/fets.mjs');

/** What a finished `fets` process left. */
export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `fets` bin (`node packages/estimator/bin/fets.mjs …args`) to completion, quietly (FETS_QUIET=1 unless
 * given), and collects its output. `onStdout` sees the output as it comes (e.g. to send a signal mid-run).
 */
export function runBin(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    command?: readonly string[];
    /** Start the bin as the leader of its own process group (so a signal can go to the group, as a terminal sends it). */
    detached?: boolean;
    onStdout?: (all: string, pid: number) => void;
  } = {},
): Promise<BinResult> {
  const [cmd, ...pre] = options.command ?? [process.execPath, FETS_BIN];
  const child = spawn(cmd!, [...pre, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FETS_QUIET: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    options.onStdout?.(stdout, child.pid!);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
