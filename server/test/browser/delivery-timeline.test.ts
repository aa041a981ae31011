/**
 * A delivery's timeline as an admin opens it: after a real send (an email that reaches a real
 * SMTP server), the delivery's row on the schedule's page opens a drawer that reads queued, then
 * sent, each with its time and the send with its channel and attempt; from the keyboard on a
 * desktop, and by a tap on a 390 px phone, where the drawer fits the screen. Chromium drives the
 * built web UI, served by a real Herald process.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const person = { externalId: 'ada', email: 'ada@example.com', name: 'Ada' };

/** The types of the timeline's events, in the order shown. */
async function eventTypes(drawer: Locator): Promise<Array<string | null>> {
  return drawer.getByTestId('delivery-event').evaluateAll((events) => events.map((event) => event.getAttribute('data-type')));
}

/** The queued and the sent event, once the timeline shows both. */
async function expectQueuedThenSent(drawer: Locator): Promise<void> {
  await expect.poll(() => eventTypes(drawer), { timeout: 20_000 }).toEqual(['queued', 'sent']);
  const [queued, sent] = await drawer.getByTestId('delivery-event').all();
  expect(await queued!.textContent()).toMatch(/Channels\s*Email/);
  expect(await sent!.textContent()).toMatch(/Email/);
  expect(await sent!.textContent()).toMatch(/Attempt\s*1/);
  // each with its instant, to the second, in the viewer's zone (the browser runs in UTC)
  for (const event of [queued!, sent!]) {
    const time = event.locator('time');
    expect(Number.isNaN(Date.parse((await time.getAttribute('datetime')) ?? ''))).toBe(false);
    expect(await time.textContent()).toMatch(/\d\d:\d\d:\d\d.*UTC/);
  }
}

describeWithBrowser('a delivery\'s timeline in the web UI', () => {
  let herald: HeraldProcess;
  let sink: SmtpSink;
  let browser: TestBrowser;
  let scheduleId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    herald = await startHerald({ env: { SMTP_URL: sink.url, HERALD_SCHEDULER_INTERVAL_MS: '500', HERALD_WORKER_INTERVAL_MS: '200' } });
    browser = await launchBrowser();
    const created = await herald.api('POST', '/api/recipients/bulk', { recipients: [person] });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const template = await herald.api<{ id: string }>('POST', '/api/notifications/templates', {
      name: 'Timeline note',
      content: { email: { subject: 'Hello {{ recipient.name }}', html: '<p>Hello {{ recipient.name }}.</p>' } },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const schedule = await herald.api<{ id: string }>('POST', '/api/notifications/scheduled', {
      name: 'Timeline note',
      templateId: template.body.id,
      timezone: 'UTC',
      timing: { type: 'once', at: '2031-01-01T09:00' },
      audience: { type: 'all' },
      channels: ['email'],
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    scheduleId = schedule.body.id;
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await sink?.close();
  });

  async function openSchedule(page: Page): Promise<void> {
    await signIn(page, herald);
    await page.goto(`${herald.url}/schedules/${scheduleId}`);
    await page.getByRole('heading', { level: 1, name: 'Timeline note' }).waitFor();
  }

  it('opens a sent delivery\'s timeline from its row with the keyboard: queued, then sent', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'delivery-timeline');
    await openSchedule(page);

    // Sent from the page, to a real SMTP server.
    await page.getByRole('button', { name: 'Send now' }).first().click();
    const [message] = await sink.waitForMessages(1, 30_000);
    expect(message!.to).toEqual([person.email]);

    const row = page.getByTestId('deliveries').getByRole('link', { name: `Delivery to ${person.email}` });
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/sent/);
    await row.focus();
    await page.keyboard.press('Enter');

    const drawer = page.getByRole('dialog', { name: `Delivery to ${person.email}` });
    await drawer.waitFor();
    await expectQueuedThenSent(drawer);
    expect(await drawer.getByTestId('delivery-now').textContent()).toMatch(/sent/);

    // Escape closes it, and the row is there to open again.
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    await row.click();
    await expectQueuedThenSent(page.getByRole('dialog', { name: `Delivery to ${person.email}` }));
  }, 120_000);

  it('opens it by a tap on a phone, where the drawer fills the screen and nothing sticks out', async () => {
    const phone = { width: 390, height: 844 };
    const page = await browser.newPage(phone);
    captureOnFailure(page, 'delivery-timeline-phone');
    await openSchedule(page);

    // On a phone each delivery is a card whose title opens it.
    await page.getByRole('button', { name: `Open Delivery to ${person.email}` }).click();
    const drawer = page.getByRole('dialog', { name: `Delivery to ${person.email}` });
    await drawer.waitFor();
    await expectQueuedThenSent(drawer);
    // once it has slid in, it spans the screen from edge to edge
    await expect.poll(async () => {
      const box = await drawer.boundingBox();
      return box && [Math.round(box.x), Math.round(box.x + box.width)];
    }).toEqual([0, phone.width]);
    expect(await drawer.evaluate((element) => element.scrollWidth - element.clientWidth)).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  }, 120_000);
});
