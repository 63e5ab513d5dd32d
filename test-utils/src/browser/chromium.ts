import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium, driven by playwright-core (never a downloaded browser). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium from `/usr/bin/chromium`. Fails with a clear message when it is missing (install it with
 * `bash scripts/system-deps.sh`, as the test command does): a test that needs a browser never skips.
 * playwright-core gives each launch a fresh temporary profile (`--user-data-dir`) and removes it on close, so no
 * state (IndexedDB, Web Locks) leaks between runs. `extraArgs` adds flags (e.g. `--host-resolver-rules` to reach a
 * loopback server under a name that is not a secure context).
 */
export async function launchChromium(
  options: { readonly extraArgs?: readonly string[] } = {},
): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is required at ${CHROMIUM_PATH} for the browser tests; install it with ` +
        '`bash scripts/system-deps.sh` (Debian package `chromium`).',
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...FLAGS, ...(options.extraArgs ?? [])],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
