// A real headless Chromium for the report tests: Debian's `chromium` package driven by playwright-core.
// When the browser is missing, root installs it with apt-get (CI runs as root); anyone else gets an error that
// says how to install it. The test never skips.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Run a command with its output shown (apt-get's progress belongs in the CI log); reject on a non-zero exit. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code ?? signal})`)),
    );
  });
}

/** Install time: apt-get update + chromium with its dependencies can take minutes on a fresh machine. */
export const CHROMIUM_INSTALL_TIMEOUT_MS = 20 * 60_000;

export async function ensureChromium(): Promise<string> {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${CHROMIUM_PATH} is missing and this test is not running as root, so it cannot install it. ` +
        'Install Debian\'s chromium first: sudo apt-get update && sudo apt-get install -y chromium',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], env);
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], env);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get install chromium finished but ${CHROMIUM_PATH} is still missing`);
  return CHROMIUM_PATH;
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
