import { describe, expect, it } from 'vitest';
import { projectRuns, type ProjectionLimits, type RunToProject } from './projection.ts';

const now = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

function run(runId: string, overrides: Partial<RunToProject> = {}): RunToProject {
  return { runId, priority: 2, firedAt: new Date(now.getTime() - 60_000), channels: ['email'], channelMode: 'all', remaining: 100, latestDueAt: null, ...overrides };
}

const noLimits: ProjectionLimits = { globalRate: null, channelRates: new Map(), runRates: new Map(), observedRate: 0 };

describe('projectRuns', () => {
  it('without any limit or recent sends, cannot tell', () => {
    expect(projectRuns([run('a')], noLimits, now)).toEqual([{ runId: 'a', allowedRatePerSecond: null, projectedFinishAt: null }]);
  });

  it('without any limit, extrapolates the recent pace of the queue', () => {
    expect(projectRuns([run('a', { remaining: 500 })], { ...noLimits, observedRate: 50 }, now)[0]!.projectedFinishAt).toEqual(at(10));
  });

  it('a run that is done ends now', () => {
    expect(projectRuns([run('a', { remaining: 0 })], noLimits, now)[0]!.projectedFinishAt).toEqual(now);
  });

  it('runs share the global limit in the order they are served: priority, then the earlier run', () => {
    const runs = [
      run('late-normal', { remaining: 100, firedAt: at(-10) }),
      run('early-normal', { remaining: 100, firedAt: at(-100) }),
      run('critical', { remaining: 50, priority: 0 }),
    ];
    const projections = projectRuns(runs, { ...noLimits, globalRate: 10 }, now);
    expect(projections.map((p) => [p.runId, p.projectedFinishAt])).toEqual([
      ['late-normal', at(25)],
      ['early-normal', at(15)],
      ['critical', at(5)],
    ]);
    expect(projections.every((p) => p.allowedRatePerSecond === 10)).toBe(true);
  });

  it('a delivery on every channel of "all" sends one message per channel', () => {
    const [projection] = projectRuns([run('a', { channels: ['email', 'sms'], remaining: 50 })], { ...noLimits, globalRate: 10 }, now);
    expect(projection).toEqual({ runId: 'a', allowedRatePerSecond: 5, projectedFinishAt: at(10) });
  });

  it('a run is bounded by its schedule\'s limit and its channels\' limits too', () => {
    const limits: ProjectionLimits = { ...noLimits, globalRate: 100, channelRates: new Map([['sms', 2]]), runRates: new Map([['a', 4]]) };
    expect(projectRuns([run('a', { remaining: 40 })], limits, now)[0]).toEqual({ runId: 'a', allowedRatePerSecond: 4, projectedFinishAt: at(10) });
    expect(projectRuns([run('b', { channels: ['sms'], remaining: 40 })], limits, now)[0]).toEqual({ runId: 'b', allowedRatePerSecond: 2, projectedFinishAt: at(20) });
  });

  it('a fallback chain is bounded by its first channel only', () => {
    const limits: ProjectionLimits = { ...noLimits, channelRates: new Map([['sms', 1]]) };
    expect(projectRuns([run('a', { channels: ['email', 'sms'], channelMode: 'fallback' })], limits, now)[0]!.allowedRatePerSecond).toBeNull();
    expect(projectRuns([run('b', { channels: ['sms', 'email'], channelMode: 'fallback', remaining: 10 })], limits, now)[0]!.projectedFinishAt).toEqual(at(10));
  });

  it('cannot end before its last delivery is due', () => {
    expect(projectRuns([run('a', { remaining: 10, latestDueAt: at(3600) })], { ...noLimits, globalRate: 10 }, now)[0]!.projectedFinishAt).toEqual(at(3600));
  });
});
