import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { hashToken } from './password.ts';
import { callerOf, sessionCookie } from './plugin.ts';
import { signIn, signOut } from './service.ts';
import { roleSchema } from './roles.ts';

const meSchema = z.object({
  kind: z.enum(['user', 'token']),
  id: z.string().uuid(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  role: roleSchema,
});

/** Sign-in with a session cookie for the web UI. */
export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;

  app.post('/login', {
    // Slow down password guessing: a small per-IP budget, counted in this process.
    config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: {
      tags: ['auth'],
      summary: 'Sign in; sets the session cookie',
      security: [],
      // Only "something@something": the first admin defaults to admin@localhost, which
      // z.email() refuses (no dot in the domain), and it must be able to sign in.
      body: z.strictObject({ email: z.string().trim().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address'), password: z.string().min(1) }),
      response: { 200: meSchema },
    },
  }, async (request, reply) => {
    const session = await signIn(db, request.body.email, request.body.password);
    if (!session) throw new AppError('unauthenticated', 'Wrong email or password');
    const [user] = await db.select().from(users).where(eq(users.id, session.userId));
    if (!user) throw new AppError('unauthenticated', 'Wrong email or password');
    reply.setCookie(sessionCookie, session.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      expires: session.expiresAt,
    });
    return { kind: 'user' as const, id: user.id, email: user.email, name: user.name, role: roleSchema.parse(user.role) };
  });

  app.post('/logout', {
    schema: { tags: ['auth'], summary: 'Sign out', response: { 204: z.null() } },
  }, async (request, reply) => {
    const value = request.cookies[sessionCookie];
    if (value) await signOut(db, hashToken(value));
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.status(204).send(null);
  });

  app.get('/me', {
    onRequest: app.authorize('read'),
    schema: { tags: ['auth'], summary: 'Who am I', response: { 200: meSchema } },
  }, async (request) => {
    const caller = callerOf(request);
    if (caller.kind === 'token') return { ...caller, name: null };
    const [user] = await db.select().from(users).where(eq(users.id, caller.id));
    return { ...caller, name: user?.name ?? null };
  });
};
