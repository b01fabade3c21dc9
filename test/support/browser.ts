/**
 * Debian's Chromium driven by puppeteer-core (R12): the system binary, headless, with a fresh
 * profile that is removed on close. No browser is downloaded; without /usr/bin/chromium the browser
 * suite says it skipped (and fails under CI=true, where scripts/ci-deps.sh installs it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const chromiumPath = '/usr/bin/chromium';

export function chromiumPresent(): boolean {
  return existsSync(chromiumPath);
}

export interface TestBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'palette-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    // The flags of R12, exactly; puppeteer adds only its DevTools pipe.
    headless: false,
    ignoreDefaultArgs: true,
    pipe: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    timeout: 30_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
