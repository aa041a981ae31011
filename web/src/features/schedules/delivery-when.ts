import type { Delivery } from '@herald/shared';
import { formatDateTime, formatRelative } from '../../lib/time.ts';

/**
 * The deliveries table's "Sent at" cell: when it was sent, or for one still queued when it is
 * due. A retry is seconds or minutes away, so a coming one reads "retry in 40 seconds" (the
 * table refreshes while the run sends); one held for later reads "due in 2 hours".
 */
export function deliveryWhen(delivery: Pick<Delivery, 'status' | 'attempts' | 'dueAt' | 'sentAt'>, now = Date.now()): { text: string; isPending: boolean } {
  if (delivery.sentAt) return { text: formatDateTime(delivery.sentAt), isPending: false };
  if (delivery.status !== 'queued') return { text: '—', isPending: true };
  if (new Date(delivery.dueAt).getTime() <= now) return { text: `due ${formatDateTime(delivery.dueAt)}`, isPending: true };
  return { text: `${delivery.attempts > 0 ? 'retry' : 'due'} ${formatRelative(delivery.dueAt, now)}`, isPending: true };
}
