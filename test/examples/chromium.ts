import { existsSync } from 'node:fs';

/** Debian's Chromium (`apt-get install chromium`), or the browser `FETS_CHROMIUM` names. */
export const CHROMIUM = process.env.FETS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * For a `before` hook: skips the suite when there is no browser, or fails it when `FETS_REQUIRE_BROWSER=1` (CI
 * installs Debian's chromium in .ci/run and requires it).
 */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.FETS_REQUIRE_BROWSER === '1') throw new Error(`no browser at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`    (no browser at ${CHROMIUM}: apt-get install chromium, or set FETS_CHROMIUM)`);
  ctx.skip();
}

/**
 * Chromium headless through playwright-core, with the flags this machine's closed network needs (no background
 * connections, no component updates, no sync) and no GPU.
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
