import { describe, expect, it } from 'vitest';
import { buildResultRows, type DeliveryResult } from './result-rows.ts';
import type { ClaimedDelivery } from './claim-deliveries.ts';

const delivery: ClaimedDelivery = {
  id: 7, runId: 'run', scheduleId: 'schedule', recipientId: 'recipient', channels: ['email', 'inapp'], attempts: 2, priority: 2, dueAt: new Date(0), retryBase: 0, isCounted: false, wasDeferred: false,
};

describe('buildResultRows', () => {
  it('writes one attempt and one event per channel answer, and the delivery\'s new state', () => {
    const retryAt = new Date('2030-01-01T00:00:10Z');
    const results: DeliveryResult[] = [{
      delivery,
      outcomes: [
        { channel: 'email', result: { ok: false, isTransient: true, error: '451 later' } },
        { channel: 'inapp', result: { ok: true, providerMessageId: 'm1' } },
      ],
      settlement: { status: 'queued', retryAt, reason: 'email: 451 later', retrying: ['email'] },
      settledAt: new Date('2030-01-01T00:00:02Z'),
    }];
    const rows = buildResultRows(results, { inapp: 0.001 });
    expect(rows.attempts).toEqual([
      { delivery_id: 7, channel: 'email', attempt: 2, status: 'failed', is_transient: true, error: '451 later', provider_message_id: null, at: '2030-01-01T00:00:02.000Z' },
      { delivery_id: 7, channel: 'inapp', attempt: 2, status: 'sent', is_transient: null, error: null, provider_message_id: 'm1', at: '2030-01-01T00:00:02.000Z' },
    ]);
    expect(rows.events.map((e) => [e.type, e.channel, e.data])).toEqual([
      ['retrying', 'email', { attempt: 2, error: '451 later', retryAt: retryAt.toISOString() }],
      ['sent', 'inapp', { attempt: 2, cost: 0.001 }],
    ]);
    expect(rows.events[0]).toMatchObject({ delivery_id: 7, run_id: 'run', schedule_id: 'schedule', recipient_id: 'recipient' });
    expect(rows.settlements).toEqual([{ id: 7, status: 'queued', channel: null, reason: 'email: 451 later', retry_at: retryAt.toISOString(), cost: 0.001, is_deferred: false }]);
  });

  it('records a sent delivery with its channel', () => {
    const rows = buildResultRows([{ delivery, outcomes: [{ channel: 'email', result: { ok: true } }], settlement: { status: 'sent', channel: 'email', reason: null } }]);
    expect(rows.settlements).toEqual([{ id: 7, status: 'sent', channel: 'email', reason: null, retry_at: null, cost: null, is_deferred: false }]);
    expect(rows.events.map((e) => e.type)).toEqual(['sent']);
  });

  it('leaves a failed event even when no channel was tried', () => {
    const rows = buildResultRows([{ delivery, outcomes: [], settlement: { status: 'failed', reason: 'no channel to send on' } }]);
    expect(rows.attempts).toEqual([]);
    expect(rows.events).toEqual([expect.objectContaining({ type: 'failed', channel: null, data: { attempt: 2, error: 'no channel to send on' } })]);
  });

  it('adds up the cost of every delivered channel, and only of those', () => {
    const rows = buildResultRows([{
      delivery,
      outcomes: [{ channel: 'email', result: { ok: true } }, { channel: 'sms', result: { ok: true } }, { channel: 'push', result: { ok: false, isTransient: false, error: 'gone' } }],
      settlement: { status: 'sent', channel: 'email', reason: 'push: gone' },
    }], { email: 0.0004, sms: 0.05, push: 1 });
    expect(rows.settlements[0]!.cost).toBeCloseTo(0.0504, 10);
  });

  it.each([
    ['a rate limit', 'rate limit global: 10 per minute'],
    ['the frequency cap', 'frequency cap: this recipient already had 2 per day'],
    ['quiet hours', 'quiet hours until 08:00 Europe/Paris'],
  ])('puts a delivery deferred by %s back in the queue, attempt taken back, with a deferred event saying until when and why', (_name, reason) => {
    const until = new Date('2030-01-01T00:01:00Z');
    const rows = buildResultRows([{ delivery, outcomes: [], settlement: { status: 'deferred', until, reason } }]);
    expect(rows.settlements).toEqual([{ id: 7, status: 'queued', channel: null, reason, retry_at: until.toISOString(), cost: null, is_deferred: true }]);
    expect(rows.events).toEqual([{ type: 'deferred', delivery_id: 7, run_id: 'run', schedule_id: 'schedule', recipient_id: 'recipient', channel: null, data: { until: until.toISOString(), reason } }]);
    expect(rows.attempts).toEqual([]);
  });

  it('records a retry after an internal error, where no channel answered, as retrying', () => {
    const retryAt = new Date('2030-01-01T00:00:05Z');
    const rows = buildResultRows([{ delivery, outcomes: [], settlement: { status: 'queued', retryAt, reason: 'internal error: boom', retrying: [] } }]);
    expect(rows.events).toEqual([expect.objectContaining({ type: 'retrying', channel: null, data: { attempt: 2, error: 'internal error: boom', retryAt: retryAt.toISOString() } })]);
  });

  it('writes no second event for a sent delivery settled without a send (fallback already delivered)', () => {
    const rows = buildResultRows([{ delivery, outcomes: [], settlement: { status: 'sent', channel: 'email', reason: null } }]);
    expect(rows.events).toEqual([]);
  });

  it('leaves a skipped event for a recipient who unsubscribed before the send', () => {
    const rows = buildResultRows([{ delivery, outcomes: [], settlement: { status: 'skipped', reason: 'unsubscribed' } }]);
    expect(rows.events).toEqual([expect.objectContaining({ type: 'skipped', channel: null })]);
    expect(rows.settlements[0]).toMatchObject({ status: 'skipped', reason: 'unsubscribed' });
  });
});
