/**
 * A small, awkward population for segment tests: attributes of every type, dates valid and
 * not, keys with quotes and dollars, missing values, engagement events on two schedules.
 * Loaded straight into the tables (no other module's API), and read back as the oracle sees it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { events, recipients, schedules, templates } from '../../../db/schema.ts';
import type { OracleRecipient } from './oracle.ts';

export const hostileKey = `we'ird"key;-- `;
const day = 86_400_000;

export type Fixture = { scheduleIds: [string, string]; population: OracleRecipient[]; templateId: string };

function attributesOf(i: number): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    age: 18 + ((i * 7) % 50) + (i % 5 === 0 ? 0.5 : 0),
    vip: i % 4 === 1,
    tags: i % 3 === 0 ? ['beta', 'vip'] : i % 3 === 1 ? ['beta'] : [],
    location: ['San Jose, California', 'Paris, France', 'Austin, Texas', 'Los Angeles, California'][i % 4],
    role: i % 5 === 2 ? 'premium_user' : 'user',
    signup: i % 20 === 3 ? '2024-02-30' : i % 20 === 13 ? 'soon' : ['2024-03-01', '2024-05-20T10:30:00Z', '2025-01-15T08:00:00+02:00', '2023-11-05 23:00', '2024-07-01T00:00:00.123Z', '2024-04-02T01:00:00-0530'][i % 6],
    score: [10, '10', 'high', 2.5, null][i % 5],
  };
  if (i % 7 !== 6) attributes.plan = ['free', 'pro', 'business'][i % 3];
  if (i % 6 === 0) attributes.address = { city: 'Lyon', zip: '69001' };
  if (i % 4 === 2) attributes[hostileKey] = i % 8 === 2 ? "'; DROP TABLE recipients; --" : 'calm';
  if (i % 9 === 4) attributes.email = 'attribute@example.com';
  if (i % 5 === 3) attributes.$dollar = i;
  return attributes;
}

/** Inserts the population (40 recipients), a template and two schedules with events; returns what the oracle needs. */
export async function loadFixture(db: Db, size = 40): Promise<Fixture> {
  const [template] = await db.insert(templates).values({ name: 'Fixture template', content: { inapp: { title: 'Hi', body: 'Hello' } } }).returning();
  const scheduleRows = await db.insert(schedules).values(['Welcome series', 'Spring sale'].map((name) => ({
    name,
    templateId: template!.id,
    timing: { type: 'once', at: '2030-01-01T09:00' },
    timezone: 'UTC',
    audienceType: 'all',
    channels: ['inapp'],
    status: 'paused',
  }))).returning({ id: schedules.id });
  const scheduleIds: [string, string] = [scheduleRows[0]!.id, scheduleRows[1]!.id];
  const base = Date.UTC(2024, 0, 1);
  const rows = Array.from({ length: size }, (_, i) => ({
    externalId: `u${i}`,
    email: i % 10 === 9 ? null : `user${i}@${i % 3 === 0 ? 'gmail.com' : 'example.com'}`,
    phone: i % 2 === 0 ? `+1415555${String(1000 + i)}` : null,
    name: i % 8 === 7 ? null : `User ${i} ${['Jones', 'smith', 'O\'Brien', 'Lee'][i % 4]}`,
    timezone: ['Europe/Paris', 'America/New_York', null][i % 3],
    locale: ['en', 'fr', 'pt-BR', null][i % 4],
    isActive: i % 4 !== 0,
    attributes: attributesOf(i),
    optedOutChannels: i % 5 === 0 ? ['sms'] : [],
    unsubscribedAt: i % 11 === 10 ? new Date(base + 400 * day) : null,
    createdAt: new Date(base + i * 15 * day),
    updatedAt: new Date(base + i * 15 * day + 3_600_000),
  }));
  const inserted = await db.insert(recipients).values(rows).returning({ id: recipients.id, externalId: recipients.externalId });
  const now = Date.now();
  const eventRows: Array<typeof events.$inferInsert> = [];
  inserted.forEach(({ id }, i) => {
    const at = (daysAgo: number) => new Date(now - (daysAgo + 0.5) * day);
    const push = (type: string, scheduleId: string, deliveryId: number, daysAgo: number) =>
      eventRows.push({ type, scheduleId, recipientId: id, deliveryId, occurredAt: at(daysAgo) });
    if (i % 2 === 0) {
      push('sent', scheduleIds[0], i * 10, i % 20);
      if (i % 4 === 0) push('opened', scheduleIds[0], i * 10, i % 20);
      if (i % 8 === 0) push('clicked', scheduleIds[0], i * 10, i % 20);
    }
    if (i % 3 === 0) {
      push('delivered', scheduleIds[1], i * 10 + 1, i % 40);
      if (i % 6 === 0) push('opened', scheduleIds[1], i * 10 + 1, (i % 40) + 1);
      if (i % 6 === 0) push('opened', scheduleIds[1], i * 10 + 1, i % 40);
    }
  });
  // an event about nobody must not break NOT IN
  eventRows.push({ type: 'opened', scheduleId: scheduleIds[0], recipientId: null, occurredAt: new Date(now - day) });
  await db.insert(events).values(eventRows);
  return { scheduleIds, templateId: template!.id, population: await readPopulation(db) };
}

/** Every recipient with its events, as stored (after the JSONB round trip). */
export async function readPopulation(db: Db): Promise<OracleRecipient[]> {
  const people = await db.select().from(recipients).orderBy(recipients.externalId);
  const allEvents = await db.select().from(events).where(sql`${events.recipientId} IS NOT NULL`);
  return people.map((person) => ({
    id: person.id,
    externalId: person.externalId,
    email: person.email,
    phone: person.phone,
    name: person.name,
    timezone: person.timezone,
    locale: person.locale,
    isActive: person.isActive,
    createdAt: person.createdAt,
    updatedAt: person.updatedAt,
    unsubscribedAt: person.unsubscribedAt,
    optedOutChannels: person.optedOutChannels,
    attributes: person.attributes,
    events: allEvents
      .filter((event) => event.recipientId === person.id)
      .map((event) => ({ type: event.type, scheduleId: event.scheduleId, deliveryId: event.deliveryId, occurredAt: event.occurredAt })),
  }));
}
