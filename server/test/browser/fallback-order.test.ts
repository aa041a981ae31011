/**
 * A fallback chain as an admin sets it up: in the schedule modal, "First that works", the
 * webhook dragged by its grip above the in-app inbox, a retry policy of its own; the API holds
 * that order, the schedule's page shows it with arrows, and a send carries it out: the
 * recipient whose receiver answers 503 gets the message in the inbox instead, once, and the
 * other one by webhook. Chromium drives the built web UI, served by a real Herald process; the
 * receiver is a real HTTP server on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';

type Delivery = { recipientExternalId: string; status: string; channel: string | null; attempts: number };

describeWithBrowser('a fallback order in the web UI', () => {
  let herald: HeraldProcess;
  let browser: TestBrowser;
  let receiver: http.Server;
  const received: string[] = [];

  beforeAll(async () => {
    // Answers 200 at /up and 503 at /down, and notes every request's path.
    receiver = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(request.url ?? '');
        response.statusCode = request.url?.startsWith('/down') ? 503 : 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    herald = await startHerald({ env: { HERALD_SCHEDULER_INTERVAL_MS: '500', HERALD_WORKER_INTERVAL_MS: '200' } });
    browser = await launchBrowser();
    const created = await herald.api('POST', '/api/recipients/bulk', {
      recipients: [
        { externalId: 'ada', email: 'ada@example.com', name: 'Ada', attributes: { webhookUrl: `${receiverUrl}/up/ada` } },
        { externalId: 'grace', email: 'grace@example.com', name: 'Grace', attributes: { webhookUrl: `${receiverUrl}/down/grace` } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const template = await herald.api('POST', '/api/notifications/templates', {
      name: 'Order shipped',
      content: {
        inapp: { title: 'Shipped', body: 'Your order is on its way, {{ recipient.name }}.' },
        webhook: { body: '{"event": "shipped", "name": {{ recipient.name | json }}}' },
      },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('saves the order dragged in the modal, shows it, and sends down it', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'fallback-order');
    await signIn(page, herald);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('article', { name: 'Order shipped' }).getByRole('button', { name: 'Schedule' }).click();
    const modal = page.getByRole('dialog', { name: /Schedule .Order shipped./ });
    await modal.getByLabel('Send date').fill('2031-01-01');
    await modal.getByLabel('Send date').press('Tab');
    await modal.getByTestId('audience-all').click();
    // Both channels of the template are picked; the chain starts in the usual order.
    await expect.poll(() => modal.getByRole('checkbox', { name: 'Webhook' }).isChecked()).toBe(true);
    await modal.getByText('First that works', { exact: true }).click();
    const order = modal.getByRole('list', { name: 'Fallback order' });
    const chain = () => order.getByRole('listitem').allTextContents();
    await expect.poll(chain).toEqual([expect.stringContaining('In-app'), expect.stringContaining('Webhook')]);

    // Drag the webhook by its grip above the inbox.
    const grip = modal.getByRole('button', { name: 'Drag Webhook' });
    await grip.scrollIntoViewIfNeeded();
    const from = (await grip.boundingBox())!;
    const to = (await order.getByRole('listitem').first().boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2, to.y + to.height * 0.25, { steps: 12 });
    await page.mouse.move(from.x + from.width / 2, to.y + 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(chain).toEqual([expect.stringContaining('Webhook'), expect.stringContaining('In-app')]);

    // One attempt a channel: a refusal moves on to the next channel at once.
    await modal.getByRole('switch', { name: 'Own retry policy' }).check({ force: true });
    await modal.getByLabel('Schedule: attempts').fill('1');
    await expect.poll(() => modal.getByTestId('retry-delays').textContent()).toMatch(/^No retry/);
    await modal.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);
    const scheduleId = page.url().split('/').pop()!;

    const saved = await herald.api<{ channels: string[]; channelMode: string; retryPolicy: { maxAttempts: number } | null }>('GET', `/api/notifications/scheduled/${scheduleId}`);
    expect(saved.body).toMatchObject({ channels: ['webhook', 'inapp'], channelMode: 'fallback', retryPolicy: { maxAttempts: 1 } });

    // The page shows the chain in its order, and the schedule's own retry policy.
    const shown = page.getByRole('list', { name: 'Fallback order' });
    await expect.poll(() => shown.getByRole('listitem').allTextContents()).toEqual(['Webhook', 'In-app']);
    await expect.poll(() => page.getByText('The first that works, in this order').count()).toBe(1);
    await expect.poll(() => page.getByText(/^1 attempt\. No retry/).count()).toBe(1);

    // Send it now: Ada by webhook; Grace's receiver refuses, so the inbox carries hers.
    await page.getByRole('button', { name: 'Send now' }).first().click();
    const run = page.getByRole('link', { name: /^Run of/ }).filter({ hasText: 'completed' });
    await run.waitFor({ timeout: 45_000 });
    const runs = await herald.api<{ items: Array<{ id: string }> }>('GET', `/api/notifications/scheduled/${scheduleId}/runs`);
    const deliveries = await herald.api<{ items: Delivery[] }>('GET', `/api/notifications/scheduled/${scheduleId}/runs/${runs.body.items[0]!.id}/deliveries`);
    const outcome = Object.fromEntries(deliveries.body.items.map((delivery) => [delivery.recipientExternalId, [delivery.status, delivery.channel, delivery.attempts]]));
    expect(outcome).toEqual({ ada: ['sent', 'webhook', 1], grace: ['sent', 'inapp', 2] });
    expect(received.sort()).toEqual(['/down/grace', '/up/ada']);

    // Each channel's results, side by side: one sent on each, the webhook with its refusal.
    const comparison = page.getByTestId('channel-comparison');
    await expect.poll(() => comparison.getByRole('row', { name: /In-app/ }).textContent(), { timeout: 15_000 }).toMatch(/In-app\s*1\s*0/);
    expect(await comparison.getByRole('row', { name: /Webhook/ }).textContent()).toMatch(/Webhook\s*1\s*1/);
  }, 120_000);
});
