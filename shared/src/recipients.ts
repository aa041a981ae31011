import { z } from 'zod';
import { channelSchema, isoInstant, timeZoneSchema, uuid } from './common.ts';

export const recipientInputSchema = z.object({
  externalId: z.string().trim().min(1, 'is required').max(255),
  email: z.string().trim().email('must be an email address').max(320).nullish(),
  phone: z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +14155550123').nullish(),
  name: z.string().trim().max(200).nullish(),
  timezone: timeZoneSchema.nullish(),
  locale: z.string().trim().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'must be a locale such as en or pt-BR').nullish(),
  isActive: z.boolean().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  optedOutChannels: z.array(channelSchema).optional(),
});
export type RecipientInput = z.input<typeof recipientInputSchema>;

export const recipientSchema = z.object({
  id: uuid,
  externalId: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  timezone: z.string().nullable(),
  locale: z.string().nullable(),
  isActive: z.boolean(),
  attributes: z.record(z.string(), z.unknown()),
  optedOutChannels: z.array(channelSchema),
  unsubscribedAt: isoInstant.nullable(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type Recipient = z.infer<typeof recipientSchema>;

export const importJobSchema = z.object({
  id: uuid,
  status: z.enum(['running', 'completed', 'failed']),
  total: z.number().int(),
  processed: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.object({ row: z.number().int(), field: z.string(), message: z.string() })),
});
export type ImportJob = z.infer<typeof importJobSchema>;

export const inboxMessageSchema = z.object({
  id: uuid,
  title: z.string(),
  body: z.string(),
  url: z.string().nullable(),
  readAt: isoInstant.nullable(),
  createdAt: isoInstant,
});
export type InboxMessage = z.infer<typeof inboxMessageSchema>;
