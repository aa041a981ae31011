/**
 * Nothing is lost when things break, on real PostgreSQL with real Herald processes and a real
 * SMTP server on loopback:
 *
 * - a worker process killed with SIGKILL in the middle of 20,000 emails and started again:
 *   every email arrives; the repeats are at most what was sent and not yet recorded (the
 *   worker's pipeline holds two such batches: one being recorded, one sending), and a repeat
 *   carries the same Message-ID as the first copy (d<delivery>.r<run>@herald), so a
 *   receiver can drop it;
 * - PostgreSQL restarted in the middle of a run (a private server of this file's own, so the
 *   machine's shared one, used by other tests, is never touched): the process stays up,
 *   reconnects and finishes the run without sending anything twice (it keeps trying to
 *   record what it sent until the server is back);
 * - the SMTP server down for a while: the sends fail, are retried with backoff, and all
 *   arrive once it is back.
 *
 * Each test is bounded: it waits for a state with a deadline and fails with the counts it saw.
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestSchema, startHerald, type HeraldProcess, type StartHeraldOptions, type TestSchema } from '../support/herald-process.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.ts';

const batchSize = 200;
/** Sent and not yet recorded at any moment, at most: the batch being recorded and the one sending after it. */
const unrecordedAtMost = 2 * batchSize;

type Resources = { schema?: TestSchema; privatePostgres?: PrivatePostgres; sink?: SmtpSink; pool?: pg.Pool; heralds: HeraldProcess[] };
let current: Resources = { heralds: [] };

// Everything a test started is stopped after it, pass or fail, so the next starts clean.
afterEach(async () => {
  const { schema, privatePostgres, sink, pool, heralds } = current;
  current = { heralds: [] };
  await Promise.all(heralds.map((herald) => herald.stop('SIGKILL')));
  await sink?.close();
  await pool?.end().catch(() => {});
  await schema?.drop();
  await privatePostgres?.destroy();
}, 60_000);
afterAll(() => {
  current.heralds.forEach((herald) => herald.process.kill('SIGKILL'));
});

type Setup = { databaseUrl: string; sink: SmtpSink; query: <Row>(text: string, values?: unknown[]) => Promise<Row[]> };

/** A sink, a pool for the test's own queries, on a fresh schema of the shared server or on the given URL. */
async function setUp(databaseUrl?: string): Promise<Setup> {
  if (!databaseUrl) {
    current.schema = await createTestSchema();
    databaseUrl = current.schema.databaseUrl;
  }
  const sink = await startSmtpSink();
  current.sink = sink;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => {});
  current.pool = pool;
  return { databaseUrl, sink, query: async <Row>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as Row[] };
}

/** Starts a Herald process with every role, sending email to the sink. */
async function startHeraldOn(setup: Setup, env: Record<string, string> = {}): Promise<HeraldProcess> {
  const options: StartHeraldOptions = {
    databaseUrl: setup.databaseUrl,
    adminPassword: 'reliability-admin-password',
    env: {
      SMTP_URL: setup.sink.url,
      SMTP_FROM: 'Herald <herald@example.com>',
      HERALD_WORKER_BATCH_SIZE: String(batchSize),
      HERALD_WORKER_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
      ...env,
    },
  };
  const herald = await startHerald(options);
  current.heralds.push(herald);
  return herald;
}

