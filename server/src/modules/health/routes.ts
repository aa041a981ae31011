import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';

/** Liveness, readiness and Prometheus metrics: open to operators' probes, no sign-in. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', {
    schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    schema: { hide: true, response: { 200: z.object({ status: z.literal('ready'), database: z.string() }), 503: z.object({ status: z.literal('unavailable'), database: z.string() }) } },
  }, async (_request, reply) => {
    try {
      await app.herald.database.query(sql`SELECT 1`);
      return { status: 'ready' as const, database: app.herald.database.driver };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const, database: app.herald.database.driver });
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { registry } = app.herald.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
