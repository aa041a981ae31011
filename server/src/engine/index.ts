import type { HeraldContext } from '../context.ts';
import { startScheduler } from './scheduler/scheduler.ts';
import { startWorker } from './worker/worker.ts';

export type Engine = { stop: () => Promise<void> };

/** Starts the scheduler and the worker, as far as this process has those roles. */
export function startEngine(context: HeraldContext): Engine {
  const { roles } = context.config;
  const scheduler = roles.includes('scheduler') ? startScheduler(context) : undefined;
  const worker = roles.includes('worker') ? startWorker(context) : undefined;
  return {
    stop: async () => {
      // The scheduler first, so no new deliveries appear while the worker drains its hands.
      await scheduler?.stop();
      await worker?.stop();
    },
  };
}
