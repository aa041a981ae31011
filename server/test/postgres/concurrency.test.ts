/**
 * The scale-out promise, end to end: three Herald processes, each with every role (api,
 * scheduler, worker), share one PostgreSQL schema and one real SMTP server on loopback. A
 * recurring schedule to 10,000 recipients fires three times. Every occurrence must fire
 * exactly once, and every recipient must get exactly one email per occurrence: no process
 * may fire what another fired, nor send what another sent.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, startHerald, type HeraldProcess, type TestSchema } from '../support/herald-process.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const processCount = 3;
const recipientCount = 10_000;
const periodSeconds = 10;
const occurrenceCount = 3;
/** time from the last occurrence to every email sent, beyond which the test gives up */
const drainBudgetMs = 180_000;

let schema: TestSchema | undefined;
let sink: SmtpSink | undefined;
let pool: pg.Pool | undefined;
const heralds: HeraldProcess[] = [];

beforeAll(async () => {
  schema = await createTestSchema();
  sink = await startSmtpSink();
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  const shared = {
    databaseUrl: schema.databaseUrl,
    adminPassword: 'concurrency-admin-password',
    env: {
      SMTP_URL: sink.url,
      SMTP_FROM: 'Herald <herald@example.com>',
      HERALD_SCHEDULER_INTERVAL_MS: '200',
      HERALD_WORKER_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
    },
  };
  // Started together on purpose: migrations and the first admin must also survive the race.
  heralds.push(...(await Promise.all(Array.from({ length: processCount }, () => startHerald(shared)))));
}, 120_000);

afterAll(async () => {
  await Promise.all(heralds.map((herald) => herald.stop()));
  await sink?.close();
  await pool?.end();
  await schema?.drop();
}, 120_000);

async function rows<Row>(text: string, values: unknown[] = []): Promise<Row[]> {
  return (await pool!.query(text, values)).rows as Row[];
}

/** "2026-11-28T15:20:40" in UTC: the local date-time of a schedule in the UTC zone. */
function utcLocal(instant: Date): string {
  return instant.toISOString().slice(0, 19);
}

