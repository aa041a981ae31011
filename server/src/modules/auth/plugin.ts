import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eq, sql } from 'drizzle-orm';
import { apiTokens, sessions, users } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { hashToken } from './password.ts';
import { canRole, roleSchema, type Permission, type Role } from './roles.ts';

export const sessionCookie = 'herald_session';

/** Who is calling: a signed-in person or an API token. */
export type Caller = { kind: 'user' | 'token'; id: string; email: string | null; role: Role };

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface FastifyRequest {
    caller: Caller | null;
  }
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- module augmentation needs an interface
  interface FastifyInstance {
    /** An onRequest hook that lets through only callers whose role grants the permission. */
    authorize: (permission: Permission) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

async function identify(app: FastifyInstance, request: FastifyRequest): Promise<Caller | null> {
  const { db } = app.herald.database;
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const [token] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hashToken(header.slice(7).trim()))).limit(1);
    if (!token) throw new AppError('unauthenticated', 'The API token is not valid');
    // last_used_at at minute precision keeps writes rare on busy tokens
    void db.update(apiTokens).set({ lastUsedAt: sql`now()` })
      .where(sql`${apiTokens.id} = ${token.id} AND (${apiTokens.lastUsedAt} IS NULL OR ${apiTokens.lastUsedAt} < now() - interval '1 minute')`)
      .catch(() => {});
    return { kind: 'token', id: token.id, email: null, role: roleSchema.parse(token.role) };
  }
  const cookieValue = request.cookies[sessionCookie];
  if (!cookieValue) return null;
  const [row] = await db
    .select({ id: users.id, email: users.email, role: users.role, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, hashToken(cookieValue)))
    .limit(1);
  if (!row || row.expiresAt.getTime() < Date.now()) return null;
  return { kind: 'user', id: row.id, email: row.email, role: roleSchema.parse(row.role) };
}

/** Identifies the caller of every request and adds `app.authorize(permission)`. */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    request.caller = await identify(app, request);
  });
  app.decorate('authorize', (permission: Permission) => async (request: FastifyRequest) => {
    if (!request.caller) throw new AppError('unauthenticated', 'Sign in or send an API token (Authorization: Bearer …)');
    if (!canRole(request.caller.role, permission)) {
      throw new AppError('forbidden', `Your role (${request.caller.role}) does not allow this: it needs the "${permission}" permission`);
    }
  });
}

/** The caller of an authorized route; a route reaches this only after `authorize` let it in. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new AppError('unauthenticated', 'Not signed in');
  return request.caller;
}

/** The user id to record as author, or null for API tokens. */
export function authorId(request: FastifyRequest): string | null {
  return request.caller?.kind === 'user' ? request.caller.id : null;
}
