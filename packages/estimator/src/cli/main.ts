/**
 * Entry point of the `fets` command line (see commands.ts). Run through `bin/fets.mjs`, which starts Node with tsx and
 * the `fets-source` condition so experiment files can be TypeScript. Exits with runCli's code: the explicit exit also
 * stops backend worker threads and timers that would keep the process alive.
 */
import { runCli } from './commands.js';

process.exit(await runCli(process.argv.slice(2)));
