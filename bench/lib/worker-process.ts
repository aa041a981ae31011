/**
 * One Herald worker process for the dispatch benchmark on PostgreSQL, as `HERALD_ROLES=worker
 * npm start` would run it: its own database pool and startEngine(), nothing else. The
 * benchmark forks as many as BENCH_WORKER_PROCESSES says (worker-processes.ts), since one Node
 * process uses one core at most.
 *
 * Started with the benchmark's configuration in BENCH_WORKER_CONFIG (JSON: the database URL
 * with the bench schema's search_path and application_name, and the Herald environment). It
 * says `{"ready":true}` on its IPC channel once connected; on "start" it starts the engine, and
 * on "stop" it stops it (finishing what it holds), closes the database, reports
 * `{"stopped":true}` and exits.
 */
import pino from 'pino';
import { loadConfig } from '../../server/src/config.ts';
import { createContext } from '../../server/src/context.ts';
import { openDatabase } from '../../server/src/db/client.ts';
import { startEngine, type Engine } from '../../server/src/engine/index.ts';

export type WorkerProcessConfig = { databaseUrl: string; searchPath: string; env: Record<string, string> };

const { databaseUrl, searchPath, env } = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}') as WorkerProcessConfig;
const database = await openDatabase({ databaseUrl, dataDir: '', searchPath });
const context = await createContext(loadConfig(env), database, pino({ level: 'warn' }));
let engine: Engine | undefined;
process.send?.({ ready: true });

process.on('message', (message) => {
  if (message === 'start') engine ??= startEngine(context);
  if (message !== 'stop') return;
  void (async () => {
    await engine?.stop();
    await database.close();
    process.send?.({ stopped: true }, () => process.exit(0));
  })();
});
// The benchmark's end is this process's end.
process.on('disconnect', () => process.exit(0));
