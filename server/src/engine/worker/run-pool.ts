/** Running a list of tasks with a bounded number in flight, stopping early on request. */

export type PoolReport<T> = { started: T[]; notStarted: T[] };

/**
 * Calls `work` on each item, at most `concurrency` at a time, in order. Once `isStopping()`
 * turns true no further item starts; the ones running finish. Resolves when all started
 * work has finished, naming the items that never started (to hand them back).
 * `work` must not reject: it reports failures in its result.
 */
export async function runPool<T>(items: readonly T[], concurrency: number, isStopping: () => boolean, work: (item: T) => Promise<void>): Promise<PoolReport<T>> {
  const started: T[] = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length && !isStopping()) {
      const item = items[next]!;
      next += 1;
      started.push(item);
      await work(item);
    }
  }
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane);
  await Promise.all(lanes);
  return { started, notStarted: items.slice(next) };
}
