/**
 * The segment builder as a person uses it: build a segment of two groups in the visual
 * builder, move a criterion from one group into the other by drag and drop (react-dnd's HTML5
 * backend, driven by real mouse events), watch the count follow, save it, and schedule a
 * template to it from the schedule modal's segment picker. Chromium drives the built web UI,
 * served by a real Herald process.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureOnFailure, describeWithBrowser, launchBrowser, signIn, type TestBrowser } from '../support/browser.ts';
import { startHerald, type HeraldProcess } from '../support/herald-process.ts';

// pro in Paris: ada, barbara; pro in Berlin: grace; pro elsewhere: margaret; free: linus, alan.
const people = [
  { externalId: 'ada', email: 'ada@example.com', name: 'Ada', attributes: { plan: 'pro', city: 'Paris' } },
  { externalId: 'barbara', email: 'barbara@example.com', name: 'Barbara', attributes: { plan: 'pro', city: 'Paris' } },
  { externalId: 'grace', email: 'grace@example.com', name: 'Grace', attributes: { plan: 'pro', city: 'Berlin' } },
  { externalId: 'margaret', email: 'margaret@example.com', name: 'Margaret', attributes: { plan: 'pro', city: 'London' } },
  { externalId: 'linus', email: 'linus@example.com', name: 'Linus', attributes: { plan: 'free', city: 'Paris' } },
  { externalId: 'alan', email: 'alan@example.com', name: 'Alan', attributes: { plan: 'free', city: 'Berlin' } },
];

type SavedSegment = { id: string; name: string; query: { AND: [unknown, { OR: unknown[] }] }; size: number };

/** A criterion or group of the builder by its place in the tree (react-querybuilder's path). */
const ruleAt = (page: Page, path: number[]) => page.locator(`[data-testid="rule"][data-path="${JSON.stringify(path)}"]`);
const groupAt = (page: Page, path: number[]) => page.locator(`[data-testid="rule-group"][data-path="${JSON.stringify(path)}"]`);
/** The controls of a group's own header, not those of the groups inside it. */
const headerOf = (group: Locator) => group.locator(':scope > .ruleGroup-header');

async function setCriterion(page: Page, rule: Locator, field: string, operator: string, value: string): Promise<void> {
  await rule.getByRole('combobox', { name: 'Field' }).click();
  // the option reads "plan string": the field, then its type
  await page.getByRole('option', { name: new RegExp(`^${field}\\b`) }).click();
  const operatorInput = rule.getByRole('combobox', { name: 'Operator' });
  if ((await operatorInput.inputValue()) !== operator) {
    await operatorInput.click();
    await page.getByRole('option', { name: operator, exact: true }).click();
  }
  await rule.locator(`input[aria-label="Value of ${field}"]`).fill(value);
}

