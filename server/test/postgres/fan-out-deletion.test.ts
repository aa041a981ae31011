/**
 * A recipient deleted while a run fans out, on real PostgreSQL with two connection pools (as two
 * processes would have). deliveries.recipient_id has no foreign key, so the fan-out lock is what
 * keeps a delivery from pointing at nobody: whichever comes first, no delivery to the deleted
 * recipient is left, and everyone else keeps theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf, type Database } from '../../src/db/client.ts';
import { recipients, runs, schedules, templates } from '../../src/db/schema.ts';
import { fanOut } from '../../src/engine/fan-out/fan-out.ts';
import { lockOutFanOuts } from '../../src/engine/fan-out/fan-out-lock.ts';
import { deleteRecipient } from '../../src/modules/recipients/service.ts';
import { openTestDatabase, type TestDatabase } from '../harness.ts';

const RECIPIENTS = 50;

let primary: TestDatabase;
/** a second pool, as another process would have; its connections are named, so the test sees them wait */
let other: Database;
let otherName: string;
let scheduleId: string;

beforeAll(async () => {
  primary = await openTestDatabase();
  otherName = `${primary.schema}_other`;
  const separator = primary.url!.includes('?') ? '&' : '?';
  other = await openDatabase({ databaseUrl: `${primary.url}${separator}application_name=${otherName}`, dataDir: '', searchPath: primary.schema, poolSize: 2 });
  const [template] = await primary.db.insert(templates).values({ name: 'Race', content: { inapp: { title: 'Hi', body: 'News' } } }).returning({ id: templates.id });
  const [schedule] = await primary.db.insert(schedules).values({
    name: 'Race', templateId: template!.id, timing: { type: 'once', at: '2030-01-01T09:00' }, timezone: 'UTC', audienceType: 'all', channels: ['inapp'], status: 'paused',
  }).returning({ id: schedules.id });
  scheduleId = schedule!.id;
}, 120_000);

afterAll(async () => {
  await other?.close();
  await primary?.close();
});

type Count = { n: number };
const countOf = async (statement: ReturnType<typeof sql>) => Number((await rowsOf<Count>(primary.db, statement))[0]!.n);

/** A fresh audience and a run to fan out to it. */
async function prepare(round: string): Promise<{ runId: string; victim: string }> {
  await primary.db.execute(sql`DELETE FROM deliveries`);
  await primary.db.delete(recipients);
  const people = await primary.db.insert(recipients)
    .values(Array.from({ length: RECIPIENTS }, (_, i) => ({ externalId: `${round}-${i}` })))
    .returning({ id: recipients.id });
  const [run] = await primary.db.insert(runs).values({ scheduleId, occurrenceAt: new Date() }).returning({ id: runs.id });
  return { runId: run!.id, victim: people[0]!.id };
}

/** Resolves once a connection of the other pool waits for an advisory lock (the fan-out lock: nothing else here takes one). */
async function untilOtherWaitsForLock(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await countOf(sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${otherName} AND wait_event = 'advisory'`)) === 0) {
    if (Date.now() > deadline) throw new Error('nobody waited for the fan-out lock');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

const fanOutInput = (runId: string) => ({ runId, scheduleId, audience: { type: 'all' } as const, channels: ['inapp'], priority: 'normal' as const, dueAt: new Date() });

describe('a recipient deleted during a fan-out', () => {
  it('waits for the fan-out to commit, then takes the new delivery with it', async () => {
    const { runId, victim } = await prepare('first');
    const fannedOut = gate();
    const commit = gate();
    const fanning = primary.db.transaction(async (tx) => {
      const counts = await fanOut(tx, fanOutInput(runId));
      fannedOut.open();
      await commit.opened;
      return counts;
    });
    await fannedOut.opened;
    const deleting = deleteRecipient(other.db, victim);
    await untilOtherWaitsForLock();
    commit.open();
    expect(await fanning).toMatchObject({ audienceSize: RECIPIENTS, queued: RECIPIENTS });
    await deleting;

    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE recipient_id = ${victim}::uuid`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE run_id = ${runId}::uuid`)).toBe(RECIPIENTS - 1);
  });

  it('makes a fan-out that starts during the deletion wait for it, and leaves the recipient out', async () => {
    const { runId, victim } = await prepare('second');
    const commit = gate();
    const locked = gate();
    // The deletion's own steps, held open before it commits; the fan-out runs on the named pool.
    const deleting = primary.db.transaction(async (tx) => {
      await lockOutFanOuts(tx);
      await tx.execute(sql`DELETE FROM recipients WHERE id = ${victim}::uuid`);
      locked.open();
      await commit.opened;
    });
    await locked.opened;
    const fanning = other.db.transaction((tx) => fanOut(tx, fanOutInput(runId)));
    await untilOtherWaitsForLock();
    commit.open();
    await deleting;
    expect(await fanning).toMatchObject({ audienceSize: RECIPIENTS - 1, queued: RECIPIENTS - 1 });

    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE recipient_id = ${victim}::uuid`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM recipients r WHERE r.id = d.recipient_id)`)).toBe(0);
    expect(await countOf(sql`SELECT count(*)::int AS n FROM deliveries WHERE run_id = ${runId}::uuid`)).toBe(RECIPIENTS - 1);
  });
});
