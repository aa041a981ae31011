/**
 * Set-based upsert of recipients by externalId: two statements for a whole batch.
 *
 * Each row carries only the fields it means to set. A key that is absent keeps the stored
 * value (or the column default for a new recipient); a key set to null clears it. The input
 * travels as ONE jsonb parameter, so a batch of 1,000 rows stays far below PostgreSQL's
 * 65,535 bind parameters and the plan is the same for every batch size.
 *
 * Concurrency (READ COMMITTED): first `INSERT … ON CONFLICT DO NOTHING` creates the new
 * recipients; if another transaction is inserting the same externalId, it waits for that one
 * and then leaves the row to it. Then an `UPDATE` changes the others. An UPDATE re-reads each
 * row at its newest committed version once it holds the row's lock, so a field this batch
 * omits keeps what a concurrent writer just stored. (A single INSERT … ON CONFLICT DO UPDATE
 * cannot do that: its SET only sees `excluded`, so an omitted field would have to come from
 * the statement's older snapshot and could undo a concurrent write.) A row deleted between
 * the two statements is inserted again by the next round.
 */
import { sql } from 'drizzle-orm';
import type { Channel, QuietHoursOverride } from '@herald/shared';
import { rowsOf, type Db } from '../../db/client.ts';

/** A transaction: the upsert runs two statements that must commit together. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The fields of one recipient to write; `undefined` means "keep what is stored". */
export type RecipientWrite = {
  externalId: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  name?: string | null | undefined;
  timezone?: string | null | undefined;
  locale?: string | null | undefined;
  isActive?: boolean | undefined;
  attributes?: Record<string, unknown> | undefined;
  optedOutChannels?: Channel[] | undefined;
  /** null: follow the instance's quiet hours */
  quietHours?: QuietHoursOverride | null | undefined;
};

export type UpsertOptions = {
  /** true: the given attributes are merged into the stored ones (CSV columns); false: they replace them */
  isAttributeMerge: boolean;
};

export type UpsertResult = { id: string; externalId: string; isCreated: boolean };

/** The rows as one jsonb array; undefined keys vanish, which is what "keep" means. */
const jsonOf = (rows: RecipientWrite[]) => JSON.stringify(rows);

/** The input row's quiet hours as the column stores them: a JSON null (or none given) is SQL NULL. */
const inputQuietHours = sql`nullif(input.row->'quietHours', 'null'::jsonb)`;

async function insertNew(tx: Tx, rows: RecipientWrite[]): Promise<Array<{ id: string; external_id: string }>> {
  return rowsOf(tx, sql`
    INSERT INTO recipients (external_id, email, phone, name, timezone, locale, is_active, attributes, opted_out_channels, quiet_hours)
    SELECT
      input.row->>'externalId',
      input.row->>'email',
      input.row->>'phone',
      input.row->>'name',
      input.row->>'timezone',
      input.row->>'locale',
      coalesce((input.row->>'isActive')::boolean, true),
      coalesce(input.row->'attributes', '{}'::jsonb),
      CASE WHEN input.row ? 'optedOutChannels'
        THEN ARRAY(SELECT jsonb_array_elements_text(input.row->'optedOutChannels'))
        ELSE '{}'::text[] END,
      ${inputQuietHours}
    FROM jsonb_array_elements(${jsonOf(rows)}::jsonb) AS input(row)
    ON CONFLICT (external_id) DO NOTHING
    RETURNING id, external_id
  `);
}

async function updateExisting(tx: Tx, rows: RecipientWrite[], options: UpsertOptions): Promise<Array<{ id: string; external_id: string }>> {
  // The keys are this file's constants, never input: sql.raw is safe here.
  const keep = (key: string, column: string) =>
    sql.raw(`${column} = CASE WHEN input.row ? '${key}' THEN input.row->>'${key}' ELSE target.${column} END`);
  return rowsOf(tx, sql`
    UPDATE recipients AS target SET
      ${keep('email', 'email')},
      ${keep('phone', 'phone')},
      ${keep('name', 'name')},
      ${keep('timezone', 'timezone')},
      ${keep('locale', 'locale')},
      is_active = CASE WHEN input.row ? 'isActive' THEN (input.row->>'isActive')::boolean ELSE target.is_active END,
      attributes = CASE
        WHEN NOT input.row ? 'attributes' THEN target.attributes
        WHEN ${options.isAttributeMerge} THEN target.attributes || (input.row->'attributes')
        ELSE input.row->'attributes'
      END,
      opted_out_channels = CASE WHEN input.row ? 'optedOutChannels'
        THEN ARRAY(SELECT jsonb_array_elements_text(input.row->'optedOutChannels'))
        ELSE target.opted_out_channels END,
      quiet_hours = CASE WHEN input.row ? 'quietHours' THEN ${inputQuietHours} ELSE target.quiet_hours END,
      updated_at = now()
    FROM jsonb_array_elements(${jsonOf(rows)}::jsonb) AS input(row)
    WHERE target.external_id = input.row->>'externalId'
    RETURNING target.id, target.external_id
  `);
}

/**
 * Inserts or updates every row by externalId; returns each recipient's id and whether it is
 * new, in the order given. The externalIds must be distinct (PostgreSQL refuses to update a
 * row twice in one statement).
 */
export async function upsertRecipients(tx: Tx, rows: RecipientWrite[], options: UpsertOptions): Promise<UpsertResult[]> {
  const results = new Map<string, UpsertResult>();
  // One order for every writer, so two batches that share recipients lock them in the same order.
  let pending = [...rows].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  for (let round = 0; pending.length > 0; round += 1) {
    if (round === 3) throw new Error(`recipients ${pending.slice(0, 3).map((row) => row.externalId).join(', ')} kept vanishing during the upsert`);
    for (const row of await insertNew(tx, pending)) results.set(row.external_id, { id: row.id, externalId: row.external_id, isCreated: true });
    const existing = pending.filter((row) => !results.has(row.externalId));
    if (existing.length === 0) break;
    for (const row of await updateExisting(tx, existing, options)) results.set(row.external_id, { id: row.id, externalId: row.external_id, isCreated: false });
    pending = existing.filter((row) => !results.has(row.externalId));
  }
  return rows.map((row) => results.get(row.externalId)!);
}
