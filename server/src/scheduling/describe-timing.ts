/**
 * A timing in words, for people: "Every Monday and Friday at 09:00 (Europe/Paris)".
 * Dates are written YYYY-MM-DD and times 24-hour, which no reader misreads.
 */
import cronstrue from 'cronstrue';
import type { Timing } from '@herald/shared';
import { formatWallTime, parseLocalDateTime } from './wall-clock.ts';

const weekdayNames = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** Describes when the timing fires, in its zone, in one English sentence without a final period. */
export function describeTiming(timing: Timing, timezone: string): string {
  const zone = ` (${timezone})`;
  switch (timing.type) {
    case 'once':
      return `Once on ${describeLocal(timing.at)}${zone}`;
    case 'daily':
      return `Every day at ${timing.time}${zone}${describeWindow(timing)}`;
    case 'weekly':
      return `${describeWeekdays(timing.days)} at ${timing.time}${zone}${describeWindow(timing)}`;
    case 'monthly':
      return `Every month on ${describeDayOfMonth(timing.day)} at ${timing.time}${zone}${describeWindow(timing)}`;
    case 'cron':
      return `${describeCron(timing.expression)}${zone}${describeWindow(timing)}`;
  }
}

function describeWeekdays(days: number[]): string {
  const chosen = [...new Set(days)].filter((day) => day >= 1 && day <= 7).sort((a, b) => a - b);
  if (chosen.length === 7) return 'Every day';
  if (chosen.join() === '1,2,3,4,5') return 'Every weekday (Monday to Friday)';
  return `Every ${joinWords(chosen.map((day) => weekdayNames[day]!))}`;
}

function describeDayOfMonth(day: number | 'last'): string {
  if (day === 'last') return 'the last day';
  // 29-31 do not exist in every month; say what happens then so nobody is surprised in February.
  return day >= 29 ? `the ${ordinal(day)} (or the last day of shorter months)` : `the ${ordinal(day)}`;
}

function describeCron(expression: string): string {
  try {
    return cronstrue.toString(expression, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return `On cron schedule "${expression}"`;
  }
}

function describeWindow(timing: { startsAt?: string | undefined; endsAt?: string | undefined }): string {
  const parts: string[] = [];
  if (timing.startsAt) parts.push(`from ${describeLocal(timing.startsAt)}`);
  if (timing.endsAt) parts.push(`until ${describeLocal(timing.endsAt)}`);
  return parts.length ? `, ${parts.join(' ')}` : '';
}

function describeLocal(localDateTime: string): string {
  try {
    return formatWallTime(parseLocalDateTime(localDateTime));
  } catch {
    return localDateTime;
  }
}

function ordinal(day: number): string {
  const lastTwo = day % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${day}th`;
  return `${day}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[day % 10] ?? 'th'}`;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
