/**
 * The README's quick start as a newcomer meets it: Herald started with no admin configured
 * creates admin@localhost with a generated password printed once in the log, and that
 * address and password sign in through the web UI.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';

describeWithBrowser('the first start', () => {
  let herald: HeraldProcess;
  let browser: TestBrowser;

  beforeAll(async () => {
    herald = await startHerald({ hasDefaultAdmin: true });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
  });

  it('signs in with the admin and the password the log printed', async () => {
    expect(herald.adminEmail).toBe('admin@localhost');
    expect(herald.adminPassword.length).toBeGreaterThanOrEqual(12);

    const page = await browser.newPage();
    captureOnFailure(page, 'first-start');
    await signIn(page, herald);
    await page.waitForURL(/\/schedules$/);
    await page.getByRole('heading', { level: 1, name: 'Schedules' }).waitFor();
    await page.getByRole('button', { name: 'Account menu' }).click();
    await expect.poll(() => page.getByRole('menu').textContent()).toContain('admin@localhost');
  });
});
