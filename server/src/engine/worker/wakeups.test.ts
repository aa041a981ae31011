import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWakeups, type Wakeups } from './wakeups.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Sleeps, and tells whether the sleep has ended. */
function sleeping(wakeups: Wakeups, untilMs?: number): { hasWoken: () => boolean } {
  let hasWoken = false;
  void wakeups.sleep(untilMs).then(() => {
    hasWoken = true;
  });
  return { hasWoken: () => hasWoken };
}

describe('createWakeups', () => {
  it('sleeps for the poll interval', async () => {
    const sleep = sleeping(createWakeups(250));
    await vi.advanceTimersByTimeAsync(249);
    expect(sleep.hasWoken()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(sleep.hasWoken()).toBe(true);
  });

  it('wakes at a promised time sooner than the poll, and never later than the poll', async () => {
    const wakeups = createWakeups(250);
    const soon = sleeping(wakeups, 40);
    await vi.advanceTimersByTimeAsync(40);
    expect(soon.hasWoken()).toBe(true);
    const late = sleeping(wakeups, 10_000);
    await vi.advanceTimersByTimeAsync(250);
    expect(late.hasWoken()).toBe(true);
    const past = sleeping(wakeups, -5);
    await vi.advanceTimersByTimeAsync(0);
    expect(past.hasWoken()).toBe(true);
  });

  it('wakes at once on a wake, and leaves no timer behind', async () => {
    const wakeups = createWakeups(250);
    const sleep = sleeping(wakeups);
    wakeups.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(sleep.hasWoken()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a wake that came while awake for the next sleep, once', async () => {
    const wakeups = createWakeups(250);
    wakeups.wake();
    wakeups.wake();
    const first = sleeping(wakeups);
    await vi.advanceTimersByTimeAsync(0);
    expect(first.hasWoken()).toBe(true);
    const second = sleeping(wakeups);
    await vi.advanceTimersByTimeAsync(0);
    expect(second.hasWoken()).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    expect(second.hasWoken()).toBe(true);
  });

  it('on stop ends the sleep and lets no later one wait', async () => {
    const wakeups = createWakeups(250);
    const sleep = sleeping(wakeups);
    wakeups.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(sleep.hasWoken()).toBe(true);
    const after = sleeping(wakeups);
    await vi.advanceTimersByTimeAsync(0);
    expect(after.hasWoken()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