function expectOk<T>(response: { status: number; body: T }, what: string): T {
  if (response.status >= 300) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** What the processes complained about, for a failure message. */
function errorLogs(): string {
  return heralds
    .map((herald, index) => `process ${index}:\n${herald.logs().split('\n').filter((line) => /"level":(40|50|60)/.test(line)).slice(-20).join('\n')}`)
    .join('\n');
}

/** A per-process counter from its Prometheus endpoint (0 when the process never counted it). */
async function metric(herald: HeraldProcess, name: string): Promise<number> {
  const text = await (await fetch(`${herald.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe(`${processCount} Herald processes on one PostgreSQL`, () => {
  it(`fire each of ${occurrenceCount} occurrences once and email each of ${recipientCount} recipients once per occurrence`, async () => {
    const [first, second, third] = heralds as [HeraldProcess, HeraldProcess, HeraldProcess];

    // Recipients through the bulk API, in parallel, through every process.
    const people = Array.from({ length: recipientCount }, (_, i) => ({
      externalId: `user-${i}`,
      email: `user-${i}@example.com`,
      name: `User ${i}`,
    }));
    const chunkSize = 2_500;
    await Promise.all(
      Array.from({ length: recipientCount / chunkSize }, (_, chunk) =>
        heralds[chunk % processCount]!.api('POST', '/api/recipients/bulk', { recipients: people.slice(chunk * chunkSize, (chunk + 1) * chunkSize) })
          .then((response) => expectOk(response, 'POST /api/recipients/bulk'))),
    );
    const [stored] = await rows<{ count: number }>('SELECT count(*)::int AS count FROM recipients');
    expect(stored?.count).toBe(recipientCount);

    const template = expectOk(await second.api<{ id: string }>('POST', '/api/notifications/templates', {
      name: 'Weekly digest',
      content: { email: { subject: 'Hello {{ recipient.name }}', html: '<p>Your digest, {{ recipient.name }}.</p>', text: 'Your digest, {{ recipient.name }}.' } },
    }), 'POST /api/notifications/templates');

    // The first occurrence on a 10 s boundary at least 8 s away, so it is still ahead once
    // the schedule exists; endsAt (inclusive) stops the cron after `occurrenceCount` firings.
    const periodMs = periodSeconds * 1000;
    const firstAt = new Date(Math.ceil((Date.now() + 8_000) / periodMs) * periodMs);
    const expected = Array.from({ length: occurrenceCount }, (_, i) => new Date(firstAt.getTime() + i * periodMs));
    const lastAt = expected[expected.length - 1]!;
    const schedule = expectOk(await third.api<{ id: string; nextRunAt: string | null }>('POST', '/api/notifications/scheduled', {
      name: 'Digest every 10 seconds, three times',
      templateId: template.id,
      timezone: 'UTC',
      timing: { type: 'cron', expression: `*/${periodSeconds} * * * * *`, startsAt: utcLocal(firstAt), endsAt: utcLocal(lastAt) },
      audience: { type: 'all' },
      channels: ['email'],
    }), 'POST /api/notifications/scheduled');
    expect(schedule.nextRunAt).toBe(firstAt.toISOString());

    // Wait until every email is in and every run is complete, or the budget is spent.
    const total = recipientCount * occurrenceCount;
    const deadline = lastAt.getTime() + drainBudgetMs;
    type State = { runs: number; completed: number; sent: number; other: number };
    let state: State = { runs: 0, completed: 0, sent: 0, other: 0 };
    while (Date.now() < deadline) {
      [state] = await rows<State>(`SELECT
          (SELECT count(*)::int FROM runs WHERE schedule_id = $1) AS runs,
          (SELECT count(*)::int FROM runs WHERE schedule_id = $1 AND status = 'completed') AS completed,
          (SELECT count(*)::int FROM deliveries WHERE schedule_id = $1 AND status = 'sent') AS sent,
          (SELECT count(*)::int FROM deliveries WHERE schedule_id = $1 AND status <> 'sent') AS other`, [schedule.id]) as [State];
      const isDone = Date.now() > lastAt.getTime() && state.completed === occurrenceCount && state.sent === total && sink!.messages.length >= total;
      if (isDone) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // A moment more: a duplicate send or a stray fourth firing would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 3 * periodMs / 2));
    const progress = `runs ${state.runs} (completed ${state.completed}), deliveries sent ${state.sent}, not sent ${state.other}, emails received ${sink!.messages.length} of ${total}`;

    // Every occurrence fired once: one run per expected instant, no more.
    const runs = await rows<{ id: string; occurrence_at: Date; status: string; audience_size: number }>(
      'SELECT id, occurrence_at, status, audience_size FROM runs WHERE schedule_id = $1 ORDER BY occurrence_at', [schedule.id]);
    expect(runs.map((run) => run.occurrence_at.toISOString()), `${progress}\n${errorLogs()}`).toEqual(expected.map((at) => at.toISOString()));
    expect(runs.map((run) => run.status), progress).toEqual(runs.map(() => 'completed'));
    expect(runs.map((run) => run.audience_size)).toEqual(runs.map(() => recipientCount));

    // Every delivery sent, one per (run, recipient), each with exactly one successful attempt.
    const deliveries = await rows<{ run_id: string; status: string; count: number }>(
      'SELECT run_id, status, count(*)::int AS count FROM deliveries WHERE schedule_id = $1 GROUP BY run_id, status', [schedule.id]);
    const byRun = (a: { run_id: string }, b: { run_id: string }) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0);
    expect(deliveries.sort(byRun), progress).toEqual(runs.map((run) => ({ run_id: run.id, status: 'sent', count: recipientCount })).sort(byRun));
    const [sentAttempts] = await rows<{ count: number }>(
      `SELECT count(*)::int AS count FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.schedule_id = $1 AND a.status = 'sent'`, [schedule.id]);
    expect(sentAttempts?.count).toBe(total);

    // What the SMTP server saw: exactly one email per recipient per run, no repeat of any
    // Message-ID (Herald's Message-ID is d<delivery>.r<run>@herald, the same on a resend).
    const messages = sink!.messages;
    expect(messages.length, progress).toBe(total);
    expect(new Set(messages.map((message) => message.messageId)).size).toBe(total);
    const perRun = new Map<string, Map<string, number>>();
    for (const message of messages) {
      const runId = /^d\d+\.r([0-9a-f-]{36})@herald$/.exec(message.messageId ?? '')?.[1] ?? 'unknown';
      const received = perRun.get(runId) ?? new Map<string, number>();
      for (const address of message.to) received.set(address, (received.get(address) ?? 0) + 1);
      perRun.set(runId, received);
    }
    expect([...perRun.keys()].sort()).toEqual(runs.map((run) => run.id).sort());
    const allAddresses = people.map((person) => person.email).sort();
    for (const [runId, received] of perRun) {
      expect([...received.keys()].sort(), `run ${runId}`).toEqual(allAddresses);
      expect([...received.values()].every((count) => count === 1), `run ${runId}: someone got two emails`).toBe(true);
    }
    expect(messages[0]?.subject).toMatch(/^Hello User \d+$/);

    // Each process's own account adds up to the same totals: the work was shared, not repeated.
    const fired = await Promise.all([first, second, third].map((herald) => metric(herald, 'herald_runs_fired_total')));
    const sent = await Promise.all([first, second, third].map((herald) => metric(herald, 'herald_deliveries_sent_total')));
    // Figures for the record, not assertions: how the work was shared and how fast it went.
    const lastReceivedAt = messages.reduce((latest, message) => Math.max(latest, message.receivedAt.getTime()), 0);
    const seconds = (lastReceivedAt - firstAt.getTime()) / 1000;
    console.log(`runs fired per process: ${fired.join(', ')}; emails sent per process: ${sent.join(', ')}; `
      + `${total} emails received ${seconds.toFixed(1)} s after the first occurrence (the last one was due at ${(lastAt.getTime() - firstAt.getTime()) / 1000} s)`);
    expect(fired.reduce((a, b) => a + b, 0)).toBe(occurrenceCount);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(total);
  }, drainBudgetMs + 120_000);
});
