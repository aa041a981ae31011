import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from './client.ts';

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

type Journal = { entries: Array<{ idx: number; tag: string }> };

/**
 * Applies the generated migrations in order, each once. The whole run holds a transaction-level
 * advisory lock, so several processes starting together on one PostgreSQL apply them once.
 */
export async function migrate(database: Database): Promise<void> {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsDir, 'meta/_journal.json'), 'utf8')) as Journal;
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(727274)`);
    await tx.execute(sql`CREATE TABLE IF NOT EXISTS herald_migrations (
      tag text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set(
      (await rowsOf<{ tag: string }>(tx, sql`SELECT tag FROM herald_migrations`)).map((r) => r.tag),
    );
    for (const entry of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
      if (applied.has(entry.tag)) continue;
      const text = fs.readFileSync(path.join(migrationsDir, `${entry.tag}.sql`), 'utf8');
      // drizzle-kit qualifies references with "public"; dropping it lets Herald live in any
      // schema named by search_path (tests give each file its own).
      for (const statement of text.replaceAll('"public".', '').split('--> statement-breakpoint')) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`INSERT INTO herald_migrations (tag) VALUES (${entry.tag})`);
    }
  });
}
