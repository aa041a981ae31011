import { z } from 'zod';
import { isoInstant, uuid } from './common.ts';

/**
 * Segments: dynamic audiences written in a small Mongo-like query language. The server
 * parses and compiles queries (server/src/modules/segments); this file holds what the API
 * and the web builder share: operators, field types, limits and the wire shapes.
 */

/** Every operator a criterion may use. `$eq` is also written as a bare value: `{"plan": "pro"}`. */
export const segmentOperators = [
  '$eq', '$ne', '$in', '$nin',
  '$contains', '$startsWith', '$regex',
  '$exists',
  '$gt', '$gte', '$lt', '$lte', '$between',
  '$before', '$after', '$withinLastDays',
] as const;
export type SegmentOperator = (typeof segmentOperators)[number];

/**
 * The type of a field, which decides its operators and the builder's input.
 * `schedule`: engagement with one scheduled notification (the value is a schedule id);
 * `mixed`: an attribute whose sampled values have more than one type.
 */
export const segmentFieldTypes = ['string', 'number', 'boolean', 'date', 'array', 'object', 'schedule', 'mixed'] as const;
export type SegmentFieldType = (typeof segmentFieldTypes)[number];

/** The operators each type offers, in the order the builder lists them. */
export const operatorsByFieldType: Record<SegmentFieldType, readonly SegmentOperator[]> = {
  string: ['$eq', '$ne', '$in', '$nin', '$contains', '$startsWith', '$regex', '$exists'],
  number: ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$between', '$in', '$nin', '$exists'],
  boolean: ['$eq', '$ne', '$exists'],
  date: ['$after', '$before', '$withinLastDays', '$between', '$gt', '$gte', '$lt', '$lte', '$exists'],
  array: ['$contains', '$exists'],
  object: ['$exists'],
  schedule: ['$eq', '$ne', '$in', '$nin', '$exists'],
  mixed: ['$eq', '$ne', '$in', '$nin', '$contains', '$startsWith', '$regex', '$gt', '$gte', '$lt', '$lte', '$between', '$exists'],
};

/** Limits every query must respect; beyond them the API answers 400 naming the criterion. */
export const segmentLimits = {
  /** nesting of AND / OR / NOT groups */
  maxDepth: 10,
  maxCriteria: 200,
  maxListValues: 1000,
  maxStringLength: 1000,
  maxPatternLength: 500,
  maxFieldNameLength: 200,
  maxWithinLastDays: 36_500,
} as const;

/** The query grammar, as the OpenAPI description shows it. */
export const segmentQueryGrammar = [
  'A segment query is a JSON tree of groups and criteria.',
  '',
  '- **Groups**: `{"AND": [node, …]}`, `{"OR": [node, …]}`, `{"NOT": node}`. `{"AND": []}` matches everyone, `{"OR": []}` nobody.',
  '- **Criterion**: `{"<field>": <value>}` (equals) or `{"<field>": {"<operator>": <operand>, …}}`. Several fields or operators in one object are ANDed.',
  '- **Fields**: recipient fields (`isActive`, `email`, `phone`, `name`, `externalId`, `timezone`, `locale`, `createdAt`, `updatedAt`, `unsubscribedAt`, `optedOutChannels`),',
  '  engagement fields (`received`, `opened`, `clicked` with a schedule id; `lastReceivedAt`, `lastOpenedAt`, `lastClickedAt`; `openRate`, `clickRate` in percent),',
  '  and any attribute the host app sent, by bare name (`plan`) or as `attributes.<name>` when a recipient field has the same name. `GET /segments/fields` lists them with their types.',
  '- **Operators**: `$eq`, `$ne`, `$in` / `$nin` (array, at most 1,000 values), `$contains` (text, any case; or an element of an array), `$startsWith` (any case),',
  '  `$regex` (PostgreSQL regular expression; `"$options": "i"` ignores case), `$exists` (true/false), `$gt` `$gte` `$lt` `$lte` (numbers or dates), `$between: [low, high]` (inclusive),',
  '  `$before` / `$after` (dates), `$withinLastDays: N`.',
  '- **Values**: dates are ISO 8601 (`2024-01-01` or `2024-01-01T09:30:00Z`; without an offset, UTC). `$ne`, `$nin` and `$exists: false` also match recipients who lack the field.',
  '- **Limits**: depth ≤ 10, ≤ 200 criteria, `$in` ≤ 1,000 values. Each refusal is a 400 whose `details.issues[].field` is the criterion\'s path, e.g. `query.AND.2.location.$regex`.',
  '',
  'Example: `{"AND":[{"isActive":true},{"role":"premium_user"},{"location":{"$regex":"California"}},{"createdAt":{"$gte":"2024-01-01"}}]}`',
].join('\n');

