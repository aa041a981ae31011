/**
 * Quiet hours in the web UI: an admin switches them on in Settings → Delivery (a window from a
 * time to itself refused at its input, nothing saved; then saved with a fallback zone), and
 * gives one recipient a window of their own, then none. Chromium drives the built web UI,
 * served by a real Herald process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliverySettings, Recipient } from '@herald/shared';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';
import { switchOn } from '../support/mantine-inputs.ts';

describeWithBrowser('quiet hours in the web UI', () => {
  let herald: HeraldProcess;
  let browser: TestBrowser;

  beforeAll(async () => {
    herald = await startHerald();
    browser = await launchBrowser();
    const created = await herald.api('POST', '/api/recipients', { externalId: 'night-owl', name: 'Night Owl', email: 'owl@example.com', timezone: 'Asia/Tokyo' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
  });

  it('switches quiet hours on in Settings → Delivery, showing a window from a time to itself at its input', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'quiet-hours-settings');
    await signIn(page, herald);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Delivery' }).click();

    const card = page.getByRole('region', { name: 'Quiet hours' });
    await switchOn(card.getByRole('switch', { name: 'Hold messages during quiet hours' }));
    const start = card.getByLabel('Quiet hours start');
    const end = card.getByLabel('Quiet hours end');
    await start.fill('22:00');
    await end.fill('22:00');
    await page.getByTestId('delivery-save').click();

    await expect.poll(() => end.getAttribute('aria-invalid')).toBe('true');
    await card.getByText(/must differ from start/).waitFor();
    expect((await herald.api<DeliverySettings>('GET', '/api/settings/delivery')).body.quietHours).toBeNull();

    await end.fill('07:00');
    await card.getByTestId('quiet-hours-meaning').getByText('Quiet from 22:00 to 07:00 the next morning', { exact: false }).waitFor();
    const zone = card.getByRole('combobox', { name: 'Quiet hours zone for people without one' });
    await zone.fill('Europe/Par');
    await page.getByRole('option', { name: 'Europe/Paris' }).click();
    await page.getByTestId('delivery-save').click();
    await page.getByText('Delivery settings saved').waitFor();
    expect((await herald.api<DeliverySettings>('GET', '/api/settings/delivery')).body.quietHours).toEqual({ start: '22:00', end: '07:00', timezone: 'Europe/Paris' });
  }, 120_000);

  it('gives a recipient quiet hours of their own, then none', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    captureOnFailure(page, 'quiet-hours-recipient');
    await signIn(page, herald);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Recipients' }).click();

    const recipientOf = async () => (await herald.api<{ items: Recipient[] }>('GET', '/api/recipients?q=night-owl')).body.items[0]!;
    const edit = async () => {
      await page.getByRole('button', { name: 'Edit Night Owl' }).click();
      return page.getByRole('dialog', { name: 'Edit recipient' });
    };

    let dialog = await edit();
    await dialog.getByText('Their own', { exact: true }).click();
    await dialog.getByLabel('Their quiet hours start').fill('23:00');
    await dialog.getByLabel('Their quiet hours end').fill('06:30');
    await dialog.getByText('Quiet from 23:00 to 06:30 the next morning.').waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await recipientOf()).quietHours).toEqual({ start: '23:00', end: '06:30' });

    dialog = await edit();
    await dialog.getByText('None', { exact: true }).click();
    await dialog.getByText('Messages reach this person at any hour, whatever the settings say.').waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await recipientOf()).quietHours).toBe('none');
  }, 120_000);
});
