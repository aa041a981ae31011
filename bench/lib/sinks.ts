/** Starts the loopback HTTP and SMTP sinks (sink-server.ts) in a child process and reads their counts. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf, peakRssOf } from './report.ts';

export type SinkCounts = { http: number; httpKeys: number; smtp: number; smtpIds: number };

export type Sinks = {
  httpUrl: string;
  smtpUrl: string;
  counts: () => Promise<SinkCounts>;
  reset: () => Promise<void>;
  /** the sink process's peak RSS so far */
  peakRss: () => Promise<number | undefined>;
  /** CPU seconds the sink process has used so far (it shares the machine's cores with Herald) */
  cpuSeconds: () => number;
  close: () => Promise<void>;
};

const serverFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sink-server.ts');

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve) => child.once('message', (message) => resolve(message as T)));
}

/** Starts the sinks and resolves once both listen. */
export async function startSinks(): Promise<Sinks> {
  const child = fork(serverFile, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await nextMessage<{ http: number; smtp: number }>(child);
  return {
    httpUrl: `http://127.0.0.1:${ports.http}/hook`,
    smtpUrl: `smtp://127.0.0.1:${ports.smtp}`,
    counts: async () => {
      const answer = nextMessage<SinkCounts>(child);
      child.send('counts');
      return answer;
    },
    reset: async () => {
      const answer = nextMessage<unknown>(child);
      child.send('reset');
      await answer;
    },
    peakRss: () => peakRssOf(child.pid ?? 0),
    cpuSeconds: () => cpuSecondsOf(child.pid ?? 0) ?? 0,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}
