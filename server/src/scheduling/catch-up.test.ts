import { describe, expect, it } from 'vitest';
import type { Timing } from '@herald/shared';
import { planFiring, type FiringPlan } from './catch-up.ts';

const daily: Timing = { type: 'daily', time: '09:00' };
const minute = 60_000;
const hour = 60 * minute;
const at = (iso: string) => new Date(iso);

type Case = {
  name: string;
  timing?: Timing;
  dueAt: string;
  now: string;
  windowMs?: number;
  expected: { fire: [string, 'scheduled' | 'catch-up'] | null; missed: [number, string, string] | null; next: string | null };
};

const cases: Case[] = [
  {
    name: 'on time: fires the due occurrence as scheduled',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T09:00:01Z',
    expected: { fire: ['2026-03-02T09:00:00.000Z', 'scheduled'], missed: null, next: '2026-03-03T09:00:00.000Z' },
  },
  {
    name: 'exactly at the due instant',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T09:00:00Z',
    expected: { fire: ['2026-03-02T09:00:00.000Z', 'scheduled'], missed: null, next: '2026-03-03T09:00:00.000Z' },
  },
  {
    name: 'late by two hours, within the window: fired as catch-up',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T11:00:00Z',
    expected: { fire: ['2026-03-02T09:00:00.000Z', 'catch-up'], missed: null, next: '2026-03-03T09:00:00.000Z' },
  },
  {
    name: 'late by exactly the window: too old, missed',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T15:00:00Z',
    expected: { fire: null, missed: [1, '2026-03-02T09:00:00.000Z', '2026-03-02T09:00:00.000Z'], next: '2026-03-03T09:00:00.000Z' },
  },
  {
    name: 'three days down, the latest within the window: only the latest is sent',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-04T10:00:00Z',
    expected: { fire: ['2026-03-04T09:00:00.000Z', 'catch-up'], missed: [2, '2026-03-02T09:00:00.000Z', '2026-03-03T09:00:00.000Z'], next: '2026-03-05T09:00:00.000Z' },
  },
  {
    name: 'three days down, back just in time for the latest: it is on time',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-04T09:00:30Z',
    expected: { fire: ['2026-03-04T09:00:00.000Z', 'scheduled'], missed: [2, '2026-03-02T09:00:00.000Z', '2026-03-03T09:00:00.000Z'], next: '2026-03-05T09:00:00.000Z' },
  },
  {
    name: 'three days down, all too old: none sent, all missed',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-04T20:00:00Z',
    expected: { fire: null, missed: [3, '2026-03-02T09:00:00.000Z', '2026-03-04T09:00:00.000Z'], next: '2026-03-05T09:00:00.000Z' },
  },
  {
    name: 'window 0: a late occurrence is missed',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T09:05:00Z', windowMs: 0,
    expected: { fire: null, missed: [1, '2026-03-02T09:00:00.000Z', '2026-03-02T09:00:00.000Z'], next: '2026-03-03T09:00:00.000Z' },
  },
  {
    name: 'window 0: an on-time occurrence is still sent',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T09:00:20Z', windowMs: 0,
    expected: { fire: ['2026-03-02T09:00:00.000Z', 'scheduled'], missed: null, next: '2026-03-03T09:00:00.000Z' },
  },
  {
    name: 'once: fires, and nothing is left',
    timing: { type: 'once', at: '2026-03-02T09:00' }, dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T09:00:02Z',
    expected: { fire: ['2026-03-02T09:00:00.000Z', 'scheduled'], missed: null, next: null },
  },
  {
    name: 'once, too old: missed, and nothing is left',
    timing: { type: 'once', at: '2026-03-02T09:00' }, dueAt: '2026-03-02T09:00:00Z', now: '2026-03-10T09:00:00Z',
    expected: { fire: null, missed: [1, '2026-03-02T09:00:00.000Z', '2026-03-02T09:00:00.000Z'], next: null },
  },
  {
    name: 'endsAt passed during the downtime: the last occurrence in the window is the latest, nothing next',
    timing: { type: 'daily', time: '09:00', endsAt: '2026-03-03T09:00' }, dueAt: '2026-03-02T09:00:00Z', now: '2026-03-05T10:00:00Z',
    expected: { fire: null, missed: [2, '2026-03-02T09:00:00.000Z', '2026-03-03T09:00:00.000Z'], next: null },
  },
  {
    name: 'not due yet: nothing to do',
    dueAt: '2026-03-02T09:00:00Z', now: '2026-03-02T08:59:59Z',
    expected: { fire: null, missed: null, next: '2026-03-02T09:00:00.000Z' },
  },
];

function summary(plan: FiringPlan) {
  return {
    fire: plan.fire ? [plan.fire.occurrenceAt.toISOString(), plan.fire.trigger] : null,
    missed: plan.missed ? [plan.missed.count, plan.missed.from.toISOString(), plan.missed.to.toISOString()] : null,
    next: plan.nextRunAt?.toISOString() ?? null,
  };
}

describe('planFiring', () => {
  it.each(cases)('$name', ({ timing, dueAt, now, windowMs, expected }) => {
    const plan = planFiring({
      timing: timing ?? daily, timezone: 'UTC', dueAt: at(dueAt), now: at(now), onTimeGraceMs: minute, catchUpWindowMs: windowMs ?? 6 * hour,
    });
    expect(summary(plan)).toEqual(expected);
  });

  it('counts by bisection past the cap and still finds the last two occurrences', () => {
    const minutely: Timing = { type: 'cron', expression: '*/7 * * * *' };
    const input = { timing: minutely, timezone: 'Europe/Paris', dueAt: at('2026-03-02T09:00:00Z'), now: at('2026-03-05T10:03:00Z'), onTimeGraceMs: minute, catchUpWindowMs: 6 * hour };
    const exact = planFiring(input);
    const capped = planFiring({ ...input, maxCounted: 50 });
    expect(exact.missed?.isCountCapped).toBe(false);
    expect(capped.missed?.isCountCapped).toBe(true);
    expect(capped.missed!.count).toBeGreaterThanOrEqual(50);
    expect(capped.missed!.count).toBeLessThan(exact.missed!.count);
    // now is 11:03 in Paris; */7 matches :00 … :56 of each hour, so the latest is 11:00 and the one before 10:56.
    expect(exact.fire).toEqual({ occurrenceAt: at('2026-03-05T10:00:00Z'), trigger: 'catch-up' });
    expect(exact.missed!.to).toEqual(at('2026-03-05T09:56:00Z'));
    expect(capped.fire).toEqual(exact.fire);
    expect(capped.missed!.to).toEqual(exact.missed!.to);
    expect(capped.nextRunAt).toEqual(exact.nextRunAt);
    expect(exact.fire?.trigger).toBe('catch-up');
  });
});
