import { asc, count, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { Page, Segment, SegmentQuery } from '@herald/shared';
import type { Db } from '../../db/client.ts';
import { schedules, segments } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { countSegment } from './evaluate.ts';
import { pgErrorCode } from './pg-error.ts';
import { parseSegmentQuery } from './parse.ts';
import { checkSegmentQuery } from './validate.ts';

/** Saved segments: create, read, change, delete, each write in one transaction. */

type SegmentRow = typeof segments.$inferSelect;
type ScheduleRef = { id: string; name: string; status: string };
type Sized = { size: number | null; sizeError: string | null };

/** Sizes are asked for by lists and pickers again and again: each is kept for half a minute. */
const sizeCacheMs = 30_000;
const sizeCache = new WeakMap<Db, Map<string, { at: number; size: number }>>();

async function sizeOf(db: Db, query: unknown): Promise<Sized> {
  const key = JSON.stringify(query);
  let cache = sizeCache.get(db);
  if (!cache) sizeCache.set(db, (cache = new Map()));
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < sizeCacheMs) return { size: cached.size, sizeError: null };
  const parsed = parseSegmentQuery(query);
  if (!parsed.ok) return { size: null, sizeError: 'the saved query no longer parses' };
  try {
    const size = await countSegment(db, parsed.tree);
    if (cache.size > 1000) cache.clear();
    cache.set(key, { at: Date.now(), size });
    return { size, sizeError: null };
  } catch (error) {
    if (error instanceof AppError) return { size: null, sizeError: error.message };
    throw error;
  }
}

async function schedulesUsing(db: Db, segmentIds: string[]): Promise<Map<string, ScheduleRef[]>> {
  const bySegment = new Map<string, ScheduleRef[]>();
  if (segmentIds.length === 0) return bySegment;
  const rows = await db
    .select({ id: schedules.id, name: schedules.name, status: schedules.status, segmentId: schedules.segmentId })
    .from(schedules)
    .where(inArray(schedules.segmentId, segmentIds))
    .orderBy(asc(schedules.name));
  for (const { segmentId, ...ref } of rows) {
    if (!segmentId) continue;
    bySegment.set(segmentId, [...(bySegment.get(segmentId) ?? []), ref]);
  }
  return bySegment;
}

function present(row: SegmentRow, used: ScheduleRef[], sized: Sized): Segment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    query: row.query as SegmentQuery,
    size: sized.size,
    sizeError: sized.sizeError,
    schedules: used,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const unsized: Sized = { size: null, sizeError: null };

export type ListOptions = { limit: number; offset: number; search?: string | undefined; withCount: boolean };

/** One page of segments by name, each with the schedules using it and, on request, its size now. */
export async function listSegments(db: Db, options: ListOptions): Promise<Page<Segment>> {
  const where: SQL | undefined = options.search ? ilike(segments.name, `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined;
  const [rows, [total]] = await Promise.all([
    db.select().from(segments).where(where).orderBy(asc(segments.name), asc(segments.id)).limit(options.limit).offset(options.offset),
    db.select({ value: count() }).from(segments).where(where),
  ]);
  const used = await schedulesUsing(db, rows.map((row) => row.id));
  const items: Segment[] = [];
  // one at a time: each count may scan the recipients, and they would only compete for the disk
  for (const row of rows) items.push(present(row, used.get(row.id) ?? [], options.withCount ? await sizeOf(db, row.query) : unsized));
  return { items, total: Number(total?.value ?? 0), limit: options.limit, offset: options.offset };
}

/** One segment, with its size now when asked. */
export async function getSegment(db: Db, id: string, withCount: boolean): Promise<Segment> {
  const [row] = await db.select().from(segments).where(eq(segments.id, id));
  if (!row) throw notFound('Segment', id);
  const used = await schedulesUsing(db, [id]);
  return present(row, used.get(id) ?? [], withCount ? await sizeOf(db, row.query) : unsized);
}

export type SegmentWrite = { name: string; description: string; query: SegmentQuery };

/** Saves a new segment after checking its query; answers with its size now. */
export async function createSegment(db: Db, input: SegmentWrite, createdBy: string | null): Promise<Segment> {
  const tree = await checkSegmentQuery(db, input.query);
  const size = await countSegment(db, tree);
  const [row] = await db.insert(segments).values({ ...input, createdBy }).returning();
  return present(row!, [], { size, sizeError: null });
}

/** Renames, redescribes or requeries a segment; schedules using it pick the change up at their next run. */
export async function updateSegment(db: Db, id: string, change: Partial<SegmentWrite>): Promise<Segment> {
  let size: number | null = null;
  if (change.query !== undefined) size = await countSegment(db, await checkSegmentQuery(db, change.query));
  const [row] = await db.update(segments).set({ ...change, updatedAt: sql`now()` }).where(eq(segments.id, id)).returning();
  if (!row) throw notFound('Segment', id);
  const used = await schedulesUsing(db, [id]);
  return present(row, used.get(id) ?? [], size === null ? await sizeOf(db, row.query) : { size, sizeError: null });
}

function inUse(name: string, used: ScheduleRef[]): AppError {
  const names = used.map((s) => `"${s.name}"`).join(', ');
  return new AppError(
    'conflict',
    `Segment "${name}" is the audience of ${used.length === 1 ? 'schedule' : `${used.length} schedules`} ${names}: give ${used.length === 1 ? 'it' : 'them'} another audience or delete ${used.length === 1 ? 'it' : 'them'} first`,
    { issues: [{ field: 'id', rule: 'in_use', message: `is the audience of ${names}` }], schedules: used },
  );
}

/** Deletes a segment no schedule uses; refuses with a 409 naming the schedules otherwise. */
export async function deleteSegment(db: Db, id: string): Promise<void> {
  const [row] = await db.select({ name: segments.name }).from(segments).where(eq(segments.id, id));
  if (!row) throw notFound('Segment', id);
  const used = (await schedulesUsing(db, [id])).get(id) ?? [];
  if (used.length > 0) throw inUse(row.name, used);
  try {
    await db.delete(segments).where(eq(segments.id, id));
  } catch (error) {
    // A schedule took the segment as its audience between the check and the delete: the
    // foreign key (ON DELETE RESTRICT) refused, and the person gets the same answer.
    if (pgErrorCode(error) !== '23503') throw error;
    throw inUse(row.name, (await schedulesUsing(db, [id])).get(id) ?? []);
  }
}
