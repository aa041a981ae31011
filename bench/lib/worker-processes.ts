/** Forks Herald worker processes (worker-process.ts) for the dispatch benchmark and stops them. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrl } from './bench-database.ts';
import { cpuSecondsOf, peakRssOf } from './report.ts';
import type { WorkerProcessConfig } from './worker-process.ts';

export type WorkerProcesses = {
  /** Starts every worker's engine (they are connected and waiting) */
  start: () => void;
  /** CPU seconds the worker processes have used since they started working, together (read before stop) */
  cpuSeconds: () => number;
  /** the largest peak RSS among them (read before stop) */
  peakRss: () => Promise<number | undefined>;
  /** Stops every worker (each finishes what it holds) and waits for them to exit. */
  stop: () => Promise<void>;
};

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-process.ts');

function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`a worker process exited (code ${code})`)));
  });
}

/** Forks `count` worker processes on the bench schema and resolves once every one is connected, ready to start. */
export async function startWorkerProcesses(count: number, schema: string, env: Record<string, string>): Promise<WorkerProcesses> {
  const separator = databaseUrl.includes('?') ? '&' : '?';
  // application_name = the schema, so that their server processes are metered with the benchmark's.
  const config: WorkerProcessConfig = { databaseUrl: `${databaseUrl}${separator}application_name=${schema}`, searchPath: schema, env };
  const children = Array.from({ length: count }, () => fork(workerFile, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }));
  await Promise.all(children.map(nextMessage));
  let startedCpu: number[] = [];
  return {
    start: () => {
      startedCpu = children.map((child) => cpuSecondsOf(child.pid ?? 0) ?? 0);
      for (const child of children) child.send('start');
    },
    cpuSeconds: () => children.reduce((sum, child, index) => sum + (cpuSecondsOf(child.pid ?? 0) ?? 0) - startedCpu[index]!, 0),
    peakRss: async () => {
      const peaks = await Promise.all(children.map((child) => peakRssOf(child.pid ?? 0)));
      const known = peaks.filter((peak): peak is number => peak !== undefined);
      return known.length > 0 ? Math.max(...known) : undefined;
    },
    stop: async () => {
      await Promise.all(children.map(async (child) => {
        const stopped = nextMessage(child);
        child.send('stop');
        await stopped;
      }));
      await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));
    },
  };
}
