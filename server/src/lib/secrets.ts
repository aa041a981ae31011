import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';

export type Secrets = {
  /** signs tracking links and inbox subscriber hashes */
  signingKey: Buffer;
};

/**
 * Loads the instance's secrets, generating them on first start. Generation is an
 * INSERT … ON CONFLICT DO NOTHING followed by a read, so processes starting together agree.
 */
export async function loadSecrets(database: Database, config: Config): Promise<Secrets> {
  if (config.secret) return { signingKey: crypto.createHash('sha256').update(config.secret).digest() };
  const generated = crypto.randomBytes(32).toString('base64');
  await database.query(sql`INSERT INTO settings (key, value) VALUES ('signing_key', ${JSON.stringify(generated)}::jsonb)
    ON CONFLICT (key) DO NOTHING`);
  const [row] = await database.query<{ value: string }>(sql`SELECT value FROM settings WHERE key = 'signing_key'`);
  if (!row) throw new Error('signing key missing after insert');
  return { signingKey: Buffer.from(row.value, 'base64') };
}

/** HMAC-SHA256 of the text, URL-safe base64. */
export function sign(key: Buffer, text: string): string {
  return crypto.createHmac('sha256', key).update(text).digest('base64url');
}

/** Constant-time comparison of a presented signature with the expected one. */
export function isSignatureValid(key: Buffer, text: string, signature: string): boolean {
  const expected = Buffer.from(sign(key, text));
  const given = Buffer.from(signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
