/**
 * The scheduler loop of a process with the `scheduler` role. Ticks never overlap: the next one
 * is planned when the current one ends. Running several schedulers (in one process or many) is
 * safe because firing itself is exactly-once (see fire-schedule.ts), not because of this loop.
 */
import type { HeraldContext } from '../../context.ts';
import { fireDueSchedules } from './fire-due.ts';

/** Starts ticking every config.schedulerIntervalMs; stop() waits for the tick in progress. */
export function startScheduler(context: HeraldContext): { stop(): Promise<void> } {
  let isStopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  const tick = async (): Promise<void> => {
    try {
      await fireDueSchedules(context);
    } catch (error) {
      // A lost database connection fails the whole tick; the next tick tries again.
      context.logger.error({ err: error }, 'scheduler tick failed');
    }
  };

  const run = (): void => {
    if (isStopped) return;
    current = tick().finally(() => {
      current = undefined;
      if (!isStopped) timer = setTimeout(run, context.config.schedulerIntervalMs);
    });
  };

  run();
  return {
    async stop() {
      isStopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
