/** How the queue dashboard reads: shares, rates, the chart's points and the projected finish in words. */
import type { QueueStats } from '@herald/shared';
import { formatRelative } from '../../lib/time.ts';

type Run = QueueStats['runs'][number];
type ThroughputPoint = QueueStats['throughput'][number];

/** The statuses shown as tiles, in the order a delivery passes through them, with what each means. */
export const statusTiles = [
  { status: 'queued', label: 'Queued', hint: 'waiting for their time, a free slot or a worker' },
  { status: 'sending', label: 'Sending', hint: 'claimed by a worker right now' },
  { status: 'sent', label: 'Sent', hint: 'delivered on at least one channel' },
  { status: 'failed', label: 'Failed', hint: 'dead letters: every try failed' },
  { status: 'skipped', label: 'Skipped', hint: 'not sent on purpose: unsubscribed, unreachable' },
  { status: 'cancelled', label: 'Cancelled', hint: 'stopped with their run' },
] as const satisfies ReadonlyArray<{ status: keyof QueueStats['byStatus']; label: string; hint: string }>;

/** A run's share done, 0 to 100 (an empty run counts as done). */
export function runShare(run: Pick<Run, 'done' | 'remaining'>): number {
  const total = run.done + run.remaining;
  return total === 0 ? 100 : (run.done / total) * 100;
}

/** "12/s", "30/min", "2/h": a rate a person reads at a glance; null is "no limit". */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return 'no limit';
  const rounded = (value: number) => (value >= 10 ? Math.round(value) : Math.round(value * 10) / 10);
  // The largest unit that reads as at least 1 once rounded: a limit of 1 a minute allows a hair
  // less (the engine keeps a slot of margin), which is "1/min", not "58/h".
  if (rounded(perSecond) >= 1) return `${rounded(perSecond).toLocaleString()}/s`;
  if (rounded(perSecond * 60) >= 1) return `${rounded(perSecond * 60).toLocaleString()}/min`;
  return `${rounded(perSecond * 3600).toLocaleString()}/h`;
}

/** When a run should be done, in words, or why that cannot be said. */
export function finishText(run: Pick<Run, 'projectedFinishAt' | 'remaining'>, now = Date.now()): string {
  if (run.remaining === 0) return 'finishing';
  if (run.projectedFinishAt === null) return 'not known yet';
  return new Date(run.projectedFinishAt).getTime() <= now ? 'any moment' : formatRelative(run.projectedFinishAt, now);
}

const minuteFormats = new Map<string, Intl.DateTimeFormat>();

function minuteLabel(iso: string, timeZone: string | undefined): string {
  const key = timeZone ?? '';
  let format = minuteFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) });
    minuteFormats.set(key, format);
  }
  return format.format(new Date(iso));
}

/** The chart's points: one per minute, labelled "14:05" in the viewer's zone (or the one given). */
export function throughputChartData(points: readonly ThroughputPoint[], timeZone?: string): Array<Omit<ThroughputPoint, 'minute'> & { minute: string }> {
  return points.map((point) => ({ minute: minuteLabel(point.minute, timeZone), sent: point.sent, retried: point.retried, failed: point.failed }));
}

/** The hour in four figures: sent, retried, failed, and the busiest minute's sends. */
export function throughputTotals(points: readonly ThroughputPoint[]): { sent: number; retried: number; failed: number; peakPerMinute: number } {
  let sent = 0;
  let retried = 0;
  let failed = 0;
  let peakPerMinute = 0;
  for (const point of points) {
    sent += point.sent;
    retried += point.retried;
    failed += point.failed;
    peakPerMinute = Math.max(peakPerMinute, point.sent);
  }
  return { sent, retried, failed, peakPerMinute };
}
