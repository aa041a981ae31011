/**
 * Remembers schedules whose firing failed for a reason that may pass (a lost connection, a
 * deadlock), so the scheduler retries them with growing pauses instead of every tick.
 */
export class RetryBackoff {
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** False while the key is waiting out its pause. */
  canTry(key: string, now: number): boolean {
    const failure = this.failures.get(key);
    return !failure || failure.retryAt <= now;
  }

  /** Records a failure; the pause doubles each time, up to the maximum. Returns the pause. */
  failed(key: string, now: number): number {
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const pause = Math.min(this.baseMs * 2 ** (count - 1), this.maxMs);
    this.failures.set(key, { count, retryAt: now + pause });
    return pause;
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /** The soonest retry still to come after `now`, or null when nothing waits. */
  nextRetryAfter(now: number): number | null {
    let soonest: number | null = null;
    for (const { retryAt } of this.failures.values()) {
      if (retryAt > now && (soonest === null || retryAt < soonest)) soonest = retryAt;
    }
    return soonest;
  }
}