/** A segment query. Its grammar is checked by the server, which names the criterion at fault. */
export const segmentQuerySchema = z
  .record(z.string(), z.unknown())
  .describe(segmentQueryGrammar)
  .meta({
    examples: [
      { AND: [{ isActive: true }, { role: 'premium_user' }, { location: { $regex: 'California' } }, { createdAt: { $gte: '2024-01-01' } }] },
      { OR: [{ plan: { $in: ['pro', 'business'] } }, { NOT: { lastOpenedAt: { $withinLastDays: 30 } } }] },
    ],
  });
export type SegmentQuery = Record<string, unknown>;

export const segmentInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().max(2000).default(''),
  query: segmentQuerySchema,
});
export type SegmentInput = z.input<typeof segmentInputSchema>;

/**
 * A change to a segment: rename it, describe it, or change its query; what is left out stays.
 * (Not `segmentInputSchema.partial()`: zod keeps `description`'s default there, so a rename
 * alone would blank the description.)
 */
export const segmentUpdateSchema = z.strictObject({
  name: segmentInputSchema.shape.name.optional(),
  description: z.string().max(2000).optional(),
  query: segmentQuerySchema.optional(),
});
export type SegmentUpdate = z.input<typeof segmentUpdateSchema>;

export const segmentScheduleRefSchema = z.object({ id: uuid, name: z.string(), status: z.string() });

export const segmentSchema = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  query: segmentQuerySchema,
  /** recipients matching now; null unless asked for (`withCount=true`) or when counting failed */
  size: z.number().int().nullable(),
  /** why `size` is null although it was asked for (e.g. the count took too long) */
  sizeError: z.string().nullable(),
  /** schedules whose audience is this segment */
  schedules: z.array(segmentScheduleRefSchema),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type Segment = z.infer<typeof segmentSchema>;

export const segmentPreviewInputSchema = z.strictObject({
  query: segmentQuerySchema,
  /** how many matching recipients to return */
  sampleSize: z.number().int().min(0).max(100).default(10),
});
export type SegmentPreviewInput = z.input<typeof segmentPreviewInputSchema>;

export const segmentSampleRecipientSchema = z.object({
  id: uuid,
  externalId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  timezone: z.string().nullable(),
  locale: z.string().nullable(),
  isActive: z.boolean(),
  attributes: z.record(z.string(), z.unknown()),
  createdAt: isoInstant,
});
export type SegmentSampleRecipient = z.infer<typeof segmentSampleRecipientSchema>;

export const segmentPreviewSchema = z.object({
  count: z.number().int(),
  sample: z.array(segmentSampleRecipientSchema),
  /** how long the database took, in milliseconds */
  tookMs: z.number(),
});
export type SegmentPreview = z.infer<typeof segmentPreviewSchema>;

export const segmentFieldGroups = ['recipient', 'engagement', 'attribute'] as const;

/** One field the builder offers: its type decides the operators and the input. */
export const segmentFieldSchema = z.object({
  /** what a query names: `email`, `opened`, `plan` (or `attributes.plan` when the bare name is taken) */
  key: z.string(),
  label: z.string(),
  group: z.enum(segmentFieldGroups),
  type: z.enum(segmentFieldTypes),
  operators: z.array(z.enum(segmentOperators)),
  description: z.string(),
  /** a few values seen in the data (attributes) or the allowed values (enumerations) */
  examples: z.array(z.union([z.string(), z.number(), z.boolean()])),
  /** choices with labels, for fields whose value is an id (the schedules of `opened` …) */
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  /** attributes: the share of sampled recipients that have it, 0–1 */
  coverage: z.number().optional(),
});
export type SegmentField = z.infer<typeof segmentFieldSchema>;

export const segmentFieldCatalogSchema = z.object({
  items: z.array(segmentFieldSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  /** how many recipients the attribute discovery looked at */
  sampledRecipients: z.number().int(),
  generatedAt: isoInstant,
});
export type SegmentFieldCatalog = z.infer<typeof segmentFieldCatalogSchema>;
