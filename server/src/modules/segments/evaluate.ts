import { sql, type SQL } from 'drizzle-orm';
import type { SegmentPreview, SegmentSampleRecipient } from '@herald/shared';
import { rowsOf, type Db, type DbOrTx } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { compileSegmentTree } from './compile.ts';
import { pgErrorCode } from './pg-error.ts';
import { criteriaOf, type SegmentTree } from './tree.ts';

/**
 * Counting a segment for a person (the builder's preview, a list's sizes): bounded in time.
 * Each evaluation runs in a read-only transaction with `statement_timeout` set LOCAL, so a
 * regex that runs away over a million recipients is stopped by PostgreSQL and answered with
 * a 422 naming the likely culprits, and the connection goes back to the pool unchanged.
 * (PGlite runs in this process and has no timer to interrupt a statement; there the timeout
 * is not enforced.) The scheduler's fan-out does not use this: a run must not be cut short.
 */

/** How long one preview or count may take before PostgreSQL stops it. */
export const evaluationTimeoutMs = 5_000;

type SampleRow = {
  id: string;
  external_id: string;
  email: string | null;
  name: string | null;
  timezone: string | null;
  locale: string | null;
  is_active: boolean;
  attributes: Record<string, unknown>;
  created_at: Date | string;
};

const toIso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

function toSample(row: SampleRow): SegmentSampleRecipient {
  return {
    id: row.id,
    externalId: row.external_id,
    email: row.email,
    name: row.name,
    timezone: row.timezone,
    locale: row.locale,
    isActive: row.is_active,
    attributes: row.attributes,
    createdAt: toIso(row.created_at),
  };
}

/** A planner or runtime setting for the rest of the transaction (SET LOCAL). */
const setLocal = (tx: DbOrTx, name: string, value: string) => tx.execute(sql`SELECT set_config(${name}, ${value}, true)`);

async function bounded<T>(db: Db, tree: SegmentTree, timeoutMs: number, work: (tx: DbOrTx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql`SET TRANSACTION READ ONLY`);
      await setLocal(tx, 'statement_timeout', String(timeoutMs));
      // No JIT: these statements end in well under a second, and compiling them (triggered by
      // the high estimated cost of per-recipient subqueries) gained nothing in bench/segments.ts
      // and cost up to ~200 ms on the engagement segments.
      await setLocal(tx, 'jit', 'off');
      return work(tx);
    });
  } catch (error) {
    if (pgErrorCode(error) !== '57014') throw error;
    const regexes = criteriaOf(tree).filter((criterion) => criterion.operand.kind === 'pattern');
    const seconds = timeoutMs / 1000;
    throw new AppError(
      'unprocessable',
      regexes.length > 0
        ? `The segment took longer than ${seconds} s to evaluate and was stopped: simplify its regular expression${regexes.length > 1 ? 's' : ''} (${regexes.map((r) => r.path).join(', ')})`
        : `The segment took longer than ${seconds} s to evaluate and was stopped: narrow it down`,
      { issues: regexes.map((r) => ({ field: r.path, rule: 'timeout', message: `evaluation took longer than ${seconds} s` })) },
    );
  }
}

const countStatement = (predicate: SQL) => sql`SELECT count(*)::int AS count FROM recipients r WHERE ${predicate}`;

/**
 * Counts run with nested loops off. PostgreSQL cannot estimate how many recipients criteria on
 * JSONB attributes keep, and guesses few; it then joins the engagement tables by one index
 * probe per recipient, when tens of thousands remain. Hash joins were faster on every large
 * segment of bench/segments.ts ("opened Welcome, no click, pro" 294 → 233 ms) and cost a
 * selective one a few tens of milliseconds (admins in Japan who opened Welcome 17 → 52 ms,
 * with an open rate ≥ 50% 16 → 95). The preview's sample comes first and keeps them: it stops
 * at its first rows.
 */
const planForCounting = (tx: DbOrTx) => setLocal(tx, 'enable_nestloop', 'off');

const countOf = async (tx: DbOrTx, predicate: SQL) => {
  await planForCounting(tx);
  const [row] = await rowsOf<{ count: number | string }>(tx, countStatement(predicate));
  return Number(row?.count ?? 0);
};

export type PlanNode = { 'Node Type'?: string; 'Relation Name'?: string; 'Plan Rows'?: number; Plans?: PlanNode[] };

const largestRows = (nodes: PlanNode[]): number => Math.max(0, ...nodes.map((node) => Math.max(node['Plan Rows'] ?? 0, largestRows(node.Plans ?? []))));

