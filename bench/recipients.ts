/**
 * CSV import of 50,000 recipients through the HTTP route, on PGlite (on disk, as `npm start`
 * runs it) and on PostgreSQL, with the process's memory sampled all along.
 *
 *   cd server && npx tsx ../bench/recipients.ts        (or: npm run bench -- recipients)
 *
 * The file is generated as a stream, so the figures are the server's: upload and check
 * (until the 202), then the job's writes, first as inserts, then the same file again as
 * updates. Memory stays flat whatever the file size, because the upload is spooled to disk and
 * read twice, never held: the benchmark runs itself again in a JavaScript heap of
 * BENCH_HEAP_MB (default 256), and finishing there is the proof (500,000 rows, 47 MB, fit in
 * 200). BENCH_CSV_ROWS changes the size; BENCH_DRIVERS=pglite or postgres runs one driver.
 * PostgreSQL is DATABASE_URL (default the local test server), in a schema of its own, dropped
 * at the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import type { ImportJob } from '@herald/shared';
import { buildApp } from '../server/src/app.ts';
import { loadConfig } from '../server/src/config.ts';
import { createContext } from '../server/src/context.ts';
import { openDatabase, type Database } from '../server/src/db/client.ts';
import { migrate } from '../server/src/db/migrate.ts';
import { bootstrapAdmin } from '../server/src/modules/auth/service.ts';

const heapLimitMb = Number(process.env.BENCH_HEAP_MB ?? 256);
if (process.env.BENCH_IN_SMALL_HEAP !== '1') {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${heapLimitMb}`, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_IN_SMALL_HEAP: '1' },
  });
  process.exit(child.status ?? 1);
}

const rowCount = Number(process.env.BENCH_CSV_ROWS ?? 50_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').map((name) => name.trim());
const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;

/** A recipients file with the columns a host app exports: fields, opt-outs and typed attributes. */
function* csvLines(): Generator<string> {
  yield 'externalId,email,name,timezone,locale,isActive,optedOutChannels,plan,country,score,signupDate\n';
  const zones = ['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'America/Sao_Paulo', 'UTC'];
  const plans = ['free', 'free', 'pro', 'business'];
  let chunk = '';
  for (let index = 0; index < rowCount; index += 1) {
    chunk += `user-${index},user${index}@example.com,"User ${index}, Jr.",${zones[index % 5]},en,${index % 10 === 0 ? 'no' : 'yes'},`
      + `${index % 7 === 0 ? 'sms' : ''},${plans[index % 4]},${['US', 'FR', 'IN', 'BR'][index % 4]},${index % 1000},2024-0${1 + (index % 9)}-15\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** The file's size, counted chunk by chunk: holding the file would spoil the memory figures. */
function sizeOfCsv(): number {
  let bytes = 0;
  for (const chunk of csvLines()) bytes += Buffer.byteLength(chunk);
  return bytes;
}

const csvBytes = sizeOfCsv();

type Opened = { database: Database; close: () => Promise<void> };

async function openFor(driver: string): Promise<Opened> {
  if (driver === 'pglite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-bench-recipients-'));
    const database = await openDatabase({ dataDir });
    return { database, close: async () => { await database.close(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const database = await openDatabase({ databaseUrl, dataDir: '', searchPath: schema, poolSize: 10 });
  return {
    database,
    close: async () => {
      await database.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** Samples the process's memory every 20 ms until stopped; answers the peaks. */
function sampleMemory(): () => { rss: number; heap: number } {
  const peak = { rss: 0, heap: 0 };
  const take = () => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heap = Math.max(peak.heap, usage.heapUsed);
  };
  take();
  const timer = setInterval(take, 20);
  return () => {
    clearInterval(timer);
    take();
    return peak;
  };
}

async function run(driver: string): Promise<void> {
  const { database, close } = await openFor(driver);
  try {
    await migrate(database);
    await bootstrapAdmin(database.db, 'bench@example.com', 'bench-password-123');
    const config = loadConfig({ HERALD_SECRET: 'bench-secret-bench-secret', HERALD_PUBLIC_URL: 'http://herald.bench' });
    const app = await buildApp({ context: await createContext(config, database, pino({ level: 'silent' })), isWebServed: false });
    await app.ready();
    try {
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'bench@example.com', password: 'bench-password-123' } });
      const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'content-type': 'text/csv' };
      for (const pass of ['insert', 'update'] as const) {
        global.gc?.();
        const before = process.memoryUsage();
        const stop = sampleMemory();
        const startedAt = performance.now();
        const response = await app.inject({ method: 'POST', url: '/api/recipients/import', headers, payload: Readable.from(csvLines()) });
        if (response.statusCode !== 202) throw new Error(`import answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
        const checkedAt = performance.now();
        let job = response.json<{ job: ImportJob }>().job;
        while (job.status === 'running') {
          await sleep(50);
          job = (await app.inject({ method: 'GET', url: `/api/jobs/${job.id}`, headers: { cookie: headers.cookie } })).json<ImportJob>();
        }
        const doneAt = performance.now();
        const peak = stop();
        if (job.status !== 'completed') throw new Error(`the job ended ${job.status}: ${JSON.stringify(job.errors)}`);
        const writeSeconds = (doneAt - checkedAt) / 1000;
        console.log(
          `${driver.padEnd(8)} ${pass.padEnd(6)} ${rowCount.toLocaleString('en')} rows (${mb(csvBytes)}): `
          + `upload + check ${((checkedAt - startedAt) / 1000).toFixed(1)} s, write ${writeSeconds.toFixed(1)} s `
          + `(${Math.round(rowCount / writeSeconds).toLocaleString('en')} rows/s); `
          + `peak RSS ${mb(peak.rss)} (+${mb(peak.rss - before.rss)}), peak heap ${mb(peak.heap)} (+${mb(peak.heap - before.heapUsed)})`,
        );
      }
    } finally {
      await app.close();
    }
  } finally {
    await close();
  }
}

console.log(`JavaScript heap limit: ${heapLimitMb} MB`);
for (const driver of drivers) {
  try {
    await run(driver);
  } catch (error) {
    console.log(`${driver}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
