// A real headless Chromium for the report tests: Debian's `chromium` package driven by playwright-core.
// When the browser is missing, root installs it with apt-get (CI runs as root); anyone else gets an error that
// says how to install it. The test never skips.
import { ensureDebianPackage } from '../fixtures/debian-package.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Install time: apt-get update + chromium with its dependencies can take minutes on a fresh machine. */
export const CHROMIUM_INSTALL_TIMEOUT_MS = 20 * 60_000;

export function ensureChromium(): Promise<string> {
  return ensureDebianPackage('chromium', CHROMIUM_PATH);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launch with a fresh profile directory and no background traffic; close() removes the profile. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'routebench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
