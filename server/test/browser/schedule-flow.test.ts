/**
 * The main path of the product, as a person takes it: sign in, write a template, schedule it
 * from its card's ⏰ button a minute ahead, and watch the email reach a real SMTP server and
 * the run turn complete on the schedule's page. Chromium drives the built web UI, served by a
 * real Herald process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const people = [
  { externalId: 'ada', email: 'ada@example.com', name: 'Ada' },
  { externalId: 'grace', email: 'grace@example.com', name: 'Grace' },
];

describeWithBrowser('scheduling a notification in the web UI', () => {
  let herald: HeraldProcess;
  let sink: SmtpSink;
  let browser: TestBrowser;

  beforeAll(async () => {
    sink = await startSmtpSink();
    herald = await startHerald({ env: { SMTP_URL: sink.url, HERALD_SCHEDULER_INTERVAL_MS: '500', HERALD_WORKER_INTERVAL_MS: '200' } });
    browser = await launchBrowser();
    const created = await herald.api('POST', '/api/recipients/bulk', { recipients: people });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
    await sink?.close();
  });

  it('sends a template scheduled from its card to every user, by email, a minute later', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'schedule-flow');
    await signIn(page, herald);

    // Write the template.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('button', { name: 'New template' }).first().click();
    const editor = page.getByRole('dialog', { name: 'New template' });
    await editor.getByLabel('Name', { exact: true }).fill('Browser welcome');
    await editor.getByLabel('Subject', { exact: true }).fill('Welcome, {{ recipient.name }}');
    await editor.getByLabel('HTML body', { exact: true }).fill('<p>Hello {{ recipient.name }}, from the browser.</p>');
    await editor.getByRole('button', { name: 'Create template' }).click();
    await editor.waitFor({ state: 'detached' });

    // Schedule it from its card, one time, at the next whole minute at least 20 s away (the
    // browser runs in UTC, so the form's zone is UTC).
    const card = page.getByRole('article', { name: 'Browser welcome' });
    await card.getByRole('button', { name: 'Schedule' }).click();
    const modal = page.getByRole('dialog', { name: /Schedule .Browser welcome./ });
    const sendAt = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const sendDate = sendAt.toISOString().slice(0, 10);
    await modal.getByLabel('Send date').fill(sendDate);
    await modal.getByLabel('Send date').press('Tab');
    await modal.getByLabel('Send time').fill(sendAt.toISOString().slice(11, 16));
    await modal.getByTestId('audience-all').click();
    // The template only has email content, so email is the channel the form picked.
    await expect.poll(() => modal.getByRole('checkbox', { name: 'Email' }).isChecked()).toBe(true);
    await modal.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);
    const scheduleId = page.url().split('/').pop()!;

    // What the API now holds is what was asked for.
    const saved = await herald.api<{ timing: unknown; audience: unknown; channels: string[]; nextRunAt: string }>('GET', `/api/notifications/scheduled/${scheduleId}`);
    expect(saved.body).toMatchObject({
      timing: { type: 'once', at: expect.stringMatching(new RegExp(`^${sendAt.toISOString().slice(0, 16)}`)) },
      audience: { type: 'all' },
      channels: ['email'],
      nextRunAt: sendAt.toISOString(),
    });

    // The emails reach the SMTP server, one per person, rendered for each.
    const messages = await sink.waitForMessages(people.length, sendAt.getTime() - Date.now() + 60_000);
    expect(messages.flatMap((message) => message.to).sort()).toEqual(people.map((person) => person.email).sort());
    expect(messages.map((message) => message.subject).sort()).toEqual(['Welcome, Ada', 'Welcome, Grace']);
    expect(messages.find((message) => message.to.includes('ada@example.com'))?.text).toContain('Hello Ada, from the browser.');

    // And the page shows the run complete, with both deliveries sent.
    // A run's row opens its deliveries, so it is a link named after the run.
    const run = page.getByRole('link', { name: /^Run of/ }).filter({ hasText: 'completed' });
    await run.waitFor({ timeout: 45_000 });
    expect(await run.textContent()).toMatch(/2\s*sent/);

    // The list of schedules shows it with its whole status word, not squeezed to "COMPL…".
    await page.getByRole('link', { name: 'Schedules', exact: true }).first().click();
    await page.waitForURL(/\/schedules$/);
    const badge = page.getByTestId('status-badge').first();
    await expect.poll(() => badge.textContent()).toBe('completed');
    expect(await badge.evaluate((element) => [...element.querySelectorAll('*'), element].every((part) => part.scrollWidth <= part.clientWidth))).toBe(true);
  }, 240_000);
});
