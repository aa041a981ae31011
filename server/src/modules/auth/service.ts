import crypto from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sessions, users } from '../../db/schema.ts';
import { hashPassword, newToken, verifyPassword } from './password.ts';

const sessionDays = 14;

/**
 * Creates the first admin when there is no user at all. Returns the generated password when
 * none was configured, so the caller can print it once.
 */
export async function bootstrapAdmin(db: Db, email: string, password: string | undefined): Promise<{ email: string; generatedPassword: string | null } | null> {
  const [existing] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  if ((existing?.count ?? 0) > 0) return null;
  const chosen = password ?? crypto.randomBytes(12).toString('base64url');
  const inserted = await db.insert(users)
    .values({ email, name: 'Admin', passwordHash: await hashPassword(chosen), role: 'admin' })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (inserted.length === 0) return null; // another process bootstrapped it first
  return { email, generatedPassword: password ? null : chosen };
}

/** Checks the credentials and opens a session; returns the cookie value, or null when they are wrong. */
export async function signIn(db: Db, email: string, password: string): Promise<{ token: string; userId: string; expiresAt: Date } | null> {
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1);
  // Hash even when the user is unknown, so timing does not tell which emails exist.
  const isValid = await verifyPassword(password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  if (!user || !isValid) return null;
  const { token, hash } = newToken('hs');
  const expiresAt = new Date(Date.now() + sessionDays * 86_400_000);
  await db.insert(sessions).values({ tokenHash: hash, userId: user.id, expiresAt });
  await db.delete(sessions).where(sql`${sessions.expiresAt} < now()`);
  return { token, userId: user.id, expiresAt };
}

export async function signOut(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}
