/**
 * Secrets a channel generates for itself on first use (the webhook signing secret, the VAPID
 * key pair) and keeps in the `settings` table, so every process of the instance signs with
 * the same one and a restart keeps it.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

/**
 * The setting's value, generating and storing it first if it has none. INSERT … ON CONFLICT
 * DO NOTHING then a read: processes starting together may each generate one, but only the
 * first insert lands and all of them read that one.
 */
export async function loadGeneratedSetting<T>(database: Database, key: string, generate: () => T, isValid: (value: unknown) => value is T): Promise<T> {
  await database.query(sql`INSERT INTO settings (key, value) VALUES (${key}, ${JSON.stringify(generate())}::jsonb)
    ON CONFLICT (key) DO NOTHING`);
  const [row] = await database.query<{ value: unknown }>(sql`SELECT value FROM settings WHERE key = ${key}`);
  if (!row || !isValid(row.value)) throw new Error(`the setting "${key}" is missing or malformed`);
  return row.value;
}

/** Replaces the setting's value (a rotation) and returns the new one. */
export async function replaceGeneratedSetting<T>(database: Database, key: string, value: T): Promise<T> {
  await database.query(sql`INSERT INTO settings (key, value, updated_at) VALUES (${key}, ${JSON.stringify(value)}::jsonb, now())
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`);
  return value;
}

/**
 * A loader that reads at most once per `maxAgeMs`; concurrent callers share one read, and a
 * failed read is not kept (the next call tries again).
 */
export function cachedLoader<T>(load: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let cached: { value: Promise<T>; loadedAt: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.loadedAt > maxAgeMs) {
      const value = load();
      const entry = { value, loadedAt: Date.now() };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}
