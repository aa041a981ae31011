import type { FastifyInstance } from 'fastify';
import { userRoutes } from './users/routes.ts';
import { templateRoutes } from './templates/routes.ts';
import { scheduleRoutes } from './schedules/routes.ts';
import { recipientRoutes } from './recipients/routes.ts';
import { jobRoutes } from './jobs/routes.ts';
import { inboxRoutes } from './inbox/routes.ts';
import { segmentRoutes } from './segments/routes.ts';
import { pushRoutes } from './push/routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { trackingRoutes } from './tracking/routes.ts';
import { settingsRoutes } from './settings/routes.ts';
import { queueRoutes } from './queue/routes.ts';

/** Registers every feature module's routes. Each module owns its URL space. */
export async function registerModules(app: FastifyInstance): Promise<void> {
  await app.register(userRoutes, { prefix: '/api' });
  await app.register(templateRoutes, { prefix: '/api/notifications/templates' });
  await app.register(scheduleRoutes, { prefix: '/api/notifications/scheduled' });
  await app.register(recipientRoutes, { prefix: '/api/recipients' });
  await app.register(jobRoutes, { prefix: '/api/jobs' });
  await app.register(inboxRoutes, { prefix: '/api' });
  await app.register(segmentRoutes, { prefix: '/api/notifications/segments' });
  await app.register(pushRoutes, { prefix: '/api/push' });
  await app.register(webhookRoutes, { prefix: '/api/outgoing-webhooks' });
  await app.register(trackingRoutes);
  await app.register(settingsRoutes, { prefix: '/api/settings' });
  await app.register(queueRoutes, { prefix: '/api/queue' });
}
