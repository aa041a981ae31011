import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { PgliteThread } from './pglite-thread.ts';

export type Schema = typeof schema;
/** The Drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: service functions accept either. */
export type DbOrTx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/** A notification that arrives over LISTEN/NOTIFY (on PGlite, within the one process). */
export type NotificationHandler = (payload: string) => void;

export type QueryOptions = {
  /**
   * Names a statement that runs over and over with the same text (the worker's claim and
   * record, several times a second): on PostgreSQL each connection parses it once, and the
   * server may keep one plan for it, instead of parsing and planning it on every run (the
   * queue's server CPU a delivery 4–12 µs less, of 65–98; docs/benchmarks.md). Only for a
   * text that never varies: a name used for a second text is an error, and each name takes
   * a little memory on every connection. PGlite runs every statement unnamed.
   */
  prepared?: string;
};

export type Database = {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** Runs raw SQL and returns its rows; for SQL that Drizzle's builder cannot say. */
  query: <Row = Record<string, unknown>>(statement: SQL, options?: QueryOptions) => Promise<Row[]>;
  /** Subscribes to a PostgreSQL notification channel; returns the unsubscribe function. */
  listen: (channel: string, handler: NotificationHandler) => Promise<() => Promise<void>>;
  close: () => Promise<void>;
};

export type OpenDatabaseOptions = {
  /** postgres://… ; unset means embedded PGlite in dataDir */
  databaseUrl?: string | undefined;
  /** the PGlite data directory; `memory://` for an in-memory database (tests) */
  dataDir: string;
  poolSize?: number;
  /** PostgreSQL schema to use (tests isolate themselves in one schema each) */
  searchPath?: string;
};

/** Runs raw SQL on the database or a transaction; both drivers answer with `{ rows }`. */
export async function rowsOf<Row = Record<string, unknown>>(db: DbOrTx, statement: SQL): Promise<Row[]> {
  const result = (await db.execute(statement)) as unknown as { rows: Row[] };
  return result.rows;
}

const dialect = new PgDialect();

/**
 * Runs raw SQL as a named prepared statement, through Drizzle's session so that its rows come
 * back exactly as `rowsOf` gives them (the same type parsers).
 */
async function preparedRowsOf<Row>(db: Db, name: string, statement: SQL): Promise<Row[]> {
  const result = await db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, name, false).execute() as { rows: Row[] };
  return result.rows;
}

/** Opens the system of record: PostgreSQL when a URL is given, else PGlite owned by this process alone. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string): Promise<Database> {
  const isMemory = dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!isMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    // PGlite has no lock of its own: two processes on one directory corrupt it.
    lock = acquireDataDirLock(dataDir);
  }
  try {
    // PGlite runs in a thread of its own: PostgreSQL's work beside Node's, not in its event loop.
    const client = new PgliteThread(isMemory ? undefined : path.join(dataDir, 'pgdata'));
    await client.waitReady;
    // Drizzle's PGlite driver calls query() and transaction(), which the thread's client answers.
    const db = drizzlePglite(client as unknown as PGlite, { schema }) as unknown as Db;
    return {
      db,
      driver: 'pglite',
      query: (statement) => rowsOf(db, statement),
      listen: (channel, handler) => client.listen(channel, handler),
      close: async () => {
        await client.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  // A dropped connection (server restart) surfaces here; the pool replaces it on next use.
  pool.on('error', () => {});
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const listeners = new Map<string, Set<NotificationHandler>>();
  let listenClient: pg.PoolClient | undefined;
  /** the connection being opened: listen() calls that overlap share it, so none is left unreleased (close() would wait for it forever) */
  let connecting: Promise<pg.PoolClient> | undefined;

  function ensureListenClient(): Promise<pg.PoolClient> {
    if (listenClient) return Promise.resolve(listenClient);
    connecting ??= connectListenClient().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  async function connectListenClient(): Promise<pg.PoolClient> {
    const client = await pool.connect();
    client.on('notification', (message) => {
      for (const handler of listeners.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', () => {
      // Reconnect lazily: the next listen() re-subscribes every channel.
      listenClient = undefined;
      client.release(true);
      setTimeout(() => void resubscribe(), 1000).unref();
    });
    listenClient = client;
    return client;
  }

  async function resubscribe(): Promise<void> {
    try {
      const client = await ensureListenClient();
      for (const channel of listeners.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch {
      setTimeout(() => void resubscribe(), 1000).unref();
    }
  }

  return {
    db,
    driver: 'postgres',
    query: (statement, queryOptions) => (queryOptions?.prepared ? preparedRowsOf(db, queryOptions.prepared, statement) : rowsOf(db, statement)),
    listen: async (channel, handler) => {
      let handlers = listeners.get(channel);
      if (!handlers) {
        handlers = new Set();
        listeners.set(channel, handlers);
        const client = await ensureListenClient();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      handlers.add(handler);
      return async () => {
        handlers.delete(handler);
      };
    },
    close: async () => {
      await connecting?.catch(() => undefined);
      listenClient?.release();
      listenClient = undefined;
      await pool.end();
    },
  };
}
