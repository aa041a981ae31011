import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../lib/time.ts';
import { deliveryWhen } from './delivery-when.ts';

const now = Date.parse('2030-01-01T12:00:00Z');
const queued = { status: 'queued' as const, attempts: 0, dueAt: '2030-01-01T12:00:00Z', sentAt: null };

describe('deliveryWhen', () => {
  it('gives the time a delivery was sent', () => {
    expect(deliveryWhen({ ...queued, status: 'sent', attempts: 1, sentAt: '2030-01-01T11:00:00Z' }, now)).toEqual({ text: formatDateTime('2030-01-01T11:00:00Z'), isPending: false });
  });

  it('says how soon a failed send is tried again, and when a held delivery is due', () => {
    expect(deliveryWhen({ ...queued, attempts: 2, dueAt: '2030-01-01T12:00:40Z' }, now).text).toBe('retry in 40 seconds');
    expect(deliveryWhen({ ...queued, dueAt: '2030-01-01T14:00:00Z' }, now).text).toBe('due in 2 hours');
  });

  it('gives the due time of one whose time has come, and nothing for one that will not be sent', () => {
    expect(deliveryWhen({ ...queued, attempts: 1, dueAt: '2030-01-01T11:59:00Z' }, now).text).toBe(`due ${formatDateTime('2030-01-01T11:59:00Z')}`);
    expect(deliveryWhen({ ...queued, status: 'failed', attempts: 5 }, now)).toEqual({ text: '—', isPending: true });
  });
});
