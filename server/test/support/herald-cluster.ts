/**
 * Several Herald processes on one fresh PostgreSQL schema with one SMTP sink, set up before
 * a test file's tests and torn down after them, with a direct connection for the test's own
 * queries and a reader of each process's Prometheus counters.
 */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createTestSchema, startHerald, type HeraldProcess, type StartHeraldOptions, type TestSchema } from './herald-process.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';

export type HeraldCluster = {
  /** the processes, once started */
  heralds: HeraldProcess[];
  sink: () => SmtpSink;
  /** runs SQL in the cluster's schema */
  query: <Row>(text: string, values?: unknown[]) => Promise<Row[]>;
  /** the sum of a counter's series on one process's /metrics (0 when it never counted) */
  metric: (herald: HeraldProcess, name: string) => Promise<number>;
};

/** Registers the hooks that start `count` processes (SMTP_URL set to the sink) and stop them. */
export function useHeraldCluster(count: number, options: Omit<StartHeraldOptions, 'databaseUrl'> = {}): HeraldCluster {
  let schema: TestSchema | undefined;
  let sink: SmtpSink | undefined;
  let pool: pg.Pool | undefined;
  const heralds: HeraldProcess[] = [];

  beforeAll(async () => {
    schema = await createTestSchema();
    sink = await startSmtpSink();
    pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
    const started = { ...options, databaseUrl: schema.databaseUrl, env: { SMTP_URL: sink.url, ...options.env } };
    heralds.push(...(await Promise.all(Array.from({ length: count }, () => startHerald(started)))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(heralds.map((herald) => herald.stop()));
    await sink?.close();
    await pool?.end();
    await schema?.drop();
  }, 120_000);

  return {
    heralds,
    sink: () => {
      if (!sink) throw new Error('the cluster has not started');
      return sink;
    },
    query: async <Row>(text: string, values: unknown[] = []) => (await pool!.query(text, values)).rows as Row[],
    metric: async (herald, name) => {
      const text = await (await fetch(`${herald.url}/metrics`)).text();
      return text.split('\n')
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    },
  };
}
