/** Measuring and printing: timers, a peak-memory sampler, percentiles, and a plain-text table. */
import os from 'node:os';

/** Samples this process's resident set size while a workload runs, and keeps the peak. */
export type MemorySampler = { stop: () => number };

/** Starts sampling RSS every 20 ms; stop() returns the peak in bytes. */
export function sampleMemory(): MemorySampler {
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

/** One line about the machine, printed under every table so figures are read against it. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}`;
}

/** "met" or "MISSED" against a floor. */
export function verdict(value: number, floor: number): string {
  return value >= floor ? 'met' : 'MISSED';
}
