/**
 * The delivery engine as an admin watches and steers it: a per-channel rate limit set in
 * Settings → Delivery (a bad burst size refused at its input, nothing saved), then the Queue
 * page counting a run held back by its own limit and two webhooks a real receiver refused for
 * good, and those dead letters sent again from the page (one by its row's button, the other by
 * "Retry all shown") once the receiver takes them. Chromium drives the built web UI, served by a
 * real Herald process; the webhooks go to a real HTTP server on loopback.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliverySettings } from '@herald/shared';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';
import { switchOn } from '../support/mantine-inputs.ts';
import { startHttpReceiver, type HttpReceiver, type Reply } from '../support/http-receiver.ts';

const people = [
  { externalId: 'ada', email: 'ada@example.com', name: 'Ada' },
  { externalId: 'grace', email: 'grace@example.com', name: 'Grace' },
  { externalId: 'edsger', email: 'edsger@example.com', name: 'Edsger' },
];
const refused: Reply = { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"unknown account"}' };
const accepted: Reply = { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };

/** The number a status tile of the Queue page shows (it refreshes every few seconds). */
async function tileCount(page: Page, status: string): Promise<number> {
  const text = await page.getByTestId(`status-${status}`).textContent();
  return Number((text ?? '').replace(/\D/g, ''));
}

/** The cells of a row of one of the Queue page's count tables, by the row's name. */
async function countRow(table: Locator, name: string): Promise<string[]> {
  return table.getByRole('row').filter({ hasText: name }).getByRole('cell').allTextContents();
}

