import { describe, expect, it } from 'vitest';
import { runPool } from './run-pool.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('runPool', () => {
  it('runs every item, never more than the concurrency at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    const report = await runPool([1, 2, 3, 4, 5, 6, 7], 3, () => false, async (item) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick();
      done.push(item);
      inFlight -= 1;
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(report.notStarted).toEqual([]);
  });

  it('starts nothing more once stopping, lets the running finish, and names the rest', async () => {
    let isStopping = false;
    const finished: number[] = [];
    const report = await runPool([1, 2, 3, 4, 5], 2, () => isStopping, async (item) => {
      await tick();
      if (item === 2) isStopping = true;
      finished.push(item);
    });
    expect(report.started.length + report.notStarted.length).toBe(5);
    expect(finished.sort()).toEqual([...report.started].sort());
    expect(report.notStarted.length).toBeGreaterThan(0);
    expect(report.notStarted).toContain(5);
  });

  it('handles an empty list and a concurrency above the count', async () => {
    expect(await runPool([], 10, () => false, async () => {})).toEqual({ started: [], notStarted: [] });
    expect((await runPool([1], 10, () => false, async () => {})).started).toEqual([1]);
  });
});
