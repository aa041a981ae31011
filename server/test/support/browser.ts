/**
 * A real browser for the UI tests: Playwright driving Debian's Chromium. Locally, a machine
 * without Chromium skips the browser suites with a message saying how to get it; in CI
 * (CI=true) a missing Chromium fails them, so a green CI always means the UI was driven.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, onTestFailed } from 'vitest';
import type { HeraldProcess } from './herald-process.ts';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const isCi = process.env.CI === 'true' || process.env.CI === '1';
/** True when Chromium is installed where the tests look for it. */
export const hasChromium = fs.existsSync(chromiumPath);
const missingMessage = `Chromium is not installed at ${chromiumPath}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH).`;

/**
 * `describe` for browser suites: runs them when Chromium is there or in CI (where a missing
 * Chromium must fail), and skips them with a clear message otherwise.
 */
export const describeWithBrowser = hasChromium || isCi ? describe : describe.skip;
if (!hasChromium && !isCi) console.warn(`\n!! Browser tests skipped. ${missingMessage}\n`);

// The flags Chromium needs on a machine with no network but loopback, running as root:
// without the background-networking ones it keeps dialing out (and failing) at every start.
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export type TestBrowser = {
  /** a fresh page in its own context (cookies not shared), at the given viewport */
  newPage: (viewport?: { width: number; height: number }) => Promise<Page>;
  browser: Browser;
  close: () => Promise<void>;
};

/** Launches headless Chromium with a fresh, empty profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!hasChromium) throw new Error(missingMessage);
  // Playwright gives each launch a new temporary --user-data-dir of its own and removes it on
  // close (it refuses one passed in args), so no state leaks from one run to the next.
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    newPage: async (viewport = { width: 1280, height: 800 }) => {
      const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      return context.newPage();
    },
    close: async () => {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
    },
  };
}

/** Signs in through the web UI's form as the process's admin and waits until the app shows. */
export async function signIn(page: Page, herald: Pick<HeraldProcess, 'url' | 'adminEmail' | 'adminPassword'>): Promise<void> {
  await page.goto(`${herald.url}/`);
  await page.getByLabel('Email').fill(herald.adminEmail);
  await page.getByLabel('Password').fill(herald.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The sign-in form is gone once the app has taken over.
  await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'detached' });
}

/**
 * Saves a screenshot and the page's URL under test-results/ when the current test fails, so
 * a failure in CI shows what the browser showed. Call it inside the test, after newPage().
 */
export function captureOnFailure(page: Page, name: string): void {
  onTestFailed(async () => {
    const dir = path.resolve(import.meta.dirname, '../../test-results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    console.error(`Browser at ${page.url()} when the test failed; screenshot: ${file}`);
  });
}