describeWithBrowser('the delivery settings and the queue in the web UI', () => {
  let herald: HeraldProcess;
  let hooks: HttpReceiver;
  let browser: TestBrowser;
  let recipientIds: string[];

  beforeAll(async () => {
    hooks = await startHttpReceiver(() => refused);
    herald = await startHerald({ env: { HERALD_SCHEDULER_INTERVAL_MS: '500', HERALD_WORKER_INTERVAL_MS: '200' } });
    browser = await launchBrowser();
    const created = await herald.api<{ items?: Array<{ id: string }> }>('POST', '/api/recipients/bulk', { recipients: people });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const listed = await herald.api<{ items: Array<{ id: string; externalId: string }> }>('GET', '/api/recipients?limit=10');
    recipientIds = people.map((person) => listed.body.items.find((item) => item.externalId === person.externalId)!.id);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await hooks?.close();
  });

  /** Creates a template and a schedule through the API and sends it now; returns the schedule's id. */
  async function sendNow(name: string, content: Record<string, unknown>, schedule: Record<string, unknown>): Promise<string> {
    const template = await herald.api<{ id: string }>('POST', '/api/notifications/templates', { name, content });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const created = await herald.api<{ id: string }>('POST', '/api/notifications/scheduled', {
      name,
      templateId: template.body.id,
      timezone: 'UTC',
      timing: { type: 'once', at: '2031-01-01T09:00' },
      ...schedule,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const run = await herald.api('POST', `/api/notifications/scheduled/${created.body.id}/send-now`);
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    return created.body.id;
  }

  it('sets an SMS rate limit in Settings, showing a bad burst size at its input', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'queue-settings');
    await signIn(page, herald);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Delivery' }).click();

    const sms = page.getByTestId('limit-sms');
    await switchOn(sms.getByRole('switch', { name: 'Limit SMS' }));
    await sms.getByLabel('SMS: per minute').fill('10');
    await switchOn(sms.getByRole('switch', { name: 'SMS: allow bursts' }));
    const burst = sms.getByLabel('SMS: burst size');
    await burst.fill('20');
    await page.getByTestId('delivery-save').click();

    // Refused at the input that is wrong, and nothing saved.
    await expect.poll(() => burst.getAttribute('aria-invalid')).toBe('true');
    await sms.getByText('must not exceed maxPerMinute (10)').waitFor();
    const unsaved = await herald.api<DeliverySettings>('GET', '/api/settings/delivery');
    expect(unsaved.body.rateLimits.channels.sms).toBeUndefined();

    // Fixed, it saves, and the limit's usage shows under it.
    await burst.fill('5');
    expect(await burst.getAttribute('aria-invalid')).not.toBe('true');
    await page.getByTestId('delivery-save').click();
    await page.getByText('Delivery settings saved').waitFor();
    const saved = await herald.api<DeliverySettings>('GET', '/api/settings/delivery');
    expect(saved.body.rateLimits.channels.sms).toEqual({ maxPerMinute: 10, maxPerHour: null, maxPerDay: null, burstAllowed: true, burstMax: 5 });
    await expect.poll(() => sms.getByTestId('usage-count').first().textContent(), { timeout: 15_000 }).toBe('0 / 10');
  }, 120_000);

  it('counts the queue, lists the dead letters with their reason, and sends them again', async () => {
    // Two webhooks the receiver refuses for good (HTTP 400 is permanent: no retry), and an
    // in-app run its own limit of one a minute holds back.
    const webhookScheduleId = await sendNow('Partner sync', { webhook: { url: `${hooks.url}/accounts`, body: '{"name": {{ recipient.name | json }}}' } }, {
      audience: { type: 'test', recipientIds: recipientIds.slice(0, 2) },
      channels: ['webhook'],
      priority: 'high',
    });
    await sendNow('Slow digest', { inapp: { title: 'Digest for {{ recipient.name }}', body: 'This week' } }, {
      audience: { type: 'test', recipientIds },
      channels: ['inapp'],
      rateLimit: { maxPerMinute: 1 },
    });
    await expect.poll(async () => {
      const letters = await herald.api<{ total: number }>('GET', `/api/queue/dead-letters?scheduleId=${webhookScheduleId}`);
      return letters.body.total;
    }, { timeout: 20_000 }).toBe(2);

    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'queue-page');
    await signIn(page, herald);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Queue' }).click();
    await page.waitForURL(/\/queue$/);

    // Counts by status, priority and channel.
    await expect.poll(() => tileCount(page, 'failed'), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => tileCount(page, 'queued'), { timeout: 20_000 }).toBe(2);
    expect(await tileCount(page, 'sent')).toBe(1);
    expect(await countRow(page.getByTestId('queue-by-priority'), 'normal')).toEqual(['2', '0', '2', '0', '0']);
    expect(await countRow(page.getByTestId('queue-by-channel'), 'Webhook')).toEqual(['0', '0', '0', '0', '2']);
    expect(await countRow(page.getByTestId('queue-by-channel'), 'In-app')).toEqual(['2', '1', '1', '0', '0']);

    // The held-back run, with how far along it is and when it should be done.
    const running = page.getByRole('row', { name: 'Run of Slow digest' });
    await running.waitFor();
    expect(await running.textContent()).toMatch(/1 done · 2 to go/);
    expect(await running.textContent()).toMatch(/1\/min/);
    expect(await running.getByTestId('run-finish').textContent()).toMatch(/^in \d+ (minute|minutes|seconds?)$/);

    // The dead letters, each with the receiver's answer as its reason.
    const letters = page.getByTestId('dead-letters');
    await expect.poll(() => letters.getByTestId('dead-letter-reason').allTextContents()).toEqual([
      expect.stringMatching(/HTTP 400.*unknown account/),
      expect.stringMatching(/HTTP 400.*unknown account/),
    ]);

    // The receiver takes them now: one sent again by its row's button, the other with "Retry all shown".
    hooks.respond(() => accepted);
    await page.getByRole('button', { name: 'Retry the delivery to ada' }).click();
    await page.getByText('Delivery to ada is queued again').waitFor();
    await expect.poll(() => letters.getByRole('row').filter({ hasText: 'ada' }).count(), { timeout: 20_000 }).toBe(0);
    await page.getByTestId('retry-shown').click();
    await page.getByText('1 delivery queued again').waitFor();
    await page.getByText('No dead letters').waitFor({ timeout: 20_000 });
    await expect.poll(() => tileCount(page, 'failed'), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => tileCount(page, 'sent'), { timeout: 20_000 }).toBe(3);

    const delivered = hooks.requests.filter((request) => request.url === '/accounts');
    expect(delivered).toHaveLength(4); // two refused, then the same two accepted
    const names = delivered.map((request) => (JSON.parse(request.body.toString('utf8')) as { payload: { name: string } }).payload.name);
    expect(names.slice(2).sort()).toEqual(['Ada', 'Grace']);
  }, 120_000);

  it('fits the Queue page and the delivery settings on a phone', async () => {
    const page = await browser.newPage({ width: 390, height: 844 });
    captureOnFailure(page, 'queue-phone');
    await signIn(page, herald);
    for (const path of ['/queue', '/settings?tab=delivery']) {
      await page.goto(`${herald.url}${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await (path === '/queue' ? page.getByTestId('status-sent') : page.getByTestId('limit-sms')).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), path).toBe(0);
    }
  }, 60_000);
});
