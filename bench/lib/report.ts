/** Measuring and printing: timers, a peak-memory sampler, CPU time, percentiles, and a plain-text table. */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from '../../server/src/db/client.ts';

/** Samples this process's resident set size while a workload runs, and keeps the peak. */
export type MemorySampler = { stop: () => number };

/** This process's peak RSS as Linux keeps it (VmHWM), in bytes; undefined when unknown. */
function ownPeakRss(): number | undefined {
  try {
    const kilobytes = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kilobytes ? Number(kilobytes) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring this process's peak RSS; stop() returns it in bytes. On Linux the kernel
 * keeps the peak itself: writing 5 to /proc/self/clear_refs resets it to the present RSS, so
 * the peak is exact and costs the workload nothing. Elsewhere RSS is sampled every 20 ms, a
 * read of the process's memory figures each time, on the thread being measured.
 */
export function sampleMemory(): MemorySampler {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    if (ownPeakRss() !== undefined) {
      return { stop: () => Math.max(ownPeakRss() ?? 0, process.memoryUsage.rss()) };
    }
  } catch {
    // not Linux, or not allowed: sample instead
  }
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** Peak RSS of another process on this machine (Linux VmHWM), in bytes; undefined when unknown. */
export async function peakRssOf(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kilobytes ? Number(kilobytes) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds a process on this machine has used (Linux /proc), or undefined when it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime + stime, in clock ticks (USER_HZ, 100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Measures the CPU time of a workload, apart from whatever else the machine is doing: this
 * process's (the Herald worker's, and PGlite's on pglite) and, on PostgreSQL, that of the
 * server processes serving the connections named `applicationName`. Under a busy machine the
 * wall-clock rate drops, but the CPU time per delivery says what the work itself costs.
 */
export type CpuMeter = { stop: () => Promise<{ processSeconds: number; postgresSeconds: number | undefined }> };

export async function meterCpu(database: Database, applicationName: string | undefined): Promise<CpuMeter> {
  const started = process.cpuUsage();
  const backends = async () => {
    if (database.driver !== 'postgres' || !applicationName) return new Map<number, number>();
    const rows = await database.query<{ pid: number }>(sql`SELECT pid FROM pg_stat_activity WHERE application_name = ${applicationName}`);
    return new Map(rows.flatMap((row) => {
      const seconds = cpuSecondsOf(Number(row.pid));
      return seconds === undefined ? [] : [[Number(row.pid), seconds] as [number, number]];
    }));
  };
  const before = await backends();
  return {
    stop: async () => {
      const usage = process.cpuUsage(started);
      const after = await backends();
      let postgresSeconds = 0;
      // A server process that started during the workload counts from zero.
      for (const [pid, seconds] of after) postgresSeconds += seconds - (before.get(pid) ?? 0);
      return {
        processSeconds: (usage.user + usage.system) / 1e6,
        postgresSeconds: database.driver === 'postgres' ? postgresSeconds : undefined,
      };
    },
  };
}

export function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? '—' : `${Math.round(bytes / 1024 / 1024)} MB`;
}

export function perSecond(count: number, ms: number): number {
  return count / (ms / 1000);
}

export function formatRate(rate: number): string {
  return `${Math.round(rate).toLocaleString('en-US')}/s`;
}

export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** The p-th percentile (0–100) of the values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Waits until `isDone()` resolves true, polling; rejects after `timeoutMs` with `describe()`. */
export async function waitFor(isDone: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string, pollMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isDone())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Prints rows as an aligned table under a title. */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((width) => '─'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** One line about the machine, printed under every table so figures are read against it (a busy machine slows every wall-clock figure). */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((value) => value.toFixed(1)).join(' ');
  return `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}; load average ${load}`;
}

/** One figure for the summary that `npm run bench` prints at the end. */
export type SummaryFigure = { workload: string; driver: string; value: string; target?: string; verdict?: string };

/** Hands a figure to bench/run.ts (through the file it names in BENCH_FIGURES_FILE); a no-op when run alone. */
export function recordFigure(figure: SummaryFigure): void {
  const file = process.env.BENCH_FIGURES_FILE;
  if (file) fs.appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

/** Milliseconds of CPU per item, e.g. "0.21 ms". */
export function cpuPerItem(seconds: number | undefined, count: number): string {
  return seconds === undefined ? '—' : `${((seconds * 1000) / count).toFixed(3)} ms`;
}

/** "met" or "MISSED" against a floor. */
export function verdict(value: number, floor: number): string {
  return value >= floor ? 'met' : 'MISSED';
}

/**
 * A CPU profile of this process over a workload alone (not its setup), written to
 * `<BENCH_CPU_PROFILE>/<name>.cpuprofile` (Chrome DevTools reads it); a no-op when that
 * variable is not set.
 */
export async function profileCpu(name: string): Promise<{ stop: () => Promise<void> }> {
  const folder = process.env.BENCH_CPU_PROFILE;
  if (!folder) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}
