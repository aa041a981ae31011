/**
 * When each running run should be done, given the rate limits: a pure estimate, so its rules
 * are unit-tested. Runs share the global limit in the order the workers serve them (priority,
 * then the earlier run), and each run is also bounded by its schedule's and its channels' limits.
 * Without any limit, the recent pace of the whole queue is extrapolated.
 */
import type { ChannelMode } from '@herald/shared';

export type RunToProject = {
  runId: string;
  /** 0 critical … 3 low */
  priority: number;
  firedAt: Date;
  channels: readonly string[];
  channelMode: ChannelMode;
  /** deliveries still queued or being sent */
  remaining: number;
  /** the latest due time among them: a run cannot end before its last delivery is due */
  latestDueAt: Date | null;
};

export type ProjectionLimits = {
  /** messages per second the global limit allows (null: none) */
  globalRate: number | null;
  /** messages per second each channel's limit allows */
  channelRates: ReadonlyMap<string, number>;
  /** messages per second each schedule's own limit allows, by run */
  runRates: ReadonlyMap<string, number>;
  /** messages per second sent lately across the queue (0: nothing lately) */
  observedRate: number;
};

export type RunProjection = { runId: string; allowedRatePerSecond: number | null; projectedFinishAt: Date | null };

/** Messages one delivery of the run sends: every channel, or one in a fallback chain. */
function messagesPerDelivery(run: RunToProject): number {
  return run.channelMode === 'all' ? Math.max(1, run.channels.length) : 1;
}

/** Deliveries per second the run's own limits (schedule, channels) allow; null when none applies. */
function ownRate(run: RunToProject, limits: ProjectionLimits): number | null {
  const perDelivery = messagesPerDelivery(run);
  const rates: number[] = [];
  const scheduleRate = limits.runRates.get(run.runId);
  if (scheduleRate !== undefined) rates.push(scheduleRate / perDelivery);
  // A fallback chain mostly sends on its first channel; "all" sends one message on each.
  const channels = run.channelMode === 'all' ? run.channels : run.channels.slice(0, 1);
  for (const channel of channels) {
    const rate = limits.channelRates.get(channel);
    if (rate !== undefined) rates.push(rate);
  }
  return rates.length > 0 ? Math.min(...rates) : null;
}

/** Projects every run's finish time at `now`. */
export function projectRuns(runs: readonly RunToProject[], limits: ProjectionLimits, now: Date): RunProjection[] {
  const order = [...runs].sort((a, b) => a.priority - b.priority || a.firedAt.getTime() - b.firedAt.getTime() || a.runId.localeCompare(b.runId));
  let messagesAhead = 0;
  const projections = new Map<string, RunProjection>();
  for (const run of order) {
    messagesAhead += run.remaining * messagesPerDelivery(run);
    const own = ownRate(run, limits);
    const globalPerDelivery = limits.globalRate === null ? null : limits.globalRate / messagesPerDelivery(run);
    const allowed = [own, globalPerDelivery].filter((rate): rate is number => rate !== null);
    const seconds: number[] = [];
    if (own !== null) seconds.push(run.remaining / own);
    if (limits.globalRate !== null) seconds.push(messagesAhead / limits.globalRate);
    if (allowed.length === 0 && limits.observedRate > 0) seconds.push(messagesAhead / limits.observedRate);

    let finish: Date | null = null;
    if (run.remaining === 0) finish = now;
    else if (seconds.length > 0) finish = new Date(now.getTime() + Math.max(...seconds) * 1000);
    if (finish && run.latestDueAt && run.latestDueAt > finish) finish = run.latestDueAt;
    projections.set(run.runId, { runId: run.runId, allowedRatePerSecond: allowed.length > 0 ? Math.min(...allowed) : null, projectedFinishAt: finish });
  }
  return runs.map((run) => projections.get(run.runId)!);
}
