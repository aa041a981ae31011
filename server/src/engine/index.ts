import type { HeraldContext } from '../context.ts';
import { startScheduler } from './scheduler/scheduler.ts';

export type Engine = { stop: () => Promise<void> };

/** Starts the scheduler and the worker, as far as this process has those roles. */
export function startEngine(context: HeraldContext): Engine {
  const parts: Engine[] = [];
  if (context.config.roles.includes('scheduler')) parts.push(startScheduler(context));
  return { stop: async () => { await Promise.all(parts.map((p) => p.stop())); } };
}
