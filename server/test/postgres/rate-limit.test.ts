/**
 * A rate limit holds across processes: two Herald worker processes share one PostgreSQL and
 * one global limit of N per minute, and a real SMTP server on loopback never receives more
 * than N emails in any minute-long window, while every email still arrives exactly once.
 *
 * To stay within seconds, the processes run with HERALD_LIMIT_WINDOW_SCALE: a "minute" lasts
 * 4 s. Everything else is as in production: the same limiter, the same token state in
 * PostgreSQL, two processes racing for it, and arrival times measured by the receiver.
 */
import { describe, expect, it } from 'vitest';
import type { HeraldProcess } from '../support/herald-process.ts';
import { useHeraldCluster } from '../support/herald-cluster.ts';
import { maxInAnyWindow } from '../support/sliding-window.ts';

const scale = 1 / 15;
const windowMs = 60_000 * scale;
const perMinute = 12;
const deliveryCount = 48;

const cluster = useHeraldCluster(2, {
  adminPassword: 'rate-limit-admin-password',
  roles: 'api,worker',
  // Small batches, so both processes keep asking for tokens at the same moments.
  env: { HERALD_LIMIT_WINDOW_SCALE: String(scale), HERALD_WORKER_INTERVAL_MS: '20', HERALD_WORKER_BATCH_SIZE: '2', LOG_LEVEL: 'warn' },
});
const rows = cluster.query;

describe('two worker processes against one rate limit', () => {
  it(`never deliver more than ${perMinute} in any minute, and deliver everything once`, async () => {
    const [first, second] = cluster.heralds as [HeraldProcess, HeraldProcess];
    const settings = await first.api('PUT', '/api/settings/delivery', { rateLimits: { global: { maxPerMinute: perMinute } } });
    expect(settings.status).toBe(200);

    // The queue, written straight in: a run with one due email per recipient.
    const [template] = await rows<{ id: string }>(`INSERT INTO templates (name, content) VALUES ('Limited', $1) RETURNING id`,
      [JSON.stringify({ email: { subject: 'Hello {{ recipient.name }}', html: '<p>Hi</p>' } })]);
    const [schedule] = await rows<{ id: string }>(`INSERT INTO schedules (name, template_id, timing, timezone, audience_type, channels)
      VALUES ('Limited', $1, '{"type":"once","at":"2030-01-01T09:00"}', 'UTC', 'all', '{email}') RETURNING id`, [template!.id]);
    const [run] = await rows<{ id: string }>('INSERT INTO runs (schedule_id, occurrence_at) VALUES ($1, now()) RETURNING id', [schedule!.id]);
    await rows(`INSERT INTO recipients (external_id, email, name)
      SELECT 'limited-' || i, 'limited-' || i || '@example.com', 'Person ' || i FROM generate_series(1, $1::int) AS i`, [deliveryCount]);
    await rows(`INSERT INTO deliveries (run_id, schedule_id, recipient_id, status, priority, due_at, channels)
      SELECT $1, $2, id, 'queued', 2, now(), '{email}' FROM recipients WHERE external_id LIKE 'limited-%'`, [run!.id, schedule!.id]);

    const budgetMs = (deliveryCount / perMinute + 4) * windowMs * 2;
    const deadline = Date.now() + budgetMs;
    while (cluster.sink().messages.length < deliveryCount && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    // A moment more: a repeat would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const messages = cluster.sink().messages;
    expect(messages.length, `received ${messages.length} of ${deliveryCount} within ${budgetMs} ms`).toBe(deliveryCount);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(deliveryCount);
    const [state] = await rows<{ sent: number; attempts: number }>(`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, max(attempts)::int AS attempts FROM deliveries WHERE run_id = $1`, [run!.id]);
    expect(state).toEqual({ sent: deliveryCount, attempts: 1 });

    // The promise, measured where the emails arrive.
    const arrivals = messages.map((m) => m.receivedAt.getTime());
    const busiest = maxInAnyWindow(arrivals, windowMs);
    expect(busiest).toBeLessThanOrEqual(perMinute);
    // The limit was the bottleneck (windows ran nearly full), so the test could have caught an excess.
    expect(busiest).toBeGreaterThanOrEqual(perMinute - 3);

    // Both processes sent: the limit was shared, not held by one of them.
    const sent = await Promise.all([first, second].map((herald) => cluster.metric(herald, 'herald_deliveries_sent_total')));
    expect(sent.reduce((a, b) => a + b, 0)).toBe(deliveryCount);
    expect(Math.min(...sent), `emails per process: ${sent.join(', ')}`).toBeGreaterThan(0);
  }, 180_000);
});
