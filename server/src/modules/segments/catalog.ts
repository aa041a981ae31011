import { sql } from 'drizzle-orm';
import { operatorsByFieldType, type SegmentField } from '@herald/shared';
import { rowsOf, type Db } from '../../db/client.ts';
import { attributePrefix, fieldRegistry, findField, operatorsOf } from './fields/registry.ts';
import { inferAttributes, type AttributeProfile } from './infer-attributes.ts';

/**
 * The field catalog the builder offers: the registry's fields, plus the attributes found in
 * a sample of recipients. On a million recipients, reading every row would take seconds, so
 * the catalog reads the newest recipients (the attributes the host app sends today) and a
 * random spread of pages (older cohorts), and is kept for a minute.
 */

export type FieldCatalog = {
  fields: SegmentField[];
  /** attribute name → inferred type, for checking queries against the data */
  attributes: Map<string, AttributeProfile>;
  sampledRecipients: number;
  generatedAt: Date;
};

const newestSample = 2500;
const spreadSample = 2500;
const cacheMs = 60_000;
const cache = new WeakMap<Db, { at: number; catalog: Promise<FieldCatalog> }>();

/** The key a query uses for an attribute: the bare name unless that would read as something else. */
export function attributeKey(name: string): string {
  const isAmbiguous = findField(name) !== undefined || name.startsWith(attributePrefix) || name.startsWith('$') || /^(and|or|not)$/i.test(name);
  return isAmbiguous ? `${attributePrefix}${name}` : name;
}

async function sampleAttributes(db: Db): Promise<Record<string, unknown>[]> {
  const [estimate] = await rowsOf<{ rows: number }>(db, sql`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = to_regclass('recipients')`);
  const rows = estimate?.rows ?? 0;
  // TABLESAMPLE SYSTEM picks whole pages at random: cheap, and enough for a spread.
  const spread = rows > newestSample * 4
    ? sql`UNION ALL (SELECT attributes FROM recipients TABLESAMPLE SYSTEM (${Math.min(100, (100 * spreadSample * 2) / rows)}::float8) LIMIT ${spreadSample})`
    : sql``;
  const sample = await rowsOf<{ attributes: Record<string, unknown> }>(db, sql`
    (SELECT attributes FROM recipients ORDER BY created_at DESC LIMIT ${newestSample}) ${spread}`);
  return sample.map((row) => row.attributes);
}

async function buildCatalog(db: Db): Promise<FieldCatalog> {
  const [samples, schedules] = await Promise.all([
    sampleAttributes(db),
    rowsOf<{ id: string; name: string }>(db, sql`SELECT id, name FROM schedules ORDER BY created_at DESC LIMIT 200`),
  ]);
  const profiles = inferAttributes(samples);
  const scheduleOptions = schedules.map((s) => ({ value: s.id, label: s.name }));
  const registered: SegmentField[] = fieldRegistry.map((field) => ({
    key: field.key,
    label: field.label,
    group: field.group,
    type: field.type,
    operators: [...operatorsOf(field)],
    description: field.description,
    examples: [...(field.examples ?? [])],
    ...(field.isScheduleValued ? { options: scheduleOptions } : {}),
  }));
  const attributes: SegmentField[] = profiles.map((profile) => ({
    key: attributeKey(profile.name),
    label: profile.name,
    group: 'attribute',
    type: profile.type,
    operators: [...operatorsByFieldType[profile.type]],
    description: `Attribute sent by your app (${Math.round(profile.coverage * 100)}% of sampled recipients)`,
    examples: profile.examples,
    coverage: profile.coverage,
  }));
  return {
    fields: [...registered, ...attributes],
    attributes: new Map(profiles.map((profile) => [profile.name, profile])),
    sampledRecipients: samples.length,
    generatedAt: new Date(),
  };
}

/** The field catalog, rebuilt at most once a minute per database. */
export function fieldCatalog(db: Db): Promise<FieldCatalog> {
  const cached = cache.get(db);
  if (cached && Date.now() - cached.at < cacheMs) return cached.catalog;
  const catalog = buildCatalog(db);
  cache.set(db, { at: Date.now(), catalog });
  // a failed build must not stay cached
  void catalog.catch(() => cache.delete(db));
  return catalog;
}

/** Forgets the cached catalog (tests, and after bulk imports that add attributes). */
export function forgetFieldCatalog(db: Db): void {
  cache.delete(db);
}
