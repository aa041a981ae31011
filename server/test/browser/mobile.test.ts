/**
 * Herald on a phone (390×844, an iPhone 12-14 screen): the menu opens and reaches every main
 * page, none of them is wider than the screen, and the schedule modal shows its fields and
 * saves.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';

const phone = { width: 390, height: 844 };
/** The pages of the main navigation, as an admin sees them. */
const mainPages = [
  { label: 'Schedules', path: '/schedules' },
  { label: 'Templates', path: '/templates' },
  { label: 'Recipients', path: '/recipients' },
  { label: 'Segments', path: '/segments' },
  { label: 'Settings', path: '/settings' },
];

/** How far the page is wider than the screen, in CSS pixels (0 when nothing sticks out). */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** True when the element is on screen, inside the viewport's width (a drawer slid away is not). */
async function isWithinWidth(page: Page, locator: ReturnType<Page['locator']>): Promise<boolean> {
  const box = await locator.boundingBox();
  return box !== null && box.x >= 0 && box.x + box.width <= phone.width + 1 && box.width > 0 && box.height > 0;
}

describeWithBrowser('Herald on a phone', () => {
  let herald: HeraldProcess;
  let browser: TestBrowser;

  beforeAll(async () => {
    herald = await startHerald();
    browser = await launchBrowser();
    const template = await herald.api('POST', '/api/notifications/templates', {
      name: 'Pocket reminder',
      description: 'A short reminder that reads well on a phone.',
      content: { email: { subject: 'Reminder for {{ recipient.name }}', html: '<p>Do not forget.</p>' } },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const recipients = await herald.api('POST', '/api/recipients/bulk', { recipients: [{ externalId: 'phone-user', email: 'phone@example.com', name: 'Phone user' }] });
    expect(recipients.status, JSON.stringify(recipients.body)).toBeLessThan(300);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
  });

  it('reaches every main page through the menu, and each fits the screen', async () => {
    const page = await browser.newPage(phone);
    captureOnFailure(page, 'mobile-pages');
    await signIn(page, herald);

    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    for (const { label, path } of mainPages) {
      // On a phone the navigation waits off screen, behind the burger.
      const link = nav.getByRole('link', { name: label });
      expect(await isWithinWidth(page, link), `the ${label} link shows before the menu is opened`).toBe(false);
      await page.getByRole('button', { name: 'Open navigation' }).click();
      await expect.poll(() => isWithinWidth(page, link)).toBe(true);
      await link.click();

      await page.waitForURL(new RegExp(`${path}$`));
      await page.getByRole('heading', { level: 1, name: label }).waitFor();
      // Choosing a page closes the menu again, so it does not cover the content.
      await expect.poll(() => isWithinWidth(page, link)).toBe(false);
      // Lists load after the heading; measure once the page has settled.
      await page.waitForLoadState('networkidle');
      expect(await horizontalOverflow(page), `${label} is wider than the phone`).toBeLessThanOrEqual(0);
    }
  });

  it('shows template cards whose actions fit the screen', async () => {
    const page = await browser.newPage(phone);
    captureOnFailure(page, 'mobile-templates');
    await signIn(page, herald);
    await page.goto(`${herald.url}/templates`);
    const card = page.getByRole('article', { name: 'Pocket reminder' });
    await card.waitFor();
    expect(await isWithinWidth(page, card)).toBe(true);
    expect(await isWithinWidth(page, card.getByRole('button', { name: 'Schedule' }))).toBe(true);
    expect(await isWithinWidth(page, page.getByRole('button', { name: 'New template' }).first())).toBe(true);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });

  it('shows every field of the schedule modal on the screen and saves the schedule', async () => {
    const page = await browser.newPage(phone);
    captureOnFailure(page, 'mobile-schedule-modal');
    await signIn(page, herald);
    await page.goto(`${herald.url}/templates`);
    await page.getByRole('article', { name: 'Pocket reminder' }).getByRole('button', { name: 'Schedule' }).click();

    const modal = page.getByRole('dialog', { name: /Schedule .Pocket reminder./ });
    await modal.waitFor();
    const fields = [
      modal.getByLabel('Name', { exact: true }),
      modal.getByLabel('Send date'),
      modal.getByLabel('Send time'),
      modal.getByTestId('audience-all'),
      modal.getByRole('checkbox', { name: 'Email' }),
      modal.getByRole('button', { name: 'Create schedule' }),
    ];
    for (const field of fields) {
      await field.scrollIntoViewIfNeeded();
      expect(await isWithinWidth(page, field), `${field} is not within the phone's width`).toBe(true);
    }
    expect(await modal.evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(0);

    // Fill it the way a thumb would, and save: tomorrow at 09:30 (UTC, the browser's zone).
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await modal.getByLabel('Name', { exact: true }).fill('Phone reminder');
    await modal.getByLabel('Send date').fill(tomorrow);
    await modal.getByLabel('Send date').press('Tab');
    await modal.getByLabel('Send time').fill('09:30');
    await modal.getByTestId('audience-all').click();
    await modal.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);

    const scheduleId = page.url().split('/').pop()!;
    const saved = await herald.api<{ name: string; nextRunAt: string; audience: unknown }>('GET', `/api/notifications/scheduled/${scheduleId}`);
    expect(saved.body).toMatchObject({ name: 'Phone reminder', nextRunAt: `${tomorrow}T09:30:00.000Z`, audience: { type: 'all' } });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });
});
