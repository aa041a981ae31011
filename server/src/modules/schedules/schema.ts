import { z } from 'zod';
import { deliveryStatusSchema, scheduleStatusSchema } from '@herald/shared';
import { pageQuery } from '../../lib/pagination.ts';

export const scheduleListQuery = pageQuery.extend({
  status: scheduleStatusSchema.optional(),
  templateId: z.string().uuid().optional(),
  q: z.string().trim().max(200).optional().describe('matches the name, case-insensitive'),
});
export type ScheduleListQuery = z.infer<typeof scheduleListQuery>;

export const deliveryListQuery = pageQuery.extend({ status: deliveryStatusSchema.optional() });
export type DeliveryListQuery = z.infer<typeof deliveryListQuery>;

export const idParams = z.object({ id: z.string().uuid() });
export const runParams = z.object({ id: z.string().uuid(), runId: z.string().uuid() });
