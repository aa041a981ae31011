export * from './common.ts';
export * from './timing.ts';
export * from './schedules.ts';
export * from './templates.ts';
export * from './recipients.ts';
export * from './segments.ts';
export * from './delivery.ts';
export * from './queue.ts';
