import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { asc, eq, sql } from 'drizzle-orm';
import { apiTokens, users } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { hashPassword, newToken } from '../auth/password.ts';
import { authorId, callerOf } from '../auth/plugin.ts';
import { roleSchema } from '../auth/roles.ts';

const userSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: z.date(),
});

const tokenSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  lastUsedAt: z.date().nullable(),
  createdAt: z.date(),
});

const idParams = z.object({ id: z.string().uuid() });

/** People who use Herald, and API tokens for programs: admins only. */
export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;
  const isEmailTaken = (error: unknown) => (error as { code?: string; cause?: { code?: string } }).code === '23505' || (error as { cause?: { code?: string } }).cause?.code === '23505';

  app.get('/users', {
    onRequest: app.authorize('admin'),
    schema: { tags: ['users'], summary: 'List users', response: { 200: z.object({ items: z.array(userSchema) }) } },
  }, async () => {
    const rows = await db.select().from(users).orderBy(asc(users.email));
    return { items: rows.map((u) => ({ ...u, role: roleSchema.parse(u.role) })) };
  });

  app.post('/users', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['users'],
      summary: 'Create a user',
      body: z.strictObject({ email: z.string().email(), name: z.string().max(200).default(''), role: roleSchema, password: z.string().min(8).max(200) }),
      response: { 201: userSchema },
    },
  }, async (request, reply) => {
    const { email, name, role, password } = request.body;
    try {
      const [user] = await db.insert(users).values({ email, name, role, passwordHash: await hashPassword(password) }).returning();
      return reply.status(201).send({ ...user!, role });
    } catch (error) {
      if (isEmailTaken(error)) throw new AppError('conflict', `email: a user with ${email} already exists`, { issues: [{ field: 'email', rule: 'unique', message: 'is already taken' }] });
      throw error;
    }
  });

  app.put('/users/:id', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['users'],
      summary: 'Change a user\'s name, role or password',
      params: idParams,
      body: z.strictObject({ name: z.string().max(200).optional(), role: roleSchema.optional(), password: z.string().min(8).max(200).optional() }),
      response: { 200: userSchema },
    },
  }, async (request) => {
    const { name, role, password } = request.body;
    if (role && role !== 'admin' && callerOf(request).id === request.params.id) {
      throw new AppError('conflict', 'role: you cannot take the admin role from yourself');
    }
    const [user] = await db.update(users).set({
      ...(name !== undefined ? { name } : {}),
      ...(role ? { role } : {}),
      ...(password ? { passwordHash: await hashPassword(password) } : {}),
      updatedAt: sql`now()`,
    }).where(eq(users.id, request.params.id)).returning();
    if (!user) throw notFound('User', request.params.id);
    return { ...user, role: roleSchema.parse(user.role) };
  });

  app.delete('/users/:id', {
    onRequest: app.authorize('admin'),
    schema: { tags: ['users'], summary: 'Delete a user', params: idParams, response: { 204: z.null() } },
  }, async (request, reply) => {
    if (callerOf(request).id === request.params.id) throw new AppError('conflict', 'You cannot delete yourself');
    const deleted = await db.delete(users).where(eq(users.id, request.params.id)).returning({ id: users.id });
    if (deleted.length === 0) throw notFound('User', request.params.id);
    return reply.status(204).send(null);
  });

  app.get('/tokens', {
    onRequest: app.authorize('admin'),
    schema: { tags: ['users'], summary: 'List API tokens', response: { 200: z.object({ items: z.array(tokenSchema) }) } },
  }, async () => {
    const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.name));
    return { items: rows.map((t) => ({ ...t, role: roleSchema.parse(t.role) })) };
  });

  app.post('/tokens', {
    onRequest: app.authorize('admin'),
    schema: {
      tags: ['users'],
      summary: 'Create an API token; the token is shown in this response only',
      body: z.strictObject({ name: z.string().min(1).max(200), role: roleSchema }),
      response: { 201: tokenSchema.extend({ token: z.string() }) },
    },
  }, async (request, reply) => {
    const { token, hash } = newToken('hrld');
    const [row] = await db.insert(apiTokens)
      .values({ name: request.body.name, role: request.body.role, tokenHash: hash, prefix: token.slice(0, 9), createdBy: authorId(request) })
      .returning();
    return reply.status(201).send({ ...row!, role: request.body.role, token });
  });

  app.delete('/tokens/:id', {
    onRequest: app.authorize('admin'),
    schema: { tags: ['users'], summary: 'Revoke an API token', params: idParams, response: { 204: z.null() } },
  }, async (request, reply) => {
    const deleted = await db.delete(apiTokens).where(eq(apiTokens.id, request.params.id)).returning({ id: apiTokens.id });
    if (deleted.length === 0) throw notFound('API token', request.params.id);
    return reply.status(204).send(null);
  });
};
