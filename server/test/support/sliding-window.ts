/** The most of the given times (ms) that fall in any window [t, t + lengthMs): what a rate limit promises to bound. */
export function maxInAnyWindow(times: readonly number[], lengthMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + lengthMs) j += 1;
    best = Math.max(best, j - i);
  }
  return best;
}
