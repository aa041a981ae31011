/**
 * Quiet hours as the forms edit them (Settings → Delivery, and a recipient's own): two
 * `HH:MM` inputs, and in words what the window means, so "21:00 → 08:00" reads as the night
 * it is. The shared schemas judge the values; these only shape them.
 */
import type { QuietWindow } from '@herald/shared';

/** The window a switched-off editor starts from: a plain night. */
export const defaultQuietWindow: QuietWindow = { start: '21:00', end: '08:00' };

/** A time input's value as the API takes it: `HH:MM` (a browser may add seconds). */
export function clockTimeOf(value: string): string {
  return /^\d\d:\d\d:\d\d$/.test(value) ? value.slice(0, 5) : value.trim();
}

/** "Quiet from 21:00 to 08:00 the next morning", or null while either time is not a time yet. */
export function describeQuietWindow(window: QuietWindow): string | null {
  const pattern = /^([01]\d|2[0-3]):[0-5]\d$/;
  const start = clockTimeOf(window.start);
  const end = clockTimeOf(window.end);
  if (!pattern.test(start) || !pattern.test(end) || start === end) return null;
  return end < start ? `Quiet from ${start} to ${end} the next morning` : `Quiet from ${start} to ${end}`;
}

/** A recipient's choice: the instance's quiet hours, their own, or none at all. */
export type QuietHoursChoice = 'instance' | 'own' | 'none';
