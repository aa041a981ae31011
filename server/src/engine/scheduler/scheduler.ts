/**
 * The scheduler loop of a process with the `scheduler` role. It sleeps until the soonest
 * occurrence is due, so a run fires as soon as it is due rather than at the next tick of a
 * fixed interval; HERALD_SCHEDULER_INTERVAL_MS bounds the sleep (a schedule changed by a process
 * whose news was lost, or one another scheduler was firing, is looked at again by then). A
 * schedule created, edited or resumed anywhere announces its next run time (announce.ts), which
 * wakes a scheduler sleeping past it.
 *
 * Ticks never overlap: the next one is planned when the current one ends. Running several
 * schedulers (in one process or many) is safe because firing itself is exactly-once (see
 * fire-schedule.ts), not because of this loop.
 */
import type { HeraldContext } from '../../context.ts';
import { schedulesChannel } from './announce.ts';
import { fireDueSchedules } from './fire-due.ts';

/** Starts the loop; stop() waits for the tick in progress. */
export function startScheduler(context: HeraldContext): { stop(): Promise<void> } {
  const intervalMs = context.config.schedulerIntervalMs;
  let isStopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** when the planned tick will run (epoch ms); Infinity while a tick runs */
  let plannedAt = Number.POSITIVE_INFINITY;
  let current: Promise<void> | undefined;
  /** the soonest run time announced while a tick ran: the tick may have read the schedules before it */
  let heardDuringTick = Number.POSITIVE_INFINITY;

  const plan = (at: number): void => {
    if (isStopped) return;
    const now = Date.now();
    const delay = Math.max(0, Math.min(at, now + intervalMs) - now);
    clearTimeout(timer);
    plannedAt = now + delay;
    timer = setTimeout(run, delay);
  };

  /** One tick; returns when the next one should run (epoch ms). */
  const tick = async (): Promise<number> => {
    try {
      const { nextDueAt } = await fireDueSchedules(context);
      return nextDueAt?.getTime() ?? Number.POSITIVE_INFINITY;
    } catch (error) {
      // A lost database connection fails the whole tick; the next one, an interval later, tries again.
      context.logger.error({ err: error }, 'scheduler tick failed');
      return Number.POSITIVE_INFINITY;
    }
  };

  function run(): void {
    if (isStopped) return;
    timer = undefined;
    plannedAt = Number.POSITIVE_INFINITY;
    heardDuringTick = Number.POSITIVE_INFINITY;
    current = tick().then((next) => {
      current = undefined;
      plan(Math.min(next, heardDuringTick));
    });
  }

  const hear = (payload: string): void => {
    const announced = Date.parse(payload);
    const at = Number.isNaN(announced) ? Date.now() : announced;
    if (current) heardDuringTick = Math.min(heardDuringTick, at);
    else if (at < plannedAt) plan(at);
  };

  // Listening is an optimisation: without it (the connection failed), the interval still bounds the wait.
  const listening = context.database.listen(schedulesChannel, hear).catch((error: unknown) => {
    context.logger.warn({ err: error }, 'the scheduler cannot listen for schedule changes; it looks every interval');
    return undefined;
  });

  run();
  return {
    async stop() {
      isStopped = true;
      clearTimeout(timer);
      await current;
      await (await listening)?.();
    },
  };
}
