/**
 * Where an idle worker waits, and what starts it again: its poll, a time a rate limit
 * promised, a "deliveries are due" notification, or stop().
 */

export type Wakeups = {
  /**
   * Waits until woken, for the poll interval at most, or until `untilMs` has passed when that
   * is sooner (a rate limit's promised token). Resolves at once when a wake is pending or the
   * worker is stopping.
   */
  sleep: (untilMs?: number) => Promise<void>;
  /**
   * Ends the sleep now. A wake that finds the worker awake is kept for its next sleep: a
   * notification that arrives between a claim that found nothing and the sleep after it
   * must not wait for the poll.
   */
  wake: () => void;
  /** Ends the sleep now and every later one at once: the worker is stopping. */
  stop: () => void;
};

/** Wakeups for a worker that polls every `pollMs` while idle. */
export function createWakeups(pollMs: number): Wakeups {
  let isPending = false;
  let isStopped = false;
  let wakeSleeper: (() => void) | undefined;

  return {
    sleep: (untilMs) => {
      if (isStopped) return Promise.resolve();
      if (isPending) {
        isPending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, Math.min(pollMs, untilMs ?? pollMs)));
        function done() {
          clearTimeout(timer);
          wakeSleeper = undefined;
          resolve();
        }
        wakeSleeper = done;
      });
    },
    wake: () => {
      if (wakeSleeper) wakeSleeper();
      else isPending = true;
    },
    stop: () => {
      isStopped = true;
      wakeSleeper?.();
    },
  };
}
