import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deliverySchema,
  runSchema,
  scheduleBulkActionSchema,
  scheduleBulkResultSchema,
  scheduleChannelStatsSchema,
  scheduleHistoryEntrySchema,
  scheduleInputSchema,
  scheduleSchema,
  scheduleStatusChangeSchema,
  timingPreviewInputSchema,
  timingPreviewSchema,
} from '@herald/shared';
import { fireNow } from '../../engine/scheduler/fire-now.ts';
import { pageOf, pageQuery } from '../../lib/pagination.ts';
import { authorId } from '../auth/plugin.ts';
import { deliveryEventRoutes } from './delivery-events-routes.ts';
import { presentSchedule } from './presenter.ts';
import { deliveryListQuery, idParams, runParams, scheduleListQuery } from './schema.ts';
import {
  createSchedule,
  deleteSchedule,
  getRun,
  channelStats,
  getSchedule,
  listDeliveries,
  listHistory,
  listRuns,
  listSchedules,
  previewTiming,
  setScheduleStatus,
  setStatusOfMany,
  updateSchedule,
} from './service.ts';

const tags = ['schedules'];

/** Scheduled notifications: a template, an audience, channels and a timing in a time zone. */
export const scheduleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.herald.database;
  await app.register(deliveryEventRoutes);

  app.get('/', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'List scheduled notifications, soonest next run first', querystring: scheduleListQuery, response: { 200: pageOf(scheduleSchema) } },
  }, async (request) => {
    const { rows, total } = await listSchedules(db, request.query);
    return { items: rows.map(presentSchedule), total, limit: request.query.limit, offset: request.query.offset };
  });

  app.post('/', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: 'Schedule a notification',
      description: 'Checks the timing (a one-time send must be in the future, a cron must parse, an end must not precede its start), that the template exists and has content for every channel, and that a test list or segment exists. Every problem is listed at once, by field.',
      body: scheduleInputSchema,
      response: { 201: scheduleSchema },
    },
  }, async (request, reply) => reply.status(201).send(presentSchedule(await createSchedule(db, request.body, authorId(request)))));

  app.post('/preview', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'Describe a timing and list its next send times', body: timingPreviewInputSchema, response: { 200: timingPreviewSchema } },
  }, async (request) => previewTiming(request.body));

  app.get('/:id', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'Get a scheduled notification', params: idParams, response: { 200: scheduleSchema } },
  }, async (request) => presentSchedule(await getSchedule(db, request.params.id)));

  app.put('/:id', {
    onRequest: app.authorize('write'),
    schema: {
      tags,
      summary: 'Replace a scheduled notification',
      description: 'A changed timing, or a paused schedule set active, sends next at its first occurrence after now; an unchanged timing keeps its next run.',
      params: idParams,
      body: scheduleInputSchema,
      response: { 200: scheduleSchema },
    },
  }, async (request) => presentSchedule(await updateSchedule(db, request.params.id, request.body, authorId(request))));

  app.delete('/:id', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Delete a scheduled notification with its runs; what is still queued is not sent', params: idParams, response: { 204: z.null() } },
  }, async (request, reply) => {
    await deleteSchedule(db, request.params.id);
    return reply.status(204).send(null);
  });

  for (const [action, status] of [['pause', 'paused'], ['resume', 'active']] as const) {
    const summary = action === 'pause' ? 'Pause: nothing fires until resumed' : 'Resume: sends next at the first occurrence after now';
    app.post(`/:id/${action}`, {
      onRequest: app.authorize('write'),
      schema: { tags, summary, params: idParams, body: scheduleStatusChangeSchema.nullish(), response: { 200: scheduleSchema } },
    }, async (request) => presentSchedule(await setScheduleStatus(db, request.params.id, status, authorId(request), request.body?.reason)));

    app.post(`/bulk/${action}`, {
      onRequest: app.authorize('write'),
      schema: { tags, summary: `${summary} (many schedules; each is changed or listed as refused)`, body: scheduleBulkActionSchema, response: { 200: scheduleBulkResultSchema } },
    }, async (request) => setStatusOfMany(db, request.body.ids, status, authorId(request), request.body.reason));
  }

  app.get('/:id/history', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: "A schedule's audit trail (created, updated, paused with the reason, resumed, sent now), newest first", params: idParams, querystring: pageQuery, response: { 200: pageOf(scheduleHistoryEntrySchema) } },
  }, async (request) => {
    const { rows, total } = await listHistory(db, request.params.id, request.query);
    return { items: rows, total, limit: request.query.limit, offset: request.query.offset };
  });

  app.get('/:id/channels', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'How each channel did over all runs: sends, failed attempts, opens, clicks, unsubscribes, cost', params: idParams, response: { 200: z.array(scheduleChannelStatsSchema) } },
  }, async (request) => channelStats(db, request.params.id));

  app.post('/:id/send-now', {
    onRequest: app.authorize('write'),
    schema: { tags, summary: 'Send now, outside the timing; the next scheduled run is unchanged', params: idParams, response: { 202: runSchema } },
  }, async (request, reply) => {
    const { runId } = await fireNow(app.herald, request.params.id, authorId(request));
    return reply.status(202).send(await getRun(db, request.params.id, runId));
  });

  app.get('/:id/runs', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: "A schedule's runs, newest first, with deliveries counted by status", params: idParams, querystring: pageQuery, response: { 200: pageOf(runSchema) } },
  }, async (request) => {
    const { rows, total } = await listRuns(db, request.params.id, request.query);
    return { items: rows, total, limit: request.query.limit, offset: request.query.offset };
  });

  app.get('/:id/runs/:runId/deliveries', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'The deliveries of one run', params: runParams, querystring: deliveryListQuery, response: { 200: pageOf(deliverySchema) } },
  }, async (request) => {
    const { rows, total } = await listDeliveries(db, request.params.id, request.params.runId, request.query);
    return { items: rows, total, limit: request.query.limit, offset: request.query.offset };
  });

  app.get('/:id/deliveries', {
    onRequest: app.authorize('read'),
    schema: { tags, summary: 'The deliveries of every run of a schedule', params: idParams, querystring: deliveryListQuery, response: { 200: pageOf(deliverySchema) } },
  }, async (request) => {
    const { rows, total } = await listDeliveries(db, request.params.id, undefined, request.query);
    return { items: rows, total, limit: request.query.limit, offset: request.query.offset };
  });
};
