/**
 * Creators of Herald objects through the public API, for integration tests. They fail loudly
 * (with the response body) when the API refuses, so a broken factory never hides as a
 * confusing assertion later on.
 */
import type { Recipient, RecipientInput, Schedule, ScheduleInput, Template, TemplateInput } from '@herald/shared';
import type { TestApp } from '../harness.ts';

type InjectResponse = Awaited<ReturnType<TestApp['app']['inject']>>;

function expectStatus(response: InjectResponse, status: number, what: string): void {
  if (response.statusCode !== status) {
    throw new Error(`${what} answered ${response.statusCode}, expected ${status}: ${response.body}`);
  }
}

let sequence = 0;
/** A short string unique within this test process, for names and external ids. */
export function uniqueSuffix(): string {
  sequence += 1;
  return `${Date.now().toString(36)}${sequence}`;
}

/** Content with an email and an in-app message that use the recipient's name. */
export const sampleTemplateContent = {
  email: { subject: 'Hello {{ recipient.name }}', html: '<p>Hi {{ recipient.name }}, news from {{ schedule.name }}.</p>', text: 'Hi {{ recipient.name }}' },
  inapp: { title: 'News for {{ recipient.name }}', body: 'Something new happened.' },
} satisfies TemplateInput['content'];

/** Creates a template through the API (defaults: email + in-app content, category "general"). */
export async function createTemplate(t: TestApp, overrides: Partial<TemplateInput> = {}): Promise<Template> {
  const payload: TemplateInput = { name: `Template ${uniqueSuffix()}`, content: sampleTemplateContent, ...overrides };
  const response = await t.app.inject({ method: 'POST', url: '/api/notifications/templates', headers: t.auth, payload });
  expectStatus(response, 201, 'POST /api/notifications/templates');
  return response.json<Template>();
}

/**
 * Creates `count` recipients in one bulk upsert and returns them. `overrides(i)` adjusts the
 * i-th (0-based); external ids are `<prefix>-<i>` with a prefix unique to this call.
 */
export async function createRecipients(
  t: TestApp,
  count: number,
  overrides: (index: number) => Partial<RecipientInput> = () => ({}),
): Promise<Recipient[]> {
  const prefix = `r${uniqueSuffix()}`;
  const recipients: RecipientInput[] = Array.from({ length: count }, (_, index) => ({
    externalId: `${prefix}-${index}`,
    email: `${prefix}-${index}@example.com`,
    name: `Recipient ${index}`,
    ...overrides(index),
  }));
  const response = await t.app.inject({ method: 'POST', url: '/api/recipients/bulk', headers: t.auth, payload: { recipients } });
  expectStatus(response, 200, 'POST /api/recipients/bulk');
  const found: Recipient[] = [];
  for (let offset = 0; found.length < count; offset += 500) {
    const page = await t.app.inject({ method: 'GET', url: `/api/recipients?q=${prefix}-&limit=500&offset=${offset}`, headers: t.auth });
    expectStatus(page, 200, 'GET /api/recipients');
    const items = page.json<{ items: Recipient[] }>().items;
    if (items.length === 0) break;
    found.push(...items);
  }
  const byExternalId = new Map(found.map((recipient) => [recipient.externalId, recipient]));
  return recipients.map((input) => {
    const recipient = byExternalId.get(input.externalId);
    if (!recipient) throw new Error(`recipient ${input.externalId} was not created`);
    return recipient;
  });
}

/**
 * Creates a schedule through the API. Without a templateId it creates a template first;
 * defaults: daily at 09:00 UTC, all recipients, in-app channel.
 */
export async function createSchedule(t: TestApp, overrides: Partial<ScheduleInput> = {}): Promise<Schedule> {
  const templateId = overrides.templateId ?? (await createTemplate(t)).id;
  const payload: ScheduleInput = {
    name: `Schedule ${uniqueSuffix()}`,
    templateId,
    timezone: 'UTC',
    timing: { type: 'daily', time: '09:00' },
    audience: { type: 'all' },
    channels: ['inapp'],
    ...overrides,
  };
  const response = await t.app.inject({ method: 'POST', url: '/api/notifications/scheduled', headers: t.auth, payload });
  expectStatus(response, 201, 'POST /api/notifications/scheduled');
  return response.json<Schedule>();
}