/**
 * The most rows an index scan feeding a bitmap scan of recipients is expected to hand over:
 * the size of the largest bitmap built (for a BitmapAnd, its widest side, which is read whole).
 */
export function largestRecipientsBitmap(node: PlanNode): number {
  const own = node['Node Type'] === 'Bitmap Heap Scan' && node['Relation Name'] === 'recipients' ? largestRows(node.Plans ?? []) : 0;
  return Math.max(own, ...(node.Plans ?? []).map(largestRecipientsBitmap));
}

/** A bitmap covering more than this share of recipients is read slower than the table itself. */
const broadBitmapShare = 0.05;

/**
 * Steers the planner off bitmap scans of recipients that would cover a large share of them.
 * PostgreSQL picks one when criteria served by the GIN index on attributes match many
 * recipients (a plan, a country, a device): the bitmap then covers nearly every page, and
 * visiting them in its order (and, with parallel workers, sharing its iteration) was slower
 * than reading the table in parallel on every such segment of bench/segments.ts — plan =
 * "pro" (30%) 245 ms against 137, device = "ios" (25%) in the "young iOS" segment 279
 * against 214 — while at 3% the bitmap won (77 against 130) and at 8% they tied. So above 5%
 * of the table's rows, as the planner estimates them, the statement runs without bitmap
 * scans; selective criteria keep theirs, which is what makes a rare segment cost
 * milliseconds. It costs one more planning, well under a millisecond.
 */
async function avoidBroadBitmapScans(tx: DbOrTx, predicate: SQL): Promise<void> {
  const [row] = await rowsOf<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> | string }>(tx, sql`EXPLAIN (FORMAT JSON) ${countStatement(predicate)}`);
  const plan = row?.['QUERY PLAN'];
  const root = (typeof plan === 'string' ? JSON.parse(plan) as Array<{ Plan: PlanNode }> : plan)?.[0]?.Plan;
  const bitmapRows = root ? largestRecipientsBitmap(root) : 0;
  if (bitmapRows === 0) return;
  const [table] = await rowsOf<{ rows: number }>(tx, sql`SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = 'recipients'::regclass`);
  if (bitmapRows > broadBitmapShare * Math.max(table?.rows ?? 0, 0)) await setLocal(tx, 'enable_bitmapscan', 'off');
}

/** How many recipients match the segment now. */
export async function countSegment(db: Db, tree: SegmentTree, timeoutMs = evaluationTimeoutMs): Promise<number> {
  const predicate = compileSegmentTree(tree);
  return bounded(db, tree, timeoutMs, async (tx) => {
    await avoidBroadBitmapScans(tx, predicate);
    return countOf(tx, predicate);
  });
}

/** The plan of the segment's count as it runs (for bench/segments.ts), one line per row of EXPLAIN. */
export async function explainSegmentCount(db: Db, tree: SegmentTree): Promise<string[]> {
  const predicate = compileSegmentTree(tree);
  return bounded(db, tree, evaluationTimeoutMs, async (tx) => {
    await avoidBroadBitmapScans(tx, predicate);
    await planForCounting(tx);
    const rows = await rowsOf<{ 'QUERY PLAN': string }>(tx, sql`EXPLAIN ${countStatement(predicate)}`);
    return rows.map((row) => row['QUERY PLAN']);
  });
}

/** The segment's size and its first matching recipients, for the builder. */
export async function previewSegment(db: Db, tree: SegmentTree, sampleSize: number, timeoutMs = evaluationTimeoutMs): Promise<SegmentPreview> {
  const started = performance.now();
  const predicate = compileSegmentTree(tree);
  return bounded(db, tree, timeoutMs, async (tx) => {
    // The sample first: it stops at the first rows it finds, so it is cheap for a large
    // segment, and when it finds fewer rows than asked it has seen the whole segment, so the
    // count needs no second scan (a rare segment costs one scan, not two).
    await avoidBroadBitmapScans(tx, predicate);
    const limit = Math.max(sampleSize, 1);
    const rows = await rowsOf<SampleRow>(tx, sql`
      SELECT r.id, r.external_id, r.email, r.name, r.timezone, r.locale, r.is_active, r.attributes, r.created_at
      FROM recipients r WHERE ${predicate} LIMIT ${limit}`);
    const count = rows.length < limit ? rows.length : await countOf(tx, predicate);
    return { count, sample: rows.slice(0, sampleSize).map(toSample), tookMs: Math.round((performance.now() - started) * 10) / 10 };
  });
}
