/**
 * A problem with a schedule's own definition (a timing that cannot be computed, an audience
 * that cannot be built). Retrying cannot fix it, so the scheduler pauses the schedule and says
 * why, instead of failing on it every tick.
 */
export class ScheduleDefect extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleDefect';
  }
}
