/**
 * Test harness: a real Herald app on a real database. Each call gets its own database:
 * an in-memory PGlite, or, when HERALD_TEST_DRIVER=postgres, a fresh schema on the
 * PostgreSQL server at TEST_DATABASE_URL (dropped on close).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { createContext, type HeraldContext } from '../src/context.ts';
import { buildApp } from '../src/app.ts';
import { bootstrapAdmin } from '../src/modules/auth/service.ts';

export const testDriver: 'pglite' | 'postgres' = process.env.HERALD_TEST_DRIVER === 'postgres' ? 'postgres' : 'pglite';
export const adminEmail = 'admin@example.com';
export const adminPassword = 'correct-horse-battery';

export type TestDatabase = Database & { url: string | undefined; schema: string | undefined };

/** A fresh, migrated database for one test file. */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (testDriver === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrate(database);
    return Object.assign(database, { url: undefined, schema: undefined });
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('HERALD_TEST_DRIVER=postgres needs TEST_DATABASE_URL');
  const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: url, dataDir: '', searchPath: schema, poolSize: 10 });
  await migrate(database);
  const close = database.close;
  return Object.assign(database, {
    url,
    schema,
    close: async () => {
      await close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  });
}

export type TestApp = {
  app: FastifyInstance;
  context: HeraldContext;
  database: TestDatabase;
  config: Config;
  /** headers that authenticate as the bootstrap admin */
  auth: { authorization: string };
  /** creates an API token with the given role and returns its headers */
  authAs: (role: 'admin' | 'editor' | 'approver' | 'viewer') => Promise<{ authorization: string }>;
  close: () => Promise<void>;
};

/** Builds the whole app on a fresh database, with an admin and an admin API token. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await openTestDatabase();
  const config = loadConfig({ HERALD_SECRET: 'test-secret-test-secret', HERALD_PUBLIC_URL: 'http://herald.test', ...env });
  await bootstrapAdmin(database.db, adminEmail, adminPassword);
  const context = await createContext(config, database, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const app = await buildApp({ context, isWebServed: false });
  await app.ready();
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: adminEmail, password: adminPassword } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const authAs = async (role: string) => {
    const response = await app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie }, payload: { name: `test ${role}`, role } });
    return { authorization: `Bearer ${response.json<{ token: string }>().token}` };
  };
  const auth = await authAs('admin');
  return {
    app,
    context,
    database,
    config,
    auth,
    authAs,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