describeWithBrowser('building a segment in the web UI and scheduling to it', () => {
  let herald: HeraldProcess;
  let browser: TestBrowser;
  let templateId: string;

  beforeAll(async () => {
    herald = await startHerald();
    browser = await launchBrowser();
    const created = await herald.api('POST', '/api/recipients/bulk', { recipients: people });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const template = await herald.api<{ id: string }>('POST', '/api/notifications/templates', {
      name: 'City news',
      content: { email: { subject: 'News from {{ recipient.attributes.city }}', html: '<p>Hello {{ recipient.name }}</p>' } },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    templateId = template.body.id;
  });

  afterAll(async () => {
    await browser?.close();
    await herald?.stop();
  });

  it('builds a two-group segment by drag and drop, watches the count, saves it and schedules to it', async () => {
    const page = await browser.newPage({ width: 1280, height: 1000 });
    captureOnFailure(page, 'segments');
    await signIn(page, herald);
    const count = page.getByTestId('segment-count');

    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('link', { name: 'New segment' }).first().click();
    await page.waitForURL(/\/segments\/new$/);
    // No criteria yet: everyone.
    await expect.poll(() => count.textContent()).toBe(String(people.length));

    // Root group (AND): plan equals pro.
    const root = groupAt(page, []);
    await headerOf(root).getByRole('button', { name: 'Criterion', exact: true }).click();
    await setCriterion(page, ruleAt(page, [0]), 'plan', 'equals', 'pro');
    await expect.poll(() => count.textContent()).toBe('4');

    // A second group, switched to OR: city contains Paris.
    await headerOf(root).getByRole('button', { name: 'Group', exact: true }).click();
    const inner = groupAt(page, [1]);
    await headerOf(inner).getByText('OR', { exact: true }).click();
    await setCriterion(page, ruleAt(page, [1, 0]), 'city', 'contains', 'Paris');
    await expect.poll(() => count.textContent()).toBe('2');

    // A third criterion in the root group: pro AND Paris AND Berlin matches nobody.
    await headerOf(root).getByRole('button', { name: 'Criterion', exact: true }).click();
    await setCriterion(page, ruleAt(page, [2]), 'city', 'contains', 'Berlin');
    await expect.poll(() => count.textContent()).toBe('0');

    // Drag the Berlin criterion by its grip into the OR group, onto the lower half of the
    // Paris criterion: pro AND (Paris OR Berlin).
    const grip = ruleAt(page, [2]).getByTestId('drag-handle');
    const target = ruleAt(page, [1, 0]);
    const from = (await grip.boundingBox())!;
    const to = (await target.boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height * 0.85, { steps: 12 });
    await page.mouse.move(to.x + to.width / 2 + 4, to.y + to.height * 0.9, { steps: 4 });
    await page.mouse.up();

    await expect.poll(() => inner.locator('[data-testid="rule"]').count()).toBe(2);
    await expect.poll(() => ruleAt(page, [2]).count()).toBe(0);
    await expect.poll(() => count.textContent()).toBe('3');
    const sample = page.getByRole('list', { name: 'Sample of matching recipients' });
    const sampled = async () => {
      const texts = await sample.getByRole('listitem').allTextContents();
      return people.filter((person) => texts.some((text) => text.includes(person.email))).map((person) => person.externalId);
    };
    await expect.poll(sampled).toEqual(['ada', 'barbara', 'grace']);

    // Save it.
    await page.getByLabel('Name', { exact: true }).fill('Pro in Paris or Berlin');
    await page.getByLabel('Description', { exact: true }).fill('Our two biggest cities');
    await page.getByTestId('segment-save').click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    const segmentId = page.url().split('/').pop()!;
    const saved = await herald.api<SavedSegment>('GET', `/api/notifications/segments/${segmentId}`);
    expect(saved.body.name).toBe('Pro in Paris or Berlin');
    expect(saved.body.size).toBe(3);
    expect(saved.body.query.AND[0]).toEqual({ plan: 'pro' });
    expect(saved.body.query.AND).toHaveLength(2);
    expect(saved.body.query.AND[1].OR).toEqual(expect.arrayContaining([{ city: { $contains: 'Paris' } }, { city: { $contains: 'Berlin' } }]));
    expect(saved.body.query.AND[1].OR).toHaveLength(2);

    // The list shows it with its size.
    await page.getByRole('link', { name: 'Segments' }).first().click();
    const row = page.getByRole('link', { name: 'Pro in Paris or Berlin' });
    await expect.poll(() => row.getByTestId('segment-size').textContent()).toBe('3 recipients');

    // Schedule the template to it from its card.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('article', { name: 'City news' }).getByRole('button', { name: 'Schedule' }).click();
    const modal = page.getByRole('dialog', { name: /Schedule .City news./ });
    await modal.getByTestId('audience-segment').click();
    await modal.getByRole('combobox', { name: 'Segment' }).click();
    const option = page.getByRole('option', { name: /Pro in Paris or Berlin/ });
    await expect.poll(() => option.textContent()).toContain('3 recipients');
    await option.click();
    await expect.poll(() => modal.getByText('3 recipients now').count()).toBe(1);
    await expect.poll(() => modal.getByRole('checkbox', { name: 'Email' }).isChecked()).toBe(true);
    await modal.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);
    const scheduleId = page.url().split('/').pop()!;
    const schedule = await herald.api<{ templateId: string; audience: unknown }>('GET', `/api/notifications/scheduled/${scheduleId}`);
    expect(schedule.body).toMatchObject({ templateId, audience: { type: 'segment', segmentId } });

    // A segment in use cannot be deleted, and the page says why.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('button', { name: 'Delete Pro in Paris or Berlin' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete segment?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => confirm.getByRole('alert').textContent()).toContain('City news');
    expect((await herald.api('GET', `/api/notifications/segments/${segmentId}`)).status).toBe(200);
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    // Renaming changes the name alone.
    await page.getByRole('button', { name: 'Rename Pro in Paris or Berlin' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename segment' });
    await rename.getByLabel('Name', { exact: true }).fill('Pro in two cities');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await rename.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByRole('link', { name: 'Pro in two cities' }).count()).toBe(1);
    const renamed = await herald.api<SavedSegment & { description: string }>('GET', `/api/notifications/segments/${segmentId}`);
    expect(renamed.body).toMatchObject({ name: 'Pro in two cities', description: 'Our two biggest cities', query: saved.body.query });
  }, 180_000);

  it('fits a 390 px phone: every control of a nested segment within the screen, the count in the save bar', async () => {
    const created = await herald.api<{ id: string }>('POST', '/api/notifications/segments', {
      name: 'Phone check',
      query: { AND: [{ plan: 'pro' }, { NOT: { OR: [{ city: { $in: ['Paris', 'Berlin'] } }, { city: { $regex: '^lon', $options: 'i' } }] } }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const page = await browser.newPage({ width: 390, height: 844 });
    captureOnFailure(page, 'segments-phone');
    await signIn(page, herald);
    await page.goto(`${herald.url}/segments/${created.body.id}`);

    // pro and in neither Paris, Berlin nor London: nobody; the bar at the bottom says so.
    await expect.poll(() => page.getByText('0 recipients', { exact: true }).isVisible()).toBe(true);
    await expect.poll(() => ruleAt(page, [1, 1]).getByRole('combobox', { name: 'Operator' }).inputValue()).toBe('regex, any case');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const control of await page.locator('.segment-builder input, .segment-builder button').all()) {
      const box = await control.boundingBox();
      if (box) expect(box.x + box.width, await control.evaluate((element) => element.outerHTML.slice(0, 120))).toBeLessThanOrEqual(390);
    }
  }, 120_000);
});