function expectOk<T>(response: { status: number; body: T }, what: string): T {
  if (response.status >= 300) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** `count` recipients through the bulk API, an email template, a schedule, and "send now": the run's id. */
async function startEmailRun(herald: HeraldProcess, count: number): Promise<string> {
  const chunk = 5_000;
  for (let from = 0; from < count; from += chunk) {
    const recipients = Array.from({ length: Math.min(chunk, count - from) }, (_, i) => ({
      externalId: `person-${from + i}`,
      email: `person-${from + i}@example.com`,
      name: `Person ${from + i}`,
    }));
    expectOk(await herald.api('POST', '/api/recipients/bulk', { recipients }), 'POST /api/recipients/bulk');
  }
  const template = expectOk(await herald.api<{ id: string }>('POST', '/api/notifications/templates', {
    name: 'Reliability',
    content: { email: { subject: 'Hello {{ recipient.name }}', html: '<p>News for {{ recipient.name }}.</p>', text: 'News for {{ recipient.name }}.' } },
  }), 'POST /api/notifications/templates');
  const schedule = expectOk(await herald.api<{ id: string }>('POST', '/api/notifications/scheduled', {
    name: 'Reliability',
    templateId: template.id,
    timezone: 'UTC',
    timing: { type: 'once', at: '2099-01-01T09:00' },
    audience: { type: 'all' },
    channels: ['email'],
  }), 'POST /api/notifications/scheduled');
  const run = expectOk(await herald.api<{ id: string; audienceSize: number }>('POST', `/api/notifications/scheduled/${schedule.id}/send-now`), 'send-now');
  expect(run.audienceSize).toBe(count);
  return run.id;
}

type Progress = { completed: boolean; byStatus: Record<string, number> };

async function progressOf(setup: Setup, runId: string): Promise<Progress> {
  const rows = await setup.query<{ status: string; count: number }>(
    'SELECT status, count(*)::int AS count FROM deliveries WHERE run_id = $1 GROUP BY status', [runId]);
  const [run] = await setup.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
  return { completed: run?.status === 'completed', byStatus: Object.fromEntries(rows.map((row) => [row.status, row.count])) };
}

/** Polls until the condition holds; fails after the deadline, saying what it saw. */
async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, describeState: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // the database may be away (that is what some tests do); ask again
    }
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms: ${await describeState()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until the run is completed with `count` deliveries sent and the sink holds an email for each. */
async function waitForRunDelivered(setup: Setup, runId: string, count: number, timeoutMs: number, heralds: () => HeraldProcess[]): Promise<void> {
  const distinctIds = () => new Set(setup.sink.messages.map((message) => message.messageId)).size;
  await waitUntil(async () => {
    const progress = await progressOf(setup, runId);
    return progress.completed && progress.byStatus.sent === count && distinctIds() >= count;
  }, timeoutMs, async () => {
    const progress = await progressOf(setup, runId).catch((error: unknown) => String(error));
    const logs = heralds().map((herald) => herald.logs().split('\n').slice(-15).join('\n')).join('\n---\n');
    return `run ${JSON.stringify(progress)}; emails received ${setup.sink.messages.length} (${distinctIds()} distinct Message-IDs) of ${count}\n${logs}`;
  });
  // A moment more: a late duplicate would arrive now.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}

/**
 * Every delivery of the run arrived, each email carries its delivery's stable Message-ID and
 * went to that delivery's recipient, and there are at most `maxRepeats` repeats. Returns how
 * many repeats there were.
 */
async function expectEveryoneGotTheirEmail(setup: Setup, runId: string, count: number, maxRepeats: number): Promise<number> {
  const deliveries = await setup.query<{ id: string; email: string; status: string }>(
    'SELECT d.id, r.email, d.status FROM deliveries d JOIN recipients r ON r.id = d.recipient_id WHERE d.run_id = $1', [runId]);
  expect(deliveries).toHaveLength(count);
  expect(deliveries.filter((delivery) => delivery.status !== 'sent')).toEqual([]);
  const emailOf = new Map(deliveries.map((delivery) => [Number(delivery.id), delivery.email]));

  const copies = new Map<number, SinkMessage[]>();
  const strangers: string[] = [];
  for (const message of setup.sink.messages) {
    const match = /^d(\d+)\.r([0-9a-f-]{36})@herald$/.exec(message.messageId ?? '');
    const deliveryId = Number(match?.[1]);
    if (!match || match[2] !== runId || !emailOf.has(deliveryId) || message.to.join(',') !== emailOf.get(deliveryId)) {
      strangers.push(`${message.messageId} to ${message.to.join(',')}`);
      continue;
    }
    copies.set(deliveryId, [...(copies.get(deliveryId) ?? []), message]);
  }
  // No email without its delivery's stable id, or to someone else than that delivery's recipient.
  expect(strangers.slice(0, 10)).toEqual([]);
  // None lost.
  const missing = [...emailOf.keys()].filter((id) => !copies.has(id));
  expect(missing.length, `deliveries with no email: ${missing.slice(0, 10).join(', ')}`).toBe(0);
  const repeats = setup.sink.messages.length - count;
  expect(repeats, `emails received ${setup.sink.messages.length} for ${count} deliveries`).toBeLessThanOrEqual(maxRepeats);
  // Each repeat is a copy of the same message: same subject as its first copy.
  for (const sent of copies.values()) {
    if (sent.length > 1) expect(new Set(sent.map((message) => message.subject)).size).toBe(1);
  }
  return repeats;
}

describe('reliability on PostgreSQL', () => {
  it('loses nothing when a worker is killed with SIGKILL in the middle of 20,000 emails, and repeats at most what it had sent and not recorded, under the same Message-ID', async () => {
    const count = 20_000;
    const setup = await setUp();
    const first = await startHeraldOn(setup);
    const runId = await startEmailRun(first, count);

    // In the middle: a few thousand out, most still to go.
    await setup.sink.waitForMessages(3_000, 120_000);
    await first.kill9();
    const atKill = setup.sink.messages.length;
    const stateAtKill = await progressOf(setup, runId);
    expect(atKill).toBeLessThan(count);
    expect((stateAtKill.byStatus.queued ?? 0) + (stateAtKill.byStatus.sending ?? 0)).toBeGreaterThan(0);

    // Another process takes over; the killed one's leases run out (60 s) and go back in the queue.
    const second = await startHeraldOn(setup);
    await waitForRunDelivered(setup, runId, count, 240_000, () => [first, second]);
    const repeats = await expectEveryoneGotTheirEmail(setup, runId, count, unrecordedAtMost);
    console.log(`kill -9 after ${atKill} emails (deliveries then: ${JSON.stringify(stateAtKill.byStatus)}); repeats after the restart: ${repeats} (at most ${unrecordedAtMost})`);
  }, 360_000);

  it('finishes the run when PostgreSQL restarts in the middle of it, sending nothing twice', async () => {
    const count = 8_000;
    const privatePostgres = await startPrivatePostgres();
    current.privatePostgres = privatePostgres;
    const setup = await setUp(privatePostgres.url);
    const herald = await startHeraldOn(setup);
    const runId = await startEmailRun(herald, count);

    await setup.sink.waitForMessages(1_500, 120_000);
    // Fast shutdown cuts every connection, as a crash or a failover would; down for 3 s.
    await privatePostgres.restart(3_000);
    const atRestart = setup.sink.messages.length;
    expect(atRestart).toBeLessThan(count);

    await waitForRunDelivered(setup, runId, count, 240_000, () => [herald]);
    // The process rode it out: it did not exit, it reconnected.
    expect(herald.process.exitCode, herald.logs()).toBeNull();
    expect(herald.process.signalCode).toBeNull();
    // What was sent while the server was away is recorded once it is back, well within the
    // leases: no batch is sent again.
    const repeats = await expectEveryoneGotTheirEmail(setup, runId, count, 0);
    console.log(`PostgreSQL restarted after ${atRestart} emails; repeats: ${repeats}`);
  }, 360_000);

  it('retries with backoff while the SMTP server is down, and delivers everything once it is back', async () => {
    const count = 3_000;
    const policy = { maxAttempts: 10, baseDelaySeconds: 2, factor: 2, maxDelaySeconds: 20, jitter: 0.2 };
    const setup = await setUp();
    const herald = await startHeraldOn(setup);
    expectOk(await herald.api('PUT', '/api/settings/delivery', { retryPolicies: { default: policy } }), 'PUT /api/settings/delivery');
    const runId = await startEmailRun(herald, count);

    await setup.sink.waitForMessages(300, 120_000);
    await setup.sink.stop();
    const downAt = Date.now();
    // Down long enough for sends to fail and be retried at least twice.
    await waitUntil(async () => {
      const [failed] = await setup.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
          WHERE d.run_id = $1 AND a.status = 'failed' AND a.attempt >= 2`, [runId]);
      return (failed?.count ?? 0) > 0 && Date.now() - downAt >= 6_000;
    }, 60_000, () => 'no delivery failed twice while the SMTP server was down');
    const receivedWhileDown = setup.sink.messages.length;
    await setup.sink.start();

    await waitForRunDelivered(setup, runId, count, 120_000, () => [herald]);
    await expectEveryoneGotTheirEmail(setup, runId, count, batchSize);
    expect(setup.sink.messages.length).toBeGreaterThan(receivedWhileDown);

    // The failures were transient and retried, each after a pause that grows: base × factor^(n-1), ± jitter.
    const attempts = await setup.query<{ delivery_id: string; attempt: number; status: string; is_transient: boolean | null; at: Date }>(
      `SELECT a.delivery_id, a.attempt, a.status, a.is_transient, a.created_at AS at FROM delivery_attempts a
         JOIN deliveries d ON d.id = a.delivery_id WHERE d.run_id = $1 ORDER BY a.delivery_id, a.attempt, a.id`, [runId]);
    const failed = attempts.filter((attempt) => attempt.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((attempt) => attempt.is_transient === true)).toBe(true);
    const byDelivery = new Map<string, typeof attempts>();
    for (const attempt of attempts) byDelivery.set(attempt.delivery_id, [...(byDelivery.get(attempt.delivery_id) ?? []), attempt]);
    // The pause after the n-th failure, against the policy's floor for it (the jitter may take 20% off; 300 ms for the recording).
    const tooSoon: string[] = [];
    let retried = 0;
    for (const [deliveryId, list] of byDelivery) {
      for (let i = 1; i < list.length; i += 1) {
        const previous = list[i - 1]!;
        if (previous.status !== 'failed') continue;
        retried += 1;
        const pauseMs = list[i]!.at.getTime() - previous.at.getTime();
        const floorMs = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * policy.factor ** (previous.attempt - 1)) * 1000 * (1 - policy.jitter) - 300;
        if (pauseMs < floorMs) tooSoon.push(`delivery ${deliveryId}: attempt ${list[i]!.attempt} came ${pauseMs} ms after attempt ${previous.attempt} failed (floor ${floorMs} ms)`);
      }
      expect(list.at(-1)?.status).toBe('sent');
    }
    expect(retried).toBeGreaterThan(0);
    expect(tooSoon.slice(0, 10)).toEqual([]);
    console.log(`SMTP down for ${Math.round((Date.now() - downAt) / 1000)} s: ${failed.length} failed attempts, ${retried} retries, every email delivered`);
  }, 300_000);
});
