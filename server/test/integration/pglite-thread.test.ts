/**
 * The embedded database's thread (src/db/pglite-thread.ts): what PGlite in the main thread did,
 * it still does across the thread boundary: errors with PostgreSQL's fields, transactions that
 * commit, roll back and keep other statements waiting, notifications, files on disk, and a
 * process that may end while the database sits idle.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteThread } from '../../src/db/pglite-thread.ts';
import { testDriver } from '../harness.ts';

const run = promisify(execFile);

describe.skipIf(testDriver !== 'pglite')('PGlite in its own thread', () => {
  let pg: PgliteThread;

  beforeAll(async () => {
    pg = new PgliteThread(undefined);
    await pg.waitReady;
    await pg.exec('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, at timestamptz)');
  });
  afterAll(async () => {
    await pg.close();
  });

  it('answers rows as objects or arrays, timestamps as PostgreSQL wrote them', async () => {
    await pg.query('INSERT INTO items VALUES ($1, $2, $3)', [1, 'one', new Date('2026-01-02T03:04:05Z')]);
    expect((await pg.query('SELECT id, name, at FROM items WHERE id = $1', [1])).rows).toEqual([{ id: 1, name: 'one', at: '2026-01-02 03:04:05+00' }]);
    expect((await pg.query('SELECT id, name FROM items WHERE id = 1', [], { rowMode: 'array' })).rows).toEqual([[1, 'one']]);
  });

  it('rejects with PostgreSQL\'s code, constraint and message', async () => {
    const error = await pg.query('INSERT INTO items VALUES (1, $1)', ['again']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'items_pkey', message: expect.stringContaining('duplicate key') });
    await expect(pg.query('SELECT nothing FROM nowhere')).rejects.toMatchObject({ code: '42P01' });
  });

  it('commits a transaction that returns and rolls back one that throws', async () => {
    await pg.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES (2, $1)', ['two']);
    });
    await expect(pg.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES (3, $1)', ['three']);
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect((await pg.query<{ id: number }>('SELECT id FROM items ORDER BY id')).rows.map((row) => row.id)).toEqual([1, 2]);
  });

  it('refuses to commit a transaction a failed statement aborted, even if the failure was caught', async () => {
    await expect(pg.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES (4, $1)', ['four']);
      await tx.query('INSERT INTO items VALUES (1, $1)', ['duplicate']).catch(() => undefined);
    })).rejects.toThrow();
    expect((await pg.query('SELECT id FROM items WHERE id = 4')).rows).toEqual([]);
  });

  it('keeps a statement from outside waiting until an open transaction ends, as PGlite does', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await pg.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES (5, $1)', ['five']);
      outside = pg.query('SELECT count(*)::int AS n FROM items').then((result) => {
        order.push('outside');
        return result.rows[0];
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('transaction');
    });
    expect(await outside).toEqual({ n: 3 });
    expect(order).toEqual(['transaction', 'outside']);
  });

  it('delivers notifications to listeners until they unsubscribe', async () => {
    const payloads: string[] = [];
    const unsubscribe = await pg.listen('herald_test', (payload) => payloads.push(payload));
    await pg.query(`SELECT pg_notify('herald_test', 'first')`);
    await expect.poll(() => payloads).toEqual(['first']);
    await unsubscribe();
    await pg.query(`SELECT pg_notify('herald_test', 'second')`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(payloads).toEqual(['first']);
  });

  it('keeps what was written in its data directory after it closes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-thread-'));
    try {
      const first = new PgliteThread(dataDir);
      await first.waitReady;
      await first.exec(`CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')`);
      await first.close();
      const second = new PgliteThread(dataDir);
      await second.waitReady;
      expect((await second.query('SELECT note FROM kept')).rows).toEqual([{ note: 'still here' }]);
      await second.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('lets the statements already sent finish when it closes, and refuses later ones with a clear error', async () => {
    const closing = new PgliteThread(undefined);
    await closing.waitReady;
    const waiting = closing.query('SELECT pg_sleep(0.1), 1 AS done');
    await closing.close();
    await expect(waiting).resolves.toMatchObject({ rows: [{ done: 1 }] });
    await expect(closing.query('SELECT 1')).rejects.toThrow('the PGlite database is closed');
  });

  it('lets a process end while its database is idle and open', async () => {
    const script = `
      import { PgliteThread } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/db/pglite-thread.ts'))};
      const pg = new PgliteThread(undefined);
      await pg.waitReady;
      console.log((await pg.query('SELECT 41 + 1 AS answer')).rows[0].answer);`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe('42');
  });
});
