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

async function bounded<T>(db: Db, tree: SegmentTree, timeoutMs: number, work: (tx: DbOrTx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql`SET TRANSACTION READ ONLY`);
      await tx.execute(sql`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true)`);
      // No JIT: these statements end in well under a second, and compiling them (triggered by
      // the high estimated cost of per-recipient subqueries) gained nothing in bench/segments.ts
      // and cost up to ~200 ms on the engagement segments.
      await tx.execute(sql`SELECT set_config('jit', 'off', true)`);
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

const countOf = async (tx: DbOrTx, predicate: SQL) => {
  const [row] = await rowsOf<{ count: number | string }>(tx, sql`SELECT count(*)::int AS count FROM recipients r WHERE ${predicate}`);
  return Number(row?.count ?? 0);
};

/** How many recipients match the segment now. */
export async function countSegment(db: Db, tree: SegmentTree, timeoutMs = evaluationTimeoutMs): Promise<number> {
  return bounded(db, tree, timeoutMs, (tx) => countOf(tx, compileSegmentTree(tree)));
}

/** The segment's size and its first matching recipients, for the builder. */
export async function previewSegment(db: Db, tree: SegmentTree, sampleSize: number, timeoutMs = evaluationTimeoutMs): Promise<SegmentPreview> {
  const started = performance.now();
  const predicate = compileSegmentTree(tree);
  return bounded(db, tree, timeoutMs, async (tx) => {
    // The sample first: it stops at the first rows it finds, so it is cheap for a large
    // segment, and when it finds fewer rows than asked it has seen the whole segment, so the
    // count needs no second scan (a rare segment costs one scan, not two).
    const limit = Math.max(sampleSize, 1);
    const rows = await rowsOf<SampleRow>(tx, sql`
      SELECT r.id, r.external_id, r.email, r.name, r.timezone, r.locale, r.is_active, r.attributes, r.created_at
      FROM recipients r WHERE ${predicate} LIMIT ${limit}`);
    const count = rows.length < limit ? rows.length : await countOf(tx, predicate);
    return { count, sample: rows.slice(0, sampleSize).map(toSample), tookMs: Math.round((performance.now() - started) * 10) / 10 };
  });
}
